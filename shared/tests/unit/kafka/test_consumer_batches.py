"""Batch routes of the consumer runner on the in-memory broker: chunks, order, poison,
rejections, retries, redelivery, stop, and batch and single routes side by side."""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kafka.structs import TopicPartition
from prometheus_client import REGISTRY

from shared.events.envelope import Envelope
from shared.events.topics import dlq_name
from shared.kafka import BatchRoute, Delivery, Rejected
from shared.kafka.consumer import (
    ConsumerRunner,
    DlqLimit,
    DlqLimitExceeded,
    MessageRejected,
    Route,
)
from shared.kafka.inmemory import InMemoryBroker, InMemoryConsumer, InMemoryProducer
from shared.runtime import merge_routes
from shared.testing.poison import POISON, division_created

TOPIC = "unit.batch.points"
PLAIN = "unit.batch.divisions"
GROUP = "unit-batch-group"
NO_LIMIT = DlqLimit(max_invalid_ratio=None, max_consecutive_invalid=None)

BatchFn = Callable[[Sequence[Delivery]], Sequence[Rejected]]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Harness:
    """A runner on a fresh in-memory broker: `TOPIC` (batch route) with `partitions`
    partitions, optionally `PLAIN` (single-message route) beside it."""

    def __init__(
        self,
        handler: BatchFn,
        *,
        max_batch: int = 500,
        max_weight: int | None = None,
        weight: Callable[[Envelope], int] | None = None,
        partitions: int = 1,
        plain: Callable[[Envelope], None] | None = None,
        with_dlq: bool = True,
        **options: Any,
    ) -> None:
        self.broker = InMemoryBroker()
        self.partitions = partitions
        self.broker.create_topic(TOPIC, partitions)
        self.broker.create_topic(PLAIN)
        if with_dlq:
            self.broker.create_topic(dlq_name(TOPIC), partitions)
            self.broker.create_topic(dlq_name(PLAIN))
        self.clock = Clock()
        self.routes: list[Route | BatchRoute] = [
            BatchRoute(TOPIC, handler, max_batch=max_batch, max_weight=max_weight, weight=weight)
        ]
        if plain is not None:
            self.routes.append(Route(PLAIN, plain))
        self.options: dict[str, Any] = {
            "retry_backoff_s": 0.001,
            "retry_backoff_max_s": 0.001,
            "commit_interval_s": 0.0,
            "poll_timeout_ms": 0,
            "clock": self.clock,
            **options,
        }
        self.consumer, self.runner = self.new_runner()

    def new_runner(self) -> tuple[InMemoryConsumer, ConsumerRunner]:
        """A consumer and runner of the same group (a restarted worker)."""
        consumer = InMemoryConsumer(self.broker, GROUP)
        runner = ConsumerRunner(
            consumer=consumer,
            dlq_producer=InMemoryProducer(self.broker),
            group_id=GROUP,
            routes=self.routes,
            **self.options,
        )
        return consumer, runner

    def publish(self, value: bytes | None, *, partition: int = 0, topic: str = TOPIC) -> int:
        """Append to `partition` of `topic`; returns the offset."""
        key = self.key_for(partition, self.broker.partitions_for(topic))
        got, offset = self.broker.append(topic, value, key, [("event_id", b"h")])
        assert got == partition
        return offset

    def key_for(self, partition: int, partitions: int | None = None) -> bytes:
        """A `tenant:worker` key the in-memory broker places on `partition`."""
        count = partitions or self.partitions
        return next(
            key
            for key in (f"t1:w{i}".encode() for i in range(1000))
            if zlib.crc32(key) % count == partition
        )

    def events(self, count: int, *, partition: int = 0, prefix: str = "d") -> list[Envelope]:
        made = [division_created("t1", f"{prefix}{partition}-{i}") for i in range(count)]
        for event in made:
            self.publish(event.to_bytes(), partition=partition)
        return made

    def committed(self, partition: int = 0, topic: str = TOPIC) -> int | None:
        return self.broker.committed(GROUP, TopicPartition(topic, partition))

    def dlq(self, topic: str = TOPIC) -> list[Any]:
        return self.broker.all_records(dlq_name(topic))

    def drain(self, runner: ConsumerRunner | None = None, passes: int = 50) -> None:
        for _ in range(passes):
            if not (runner or self.runner).run_once():
                return


