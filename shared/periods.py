"""Assessment periods: a closed date range with a canonical label.

Every service that counts per period (scoring's schemes, survey's campaigns and rates) parses
periods here, so ``2026-Q3`` means the same dates everywhere. Labels are canonical whatever
the spelling given: ``2024-03``, ``2024-Q1``, ``2024-H2``, ``2024``,
``2024-01-01..2024-06-30``. Framework-free.
"""

from __future__ import annotations

import calendar as _gregorian
import re
from dataclasses import dataclass
from datetime import date

__all__ = ["PERIOD_KINDS", "Period", "parse_period"]

PERIOD_KINDS = ("month", "quarter", "half", "year", "custom")

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-?[Qq]([1-4])$")
_HALF = re.compile(r"^(\d{4})-?[Hh]([12])$")
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
    elif kind == "half" and (m := _HALF.match(text)):
        year, half = int(m.group(1)), int(m.group(2))
        first, last, label = 6 * half - 5, 6 * half, f"{year}-H{half}"
    elif kind == "year" and _YEAR.match(text):
        year, first, last, label = int(text), 1, 12, text
    else:
        examples = {"month": "2024-03", "quarter": "2024-Q1", "half": "2024-H2", "year": "2024"}
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
