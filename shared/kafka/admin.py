"""Topic creation from the `Topic` enum, and a cheap Kafka readiness check for `/readyz`."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from kafka.admin import KafkaAdminClient
from kafka.errors import KafkaError, TopicAlreadyExistsError

from shared.events.topics import Topic, TopicSpec

log = logging.getLogger(__name__)


def topic_plan(
    topics: Iterable[Topic] = Topic, replication_factor: int = 1
) -> dict[str, dict[str, Any]]:
    """`{name: create options}` for every topic and its DLQ (same partitions and retention)."""
    plan: dict[str, dict[str, Any]] = {}
    for topic in topics:
        options = _options(topic.spec, replication_factor)
        plan[topic.value] = options
        plan[topic.dlq] = dict(options)
    return plan


def _options(spec: TopicSpec, replication_factor: int) -> dict[str, Any]:
    return {
        "num_partitions": spec.partitions,
        "replication_factor": replication_factor,
        "configs": {"retention.ms": str(spec.retention_ms)},
    }


def ensure_topics(
    bootstrap_servers: str,
    topics: Iterable[Topic] = Topic,
    *,
    replication_factor: int = 1,
    timeout_s: float = 30.0,
) -> list[str]:
    """Create every topic of `topics` and its `.dlq` that does not exist yet; idempotent.

    Returns the names created by this call. Existing topics are left as they are (their
    partition count is not changed: that would move keys between partitions).
    """
    return create_topics(
        bootstrap_servers,
        topic_plan(topics, replication_factor),
        timeout_s=timeout_s,
    )


def create_topics(
    bootstrap_servers: str, plan: dict[str, dict[str, Any]], *, timeout_s: float = 30.0
) -> list[str]:
    """Create the topics of `plan` (`{name: options}`) that are missing; returns those created.

    Used by `ensure_topics` and by integration tests that need per-run topic names.
    """
    timeout_ms = int(timeout_s * 1000)
    admin = KafkaAdminClient(
        bootstrap_servers=bootstrap_servers,
        client_id="gridgov-ensure-topics",
        bootstrap_timeout_ms=timeout_ms,
        request_timeout_ms=timeout_ms,
    )
    try:
        existing = set(admin.list_topics())
        missing = {name: options for name, options in plan.items() if name not in existing}
        if not missing:
            return []
        try:
            admin.create_topics(missing, timeout_ms=timeout_ms, wait_for_metadata=True)
        except TopicAlreadyExistsError:
            # Another process created some of them between list and create; retry the rest.
            existing = set(admin.list_topics())
            rest = {name: opts for name, opts in missing.items() if name not in existing}
            if rest:
                admin.create_topics(rest, timeout_ms=timeout_ms, wait_for_metadata=True)
        log.info("created topics: %s", sorted(missing))
        return sorted(missing)
    finally:
        admin.close()


def delete_topics(bootstrap_servers: str, names: Iterable[str], *, timeout_s: float = 30.0) -> None:
    """Delete `names` (integration-test clean-up of per-run topics); missing ones are ignored."""
    timeout_ms = int(timeout_s * 1000)
    admin = KafkaAdminClient(
        bootstrap_servers=bootstrap_servers,
        client_id="gridgov-delete-topics",
        bootstrap_timeout_ms=timeout_ms,
        request_timeout_ms=timeout_ms,
    )
    try:
        present = set(admin.list_topics()) & set(names)
        if present:
            admin.delete_topics(sorted(present), timeout_ms=timeout_ms)
    finally:
        admin.close()


class KafkaHealth:
    """Readiness probe: is a broker answering metadata requests? Cheap enough for `/readyz`.

    The admin client is created once and cached (bootstrapping per probe would cost a TCP
    handshake and an ApiVersions round trip every time). The probe runs on one background
    thread and `check` waits at most `timeout_s` for it, so a hung broker connection cannot
    hold a request thread past the timeout; while a previous probe is still stuck, `check`
    answers False at once instead of stacking threads. A failed probe drops the cached client
    so the next one reconnects from scratch. Nothing is started in the constructor (the thread
    and the client appear on the first `check`), so building it before a gunicorn fork is safe.
    """

    def __init__(self, bootstrap_servers: str, *, client_id: str = "gridgov-readyz") -> None:
        self._bootstrap = bootstrap_servers
        self._client_id = client_id
        self._lock = threading.Lock()
        self._admin: Any = None
        self._inflight: Future[bool] | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kafka-health")

    def check(self, timeout_s: float = 2.0) -> bool:
        """True when a broker answered within `timeout_s`; never raises."""
        with self._lock:
            if self._inflight is not None and not self._inflight.done():
                return False
            self._inflight = self._executor.submit(self._probe, timeout_s)
            inflight = self._inflight
        try:
            return inflight.result(timeout=timeout_s)
        except FutureTimeout:
            log.warning("kafka health probe timed out after %.1fs", timeout_s)
            return False

    def _probe(self, timeout_s: float) -> bool:
        timeout_ms = max(int(timeout_s * 1000), 1)
        try:
            if self._admin is None:
                self._admin = KafkaAdminClient(
                    bootstrap_servers=self._bootstrap,
                    client_id=self._client_id,
                    bootstrap_timeout_ms=timeout_ms,
                    request_timeout_ms=timeout_ms,
                )
            cluster = self._admin.describe_cluster()
            return bool(cluster.get("brokers"))
        except (KafkaError, OSError) as exc:
            log.warning("kafka health probe failed: %r", exc)
            self._drop_admin()
            return False

    def _drop_admin(self) -> None:
        admin, self._admin = self._admin, None
        if admin is not None:
            try:
                admin.close()
            except (KafkaError, OSError):
                log.debug("closing the failed health admin client failed", exc_info=True)

    def close(self) -> None:
        """Release the cached client and the probe thread."""
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._drop_admin()
