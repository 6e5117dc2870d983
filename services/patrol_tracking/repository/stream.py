"""The point stream: where accepted uploads go, Kafka first (an outgoing port, no outbox).

A phone's upload is acknowledged only once Kafka holds it (acks=all, idempotent producer):
`PointStream.publish` returns after the broker's acknowledgement or raises
`DependencyUnavailable` (503 with Retry-After) within a few seconds, and the phone keeps its
buffer and retries. A message whose acknowledgement timed out may still reach Kafka later;
the retry then sends the same entries again, which the store keeps once (its ids are the
phone's), so nothing acknowledged is lost and nothing is stored twice.

One producer per process, made on first use: gunicorn forks its workers after the app is
built, and a producer's sockets and sender thread must not cross a fork, so the producer is
created lazily, once, under a lock (gunicorn's threads share it), and again in a child
process that inherited a parent's.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from typing import Protocol

from kafka.errors import KafkaError

from shared.errors import DependencyUnavailable
from shared.kafka import make_producer
from shared.kafka.clients import Producer
from shared.kafka.direct import DirectMessage
from shared.settings import PlatformSettings

log = logging.getLogger(__name__)

ProducerFactory = Callable[[], Producer]


class PointStream(Protocol):
    """Publishes one accepted upload and returns once Kafka acknowledged it."""

    def publish(self, message: DirectMessage) -> None:
        """Send ``message``; `DependencyUnavailable` when Kafka did not acknowledge it in
        time (the caller answers 503: nothing was accepted)."""
        ...


class KafkaPointStream:
    """`PointStream` on a kafka-python producer, made lazily once per process."""

    def __init__(self, factory: ProducerFactory, *, ack_timeout_s: float) -> None:
        self._factory = factory
        self._ack_timeout_s = ack_timeout_s
        self._lock = threading.Lock()
        self._producer: Producer | None = None
        self._pid = 0

    @classmethod
    def connect(
        cls, bootstrap_servers: str, *, client_id: str, ack_timeout_s: float
    ) -> KafkaPointStream:
        """A stream on ``bootstrap_servers`` whose every wait is bounded by
        ``ack_timeout_s``: finding a broker, metadata, buffer space, the acknowledgement."""
        bound_ms = max(1, int(ack_timeout_s * 1000))

        def factory() -> Producer:
            producer: Producer = make_producer(
                bootstrap_servers,
                client_id=client_id,
                # A phone waits for the answer: a few ms of batching, a short leash everywhere.
                linger_ms=2,
                request_timeout_ms=bound_ms,
                delivery_timeout_ms=bound_ms + 2,
                max_block_ms=bound_ms,
                bootstrap_timeout_ms=bound_ms,
            )
            return producer

        return cls(factory, ack_timeout_s=ack_timeout_s)

    def publish(self, message: DirectMessage) -> None:
        producer = self._producer_of_this_process()
        try:
            future = producer.send(
                message.topic, value=message.value, key=message.key, headers=message.headers
            )
            future.get(timeout=self._ack_timeout_s)
        except KafkaError as exc:
            # Retry-After is short: a broker restart or leader move is over in seconds.
            raise DependencyUnavailable("Kafka did not acknowledge the upload in time") from exc

    def close(self, timeout_s: float = 5.0) -> None:
        """Flush and close this process's producer (at shutdown)."""
        with self._lock:
            producer, self._producer = self._producer, None
        if producer is not None and self._pid == os.getpid():
            producer.close(timeout=timeout_s)

    def _producer_of_this_process(self) -> Producer:
        pid = os.getpid()
        producer = self._producer
        if producer is not None and self._pid == pid:
            return producer
        with self._lock:
            if self._producer is None or self._pid != pid:
                # A parent's producer is left alone: its sender thread did not survive the
                # fork, and closing it here would flush into the parent's sockets.
                try:
                    self._producer = self._factory()
                except KafkaError as exc:
                    raise DependencyUnavailable("no Kafka broker answered") from exc
                self._pid = pid
            return self._producer


# As `GRIDGOV_POINTS_ACK_TIMEOUT_SECONDS`' default (services/patrol_tracking/settings.py).
DEFAULT_ACK_TIMEOUT_S = 3.0
_configured: PointStream | None = None
_configure_lock = threading.Lock()


def configure_point_stream(stream: PointStream | None) -> None:
    """Install the process's point stream (the composition root at start; tests a fake).
    ``None`` goes back to the default, made from the service's settings on first use."""
    global _configured  # noqa: PLW0603 - one stream per process, like the write leases
    with _configure_lock:
        _configured = stream


def point_stream() -> PointStream:
    """The installed stream, or one on the settings' Kafka made now (lazily, once)."""
    global _configured  # noqa: PLW0603 - see configure_point_stream
    stream = _configured
    if stream is not None:
        return stream
    with _configure_lock:
        if _configured is None:
            # The composition root installs the stream with the service's settings; this
            # default (the platform's Kafka settings, the default acknowledgement wait) serves
            # processes that did not, such as the API tests.
            settings = PlatformSettings.from_env(service="patrol_tracking")
            _configured = KafkaPointStream.connect(
                ",".join(settings.kafka_bootstrap),
                client_id=f"{settings.service}-points",
                ack_timeout_s=DEFAULT_ACK_TIMEOUT_S,
            )
        return _configured
