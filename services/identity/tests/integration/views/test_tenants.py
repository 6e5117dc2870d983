"""Tenant onboarding, visibility and offboarding through the API (real FerretDB, fake Keycloak)."""

from __future__ import annotations

import dataclasses

import pytest

from services.identity.documents.tenants import TenantRecordDocument
from services.identity.documents.users import UserDocument
from services.identity.tests.integration.support import (
    OVERSEER,
    PLATFORM,
    client,
    identity_db,
    outbox,
    provider,
)
from services.identity.use_cases.context import IdentityContext
from services.identity.use_cases.users import adopt_account, invite_user

pytestmark = pytest.mark.integration
__all__ = ["client", "identity_db", "provider"]  # fixtures


def onboarding() -> IdentityContext:
    """What an earlier onboarding attempt acted as inside the tenant: the platform admin."""
    return IdentityContext(tenant_id="demo-town-c", actor="platform-1")


BODY = {
    "code": "demo-town-c",
    "name": "丙镇",
    "kind": "township",
    "district_id": "demo-district",
    "scheme_template": "seed-002-township-grid-worker",
    "admin": {"username": "Admin.C", "display_name": "丙镇管理员", "phone": "13800138000"},
}


def onboard(client, body=None):
    return client.post("/tenants", json=body or BODY, as_user=PLATFORM)


def test_onboarding_creates_org_admin_and_one_event(client, provider):
    response = onboard(client)
    assert response.status_code == 201, response.json
    body = response.json
    assert response.headers["Cache-Control"] == "no-store"
    assert body["tenant"]["status"] == "active"
    assert body["tenant"]["timezone"] == "Asia/Shanghai"
    assert body["tenant"]["calendar"] == "cn-public-holidays"
    assert (body["admin_username"], body["admin_login"]) == ("admin.c", "admin.c@demo-town-c")
    password = body["admin_temporary_password"]
    assert len(password) >= 10
    org = next(iter(provider.organizations.values()))
    assert (org.alias, org.enabled, org.attributes["district_id"]) == (
        "demo-town-c",
        True,
        "demo-district",
    )
    (admin,) = provider.users.values()
    assert (admin.user.username, admin.user.tenant_id) == ("admin.c@demo-town-c", "demo-town-c")
    assert admin.user.roles == {"tenant-admin"}
    assert admin.user.required_actions == ("UPDATE_PASSWORD",)
    assert (admin.password, admin.temporary) == (password, True)
    assert admin.user.id in org.members
    doc = TenantRecordDocument.objects(tenant_id="demo-town-c").get()
    assert password not in str(doc.to_mongo())
    assert outbox(doc) == [
        (
            "tenant.onboarded",
            2,
            {
                "code": "demo-town-c",
                "name": "丙镇",
                "kind": "township",
                "district_id": "demo-district",
                "timezone": "Asia/Shanghai",
                "calendar": "cn-public-holidays",
                "scheme_template": "seed-002-township-grid-worker",
                "onboarded_by": "platform-1",
            },
        )
    ]
    user_doc = UserDocument.objects(tenant_id="demo-town-c").get()
    assert [t for t, _, _ in outbox(user_doc)] == ["user.invited"]


def test_bad_input_names_the_fields(client):
    response = onboard(
        client,
        {
            **BODY,
            "timezone": "Mars/Base",
            "district_id": "nowhere",
            "admin": {**BODY["admin"], "username": "bad name!"},
        },
    )
    assert response.status_code == 422
    fields = {error["field"] for error in response.json["errors"]}
    assert fields == {"timezone", "district_id", "admin.username"}


def test_unknown_scheme_template_is_422(client):
    response = onboard(client, {**BODY, "scheme_template": "seed-999"})
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "scheme_template"


def test_only_platform_admins_onboard(client):
    as_admin = {"subject": "a", "tenant_id": "demo-town-a", "roles": ("tenant-admin",)}
    assert client.post("/tenants", json=BODY, as_user=as_admin).status_code == 403
    assert client.post("/tenants", json=BODY, as_user=OVERSEER).status_code == 403


def test_the_same_code_twice_is_409(client, provider):
    assert onboard(client).status_code == 201
    assert onboard(client).status_code == 409
    assert len(provider.organizations) == 1


def test_keycloak_down_is_503_and_the_retry_completes_without_duplicates(client, provider):
    provider.fail_after = 3  # organization ensured, then Keycloak goes away mid-admin
    response = onboard(client)
    assert response.status_code == 503
    assert response.headers["Content-Type"] == "application/problem+json"
    stuck = client.get("/tenants/demo-town-c", as_user=PLATFORM).json
    assert (stuck["status"], stuck["failed_step"]) == ("onboarding", "admin")
    doc = TenantRecordDocument.objects(tenant_id="demo-town-c").get()
    assert outbox(doc) == []

    provider.unavailable, provider.fail_after = False, None
    retried = client.post("/tenants/demo-town-c/onboarding/retry", as_user=PLATFORM)
    assert retried.status_code == 200, retried.json
    assert retried.json["tenant"]["status"] == "active"
    assert retried.json["tenant"]["failed_step"] is None
    assert len(provider.organizations) == 1
    assert len(provider.users) == 1
    (admin,) = provider.users.values()
    assert admin.password == retried.json["admin_temporary_password"]
    doc = TenantRecordDocument.objects(tenant_id="demo-town-c").get()
    assert [t for t, _, _ in outbox(doc)] == ["tenant.onboarded"]
    again = client.post("/tenants/demo-town-c/onboarding/retry", as_user=PLATFORM)
    assert again.status_code == 409


