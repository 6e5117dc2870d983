"""The division repository: domain `Division` in and out, its events in the same write."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from services.grid_registry.documents.divisions import DivisionDocument
from services.grid_registry.domain.divisions import Division
from shared.events.domain import DomainEvent
from shared.mongo import Page, TenantRepository


class DivisionRepository(TenantRepository[DivisionDocument]):
    document = DivisionDocument

    def add_division(self, division: Division, events: Sequence[DomainEvent]) -> Division:
        """Store a new division and its events in one write; `Conflict` on a duplicate code."""
        self.add(
            DivisionDocument(
                division_id=division.division_id,
                tenant_id=division.tenant_id,
                code=division.code,
                name=division.name,
                kind=division.kind,
                created_at=division.created_at,
                created_by=division.created_by,
            ),
            events,
        )
        return division

    def update_division(self, division: Division, events: Sequence[DomainEvent]) -> Division:
        """Write a division's new name and kind with its events in one write."""
        doc = self.require(division.division_id)
        doc.name = division.name
        doc.kind = division.kind
        self.save(doc, events)
        return division

    def divisions_by_code(self, codes: Collection[str]) -> dict[str, Division]:
        """The divisions among ``codes`` that exist in this tenant, by code."""
        if not codes:
            return {}
        return {doc.code: _to_domain(doc) for doc in self._query(code__in=sorted(set(codes)))}

    def find_division(self, division_id: str) -> Division | None:
        doc = self.get(division_id)
        return None if doc is None else _to_domain(doc)

    def list_divisions(self, *, offset: int, limit: int, kind: str | None = None) -> Page[Division]:
        filters = {"kind": kind} if kind else {}
        page = self.list(offset=offset, limit=limit, order_by=("code",), **filters)
        return page.map(_to_domain)


def _to_domain(doc: DivisionDocument) -> Division:
    return Division(
        division_id=doc.division_id,
        tenant_id=doc.tenant_id,
        code=doc.code,
        name=doc.name,
        kind=doc.kind,
        created_at=doc.created_at,
        created_by=doc.created_by,
    )
