"""Kafka for the platform: producer factory, outbox relay, consumer runner, topic admin.

Built on kafka-python 3.0.12. Every service worker runs an `OutboxRelay` (publishes the events
stored in its documents) and a `ConsumerRunner` (its route table of topic -> handler).
"""

from shared.kafka.admin import KafkaHealth, ensure_topics
from shared.kafka.consumer import (
    ConsumerRunner,
    DlqLimit,
    DlqLimitExceeded,
    MessageRejected,
    NonRetryableError,
    Route,
    make_consumer,
)
from shared.kafka.outbox import OutboxPublishError, OutboxRelay
from shared.kafka.producer import make_producer
from shared.kafka.worker import run_worker

__all__ = [
    "ConsumerRunner",
    "DlqLimit",
    "DlqLimitExceeded",
    "KafkaHealth",
    "MessageRejected",
    "NonRetryableError",
    "OutboxPublishError",
    "OutboxRelay",
    "Route",
    "ensure_topics",
    "make_consumer",
    "make_producer",
    "run_worker",
]
