"""People use cases: invite, edit, disable/enable, roles, password reset, read.

Order of writes: Keycloak first, then the directory (with its event in the outbox). There is no
transaction spanning both; if the process dies between the two writes, Keycloak holds a change
the directory lacks. That drift is repaired without loss: retrying the same request converges
(an invited username that exists in Keycloak for this tenant is adopted; role and flag writes
are idempotent), and `python -m services.identity.reconcile --repair` adopts Keycloak users the
directory lacks and pushes the directory's roles and enabled flags back to Keycloak. The other
order would be worse: a directory entry (and a published event) for an account that may never
exist.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime

from services.identity.domain import users as domain
from services.identity.domain.ports import IdentityProvider, ProviderConflict, ProviderUser
from services.identity.repository.users import UserRepository
from services.identity.use_cases import PRODUCER
from shared.errors import InvalidInput, StateConflict
from shared.mongo import NotFound, Page, PendingEvent

Clock = Callable[[], datetime]

UPDATE_PASSWORD = "UPDATE_PASSWORD"  # noqa: S105 - Keycloak's required-action name, no secret

# No look-alikes (0/O, 1/l/I): people read these aloud over the phone to grid workers.
_PASSWORD_ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")
PASSWORD_LENGTH = 16


def _now() -> datetime:
    return datetime.now(UTC)


def temporary_password() -> str:
    """A one-time password from `secrets` (the realm policy asks for 10+ characters)."""
    while True:
        candidate = "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(PASSWORD_LENGTH))
        if (
            any(c.isdigit() for c in candidate)
            and any(c.islower() for c in candidate)
            and any(c.isupper() for c in candidate)
        ):
            return candidate


def pending(event: domain.UserEvent, *, tenant_id: str, correlation_id: str | None) -> PendingEvent:
    """The outbox entry of a user event (the payload is the contract's, no personal data)."""
    return PendingEvent.record(
        type=event.type,
        version=event.version,
        tenant_id=tenant_id,
        aggregate_id=event.user_id,
        payload=event.payload(),
        producer=PRODUCER,
        correlation_id=correlation_id,
        occurred_at=event.occurred_at,
    )


def _events(
    repo: UserRepository, events: Iterable[domain.UserEvent | None], correlation_id: str | None
) -> list[PendingEvent]:
    return [
        pending(event, tenant_id=repo.tenant_id, correlation_id=correlation_id)
        for event in events
        if event is not None
    ]


def check_phone_free(repo: UserRepository, phone: str | None, *, user_id: str | None) -> None:
    """``InvalidInput`` on ``phone`` when another person of the tenant already has it."""
    if phone is None:
        return
    if any(other.user_id != user_id for other in repo.find_by_phone(phone)):
        raise InvalidInput.of("phone", "already used by another person of this tenant")


def push_profile(provider: IdentityProvider, before: domain.User, after: domain.User) -> None:
    """Give Keycloak the name and email that changed (a phone change needs no Keycloak call).

    Keycloak keeps an email the directory dropped: the port treats None as "leave as it is".
    """
    email = after.email if after.email != before.email else None
    name = after.display_name if after.display_name != before.display_name else None
    if email is not None or name is not None:
        provider.update_user(before.user_id, email=email, display_name=name)


def require_organization(provider: IdentityProvider, tenant_id: str) -> str:
    """The id of the tenant's Keycloak organization; ``StateConflict`` when it is missing."""
    org_id = provider.find_organization(tenant_id)
    if org_id is None:
        raise StateConflict(f"tenant {tenant_id} has no Keycloak organization; onboard it first")
    return org_id


def provision_account(
    *,
    provider: IdentityProvider,
    tenant_id: str,
    org_id: str,
    username: str,
    profile: domain.Profile,
    roles: tuple[str, ...],
    existing: ProviderUser | None,
) -> tuple[str, str]:
    """Create (or adopt) the Keycloak account of a new person; its id and temporary password.

    An account with this username in THIS tenant is a leftover of an interrupted invite and is
    brought to the invited state; one of another tenant (or none) is a `ProviderConflict` that
    never names the other tenant.
    """
    password = temporary_password()
    if existing is None:
        user_id = provider.create_user(
            username=username,
            email=profile.email,
            display_name=profile.display_name,
            tenant_id=tenant_id,
            district_id=None,
            roles=frozenset(roles),
            temporary_password=password,
        )
    elif existing.tenant_id != tenant_id:
        raise ProviderConflict(f"username {username} is taken")
    else:
        user_id = existing.id
        provider.update_user(
            user_id, email=profile.email, display_name=profile.display_name, enabled=True
        )
        provider.set_realm_roles(user_id, frozenset(roles))
        provider.reset_password(user_id, password)
    provider.add_to_organization(org_id, user_id)
    return user_id, password


def has_chosen_password(account: ProviderUser) -> bool:
    """Whether the account's owner set their own password (no pending UPDATE_PASSWORD).

    Accounts identity creates carry a temporary password until the first login; an account
    without that required action is already in use and its password belongs to its owner.
    """
    return UPDATE_PASSWORD not in account.required_actions


def adopt_account(
    *,
    repo: UserRepository,
    provider: IdentityProvider,
    actor: str,
    account: ProviderUser,
    display_name: str,
    email: str | None,
    phone: str | None,
    roles: Iterable[str],
    correlation_id: str | None = None,
    clock: Clock = _now,
) -> domain.User:
    """Enter a person's existing, in-use Keycloak account of this tenant into the directory.

    The password is left alone (its owner knows it); the account keeps the tenant roles it
    had and gains ``roles``; it is enabled and joins the organization; `user.invited` as for
    an invitation. `ProviderConflict` for another tenant's account (never naming it).
    """
    if account.tenant_id != repo.tenant_id:
        raise ProviderConflict(f"username {account.username} is taken")
    wanted = (*domain.tenant_roles_of(account.roles), *roles)
    name, profile, canonical = domain.validate_new_user(
        username=account.username,
        display_name=display_name,
        email=email,
        phone=phone,
        roles=wanted,
    )
    if repo.find_by_username(name) is not None:
        raise StateConflict(f"username {name} is already in the directory")
    check_phone_free(repo, profile.phone, user_id=None)
    org_id = require_organization(provider, repo.tenant_id)
    provider.update_user(
        account.id, email=profile.email, display_name=profile.display_name, enabled=True
    )
    provider.set_realm_roles(account.id, frozenset(canonical))
    provider.add_to_organization(org_id, account.id)
    user, event = domain.invite(
        user_id=account.id,
        tenant_id=repo.tenant_id,
        username=name,
        profile=profile,
        roles=canonical,
        actor=actor,
        now=clock(),
    )
    return repo.add_user(user, _events(repo, [event], correlation_id))


def invite_user(
    *,
    repo: UserRepository,
    provider: IdentityProvider,
    actor: str,
    username: str,
    display_name: str,
    email: str | None,
    phone: str | None,
    roles: Iterable[str],
    correlation_id: str | None = None,
    clock: Clock = _now,
) -> tuple[domain.User, str]:
    """Give a person an account in the tenant; the user and the one-time temporary password.

    Keycloak gets the user (tenant attribute, organization membership, roles, temporary
    password with UPDATE_PASSWORD), then the directory gets the entry with `user.invited`.
    """
    name, profile, canonical = domain.validate_new_user(
        username=username, display_name=display_name, email=email, phone=phone, roles=roles
    )
    if repo.find_by_username(name) is not None:
        raise StateConflict(f"username {name} is already in the directory")
    check_phone_free(repo, profile.phone, user_id=None)
    org_id = require_organization(provider, repo.tenant_id)
    user_id, password = provision_account(
        provider=provider,
        tenant_id=repo.tenant_id,
        org_id=org_id,
        username=name,
        profile=profile,
        roles=canonical,
        existing=provider.find_user(name),
    )
    user, event = domain.invite(
        user_id=user_id,
        tenant_id=repo.tenant_id,
        username=name,
        profile=profile,
        roles=canonical,
        actor=actor,
        now=clock(),
    )
    return repo.add_user(user, _events(repo, [event], correlation_id)), password


def get_user(*, repo: UserRepository, user_id: str) -> domain.User:
    """The person, or `NotFound` (also when they belong to another tenant)."""
    user = repo.find_user(user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found")
    return user


def list_users(
    *,
    repo: UserRepository,
    offset: int,
    limit: int,
    role: str | None = None,
    enabled: bool | None = None,
    q: str | None = None,
) -> Page[domain.User]:
    """One page of the tenant's people ordered by username, optionally filtered."""
    return repo.list_users(offset=offset, limit=limit, role=role, enabled=enabled, q=q)


def update_user(
    *,
    repo: UserRepository,
    provider: IdentityProvider,
    actor: str,
    user_id: str,
    display_name: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    correlation_id: str | None = None,
    clock: Clock = _now,
) -> domain.User:
    """Change a person's name, email or phone (Keycloak gets name and email first)."""
    user = get_user(repo=repo, user_id=user_id)
    profile = domain.validate_profile(
        display_name=user.display_name if display_name is None else display_name,
        email=user.email if email is None else email,
        phone=user.phone if phone is None else phone,
        phone_required=user.phone is not None,
    )
    changed, event = domain.update_profile(user, profile, actor=actor, now=clock())
    if event is None:
        return user
    check_phone_free(repo, changed.phone, user_id=user.user_id)
    push_profile(provider, user, changed)
    return repo.save_user(_synced(changed, clock), _events(repo, [event], correlation_id))


def set_roles(
    *,
    repo: UserRepository,
    provider: IdentityProvider,
    actor: str,
    user_id: str,
    roles: Iterable[str],
    correlation_id: str | None = None,
    clock: Clock = _now,
) -> domain.User:
    """Make a person's roles exactly ``roles`` (tenant roles only; 422 on ``roles`` else)."""
    user = get_user(repo=repo, user_id=user_id)
    changed, event = domain.change_roles(
        user, domain.validate_roles(roles), actor=actor, now=clock()
    )
    if event is None:
        return user
    provider.set_realm_roles(user.user_id, frozenset(changed.roles))
    return repo.save_user(_synced(changed, clock), _events(repo, [event], correlation_id))


def disable_user(
    *,
    repo: UserRepository,
    provider: IdentityProvider,
    actor: str,
    user_id: str,
    correlation_id: str | None = None,
    clock: Clock = _now,
) -> domain.User:
    """Stop a person from logging in (Keycloak's enabled flag, then the directory)."""
    user = get_user(repo=repo, user_id=user_id)
    changed, event = domain.disable(user, actor=actor, now=clock())
    provider.update_user(user.user_id, enabled=False)
    return repo.save_user(_synced(changed, clock), _events(repo, [event], correlation_id))


def enable_user(
    *,
    repo: UserRepository,
    provider: IdentityProvider,
    actor: str,
    user_id: str,
    correlation_id: str | None = None,
    clock: Clock = _now,
) -> domain.User:
    """Let a disabled person log in again."""
    user = get_user(repo=repo, user_id=user_id)
    changed, event = domain.enable(user, actor=actor, now=clock())
    provider.update_user(user.user_id, enabled=True)
    return repo.save_user(_synced(changed, clock), _events(repo, [event], correlation_id))


def reset_password(
    *, repo: UserRepository, provider: IdentityProvider, user_id: str
) -> tuple[domain.User, str]:
    """A new temporary password for a person, shown once; they must change it at login."""
    user = get_user(repo=repo, user_id=user_id)
    if not user.enabled:
        raise StateConflict(f"user {user.username} is disabled; enable them first")
    password = temporary_password()
    provider.reset_password(user.user_id, password)
    return user, password


def role_matrix() -> tuple[domain.RoleInfo, ...]:
    """Who can do what: every role with its label, description and capabilities."""
    return domain.ROLE_MATRIX


def users_with_role(
    *, repo: UserRepository, role: str, offset: int, limit: int
) -> Page[domain.User]:
    """One page of the people holding ``role``; `NotFound` for a role that does not exist."""
    if domain.role_info(role) is None:
        raise NotFound(f"role {role} not found")
    return repo.list_users(offset=offset, limit=limit, role=role)


def _synced(user: domain.User, clock: Clock) -> domain.User:
    return replace(user, last_synced_at=clock())
