"""Fact adjustments' store: one document per (scheme, period, subject, input), revisions
embedded; the facts bridge reads a period's with one equality on (tenant, scheme, period)."""

from __future__ import annotations

from datetime import UTC, datetime

from services.scoring.documents.adjustments import (
    AdjustmentRevisionDocument,
    FactAdjustmentDocument,
)
from services.scoring.domain.adjustments import AdjustmentRevision, FactAdjustment
from services.scoring.domain.manual import value_from_json, value_json
from shared.mongo import ConcurrentUpdate, TenantRepository


class FactAdjustmentRepository(TenantRepository[FactAdjustmentDocument]):
    document = FactAdjustmentDocument

    def find(self, adjustment_id: str) -> FactAdjustment | None:
        doc = self.get(adjustment_id)
        return None if doc is None else _to_domain(doc)

    def of_period(self, scheme_id: str, period: str) -> list[FactAdjustment]:
        """Every adjustment of the scheme's period."""
        docs = self._query(scheme_id=scheme_id, period=period)
        return sorted((_to_domain(doc) for doc in docs), key=lambda a: (a.subject_id, a.input_id))

    def store(self, adjustment: FactAdjustment, *, read: int) -> FactAdjustment:
        """Store ``adjustment``, of which ``read`` revisions were stored when it was read (0:
        new); `ConcurrentUpdate` when another writer came first."""
        stored = len(adjustment.revisions)
        if stored == read:
            return adjustment  # nothing new (the same appeal adjusting again)
        doc = self.get(adjustment.adjustment_id)
        if (0 if doc is None else len(doc.revisions)) != read:
            raise ConcurrentUpdate(f"adjustment {adjustment.adjustment_id} changed since read")
        if doc is None:
            doc = FactAdjustmentDocument(adjustment_id=adjustment.adjustment_id)
            _write(doc, adjustment)
            self.add(doc)
        else:
            _write(doc, adjustment)
            self.save(doc)
        return adjustment


def _write(doc: FactAdjustmentDocument, adjustment: FactAdjustment) -> None:
    doc.scheme_id = adjustment.scheme_id
    doc.period = adjustment.period
    doc.subject_id = adjustment.subject_id
    doc.input_id = adjustment.input_id
    doc.revisions = [
        AdjustmentRevisionDocument(
            revision=r.revision,
            value_json=value_json(r.value),
            appeal_id=r.appeal_id,
            reason=r.reason,
            evidence_ids=list(r.evidence_ids),
            replaced=r.replaced,
            actor=r.actor,
            at=r.at,
        )
        for r in adjustment.revisions
    ]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _to_domain(doc: FactAdjustmentDocument) -> FactAdjustment:
    return FactAdjustment(
        adjustment_id=doc.adjustment_id,
        scheme_id=doc.scheme_id,
        period=doc.period,
        subject_id=doc.subject_id,
        input_id=doc.input_id,
        revisions=tuple(
            AdjustmentRevision(
                r.revision,
                value_from_json(r.value_json),
                r.appeal_id,
                r.reason,
                tuple(r.evidence_ids),
                r.replaced,
                r.actor,
                _aware(r.at),
            )
            for r in doc.revisions
        ),
    )
