"""The DLQ tool against real Kafka: a consumer stops at its DLQ limit in a poison burst, the
tool diverts the rest past the stopped group and replays the valid ones, each handled once."""

from __future__ import annotations

import io
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from shared.events.envelope import Envelope
from shared.kafka import dlq
from shared.kafka.consumer import ConsumerRunner, DlqLimit, DlqLimitExceeded, Route, make_consumer
from shared.kafka.producer import make_producer
from shared.testing.poison import burst
from shared.tests.integration.stack import KAFKA_BOOTSTRAP, TopicFactory

pytestmark = pytest.mark.integration

LIMIT = DlqLimit(max_invalid_ratio=0.5, min_messages=10, window=50)


class Consumer:
    """A `ConsumerRunner` on a thread, recording the event ids it handled."""

    def __init__(self, topic: str, group: str) -> None:
        self.handled: list[str] = []
        self.error: BaseException | None = None
        self.runner = ConsumerRunner(
            consumer=make_consumer(KAFKA_BOOTSTRAP, group_id=group, client_id=f"{group}-c"),
            dlq_producer=make_producer(KAFKA_BOOTSTRAP, client_id=f"{group}-dlq"),
            group_id=group,
            routes=[Route(topic, self.handle)],
            dlq_limit=LIMIT,
            commit_interval_s=0.2,
            poll_timeout_ms=200,
        )
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def handle(self, envelope: Envelope) -> None:
        self.handled.append(envelope.event_id)

    def _run(self) -> None:
        try:
            self.runner.run()
        except BaseException as exc:
            self.error = exc

    def stop(self) -> None:
        self.runner.stop()
        self.thread.join(timeout=30)


@pytest.fixture
def consumers() -> Iterator[Callable[[str, str], Consumer]]:
    started: list[Consumer] = []

    def start(topic: str, group: str) -> Consumer:
        started.append(Consumer(topic, group))
        return started[-1]

    yield start
    for consumer in started:
        consumer.stop()


def tool(*argv: str) -> tuple[int, Any]:
    out, err = io.StringIO(), io.StringIO()
    code = dlq.run([*argv, "--bootstrap", KAFKA_BOOTSTRAP, "--json"], out=out, err=err)
    return code, json.loads(out.getvalue()) if code == 0 else err.getvalue()


def wait_for(predicate: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_a_stopped_group_is_diverted_past_a_burst_and_the_valid_ones_replayed_once(
    make_topic: TopicFactory, consumers: Callable[[str, str], Consumer]
) -> None:
    topic = make_topic("dlq-burst", partitions=3)
    group = f"it-dlq-{uuid.uuid4().hex[:6]}"
    messages, events = burst("t-it-dlq", poison_per_kind=6, valid=12)
    producer = make_producer(KAFKA_BOOTSTRAP, client_id="it-dlq-burst")
    for key, value in messages:
        producer.send(topic, value=value, key=key)
    producer.flush(timeout=30)
    producer.close()

    first = consumers(topic, group)
    wait_for(lambda: not first.thread.is_alive())
    assert isinstance(first.error, DlqLimitExceeded)
    code, counted = tool("count", "--topic", topic, "--by", "group")
    assert code == 0
    dead_lettered_by_consumer = counted["total"]
    assert 0 < dead_lettered_by_consumer < 60

    code, diverted = tool("divert", "--topic", topic, "--group", group)
    assert code == 0, diverted
    assert diverted["diverted"] + dead_lettered_by_consumer + len(first.handled) == len(messages)
    assert diverted["valid"] == len(events) - len(first.handled)

    second = consumers(topic, group)
    code, dry = tool("replay", "--topic", topic, "--only-valid", "--dry-run")
    assert (code, dry["replayed"], dry["invalid_kept"]) == (0, diverted["valid"], 60)
    code, replayed = tool("replay", "--topic", topic, "--only-valid")
    assert (code, replayed["replayed"]) == (0, diverted["valid"])

    everything = sorted(e.event_id for e in events)
    wait_for(lambda: sorted(first.handled + second.handled) == everything)
    time.sleep(2)  # a duplicate delivery would land meanwhile
    assert sorted(first.handled + second.handled) == everything
    assert second.error is None

    code, again = tool("replay", "--topic", topic, "--only-valid")
    assert (code, again["replayed"], again["already_replayed"]) == (0, 0, diverted["valid"])
    code, refused = tool("divert", "--topic", topic, "--group", group)
    assert code == 1
    assert "GroupNotIdle" in refused