class Store:
    """The idempotent batch handler pattern: every effect keyed on the event id."""

    def __init__(self, reject: Callable[[Delivery], Exception | None] | None = None) -> None:
        self.rows: dict[str, tuple[int, int]] = {}
        self.writes = 0  # effects actually applied (a duplicate would add one)
        self.calls: list[list[Delivery]] = []
        self.reject = reject

    def handle(self, deliveries: Sequence[Delivery]) -> Sequence[Rejected]:
        self.calls.append(list(deliveries))
        rejected: list[Rejected] = []
        for delivery in deliveries:
            reason = self.reject(delivery) if self.reject else None
            if reason is not None:
                rejected.append(Rejected(delivery, reason))
                continue
            if delivery.envelope.event_id not in self.rows:
                self.rows[delivery.envelope.event_id] = (delivery.partition, delivery.offset)
                self.writes += 1
        return rejected

    def handled(self) -> list[str]:
        return [d.envelope.event_id for call in self.calls for d in call]


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def ids(events: Sequence[Envelope]) -> list[str]:
    return [event.event_id for event in events]


# -- chunks and order ----------------------------------------------------------------------


def test_deliveries_come_in_chunks_of_at_most_max_batch_in_offset_order() -> None:
    store = Store()
    harness = Harness(store.handle, max_batch=10, max_records=20)
    events = harness.events(25)
    assert harness.runner.run_once() == 20
    assert [len(call) for call in store.calls] == [10, 10]
    assert harness.committed() == 20
    assert harness.runner.run_once() == 5
    assert [len(call) for call in store.calls] == [10, 10, 5]
    assert store.handled() == ids(events)
    assert [d.offset for call in store.calls for d in call] == list(range(25))
    assert harness.committed() == 25


def test_each_partition_keeps_its_order_and_partitions_share_calls() -> None:
    store = Store()
    harness = Harness(store.handle, max_batch=7, partitions=3)
    published = {p: harness.events(9, partition=p) for p in range(3)}
    harness.drain()
    assert all(len(call) <= 7 for call in store.calls)
    assert any(len({d.partition for d in call}) > 1 for call in store.calls)
    for partition, events in published.items():
        seen = [d for call in store.calls for d in call if d.partition == partition]
        assert [d.envelope.event_id for d in seen] == ids(events)
        assert [d.offset for d in seen] == list(range(9))
        assert all(d.topic == TOPIC for d in seen)
        assert harness.committed(partition) == 9
    assert store.writes == 27


def test_handlers_get_payloads_as_their_contract_loaded_them() -> None:
    store = Store()
    harness = Harness(store.handle)
    [event] = harness.events(1)
    harness.runner.run_once()
    [[delivery]] = store.calls
    assert delivery.envelope.event_id == event.event_id
    assert delivery.envelope.payload["division_id"] == event.payload["division_id"]
    assert (delivery.topic, delivery.partition, delivery.offset) == (TOPIC, 0, 0)


def test_batch_size_is_observed_per_call() -> None:
    store = Store()
    harness = Harness(store.handle, max_batch=4)
    labels = {"topic": TOPIC, "group": GROUP}
    count = metric("gridgov_consumer_batch_size_messages_count", **labels)
    total = metric("gridgov_consumer_batch_size_messages_sum", **labels)
    harness.events(6)
    harness.drain()
    assert metric("gridgov_consumer_batch_size_messages_count", **labels) == count + 2
    assert metric("gridgov_consumer_batch_size_messages_sum", **labels) == total + 6


# -- poison and rejections -------------------------------------------------------------------


