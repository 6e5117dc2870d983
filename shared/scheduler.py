"""Periodic jobs of a worker (the overdue scans): run every few seconds on a thread of their own.

A job is a function of "now" that is safe to run again and from several workers at once (each
of its writes is revision-checked and idempotent), so the scheduler needs no leader election:
two workers scanning at once record each fact once. A failing run is logged and counted and
the job runs again at its next tick; the worker keeps consuming and relaying meanwhile.

Metrics (bounded labels: job names are a fixed list in each service's composition root; the
label is ``name``, as ``job`` is Prometheus's own target label):
``gridgov_scheduled_job_runs_total{name,outcome}``, ``gridgov_scheduled_job_seconds{name}``,
``gridgov_scheduled_job_last_success_timestamp_seconds{name}`` (the ScheduledJobStale and
ScheduledJobFailing alerts watch them).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from prometheus_client import Counter, Gauge, Histogram

log = logging.getLogger(__name__)

JOB_RUNS = Counter(
    "gridgov_scheduled_job_runs_total", "Runs of a worker's periodic job", ["name", "outcome"]
)
JOB_SECONDS = Histogram(
    "gridgov_scheduled_job_seconds",
    "Duration of one run of a periodic job",
    ["name"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60),
)
JOB_LAST_SUCCESS = Gauge(
    "gridgov_scheduled_job_last_success_timestamp_seconds",
    "When a periodic job last finished without error (Unix time)",
    ["name"],
)


@dataclass(frozen=True)
class PeriodicJob:
    """``run(now)`` every ``every_s`` seconds (measured from the end of the previous run)."""

    name: str
    every_s: float
    run: Callable[[datetime], Any]


class Scheduler:
    """Runs its jobs in turn on one thread until `stop()`."""

    def __init__(
        self, jobs: Sequence[PeriodicJob], clock: Callable[[], datetime] | None = None
    ) -> None:
        if not jobs:
            raise ValueError("a scheduler needs at least one job")
        self.jobs = tuple(jobs)
        self._clock = clock or (lambda: datetime.now(UTC))
        self._stopping = threading.Event()
        self._next = {job.name: 0.0 for job in self.jobs}
        for job in self.jobs:
            JOB_RUNS.labels(job.name, "ok")
            JOB_RUNS.labels(job.name, "error")

    def run_once(self) -> None:
        """Run every job whose time has come (each one at most once)."""
        for job in self.jobs:
            if self._stopping.is_set():
                return
            if time.monotonic() < self._next[job.name]:
                continue
            started = time.perf_counter()
            try:
                result = job.run(self._clock())
            except Exception:
                JOB_RUNS.labels(job.name, "error").inc()
                log.exception("periodic job %s failed; it runs again at its next tick", job.name)
            else:
                JOB_RUNS.labels(job.name, "ok").inc()
                JOB_LAST_SUCCESS.labels(job.name).set(time.time())
                if result:
                    log.info("periodic job %s: %s", job.name, result)
            finally:
                JOB_SECONDS.labels(job.name).observe(time.perf_counter() - started)
                self._next[job.name] = time.monotonic() + job.every_s

    def run(self) -> None:
        """Tick until `stop()` (the worker's SIGTERM)."""
        while not self._stopping.is_set():
            self.run_once()
            self._stopping.wait(min(1.0, *(job.every_s for job in self.jobs)))

    def stop(self) -> None:
        self._stopping.set()
