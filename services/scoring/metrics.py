"""scoring's own Prometheus metrics (the platform's RED, consumer and outbox metrics come
from `shared`). Units in the names; labels bounded: `metric` is one of the ledger's metric
names defined in code, `outcome` a fixed word. Never a tenant, subject or event id."""

from __future__ import annotations

from prometheus_client import Counter

LEDGER_FACTS = Counter(
    "gridgov_scoring_ledger_facts_total",
    "Events offered to the ledger: recorded, or a duplicate of one recorded before (redelivery)",
    ["metric", "outcome"],
)
