"""The per-request CPU limit: only computing counts, an overdue request is answered 503
problem+json unless its response started, and its worker is retired, then ended."""

from __future__ import annotations

import importlib
import json
import socket
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from shared.metrics.request_limit import RequestLimit, gunicorn_hooks, thread_cpu_seconds


class FakeClock:
    """CPU seconds per thread, set by the test."""

    def __init__(self) -> None:
        self.used: dict[int, float] = {}

    def __call__(self, thread: int) -> float:
        return self.used.get(thread, 0.0)


def call(limit: RequestLimit, *, respond: bool, connection: Any = None) -> None:
    """One request through the wrapped app in the calling thread, left in flight."""

    def app(_environ: dict[str, Any], start_response: Any) -> list[bytes]:
        if respond:
            start_response("200 OK", [])
        return []

    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/divisions/import",
        "HTTP_X_REQUEST_ID": "req-1",
        "gunicorn.socket": connection,
    }
    limit.wrap(app)(environ, lambda *_: None)


def test_only_a_request_that_computed_past_the_limit_is_overdue() -> None:
    clock = FakeClock()
    limit = RequestLimit(30, grace=20, clock=clock)
    me = threading.get_ident()
    call(limit, respond=False)

    clock.used[me] = 29.0
    assert limit.overdue() == []
    clock.used[me] = 31.0
    assert [request.path for request in limit.overdue()] == ["/divisions/import"]
    limit.end()
    assert limit.overdue() == []


def overrun(*, respond: bool) -> tuple[bytes, SimpleNamespace]:
    """Run one request over a 30 s limit on a socket pair: what its client received (until the
    connection was shut) and its worker."""
    clock = FakeClock()
    limit = RequestLimit(30, grace=20, clock=clock)
    server, client = socket.socketpair()
    worker = SimpleNamespace(alive=True)
    with server, client:
        call(limit, respond=respond, connection=server)
        assert limit.check(worker) is False
        clock.used[threading.get_ident()] = 31.0
        assert limit.check(worker) is True
        received = b"".join(iter(lambda: client.recv(65536), b""))
    return received, worker


def test_an_overdue_request_is_answered_503_problem_json_and_its_worker_retired() -> None:
    answer, worker = overrun(respond=False)

    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 503 ")
    assert b"Content-Type: application/problem+json" in head
    assert b"X-Request-ID: req-1" in head
    problem = json.loads(body)
    assert problem["status"] == 503
    assert problem["type"] == "urn:gridgov:problem:request-time-limit"
    assert (problem["instance"], problem["request_id"]) == ("/divisions/import", "req-1")
    assert worker.alive is False


def test_a_request_whose_response_started_gets_no_second_answer() -> None:
    answer, worker = overrun(respond=True)

    assert answer == b""
    assert worker.alive is False


def test_the_watchdog_ends_the_process_a_grace_period_after_a_request_went_over() -> None:
    clock = FakeClock()
    ended = threading.Event()
    slept: list[float] = []
    me = threading.get_ident()

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.used[me] = 31.0  # the request keeps computing

    limit = RequestLimit(
        30, grace=20, clock=clock, end_process=lambda _code: ended.set(), sleep=sleep
    )
    worker = SimpleNamespace(alive=True)
    call(limit, respond=False)

    limit.watch(worker, interval=1.0).join(timeout=5)

    assert ended.is_set()
    assert worker.alive is False
    assert slept == [1.0, 20]


def test_waiting_costs_no_cpu_time_computing_does() -> None:
    used: dict[str, float] = {}

    def measure(name: str, work: Any) -> None:
        me = threading.get_ident()
        before = thread_cpu_seconds(me)
        work()
        used[name] = thread_cpu_seconds(me) - before

    def spin() -> None:
        end = time.monotonic() + 0.3
        while time.monotonic() < end:
            pass

    threads = [
        threading.Thread(target=measure, args=("sleep", lambda: time.sleep(0.3))),
        threading.Thread(target=measure, args=("spin", spin)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert used["sleep"] < 0.05
    assert used["spin"] > 0.1


@pytest.fixture
def watched(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Workers whose watchdog was started (not really: it would outlive the test)."""
    started: list[Any] = []
    monkeypatch.setattr(RequestLimit, "watch", lambda _self, worker: started.append(worker))
    return started


def test_the_hooks_wrap_each_workers_app_and_close_each_request(watched: list[Any]) -> None:
    hooks = gunicorn_hooks(seconds=30, grace=20)
    seen: list[str] = []

    def app(environ: dict[str, Any], _start_response: Any) -> list[bytes]:
        seen.append(environ["PATH_INFO"])
        return []

    worker = SimpleNamespace(alive=True, wsgi=app)
    hooks["post_worker_init"](worker)
    assert watched == [worker]
    worker.wsgi({"PATH_INFO": "/x"}, lambda *_: None)
    assert seen == ["/x"]
    assert len(worker.request_limit._requests) == 1
    hooks["post_request"](worker, None, {}, None)
    assert worker.request_limit._requests == {}


def test_the_config_module_limits_requests_to_the_http_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, watched: list[Any]
) -> None:
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    monkeypatch.setenv("GRIDGOV_HTTP_TIMEOUT", "45")
    monkeypatch.delitem(sys.modules, "shared.metrics.gunicorn_conf", raising=False)
    conf = importlib.import_module("shared.metrics.gunicorn_conf")

    assert conf.timeout == 45
    worker = SimpleNamespace(alive=True, wsgi=lambda *_: [])
    conf.post_worker_init(worker)
    assert (worker.request_limit.seconds, worker.request_limit.grace) == (45, 20)
    assert watched == [worker]
    assert callable(conf.post_request)
