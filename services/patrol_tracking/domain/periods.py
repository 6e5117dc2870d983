"""A worker's patrol week and month (周/月汇总) from his judged days.

`week_totals` sums one ISO week (Monday to Sunday): patrol time and distance, the days by
verdict, and the weekly requirement (seed 001: 18 h and 8 km a week for community grids).
`month_totals` sums one calendar month and adds what seed 004's subsidy rule reads: the
failing days (未达标: failed or not patrolled) and the longest run of consecutive failing
working days (连续3天未达标或当月累计5天未达标的，当月不给予基本补贴).

Both take every day of the period as ``(day, DayFigures, DayVerdict)``; a day left out is
simply not counted. The money is scoring's: these totals publish counts, the longest streak
and a `forfeits_subsidy` convenience flag named after the seed rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Final

from services.patrol_tracking.domain.compliance import (
    DayVerdict,
    PatrolRules,
    Reason,
    ReasonCode,
    VerdictStatus,
    duration_text,
    km_of,
    km_text,
)
from services.patrol_tracking.domain.figures import DayFigures

DayEntry = tuple[date, DayFigures, DayVerdict]

# A week's requirement is stated for a full five-day working week.
WEEK_WORKDAYS: Final = 5
# Seed 004: 连续3天未达标或当月累计5天未达标的，当月不给予基本补贴.
FORFEIT_STREAK: Final = 3
FORFEIT_DAYS: Final = 5
_KM = Decimal("0.01")


def iso_week(day: date) -> str:
    """``day``'s ISO year-week, e.g. ``2026-W10``."""
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def month_of(day: date) -> str:
    """``day``'s calendar month, e.g. ``2026-03``."""
    return f"{day.year:04d}-{day.month:02d}"


@dataclass(frozen=True, slots=True)
class DayCounts:
    """How many days of a period got each verdict; ``short`` days are among the failed."""

    passed: int = 0
    failed: int = 0
    not_patrolled: int = 0
    short: int = 0
    excused: int = 0
    rest: int = 0

    @property
    def failing(self) -> int:
        """Failed or not patrolled (seed 004's 未达标)."""
        return self.failed + self.not_patrolled

    @property
    def judged(self) -> int:
        """Working days judged against the rules (not excused)."""
        return self.passed + self.failed + self.not_patrolled


def _counts(verdicts: Iterable[DayVerdict]) -> DayCounts:
    by_status = dict.fromkeys(VerdictStatus, 0)
    short = 0
    for verdict in verdicts:
        by_status[verdict.status] += 1
        short += verdict.short
    return DayCounts(
        passed=by_status[VerdictStatus.PASSED],
        failed=by_status[VerdictStatus.FAILED],
        not_patrolled=by_status[VerdictStatus.NOT_PATROLLED],
        short=short,
        excused=by_status[VerdictStatus.EXCUSED],
        rest=by_status[VerdictStatus.REST_DAY],
    )


def _sorted(entries: Iterable[DayEntry]) -> list[DayEntry]:
    ordered = sorted(entries, key=lambda entry: entry[0])
    days = [entry[0] for entry in ordered]
    if len(set(days)) != len(days):
        raise ValueError("each day may be given once")
    return ordered


@dataclass(frozen=True, slots=True)
class WeekTotals:
    """One ISO week of one worker.

    ``required_minutes``/``required_km`` are the weekly minimums scaled to the working days
    judged in the week (not excused) out of five, capped at the full minimum: a week with a
    day of approved leave, or a holiday week of three working days, asks for 3/5 or 4/5 of
    18 h, and a six-day week with a make-up working day (调休) still the full 18 h. Minutes
    round up, kilometres to two places.
    """

    week: str
    first_day: date
    patrol_s: int
    distance_m: int
    counts: DayCounts
    required_minutes: int
    required_km: Decimal
    reasons: tuple[Reason, ...]

    @property
    def requirement_met(self) -> bool:
        return not self.reasons

    @property
    def km(self) -> Decimal:
        return km_of(self.distance_m)


