"""Text that cannot be stored or shown answers 422 naming the field (404 in a path), never 500,
on identity's real routes and the real FerretDB; an offboarding reason keeps its line breaks."""

from __future__ import annotations

import pytest

from services.identity.documents.districts import DistrictDocument
from services.identity.tests.integration.support import PLATFORM, client, identity_db, provider
from shared.text import unsafe_text_reason

pytestmark = pytest.mark.integration
__all__ = ["client", "identity_db", "provider"]  # fixtures

TENANT = {
    "code": "demo-town-c",
    "name": "丙镇",
    "kind": "township",
    "district_id": "demo-district",
    "scheme_template": "seed-002-township-grid-worker",
    "admin": {"username": "admin.c", "display_name": "丙镇管理员", "phone": "13800138000"},
}


def errors(response, status=422):
    assert response.status_code == status, response.get_data(as_text=True)
    return [(error["field"], error["reason"]) for error in response.get_json()["errors"]]


@pytest.mark.parametrize("bad", ["\ud800", "\x00", "\x0b", "\x1e"])
def test_a_district_name_with_bad_text_is_422_naming_name(client, bad):
    body = {"district_id": "east-district", "name": f"东{bad}区"}
    response = client.post("/districts", json=body, as_user=PLATFORM)

    assert errors(response) == [("name", unsafe_text_reason(bad))]
    assert DistrictDocument.objects(district_id="east-district").count() == 0


def test_people_and_tenants_name_the_bad_field_nested_ones_included(client):
    invite = {"username": "zhang.wei", "display_name": "张\x00伟", "roles": ["grid-worker\x1e"]}
    tenant = {**TENANT, "admin": {**TENANT["admin"], "display_name": "管理员\x0b"}}

    invited = client.post("/users", json=invite)
    onboarded = client.post("/tenants", json=tenant, as_user=PLATFORM)

    assert [field for field, _ in errors(invited)] == ["display_name", "roles[0]"]
    assert [field for field, _ in errors(onboarded)] == ["admin.display_name"]


def test_query_filters_and_path_ids_with_bad_text_never_reach_the_store(client):
    assert [field for field, _ in errors(client.get("/users?q=%00"))] == ["q"]
    assert [field for field, _ in errors(client.get("/users/%00"), 404)] == ["user_id"]
    assert client.get("/users/%ED%A0%80").status_code == 404  # decoded as U+FFFD: just unknown


def test_an_offboarding_reason_keeps_its_line_breaks_but_not_other_controls(client):
    assert client.post("/tenants", json=TENANT, as_user=PLATFORM).status_code == 201
    path = "/tenants/demo-town-c/offboard"

    refused = client.post(path, json={"reason": "撤并\x07"}, as_user=PLATFORM)
    offboarded = client.post(path, json={"reason": "撤并\n见区政府文件"}, as_user=PLATFORM)

    assert [field for field, _ in errors(refused)] == ["reason"]
    assert offboarded.status_code == 200, offboarded.get_json()
