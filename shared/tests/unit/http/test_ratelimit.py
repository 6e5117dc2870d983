"""Rate limits per user, per tenant, on ingestion routes and per address; 429s and headers;
exempt endpoints; failing open; the limiter built from settings."""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask.views import MethodView
from prometheus_client import REGISTRY

from shared.auth import require_roles
from shared.http import PROBLEM_CONTENT_TYPE, Blueprint
from shared.http import ratelimit as ratelimit_module
from shared.http.ratelimit import (
    Bucket,
    Decision,
    Limit,
    RateLimiter,
    SqliteStore,
    StoreUnavailable,
    ingestion,
    store_from_settings,
)
from shared.settings import PlatformSettings, SettingsError, parse_rate
from shared.testing.tokens import LocalIssuer
from shared.tests.unit.http.conftest import blp

SERVICE = "things"
MINUTE_START = 1_800_000_000.0  # a whole minute (divisible by 60)
NOW = MINUTE_START + 15.0  # 45 s before the window ends

phones = Blueprint("phones", __name__, url_prefix="/phones")


@phones.route("/points", methods=["POST"])
@ingestion
@require_roles()
def points() -> dict[str, str]:
    return {"stored": "yes"}


@phones.route("/visits")
class Visits(MethodView):
    @ingestion
    @require_roles()
    def post(self) -> dict[str, str]:
        return {"stored": "yes"}

    @require_roles()
    def get(self) -> dict[str, str]:
        return {"visits": "none"}


class Clock:
    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def limiter(
    *,
    user: str = "1000/minute",
    tenant: str = "1000/minute",
    ingestion_rate: str = "1000/minute",
    ip: str = "1000/minute",
    store: Any = None,
    clock: Callable[[], float] | None = None,
    overrides: dict[str, str] | None = None,
) -> RateLimiter:
    return RateLimiter(
        service=SERVICE,
        store=store or SqliteStore(":memory:"),
        user=Limit.parse("user", user),
        tenant=Limit.parse("tenant", tenant),
        ingestion=Limit.parse("ingestion", ingestion_rate),
        ip=Limit.parse("ip", ip),
        tenant_overrides={k: Limit.parse("tenant", v) for k, v in (overrides or {}).items()},
        clock=clock or Clock(),
    )


@pytest.fixture
def client_with(make_app: Callable[..., Flask]) -> Callable[..., FlaskClient]:
    def build(rate_limiter: RateLimiter) -> FlaskClient:
        app = make_app(blueprints=[blp, phones], rate_limiter=rate_limiter)
        return app.test_client()

    return build


@pytest.fixture
def bearer(issuer: LocalIssuer) -> Callable[..., dict[str, str]]:
    def headers(
        subject: str, tenant_id: str | None = "demo-town-a", **claims: Any
    ) -> dict[str, str]:
        roles = ("platform-admin",) if tenant_id is None else ("tenant-admin",)
        token = issuer.token(subject=subject, tenant_id=tenant_id, roles=roles, **claims)
        return {"Authorization": f"Bearer {token}"}

    return headers


def refused(service: str, scope: str) -> float:
    labels = {"service": service, "scope": scope}
    return REGISTRY.get_sample_value("gridgov_http_rate_limited_total", labels) or 0.0


def store_errors(service: str) -> float:
    labels = {"service": service}
    return REGISTRY.get_sample_value("gridgov_http_rate_limit_store_errors_total", labels) or 0.0


def statuses(client: FlaskClient, path: str, headers: dict[str, str], times: int) -> list[int]:
    return [client.get(path, headers=headers).status_code for _ in range(times)]


def test_a_user_gets_its_limit_then_a_429_problem_with_retry_after(
    client_with: Callable[..., FlaskClient], bearer: Callable[..., dict[str, str]]
) -> None:
    client = client_with(limiter(user="3/minute"))
    before = refused(SERVICE, "user")

    assert statuses(client, "/things/t-1", bearer("u-1"), 3) == [200, 200, 200]
    response = client.get("/things/t-1", headers=bearer("u-1"))

    assert response.status_code == 429
    assert response.content_type == PROBLEM_CONTENT_TYPE
    problem = response.get_json()
    assert problem["type"] == "urn:gridgov:problem:rate-limited"
    assert "this user" in problem["detail"]
    assert "u-1" not in problem["detail"]
    assert response.headers["Retry-After"] == "45"
    assert response.headers["RateLimit-Limit"] == "3"
    assert response.headers["RateLimit-Remaining"] == "0"
    assert response.headers["RateLimit-Reset"] == "45"
    assert refused(SERVICE, "user") == before + 1


