"""The closed-events repository: intake's closed events in and out of the read model.

`closed_in(period)` is what an event-callback campaign's frame is built from: one equality
read per month the period touches (`closed` and `month` are top-level scalars), the exact days
matched here.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from services.survey.documents.closed_events import ClosedEventDocument
from services.survey.domain.closed_events import (
    ClosedEvent,
    EventClosure,
    month_of,
    months_of,
)
from shared.mongo import TenantRepository
from shared.periods import Period
from shared.registry.model import AppliedMark

_LISTED = ("event_id", "grid_id", "division_id", "source", "category", "closed_at", "day")


class ClosedEventRepository(TenantRepository[ClosedEventDocument]):
    document = ClosedEventDocument

    def _key(self, event_id: str) -> str:
        return f"{self.tenant_id}|{event_id}"

    def find(self, event_id: str) -> EventClosure | None:
        """The event's entry (closed or reopened), or None when survey never saw it closed."""
        doc = self.get(self._key(event_id))
        return None if doc is None else _to_domain(doc)

    def closed_event(self, event_id: str) -> ClosedEvent | None:
        """The event as closed now, or None (unknown here, or reopened since)."""
        entry = self.find(event_id)
        return None if entry is None else entry.as_closed_event()

    def record(self, entry: EventClosure) -> EventClosure:
        """Insert a new entry (revision 0; `Conflict` when another writer stored it first) or
        write back one read at ``entry.revision`` (`ConcurrentUpdate` when it moved on)."""
        doc = _to_document(entry, self._key(entry.event_id))
        if entry.revision == 0:
            self.add(doc)
            return replace(entry, revision=1)
        doc.revision = entry.revision
        self.save(doc)
        return replace(entry, revision=entry.revision + 1)

    def closed_in(self, period: Period) -> list[ClosedEvent]:
        """The events standing closed whose closure fell on a day of ``period``
        (Asia/Shanghai), by closure then event id."""
        first, last = period.start.isoformat(), period.end.isoformat()
        found: list[ClosedEvent] = []
        for month in months_of(period):
            for raw in self.all_values(_LISTED, closed=True, month=month):
                if first <= raw["day"] <= last:
                    found.append(_closed_event(raw))
        return sorted(found, key=lambda event: (event.closed_at, event.event_id))


def _aware(moment: datetime) -> datetime:
    """Stored datetimes may come back naive (UTC); the domain speaks aware UTC."""
    return moment.astimezone(UTC) if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _iso_instant(moment: datetime) -> str:
    # Fixed width (microseconds, +00:00): the stored strings order as the instants do.
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _closed_event(raw: dict[str, Any]) -> ClosedEvent:
    return ClosedEvent(
        event_id=raw["event_id"],
        grid_id=raw["grid_id"],
        division_id=raw.get("division_id"),
        source=raw["source"],
        category=raw["category"],
        closed_at=_aware(raw["closed_at"]),
        day=date.fromisoformat(raw["day"]),
    )


def _to_document(entry: EventClosure, key: str) -> ClosedEventDocument:
    day = entry.day
    return ClosedEventDocument(
        key=key,
        event_id=entry.event_id,
        grid_id=entry.grid_id,
        division_id=entry.division_id,
        source=entry.source,
        category=entry.category,
        closed=entry.closed,
        closed_at=entry.closed_at,
        day=None if day is None else day.isoformat(),
        month=None if day is None else month_of(day),
        applied_at=_iso_instant(entry.mark.occurred_at),
        applied_event_ids=list(entry.mark.event_ids),
    )


def _to_domain(doc: ClosedEventDocument) -> EventClosure:
    return EventClosure(
        event_id=doc.event_id,
        grid_id=doc.grid_id,
        division_id=doc.division_id,
        source=doc.source,
        category=doc.category,
        closed_at=None if doc.closed_at is None else _aware(doc.closed_at),
        mark=AppliedMark(datetime.fromisoformat(doc.applied_at), tuple(doc.applied_event_ids)),
        revision=doc.revision,
    )
