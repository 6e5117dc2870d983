"""Small helpers shared by the Kafka integration tests."""

from __future__ import annotations

import time
import uuid
from typing import Any

from kafka import KafkaConsumer

from shared.testing.poison import division_created
from shared.tests.integration.stack import KAFKA_BOOTSTRAP

__all__ = ["division_created", "read_all"]


def read_all(topic: str, expected: int, timeout_s: float = 20.0) -> list[Any]:
    """Read `topic` from the beginning with a throwaway group until `expected` records."""
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=KAFKA_BOOTSTRAP,
        group_id=f"reader-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    records: list[Any] = []
    deadline = time.monotonic() + timeout_s
    try:
        while len(records) < expected and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=300).values():
                records.extend(batch)
        # one more short poll so an unexpected extra record is seen too
        for batch in consumer.poll(timeout_ms=500).values():
            records.extend(batch)
    finally:
        consumer.close(autocommit=False)
    return records
