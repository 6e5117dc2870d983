"""The metric ledger: turn facts from other services into ledger entries, and read them back."""

from __future__ import annotations

from services.scoring import metrics
from services.scoring.domain import ledger
from services.scoring.use_cases.context import ScoringContext
from shared.events.envelope import Envelope
from shared.mongo import Page


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
