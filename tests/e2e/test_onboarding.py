"""A tenant is onboarded by the platform admin and its first admin logs in for real.

Runs against the running identity service and Keycloak (``make up``), with real tokens: the
platform admin onboards a tenant with a unique code, the new admin changes the temporary
password in Keycloak's login pages (UPDATE_PASSWORD), gets a token by password grant and sees
itself and its tenant; the district overseer sees the tenant, another tenant's admin does not.
The admin's username is one another tenant's admin has: usernames are each tenant's own, so
that is no obstacle and no hint, and the admin logs in with the login name the answer gives.
The tenant goes into the tests' own district (tests/tenants.py), never the demo district.
"""

from __future__ import annotations

import uuid

import pytest

from shared.testing.keycloak_login import KeycloakLoginError, first_login, password_token
from tests.conftest import Api
from tests.tenants import TEST_OVERSEER

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "Gridgov-e2e-" + uuid.uuid4().hex[:8]


def test_onboarded_tenant_admin_logs_in_and_sees_its_tenant(api, test_district, tenant_b):
    code = f"e2e-{uuid.uuid4().hex[:10]}"
    username = tenant_b.admin.partition("@")[0]  # what tenant_b's admin is called there
    platform = api("identity", "platform.admin")

    created = platform.post(
        "/tenants",
        json={
            "code": code,
            "name": f"测试镇 {code[-4:]}",
            "kind": "township",
            "district_id": test_district,
            "scheme_template": "seed-002-township-grid-worker",
            "admin": {"username": username, "display_name": "测试管理员", "phone": "13800138000"},
        },
    )

    assert created.status_code == 201, created.text
    body = created.json()
    assert body["tenant"]["status"] == "active"
    assert created.headers["Cache-Control"] == "no-store"
    assert (body["admin_username"], body["admin_login"]) == (username, f"{username}@{code}")
    login, temporary = body["admin_login"], body["admin_temporary_password"]

    with pytest.raises(KeycloakLoginError):  # not fully set up until the password is changed
        password_token(login, temporary)
    first_login(login, temporary, NEW_PASSWORD)
    admin = Api("identity", password_token(login, NEW_PASSWORD))

    me = admin.get("/me")
    assert me.status_code == 200, me.text
    assert (me.json()["tenant_id"], me.json()["username"]) == (code, login)
    assert "tenant-admin" in me.json()["roles"]
    own = admin.get(f"/tenants/{code}")
    assert own.status_code == 200, own.text
    assert own.json()["kind"] == "township"

    overseen = api("identity", TEST_OVERSEER).get("/tenants", params={"page_size": 200})
    assert overseen.status_code == 200
    assert code in {t["code"] for t in overseen.json()["items"]}
    assert api("identity", tenant_b.admin).get(f"/tenants/{code}").status_code == 404
    assert code not in {
        t["code"] for t in api("identity", tenant_b.admin).get("/tenants").json()["items"]
    }
