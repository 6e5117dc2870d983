"""The divisions API in process, on the real FerretDB: create, read, tenant walls, bad input."""

from __future__ import annotations

import pytest

from services.grid_registry.bootstrap import BLUEPRINTS
from services.grid_registry.documents.divisions import DivisionDocument
from shared.events.envelope import Envelope

pytestmark = pytest.mark.integration

TENANT_B = {"subject": "admin-b", "tenant_id": "tenant-b"}


def test_create_then_read_and_list(api_client):
    api = api_client(BLUEPRINTS)

    created = api.post("/divisions", json={"code": "A-V01", "name": "东风村", "kind": "village"})

    assert created.status_code == 201, created.get_json()
    division = created.get_json()
    assert created.headers["Location"].endswith(division["division_id"])
    assert api.get(f"/divisions/{division['division_id']}").get_json()["name"] == "东风村"
    assert api.get("/divisions").get_json()["total"] == 1
    assert api.get(f"/divisions/{division['division_id']}", as_user=TENANT_B).status_code == 404
    assert api.get("/divisions", as_user=TENANT_B).get_json()["total"] == 0


def test_a_duplicate_code_is_409_and_a_bad_kind_names_the_field(api_client):
    api = api_client(BLUEPRINTS)
    body = {"code": "A-V01", "name": "东风村", "kind": "village"}
    assert api.post("/divisions", json=body).status_code == 201

    assert api.post("/divisions", json=body).status_code == 409
    bad = api.post("/divisions", json={**body, "code": "A-V02", "kind": "castle"})
    assert bad.status_code == 422
    assert [error["field"] for error in bad.get_json()["errors"]] == ["kind"]


def test_a_grid_worker_cannot_create(api_client):
    api = api_client(BLUEPRINTS)
    worker = {"subject": "w-1", "roles": ("grid-worker",)}
    response = api.post(
        "/divisions", json={"code": "X", "name": "x", "kind": "village"}, as_user=worker
    )
    assert response.status_code == 403


def test_the_event_carries_the_tokens_actor_and_the_request_id(api_client):
    api = api_client(BLUEPRINTS)
    staff = {"subject": "staff-7", "roles": ("center-staff",)}

    created = api.post(
        "/divisions",
        json={"code": "A-V01", "name": "东风村", "kind": "village"},
        headers={"X-Request-ID": "req-division-1"},
        as_user=staff,
    )

    assert created.status_code == 201, created.get_json()
    stored = DivisionDocument.objects(tenant_id="tenant-a").get()
    envelope = Envelope.parse(stored.outbox[0].envelope)
    assert (envelope.producer, envelope.correlation_id) == ("grid_registry", "req-division-1")
    assert (envelope.tenant_id, envelope.payload["created_by"]) == ("tenant-a", "staff-7")
