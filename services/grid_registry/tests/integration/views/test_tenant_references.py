"""Every id a request names is the caller's tenant's: two tenants in one database, each with a
division, a grid, a team member with an account, a key subject, a filing and a sub-category of
its own, and tenant B naming tenant A's real ids everywhere. An id in the path answers 404 (the
detail names the id, so it is the lookup that failed and not the route); one in the body or the
query answers 422 naming the field. Nothing of either tenant changes."""

from __future__ import annotations

from typing import Any

import pytest

from services.grid_registry.bootstrap import BLUEPRINTS
from services.grid_registry.tests.integration.support import known_users
from services.grid_registry.tests.integration.use_cases.workbooks.support import stored

pytestmark = pytest.mark.integration

AS = {
    "tenant-a": {"subject": "admin-a", "tenant_id": "tenant-a"},
    "tenant-b": {"subject": "admin-b", "tenant_id": "tenant-b"},
}
B = AS["tenant-b"]


def box(west: float) -> dict[str, Any]:
    east = west + 0.01
    ring = [[west, 31.70], [east, 31.70], [east, 31.71], [west, 31.71], [west, 31.70]]
    return {"type": "Polygon", "coordinates": [ring]}


def created(response) -> dict[str, Any]:
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def territory(api, tenant: str) -> dict[str, str]:
    """The tenant's division, grid, member (with account), subject, filing and sub-category."""
    who = AS[tenant]
    user = f"worker-of-{tenant}"
    known_users(tenant, user)
    division = created(
        api.post(
            "/divisions", json={"code": "D1", "name": "和平村", "kind": "village"}, as_user=who
        )
    )["division_id"]
    grid_body = {
        "division_id": division,
        "code": "G1",
        "name": "第一网格",
        "type": "village",
        "boundary": box(120.00),
    }
    grid = created(api.post("/grids", json=grid_body, as_user=who))["grid_id"]
    second = created(
        api.post("/grids", json={**grid_body, "code": "G2", "boundary": box(120.02)}, as_user=who)
    )["grid_id"]
    member = {
        "role": "full_time_worker",
        "person_name": "网格员",
        "user_id": user,
        "starts_on": "2026-01-01",
    }
    membership = created(api.post(f"/grids/{grid}/team/members", json=member, as_user=who))
    subject = created(
        api.post(
            "/subjects",
            json={"category": "hazard_place", "grid_id": grid, "name": "加油站"},
            as_user=who,
        )
    )["subject_id"]
    item = f"rules_{tenant[-1]}"  # each tenant's own checklist item
    created(
        api.post(
            "/filing-items",
            json={"code": item, "title": "制度", "due_on": "2026-01-31"},
            as_user=who,
        )
    )
    evidence = {"document_title": "制度", "reference": "file-1"}
    filing = created(
        api.post(
            f"/divisions/{division}/filings",
            json={"item_code": item, "filed_on": "2026-01-20", "evidence": evidence},
            as_user=who,
        )
    )["filing_id"]
    sub_category = f"sub_{tenant[-1]}"
    created(
        api.post(
            "/base-info/sub-categories",
            json={"category": "service_target", "sub_category": sub_category, "label": "自定义"},
            as_user=who,
        )
    )
    return {
        "division": division,
        "grid": grid,
        "second_grid": second,
        "user": user,
        "membership": membership["membership_id"],
        "subject": subject,
        "item": item,
        "filing": filing,
        "sub_category": sub_category,
    }


@pytest.fixture
def world(api_client):
    api = api_client(BLUEPRINTS)
    a, b = territory(api, "tenant-a"), territory(api, "tenant-b")
    return api, a, b


def test_another_tenants_ids_in_the_path_are_not_found(world):
    api, a, b = world
    before = stored("tenant-a"), stored("tenant-b")
    figures = {"expected": 1, "collected": 1, "verified": 1, "as_of": "2026-06-30"}
    split_parts = [
        {"code": "S1", "name": "S1", "boundary": box(120.00)},
        {"code": "S2", "name": "S2", "boundary": box(120.00)},
    ]
    requests = [
        ("GET", f"/divisions/{a['division']}", None, a["division"]),
        ("GET", f"/divisions/{a['division']}/staffing", None, a["division"]),
        ("GET", f"/divisions/{a['division']}/filings", None, a["division"]),
        (
            "POST",
            f"/divisions/{a['division']}/filings",
            {
                "item_code": b["item"],
                "filed_on": "2026-01-20",
                "evidence": {"document_title": "x", "reference": "y"},
            },
            a["division"],
        ),
        ("GET", f"/grids/{a['grid']}", None, a["grid"]),
        ("PATCH", f"/grids/{a['grid']}", {"name": "改名"}, a["grid"]),
        ("PUT", f"/grids/{a['grid']}/boundary", {"boundary": box(120.05)}, a["grid"]),
        ("POST", f"/grids/{a['grid']}/split", {"parts": split_parts}, a["grid"]),
        ("POST", f"/grids/{a['grid']}/retire", {"reason": "撤并"}, a["grid"]),
        ("GET", f"/grids/{a['grid']}/history", None, a["grid"]),
        ("GET", f"/grids/{a['grid']}/team", None, a["grid"]),
        ("PATCH", f"/grids/{a['grid']}/team", {"model": "1+4+X"}, a["grid"]),
        ("GET", f"/grids/{a['grid']}/team/members", None, a["grid"]),
        (
            "POST",
            f"/grids/{a['grid']}/team/members",
            {"role": "grid_leader", "person_name": "张三", "starts_on": "2026-01-01"},
            a["grid"],
        ),
        (
            "PATCH",
            f"/grids/{a['grid']}/team/members/{a['membership']}",
            {"phone": "13900000000"},
            a["grid"],
        ),
        (
            "POST",
            f"/grids/{a['grid']}/team/members/{a['membership']}/end",
            {"ends_on": "2026-06-30"},
            a["grid"],
        ),
        # A's membership under B's own grid.
        (
            "PATCH",
            f"/grids/{b['grid']}/team/members/{a['membership']}",
            {"phone": "13900000000"},
            a["membership"],
        ),
        (
            "PUT",
            f"/grids/{a['grid']}/base-info/population/registered",
            figures,
            a["grid"],
        ),
        ("GET", f"/subjects/{a['subject']}", None, a["subject"]),
        ("PATCH", f"/subjects/{a['subject']}", {"name": "改名"}, a["subject"]),
        ("POST", f"/subjects/{a['subject']}/move", {"grid_id": b["grid"]}, a["subject"]),
        ("POST", f"/subjects/{a['subject']}/archive", {"reason": "关停"}, a["subject"]),
        ("POST", f"/filings/{a['filing']}/withdraw", {"reason": "撤回"}, a["filing"]),
        ("POST", f"/filing-items/{a['item']}/retire", None, a["item"]),
        ("GET", f"/users/{a['user']}/grids", None, a["user"]),
    ]

    for method, path, body, named in requests:
        response = api.request(method, path, json=body, as_user=B)
        assert response.status_code == 404, (method, path, response.get_json())
        assert named in response.get_json()["detail"], (method, path, response.get_json())
    assert (stored("tenant-a"), stored("tenant-b")) == before


