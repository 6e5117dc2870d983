"""The request contexts: repositories bound to the context's tenant and origin, no I/O."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.identity.repository.districts import DistrictRepository
from services.identity.repository.service_accounts import ServiceAccountRepository
from services.identity.repository.tenants import TenantCatalog, TenantRecordRepository
from services.identity.repository.users import UserRepository
from services.identity.use_cases.context import IdentityContext, PlatformContext
from shared.events.domain import EventOrigin

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def test_the_tenant_context_binds_every_repository_to_its_tenant_and_origin():
    ctx = IdentityContext(tenant_id="t-a", actor="admin-1", correlation_id="req-1")

    repositories = (ctx.users, ctx.service_accounts, ctx.tenant_record)

    assert [type(r) for r in repositories] == [
        UserRepository,
        ServiceAccountRepository,
        TenantRecordRepository,
    ]
    origin = EventOrigin(producer="identity", correlation_id="req-1")
    assert all((r.tenant_id, r.origin) == ("t-a", origin) for r in repositories)
    assert ctx.users is ctx.users  # built once per context


def test_the_tenant_context_reads_its_clock():
    ctx = IdentityContext(tenant_id="t-a", actor="admin-1", clock=lambda: NOW)
    assert ctx.now() == NOW


def test_the_platform_context_acts_on_a_tenant_as_the_same_caller():
    platform = PlatformContext(
        actor="platform-1",
        correlation_id="req-2",
        roles=frozenset({"platform-admin"}),
        clock=lambda: NOW,
    )

    onboarding = platform.for_tenant("demo-town-c")

    assert (onboarding.tenant_id, onboarding.actor, onboarding.correlation_id) == (
        "demo-town-c",
        "platform-1",
        "req-2",
    )
    assert onboarding.roles == {"platform-admin"}
    assert onboarding.now() == platform.now() == NOW
    assert onboarding.tenant_record.tenant_id == "demo-town-c"
    assert onboarding.tenant_record.origin == EventOrigin("identity", "req-2")


def test_the_platform_context_holds_the_stores_above_the_tenants():
    platform = PlatformContext(actor="platform-1")
    assert isinstance(platform.districts, DistrictRepository)
    assert isinstance(platform.catalog, TenantCatalog)


def test_a_context_needs_an_actor():
    with pytest.raises(ValueError, match="actor"):
        PlatformContext(actor="")
    with pytest.raises(ValueError, match="actor"):
        IdentityContext(tenant_id="t-a", actor="")
