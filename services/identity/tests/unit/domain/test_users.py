"""People rules: validation naming the field, reserved roles, events without personal data."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.identity.domain import users as domain
from shared.auth import Role
from shared.errors import InvalidInput, StateConflict

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def new_user(**changes: object) -> domain.User:
    username, profile, roles = domain.validate_new_user(
        username=str(changes.pop("username", "Zhang.Wei")),
        display_name="  张伟 ",
        email="Zhang@Example.cn",
        phone="13800138000",
        roles=["grid-worker"],
    )
    user, _ = domain.invite(
        user_id="u-1",
        tenant_id="t-a",
        username=username,
        login=domain.login_name(username, "t-a"),
        profile=profile,
        roles=roles,
        actor="admin",
        now=NOW,
    )
    return user


def fields_of(exc: pytest.ExceptionInfo[InvalidInput]) -> list[str]:
    return [problem.field for problem in exc.value.problems]


def test_new_users_are_normalised():
    user = new_user()
    assert (user.username, user.display_name, user.email) == (
        "zhang.wei",
        "张伟",
        "zhang@example.cn",
    )
    assert user.enabled
    assert user.roles == ("grid-worker",)


@pytest.mark.parametrize("phone", ["12800138000", "1380013800", "138001380001", "+8613800138000"])
def test_a_phone_must_be_a_mainland_mobile(phone):
    with pytest.raises(InvalidInput) as exc:
        domain.validate_profile(display_name="张伟", email=None, phone=phone)
    assert fields_of(exc) == ["phone"]


def test_every_bad_field_is_reported_at_once():
    with pytest.raises(InvalidInput) as exc:
        domain.validate_new_user(
            username="x", display_name=" ", email="not-an-email", phone="1", roles=[]
        )
    assert fields_of(exc) == ["username", "display_name", "email", "phone", "roles"]


@pytest.mark.parametrize("role", [Role.PLATFORM_ADMIN, Role.DISTRICT_OVERSEER])
def test_a_tenant_admin_cannot_grant_cross_tenant_roles(role):
    with pytest.raises(InvalidInput) as exc:
        domain.validate_roles(["grid-worker", role.value])
    assert fields_of(exc) == ["roles"]
    assert role.value in exc.value.reason


def test_unknown_roles_are_rejected_and_known_ones_made_canonical():
    with pytest.raises(InvalidInput):
        domain.validate_roles(["mayor"])
    assert domain.validate_roles(["grid-worker", "grid-leader", "grid-worker"]) == (
        "grid-leader",
        "grid-worker",
    )


def test_an_unchanged_profile_records_no_event():
    user = new_user()
    profile = domain.validate_profile(
        display_name="张伟", email="zhang@example.cn", phone="13800138000"
    )
    same, event = domain.update_profile(user, profile, actor="admin", now=NOW)
    assert same is user
    assert event is None


def test_a_changed_profile_records_an_event_without_personal_data():
    user = new_user()
    profile = domain.validate_profile(display_name="张三", email=None, phone="13900139000")
    changed, event = domain.update_profile(user, profile, actor="admin", now=NOW)
    assert (changed.display_name, changed.phone, changed.email) == ("张三", "13900139000", None)
    assert event is not None
    assert event.type == "user.updated"
    assert event.payload() == {
        "user_id": "u-1",
        "username": "zhang.wei",
        "roles": ["grid-worker"],
        "enabled": True,
        "actor": "admin",
    }


def test_roles_change_and_an_admin_cannot_demote_themself():
    user = new_user()
    changed, event = domain.change_roles(user, ("grid-leader",), actor="admin", now=NOW)
    assert event is not None
    assert event.roles == ("grid-leader",)
    admin = domain.User(**{**_fields(user), "user_id": "admin", "roles": ("tenant-admin",)})
    with pytest.raises(StateConflict):
        domain.change_roles(admin, ("grid-worker",), actor="admin", now=NOW)
    assert domain.change_roles(changed, ("grid-leader",), actor="admin", now=NOW)[1] is None


def test_disable_and_enable_toggle_once():
    user = new_user()
    disabled, event = domain.disable(user, actor="admin", now=NOW)
    assert (disabled.enabled, event.type, event.enabled) == (False, "user.disabled", False)
    with pytest.raises(StateConflict):
        domain.disable(disabled, actor="admin", now=NOW)
    enabled, event = domain.enable(disabled, actor="admin", now=NOW)
    assert (enabled.enabled, event.type) == (True, "user.enabled")
    with pytest.raises(StateConflict):
        domain.enable(enabled, actor="admin", now=NOW)


def test_nobody_disables_their_own_account():
    with pytest.raises(StateConflict):
        domain.disable(new_user(), actor="u-1", now=NOW)


@pytest.mark.parametrize(
    ("login", "username"),
    [("Li.Na@t-a", "li.na"), ("Li.Na", "li.na")],  # a login name, an account from before them
)
def test_adoption_names_the_user_after_the_login_keeps_tenant_roles_and_has_no_phone(
    login, username
):
    user, event = domain.adopt(
        user_id="kc-1",
        tenant_id="t-a",
        login=login,
        display_name="",
        email=None,
        roles=["grid-worker", "platform-admin"],
        enabled=False,
        actor="reconciler",
        now=NOW,
    )
    assert (user.username, user.login, user.phone) == (username, login.lower(), None)
    assert user.display_name == username  # Keycloak had no name: the username stands in
    assert user.roles == ("grid-worker",)
    assert (event.type, event.payload()["username"]) == ("user.invited", username)
    assert not event.enabled


def test_the_role_matrix_covers_every_role_and_every_roster_label():
    assert [info.role for info in domain.ROLE_MATRIX] == list(Role)
    assert all(info.capabilities for info in domain.ROLE_MATRIX)
    grantable = {info.role.value for info in domain.ROLE_MATRIX if info.tenant_grantable}
    assert grantable == {role.value for role in domain.TENANT_ROLES}
    assert set(domain.ROLE_LABELS.values()) == grantable
    assert domain.role_info("grid-worker").label.startswith("专职网格员")
    assert domain.role_info("mayor") is None


def test_time_must_be_aware():
    with pytest.raises(ValueError, match="timezone"):
        domain.disable(new_user(), actor="admin", now=datetime(2026, 3, 1))  # noqa: DTZ001


def _fields(user: domain.User) -> dict[str, object]:
    return {name: getattr(user, name) for name in domain.User.__dataclass_fields__}


def test_a_phone_is_optional_unless_required():
    common = {"username": "li.na", "display_name": "李娜", "email": None, "roles": ["inspector"]}
    _, profile, _ = domain.validate_new_user(**common, phone=None)
    assert profile.phone is None
    with pytest.raises(InvalidInput) as exc:
        domain.validate_new_user(**common, phone=" ", phone_required=True)
    assert fields_of(exc) == ["phone"]


def test_a_login_name_is_the_username_at_the_tenant():
    assert domain.login_name(" Zhang.Wei ", "demo-town-b") == "zhang.wei@demo-town-b"
    assert domain.login_name("zhang.wei", "demo-town-a") != domain.login_name(
        "zhang.wei", "demo-town-b"
    )


@pytest.mark.parametrize(
    ("login", "username"),
    [
        ("zhang.wei@t-a", "zhang.wei"),
        ("Zhang.Wei@T-A", "zhang.wei"),
        ("admin.a", "admin.a"),  # an account from before login names keeps its name
        ("zhang.wei@t-b", "zhang.wei@t-b"),  # not this tenant's login name: left whole
    ],
)
def test_the_username_of_a_login_drops_only_this_tenants_suffix(login, username):
    assert domain.username_of(login, "t-a") == username


@pytest.mark.parametrize("username", ["x@t-a", "zhang wei", "ab", "-x.y"])
def test_a_username_cannot_look_like_a_login_name_or_break_the_rules(username):
    with pytest.raises(InvalidInput) as exc:
        domain.validate_new_user(
            username=username, display_name="张伟", email=None, phone=None, roles=["inspector"]
        )
    assert fields_of(exc) == ["username"]