def test_retry_after_is_whole_seconds_and_never_zero(
    client_with: Callable[..., FlaskClient], bearer: Callable[..., dict[str, str]]
) -> None:
    client = client_with(limiter(user="1/minute", clock=Clock(MINUTE_START + 59.7)))
    client.get("/things/t-1", headers=bearer("u-1"))

    response = client.get("/things/t-1", headers=bearer("u-1"))

    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1"


def test_counted_responses_carry_the_headers_of_the_tightest_limit(
    client_with: Callable[..., FlaskClient], bearer: Callable[..., dict[str, str]]
) -> None:
    client = client_with(limiter(user="5/minute", tenant="100/hour"))

    first = client.get("/things/t-1", headers=bearer("u-1"))

    assert first.status_code == 200
    assert first.headers["RateLimit-Limit"] == "5"
    assert first.headers["RateLimit-Remaining"] == "4"
    assert first.headers["RateLimit-Reset"] == "45"
    other_user = client.get("/things/t-1", headers=bearer("u-2"))
    assert other_user.headers["RateLimit-Remaining"] == "4"


def test_failures_after_the_limiter_are_counted_too(
    client_with: Callable[..., FlaskClient], bearer: Callable[..., dict[str, str]]
) -> None:
    client = client_with(limiter(user="2/minute"))

    assert client.get("/things/no-such", headers=bearer("u-1")).status_code == 404
    assert client.get("/things/boom", headers=bearer("u-1")).status_code == 500

    assert client.get("/things/t-1", headers=bearer("u-1")).status_code == 429


def test_a_new_window_lets_the_user_in_again(
    client_with: Callable[..., FlaskClient], bearer: Callable[..., dict[str, str]]
) -> None:
    clock = Clock()
    client = client_with(limiter(user="2/minute", clock=clock))
    assert statuses(client, "/things/t-1", bearer("u-1"), 3) == [200, 200, 429]

    clock.now = MINUTE_START + 60.0

    assert statuses(client, "/things/t-1", bearer("u-1"), 3) == [200, 200, 429]


def test_the_users_of_a_tenant_share_its_limit(
    client_with: Callable[..., FlaskClient], bearer: Callable[..., dict[str, str]]
) -> None:
    client = client_with(limiter(user="3/minute", tenant="4/minute"))
    before = refused(SERVICE, "tenant")

    assert statuses(client, "/things/t-1", bearer("u-1"), 3) == [200, 200, 200]
    assert statuses(client, "/things/t-1", bearer("u-2"), 2) == [200, 429]

    response = client.get("/things/t-1", headers=bearer("u-3"))
    assert response.status_code == 429
    assert "this tenant" in response.get_json()["detail"]
    assert refused(SERVICE, "tenant") == before + 2
    other_tenant = bearer("u-4", tenant_id="demo-town-b")
    assert client.get("/things/t-1", headers=other_tenant).status_code == 200


def test_a_refused_request_counts_nowhere(
    client_with: Callable[..., FlaskClient], bearer: Callable[..., dict[str, str]]
) -> None:
    """One user's flood beyond its own limit does not use up its tenant's allowance."""
    client = client_with(limiter(user="2/minute", tenant="4/minute"))

    assert statuses(client, "/things/t-1", bearer("u-1"), 10) == [200, 200] + [429] * 8

    assert statuses(client, "/things/t-1", bearer("u-2"), 3) == [200, 200, 429]


def test_a_tenant_override_replaces_the_tenant_limit(
    client_with: Callable[..., FlaskClient], bearer: Callable[..., dict[str, str]]
) -> None:
    client = client_with(limiter(tenant="1/minute", overrides={"big-town": "3/minute"}))

    assert statuses(client, "/things/t-1", bearer("u-1"), 2) == [200, 429]
    big = [bearer(f"b-{n}", tenant_id="big-town") for n in range(4)]
    assert [client.get("/things/t-1", headers=h).status_code for h in big] == [200] * 3 + [429]


