"""Drift between the directory and Keycloak, made on purpose, for the reconciliation tests
(the use case, the command line and the view)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.identity.domain import tenants as tenant_domain
from services.identity.repository.tenants import TenantRecordRepository
from services.identity.tests.fakes import FakeOrganization, InMemoryIdentityProvider
from services.identity.tests.integration.support import invite_into
from services.identity.use_cases import tenants as tenant_use_cases
from services.identity.use_cases.context import PlatformContext

TENANT = "t-a"
NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def provider() -> InMemoryIdentityProvider:
    """The in-memory Keycloak with the organization of `TENANT`."""
    fake = InMemoryIdentityProvider()
    fake.ensure_organization(alias=TENANT, name="甲镇", attributes={})
    return fake


def org(provider: InMemoryIdentityProvider) -> FakeOrganization:
    return next(o for o in provider.organizations.values() if o.alias == TENANT)


def invite(provider: InMemoryIdentityProvider, username: str, phone: str) -> str:
    """A person invited into `TENANT` by its admin; their user id."""
    return invite_into(provider, TENANT, username, phone)[0].user_id


def drift(provider: InMemoryIdentityProvider) -> dict[str, str]:
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


def offboarded_tenant(
    provider: InMemoryIdentityProvider, *, correlation_id: str | None = None
) -> dict[str, str]:
    """An active tenant record with two people, then offboarded through the use case by a
    platform admin's request (``correlation_id``)."""
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
        PlatformContext(actor="platform-1", correlation_id=correlation_id),
        provider=provider,
        tenant_id=TENANT,
        reason="撤并",
    )
    return {"admin": admin, "worker": worker}
