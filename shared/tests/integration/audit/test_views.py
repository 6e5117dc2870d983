"""``GET /audit`` in process on the real FerretDB: a tenant admin reads their own tenant's
trail; every other caller, cross-tenant ones included, reads nothing."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from shared.audit import AuditRecord, AuditRecordDocument, append
from shared.audit.views import blp
from shared.http import create_app
from shared.settings import PlatformSettings
from shared.testing.tokens import LocalIssuer
from shared.tests.integration.audit.support import make_record

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("mongo_db")]

Get = Callable[..., Any]


def record(tenant: str, minutes_ago: int, **fields: Any) -> AuditRecord:
    occurred = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=minutes_ago)
    return make_record(
        tenant, occurred, **{"actor": "admin-a", "correlation_id": "req-1", **fields}
    )


@pytest.fixture
def tenants() -> tuple[str, str]:
    suffix = uuid.uuid4().hex[:8]
    return f"t-a-{suffix}", f"t-b-{suffix}"


@pytest.fixture
def stored(tenants: tuple[str, str]) -> list[AuditRecord]:
    mine, theirs = tenants
    records = [
        record(mine, 1, type="grid.split", before_ids=(), after_ids=("g-1", "g-2")),
        record(mine, 2, actor="staff-7"),
        record(mine, 3),
        record(theirs, 1, actor="admin-b"),
    ]
    append(AuditRecordDocument._get_collection().database, records)
    return records


@pytest.fixture
def get(tenants: tuple[str, str]) -> Get:
    issuer = LocalIssuer()
    app = create_app(
        service="test",
        settings=PlatformSettings.from_env({}, service="test"),
        blueprints=[blp],
        readiness_checks={},
        verifier=issuer.verifier(),
        configure_logs=False,
    )
    client: FlaskClient = app.test_client()

    def call(
        path: str,
        *,
        tenant_id: str | None = tenants[0],
        roles: tuple[str, ...] = ("tenant-admin",),
        **claims: Any,
    ) -> Any:
        token = issuer.token(subject="caller", tenant_id=tenant_id, roles=roles, **claims)
        return client.get(path, headers={"Authorization": f"Bearer {token}"})

    return call


def test_a_tenant_admin_reads_their_tenants_trail_newest_first(
    get: Get, stored: list[AuditRecord]
) -> None:
    response = get("/audit?page_size=2")

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["total"], body["page"], body["page_size"]) == (3, 1, 2)
    assert [item["event_id"] for item in body["items"]] == [r.event_id for r in stored[:2]]
    first = body["items"][0]
    assert first == {
        "event_id": stored[0].event_id,
        "tenant_id": stored[0].tenant_id,
        "type": "grid.split",
        "version": 1,
        "aggregate_id": stored[0].aggregate_id,
        "actor": "admin-a",
        "correlation_id": "req-1",
        "producer": "grid_registry",
        "occurred_at": stored[0].occurred_at.isoformat(),
        "recorded_at": stored[0].recorded_at.isoformat(),
        "before_ids": [],
        "after_ids": ["g-1", "g-2"],
    }
    page_two = get("/audit?page_size=2&page=2").get_json()
    assert [item["event_id"] for item in page_two["items"]] == [stored[2].event_id]


def test_filters(get: Get, stored: list[AuditRecord]) -> None:
    by_actor = get("/audit?actor=staff-7").get_json()
    assert [item["event_id"] for item in by_actor["items"]] == [stored[1].event_id]
    by_type = get("/audit?type=grid.split").get_json()
    assert [item["event_id"] for item in by_type["items"]] == [stored[0].event_id]
    by_aggregate = get(f"/audit?aggregate_id={stored[2].aggregate_id}").get_json()
    assert [item["event_id"] for item in by_aggregate["items"]] == [stored[2].event_id]
    since = (stored[1].occurred_at).isoformat().replace("+00:00", "Z")
    recent = get(f"/audit?since={since}").get_json()
    assert [item["event_id"] for item in recent["items"]] == [r.event_id for r in stored[:2]]


def test_another_tenants_admin_sees_none_of_it(
    get: Get, stored: list[AuditRecord], tenants: tuple[str, str]
) -> None:
    body = get("/audit", tenant_id=tenants[1]).get_json()
    assert [item["event_id"] for item in body["items"]] == [stored[3].event_id]
    assert get("/audit", tenant_id="t-nobody").get_json()["total"] == 0


@pytest.mark.parametrize(
    "caller",
    [
        {"roles": ("grid-worker",)},
        {"roles": ("center-staff",)},
        {"roles": ("platform-admin",), "tenant_id": None},
        {"roles": ("district-overseer",), "tenant_id": None, "district_id": "dist-1"},
    ],
)
def test_nobody_else_reads_it(get: Get, stored: list[AuditRecord], caller: dict[str, Any]) -> None:
    assert get("/audit", **caller).status_code == 403


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("since=2026-11-01T00:00:00", "since"),  # no offset: ambiguous
        ("since=2020-01-01T00:00:00Z", "since"),  # longer than the longest window
        ("since=2026-11-02T00:00:00Z&until=2026-11-01T00:00:00Z", "since"),
        ("type=", "type"),
    ],
)
def test_a_bad_query_is_422_naming_the_parameter(get: Get, query: str, field: str) -> None:
    response = get(f"/audit?{query}")
    assert response.status_code == 422
    assert [error["field"] for error in response.get_json()["errors"]] == [field]


def test_the_route_is_documented(get: Get) -> None:
    spec = get("/openapi.json").get_json()
    operation = spec["paths"]["/audit"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {
        "since",
        "until",
        "type",
        "actor",
        "aggregate_id",
        "page",
        "page_size",
    }
    assert "200" in operation["responses"]
