"""The time window of an audit read, cut into the UTC day buckets the trail is stored by."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from shared.clock import require_aware
from shared.errors import InvalidInput

DEFAULT_DAYS = 30  # without `since`: this many days before `until` (or now), whole days
MAX_DAYS = 92  # a wider window is refused: each day costs a count
# Without `until` the window runs to the end of tomorrow (UTC), so an event stamped by a
# service whose clock runs a little ahead is not missing from the newest page.
_AHEAD = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class DaySlice:
    """One day bucket of a window, with the bounds that cut it (only the window's first and
    last day can be cut; a bound at midnight cuts nothing and is dropped)."""

    day: str
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def day_slices(*, since: datetime | None, until: datetime | None, now: datetime) -> list[DaySlice]:
    """The days of ``[since, until)``, newest first. `InvalidInput` naming ``since`` when the
    window is empty by construction or longer than `MAX_DAYS` days."""
    until = None if until is None else require_aware(until, "until").astimezone(UTC)
    end = until if until is not None else require_aware(now).astimezone(UTC)
    if since is None:
        start = _midnight(end.date() - timedelta(days=DEFAULT_DAYS))
    else:
        start = require_aware(since, "since").astimezone(UTC)
    if until is not None and start >= until:
        raise InvalidInput.of("since", "must be before until")
    if end - start > timedelta(days=MAX_DAYS):
        raise InvalidInput.of("since", f"the window is at most {MAX_DAYS} days")
    first = start.date()
    last = (end + _AHEAD if until is None else until - timedelta(microseconds=1)).date()
    slices: list[DaySlice] = []
    day = last
    while day >= first:
        cut_since = start if day == first and start != _midnight(day) else None
        cut_until = until if until is not None and day == until.date() else None
        slices.append(DaySlice(day.isoformat(), cut_since, cut_until))
        day -= timedelta(days=1)
    return slices
