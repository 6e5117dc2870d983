"""Reconciliation on the real FerretDB with the in-memory provider: report, repair, CLI, API."""

from __future__ import annotations

import io
import json
import uuid
from datetime import UTC, datetime

import pytest
from keycloak import KeycloakAdmin, KeycloakOpenIDConnection

from services.identity import reconcile
from services.identity.documents.users import UserDocument
from services.identity.domain import tenants as tenant_domain
from services.identity.domain.ports import ProviderConflict
from services.identity.keycloak import KeycloakIdentityProvider
from services.identity.repository.tenants import TenantRecordRepository
from services.identity.repository.users import UserRepository
from services.identity.settings import load
from services.identity.tests.fakes import InMemoryIdentityProvider
from services.identity.use_cases import tenants as tenant_use_cases
from services.identity.use_cases import users as use_cases
from services.identity.views import install_provider
from services.identity.views import reconcile as views
from shared.events.envelope import Envelope

pytestmark = pytest.mark.integration

TENANT = "t-a"
NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def provider() -> InMemoryIdentityProvider:
    fake = InMemoryIdentityProvider()
    fake.ensure_organization(alias=TENANT, name="甲镇", attributes={})
    return fake


def org(provider):
    return next(o for o in provider.organizations.values() if o.alias == TENANT)


def invite(provider, username: str, phone: str) -> str:
    user, _ = use_cases.invite_user(
        repo=UserRepository(TENANT),
        provider=provider,
        actor="admin-1",
        username=username,
        display_name="张伟",
        email=None,
        phone=phone,
        roles=["grid-worker"],
    )
    return user.user_id


def drift(provider) -> dict[str, str]:
    """One of every repairable drift; returns the user ids by role in the story."""
    kept = invite(provider, "kept.user", "13800138000")
    gone = invite(provider, "gone.user", "13800138001")
    roles = invite(provider, "roles.user", "13800138002")
    flag = invite(provider, "flag.user", "13800138003")
    outsider = provider.create_user(
        username="only.keycloak",
        email=None,
        display_name="王芳",
        tenant_id=TENANT,
        district_id=None,
        roles=frozenset({"inspector", "platform-admin"}),
        temporary_password="Temporary-123",
    )
    del provider.users[gone]
    org(provider).members.discard(gone)
    org(provider).members.discard(kept)
    provider.set_realm_roles(roles, frozenset({"tenant-admin"}))
    provider.update_user(flag, enabled=False)
    return {"kept": kept, "gone": gone, "roles": roles, "flag": flag, "outsider": outsider}


def kinds(result: reconcile.TenantReconciliation) -> list[str]:
    return sorted(outcome.finding.kind.value for outcome in result.outcomes)


def run(provider, **kwargs):
    return reconcile.reconcile_tenant(repo=UserRepository(TENANT), provider=provider, **kwargs)


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


def test_the_command_line_exit_codes_table_and_json(fresh_db, provider):
    invite(provider, "first.user", "13900139000")
    out = io.StringIO()
    assert reconcile.run(["--tenant", TENANT], provider=provider, out=out) == 0
    assert "1 tenant(s) checked, 0 with drift" in out.getvalue()

    drift_ids = drift(provider)
    out = io.StringIO()
    assert reconcile.run(["--tenant", TENANT], provider=provider, out=out) == 1
    table = out.getvalue()
    assert "missing_in_provider" in table
    assert drift_ids["gone"] in table

    out = io.StringIO()
    assert (
        reconcile.run(["--tenant", TENANT, "--repair", "--json"], provider=provider, out=out) == 0
    )
    [report] = json.loads(out.getvalue())
    assert report["tenant_id"] == TENANT
    assert report["clean"] is True
    assert {f["action"] for f in report["findings"]} == {"repaired"}
    assert reconcile.run(["--tenant", TENANT], provider=provider, out=io.StringIO()) == 0


def test_the_command_line_defaults_to_every_tenant_and_flags_a_missing_organization(
    fresh_db, provider
):
    out = io.StringIO()
    code = reconcile.run(
        ["--repair"], provider=provider, tenants=lambda: iter([TENANT, "t-no-org"]), out=out
    )
    assert code == 1
    assert "organization_missing" in out.getvalue()
    assert "needs a person" in out.getvalue()


