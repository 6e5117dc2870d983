"""The work record repository: one document per record, domain `WorkRecord` in and out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from services.event_intake.documents.records import CorrectionDocument, WorkRecordDocument
from services.event_intake.domain.records import (
    AgencyItem,
    AttendanceStatus,
    Correction,
    Details,
    RecordKind,
    Severity,
    VisitTarget,
    Voiding,
    WorkRecord,
)
from shared.events.domain import DomainEvent
from shared.mongo import Page, TenantRepository


class WorkRecordRepository(TenantRepository[WorkRecordDocument]):
    document = WorkRecordDocument

    def find_record(self, record_id: str) -> WorkRecord | None:
        """The record ``record_id`` of this tenant, or None (also for another tenant's)."""
        doc = self.get(record_id)
        return None if doc is None else _to_domain(doc)

    def list_records(
        self,
        *,
        offset: int,
        limit: int,
        kind: str | None = None,
        grid_id: str | None = None,
        worker_id: str | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
        voided: bool | None = None,
    ) -> Page[WorkRecord]:
        """One page of the tenant's records, newest day first. The equalities reach the
        database; a date range is applied by FerretDB after them (narrow by worker or grid)."""
        filters: dict[str, Any] = {}
        for name, value in (
            ("kind", kind),
            ("grid_id", grid_id),
            ("worker_id", worker_id),
            ("voided", voided),
        ):
            if value is not None:
                filters[name] = value
        if date_from is not None:
            filters["date__gte"] = date_from.isoformat()
        if date_to is not None:
            filters["date__lte"] = date_to.isoformat()
        page = self.list(offset=offset, limit=limit, order_by=("-date", "-id"), **filters)
        return page.map(_to_domain)

    def add_record(self, record: WorkRecord, events: Sequence[DomainEvent]) -> WorkRecord:
        """Insert a new record with its events; `Conflict` when its id is taken."""
        self.add(_to_document(record), events)
        return replace(record, revision=1)

    def save_record(self, record: WorkRecord, events: Sequence[DomainEvent]) -> WorkRecord:
        """Write back a record read at ``record.revision``; `ConcurrentUpdate` when it moved."""
        doc = _to_document(record)
        doc.revision = record.revision
        self.save(doc, events)
        return replace(record, revision=record.revision + 1)


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _day(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _to_document(record: WorkRecord) -> WorkRecordDocument:
    details, voiding = record.details, record.voiding
    return WorkRecordDocument(
        record_id=record.record_id,
        tenant_id=record.tenant_id,
        kind=record.kind.value,
        grid_id=record.grid_id,
        worker_id=record.worker_id,
        date=record.date.isoformat(),
        note=record.note,
        request_id=record.request_id,
        recorded_by=record.recorded_by,
        recorded_at=record.recorded_at,
        updated_by=record.updated_by,
        updated_at=record.updated_at,
        voided=voiding is not None,
        voided_by=None if voiding is None else voiding.voided_by,
        voided_at=None if voiding is None else voiding.voided_at,
        void_reason=None if voiding is None else voiding.reason,
        corrections=[
            CorrectionDocument(
                corrected_at=c.corrected_at,
                corrected_by=c.corrected_by,
                reason=c.reason,
                changed=list(c.fields),
            )
            for c in record.corrections
        ],
        status=None if details.status is None else details.status.value,
        session_id=details.session_id,
        session_title=details.session_title,
        report_name=details.report_name,
        due_on=_iso(details.due_on),
        submitted_on=_iso(details.submitted_on),
        week=details.week,
        findings_count=details.findings_count,
        visit_target=None if details.visit_target is None else details.visit_target.value,
        subject_id=details.subject_id,
        item=None if details.item is None else details.item.value,
        completed=details.completed,
        finding_type=details.finding_type,
        severity=None if details.severity is None else details.severity.value,
    )


def _to_domain(doc: WorkRecordDocument) -> WorkRecord:
    return WorkRecord(
        record_id=doc.record_id,
        tenant_id=doc.tenant_id,
        kind=RecordKind(doc.kind),
        grid_id=doc.grid_id,
        worker_id=doc.worker_id,
        date=date.fromisoformat(doc.date),
        details=Details(
            status=None if doc.status is None else AttendanceStatus(doc.status),
            session_id=doc.session_id,
            session_title=doc.session_title,
            report_name=doc.report_name,
            due_on=_day(doc.due_on),
            submitted_on=_day(doc.submitted_on),
            week=doc.week,
            findings_count=doc.findings_count,
            visit_target=None if doc.visit_target is None else VisitTarget(doc.visit_target),
            subject_id=doc.subject_id,
            item=None if doc.item is None else AgencyItem(doc.item),
            completed=doc.completed,
            finding_type=doc.finding_type,
            severity=None if doc.severity is None else Severity(doc.severity),
        ),
        note=doc.note,
        recorded_by=doc.recorded_by,
        recorded_at=doc.recorded_at,
        updated_by=doc.updated_by,
        updated_at=doc.updated_at,
        request_id=doc.request_id,
        corrections=tuple(
            Correction(
                corrected_at=c.corrected_at,
                corrected_by=c.corrected_by,
                reason=c.reason,
                fields=tuple(c.changed),
            )
            for c in doc.corrections
        ),
        voiding=None
        if not doc.voided
        else Voiding(voided_at=doc.voided_at, voided_by=doc.voided_by, reason=doc.void_reason),
        revision=doc.revision,
    )
