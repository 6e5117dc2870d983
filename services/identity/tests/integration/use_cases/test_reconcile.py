"""Reconciliation on the real FerretDB: report and repair, with the in-memory provider and the
real Keycloak."""

from __future__ import annotations

import uuid

import pytest
from keycloak import KeycloakAdmin, KeycloakOpenIDConnection

from services.identity.documents.users import UserDocument
from services.identity.keycloak import KeycloakIdentityProvider
from services.identity.repository.users import UserRepository
from services.identity.settings import load
from services.identity.tests.integration.drift import (
    TENANT,
    drift,
    offboarded_tenant,
    org,
    provider,
)
from services.identity.tests.integration.support import add_account
from services.identity.use_cases import reconcile
from services.identity.use_cases import users as use_cases
from services.identity.use_cases.context import IdentityContext
from shared.events.envelope import Envelope

pytestmark = pytest.mark.integration
__all__ = ["provider"]  # fixture


def kinds(result: reconcile.TenantReconciliation) -> list[str]:
    return sorted(outcome.finding.kind.value for outcome in result.outcomes)


def reconciler(tenant_id: str = TENANT, correlation_id: str | None = None) -> IdentityContext:
    return IdentityContext(
        tenant_id=tenant_id, actor=reconcile.RECONCILER, correlation_id=correlation_id
    )


def run(provider, *, repair: bool, correlation_id: str | None = None):
    return reconcile.reconcile_tenant(
        reconciler(correlation_id=correlation_id), provider=provider, repair=repair
    )


def test_a_report_changes_nothing(fresh_db, provider):
    drift(provider)
    calls_before = len(provider.calls)

    result = run(provider, repair=False)

    assert kinds(result) == [
        "enabled_differs",
        "membership_missing",
        "membership_missing",
        "missing_in_provider",
        "only_in_provider",
        "roles_differ",
        "roles_differ",
    ]
    assert not result.clean
    assert {o.action for o in result.outcomes} == {"not repaired"}
    assert set(provider.calls[calls_before:]) <= {
        "find_organization",
        "users_of_tenant",
        "organization_member_ids",
    }
    assert run(provider, repair=False).outcomes == result.outcomes


def test_a_repair_removes_every_drift(fresh_db, provider):
    ids = drift(provider)

    result = run(provider, repair=True, correlation_id="req-r")

    assert result.clean, [o.as_dict() for o in result.outcomes]
    assert run(provider, repair=False).outcomes == ()
    repo = UserRepository(TENANT)
    assert repo.find_user(ids["gone"]).enabled is False
    adopted = repo.find_user(ids["outsider"])
    assert (adopted.username, adopted.roles, adopted.phone) == (
        "only.keycloak",
        ("inspector",),
        None,
    )
    assert provider.users[ids["outsider"]].user.roles == {"inspector"}
    assert provider.users[ids["roles"]].user.roles == {"grid-worker"}
    assert provider.users[ids["flag"]].user.enabled is True
    assert {ids["kept"], ids["outsider"]} <= org(provider).members
    events = {
        doc.user_id: [Envelope.parse(e.envelope) for e in doc.outbox]
        for doc in UserDocument.objects(tenant_id=TENANT)
    }
    assert [e.type for e in events[ids["gone"]]] == ["user.invited", "user.disabled"]
    assert events[ids["gone"]][1].payload["actor"] == "reconciler"
    assert [(e.type, e.correlation_id) for e in events[ids["outsider"]]] == [
        ("user.invited", "req-r")
    ]
    assert [e.type for e in events[ids["roles"]]] == ["user.invited"]


def test_a_failing_repair_is_reported_and_the_others_still_run(fresh_db, provider):
    ids = drift(provider)
    provider.fail_after = 3  # the three reads, then Keycloak is down for every repair

    result = run(provider, repair=True)

    actions = {o.finding.kind.value: o.action for o in result.outcomes}
    assert actions["missing_in_provider"] == "repaired"  # a directory-only repair
    assert actions["roles_differ"].startswith("failed")
    assert not result.clean
    assert UserRepository(TENANT).find_user(ids["outsider"]) is not None


# -- against the real Keycloak ----------------------------------------------------------------


@pytest.fixture
def keycloak():
    """The real adapter, a unique test tenant with its organization, and clean-up afterwards."""
    settings = load()
    provider = KeycloakIdentityProvider.from_settings(settings)
    admin = KeycloakAdmin(
        connection=KeycloakOpenIDConnection(
            server_url=settings.keycloak_url.rstrip("/") + "/",
            realm_name=settings.keycloak_realm,
            client_id=settings.identity_client_id,
            client_secret_key=settings.client_secret.reveal(),
            grant_type="client_credentials",
        )
    )
    tenant = f"t-{uuid.uuid4().hex[:8]}"
    org_id = provider.ensure_organization(alias=tenant, name=f"测试 {tenant}", attributes={})
    yield provider, admin, tenant, org_id
    for account in provider.users_of_tenant(tenant):
        provider.delete_user(account.id)
    provider.delete_organization(org_id)


