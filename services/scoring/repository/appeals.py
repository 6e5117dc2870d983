"""Appeals' store: one document per appeal (evidence metadata and decision embedded), the
evidence bytes in GridFS, and the tenant's appeal settings.

Evidence write order, as event_intake's photos: the file goes into GridFS first, then the
appeal document naming it (revision-checked), so a reader never meets a half-stored file; a
crash or a lost race between the two leaves a GridFS file no appeal names (harmless; the
loser deletes its own at once). Each file carries ``metadata`` {tenant_id, appeal_id,
evidence_id} and is served only through its tenant's appeal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import gridfs
from bson import ObjectId
from pymongo.database import Database

from services.scoring.documents.appeals import (
    EVIDENCE_BUCKET,
    AppealCorrectionDocument,
    AppealDocument,
    AppealEvidenceDocument,
    AppealSettingsDocument,
)
from services.scoring.domain.appeals import (
    Appeal,
    AppealSettings,
    Correction,
    Decision,
    Evidence,
    LineKind,
    Outcome,
    Status,
)
from services.scoring.domain.manual import value_from_json, value_json
from shared.errors import Conflict
from shared.events.domain import DomainEvent
from shared.mongo import ConcurrentUpdate, Page, TenantRepository
from shared.mongo.guard import cross_tenant_comment

# The overdue job's question crosses tenants: which appeals are still open.
OPEN_APPEALS_SCAN = cross_tenant_comment("appeals-overdue")


class AppealRepository(TenantRepository[AppealDocument]):
    document = AppealDocument

    def find(self, appeal_id: str) -> Appeal | None:
        doc = self.get(appeal_id)
        return None if doc is None else _to_domain(doc)

    def add_appeal(self, appeal: Appeal, events: Sequence[DomainEvent]) -> Appeal:
        """Store a new appeal; `Conflict` when its id is taken (a retried filing) or the line
        has an open appeal."""
        self.add(_to_document(appeal), events)
        return _with_revision(appeal, 1)

    def save_appeal(self, appeal: Appeal, events: Sequence[DomainEvent] = ()) -> Appeal:
        """Store a changed appeal read at ``appeal.revision``: `ConcurrentUpdate` when it
        changed since (the caller reads again and decides again)."""
        doc = _to_document(appeal)
        doc.revision = appeal.revision
        self.save(doc, events)
        return _with_revision(appeal, doc.revision)

    def of_subjects(self, subject_ids: Sequence[str], **filters: Any) -> list[Appeal]:
        """Every appeal of these subjects matching the equality ``filters`` (a subject's own
        appeals are few: read whole, newest first)."""
        found = [
            _to_domain(doc)
            for subject_id in sorted(set(subject_ids))
            for doc in self._query(subject_id=subject_id, **filters)
        ]
        return sorted(found, key=lambda a: (a.filed_at, a.appeal_id), reverse=True)

    def matching(self, **filters: Any) -> list[Appeal]:
        """Every appeal of the tenant matching the equality ``filters``, newest first."""
        found = [_to_domain(doc) for doc in self._query(**filters)]
        return sorted(found, key=lambda a: (a.filed_at, a.appeal_id), reverse=True)

    def page(self, *, offset: int, limit: int, **filters: Any) -> Page[Appeal]:
        return self.list(
            offset=offset, limit=limit, order_by=("-filed_at", "-appeal_id"), **filters
        ).map(_to_domain)

    @staticmethod
    def open_across_tenants() -> list[tuple[str, str, date, bool]]:
        """(tenant, appeal id, due day, marked overdue) of every open appeal of every tenant
        (the overdue job; open appeals are few)."""
        found = (
            AppealDocument.objects(status=Status.OPEN.value)
            .only("tenant_id", "appeal_id", "due_on", "overdue_at")
            .comment(OPEN_APPEALS_SCAN)
        )
        return [
            (
                doc.tenant_id,
                doc.appeal_id,
                date.fromisoformat(doc.due_on),
                doc.overdue_at is not None,
            )
            for doc in found
        ]

    # -- evidence bytes ----------------------------------------------------------------------

    def put_file(
        self, *, appeal_id: str, evidence_id: str, filename: str, content_type: str, data: bytes
    ) -> ObjectId:
        """Store an evidence file's bytes (before the appeal names it)."""
        if self.dry_run:
            return ObjectId()
        file_id: ObjectId = self._files().put(
            data,
            filename=filename or evidence_id,
            metadata={
                "tenant_id": self.tenant_id,
                "appeal_id": appeal_id,
                "evidence_id": evidence_id,
                "content_type": content_type,
            },
        )
        return file_id

    def delete_file(self, file_id: ObjectId) -> None:
        if not self.dry_run:
            self._files().delete(file_id)

    def save_with_file(self, appeal: Appeal, file_id: ObjectId) -> Appeal:
        """Store ``appeal``, whose new evidence names the GridFS file ``file_id``; on any
        refusal the file is deleted and the error raised."""
        try:
            return self.save_appeal(appeal)
        except Exception:
            self.delete_file(file_id)
            raise

    def evidence_bytes(self, appeal_id: str, evidence_id: str) -> bytes | None:
        """The file's bytes, reached through this tenant's appeal; None when it has no such
        file."""
        doc = self.get(appeal_id)
        if doc is None:
            return None
        item = next((e for e in doc.evidence if e.evidence_id == evidence_id), None)
        if item is None:
            return None
        try:
            stored = self._files().get(item.file_id)
        except gridfs.NoFile:
            return None
        if (stored.metadata or {}).get("tenant_id") != self.tenant_id:
            return None
        data: bytes = stored.read()
        return data

    def _files(self) -> gridfs.GridFS:
        database: Database[Any] = self._collection().database
        return gridfs.GridFS(database, collection=EVIDENCE_BUCKET)


