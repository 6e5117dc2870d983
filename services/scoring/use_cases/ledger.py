"""The metric ledger: turn facts from other services into ledger entries, and read them back."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from services.scoring import metrics
from services.scoring.domain.ledger import AggregateState, LedgerEntry
from services.scoring.domain.sources import observe
from services.scoring.use_cases.context import ScoringContext
from shared.events.envelope import Envelope
from shared.mongo import Page


@dataclass(frozen=True)
class Recorded:
    """What one message did to the ledger: entries appended (new facts, retractions), facts
    it found already there (`unchanged`: a redelivery, or a change that left them as they
    were), entries another writer stored first (`duplicates`) and facts of observations too
    old to apply (`stale`)."""

    facts: int = 0
    retractions: int = 0
    unchanged: int = 0
    duplicates: int = 0
    stale: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.facts or self.retractions)


def record(ctx: ScoringContext, event: Envelope) -> Recorded:
    """Apply one consumed message to the tenant's ledger (see `domain.ledger` for the rule);
    idempotent: the same message again appends nothing."""
    observations = observe(
        event.type, tenant_id=ctx.tenant_id, occurred_at=event.occurred_at, payload=event.payload
    )
    now = ctx.now()
    outcome: Counter[tuple[str, str]] = Counter()
    for observation in observations:
        state = AggregateState.of(ctx.ledger.history(observation.aggregate))
        change = state.apply(
            observation, tenant_id=ctx.tenant_id, event_id=event.event_id, event_type=event.type
        )
        if change.stale:
            outcome.update((fact.metric, "stale") for fact in observation.facts)
            continue
        kept = Counter(fact.metric for fact in observation.facts)
        kept.subtract(entry.metric for entry in change.recorded)
        outcome.update({(metric, "unchanged"): n for metric, n in kept.items() if n > 0})
        fresh = ctx.ledger.append(change.added, recorded_at=now)
        for entry, new in zip(change.added, fresh, strict=True):
            kind = "duplicate" if not new else "retracted" if entry.retracts else "recorded"
            outcome[(entry.metric, kind)] += 1
    for (metric, kind), count in outcome.items():
        metrics.LEDGER_FACTS.labels(metric, kind).inc(count)
    return Recorded(
        facts=sum(n for (_, kind), n in outcome.items() if kind == "recorded"),
        retractions=sum(n for (_, kind), n in outcome.items() if kind == "retracted"),
        unchanged=sum(n for (_, kind), n in outcome.items() if kind == "unchanged"),
        duplicates=sum(n for (_, kind), n in outcome.items() if kind == "duplicate"),
        stale=sum(n for (_, kind), n in outcome.items() if kind == "stale"),
    )


def list_facts(
    ctx: ScoringContext,
    *,
    offset: int,
    limit: int,
    subject_id: str | None = None,
    metric: str | None = None,
) -> Page[LedgerEntry]:
    """One page of the tenant's ledger, oldest fact first."""
    return ctx.ledger.facts(offset=offset, limit=limit, subject_id=subject_id, metric=metric)
