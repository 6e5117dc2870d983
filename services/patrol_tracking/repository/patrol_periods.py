"""The patrol-period repository: one document per worker, kind and period."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from services.patrol_tracking.documents.patrol_periods import PatrolPeriodDocument
from services.patrol_tracking.domain.patrol_periods import PatrolPeriod, PeriodKind, period_key
from shared.events.domain import DomainEvent
from shared.mongo import TenantRepository


class PatrolPeriodRepository(TenantRepository[PatrolPeriodDocument]):
    document = PatrolPeriodDocument

    def find_period(self, worker_id: str, kind: PeriodKind, period: str) -> PatrolPeriod:
        """The period as last published, or a fresh one (version 0) never published."""
        doc = self.get(period_key(worker_id, kind, period))
        if doc is None:
            return PatrolPeriod(self.tenant_id, worker_id, kind, period)
        return PatrolPeriod(
            tenant_id=doc.tenant_id,
            worker_id=doc.worker_id,
            kind=doc.kind,
            period=doc.period,
            version=doc.version,
            facts=dict(doc.facts) if doc.facts is not None else None,
            revision=doc.revision,
        )

    def write(self, period: PatrolPeriod, events: Sequence[DomainEvent]) -> PatrolPeriod:
        """Insert or write back (revision-checked) the period with its events."""
        doc = PatrolPeriodDocument(
            key=period.key,
            tenant_id=period.tenant_id,
            worker_id=period.worker_id,
            kind=period.kind,
            period=period.period,
            version=period.version,
            facts=dict(period.facts or {}),
        )
        if period.revision == 0:
            self.add(doc, events)
            return replace(period, revision=1)
        doc.revision = period.revision
        self.save(doc, events)
        return replace(period, revision=period.revision + 1)