def test_an_untenanted_caller_has_only_its_user_limit(
    client_with: Callable[..., FlaskClient], bearer: Callable[..., dict[str, str]]
) -> None:
    client = client_with(limiter(user="2/minute", tenant="1/minute"))
    headers = bearer("platform-1", tenant_id=None)

    assert statuses(client, "/things/whoami", headers, 3) == [200, 200, 429]


def test_ingestion_routes_have_their_own_limit_apart_from_user_and_tenant(
    client_with: Callable[..., FlaskClient], bearer: Callable[..., dict[str, str]]
) -> None:
    client = client_with(limiter(user="2/minute", tenant="2/minute", ingestion_rate="5/minute"))
    phone = bearer("w-1")
    before = refused(SERVICE, "ingestion")

    posted = [client.post("/phones/points", headers=phone).status_code for _ in range(3)]
    posted += [client.post("/phones/visits", headers=phone).status_code for _ in range(3)]

    assert posted == [200] * 5 + [429]
    assert refused(SERVICE, "ingestion") == before + 1
    # The API limits of the user and its tenant are untouched by its ingestion.
    assert statuses(client, "/phones/visits", phone, 3) == [200, 200, 429]


def test_requests_without_a_token_are_limited_per_address(
    client_with: Callable[..., FlaskClient], bearer: Callable[..., dict[str, str]]
) -> None:
    client = client_with(limiter(ip="2/minute"))
    before = refused(SERVICE, "ip")

    codes = [client.get("/things/open").status_code for _ in range(3)]
    elsewhere = client.get("/things/open", environ_base={"REMOTE_ADDR": "10.0.0.9"})

    assert codes == [200, 200, 429]
    assert elsewhere.status_code == 200
    assert refused(SERVICE, "ip") == before + 1
    # An authenticated caller is not counted per address.
    assert client.get("/things/t-1", headers=bearer("u-1")).status_code == 200


@pytest.mark.parametrize(
    ("hops", "expected"),
    [(1, [200, 200, 200, 429]), (0, [200, 429, 429, 429])],
    ids=["behind-the-gateway", "headers-ignored"],
)
def test_behind_the_gateway_each_caller_it_forwards_has_its_own_address_limit(
    make_app: Callable[..., Flask], hops: int, expected: list[int]
) -> None:
    """Every request reaches the service from the gateway's address; the gateway appends the
    caller's to X-Forwarded-For. Trusted one hop deep, that last entry is what is counted, and
    what a caller writes before it (a forged 10.9.9.9) counts for nothing. Not trusted, every
    caller is the gateway."""
    settings = PlatformSettings.from_env({}, service=SERVICE, proxy_hops=hops)
    client = make_app(settings=settings, rate_limiter=limiter(ip="1/minute")).test_client()

    def via(*chain: str) -> int:
        headers = {"X-Forwarded-For": ", ".join(chain)}
        gateway = {"REMOTE_ADDR": "127.0.0.1"}
        return client.get("/things/open", headers=headers, environ_base=gateway).status_code

    codes = [
        via("203.0.113.7"),
        via("203.0.113.8"),
        via("10.9.9.9", "203.0.113.9"),
        via("10.9.9.9", "203.0.113.7"),  # 203.0.113.7 had its one request already
    ]

    assert codes == expected


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics", "/openapi.json"])
def test_probes_metrics_and_the_api_document_are_never_limited(
    client_with: Callable[..., FlaskClient], bearer: Callable[..., dict[str, str]], path: str
) -> None:
    client = client_with(limiter(user="1/minute", tenant="1/minute", ip="1/minute"))

    for headers in ({}, bearer("u-1")):
        for _ in range(3):
            response = client.get(path, headers=headers)
            assert response.status_code == 200
            assert "RateLimit-Limit" not in response.headers


def test_unrouted_requests_and_preflights_are_not_counted(
    client_with: Callable[..., FlaskClient],
) -> None:
    client = client_with(limiter(ip="1/minute"))

    assert [client.get("/nowhere").status_code for _ in range(3)] == [404] * 3
    assert [client.options("/things/open").status_code for _ in range(3)] == [200] * 3
    assert client.get("/things/open").status_code == 200


