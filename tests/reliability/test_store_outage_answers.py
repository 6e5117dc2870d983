"""A store outage answers 503 with Retry-After, never 500, and /readyz says why.

Probed the way an attacker (or an unlucky client) meets it: with the store gone — FerretDB
killed, or FerretDB up but PostgreSQL behind it down — every kind of request each service
serves, reads and writes, answers 503 application/problem+json with Retry-After; a client can
always tell "try again" from "you sent something wrong"."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.conftest import Api
from tests.tenants import TestTenant

pytestmark = pytest.mark.e2e

# Authenticated requests of every kind, as a tenant admin sends them (bodies valid).
PROBES: tuple[tuple[str, str, str, dict[str, object] | None], ...] = (
    ("grid_registry", "GET", "/divisions", None),
    ("grid_registry", "POST", "/divisions", {"code": "OUT-1", "name": "停电村", "kind": "village"}),
    ("grid_registry", "GET", "/grids", None),
    ("grid_registry", "GET", "/grids/locate?lon=120.1&lat=30.2", None),
    ("grid_registry", "GET", "/subjects", None),
    ("grid_registry", "GET", "/base-info/summary", None),
    ("grid_registry", "GET", "/divisions/export", None),
    ("event_intake", "GET", "/events", None),
    (
        "event_intake",
        "POST",
        "/events",
        {"source": "web", "category": "city_management", "title": "停电", "grid_id": "g-x"},
    ),
    ("event_intake", "GET", "/settings", None),
    ("event_intake", "GET", "/tasks", None),
    ("identity", "GET", "/users", None),
    (
        "identity",
        "POST",
        "/users",
        {
            "username": "outage.w",
            "display_name": "停电",
            "phone": "13800138009",
            "roles": ["grid-worker"],
        },
    ),
    ("scoring", "GET", "/ledger", None),
)


def answers(
    api: Callable[[str, str | None], Api], tenant: TestTenant
) -> dict[str, tuple[int, str, str | None]]:
    found = {}
    for service, method, path, body in PROBES:
        response = api(service, tenant.admin).request(method, path, json=body, timeout=30)
        found[f"{service} {method} {path}"] = (
            response.status_code,
            response.headers.get("Content-Type", ""),
            response.headers.get("Retry-After"),
        )
    return found


def refused_politely(found: dict[str, tuple[int, str, str | None]]) -> list[str]:
    return [
        f"{probe}: {status} {content_type} Retry-After={retry}"
        for probe, (status, content_type, retry) in found.items()
        if status != 503 or not content_type.startswith("application/problem+json") or not retry
    ]


@pytest.mark.parametrize("component", ["ferretdb", "postgres"])
def test_every_request_answers_503_while_the_store_is_down(
    component: str, api, stopped, tenant_a: TestTenant
) -> None:
    # The token is fetched while all is well. (`GET /me` is not probed: it answers from the
    # token alone, and rightly keeps answering during an outage.)
    api("identity", tenant_a.admin).get("/me")
    stopped(component)
    assert refused_politely(answers(api, tenant_a)) == []
    ready = api("grid_registry", None).get("/readyz")
    assert ready.status_code == 503
    assert "mongo" in ready.text
