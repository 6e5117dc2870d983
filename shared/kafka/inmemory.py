"""An in-memory broker with a fake producer and consumer. FOR UNIT TESTS ONLY.

It implements the `shared.kafka.clients` Protocols with the semantics the platform relies on
(per-partition order, key-based partitioning, committed offsets per group, pause/resume/seek,
no auto-creation of topics, acknowledgements that can fail), and the same contract test suite
runs against it and against real Kafka so the two cannot drift. One consumer per group owns
every partition (no rebalancing): enough for unit tests, never for production.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import KafkaTimeoutError, UnknownTopicOrPartitionError
from kafka.structs import OffsetAndMetadata, TopicPartition

from shared.kafka.clients import Headers


@dataclass
class _Log:
    partitions: list[list[ConsumerRecord]] = field(default_factory=list)


class InMemoryBroker:
    """Topics, partitions and committed offsets held in memory; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._topics: dict[str, _Log] = {}
        self._committed: dict[tuple[str, TopicPartition], int] = {}
        self.available = True  # False simulates a broker outage: sends fail

    def create_topic(self, name: str, partitions: int = 1) -> None:
        """Create `name` with `partitions` partitions (no-op if it exists)."""
        with self._lock:
            self._topics.setdefault(name, _Log([[] for _ in range(partitions)]))

    def topics(self) -> set[str]:
        with self._lock:
            return set(self._topics)

    def partitions_for(self, topic: str) -> int:
        with self._lock:
            return len(self._topics[topic].partitions)

    def append(
        self, topic: str, value: bytes | None, key: bytes | None, headers: Headers
    ) -> tuple[int, int]:
        """Store one record; returns (partition, offset). Raises like a broker would."""
        with self._lock:
            if not self.available:
                raise KafkaTimeoutError("in-memory broker is unavailable")
            log = self._topics.get(topic)
            if log is None:
                raise UnknownTopicOrPartitionError(topic)
            # Same key -> same partition, the only property the platform depends on.
            partition = (zlib.crc32(key) if key is not None else 0) % len(log.partitions)
            records = log.partitions[partition]
            offset = len(records)
            records.append(
                ConsumerRecord(
                    topic,
                    partition,
                    -1,
                    offset,
                    0,
                    0,
                    key,
                    value,
                    list(headers),
                    None,
                    -1,
                    -1,
                    -1,
                )
            )
            return partition, offset

    def records(self, topic: str, partition: int = 0) -> list[ConsumerRecord]:
        """Everything stored in one partition (test inspection)."""
        with self._lock:
            return list(self._topics[topic].partitions[partition])

    def all_records(self, topic: str) -> list[ConsumerRecord]:
        """Every record of `topic`, partition by partition."""
        with self._lock:
            return [r for part in self._topics[topic].partitions for r in part]

    def committed(self, group: str, tp: TopicPartition) -> int | None:
        with self._lock:
            return self._committed.get((group, tp))

    def _commit(self, group: str, tp: TopicPartition, offset: int) -> None:
        with self._lock:
            self._committed[(group, tp)] = offset

    def _slice(self, tp: TopicPartition, start: int, limit: int) -> list[ConsumerRecord]:
        with self._lock:
            return list(self._topics[tp.topic].partitions[tp.partition][start : start + limit])

    def _end(self, tp: TopicPartition) -> int:
        with self._lock:
            return len(self._topics[tp.topic].partitions[tp.partition])


class _Acked:
    def __init__(self, value: Any = None, error: BaseException | None = None) -> None:
        self._value = value
        self._error = error

    def get(self, timeout: float | None = None) -> Any:
        if self._error is not None:
            raise self._error
        return self._value


class InMemoryProducer:
    """Producer on an `InMemoryBroker`: a send is acknowledged (or failed) immediately."""

    def __init__(self, broker: InMemoryBroker) -> None:
        self.broker = broker
        self.closed = False
        self.sent = 0

    def send(
        self,
        topic: str,
        value: bytes | None = None,
        key: bytes | None = None,
        headers: Headers | None = None,
    ) -> _Acked:
        if self.closed:
            raise RuntimeError("producer is closed")
        try:
            partition, offset = self.broker.append(topic, value, key, list(headers or []))
        except (KafkaTimeoutError, UnknownTopicOrPartitionError) as exc:
            return _Acked(error=exc)
        self.sent += 1
        return _Acked(value=(topic, partition, offset))

    def flush(self, timeout: float | None = None) -> None:
        return None

    def close(self, timeout: float | None = None) -> None:
        self.closed = True


class InMemoryConsumer:
    """Consumer on an `InMemoryBroker`; starts at the group's committed offset or earliest."""

    def __init__(self, broker: InMemoryBroker, group_id: str) -> None:
        self.broker = broker
        self.group_id = group_id
        self.closed = False
        self.commits: list[dict[TopicPartition, int]] = []
        self._positions: dict[TopicPartition, int] = {}
        self._paused: set[TopicPartition] = set()

    def subscribe(self, topics: Sequence[str]) -> None:
        for topic in topics:
            for partition in range(self.broker.partitions_for(topic)):
                tp = TopicPartition(topic, partition)
                self._positions[tp] = self.broker.committed(self.group_id, tp) or 0

    def unsubscribe(self) -> None:
        self._positions.clear()
        self._paused.clear()

    def poll(
        self, timeout_ms: int = 0, max_records: int | None = None
    ) -> Mapping[TopicPartition, Sequence[ConsumerRecord]]:
        self._check_open()
        budget = max_records if max_records is not None else 500
        out: dict[TopicPartition, list[ConsumerRecord]] = {}
        for tp, position in sorted(self._positions.items()):
            if budget <= 0:
                break
            if tp in self._paused:
                continue
            records = self.broker._slice(tp, position, budget)
            if records:
                out[tp] = records
                self._positions[tp] = records[-1].offset + 1
                budget -= len(records)
        return out

    def commit(self, offsets: Mapping[TopicPartition, OffsetAndMetadata]) -> None:
        self._check_open()
        for tp, meta in offsets.items():
            self.broker._commit(self.group_id, tp, meta.offset)
        self.commits.append({tp: meta.offset for tp, meta in offsets.items()})

    def pause(self, *partitions: TopicPartition) -> None:
        self._paused.update(partitions)

    def resume(self, *partitions: TopicPartition) -> None:
        self._paused.difference_update(partitions)

    def paused(self) -> set[TopicPartition]:
        return set(self._paused)

    def seek(self, partition: TopicPartition, offset: int) -> None:
        if partition not in self._positions:
            raise ValueError(f"{partition} is not assigned")
        self._positions[partition] = offset

    def assignment(self) -> set[TopicPartition]:
        return set(self._positions)

    def position(self, partition: TopicPartition) -> int:
        return self._positions[partition]

    def highwater(self, partition: TopicPartition) -> int | None:
        return self.broker._end(partition)

    def close(self, autocommit: bool = True) -> None:
        self.closed = True

    def _check_open(self) -> None:
        if self.closed:
            raise RuntimeError("consumer is closed")
