"""The metric ledger's store: one entry per fact learned from one event."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from services.scoring.documents.ledger import LedgerEntryDocument
from services.scoring.domain.ledger import LedgerEntry
from shared.errors import Conflict
from shared.mongo import Page, TenantRepository


class LedgerRepository(TenantRepository[LedgerEntryDocument]):
    document = LedgerEntryDocument

    def record(self, fact: LedgerEntry, *, recorded_at: datetime) -> bool:
        """Store the fact once; False when this event was already recorded (a redelivery)."""
        try:
            self.add(
                LedgerEntryDocument(
                    event_id=fact.event_id,
                    tenant_id=fact.tenant_id,
                    event_type=fact.event_type,
                    subject_kind=fact.subject_kind,
                    subject_id=fact.subject_id,
                    metric=fact.metric,
                    value=str(fact.value),
                    occurred_at=fact.occurred_at,
                    recorded_at=recorded_at,
                    attributes=dict(fact.attributes),
                )
            )
        except Conflict:
            return False
        return True

    def facts(
        self,
        *,
        offset: int,
        limit: int,
        subject_id: str | None = None,
        metric: str | None = None,
    ) -> Page[LedgerEntry]:
        filters = {k: v for k, v in {"subject_id": subject_id, "metric": metric}.items() if v}
        page = self.list(
            offset=offset, limit=limit, order_by=("occurred_at", "event_id"), **filters
        )
        return page.map(_to_entry)


def _to_entry(doc: LedgerEntryDocument) -> LedgerEntry:
    occurred_at = doc.occurred_at
    return LedgerEntry(
        event_id=doc.event_id,
        tenant_id=doc.tenant_id,
        event_type=doc.event_type,
        subject_kind=doc.subject_kind,
        subject_id=doc.subject_id,
        metric=doc.metric,
        value=Decimal(doc.value),
        occurred_at=occurred_at,
        attributes=dict(doc.attributes),
    )
