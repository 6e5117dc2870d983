"""The broker contract suite against the real local Kafka (same tests as the in-memory fake)."""

import uuid
from collections.abc import Iterator

import pytest

from shared.kafka.admin import create_topics, delete_topics
from shared.kafka.clients import Consumer, Producer
from shared.kafka.consumer import make_consumer
from shared.kafka.producer import make_producer
from shared.tests.integration.stack import KAFKA_BOOTSTRAP, RUN_ID
from shared.tests.kafka_contract import BrokerContract

pytestmark = pytest.mark.integration


class TestRealKafka(BrokerContract):
    poll_deadline_s = 20.0

    @pytest.fixture(autouse=True)
    def _isolation(self) -> Iterator[None]:
        self.suffix = f"{RUN_ID}-{uuid.uuid4().hex[:6]}"
        self.created: list[str] = []
        yield
        if self.created:
            delete_topics(KAFKA_BOOTSTRAP, self.created)

    def new_topic(self, partitions: int = 1) -> str:
        name = f"it.{RUN_ID}.contract.{uuid.uuid4().hex[:8]}"
        self.create_topic(name, partitions)
        self.created.append(name)
        return name

    def create_topic(self, name: str, partitions: int) -> None:
        create_topics(
            KAFKA_BOOTSTRAP, {name: {"num_partitions": partitions, "replication_factor": 1}}
        )

    def make_producer(self) -> Producer:
        producer: Producer = make_producer(
            KAFKA_BOOTSTRAP, client_id="it-contract", max_block_ms=3000
        )
        return producer

    def make_consumer(self, group: str, topics: list[str]) -> Consumer:
        consumer: Consumer = make_consumer(
            KAFKA_BOOTSTRAP, group_id=f"{group}-{self.suffix}", client_id="it-contract"
        )
        consumer.subscribe(topics)
        return consumer
