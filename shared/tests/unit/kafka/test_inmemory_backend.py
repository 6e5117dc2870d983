"""The broker contract suite against the in-memory fake used by the other unit tests."""

import pytest

from shared.kafka.clients import Consumer, Producer
from shared.kafka.inmemory import InMemoryBroker, InMemoryConsumer, InMemoryProducer
from shared.tests.kafka_contract import BrokerContract


class TestInMemoryBroker(BrokerContract):
    @pytest.fixture(autouse=True)
    def _broker(self) -> None:
        self.broker = InMemoryBroker()

    def create_topic(self, name: str, partitions: int) -> None:
        self.broker.create_topic(name, partitions)

    def make_producer(self) -> Producer:
        return InMemoryProducer(self.broker)

    def make_consumer(self, group: str, topics: list[str]) -> Consumer:
        consumer = InMemoryConsumer(self.broker, group)
        consumer.subscribe(topics)
        return consumer


def test_unavailable_broker_fails_the_ack_not_the_send() -> None:
    broker = InMemoryBroker()
    broker.create_topic("t")
    broker.available = False
    future = InMemoryProducer(broker).send("t", value=b"x", key=b"k")
    with pytest.raises(Exception, match="unavailable"):
        future.get()
    assert broker.all_records("t") == []