def test_poison_is_dead_lettered_alone_and_the_rest_handled_once() -> None:
    store = Store()
    harness = Harness(store.handle, max_batch=3)
    good = [division_created("t1", f"g{i}") for i in range(4)]
    harness.publish(good[0].to_bytes())
    harness.publish(b"{not json")  # offset 1
    harness.publish(good[1].to_bytes())
    harness.publish(POISON["contract_breaking"](division_created("t1", "x"))[1])  # offset 3
    harness.publish(good[2].to_bytes())
    harness.publish(good[3].to_bytes())
    harness.drain()
    assert store.handled() == ids(good)
    assert store.writes == 4
    dead = harness.dlq()
    assert [dict(d.headers)["dlq.original_offset"] for d in dead] == [b"1", b"3"]
    headers = dict(dead[0].headers)
    assert headers["dlq.original_topic"] == TOPIC.encode()
    assert headers["dlq.original_partition"] == b"0"
    assert headers["dlq.consumer_group"] == GROUP.encode()
    assert headers["dlq.exception"] == b"InvalidMessage"
    assert headers["event_id"] == b"h"
    assert dead[0].value == b"{not json"
    assert harness.committed() == 6


def test_rejected_deliveries_are_dead_lettered_with_their_reason() -> None:
    def reject(delivery: Delivery) -> Exception | None:
        if str(delivery.envelope.payload["division_id"]).endswith("-2"):
            return ValueError("point outside every grid")
        return None

    store = Store(reject)
    harness = Harness(store.handle)
    processed = metric("gridgov_consumer_messages_processed_total", topic=TOPIC, group=GROUP)
    dlq_before = metric(
        "gridgov_consumer_messages_dlq_total", topic=TOPIC, group=GROUP, reason="ValueError"
    )
    events = harness.events(5)
    assert harness.runner.run_once() == 5
    [dead] = harness.dlq()
    headers = dict(dead.headers)
    assert dead.value == events[2].to_bytes()
    assert headers["dlq.original_offset"] == b"2"
    assert headers["dlq.exception"] == b"ValueError"
    assert headers["dlq.reason"] == b"point outside every grid"
    assert headers["dlq.original_key"] == harness.key_for(0)
    assert sorted(store.rows) == sorted(ids(events[:2] + events[3:]))
    assert harness.committed() == 5
    after = metric("gridgov_consumer_messages_processed_total", topic=TOPIC, group=GROUP)
    assert after == processed + 4
    assert (
        metric("gridgov_consumer_messages_dlq_total", topic=TOPIC, group=GROUP, reason="ValueError")
        == dlq_before + 1
    )


def test_rejections_count_towards_the_dlq_limit() -> None:
    store = Store(lambda d: ValueError("bad"))
    harness = Harness(
        store.handle,
        dlq_limit=DlqLimit(max_consecutive_invalid=3, max_invalid_ratio=None),
    )
    harness.events(6)
    with pytest.raises(DlqLimitExceeded, match="consecutive"):
        harness.runner.run()
    assert len(harness.dlq()) == 3
    assert harness.committed() == 3  # the rejection that tripped the limit waits for a fix
    assert harness.consumer.closed


def test_scattered_rejections_do_not_trip_the_limit() -> None:
    # Outcomes are judged in offset order: one rejection in four never makes two in a row.
    store = Store(lambda d: ValueError("bad") if d.offset % 4 == 0 else None)
    harness = Harness(
        store.handle,
        dlq_limit=DlqLimit(max_invalid_ratio=0.5, max_consecutive_invalid=2, window=10),
    )
    harness.events(40)
    harness.drain()
    assert len(harness.dlq()) == 10
    assert harness.committed() == 40


def test_dlq_write_failure_for_a_rejection_pauses_at_it() -> None:
    store = Store(lambda d: ValueError("bad") if d.offset == 2 else None)
    harness = Harness(store.handle, with_dlq=False, pause_s=5)
    harness.events(5)
    harness.runner.run_once()
    assert harness.committed() == 2  # 0 and 1; 2 has no dead letter yet, 3 and 4 wait behind it
    assert TopicPartition(TOPIC, 0) in harness.consumer.paused()
    assert harness.consumer.position(TopicPartition(TOPIC, 0)) == 2


