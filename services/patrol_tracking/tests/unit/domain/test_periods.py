"""Weekly and monthly totals, counted by hand: a community worker's week, March's streaks."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from services.patrol_tracking.domain.compliance import (
    SEED_001_COMMUNITY,
    DayVerdict,
    ReasonCode,
    VerdictStatus,
    judge_day,
)
from services.patrol_tracking.domain.figures import DayFigures
from services.patrol_tracking.domain.leave import Excuse, LeaveKind
from services.patrol_tracking.domain.periods import (
    DayCounts,
    DayEntry,
    iso_week,
    longest_failing_streak,
    month_totals,
    week_totals,
)
from shared.calendar import WorkCalendar

CALENDAR = WorkCalendar()
MONDAY = date(2026, 3, 2)


def day_of(day: date, minutes: int = 0, metres: int = 0, *, excused: bool = False) -> DayEntry:
    """One judged day under seed 001's community rules, on the Chinese working calendar."""
    figures = replace(
        DayFigures.empty(day),
        patrol_s=minutes * 60,
        online_s=minutes * 60,
        own_grid_s=minutes * 60,
        distance_m=metres,
        own_grid_m=metres,
        morning=minutes > 0,
        afternoon=minutes > 0,
    )
    excuse = Excuse(leave_id="lv-1", kind=LeaveKind.LEAVE, day=day) if excused else None
    verdict = judge_day(
        figures, SEED_001_COMMUNITY, workday=CALENDAR.is_workday(day), excuse=excuse
    )
    return day, figures, verdict


def status_of(day: date, status: VerdictStatus) -> DayEntry:
    return day, DayFigures.empty(day), DayVerdict(day=day, status=status)


def test_a_mixed_week_counted_by_hand() -> None:
    week = [
        day_of(MONDAY, 240, 2000),  # passed
        day_of(MONDAY + timedelta(days=1), 120, 1500),  # failed, short
        day_of(MONDAY + timedelta(days=2)),  # not patrolled
        day_of(MONDAY + timedelta(days=3), excused=True),  # leave filed in time
        day_of(MONDAY + timedelta(days=4), 180, 1000),  # passed
        day_of(MONDAY + timedelta(days=5), 60, 500),  # Saturday: recorded, a rest day
        day_of(MONDAY + timedelta(days=6)),  # Sunday
    ]
    totals = week_totals(reversed(week), SEED_001_COMMUNITY)
    assert (totals.week, totals.first_day) == ("2026-W10", MONDAY)
    assert totals.counts == DayCounts(
        passed=2, failed=1, not_patrolled=1, short=1, excused=1, rest=2
    )
    assert (totals.counts.failing, totals.counts.judged) == (2, 4)
    # 240 + 120 + 180 + 60 minutes = 10 h; 2 + 1.5 + 1 + 0.5 km = 5 km.
    assert (totals.patrol_s, totals.distance_m, totals.km) == (36_000, 5000, Decimal(5))
    # Four working days judged (the leave day is not): 4/5 of 18 h and of 8 km.
    assert (totals.required_minutes, totals.required_km) == (864, Decimal("6.40"))
    assert not totals.requirement_met
    hours, km = totals.reasons
    assert (hours.code, hours.actual, hours.required) == (
        ReasonCode.WEEK_HOURS_SHORT,
        Decimal(600),
        Decimal(864),
    )
    assert hours.message == "patrolled 10 h of 14 h 24 min this week"
    assert (km.code, km.actual, km.required) == (
        ReasonCode.WEEK_KM_SHORT,
        Decimal(5),
        Decimal("6.40"),
    )