def test_retry_after_a_crash_past_the_admin_adopts_it_with_a_fresh_password(client, provider):
    provider.unavailable = True
    assert onboard(client).status_code == 503
    provider.unavailable = False
    # What a process that died right after creating the admin leaves behind: the org, the
    # Keycloak account and the directory entry, but no progress on the tenant record.
    org_id = provider.ensure_organization(alias="demo-town-c", name="丙镇", attributes={})
    _, lost_password = invite_user(
        onboarding(),
        provider=provider,
        username="admin.c",
        display_name="丙镇管理员",
        email=None,
        phone="13800138000",
        roles=["tenant-admin"],
    )
    retried = client.post("/tenants/demo-town-c/onboarding/retry", as_user=PLATFORM)
    assert retried.status_code == 200, retried.json
    assert retried.json["tenant"]["status"] == "active"
    (admin,) = provider.users.values()
    fresh = retried.json["admin_temporary_password"]
    assert fresh != lost_password
    assert (admin.password, admin.temporary) == (fresh, True)
    assert admin.user.id in provider.organizations[org_id].members
    assert len(provider.organizations) == 1
    assert UserDocument.objects(tenant_id="demo-town-c").count() == 1


def in_use_account(provider, username: str, tenant_id: str, roles: frozenset[str]) -> str:
    """A Keycloak account its owner already uses: own password, no pending required action."""
    user_id = provider.create_user(
        username=username,
        email=None,
        display_name="丙镇管理员",
        tenant_id=tenant_id,
        district_id=None,
        roles=roles,
        temporary_password="unused",
    )
    stored = provider.users[user_id]
    stored.password, stored.temporary = "Own-pass-123", False
    stored.user = dataclasses.replace(stored.user, required_actions=())
    return user_id


def test_onboarding_adopts_an_in_use_admin_account_without_touching_its_password(client, provider):
    user_id = in_use_account(
        provider, "admin.c", "demo-town-c", frozenset({"tenant-admin", "center-staff"})
    )

    response = onboard(client)

    assert response.status_code == 201, response.json
    assert response.json["admin_temporary_password"] is None
    assert response.json["admin_login"] == "admin.c"  # the account keeps its own name
    assert "adopted" in response.json["note"]
    assert "reset_password" not in provider.calls
    admin = provider.users[user_id]
    assert (admin.password, admin.temporary, admin.user.required_actions) == (
        "Own-pass-123",
        False,
        (),
    )
    assert admin.user.roles == {"tenant-admin", "center-staff"}
    assert len(provider.users) == 1
    org = next(iter(provider.organizations.values()))
    assert user_id in org.members
    doc = UserDocument.objects(tenant_id="demo-town-c").get()
    assert (doc.user_id, list(doc.roles), doc.phone) == (
        user_id,
        ["tenant-admin", "center-staff"],
        "13800138000",
    )
    assert [t for t, _, _ in outbox(doc)] == ["user.invited"]
    tenant = TenantRecordDocument.objects(tenant_id="demo-town-c").get()
    assert [t for t, _, _ in outbox(tenant)] == ["tenant.onboarded"]


def test_an_account_of_another_tenant_is_left_alone_and_the_admin_gets_a_login_of_its_own(
    client, provider
):
    foreign = in_use_account(provider, "admin.c", "demo-town-b", frozenset({"tenant-admin"}))

    response = onboard(client)

    assert response.status_code == 201, response.json
    assert "demo-town-b" not in str(response.json)
    assert (response.json["admin_username"], response.json["admin_login"]) == (
        "admin.c",
        "admin.c@demo-town-c",
    )
    (admin,) = (u for u in provider.users.values() if u.user.id != foreign)
    assert (admin.user.username, admin.user.tenant_id) == ("admin.c@demo-town-c", "demo-town-c")
    assert admin.password == response.json["admin_temporary_password"]
    untouched = provider.users[foreign]
    assert (untouched.password, untouched.user.tenant_id) == ("Own-pass-123", "demo-town-b")
    assert UserDocument.objects(tenant_id="demo-town-c").get().user_id == admin.user.id