def test_a_rejection_of_a_delivery_not_in_the_call_is_ignored() -> None:
    stranger = Delivery(division_created("t1", "x"), TOPIC, 0, 999)
    store = Store()

    def handle(deliveries: Sequence[Delivery]) -> Sequence[Rejected]:
        store.handle(deliveries)
        return [Rejected(stranger, ValueError("not mine"))]

    harness = Harness(handle)
    harness.events(2)
    assert harness.runner.run_once() == 2
    assert harness.dlq() == []
    assert harness.committed() == 2


# -- failures, retries and redelivery --------------------------------------------------------


def test_transient_errors_are_retried_in_place_and_committed_once() -> None:
    store = Store()
    attempts: list[int] = []

    def handle(deliveries: Sequence[Delivery]) -> Sequence[Rejected]:
        attempts.append(len(deliveries))
        if len(attempts) <= 2:
            raise ConnectionError("store hiccup")
        return store.handle(deliveries)

    harness = Harness(handle, max_attempts=3)
    failed = metric(
        "gridgov_consumer_messages_failed_total", topic=TOPIC, group=GROUP, reason="ConnectionError"
    )
    events = harness.events(8)
    assert harness.runner.run_once() == 8
    assert attempts == [8, 8, 8]
    assert store.handled() == ids(events)
    assert store.writes == 8
    assert harness.consumer.commits == [{TopicPartition(TOPIC, 0): 8}]
    assert (
        metric(
            "gridgov_consumer_messages_failed_total",
            topic=TOPIC,
            group=GROUP,
            reason="ConnectionError",
        )
        == failed + 2
    )


def test_an_effect_stored_before_a_failure_is_not_doubled_by_the_retry() -> None:
    store = Store()
    calls: list[int] = []

    def handle(deliveries: Sequence[Delivery]) -> Sequence[Rejected]:
        calls.append(1)
        store.handle(deliveries)  # the bulk write went through ...
        if len(calls) == 1:
            raise TimeoutError("... but its acknowledgement was lost")
        return []

    harness = Harness(handle)
    events = harness.events(5)
    harness.runner.run_once()
    assert len(calls) == 2
    assert store.writes == 5
    assert sorted(store.rows) == sorted(ids(events))
    assert harness.committed() == 5


def test_exhausted_retries_pause_the_partitions_and_redeliver_never_drop() -> None:
    healthy = False
    store = Store()

    def handle(deliveries: Sequence[Delivery]) -> Sequence[Rejected]:
        if not healthy:
            raise ConnectionError("database down")
        return store.handle(deliveries)

    harness = Harness(handle, max_batch=4, max_attempts=2, pause_s=30)
    events = harness.events(6)
    harness.publish(b"garbage")  # poison of an unsettled chunk waits for its turn too
    assert harness.runner.run_once() == 0
    assert TopicPartition(TOPIC, 0) in harness.consumer.paused()
    assert harness.consumer.position(TopicPartition(TOPIC, 0)) == 0
    assert harness.committed() is None
    assert harness.dlq() == []
    healthy = True
    assert harness.runner.run_once() == 0  # still paused: the clock has not moved
    harness.clock.now += 31
    harness.drain()
    assert store.handled() == ids(events)
    assert len(harness.dlq()) == 1
    assert harness.committed() == 7


def test_a_failing_chunk_pauses_only_its_own_partitions() -> None:
    store = Store()

    def handle(deliveries: Sequence[Delivery]) -> Sequence[Rejected]:
        if any(d.partition == 0 for d in deliveries):
            raise ConnectionError("partition 0's shard is down")
        return store.handle(deliveries)

    harness = Harness(handle, max_batch=3, partitions=2, max_attempts=1, pause_s=30)
    harness.events(3, partition=0)
    second = harness.events(5, partition=1)
    harness.runner.run_once()
    assert harness.consumer.paused() == {TopicPartition(TOPIC, 0)}
    assert harness.committed(0) is None
    assert harness.committed(1) == 5
    assert store.handled() == ids(second)


