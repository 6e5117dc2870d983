"""A division travels: grid_registry API -> MongoDB (with its event) -> relay -> Kafka -> scoring.

Runs against the stack started by ``make up``, with real Keycloak tokens, in tenants of the
tests' own (tenant_a, tenant_b).
"""

from __future__ import annotations

import pytest

from shared.events.topics import Topic
from tests.conftest import wait_until

pytestmark = pytest.mark.e2e


def ledger_entries(api, username: str, division_id: str) -> list[dict]:
    response = api("scoring", username).get("/ledger", params={"subject_id": division_id})
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_created_division_is_listed_and_reaches_the_scoring_ledger_once(api, tenant_a, unique_code):
    registry = api("grid_registry", tenant_a.admin)

    created = registry.post(
        "/divisions", json={"code": unique_code, "name": "测试村", "kind": "village"}
    )

    assert created.status_code == 201, created.text
    division = created.json()
    assert division["code"] == unique_code
    assert division["kind"] == "village"
    assert created.headers["Location"].endswith(f"/divisions/{division['division_id']}")
    fetched = registry.get(f"/divisions/{division['division_id']}")
    assert fetched.status_code == 200
    assert fetched.json()["name"] == "测试村"
    listed = registry.get("/divisions", params={"page_size": 200}).json()["items"]
    assert division["division_id"] in {d["division_id"] for d in listed}

    assert wait_until(
        lambda: len(ledger_entries(api, tenant_a.admin, division["division_id"])) > 0, timeout=30
    )
    entries = ledger_entries(api, tenant_a.admin, division["division_id"])
    assert len(entries) == 1
    assert entries[0]["event_type"] == "division.created"
    assert entries[0]["metric"] == "registry.divisions"
    assert entries[0]["value"] == "1"


def test_duplicate_code_in_the_same_tenant_is_a_conflict(api, tenant_a, unique_code):
    registry = api("grid_registry", tenant_a.admin)
    body = {"code": unique_code, "name": "重复村", "kind": "village"}
    assert registry.post("/divisions", json=body).status_code == 201

    again = registry.post("/divisions", json=body)

    assert again.status_code == 409
    assert again.headers["Content-Type"].startswith("application/problem+json")


def test_the_same_code_is_free_in_another_tenant(api, tenant_a, tenant_b, unique_code):
    body = {"code": unique_code, "name": "同码社区", "kind": "community"}
    assert api("grid_registry", tenant_a.admin).post("/divisions", json=body).status_code == 201
    assert api("grid_registry", tenant_b.admin).post("/divisions", json=body).status_code == 201


def test_grid_worker_may_read_but_not_create_divisions(api, tenant_a, unique_code):
    worker = api("grid_registry", tenant_a.worker)
    assert worker.get("/divisions").status_code == 200
    refused = worker.post(
        "/divisions", json={"code": unique_code, "name": "越权村", "kind": "village"}
    )
    assert refused.status_code == 403
    assert refused.headers["Content-Type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    "service", ["identity", "grid_registry", "event_intake", "patrol_tracking", "survey", "scoring"]
)
def test_every_service_is_healthy_ready_documented_and_measured(api, service):
    anonymous = api(service, None)
    assert anonymous.get("/healthz").status_code == 200
    assert anonymous.get("/readyz").status_code == 200
    spec = anonymous.get("/openapi.json")
    assert spec.status_code == 200
    assert spec.json()["openapi"].startswith("3.")
    metrics = anonymous.get("/metrics")
    assert metrics.status_code == 200
    assert "gridgov_http_requests_total" in metrics.text


def test_a_created_division_appears_exactly_once_on_its_topic(
    api, tenant_a, unique_code, topic_tail
):
    tail = topic_tail(Topic.REGISTRY_DIVISIONS)
    created = api("grid_registry", tenant_a.admin).post(
        "/divisions", json={"code": unique_code, "name": "一次村", "kind": "village"}
    )
    assert created.status_code == 201, created.text
    division_id = created.json()["division_id"]

    seen = tail.wait_for(
        lambda _topic, envelope: envelope.payload.get("division_id") == division_id, count=1
    )

    assert [envelope.type for _, envelope in seen] == ["division.created"]
    assert seen[0][1].tenant_id == tenant_a.code
