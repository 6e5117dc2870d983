"""Real gunicorn, two gthread workers: every scrape sees the sum over all workers."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.integration

REPO_ROOT = Path(__file__).resolve().parents[4]
GUNICORN = [sys.executable, "-m", "gunicorn", "-c", "python:shared.metrics.gunicorn_conf"]
APP = "shared.tests.integration.metrics.gunicorn_app:app"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def base_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    env.update({"PYTHONPATH": str(REPO_ROOT), **extra})
    return env


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path, subprocess.Popen[bytes]]]:
    metrics_dir = tmp_path / "metrics"
    markers = tmp_path / "forks"
    metrics_dir.mkdir()
    markers.mkdir()
    (metrics_dir / "counter_99999.db").write_bytes(b"stale")  # wiped by on_starting
    port = free_port()
    env = base_env(
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
        GRIDGOV_HTTP_BIND=f"127.0.0.1:{port}",
        GRIDGOV_HTTP_WORKERS="2",
        GRIDGOV_HTTP_THREADS="2",
        GRIDGOV_GUNICORN_POST_FORK="shared.tests.integration.metrics.gunicorn_app:record_fork",
        GRIDGOV_TEST_FORK_MARKERS=str(markers),
    )
    process = subprocess.Popen(
        [*GUNICORN, APP], cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except requests.ConnectionError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            output = process.stdout.read().decode() if process.stdout else ""
            pytest.fail(f"gunicorn did not start:\n{output}")
        time.sleep(0.2)
    yield base, markers, process
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)


def total_for_route(text: str) -> float:
    pattern = re.compile(
        r'^gridgov_http_requests_total\{[^}]*route="/items/<item_id>"[^}]*\} (\S+)$', re.M
    )
    return sum(float(value) for value in pattern.findall(text))


def test_scrapes_aggregate_every_worker(
    server: tuple[str, Path, subprocess.Popen[bytes]],
) -> None:
    base, markers, process = server
    pids = set()
    for n in range(40):
        # A new connection per request lets both workers take requests.
        response = requests.get(f"{base}/items/{n}", timeout=5, headers={"Connection": "close"})
        assert response.status_code == 200
        pids.add(response.json()["pid"])
    for _ in range(6):  # whichever worker answers the scrape, it reports the sum
        text = requests.get(f"{base}/metrics", timeout=5).text
        assert total_for_route(text) == 40
    assert "counter_99999" not in text
    forked = {path.name for path in markers.iterdir()}
    assert len(forked) == 2
    assert str(process.pid) not in forked
    assert pids <= forked


def test_gunicorn_refuses_to_start_without_the_metrics_dir(tmp_path: Path) -> None:
    port = free_port()
    result = subprocess.run(
        [*GUNICORN, APP],
        cwd=REPO_ROOT,
        env=base_env(GRIDGOV_HTTP_BIND=f"127.0.0.1:{port}"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "PROMETHEUS_MULTIPROC_DIR is not set" in result.stdout + result.stderr
