"""The `IdentityProvider` port over Keycloak's admin REST API (python-keycloak 7.1.1).

identity authenticates as its own confidential client ``gridgov-identity`` (client
credentials); that client's service account holds the realm-management roles it needs
(``deploy/keycloak/gridgov-realm.json``). Every call has a timeout; a connection failure, a
timeout or a 5xx becomes `ProviderUnavailable` (503), a 409 `ProviderConflict`. Other Keycloak
errors are bugs here (a wrong payload) and propagate as they are.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Collection
from typing import Any, Final, ParamSpec, TypeVar

import requests
from keycloak import KeycloakAdmin, KeycloakOpenIDConnection
from keycloak.exceptions import KeycloakConnectionError, KeycloakError

from services.identity.domain.ports import (
    ProviderClient,
    ProviderConflict,
    ProviderUnavailable,
    ProviderUser,
)
from services.identity.settings import IdentitySettings
from shared.auth import Role

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

GRIDGOV_ROLES: Final = frozenset(role.value for role in Role)
UPDATE_PASSWORD: Final = "UPDATE_PASSWORD"  # noqa: S105 - a required-action name
# Client attributes that mark a service client as a tenant's (Keycloak keeps unknown keys).
TENANT_ATTRIBUTE: Final = "gridgov.tenant_id"
SCOPE_ATTRIBUTE: Final = "gridgov.scope"
API_AUDIENCE: Final = "gridgov-api"
_HTTP_CONFLICT: Final = 409
_HTTP_NOT_FOUND: Final = 404
_HTTP_SERVER_ERROR: Final = 500
_SAFE_QUERY_VALUE = re.compile(r"^[A-Za-z0-9_.-]+$")


def service_client_id(tenant_id: str, name: str) -> str:
    """The Keycloak ``clientId`` of a tenant's service account."""
    return f"svc-{tenant_id}-{name}"


def _translated(call: Callable[P, R]) -> Callable[P, R]:
    """Map transport failures to `ProviderUnavailable` and 409 to `ProviderConflict`."""

    @functools.wraps(call)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return call(*args, **kwargs)
        except (KeycloakConnectionError, requests.RequestException) as exc:
            log.warning("keycloak unreachable in %s: %s", call.__name__, type(exc).__name__)
            raise ProviderUnavailable("the identity provider is unavailable") from exc
        except KeycloakError as exc:
            code = exc.response_code or 0
            if code == _HTTP_CONFLICT:
                raise ProviderConflict("the identity provider already holds this name") from exc
            if code >= _HTTP_SERVER_ERROR:
                log.warning("keycloak answered %s in %s", code, call.__name__)
                raise ProviderUnavailable("the identity provider is unavailable") from exc
            raise

    return wrapper


def _first(attributes: dict[str, Any] | None, name: str) -> str | None:
    values = (attributes or {}).get(name) or []
    return str(values[0]) if values else None


