"""scoring's use cases: turn facts from other services into the ledger, and read it back.

Each takes the `ScoringContext` of the request or consumed event as its first argument."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import ClassVar

from services.scoring import metrics
from services.scoring.domain import ledger
from services.scoring.repository import LedgerRepository
from shared.context import RequestContext
from shared.events.envelope import Envelope
from shared.mongo import Page


@dataclass(frozen=True)
class ScoringContext(RequestContext):
    """One request or consumed event, with the tenant's ledger."""

    producer: ClassVar[str] = "scoring"

    @cached_property
    def ledger(self) -> LedgerRepository:
        return LedgerRepository(self.tenant_id, self.origin)


def record_division_created(ctx: ScoringContext, event: Envelope) -> bool:
    """Record a registered division in the ledger; idempotent on the event id.

    Returns False when the event had been recorded before.
    """
    fact = ledger.fact_from_division_created(
        event_id=event.event_id,
        tenant_id=ctx.tenant_id,
        occurred_at=event.occurred_at,
        payload=event.payload,
    )
    recorded = ctx.ledger.record(fact, recorded_at=ctx.now())
    metrics.LEDGER_FACTS.labels(fact.metric, "recorded" if recorded else "duplicate").inc()
    return recorded


def list_facts(
    ctx: ScoringContext,
    *,
    offset: int,
    limit: int,
    subject_id: str | None = None,
    metric: str | None = None,
) -> Page[ledger.LedgerEntry]:
    """One page of the tenant's ledger, oldest first."""
    return ctx.ledger.facts(offset=offset, limit=limit, subject_id=subject_id, metric=metric)
