"""Real gunicorn, two gthread workers, a 2 s CPU limit: a request computing forever is answered
503 problem+json, the other worker keeps serving, and the spinning worker is replaced."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from shared.tests.integration.metrics.test_gunicorn_multiprocess import (
    GUNICORN,
    REPO_ROOT,
    base_env,
    free_port,
)

pytestmark = pytest.mark.integration

APP = "shared.tests.integration.metrics.spin_app:app"
LIMIT_SECONDS = 2


def workers(master: int) -> set[int]:
    """The master's child processes (its workers)."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text()
    return {int(pid) for pid in children.split()}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    env = base_env(
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path),
        GRIDGOV_HTTP_BIND=f"127.0.0.1:{port}",
        GRIDGOV_HTTP_WORKERS="2",
        GRIDGOV_HTTP_THREADS="2",
        GRIDGOV_HTTP_TIMEOUT=str(LIMIT_SECONDS),
    )
    # Its own process group: the master and its workers end together whatever happens here
    # (a start that times out used to leave them running, holding memory and a port).
    process = subprocess.Popen(
        [*GUNICORN, APP],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while len(workers(process.pid)) < 2 or not up(base):
            if process.poll() is not None or time.monotonic() > deadline:
                output = process.stdout.read().decode() if process.stdout else ""
                pytest.fail(f"gunicorn did not start:\n{output}")
            time.sleep(0.2)
        yield base, process
    finally:
        _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the group (the master stops its workers), then SIGKILL to whatever of the
    group is left (after 60 s at most)."""
    with contextlib.suppress(ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def up(base: str) -> bool:
    try:
        return requests.get(f"{base}/pid", timeout=1).status_code == 200
    except requests.RequestException:  # refused, or a worker still booting past the timeout
        return False


def test_a_runaway_request_is_answered_503_and_its_worker_replaced(server):
    base, process = server
    before = workers(process.pid)

    started = time.monotonic()
    response = requests.get(f"{base}/spin", timeout=30, headers={"X-Request-ID": "spin-1"})
    answered_after = time.monotonic() - started

    assert response.status_code == 503
    assert response.headers["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "urn:gridgov:problem:request-time-limit"
    assert (problem["instance"], problem["request_id"]) == ("/spin", "spin-1")
    print(f"\nrunaway request answered 503 after {answered_after:.1f} s")
    # The other worker serves meanwhile; the retired one takes no new connection.
    for _ in range(4):
        served = requests.get(f"{base}/pid", timeout=5, headers={"Connection": "close"})
        assert served.status_code == 200
    deadline = time.monotonic() + 40  # graceful_timeout (20 s) and a margin
    after = workers(process.pid)
    while (after == before or len(after) < 2) and time.monotonic() < deadline:
        time.sleep(0.5)
        after = workers(process.pid)
    print(f"worker replaced {time.monotonic() - started:.1f} s after the request started")
    assert len(before - after) == 1
    assert len(after) == 2