def test_a_chunk_spanning_partitions_rewinds_each_to_its_own_first_record() -> None:
    calls: list[list[tuple[int, int]]] = []

    def handle(deliveries: Sequence[Delivery]) -> Sequence[Rejected]:
        calls.append([(d.partition, d.offset) for d in deliveries])
        if len(calls) == 2:
            raise ConnectionError("down")
        return []

    harness = Harness(handle, max_batch=3, partitions=2, max_attempts=1, pause_s=30)
    harness.events(2, partition=0)
    harness.events(3, partition=1)
    harness.runner.run_once()
    assert calls == [[(0, 0), (0, 1), (1, 0)], [(1, 1), (1, 2)]]
    assert harness.committed(0) == 2
    assert harness.committed(1) == 1
    assert harness.consumer.paused() == {TopicPartition(TOPIC, 1)}
    assert harness.consumer.position(TopicPartition(TOPIC, 1)) == 1


def test_backpressure_pauses_without_counting_a_failure() -> None:
    busy = True
    store = Store()

    def handle(deliveries: Sequence[Delivery]) -> Sequence[Rejected]:
        if busy:
            raise MessageRejected
        return store.handle(deliveries)

    harness = Harness(handle, backpressure_pause_s=1, max_attempts=5)
    failed = metric(
        "gridgov_consumer_messages_failed_total", topic=TOPIC, group=GROUP, reason="MessageRejected"
    )
    events = harness.events(3)
    harness.runner.run_once()
    assert TopicPartition(TOPIC, 0) in harness.consumer.paused()
    assert harness.committed() is None
    busy = False
    harness.clock.now += 2
    harness.runner.run_once()
    assert store.handled() == ids(events)
    assert harness.committed() == 3
    assert (
        metric(
            "gridgov_consumer_messages_failed_total",
            topic=TOPIC,
            group=GROUP,
            reason="MessageRejected",
        )
        == failed
    )


def test_a_restart_before_the_commit_redelivers_and_the_handler_absorbs_it() -> None:
    store = Store()
    harness = Harness(store.handle, commit_interval_s=3600)
    events = harness.events(6)
    harness.runner.run_once()  # handled, commit throttled ...
    assert harness.committed() is None
    harness.runner.close = lambda: None  # type: ignore[method-assign]  # ... then killed
    _, restarted = harness.new_runner()
    harness.drain(restarted)
    restarted.close()
    assert store.handled() == ids(events) * 2
    assert store.writes == 6
    assert harness.committed() == 6


# -- stop ------------------------------------------------------------------------------------


def test_stop_is_honoured_between_chunks() -> None:
    store = Store()
    harness: Harness

    def handle(deliveries: Sequence[Delivery]) -> Sequence[Rejected]:
        harness.runner.stop()  # as SIGTERM would, during the first chunk
        return store.handle(deliveries)

    harness = Harness(handle, max_batch=4, commit_interval_s=3600)
    events = harness.events(10)
    harness.runner.run()
    assert store.handled() == ids(events[:4])
    assert harness.committed() == 4
    assert harness.consumer.closed

    follower = Store()
    harness.routes = [BatchRoute(TOPIC, follower.handle, max_batch=4)]
    _, restarted = harness.new_runner()
    harness.drain(restarted)
    assert follower.handled() == ids(events[4:])


def test_stop_during_retries_leaves_the_chunk_for_the_next_owner() -> None:
    harness: Harness

    def handle(deliveries: Sequence[Delivery]) -> Sequence[Rejected]:
        harness.runner.stop()
        raise ConnectionError("down")

    harness = Harness(handle, max_attempts=10)
    harness.events(3)
    harness.runner.run()
    assert harness.committed() is None


