"""The grids API in process, on the real FerretDB: lifecycle, tenant walls, bad input, locate,
and the outbox entries each write leaves."""

from __future__ import annotations

import pytest

from services.grid_registry.bootstrap import BLUEPRINTS
from services.grid_registry.documents.grids import GridDocument
from services.grid_registry.use_cases.grids import LOCATORS
from shared.events.envelope import Envelope

pytestmark = pytest.mark.integration

TENANT_B = {"subject": "admin-b", "tenant_id": "tenant-b"}
WORKER = {"subject": "w-1", "roles": ("grid-worker",)}


@pytest.fixture(autouse=True)
def _fresh_locators():
    LOCATORS.clear()
    yield
    LOCATORS.clear()


def box(west, south, east, north):
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def events_of(grid_id):
    doc = GridDocument.objects(tenant_id="tenant-a", pk=grid_id).get()
    return [Envelope.parse(entry.envelope) for entry in doc.outbox]


@pytest.fixture
def api(api_client):
    return api_client(BLUEPRINTS)


@pytest.fixture
def division_id(api):
    created = api.post("/divisions", json={"code": "HP", "name": "和平村", "kind": "village"})
    assert created.status_code == 201, created.get_json()
    return created.get_json()["division_id"]


def create(api, division_id, code, boundary, as_user=None, **extra):
    body = {
        "division_id": division_id,
        "code": code,
        "name": f"网格{code}",
        "type": "village",
        "boundary": boundary,
    } | extra
    return api.post("/grids", json=body, as_user=as_user)


def test_create_read_list_and_the_tenant_wall(api, division_id):
    created = create(api, division_id, "G1", box(120.10, 31.70, 120.11, 31.71))

    assert created.status_code == 201, created.get_json()
    grid = created.get_json()
    assert created.headers["Location"].endswith(grid["grid_id"])
    assert grid["status"] == "active"
    assert grid["boundary"]["type"] == "Polygon"
    # ~946 m x 1112 m at 31.7N
    assert 1_040_000 < grid["area_m2"] < 1_060_000
    assert round(grid["area_m2"], 2) == grid["area_m2"]
    assert api.get(f"/grids/{grid['grid_id']}").get_json()["code"] == "G1"
    assert api.get("/grids", as_user=WORKER).get_json()["total"] == 1
    assert api.get(f"/grids/{grid['grid_id']}", as_user=TENANT_B).status_code == 404
    assert api.get("/grids", as_user=TENANT_B).get_json()["total"] == 0
    [event] = events_of(grid["grid_id"])
    assert (event.type, event.version) == ("grid.created", 1)
    assert event.payload["boundary"] == grid["boundary"]
    assert event.payload["division_id"] == division_id
    assert event.payload["actor"] == "admin-a"


def test_bad_input_names_the_problem(api, division_id):
    open_ring = box(120.10, 31.70, 120.11, 31.71)
    open_ring["coordinates"][0][-1] = [120.10, 31.705]
    bowtie = {
        "type": "Polygon",
        "coordinates": [
            [[120.0, 31.7], [120.1, 31.8], [120.1, 31.7], [120.0, 31.8], [120.0, 31.7]]
        ],
    }

    not_closed = create(api, division_id, "G1", open_ring)
    crossing = create(api, division_id, "G1", bowtie)
    no_division = create(api, "nope", "G1", box(120.10, 31.70, 120.11, 31.71))
    other_tenants_division = create(
        api, division_id, "G1", box(120.10, 31.70, 120.11, 31.71), as_user=TENANT_B
    )

    assert not_closed.status_code == 422
    [error] = not_closed.get_json()["errors"]
    assert error["field"] == "boundary.coordinates[0]"
    assert "ring is not closed: first and last positions differ" in str(error)
    assert crossing.status_code == 422
    [error] = crossing.get_json()["errors"]
    assert error["field"] == "boundary"
    assert "self-intersection at 120.05 31.75" in str(error)
    assert no_division.status_code == 422
    assert [e["field"] for e in no_division.get_json()["errors"]] == ["division_id"]
    assert other_tenants_division.status_code == 422
    assert [e["field"] for e in other_tenants_division.get_json()["errors"]] == ["division_id"]
    assert api.get("/grids").get_json()["total"] == 0


