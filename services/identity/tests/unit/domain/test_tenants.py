from datetime import UTC, datetime

import pytest

from services.identity.domain import tenants as domain
from shared.errors import InvalidInput, StateConflict

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
TEMPLATES = ("seed-002-township-grid-worker",)
ADMIN = domain.TenantAdmin(
    username="admin.c", display_name="丙镇管理员", email=None, phone="13800138000"
)


def new_tenant(**changes):
    args = {
        "code": "demo-town-c",
        "name": "丙镇",
        "kind": "township",
        "district_id": "demo-district",
        "timezone": None,
        "calendar": None,
        "scheme_template": "seed-002-township-grid-worker",
        "admin": ADMIN,
        "scheme_templates": TEMPLATES,
        "actor": "platform-1",
        "now": NOW,
        **changes,
    }
    return domain.start_onboarding(**args)


def test_a_new_tenant_is_onboarding_with_the_defaults():
    tenant = new_tenant()
    assert tenant.status is domain.TenantStatus.ONBOARDING
    assert (tenant.tenant_id, tenant.code) == ("demo-town-c", "demo-town-c")
    assert tenant.timezone == "Asia/Shanghai"
    assert tenant.calendar == "cn-public-holidays"
    assert tenant.kind is domain.TenantKind.TOWNSHIP


def test_every_bad_field_is_named_at_once():
    with pytest.raises(InvalidInput) as caught:
        new_tenant(
            code="X",
            name="",
            kind="city",
            timezone="Mars/Olympus",
            calendar="!",
            scheme_template="nope",
        )
    assert {p.field for p in caught.value.problems} == {
        "code",
        "name",
        "kind",
        "timezone",
        "calendar",
        "scheme_template",
    }


@pytest.mark.parametrize("timezone", ["Asia/Shanghai", "Asia/Urumqi", "UTC"])
def test_iana_time_zones_are_accepted(timezone):
    assert new_tenant(timezone=timezone).timezone == timezone


@pytest.mark.parametrize("timezone", ["CST", "Asia/Beijing", "../etc/passwd", "Asia/Shanghai/x"])
def test_other_time_zone_names_are_refused(timezone):
    with pytest.raises(InvalidInput) as caught:
        new_tenant(timezone=timezone)
    assert caught.value.field == "timezone"


def test_the_steps_run_in_order_and_activation_records_the_v2_event():
    tenant = new_tenant()
    with pytest.raises(StateConflict):
        domain.admin_ready(tenant, "user-1", now=NOW)
    with pytest.raises(StateConflict):
        domain.activate(tenant, actor="platform-1", now=NOW)
    tenant = domain.organization_ready(tenant, "org-1", now=NOW)
    tenant = domain.admin_ready(tenant, "user-1", now=NOW)
    active, event = domain.activate(tenant, actor="platform-1", now=NOW)
    assert active.status is domain.TenantStatus.ACTIVE
    assert active.onboarded_at == NOW
    assert (event.type, event.version) == ("tenant.onboarded", 2)
    assert event.scheme_template == "seed-002-township-grid-worker"
    assert event.onboarded_by == "platform-1"


def test_a_failed_step_is_remembered_and_cleared_by_the_next_success():
    tenant = domain.step_failed(new_tenant(), domain.OnboardingStep.ORGANIZATION, now=NOW)
    assert tenant.failed_step is domain.OnboardingStep.ORGANIZATION
    assert domain.organization_ready(tenant, "org-1", now=NOW).failed_step is None


def active_tenant():
    tenant = domain.organization_ready(new_tenant(), "org-1", now=NOW)
    tenant = domain.admin_ready(tenant, "user-1", now=NOW)
    return domain.activate(tenant, actor="platform-1", now=NOW)[0]


def test_offboarding_and_reactivation_toggle_the_status():
    stopped, event = domain.offboard(active_tenant(), reason=" 撤并 ", actor="p", now=NOW)
    assert stopped.status is domain.TenantStatus.OFFBOARDED
    assert (event.type, event.reason) == ("tenant.offboarded", "撤并")
    with pytest.raises(StateConflict):
        domain.offboard(stopped, reason="again", actor="p", now=NOW)
    active, back = domain.reactivate(stopped, actor="p", now=NOW)
    assert active.status is domain.TenantStatus.ACTIVE
    assert active.offboard_reason is None
    assert back.type == "tenant.reactivated"
    with pytest.raises(StateConflict):
        domain.reactivate(active, actor="p", now=NOW)


def test_offboarding_needs_a_reason():
    with pytest.raises(InvalidInput) as caught:
        domain.offboard(active_tenant(), reason="  ", actor="p", now=NOW)
    assert caught.value.field == "reason"


def test_an_onboarding_tenant_cannot_be_offboarded():
    with pytest.raises(StateConflict):
        domain.offboard(new_tenant(), reason="x", actor="p", now=NOW)


@pytest.mark.parametrize(
    ("roles", "tenant_id", "district_id", "visible"),
    [
        ({"platform-admin"}, None, None, True),
        ({"district-overseer"}, None, "demo-district", True),
        ({"district-overseer"}, None, "other-district", False),
        ({"district-overseer"}, None, None, False),
        ({"tenant-admin"}, "demo-town-c", None, True),
        ({"grid-worker"}, "demo-town-c", None, True),
        ({"tenant-admin"}, "demo-town-a", None, False),
    ],
)
def test_visibility_follows_the_token(roles, tenant_id, district_id, visible):
    assert (
        domain.visible_to(new_tenant(), roles=roles, tenant_id=tenant_id, district_id=district_id)
        is visible
    )


def test_naive_times_are_a_bug():
    with pytest.raises(ValueError, match="timezone-aware"):
        new_tenant(now=datetime(2026, 3, 1))  # noqa: DTZ001 - the point of the test
