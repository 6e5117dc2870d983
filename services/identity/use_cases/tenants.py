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
that password, so the answer carries none and says why.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime

from services.identity.domain import tenants as domain
from services.identity.domain.ports import IdentityProvider, ProviderConflict, ProviderUnavailable
from services.identity.domain.users import normalize_username, validate_new_user
from services.identity.repository.districts import DistrictRepository
from services.identity.repository.service_accounts import ServiceAccountRepository
from services.identity.repository.tenants import TenantCatalog, TenantRecordRepository
from services.identity.repository.users import UserRepository
from services.identity.use_cases import PRODUCER
from services.identity.use_cases.users import (
    adopt_account,
    has_chosen_password,
    invite_user,
    temporary_password,
)
from shared.auth.principal import Role
from shared.errors import FieldProblem, InvalidInput, StateConflict
from shared.events.contracts.identity import SCHEME_TEMPLATE_IDS
from shared.mongo import NotFound, Page, PendingEvent

Clock = Callable[[], datetime]
Step = domain.OnboardingStep


def _now() -> datetime:
    return datetime.now(UTC)


ADOPTED_NOTE = (
    "沿用已有账号，密码未改动 / the admin's existing account was adopted; its password is "
    "unchanged and no temporary password was issued"
)


@dataclass(frozen=True)
class Onboarded:
    """The active tenant and its first admin's one-time temporary password.

    The password is None (and ``note`` says why) when an in-use account was adopted.
    """

    tenant: domain.Tenant
    admin_username: str
    admin_temporary_password: str | None
    note: str | None = None


@dataclass(frozen=True)
class Scope:
    """What a caller may see, from its verified token only."""

    roles: frozenset[str]
    tenant_id: str | None
    district_id: str | None


def _pending(
    event: domain.TenantOnboarded | domain.TenantOffboarded | domain.TenantReactivated,
    payload: dict[str, object],
    correlation_id: str | None,
) -> PendingEvent:
    return PendingEvent.record(
        type=event.type,
        version=event.version,
        tenant_id=event.code,
        aggregate_id=event.code,
        payload=payload,
        producer=PRODUCER,
        correlation_id=correlation_id,
        occurred_at=event.occurred_at,
    )


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
    *,
    provider: IdentityProvider,
    districts: DistrictRepository,
    actor: str,
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
    correlation_id: str | None = None,
    clock: Clock = _now,
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
            actor=actor,
            now=clock(),
        )
    except InvalidInput as exc:
        problems.extend(exc.problems)
    try:
        _validate_admin(admin_username, admin_display_name, admin_email, admin_phone)
    except InvalidInput as exc:
        problems.extend(exc.problems)
    if districts.find_district(district_id) is None:
        problems.append(FieldProblem("district_id", "no such district"))
    if problems or tenant is None:
        raise InvalidInput(problems)
    repo = TenantRecordRepository(tenant.tenant_id)
    if repo.find_tenant() is not None:
        raise StateConflict(f"tenant {tenant.tenant_id} exists (retry its onboarding instead)")
    tenant = repo.add_tenant(tenant)
    return _complete(
        repo=repo,
        provider=provider,
        tenant=tenant,
        actor=actor,
        correlation_id=correlation_id,
        clock=clock,
    )


def retry_onboarding(
    *,
    provider: IdentityProvider,
    actor: str,
    tenant_id: str,
    correlation_id: str | None = None,
    clock: Clock = _now,
) -> Onboarded:
    """Finish an interrupted onboarding from its first incomplete step."""
    repo = TenantRecordRepository(tenant_id)
    tenant = repo.find_tenant()
    if tenant is None:
        raise NotFound(f"tenant {tenant_id} not found")
    if tenant.status is not domain.TenantStatus.ONBOARDING:
        raise StateConflict(f"tenant {tenant_id} is {tenant.status.value}, not onboarding")
    return _complete(
        repo=repo,
        provider=provider,
        tenant=tenant,
        actor=actor,
        correlation_id=correlation_id,
        clock=clock,
    )


