"""Assessment periods, and the working-day calendar scoring counts them on.

Periods are the platform's (`shared.periods`); scoring's schemes use the kinds in
`PERIOD_KINDS`. The calendar is the platform's too (`shared.calendar.WorkCalendar`): Chinese
public holidays and make-up working days (``chinesecalendar``) unless the scheme overrides
single dates; outside the covered years only the overrides and weekends count, and
`WorkCalendar.covers` says so.
"""

from __future__ import annotations

from shared.calendar import WorkCalendar
from shared.periods import Period, parse_period

__all__ = ["PERIOD_KINDS", "Period", "WorkCalendar", "parse_period"]

PERIOD_KINDS = ("month", "quarter", "year", "custom")
