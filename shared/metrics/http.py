"""HTTP RED metrics by route template, and the ``/metrics`` view."""

from __future__ import annotations

import os
import time

from flask import Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector

UNMATCHED_ROUTE = "<unmatched>"
_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_LABELS = ("service", "route", "method", "status_class")

HTTP_REQUESTS = Counter(
    "gridgov_http_requests_total",
    "HTTP requests answered, by route template, method and status class.",
    _LABELS,
)
HTTP_REQUEST_DURATION = Histogram(
    "gridgov_http_request_duration_seconds",
    "Time from the first before_request hook to the response, in seconds.",
    _LABELS,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
HTTP_REQUESTS_IN_FLIGHT = Gauge(
    "gridgov_http_requests_in_flight",
    "HTTP requests being handled right now (summed over live worker processes).",
    ("service",),
    multiprocess_mode="livesum",
)
HTTP_RATE_LIMITED = Counter(
    "gridgov_http_rate_limited_total",
    "Requests refused with 429, by the limit that refused them (user, tenant, ingestion, ip).",
    ("service", "scope"),
)
HTTP_RATE_LIMIT_STORE_ERRORS = Counter(
    "gridgov_http_rate_limit_store_errors_total",
    "Requests let through unchecked because the rate-limit store failed (fail open).",
    ("service",),
)


def multiprocess_dir() -> str | None:
    """``PROMETHEUS_MULTIPROC_DIR`` if set and non-empty."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def render_metrics() -> tuple[bytes, str]:
    """The exposition text and its content type, aggregated over processes when needed."""
    if multiprocess_dir() is not None:
        # A fresh registry per scrape: MultiProcessCollector reads the files at collect time.
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def metrics_view() -> Response:
    """The ``/metrics`` endpoint (unauthenticated, not in OpenAPI)."""
    payload, content_type = render_metrics()
    return Response(payload, status=200, content_type=content_type)


def _route_label() -> str:
    rule = request.url_rule
    return rule.rule if rule is not None else UNMATCHED_ROUTE


def _method_label() -> str:
    method = request.method.upper()
    return method if method in _KNOWN_METHODS else "OTHER"


def install_http_metrics(app: Flask, *, service: str) -> None:
    """Count, time and gauge every request of ``app``; register this first among hooks.

    The in-flight gauge is incremented in ``before_request`` and decremented in
    ``teardown_request``, which Flask runs even when a hook or the view raised.
    """

    @app.before_request
    def _start_timer() -> None:
        g.gridgov_metrics_start = time.perf_counter()
        g.gridgov_metrics_in_flight = True
        HTTP_REQUESTS_IN_FLIGHT.labels(service).inc()

    @app.after_request
    def _record(response: Response) -> Response:
        start: float | None = g.get("gridgov_metrics_start")
        if start is not None:
            labels = (service, _route_label(), _method_label(), f"{response.status_code // 100}xx")
            HTTP_REQUESTS.labels(*labels).inc()
            HTTP_REQUEST_DURATION.labels(*labels).observe(time.perf_counter() - start)
        return response

    @app.teardown_request
    def _leave(_exc: BaseException | None) -> None:
        if g.pop("gridgov_metrics_in_flight", False):
            HTTP_REQUESTS_IN_FLIGHT.labels(service).dec()