# -- batch and single routes together --------------------------------------------------------


def test_batch_and_single_routes_share_one_poll() -> None:
    store = Store()
    single: list[str] = []
    harness = Harness(store.handle, plain=lambda e: single.append(e.event_id), max_batch=50)
    batch_events = harness.events(5)
    plain_events = [division_created("t1", f"p{i}") for i in range(3)]
    for event in plain_events:
        harness.publish(event.to_bytes(), topic=PLAIN)
    harness.publish(b"junk", topic=PLAIN)
    assert harness.runner.run_once() == 9
    assert single == ids(plain_events)
    assert store.handled() == ids(batch_events)
    assert harness.committed() == 5
    assert harness.committed(topic=PLAIN) == 4
    assert len(harness.dlq(PLAIN)) == 1


def test_a_paused_single_route_does_not_hold_up_the_batch_route() -> None:
    store = Store()

    def plain(envelope: Envelope) -> None:
        raise ConnectionError("down")

    harness = Harness(store.handle, plain=plain, max_attempts=1, pause_s=30)
    harness.publish(division_created("t1", "p").to_bytes(), topic=PLAIN)
    events = harness.events(3)
    harness.runner.run_once()
    assert harness.consumer.paused() == {TopicPartition(PLAIN, 0)}
    assert store.handled() == ids(events)
    assert harness.committed() == 3


def test_max_records_follows_the_largest_batch() -> None:
    store = Store()
    harness = Harness(store.handle, max_batch=300)
    harness.events(700)
    assert harness.runner.run_once() == 600
    assert [len(call) for call in store.calls] == [300, 300]


# -- the route table ---------------------------------------------------------------------------


def test_merge_routes_passes_a_batch_route_through() -> None:
    batch = BatchRoute(TOPIC, Store().handle, max_batch=50)
    plain = Route(PLAIN, lambda e: None)
    assert merge_routes((plain,), (batch,)) == (plain, batch)


@pytest.mark.parametrize(
    "other",
    [BatchRoute(TOPIC, lambda d: []), Route(TOPIC, lambda e: None)],
    ids=["two batch routes", "batch and single"],
)
def test_merge_routes_refuses_a_second_route_for_a_batch_topic(
    other: Route | BatchRoute,
) -> None:
    batch = BatchRoute(TOPIC, lambda d: [])
    with pytest.raises(ValueError, match=f"topic {TOPIC} has a batch route"):
        merge_routes((batch,), (other,))
    with pytest.raises(ValueError, match="batch route"):
        merge_routes((other,), (batch,))


def test_a_topic_cannot_have_both_kinds_of_route_in_one_runner() -> None:
    broker = InMemoryBroker()
    with pytest.raises(ValueError, match="one route per topic"):
        ConsumerRunner(
            consumer=InMemoryConsumer(broker, GROUP),
            dlq_producer=InMemoryProducer(broker),
            group_id=GROUP,
            routes=[BatchRoute(TOPIC, lambda d: []), Route(TOPIC, lambda e: None)],
        )


def test_max_batch_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_batch"):
        BatchRoute(TOPIC, lambda d: [], max_batch=0)


def test_max_weight_comes_with_a_weight_and_is_positive() -> None:
    with pytest.raises(ValueError, match="come together"):
        BatchRoute(TOPIC, lambda d: [], max_weight=10)
    with pytest.raises(ValueError, match="come together"):
        BatchRoute(TOPIC, lambda d: [], weight=lambda e: 1)
    with pytest.raises(ValueError, match="max_weight"):
        BatchRoute(TOPIC, lambda d: [], max_weight=0, weight=lambda e: 1)


# -- chunks bounded by weight --------------------------------------------------------------


def _weights(events: Sequence[Envelope], sizes: Sequence[int]) -> Callable[[Envelope], int]:
    by_id = {event.event_id: size for event, size in zip(events, sizes, strict=True)}
    return lambda envelope: by_id[envelope.event_id]


