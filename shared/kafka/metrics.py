"""Prometheus metrics of the Kafka layer (outbox relay and consumer runner).

Names carry the `gridgov_` prefix and their unit; labels are bounded: topic (from the enum),
consumer group (one per service), collection (one per document class) and reason (an exception
class name or a fixed word). Never a tenant, worker, grid or device id.

Gauges declare `multiprocess_mode` because the services run under gunicorn with
`PROMETHEUS_MULTIPROC_DIR`; `livesum` adds up live processes (each relay/consumer process
reports its own share) and drops dead ones.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

OUTBOX_BACKLOG = Gauge(
    "gridgov_outbox_backlog_documents",
    "Documents holding at least one unpublished outbox entry, at the relay's last scan",
    ["collection"],
    multiprocess_mode="livemax",
)
OUTBOX_PUBLISHED = Counter(
    "gridgov_outbox_published_events_total",
    "Outbox entries published to Kafka and acknowledged",
    ["topic"],
)
OUTBOX_PUBLISH_FAILURES = Counter(
    "gridgov_outbox_publish_failures_total",
    "Outbox entries whose publish failed (they stay in the outbox and are retried)",
    ["topic", "reason"],
)
OUTBOX_RELAY_LOOP = Histogram(
    "gridgov_outbox_relay_loop_duration_seconds",
    "Duration of one relay pass (scan, publish, acknowledge, remove)",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)

CONSUMER_LAG = Gauge(
    "gridgov_consumer_lag_messages",
    "Messages between the consumer's position and the partition high watermark, per topic",
    ["topic", "group"],
    multiprocess_mode="livesum",
)
MESSAGES_PROCESSED = Counter(
    "gridgov_consumer_messages_processed_total",
    "Messages whose handler completed (the offset may be committed)",
    ["topic", "group"],
)
MESSAGES_FAILED = Counter(
    "gridgov_consumer_messages_failed_total",
    "Handler attempts that raised, by exception class",
    ["topic", "group", "reason"],
)
MESSAGES_DLQ = Counter(
    "gridgov_consumer_messages_dlq_total",
    "Messages sent to the topic's dead-letter queue, by reason",
    ["topic", "group", "reason"],
)
HANDLER_DURATION = Histogram(
    "gridgov_consumer_handler_duration_seconds",
    "Duration of one handler call (successful or not)",
    ["topic", "group"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
BATCH_SIZE = Histogram(
    "gridgov_consumer_batch_size_messages",
    "Deliveries handed to one batch handler call (batch routes only)",
    ["topic", "group"],
    buckets=(1, 5, 10, 25, 50, 100, 250, 500, 1000),
)
PARTITIONS_PAUSED = Gauge(
    "gridgov_consumer_paused_partitions",
    "Partitions paused for backpressure or after exhausting retries",
    ["topic", "group"],
    multiprocess_mode="livesum",
)
CONSUMER_STOPPED = Gauge(
    "gridgov_consumer_stopped",
    "1 while this process's consumer of the group has stopped consuming for `reason`, else 0",
    ["group", "reason"],
    multiprocess_mode="livemax",
)
STOPPED_DLQ_LIMIT = "dlq_limit"  # the one `reason` so far: the runner's DlqLimit tripped
