"""Text that cannot be stored or shown answers 422 naming the field (404 in a path), never 500,
on the real routes and the real FerretDB; multi-line fields keep their line breaks."""

from __future__ import annotations

import pytest

from services.grid_registry.bootstrap import BLUEPRINTS
from services.grid_registry.documents.divisions import DivisionDocument
from services.grid_registry.use_cases.grids import LOCATORS
from shared.text import unsafe_text_reason

pytestmark = pytest.mark.integration

RING = [[120.10, 31.70], [120.11, 31.70], [120.11, 31.71], [120.10, 31.71], [120.10, 31.70]]
BOX = {"type": "Polygon", "coordinates": [RING]}


@pytest.fixture(autouse=True)
def _fresh_locators():
    LOCATORS.clear()
    yield
    LOCATORS.clear()


@pytest.fixture
def api(api_client):
    return api_client(BLUEPRINTS)


def errors(response, status=422):
    assert response.status_code == status, response.get_data(as_text=True)
    return [(error["field"], error["reason"]) for error in response.get_json()["errors"]]


@pytest.mark.parametrize("bad", ["\ud800", "\x00", "\x0b", "\x1e"])
def test_a_division_name_with_bad_text_is_422_naming_name(api, bad):
    # The test client writes JSON ASCII-only: a lone surrogate travels as the escape \ud800.
    body = {"code": "A-V01", "kind": "village", "name": f"东风{bad}村"}
    response = api.post("/divisions", json=body)

    assert errors(response) == [("name", unsafe_text_reason(bad))]
    assert DivisionDocument.objects(tenant_id="tenant-a").count() == 0


def test_an_unknown_key_with_a_lone_surrogate_is_named_escaped(api):
    body = '{"code": "A-V01", "kind": "village", "name": "东风村", "\\ud800": 1}'
    response = api.post("/divisions", data=body, content_type="application/json")

    assert errors(response) == [("\\ud800", "Unknown field.")]


def test_bad_text_in_nested_lists_and_geojson_names_each_path(api):
    grid = {"division_id": "d-1", "code": "G1", "name": "网格\x00", "type": "village"}
    created = api.post("/grids", json={**grid, "boundary": {**BOX, "type": "Polygon\x0b"}})
    part = {"code": "P1", "name": "一", "boundary": BOX}
    split = api.post(
        "/grids/g-1/split", json={"parts": [part, {**part, "code": "P2", "name": "二\x1e"}]}
    )

    assert [field for field, _ in errors(created)] == ["boundary.type", "name"]
    assert [field for field, _ in errors(split)] == ["parts[1].name"]


def test_query_filters_and_path_ids_with_bad_text_never_reach_the_store(api):
    # Each of these answered 500 before: FerretDB's PostgreSQL refuses NUL in a query.
    assert [f for f, _ in errors(api.get("/grids?division_id=%00"))] == ["division_id"]
    assert [f for f, _ in errors(api.get("/divisions?kind=%00"))] == ["kind"]
    assert [f for f, _ in errors(api.get("/divisions/a%00b"), 404)] == ["division_id"]
    assert [f for f, _ in errors(api.get("/grids/%1E"), 404)] == ["grid_id"]
    assert api.get("/divisions/%ED%A0%80").status_code == 404  # decoded as U+FFFD: just unknown


def test_a_retirement_reason_keeps_its_line_breaks_but_not_other_controls(api):
    division = api.post("/divisions", json={"code": "HP", "name": "和平村", "kind": "village"})
    assert division.status_code == 201, division.get_json()
    grid_body = {
        "division_id": division.get_json()["division_id"],
        "code": "G1",
        "name": "一网格",
        "type": "village",
        "boundary": BOX,
    }
    grid = api.post("/grids", json=grid_body)
    assert grid.status_code == 201, grid.get_json()
    path = f"/grids/{grid.get_json()['grid_id']}/retire"

    refused = api.post(path, json={"reason": "撤村\x0b并居"})
    retired = api.post(path, json={"reason": "撤村并居\r\n见：\t2025 年第 3 号文"})

    assert [field for field, _ in errors(refused)] == ["reason"]
    assert retired.status_code == 200, retired.get_json()
    assert retired.get_json()["retired_reason"] == "撤村并居\r\n见：\t2025 年第 3 号文"
