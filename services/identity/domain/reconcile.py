"""Drift between the user directory and Keycloak: compare two snapshots, name each difference.

Pure: the caller reads both sides (the tenant's directory, the tenant's Keycloak users and the
members of its organization) and repairs what this module reports. Who is right:
- the directory for roles and the enabled flag (a tenant admin set them through identity);
- Keycloak for whether an account exists at all (credentials live only there): a Keycloak user
  of the tenant the directory lacks is adopted, a directory entry whose account is gone is
  disabled in the directory.
An offboarded tenant is the exception: offboarding disabled every login in Keycloak and kept
the directory as it was (so that reactivation restores it), so the directory is not compared
at all and the only drift is a Keycloak account of the tenant that is enabled again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from services.identity.domain.ports import ProviderUser
from services.identity.domain.users import User, canonical_roles, tenant_roles_of


class DriftKind(StrEnum):
    """What differs between the directory and Keycloak."""

    MISSING_IN_PROVIDER = "missing_in_provider"
    ONLY_IN_PROVIDER = "only_in_provider"
    ROLES_DIFFER = "roles_differ"
    ENABLED_DIFFERS = "enabled_differs"
    MEMBERSHIP_MISSING = "membership_missing"
    ORGANIZATION_MISSING = "organization_missing"


class Repair(StrEnum):
    """What a repair run does about a finding."""

    DISABLE_IN_DIRECTORY = "disable_in_directory"
    ADOPT_INTO_DIRECTORY = "adopt_into_directory"
    SET_PROVIDER_ROLES = "set_provider_roles"
    SET_PROVIDER_ENABLED = "set_provider_enabled"
    ADD_TO_ORGANIZATION = "add_to_organization"
    MANUAL = "manual"


@dataclass(frozen=True, slots=True)
class Finding:
    """One difference, and the repair that removes it (with the value the repair writes)."""

    kind: DriftKind
    user_id: str | None
    username: str | None
    detail: str
    repair: Repair
    roles: tuple[str, ...] = ()
    enabled: bool | None = None


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Both sides of one tenant, read by the caller.

    ``organization_members`` is None when the tenant's organization does not exist;
    ``offboarded`` is True when the tenant record says the tenant was offboarded.
    """

    tenant_id: str
    directory: Sequence[User]
    provider: Sequence[ProviderUser]
    organization_members: frozenset[str] | None
    offboarded: bool = False


def compare(snapshot: Snapshot) -> list[Finding]:
    """Every difference between the directory and Keycloak for one tenant, in a stable order."""
    if snapshot.offboarded:
        return _enabled_while_offboarded(snapshot.provider)
    directory = {user.user_id: user for user in snapshot.directory}
    provider = {user.id: user for user in snapshot.provider}
    findings: list[Finding] = []
    for user_id in sorted(directory.keys() - provider.keys()):
        user = directory[user_id]
        if user.enabled:
            findings.append(
                Finding(
                    DriftKind.MISSING_IN_PROVIDER,
                    user_id,
                    user.username,
                    "no Keycloak account: the person cannot log in",
                    Repair.DISABLE_IN_DIRECTORY,
                )
            )
    for user_id in sorted(provider.keys() - directory.keys()):
        account = provider[user_id]
        findings.append(
            Finding(
                DriftKind.ONLY_IN_PROVIDER,
                user_id,
                account.username,
                "Keycloak account of the tenant missing from the directory",
                Repair.ADOPT_INTO_DIRECTORY,
            )
        )
        granted, allowed = canonical_roles(account.roles), tenant_roles_of(account.roles)
        if granted != allowed:
            # Adoption keeps only tenant roles; Keycloak must then lose the others as well.
            findings.append(
                Finding(
                    DriftKind.ROLES_DIFFER,
                    user_id,
                    account.username,
                    f"Keycloak grants non-tenant roles {_roles(granted)}",
                    Repair.SET_PROVIDER_ROLES,
                    roles=allowed,
                )
            )
    for user_id in sorted(directory.keys() & provider.keys()):
        findings.extend(_differences(directory[user_id], provider[user_id]))
    findings.extend(_membership(snapshot, provider.values()))
    return findings


def _enabled_while_offboarded(accounts: Iterable[ProviderUser]) -> list[Finding]:
    return [
        Finding(
            DriftKind.ENABLED_DIFFERS,
            account.id,
            account.username,
            "tenant offboarded: every Keycloak account must stay disabled",
            Repair.SET_PROVIDER_ENABLED,
            enabled=False,
        )
        for account in sorted(accounts, key=lambda a: a.id)
        if account.enabled
    ]


def _differences(user: User, account: ProviderUser) -> Iterable[Finding]:
    provider_roles = canonical_roles(account.roles)
    if provider_roles != user.roles:
        yield Finding(
            DriftKind.ROLES_DIFFER,
            user.user_id,
            user.username,
            f"directory {_roles(user.roles)}, Keycloak {_roles(provider_roles)}",
            Repair.SET_PROVIDER_ROLES,
            roles=user.roles,
        )
    if account.enabled != user.enabled:
        yield Finding(
            DriftKind.ENABLED_DIFFERS,
            user.user_id,
            user.username,
            f"directory enabled={user.enabled}, Keycloak enabled={account.enabled}",
            Repair.SET_PROVIDER_ENABLED,
            enabled=user.enabled,
        )


def _membership(snapshot: Snapshot, accounts: Iterable[ProviderUser]) -> Iterable[Finding]:
    members = snapshot.organization_members
    if members is None:
        yield Finding(
            DriftKind.ORGANIZATION_MISSING,
            None,
            None,
            f"no Keycloak organization with alias {snapshot.tenant_id}: onboard the tenant again",
            Repair.MANUAL,
        )
        return
    for account in sorted(accounts, key=lambda a: a.id):
        if account.id not in members:
            yield Finding(
                DriftKind.MEMBERSHIP_MISSING,
                account.id,
                account.username,
                "not a member of the tenant's Keycloak organization",
                Repair.ADD_TO_ORGANIZATION,
            )


def _roles(roles: Sequence[str]) -> str:
    return ",".join(roles) if roles else "(none)"
