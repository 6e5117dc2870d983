"""OutboxRelay against the real FerretDB and Kafka: publish, remove, crash, outage, order."""

import os
import threading
import time
import uuid
from typing import Any, ClassVar

import mongoengine as me
import pytest
from kafka.errors import KafkaError
from prometheus_client import REGISTRY
from pymongo.collection import Collection
from pymongo.errors import AutoReconnect

from shared.audit import AuditLog, AuditRecordDocument
from shared.kafka import outbox as outbox_module
from shared.kafka.clients import Producer
from shared.kafka.consumer import ConsumerRunner, Route, make_consumer
from shared.kafka.inmemory import InMemoryBroker, InMemoryProducer
from shared.kafka.outbox import OutboxPublishError, OutboxRelay
from shared.kafka.producer import make_producer
from shared.mongo.documents import PendingEvent, TenantDocument
from shared.mongo.pg_reads import configure_equality_reads
from shared.mongo.repository import TenantRepository
from shared.tests.integration.kafka.helpers import division_created, read_all
from shared.tests.integration.stack import KAFKA_BOOTSTRAP, RUN_ID, TopicFactory

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("mongo_db")]
POSTGRES_URL = os.environ.get(
    "GRIDGOV_MONGO_POSTGRES_URL", "postgresql://gridgov@127.0.0.1:5433/ferretdb"
)


class Division(TenantDocument):
    code = me.StringField(required=True)
    meta: ClassVar[dict[str, Any]] = {
        "collection": "it_relay_divisions",
        "indexes": [{"fields": ("tenant_id", "code"), "unique": True}],
    }


class Divisions(TenantRepository[Division]):
    document = Division


class SimulatedCrash(BaseException):
    """Stands for the process dying: not an Exception, so nothing in the relay catches it."""


class CrashingRelay(OutboxRelay):
    def _remove_published(self, acked: list[Any]) -> int:
        raise SimulatedCrash


def real_producer() -> Producer:
    producer: Producer = make_producer(KAFKA_BOOTSTRAP, client_id="it-relay")
    return producer


def add_division(tenant: str, code: str, topic: str, events: int = 1) -> Division:
    pending = [
        PendingEvent(topic=topic, aggregate_id=code, envelope=division_created(tenant, code))
        for _ in range(events)
    ]
    return Divisions(tenant).add(Division(code=code), pending)


def outbox_of(tenant: str, doc: Division) -> list[str]:
    return [entry.event_id for entry in Divisions(tenant).require(doc.pk).outbox]


def drain(relay: OutboxRelay) -> None:
    while relay.run_once():
        pass


def test_relay_publishes_then_pulls(make_topic: TopicFactory) -> None:
    topic = make_topic("relay")
    doc = add_division("t-relay", "d-1", topic, events=3)
    expected = outbox_of("t-relay", doc)
    relay = OutboxRelay(documents=[Division], producer_factory=real_producer)
    try:
        drain(relay)
    finally:
        relay.close()
    assert outbox_of("t-relay", doc) == []
    records = read_all(topic, 3)
    assert [dict(r.headers)["event_id"].decode() for r in records] == expected
    assert {r.key for r in records} == {b"t-relay:d-1"}
    assert dict(records[0].headers)["type"] == b"division.created"
    backlog = REGISTRY.get_sample_value(
        "gridgov_outbox_backlog_documents", {"collection": "it_relay_divisions"}
    )
    assert backlog == 0