def test_a_store_that_cannot_be_opened_lets_requests_through_and_says_so(
    client_with: Callable[..., FlaskClient],
    bearer: Callable[..., dict[str, str]],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = SqliteStore(str(tmp_path / "missing" / "ratelimit.sqlite"))
    client = client_with(limiter(user="1/minute", store=store))
    before = store_errors(SERVICE)

    with caplog.at_level(logging.WARNING, logger="shared.http.ratelimit"):
        responses = [client.get("/things/t-1", headers=bearer("u-1")) for _ in range(3)]

    assert [response.status_code for response in responses] == [200, 200, 200]
    assert all("RateLimit-Limit" not in response.headers for response in responses)
    assert store_errors(SERVICE) == before + 3
    warnings = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "rate limits not enforced" in warnings[0].getMessage()


class FlakyStore:
    """Fails while ``down``; records every call."""

    def __init__(self) -> None:
        self.down = True
        self.calls = 0

    def hit(self, buckets: Sequence[Bucket], now: float) -> Decision:
        self.calls += 1
        if self.down:
            raise StoreUnavailable("disk gone")
        return SqliteStore(":memory:").hit(buckets, now)


def test_a_failed_store_is_asked_again_a_second_later_not_on_every_request(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    store = FlakyStore()
    subject = limiter(store=store, clock=clock)
    buckets = [Bucket("user:u-1", subject.user)]

    assert subject.check(buckets) is None
    clock.now += 0.5
    assert subject.check(buckets) is None
    assert store.calls == 1

    store.down = False
    clock.now += 0.6
    with caplog.at_level(logging.INFO, logger="shared.http.ratelimit"):
        decision = subject.check(buckets)

    assert decision is not None
    assert decision.allowed
    assert store.calls == 2
    assert "enforced again" in caplog.text


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"GRIDGOV_RATE_LIMIT_USER": "2/hour"}, [200, 200, 429]),
        ({"GRIDGOV_RATE_LIMIT_USER": "1/hour", "GRIDGOV_RATE_LIMIT_ENABLED": "false"}, [200] * 3),
    ],
    ids=["limits-from-settings", "limits-turned-off"],
)
def test_the_app_builds_its_limiter_from_the_settings(
    make_app: Callable[..., Flask],
    bearer: Callable[..., dict[str, str]],
    environ: dict[str, str],
    expected: list[int],
) -> None:
    memory = {"GRIDGOV_RATE_LIMIT_STORE": "memory://"}  # whatever PROMETHEUS_MULTIPROC_DIR says
    settings = PlatformSettings.from_env({**environ, **memory}, service=SERVICE)
    client = make_app(settings=settings).test_client()

    assert statuses(client, "/things/t-1", bearer("u-1"), 3) == expected


def test_the_default_limits_are_above_what_the_seed_and_the_e2e_suite_make() -> None:
    """Measured: at most 224 requests in a minute by one user (and one tenant) on one service
    (grid_registry, tests/e2e/test_seed_converges.py running the seed several times)."""
    defaults = RateLimiter.from_settings(PlatformSettings.from_env({}, service=SERVICE))

    assert defaults is not None
    for limit in (defaults.user, defaults.tenant, defaults.ingestion):
        assert limit.count * 60 / limit.period >= 2.5 * 224
    assert defaults.ingestion.count > defaults.user.count


def test_the_default_store_is_a_file_beside_the_metrics_of_the_workers(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = PlatformSettings.from_env({}, service=SERVICE)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))

    store = store_from_settings(settings)

    # Not *.db: the metrics collector reads every *.db file of that folder as metrics.
    assert store.path == str(tmp_path / "ratelimit.sqlite")
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR")
    assert store_from_settings(settings).path == ":memory:"
    chosen = PlatformSettings.from_env(
        {"GRIDGOV_RATE_LIMIT_STORE": f"sqlite:///{tmp_path}/elsewhere.sqlite"}, service=SERVICE
    )
    assert store_from_settings(chosen).path == f"{tmp_path}/elsewhere.sqlite"
    memory = PlatformSettings.from_env({"GRIDGOV_RATE_LIMIT_STORE": "memory://"}, service="x")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    assert store_from_settings(memory).path == ":memory:"


