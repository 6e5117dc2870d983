"""scoring's Kafka handlers against the real FerretDB, fed with the contract's example message."""

from __future__ import annotations

import dataclasses

import pytest

from services.scoring import consumers, handlers
from services.scoring.repository.ledger import LedgerRepository
from shared.events.contracts import contract_for
from shared.events.topics import Topic
from shared.kafka.consumer import ConsumerRunner
from shared.kafka.inmemory import InMemoryBroker, InMemoryConsumer, InMemoryProducer

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


def test_a_message_breaking_its_contract_is_dead_lettered_before_the_ledger(fresh_db):
    # The consumer's edge checks the contract once; the handlers and the ledger trust it.
    broker = InMemoryBroker()
    topic = str(Topic.REGISTRY_DIVISIONS)
    broker.create_topic(topic)
    broker.create_topic(f"{topic}.dlq")
    runner = ConsumerRunner(
        consumer=InMemoryConsumer(broker, "scoring-test"),
        dlq_producer=InMemoryProducer(broker),
        group_id="scoring-test",
        routes=consumers.ROUTES,
        commit_interval_s=0.0,
        poll_timeout_ms=0,
    )
    good = example()
    payload = {k: v for k, v in good.payload.items() if k != "division_id"}
    broken = dataclasses.replace(good, event_id="broken-1", payload=payload)
    broker.append(topic, broken.to_bytes(), b"k", [])
    broker.append(topic, good.to_bytes(), b"k", [])

    assert runner.run_once() == 2

    [dead] = broker.all_records(f"{topic}.dlq")
    assert dict(dead.headers)["dlq.exception"] == b"InvalidMessage"
    page = LedgerRepository(good.tenant_id).facts(offset=0, limit=10)
    assert [fact.event_id for fact in page.items] == [good.event_id]