def test_crash_between_publish_and_pull_republishes_the_same_event_once_counted(
    make_topic: TopicFactory,
) -> None:
    topic = make_topic("crash")
    doc = add_division("t-crash", "d-crash", topic)
    [event_id] = outbox_of("t-crash", doc)

    crashing = CrashingRelay(documents=[Division], producer_factory=real_producer)
    with pytest.raises(SimulatedCrash):
        crashing.run_once()
    crashing.close()
    assert outbox_of("t-crash", doc) == [event_id]  # published, but not removed

    restarted = OutboxRelay(documents=[Division], producer_factory=real_producer)
    try:
        drain(restarted)
    finally:
        restarted.close()
    assert outbox_of("t-crash", doc) == []

    records = read_all(topic, 2)
    assert [dict(r.headers)["event_id"].decode() for r in records] == [event_id, event_id]
    assert records[0].value == records[1].value  # the very same bytes, byte for byte

    applied: dict[str, int] = {}

    def dedup(envelope: Any) -> None:
        if envelope.event_id not in applied:
            applied[envelope.event_id] = 1

    calls: list[str] = []

    def handler(envelope: Any) -> None:
        calls.append(envelope.event_id)
        dedup(envelope)

    runner = ConsumerRunner(
        consumer=make_consumer(KAFKA_BOOTSTRAP, group_id=f"dedup-{RUN_ID}", client_id="it"),
        dlq_producer=real_producer(),
        group_id=f"dedup-{RUN_ID}",
        routes=[Route(topic, handler)],
        poll_timeout_ms=300,
    )
    deadline = time.monotonic() + 20
    try:
        while len(calls) < 2 and time.monotonic() < deadline:
            runner.run_once()
    finally:
        runner.close()
    assert calls == [event_id, event_id]
    assert applied == {event_id: 1}


def test_relay_survives_kafka_being_down_and_delivers_after(make_topic: TopicFactory) -> None:
    topic = make_topic("outage")
    attempts: list[str] = []

    def flaky_factory() -> Producer:
        attempts.append("x")
        if len(attempts) < 3:  # the broker "is down" for the first two tries
            producer: Producer = make_producer(
                "127.0.0.1:9", client_id="it-down", bootstrap_timeout_ms=300
            )
            return producer
        return real_producer()

    doc = add_division("t-outage", "d-out", topic)
    relay = OutboxRelay(
        documents=[Division],
        producer_factory=flaky_factory,
        poll_interval_s=0.05,
        backoff_initial_s=0.05,
        backoff_max_s=0.2,
    )
    with pytest.raises(KafkaError):
        relay.run_once()
    assert outbox_of("t-outage", doc) != []  # nothing lost while Kafka is down
    later = add_division("t-outage", "d-out-2", topic)  # API writes keep succeeding

    worker = threading.Thread(target=relay.run)
    worker.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (
        outbox_of("t-outage", doc) or outbox_of("t-outage", later)
    ):
        time.sleep(0.1)
    relay.stop()
    worker.join(timeout=30)
    assert not worker.is_alive()
    assert outbox_of("t-outage", doc) == []
    assert outbox_of("t-outage", later) == []
    assert len(attempts) == 3
    assert len(read_all(topic, 2)) == 2


def test_a_failed_entry_keeps_it_and_everything_after_it_in_order(make_topic: TopicFactory) -> None:
    broker = InMemoryBroker()
    broker.create_topic("ok")
    code = f"d-order-{RUN_ID}"
    events = [
        PendingEvent("ok", code, division_created("t-order", code)),
        PendingEvent("missing-topic", code, division_created("t-order", code)),
        PendingEvent("ok", code, division_created("t-order", code)),
    ]
    doc = Divisions("t-order").add(Division(code=code), events)
    relay = OutboxRelay(documents=[Division], producer_factory=lambda: InMemoryProducer(broker))
    with pytest.raises(OutboxPublishError):
        relay.run_once()
    assert outbox_of("t-order", doc) == [e.envelope.event_id for e in events[1:]]
    broker.create_topic("missing-topic")
    drain(relay)
    assert outbox_of("t-order", doc) == []
    published = [dict(r.headers)["event_id"].decode() for r in broker.all_records("ok")]
    # the third entry was sent twice (once before its predecessor succeeded): order is kept
    # for the retry, and consumers dedup the extra copy
    assert published[0] == events[0].envelope.event_id
    assert published[-1] == events[2].envelope.event_id


def audited_relay(broker: InMemoryBroker, cls: type[OutboxRelay] = OutboxRelay) -> OutboxRelay:
    return cls(documents=[Division], producer_factory=lambda: InMemoryProducer(broker))


def add_audited(tenant: str, topic: str, events: int) -> tuple[Division, list[str]]:
    code = f"d-audit-{uuid.uuid4().hex[:6]}"
    pending = [
        PendingEvent(topic, code, division_created(tenant, code), actor="admin-7")
        for _ in range(events)
    ]
    doc = Divisions(tenant).add(Division(code=code), pending)
    return doc, [p.envelope.event_id for p in pending]


