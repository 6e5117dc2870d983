"""scoring's Kafka handlers against the real FerretDB, fed with the contract's example message."""

from __future__ import annotations

import dataclasses

import pytest

from services.scoring import consumers, handlers
from services.scoring.repository import LedgerRepository
from shared.events.contracts import contract_for
from shared.events.topics import Topic

pytestmark = pytest.mark.integration


def example():
    return contract_for("division.created", 1).load_example()


def test_the_same_message_twice_gives_the_same_state(fresh_db):
    envelope = example()

    handlers.division_created(envelope)
    handlers.division_created(envelope)

    page = LedgerRepository(envelope.tenant_id).facts(offset=0, limit=10)
    assert page.total == 1
    assert page.items[0].event_id == envelope.event_id
    assert page.items[0].subject_id == envelope.payload["division_id"]


def test_the_route_table_records_divisions_and_skips_other_types(fresh_db):
    route = next(r for r in consumers.ROUTES if r.topic == Topic.REGISTRY_DIVISIONS)
    envelope = example()
    other = dataclasses.replace(envelope, event_id="other-1", type="division.renamed")

    route.handler(envelope)
    route.handler(other)

    assert LedgerRepository(envelope.tenant_id).facts(offset=0, limit=10).total == 1
