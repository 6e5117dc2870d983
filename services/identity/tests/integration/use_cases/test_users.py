"""People use cases on the real FerretDB with the in-memory identity provider."""

from __future__ import annotations

import pytest

from services.identity.documents.users import UserDocument
from services.identity.domain.ports import ProviderUnavailable
from services.identity.tests.fakes import InMemoryIdentityProvider
from services.identity.tests.integration.support import add_account
from services.identity.use_cases import users as use_cases
from services.identity.use_cases.context import IdentityContext
from shared.errors import InvalidInput, NotFound, StateConflict
from shared.events.envelope import Envelope

pytestmark = pytest.mark.integration

TENANT = "t-a"


def admin(tenant_id: str = TENANT, actor: str = "admin-1") -> IdentityContext:
    return IdentityContext(tenant_id=tenant_id, actor=actor, correlation_id="req-1")


@pytest.fixture
def provider() -> InMemoryIdentityProvider:
    fake = InMemoryIdentityProvider()
    fake.ensure_organization(alias=TENANT, name="甲镇", attributes={})
    fake.ensure_organization(alias="t-b", name="乙街道", attributes={})
    return fake


def invite(ctx, provider, username="zhang.wei", phone="13800138000", **changes):
    args = {
        "username": username,
        "display_name": "张伟",
        "email": None,
        "phone": phone,
        "roles": ["grid-worker"],
        **changes,
    }
    return use_cases.invite_user(ctx, provider=provider, **args)


def outbox_types(user_id: str) -> list[str]:
    doc = UserDocument.objects(tenant_id=TENANT, pk=user_id).get()
    return [Envelope.parse(entry.envelope).type for entry in doc.outbox]


def test_invite_creates_the_account_then_the_entry_with_one_event(fresh_db, provider):
    user, password = invite(admin(), provider)

    account = provider.users[user.user_id]
    assert (account.user.username, user.login) == ("zhang.wei@t-a", "zhang.wei@t-a")
    assert account.user.tenant_id == TENANT
    assert account.user.roles == {"grid-worker"}
    assert account.user.required_actions == ("UPDATE_PASSWORD",)
    assert (account.password, account.temporary) == (password, True)
    assert len(password) >= 10
    org = next(o for o in provider.organizations.values() if o.alias == TENANT)
    assert user.user_id in org.members
    stored = UserDocument.objects(tenant_id=TENANT, pk=user.user_id).get()
    [entry] = stored.outbox
    envelope = Envelope.parse(entry.envelope)
    assert (entry.topic, envelope.type, envelope.correlation_id) == (
        "gridgov.identity.users",
        "user.invited",
        "req-1",
    )
    assert envelope.payload == {
        "user_id": user.user_id,
        "username": "zhang.wei",
        "roles": ["grid-worker"],
        "enabled": True,
        "actor": "admin-1",
    }
    assert "13800138000" not in entry.envelope
    assert "张伟" not in entry.envelope


def test_a_retried_invite_adopts_the_tenants_own_account(fresh_db, provider):
    provider.create_user(
        username="zhang.wei@t-a",
        email=None,
        display_name="旧名字",
        tenant_id=TENANT,
        district_id=None,
        roles=frozenset({"inspector"}),
        temporary_password="Lost-Password-1",
    )

    user, password = invite(admin(), provider)

    account = provider.users[user.user_id]
    assert (account.user.display_name, account.user.roles) == ("张伟", {"grid-worker"})
    assert account.password == password
    assert len(provider.users) == 1


def test_a_username_and_an_email_another_tenant_has_are_invited_under_this_tenants_login(
    fresh_db, provider
):
    foreign = add_account(provider, "zhang.wei", tenant_id="t-secret", email="zw@example.cn")

    user, password = invite(admin(), provider, email="zw@example.cn")
    theirs, _ = invite(admin("t-b"), provider, email="zw@example.cn")

    assert (user.username, user.login) == ("zhang.wei", "zhang.wei@t-a")
    account = provider.users[user.user_id]
    assert (account.user.username, account.user.tenant_id) == ("zhang.wei@t-a", TENANT)
    assert account.password == password
    assert (theirs.username, theirs.login) == ("zhang.wei", "zhang.wei@t-b")
    assert len({user.user_id, theirs.user_id, foreign}) == 3
    assert provider.users[foreign].password == "Other-Password-12"


def test_the_tenants_account_from_before_login_names_is_adopted_under_its_own_name(
    fresh_db, provider
):
    legacy = add_account(provider, "zhang.wei", tenant_id=TENANT)

    user, password = invite(admin(), provider)

    assert (user.user_id, user.username, user.login) == (legacy, "zhang.wei", "zhang.wei")
    assert provider.users[legacy].password == password
    assert len(provider.users) == 1


def test_a_directory_duplicate_and_a_taken_phone_are_refused(fresh_db, provider):
    ctx = admin()
    first, password = invite(ctx, provider)
    with pytest.raises(StateConflict) as taken:
        invite(ctx, provider, username="Zhang.Wei", phone="13900139000")
    assert "username zhang.wei" in str(taken.value)
    assert len(provider.users) == 1
    assert provider.users[first.user_id].password == password  # the account is untouched
    with pytest.raises(InvalidInput) as exc:
        invite(ctx, provider, username="li.na")
    assert exc.value.field == "phone"


