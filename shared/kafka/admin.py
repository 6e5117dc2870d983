"""Topic creation from the `Topic` enum, and a cheap Kafka readiness check for `/readyz`.

Also the local stack's topics step (`make up` runs it once Kafka listens; auto-creation is off)::

    python -m shared.kafka.admin --bootstrap 127.0.0.1:9092 [--replication-factor 1] [--timeout 60]

It creates every topic of `Topic` and its `.dlq` that is missing, retrying while the broker is
still starting, sets the retention of topics that exist with another one than `TOPIC_SPECS`
says (printing which), then lists the topics to check that every one of them exists, prints
`topics: <n> created, <n> present, <n> expected` ("present": existed before this run) and exits
0. It exits 1 with the reason on stderr when the broker does not answer (or keeps refusing) within
the timeout, or when a topic is still missing afterwards; 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, Protocol, TextIO

from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient
from kafka.errors import KafkaError, TopicAlreadyExistsError

from shared.events.topics import Topic, TopicSpec
from shared.logs import configure_logging

log = logging.getLogger(__name__)

BOOTSTRAP_ENV = "GRIDGOV_KAFKA_BOOTSTRAP"


class TopicAdmin(Protocol):
    """The part of `KafkaAdminClient` that topic creation uses (unit tests pass a fake)."""

    def list_topics(self) -> list[str]: ...

    def create_topics(
        self, new_topics: dict[str, dict[str, Any]], *, timeout_ms: int, wait_for_metadata: bool
    ) -> Any: ...

    def describe_configs(self, config_resources: list[ConfigResource]) -> Any: ...

    def alter_configs(self, config_resources: list[ConfigResource]) -> Any: ...

    def close(self) -> None: ...


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


def connect_admin(
    bootstrap_servers: str, timeout_s: float, *, client_id: str = "gridgov-topics"
) -> TopicAdmin:
    """An admin client that has bootstrapped; raises `KafkaError` if none answers in time."""
    timeout_ms = max(int(timeout_s * 1000), 1)
    admin: TopicAdmin = KafkaAdminClient(
        bootstrap_servers=bootstrap_servers,
        client_id=client_id,
        bootstrap_timeout_ms=timeout_ms,
        request_timeout_ms=timeout_ms,
    )
    return admin


def create_topics(
    bootstrap_servers: str, plan: dict[str, dict[str, Any]], *, timeout_s: float = 30.0
) -> list[str]:
    """Create the topics of `plan` (`{name: options}`) that are missing; returns those created.

    Used by `ensure_topics` and by integration tests that need per-run topic names.
    """
    admin = connect_admin(bootstrap_servers, timeout_s, client_id="gridgov-ensure-topics")
    try:
        return create_missing(admin, plan, timeout_s=timeout_s)
    finally:
        admin.close()


def create_missing(
    admin: TopicAdmin, plan: dict[str, dict[str, Any]], *, timeout_s: float = 30.0
) -> list[str]:
    """`create_topics` through an open `admin`; returns the names it created."""
    timeout_ms = max(int(timeout_s * 1000), 1)
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


def align_retention(admin: TopicAdmin, plan: dict[str, dict[str, Any]]) -> list[str]:
    """Set `retention.ms` of the existing topics of `plan` whose retention differs from the
    plan's; returns their names. A topic is created once, so a retention changed in
    `TOPIC_SPECS` afterwards (a topic the scoring ledger must replay over an assessment year:
    400 days) would otherwise never reach a broker that already has the topic. Only that one
    key is sent (an incremental SET): the topic's other settings stay as they are."""
    existing = set(admin.list_topics())
    names = sorted(name for name in plan if name in existing)
    if not names:
        return []
    found = admin.describe_configs(
        [
            ConfigResource(ConfigResourceType.TOPIC, name, configs={"retention.ms": None})
            for name in names
        ]
    ).get("topic", {})
    wanted = {name: str(plan[name]["configs"]["retention.ms"]) for name in names}
    drifted = [
        name
        for name in names
        if (found.get(name, {}).get("retention.ms") or {}).get("value") != wanted[name]
    ]
    if drifted:
        admin.alter_configs(
            [
                ConfigResource(
                    ConfigResourceType.TOPIC, name, configs={"retention.ms": wanted[name]}
                )
                for name in drifted
            ]
        )
        log.info("retention set on topics: %s", drifted)
    return drifted


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


# -- command line: the local stack's topics step -------------------------------------------

_FIRST_BACKOFF_S = 0.25
_MAX_BACKOFF_S = 2.0
_MIN_ATTEMPT_S = 1.0  # the last attempt still gets this long to bootstrap and create


def _positive(kind: type[int] | type[float]) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            value = 0
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be a positive {kind.__name__}, got {text!r}")
        return value

    return parse


def add_bootstrap_argument(parser: argparse.ArgumentParser) -> None:
    """``--bootstrap``, by default ``$GRIDGOV_KAFKA_BOOTSTRAP`` (required when that is unset)."""
    from_env = os.environ.get(BOOTSTRAP_ENV) or None
    parser.add_argument(
        "--bootstrap",
        default=from_env,
        required=from_env is None,
        metavar="HOST:PORT[,HOST:PORT]",
        help=f"brokers to bootstrap from (default: ${BOOTSTRAP_ENV})",
    )


def configure_cli_logging(name: str) -> None:
    """JSON logs on stderr for a Kafka command line, without kafka-python's own errors."""
    configure_logging(name)
    # kafka-python logs every refused connection at ERROR while the broker starts; the retry
    # warnings and the final message name the last error instead.
    logging.getLogger("kafka").setLevel(logging.CRITICAL)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m shared.kafka.admin",
        description="Create every Kafka topic of the platform and its DLQ, then check they exist.",
    )
    add_bootstrap_argument(parser)
    parser.add_argument("--replication-factor", type=_positive(int), default=1, metavar="N")
    parser.add_argument(
        "--timeout",
        type=_positive(float),
        default=60.0,
        metavar="SECONDS",
        help="how long to wait for a broker that is still starting (default: 60)",
    )
    return parser


def _describe(exc: BaseException) -> str:
    """`KafkaError` names its class in `str()` already; `OSError` and others do not."""
    text = str(exc)
    return text if text.startswith(type(exc).__name__) else f"{type(exc).__name__}: {text}"


def apply_plan(
    admin: TopicAdmin, plan: dict[str, dict[str, Any]], *, timeout_s: float
) -> tuple[list[str], list[str], list[str]]:
    """Create what `plan` lacks, align the retention of what it had, then list the topics
    again: `(created, retention set, still missing)`."""
    created = create_missing(admin, plan, timeout_s=timeout_s)
    aligned = align_retention(admin, {n: o for n, o in plan.items() if n not in created})
    listed = set(admin.list_topics())
    return created, aligned, sorted(name for name in plan if name not in listed)


def run(
    argv: Sequence[str] | None = None,
    *,
    connect: Callable[[str, float], TopicAdmin] = connect_admin,
    out: TextIO | None = None,
    err: TextIO | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """The command line over `connect(bootstrap, timeout_s)`; returns the exit code."""
    out, err = out or sys.stdout, err or sys.stderr
    args = _parser().parse_args(argv)
    plan = topic_plan(replication_factor=args.replication_factor)
    deadline = clock() + args.timeout
    backoff = _FIRST_BACKOFF_S
    while True:
        budget = max(deadline - clock(), _MIN_ATTEMPT_S)
        try:
            admin = connect(args.bootstrap, budget)
            try:
                created, aligned, missing = apply_plan(admin, plan, timeout_s=budget)
            finally:
                admin.close()
            break
        except (KafkaError, OSError) as exc:
            left = deadline - clock()
            if left <= 0:
                err.write(
                    f"topics: gave up after {args.timeout:g} s: Kafka at {args.bootstrap} is not "
                    f"reachable or not ready (last error: {_describe(exc)})\n"
                )
                return 1
            log.warning("Kafka at %s not ready yet (%s); retrying", args.bootstrap, _describe(exc))
            sleep(min(backoff, left))
            backoff = min(backoff * 2, _MAX_BACKOFF_S)
    if missing:
        err.write(
            f"topics: {len(missing)} of {len(plan)} expected topics missing at "
            f"{args.bootstrap} after creation: {', '.join(missing)}\n"
        )
        return 1
    out.write(
        f"topics: {len(created)} created, {len(plan) - len(created)} present, "
        f"{len(plan)} expected\n"
    )
    if aligned:
        out.write(f"topics: retention set as specified on {', '.join(aligned)}\n")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `python -m shared.kafka.admin`: JSON logs on stderr, then `run`."""
    configure_cli_logging("kafka-admin")
    return run(argv)


if __name__ == "__main__":
    raise SystemExit(main())
