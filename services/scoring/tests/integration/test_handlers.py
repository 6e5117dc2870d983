"""scoring's Kafka handlers against the real FerretDB, fed with the contracts' example messages."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from services.scoring import consumers, handlers
from services.scoring.domain.ledger import counted
from services.scoring.repository.ledger import LedgerRepository
from shared.events.contracts import all_contracts, contract_for, validate_envelope
from shared.events.envelope import Envelope
from shared.events.topics import Topic
from shared.kafka.consumer import ConsumerRunner
from shared.kafka.inmemory import InMemoryBroker, InMemoryConsumer, InMemoryProducer

pytestmark = pytest.mark.integration


def example(type_: str = "division.created", **changes: object) -> Envelope:
    envelope = contract_for(type_, 1).load_example()
    payload = {**envelope.payload, **changes}
    return dataclasses.replace(
        envelope, payload=validate_envelope(dataclasses.replace(envelope, payload=payload))
    )


def stored(tenant_id: str) -> list:
    ledger = LedgerRepository(tenant_id)
    return sorted(ledger.entries().rows(feed=True), key=lambda e: e.entry_id)


def test_the_same_message_twice_gives_the_same_state(fresh_db):
    envelope = example()

    handlers.division_created(envelope)
    handlers.division_created(envelope)

    page = LedgerRepository(envelope.tenant_id).facts(offset=0, limit=10)
    assert page.total == 1
    assert page.items[0].event_id == envelope.event_id
    assert page.items[0].subject_id == envelope.payload["division_id"]


LEDGER_TYPES = sorted(
    {
        contract.type
        for topic in consumers.LEDGER_TOPICS
        for contract in all_contracts()
        if contract.topic == topic and contract.type in consumers.ledger_table(topic)
    }
)


@pytest.mark.parametrize("type_", LEDGER_TYPES)
def test_every_counted_example_twice_gives_the_same_ledger(fresh_db, type_):
    envelope = example(type_)
    route = next(r for r in consumers.ROUTES if r.topic == contract_for(type_, 1).topic)

    route.handler(envelope)
    first = stored(envelope.tenant_id)
    route.handler(envelope)

    assert stored(envelope.tenant_id) == first


def test_an_event_closed_reopened_and_closed_late_counts_once_each(fresh_db):
    closed = example("event.closed", review_outcome=None, shirked=False)
    at = closed.occurred_at
    reopened = dataclasses.replace(
        example(
            "event.reopened",
            state="in_progress",
            closed_at=None,
            closed_on_time=None,
            review_outcome=None,
            shirked=False,
        ),
        event_id="m-reopened",
        occurred_at=at + timedelta(hours=1),
    )
    late = dataclasses.replace(
        example("event.closed", closed_on_time=False, review_outcome=None, shirked=False),
        event_id="m-closed-late",
        occurred_at=at + timedelta(hours=2),
    )

    for envelope in (closed, reopened, late, closed):  # the first closure redelivered last
        handlers.ledger_fact(envelope)

    facts = counted(stored(closed.tenant_id))
    metrics = sorted(e.metric for e in facts)
    assert metrics.count("intake.events_reported") == 1
    assert metrics.count("intake.events_closed") == 1
    assert "intake.events_closed_on_time" not in metrics
    assert {e.event_id for e in facts if e.metric == "intake.events_closed"} == {"m-closed-late"}


def test_the_route_table_records_divisions_and_skips_other_types(fresh_db):
    route = next(r for r in consumers.ROUTES if r.topic == Topic.REGISTRY_DIVISIONS)
    envelope = example()
    other = dataclasses.replace(envelope, event_id="other-1", type="division.renamed")

    route.handler(envelope)
    route.handler(other)

    assert LedgerRepository(envelope.tenant_id).facts(offset=0, limit=10).total == 1


def test_the_registry_read_model_is_kept_beside_the_ledger(fresh_db):
    topics = {str(route.topic) for route in consumers.ROUTES}
    assert {str(Topic.REGISTRY_GRIDS), str(Topic.REGISTRY_TEAMS)} <= topics
    assert str(Topic.REGISTRY_SUBJECTS) not in topics


def test_a_message_breaking_its_contract_is_dead_lettered_before_the_ledger(fresh_db):
    # The consumer's edge checks the contract once; the handlers and the ledger trust it.
    broker = InMemoryBroker()
    topic = str(Topic.REGISTRY_DIVISIONS)
    for route in consumers.ROUTES:
        broker.create_topic(str(route.topic))
        broker.create_topic(f"{route.topic}.dlq")
    runner = ConsumerRunner(
        consumer=InMemoryConsumer(broker, "scoring-test"),
        dlq_producer=InMemoryProducer(broker),
        group_id="scoring-test",
        routes=consumers.ROUTES,
        commit_interval_s=0.0,
        poll_timeout_ms=0,
    )
    good = contract_for("division.created", 1).load_example()
    payload = {k: v for k, v in good.payload.items() if k != "division_id"}
    broken = dataclasses.replace(good, event_id="broken-1", payload=payload)
    broker.append(topic, broken.to_bytes(), b"k", [])
    broker.append(topic, good.to_bytes(), b"k", [])

    assert runner.run_once() == 2

    [dead] = broker.all_records(f"{topic}.dlq")
    assert dict(dead.headers)["dlq.exception"] == b"InvalidMessage"
    page = LedgerRepository(good.tenant_id).facts(offset=0, limit=10)
    assert [fact.event_id for fact in page.items] == [good.event_id]
