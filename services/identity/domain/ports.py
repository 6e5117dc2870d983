"""The identity-provider port: what identity needs from Keycloak, in plain Python.

Use cases talk to this `Protocol` only; `services.identity.keycloak` implements it over the
Keycloak admin API and `services.identity.tests.fakes.InMemoryIdentityProvider` in memory, so
the use cases are unit-tested without a Keycloak and the adapter is integration-tested alone.

Roles are the values of `shared.auth.Role`; `set_realm_roles` manages exactly those and leaves
every other realm role (``default-roles-gridgov``, ...) alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from shared.errors import DependencyUnavailable, StateConflict


class ProviderUnavailable(DependencyUnavailable):
    """Keycloak is down, timed out or answered 5xx: the request may succeed later (503)."""


class ProviderConflict(StateConflict):
    """Keycloak refused a duplicate: a login name or service client id that exists (409).

    The message never names who holds it.
    """


@dataclass(frozen=True, slots=True)
class ProviderUser:
    """A Keycloak user as identity sees it (only its GridGov roles)."""

    id: str
    username: str
    email: str | None
    display_name: str
    enabled: bool
    tenant_id: str | None
    district_id: str | None
    roles: frozenset[str]
    required_actions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ProviderClient:
    """A confidential Keycloak client used as a tenant's service account (integration)."""

    id: str
    client_id: str
    tenant_id: str
    scope: str
    enabled: bool


class IdentityProvider(Protocol):
    """Organizations, users and service clients in the identity provider (Keycloak).

    Every method raises `ProviderUnavailable` when the provider cannot be reached; methods
    named ``ensure_``/``add_``/``set_`` are idempotent.
    """

    def ensure_organization(self, *, alias: str, name: str, attributes: dict[str, str]) -> str:
        """The id of the organization ``alias``, created (enabled) when missing."""
        ...

    def set_organization_enabled(self, org_id: str, enabled: bool) -> None:
        """Enable or disable an organization."""
        ...

    def find_organization(self, alias: str) -> str | None:
        """The id of the organization with this alias, or None."""
        ...

    def find_user(self, username: str) -> ProviderUser | None:
        """The user with exactly this Keycloak username (a login name), or None."""
        ...

    def get_user(self, user_id: str) -> ProviderUser | None:
        """The user with this id, or None."""
        ...

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
        """Create an enabled user with a temporary password (UPDATE_PASSWORD); its id.

        ``username`` is the login name (`services.identity.domain.users.login_name`); an email
        may be shared by several users (the realm allows duplicates, and nobody logs in with
        one). `ProviderConflict` when the username is taken.
        """
        ...

    def update_user(
        self,
        user_id: str,
        *,
        email: str | None = None,
        display_name: str | None = None,
        enabled: bool | None = None,
    ) -> None:
        """Change the given fields of a user (None leaves a field as it is)."""
        ...

    def set_realm_roles(self, user_id: str, roles: frozenset[str]) -> None:
        """Make the user's GridGov realm roles exactly ``roles``."""
        ...

    def add_to_organization(self, org_id: str, user_id: str) -> None:
        """Make the user a member of the organization (no-op when already one)."""
        ...

    def users_of_tenant(self, tenant_id: str) -> list[ProviderUser]:
        """Every user whose ``tenant_id`` attribute is ``tenant_id``."""
        ...

    def reset_password(self, user_id: str, temporary_password: str) -> None:
        """Set a temporary password the user must change at the next login."""
        ...

    def create_service_client(
        self, *, tenant_id: str, name: str, scope: str, roles: frozenset[str]
    ) -> tuple[ProviderClient, str]:
        """Create the confidential client ``svc-<tenant>-<name>``; the client and its secret.

        `ProviderConflict` when the client id exists.
        """
        ...

    def rotate_client_secret(self, client_uuid: str) -> str:
        """Generate a new secret for the client (the old one stops working); the new one."""
        ...

    def set_client_enabled(self, client_uuid: str, enabled: bool) -> None:
        """Enable or disable a service client."""
        ...

    def service_clients_of_tenant(self, tenant_id: str) -> list[ProviderClient]:
        """Every service client created for ``tenant_id``."""
        ...

    def organization_member_ids(self, org_id: str) -> frozenset[str]:
        """The ids of every user who is a member of the organization (reconciliation)."""
        ...
