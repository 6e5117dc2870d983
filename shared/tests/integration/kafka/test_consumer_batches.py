"""Batch routes of the consumer runner against the real Kafka: many partitions in chunks, each
message handled once and committed; a chunk failing after its effect comes again and the
idempotent handler absorbs it, in place or in a restarted worker."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from kafka import KafkaConsumer
from kafka.structs import TopicPartition

from shared.events.envelope import Envelope
from shared.kafka import BatchRoute, ConsumerRunner, Delivery, Rejected
from shared.kafka.consumer import make_consumer
from shared.kafka.producer import make_producer
from shared.tests.integration.kafka.helpers import division_created
from shared.tests.integration.stack import KAFKA_BOOTSTRAP, RUN_ID, TopicFactory

pytestmark = pytest.mark.integration

PARTITIONS = 3


def produce(topic: str, events: Sequence[Envelope]) -> Counter[int]:
    """Publish with 30 `tenant:worker` keys (a worker's points stay on one partition);
    returns the messages per partition."""
    producer = make_producer(KAFKA_BOOTSTRAP, client_id="it-batch-seed")
    try:
        futures = [
            producer.send(topic, value=event.to_bytes(), key=f"t1:w{i % 30}".encode())
            for i, event in enumerate(events)
        ]
        producer.flush(timeout=30)
        return Counter(future.get(timeout=10).partition for future in futures)
    finally:
        producer.close()


def runner_for(
    topic: str, handler: Callable[..., Any], group: str, **options: Any
) -> ConsumerRunner:
    return ConsumerRunner(
        consumer=make_consumer(KAFKA_BOOTSTRAP, group_id=group, client_id="it-batch-runner"),
        dlq_producer=make_producer(KAFKA_BOOTSTRAP, client_id="it-batch-dlq"),
        group_id=group,
        routes=[BatchRoute(topic, handler, max_batch=options.pop("max_batch", 500))],
        poll_timeout_ms=300,
        **options,
    )


def committed(group: str, topic: str) -> dict[int, int | None]:
    consumer = KafkaConsumer(
        bootstrap_servers=KAFKA_BOOTSTRAP, group_id=group, enable_auto_commit=False
    )
    try:
        return {p: consumer.committed(TopicPartition(topic, p)) for p in range(PARTITIONS)}
    finally:
        consumer.close(autocommit=False)


def run_until(runner: ConsumerRunner, done: Callable[[], bool], timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not done() and time.monotonic() < deadline:
        runner.run_once()


class Store:
    """An idempotent bulk writer: rows keyed on the event id, so a repeat changes nothing."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.rows: dict[str, tuple[int, int]] = {}
        self.writes = 0
        self.calls: list[list[Delivery]] = []

    def write(self, deliveries: Sequence[Delivery]) -> None:
        with self.lock:
            self.calls.append(list(deliveries))
            for d in deliveries:
                if d.envelope.event_id not in self.rows:
                    self.rows[d.envelope.event_id] = (d.partition, d.offset)
                    self.writes += 1

    def handle(self, deliveries: Sequence[Delivery]) -> Sequence[Rejected]:
        self.write(deliveries)
        return []


def test_two_thousand_messages_over_three_partitions_in_chunks(make_topic: TopicFactory) -> None:
    topic = make_topic("batch", partitions=PARTITIONS)
    group = f"batch-{RUN_ID}-{uuid.uuid4().hex[:4]}"
    events = [division_created("t1", f"d{i}") for i in range(2000)]
    per_partition = produce(topic, events)
    assert len(per_partition) == PARTITIONS
    store = Store()
    runner = runner_for(topic, store.handle, group)
    try:
        run_until(runner, lambda: len(store.rows) >= len(events))
    finally:
        runner.close()
    assert store.writes == len(events)
    assert sorted(store.rows) == sorted(e.event_id for e in events)
    handed = [d.envelope.event_id for call in store.calls for d in call]
    assert len(handed) == len(events)  # nothing handed twice
    assert len(store.calls) >= 4
    assert all(len(call) <= 500 for call in store.calls)
    for partition in range(PARTITIONS):
        offsets = [d.offset for call in store.calls for d in call if d.partition == partition]
        assert offsets == list(range(per_partition[partition]))
    assert committed(group, topic) == {p: per_partition[p] for p in range(PARTITIONS)}


def test_a_chunk_failing_after_its_effect_is_redelivered_and_absorbed(
    make_topic: TopicFactory,
) -> None:
    topic = make_topic("batch-redeliver", partitions=PARTITIONS)
    group = f"batch-redeliver-{RUN_ID}-{uuid.uuid4().hex[:4]}"
    events = [division_created("t1", f"r{i}") for i in range(300)]
    per_partition = produce(topic, events)
    store = Store()
    failed: list[list[Delivery]] = []

    def handle(deliveries: Sequence[Delivery]) -> Sequence[Rejected]:
        store.write(deliveries)
        if not failed:
            failed.append(list(deliveries))
            raise TimeoutError("bulk write acknowledged too late: the worker gives up")
        return []

    # One attempt: the failed chunk must come back through Kafka (pause, seek), not in place.
    runner = runner_for(topic, handle, group, max_batch=100, max_attempts=1, pause_s=0.5)

    def redelivered() -> set[str]:
        return {d.envelope.event_id for call in store.calls[1:] for d in call}

    def done() -> bool:
        failed_ids = {d.envelope.event_id for d in failed[0]} if failed else {""}
        return len(store.rows) >= len(events) and failed_ids <= redelivered()

    try:
        run_until(runner, done)
    finally:
        runner.close()
    assert failed
    assert {d.envelope.event_id for d in failed[0]} <= redelivered()  # the chunk came again ...
    assert store.writes == len(events)  # ... and was written once
    assert sorted(store.rows) == sorted(e.event_id for e in events)
    assert committed(group, topic) == {p: per_partition[p] for p in range(PARTITIONS)}


class Killed(BaseException):
    """The process dies in the middle of a batch (no exception handler runs in real life)."""


def test_a_worker_killed_mid_batch_leaves_it_to_the_next_one(make_topic: TopicFactory) -> None:
    topic = make_topic("batch-kill", partitions=PARTITIONS)
    group = f"batch-kill-{RUN_ID}-{uuid.uuid4().hex[:4]}"
    events = [division_created("t1", f"k{i}") for i in range(600)]
    per_partition = produce(topic, events)
    store = Store()
    calls: list[int] = []

    def dying(deliveries: Sequence[Delivery]) -> Sequence[Rejected]:
        calls.append(len(deliveries))
        store.write(deliveries)
        if len(calls) == 2:
            raise Killed  # after the second chunk's effect, before its commit
        return []

    first = runner_for(topic, dying, group, max_batch=100, commit_interval_s=0)
    with pytest.raises(Killed):
        run_until(first, lambda: False)
    # A kill makes no final commit. The clients are closed without one only so the group
    # does not wait for the dead member's session to expire.
    first._consumer.close(autocommit=False)
    first._dlq_producer.close(timeout=5)
    assert len(calls) == 2
    assert store.writes == sum(calls)
    before = committed(group, topic)
    assert sum(offset or 0 for offset in before.values()) <= calls[0]  # never the killed chunk

    killed = {d.envelope.event_id for d in store.calls[-1]}
    kept = {  # the effects the first worker stored and committed
        d.envelope.event_id
        for call in store.calls
        for d in call
        if d.offset < (before[d.partition] or 0)
    }
    due = {e.event_id for e in events} - kept
    second_seen: set[str] = set()

    def handle(deliveries: Sequence[Delivery]) -> Sequence[Rejected]:
        second_seen.update(d.envelope.event_id for d in deliveries)
        return store.handle(deliveries)

    second = runner_for(topic, handle, group, max_batch=100)
    try:
        run_until(second, lambda: second_seen >= due)
    finally:
        second.close()
    assert killed <= second_seen  # the killed chunk came again ...
    assert store.writes == len(events)  # ... and nothing was written twice
    assert sorted(store.rows) == sorted(e.event_id for e in events)
    assert committed(group, topic) == {p: per_partition[p] for p in range(PARTITIONS)}
