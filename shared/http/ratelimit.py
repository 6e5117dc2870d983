"""Rate limits per user and per tenant on every API, counted by all its workers on a host.

The app factory (``shared.http.app``) runs the limiter right after authentication, before the
body is read. What a request counts against:

==================================  ==========================================================
request                             limits (``GRIDGOV_RATE_LIMIT_<SCOPE>``)
==================================  ==========================================================
authenticated                       ``user`` (its subject) and ``tenant`` (when it has one)
authenticated, view ``@ingestion``  ``ingestion`` (its subject) only: the phones' path
no token (``@public`` views)        ``ip`` (the client address)
never counted                       ``/healthz``, ``/readyz``, ``/metrics``, ``/openapi.json``,
                                    CORS preflights, unrouted requests (404/405)
==================================  ==========================================================

A request is counted in each of its limits only when all of them have room, so a refused
request costs nothing and one user's flood cannot use up its tenant's allowance. Windows are
fixed and aligned on the clock: ``600/minute`` allows 600 requests in each calendar minute
(up to twice that across a minute's boundary). Refused: 429 problem+json
(``urn:gridgov:problem:rate-limited``) with ``Retry-After`` (seconds until the window ends);
every counted response carries ``RateLimit-Limit``, ``RateLimit-Remaining`` and
``RateLimit-Reset`` (seconds) of the limit closest to being reached.

The counters live in a SQLite file every worker process of the API opens (WAL, one
``BEGIN IMMEDIATE`` transaction of one upsert per limit): by default
``$PROMETHEUS_MULTIPROC_DIR/ratelimit.sqlite``, the API's scratch folder that the start scripts
create per process group and empty at start. Replicas on other hosts count separately
(ADR 11). When the store fails the request goes through unchecked (fail open), logged and
counted in ``gridgov_http_rate_limit_store_errors_total``.
"""

from __future__ import annotations

import logging
import math
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from flask import Flask, Response, current_app, g, request

from shared.auth import NotAuthenticated, Principal, current_principal
from shared.http.problems import TooManyRequests
from shared.metrics.http import HTTP_RATE_LIMIT_STORE_ERRORS, HTTP_RATE_LIMITED, multiprocess_dir
from shared.settings import PlatformSettings, parse_rate

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])
Clock = Callable[[], float]
ViewAttribute = Callable[[Any, str, str], Any]
"""``(view, attribute name, method) -> value``: how the app factory reads a view's markers."""

INGESTION_ATTRIBUTE = "_gridgov_ingestion"
STORE_FILE = "ratelimit.sqlite"  # not *.db: the metrics collector reads every *.db file there
MEMORY = ":memory:"
BUSY_TIMEOUT_SECONDS = 1.0
STORE_RETRY_SECONDS = 1.0
PRUNE_EVERY = 1000
_SCOPE_WORDS = {
    "user": "user",
    "tenant": "tenant",
    "ingestion": "user on ingestion routes",
    "ip": "client address",
}
# Counters of every limit: the end of the window they count (epoch seconds) and the hits in it.
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS rate_windows ("
    " key TEXT PRIMARY KEY, window_end INTEGER NOT NULL, hits INTEGER NOT NULL"
    ") WITHOUT ROWID"
)
# One hit if the window has room (or a new window began); no row back when it is full.
_HIT = (
    "INSERT INTO rate_windows (key, window_end, hits) VALUES (?1, ?2, 1) "
    "ON CONFLICT (key) DO UPDATE SET"
    " hits = CASE WHEN window_end = excluded.window_end THEN hits + 1 ELSE 1 END,"
    " window_end = excluded.window_end "
    "WHERE window_end != excluded.window_end OR hits < ?3 "
    "RETURNING hits"
)
_PRUNE = "DELETE FROM rate_windows WHERE window_end <= ?"


def ingestion(view: F) -> F:
    """Mark a view as a phone ingestion route: each caller is counted against
    ``GRIDGOV_RATE_LIMIT_INGESTION`` instead of its user and tenant limits."""
    setattr(view, INGESTION_ATTRIBUTE, True)
    return view


