"""Intake's closed events (办结事项) as survey sees them: the read model an event-callback
campaign draws its frame from.

event_intake publishes every change of an event with the event's whole state; survey keeps,
per event, only what a callback after closure needs: the event, its grid and division, its
source and category, and when it was closed (with the Asia/Shanghai day, which decides the
period it belongs to). ``event.closed`` closes an entry, ``event.reopened`` (重办) un-closes
it: a reopened event is not closed until it is closed again, with a new ``closed_at``.

Messages of one event share a Kafka key, so they arrive in order; what arrives out of order is
a redelivery or a replay from an earlier offset. Each entry remembers the newest message it
applied (`AppliedMark`), so a redelivered or older message changes nothing.

No personal data reaches this model: intake's messages carry none (never the title, address
or reporter).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from shared.clock import require_aware
from shared.periods import Period
from shared.registry.model import AppliedMark, admits, local_day

EVENT_CLOSED = "event.closed"
EVENT_REOPENED = "event.reopened"
# The intake messages this model applies; every other event.* type is skipped.
APPLIED_TYPES = frozenset({EVENT_CLOSED, EVENT_REOPENED})


def month_of(day: date) -> str:
    """The month bucket (``2026-11``) a day is stored under."""
    return f"{day.year:04d}-{day.month:02d}"


def months_of(period: Period) -> tuple[str, ...]:
    """The month buckets a period touches, in order: a quarter reads three equalities, a
    custom period every month it overlaps (its days are then matched one by one)."""
    months: list[str] = []
    year, month = period.start.year, period.start.month
    while (year, month) <= (period.end.year, period.end.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tuple(months)


@dataclass(frozen=True, slots=True)
class ClosedEvent:
    """An event closed at `closed_at` (Asia/Shanghai day `day`), as of the newest message."""

    event_id: str
    grid_id: str
    division_id: str | None
    source: str
    category: str
    closed_at: datetime
    day: date


@dataclass(frozen=True, slots=True)
class EventClosure:
    """One event's entry: its facts, and `closed_at` while it stands closed (None once
    reopened). `mark` is the newest intake message applied; `revision` 0 means not stored."""

    event_id: str
    grid_id: str
    division_id: str | None
    source: str
    category: str
    closed_at: datetime | None
    mark: AppliedMark
    revision: int = 0

    @property
    def closed(self) -> bool:
        return self.closed_at is not None

    @property
    def day(self) -> date | None:
        """The Asia/Shanghai day of the closure (None while not closed)."""
        return None if self.closed_at is None else local_day(self.closed_at)

    def as_closed_event(self) -> ClosedEvent | None:
        """The closed event this entry says, or None while it is not closed."""
        if self.closed_at is None:
            return None
        return ClosedEvent(
            event_id=self.event_id,
            grid_id=self.grid_id,
            division_id=self.division_id,
            source=self.source,
            category=self.category,
            closed_at=self.closed_at,
            day=local_day(self.closed_at),
        )


def apply_message(
    current: EventClosure | None,
    *,
    type_: str,
    state: Mapping[str, Any],
    occurred_at: datetime,
    message_id: str,
) -> EventClosure | None:
    """The entry after intake's message ``type_`` (its contract-loaded payload ``state``), or
    None when the message changes nothing: a type this model does not apply, a redelivered or
    older message, or a reopening of an event never seen closed (nothing to un-close)."""
    require_aware(occurred_at, "occurred_at")
    if type_ not in APPLIED_TYPES:
        return None
    mark = None if current is None else current.mark
    if not admits(mark, occurred_at, message_id):
        return None
    if type_ == EVENT_REOPENED and current is None:
        return None
    closed_at: datetime | None = None
    if type_ == EVENT_CLOSED:
        # A closure message always carries its instant; fall back to the message's own for
        # safety rather than leave a closed event without a day.
        closed_at = require_aware(state.get("closed_at") or occurred_at, "closed_at")
    next_mark = (
        AppliedMark.of(occurred_at, message_id)
        if mark is None
        else mark.after(occurred_at, message_id)
    )
    return EventClosure(
        event_id=state["event_id"],
        grid_id=state["grid_id"],
        division_id=state.get("division_id"),
        source=state["source"],
        category=state["category"],
        closed_at=closed_at,
        mark=next_mark,
        revision=0 if current is None else current.revision,
    )
