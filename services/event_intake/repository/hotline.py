"""The 12345 callback repository: one `Callback` per work order in and out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

from services.event_intake.documents.hotline import HotlineCallbackDocument
from services.event_intake.domain.hotline import Callback, Outcome
from shared.events.domain import DomainEvent
from shared.mongo import TenantRepository


class HotlineCallbackRepository(TenantRepository[HotlineCallbackDocument]):
    document = HotlineCallbackDocument

    def _key(self, work_order_no: str) -> str:
        return f"{self.tenant_id}|{work_order_no}"

    def find_callback(self, work_order_no: str) -> Callback | None:
        """The work order's recorded callback, or None (also another tenant's number)."""
        doc = self.get(self._key(work_order_no))
        return None if doc is None else _to_domain(doc)

    def save_callback(self, callback: Callback, events: Sequence[DomainEvent]) -> Callback:
        """Insert (revision 0; `Conflict` when another import recorded it first) or write back
        at the revision read (`ConcurrentUpdate` when another one changed it meanwhile)."""
        doc = HotlineCallbackDocument(
            key=self._key(callback.work_order_no),
            tenant_id=callback.tenant_id,
            work_order_no=callback.work_order_no,
            event_id=callback.event_id,
            grid_id=callback.grid_id,
            division_id=callback.division_id,
            category=callback.category,
            reported_at=callback.reported_at,
            outcome=callback.outcome.value,
            called_at=callback.called_at,
            recorded_at=callback.recorded_at,
            recordings=callback.recordings,
        )
        if callback.revision == 0:
            self.add(doc, events)
            return replace(callback, revision=1)
        doc.revision = callback.revision
        self.save(doc, events)
        return replace(callback, revision=callback.revision + 1)


def _aware(moment: datetime) -> datetime:
    """Stored datetimes come back naive (UTC); the domain speaks aware UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _to_domain(doc: HotlineCallbackDocument) -> Callback:
    return Callback(
        tenant_id=doc.tenant_id,
        work_order_no=doc.work_order_no,
        event_id=doc.event_id,
        grid_id=doc.grid_id,
        division_id=doc.division_id,
        category=doc.category,
        reported_at=_aware(doc.reported_at),
        outcome=Outcome(doc.outcome),
        called_at=_aware(doc.called_at),
        recorded_at=_aware(doc.recorded_at),
        recordings=doc.recordings,
        revision=doc.revision,
    )
