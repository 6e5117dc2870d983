"""Gunicorn settings and hooks for every service API, multiprocess-metrics aware.

Either point gunicorn at the ready-made config module (post-fork callback optional)::

    GRIDGOV_GUNICORN_POST_FORK=services.grid_registry.bootstrap:connect_after_fork \
        gunicorn -c python:shared.metrics.gunicorn_conf services.grid_registry.wsgi:app

or build the settings in a service's own config module::

    globals().update(build_config(post_fork=bootstrap.connect_after_fork))

Environment: ``GRIDGOV_HTTP_BIND`` (default ``127.0.0.1:8000``), ``GRIDGOV_HTTP_WORKERS``
(default 2), ``GRIDGOV_HTTP_THREADS`` (default 4), ``GRIDGOV_HTTP_TIMEOUT`` (seconds, default
30). ``PROMETHEUS_MULTIPROC_DIR`` is required: without it each worker would expose only its own
counters and every scrape would see a random worker, so gunicorn refuses to start.
"""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from prometheus_client import multiprocess

from shared import allocator

log = logging.getLogger(__name__)

PostFork = Callable[[], None]


class MultiprocessDirMissingError(RuntimeError):
    """``PROMETHEUS_MULTIPROC_DIR`` is unset, missing or not writable."""


def require_multiprocess_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The metrics directory; raises ``MultiprocessDirMissingError`` saying what to set."""
    source = os.environ if environ is None else environ
    value = source.get("PROMETHEUS_MULTIPROC_DIR", "")
    if not value:
        raise MultiprocessDirMissingError(
            "PROMETHEUS_MULTIPROC_DIR is not set: gunicorn workers need a shared metrics "
            "directory. Set it in the start script (before Python starts) to an empty, "
            "writable directory."
        )
    path = Path(value)
    if not path.is_dir() or not os.access(path, os.W_OK):
        raise MultiprocessDirMissingError(
            f"PROMETHEUS_MULTIPROC_DIR={value} is not a writable directory; create it first"
        )
    return path


def wipe_multiprocess_dir(path: Path) -> int:
    """Delete the metric files (``*.db``) left by an earlier run; returns how many.

    Only ``*.db`` files are removed, so a mistaken setting cannot empty an unrelated folder.
    """
    removed = 0
    for file in path.glob("*.db"):
        file.unlink(missing_ok=True)
        removed += 1
    return removed


def _int_env(environ: Mapping[str, str], name: str, default: int, minimum: int) -> int:
    raw = environ.get(name, "")
    if not raw.strip():
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return value


def post_fork_from_env(environ: Mapping[str, str] | None = None) -> PostFork | None:
    """The callable named by ``GRIDGOV_GUNICORN_POST_FORK`` (``module:function``), if any."""
    source = os.environ if environ is None else environ
    target = source.get("GRIDGOV_GUNICORN_POST_FORK", "")
    if not target:
        return None
    module_name, _, attribute = target.partition(":")
    if not attribute:
        raise ValueError(f"GRIDGOV_GUNICORN_POST_FORK must be module:function, got {target!r}")
    function: PostFork = getattr(importlib.import_module(module_name), attribute)
    return function


def build_config(
    *, post_fork: PostFork | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Gunicorn settings and server hooks as a dict for a config module's ``globals()``.

    Raises ``MultiprocessDirMissingError`` when ``PROMETHEUS_MULTIPROC_DIR`` is unusable, so a
    misconfigured API process never starts. Hooks: ``on_starting`` wipes old metric files
    (master, before any worker exists); ``post_fork`` tunes each worker's allocator
    (`shared.allocator`) and runs the callback, which is where MongoDB connects (pymongo
    clients are not fork-safe); ``child_exit`` marks the dead worker's live gauges so they
    stop counting.
    """
    source = os.environ if environ is None else environ
    metrics_dir = require_multiprocess_dir(source)

    def on_starting(_server: Any) -> None:
        removed = wipe_multiprocess_dir(metrics_dir)
        log.info("metrics directory %s wiped (%d stale file(s))", metrics_dir, removed)

    def post_fork_hook(_server: Any, _worker: Any) -> None:
        # Each worker is a long-running process of its own: the same allocator as a
        # service's worker, set before the request threads exist.
        allocator.tune()
        if post_fork is not None:
            post_fork()

    def child_exit(_server: Any, worker: Any) -> None:
        multiprocess.mark_process_dead(worker.pid, str(metrics_dir))  # type: ignore[no-untyped-call]

    return {
        "bind": source.get("GRIDGOV_HTTP_BIND", "127.0.0.1:8000"),
        "workers": _int_env(source, "GRIDGOV_HTTP_WORKERS", 2, 1),
        "threads": _int_env(source, "GRIDGOV_HTTP_THREADS", 4, 1),
        "timeout": _int_env(source, "GRIDGOV_HTTP_TIMEOUT", 30, 1),
        "worker_class": "gthread",
        "graceful_timeout": 20,
        "keepalive": 5,
        "accesslog": None,  # the app logs one JSON line per request itself
        "on_starting": on_starting,
        "post_fork": post_fork_hook,
        "child_exit": child_exit,
    }
