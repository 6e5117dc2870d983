"""Fixtures for cross-service tests: the running services' URLs and an HTTP client per login."""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest
import requests

from tests.kafka_tail import TopicTail

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


@pytest.fixture(scope="session")
def api(keycloak_tokens: Mapping[str, str]) -> Callable[[str, str | None], Api]:
    """``api("grid_registry", "admin.a")``: a client for that service as that demo user."""

    def make(service: str, username: str | None) -> Api:
        return Api(service, keycloak_tokens[username] if username else None)

    return make


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