class AppealSettingsRepository(TenantRepository[AppealSettingsDocument]):
    document = AppealSettingsDocument

    def current(self) -> tuple[AppealSettings, int]:
        """The tenant's settings (the defaults until changed) and the revision read (0:
        never stored)."""
        doc = self.get(self.tenant_id)
        if doc is None:
            return AppealSettings(), 0
        return AppealSettings(doc.window_days, doc.review_days), doc.revision

    def store(self, settings: AppealSettings, *, revision: int, actor: str, now: datetime) -> None:
        """Store the settings read at ``revision`` (0: none stored); `ConcurrentUpdate` or
        `Conflict` when another writer came first."""
        doc = AppealSettingsDocument(
            key=self.tenant_id,
            tenant_id=self.tenant_id,
            window_days=settings.window_days,
            review_days=settings.review_days,
            updated_by=actor,
            updated_at=now,
        )
        if revision == 0:
            try:
                self.add(doc)
            except Conflict:
                raise ConcurrentUpdate("appeal settings were stored meanwhile") from None
            return
        doc.revision = revision
        self.save(doc)


def _with_revision(appeal: Appeal, revision: int) -> Appeal:
    return replace(appeal, revision=revision)


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _to_document(appeal: Appeal) -> AppealDocument:
    decision = appeal.decision
    return AppealDocument(
        appeal_id=appeal.appeal_id,
        request_id=appeal.request_id,
        scheme_id=appeal.scheme_id,
        period=appeal.period,
        period_kind=appeal.period_kind,
        subject_id=appeal.subject_id,
        subject_kind=appeal.subject_kind,
        line=appeal.line,
        line_kind=appeal.line_kind.value,
        edition=appeal.edition,
        text=appeal.text,
        filed_by=appeal.filed_by,
        filed_at=appeal.filed_at,
        window_ends_on=appeal.window_ends_on.isoformat(),
        due_on=appeal.due_on.isoformat(),
        status=appeal.status.value,
        open_key=appeal.open_key if appeal.status is Status.OPEN else appeal.appeal_id,
        evidence=[
            AppealEvidenceDocument(
                evidence_id=e.evidence_id,
                content_type=e.content_type,
                size=e.size,
                sha256=e.sha256,
                filename=e.filename,
                uploaded_by=e.uploaded_by,
                uploaded_at=e.uploaded_at,
                file_id=ObjectId(e.file_ref),
            )
            for e in appeal.evidence
        ],
        outcome=None if decision is None else decision.outcome.value,
        reason=None if decision is None else decision.reason,
        corrections=[]
        if decision is None
        else [
            AppealCorrectionDocument(
                input_id=c.input_id,
                value_json=value_json(c.value),
                source=c.source,
                previous=c.previous,
            )
            for c in decision.corrections
        ],
        decided_by=None if decision is None else decision.decided_by,
        decided_at=None if decision is None else decision.decided_at,
        overdue_at=appeal.overdue_at,
        correction_edition=appeal.correction_edition,
    )


def _to_domain(doc: AppealDocument) -> Appeal:
    decision = None
    if doc.outcome is not None:
        decided_at = _aware(doc.decided_at)
        assert decided_at is not None
        decision = Decision(
            outcome=Outcome(doc.outcome),
            reason=doc.reason or "",
            corrections=tuple(
                Correction(c.input_id, value_from_json(c.value_json), c.source, c.previous)
                for c in doc.corrections
            ),
            decided_by=doc.decided_by or "",
            decided_at=decided_at,
        )
    filed_at = _aware(doc.filed_at)
    assert filed_at is not None
    return Appeal(
        appeal_id=doc.appeal_id,
        request_id=doc.request_id,
        scheme_id=doc.scheme_id,
        period=doc.period,
        period_kind=doc.period_kind,
        subject_id=doc.subject_id,
        subject_kind=doc.subject_kind,
        line=doc.line,
        line_kind=LineKind(doc.line_kind),
        edition=doc.edition,
        text=doc.text,
        filed_by=doc.filed_by,
        filed_at=filed_at,
        window_ends_on=date.fromisoformat(doc.window_ends_on),
        due_on=date.fromisoformat(doc.due_on),
        status=Status(doc.status),
        evidence=tuple(
            Evidence(
                evidence_id=e.evidence_id,
                content_type=e.content_type,
                size=e.size,
                sha256=e.sha256,
                filename=e.filename or "",
                uploaded_by=e.uploaded_by,
                uploaded_at=_aware(e.uploaded_at) or filed_at,
                file_ref=str(e.file_id),
            )
            for e in doc.evidence
        ),
        decision=decision,
        overdue_at=_aware(doc.overdue_at),
        correction_edition=doc.correction_edition,
        revision=doc.revision,
    )