def test_reserved_roles_are_422_on_roles_and_nothing_is_created(fresh_db, provider):
    with pytest.raises(InvalidInput) as exc:
        invite(admin(), provider, roles=["platform-admin"])
    assert exc.value.field == "roles"
    assert provider.users == {}


def test_keycloak_down_leaves_no_directory_entry(fresh_db, provider):
    provider.unavailable = True
    with pytest.raises(ProviderUnavailable):
        invite(admin(), provider)
    assert UserDocument.objects(tenant_id=TENANT).count() == 0


def test_a_crash_after_keycloak_is_repaired_by_retrying(fresh_db, provider):
    ctx = admin()
    # find_organization, find_user (login name, then bare name), create_user succeed, then
    # "crash" before the directory write (the directory write needs no provider call, so fail
    # the membership call instead, after the account exists).
    provider.fail_after = 4
    with pytest.raises(ProviderUnavailable):
        invite(ctx, provider)
    assert len(provider.users) == 1
    assert UserDocument.objects(tenant_id=TENANT).count() == 0
    provider.unavailable, provider.fail_after = False, None

    user, _ = invite(ctx, provider)

    assert list(provider.users) == [user.user_id]
    assert outbox_types(user.user_id) == ["user.invited"]


def test_update_disable_enable_roles_each_record_their_event(fresh_db, provider):
    ctx = admin()
    user, _ = invite(ctx, provider)
    common = {"provider": provider, "user_id": user.user_id}

    updated = use_cases.update_user(ctx, **common, display_name="张三", email="z@example.cn")
    assert provider.users[user.user_id].user.display_name == "张三"
    assert provider.users[user.user_id].user.email == "z@example.cn"
    again = use_cases.update_user(ctx, **common, display_name="张三")
    assert again.revision == updated.revision  # nothing changed: no write, no event
    use_cases.set_roles(ctx, **common, roles=["grid-leader", "grid-worker"])
    assert provider.users[user.user_id].user.roles == {"grid-leader", "grid-worker"}
    use_cases.disable_user(ctx, **common)
    assert provider.users[user.user_id].user.enabled is False
    with pytest.raises(StateConflict):
        use_cases.disable_user(ctx, **common)
    enabled = use_cases.enable_user(ctx, **common)
    assert enabled.enabled
    assert provider.users[user.user_id].user.enabled is True

    assert outbox_types(user.user_id) == [
        "user.invited",
        "user.updated",
        "user.roles_changed",
        "user.disabled",
        "user.enabled",
    ]


def test_password_reset_gives_a_new_temporary_password(fresh_db, provider):
    ctx = admin()
    user, first = invite(ctx, provider)
    _, second = use_cases.reset_password(ctx, provider=provider, user_id=user.user_id)
    assert second != first
    assert provider.users[user.user_id].password == second
    assert outbox_types(user.user_id) == ["user.invited"]


def test_another_tenants_user_is_not_found_and_not_listed(fresh_db, provider):
    user, _ = invite(admin(), provider)
    other = admin("t-b", actor="x")
    with pytest.raises(NotFound):
        use_cases.get_user(other, user_id=user.user_id)
    with pytest.raises(NotFound):
        use_cases.disable_user(other, provider=provider, user_id=user.user_id)
    assert use_cases.list_users(other, offset=0, limit=50).total == 0
    assert provider.users[user.user_id].user.enabled


def test_lists_filter_by_role_enabled_and_text(fresh_db, provider):
    ctx = admin()
    zhang, _ = invite(ctx, provider)
    invite(
        ctx,
        provider,
        username="li.na",
        phone="13900139000",
        display_name="李娜",
        roles=["grid-leader"],
    )
    use_cases.disable_user(ctx, provider=provider, user_id=zhang.user_id)

    def names(**filters):
        page = use_cases.list_users(ctx, offset=0, limit=50, **filters)
        return [user.username for user in page.items]

    assert names() == ["li.na", "zhang.wei"]
    assert names(role="grid-leader") == ["li.na"]
    assert names(enabled=False) == ["zhang.wei"]
    assert names(q="李") == ["li.na"]
    assert names(q="ZHANG") == ["zhang.wei"]
    assert names(q=".*") == []
    found = use_cases.users_with_role(ctx, role="grid-worker", offset=0, limit=50)
    assert [u.username for u in found.items] == ["zhang.wei"]
    with pytest.raises(NotFound):
        use_cases.users_with_role(ctx, role="mayor", offset=0, limit=50)


def test_a_phone_change_needs_no_keycloak_call(fresh_db, provider):
    ctx = admin()
    user, _ = invite(ctx, provider)
    provider.calls.clear()
    changed = use_cases.update_user(
        ctx, provider=provider, user_id=user.user_id, phone="13900139000"
    )
    assert changed.phone == "13900139000"
    assert provider.calls == []
    assert outbox_types(user.user_id) == ["user.invited", "user.updated"]