@dataclass(frozen=True, slots=True)
class Limit:
    """``count`` requests per ``period`` seconds, for one ``scope`` (a bounded metric label)."""

    scope: str
    count: int
    period: int

    @classmethod
    def parse(cls, scope: str, rate: str) -> Limit:
        """``Limit.parse("user", "600/minute")``; ``ValueError`` for a malformed rate."""
        count, period = parse_rate(rate)
        return cls(scope, count, period)

    def describe(self) -> str:
        """``"600 requests per 60 s"``."""
        return f"{self.count} requests per {self.period} s"


@dataclass(frozen=True, slots=True)
class Bucket:
    """One counter: ``key`` names who is counted (``user:<subject>``), ``limit`` how much."""

    key: str
    limit: Limit


@dataclass(frozen=True, slots=True)
class Usage:
    """A bucket after a request: hits in the current window, seconds until it ends."""

    bucket: Bucket
    used: int
    resets_in: float

    @property
    def remaining(self) -> int:
        """Requests still allowed in this window."""
        return max(0, self.bucket.limit.count - self.used)

    def headers(self) -> dict[str, str]:
        """``RateLimit-Limit``, ``RateLimit-Remaining`` and ``RateLimit-Reset`` (seconds)."""
        return {
            "RateLimit-Limit": str(self.bucket.limit.count),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(_whole_seconds(self.resets_in)),
        }


@dataclass(frozen=True, slots=True)
class Decision:
    """Whether the request may go on; ``usage`` is every bucket when it may, the full one
    when it may not."""

    allowed: bool
    usage: tuple[Usage, ...]

    @property
    def tightest(self) -> Usage:
        """The bucket closest to its limit (the one to report in headers)."""
        return min(self.usage, key=lambda usage: (usage.remaining, -usage.resets_in))


class StoreUnavailable(Exception):
    """The counters cannot be read or written; the limiter lets the request through."""


class CounterStore(Protocol):
    """Where the counters live. ``hit`` is atomic over ``buckets``: it counts the request in
    every bucket when each has room, in none otherwise; raises ``StoreUnavailable``."""

    def hit(self, buckets: Sequence[Bucket], now: float) -> Decision:
        """Count one request at ``now`` (epoch seconds) if every bucket has room."""
        ...


# Connections opened before a fork: closing one in a child would let it checkpoint and remove
# the WAL the parent still uses, so they are kept, unused, for the life of the process.
_INHERITED: list[sqlite3.Connection] = []