def test_a_retry_past_an_adopted_admin_still_leaves_its_password_alone(client, provider):
    user_id = in_use_account(provider, "admin.c", "demo-town-c", frozenset({"tenant-admin"}))
    provider.unavailable = True
    assert onboard(client).status_code == 503
    provider.unavailable = False
    # A process that died right after adopting the admin: the directory entry exists.
    provider.ensure_organization(alias="demo-town-c", name="丙镇", attributes={})
    adopt_account(
        onboarding(),
        provider=provider,
        account=provider.users[user_id].user,
        username="admin.c",
        display_name="丙镇管理员",
        email=None,
        phone="13800138000",
        roles=["tenant-admin"],
    )

    retried = client.post("/tenants/demo-town-c/onboarding/retry", as_user=PLATFORM)

    assert retried.status_code == 200, retried.json
    assert retried.json["tenant"]["status"] == "active"
    assert retried.json["admin_temporary_password"] is None
    assert provider.users[user_id].password == "Own-pass-123"
    assert UserDocument.objects(tenant_id="demo-town-c").count() == 1


def test_visibility_per_role(client):
    assert onboard(client).status_code == 201
    listed = client.get("/tenants", as_user=PLATFORM).json
    assert [t["code"] for t in listed["items"]] == ["demo-town-c"]
    assert client.get("/tenants", as_user=OVERSEER).json["total"] == 1
    other_district = {**OVERSEER, "district_id": "east-district"}
    assert client.get("/tenants", as_user=other_district).json == {
        **client.get("/tenants", as_user=other_district).json,
        "items": [],
        "total": 0,
    }
    assert client.get("/tenants/demo-town-c", as_user=other_district).status_code == 404
    own = {"subject": "w", "tenant_id": "demo-town-c", "roles": ("grid-worker",)}
    assert client.get("/tenants/demo-town-c", as_user=own).status_code == 200
    assert [t["code"] for t in client.get("/tenants", as_user=own).json["items"]] == ["demo-town-c"]
    stranger = {"subject": "b", "tenant_id": "demo-town-b", "roles": ("tenant-admin",)}
    assert client.get("/tenants/demo-town-c", as_user=stranger).status_code == 404
    assert client.get("/tenants", as_user=stranger).json["items"] == []
    assert client.get("/tenants/no-such-town", as_user=PLATFORM).status_code == 404


def test_an_overseer_reads_the_tenant_record_without_its_people(client):
    """ADR 9: overseers see tenants, never people; platform admins and the tenant's own users
    still see its first admin."""
    assert onboard(client).status_code == 201
    platform_view = client.get("/tenants/demo-town-c", as_user=PLATFORM).json
    assert platform_view["admin_username"] == "admin.c"
    assert client.get("/tenants", as_user=PLATFORM).json["items"] == [platform_view]
    own = {"subject": "w", "tenant_id": "demo-town-c", "roles": ("grid-worker",)}
    assert client.get("/tenants/demo-town-c", as_user=own).json == platform_view

    listed = client.get("/tenants", as_user=OVERSEER).json["items"]
    one = client.get("/tenants/demo-town-c", as_user=OVERSEER).json

    record = {key: value for key, value in platform_view.items() if key != "admin_username"}
    assert listed == [record]
    assert one == record
    assert "admin.c" not in str(listed) + str(one)


def test_offboard_disables_every_login_and_reactivate_restores_them(client, provider):
    assert onboard(client).status_code == 201
    org = next(iter(provider.organizations.values()))
    worker_id = provider.create_user(
        username="worker.c",
        email=None,
        display_name="网格员",
        tenant_id="demo-town-c",
        district_id=None,
        roles=frozenset({"grid-worker"}),
        temporary_password="Temp-pass-123",
    )
    response = client.post(
        "/tenants/demo-town-c/offboard", json={"reason": "撤并"}, as_user=PLATFORM
    )
    assert response.status_code == 200, response.json
    assert response.json["status"] == "offboarded"
    assert not org.enabled
    assert not any(u.user.enabled for u in provider.users.values())
    doc = TenantRecordDocument.objects(tenant_id="demo-town-c").get()
    assert [t for t, _, _ in outbox(doc)] == ["tenant.onboarded", "tenant.offboarded"]
    assert UserDocument.objects(tenant_id="demo-town-c").count() == 1  # records kept
    assert (
        client.post("/tenants/demo-town-c/offboard", json={"reason": "x"}, as_user=PLATFORM)
    ).status_code == 409

    back = client.post("/tenants/demo-town-c/reactivate", as_user=PLATFORM)
    assert back.status_code == 200
    assert back.json["status"] == "active"
    assert org.enabled
    assert provider.users[worker_id].user.enabled
    doc = TenantRecordDocument.objects(tenant_id="demo-town-c").get()
    assert [t for t, _, _ in outbox(doc)][-1] == "tenant.reactivated"


def test_offboard_needs_a_reason(client):
    assert onboard(client).status_code == 201
    response = client.post("/tenants/demo-town-c/offboard", json={"reason": ""}, as_user=PLATFORM)
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "reason"
