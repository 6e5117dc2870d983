"""Real gunicorn, three workers: together they allow a limit exactly once, through the store
file the API keeps beside its metrics (``PROMETHEUS_MULTIPROC_DIR``)."""

from __future__ import annotations

import signal
import subprocess
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
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

APP = "shared.tests.integration.http.ratelimit_app:app"
LIMIT = 30
DAY = 86400


def rate_limited_total(text: str) -> float:
    prefix = 'gridgov_http_rate_limited_total{scope="ip",service="ratelimit_test"} '
    lines = [line for line in text.splitlines() if line.startswith(prefix)]
    return sum(float(line.removeprefix(prefix)) for line in lines)


def ask_until_several_workers_answered(url: str) -> list[requests.Response]:
    """At least ``3 * LIMIT`` requests, six at a time on fresh connections, until more than
    one worker has answered."""
    answers: list[requests.Response] = []
    with ThreadPoolExecutor(6) as pool:
        while len(answers) < 3 * LIMIT or len({a.headers["X-Worker-Pid"] for a in answers}) < 2:
            if len(answers) > 20 * LIMIT:
                break
            batch = pool.map(
                lambda _: requests.get(url, timeout=5, headers={"Connection": "close"}), range(12)
            )
            answers.extend(batch)
    return answers


def test_the_workers_of_one_api_count_together(tmp_path: Path) -> None:
    if DAY - time.time() % DAY < 60:  # the window is one UTC day: never straddle its end
        time.sleep(DAY - time.time() % DAY + 1)
    port = free_port()
    env = base_env(
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path),
        GRIDGOV_HTTP_BIND=f"127.0.0.1:{port}",
        GRIDGOV_HTTP_WORKERS="3",
        GRIDGOV_HTTP_THREADS="2",
        GRIDGOV_RATE_LIMIT_ENABLED="true",
        GRIDGOV_RATE_LIMIT_STORE="",
        GRIDGOV_RATE_LIMIT_IP=f"{LIMIT}/day",
    )
    process = subprocess.Popen(
        [*GUNICORN, APP], cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:  # not listening yet, or no worker booted yet
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                output = process.stdout.read().decode() if process.stdout else ""
                pytest.fail(f"gunicorn did not start:\n{output}")
            time.sleep(0.2)

        answers = ask_until_several_workers_answered(f"{base}/open")
        metrics = requests.get(f"{base}/metrics", timeout=5).text
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)

    statuses = Counter(answer.status_code for answer in answers)
    assert statuses == {200: LIMIT, 429: len(answers) - LIMIT}
    workers = Counter(answer.headers["X-Worker-Pid"] for answer in answers)
    print(f"\n{len(answers)} requests answered by workers {sorted(workers.values())}")
    assert len(workers) > 1
    refusal = next(answer for answer in answers if answer.status_code == 429)
    assert refusal.headers["Content-Type"] == "application/problem+json"
    assert rate_limited_total(metrics) == len(answers) - LIMIT
    assert (tmp_path / "ratelimit.sqlite").exists()