class SqliteStore:
    """Fixed-window counters in one SQLite database, shared by every process that opens
    ``path`` (``":memory:"``: this process only).

    Each process opens its own connection on first use (after gunicorn forks), in WAL mode
    without fsync (the counters are worth nothing after a crash); threads of a process take
    turns on it. ``BEGIN IMMEDIATE`` serialises writers across processes, waiting up to
    ``busy_timeout`` seconds. Windows that ended are deleted every ``prune_every`` hits.
    """

    def __init__(
        self,
        path: str,
        *,
        busy_timeout: float = BUSY_TIMEOUT_SECONDS,
        prune_every: int = PRUNE_EVERY,
    ) -> None:
        self.path = path
        self.busy_timeout = busy_timeout
        self.prune_every = prune_every
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None
        self._pid = 0
        self._hits = 0

    def hit(self, buckets: Sequence[Bucket], now: float) -> Decision:
        """See ``CounterStore.hit``."""
        with self._lock:
            try:
                connection = self._connect()
                decision = self._hit(connection, buckets, now)
            except sqlite3.Error as exc:
                self._drop()
                raise StoreUnavailable(f"{self.path}: {exc}") from exc
            self._hits += 1
            if self._hits % self.prune_every == 0:
                self._prune(connection, now)
            return decision

    def _hit(
        self, connection: sqlite3.Connection, buckets: Sequence[Bucket], now: float
    ) -> Decision:
        usage: list[Usage] = []
        connection.execute("BEGIN IMMEDIATE")
        try:
            for bucket in buckets:
                period = bucket.limit.period
                window_end = (math.floor(now) // period + 1) * period
                row = connection.execute(
                    _HIT, (bucket.key, window_end, bucket.limit.count)
                ).fetchone()
                if row is None:
                    connection.execute("ROLLBACK")
                    full = Usage(bucket, bucket.limit.count, window_end - now)
                    return Decision(allowed=False, usage=(full,))
                usage.append(Usage(bucket, int(row[0]), window_end - now))
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
        return Decision(allowed=True, usage=tuple(usage))

    def _prune(self, connection: sqlite3.Connection, now: float) -> None:
        try:
            connection.execute(_PRUNE, (math.floor(now),))
        except sqlite3.Error as exc:  # the next prune will do; the hit was counted
            log.info("rate-limit store: ended windows not pruned (%s)", exc)

    def _connect(self) -> sqlite3.Connection:
        if self._connection is not None and self._pid == os.getpid():
            return self._connection
        if self._connection is not None:
            _INHERITED.append(self._connection)
        connection = sqlite3.connect(
            self.path, timeout=self.busy_timeout, isolation_level=None, check_same_thread=False
        )
        try:
            self._use_wal(connection)
            connection.execute("PRAGMA synchronous=OFF")
            connection.execute(_SCHEMA)
        except sqlite3.Error:
            connection.close()
            raise
        self._connection, self._pid = connection, os.getpid()
        return connection

    def _use_wal(self, connection: sqlite3.Connection) -> None:
        # Switching a new file to WAL fails at once, without waiting, while another process
        # is writing it (workers setting it up together): retry within the busy timeout.
        deadline = time.monotonic() + self.busy_timeout
        while True:
            try:
                connection.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.005)

    def _drop(self) -> None:
        # Reopen on the next hit: the file may have been deleted or replaced meanwhile.
        connection, self._connection = self._connection, None
        if connection is not None and self._pid == os.getpid():
            connection.close()


def store_from_settings(settings: PlatformSettings) -> SqliteStore:
    """The store ``GRIDGOV_RATE_LIMIT_STORE`` names; by default a file in the API's
    ``PROMETHEUS_MULTIPROC_DIR`` (shared by its workers), else this process's memory."""
    url = settings.rate_limit_store
    if url.startswith("sqlite:///"):
        return SqliteStore(url.removeprefix("sqlite:///"))
    folder = multiprocess_dir()
    if url == "" and folder is not None:
        return SqliteStore(os.path.join(folder, STORE_FILE))
    return SqliteStore(MEMORY)


