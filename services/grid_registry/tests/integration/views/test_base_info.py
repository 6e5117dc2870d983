"""The base-information API in process, on the real FerretDB: record, replace, list as of a
date, sums by division, tenant walls, bad input, the outbox."""

from __future__ import annotations

import pytest

from services.grid_registry.bootstrap import BLUEPRINTS
from services.grid_registry.documents.base_info import BaseInfoSnapshotDocument
from services.grid_registry.tests.integration.support import known_users
from services.grid_registry.use_cases import divisions, grids
from services.grid_registry.use_cases.context import RegistryContext
from shared.events.envelope import Envelope

pytestmark = pytest.mark.integration

TENANT_B = {"subject": "admin-b", "tenant_id": "tenant-b"}


def square(index: int) -> dict[str, object]:
    x = 119.0 + index * 0.01
    ring = [[x, 31.0], [x + 0.005, 31.0], [x + 0.005, 31.005], [x, 31.005], [x, 31.0]]
    return {"type": "Polygon", "coordinates": [ring]}


def make_grid(division_id: str, code: str, index: int, tenant: str = "tenant-a") -> str:
    grid = grids.create_grid(
        RegistryContext(tenant_id=tenant, actor="admin-a"),
        division_id=division_id,
        code=code,
        name=code,
        type="community",
        boundary=square(index),
    )
    return grid.grid_id


def make_division(code: str, tenant: str = "tenant-a") -> str:
    division = divisions.create_division(
        RegistryContext(tenant_id=tenant, actor="admin-a"), code=code, name=code, kind="community"
    )
    return division.division_id


@pytest.fixture
def territory(fresh_db):
    d1, d2 = make_division("D1"), make_division("D2")
    return {
        "d1": d1,
        "d2": d2,
        "g1": make_grid(d1, "G1", 0),
        "g2": make_grid(d1, "G2", 1),
        "g3": make_grid(d2, "G3", 2),
    }


def figures(expected, collected, verified, as_of="2026-01-10"):
    return {"expected": expected, "collected": collected, "verified": verified, "as_of": as_of}


def test_record_then_replace_the_same_date(api_client, territory):
    api = api_client(BLUEPRINTS)
    url = f"/grids/{territory['g1']}/base-info/population/floating"

    first = api.put(url, json=figures(200, 193, 150))
    again = api.put(url, json=figures(200, 193, 150))
    replaced = api.put(url, json=figures(200, 199, 150))

    assert first.status_code == 200, first.get_json()
    body = first.get_json()
    assert (body["outcome"], body["collection_rate"], body["verification_rate"]) == (
        "created",
        "0.9650",
        "0.7772",
    )
    assert body["division_id"] == territory["d1"]
    assert again.get_json()["outcome"] == "unchanged"
    assert replaced.get_json()["outcome"] == "replaced"
    stored = BaseInfoSnapshotDocument.objects(tenant_id="tenant-a").get()
    assert stored.collected == 199
    envelopes = [Envelope.parse(entry.envelope) for entry in stored.outbox]
    assert [e.type for e in envelopes] == ["baseinfo.recorded", "baseinfo.recorded"]
    assert {entry.topic for entry in stored.outbox} == {"gridgov.registry.baseinfo"}
    assert envelopes[-1].payload == {
        "grid_id": territory["g1"],
        "division_id": territory["d1"],
        "category": "population",
        "sub_category": "floating",
        "expected": 200,
        "collected": 199,
        "verified": 150,
        "as_of": "2026-01-10",
        "actor": "admin-a",
    }


def test_bad_figures_and_unknown_sub_categories_are_422_naming_the_field(api_client, territory):
    api = api_client(BLUEPRINTS)
    grid = territory["g1"]

    too_many = api.put(f"/grids/{grid}/base-info/population/floating", json=figures(10, 5, 6))
    unknown = api.put(f"/grids/{grid}/base-info/population/martians", json=figures(1, 1, 1))
    future = api.put(
        f"/grids/{grid}/base-info/population/floating", json=figures(1, 1, 1, "2999-01-01")
    )

    assert too_many.status_code == 422
    assert [e["field"] for e in too_many.get_json()["errors"]] == ["verified"]
    assert [e["field"] for e in unknown.get_json()["errors"]] == ["sub_category"]
    assert [e["field"] for e in future.get_json()["errors"]] == ["as_of"]
    assert BaseInfoSnapshotDocument.objects(tenant_id="tenant-a").count() == 0


