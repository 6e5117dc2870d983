"""The Keycloak adapter against the real local Keycloak (unique names per run, cleaned up)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import requests

from services.identity.domain.ports import ProviderConflict, ProviderUnavailable
from services.identity.keycloak import KeycloakIdentityProvider
from services.identity.settings import IdentitySettings
from shared.auth import TokenVerifier
from shared.testing.pytest_plugin import keycloak_base_url

pytestmark = pytest.mark.integration

PASSWORD = "Temp-pass-12345"


class Cleanup:
    def __init__(self, provider: KeycloakIdentityProvider) -> None:
        self.provider = provider
        self.users: list[str] = []
        self.orgs: list[str] = []
        self.clients: list[str] = []

    def run(self) -> None:
        for client in self.clients:
            self.provider.delete_client(client)
        for user in self.users:
            self.provider.delete_user(user)
        for org in self.orgs:
            self.provider.delete_organization(org)


def settings(**env: str) -> IdentitySettings:
    return IdentitySettings.from_env(
        {"GRIDGOV_KEYCLOAK_URL": keycloak_base_url(), **env}, service="identity"
    )


@pytest.fixture
def provider() -> KeycloakIdentityProvider:
    return KeycloakIdentityProvider.from_settings(settings())


@pytest.fixture
def cleanup(provider: KeycloakIdentityProvider) -> Iterator[Cleanup]:
    made = Cleanup(provider)
    yield made
    made.run()


@pytest.fixture
def tenant() -> str:
    return f"it-{uuid.uuid4().hex[:10]}"


def test_organizations_are_ensured_once_and_can_be_disabled(provider, cleanup, tenant):
    org = provider.ensure_organization(
        alias=tenant, name=f"测试镇 {tenant}", attributes={"district_id": "demo-district"}
    )
    cleanup.orgs.append(org)
    assert provider.ensure_organization(alias=tenant, name=f"测试镇 {tenant}", attributes={}) == org
    assert provider.find_organization(tenant) == org
    assert provider.find_organization(f"{tenant}-none") is None
    provider.set_organization_enabled(org, False)
    provider.set_organization_enabled(org, False)
    provider.set_organization_enabled(org, True)


def test_users_roles_membership_and_tenant_search(provider, cleanup, tenant):
    org = provider.ensure_organization(alias=tenant, name=f"测试镇 {tenant}", attributes={})
    cleanup.orgs.append(org)
    user_id = provider.create_user(
        username=f"U-{tenant}",
        email=f"{tenant}@example.cn",
        display_name="张三",
        tenant_id=tenant,
        district_id=None,
        roles=frozenset({"tenant-admin"}),
        temporary_password=PASSWORD,
    )
    cleanup.users.append(user_id)
    provider.add_to_organization(org, user_id)
    provider.add_to_organization(org, user_id)
    found = provider.find_user(f"u-{tenant}")
    assert found is not None
    assert (found.id, found.username, found.tenant_id, found.display_name) == (
        user_id,
        f"u-{tenant}",
        tenant,
        "张三",
    )
    assert found.roles == {"tenant-admin"}
    assert found.required_actions == ("UPDATE_PASSWORD",)
    provider.set_realm_roles(user_id, frozenset({"grid-worker", "inspector"}))
    again = provider.get_user(user_id)
    assert again is not None
    assert again.roles == {"grid-worker", "inspector"}
    provider.update_user(user_id, enabled=False, display_name="李四")
    changed = provider.get_user(user_id)
    assert changed is not None
    assert (changed.enabled, changed.display_name, changed.tenant_id) == (False, "李四", tenant)
    assert [u.id for u in provider.users_of_tenant(tenant)] == [user_id]
    assert provider.users_of_tenant(f"{tenant}-x") == []
    provider.reset_password(user_id, PASSWORD + "x")
    assert provider.get_user("00000000-0000-0000-0000-000000000000") is None


def test_a_taken_username_is_a_conflict_that_names_no_tenant(provider, cleanup, tenant):
    user_id = provider.create_user(
        username=f"u-{tenant}",
        email=None,
        display_name="张三",
        tenant_id=tenant,
        district_id=None,
        roles=frozenset(),
        temporary_password=PASSWORD,
    )
    cleanup.users.append(user_id)
    with pytest.raises(ProviderConflict) as caught:
        provider.create_user(
            username=f"u-{tenant}",
            email=None,
            display_name="王五",
            tenant_id="other-town",
            district_id=None,
            roles=frozenset(),
            temporary_password=PASSWORD,
        )
    assert tenant not in str(caught.value)


def test_an_unreachable_keycloak_is_provider_unavailable():
    dead = KeycloakIdentityProvider.from_settings(
        settings(GRIDGOV_KEYCLOAK_URL="http://127.0.0.1:9")
    )
    with pytest.raises(ProviderUnavailable):
        dead.find_user("admin.a")


def test_service_client_tokens_carry_the_tenant_and_the_role(provider, cleanup, tenant):
    client, secret = provider.create_service_client(
        tenant_id=tenant,
        name="hotline",
        scope="intake.work_orders",
        roles=frozenset({"center-staff"}),
    )
    cleanup.clients.append(client.id)
    assert client.client_id == f"svc-{tenant}-hotline"
    assert [c.client_id for c in provider.service_clients_of_tenant(tenant)] == [client.client_id]
    with pytest.raises(ProviderConflict):
        provider.create_service_client(
            tenant_id=tenant, name="hotline", scope="registry.read", roles=frozenset()
        )

    verifier = TokenVerifier.from_settings(settings())
    principal = verifier.verify(client_token(client.client_id, secret))
    assert principal.tenant_id == tenant
    assert "center-staff" in principal.roles

    rotated = provider.rotate_client_secret(client.id)
    assert rotated != secret
    assert token_response(client.client_id, secret).status_code == 401
    provider.set_client_enabled(client.id, False)
    assert token_response(client.client_id, rotated).status_code in {400, 401}
    (listed,) = provider.service_clients_of_tenant(tenant)
    assert not listed.enabled


def token_response(client_id: str, secret: str) -> requests.Response:
    return requests.post(
        f"{keycloak_base_url()}/realms/gridgov/protocol/openid-connect/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
        timeout=10,
    )


def client_token(client_id: str, secret: str) -> str:
    response = token_response(client_id, secret)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])
