"""The walking skeleton in miniature: repository write with an event -> outbox -> relay ->
Kafka -> consumer runner -> idempotent handler writing a ledger in FerretDB."""

import os
import signal
from collections.abc import Iterator
from typing import Any, ClassVar

import mongoengine as me
import pytest

from shared.errors import Conflict
from shared.events.contracts import validate_envelope
from shared.events.envelope import Envelope
from shared.kafka.consumer import ConsumerRunner, Route, make_consumer
from shared.kafka.outbox import OutboxRelay
from shared.kafka.producer import make_producer
from shared.kafka.worker import run_worker
from shared.mongo.documents import PendingEvent, TenantDocument
from shared.mongo.repository import TenantRepository
from shared.tests.integration.kafka.helpers import division_created
from shared.tests.integration.stack import KAFKA_BOOTSTRAP, RUN_ID, TopicFactory

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("mongo_db")]


class Village(TenantDocument):
    code = me.StringField(required=True)
    meta: ClassVar[dict[str, Any]] = {
        "collection": "it_e2e_villages",
        "indexes": [{"fields": ("tenant_id", "code"), "unique": True}],
    }


class LedgerFact(TenantDocument):
    """Consumer-side record; the unique (tenant_id, event_id) index makes the handler idempotent."""

    event_id = me.StringField(required=True)
    kind = me.StringField(required=True)
    subject_id = me.StringField(required=True)
    meta: ClassVar[dict[str, Any]] = {
        "collection": "it_e2e_ledger",
        "indexes": [{"fields": ("tenant_id", "event_id"), "unique": True}],
    }


class Villages(TenantRepository[Village]):
    document = Village


class Ledger(TenantRepository[LedgerFact]):
    document = LedgerFact


def record_division(envelope: Envelope) -> None:
    """Idempotent handler: the effect is keyed on event_id; a duplicate is a no-op."""
    payload = validate_envelope(envelope)
    try:
        Ledger(envelope.tenant_id).add(
            LedgerFact(
                event_id=envelope.event_id, kind=envelope.type, subject_id=payload["division_id"]
            )
        )
    except Conflict:
        return  # already applied by an earlier delivery of the same event


@pytest.fixture
def restore_signals() -> Iterator[None]:
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGALRM)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


@pytest.mark.usefixtures("restore_signals")
def test_a_division_travels_from_the_repository_to_the_consumer_ledger(
    make_topic: TopicFactory,
) -> None:
    topic = make_topic("e2e")
    tenant = f"t-e2e-{RUN_ID}"
    event = division_created(tenant, "v-1")
    village = Villages(tenant).add(Village(code="v-1"), [PendingEvent(topic, "v-1", event)])

    def handle(envelope: Envelope) -> None:
        record_division(envelope)
        os.kill(os.getpid(), signal.SIGTERM)  # the one expected event arrived: shut down

    relay = OutboxRelay(
        documents=[Village],
        producer_factory=lambda: make_producer(KAFKA_BOOTSTRAP, client_id="it-e2e-relay"),
        poll_interval_s=0.1,
    )
    group = f"e2e-{RUN_ID}"
    runner = ConsumerRunner(
        consumer=make_consumer(KAFKA_BOOTSTRAP, group_id=group, client_id="it-e2e"),
        dlq_producer=make_producer(KAFKA_BOOTSTRAP, client_id="it-e2e-dlq"),
        group_id=group,
        routes=[Route(topic, handle)],
        poll_timeout_ms=200,
    )
    signal.signal(signal.SIGALRM, lambda *_: os.kill(os.getpid(), signal.SIGTERM))
    signal.alarm(60)  # a safety net so a broken pipeline fails the test instead of hanging it
    try:
        run_worker(relay=relay, runner=runner)
    finally:
        signal.alarm(0)
    assert Villages(tenant).require(village.pk).outbox == []
    facts = Ledger(tenant).list().items
    assert [(f.event_id, f.subject_id) for f in facts] == [(event.event_id, "v-1")]


def test_same_message_twice_gives_the_same_ledger_state() -> None:
    tenant = f"t-twice-{RUN_ID}"
    event = Envelope.parse(division_created(tenant, "v-2").to_bytes())
    record_division(event)
    first = [(f.event_id, f.subject_id, f.revision) for f in Ledger(tenant).list().items]
    record_division(event)
    assert [(f.event_id, f.subject_id, f.revision) for f in Ledger(tenant).list().items] == first
    assert len(first) == 1