def test_platform_admins_reconcile_over_http(api_client, provider):
    api = api_client((views.blp,))
    install_provider(api.app, provider)
    drift(provider)
    admin = {"subject": "root", "tenant_id": None, "roles": ("platform-admin",)}

    report = api.post(f"/tenants/{TENANT}/reconcile", as_user=admin)
    assert report.status_code == 200, report.get_json()
    assert report.get_json()["clean"] is False
    repaired = api.post(f"/tenants/{TENANT}/reconcile?repair=true", as_user=admin).get_json()
    assert repaired["clean"] is True
    assert api.post(f"/tenants/{TENANT}/reconcile", as_user=admin).get_json()["findings"] == []
    assert api.post("/tenants/t-unknown/reconcile", as_user=admin).status_code == 404
    assert api.post(f"/tenants/{TENANT}/reconcile").status_code == 403  # a tenant admin
    bad = api.post(f"/tenants/{TENANT}/reconcile?repair=maybe", as_user=admin)
    assert [error["field"] for error in bad.get_json()["errors"]] == ["repair"]


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

    def person(phone: str) -> str:
        user, _ = use_cases.invite_user(
            repo=repo,
            provider=provider,
            actor="admin-1",
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
    clean = reconcile.reconcile_tenant(repo=repo, provider=provider, repair=False)
    assert clean.outcomes == ()

    # Drift made behind identity's back, with the admin API directly.
    admin.update_user(disabled, {"enabled": False})
    admin.delete_realm_roles_of_user(demoted, [admin.get_realm_role("grid-worker")])
    stray = admin.create_user(
        {
            "username": f"t-{uuid.uuid4().hex[:8]}",
            "enabled": True,
            "firstName": "王芳",
            "attributes": {"tenant_id": [tenant]},
        }
    )

    found = reconcile.reconcile_tenant(repo=repo, provider=provider, repair=False)
    assert sorted((o.finding.kind.value, o.finding.user_id) for o in found.outcomes) == sorted(
        [
            ("enabled_differs", disabled),
            ("roles_differ", demoted),
            ("only_in_provider", stray),
            ("membership_missing", stray),
        ]
    )

    repaired = reconcile.reconcile_tenant(repo=repo, provider=provider, repair=True)

    assert repaired.clean, [o.as_dict() for o in repaired.outcomes]
    assert provider.get_user(disabled).enabled is True
    assert provider.get_user(demoted).roles == {"grid-worker"}
    assert stray in provider.organization_member_ids(org_id)
    assert repo.find_user(stray).display_name == "王芳"
    assert reconcile.reconcile_tenant(repo=repo, provider=provider, repair=False).outcomes == ()


def test_invites_adopt_leftovers_and_refuse_other_tenants_names_in_keycloak(fresh_db, keycloak):
    provider, _admin, tenant, org_id = keycloak
    other = f"t-{uuid.uuid4().hex[:8]}"
    leftover_name, foreign_name = f"t-{uuid.uuid4().hex[:8]}", f"t-{uuid.uuid4().hex[:8]}"
    leftover = provider.create_user(
        username=leftover_name,
        email=None,
        display_name="旧名",
        tenant_id=tenant,
        district_id=None,
        roles=frozenset({"inspector"}),
        temporary_password="Lost-Password-12",
    )
    foreign = provider.create_user(
        username=foreign_name,
        email=None,
        display_name="别人",
        tenant_id=other,
        district_id=None,
        roles=frozenset({"grid-worker"}),
        temporary_password="Other-Password-12",
    )
    try:
        common = {"provider": provider, "actor": "admin-1", "email": None, "phone": None}
        user, _ = use_cases.invite_user(
            repo=UserRepository(tenant),
            username=leftover_name,
            display_name="张伟",
            roles=["grid-worker"],
            **common,
        )
        assert user.user_id == leftover
        account = provider.get_user(leftover)
        assert (account.display_name, account.roles) == ("张伟", {"grid-worker"})
        assert leftover in provider.organization_member_ids(org_id)
        with pytest.raises(ProviderConflict) as exc:
            use_cases.invite_user(
                repo=UserRepository(tenant),
                username=foreign_name,
                display_name="李娜",
                roles=["grid-worker"],
                **common,
            )
        assert other not in str(exc.value)
    finally:
        provider.delete_user(foreign)


def offboarded_tenant(provider) -> dict[str, str]:
    """An active tenant record with two people, then offboarded through the use case."""
    org_id = org(provider).id
    admin = invite(provider, "admin.t", "13800138000")
    worker = invite(provider, "worker.t", "13800138001")
    started = tenant_domain.start_onboarding(
        code=TENANT,
        name="甲镇",
        kind="township",
        district_id="demo-district",
        timezone=None,
        calendar=None,
        scheme_template="seed-002-township-grid-worker",
        admin=tenant_domain.TenantAdmin("admin.t", "管理员", None, "13800138000"),
        scheme_templates={"seed-002-township-grid-worker"},
        actor="platform-1",
        now=NOW,
    )
    ready = tenant_domain.admin_ready(
        tenant_domain.organization_ready(started, org_id, now=NOW), admin, now=NOW
    )
    active, _ = tenant_domain.activate(ready, actor="platform-1", now=NOW)
    TenantRecordRepository(TENANT).add_tenant(active)
    tenant_use_cases.offboard_tenant(
        provider=provider, actor="platform-1", tenant_id=TENANT, reason="撤并"
    )
    return {"admin": admin, "worker": worker}


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


def test_the_command_line_reports_an_offboarded_tenant_as_skipped_and_clean(fresh_db, provider):
    offboarded_tenant(provider)
    out = io.StringIO()

    assert reconcile.run(["--tenant", TENANT, "--repair"], provider=provider, out=out) == 0

    assert f"{TENANT}: {reconcile.OFFBOARDED_NOTE}" in out.getvalue()
    assert "1 tenant(s) checked, 0 with drift" in out.getvalue()
    assert not any(u.user.enabled for u in provider.users.values())
    out = io.StringIO()
    assert reconcile.run(["--tenant", TENANT, "--json"], provider=provider, out=out) == 0
    [report] = json.loads(out.getvalue())
    assert (report["clean"], report["note"], report["findings"]) == (
        True,
        reconcile.OFFBOARDED_NOTE,
        [],
    )
