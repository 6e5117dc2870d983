"""A CPU-time limit per HTTP request, for the gunicorn gthread workers of every API.

Why not gunicorn's ``timeout``: it watches each worker's main loop, and a gthread worker's main
loop keeps beating while a request thread spins, so it never stops a runaway request (one
import held both grid_registry workers at 100% CPU for 40 minutes under ``timeout = 30``).
For sync workers it does end the worker, but silently: the client sees the connection drop.

Python cannot stop a thread, so the limit ends the process, as gunicorn does for sync workers
and uWSGI's "harakiri" does; only the client gets an answer first:

1. each request is timed by its own thread's CPU clock from the moment the app is called, so
   waiting (for the database, Keycloak, a slow client uploading or downloading) costs nothing
   and a slow upload can never trip it; only computing does;
2. a watchdog thread in each worker looks every second; a request over the limit is logged
   with the stack it is spinning in, answered ``503`` problem+json
   (``urn:gridgov:problem:request-time-limit``) unless its response has started, and its
   connection is shut;
3. the worker stops taking connections, lets its other requests finish for
   ``graceful_timeout`` seconds, then exits; the arbiter starts a fresh worker.

Wired by ``shared.metrics.gunicorn_conf`` with the limit ``GRIDGOV_HTTP_TIMEOUT`` (default 30
seconds of CPU). On a platform without per-thread CPU clocks (not Linux) the wall clock is
used instead.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from shared.http.problems import PROBLEM_CONTENT_TYPE, ServiceUnavailable

log = logging.getLogger(__name__)

Clock = Callable[[int], float]
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
_CHECK_SECONDS = 1.0
_STACK_FRAMES = 12


def thread_cpu_seconds(thread: int) -> float:
    """CPU seconds the thread ``thread`` (a ``threading.get_ident()``) has used so far."""
    return time.clock_gettime(time.pthread_getcpuclockid(thread))


def _wall_seconds(_thread: int) -> float:
    return time.monotonic()


DEFAULT_CLOCK: Clock = (
    thread_cpu_seconds if hasattr(time, "pthread_getcpuclockid") else _wall_seconds
)


@dataclass(slots=True)
class _Request:
    thread: int
    started: float
    method: str
    path: str
    request_id: str | None
    connection: socket.socket | None
    responded: bool = False


class RequestLimit:
    """The requests in flight in one worker, by thread, and what happens to one over the limit.

    ``clock(thread)`` is the thread's CPU seconds (injected by tests); ``end_process`` ends the
    process ``grace`` seconds after a request went over (``os._exit``: the spinning thread would
    keep a normal exit waiting forever)."""

    def __init__(
        self,
        seconds: float,
        *,
        grace: float,
        clock: Clock = DEFAULT_CLOCK,
        end_process: Callable[[int], object] = os._exit,
        sleep: Callable[[float], object] = time.sleep,
    ) -> None:
        self.seconds = seconds
        self.grace = grace
        self._clock = clock
        self._end_process = end_process
        self._sleep = sleep
        self._lock = threading.Lock()
        self._requests: dict[int, _Request] = {}

    def wrap(self, app: WsgiApp) -> WsgiApp:
        """``app`` with each call timed from its start until `end` (gunicorn's post_request)."""

        def limited(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
            thread = threading.get_ident()
            request = _Request(
                thread=thread,
                started=self._clock(thread),
                method=str(environ.get("REQUEST_METHOD", "")),
                path=str(environ.get("PATH_INFO", "")),
                request_id=environ.get("HTTP_X_REQUEST_ID"),
                connection=environ.get("gunicorn.socket"),
            )
            with self._lock:
                self._requests[thread] = request

            def starting(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
                request.responded = True
                return start_response(status, headers, *exc_info)

            return app(environ, starting)

        return limited

    def end(self) -> None:
        """The calling thread's request is done (its response is written)."""
        with self._lock:
            self._requests.pop(threading.get_ident(), None)

    def overdue(self) -> list[_Request]:
        """The requests that have computed for longer than the limit."""
        with self._lock:
            requests = list(self._requests.values())
        found = []
        for request in requests:
            try:
                used = self._clock(request.thread) - request.started
            except OSError:  # the thread is gone: its request is over
                continue
            if used > self.seconds:
                found.append(request)
        return found

    def check(self, worker: Any) -> bool:
        """Answer and report every overdue request and retire ``worker``; True if any was."""
        overdue = self.overdue()
        for request in overdue:
            self._report(request)
            self._answer(request)
        if overdue:
            worker.alive = False  # the main loop stops accepting and drains the rest
        return bool(overdue)

    def watch(self, worker: Any, interval: float = _CHECK_SECONDS) -> threading.Thread:
        """Start the watchdog thread of ``worker``: check every ``interval`` seconds; once a
        request was over the limit, end the process ``grace`` seconds later."""

        def run() -> None:
            while not self.check(worker):
                self._sleep(interval)
            self._sleep(self.grace)
            for handler in logging.getLogger().handlers:
                handler.flush()
            self._end_process(1)

        thread = threading.Thread(target=run, name="request-limit", daemon=True)
        thread.start()
        return thread

    def _report(self, request: _Request) -> None:
        frame = sys._current_frames().get(request.thread)
        stack = "".join(traceback.format_stack(frame, limit=_STACK_FRAMES)) if frame else ""
        log.error(
            "request over its %.0f s CPU limit: %s %s; answering 503 and replacing this worker",
            self.seconds,
            request.method,
            request.path,
            extra={"request_id": request.request_id, "stack": stack, "pid": os.getpid()},
        )

    def _answer(self, request: _Request) -> None:
        connection = request.connection
        if connection is None:
            return
        try:
            if not request.responded:
                connection.sendall(_problem_response(request, self.seconds))
            connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # the client is gone already


def _problem_response(request: _Request, seconds: float) -> bytes:
    problem = ServiceUnavailable(
        f"the request used more than {seconds:.0f} s of processing and was stopped; "
        "a smaller upload or a narrower query may succeed",
        slug="request-time-limit",
    )
    body = json.dumps(
        problem.body(instance=request.path, request_id=request.request_id), ensure_ascii=False
    ).encode()
    head = (
        f"HTTP/1.1 {problem.status} {problem.title}\r\n"
        f"Content-Type: {PROBLEM_CONTENT_TYPE}\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: close\r\n"
    )
    if request.request_id is not None:
        head += f"X-Request-ID: {request.request_id}\r\n"
    return (head + "\r\n").encode("latin-1") + body


def gunicorn_hooks(*, seconds: float, grace: float) -> Mapping[str, Callable[..., None]]:
    """``post_worker_init`` and ``post_request`` for a gunicorn config module: each worker gets
    its own `RequestLimit` around its app and its watchdog thread."""

    def post_worker_init(worker: Any) -> None:
        limit = RequestLimit(seconds, grace=grace)
        worker.wsgi = limit.wrap(worker.wsgi)
        worker.request_limit = limit
        limit.watch(worker)

    def post_request(worker: Any, _req: Any, _environ: Any, _resp: Any) -> None:
        limit: RequestLimit | None = getattr(worker, "request_limit", None)
        if limit is not None:
            limit.end()

    return {"post_worker_init": post_worker_init, "post_request": post_request}


__all__ = ["DEFAULT_CLOCK", "RequestLimit", "gunicorn_hooks", "thread_cpu_seconds"]