def test_drift_made_in_keycloak_is_found_and_repaired(fresh_db, keycloak):
    provider, admin, tenant, org_id = keycloak
    repo = UserRepository(tenant)
    ctx = reconciler(tenant)

    def person(phone: str) -> str:
        user, _ = use_cases.invite_user(
            IdentityContext(tenant_id=tenant, actor="admin-1"),
            provider=provider,
            username=f"t-{uuid.uuid4().hex[:8]}",
            display_name="张伟",
            email=None,
            phone=phone,
            roles=["grid-worker"],
        )
        return user.user_id

    disabled, demoted = person("13800138000"), person("13800138001")
    account = provider.get_user(disabled)
    assert account.tenant_id == tenant
    assert account.required_actions == ("UPDATE_PASSWORD",)
    assert {disabled, demoted} <= provider.organization_member_ids(org_id)
    clean = reconcile.reconcile_tenant(ctx, provider=provider, repair=False)
    assert clean.outcomes == ()

    # Drift made behind identity's back, with the admin API directly.
    admin.update_user(disabled, {"enabled": False})
    admin.delete_realm_roles_of_user(demoted, [admin.get_realm_role("grid-worker")])
    stray_name = f"stray.{uuid.uuid4().hex[:8]}"
    stray = admin.create_user(
        {
            "username": f"{stray_name}@{tenant}",
            "enabled": True,
            "firstName": "王芳",
            "attributes": {"tenant_id": [tenant]},
        }
    )

    found = reconcile.reconcile_tenant(ctx, provider=provider, repair=False)
    assert sorted((o.finding.kind.value, o.finding.user_id) for o in found.outcomes) == sorted(
        [
            ("enabled_differs", disabled),
            ("roles_differ", demoted),
            ("only_in_provider", stray),
            ("membership_missing", stray),
        ]
    )

    repaired = reconcile.reconcile_tenant(ctx, provider=provider, repair=True)

    assert repaired.clean, [o.as_dict() for o in repaired.outcomes]
    assert provider.get_user(disabled).enabled is True
    assert provider.get_user(demoted).roles == {"grid-worker"}
    assert stray in provider.organization_member_ids(org_id)
    adopted = repo.find_user(stray)
    assert (adopted.username, adopted.login, adopted.display_name) == (
        stray_name,
        f"{stray_name}@{tenant}",
        "王芳",
    )
    assert reconcile.reconcile_tenant(ctx, provider=provider, repair=False).outcomes == ()


def test_invites_adopt_the_tenants_leftovers_and_ignore_other_tenants_names_in_keycloak(
    fresh_db, keycloak
):
    provider, _admin, tenant, org_id = keycloak
    other = f"t-{uuid.uuid4().hex[:8]}"
    leftover_name, foreign_name = f"t-{uuid.uuid4().hex[:8]}", f"t-{uuid.uuid4().hex[:8]}"
    leftover = add_account(
        provider,
        leftover_name,
        tenant_id=tenant,
        display_name="旧名",
        roles=frozenset({"inspector"}),
    )
    foreign = add_account(provider, foreign_name, tenant_id=other, display_name="别人")
    try:
        admin = IdentityContext(tenant_id=tenant, actor="admin-1")
        common = {"provider": provider, "email": None, "phone": None}
        user, _ = use_cases.invite_user(
            admin,
            username=leftover_name,
            display_name="张伟",
            roles=["grid-worker"],
            **common,
        )
        assert (user.user_id, user.login) == (leftover, leftover_name)
        account = provider.get_user(leftover)
        assert (account.display_name, account.roles) == ("张伟", {"grid-worker"})
        assert leftover in provider.organization_member_ids(org_id)

        namesake, _ = use_cases.invite_user(
            admin,
            username=foreign_name,
            display_name="李娜",
            roles=["grid-worker"],
            **common,
        )

        assert namesake.user_id != foreign
        assert (namesake.username, namesake.login) == (foreign_name, f"{foreign_name}@{tenant}")
        untouched = provider.get_user(foreign)
        assert (untouched.display_name, untouched.tenant_id) == ("别人", other)
    finally:
        provider.delete_user(foreign)


def test_a_repair_never_re_enables_the_logins_of_an_offboarded_tenant(fresh_db, provider):
    ids = offboarded_tenant(provider)
    assert UserRepository(TENANT).find_user(ids["worker"]).enabled  # the directory is kept

    result = run(provider, repair=True)

    assert result.clean
    assert result.outcomes == ()
    assert result.note == reconcile.OFFBOARDED_NOTE
    assert not any(u.user.enabled for u in provider.users.values())

    provider.update_user(ids["worker"], enabled=True)  # someone enabled a login by hand
    report = run(provider, repair=False)
    assert [(o.finding.user_id, o.finding.enabled) for o in report.outcomes] == [
        (ids["worker"], False)
    ]
    assert not report.clean
    repaired = run(provider, repair=True)
    assert repaired.clean
    assert not any(u.user.enabled for u in provider.users.values())
    assert all(u.enabled for u in UserRepository(TENANT).all_users())
