"""A worker's patrol week or month as published (周/月汇总): the totals of his judged days.

Totals are computed from the judged days (`domain.periods`) and the visits of those days
against the key subjects of his grids (`domain.visits.missed_visits`). The first totals of a
period publish `patrol.period_totals` version 1; totals computed again after a correction of
one of its days publish the next version, only when they changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, ClassVar, Literal

from services.patrol_tracking.domain.periods import MonthTotals, WeekTotals, iso_week, month_of
from services.patrol_tracking.domain.visits import MissedVisit
from shared.clock import require_aware

PeriodKind = Literal["week", "month"]


def week_bounds(day: date) -> tuple[date, date]:
    """Monday and Sunday of ``day``'s ISO week."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def month_bounds(day: date) -> tuple[date, date]:
    """The first and last day of ``day``'s month."""
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def period_of(kind: PeriodKind, day: date) -> tuple[str, date, date]:
    """The name and bounds of the week or month holding ``day``."""
    if kind == "week":
        first, last = week_bounds(day)
        return iso_week(day), first, last
    first, last = month_bounds(day)
    return month_of(day), first, last


@dataclass(frozen=True, slots=True)
class PeriodTotals:
    """What scoring reads of a period (without the version and the instant)."""

    kind: PeriodKind
    period: str
    first_day: date
    last_day: date
    grid_ids: tuple[str, ...]
    week: WeekTotals | None
    month: MonthTotals | None
    missed: tuple[MissedVisit, ...]
    longest_failing_streak: int

    def facts(self) -> dict[str, Any]:
        totals: WeekTotals | MonthTotals | None = self.week if self.week is not None else self.month
        if totals is None:
            raise ValueError("period totals need a week's or a month's totals")
        counts = totals.counts
        return {
            "kind": self.kind,
            "period": self.period,
            "first_day": self.first_day.isoformat(),
            "last_day": self.last_day.isoformat(),
            "grid_ids": list(self.grid_ids),
            "days_passed": counts.passed,
            "days_failed": counts.failed,
            "days_not_patrolled": counts.not_patrolled,
            "days_short": counts.short,
            "days_excused": counts.excused,
            "rest_days": counts.rest,
            "failing_days": counts.failing,
            "longest_failing_streak": self.longest_failing_streak,
            "patrol_s": totals.patrol_s,
            "distance_m": totals.distance_m,
            "required_minutes": None if self.week is None else self.week.required_minutes,
            "required_km": None if self.week is None else str(self.week.required_km),
            "requirement_met": None if self.week is None else self.week.requirement_met,
            "reasons": [] if self.week is None else [r.code.value for r in self.week.reasons],
            "forfeits_subsidy": None if self.month is None else self.month.forfeits_subsidy,
            "missed_visits": [
                {
                    "subject_id": miss.subject_id,
                    "category": miss.category,
                    "cycle": miss.cycle.value,
                    "first_day": miss.first.isoformat(),
                    "last_day": miss.last.isoformat(),
                }
                for miss in self.missed
            ],
        }


@dataclass(frozen=True, slots=True)
class PatrolPeriodTotalled:
    type: ClassVar[str] = "patrol.period_totals"
    version: ClassVar[int] = 1

    worker_id: str
    facts: Mapping[str, Any]
    totals_version: int
    occurred_at: datetime

    @property
    def aggregate_id(self) -> str:
        return self.worker_id

    def payload(self) -> Mapping[str, Any]:
        return {
            "worker_id": self.worker_id,
            **self.facts,
            "version": self.totals_version,
            "computed_at": self.occurred_at.isoformat(),
        }


@dataclass(frozen=True)
class PatrolPeriod:
    """The totals last published for one worker and period."""

    tenant_id: str
    worker_id: str
    kind: PeriodKind
    period: str
    version: int = 0
    facts: Mapping[str, Any] | None = None
    revision: int = 0

    @property
    def key(self) -> str:
        return period_key(self.worker_id, self.kind, self.period)

    def totalled(
        self, totals: PeriodTotals, at: datetime
    ) -> tuple[PatrolPeriod, tuple[PatrolPeriodTotalled, ...]]:
        """The period with ``totals``: published when new or changed, else nothing."""
        require_aware(at, "at")
        facts = totals.facts()
        if self.facts is not None and dict(self.facts) == facts:
            return self, ()
        version = self.version + 1
        event = PatrolPeriodTotalled(self.worker_id, facts, version, at)
        return replace(self, version=version, facts=facts), (event,)


def period_key(worker_id: str, kind: PeriodKind, period: str) -> str:
    return f"{worker_id}|{kind}|{period}"