def test_another_tenant_cannot_record_or_see_figures(api_client, territory):
    api = api_client(BLUEPRINTS)
    url = f"/grids/{territory['g1']}/base-info/population/floating"
    assert api.put(url, json=figures(10, 9, 9)).status_code == 200

    assert api.put(url, json=figures(10, 9, 9), as_user=TENANT_B).status_code == 404
    assert api.get("/base-info", as_user=TENANT_B).get_json()["total"] == 0
    summary = api.get("/base-info/summary", as_user=TENANT_B).get_json()
    assert (summary["total"], summary["tenant"]["expected"]) == (0, 0)


def test_figures_as_of_a_date_and_sums_by_division(api_client, territory):
    api = api_client(BLUEPRINTS)

    def put(grid, sub, body):
        response = api.put(f"/grids/{territory[grid]}/base-info/{sub}", json=body)
        assert response.status_code == 200, response.get_json()

    put("g1", "population/floating", figures(100, 50, 50, "2026-01-01"))
    put("g1", "population/floating", figures(100, 90, 80, "2026-02-01"))
    put("g2", "population/floating", figures(1, 1, 1, "2026-01-15"))
    put("g3", "service_target/disabled", figures(99, 0, 0, "2026-01-15"))

    january = api.get("/base-info?as_of=2026-01-20").get_json()
    february = api.get(f"/base-info?as_of=2026-02-20&division_id={territory['d1']}").get_json()
    summary = api.get("/base-info/summary?as_of=2026-02-20&by=division").get_json()
    by_grid = api.get("/base-info/summary?as_of=2026-01-20&by=grid&page_size=1").get_json()

    assert january["total"] == 3
    g1 = next(item for item in january["items"] if item["grid_id"] == territory["g1"])
    assert (g1["collected"], g1["as_of"], g1["sub_category_label"]) == (
        50,
        "2026-01-01",
        "流动人口",
    )
    assert sorted(item["collected"] for item in february["items"]) == [1, 90]
    assert (summary["tenant"]["expected"], summary["tenant"]["collected"]) == (200, 91)
    assert summary["tenant"]["collection_rate"] == "0.4550"
    rates = {item["key"]: item["collection_rate"] for item in summary["items"]}
    assert rates == {territory["d1"]: "0.9010", territory["d2"]: "0.0000"}
    assert (by_grid["total"], len(by_grid["items"])) == (3, 1)


def test_a_tenant_sub_category_can_be_recorded(api_client, territory):
    api = api_client(BLUEPRINTS)
    body = {"category": "service_target", "sub_category": "veteran", "label": "退役军人"}

    created = api.post("/base-info/sub-categories", json=body)
    duplicate = api.post("/base-info/sub-categories", json=body)
    recorded = api.put(
        f"/grids/{territory['g1']}/base-info/service_target/veteran", json=figures(3, 3, 3)
    )

    assert created.status_code == 201, created.get_json()
    assert duplicate.status_code == 422
    assert recorded.status_code == 200
    listed = api.get("/base-info/sub-categories?category=service_target").get_json()
    assert {
        "category": "service_target",
        "sub_category": "veteran",
        "label": "退役军人",
        "custom": True,
    } in listed["items"]
    other = api.get("/base-info/sub-categories?category=service_target", as_user=TENANT_B)
    assert all(not item["custom"] for item in other.get_json()["items"])


def test_a_grid_worker_records_for_his_own_grid_only_and_cannot_add_sub_categories(
    api_client, territory
):
    api = api_client(BLUEPRINTS)
    worker = {"subject": "w-1", "roles": ("grid-worker",)}
    known_users("tenant-a", "w-1")
    member = {
        "role": "full_time_worker",
        "person_name": "网格员",
        "user_id": "w-1",
        "starts_on": "2026-01-01",
    }
    assert api.post(f"/grids/{territory['g1']}/team/members", json=member).status_code == 201
    url = f"/grids/{territory['g1']}/base-info/rental/rented_house"

    assert api.put(url, json=figures(5, 5, 5), as_user=worker).status_code == 200
    neighbour = f"/grids/{territory['g2']}/base-info/rental/rented_house"
    refused = api.put(neighbour, json=figures(5, 5, 5), as_user=worker)
    assert refused.status_code == 403
    assert (
        BaseInfoSnapshotDocument.objects(tenant_id="tenant-a", grid_id=territory["g2"]).count() == 0
    )
    body = {"category": "rental", "sub_category": "shop", "label": "商铺"}
    assert api.post("/base-info/sub-categories", json=body, as_user=worker).status_code == 403
