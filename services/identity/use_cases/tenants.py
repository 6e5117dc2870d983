"""Tenant use cases: onboarding (and its retry), offboarding, reactivation, reading.

Onboarding runs four idempotent steps: 1) the tenant record (status ``onboarding``), 2) the
Keycloak organization, 3) the first tenant admin (through the people use case
`invite_user`), 4) activation with `tenant.onboarded` v2 in the record's outbox. Each step's
result is written to the record before the next starts, so after a crash or a Keycloak outage
(503, the failed step recorded) `retry_onboarding` continues where it stopped and nothing is
created twice. The admin's temporary password exists only in the answer of the call that
completes onboarding: a retry issues a fresh one, since the earlier call never delivered its.
An admin account that already exists in Keycloak for this tenant and is in use (its owner set
the password: no pending UPDATE_PASSWORD) is adopted as it is: identity never learns or resets
that password, so the answer carries none and says why. The answer names the admin's login
name (``<username>@<code>``, or an adopted account's own name) beside the password.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from services.identity.domain import tenants as domain
from services.identity.domain.ports import IdentityProvider, ProviderConflict, ProviderUnavailable
from services.identity.domain.users import User, normalize_username, validate_new_user
from services.identity.repository.users import UserRepository
from services.identity.use_cases.context import IdentityContext, PlatformContext
from services.identity.use_cases.users import (
    adopt_account,
    find_account,
    has_chosen_password,
    invite_user,
    temporary_password,
)
from shared.auth.principal import Role
from shared.errors import FieldProblem, InvalidInput, NotFound, StateConflict
from shared.events.contracts.identity import SCHEME_TEMPLATE_IDS
from shared.mongo import Page

Step = domain.OnboardingStep

ADOPTED_NOTE = (
    "沿用已有账号，密码未改动 / the admin's existing account was adopted; its password is "
    "unchanged and no temporary password was issued"
)


@dataclass(frozen=True)
class Onboarded:
    """The active tenant, its first admin's login name and one-time temporary password.

    The password is None (and ``note`` says why) when an in-use account was adopted.
    """

    tenant: domain.Tenant
    admin_username: str
    admin_login: str
    admin_temporary_password: str | None
    note: str | None = None


def _validate_admin(
    admin_username: str, admin_display_name: str, admin_email: str | None, admin_phone: str | None
) -> None:
    try:
        validate_new_user(
            username=admin_username,
            display_name=admin_display_name,
            email=admin_email,
            phone=admin_phone,
            roles=[Role.TENANT_ADMIN.value],
        )
    except InvalidInput as exc:
        raise InvalidInput(
            [FieldProblem(f"admin.{p.field}", p.reason) for p in exc.problems]
        ) from None


def onboard_tenant(
    ctx: PlatformContext,
    *,
    provider: IdentityProvider,
    code: str,
    name: str,
    kind: str,
    district_id: str,
    scheme_template: str,
    admin_username: str,
    admin_display_name: str,
    admin_phone: str | None,
    admin_email: str | None = None,
    timezone: str | None = None,
    calendar: str | None = None,
    scheme_templates: Collection[str] = SCHEME_TEMPLATE_IDS,
) -> Onboarded:
    """Onboard a tenant end to end; `ProviderUnavailable` (503) leaves it to `retry_onboarding`."""
    problems: list[FieldProblem] = []
    tenant: domain.Tenant | None = None
    try:
        tenant = domain.start_onboarding(
            code=code,
            name=name,
            kind=kind,
            district_id=district_id,
            timezone=timezone,
            calendar=calendar,
            scheme_template=scheme_template,
            admin=domain.TenantAdmin(
                username=normalize_username(admin_username),
                display_name=admin_display_name.strip(),
                email=admin_email,
                phone=admin_phone,
            ),
            scheme_templates=scheme_templates,
            actor=ctx.actor,
            now=ctx.now(),
        )
    except InvalidInput as exc:
        problems.extend(exc.problems)
    try:
        _validate_admin(admin_username, admin_display_name, admin_email, admin_phone)
    except InvalidInput as exc:
        problems.extend(exc.problems)
    if ctx.districts.find_district(district_id) is None:
        problems.append(FieldProblem("district_id", "no such district"))
    if problems or tenant is None:
        raise InvalidInput(problems)
    # The tenant being onboarded is the aggregate: its record and events are its own.
    onboarding = ctx.for_tenant(tenant.tenant_id)
    if onboarding.tenant_record.find_tenant() is not None:
        raise StateConflict(f"tenant {tenant.tenant_id} exists (retry its onboarding instead)")
    tenant = onboarding.tenant_record.add_tenant(tenant)
    return _complete(onboarding, provider=provider, tenant=tenant)


def retry_onboarding(
    ctx: PlatformContext, *, provider: IdentityProvider, tenant_id: str
) -> Onboarded:
    """Finish an interrupted onboarding from its first incomplete step."""
    onboarding = ctx.for_tenant(tenant_id)
    tenant = _require(onboarding)
    if tenant.status is not domain.TenantStatus.ONBOARDING:
        raise StateConflict(f"tenant {tenant_id} is {tenant.status.value}, not onboarding")
    return _complete(onboarding, provider=provider, tenant=tenant)


def _complete(
    ctx: IdentityContext, *, provider: IdentityProvider, tenant: domain.Tenant
) -> Onboarded:
    repo = ctx.tenant_record
    step = Step.ORGANIZATION
    try:
        org_id = provider.ensure_organization(
            alias=tenant.tenant_id,
            # Keycloak wants organization names unique; two towns may share a name.
            name=f"{tenant.name} ({tenant.tenant_id})",
            attributes={"district_id": tenant.district_id, "tenant_kind": tenant.kind.value},
        )
        if tenant.organization_id != org_id:
            tenant = repo.save_tenant(domain.organization_ready(tenant, org_id, now=ctx.now()))
        step = Step.ADMIN
        admin, password = _ensure_admin(ctx, provider=provider, tenant=tenant, org_id=org_id)
        if tenant.admin_user_id != admin.user_id:
            tenant = repo.save_tenant(domain.admin_ready(tenant, admin.user_id, now=ctx.now()))
    except (ProviderUnavailable, ProviderConflict):
        repo.save_tenant(domain.step_failed(tenant, step, now=ctx.now()))
        raise
    active, event = domain.activate(tenant, actor=ctx.actor, now=ctx.now())
    tenant = repo.save_tenant(active, [event])
    return Onboarded(
        tenant,
        admin.username,
        admin.login,
        password,
        None if password is not None else ADOPTED_NOTE,
    )


def _ensure_admin(
    ctx: IdentityContext, *, provider: IdentityProvider, tenant: domain.Tenant, org_id: str
) -> tuple[User, str | None]:
    """The first admin and a fresh temporary password (created, or adopted).

    The password is None when the account is one its owner already uses (see the module).
    """
    existing = ctx.users.find_by_username(tenant.admin.username)
    if existing is None:
        account = find_account(provider, tenant_id=ctx.tenant_id, username=tenant.admin.username)
        if account is not None and has_chosen_password(account):
            adopted = adopt_account(
                ctx,
                provider=provider,
                account=account,
                username=tenant.admin.username,
                display_name=tenant.admin.display_name,
                email=tenant.admin.email,
                phone=tenant.admin.phone,
                roles=[Role.TENANT_ADMIN.value],
            )
            return adopted, None
        user, password = invite_user(
            ctx,
            provider=provider,
            username=tenant.admin.username,
            display_name=tenant.admin.display_name,
            email=tenant.admin.email,
            phone=tenant.admin.phone,
            roles=[Role.TENANT_ADMIN.value],
        )
        return user, password
    provider.add_to_organization(org_id, existing.user_id)
    account = provider.get_user(existing.user_id)
    if account is not None and has_chosen_password(account):
        # An earlier attempt adopted an in-use account (or its owner has logged in since).
        return existing, None
    # An earlier attempt created the admin but its answer (and password) never arrived.
    password = temporary_password()
    provider.reset_password(existing.user_id, password)
    return existing, password


def offboard_tenant(
    ctx: PlatformContext, *, provider: IdentityProvider, tenant_id: str, reason: str
) -> domain.Tenant:
    """Disable the organization, every user and service client of the tenant; keep records."""
    offboarding = ctx.for_tenant(tenant_id)
    tenant = _require(offboarding)
    stopped, event = domain.offboard(tenant, reason=reason, actor=ctx.actor, now=ctx.now())
    # Keycloak first: if it fails half-way the tenant is still active and a retry converges.
    if tenant.organization_id is not None:
        provider.set_organization_enabled(tenant.organization_id, False)
    for user in provider.users_of_tenant(tenant_id):
        if user.enabled:
            provider.update_user(user.id, enabled=False)
    for client in provider.service_clients_of_tenant(tenant_id):
        if client.enabled:
            provider.set_client_enabled(client.id, False)
    return offboarding.tenant_record.save_tenant(stopped, [event])


def reactivate_tenant(
    ctx: PlatformContext, *, provider: IdentityProvider, tenant_id: str
) -> domain.Tenant:
    """Reverse an offboarding: enable the organization and the people and service accounts
    the tenant had not disabled itself (the directory remembers who was disabled on purpose)."""
    reactivating = ctx.for_tenant(tenant_id)
    tenant = _require(reactivating)
    active, event = domain.reactivate(tenant, actor=ctx.actor, now=ctx.now())
    if tenant.organization_id is not None:
        provider.set_organization_enabled(tenant.organization_id, True)
    kept_disabled = _disabled_in_directory(reactivating.users)
    for user in provider.users_of_tenant(tenant_id):
        if not user.enabled and user.id not in kept_disabled:
            provider.update_user(user.id, enabled=True)
    enabled_clients = {
        account.client_uuid
        for account in reactivating.service_accounts.list_accounts(offset=0, limit=500).items
        if account.enabled
    }
    for client in provider.service_clients_of_tenant(tenant_id):
        if not client.enabled and client.id in enabled_clients:
            provider.set_client_enabled(client.id, True)
    return reactivating.tenant_record.save_tenant(active, [event])


def _disabled_in_directory(users: UserRepository) -> set[str]:
    disabled: set[str] = set()
    offset = 0
    while True:
        page = users.list_users(offset=offset, limit=500, enabled=False)
        disabled.update(user.user_id for user in page.items)
        offset += len(page.items)
        if not page.items or offset >= page.total:
            return disabled


def _require(ctx: IdentityContext) -> domain.Tenant:
    tenant = ctx.tenant_record.find_tenant()
    if tenant is None:
        raise NotFound(f"tenant {ctx.tenant_id} not found")
    return tenant


def get_tenant(ctx: PlatformContext, *, tenant_id: str) -> domain.Tenant:
    """The tenant if the caller may see it; `NotFound` otherwise (never 403: no probing)."""
    tenant = ctx.for_tenant(tenant_id).tenant_record.find_tenant()
    if tenant is None or not domain.visible_to(
        tenant, roles=ctx.roles, tenant_id=ctx.own_tenant_id, district_id=ctx.district_id
    ):
        raise NotFound(f"tenant {tenant_id} not found")
    return tenant


def list_tenants(ctx: PlatformContext, *, offset: int, limit: int) -> Page[domain.Tenant]:
    """All tenants (platform admin), the district's (overseer) or the caller's own."""
    if Role.PLATFORM_ADMIN.value in ctx.roles:
        return ctx.catalog.list_tenants(offset=offset, limit=limit)
    if Role.DISTRICT_OVERSEER.value in ctx.roles and ctx.district_id:
        return ctx.catalog.list_tenants(offset=offset, limit=limit, district_id=ctx.district_id)
    own = None
    if ctx.own_tenant_id is not None:
        own = ctx.for_tenant(ctx.own_tenant_id).tenant_record.find_tenant()
    items = [own] if own is not None and offset == 0 else []
    return Page(items=items, total=0 if own is None else 1, offset=offset, limit=limit)
