"""Usernames are the tenant's own: invitations on the real FerretDB and the real Keycloak.

Two throwaway tenants (organizations, cleaned up with their accounts afterwards) invite the
same username and the same email: both succeed, each person gets a login name of their own
tenant and logs in with it through Keycloak's login pages. A second `x` in one tenant is a
409 naming the username. Nothing here tells one tenant what the other holds.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from services.identity.keycloak import KeycloakIdentityProvider
from services.identity.settings import IdentitySettings
from services.identity.tests.integration.support import invite_into
from shared.auth import TokenVerifier
from shared.errors import StateConflict
from shared.testing.keycloak_login import first_login
from shared.testing.pytest_plugin import keycloak_base_url

pytestmark = pytest.mark.integration

NEW_PASSWORD = "Own-pass-" + uuid.uuid4().hex[:8]


def settings() -> IdentitySettings:
    return IdentitySettings.from_env(
        {"GRIDGOV_KEYCLOAK_URL": keycloak_base_url()}, service="identity"
    )


@pytest.fixture
def provider() -> KeycloakIdentityProvider:
    return KeycloakIdentityProvider.from_settings(settings())


@pytest.fixture
def tenants(provider: KeycloakIdentityProvider) -> Iterator[tuple[str, str]]:
    """Two throwaway tenants with their organizations; their accounts and organizations are
    deleted afterwards."""
    codes = tuple(f"it-{uuid.uuid4().hex[:10]}" for _ in range(2))
    orgs = [
        provider.ensure_organization(alias=code, name=f"测试镇 {code}", attributes={})
        for code in codes
    ]
    yield codes[0], codes[1]
    for code, org_id in zip(codes, orgs, strict=True):
        for account in provider.users_of_tenant(code):
            provider.delete_user(account.id)
        provider.delete_organization(org_id)


def test_two_tenants_invite_the_same_username_and_each_person_logs_in_as_their_own(
    fresh_db, provider, tenants
):
    town_a, town_b = tenants
    username = f"x.{uuid.uuid4().hex[:6]}"

    in_a, password_a = invite_into(provider, town_a, username, "13800138000")
    in_b, password_b = invite_into(provider, town_b, username, "13800138000")

    assert (in_a.username, in_a.login) == (username, f"{username}@{town_a}")
    assert (in_b.username, in_b.login) == (username, f"{username}@{town_b}")
    assert in_a.user_id != in_b.user_id
    verifier = TokenVerifier.from_settings(settings())
    for user, password, tenant_id in ((in_a, password_a, town_a), (in_b, password_b, town_b)):
        tokens = first_login(user.login, password, NEW_PASSWORD)
        principal = verifier.verify(str(tokens["access_token"]))
        assert (principal.subject, principal.tenant_id) == (user.user_id, tenant_id)
        assert principal.username == user.login


def test_the_same_username_twice_in_one_tenant_is_a_409_naming_it(fresh_db, provider, tenants):
    town_a, _ = tenants
    username = f"x.{uuid.uuid4().hex[:6]}"
    invite_into(provider, town_a, username, "13800138000")

    with pytest.raises(StateConflict) as taken:
        invite_into(provider, town_a, username, "13900139000")

    assert f"username {username}" in str(taken.value)
    assert len(provider.users_of_tenant(town_a)) == 1


def test_the_same_email_is_invited_in_two_tenants(fresh_db, provider, tenants):
    """The realm allows duplicate emails (deploy/keycloak/gridgov-realm.json), so an email
    another tenant uses is no conflict, and so no hint that some tenant uses it."""
    town_a, town_b = tenants
    email = f"same.{uuid.uuid4().hex[:6]}@example.cn"

    in_a, _ = invite_into(provider, town_a, "zhang.wei", "13800138000", email=email)
    in_b, _ = invite_into(provider, town_b, "li.na", "13800138000", email=email)

    for user in (in_a, in_b):
        account = provider.get_user(user.user_id)
        assert account is not None
        assert (account.username, account.email) == (user.login, email)