def test_a_full_week_meets_eighteen_hours_and_eight_km() -> None:
    week = [day_of(MONDAY + timedelta(days=n), 220, 1700) for n in range(5)]
    totals = week_totals(week, SEED_001_COMMUNITY)
    assert (totals.required_minutes, totals.required_km) == (1080, Decimal("8.00"))
    assert (totals.patrol_s // 60, totals.distance_m) == (1100, 8500)
    assert totals.requirement_met
    assert totals.counts.passed == 5


def test_a_week_one_minute_short_fails() -> None:
    week = [day_of(MONDAY + timedelta(days=n), 216, 1600) for n in range(5)]
    week[0] = day_of(MONDAY, 215, 1600)
    totals = week_totals(week, SEED_001_COMMUNITY)
    assert [reason.code for reason in totals.reasons] == [ReasonCode.WEEK_HOURS_SHORT]


def test_a_holiday_week_asks_for_its_working_days_share_and_a_make_up_week_for_all() -> None:
    # National Day 2026: 8, 9 and 10 October are the week's working days (10th a make-up day).
    holiday_week = [day_of(date(2026, 10, 5) + timedelta(days=n), 200, 1200) for n in range(7)]
    totals = week_totals(holiday_week, SEED_001_COMMUNITY)
    assert totals.counts.judged == 3
    assert (totals.required_minutes, totals.required_km) == (648, Decimal("4.80"))
    # Six judged working days ask for the full week, not more.
    six = [status_of(MONDAY + timedelta(days=n), VerdictStatus.PASSED) for n in range(6)]
    assert week_totals(six, SEED_001_COMMUNITY).required_minutes == 1080


def test_a_week_of_days_off_asks_nothing() -> None:
    leave = [day_of(MONDAY + timedelta(days=n), excused=True) for n in range(5)]
    totals = week_totals(leave, SEED_001_COMMUNITY)
    assert (totals.required_minutes, totals.required_km, totals.requirement_met) == (
        0,
        Decimal("0.00"),
        True,
    )


def test_a_week_takes_one_iso_week_once() -> None:
    with pytest.raises(ValueError, match="2026-W10"):
        week_totals([day_of(MONDAY), day_of(MONDAY + timedelta(days=7))], SEED_001_COMMUNITY)
    with pytest.raises(ValueError, match="once"):
        week_totals([day_of(MONDAY), day_of(MONDAY)], SEED_001_COMMUNITY)
    with pytest.raises(ValueError, match="at least one"):
        week_totals([], SEED_001_COMMUNITY)
    assert iso_week(date(2027, 1, 1)) == "2026-W53"


F, P, N, E, R = (
    VerdictStatus.FAILED,
    VerdictStatus.PASSED,
    VerdictStatus.NOT_PATROLLED,
    VerdictStatus.EXCUSED,
    VerdictStatus.REST_DAY,
)


def march(statuses: dict[int, VerdictStatus]) -> list[DayEntry]:
    return [status_of(date(2026, 3, day), status) for day, status in statuses.items()]


def test_a_month_counted_by_hand() -> None:
    entries = march(
        {
            2: F,
            3: N,
            4: P,  # a passed day ends the run of two
            5: F,
            6: F,
            7: R,  # the weekend neither breaks nor extends the run
            8: R,
            9: N,  # 5, 6, 9: three in a row
            10: E,  # approved leave neither breaks nor extends it
            11: F,  # 5, 6, 9, 11: four
            12: P,
            13: P,
        }
    )
    totals = month_totals(entries, SEED_001_COMMUNITY)
    assert totals.month == "2026-03"
    assert totals.counts == DayCounts(passed=3, failed=4, not_patrolled=2, excused=1, rest=2)
    assert totals.failing_days == 6
    assert totals.longest_failing_streak == 4
    assert totals.forfeits_subsidy


def test_seed_004_forfeiture_three_in_a_row_or_five_in_the_month() -> None:
    two_apart = march({2: F, 3: P, 4: F, 5: P})
    assert month_totals(two_apart, SEED_001_COMMUNITY).longest_failing_streak == 1
    assert not month_totals(two_apart, SEED_001_COMMUNITY).forfeits_subsidy
    # Friday, the weekend, Monday, Tuesday: three consecutive failing working days.
    across_weekend = march({6: F, 7: R, 8: R, 9: N, 10: F, 11: P})
    totals = month_totals(across_weekend, SEED_001_COMMUNITY)
    assert (totals.longest_failing_streak, totals.failing_days) == (3, 3)
    assert totals.forfeits_subsidy
    four_scattered = march({2: F, 3: P, 4: F, 5: P, 6: F, 9: P, 10: F, 11: P})
    totals = month_totals(four_scattered, SEED_001_COMMUNITY)
    assert (totals.longest_failing_streak, totals.failing_days) == (1, 4)
    assert not totals.forfeits_subsidy
    five_scattered = march({2: F, 3: P, 4: F, 5: P, 6: F, 9: P, 10: F, 11: P, 12: N})
    assert month_totals(five_scattered, SEED_001_COMMUNITY).forfeits_subsidy


def test_the_month_sums_patrol_and_refuses_other_months() -> None:
    entries = [day_of(date(2026, 3, 2), 200, 1500), day_of(date(2026, 3, 3), 100, 900)]
    totals = month_totals(entries, SEED_001_COMMUNITY)
    assert (totals.patrol_s, totals.km) == (18_000, Decimal("2.40"))
    assert (totals.counts.passed, totals.counts.short) == (1, 1)
    with pytest.raises(ValueError, match="2026-03"):
        month_totals([*entries, day_of(date(2026, 4, 1))], SEED_001_COMMUNITY)


def test_no_days_no_streak() -> None:
    assert longest_failing_streak([]) == 0
