"""A rebuilt ledger equals the live one: the same messages replayed into the other collection
give the same entries, ids included; the pointer swap makes it live; what arrived meanwhile is
caught up. The topic reader against the real Kafka reads in order and skips poison."""

from __future__ import annotations

import dataclasses
import io
from datetime import UTC, datetime, timedelta

import pytest
from kafka import KafkaProducer

from services.scoring import handlers
from services.scoring.domain.ledger import counted
from services.scoring.rebuild import TopicReader, replay_all
from services.scoring.repository.ledger import LedgerRepository
from services.scoring.tests.integration.ledger_support import message
from services.scoring.use_cases.rebuild import LedgerReplay, catch_up, differences, swap
from shared.events.envelope import Envelope
from shared.settings import PlatformSettings
from shared.tests.integration.stack import kafka_bootstrap, make_topic

pytestmark = pytest.mark.integration

__all__ = ["kafka_bootstrap", "make_topic"]
BASE = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def at(minutes: int) -> str:
    return (BASE + timedelta(minutes=minutes)).isoformat()


def history(tenant: str) -> list[Envelope]:
    """A tenant's messages in partition order: events closed, reopened and closed late (one
    redelivered), a patrol day corrected, rates in two editions, a division, records voided."""
    reported = at(0)
    common = {"reported_at": reported, "acceptance_deadline": reported}
    closed = message(
        "event.closed",
        tenant,
        occurred_at=at(10),
        event_id="e-1",
        review_outcome=None,
        shirked=False,
        **common,
    )
    reopened = message(
        "event.reopened",
        tenant,
        occurred_at=at(20),
        event_id="e-1",
        state="in_progress",
        closed_at=None,
        closed_on_time=None,
        review_outcome=None,
        shirked=False,
        **common,
    )
    late = message(
        "event.closed",
        tenant,
        occurred_at=at(30),
        event_id="e-1",
        closed_on_time=False,
        review_outcome=None,
        shirked=False,
        **common,
    )
    other = message("event.overdue", tenant, occurred_at=at(40), event_id="e-2", **common)
    failed = message("patrol.day_finalised", tenant, worker_id="w-1", day="2026-03-02")
    excused = message("patrol.day_corrected", tenant, worker_id="w-1", day="2026-03-02", version=2)
    edition_1 = message("rates.published", tenant, edition=1)
    edition_2 = message(
        "rates.published",
        tenant,
        edition=2,
        rows=[{**edition_1.to_dict()["payload"]["rows"][0], "rate": "0.8000"}],
    )
    record = message("record.created", tenant, record_id="r-9")
    voided = message("record.voided", tenant, record_id="r-9")
    division = message("division.created", tenant, division_id=f"d-{tenant}")
    return [
        closed,
        reopened,
        late,
        closed,
        other,
        failed,
        excused,
        failed,
        edition_1,
        edition_2,
        record,
        voided,
        division,
    ]


def test_a_replay_of_the_same_messages_equals_the_live_ledger(fresh_db):
    messages = {tenant: history(tenant) for tenant in ("tenant-a", "tenant-b")}
    for tenant_messages in messages.values():
        for envelope in tenant_messages:
            handlers.ledger_fact(envelope)

    replay = LedgerReplay(batch=3, writers=2)
    # Partitions interleave across tenants; each tenant's own order is kept.
    for pair in zip(messages["tenant-a"], messages["tenant-b"], strict=True):
        for envelope in pair:
            replay.feed(envelope)
    written = replay.swap()

    for tenant in ("tenant-a", "tenant-b"):
        ledger = LedgerRepository(tenant)
        assert ledger.collection == "ledger_b"
        assert differences(tenant, "ledger", "ledger_b") == 0
        assert written[tenant] == len(ledger.entries().rows(feed=True))
    live = counted(LedgerRepository("tenant-a").entries().rows(feed=True))
    assert sorted(e.metric for e in live if e.aggregate == "event:e-1") == [
        "intake.events_accepted_on_time",
        "intake.events_closed",
        "intake.events_escalated",
        "intake.events_reported",
        "intake.worker_reports_valid",
    ]
    rates = [e for e in live if e.metric == "survey.satisfaction_rate"]
    assert [str(e.value) for e in rates] == ["80.0000"]


