"""Who is calling: the principal built from a verified access token, and the realm roles."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Role(StrEnum):
    """The realm roles of the ``gridgov`` realm (deploy/keycloak)."""

    PLATFORM_ADMIN = "platform-admin"
    DISTRICT_OVERSEER = "district-overseer"
    TENANT_ADMIN = "tenant-admin"
    CENTER_STAFF = "center-staff"
    INSPECTOR = "inspector"
    GRID_LEADER = "grid-leader"
    GRID_WORKER = "grid-worker"
    GRID_INSTRUCTOR = "grid-instructor"


# Only these roles make sense without a tenant: they look across tenants.
CROSS_TENANT_ROLES = frozenset({Role.PLATFORM_ADMIN, Role.DISTRICT_OVERSEER})


class ClaimsError(ValueError):
    """A verified token whose claims do not describe a usable principal."""


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller. ``tenant_id`` is ``None`` only for cross-tenant roles."""

    subject: str
    username: str | None
    tenant_id: str | None
    district_id: str | None
    roles: frozenset[str]
    client_id: str | None

    def has_any_role(self, *roles: str) -> bool:
        """True when the principal holds at least one of ``roles``."""
        return not self.roles.isdisjoint(roles)

    @property
    def is_cross_tenant(self) -> bool:
        """True for platform admins and district overseers."""
        return self.has_any_role(*CROSS_TENANT_ROLES)

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any]) -> Principal:
        """Build from verified claims; raises ``ClaimsError`` on malformed or untenanted claims.

        A token without ``tenant_id`` is accepted only when it carries a cross-tenant role.
        """
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            raise ClaimsError("token has no subject")
        realm_access = claims.get("realm_access") or {}
        raw_roles = realm_access.get("roles", []) if isinstance(realm_access, Mapping) else None
        if not isinstance(raw_roles, list) or not all(isinstance(r, str) for r in raw_roles):
            raise ClaimsError("malformed realm_access.roles claim")
        principal = cls(
            subject=subject,
            username=_optional_str(claims, "preferred_username"),
            tenant_id=_optional_str(claims, "tenant_id"),
            district_id=_optional_str(claims, "district_id"),
            roles=frozenset(raw_roles),
            client_id=_optional_str(claims, "azp") or _optional_str(claims, "client_id"),
        )
        if principal.tenant_id is None and not principal.is_cross_tenant:
            raise ClaimsError("token has no tenant_id and no cross-tenant role")
        return principal


def _optional_str(claims: Mapping[str, Any], name: str) -> str | None:
    value = claims.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ClaimsError(f"malformed {name} claim")
    return value
