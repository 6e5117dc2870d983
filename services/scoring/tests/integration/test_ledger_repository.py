"""The ledger against the real FerretDB (and the PostgreSQL behind it): appended entries,
idempotent per message, read by period and page, walled by tenant, swapped by pointer."""

from __future__ import annotations

import dataclasses
import json
import os
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import REGISTRY

from services.scoring.documents.ledger import PACKED
from services.scoring.domain.ledger import AggregateState
from services.scoring.domain.sources import epoch_ms, observe
from services.scoring.repository.ledger import LedgerRepository, stored
from services.scoring.use_cases import ledger as use_cases
from services.scoring.use_cases.context import ScoringContext
from shared.events.contracts import contract_for, validate_envelope
from shared.events.envelope import Envelope
from shared.mongo.pg_reads import configure_equality_reads

pytestmark = pytest.mark.integration

POSTGRES_URL = os.environ.get(
    "GRIDGOV_MONGO_POSTGRES_URL", "postgresql://gridgov@127.0.0.1:5433/ferretdb"
)
WHEN = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
PAYLOAD = {
    "division_id": "d-1",
    "code": "A-V01",
    "name": "东风村",
    "kind": "village",
    "created_by": "u-1",
}


@pytest.fixture(params=["ferretdb", "postgres"])
def read_path(request, fresh_db):
    configure_equality_reads(POSTGRES_URL if request.param == "postgres" else None)
    yield request.param
    configure_equality_reads(None)


def division_created(tenant_id: str, event_id: str, **changes: str) -> Envelope:
    return Envelope(
        event_id=event_id,
        type="division.created",
        version=1,
        tenant_id=tenant_id,
        occurred_at=WHEN,
        producer="grid_registry",
        correlation_id=None,
        payload=PAYLOAD | changes,
    )


def event(tenant_id: str, event_id: str, message_id: str, category: str) -> Envelope:
    envelope = contract_for("event.reported", 1).load_example()
    payload = {**envelope.payload, "event_id": event_id, "category": category}
    return dataclasses.replace(
        envelope,
        event_id=message_id,
        tenant_id=tenant_id,
        payload=validate_envelope(dataclasses.replace(envelope, payload=payload)),
    )


def context(tenant_id: str, now: datetime = WHEN) -> ScoringContext:
    return ScoringContext(tenant_id=tenant_id, actor="test", clock=lambda: now)


def facts_counted(outcome: str) -> float:
    labels = {"metric": "registry.divisions", "outcome": outcome}
    return REGISTRY.get_sample_value("gridgov_scoring_ledger_facts_total", labels) or 0.0


def test_the_same_event_twice_gives_the_same_ledger(fresh_db):
    ctx = context("tenant-a")
    message = division_created("tenant-a", "e-1")
    before = facts_counted("recorded"), facts_counted("unchanged")

    first = use_cases.record(ctx, message)
    again = use_cases.record(context("tenant-a"), message)

    assert (first.facts, again.facts, again.unchanged) == (1, 0, 1)
    page = use_cases.list_facts(ctx, offset=0, limit=10)
    assert page.total == 1
    entry = page.items[0]
    assert (entry.subject_id, str(entry.value), entry.occurred_at) == ("d-1", "1", WHEN)
    assert entry.entry_id == "e-1:division:d-1:registry.divisions"
    assert entry.attributes == {"code": "A-V01", "name": "东风村", "kind": "village"}
    after = facts_counted("recorded"), facts_counted("unchanged")
    assert after == (before[0] + 1, before[1] + 1)


def test_facts_are_filtered_by_subject_and_walled_by_tenant(read_path):
    ctx = context("tenant-a")
    use_cases.record(ctx, division_created("tenant-a", "e-1"))
    use_cases.record(context("tenant-a"), division_created("tenant-a", "e-2", division_id="d-2"))

    assert use_cases.list_facts(ctx, offset=0, limit=10, subject_id="d-2").total == 1
    assert use_cases.list_facts(ctx, offset=0, limit=10, metric="registry.divisions").total == 2
    assert use_cases.list_facts(context("tenant-b"), offset=0, limit=10).total == 0


def test_a_periods_entries_are_read_by_month_and_metric_the_same_on_both_paths(read_path):
    for i, category in enumerate(("dispute", "dispute", "petition")):
        use_cases.record(context("tenant-a"), event("tenant-a", f"e-{i}", f"m-{i}", category))
    use_cases.record(context("tenant-b"), event("tenant-b", "e-9", "m-9", "dispute"))

    found = LedgerRepository("tenant-a").period_entries(
        ["2026-03", "2026-04"], ["intake.events_reported", "intake.events_closed"]
    )

    assert sorted((e.aggregate, e.key) for e in found) == [
        ("event:e-0", "dispute"),
        ("event:e-1", "dispute"),
        ("event:e-2", "petition"),
    ]
    assert {e.day.isoformat() for e in found} == {"2026-03-02"}


def test_tenants_recorded_since_an_instant_are_found_across_tenants(read_path):
    use_cases.record(context("tenant-a", WHEN), division_created("tenant-a", "e-1"))
    later = WHEN + timedelta(seconds=5)
    use_cases.record(context("tenant-b", later), division_created("tenant-b", "e-2"))

    assert LedgerRepository.tenants_recorded_since(epoch_ms(WHEN)) == ["tenant-a", "tenant-b"]
    assert LedgerRepository.tenants_recorded_since(epoch_ms(later)) == ["tenant-b"]
    assert LedgerRepository.tenants_recorded_since(epoch_ms(later) + 1) == []


def test_a_swapped_pointer_makes_the_other_collection_live(fresh_db):
    use_cases.record(context("tenant-a"), division_created("tenant-a", "e-1"))
    ledger = LedgerRepository("tenant-a")
    assert (ledger.collection, ledger.rebuild_target()) == ("ledger", "ledger_b")

    swapped_at = WHEN + timedelta(minutes=1)
    ledger.swap("ledger_b", entries=0, now=swapped_at)

    again = LedgerRepository("tenant-a")
    assert again.collection == "ledger_b"
    assert again.facts(offset=0, limit=10).total == 0
    assert LedgerRepository("tenant-b").collection == "ledger"
    assert LedgerRepository.tenants_recorded_since(epoch_ms(swapped_at)) == ["tenant-a"]


def test_an_entry_is_read_back_as_it_was_stored(fresh_db):
    message = event("tenant-a", "e-1", "m-1", "dispute")
    use_cases.record(context("tenant-a"), message)
    [stored_entry] = [
        e
        for e in LedgerRepository("tenant-a").history("event:e-1")
        if e.metric == "intake.events_reported"
    ]
    observed = observe(
        message.type,
        tenant_id="tenant-a",
        occurred_at=message.occurred_at,
        payload=message.payload,
    )
    change = AggregateState().apply(
        observed[0], tenant_id="tenant-a", event_id=message.event_id, event_type=message.type
    )
    [computed] = [e for e in change.added if e.metric == "intake.events_reported"]

    assert stored_entry == computed
    assert stored_entry.entry_id == computed.entry_id
    assert len(PACKED) == len(json.loads(stored(computed, tenant_id="t", recorded_ms=1)["x"]))