def test_an_overlapping_grid_is_refused_naming_the_other(api, division_id):
    assert create(api, division_id, "G1", box(120.10, 31.70, 120.11, 31.71)).status_code == 201

    overlapping = create(api, division_id, "G2", box(120.105, 31.70, 120.115, 31.71))
    neighbour = create(api, division_id, "G3", box(120.11, 31.70, 120.12, 31.71))
    same_code = create(api, division_id, "G1", box(120.20, 31.70, 120.21, 31.71))

    assert overlapping.status_code == 422
    [error] = overlapping.get_json()["errors"]
    assert error["field"] == "boundary"
    assert "G1" in str(error)
    assert neighbour.status_code == 201
    assert same_code.status_code == 409


def test_update_boundary_change_history_and_retire(api, division_id):
    grid = create(api, division_id, "G1", box(120.10, 31.70, 120.11, 31.71)).get_json()
    path = f"/grids/{grid['grid_id']}"

    renamed = api.patch(path, json={"name": "一网格", "type": "community"})
    moved = api.put(f"{path}/boundary", json={"boundary": box(120.10, 31.70, 120.12, 31.71)})
    forbidden = api.post(f"{path}/retire", json={"reason": "x"}, as_user=WORKER)
    no_reason = api.post(f"{path}/retire", json={"reason": ""})
    retired = api.post(f"{path}/retire", json={"reason": "撤村并居"})
    again = api.post(f"{path}/retire", json={"reason": "again"})
    rename_retired = api.patch(path, json={"name": "x"})

    assert renamed.status_code == 200, renamed.get_json()
    assert (renamed.get_json()["name"], renamed.get_json()["type"]) == ("一网格", "community")
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["area_m2"] > 2 * 1_040_000
    assert forbidden.status_code == 403
    assert no_reason.status_code == 422
    assert retired.status_code == 200
    assert retired.get_json()["status"] == "retired"
    assert retired.get_json()["retired_reason"] == "撤村并居"
    assert again.status_code == 409
    assert rename_retired.status_code == 409
    assert api.get("/grids").get_json()["total"] == 0
    assert api.get("/grids?status=retired").get_json()["total"] == 1
    history = api.get(f"{path}/history").get_json()
    assert history["grid"]["grid_id"] == grid["grid_id"]
    assert history["predecessors"] == history["successors"] == []
    assert [e.type for e in events_of(grid["grid_id"])] == [
        "grid.created",
        "grid.updated",
        "grid.boundary_changed",
        "grid.retired",
    ]
    assert events_of(grid["grid_id"])[-1].payload["status"] == "retired"


def test_split_into_parts_retires_the_old_grid_and_is_idempotent(api, division_id):
    grid = create(api, division_id, "G1", box(120.10, 31.70, 120.12, 31.71)).get_json()
    body = {
        "parts": [
            {"code": "G1-A", "name": "一网格A", "boundary": box(120.10, 31.70, 120.11, 31.71)},
            {"code": "G1-B", "name": "一网格B", "boundary": box(120.11, 31.70, 120.12, 31.71)},
        ]
    }
    outside = {
        "parts": [
            body["parts"][0],
            {"code": "G1-B", "name": "一网格B", "boundary": box(120.11, 31.70, 120.13, 31.71)},
        ]
    }

    refused = api.post(f"/grids/{grid['grid_id']}/split", json=outside)
    split = api.post(f"/grids/{grid['grid_id']}/split", json=body)
    replay = api.post(f"/grids/{grid['grid_id']}/split", json=body)

    assert refused.status_code == 422
    assert [e["field"] for e in refused.get_json()["errors"]] == ["parts[1].boundary"]
    assert split.status_code == 201, split.get_json()
    parts = split.get_json()
    assert [p["code"] for p in parts] == ["G1-A", "G1-B"]
    assert all(p["split_from"] == grid["grid_id"] for p in parts)
    assert replay.status_code == 201
    assert [p["grid_id"] for p in replay.get_json()] == [p["grid_id"] for p in parts]
    assert GridDocument.objects(tenant_id="tenant-a").count() == 3
    old = api.get(f"/grids/{grid['grid_id']}").get_json()
    assert old["status"] == "retired"
    assert old["replaced_by"] == [p["grid_id"] for p in parts]
    assert [e.type for e in events_of(grid["grid_id"])] == ["grid.created", "grid.split"]
    assert [e.type for e in events_of(parts[0]["grid_id"])] == ["grid.created"]
    history = api.get(f"/grids/{parts[0]['grid_id']}/history").get_json()
    assert [g["code"] for g in history["predecessors"]] == ["G1"]
    assert (
        api.post(f"/grids/{grid['grid_id']}/split", json=body, as_user=TENANT_B).status_code == 404
    )


