import os
import signal
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from kafka.structs import TopicPartition
from prometheus_client import REGISTRY

from shared.events.contracts import contract_for, validate_envelope
from shared.events.contracts.registry.divisions import DIVISION_CREATED
from shared.events.envelope import Envelope
from shared.kafka.consumer import (
    ConsumerRunner,
    DlqLimit,
    DlqLimitExceeded,
    MessageRejected,
    NonRetryableError,
    Route,
)
from shared.kafka.inmemory import InMemoryBroker, InMemoryConsumer, InMemoryProducer

TOPIC = "unit.divisions"
TP = TopicPartition(TOPIC, 0)
GROUP = "unit-group"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Harness:
    def __init__(self, handler: Callable[[Envelope], None], **options: Any) -> None:
        self.broker = InMemoryBroker()
        self.broker.create_topic(TOPIC)
        if options.pop("with_dlq", True):
            self.broker.create_topic(f"{TOPIC}.dlq")
        self.clock = Clock()
        self.consumer = InMemoryConsumer(self.broker, GROUP)
        self.producer = InMemoryProducer(self.broker)
        settings: dict[str, Any] = {
            "retry_backoff_s": 0.001,
            "retry_backoff_max_s": 0.001,
            "commit_interval_s": 0.0,
            "poll_timeout_ms": 0,
            "clock": self.clock,
        }
        settings.update(options)
        self.runner = ConsumerRunner(
            consumer=self.consumer,
            dlq_producer=self.producer,
            group_id=GROUP,
            routes=[Route(TOPIC, handler, non_retryable=(KeyError,))],
            **settings,
        )

    def publish(self, value: bytes | None, key: bytes = b"t1:d1") -> None:
        self.broker.append(TOPIC, value, key, [("event_id", b"h")])

    def committed(self) -> int | None:
        return self.broker.committed(GROUP, TP)

    def dlq(self) -> list[Any]:
        return self.broker.all_records(f"{TOPIC}.dlq")


def division_event(**payload: Any) -> Envelope:
    example = contract_for(DIVISION_CREATED, 1).load_example()
    return Envelope.new(
        type=DIVISION_CREATED,
        version=1,
        tenant_id="t1",
        producer="grid_registry",
        payload={**example.payload, **payload},
    )


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_offset_is_committed_only_after_the_effect() -> None:
    seen: list[tuple[str, int | None]] = []
    harness: Harness

    def handle(envelope: Envelope) -> None:
        seen.append((envelope.event_id, harness.committed()))

    harness = Harness(handle)
    event = division_event()
    harness.publish(event.to_bytes())
    assert harness.runner.run_once() == 1
    assert seen == [(event.event_id, None)]
    assert harness.committed() == 1


def test_invalid_bytes_go_to_the_dlq_with_origin_headers_then_commit() -> None:
    harness = Harness(lambda e: pytest.fail("handler must not see poison"))
    before = metric(
        "gridgov_consumer_messages_dlq_total", topic=TOPIC, group=GROUP, reason="InvalidMessage"
    )
    harness.publish(b"{not json", key=b"t1:x")
    harness.runner.run_once()
    [dead] = harness.dlq()
    headers = dict(dead.headers)
    assert dead.value == b"{not json"
    assert dead.key == b"t1:x"
    assert headers["dlq.original_topic"] == TOPIC.encode()
    assert headers["dlq.original_partition"] == b"0"
    assert headers["dlq.original_offset"] == b"0"
    assert headers["dlq.original_key"] == b"t1:x"
    assert headers["dlq.consumer_group"] == GROUP.encode()
    assert headers["dlq.exception"] == b"InvalidMessage"
    assert b"not JSON" in headers["dlq.reason"]
    assert headers["event_id"] == b"h"  # original headers are kept
    assert harness.committed() == 1
    after = metric(
        "gridgov_consumer_messages_dlq_total", topic=TOPIC, group=GROUP, reason="InvalidMessage"
    )
    assert after == before + 1


def test_payload_breaking_its_contract_is_poison() -> None:
    harness = Harness(lambda e: pytest.fail("handler must not see poison"))
    harness.publish(division_event(kind="city").to_bytes())
    harness.runner.run_once()
    assert dict(harness.dlq()[0].headers)["dlq.exception"] == b"InvalidMessage"
    assert harness.committed() == 1


