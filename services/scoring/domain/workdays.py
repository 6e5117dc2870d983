"""Assessment periods, and the working-day calendar scoring counts them on.

Periods are the platform's (`shared.periods`); scoring's schemes use the kinds in
`PERIOD_KINDS`. The calendar is the platform's too (`shared.calendar.WorkCalendar`): Chinese
public holidays and make-up working days (``chinesecalendar``) unless the scheme overrides
single dates; outside the covered years only the overrides and weekends count, and
`WorkCalendar.covers` says so.

Streaks look back over earlier periods of the same kind: `period_of_label` reads the label an
evaluation was written with, `previous_period` names the period right before another.
"""

from __future__ import annotations

from datetime import date, timedelta

from shared.calendar import WorkCalendar
from shared.periods import PERIOD_KINDS as _ALL_KINDS
from shared.periods import Period, parse_period

__all__ = [
    "PERIOD_KINDS",
    "Period",
    "WorkCalendar",
    "parse_period",
    "period_of_label",
    "previous_period",
]

PERIOD_KINDS = ("month", "quarter", "year", "custom")


def period_of_label(label: str) -> Period | None:
    """The period a canonical label names (``2024-03``, ``2024-Q1``, ``2024-H2``, ``2024``,
    ``2024-01-01..2024-06-30``), whatever its kind; None when it names none."""
    if ".." in label:
        start, _, end = label.partition("..")
        custom = parse_period("custom", {"start": start, "end": end})
        return custom if isinstance(custom, Period) else None
    for kind in _ALL_KINDS:
        if kind != "custom" and isinstance(period := parse_period(kind, label), Period):
            return period
    return None


def previous_period(period: Period) -> Period | None:
    """The period of the same kind that ends the day before ``period`` starts; None for a
    custom period, whose length says nothing about the one before it."""
    day: date = period.start - timedelta(days=1)
    labels = {
        "month": f"{day.year}-{day.month:02d}",
        "quarter": f"{day.year}-Q{(day.month - 1) // 3 + 1}",
        "half": f"{day.year}-H{(day.month - 1) // 6 + 1}",
        "year": str(day.year),
    }
    label = labels.get(period.kind)
    if label is None:
        return None
    previous = parse_period(period.kind, label)
    return previous if isinstance(previous, Period) else None