def _complete(
    *,
    repo: TenantRecordRepository,
    provider: IdentityProvider,
    tenant: domain.Tenant,
    actor: str,
    correlation_id: str | None,
    clock: Clock,
) -> Onboarded:
    step = Step.ORGANIZATION
    try:
        org_id = provider.ensure_organization(
            alias=tenant.tenant_id,
            # Keycloak wants organization names unique; two towns may share a name.
            name=f"{tenant.name} ({tenant.tenant_id})",
            attributes={"district_id": tenant.district_id, "tenant_kind": tenant.kind.value},
        )
        if tenant.organization_id != org_id:
            tenant = repo.save_tenant(domain.organization_ready(tenant, org_id, now=clock()))
        step = Step.ADMIN
        user_id, password = _ensure_admin(
            provider=provider,
            tenant=tenant,
            org_id=org_id,
            actor=actor,
            correlation_id=correlation_id,
            clock=clock,
        )
        if tenant.admin_user_id != user_id:
            tenant = repo.save_tenant(domain.admin_ready(tenant, user_id, now=clock()))
    except (ProviderUnavailable, ProviderConflict):
        repo.save_tenant(domain.step_failed(tenant, step, now=clock()))
        raise
    active, event = domain.activate(tenant, actor=actor, now=clock())
    payload: dict[str, object] = {
        "code": event.code,
        "name": event.name,
        "kind": event.kind.value,
        "district_id": event.district_id,
        "timezone": event.timezone,
        "calendar": event.calendar,
        "scheme_template": event.scheme_template,
        "onboarded_by": event.onboarded_by,
    }
    tenant = repo.save_tenant(active, [_pending(event, payload, correlation_id)])
    return Onboarded(
        tenant, tenant.admin.username, password, None if password is not None else ADOPTED_NOTE
    )


def _ensure_admin(
    *,
    provider: IdentityProvider,
    tenant: domain.Tenant,
    org_id: str,
    actor: str,
    correlation_id: str | None,
    clock: Clock,
) -> tuple[str, str | None]:
    """The first admin's user id and a fresh temporary password (created, or adopted).

    The password is None when the account is one its owner already uses (see the module).
    """
    users = UserRepository(tenant.tenant_id)
    existing = users.find_by_username(tenant.admin.username)
    if existing is None:
        account = provider.find_user(tenant.admin.username)
        if account is not None and has_chosen_password(account):
            adopted = adopt_account(
                repo=users,
                provider=provider,
                actor=actor,
                account=account,
                display_name=tenant.admin.display_name,
                email=tenant.admin.email,
                phone=tenant.admin.phone,
                roles=[Role.TENANT_ADMIN.value],
                correlation_id=correlation_id,
                clock=clock,
            )
            return adopted.user_id, None
        user, password = invite_user(
            repo=users,
            provider=provider,
            actor=actor,
            username=tenant.admin.username,
            display_name=tenant.admin.display_name,
            email=tenant.admin.email,
            phone=tenant.admin.phone,
            roles=[Role.TENANT_ADMIN.value],
            correlation_id=correlation_id,
            clock=clock,
        )
        return user.user_id, password
    provider.add_to_organization(org_id, existing.user_id)
    account = provider.get_user(existing.user_id)
    if account is not None and has_chosen_password(account):
        # An earlier attempt adopted an in-use account (or its owner has logged in since).
        return existing.user_id, None
    # An earlier attempt created the admin but its answer (and password) never arrived.
    password = temporary_password()
    provider.reset_password(existing.user_id, password)
    return existing.user_id, password


