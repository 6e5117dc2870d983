import os
import signal
import threading
import time
from collections.abc import Iterator
from typing import Any, ClassVar

import mongoengine as me
import pytest
from prometheus_client import REGISTRY

from shared.events.envelope import Envelope
from shared.kafka.consumer import ConsumerRunner, Route
from shared.kafka.inmemory import InMemoryBroker, InMemoryConsumer, InMemoryProducer
from shared.kafka.outbox import OutboxRelay
from shared.kafka.worker import run_worker
from shared.mongo.documents import TenantDocument
from shared.tests.unit.kafka.test_consumer import division_event


class Thing(TenantDocument):
    label = me.StringField()
    meta: ClassVar[dict[str, Any]] = {"collection": "unit_worker_things"}


class IdleRelay(OutboxRelay):
    """A relay whose loop only waits for stop() (no Mongo in unit tests)."""

    def __init__(self, fail: bool = False) -> None:
        super().__init__(documents=[Thing], producer_factory=lambda: pytest.fail("unused"))
        self.fail = fail
        self.stopped = False

    def run(self) -> None:
        if self.fail:
            raise RuntimeError("relay bug")
        self._stopping.wait()
        self.stopped = True


@pytest.fixture(autouse=True)
def restore_signals() -> Iterator[None]:
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def make_runner(broker: InMemoryBroker, handler: Any) -> tuple[ConsumerRunner, InMemoryConsumer]:
    broker.create_topic("w")
    broker.create_topic("w.dlq")
    consumer = InMemoryConsumer(broker, "g")
    runner = ConsumerRunner(
        consumer=consumer,
        dlq_producer=InMemoryProducer(broker),
        group_id="g",
        routes=[Route("w", handler)],
        poll_timeout_ms=0,
    )
    return runner, consumer


def test_sigterm_stops_the_runner_and_the_relay() -> None:
    broker = InMemoryBroker()
    handled: list[str] = []

    def handle(envelope: Envelope) -> None:
        handled.append(envelope.event_id)
        os.kill(os.getpid(), signal.SIGTERM)

    runner, consumer = make_runner(broker, handle)
    broker.append("w", division_event().to_bytes(), b"k", [])
    relay = IdleRelay()
    run_worker(relay=relay, runner=runner, join_timeout_s=5)
    assert len(handled) == 1
    assert consumer.closed
    assert relay.stopped


def test_a_crashing_relay_stops_the_worker_and_propagates() -> None:
    runner, consumer = make_runner(InMemoryBroker(), lambda e: None)
    with pytest.raises(RuntimeError, match="relay bug"):
        run_worker(relay=IdleRelay(fail=True), runner=runner, join_timeout_s=5)
    assert consumer.closed


def test_nothing_to_run_is_an_error() -> None:
    with pytest.raises(ValueError, match="nothing to run"):
        run_worker(relay=None, runner=None)


def stopped_gauge(group: str) -> float | None:
    return REGISTRY.get_sample_value(
        "gridgov_consumer_stopped", {"group": group, "reason": "dlq_limit"}
    )


def test_a_runner_stopped_by_its_dlq_limit_leaves_the_worker_up_until_sigterm() -> None:
    broker = InMemoryBroker()
    runner, consumer = make_runner(broker, lambda e: None)
    assert stopped_gauge("g") == 0
    for _ in range(30):
        broker.append("w", b"not an envelope", b"k", [])
    relay = IdleRelay()
    seen: dict[str, object] = {}

    def operator() -> None:
        deadline = time.monotonic() + 5
        while stopped_gauge("g") != 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.1)  # still up a little later
        seen.update(
            gauge=stopped_gauge("g"),
            consumer_closed=consumer.closed,
            relay_running=not relay.stopped,
        )
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=operator, daemon=True).start()
    run_worker(relay=relay, runner=runner, join_timeout_s=5)

    assert seen == {"gauge": 1, "consumer_closed": True, "relay_running": True}
    assert relay.stopped
    assert len(broker.all_records("w.dlq")) == 19  # the limit's 20th was neither sent nor committed
