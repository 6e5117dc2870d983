"""Watch Kafka topics from "now" in cross-service tests: what did this test's actions publish?

`TopicTail` assigns itself every partition of the given topics (no consumer group, nothing
committed), remembers the end offsets when it is created, and collects the envelopes published
after that. `wait_for` keeps reading a little past the moment the expectation is met, so a
duplicate published by a retry would still be seen: "appears once" is asserted, not assumed.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from shared.events.envelope import Envelope

BOOTSTRAP = f"127.0.0.1:{os.environ.get('KAFKA_PORT', '9092')}"


class TopicTail:
    def __init__(self, topics: Iterable[str], *, bootstrap: str = BOOTSTRAP) -> None:
        self._consumer: Any = KafkaConsumer(
            bootstrap_servers=bootstrap,
            group_id=None,
            enable_auto_commit=False,
            consumer_timeout_ms=200,
        )
        partitions = [
            TopicPartition(topic, partition)
            for topic in topics
            for partition in sorted(self._consumer.partitions_for_topic(topic) or ())
        ]
        if not partitions:
            raise RuntimeError(f"no partitions found for {list(topics)}; is Kafka up?")
        self._consumer.assign(partitions)
        self._consumer.seek_to_end(*partitions)
        for partition in partitions:  # resolve the lazy seek now, before the test acts
            self._consumer.position(partition)
        self.seen: list[tuple[str, Envelope]] = []

    def _drain(self) -> None:
        batches = self._consumer.poll(timeout_ms=200, max_records=500)
        for records in batches.values():
            for record in records:
                self.seen.append((record.topic, Envelope.parse(record.value)))

    def wait_for(
        self,
        predicate: Callable[[str, Envelope], bool],
        *,
        count: int,
        timeout: float = 30.0,
        settle: float = 2.0,
    ) -> list[tuple[str, Envelope]]:
        """Every (topic, envelope) matching ``predicate``, once ``count`` arrived (or timeout)
        and ``settle`` more seconds passed without new matches."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._drain()
            if len(self.matching(predicate)) >= count:
                break
        settle_until = time.monotonic() + settle
        while time.monotonic() < settle_until:
            self._drain()
        return self.matching(predicate)

    def matching(self, predicate: Callable[[str, Envelope], bool]) -> list[tuple[str, Envelope]]:
        return [(topic, envelope) for topic, envelope in self.seen if predicate(topic, envelope)]

    def close(self) -> None:
        self._consumer.close()
