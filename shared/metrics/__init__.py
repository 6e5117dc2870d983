"""Prometheus metrics: RED metrics for HTTP, and ``/metrics`` in multiprocess mode.

Under gunicorn every worker is a process, so metrics are written to files in
``PROMETHEUS_MULTIPROC_DIR`` (set by the start script before Python starts, wiped before each
start) and ``/metrics`` aggregates them with a fresh ``MultiProcessCollector`` per scrape. In a
single process (tests, the consumer worker) the default registry is served instead.

Labels are bounded: the route TEMPLATE (``/divisions/<division_id>``, ``<unmatched>`` for 404s),
the method (unknown methods become ``OTHER``) and the status class (``2xx``..``5xx``).
"""

from shared.metrics.http import (
    HTTP_REQUEST_DURATION,
    HTTP_REQUESTS,
    HTTP_REQUESTS_IN_FLIGHT,
    install_http_metrics,
    metrics_view,
    multiprocess_dir,
    render_metrics,
)

__all__ = [
    "HTTP_REQUESTS",
    "HTTP_REQUESTS_IN_FLIGHT",
    "HTTP_REQUEST_DURATION",
    "install_http_metrics",
    "metrics_view",
    "multiprocess_dir",
    "render_metrics",
]
