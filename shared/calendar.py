"""Working days and working time on a tenant's calendar; one module for every service.

`WorkCalendar` says which dates are working days: the Chinese public-holiday calendar by
default (``chinesecalendar``: holidays and make-up working days), single dates overridden by
the tenant. Outside the years the installed holiday data covers (`WorkCalendar.covered`) only
weekends and the overrides count; callers that care report it (`covers`).

`WorkClock` measures working time on that calendar: one span of working hours per working day,
on the tenant's wall clock. Deadlines are counted in working days or working hours, and pushed
back by the working time a case spent paused (suspended, under an approved extension).

Plain Python, no framework: domain code may import it. Every datetime taken must be
timezone-aware (`shared.clock.require_aware`); every datetime returned is in UTC.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

import chinese_calendar
from chinese_calendar import constants as _holiday_data

from shared.clock import require_aware

__all__ = ["WorkCalendar", "WorkClock", "WorkingHours"]

# How far a search for the next working day may run before the calendar is declared empty.
_MAX_IDLE_DAYS = 3660
_ALL_YEARS = range(date.min.year, date.max.year + 1)
_COVERED_YEARS = range(
    min(_holiday_data.holidays).year, max(_holiday_data.holidays).year + 1
)  # the rule chinesecalendar itself applies before raising NotImplementedError


class WorkCalendar:
    """Which days are working days: Chinese holidays by default, single dates overridden.

    An extra working day wins over an extra holiday given for the same date."""

    __slots__ = ("_chinese", "_extra_holidays", "_extra_workdays")

    def __init__(
        self,
        *,
        chinese_holidays: bool = True,
        extra_holidays: Iterable[date] = (),
        extra_workdays: Iterable[date] = (),
    ) -> None:
        self._chinese = bool(chinese_holidays)
        self._extra_holidays = frozenset(extra_holidays)
        self._extra_workdays = frozenset(extra_workdays)

    @property
    def chinese_holidays(self) -> bool:
        return self._chinese

    @property
    def extra_holidays(self) -> frozenset[date]:
        return self._extra_holidays

    @property
    def extra_workdays(self) -> frozenset[date]:
        return self._extra_workdays

    @property
    def covered(self) -> range:
        """The years the holiday data covers (``2031 in calendar.covered``).

        Outside them only weekends and the overrides count. Without Chinese holidays every
        year is covered: nothing is missing."""
        return _COVERED_YEARS if self._chinese else _ALL_YEARS

    def covers(self, day: date) -> bool:
        """Whether the holiday data covers ``day`` (else only weekends and overrides count)."""
        return day.year in self.covered

    def is_workday(self, day: date) -> bool:
        if day in self._extra_workdays:
            return True
        if day in self._extra_holidays:
            return False
        if self._chinese and day.year in _COVERED_YEARS:
            return bool(chinese_calendar.is_workday(day))
        return day.weekday() < 5

    def workdays(self, start: date, end: date) -> list[date]:
        """The working days from ``start`` to ``end``, both included."""
        days = []
        day = start
        while day <= end:
            if self.is_workday(day):
                days.append(day)
            day += timedelta(days=1)
        return days

    def next_workday(self, day: date) -> date:
        """The first working day after ``day``."""
        nxt = day + timedelta(days=1)
        for _ in range(_MAX_IDLE_DAYS):
            if self.is_workday(nxt):
                return nxt
            nxt += timedelta(days=1)
        raise ValueError(f"no working day within {_MAX_IDLE_DAYS} days after {day}")

    def longest_run(self, failing: Iterable[date]) -> int:
        """Length of the longest run of failing days that are consecutive working days.

        Non-working days between two failing working days do not break the run (a failing
        Friday and the following failing Monday are two consecutive failing days).
        """
        days = sorted({d for d in failing if self.is_workday(d)})
        best = run = 0
        previous: date | None = None
        for day in days:
            run = run + 1 if previous is not None and self.next_workday(previous) == day else 1
            best = max(best, run)
            previous = day
        return best

    def _key(self) -> tuple[bool, frozenset[date], frozenset[date]]:
        return (self._chinese, self._extra_holidays, self._extra_workdays)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, WorkCalendar):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (
            f"WorkCalendar(chinese_holidays={self._chinese}, "
            f"extra_holidays={sorted(self._extra_holidays)}, "
            f"extra_workdays={sorted(self._extra_workdays)})"
        )


@dataclass(frozen=True)
class WorkingHours:
    """One span of working hours per working day, on the tenant's wall clock."""

    start: time = time(8, 30)
    end: time = time(17, 30)

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("working hours are wall-clock times without a timezone")
        if not self.start < self.end:
            raise ValueError("working hours must end after they start, on the same day")


