"""The point stream's producer: made once per process, even by many threads at once, made
again after a fork, and every Kafka failure a 503 rather than a 500."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from kafka.errors import KafkaTimeoutError, NotLeaderForPartitionError

from services.patrol_tracking.repository import stream as module
from services.patrol_tracking.repository.stream import KafkaPointStream
from shared.errors import DependencyUnavailable
from shared.kafka.direct import DirectMessage

MESSAGE = DirectMessage(
    topic="gridgov.patrol.points", key=b"t:w", value=b"{}", headers=[], event_id="e"
)


class Acknowledged:
    def get(self, timeout: float | None = None) -> Any:
        return "metadata"


class Failed:
    def __init__(self, error: Exception) -> None:
        self.error = error

    def get(self, timeout: float | None = None) -> Any:
        raise self.error


class FakeProducer:
    def __init__(self, outcome: Any = None) -> None:
        self.sent: list[tuple[str, bytes | None, bytes | None]] = []
        self.outcome = outcome or Acknowledged()

    def send(self, topic: str, value: bytes | None = None, key: bytes | None = None, **_: Any):
        self.sent.append((topic, key, value))
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome

    def flush(self, timeout: float | None = None) -> None:
        return None

    def close(self, timeout: float | None = None) -> None:
        return None


class CountingFactory:
    def __init__(self, outcome: Any = None) -> None:
        self.made: list[FakeProducer] = []
        self.outcome = outcome
        self._lock = threading.Lock()
        self.release = threading.Event()

    def __call__(self) -> FakeProducer:
        self.release.wait(timeout=5)  # every thread reaches the first publish together
        producer = FakeProducer(self.outcome)
        with self._lock:
            self.made.append(producer)
        return producer


def test_threads_publishing_first_together_share_one_producer() -> None:
    factory = CountingFactory()
    stream = KafkaPointStream(factory, ack_timeout_s=1)
    threads = [threading.Thread(target=stream.publish, args=(MESSAGE,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    factory.release.set()
    for thread in threads:
        thread.join(timeout=5)
    assert len(factory.made) == 1
    assert len(factory.made[0].sent) == 8
    assert factory.made[0].sent[0] == ("gridgov.patrol.points", b"t:w", b"{}")


def test_a_forked_process_makes_its_own_producer(monkeypatch: pytest.MonkeyPatch) -> None:
    factory = CountingFactory()
    factory.release.set()
    stream = KafkaPointStream(factory, ack_timeout_s=1)
    stream.publish(MESSAGE)
    monkeypatch.setattr(module.os, "getpid", lambda: -42)
    stream.publish(MESSAGE)
    stream.publish(MESSAGE)
    assert [len(producer.sent) for producer in factory.made] == [1, 2]


@pytest.mark.parametrize(
    "outcome",
    [
        Failed(KafkaTimeoutError("no acknowledgement")),
        Failed(NotLeaderForPartitionError()),
        KafkaTimeoutError("metadata not available within max_block_ms"),
    ],
)
def test_every_kafka_failure_is_a_dependency_unavailable(outcome: Any) -> None:
    factory = CountingFactory(outcome)
    factory.release.set()
    with pytest.raises(DependencyUnavailable, match="Kafka"):
        KafkaPointStream(factory, ack_timeout_s=1).publish(MESSAGE)


def test_a_producer_that_cannot_start_is_tried_again_on_the_next_upload() -> None:
    attempts: list[int] = []

    def factory() -> FakeProducer:
        attempts.append(1)
        if len(attempts) == 1:
            raise KafkaTimeoutError("no broker within bootstrap_timeout_ms")
        return FakeProducer()

    stream = KafkaPointStream(factory, ack_timeout_s=1)
    with pytest.raises(DependencyUnavailable, match="broker"):
        stream.publish(MESSAGE)
    stream.publish(MESSAGE)
    assert len(attempts) == 2
