"""Building blocks every service's composition root (``bootstrap.py``) assembles.

A service's bootstrap says *what* it has (blueprints, documents whose outbox to relay, its
consumer route table); this module says *how* those become a running API or worker, once for
all six services: database connection, readiness checks, the relay and the consumer runner,
the worker's metrics endpoint.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import Sequence
from dataclasses import dataclass

import mongoengine
import tenacity
from flask import Flask
from kafka.errors import KafkaError
from prometheus_client import start_http_server

from shared import access, allocator
from shared.audit import AuditRecordDocument
from shared.audit import views as audit_views
from shared.auth import TokenVerifier
from shared.events.envelope import Envelope
from shared.http import Blueprint, ReadinessCheck, create_app
from shared.kafka import (
    BatchRoute,
    ConsumerRunner,
    OutboxRelay,
    Route,
    make_consumer,
    make_producer,
    run_worker,
)
from shared.kafka.admin import KafkaHealth
from shared.kafka.consumer import Handler
from shared.logs import configure_logging
from shared.mongo import TenantDocument, connect, ping
from shared.mongo.documents import tenant_documents
from shared.mongo.indexes import GinIndexKeeper
from shared.mongo.leases import LeasePolicy, configure_write_leases
from shared.mongo.pg_reads import configure_equality_reads
from shared.scheduler import PeriodicJob, Scheduler
from shared.settings import PlatformSettings, setting

log = logging.getLogger(__name__)

READINESS_TIMEOUT_S = 2.0
# What every service's API serves besides its own blueprints: the audit trail (shared.audit).
PLATFORM_BLUEPRINTS: tuple[Blueprint, ...] = (audit_views.blp,)


@dataclass(frozen=True, kw_only=True)
class ServiceSettings(PlatformSettings):
    """What every service process reads besides the platform settings."""

    worker_metrics_host: str = setting(default="127.0.0.1")
    worker_metrics_port: int = setting(default=0, minimum=0, maximum=65535, doc="0: no endpoint")
    relay_batch_size: int = setting(default=500, minimum=1, maximum=1000)
    relay_poll_seconds: float = setting(default=0.5, minimum=0.05, maximum=30.0)


def service_documents(service: str) -> list[type[TenantDocument]]:
    """Every tenant document the service defines: `services.<service>.documents` (a module, or
    a package whose modules are all imported here, so none can be forgotten)."""
    package = f"services.{service}.documents"
    try:
        module = importlib.import_module(package)
    except ModuleNotFoundError as exc:
        if exc.name != package:
            raise
        return []
    for info in pkgutil.iter_modules(getattr(module, "__path__", [])):
        importlib.import_module(f"{package}.{info.name}")
    prefix = f"services.{service}."
    found = [cls for cls in tenant_documents() if cls.__module__.startswith(prefix)]
    return sorted(found, key=lambda cls: cls._get_collection_name())


def relayed_documents(service: str) -> list[type[TenantDocument]]:
    """The documents whose outboxes the service's worker relays: all of them, but those that
    declare they never record events (`publishes_events = False`)."""
    return [cls for cls in service_documents(service) if cls.publishes_events]


def bootstrap_servers(settings: PlatformSettings) -> str:
    return ",".join(settings.kafka_bootstrap)


def connect_database(settings: PlatformSettings) -> None:
    """Register the MongoDB connection and the write-lease policy; no socket opens until first
    use (fork-safe)."""
    connect(settings.mongo_uri.reveal(), settings.mongo_db)
    postgres = settings.mongo_postgres_url
    configure_equality_reads(None if postgres is None else postgres.reveal())
    configure_write_leases(
        LeasePolicy(
            mode=settings.mongo_write_leases,  # type: ignore[arg-type]  # checked by choices
            ttl_s=settings.mongo_lease_ttl_seconds,
            wait_s=settings.mongo_lease_wait_seconds,
        )
    )


def readiness_checks(settings: PlatformSettings) -> dict[str, ReadinessCheck]:
    """``mongo`` and ``kafka`` probes for ``/readyz``; each raises when its server is unusable."""
    kafka = KafkaHealth(bootstrap_servers(settings), client_id=f"{settings.service}-readyz")

    def mongo_ready() -> None:
        if not ping(READINESS_TIMEOUT_S):
            raise ConnectionError("MongoDB did not answer ping")

    def kafka_ready() -> None:
        if not kafka.check(READINESS_TIMEOUT_S):
            raise ConnectionError("no Kafka broker answered")

    return {"mongo": mongo_ready, "kafka": kafka_ready}


def api_app(*, settings: PlatformSettings, blueprints: Sequence[Blueprint]) -> Flask:
    """The service's Flask app: connected, authenticated, documented, measured; serving its
    ``blueprints`` and the platform's (`PLATFORM_BLUEPRINTS`)."""
    connect_database(settings)
    return create_app(
        service=settings.service,
        settings=settings,
        blueprints=[*blueprints, *PLATFORM_BLUEPRINTS],
        readiness_checks=readiness_checks(settings),
        # Tokens live for minutes; a disabled account or offboarded tenant is refused as
        # soon as identity's event reached this service (shared.access).
        verifier=access.RevokingVerifier(
            TokenVerifier.from_settings(settings), access.StoredRevocations()
        ),
    )


def run_service_worker(
    *,
    settings: ServiceSettings,
    routes: Sequence[Route | BatchRoute] = (),
    jobs: Sequence[PeriodicJob] = (),
    documents: Sequence[type[TenantDocument]] = (),
) -> None:
    """Run the outbox relay (for every document of the service that publishes events, see
    `relayed_documents`), the consumer runner (for ``routes``) and the periodic ``jobs``
    (`shared.scheduler`) until SIGTERM, with ``/metrics`` on ``worker_metrics_port``. Blocks;
    call from the main thread.

    ``documents``: the platform's read-model documents the service keeps in its database (e.g.
    `shared.registry.documents.DOCUMENTS`); defined outside ``services/<service>/``, they get
    their indexes only when named here. Read models publish nothing: they are never relayed."""
    configure_logging(f"{settings.service}-worker", settings.log_level)
    # Before any thread: the arena bound applies to threads started after it.
    allocator.tune()
    connect_database(settings)
    relayed = relayed_documents(settings.service)
    if settings.mongo_postgres_url is not None:
        GinIndexKeeper(
            settings.mongo_postgres_url.reveal(),
            mongoengine.get_db(),
            [*service_documents(settings.service), *documents, AuditRecordDocument],
        ).start()
    if settings.worker_metrics_port:
        start_http_server(settings.worker_metrics_port, addr=settings.worker_metrics_host)
    servers = bootstrap_servers(settings)
    # A worker may start before Kafka (or outlive it): building its clients waits for a broker
    # instead of crashing, and the relay and runner ride out later outages themselves.
    connected = tenacity.retry(
        retry=tenacity.retry_if_exception_type(KafkaError),
        wait=tenacity.wait_exponential(multiplier=0.5, max=15),
        before_sleep=lambda state: log.warning(
            "Kafka not reachable yet (%s); retrying", state.outcome and state.outcome.exception()
        ),
    )
    # Every worker keeps its service's revocations (shared.access) beside its own consumers.
    routes = merge_routes(access.ROUTES, routes)
    relay = None
    if relayed:
        relay = OutboxRelay(
            documents=relayed,
            producer_factory=lambda: make_producer(servers, client_id=f"{settings.service}-relay"),
            batch_size=settings.relay_batch_size,
            poll_interval_s=settings.relay_poll_seconds,
        )
    runner = None
    if routes:
        group = f"gridgov.{settings.service}"
        runner = ConsumerRunner(
            consumer=connected(make_consumer)(
                servers, group_id=group, client_id=f"{settings.service}-consumer"
            ),
            dlq_producer=connected(make_producer)(servers, client_id=f"{settings.service}-dlq"),
            group_id=group,
            routes=routes,
        )
    if relay is None and runner is None and not jobs:
        log.info(
            "%s has no outbox, consumers or jobs yet: the worker only serves metrics",
            settings.service,
        )
    log.info("worker started", extra={"service": settings.service})
    if relay is None and runner is None and not jobs:
        _idle_until_signal()
    else:
        run_worker(relay=relay, runner=runner, scheduler=Scheduler(jobs) if jobs else None)


def merge_routes(*tables: Sequence[Route | BatchRoute]) -> tuple[Route | BatchRoute, ...]:
    """One route per topic from several route tables: handlers of the same topic run in
    table order for each message (each is idempotent, so a retry re-running the first one
    after the second failed changes nothing); their non-retryable errors add up.

    A `BatchRoute` passes through alone: its handler owns its topic (a chunk's rejections
    cannot be combined with another handler's per-message outcome), so a second route for
    that topic raises `ValueError`."""
    by_topic: dict[str, list[Route | BatchRoute]] = {}
    for table in tables:
        for route in table:
            by_topic.setdefault(str(route.topic), []).append(route)
    merged: list[Route | BatchRoute] = []
    for topic, rows in by_topic.items():
        if len(rows) == 1:
            merged.append(rows[0])
            continue
        if any(isinstance(row, BatchRoute) for row in rows):
            kinds = ", ".join(type(row).__name__ for row in rows)
            raise ValueError(
                f"topic {topic} has a batch route and other routes ({kinds}): a batch route "
                "must be the only route of its topic"
            )
        routes = [row for row in rows if isinstance(row, Route)]
        handlers = [route.handler for route in routes]

        def handle(envelope: Envelope, handlers: list[Handler] = handlers) -> None:
            for handler in handlers:
                handler(envelope)

        errors = tuple(error for route in routes for error in route.non_retryable)
        merged.append(Route(topic, handle, non_retryable=errors))
    return tuple(merged)


def _idle_until_signal() -> None:
    import signal  # noqa: PLC0415 - only the idle path needs it
    import threading  # noqa: PLC0415

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