class WorkClock:
    """Working time on a calendar: the working hours of working days, in the tenant's zone."""

    def __init__(
        self, calendar: WorkCalendar, tz: ZoneInfo, hours: WorkingHours = WorkingHours()
    ) -> None:
        self.calendar = calendar
        self.tz = tz
        self.hours = hours

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """End of working hours on the ``days``-th working day after ``start``'s local day.

        An event reported on a Friday evening with 2 working days is due Tuesday at the end of
        working hours. ``days=0`` is ``start`` itself."""
        start = require_aware(start, "start")
        if days < 0:
            raise ValueError("days must not be negative")
        if days == 0:
            return start.astimezone(UTC)
        day = start.astimezone(self.tz).date()
        for _ in range(days):
            day = self.calendar.next_workday(day)
        return self._at(day, self.hours.end)

    def add_working_hours(self, start: datetime, hours: Decimal | int) -> datetime:
        """The instant ``hours`` of working time after ``start``.

        Counting begins at ``start``, or at the next start of working hours when ``start`` is
        outside them; a span that ends exactly at the end of a working day ends there."""
        start = require_aware(start, "start")
        return self._advance(start, _duration(hours), [])

    def elapsed(
        self,
        start: datetime,
        end: datetime,
        pauses: Sequence[tuple[datetime, datetime]] = (),
    ) -> timedelta:
        """Working time from ``start`` to ``end``, less the parts of ``pauses`` inside it."""
        start, end = require_aware(start, "start"), require_aware(end, "end")
        if end < start:
            raise ValueError("end must not be before start")
        total = timedelta()
        for a, b in self._active(start, _merged(pauses)):
            if a >= end:
                break
            total += min(b, end) - a
        return total

    def deadline(
        self,
        start: datetime,
        *,
        days: int = 0,
        hours: Decimal | int = 0,
        pauses: Sequence[tuple[datetime, datetime]] = (),
    ) -> datetime:
        """The deadline ``days`` working days then ``hours`` working hours after ``start``,
        pushed back by the working time spent paused before it is reached.

        Equivalently: the first instant by which the unpaused working time since ``start``
        equals the working time from ``start`` to the unpaused deadline."""
        start = require_aware(start, "start")
        budget = _duration(hours)
        merged = _merged(pauses)
        unpaused = self.add_working_days(start, days)
        if days:
            budget += self.elapsed(start, unpaused)
        return self._advance(start, budget, merged)

    # -- internals ---------------------------------------------------------------------------

    def _at(self, day: date, wall: time) -> datetime:
        return datetime.combine(day, wall, tzinfo=self.tz).astimezone(UTC)

    def _working_spans(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working-hours spans (UTC) from ``start`` on, the first one clipped to it."""
        day = start.astimezone(self.tz).date()
        idle = 0
        while True:
            if self.calendar.is_workday(day):
                idle = 0
                a, b = self._at(day, self.hours.start), self._at(day, self.hours.end)
                a = max(a, start)
                if a < b:
                    yield a, b
            else:
                idle += 1
                if idle > _MAX_IDLE_DAYS:
                    raise ValueError(f"no working day within {_MAX_IDLE_DAYS} days after {day}")
            day += timedelta(days=1)

    def _active(
        self, start: datetime, pauses: list[tuple[datetime, datetime]]
    ) -> Iterator[tuple[datetime, datetime]]:
        """Working spans from ``start`` on with the (merged, sorted) pauses cut out."""
        i = 0
        for a, b in self._working_spans(start):
            while i < len(pauses) and pauses[i][1] <= a:
                i += 1
            j = i
            cursor = a
            while j < len(pauses) and pauses[j][0] < b:
                p, q = pauses[j]
                if p > cursor:
                    yield cursor, p
                cursor = max(cursor, q)
                j += 1
            if cursor < b:
                yield cursor, b

    def _advance(
        self, start: datetime, budget: timedelta, pauses: list[tuple[datetime, datetime]]
    ) -> datetime:
        if budget <= timedelta():
            return start.astimezone(UTC)
        for a, b in self._active(start, pauses):
            if b - a >= budget:
                return a + budget
            budget -= b - a
        raise AssertionError("unreachable: working spans never run out")  # pragma: no cover


def _duration(hours: Decimal | int) -> timedelta:
    if isinstance(hours, bool) or not isinstance(hours, int | Decimal):
        raise TypeError("hours must be an int or a Decimal")
    try:
        micros = int((Decimal(hours) * 3_600_000_000).to_integral_value())
    except (InvalidOperation, ValueError, OverflowError) as exc:
        raise ValueError("hours must be a finite number") from exc
    if micros < 0:
        raise ValueError("hours must not be negative")
    return timedelta(microseconds=micros)


def _merged(pauses: Sequence[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """The pauses as sorted, non-overlapping UTC spans; each must be aware and not reversed."""
    spans = []
    for begin, finish in pauses:
        a, b = require_aware(begin, "pause start"), require_aware(finish, "pause end")
        if b < a:
            raise ValueError("a pause must not end before it starts")
        if b > a:
            spans.append((a.astimezone(UTC), b.astimezone(UTC)))
    spans.sort()
    merged: list[tuple[datetime, datetime]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged
