"""The small surface of kafka-python the platform uses, as Protocols.

The relay and the consumer runner depend on these, not on `KafkaProducer`/`KafkaConsumer`
directly, so unit tests can hand them the in-memory fake (`shared.kafka.inmemory`) and the
contract suite can prove the fake behaves like the real client on exactly this surface.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from kafka.structs import OffsetAndMetadata, TopicPartition

Headers = list[tuple[str, bytes]]


class SendFuture(Protocol):
    """What `send` returns: `get` blocks until the broker acknowledged, or raises."""

    def get(self, timeout: float | None = None) -> Any: ...


class Producer(Protocol):
    """The producing half (kafka-python `KafkaProducer` satisfies it)."""

    def send(
        self,
        topic: str,
        value: bytes | None = None,
        key: bytes | None = None,
        headers: Headers | None = None,
    ) -> SendFuture: ...

    def flush(self, timeout: float | None = None) -> None: ...

    def close(self, timeout: float | None = None) -> None: ...


class Record(Protocol):
    """A consumed record (kafka-python `ConsumerRecord` satisfies it)."""

    @property
    def topic(self) -> str: ...
    @property
    def partition(self) -> int: ...
    @property
    def offset(self) -> int: ...
    @property
    def key(self) -> bytes | None: ...
    @property
    def value(self) -> bytes | None: ...
    @property
    def headers(self) -> Sequence[tuple[str, bytes]]: ...


class Consumer(Protocol):
    """The consuming half (kafka-python `KafkaConsumer` with auto-commit off satisfies it)."""

    def subscribe(self, topics: Sequence[str]) -> None: ...

    def unsubscribe(self) -> None: ...

    def poll(
        self, timeout_ms: int = 0, max_records: int | None = None
    ) -> Mapping[TopicPartition, Sequence[Any]]: ...

    def commit(self, offsets: Mapping[TopicPartition, OffsetAndMetadata]) -> None: ...

    def pause(self, *partitions: TopicPartition) -> None: ...

    def resume(self, *partitions: TopicPartition) -> None: ...

    def paused(self) -> Iterable[TopicPartition]: ...

    def seek(self, partition: TopicPartition, offset: int) -> None: ...

    def assignment(self) -> Iterable[TopicPartition]: ...

    def highwater(self, partition: TopicPartition) -> int | None: ...

    def close(self, autocommit: bool = True) -> None: ...


def offset_to_commit(next_offset: int) -> OffsetAndMetadata:
    """Kafka commits the offset of the NEXT record to read, hence `next_offset`."""
    return OffsetAndMetadata(next_offset, "", -1)
