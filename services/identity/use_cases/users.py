"""People use cases: invite, edit, disable/enable, roles, password reset, read.

Order of writes: Keycloak first, then the directory (with its event in the outbox). There is no
transaction spanning both; if the process dies between the two writes, Keycloak holds a change
the directory lacks. That drift is repaired without loss: retrying the same request converges
(the tenant's Keycloak account of an invited person is adopted; role and flag writes are
idempotent), and `python -m services.identity.cli reconcile --repair` adopts Keycloak users
the directory lacks and pushes the directory's roles and enabled flags back to Keycloak. The
other order would be worse: a directory entry (and a published event) for an account that may
never exist.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Iterable
from dataclasses import dataclass, replace

from services.identity.domain import users as domain
from services.identity.domain.ports import IdentityProvider, ProviderConflict, ProviderUser
from services.identity.use_cases.context import IdentityContext
from shared.errors import InvalidInput, NotFound, StateConflict
from shared.mongo import Page

UPDATE_PASSWORD = "UPDATE_PASSWORD"  # noqa: S105 - Keycloak's required-action name, no secret

# No look-alikes (0/O, 1/l/I): people read these aloud over the phone to grid workers.
_PASSWORD_ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")
PASSWORD_LENGTH = 16


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


def check_username_free(ctx: IdentityContext, username: str) -> None:
    """``StateConflict`` (409) when a person of the tenant already has ``username``."""
    if ctx.users.find_by_username(username) is not None:
        raise StateConflict(f"username {username} is taken in this tenant")


def check_phone_free(ctx: IdentityContext, phone: str | None, *, user_id: str | None) -> None:
    """``InvalidInput`` on ``phone`` when another person of the tenant already has it."""
    if phone is None:
        return
    if any(other.user_id != user_id for other in ctx.users.find_by_phone(phone)):
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


def find_account(
    provider: IdentityProvider, *, tenant_id: str, username: str
) -> ProviderUser | None:
    """The tenant's own Keycloak account for the directory username ``username``, or None.

    Looked up by its login name, then by the bare username, which accounts made before login
    names were per tenant carry (the demo's ``admin.a``, a township migrating its accounts).
    Another tenant's account counts as none: new accounts get a login name of this tenant, so
    it is never in the way, and a conflict would tell the caller that some tenant has it.
    """
    for name in (domain.login_name(username, tenant_id), username):
        account = provider.find_user(name)
        if account is not None and account.tenant_id == tenant_id:
            return account
    return None


@dataclass(frozen=True, slots=True)
class Provisioned:
    """A new person's Keycloak account: its id, login name and one-time temporary password."""

    user_id: str
    login: str
    temporary_password: str


def provision_account(
    *,
    provider: IdentityProvider,
    tenant_id: str,
    org_id: str,
    username: str,
    profile: domain.Profile,
    roles: tuple[str, ...],
    existing: ProviderUser | None,
) -> Provisioned:
    """Create (or adopt) the Keycloak account of a new person, with a temporary password.

    ``existing`` is the tenant's account `find_account` found (a leftover of an interrupted
    invite, or an account from before login names): it is brought to the invited state. Else
    the account is created under the login name ``<username>@<tenant>``.
    """
    password = temporary_password()
    if existing is None:
        login = domain.login_name(username, tenant_id)
        user_id = provider.create_user(
            username=login,
            email=profile.email,
            display_name=profile.display_name,
            tenant_id=tenant_id,
            district_id=None,
            roles=frozenset(roles),
            temporary_password=password,
        )
    else:
        user_id, login = existing.id, existing.username
        provider.update_user(
            user_id, email=profile.email, display_name=profile.display_name, enabled=True
        )
        provider.set_realm_roles(user_id, frozenset(roles))
        provider.reset_password(user_id, password)
    provider.add_to_organization(org_id, user_id)
    return Provisioned(user_id, login, password)


def has_chosen_password(account: ProviderUser) -> bool:
    """Whether the account's owner set their own password (no pending UPDATE_PASSWORD).

    Accounts identity creates carry a temporary password until the first login; an account
    without that required action is already in use and its password belongs to its owner.
    """
    return UPDATE_PASSWORD not in account.required_actions


def adopt_account(
    ctx: IdentityContext,
    *,
    provider: IdentityProvider,
    account: ProviderUser,
    username: str,
    display_name: str,
    email: str | None,
    phone: str | None,
    roles: Iterable[str],
) -> domain.User:
    """Enter a person's existing, in-use Keycloak account of this tenant (`find_account`) into
    the directory as ``username``; its login stays the account's name.

    The password is left alone (its owner knows it); the account keeps the tenant roles it
    had and gains ``roles``; it is enabled and joins the organization; `user.invited` as for
    an invitation. `ProviderConflict` for another tenant's account (never naming it).
    """
    if account.tenant_id != ctx.tenant_id:
        raise ProviderConflict("the identity provider already holds this name")
    wanted = (*domain.tenant_roles_of(account.roles), *roles)
    name, profile, canonical = domain.validate_new_user(
        username=username,
        display_name=display_name,
        email=email,
        phone=phone,
        roles=wanted,
    )
    check_username_free(ctx, name)
    check_phone_free(ctx, profile.phone, user_id=None)
    org_id = require_organization(provider, ctx.tenant_id)
    provider.update_user(
        account.id, email=profile.email, display_name=profile.display_name, enabled=True
    )
    provider.set_realm_roles(account.id, frozenset(canonical))
    provider.add_to_organization(org_id, account.id)
    user, event = domain.invite(
        user_id=account.id,
        tenant_id=ctx.tenant_id,
        username=name,
        login=account.username,
        profile=profile,
        roles=canonical,
        actor=ctx.actor,
        now=ctx.now(),
    )
    return ctx.users.add_user(user, [event])


def invite_user(
    ctx: IdentityContext,
    *,
    provider: IdentityProvider,
    username: str,
    display_name: str,
    email: str | None,
    phone: str | None,
    roles: Iterable[str],
) -> tuple[domain.User, str]:
    """Give a person an account in the tenant; the user (with the login name to pass on) and
    the one-time temporary password.

    Keycloak gets the user (login name, tenant attribute, organization membership, roles,
    temporary password with UPDATE_PASSWORD), then the directory gets the entry with
    `user.invited`. A username the tenant already has is a 409; another tenant's is no
    concern of this one's (`find_account`).
    """
    name, profile, canonical = domain.validate_new_user(
        username=username, display_name=display_name, email=email, phone=phone, roles=roles
    )
    check_username_free(ctx, name)
    check_phone_free(ctx, profile.phone, user_id=None)
    org_id = require_organization(provider, ctx.tenant_id)
    account = provision_account(
        provider=provider,
        tenant_id=ctx.tenant_id,
        org_id=org_id,
        username=name,
        profile=profile,
        roles=canonical,
        existing=find_account(provider, tenant_id=ctx.tenant_id, username=name),
    )
    user, event = domain.invite(
        user_id=account.user_id,
        tenant_id=ctx.tenant_id,
        username=name,
        login=account.login,
        profile=profile,
        roles=canonical,
        actor=ctx.actor,
        now=ctx.now(),
    )
    return ctx.users.add_user(user, [event]), account.temporary_password


def get_user(ctx: IdentityContext, *, user_id: str) -> domain.User:
    """The person, or `NotFound` (also when they belong to another tenant)."""
    user = ctx.users.find_user(user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found")
    return user


def list_users(
    ctx: IdentityContext,
    *,
    offset: int,
    limit: int,
    role: str | None = None,
    enabled: bool | None = None,
    q: str | None = None,
) -> Page[domain.User]:
    """One page of the tenant's people ordered by username, optionally filtered."""
    return ctx.users.list_users(offset=offset, limit=limit, role=role, enabled=enabled, q=q)


def update_user(
    ctx: IdentityContext,
    *,
    provider: IdentityProvider,
    user_id: str,
    display_name: str | None = None,
    email: str | None = None,
    phone: str | None = None,
) -> domain.User:
    """Change a person's name, email or phone (Keycloak gets name and email first)."""
    user = get_user(ctx, user_id=user_id)
    profile = domain.validate_profile(
        display_name=user.display_name if display_name is None else display_name,
        email=user.email if email is None else email,
        phone=user.phone if phone is None else phone,
        phone_required=user.phone is not None,
    )
    changed, event = domain.update_profile(user, profile, actor=ctx.actor, now=ctx.now())
    if event is None:
        return user
    check_phone_free(ctx, changed.phone, user_id=user.user_id)
    push_profile(provider, user, changed)
    return ctx.users.save_user(_synced(ctx, changed), [event])


def set_roles(
    ctx: IdentityContext, *, provider: IdentityProvider, user_id: str, roles: Iterable[str]
) -> domain.User:
    """Make a person's roles exactly ``roles`` (tenant roles only; 422 on ``roles`` else)."""
    user = get_user(ctx, user_id=user_id)
    changed, event = domain.change_roles(
        user, domain.validate_roles(roles), actor=ctx.actor, now=ctx.now()
    )
    if event is None:
        return user
    provider.set_realm_roles(user.user_id, frozenset(changed.roles))
    return ctx.users.save_user(_synced(ctx, changed), [event])


def disable_user(ctx: IdentityContext, *, provider: IdentityProvider, user_id: str) -> domain.User:
    """Stop a person from logging in (Keycloak's enabled flag, then the directory)."""
    user = get_user(ctx, user_id=user_id)
    changed, event = domain.disable(user, actor=ctx.actor, now=ctx.now())
    provider.update_user(user.user_id, enabled=False)
    return ctx.users.save_user(_synced(ctx, changed), [event])


def enable_user(ctx: IdentityContext, *, provider: IdentityProvider, user_id: str) -> domain.User:
    """Let a disabled person log in again."""
    user = get_user(ctx, user_id=user_id)
    changed, event = domain.enable(user, actor=ctx.actor, now=ctx.now())
    provider.update_user(user.user_id, enabled=True)
    return ctx.users.save_user(_synced(ctx, changed), [event])


def reset_password(
    ctx: IdentityContext, *, provider: IdentityProvider, user_id: str
) -> tuple[domain.User, str]:
    """A new temporary password for a person, shown once; they must change it at login."""
    user = get_user(ctx, user_id=user_id)
    if not user.enabled:
        raise StateConflict(f"user {user.username} is disabled; enable them first")
    password = temporary_password()
    provider.reset_password(user.user_id, password)
    return user, password


def role_matrix() -> tuple[domain.RoleInfo, ...]:
    """Who can do what: every role with its label, description and capabilities."""
    return domain.ROLE_MATRIX


def users_with_role(
    ctx: IdentityContext, *, role: str, offset: int, limit: int
) -> Page[domain.User]:
    """One page of the people holding ``role``; `NotFound` for a role that does not exist."""
    if domain.role_info(role) is None:
        raise NotFound(f"role {role} not found")
    return ctx.users.list_users(offset=offset, limit=limit, role=role)


def _synced(ctx: IdentityContext, user: domain.User) -> domain.User:
    return replace(user, last_synced_at=ctx.now())
