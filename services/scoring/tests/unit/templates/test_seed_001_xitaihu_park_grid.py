"""Seed 001 (西太湖科技产业园, month, basic grids): worked examples computed by hand."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .support import run, template

D = Decimal

SCHEME = template("seed_001_xitaihu_park_grid.yaml")


def clean(**changes: Any) -> dict[str, Any]:
    """A grid with nothing to deduct and 80 valid reports and service records."""
    facts: dict[str, Any] = {
        "resident_complaints_verified": 0,
        "inspector_complaints_verified": 0,
        "leader_dissatisfied": 0,
        "meetings_missed": 0,
        "signboards_missing": 0,
        "badge_missing": 0,
        "confidentiality_breaches": 0,
        "trainings_missed": 0,
        "workdays_unpatrolled": 0,
        "workdays_patrol_short": 0,
        "visit_cycle_misses": 0,
        "subcategories_not_collected": 0,
        "subcategories_below_target": 0,
        "false_records": 0,
        "updates_missed": 0,
        "shirked_events": 0,
        "valid_reports": 80,
        "service_records": 80,
        "reports_total": 90,
        "unqualified_reports": 0,
        "false_reports": 0,
        "spot_check_findings": 0,
        "spot_check_overdue": 0,
        "resident_reports_found": 0,
        "other_overdue": 0,
    }
    facts.update(changes)
    return facts


def test_clean_grid_scores_full_marks() -> None:
    sheet = run(SCHEME, "2024-05", {"g1": clean()}).sheet("g1")
    assert sheet.total == 100
    assert all(line.points == line.max_points for line in sheet.lines if line.section == "scored")


def test_worked_example_line_by_line() -> None:
    facts = clean(
        resident_complaints_verified=1,
        leader_dissatisfied=1,  # 1 + 2 of 4
        meetings_missed=6,  # 6 × 0.2 = 1.2 > 1: the sub-item is used up
        signboards_missing=1,
        badge_missing=1,  # 0.5 + 0.2 of 1
        trainings_missed=1,  # 0.2 of 1
        workdays_unpatrolled=2,
        workdays_patrol_short=3,
        visit_cycle_misses=1,  # 1 + 0.6 + 0.2
        subcategories_not_collected=1,
        subcategories_below_target=2,
        false_records=1,
        updates_missed=1,
        shirked_events=2,
        valid_reports=72,  # 8 short × 0.2
        service_records=85,
        reports_total=100,
        unqualified_reports=10,
        false_reports=2,  # 12% non-conforming
        spot_check_findings=3,
        spot_check_overdue=1,
        resident_reports_found=2,
        other_overdue=2,
    )
    sheet = run(SCHEME, "2024-05", {"g1": facts}).sheet("g1")
    points = {line.indicator_id: line.points for line in sheet.lines}
    assert points == {
        "discipline": 4 - (1 + 2),
        "system_meetings": 0,
        "system_posting": 1 - (D("0.5") + D("0.2")),
        "system_confidentiality": 2,
        "system_training": 1 - D("0.2"),
        "system_patrol": 6 - (2 * D("0.5") + 3 * D("0.2") + 1 * D("0.2")),
        "info_collection": 12 - (D("0.5") + 2 * D("0.2") + D("0.5")),
        "info_updates": 3 - D("0.5"),
        "event_handling": 7 - 2,
        "report_quantity": 15 - 8 * D("0.2"),
        "service_record_quantity": 10,
        "report_quality": 8 - (10 * D("0.2") + 2 * 1),
        # 3 spot-check findings × 0.2 + 2 complaints × 0.2; the overdue one is not doubled
        # here: its "双倍扣分" is item 8's 1 point against 0.5
        "inspection_findings": 15 - (3 * D("0.2") + 2 * D("0.2")),
        "rectification": 15 - (2 * D("0.5") + 1 * 1),
        "report_ranking_bonus": 0,
    }
    daily = 1 + 0 + D("0.3") + 2 + D("0.8") + D("4.2")
    information = D("10.6") + D("2.5")
    flow = 5 + D("13.4") + 10 + 4
    inspection = 14 + 13
    assert sheet.total == daily + information + flow + inspection == D("80.8")
    assert "扣完为止" in sheet.line("system_meetings").zh
    assert sheet.line("inspection_findings").zh == (
        "巡查员不定期抽查发现问题3次×0.2分=0.6分；群众投诉举报发现问题2次×0.2分=0.4分，扣1分，得14分"
    )
    assert "不定期抽查事项未按时整改1次×1分=1分" in sheet.line("rectification").zh


def test_an_overdue_spot_check_item_is_deducted_once() -> None:
    """Item 7 deducts the finding (0.2), item 8 the overdue rectification (1, double the 0.5
    of other kinds): 1.2 in all, not 1.4."""
    facts = clean(spot_check_findings=1, spot_check_overdue=1)
    sheet = run(SCHEME, "2024-05", {"g": facts}).sheet("g")
    assert sheet.line("inspection_findings").points == 15 - D("0.2")
    assert sheet.line("rectification").points == 15 - 1
    assert sheet.total == 100 - D("1.2")


def test_over_thirty_percent_non_conforming_scores_nothing() -> None:
    at_thirty = clean(reports_total=100, unqualified_reports=30)  # 30%: still scored
    over = clean(reports_total=100, unqualified_reports=31)  # 31%: nothing
    result = run(SCHEME, "2024-05", {"a": at_thirty, "b": over})
    assert result.sheet("a").line("report_quality").points == 8 - 30 * D("0.2")
    assert result.sheet("b").line("report_quality").points == 0
    assert "超过30%事项不符合要求，不得分" in result.sheet("b").line("report_quality").zh
    # false reports count as non-conforming too: 25 + 6 = 31%
    mixed = clean(reports_total=100, unqualified_reports=25, false_reports=6)
    assert run(SCHEME, "2024-05", {"m": mixed}).sheet("m").line("report_quality").points == 0


def test_deductions_stop_at_zero() -> None:
    facts = clean(other_overdue=40, valid_reports=0, shirked_events=9)
    sheet = run(SCHEME, "2024-05", {"g": facts}).sheet("g")
    assert sheet.line("rectification").points == 0  # 20 > 15
    assert sheet.line("report_quantity").points == 0  # 80 × 0.2 = 16 > 15
    assert sheet.line("event_handling").points == 0
    assert sheet.total == 100 - 15 - 15 - 7


def test_overdue_item_found_in_an_earlier_month_is_assessable() -> None:
    """A spot-check finding of April whose deadline passes in May: no finding in May, one
    overdue item. It was refused as "overdue exceeds findings" (not assessable)."""
    facts = clean(spot_check_findings=0, spot_check_overdue=1)
    sheet = run(SCHEME, "2024-05", {"g": facts}).sheet("g")
    assert sheet.assessable
    assert [m.resolution for m in sheet.missing] == ["default"]  # only the bonus, declared 0
    assert sheet.line("inspection_findings").points == 15
    assert sheet.line("rectification").points == 14
    assert sheet.total == 99


def test_discretionary_bonus_adds_outside_the_hundred() -> None:
    sheet = run(SCHEME, "2024-05", {"g": clean(report_ranking_bonus=2)}).sheet("g")
    assert sheet.total == 102
