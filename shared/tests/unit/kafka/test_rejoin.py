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


class FlakyCommitConsumer(InMemoryConsumer):
    """Commits fail while ``down`` is set, as they do while the broker restarts."""

    down = False

    def commit(self, offsets=None):  # type: ignore[no-untyped-def]
        if self.down:
            from kafka.errors import KafkaConnectionError

            raise KafkaConnectionError("111 ECONNREFUSED")
        return super().commit(offsets)


def test_a_commit_during_a_broker_outage_is_kept_and_retried() -> None:
    from shared.events.envelope import Envelope

    broker = InMemoryBroker()
    broker.create_topic("t", partitions=1)
    consumer = FlakyCommitConsumer(broker, "g")
    seen: list[str] = []
    runner = ConsumerRunner(
        consumer=consumer,
        dlq_producer=InMemoryProducer(broker),
        group_id="g",
        routes=[Route("t", lambda envelope: seen.append(envelope.event_id))],
        validate_contracts=False,
        commit_interval_s=0,
    )
    message = Envelope.new(type="x", version=1, tenant_id="t1", producer="p", payload={})
    InMemoryProducer(broker).send("t", value=message.to_bytes(), key=b"t1:a")

    consumer.down = True
    runner.run_once()  # handled, commit fails: no crash
    assert seen == [message.event_id]
    assert broker.committed("g", next(iter(consumer.assignment()))) in (None, 0)

    consumer.down = False
    runner.run_once()
    assert broker.committed("g", next(iter(consumer.assignment()))) == 1
