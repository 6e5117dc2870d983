"""`InMemoryIdentityProvider`: the `IdentityProvider` port in memory, for unit tests.

Faithful to what the Keycloak adapter does where the use cases can tell: usernames are
lower-cased and unique across the realm (a duplicate is `ProviderConflict`, whichever tenant
holds it) but emails are not (the realm allows duplicates), organizations by alias and name,
only GridGov roles are managed, created users carry UPDATE_PASSWORD. ``unavailable = True``
makes every call raise `ProviderUnavailable`, as a Keycloak outage does; ``fail_after`` lets a
test crash a flow after N successful calls.
"""

from __future__ import annotations

import dataclasses
import itertools
import secrets
from dataclasses import dataclass, field

from services.identity.domain.ports import (
    ProviderClient,
    ProviderConflict,
    ProviderUnavailable,
    ProviderUser,
)
from shared.auth import Role

GRIDGOV_ROLES = frozenset(role.value for role in Role)


@dataclass
class FakeOrganization:
    id: str
    alias: str
    name: str
    enabled: bool
    attributes: dict[str, str]
    members: set[str] = field(default_factory=set)


@dataclass
class FakeUser:
    user: ProviderUser
    password: str
    temporary: bool
    other_roles: frozenset[str] = frozenset({"default-roles-gridgov"})


@dataclass
class FakeClient:
    client: ProviderClient
    secret: str
    roles: frozenset[str]


class InMemoryIdentityProvider:
    """The port in memory; inspect ``organizations``, ``users`` and ``clients`` in asserts."""

    def __init__(self) -> None:
        self.organizations: dict[str, FakeOrganization] = {}
        self.users: dict[str, FakeUser] = {}
        self.clients: dict[str, FakeClient] = {}
        self.unavailable = False
        self.fail_after: int | None = None
        self.calls: list[str] = []
        self._ids = itertools.count(1)

    # -- switches ------------------------------------------------------------------------------

    def _call(self, name: str) -> None:
        if self.fail_after is not None:
            if self.fail_after <= 0:
                self.unavailable = True
            self.fail_after -= 1
        if self.unavailable:
            raise ProviderUnavailable("the identity provider is unavailable")
        self.calls.append(name)

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}-{next(self._ids)}"

    # -- organizations -------------------------------------------------------------------------

    def find_organization(self, alias: str) -> str | None:
        self._call("find_organization")
        for org in self.organizations.values():
            if org.alias == alias:
                return org.id
        return None

    def ensure_organization(self, *, alias: str, name: str, attributes: dict[str, str]) -> str:
        self._call("ensure_organization")
        for org in self.organizations.values():
            if org.alias == alias:
                return org.id
            if org.name == name:
                raise ProviderConflict("the identity provider already holds this name")
        org = FakeOrganization(self._new_id("org"), alias, name, True, dict(attributes))
        self.organizations[org.id] = org
        return org.id

    def set_organization_enabled(self, org_id: str, enabled: bool) -> None:
        self._call("set_organization_enabled")
        self.organizations[org_id].enabled = enabled

    def add_to_organization(self, org_id: str, user_id: str) -> None:
        self._call("add_to_organization")
        if user_id not in self.users:
            raise KeyError(user_id)
        self.organizations[org_id].members.add(user_id)

    # -- users ---------------------------------------------------------------------------------

    def find_user(self, username: str) -> ProviderUser | None:
        self._call("find_user")
        wanted = username.lower()
        return next((u.user for u in self.users.values() if u.user.username == wanted), None)

    def get_user(self, user_id: str) -> ProviderUser | None:
        self._call("get_user")
        found = self.users.get(user_id)
        return None if found is None else found.user

    def create_user(
        self,
        *,
        username: str,
        email: str | None,
        display_name: str,
        tenant_id: str | None,
        district_id: str | None,
        roles: frozenset[str],
        temporary_password: str,
    ) -> str:
        self._call("create_user")
        wanted = username.lower()
        if any(existing.user.username == wanted for existing in self.users.values()):
            raise ProviderConflict("the identity provider already holds this name")
        self._check_roles(roles)
        user = ProviderUser(
            id=self._new_id("user"),
            username=wanted,
            email=email,
            display_name=display_name,
            enabled=True,
            tenant_id=tenant_id,
            district_id=district_id,
            roles=frozenset(roles),
            required_actions=("UPDATE_PASSWORD",),
        )
        self.users[user.id] = FakeUser(user, temporary_password, temporary=True)
        return user.id

    def update_user(
        self,
        user_id: str,
        *,
        email: str | None = None,
        display_name: str | None = None,
        enabled: bool | None = None,
    ) -> None:
        self._call("update_user")
        stored = self.users[user_id]
        changes: dict[str, object] = {}
        if email is not None:
            changes["email"] = email
        if display_name is not None:
            changes["display_name"] = display_name
        if enabled is not None:
            changes["enabled"] = enabled
        stored.user = dataclasses.replace(stored.user, **changes)  # type: ignore[arg-type]

    def set_realm_roles(self, user_id: str, roles: frozenset[str]) -> None:
        self._call("set_realm_roles")
        self._check_roles(roles)
        stored = self.users[user_id]
        stored.user = dataclasses.replace(stored.user, roles=frozenset(roles))

    def users_of_tenant(self, tenant_id: str) -> list[ProviderUser]:
        self._call("users_of_tenant")
        return [u.user for u in self.users.values() if u.user.tenant_id == tenant_id]

    def reset_password(self, user_id: str, temporary_password: str) -> None:
        self._call("reset_password")
        stored = self.users[user_id]
        stored.password, stored.temporary = temporary_password, True
        actions = tuple(dict.fromkeys((*stored.user.required_actions, "UPDATE_PASSWORD")))
        stored.user = dataclasses.replace(stored.user, required_actions=actions)

    # -- service clients -----------------------------------------------------------------------

    def create_service_client(
        self, *, tenant_id: str, name: str, scope: str, roles: frozenset[str]
    ) -> tuple[ProviderClient, str]:
        self._call("create_service_client")
        self._check_roles(roles)
        client_id = f"svc-{tenant_id}-{name}"
        if any(c.client.client_id == client_id for c in self.clients.values()):
            raise ProviderConflict("the identity provider already holds this name")
        client = ProviderClient(self._new_id("client"), client_id, tenant_id, scope, True)
        secret = secrets.token_urlsafe(24)
        self.clients[client.id] = FakeClient(client, secret, frozenset(roles))
        return client, secret

    def rotate_client_secret(self, client_uuid: str) -> str:
        self._call("rotate_client_secret")
        stored = self.clients[client_uuid]
        stored.secret = secrets.token_urlsafe(24)
        return stored.secret

    def set_client_enabled(self, client_uuid: str, enabled: bool) -> None:
        self._call("set_client_enabled")
        stored = self.clients[client_uuid]
        stored.client = dataclasses.replace(stored.client, enabled=enabled)

    def service_clients_of_tenant(self, tenant_id: str) -> list[ProviderClient]:
        self._call("service_clients_of_tenant")
        found = [c.client for c in self.clients.values() if c.client.tenant_id == tenant_id]
        return sorted(found, key=lambda client: client.client_id)

    @staticmethod
    def _check_roles(roles: frozenset[str]) -> None:
        unknown = set(roles) - GRIDGOV_ROLES
        if unknown:
            raise ValueError(f"not GridGov roles: {sorted(unknown)}")

    # -- reconciliation ------------------------------------------------------------------------

    def organization_member_ids(self, org_id: str) -> frozenset[str]:
        self._call("organization_member_ids")
        return frozenset(self.organizations[org_id].members)
