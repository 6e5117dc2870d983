"""The rate limiter's cost per request: the same authenticated request with and without it.

Two apps from the real factory (``shared.http.create_app``) serve one trivial view behind a
local token: one with rate limits off, one with the limiter on its real store (a SQLite file in
a temporary folder, as ``PROMETHEUS_MULTIPROC_DIR`` holds it under gunicorn; user and tenant
limits both counted). Each serves ``BENCH_RATELIMIT_REQUESTS`` requests through Flask's test
client, alternating rounds so that drift hits both alike; the limiter's own store call
(``SqliteStore.hit`` with two buckets) is timed alone too, in one process and in three
processes sharing the file. Prints microseconds per request and the ratio; never asserts.

Run: ``python -m bench.ratelimit`` (``make bench`` runs it after the baselines).
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import tempfile
import time
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from shared.auth import require_roles
from shared.http import Blueprint, create_app
from shared.http.ratelimit import Bucket, Limit, RateLimiter, SqliteStore
from shared.settings import PlatformSettings
from shared.testing.tokens import LocalIssuer

REQUESTS = int(os.environ.get("BENCH_RATELIMIT_REQUESTS", "5000"))
HITS = int(os.environ.get("BENCH_RATELIMIT_HITS", "20000"))
ROUNDS = 5
PROCESSES = 3
SERVICE = "bench_ratelimit"
BUCKETS = [
    Bucket("user:bench-user", Limit("user", 10**9, 60)),
    Bucket("tenant:bench-town", Limit("tenant", 10**9, 60)),
]

blp = Blueprint("bench", __name__)


@blp.route("/ping")
@require_roles()
def ping() -> dict[str, str]:
    return {"pong": "yes"}


def build_app(issuer: LocalIssuer, settings: PlatformSettings, folder: Path | None) -> Flask:
    limiter = None
    if folder is not None:
        store = SqliteStore(str(folder / "ratelimit.sqlite"))
        limiter = RateLimiter.from_settings(settings, store=store)
    return create_app(
        service=SERVICE,
        settings=settings,
        blueprints=[blp],
        readiness_checks={},
        verifier=issuer.verifier(),
        configure_logs=False,
        rate_limiter=limiter,
    )


def per_request_us(client: FlaskClient, headers: dict[str, str], count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        response = client.get("/ping", headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"unexpected {response.status_code}: {response.get_data()!r}")
    return (time.perf_counter() - started) / count * 1e6


def requests_with_and_without(folder: Path) -> tuple[float, float]:
    """Median microseconds per request over ``ROUNDS`` rounds: without, then with limits."""
    issuer = LocalIssuer()
    headers = {"Authorization": f"Bearer {issuer.token(tenant_id='bench-town')}"}
    environ = {"GRIDGOV_RATE_LIMIT_USER": "1000000000/minute"}
    environ["GRIDGOV_RATE_LIMIT_TENANT"] = environ["GRIDGOV_RATE_LIMIT_USER"]
    on = PlatformSettings.from_env(environ, service=SERVICE)
    off = PlatformSettings.from_env({"GRIDGOV_RATE_LIMIT_ENABLED": "false"}, service=SERVICE)
    plain = build_app(issuer, off, None).test_client()
    limited = build_app(issuer, on, folder).test_client()
    for client in (plain, limited):  # warm up: JWKS, first connection, page cache
        per_request_us(client, headers, 200)
    without, with_limits = [], []
    for _ in range(ROUNDS):
        without.append(per_request_us(plain, headers, REQUESTS // ROUNDS))
        with_limits.append(per_request_us(limited, headers, REQUESTS // ROUNDS))
    return statistics.median(without), statistics.median(with_limits)


def hits_per_second(path: str, count: int) -> float:
    store = SqliteStore(path)
    store.hit(BUCKETS, time.time())
    started = time.perf_counter()
    for _ in range(count):
        store.hit(BUCKETS, time.time())
    return count / (time.perf_counter() - started)


def shared_hits_per_second(path: str) -> float:
    """``PROCESSES`` processes hitting one file at once: their summed rate."""
    context = multiprocessing.get_context("spawn")
    with context.Pool(PROCESSES) as pool:
        rates = pool.starmap(hits_per_second, [(path, HITS // PROCESSES)] * PROCESSES)
    return sum(rates)


def _line(name: str, value: str) -> None:
    print(f"  {name:<58} {value}")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-ratelimit-") as name:
        folder = Path(name)
        without, with_limits = requests_with_and_without(folder)
        alone = hits_per_second(str(folder / "alone.sqlite"), HITS)
        shared = shared_hits_per_second(str(folder / "shared.sqlite"))
    print(f"{REQUESTS} authenticated GETs through the app factory (Flask test client):")
    _line("without rate limits", f"{without:8.1f} us/request")
    _line("with rate limits (SQLite file, user + tenant)", f"{with_limits:8.1f} us/request")
    _line("overhead", f"{with_limits - without:8.1f} us/request")
    _line("ratio (with / without)", f"{with_limits / without:8.2f}x")
    print("The store alone, one transaction of two upserts per request:")
    _line("one process", f"{alone:8,.0f} hits/s ({1e6 / alone:.1f} us/hit)")
    _line(f"{PROCESSES} processes on one file, together", f"{shared:8,.0f} hits/s")


if __name__ == "__main__":
    main()
