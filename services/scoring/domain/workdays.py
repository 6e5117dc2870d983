"""Assessment periods and the working-day calendar.

Working days follow the Chinese public-holiday calendar (``chinesecalendar``: holidays and
make-up working days, years 2004-2026 in the installed version) unless the scheme
overrides single dates; outside the covered years only the overrides and weekends count,
and the period reports that it was computed that way.
"""

from __future__ import annotations

import calendar as _gregorian
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

import chinese_calendar

PERIOD_KINDS = ("month", "quarter", "year", "custom")

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-?[Qq]([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


@dataclass(frozen=True)
class Period:
    """A closed date range with the label it was given (``2024-03``, ``2024-Q1``, ``2024``)."""

    kind: str
    label: str
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def parse_period(kind: str, value: object) -> Period | str:
    """Parse a period of ``kind``; return the reason as a string when it does not parse.

    Labels are canonical whatever the spelling given: ``2024-03``, ``2024-Q1``, ``2024``."""
    if kind == "custom":
        return _custom_period(value)
    text = str(value).strip() if isinstance(value, str | int) else ""
    if kind == "month" and (m := _MONTH.match(text)) and 1 <= int(m.group(2)) <= 12:
        year, first = int(m.group(1)), int(m.group(2))
        last, label = first, f"{year}-{first:02d}"
    elif kind == "quarter" and (m := _QUARTER.match(text)):
        year, quarter = int(m.group(1)), int(m.group(2))
        first, last, label = 3 * quarter - 2, 3 * quarter, f"{year}-Q{quarter}"
    elif kind == "year" and _YEAR.match(text):
        year, first, last, label = int(text), 1, 12, text
    else:
        examples = {"month": "2024-03", "quarter": "2024-Q1", "year": "2024"}
        return f"must be a {kind} such as {examples.get(kind, '')}"
    end = date(year, last, _gregorian.monthrange(year, last)[1])
    return Period(kind, label, date(year, first, 1), end)


def _custom_period(value: object) -> Period | str:
    if not isinstance(value, dict) or set(value) != {"start", "end"}:
        return "must be a mapping with start and end dates"
    start, end = _as_date(value["start"]), _as_date(value["end"])
    if start is None or end is None:
        return "start and end must be dates (YYYY-MM-DD)"
    if end < start:
        return "end must not be before start"
    return Period("custom", f"{start.isoformat()}..{end.isoformat()}", start, end)


def _as_date(value: object) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


@dataclass(frozen=True)
class WorkCalendar:
    """Which days are working days: Chinese holidays by default, single dates overridden."""

    chinese_holidays: bool = True
    extra_holidays: frozenset[date] = field(default_factory=frozenset)
    extra_workdays: frozenset[date] = field(default_factory=frozenset)

    def is_workday(self, day: date) -> bool:
        if day in self.extra_workdays:
            return True
        if day in self.extra_holidays:
            return False
        if self.chinese_holidays:
            try:
                return bool(chinese_calendar.is_workday(day))
            except NotImplementedError:
                # chinesecalendar raises this for years its data does not cover yet; such a
                # day counts by weekday and overrides, and `covers()` lets callers report it.
                pass
        return day.weekday() < 5

    def covers(self, day: date) -> bool:
        """Whether the holiday data covers ``day`` (else only weekends and overrides count)."""
        if not self.chinese_holidays:
            return True
        try:
            chinese_calendar.is_workday(day)
        except NotImplementedError:
            return False
        return True

    def workdays(self, start: date, end: date) -> list[date]:
        days = []
        day = start
        while day <= end:
            if self.is_workday(day):
                days.append(day)
            day += timedelta(days=1)
        return days

    def longest_run(self, failing: Iterable[date]) -> int:
        """Length of the longest run of failing days that are consecutive working days.

        Non-working days between two failing working days do not break the run (a failing
        Friday and the following failing Monday are two consecutive failing days).
        """
        days = sorted({d for d in failing if self.is_workday(d)})
        best = run = 0
        previous: date | None = None
        for day in days:
            if previous is not None and self._next_workday(previous) == day:
                run += 1
            else:
                run = 1
            best = max(best, run)
            previous = day
        return best

    def _next_workday(self, day: date) -> date:
        nxt = day + timedelta(days=1)
        for _ in range(60):
            if self.is_workday(nxt):
                return nxt
            nxt += timedelta(days=1)
        return nxt
