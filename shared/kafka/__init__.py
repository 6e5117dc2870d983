"""Kafka for the platform: producer factory, outbox relay, consumer runner, topic admin.

Built on kafka-python 3.0.12. Every service worker runs an `OutboxRelay` (publishes the events
stored in its documents) and a `ConsumerRunner` (its route table of topic -> handler, or
`BatchRoute` topic -> handler of many deliveries at once).
Topic administration and the Kafka readiness probe live in `shared.kafka.admin`, which this
package does not import: `python -m shared.kafka.admin` (the stack's topics step) runs it as
`__main__`, and a second copy imported here first would make Python warn.
"""

from shared.kafka.consumer import (
    BatchHandler,
    BatchRoute,
    ConsumerRunner,
    Delivery,
    DlqLimit,
    DlqLimitExceeded,
    MessageRejected,
    NonRetryableError,
    Rejected,
    Route,
    make_consumer,
)
from shared.kafka.outbox import OutboxPublishError, OutboxRelay
from shared.kafka.producer import make_producer
from shared.kafka.worker import run_worker

__all__ = [
    "BatchHandler",
    "BatchRoute",
    "ConsumerRunner",
    "Delivery",
    "DlqLimit",
    "DlqLimitExceeded",
    "MessageRejected",
    "NonRetryableError",
    "OutboxPublishError",
    "OutboxRelay",
    "Rejected",
    "Route",
    "make_consumer",
    "make_producer",
    "run_worker",
]