def test_merge_makes_one_grid_from_neighbours(api, division_id):
    a = create(api, division_id, "A", box(120.10, 31.70, 120.11, 31.71)).get_json()
    b = create(api, division_id, "B", box(120.11, 31.70, 120.12, 31.71)).get_json()
    body = {"grid_ids": [a["grid_id"], b["grid_id"]], "code": "AB", "name": "合并网格"}

    other_tenant = api.post("/grids/merge", json=body, as_user=TENANT_B)
    merged = api.post("/grids/merge", json=body)
    replay = api.post("/grids/merge", json=body)

    assert other_tenant.status_code == 422
    assert [e["field"] for e in other_tenant.get_json()["errors"]] == ["grid_ids[0]", "grid_ids[1]"]
    assert merged.status_code == 201, merged.get_json()
    grid = merged.get_json()
    assert grid["merged_from"] == [a["grid_id"], b["grid_id"]]
    assert grid["boundary"]["type"] == "Polygon"
    assert abs(grid["area_m2"] - a["area_m2"] - b["area_m2"]) < 1
    assert replay.get_json()["grid_id"] == grid["grid_id"]
    assert [g["code"] for g in api.get("/grids").get_json()["items"]] == ["AB"]
    assert [e.type for e in events_of(a["grid_id"])] == ["grid.created", "grid.merged"]
    assert events_of(b["grid_id"])[-1].payload["replaced_by"] == [grid["grid_id"]]
    assert [e.type for e in events_of(grid["grid_id"])] == ["grid.created"]


def test_locate_one_and_many_follow_grid_changes(api, division_id):
    a = create(api, division_id, "A", box(120.10, 31.70, 120.11, 31.71)).get_json()
    b = create(api, division_id, "B", box(120.11, 31.70, 120.12, 31.71)).get_json()

    inside_b = api.get("/grids/locate?lon=120.115&lat=31.705", as_user=WORKER)
    border = api.get("/grids/locate?lon=120.11&lat=31.705")
    nowhere = api.get("/grids/locate?lon=121&lat=31")
    other_tenant = api.get("/grids/locate?lon=120.115&lat=31.705", as_user=TENANT_B)
    many = api.post(
        "/grids/locate",
        json={"points": [{"lon": 120.105, "lat": 31.705}, {"lon": 121, "lat": 31}]},
    )

    assert inside_b.status_code == 200
    assert inside_b.get_json() == {
        "grid_id": b["grid_id"],
        "code": "B",
        "name": "网格B",
        "division_id": division_id,
    }
    assert border.get_json()["code"] == "A"
    assert nowhere.status_code == 404
    assert nowhere.get_json()["detail"] == "no grid of this tenant contains the point"
    assert other_tenant.status_code == 404
    assert [g and g["code"] for g in many.get_json()["grids"]] == ["A", None]
    assert api.post(f"/grids/{a['grid_id']}/retire", json={"reason": "并入B"}).status_code == 200
    assert api.get("/grids/locate?lon=120.11&lat=31.705").get_json()["code"] == "B"
    too_many = api.post("/grids/locate", json={"points": [{"lon": 120.1, "lat": 31.7}] * 10_001})
    assert too_many.status_code == 422


def test_as_of_lists_the_grids_valid_that_day(api, division_id):
    grid = create(api, division_id, "G1", box(120.10, 31.70, 120.11, 31.71)).get_json()

    today = api.get(f"/grids?as_of={grid['valid_from']}").get_json()
    long_ago = api.get("/grids?as_of=2000-01-01").get_json()

    assert [g["code"] for g in today["items"]] == ["G1"]
    assert long_ago["total"] == 0