def fields_of(response) -> list[str]:
    return [error["field"] for error in response.get_json()["errors"]]


def test_another_tenants_ids_in_the_body_or_the_query_are_422_naming_the_field(world):
    api, a, b = world
    before = stored("tenant-a"), stored("tenant-b")
    grid_body = {"code": "G9", "name": "G9", "type": "village", "boundary": box(120.08)}
    requests = [
        ("POST", "/grids", {**grid_body, "division_id": a["division"]}, "division_id"),
        (
            "POST",
            "/grids/merge",
            {"grid_ids": [a["grid"], b["grid"]], "code": "M1", "name": "M1"},
            "grid_ids[0]",
        ),
        (
            "POST",
            "/subjects",
            {"category": "hazard_place", "grid_id": a["grid"], "name": "加油站"},
            "grid_id",
        ),
        ("POST", f"/subjects/{b['subject']}/move", {"grid_id": a["grid"]}, "grid_id"),
        (
            "POST",
            f"/grids/{b['second_grid']}/team/members",
            {
                "role": "full_time_worker",
                "person_name": "甲镇的人",
                "user_id": a["user"],
                "starts_on": "2026-01-01",
            },
            "user_id",
        ),
        (
            "PATCH",
            f"/grids/{b['grid']}/team/members/{b['membership']}",
            {"user_id": a["user"]},
            "user_id",
        ),
        (
            "POST",
            f"/divisions/{b['division']}/filings",
            {
                "item_code": a["item"],
                "filed_on": "2026-01-20",
                "evidence": {"document_title": "x", "reference": "y"},
            },
            "item_code",
        ),
        (
            "PUT",
            f"/grids/{b['grid']}/base-info/service_target/{a['sub_category']}",
            {"expected": 1, "collected": 1, "verified": 1, "as_of": "2026-06-30"},
            "sub_category",
        ),
        ("GET", f"/grids?division_id={a['division']}", None, "division_id"),
        ("GET", f"/subjects?grid_id={a['grid']}", None, "grid_id"),
        ("GET", f"/base-info?division_id={a['division']}", None, "division_id"),
        ("GET", f"/base-info?grid_id={a['grid']}", None, "grid_id"),
    ]

    for method, path, body, field in requests:
        response = api.request(method, path, json=body, as_user=B)
        assert response.status_code == 422, (method, path, response.get_json())
        assert fields_of(response) == [field], (method, path, response.get_json())
    assert (stored("tenant-a"), stored("tenant-b")) == before


def test_the_same_references_to_the_tenants_own_ids_are_answered(world):
    """The control: what tenant B was refused above works with B's own ids."""
    api, _, b = world

    def ok(method: str, path: str, body: dict[str, Any] | None = None) -> None:
        response = api.request(method, path, json=body, as_user=B)
        assert response.status_code in {200, 201}, (method, path, response.get_json())

    ok("GET", f"/grids?division_id={b['division']}")
    ok("GET", f"/subjects?grid_id={b['grid']}")
    ok("GET", f"/base-info?division_id={b['division']}&grid_id={b['grid']}")
    ok("GET", f"/users/{b['user']}/grids")
    ok("POST", f"/subjects/{b['subject']}/move", {"grid_id": b["second_grid"]})
    ok(
        "POST",
        f"/grids/{b['second_grid']}/team/members",
        {
            "role": "full_time_worker",
            "person_name": "乙街道的人",
            "user_id": b["user"],
            "starts_on": "2026-01-01",
        },
    )
    ok(
        "PUT",
        f"/grids/{b['grid']}/base-info/service_target/{b['sub_category']}",
        {"expected": 1, "collected": 1, "verified": 1, "as_of": "2026-06-30"},
    )
