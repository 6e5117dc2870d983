"""Seed 000 (雪堰镇, year, villages/communities): worked examples computed by hand."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .support import run, template

D = Decimal

SCHEME = template("seed_000_xueyan_town_2020.yaml")
WORKDAYS_2020 = 249  # Chinese calendar 2020: 366 days less weekends and holidays, plus make-up days
DISTRICT = {"district_satisfaction_avg": 88}


def full(**changes: Any) -> dict[str, Any]:
    """A village that meets every target (events: 2 grids × 5 × 249 workdays = 2490)."""
    facts: dict[str, Any] = {
        "has_management_system": True,
        "has_worker_assessment": True,
        "systems_filed": True,
        "staffing_rate": 100,
        "grid_count": 2,
        "events_total": 2490,
        "events_escalated": 498,  # 20%
        "events_public_order": 300,
        "events_public_safety": 300,
        "events_enforcement": 300,
        "events_environment": 300,
        "events_closed_on_time": 2490,
        "satisfaction_rate": 90,
        "compliance_rate": 100,
    }
    facts.update(changes)
    return facts


def test_worked_example_village_a_line_by_line() -> None:
    a = full(
        systems_filed=False,
        staffing_rate="92.5",
        events_public_order=249,  # 10.0% — meets "10%以上"
        events_public_safety=300,
        events_enforcement=250,
        events_environment=200,  # 8.03% — short
        events_closed_on_time=2241,  # 90%
        satisfaction_rate=85,
        compliance_rate=95,
        leader_praise={"city": 1, "district": 2},
        media_coverage={"province": 1},
        pioneer_awards=4,
        criticisms=1,
        inspection_problems=7,
    )
    b = full(inspection_problems=9, pioneer_awards=1)
    result = run(SCHEME, "2020", {"A": a, "B": b}, DISTRICT)
    sheet = result.sheet("A")
    points = {line.indicator_id: line.points for line in sheet.lines}
    assert points["systems"] == 5 - 1  # not filed: −1
    assert points["staffing"] == 20 - D("7.5") * D("0.2")  # 18.5
    assert points["event_count"] == 10  # 2490 of 2 × 5 × 249
    assert points["event_escalation"] == 20  # exactly 20%
    # four categories together 999/2490 = 40.12% > 40%: one short category costs 1.5
    assert points["event_structure"] == 15 - D("1.5")
    assert points["closure"] == 5 - 10 * D("0.1")  # 90% closed on time
    assert points["satisfaction"] == 15 - 3 * D("0.15")  # 85 vs the district's 88
    assert points["compliance"] == 10 - 5 * D("0.5")
    assert points["bonus_leader_praise"] == 3  # city 3 beats district 2, not cumulative
    assert points["bonus_media"] == 3  # provincial media
    assert points["bonus_pioneer"] == 5  # most pioneer awards
    assert points["deduct_criticism"] == -5
    assert points["deduct_inspection"] == -3  # B found with more problems is first
    assert points["deduct_snail"] == 0
    expected = (4 + D("18.5") + 10 + 20 + D("13.5") + 4 + D("14.55") + D("7.5")) + 3 + 3 + 5 - 5 - 3
    assert sheet.total == expected == D("95.05")
    assert sheet.line("staffing").zh == (
        "专职网格员配备率92.5%，低于100%共7.5个百分点，每个百分点扣0.2分，扣1.5分，得18.5分"
    )
    assert ("workdays", D(WORKDAYS_2020)) in sheet.line("event_count").inputs


def test_rates_far_below_target_floor_at_zero_and_threshold_scores_nothing() -> None:
    b = full(
        has_management_system=False,
        has_worker_assessment=False,
        systems_filed=False,
        staffing_rate=0,  # 100 points × 0.2 = 20: exactly nothing left
        events_total=0,  # every rate 0, every category short
        events_escalated=0,
        events_public_order=0,
        events_public_safety=0,
        events_enforcement=0,
        events_environment=0,
        events_closed_on_time=0,  # 100 points × 0.1 = 10 > 5: floored at 0
        satisfaction_rate=40,  # 48 points under 88 × 0.15 = 7.2
        compliance_rate="89.9",  # under 90: scores nothing (not 10 − 5.05)
    )
    sheet = run(SCHEME, "2020", {"B": b}, DISTRICT).sheet("B")
    points = {line.indicator_id: line.points for line in sheet.lines}
    assert points["systems"] == 0
    assert points["staffing"] == 0
    assert points["event_count"] == 0
    assert points["event_escalation"] == 0
    assert points["event_structure"] == 15 - 4 * D("3.5")  # together 0%, not above 40%
    assert points["closure"] == 0
    assert points["satisfaction"] == 15 - 48 * D("0.15")
    assert points["compliance"] == 0
    assert "低于90%，不得分" in sheet.line("compliance").zh
    assert "扣完为止" in sheet.line("closure").zh
    assert sheet.total == 1 + D("7.8")


def test_compliance_at_exactly_ninety_still_scores() -> None:
    sheet = run(SCHEME, "2020", {"A": full(compliance_rate=90)}, DISTRICT).sheet("A")
    assert sheet.line("compliance").points == 10 - 10 * D("0.5")


def test_four_categories_above_forty_percent_cost_one_and_a_half_each() -> None:
    # 1400 + 900 + 100 + 90 of 2490: together 100% > 40%; enforcement 4.02% and
    # environment 3.61% are short: 2 × 1.5
    facts = full(
        events_public_order=1400,
        events_public_safety=900,
        events_enforcement=100,
        events_environment=90,
    )
    line = run(SCHEME, "2020", {"A": facts}, DISTRICT).sheet("A").line("event_structure")
    assert line.points == 15 - 2 * D("1.5")


def test_combined_exactly_forty_percent_is_not_above() -> None:
    # 249 each = 10% each, 996 together = 40%: nothing short, so no deduction either way
    even = full(
        events_public_order=249,
        events_public_safety=249,
        events_enforcement=249,
        events_environment=249,
    )
    assert (
        run(SCHEME, "2020", {"A": even}, DISTRICT).sheet("A").line("event_structure").points == 15
    )
    # 498 + 498 + 0 + 0 = 40% exactly, two categories short: 2 × 3.5
    lopsided = full(
        events_public_order=498,
        events_public_safety=498,
        events_enforcement=0,
        events_environment=0,
    )
    line = run(SCHEME, "2020", {"A": lopsided}, DISTRICT).sheet("A").line("event_structure")
    assert line.points == 15 - 2 * D("3.5")


def test_event_count_uses_working_days_of_the_year() -> None:
    # 2 grids × 5 × 249 = 2490 required; 1992 reported = 80% → 10 − 20 × 0.1
    sheet = run(
        SCHEME,
        "2020",
        {"A": full(events_total=1992, events_escalated=400, events_closed_on_time=1992)},
        DISTRICT,
    ).sheet("A")
    assert sheet.line("event_count").points == 10 - 20 * D("0.1")


def test_tenant_working_days_for_the_year_change_the_events_required() -> None:
    # the town decides 2020 counts 240 working days: 2 × 5 × 240 = 2400 required, and
    # 1992 reported is 83% → 10 − 17 × 0.1 (by the holiday data it is 80%: 8)
    village = {"A": full(events_total=1992, events_escalated=400, events_closed_on_time=1992)}
    sheet = run(SCHEME, "2020", village, DISTRICT, calendar={"working_days": 240}).sheet("A")
    line = sheet.line("event_count")
    assert line.points == 10 - 17 * D("0.1")
    assert ("workdays", D(240)) in line.inputs
    assert ("events_required", D(2400)) in line.inputs


def test_top_three_ties_share_the_place() -> None:
    villages = {
        "A": full(pioneer_awards=6, snail_awards=2),
        "B": full(pioneer_awards=6),
        "C": full(pioneer_awards=3, snail_awards=2),
        "D": full(pioneer_awards=1, snail_awards=1),
    }
    result = run(SCHEME, "2020", villages, DISTRICT)
    pioneer = {s.subject_id: s.line("bonus_pioneer").points for s in result.sheets}
    snail = {s.subject_id: s.line("deduct_snail").points for s in result.sheets}
    assert pioneer == {"A": 5, "B": 5, "C": 2, "D": 0}  # 1, 1, 3, 4th place gets nothing
    assert snail == {"A": -5, "B": 0, "C": -5, "D": -2}  # B has none: not placed
    assert result.sheet("A").total == 100 + 5 - 5


def test_missing_fact_is_reported_and_not_zero() -> None:
    partial = full()
    del partial["staffing_rate"]
    result = run(SCHEME, "2020", {"A": full(), "B": partial}, DISTRICT)
    b = result.sheet("B")
    assert not b.assessable
    assert b.total is None
    assert b.rank is None
    assert [(m.input_id, m.resolution) for m in b.missing] == [("staffing_rate", "not_assessable")]
    assert result.sheet("A").rank == 1
    # declared defaults (bonus inputs) are used, and reported as such
    defaults = {m.input_id for m in result.sheet("A").missing if m.resolution == "default"}
    assert "pioneer_awards" in defaults