@pytest.mark.parametrize("error", [NonRetryableError("never"), KeyError("declared")])
def test_non_retryable_handler_errors_are_dead_lettered_without_retry(error: Exception) -> None:
    calls: list[str] = []

    def handle(envelope: Envelope) -> None:
        calls.append(envelope.event_id)
        raise error

    harness = Harness(handle)
    harness.publish(division_event().to_bytes())
    harness.runner.run_once()
    assert len(calls) == 1
    assert dict(harness.dlq()[0].headers)["dlq.exception"] == type(error).__name__.encode()
    assert harness.committed() == 1


def test_transient_errors_are_retried_in_place() -> None:
    attempts: list[int] = []

    def handle(envelope: Envelope) -> None:
        attempts.append(1)
        if len(attempts) < 3:
            raise ConnectionError("flaky")

    harness = Harness(handle, max_attempts=3)
    harness.publish(division_event().to_bytes())
    assert harness.runner.run_once() == 1
    assert len(attempts) == 3
    assert harness.committed() == 1
    assert harness.dlq() == []


def test_exhausted_retries_pause_the_partition_and_redeliver_never_drop() -> None:
    healthy = False
    handled: list[str] = []

    def handle(envelope: Envelope) -> None:
        if not healthy:
            raise ConnectionError("database down")
        handled.append(envelope.event_id)

    harness = Harness(handle, max_attempts=2, pause_s=30)
    first, second = division_event(), division_event()
    harness.publish(first.to_bytes())
    harness.publish(second.to_bytes())
    assert harness.runner.run_once() == 0
    assert TP in harness.consumer.paused()
    assert harness.committed() is None
    assert harness.dlq() == []
    healthy = True
    assert harness.runner.run_once() == 0  # still paused: the clock has not moved
    harness.clock.now += 31
    assert harness.runner.run_once() == 2
    assert handled == [first.event_id, second.event_id]
    assert harness.committed() == 2


def test_backpressure_pauses_without_counting_a_failure() -> None:
    busy = True
    handled: list[str] = []

    def handle(envelope: Envelope) -> None:
        if busy:
            raise MessageRejected
        handled.append(envelope.event_id)

    harness = Harness(handle, backpressure_pause_s=1)
    harness.publish(division_event().to_bytes())
    failed_before = metric(
        "gridgov_consumer_messages_failed_total", topic=TOPIC, group=GROUP, reason="MessageRejected"
    )
    harness.runner.run_once()
    assert TP in harness.consumer.paused()
    assert harness.committed() is None
    busy = False
    harness.clock.now += 2
    harness.runner.run_once()
    assert len(handled) == 1
    assert harness.committed() == 1
    assert (
        metric(
            "gridgov_consumer_messages_failed_total",
            topic=TOPIC,
            group=GROUP,
            reason="MessageRejected",
        )
        == failed_before
    )


def test_dlq_limit_on_consecutive_invalid_stops_the_runner() -> None:
    harness = Harness(
        lambda e: None, dlq_limit=DlqLimit(max_consecutive_invalid=3, max_invalid_ratio=None)
    )
    for _ in range(6):
        harness.publish(b"garbage")
    with pytest.raises(DlqLimitExceeded, match="consecutive"):
        harness.runner.run()
    assert len(harness.dlq()) == 3
    assert harness.committed() == 3  # the message that tripped the limit is not committed
    assert harness.consumer.closed
    assert harness.producer.closed


def test_dlq_limit_on_ratio_stops_the_runner() -> None:
    limit = DlqLimit(max_invalid_ratio=0.5, max_consecutive_invalid=None, window=10, min_messages=4)
    harness = Harness(lambda e: None, dlq_limit=limit)
    for i in range(12):
        harness.publish(division_event().to_bytes() if i % 3 == 0 else b"garbage")
    with pytest.raises(DlqLimitExceeded, match="recent messages invalid"):
        harness.runner.run()
    # valid, bad, bad -> 2/3 invalid after min_messages is reached on the 4th or 5th message
    assert harness.committed() is not None
    assert harness.committed() < 12  # type: ignore[operator]


def test_a_mostly_healthy_stream_does_not_trip_the_limit() -> None:
    limit = DlqLimit(max_invalid_ratio=0.5, max_consecutive_invalid=2, window=10, min_messages=4)
    harness = Harness(lambda e: None, dlq_limit=limit)
    for i in range(30):
        harness.publish(b"garbage" if i % 4 == 0 else division_event().to_bytes())
    while harness.runner.run_once():
        pass
    assert harness.committed() == 30
    assert len(harness.dlq()) == 8