def audit_rows(tenant: str) -> list[str]:
    return sorted(doc.event_id for doc in AuditRecordDocument.objects(tenant_id=tenant))


def test_each_event_is_audited_once_across_a_crash_between_audit_and_removal() -> None:
    broker = InMemoryBroker()
    broker.create_topic("audited")
    tenant = f"t-audit-crash-{RUN_ID}"
    doc, event_ids = add_audited(tenant, "audited", events=3)

    crashing = audited_relay(broker, CrashingRelay)
    with pytest.raises(SimulatedCrash):
        crashing.run_once()  # audited, then "dies" before removing the entries
    crashing.close()
    assert outbox_of(tenant, doc) == event_ids
    assert audit_rows(tenant) == sorted(event_ids)

    restarted = audited_relay(broker)
    drain(restarted)
    restarted.close()

    assert outbox_of(tenant, doc) == []
    assert len(broker.all_records("audited")) == 6  # published twice ...
    assert audit_rows(tenant) == sorted(event_ids)  # ... audited once
    record = AuditLog(tenant).get(event_ids[0])
    assert record is not None
    assert (record.actor, record.aggregate_id, record.type) == (
        "admin-7",
        doc.code,
        "division.created",
    )


def test_entries_stay_in_the_outbox_until_they_are_audited(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    broker = InMemoryBroker()
    broker.create_topic("audited")
    tenant = f"t-audit-down-{RUN_ID}"
    doc, event_ids = add_audited(tenant, "audited", events=2)
    relay = audited_relay(broker)

    def store_down(database: Any, records: Any) -> int:
        raise AutoReconnect("the audit insert failed")

    monkeypatch.setattr(outbox_module, "append", store_down)
    with pytest.raises(AutoReconnect):
        relay.run_once()
    assert outbox_of(tenant, doc) == event_ids  # published, not audited: not removed
    assert audit_rows(tenant) == []

    monkeypatch.undo()
    drain(relay)
    relay.close()
    assert outbox_of(tenant, doc) == []
    assert audit_rows(tenant) == sorted(event_ids)
    assert len(broker.all_records("audited")) == 2  # acknowledged once, never sent again


def test_a_relay_without_audit_records_nothing() -> None:
    broker = InMemoryBroker()
    broker.create_topic("audited")
    tenant = f"t-audit-off-{RUN_ID}"
    doc, _ = add_audited(tenant, "audited", events=1)
    relay = OutboxRelay(
        documents=[Division], producer_factory=lambda: InMemoryProducer(broker), audit=False
    )
    drain(relay)
    relay.close()
    assert outbox_of(tenant, doc) == []
    assert audit_rows(tenant) == []


def test_with_postgresql_an_idle_pass_reads_nothing_through_ferretdb(
    make_topic: TopicFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pending documents are counted by PostgreSQL in one statement; FerretDB is asked for
    documents only in a collection that has some (and never counted)."""
    configure_equality_reads(POSTGRES_URL)
    topic = make_topic("relay-pg")
    asked: list[str] = []
    real_find = Collection.find

    def find(self: Collection, *args: Any, **kwargs: Any) -> Any:
        asked.append(self.name)
        return real_find(self, *args, **kwargs)

    monkeypatch.setattr(Collection, "find", find)
    monkeypatch.setattr(Collection, "count_documents", lambda *a, **k: pytest.fail("counted"))
    relay = OutboxRelay(documents=[Division, AuditRecordDocument], producer_factory=real_producer)
    try:
        drain(relay)  # whatever earlier tests left
        asked.clear()
        assert relay.run_once() == 0
        assert asked == []  # idle: one PostgreSQL statement, no FerretDB read
        doc = add_division("t-relay-pg", "d-pg", topic, events=2)
        expected = outbox_of("t-relay-pg", doc)
        asked.clear()
        assert relay.run_once() == 2
        assert asked == ["it_relay_divisions"]
    finally:
        relay.close()
        configure_equality_reads(None)
    records = read_all(topic, 2)
    assert [dict(r.headers)["event_id"].decode() for r in records] == expected
    backlog = REGISTRY.get_sample_value(
        "gridgov_outbox_backlog_documents", {"collection": "it_relay_divisions"}
    )
    assert backlog == 1  # counted at the start of the pass that published it
    assert outbox_of("t-relay-pg", doc) == []