class RateLimiter:
    """Chooses a request's buckets, asks the store, and turns a full bucket into a 429."""

    def __init__(
        self,
        *,
        service: str,
        store: CounterStore,
        user: Limit,
        tenant: Limit,
        ingestion: Limit,
        ip: Limit,
        tenant_overrides: Mapping[str, Limit] | None = None,
        clock: Clock = time.time,
        store_retry_seconds: float = STORE_RETRY_SECONDS,
    ) -> None:
        self.service = service
        self.store = store
        self.user = user
        self.tenant = tenant
        self.ingestion = ingestion
        self.ip = ip
        self.tenant_overrides = dict(tenant_overrides or {})
        self._clock = clock
        self._store_retry_seconds = store_retry_seconds
        self._store_down_until: float | None = None

    @classmethod
    def from_settings(
        cls, settings: PlatformSettings, *, store: CounterStore | None = None
    ) -> RateLimiter | None:
        """The limiter the settings describe; ``None`` when ``GRIDGOV_RATE_LIMIT_ENABLED`` is
        false."""
        if not settings.rate_limit_enabled:
            return None
        overrides = {}
        for item in settings.rate_limit_tenant_overrides:
            tenant_id, _, rate = item.partition("=")
            overrides[tenant_id.strip()] = Limit.parse("tenant", rate)
        return cls(
            service=settings.service,
            store=store or store_from_settings(settings),
            user=Limit.parse("user", settings.rate_limit_user),
            tenant=Limit.parse("tenant", settings.rate_limit_tenant),
            ingestion=Limit.parse("ingestion", settings.rate_limit_ingestion),
            ip=Limit.parse("ip", settings.rate_limit_ip),
            tenant_overrides=overrides,
        )

    def buckets(
        self, principal: Principal | None, *, ingestion: bool, address: str | None
    ) -> list[Bucket]:
        """What a request of ``principal`` (``None``: no token) from ``address`` counts
        against."""
        if principal is None:
            return [Bucket(f"ip:{address or 'unknown'}", self.ip)]
        if ingestion:
            return [Bucket(f"ingestion:{principal.subject}", self.ingestion)]
        buckets = [Bucket(f"user:{principal.subject}", self.user)]
        if principal.tenant_id is not None:
            limit = self.tenant_overrides.get(principal.tenant_id, self.tenant)
            buckets.append(Bucket(f"tenant:{principal.tenant_id}", limit))
        return buckets

    def check(self, buckets: Sequence[Bucket]) -> Decision | None:
        """Count a request in ``buckets``; ``None`` when the store failed (let it through)."""
        now = self._clock()
        if self._store_down_until is not None and now < self._store_down_until:
            HTTP_RATE_LIMIT_STORE_ERRORS.labels(self.service).inc()
            return None
        try:
            decision = self.store.hit(buckets, now)
        except StoreUnavailable as exc:
            HTTP_RATE_LIMIT_STORE_ERRORS.labels(self.service).inc()
            if self._store_down_until is None:
                log.warning("rate limits not enforced: the store failed (%s)", exc)
            self._store_down_until = now + self._store_retry_seconds
            return None
        if self._store_down_until is not None:
            self._store_down_until = None
            log.info("rate limits enforced again: the store answers")
        return decision

    def enforce(
        self, principal: Principal | None, *, ingestion: bool, address: str | None
    ) -> Usage | None:
        """The usage to report for an allowed request (``None``: not checked); raises
        ``TooManyRequests`` when a limit is reached."""
        decision = self.check(self.buckets(principal, ingestion=ingestion, address=address))
        if decision is None:
            return None
        usage = decision.tightest
        if decision.allowed:
            return usage
        limit = usage.bucket.limit
        HTTP_RATE_LIMITED.labels(self.service, limit.scope).inc()
        retry_after = _whole_seconds(usage.resets_in)
        raise TooManyRequests(
            f"rate limit of this {_SCOPE_WORDS[limit.scope]} reached ({limit.describe()}); "
            f"retry in {retry_after} s",
            retry_after=retry_after,
            headers=usage.headers(),
        )


def _whole_seconds(seconds: float) -> int:
    return math.ceil(seconds)  # a window always ends after now: never 0


def _principal() -> Principal | None:
    try:
        return current_principal()
    except NotAuthenticated:
        return None


def install_rate_limits(
    app: Flask,
    limiter: RateLimiter,
    *,
    view_attribute: ViewAttribute,
    unlimited_endpoints: Iterable[str],
) -> None:
    """Register the limiter's hooks on ``app``: call it right after the authentication hook.

    ``view_attribute`` reads a marker set on a view (``@ingestion``); requests to
    ``unlimited_endpoints`` (probes, metrics, the OpenAPI document) are never counted.
    """
    unlimited = frozenset(unlimited_endpoints)

    def limit_request() -> None:
        if request.url_rule is None or request.endpoint is None or request.method == "OPTIONS":
            return
        if request.endpoint in unlimited:
            return
        view = current_app.view_functions.get(request.endpoint)
        marked = bool(view_attribute(view, INGESTION_ATTRIBUTE, request.method))
        g.gridgov_rate_usage = limiter.enforce(
            _principal(), ingestion=marked, address=request.remote_addr
        )

    def add_headers(response: Response) -> Response:
        usage: Usage | None = g.get("gridgov_rate_usage")
        if usage is not None:
            response.headers.extend(usage.headers())
        return response

    app.before_request(limit_request)
    app.after_request(add_headers)


__all__ = [
    "INGESTION_ATTRIBUTE",
    "Bucket",
    "CounterStore",
    "Decision",
    "Limit",
    "RateLimiter",
    "SqliteStore",
    "StoreUnavailable",
    "Usage",
    "ingestion",
    "install_rate_limits",
    "store_from_settings",
]
