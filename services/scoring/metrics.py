"""scoring's own Prometheus metrics (the platform's RED, consumer and outbox metrics come
from `shared`). Units in the names; labels bounded: `metric` is one of the ledger's metric
names defined in code, `outcome` a fixed word. Never a tenant, subject or event id."""

from __future__ import annotations

from prometheus_client import Counter

LEDGER_FACTS = Counter(
    "gridgov_scoring_ledger_facts_total",
    "Facts offered to the ledger by consumed messages: recorded, retracted (a correction "
    "withdrew it), unchanged (already there: a redelivery or a change that left it), "
    "duplicate (another writer stored it first) or stale (a message older than the ledger)",
    ["metric", "outcome"],
)
