"""Fixtures for cross-service tests: the running services' URLs, an HTTP client per login, and
tenants of the tests' own (tests never write into the seeded demo tenants: see tests/tenants.py
and tests/e2e/test_demo_stays_the_demo.py, which runs last)."""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest
import requests

from deploy.local.seed.identity import TENANTS, keycloak_admin
from shared.testing.keycloak_login import PasswordTokens
from tests.kafka_tail import TopicTail
from tests.tenants import TestTenant, ensure_test_district, onboard_tenant

ROOT = Path(__file__).resolve().parents[1]
PORTS = {
    "identity": int(os.environ.get("IDENTITY_PORT", "8101")),
    "grid_registry": int(os.environ.get("GRID_REGISTRY_PORT", "8102")),
    "event_intake": int(os.environ.get("EVENT_INTAKE_PORT", "8103")),
    "patrol_tracking": int(os.environ.get("PATROL_TRACKING_PORT", "8104")),
    "survey": int(os.environ.get("SURVEY_PORT", "8105")),
    "scoring": int(os.environ.get("SCORING_PORT", "8106")),
}


def service_url(service: str) -> str:
    return f"http://127.0.0.1:{PORTS[service]}"


class Api:
    """A tiny HTTP client bound to one service and one bearer token."""

    def __init__(self, service: str, token: str | None) -> None:
        self.base = service_url(service)
        self.session = requests.Session()
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def request(self, method: str, path: str, **kwargs: object) -> requests.Response:
        kwargs.setdefault("timeout", 10)
        return self.session.request(method, self.base + path, **kwargs)  # type: ignore[arg-type]

    def get(self, path: str, **kwargs: object) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: object) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: object) -> requests.Response:
        return self.request("PUT", path, **kwargs)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "last: runs after every other test of the session (the demo check)"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked ``last`` go to the end, so they see what all the others left behind."""
    items.sort(key=lambda item: item.get_closest_marker("last") is not None)


@pytest.fixture(scope="session")
def test_logins(keycloak_url: str) -> PasswordTokens:
    """Tokens of the logins the tests create for themselves (filled by the fixtures below)."""
    return PasswordTokens(base_url=keycloak_url)


@pytest.fixture(scope="session")
def api(
    keycloak_tokens: Mapping[str, str], test_logins: PasswordTokens
) -> Callable[[str, str | None], Api]:
    """``api("grid_registry", tenant_a.admin)``: a client for that service as that login (a
    test tenant's, ``"platform.admin"``, or a demo user's for tests that only read the demo)."""

    def make(service: str, username: str | None) -> Api:
        if username is None:
            return Api(service, None)
        tokens = test_logins if username in test_logins else keycloak_tokens
        return Api(service, tokens[username])

    return make


@pytest.fixture(scope="session")
def test_district(keycloak_tokens: Mapping[str, str], test_logins: PasswordTokens) -> str:
    """The district of the test tenants; its overseer logs in as ``tests.tenants.TEST_OVERSEER``."""
    return ensure_test_district(
        service_url("identity"), keycloak_tokens["platform.admin"], keycloak_admin(), test_logins
    )


def _onboarded(
    like: str, keycloak_tokens: Mapping[str, str], logins: PasswordTokens, district: str
) -> TestTenant:
    demo = next(tenant for tenant in TENANTS if tenant.code == like)
    return onboard_tenant(
        service_url("identity"),
        keycloak_tokens["platform.admin"],
        like=demo,
        district_id=district,
        tokens=logins,
        registry_url=service_url("grid_registry"),
    )


@pytest.fixture(scope="session")
def tenant_a(
    keycloak_tokens: Mapping[str, str], test_logins: PasswordTokens, test_district: str
) -> TestTenant:
    """A township of this session's own (shaped like demo-town-a): write into this one."""
    return _onboarded("demo-town-a", keycloak_tokens, test_logins, test_district)


@pytest.fixture(scope="session")
def tenant_b(
    keycloak_tokens: Mapping[str, str], test_logins: PasswordTokens, test_district: str
) -> TestTenant:
    """A second tenant of this session's own (a street, like demo-town-b), for tenant walls."""
    return _onboarded("demo-town-b", keycloak_tokens, test_logins, test_district)


@pytest.fixture
def unique_code() -> str:
    """A division code no other test run uses."""
    return f"T{uuid.uuid4().hex[:10].upper()}"


def wait_until(predicate: Callable[[], bool], *, timeout: float, interval: float = 0.25) -> bool:
    """Poll ``predicate`` until it holds or ``timeout`` seconds pass; bounded, never infinite."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def stack(*args: str) -> None:
    """Run ``deploy/local/stack.sh`` (used by reliability tests to stop and start servers)."""
    subprocess.run(
        [str(ROOT / "deploy/local/stack.sh"), *args], check=True, capture_output=True, timeout=300
    )


@pytest.fixture
def stopped() -> Iterator[Callable[[str], None]]:
    """``stopped("kafka")`` stops a component for the test and always starts it again after."""
    down: list[str] = []

    def stop(component: str) -> None:
        stack("down", component)
        down.append(component)

    yield stop
    for component in down:
        stack("up", component)


@pytest.fixture
def topic_tail() -> Iterator[Callable[..., TopicTail]]:
    """``topic_tail(Topic.REGISTRY_GRIDS, ...)``: watch topics from now on (see kafka_tail)."""
    tails: list[TopicTail] = []

    def make(*topics: str) -> TopicTail:
        tail = TopicTail([str(topic) for topic in topics])
        tails.append(tail)
        return tail

    yield make
    for tail in tails:
        tail.close()
