"""Visits to key subjects (重点对象走访) and their cycles.

`VisitTracker` finds visits in the accepted track, batch by batch: a visit is a stay of
consecutive accepted fixes within `TrackRules.visit_radius_m` of one key subject lasting at
least `visit_min_dwell_s` from its first to its last fix. A fix outside the radius, nearer to
another subject, or after a session gap ends the stay; one stay gives at most one visit. When
two subjects are within the radius the fix belongs to the nearer one.

`missed_visits` checks each subject's cycle over a period (seed 001: 重点人员走访每周覆盖一次，
特殊人群、关爱对象走访每月覆盖一次，有重大安全隐患的场所每天走访巡查一次; each subject not
visited in a window is one miss, "未按周期巡查或未巡查发现一项扣0.2分").
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum
from typing import Any, Final
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from services.patrol_tracking.domain.figures import Visit
from services.patrol_tracking.domain.settings import TrackRules
from services.patrol_tracking.domain.track import DayGeometry, from_ms, nearest_within

SHANGHAI: Final = ZoneInfo("Asia/Shanghai")
_THURSDAY: Final = 3


@dataclass(frozen=True, slots=True)
class Stay:
    """An open stay near one subject: from the first to the latest fix within its radius."""

    subject_id: str
    category: str
    start_ms: int
    last_ms: int


@dataclass(frozen=True, slots=True)
class StayRecord:
    """A finished visit as the day state stores it (instants in epoch milliseconds)."""

    subject_id: str
    category: str
    start_ms: int
    end_ms: int

    def visit(self) -> Visit:
        return Visit(self.subject_id, self.category, from_ms(self.start_ms), from_ms(self.end_ms))


@dataclass(frozen=True, slots=True)
class VisitTracker:
    """The visits of one worker-day so far and the stay in progress; immutable, folded.

    `min_dwell_ms` is the dwell the latest fold was given: it decides whether the stay in
    progress already counts when the visits are read between batches."""

    done: tuple[StayRecord, ...] = ()
    open: Stay | None = None
    min_dwell_ms: int = 0

    def fold(
        self,
        at_ms: npt.NDArray[np.int64],
        lats: npt.NDArray[np.float64],
        lons: npt.NDArray[np.float64],
        *,
        new_session: npt.NDArray[np.bool_],
        geometry: DayGeometry,
        rules: TrackRules,
    ) -> VisitTracker:
        """The tracker after the next accepted fixes (time-ordered); ``new_session[i]`` says
        fix i follows a session gap (or is the day's first fix)."""
        min_dwell_ms = rules.visit_min_dwell_s * 1000
        if at_ms.size == 0:
            return replace(self, min_dwell_ms=min_dwell_ms)
        nearest = _nearest_subjects(lats, lons, geometry, rules.visit_radius_m)
        done = list(self.done)
        stay = self.open
        for at, index, fresh in zip(
            at_ms.tolist(), nearest.tolist(), new_session.tolist(), strict=True
        ):
            if stay is not None and (
                fresh or index < 0 or geometry.subject_ids[index] != stay.subject_id
            ):
                _close(stay, min_dwell_ms, done)
                stay = None
            if index < 0:
                continue
            if stay is None:
                stay = Stay(geometry.subject_ids[index], geometry.subject_categories[index], at, at)
            else:
                stay = replace(stay, last_ms=at)
        return VisitTracker(tuple(done), stay, min_dwell_ms)

    def visits(self) -> tuple[Visit, ...]:
        """The visits so far: the finished ones and the stay in progress once it has dwelt
        long enough (it ends at its latest fix)."""
        done = list(self.done)
        if self.open is not None:
            _close(self.open, self.min_dwell_ms, done)
        return tuple(record.visit() for record in done)

    def to_document(self) -> dict[str, Any]:
        return {
            "done": [
                {
                    "subject_id": r.subject_id,
                    "category": r.category,
                    "start": r.start_ms,
                    "end": r.end_ms,
                }
                for r in self.done
            ],
            "open": None
            if self.open is None
            else {
                "subject_id": self.open.subject_id,
                "category": self.open.category,
                "start": self.open.start_ms,
                "last": self.open.last_ms,
            },
            "min_dwell_ms": self.min_dwell_ms,
        }

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> VisitTracker:
        opened = document.get("open")
        return cls(
            done=tuple(
                StayRecord(d["subject_id"], d["category"], int(d["start"]), int(d["end"]))
                for d in document.get("done", ())
            ),
            open=None
            if opened is None
            else Stay(
                opened["subject_id"], opened["category"], int(opened["start"]), int(opened["last"])
            ),
            min_dwell_ms=int(document.get("min_dwell_ms", 0)),
        )


def _close(stay: Stay, min_dwell_ms: int, done: list[StayRecord]) -> None:
    if stay.last_ms - stay.start_ms >= min_dwell_ms:
        done.append(StayRecord(stay.subject_id, stay.category, stay.start_ms, stay.last_ms))


def _nearest_subjects(
    lats: npt.NDArray[np.float64],
    lons: npt.NDArray[np.float64],
    geometry: DayGeometry,
    radius_m: float,
) -> npt.NDArray[np.int64]:
    """Per fix, the index of the nearest subject within ``radius_m`` (-1: none)."""
    return nearest_within(lats, lons, geometry.subject_lats, geometry.subject_lons, radius_m)


class VisitCycle(StrEnum):
    """How often a subject must be visited: the values of the registry's `visit_cycle` as its
    `subject.*` events carry them (services share contracts, not code)."""

    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


@dataclass(frozen=True, slots=True)
class CycledSubject:
    """A key subject of the worker's grids and its visit cycle, as the registry announced."""

    subject_id: str
    category: str
    cycle: VisitCycle


@dataclass(frozen=True, slots=True)
class MissedVisit:
    """A subject not visited in one window of its cycle (`first`..`last`, both included)."""

    subject_id: str
    category: str
    cycle: VisitCycle
    first: date
    last: date


@dataclass(frozen=True, slots=True)
class _Window:
    first: date
    last: date
    days: tuple[date, ...]


def windows(
    cycle: VisitCycle, first: date, last: date, is_workday: Callable[[date], bool]
) -> tuple[tuple[date, date], ...]:
    """The windows of ``cycle`` judged in the period ``first``..``last`` (both included).

    Each window is judged in exactly one period, the one holding its anchor day, so
    consecutive periods neither count a window twice nor skip one: a daily window is a working
    day of the period; a weekly one an ISO week (Monday to Sunday) whose Thursday lies in the
    period (the ISO 8601 rule that gives each week to one month); a monthly one a calendar
    month whose last day lies in the period. A weekly or monthly window without a single
    working day (a holiday week such as 国庆) asks for no visit.
    """
    if last < first:
        raise ValueError("the period ends before it starts")
    found = [w for w in _candidates(cycle, first, last) if any(map(is_workday, w.days))]
    return tuple((w.first, w.last) for w in found)


def _candidates(cycle: VisitCycle, first: date, last: date) -> list[_Window]:
    span = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    if cycle is VisitCycle.DAILY:
        return [_Window(day, day, (day,)) for day in span]
    if cycle is VisitCycle.WEEKLY:
        thursdays = [day for day in span if day.weekday() == _THURSDAY]
        weeks = [thursday - timedelta(days=_THURSDAY) for thursday in thursdays]
        return [_Window(monday, monday + timedelta(days=6), _days(monday, 7)) for monday in weeks]
    ends = [day for day in span if day.day == calendar.monthrange(day.year, day.month)[1]]
    return [_Window(end.replace(day=1), end, _days(end.replace(day=1), end.day)) for end in ends]


def _days(start: date, count: int) -> tuple[date, ...]:
    return tuple(start + timedelta(days=n) for n in range(count))


def missed_visits(
    subjects: Iterable[CycledSubject],
    visits: Iterable[Visit],
    first: date,
    last: date,
    is_workday: Callable[[date], bool],
) -> tuple[MissedVisit, ...]:
    """Each subject's windows in the period ``first``..``last`` without a visit, in subject
    then window order.

    A visit counts for the window holding its start's Asia/Shanghai date. ``visits`` must
    cover every window returned (weeks and months may reach outside the period: a week is
    judged in the period of its Thursday). ``is_workday`` is the worker's calendar
    (`shared.calendar.WorkCalendar.is_workday`, or one that also leaves out his excused days).
    """
    visited: dict[str, set[date]] = {}
    for visit in visits:
        visited.setdefault(visit.subject_id, set()).add(visit.start.astimezone(SHANGHAI).date())
    cache: dict[VisitCycle, tuple[tuple[date, date], ...]] = {}
    missed: list[MissedVisit] = []
    for subject in subjects:
        cycle = VisitCycle(subject.cycle)
        if cycle not in cache:
            cache[cycle] = windows(cycle, first, last, is_workday)
        days = visited.get(subject.subject_id, set())
        missed.extend(
            MissedVisit(subject.subject_id, subject.category, cycle, start, end)
            for start, end in cache[cycle]
            if not any(start <= day <= end for day in days)
        )
    return tuple(missed)
