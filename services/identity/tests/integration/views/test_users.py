"""The people and roles API in process, on the real FerretDB, with the in-memory provider."""

from __future__ import annotations

import io

import pytest

from services.identity.documents.users import UserDocument
from services.identity.tests.fakes import InMemoryIdentityProvider
from services.identity.use_cases import roster
from services.identity.views import install_provider
from services.identity.views import users as views
from shared.events.envelope import Envelope
from shared.workbooks import write_sheet

pytestmark = pytest.mark.integration

BLUEPRINTS = (views.blp, views.roles_blp)
TENANT_B = {"subject": "admin-b", "tenant_id": "tenant-b"}
WORKER = {"subject": "w-1", "roles": ("grid-worker",)}
BODY = {
    "username": "zhang.wei",
    "display_name": "张伟",
    "phone": "13800138000",
    "roles": ["grid-worker"],
}


@pytest.fixture
def api(api_client):
    client = api_client(BLUEPRINTS)
    provider = InMemoryIdentityProvider()
    provider.ensure_organization(alias="tenant-a", name="甲镇", attributes={})
    provider.ensure_organization(alias="tenant-b", name="乙街道", attributes={})
    install_provider(client.app, provider)
    client.provider = provider
    return client


def invite(api, **changes):
    response = api.post("/users", json={**BODY, **changes})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_invite_then_read_list_and_walls(api):
    invited = invite(api)

    user = invited["user"]
    assert invited["temporary_password"]
    assert (user["username"], user["login"], invited["login"]) == (
        "zhang.wei",
        "zhang.wei@tenant-a",
        "zhang.wei@tenant-a",
    )
    [listed] = api.get("/users").get_json()["items"]
    assert (listed["username"], listed["login"]) == ("zhang.wei", "zhang.wei@tenant-a")
    assert api.get(f"/users/{user['user_id']}").get_json()["display_name"] == "张伟"
    assert api.get("/users").get_json()["total"] == 1
    assert api.get(f"/users/{user['user_id']}", as_user=TENANT_B).status_code == 404
    assert api.get("/users", as_user=TENANT_B).get_json()["total"] == 0
    assert api.post(f"/users/{user['user_id']}/disable", as_user=TENANT_B).status_code == 404
    assert api.get(f"/users/{user['user_id']}").get_json()["enabled"] is True


def test_a_username_is_the_tenants_own(api):
    invite(api)

    theirs = api.post("/users", json=BODY, as_user=TENANT_B)
    again = api.post("/users", json={**BODY, "phone": "13900139000"})

    assert theirs.status_code == 201, theirs.get_json()
    assert theirs.get_json()["login"] == "zhang.wei@tenant-b"
    assert "tenant-a" not in theirs.get_data(as_text=True)
    assert again.status_code == 409
    assert "username zhang.wei" in again.get_json()["detail"]


def test_reserved_roles_and_bad_phones_name_the_field(api):
    bad = api.post("/users", json={**BODY, "roles": ["platform-admin"]})
    assert bad.status_code == 422
    assert [error["field"] for error in bad.get_json()["errors"]] == ["roles"]
    bad = api.post("/users", json={**BODY, "phone": "12345"})
    assert [error["field"] for error in bad.get_json()["errors"]] == ["phone"]
    bad = api.post("/users", json={**BODY, "surprise": 1})
    assert bad.status_code == 422
    user = invite(api)["user"]
    bad = api.put(f"/users/{user['user_id']}/roles", json={"roles": ["district-overseer"]})
    assert bad.status_code == 422
    assert [error["field"] for error in bad.get_json()["errors"]] == ["roles"]


def test_only_tenant_admins_manage_people(api):
    assert api.get("/users", as_user=WORKER).status_code == 403
    assert api.post("/users", json=BODY, as_user=WORKER).status_code == 403
    assert api.get("/roles", as_user=WORKER).status_code == 200


