"""The one way to build a Kafka producer: idempotent, acks=all, bounded in time."""

from __future__ import annotations

from typing import Any

from kafka import KafkaProducer


def make_producer(
    bootstrap_servers: str,
    *,
    client_id: str,
    linger_ms: int = 5,
    batch_size: int = 64 * 1024,
    request_timeout_ms: int = 10_000,
    delivery_timeout_ms: int = 30_000,
    max_block_ms: int = 10_000,
    bootstrap_timeout_ms: int = 10_000,
    **overrides: Any,
) -> KafkaProducer:
    """A `KafkaProducer` safe for the outbox relay, the DLQ and Kafka-first APIs.

    - `enable_idempotence=True`, `acks="all"`: a retried send is written once, in order (with at
      most 5 requests in flight, which idempotence keeps ordered per partition).
    - Bounded: a send is given up after `delivery_timeout_ms` (its future fails, the outbox
      keeps the entry); `send()` blocks at most `max_block_ms` for metadata/buffer space; the
      constructor waits at most `bootstrap_timeout_ms` for a broker and raises
      `kafka.errors.KafkaTimeoutError` if none answers (callers retry with backoff).
    - `linger_ms`/`batch_size`: a few milliseconds of batching, which the relay's bursts use.
    - No topic auto-creation: topics exist because `ensure_topics` created them.
    """
    config: dict[str, Any] = {
        "bootstrap_servers": bootstrap_servers,
        "client_id": client_id,
        "enable_idempotence": True,
        "acks": "all",
        "retries": 10,
        "max_in_flight_requests_per_connection": 5,
        "linger_ms": linger_ms,
        "batch_size": batch_size,
        "request_timeout_ms": request_timeout_ms,
        "delivery_timeout_ms": delivery_timeout_ms,
        "max_block_ms": max_block_ms,
        "bootstrap_timeout_ms": bootstrap_timeout_ms,
        "allow_auto_create_topics": False,
        "retry_backoff_ms": 200,
        "reconnect_backoff_max_ms": 5_000,
    }
    config.update(overrides)
    return KafkaProducer(**config)
