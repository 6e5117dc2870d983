"""The ledger against the real FerretDB: one entry per event, whatever the redeliveries."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from prometheus_client import REGISTRY

from services.scoring.use_cases import ledger as use_cases
from services.scoring.use_cases.context import ScoringContext
from shared.events.envelope import Envelope

pytestmark = pytest.mark.integration

WHEN = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
PAYLOAD = {
    "division_id": "d-1",
    "code": "A-V01",
    "name": "东风村",
    "kind": "village",
    "created_by": "u-1",
}


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


def context(tenant_id: str) -> ScoringContext:
    return ScoringContext(tenant_id=tenant_id, actor="test")


def facts_counted(outcome: str) -> float:
    labels = {"metric": "registry.divisions", "outcome": outcome}
    return REGISTRY.get_sample_value("gridgov_scoring_ledger_facts_total", labels) or 0.0


def test_the_same_event_twice_gives_the_same_ledger(fresh_db):
    ctx = context("tenant-a")
    event = division_created("tenant-a", "e-1")
    before = facts_counted("recorded"), facts_counted("duplicate")

    first = use_cases.record_division_created(ctx, event)
    again = use_cases.record_division_created(ctx, event)

    assert (first, again) == (True, False)
    page = use_cases.list_facts(ctx, offset=0, limit=10)
    assert page.total == 1
    assert page.items[0].subject_id == "d-1"
    assert str(page.items[0].value) == "1"
    assert page.items[0].occurred_at == WHEN
    assert (facts_counted("recorded"), facts_counted("duplicate")) == (before[0] + 1, before[1] + 1)


def test_facts_are_filtered_by_subject_and_walled_by_tenant(fresh_db):
    ctx = context("tenant-a")
    use_cases.record_division_created(ctx, division_created("tenant-a", "e-1"))
    use_cases.record_division_created(ctx, division_created("tenant-a", "e-2", division_id="d-2"))

    assert use_cases.list_facts(ctx, offset=0, limit=10, subject_id="d-2").total == 1
    assert use_cases.list_facts(context("tenant-b"), offset=0, limit=10).total == 0
