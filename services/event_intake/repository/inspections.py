"""The inspection repository: domain `Inspection` in and out, lists by equality, the overdue
scan."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from services.event_intake.documents.inspections import (
    InspectionDocument,
    InspectionTransitionDocument,
)
from services.event_intake.domain.inspections import (
    Action,
    Inspection,
    Kind,
    Severity,
    State,
    Transition,
)
from services.event_intake.domain.tasks import Evidence
from services.event_intake.repository import overdue
from services.event_intake.repository.mapping import (
    aware,
    entry_fields,
    entry_values,
    epoch_ms,
    inserted,
    narrow,
    required,
    written_back,
)
from shared.events.domain import DomainEvent
from shared.mongo import Page, TenantRepository


@dataclass(frozen=True)
class InspectionFilter:
    """What a list asks for; `grid_ids` narrows it to what a caller may see (None: the whole
    tenant)."""

    kind: Kind | None = None
    state: State | None = None
    grid_id: str | None = None
    overdue: bool | None = None
    grid_ids: frozenset[str] | None = None


class InspectionRepository(TenantRepository[InspectionDocument]):
    document = InspectionDocument

    def find_inspection(self, inspection_id: str) -> Inspection | None:
        """The inspection with this id in this tenant, or None (also another tenant's id)."""
        doc = self.get(inspection_id)
        return None if doc is None else to_domain(doc)

    def add_inspection(self, inspection: Inspection, events: Sequence[DomainEvent]) -> Inspection:
        """Insert a new inspection with its `inspection.recorded`; `Conflict` when its id
        exists (a retried record with the same client request id)."""
        return inserted(self, inspection, to_document(inspection), events)

    def save_inspection(self, inspection: Inspection, events: Sequence[DomainEvent]) -> Inspection:
        """Write back the inspection read at ``inspection.revision`` with its events;
        `ConcurrentUpdate` when another write landed first."""
        return written_back(self, inspection, to_document(inspection), events)

    def page(self, where: InspectionFilter, *, offset: int, limit: int) -> Page[Inspection]:
        """One page of the inspections matching ``where``, latest recorded first."""
        filters: dict[str, Any] = {}
        if where.kind is not None:
            filters["kind"] = where.kind.value
        if where.state is not None:
            filters["state"] = where.state.value
        if where.grid_id is not None:
            filters["grid_id"] = where.grid_id
        if where.overdue is not None:
            filters["overdue"] = where.overdue
        if not narrow(filters, "grid_id", where.grid_id, where.grid_ids):
            return Page(items=[], total=0, offset=offset, limit=limit)
        found = self.list(
            offset=offset, limit=limit, order_by=("-recorded_at", "-inspection_id"), **filters
        )
        return found.map(to_domain)

    def due(self, now: datetime) -> list[Inspection]:
        """This tenant's inspections whose rectification deadline passed by ``now``
        unrecorded: `pending` narrows in the database, the time comparison happens here."""
        return [to_domain(doc) for doc in overdue.due_before(self._query(pending=True), now)]

    @staticmethod
    def tenants_with_due(now: datetime) -> list[str]:
        """Every tenant with an inspection whose rectification deadline passed by ``now``
        unrecorded (the scheduler then runs `mark_overdue` per tenant)."""
        return overdue.tenants_with_due(InspectionDocument, now)


# --- mapping ------------------------------------------------------------------------------


def to_document(inspection: Inspection) -> InspectionDocument:
    pending = inspection.deadline_pending
    deadline = inspection.rectification_deadline
    evidence = inspection.evidence
    return InspectionDocument(
        inspection_id=inspection.inspection_id,
        tenant_id=inspection.tenant_id,
        kind=inspection.kind.value,
        grid_id=inspection.grid_id,
        worker_id=inspection.worker_id,
        found_on=inspection.found_on.isoformat(),
        category=inspection.category,
        severity=None if inspection.severity is None else inspection.severity.value,
        description=inspection.description or None,
        photo_ids=list(inspection.photo_ids),
        state=inspection.state.value,
        recorded_by=inspection.recorded_by,
        recorded_at=inspection.recorded_at,
        rectification_deadline=deadline,
        verified=inspection.verified,
        verified_at=inspection.verified_at,
        rectified_at=inspection.rectified_at,
        rectified_on_time=inspection.rectified_on_time,
        evidence_text=None if evidence is None else evidence.text,
        evidence_photo_ids=[] if evidence is None else list(evidence.photo_ids),
        rejected_rectifications=inspection.rejected_rectifications,
        confirmed_at=inspection.confirmed_at,
        overdue=inspection.overdue,
        pending=pending,
        due_ms=epoch_ms(deadline) if pending and deadline is not None else None,
        history=[
            InspectionTransitionDocument(**entry_fields(entry)) for entry in inspection.history
        ],
    )


def to_domain(doc: InspectionDocument) -> Inspection:
    evidence = None
    if doc.evidence_text is not None:
        evidence = Evidence(text=doc.evidence_text, photo_ids=tuple(doc.evidence_photo_ids))
    return Inspection(
        inspection_id=doc.inspection_id,
        tenant_id=doc.tenant_id,
        kind=Kind(doc.kind),
        grid_id=doc.grid_id,
        worker_id=doc.worker_id,
        found_on=date.fromisoformat(doc.found_on),
        category=doc.category,
        severity=None if doc.severity is None else Severity(doc.severity),
        description=doc.description or "",
        photo_ids=tuple(doc.photo_ids),
        state=State(doc.state),
        recorded_by=doc.recorded_by,
        recorded_at=required(doc.recorded_at),
        rectification_deadline=aware(doc.rectification_deadline),
        verified=doc.verified,
        verified_at=aware(doc.verified_at),
        rectified_at=aware(doc.rectified_at),
        rectified_on_time=doc.rectified_on_time,
        evidence=evidence,
        rejected_rectifications=doc.rejected_rectifications,
        confirmed_at=aware(doc.confirmed_at),
        overdue=doc.overdue,
        history=tuple(Transition(**entry_values(entry, Action, State)) for entry in doc.history),
        revision=doc.revision,
    )