def test_a_chunk_closes_before_the_delivery_that_would_take_it_over_its_weight() -> None:
    store = Store()
    sizes = [3, 4, 2, 9, 12, 1, 1, 5]
    harness = Harness(store.handle)
    events = harness.events(len(sizes))
    harness.routes = [
        BatchRoute(
            TOPIC, store.handle, max_batch=500, max_weight=10, weight=_weights(events, sizes)
        )
    ]
    harness.consumer, harness.runner = harness.new_runner()

    harness.drain()

    # 3+4+2 = 9 (the 9 would make 18); 9 alone; 12 alone (heavier than the bound: a chunk
    # of its own, never refused); 1+1+5.
    assert [[sizes[d.offset] for d in call] for call in store.calls] == [
        [3, 4, 2],
        [9],
        [12],
        [1, 1, 5],
    ]
    assert store.handled() == ids(events)
    assert harness.committed() == len(sizes)


def test_a_weighed_record_left_for_the_next_chunk_is_handled_once() -> None:
    store = Store()
    harness = Harness(store.handle, partitions=2)
    first = harness.events(3, partition=0)
    second = harness.events(3, partition=1)
    harness.routes = [BatchRoute(TOPIC, store.handle, max_weight=4, weight=lambda envelope: 2)]
    harness.consumer, harness.runner = harness.new_runner()

    harness.drain()

    assert all(len(call) <= 2 for call in store.calls)
    assert sorted(store.handled()) == sorted(ids(first) + ids(second))
    assert store.writes == 6
    assert harness.committed(0) == 3
    assert harness.committed(1) == 3


# -- property: whatever the chunking, each message ends up settled exactly once ----------------


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    layout=st.lists(
        st.tuples(st.integers(0, 2), st.booleans()), min_size=1, max_size=60
    ),  # (partition, poison?)
    max_batch=st.integers(1, 12),
    reject_every=st.integers(0, 5),
    max_weight=st.none() | st.integers(1, 15),
)
def test_every_message_is_handled_or_dead_lettered_exactly_once(
    layout: list[tuple[int, bool]], max_batch: int, reject_every: int, max_weight: int | None
) -> None:
    def reject(delivery: Delivery) -> Exception | None:
        if reject_every and delivery.offset % reject_every == reject_every - 1:
            return ValueError("rejected")
        return None

    def weight(envelope: Envelope) -> int:
        return zlib.crc32(envelope.event_id.encode()) % 6 + 1

    store = Store(reject)
    harness = Harness(
        store.handle,
        max_batch=max_batch,
        max_weight=max_weight,
        weight=weight if max_weight is not None else None,
        partitions=3,
        dlq_limit=NO_LIMIT,
    )
    expected_rows: set[str] = set()
    expected_dead: set[tuple[int, int]] = set()
    for index, (partition, poison) in enumerate(layout):
        event = division_created("t1", f"e{index}")
        offset = harness.publish(b"junk" if poison else event.to_bytes(), partition=partition)
        rejected = reject_every and offset % reject_every == reject_every - 1
        if poison or rejected:
            expected_dead.add((partition, offset))
        else:
            expected_rows.add(event.event_id)
    harness.drain(passes=200)
    assert all(len(call) <= max_batch for call in store.calls)
    if max_weight is not None:
        assert all(
            len(call) == 1 or sum(weight(d.envelope) for d in call) <= max_weight
            for call in store.calls
        )
    assert set(store.rows) == expected_rows
    assert store.writes == len(expected_rows)
    assert len(store.handled()) == len(set(store.handled()))  # no delivery handed twice
    dead = {
        (
            int(dict(d.headers)["dlq.original_partition"]),
            int(dict(d.headers)["dlq.original_offset"]),
        )
        for d in harness.dlq()
    }
    assert dead == expected_dead
    assert len(harness.dlq()) == len(expected_dead)
    for partition in range(3):
        count = sum(1 for p, _ in layout if p == partition)
        assert harness.committed(partition) == (count or None)