class KeycloakIdentityProvider:
    """`IdentityProvider` on one realm, through ``gridgov-identity``'s service account."""

    def __init__(self, admin: KeycloakAdmin) -> None:
        self._admin = admin
        self._role_cache: dict[str, dict[str, Any]] = {}

    @classmethod
    def from_settings(cls, settings: IdentitySettings) -> KeycloakIdentityProvider:
        """The adapter for the configured realm; no request is made until first use."""
        connection = KeycloakOpenIDConnection(
            server_url=settings.keycloak_url.rstrip("/") + "/",
            realm_name=settings.keycloak_realm,
            client_id=settings.identity_client_id,
            client_secret_key=settings.client_secret.reveal(),
            grant_type="client_credentials",
            timeout=int(max(1, round(settings.keycloak_timeout_seconds))),
        )
        return cls(KeycloakAdmin(connection=connection))

    # -- organizations -------------------------------------------------------------------------

    @_translated
    def find_organization(self, alias: str) -> str | None:
        # Keycloak's search matches names and domains, not aliases: filter the full list.
        for org in self._admin.get_organizations({"briefRepresentation": True}):
            if org.get("alias") == alias:
                return str(org["id"])
        return None

    @_translated
    def ensure_organization(self, *, alias: str, name: str, attributes: dict[str, str]) -> str:
        found = self.find_organization(alias)
        if found is not None:
            return found
        org_id = self._admin.create_organization(
            {
                "name": name,
                "alias": alias,
                "enabled": True,
                "domains": [{"name": f"{alias}.gridgov.local"}],
                "attributes": {key: [value] for key, value in attributes.items()},
            }
        )
        return org_id or str(self.find_organization(alias))

    @_translated
    def set_organization_enabled(self, org_id: str, enabled: bool) -> None:
        org = self._admin.get_organization(org_id)
        if org.get("enabled") is not enabled:
            org["enabled"] = enabled
            self._admin.update_organization(org_id, org)

    @_translated
    def add_to_organization(self, org_id: str, user_id: str) -> None:
        if any(org.get("id") == org_id for org in self._admin.get_user_organizations(user_id)):
            return
        try:
            self._admin.organization_user_add(user_id, org_id)
        except KeycloakError as exc:
            if exc.response_code != _HTTP_CONFLICT:  # a concurrent add won the race: fine
                raise

    # -- users ---------------------------------------------------------------------------------

    def _realm_roles(self, user_id: str) -> frozenset[str]:
        names = {str(role["name"]) for role in self._admin.get_realm_roles_of_user(user_id)}
        return frozenset(names & GRIDGOV_ROLES)

    def _to_user(self, rep: dict[str, Any]) -> ProviderUser:
        attributes = rep.get("attributes") or {}
        first, last = rep.get("firstName") or "", rep.get("lastName") or ""
        return ProviderUser(
            id=str(rep["id"]),
            username=str(rep["username"]),
            email=rep.get("email"),
            display_name=" ".join(part for part in (first, last) if part) or str(rep["username"]),
            enabled=bool(rep.get("enabled", False)),
            tenant_id=_first(attributes, "tenant_id"),
            district_id=_first(attributes, "district_id"),
            roles=self._realm_roles(str(rep["id"])),
            required_actions=tuple(rep.get("requiredActions") or ()),
        )

    @_translated
    def find_user(self, username: str) -> ProviderUser | None:
        wanted = username.lower()  # Keycloak stores usernames lower-cased
        for rep in self._admin.get_users({"username": wanted, "exact": True}):
            if rep.get("username") == wanted:
                return self._to_user(rep)
        return None

    @_translated
    def get_user(self, user_id: str) -> ProviderUser | None:
        try:
            rep = self._admin.get_user(user_id)
        except KeycloakError as exc:
            if exc.response_code == _HTTP_NOT_FOUND:
                return None
            raise
        return self._to_user(rep)

    @_translated
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
        attributes: dict[str, list[str]] = {}
        if tenant_id:
            attributes["tenant_id"] = [tenant_id]
        if district_id:
            attributes["district_id"] = [district_id]
        payload: dict[str, Any] = {
            "username": username.lower(),
            "enabled": True,
            "firstName": display_name,
            "attributes": attributes,
            "requiredActions": [UPDATE_PASSWORD],
            "credentials": [{"type": "password", "value": temporary_password, "temporary": True}],
        }
        if email:
            payload["email"] = email
        user_id = self._admin.create_user(payload)
        self.set_realm_roles(user_id, roles)
        return user_id

    @_translated
    def update_user(
        self,
        user_id: str,
        *,
        email: str | None = None,
        display_name: str | None = None,
        enabled: bool | None = None,
    ) -> None:
        # PUT replaces the representation: send the whole user back so attributes survive.
        rep = self._admin.get_user(user_id)
        if email is not None:
            rep["email"] = email
        if display_name is not None:
            rep["firstName"], rep["lastName"] = display_name, ""
        if enabled is not None:
            rep["enabled"] = enabled
        self._admin.update_user(user_id, rep)

    def _role_rep(self, name: str) -> dict[str, Any]:
        if name not in self._role_cache:
            self._role_cache[name] = self._admin.get_realm_role(name)
        return self._role_cache[name]

    def _apply_roles(
        self,
        apply: Callable[[str, list[dict[str, Any]]], object],
        user_id: str,
        names: Collection[str],
    ) -> None:
        """``apply(user_id, roles)`` with the roles' representations, cached by name. A realm
        imported again (a new Keycloak database) gives every role a new id: the first 404 on
        cached ids reads them again, once, instead of failing every call until a restart."""
        try:
            apply(user_id, [self._role_rep(r) for r in sorted(names)])
        except KeycloakError as exc:
            if exc.response_code != _HTTP_NOT_FOUND or not self._role_cache:
                raise
            self._role_cache.clear()
            apply(user_id, [self._role_rep(r) for r in sorted(names)])

    @_translated
    def set_realm_roles(self, user_id: str, roles: frozenset[str]) -> None:
        unknown = set(roles) - GRIDGOV_ROLES
        if unknown:
            raise ValueError(f"not GridGov roles: {sorted(unknown)}")
        current = self._realm_roles(user_id)
        missing, extra = roles - current, current - roles
        if missing:
            self._apply_roles(self._admin.assign_realm_roles, user_id, missing)
        if extra:
            self._apply_roles(self._admin.delete_realm_roles_of_user, user_id, extra)

    @_translated
    def users_of_tenant(self, tenant_id: str) -> list[ProviderUser]:
        if not _SAFE_QUERY_VALUE.match(tenant_id):
            raise ValueError("tenant ids are letters, digits, '.', '_' and '-'")
        reps = self._admin.get_users({"q": f"tenant_id:{tenant_id}"})
        # q matches attribute values; keep exact matches only.
        return [
            self._to_user(rep)
            for rep in reps
            if _first(rep.get("attributes"), "tenant_id") == tenant_id
        ]

    @_translated
    def reset_password(self, user_id: str, temporary_password: str) -> None:
        self._admin.set_user_password(user_id, temporary_password, temporary=True)

    # -- service clients -----------------------------------------------------------------------

    @staticmethod
    def _to_client(rep: dict[str, Any]) -> ProviderClient:
        attributes = rep.get("attributes") or {}
        return ProviderClient(
            id=str(rep["id"]),
            client_id=str(rep["clientId"]),
            tenant_id=str(attributes.get(TENANT_ATTRIBUTE, "")),
            scope=str(attributes.get(SCOPE_ATTRIBUTE, "")),
            enabled=bool(rep.get("enabled", False)),
        )

    @_translated
    def create_service_client(
        self, *, tenant_id: str, name: str, scope: str, roles: frozenset[str]
    ) -> tuple[ProviderClient, str]:
        unknown = set(roles) - GRIDGOV_ROLES
        if unknown:
            raise ValueError(f"not GridGov roles: {sorted(unknown)}")
        client_id = service_client_id(tenant_id, name)
        token_claim = {"access.token.claim": "true", "id.token.claim": "false"}
        uuid = self._admin.create_client(
            {
                "clientId": client_id,
                "name": f"service account {name} of {tenant_id}",
                "enabled": True,
                "publicClient": False,
                "standardFlowEnabled": False,
                "directAccessGrantsEnabled": False,
                "implicitFlowEnabled": False,
                "serviceAccountsEnabled": True,
                "protocol": "openid-connect",
                "attributes": {TENANT_ATTRIBUTE: tenant_id, SCOPE_ATTRIBUTE: scope},
                "protocolMappers": [
                    {
                        "name": f"tenant_id {tenant_id}",
                        "protocol": "openid-connect",
                        "protocolMapper": "oidc-hardcoded-claim-mapper",
                        "consentRequired": False,
                        "config": {
                            "claim.name": "tenant_id",
                            "claim.value": tenant_id,
                            "jsonType.label": "String",
                            "introspection.token.claim": "true",
                            **token_claim,
                        },
                    },
                    {
                        "name": f"audience {API_AUDIENCE}",
                        "protocol": "openid-connect",
                        "protocolMapper": "oidc-audience-mapper",
                        "consentRequired": False,
                        "config": {
                            "included.client.audience": API_AUDIENCE,
                            "introspection.token.claim": "true",
                            **token_claim,
                        },
                    },
                ],
            }
        )
        account = self._admin.get_client_service_account_user(uuid)
        if roles:
            self._apply_roles(self._admin.assign_realm_roles, account["id"], roles)
        secret = self._admin.get_client_secrets(uuid)["value"]
        return self._to_client(self._admin.get_client(uuid)), str(secret)

    @_translated
    def rotate_client_secret(self, client_uuid: str) -> str:
        return str(self._admin.generate_client_secrets(client_uuid)["value"])

    @_translated
    def set_client_enabled(self, client_uuid: str, enabled: bool) -> None:
        rep = self._admin.get_client(client_uuid)
        if rep.get("enabled") is not enabled:
            self._admin.update_client(client_uuid, {**rep, "enabled": enabled})

    @_translated
    def service_clients_of_tenant(self, tenant_id: str) -> list[ProviderClient]:
        prefix = service_client_id(tenant_id, "")
        reps = self._admin.get_clients()
        return sorted(
            (
                self._to_client(rep)
                for rep in reps
                if str(rep.get("clientId", "")).startswith(prefix)
                and (rep.get("attributes") or {}).get(TENANT_ATTRIBUTE) == tenant_id
            ),
            key=lambda client: client.client_id,
        )

    # -- used by tests and tooling to clean up -------------------------------------------------

    @_translated
    def delete_user(self, user_id: str) -> None:
        """Remove a user for good (tests only: GridGov disables, it never deletes)."""
        self._admin.delete_user(user_id)

    @_translated
    def delete_organization(self, org_id: str) -> None:
        """Remove an organization for good (tests only)."""
        self._admin.delete_organization(org_id)

    @_translated
    def delete_client(self, client_uuid: str) -> None:
        """Remove a client for good (tests only)."""
        self._admin.delete_client(client_uuid)

    # -- reconciliation ------------------------------------------------------------------------

    @_translated
    def organization_member_ids(self, org_id: str) -> frozenset[str]:
        members = self._admin.get_organization_members(org_id, {"briefRepresentation": True})
        return frozenset(str(member["id"]) for member in members)
