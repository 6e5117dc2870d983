"""Processes sharing one store file count together, exactly, as gunicorn's workers do."""

from __future__ import annotations

import multiprocessing
import sqlite3
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from pathlib import Path

from shared.http.ratelimit import Bucket, Limit, SqliteStore

PROCESSES = 3
ATTEMPTS = 150  # per process, each as its own user of one tenant
USER_LIMIT = Limit("user", 100, 3600)
TENANT_LIMIT = Limit("tenant", 250, 3600)
NOW = 1_800_000_000.0


def hammer(path: str, user: str, start: Barrier, results: Queue[tuple[str, int]]) -> None:
    """One worker process: ``ATTEMPTS`` requests of ``user`` at once; reports how many were
    allowed."""
    store = SqliteStore(path)
    buckets = [Bucket(f"user:{user}", USER_LIMIT), Bucket("tenant:t", TENANT_LIMIT)]
    start.wait(timeout=60)
    results.put((user, sum(store.hit(buckets, NOW).allowed for _ in range(ATTEMPTS))))


def test_workers_hitting_one_file_allow_exactly_the_limit(tmp_path: Path) -> None:
    path = str(tmp_path / "ratelimit.sqlite")
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(PROCESSES)
    results: Queue[tuple[str, int]] = context.Queue()
    workers = [
        context.Process(target=hammer, args=(path, f"u-{n}", start, results))
        for n in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    allowed = dict(results.get(timeout=90) for _ in workers)
    for worker in workers:
        worker.join(timeout=30)

    assert sum(allowed.values()) == TENANT_LIMIT.count  # of 450 attempts: not one more or less
    assert all(count <= USER_LIMIT.count for count in allowed.values())
    with sqlite3.connect(path) as connection:
        hits = dict(connection.execute("SELECT key, hits FROM rate_windows").fetchall())
    # A request refused by the tenant's limit left no trace in its user's counter.
    assert hits == {"tenant:t": TENANT_LIMIT.count, **{f"user:{u}": n for u, n in allowed.items()}}
