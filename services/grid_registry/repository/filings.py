"""Filed management system repositories: checklist items and filings."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from services.grid_registry.documents.filings import (
    ACTIVE_SLOT,
    EvidenceDocument,
    FilingDocument,
    FilingItemDocument,
    WithdrawalDocument,
)
from services.grid_registry.domain.filings import Evidence, Filing, FilingItem, Withdrawal
from shared.errors import NotFound
from shared.events.domain import DomainEvent
from shared.mongo import TenantRepository


class FilingItemRepository(TenantRepository[FilingItemDocument]):
    document = FilingItemDocument

    def add_item(self, item: FilingItem) -> FilingItem:
        """Store a new checklist item; `Conflict` when the code is taken."""
        self.add(
            FilingItemDocument(
                tenant_id=self.tenant_id,
                code=item.code,
                title=item.title,
                due_on=item.due_on.isoformat(),
                required=item.required,
                created_at=item.created_at,
                created_by=item.created_by,
            )
        )
        return item

    def save_item(self, item: FilingItem) -> FilingItem:
        """Write back an item's retirement."""
        doc = self._query(code=item.code).first()
        if doc is None:
            raise NotFound(f"filing item {item.code} not found")
        doc.retired_on = item.retired_on.isoformat() if item.retired_on else None
        self.save(doc)
        return item

    def items(self) -> list[FilingItem]:
        """Every item of the checklist, retired ones included, by code."""
        docs: Iterable[FilingItemDocument] = self._query().order_by("code")
        return [_item(doc) for doc in docs]


class FilingRepository(TenantRepository[FilingDocument]):
    document = FilingDocument

    def add_filing(self, filing: Filing, events: Sequence[DomainEvent]) -> Filing:
        """Store a new active filing with its events; `Conflict` when one is already active."""
        doc = FilingDocument(
            filing_id=filing.filing_id,
            tenant_id=self.tenant_id,
            division_id=filing.division_id,
            item_code=filing.item_code,
            slot=ACTIVE_SLOT,
            filed_on=filing.filed_on.isoformat(),
            evidence=EvidenceDocument(
                document_title=filing.evidence.document_title,
                document_number=filing.evidence.document_number,
                reference=filing.evidence.reference,
            ),
            filed_by=filing.filed_by,
            recorded_at=filing.recorded_at,
        )
        self.add(doc, events)
        return filing

    def save_withdrawal(self, filing: Filing, events: Sequence[DomainEvent]) -> Filing:
        """Write a filing's withdrawal and its events in one write."""
        if filing.withdrawal is None:
            raise ValueError("save_withdrawal needs a withdrawn filing")
        doc = self.require(filing.filing_id)
        doc.slot = filing.filing_id
        doc.withdrawal = WithdrawalDocument(
            withdrawn_on=filing.withdrawal.withdrawn_on.isoformat(),
            reason=filing.withdrawal.reason,
            withdrawn_by=filing.withdrawal.withdrawn_by,
            withdrawn_at=filing.withdrawal.withdrawn_at,
        )
        self.save(doc, events)
        return filing

    def find_filing(self, filing_id: str) -> Filing | None:
        doc = self.get(filing_id)
        return None if doc is None else _filing(doc)

    def active_filing(self, *, division_id: str, item_code: str) -> Filing | None:
        doc = self._query(division_id=division_id, item_code=item_code, slot=ACTIVE_SLOT).first()
        return None if doc is None else _filing(doc)

    def filings(self, *, division_id: str | None = None) -> list[Filing]:
        """Every filing (of one division, or of the tenant), withdrawn ones included."""
        query = self._query(division_id=division_id) if division_id else self._query()
        return [_filing(doc) for doc in query.exclude("outbox")]


def _item(doc: FilingItemDocument) -> FilingItem:
    return FilingItem(
        code=doc.code,
        title=doc.title,
        due_on=date.fromisoformat(doc.due_on),
        required=doc.required,
        created_at=doc.created_at,
        created_by=doc.created_by,
        retired_on=date.fromisoformat(doc.retired_on) if doc.retired_on else None,
    )


def _filing(doc: FilingDocument) -> Filing:
    withdrawal = None
    if doc.withdrawal is not None:
        withdrawal = Withdrawal(
            withdrawn_on=date.fromisoformat(doc.withdrawal.withdrawn_on),
            reason=doc.withdrawal.reason,
            withdrawn_by=doc.withdrawal.withdrawn_by,
            withdrawn_at=doc.withdrawal.withdrawn_at,
        )
    return Filing(
        filing_id=doc.filing_id,
        tenant_id=doc.tenant_id,
        division_id=doc.division_id,
        item_code=doc.item_code,
        filed_on=date.fromisoformat(doc.filed_on),
        evidence=Evidence(
            document_title=doc.evidence.document_title,
            document_number=doc.evidence.document_number,
            reference=doc.evidence.reference,
        ),
        filed_by=doc.filed_by,
        recorded_at=doc.recorded_at,
        withdrawal=withdrawal,
    )