class Ledger:
    """The idempotent-handler pattern: the effect is keyed on event_id."""

    def __init__(self) -> None:
        self.divisions: dict[str, dict[str, Any]] = {}
        self.applied: set[str] = set()

    def handle(self, envelope: Envelope) -> None:
        if envelope.event_id in self.applied:
            return
        self.divisions[str(envelope.payload["division_id"])] = dict(envelope.payload)
        self.applied.add(envelope.event_id)


def test_same_message_twice_gives_the_same_state() -> None:
    ledger = Ledger()
    harness = Harness(ledger.handle)
    event = division_event()
    harness.publish(event.to_bytes())
    harness.runner.run_once()
    state = (dict(ledger.divisions), set(ledger.applied))
    harness.publish(event.to_bytes())  # redelivery / relay republish
    harness.runner.run_once()
    assert (ledger.divisions, ledger.applied) == state
    assert harness.committed() == 2


def test_stop_finishes_the_current_message_commits_and_closes() -> None:
    handled: list[str] = []
    harness: Harness

    def handle(envelope: Envelope) -> None:
        harness.runner.stop()  # as a signal would, in the middle of a message
        handled.append(envelope.event_id)

    harness = Harness(handle, commit_interval_s=3600)
    for _ in range(3):
        harness.publish(division_event().to_bytes())
    harness.runner.run()
    assert len(handled) == 1
    assert harness.committed() == 1  # throttling does not delay the final commit
    assert harness.consumer.closed
    assert harness.producer.closed


@pytest.fixture
def restore_signals() -> Iterator[None]:
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


@pytest.mark.usefixtures("restore_signals")
def test_sigterm_stops_after_the_current_message_and_commits() -> None:
    handled: list[str] = []

    def handle(envelope: Envelope) -> None:
        os.kill(os.getpid(), signal.SIGTERM)
        handled.append(envelope.event_id)

    harness = Harness(handle, commit_interval_s=3600)
    harness.runner.install_signal_handlers()
    for _ in range(3):
        harness.publish(division_event().to_bytes())
    harness.runner.run()
    assert len(handled) == 1
    assert harness.committed() == 1
    assert harness.consumer.closed


def test_dlq_write_failure_pauses_instead_of_committing() -> None:
    harness = Harness(lambda e: None, with_dlq=False, pause_s=5)
    harness.publish(b"garbage")
    harness.runner.run_once()
    assert harness.committed() is None
    assert TP in harness.consumer.paused()


def test_commits_are_throttled() -> None:
    harness = Harness(lambda e: None, commit_interval_s=10)
    harness.publish(division_event().to_bytes())
    harness.runner.run_once()
    harness.clock.now += 11
    harness.publish(division_event().to_bytes())
    harness.runner.run_once()
    harness.publish(division_event().to_bytes())
    harness.runner.run_once()
    assert [c[TP] for c in harness.consumer.commits] == [2]
    harness.runner.close()
    assert harness.committed() == 3


def test_lag_gauge_is_reported_per_topic_and_group() -> None:
    harness = Harness(lambda e: None, max_records=1, lag_interval_s=0)
    for _ in range(3):
        harness.publish(division_event().to_bytes())
    harness.runner.run_once()
    assert metric("gridgov_consumer_lag_messages", topic=TOPIC, group=GROUP) == 2


def test_route_table_must_name_each_topic_once() -> None:
    broker = InMemoryBroker()
    with pytest.raises(ValueError, match="one route per topic"):
        ConsumerRunner(
            consumer=InMemoryConsumer(broker, GROUP),
            dlq_producer=InMemoryProducer(broker),
            group_id=GROUP,
            routes=[Route(TOPIC, lambda e: None), Route(TOPIC, lambda e: None)],
        )


def test_handlers_get_the_payload_as_its_contract_loaded_it() -> None:
    seen: list[Envelope] = []
    harness = Harness(seen.append)
    event = division_event()
    harness.publish(event.to_bytes())
    harness.runner.run_once()
    [handled] = seen
    assert handled.event_id == event.event_id
    assert handled.payload == validate_envelope(event)
