"""The runner re-joins its group when it is left without partitions for too long."""

from __future__ import annotations

from shared.kafka import ConsumerRunner, Route
from shared.kafka.inmemory import InMemoryBroker, InMemoryConsumer, InMemoryProducer


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_an_empty_assignment_is_rejoined_after_the_grace_period() -> None:
    broker = InMemoryBroker()
    broker.create_topic("t", partitions=1)
    consumer = InMemoryConsumer(broker, "g")
    clock = Clock()
    runner = ConsumerRunner(
        consumer=consumer,
        dlq_producer=InMemoryProducer(broker),
        group_id="g",
        routes=[Route("t", lambda envelope: None)],
        rejoin_after_s=20,
        clock=clock,
        validate_contracts=False,
    )
    runner.run_once()
    assert consumer.assignment()

    consumer.unsubscribe()  # what a rebalance without partition metadata leaves behind
    runner.run_once()
    clock.now = 19
    runner.run_once()
    assert not consumer.assignment()

    clock.now = 21
    runner.run_once()
    assert consumer.assignment()