def offboard_tenant(
    *,
    provider: IdentityProvider,
    actor: str,
    tenant_id: str,
    reason: str,
    correlation_id: str | None = None,
    clock: Clock = _now,
) -> domain.Tenant:
    """Disable the organization, every user and service client of the tenant; keep records."""
    repo = TenantRecordRepository(tenant_id)
    tenant = _require(repo)
    stopped, event = domain.offboard(tenant, reason=reason, actor=actor, now=clock())
    # Keycloak first: if it fails half-way the tenant is still active and a retry converges.
    if tenant.organization_id is not None:
        provider.set_organization_enabled(tenant.organization_id, False)
    for user in provider.users_of_tenant(tenant_id):
        if user.enabled:
            provider.update_user(user.id, enabled=False)
    for client in provider.service_clients_of_tenant(tenant_id):
        if client.enabled:
            provider.set_client_enabled(client.id, False)
    payload: dict[str, object] = {
        "code": event.code,
        "district_id": event.district_id,
        "reason": event.reason,
        "offboarded_by": event.offboarded_by,
    }
    return repo.save_tenant(stopped, [_pending(event, payload, correlation_id)])


def reactivate_tenant(
    *,
    provider: IdentityProvider,
    actor: str,
    tenant_id: str,
    correlation_id: str | None = None,
    clock: Clock = _now,
) -> domain.Tenant:
    """Reverse an offboarding: enable the organization and the people and service accounts
    the tenant had not disabled itself (the directory remembers who was disabled on purpose)."""
    repo = TenantRecordRepository(tenant_id)
    tenant = _require(repo)
    active, event = domain.reactivate(tenant, actor=actor, now=clock())
    if tenant.organization_id is not None:
        provider.set_organization_enabled(tenant.organization_id, True)
    kept_disabled = _disabled_in_directory(UserRepository(tenant_id))
    for user in provider.users_of_tenant(tenant_id):
        if not user.enabled and user.id not in kept_disabled:
            provider.update_user(user.id, enabled=True)
    accounts = ServiceAccountRepository(tenant_id)
    enabled_clients = {
        account.client_uuid
        for account in accounts.list_accounts(offset=0, limit=500).items
        if account.enabled
    }
    for client in provider.service_clients_of_tenant(tenant_id):
        if not client.enabled and client.id in enabled_clients:
            provider.set_client_enabled(client.id, True)
    payload: dict[str, object] = {
        "code": event.code,
        "district_id": event.district_id,
        "reactivated_by": event.reactivated_by,
    }
    return repo.save_tenant(active, [_pending(event, payload, correlation_id)])


def _disabled_in_directory(users: UserRepository) -> set[str]:
    disabled: set[str] = set()
    offset = 0
    while True:
        page = users.list_users(offset=offset, limit=500, enabled=False)
        disabled.update(user.user_id for user in page.items)
        offset += len(page.items)
        if not page.items or offset >= page.total:
            return disabled


def _require(repo: TenantRecordRepository) -> domain.Tenant:
    tenant = repo.find_tenant()
    if tenant is None:
        raise NotFound(f"tenant {repo.tenant_id} not found")
    return tenant


def get_tenant(*, scope: Scope, tenant_id: str) -> domain.Tenant:
    """The tenant if the caller may see it; `NotFound` otherwise (never 403: no probing)."""
    tenant = TenantRecordRepository(tenant_id).find_tenant()
    if tenant is None or not domain.visible_to(
        tenant, roles=scope.roles, tenant_id=scope.tenant_id, district_id=scope.district_id
    ):
        raise NotFound(f"tenant {tenant_id} not found")
    return tenant


def list_tenants(
    *, scope: Scope, catalog: TenantCatalog, offset: int, limit: int
) -> Page[domain.Tenant]:
    """All tenants (platform admin), the district's (overseer) or the caller's own."""
    if Role.PLATFORM_ADMIN.value in scope.roles:
        return catalog.list_tenants(offset=offset, limit=limit)
    if Role.DISTRICT_OVERSEER.value in scope.roles and scope.district_id:
        return catalog.list_tenants(offset=offset, limit=limit, district_id=scope.district_id)
    own = None if scope.tenant_id is None else TenantRecordRepository(scope.tenant_id).find_tenant()
    items = [own] if own is not None and offset == 0 else []
    return Page(items=items, total=0 if own is None else 1, offset=offset, limit=limit)
