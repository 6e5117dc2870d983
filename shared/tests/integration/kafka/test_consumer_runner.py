"""ConsumerRunner against the real Kafka: DLQ with origin headers, DLQ limit, graceful stop."""

import os
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from kafka import KafkaConsumer
from kafka.structs import TopicPartition

from shared.events.envelope import Envelope
from shared.events.topics import dlq_name
from shared.kafka.consumer import ConsumerRunner, DlqLimit, DlqLimitExceeded, Route, make_consumer
from shared.kafka.producer import make_producer
from shared.tests.integration.kafka.helpers import division_created, read_all
from shared.tests.integration.stack import KAFKA_BOOTSTRAP, RUN_ID, TopicFactory

pytestmark = pytest.mark.integration


def produce(topic: str, values: list[bytes], key: bytes = b"t1:d1") -> None:
    producer = make_producer(KAFKA_BOOTSTRAP, client_id="it-seed")
    try:
        for value in values:
            producer.send(topic, value=value, key=key).get(timeout=10)
    finally:
        producer.close()


def runner_for(topic: str, handler: Any, group: str, **options: Any) -> ConsumerRunner:
    return ConsumerRunner(
        consumer=make_consumer(KAFKA_BOOTSTRAP, group_id=group, client_id="it-runner"),
        dlq_producer=make_producer(KAFKA_BOOTSTRAP, client_id="it-dlq"),
        group_id=group,
        routes=[Route(topic, handler)],
        poll_timeout_ms=300,
        **options,
    )


def committed(group: str, topic: str) -> int | None:
    consumer = KafkaConsumer(
        bootstrap_servers=KAFKA_BOOTSTRAP, group_id=group, enable_auto_commit=False
    )
    try:
        offset: int | None = consumer.committed(TopicPartition(topic, 0))
        return offset
    finally:
        consumer.close(autocommit=False)


def run_until(runner: ConsumerRunner, done: Any, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not done() and time.monotonic() < deadline:
        runner.run_once()


def test_poison_message_lands_in_the_dlq_with_origin_headers(make_topic: TopicFactory) -> None:
    topic = make_topic("poison")
    group = f"poison-{RUN_ID}"
    good = division_created("t1", "d1")
    produce(topic, [b"\x00not an envelope", good.to_bytes()], key=b"t1:d1")
    handled: list[str] = []
    runner = runner_for(topic, lambda e: handled.append(e.event_id), group)
    try:
        run_until(runner, lambda: handled)
    finally:
        runner.close()
    assert handled == [good.event_id]
    [dead] = read_all(dlq_name(topic), 1)
    headers = dict(dead.headers)
    assert dead.value == b"\x00not an envelope"
    assert dead.key == b"t1:d1"
    assert headers["dlq.original_topic"] == topic.encode()
    assert headers["dlq.original_partition"] == b"0"
    assert headers["dlq.original_offset"] == b"0"
    assert headers["dlq.original_key"] == b"t1:d1"
    assert headers["dlq.consumer_group"] == group.encode()
    assert headers["dlq.exception"] == b"InvalidMessage"
    assert headers["dlq.reason"]
    assert committed(group, topic) == 2


def test_dlq_limit_stops_the_runner(make_topic: TopicFactory) -> None:
    topic = make_topic("limit")
    group = f"limit-{RUN_ID}"
    produce(topic, [b"junk"] * 5)
    runner = runner_for(
        topic,
        lambda e: None,
        group,
        dlq_limit=DlqLimit(max_consecutive_invalid=2, max_invalid_ratio=None),
    )
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            runner.run()
        except DlqLimitExceeded as exc:
            outcome.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(timeout=30)
    if worker.is_alive():
        runner.stop()
        worker.join(timeout=10)
        pytest.fail("the runner did not stop on the DLQ limit")
    assert outcome
    assert isinstance(outcome[0], DlqLimitExceeded)
    assert len(read_all(dlq_name(topic), 2)) == 2
    assert committed(group, topic) == 2  # the third junk message waits for a fixed build


@pytest.fixture
def restore_signals() -> Iterator[None]:
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


@pytest.mark.usefixtures("restore_signals")
def test_sigterm_style_stop_commits_and_closes(make_topic: TopicFactory) -> None:
    topic = make_topic("sigterm")
    group = f"sigterm-{RUN_ID}-{uuid.uuid4().hex[:4]}"
    events = [division_created("t1", f"d{i}") for i in range(3)]
    produce(topic, [e.to_bytes() for e in events])
    handled: list[str] = []

    def handle(envelope: Envelope) -> None:
        os.kill(os.getpid(), signal.SIGTERM)  # arrives while this message is being handled
        time.sleep(0.05)
        handled.append(envelope.event_id)

    runner = runner_for(topic, handle, group, commit_interval_s=3600)
    runner.install_signal_handlers()
    runner.run()  # returns once SIGTERM was handled
    assert handled == [events[0].event_id]
    assert committed(group, topic) == 1
    assert runner._consumer._closed  # type: ignore[attr-defined]

    rest: list[str] = []
    follower = runner_for(topic, lambda e: rest.append(e.event_id), group)
    try:
        run_until(follower, lambda: len(rest) >= 2)
    finally:
        follower.close()
    assert rest == [events[1].event_id, events[2].event_id]
