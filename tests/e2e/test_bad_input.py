"""Every invalid request gets a 4xx problem+json naming the field and the reason; nothing is
half-written. Runs against the real grid_registry with a real token, in a tenant of the tests'
own (tenant_a)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

PROBLEM = "application/problem+json"


@pytest.fixture
def registry(api, tenant_a):
    return api("grid_registry", tenant_a.admin)


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status
    assert body["type"].startswith("urn:gridgov:problem:")
    assert body["request_id"] == response.headers["X-Request-ID"]
    return body


def codes(registry) -> set[str]:
    listed = registry.get("/divisions", params={"page_size": 200})
    return {d["code"] for d in listed.json()["items"]}


def test_malformed_json_is_400(registry):
    response = registry.post(
        "/divisions", data=b'{"code": "X1", "name": ', headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 400)


def test_a_wrong_type_is_422_naming_the_field(registry, unique_code):
    response = registry.post(
        "/divisions", json={"code": unique_code, "name": 42, "kind": "village"}
    )
    body = assert_problem(response, 422)
    assert [e["field"] for e in body["errors"]] == ["name"]
    assert body["errors"][0]["reason"]
    assert unique_code not in codes(registry)


def test_an_unknown_field_is_422_naming_it(registry, unique_code):
    response = registry.post(
        "/divisions",
        json={"code": unique_code, "name": "村", "kind": "village", "tenant_id": "demo-town-b"},
    )
    body = assert_problem(response, 422)
    assert "tenant_id" in [e["field"] for e in body["errors"]]


def test_every_missing_field_is_named_at_once(registry):
    body = assert_problem(registry.post("/divisions", json={}), 422)
    assert sorted(e["field"] for e in body["errors"]) == ["code", "kind", "name"]


def test_an_invalid_enum_value_is_422(registry, unique_code):
    response = registry.post("/divisions", json={"code": unique_code, "name": "村", "kind": "town"})
    body = assert_problem(response, 422)
    assert [e["field"] for e in body["errors"]] == ["kind"]


def test_an_oversized_body_is_413(registry):
    huge = {"code": "BIG", "name": "村" * 2_000_000, "kind": "village"}
    assert_problem(registry.post("/divisions", json=huge), 413)


def test_a_non_json_body_is_415(registry):
    response = registry.post(
        "/divisions",
        data="code=X&name=Y",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert_problem(response, 415)


def test_a_bad_page_size_is_422_naming_the_parameter(registry):
    body = assert_problem(registry.get("/divisions", params={"page_size": 10_000}), 422)
    assert [e["field"] for e in body["errors"]] == ["page_size"]


def test_an_unknown_route_and_a_wrong_method_are_problems(registry):
    assert_problem(registry.get("/no-such-thing"), 404)
    assert_problem(registry.request("DELETE", "/divisions"), 405)
