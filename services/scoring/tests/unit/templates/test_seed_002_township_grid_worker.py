"""Seed 002 (乡镇网格员, quarter): 80% basic + 20% satisfaction, grades with a 20% quota for
优秀, streaks of 不合格, subsidy at 70% for 不合格 shared among 优秀. Worked by hand."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from services.scoring.domain.results import Evaluation

from .support import run, template

D = Decimal

SCHEME = template("seed_002_township_grid_worker.yaml")
# 2024-Q1 has 91 days: 13 whole weeks, 2 logs a week = 26 logs required, one screening a week


def screened(weeks: int, per_week: int = 1) -> dict[str, int]:
    """Screenings in the first ``weeks`` ISO weeks of 2024 (2024-W01 starts on 1 January)."""
    return {f"2024-W{week:02d}": per_week for week in range(1, weeks + 1)}


def perfect(**changes: Any) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "info_errors": 0,
        "info_not_updated": 0,
        "weekly_entries_missing": 0,
        "info_not_communicated": 0,
        "opinions_not_collected": 0,
        "party_count_unclear": 0,
        "party_service_missed": 0,
        "screening_weeks": screened(13),
        "petitions_county": 0,
        "petitions_city": 0,
        "petitions_district": 0,
        "home_checks_missed": 0,
        "errands_not_done": 0,
        "errands_poor": 0,
        "special_visits_missed": 0,
        "household_visits_missed": 0,
        "work_logs": 26,
        "late_or_early": 0,
        "absent_unexcused": 0,
        "reports_late": 0,
        "satisfaction_score": 100,
        "subsidy_amount": 3000,
    }
    facts.update(changes)
    return facts


def with_total(total: int) -> dict[str, Any]:
    """A worker scoring ``total``: basic work ``total`` and satisfaction ``total``, since
    0.8 × t + 0.2 × t = t. Basic work loses 100 − t points, one point per occurrence."""
    lose = 100 - total
    facts = perfect(satisfaction_score=total)
    for name, most in (
        ("work_logs", 10),
        ("absent_unexcused", 10),
        ("info_errors", 15),
        ("info_not_communicated", 15),
        ("errands_poor", 15),
        ("special_visits_missed", 20),
    ):
        step = min(lose, most)
        facts[name] = 26 - step if name == "work_logs" else step
        lose -= step
    assert lose == 0
    return facts


def test_worked_example_weighted_total() -> None:
    facts = perfect(
        info_errors=2,
        info_not_updated=1,
        weekly_entries_missing=3,  # 15 − 6
        party_count_unclear=1,  # 15 − 1
        screening_weeks=screened(11, per_week=2),  # 2 weeks missed, doubling up none
        petitions_city=1,  # 15 − (1 + 2)
        errands_not_done=1,  # 15 − 2
        special_visits_missed=2,
        household_visits_missed=5,  # 20 − (2 + 0.5)
        work_logs=20,  # 6 short of 26
        late_or_early=1,
        absent_unexcused=1,  # 10 − 1.5
        satisfaction_score=90,
    )
    sheet = run(SCHEME, "2024-Q1", {"w": facts}).sheet("w")
    basic = 9 + 14 + 12 + 13 + D("17.5") + 4 + D("8.5")
    assert basic == 78
    assert sheet.line("work_log").points == 10 - 6
    assert dict(sheet.groups) == {"basic": D("0.8") * basic, "satisfaction": D("0.2") * 90}
    assert sheet.total == D("0.8") * 78 + D("0.2") * 90 == D("80.4")
    assert sheet.grade == "qualified"


def test_excellent_quota_cuts_the_third_of_ten() -> None:
    totals = [98, 96, 92, 85, 80, 75, 72, 70, 65, 60]
    workers = {f"w{i:02d}": with_total(t) for i, t in enumerate(totals)}
    result = run(SCHEME, "2024-Q1", workers)
    assert [s.total for s in result.sheets] == [D(t) for t in totals]
    grades = [s.grade for s in result.sheets]
    # 20% of 10 = 2 excellent at most: the third ≥ 90 becomes qualified
    assert grades == ["excellent"] * 2 + ["qualified"] * 6 + ["unqualified"] * 2
    note = result.sheet("w02").grade_note
    assert note is not None
    assert "名额" in note.zh


def test_tie_across_the_quota_excludes_both() -> None:
    totals = [95, 92, 92, 80, 80, 80, 80, 80, 80, 80]
    result = run(SCHEME, "2024-Q1", {f"w{i}": with_total(t) for i, t in enumerate(totals)})
    assert [s.rank for s in result.sheets[:4]] == [1, 2, 2, 4]
    assert sum(1 for s in result.sheets if s.grade == "excellent") == 1
    assert result.sheet("w1").grade == result.sheet("w2").grade == "qualified"


def test_boundaries_ninety_and_seventy() -> None:
    totals = [90, 70, 69, 80, 80]
    result = run(SCHEME, "2024-Q1", {f"w{i}": with_total(t) for i, t in enumerate(totals)})
    # 20% of 5 = 1 excellent slot; 90 exactly is excellent, 70 qualified, 69 unqualified
    assert result.sheet("w0").grade == "excellent"
    assert result.sheet("w1").grade == "qualified"
    assert result.sheet("w2").grade == "unqualified"


def test_subsidy_withheld_from_unqualified_goes_to_the_excellent() -> None:
    totals = [95, 93, 80, 80, 80, 80, 80, 80, 60, 65]
    workers = {f"w{i}": with_total(t) for i, t in enumerate(totals)}
    workers["w8"]["subsidy_amount"] = 3000
    workers["w9"]["subsidy_amount"] = 2001
    result = run(SCHEME, "2024-Q1", workers)
    # unqualified get 70%; 30% withheld: 900 + 600.30 = 1500.30 shared by 2 excellent
    assert result.sheet("w8").money_line("subsidy").amount == D("2100.00")
    assert result.sheet("w9").money_line("subsidy").amount == D("1400.70")
    pool = D("900.00") + D("600.30")
    best, second = result.sheet("w0"), result.sheet("w1")
    assert best.money_line("subsidy").amount == 3000
    assert best.money_line("subsidy.share").amount == pool / 2 == D("750.15")
    assert second.money_line("subsidy.share").amount == D("750.15")
    assert best.money_total == D("3750.15")
    assert result.sheet("w2").money_total == 3000  # qualified: full subsidy, no share
    # the share names the grade by its label, as the sheet shows it, never by its id
    share = best.money_line("subsidy.share")
    assert share.zh == "扣发补贴共1500.30元，由2名优秀平分，得750.15元"
    assert share.en == "withheld pool 1500.30 shared equally by 2 excellent: 750.15"


def test_unqualified_in_the_first_and_third_quarter_is_not_two_running() -> None:
    q1 = run(SCHEME, "2024-Q1", {"bad": with_total(60)})
    q3 = run(SCHEME, "2024-Q3", {"bad": with_total(60)}, history=[q1])
    assert q3.sheet("bad").flags == ()


def test_unqualified_streaks_raise_notice_then_not_renewed() -> None:
    history: list[Evaluation] = []
    quarters = ["2024-Q1", "2024-Q2", "2024-Q3"]
    flags = []
    for quarter in quarters:
        result = run(
            SCHEME, quarter, {"bad": with_total(60), "ok": with_total(80)}, history=history
        )
        history.append(result)
        flags.append([f.id for f in result.sheet("bad").flags])
    assert flags == [[], ["notice"], ["not_renewed"]]  # not_renewed supersedes notice
    assert history[-1].sheet("ok").flags == ()


def test_weeks_without_a_screening_are_the_quarters_whole_weeks_less_those_screened() -> None:
    result = run(
        SCHEME,
        "2024-Q1",
        {
            "none": perfect(screening_weeks={}),
            "three": perfect(screening_weeks={"2024-W02": 3}),
            "extra": perfect(screening_weeks=screened(13) | {"2024-W14": 1}),
        },
    )
    # 15 − 0.5 × 13 = 8.5; one week screened three times is one week: 15 − 0.5 × 12 = 9;
    # a 14th week never makes the missed weeks negative
    assert result.sheet("none").line("instability").points == D("8.5")
    assert result.sheet("three").line("instability").points == 9
    assert result.sheet("extra").line("instability").points == 15