def test_two_stores_on_one_file_count_together(tmp_path: Path) -> None:
    path = str(tmp_path / "ratelimit.sqlite")
    bucket = [Bucket("user:u-1", Limit("user", 3, 60))]
    first, second = SqliteStore(path), SqliteStore(path)

    allowed = [store.hit(bucket, NOW).allowed for store in (first, second, first, second)]

    assert allowed == [True, True, True, False]


def test_a_request_refused_by_one_limit_is_counted_in_none(tmp_path: Path) -> None:
    store = SqliteStore(str(tmp_path / "ratelimit.sqlite"))
    user, tenant = (
        Bucket("user:u-1", Limit("user", 5, 60)),
        Bucket("tenant:t", Limit("tenant", 1, 60)),
    )
    assert store.hit([user, tenant], NOW).allowed

    refusal = store.hit([user, tenant], NOW)

    assert not refusal.allowed
    assert refusal.tightest.bucket == tenant
    assert store.hit([user], NOW).usage[0].used == 2


def test_a_worker_opening_the_file_while_another_sets_it_up_waits_its_turn(
    tmp_path: Path,
) -> None:
    """Switching to WAL fails at once, not after the busy timeout, while another connection
    writes: workers starting together must not fail open for it."""
    path = tmp_path / "ratelimit.sqlite"
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("CREATE TABLE setup (step INTEGER)")
    other.execute("BEGIN IMMEDIATE")
    threading.Timer(0.2, lambda: other.execute("COMMIT")).start()

    decision = SqliteStore(str(path)).hit([Bucket("user:u-1", Limit("user", 5, 60))], NOW)

    assert decision.allowed
    other.close()


def test_ended_windows_are_pruned(tmp_path: Path) -> None:
    path = tmp_path / "ratelimit.sqlite"
    store = SqliteStore(str(path), prune_every=2)
    store.hit([Bucket("user:old", Limit("user", 5, 60))], NOW)
    store.hit([Bucket("user:new", Limit("user", 5, 60))], NOW + 60)

    with sqlite3.connect(path) as connection:
        keys = [row[0] for row in connection.execute("SELECT key FROM rate_windows")]
    assert keys == ["user:new"]


def test_a_forked_process_opens_its_own_connection(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    store = SqliteStore(str(tmp_path / "ratelimit.sqlite"))
    bucket = [Bucket("user:u-1", Limit("user", 5, 60))]
    store.hit(bucket, NOW)
    parent_connection = store._connection

    monkeypatch.setattr("shared.http.ratelimit.os.getpid", lambda: -1)
    assert store.hit(bucket, NOW).usage[0].used == 2

    assert store._connection is not parent_connection
    assert parent_connection in ratelimit_module._INHERITED  # never closed by the child


@pytest.mark.parametrize(
    ("rate", "parsed"),
    [
        ("600/minute", (600, 60)),
        ("10/second", (10, 1)),
        ("5 / hours", (5, 3600)),
        ("100/10 seconds", (100, 10)),
        ("1/day", (1, 86400)),
    ],
)
def test_rates_read_count_per_period(rate: str, parsed: tuple[int, int]) -> None:
    assert parse_rate(rate) == parsed


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("GRIDGOV_RATE_LIMIT_USER", "0/minute"),
        ("GRIDGOV_RATE_LIMIT_TENANT", "600 per minute"),
        ("GRIDGOV_RATE_LIMIT_INGESTION", "600/fortnight"),
        ("GRIDGOV_RATE_LIMIT_IP", "many"),
        ("GRIDGOV_RATE_LIMIT_TENANT_OVERRIDES", "big-town:600/minute"),
        ("GRIDGOV_RATE_LIMIT_STORE", "redis://cache:6379"),
        ("GRIDGOV_RATE_LIMIT_STORE", "sqlite:///relative.sqlite"),
    ],
)
def test_bad_rate_limit_settings_stop_the_start(variable: str, value: str) -> None:
    with pytest.raises(SettingsError, match=variable):
        PlatformSettings.from_env({variable: value}, service=SERVICE)
