"""The key subject repository: domain `Subject` in and out, duplicates found by ID digest."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from typing import Any

from pymongo.errors import DuplicateKeyError, OperationFailure

from services.grid_registry.documents.subjects import GridMoveDocument, SubjectDocument
from services.grid_registry.domain.subjects import (
    Gender,
    GridMove,
    Location,
    Subject,
    SubjectCategory,
    SubjectStatus,
    VisitCycle,
)
from shared.mongo import Conflict, Page, PendingEvent, TenantRepository

DUPLICATE = "a subject with this ID number is already registered in the tenant"


class SubjectRepository(TenantRepository[SubjectDocument]):
    document = SubjectDocument

    def add_subject(self, subject: Subject, events: Sequence[PendingEvent]) -> Subject:
        """Store a new subject with its events; `Conflict` when the ID number is registered."""
        try:
            self.add(_to_document(subject), events)
        except Conflict:
            raise Conflict(DUPLICATE) from None
        return replace(subject, revision=1)

    def save_subject(self, subject: Subject, events: Sequence[PendingEvent]) -> Subject:
        """Write back a subject read at ``subject.revision``; `Conflict` on a duplicate ID."""
        doc = _to_document(subject)
        doc.revision = subject.revision
        if self._query(dedup_key=doc.dedup_key, subject_id__ne=subject.subject_id).count():
            raise Conflict(DUPLICATE)
        try:
            self.save(doc, events)
        except DuplicateKeyError:
            raise Conflict(DUPLICATE) from None
        except OperationFailure as exc:
            # FerretDB 1.24 reports a unique-index violation on update as InternalError (code
            # 1), not 11000; this only happens when a concurrent write won the check above.
            if "UNIQUE constraint failed" in str(exc):
                raise Conflict(DUPLICATE) from None
            raise
        return replace(subject, revision=subject.revision + 1)

    def find_subject(self, subject_id: str) -> Subject | None:
        doc = self.get(subject_id)
        return None if doc is None else _to_domain(doc)

    def list_subjects(
        self,
        *,
        offset: int,
        limit: int,
        grid_ids: Collection[str] | None = None,
        **filters: str,
    ) -> Page[Subject]:
        """One page ordered by grid then name; ``grid_ids`` restricts to those grids."""
        query: dict[str, Any] = {name: value for name, value in filters.items() if value}
        if grid_ids is not None:
            query["grid_id__in"] = sorted(grid_ids)
        page = self.list(
            offset=offset, limit=limit, order_by=("grid_id", "name", "subject_id"), **query
        )
        return page.map(_to_domain)


def _to_document(subject: Subject) -> SubjectDocument:
    return SubjectDocument(
        subject_id=subject.subject_id,
        tenant_id=subject.tenant_id,
        category=subject.category.value,
        sub_category=subject.sub_category,
        grid_id=subject.grid_id,
        division_id=subject.division_id,
        visit_cycle=subject.visit_cycle.value,
        status=subject.status.value,
        name=subject.name,
        address=subject.address,
        lon=subject.location.lon if subject.location else None,
        lat=subject.location.lat if subject.location else None,
        gender=subject.gender.value if subject.gender else None,
        id_number=subject.id_number,
        id_number_sha256=subject.id_number_sha256,
        dedup_key=subject.id_number_sha256 or f"subject:{subject.subject_id}",
        phone=subject.phone,
        notes=subject.notes,
        contact_person=subject.contact_person,
        contact_phone=subject.contact_phone,
        archived_reason=subject.archived_reason,
        archived_at=subject.archived_at,
        archived_by=subject.archived_by,
        moves=[
            GridMoveDocument(
                from_grid_id=move.from_grid_id,
                to_grid_id=move.to_grid_id,
                moved_at=move.moved_at,
                moved_by=move.moved_by,
            )
            for move in subject.moves
        ],
        created_at=subject.created_at,
        created_by=subject.created_by,
        updated_at=subject.updated_at,
        updated_by=subject.updated_by,
    )


def _to_domain(doc: SubjectDocument) -> Subject:
    return Subject(
        subject_id=doc.subject_id,
        tenant_id=doc.tenant_id,
        category=SubjectCategory(doc.category),
        sub_category=doc.sub_category,
        grid_id=doc.grid_id,
        division_id=doc.division_id,
        visit_cycle=VisitCycle(doc.visit_cycle),
        status=SubjectStatus(doc.status),
        name=doc.name,
        address=doc.address,
        location=None if doc.lon is None else Location(lon=doc.lon, lat=doc.lat),
        gender=None if doc.gender is None else Gender(doc.gender),
        id_number=doc.id_number,
        id_number_sha256=doc.id_number_sha256,
        phone=doc.phone,
        notes=doc.notes,
        contact_person=doc.contact_person,
        contact_phone=doc.contact_phone,
        archived_reason=doc.archived_reason,
        archived_at=doc.archived_at,
        archived_by=doc.archived_by,
        moves=tuple(
            GridMove(
                from_grid_id=m.from_grid_id,
                to_grid_id=m.to_grid_id,
                moved_at=m.moved_at,
                moved_by=m.moved_by,
            )
            for m in doc.moves
        ),
        created_at=doc.created_at,
        created_by=doc.created_by,
        updated_at=doc.updated_at,
        updated_by=doc.updated_by,
        revision=doc.revision,
    )
