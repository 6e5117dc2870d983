"""Manual inputs' store: one document per (input, subject, period), revisions embedded."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.scoring.documents.manual_inputs import (
    SHARED_KEY,
    ManualInputDocument,
    ManualRevisionDocument,
)
from services.scoring.domain.manual import (
    ManualInput,
    ManualInputRecorded,
    Revision,
    value_from_json,
    value_json,
)
from shared.mongo import ConcurrentUpdate, Page, TenantRepository
from shared.mongo.guard import cross_tenant_comment

# The provisional scores' question crosses tenants (which of them changed a manual input).
RECENT_INPUTS_SCAN = cross_tenant_comment("manual-inputs-recent")


def subject_key(subject_id: str | None) -> str:
    return SHARED_KEY if subject_id is None else subject_id


class ManualInputRepository(TenantRepository[ManualInputDocument]):
    document = ManualInputDocument

    def find(self, manual_input_id: str) -> ManualInput | None:
        doc = self.get(manual_input_id)
        return None if doc is None else _to_domain(doc)

    def add_input(self, found: ManualInput, event: ManualInputRecorded) -> ManualInput:
        """Store a new manual input; `Conflict` when the input, subject and period have one."""
        doc = ManualInputDocument(manual_input_id=found.manual_input_id)
        _write(doc, found)
        self.add(doc, [event])
        return found

    def save_input(
        self, found: ManualInput, event: ManualInputRecorded, *, corrected: int
    ) -> ManualInput:
        """Store a correction of revision `corrected`: `ConcurrentUpdate` when another
        correction was stored since (the caller reads again and decides again)."""
        doc = self.require(found.manual_input_id)
        if len(doc.revisions) != corrected:
            raise ConcurrentUpdate(f"manual input {found.manual_input_id} was corrected since")
        _write(doc, found)
        self.save(doc, [event])
        return found

    def of_period(
        self,
        period: str,
        *,
        offset: int,
        limit: int,
        subject_id: str | None = None,
        input_id: str | None = None,
    ) -> Page[ManualInput]:
        filters: dict[str, Any] = {"period": period}
        if subject_id is not None:
            filters["subject_key"] = subject_id
        if input_id is not None:
            filters["input_id"] = input_id
        page = self.list(
            offset=offset, limit=limit, order_by=("input_id", "subject_key"), **filters
        )
        return page.map(_to_domain)

    @staticmethod
    def tenants_changed_since(ms: int) -> list[str]:
        """Every tenant that entered or corrected a manual input at or after `ms` (epoch
        milliseconds). Manual inputs are few (a few hundred per tenant and period): FerretDB
        answers the range itself."""
        found = (
            ManualInputDocument.objects(changed_ms__gte=ms)
            .only("tenant_id")
            .comment(RECENT_INPUTS_SCAN)
        )
        return sorted({doc.tenant_id for doc in found})

    def all_of_period(self, period: str) -> list[ManualInput]:
        """Every manual input of a period (what facts are built from)."""
        return [_to_domain(doc) for doc in self._query(period=period)]


def _write(doc: ManualInputDocument, found: ManualInput) -> None:
    doc.input_id = found.input_id
    doc.subject_key = subject_key(found.subject_id)
    doc.period = found.period
    doc.period_kind = found.period_kind
    doc.evidence = found.evidence
    doc.refs = list(found.refs)
    doc.revisions = [
        ManualRevisionDocument(
            revision=r.revision,
            value_json=value_json(r.value),
            reason=r.reason,
            actor=r.actor,
            at=r.at,
        )
        for r in found.revisions
    ]
    latest = max(r.at for r in found.revisions)
    doc.changed_ms = int(_aware(latest).timestamp() * 1000)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _to_domain(doc: ManualInputDocument) -> ManualInput:
    return ManualInput(
        manual_input_id=doc.manual_input_id,
        input_id=doc.input_id,
        subject_id=None if doc.subject_key == SHARED_KEY else doc.subject_key,
        period=doc.period,
        period_kind=doc.period_kind,
        evidence=doc.evidence,
        refs=tuple(doc.refs),
        revisions=tuple(
            Revision(r.revision, value_from_json(r.value_json), r.reason, r.actor, _aware(r.at))
            for r in doc.revisions
        ),
    )