def week_totals(entries: Iterable[DayEntry], rules: PatrolRules) -> WeekTotals:
    """The week of ``entries`` (all in one ISO week; `ValueError` otherwise) under ``rules``."""
    ordered = _sorted(entries)
    if not ordered:
        raise ValueError("a week needs at least one day")
    week = iso_week(ordered[0][0])
    if any(iso_week(day) != week for day, _, _ in ordered):
        raise ValueError(f"every day must be in {week}")
    first_day = ordered[0][0] - timedelta(days=ordered[0][0].weekday())
    patrol_s = sum(rules.patrol_seconds(figures) for _, figures, _ in ordered)
    distance_m = sum(rules.distance_metres(figures) for _, figures, _ in ordered)
    counts = _counts(verdict for _, _, verdict in ordered)
    share = Decimal(min(counts.judged, WEEK_WORKDAYS)) / WEEK_WORKDAYS
    required_minutes = int(
        (rules.min_patrol_minutes_week * share).to_integral_value(rounding=ROUND_CEILING)
    )
    required_km = (rules.min_km_week * share).quantize(_KM, rounding=ROUND_HALF_UP)
    reasons: list[Reason] = []
    if patrol_s < required_minutes * 60:
        reasons.append(
            Reason(
                ReasonCode.WEEK_HOURS_SHORT,
                Decimal(patrol_s // 60),
                Decimal(required_minutes),
                "min",
                f"patrolled {duration_text(patrol_s)} of {duration_text(required_minutes * 60)} "
                "this week",
            )
        )
    if Decimal(distance_m) < required_km * 1000:
        reasons.append(
            Reason(
                ReasonCode.WEEK_KM_SHORT,
                km_of(distance_m),
                required_km,
                "km",
                f"track of {km_text(km_of(distance_m))} of {km_text(required_km)} this week",
            )
        )
    return WeekTotals(
        week=week,
        first_day=first_day,
        patrol_s=patrol_s,
        distance_m=distance_m,
        counts=counts,
        required_minutes=required_minutes,
        required_km=required_km,
        reasons=tuple(reasons),
    )


def longest_failing_streak(verdicts: Sequence[DayVerdict]) -> int:
    """The longest run of consecutive failing working days among ``verdicts`` (in day order).

    A passed day ends a run. Rest days and excused days neither break nor extend one: a
    failing Friday and a failing Monday are two consecutive failing days, and so are the
    days either side of a day of approved leave (seed 004 counts 连续3天未达标 in working days
    the worker owed). A day not given is not known to have passed and does not break a run.
    """
    best = run = 0
    for verdict in verdicts:
        if verdict.failing:
            run += 1
            best = max(best, run)
        elif verdict.status is VerdictStatus.PASSED:
            run = 0
    return best


@dataclass(frozen=True, slots=True)
class MonthTotals:
    """One calendar month of one worker: the counts, the failing days (failed or not
    patrolled), the longest streak of consecutive failing working days, and whether seed
    004's rule takes the month's basic subsidy (a streak of 3 or 5 failing days)."""

    month: str
    patrol_s: int
    distance_m: int
    counts: DayCounts
    longest_failing_streak: int

    @property
    def failing_days(self) -> int:
        return self.counts.failing

    @property
    def forfeits_subsidy(self) -> bool:
        """Seed 004: 连续3天未达标或当月累计5天未达标的，当月不给予基本补贴."""
        return self.longest_failing_streak >= FORFEIT_STREAK or self.failing_days >= FORFEIT_DAYS

    @property
    def km(self) -> Decimal:
        return km_of(self.distance_m)


def month_totals(entries: Iterable[DayEntry], rules: PatrolRules) -> MonthTotals:
    """The month of ``entries`` (all in one calendar month; `ValueError` otherwise)."""
    ordered = _sorted(entries)
    if not ordered:
        raise ValueError("a month needs at least one day")
    month = month_of(ordered[0][0])
    if any(month_of(day) != month for day, _, _ in ordered):
        raise ValueError(f"every day must be in {month}")
    verdicts = [verdict for _, _, verdict in ordered]
    return MonthTotals(
        month=month,
        patrol_s=sum(rules.patrol_seconds(figures) for _, figures, _ in ordered),
        distance_m=sum(rules.distance_metres(figures) for _, figures, _ in ordered),
        counts=_counts(verdicts),
        longest_failing_streak=longest_failing_streak(verdicts),
    )
