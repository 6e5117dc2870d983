"""One contract test suite for the Kafka surface the platform uses (arroyo's backends/mixins).

`BrokerContract` is a mixin: a subclass provides the backend (the in-memory fake in the unit
tests, real Kafka in the integration tests) and inherits every test, so the fake cannot claim
behaviour the real client lacks. Only the `shared.kafka.clients` Protocols are exercised.
"""

from __future__ import annotations

import time
import uuid
from abc import ABC, abstractmethod
from typing import Any

import pytest
from kafka.structs import TopicPartition

from shared.kafka.clients import Consumer, Producer, offset_to_commit


class BrokerContract(ABC):
    """Tests every backend must pass; subclasses implement the four hooks."""

    poll_deadline_s = 1.0

    @abstractmethod
    def create_topic(self, name: str, partitions: int) -> None: ...

    @abstractmethod
    def make_producer(self) -> Producer: ...

    @abstractmethod
    def make_consumer(self, group: str, topics: list[str]) -> Consumer: ...

    def new_topic(self, partitions: int = 1) -> str:
        name = f"contract.{uuid.uuid4().hex[:12]}"
        self.create_topic(name, partitions)
        return name

    def consume(self, consumer: Consumer, count: int) -> list[Any]:
        """Poll until `count` records arrived or the deadline passed."""
        got: list[Any] = []
        deadline = time.monotonic() + self.poll_deadline_s
        while len(got) < count and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=200, max_records=count - len(got)).values():
                got.extend(records)
        return got

    def send(self, producer: Producer, topic: str, value: bytes, key: bytes, **kw: Any) -> None:
        producer.send(topic, value=value, key=key, **kw).get(timeout=10)

    # -- the contract ------------------------------------------------------------------------

    def test_round_trip_keeps_value_key_and_headers(self) -> None:
        topic = self.new_topic()
        producer = self.make_producer()
        self.send(producer, topic, b"v1", b"t1:a", headers=[("event_id", b"e1")])
        consumer = self.make_consumer("g-roundtrip", [topic])
        try:
            [record] = self.consume(consumer, 1)
        finally:
            consumer.close(autocommit=False)
            producer.close()
        assert (record.topic, record.value, record.key) == (topic, b"v1", b"t1:a")
        assert ("event_id", b"e1") in list(record.headers)

    def test_same_key_lands_on_one_partition_in_order(self) -> None:
        topic = self.new_topic(partitions=3)
        producer = self.make_producer()
        for i in range(10):
            self.send(producer, topic, str(i).encode(), b"t1:agg")
        consumer = self.make_consumer("g-order", [topic])
        try:
            records = self.consume(consumer, 10)
        finally:
            consumer.close(autocommit=False)
            producer.close()
        assert [r.value for r in records] == [str(i).encode() for i in range(10)]
        assert len({r.partition for r in records}) == 1

    def test_next_consumer_of_the_group_starts_at_the_commit(self) -> None:
        topic = self.new_topic()
        producer = self.make_producer()
        for i in range(4):
            self.send(producer, topic, str(i).encode(), b"k")
        producer.close()
        first = self.make_consumer("g-commit", [topic])
        records = self.consume(first, 4)
        assert len(records) == 4
        first.commit({TopicPartition(topic, 0): offset_to_commit(records[1].offset + 1)})
        first.close(autocommit=False)
        second = self.make_consumer("g-commit", [topic])
        try:
            resumed = self.consume(second, 2)
        finally:
            second.close(autocommit=False)
        assert [r.value for r in resumed] == [b"2", b"3"]

    def test_uncommitted_work_is_redelivered_to_the_next_consumer(self) -> None:
        topic = self.new_topic()
        producer = self.make_producer()
        self.send(producer, topic, b"only", b"k")
        producer.close()
        first = self.make_consumer("g-nocommit", [topic])
        assert len(self.consume(first, 1)) == 1
        first.close(autocommit=False)
        second = self.make_consumer("g-nocommit", [topic])
        try:
            assert [r.value for r in self.consume(second, 1)] == [b"only"]
        finally:
            second.close(autocommit=False)

    def test_pause_withholds_and_seek_then_resume_redelivers(self) -> None:
        topic = self.new_topic()
        producer = self.make_producer()
        self.send(producer, topic, b"a", b"k")
        consumer = self.make_consumer("g-pause", [topic])
        try:
            [first] = self.consume(consumer, 1)
            tp = TopicPartition(topic, first.partition)
            consumer.seek(tp, first.offset)
            consumer.pause(tp)
            assert tp in set(consumer.paused())
            self.send(producer, topic, b"b", b"k")
            assert self.consume(consumer, 1) == []
            consumer.resume(tp)
            assert tp not in set(consumer.paused())
            again = self.consume(consumer, 2)
        finally:
            consumer.close(autocommit=False)
            producer.close()
        assert [r.value for r in again] == [b"a", b"b"]

    def test_highwater_is_the_next_offset_to_be_written(self) -> None:
        topic = self.new_topic()
        producer = self.make_producer()
        for value in (b"1", b"2", b"3"):
            self.send(producer, topic, value, b"k")
        consumer = self.make_consumer("g-hw", [topic])
        try:
            records = self.consume(consumer, 3)
            assert consumer.highwater(TopicPartition(topic, records[0].partition)) == 3
        finally:
            consumer.close(autocommit=False)
            producer.close()

    def test_sending_to_a_missing_topic_fails_instead_of_creating_it(self) -> None:
        producer = self.make_producer()
        missing = f"contract.missing.{uuid.uuid4().hex[:12]}"
        try:
            with pytest.raises(Exception) as info:  # noqa: PT011 - backends differ in the class
                producer.send(missing, value=b"x", key=b"k").get(timeout=10)
        finally:
            producer.close()
        assert (
            "KafkaTimeoutError" in type(info.value).__name__ or "Topic" in type(info.value).__name__
        )
