from datetime import UTC, datetime

import pytest

from services.identity.domain import service_accounts as domain
from shared.auth import Role
from shared.errors import InvalidInput, StateConflict

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def new_account():
    name, scope = domain.validate_request(name="hotline", scope="intake.work_orders")
    return domain.create(
        service_account_id="sa-1",
        tenant_id="demo-town-a",
        name=name,
        scope=scope,
        client_id="svc-demo-town-a-hotline",
        client_uuid="uuid-1",
        actor="admin-a",
        now=NOW,
    )


def test_every_scope_maps_to_known_non_admin_roles():
    known = {role.value for role in Role}
    for scope in domain.SCOPES.values():
        assert set(scope.roles) <= known
        assert not set(scope.roles) & {"tenant-admin", "platform-admin", "district-overseer"}


def test_creation_takes_the_roles_from_the_scope():
    account, event = new_account()
    assert account.roles == ("center-staff",)
    assert account.enabled
    assert (event.type, event.roles, event.client_id) == (
        "service_account.created",
        ("center-staff",),
        "svc-demo-town-a-hotline",
    )


@pytest.mark.parametrize(
    ("name", "scope", "field"),
    [("Hot Line", "intake.work_orders", "name"), ("hotline", "everything", "scope")],
)
def test_bad_requests_name_the_field(name, scope, field):
    with pytest.raises(InvalidInput) as caught:
        domain.validate_request(name=name, scope=scope)
    assert caught.value.field == field


def test_disable_records_once_and_enable_reverses():
    account, _ = new_account()
    disabled, event = domain.disable(account, actor="admin-a", now=NOW)
    assert not disabled.enabled
    assert event is not None
    assert event.type == "service_account.disabled"
    again, none = domain.disable(disabled, actor="admin-a", now=NOW)
    assert none is None
    assert again is disabled
    assert domain.enable(disabled, now=NOW).enabled


def test_a_disabled_account_gets_no_new_secret():
    account, _ = new_account()
    disabled, _ = domain.disable(account, actor="admin-a", now=NOW)
    with pytest.raises(StateConflict):
        domain.secret_rotated(disabled, now=NOW)
