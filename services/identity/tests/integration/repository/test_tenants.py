from dataclasses import replace
from datetime import UTC, datetime

import pytest

from services.identity.domain import tenants as domain
from services.identity.repository.tenants import TenantCatalog, TenantRecordRepository
from shared.mongo import ConcurrentUpdate

pytestmark = pytest.mark.integration

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def tenant(code: str, district_id: str) -> domain.Tenant:
    return domain.start_onboarding(
        code=code,
        name=f"镇 {code}",
        kind="street",
        district_id=district_id,
        timezone=None,
        calendar=None,
        scheme_template="seed-003-township-monthly",
        admin=domain.TenantAdmin(username="admin", display_name="管理员", email=None, phone=None),
        scheme_templates=("seed-003-township-monthly",),
        actor="platform-1",
        now=NOW,
    )


def test_the_catalogue_lists_across_tenants_by_district_in_code_order(fresh_db):
    for code, district in [("town-c", "east"), ("town-a", "east"), ("town-b", "west")]:
        TenantRecordRepository(code).add_tenant(tenant(code, district))
    catalog = TenantCatalog()
    everything = catalog.list_tenants(offset=0, limit=50)
    assert [t.tenant_id for t in everything.items] == ["town-a", "town-b", "town-c"]
    east = catalog.list_tenants(offset=0, limit=1, district_id="east")
    assert ([t.tenant_id for t in east.items], east.total) == (["town-a"], 2)
    assert catalog.list_tenants(offset=0, limit=50, district_id="north").items == []


def test_a_tenant_round_trips_and_a_stale_write_is_refused(fresh_db):
    repo = TenantRecordRepository("town-a")
    stored = repo.add_tenant(tenant("town-a", "east"))
    assert stored == replace(tenant("town-a", "east"), revision=1)
    assert TenantRecordRepository("town-b").find_tenant() is None
    repo.save_tenant(domain.organization_ready(stored, "org-1", now=NOW))
    with pytest.raises(ConcurrentUpdate):
        repo.save_tenant(domain.organization_ready(stored, "org-2", now=NOW))
    found = repo.find_tenant()
    assert found is not None
    assert (found.organization_id, found.revision) == ("org-1", 2)