def test_a_rebuild_of_one_tenant_leaves_the_others_and_catches_up_afterwards(fresh_db):
    messages = history("tenant-a")
    for envelope in [*messages, *history("tenant-b")]:
        handlers.ledger_fact(envelope)
    replay = LedgerReplay(tenants=["tenant-a"])
    for envelope in [*messages[:6], *history("tenant-b")]:
        replay.feed(envelope)
    replay.swap()
    # The rest arrived during the replay: the live consumer stored it in the old collection.
    assert catch_up([*messages[6:], *history("tenant-b")], tenants=["tenant-a"]) == 7

    assert LedgerRepository("tenant-a").collection == "ledger_b"
    assert LedgerRepository("tenant-b").collection == "ledger"
    assert differences("tenant-a", "ledger", "ledger_b") == 0
    assert replay.progress().skipped == len(history("tenant-b"))


def test_a_second_rebuild_empties_the_collection_it_fills(fresh_db):
    messages = history("tenant-a")
    for _ in range(2):
        replay = LedgerReplay(tenants=["tenant-a"])
        for envelope in messages:
            replay.feed(envelope)
        replay.swap()
    # The first rebuild went to ledger_b, the second back to ledger, emptied first.
    assert LedgerRepository("tenant-a").collection == "ledger"
    assert differences("tenant-a", "ledger", "ledger_b") == 0


def test_the_topic_reader_reads_every_valid_message_in_order_up_to_the_ends(
    fresh_db, kafka_bootstrap, make_topic
):
    topic = make_topic("scoring-rebuild", partitions=2, dlq=False)
    messages = history("tenant-a")
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap)
    producer.send(topic, key=b"tenant-a:poison", value=b"{not json")
    for envelope in messages:
        producer.send(topic, key=b"tenant-a:k", value=envelope.to_bytes())
    producer.flush()
    producer.close()
    reader = TopicReader(kafka_bootstrap, [topic])
    try:
        ends = reader.ends()
        read = list(reader.read(ends))
        assert [e.event_id for e in read] == [e.event_id for e in messages]
        assert read[0] == dataclasses.replace(read[0], payload=messages[0].payload)
        assert reader.invalid == 1
        assert list(reader.read(reader.ends(), since=ends)) == []
    finally:
        reader.close()


def test_a_rebuild_in_two_processes_equals_the_live_ledger(fresh_db, kafka_bootstrap, make_topic):
    topic = make_topic("scoring-rebuild-processes", partitions=2, dlq=False)
    tenants = [f"tenant-{n}" for n in range(4)]
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap)
    for tenant in tenants:
        for envelope in history(tenant):
            handlers.ledger_fact(envelope)
            # Keyed by tenant here: each aggregate's messages stay in one partition, in order.
            producer.send(topic, key=tenant.encode(), value=envelope.to_bytes())
    producer.flush()
    producer.close()
    settings = PlatformSettings.from_env(
        service="scoring", mongo_db=fresh_db, kafka_bootstrap=(kafka_bootstrap,)
    )
    reader = TopicReader(kafka_bootstrap, [topic])
    try:
        result = replay_all(
            reader.partitions,
            reader.ends(),
            None,
            processes=2,
            settings=settings,
            out=io.StringIO(),
        )
    finally:
        reader.close()

    written = swap(result.rebuilt, now=BASE)

    assert sorted(written) == tenants
    assert result.messages == len(tenants) * len(history("x"))
    for tenant in tenants:
        assert LedgerRepository(tenant).collection == "ledger_b"
        assert differences(tenant, "ledger", "ledger_b") == 0