def test_edit_roles_disable_enable_and_reset(api):
    user_id = invite(api)["user"]["user_id"]

    patched = api.patch(f"/users/{user_id}", json={"display_name": "张三", "phone": "13900139000"})
    assert patched.status_code == 200, patched.get_json()
    assert patched.get_json()["phone"] == "13900139000"
    roles = api.put(f"/users/{user_id}/roles", json={"roles": ["grid-leader"]})
    assert roles.get_json()["roles"] == ["grid-leader"]
    assert api.post(f"/users/{user_id}/disable").get_json()["enabled"] is False
    assert api.post(f"/users/{user_id}/disable").status_code == 409
    assert api.post(f"/users/{user_id}/password-reset").status_code == 409
    assert api.post(f"/users/{user_id}/enable").get_json()["enabled"] is True
    reset = api.post(f"/users/{user_id}/password-reset")
    assert reset.status_code == 200
    assert reset.get_json()["login"] == "zhang.wei@tenant-a"
    assert api.provider.users[user_id].password == reset.get_json()["temporary_password"]
    assert api.get("/users?enabled=true&role=grid-leader&q=zhang").get_json()["total"] == 1

    doc = UserDocument.objects(tenant_id="tenant-a", pk=user_id).get()
    assert [Envelope.parse(e.envelope).type for e in doc.outbox] == [
        "user.invited",
        "user.updated",
        "user.roles_changed",
        "user.disabled",
        "user.enabled",
    ]


def test_the_role_matrix_and_people_by_role(api):
    invite(api)
    matrix = api.get("/roles").get_json()
    assert matrix["total"] == 8
    worker = next(item for item in matrix["items"] if item["role"] == "grid-worker")
    assert worker["label"].startswith("专职网格员")
    assert worker["tenant_grantable"] is True
    assert {"code": "events.report", "label": worker["capabilities"][3]["label"]} in worker[
        "capabilities"
    ]
    assert api.get("/roles/grid-worker/users").get_json()["total"] == 1
    assert api.get("/roles/grid-leader/users").get_json()["total"] == 0
    assert api.get("/roles/grid-worker/users", as_user=TENANT_B).get_json()["total"] == 0
    assert api.get("/roles/mayor/users").status_code == 404


def upload(api, data: bytes, dry_run: str):
    return api.post(
        f"/users/import?dry_run={dry_run}",
        data={"file": (io.BytesIO(data), "花名册.xlsx")},
        content_type="multipart/form-data",
    )


def test_roster_import_dry_run_then_for_real(api):
    data = write_sheet(
        roster.COLUMNS,
        [
            {
                "display_name": "张伟",
                "username": "zhang.wei",
                "phone": "13800138000",
                "roles": "专职网格员",
            },
            {"display_name": "李娜", "username": "li.na", "phone": "1", "roles": "网格长"},
        ],
    )

    dry = upload(api, data, "true")
    assert dry.status_code == 200, dry.get_json()
    assert dry.get_json()["summary"] == {"created": 1, "updated": 0, "unchanged": 0, "rejected": 1}
    assert dry.get_json()["temporary_passwords"] == []
    assert api.get("/users").get_json()["total"] == 0

    real = upload(api, data, "false").get_json()
    assert real["dry_run"] is False
    assert [row["outcome"] for row in real["rows"]] == ["created", "rejected"]
    assert real["rows"][1]["problems"] == [
        {"column": "手机号", "reason": real["rows"][1]["problems"][0]["reason"]}
    ]
    [issued] = real["temporary_passwords"]
    assert (issued["username"], issued["login"]) == ("zhang.wei", "zhang.wei@tenant-a")
    assert api.get("/users").get_json()["total"] == 1


def test_roster_import_needs_a_file_and_a_multipart_body(api):
    missing = api.post("/users/import", data={}, content_type="multipart/form-data")
    assert missing.status_code == 422
    assert api.post("/users/import", json={"file": "x"}).status_code == 422
    assert api.post("/users/import", data=b"x", content_type="text/csv").status_code == 415
    not_xlsx = upload(api, b"not a workbook", "false")
    assert not_xlsx.status_code == 422
    assert [error["field"] for error in not_xlsx.get_json()["errors"]] == ["file"]
