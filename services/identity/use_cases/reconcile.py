"""Reconcile the user directory with Keycloak: report drift per tenant and optionally repair it.

The comparison itself is pure (`services.identity.domain.reconcile`); this module reads both
sides and applies the repairs. ``POST /tenants/<id>/reconcile`` runs `reconcile_one`, the
command line (``python -m services.identity.cli reconcile``) `reconcile_tenant` per tenant.
Repairs are recorded as the reconciler's (`RECONCILER` is the events' actor) whoever asked
for them; the request's correlation id ties them to the asking.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from services.identity.domain import users as domain
from services.identity.domain.ports import IdentityProvider, ProviderUser
from services.identity.domain.reconcile import Finding, Repair, Snapshot, compare
from services.identity.domain.tenants import TenantStatus
from services.identity.use_cases.context import IdentityContext, PlatformContext
from shared.errors import Conflict, DependencyUnavailable, NotFound, StateConflict
from shared.mongo.repository import MAX_PAGE_SIZE

RECONCILER = "reconciler"
"""The actor recorded on events the reconciler causes (and the command line's actor)."""

REPAIRED = "repaired"
NOT_REPAIRED = "not repaired"
NEEDS_A_PERSON = "needs a person"


@dataclass(frozen=True, slots=True)
class Outcome:
    """A finding and what was done about it."""

    finding: Finding
    action: str

    @property
    def resolved(self) -> bool:
        return self.action == REPAIRED

    def as_dict(self) -> dict[str, object]:
        finding = self.finding
        return {
            "kind": finding.kind.value,
            "user_id": finding.user_id,
            "username": finding.username,
            "detail": finding.detail,
            "repair": finding.repair.value,
            "action": self.action,
        }


OFFBOARDED_NOTE = "offboarded: directory not compared, every Keycloak login must stay disabled"


@dataclass(frozen=True, slots=True)
class TenantReconciliation:
    """Everything found (and done) for one tenant.

    ``note`` says what was skipped (for an offboarded tenant), None when everything was checked.
    """

    tenant_id: str
    repair: bool
    outcomes: tuple[Outcome, ...]
    note: str | None = None

    @property
    def clean(self) -> bool:
        """True when no drift remains (none was found, or all of it was repaired)."""
        return all(outcome.resolved for outcome in self.outcomes)

    def as_dict(self) -> dict[str, object]:
        return {
            "tenant_id": self.tenant_id,
            "repair": self.repair,
            "clean": self.clean,
            "note": self.note,
            "findings": [outcome.as_dict() for outcome in self.outcomes],
        }


def reconcile_tenant(
    ctx: IdentityContext, *, provider: IdentityProvider, repair: bool
) -> TenantReconciliation:
    """Compare one tenant's directory with Keycloak; with ``repair``, remove the drift found.

    For an offboarded tenant only enabled Keycloak accounts are drift (repaired by disabling
    them): the repair never enables a login of an offboarded tenant.
    """
    tenant = ctx.tenant_record.find_tenant()
    offboarded = tenant is not None and tenant.status is TenantStatus.OFFBOARDED
    org_id = provider.find_organization(ctx.tenant_id)
    accounts = provider.users_of_tenant(ctx.tenant_id)
    members = None if org_id is None else provider.organization_member_ids(org_id)
    snapshot = Snapshot(
        tenant_id=ctx.tenant_id,
        directory=() if offboarded else ctx.users.all_users(),
        provider=accounts,
        organization_members=members,
        offboarded=offboarded,
    )
    findings = compare(snapshot)
    note = OFFBOARDED_NOTE if offboarded else None
    if not repair:
        outcomes = tuple(Outcome(f, NOT_REPAIRED) for f in findings)
        return TenantReconciliation(ctx.tenant_id, False, outcomes, note)
    fixer = _Repairer(ctx, provider, org_id, {a.id: a for a in accounts})
    outcomes = tuple(fixer.apply(f) for f in findings)
    return TenantReconciliation(ctx.tenant_id, True, outcomes, note)


@dataclass(frozen=True, slots=True)
class _Repairer:
    ctx: IdentityContext
    provider: IdentityProvider
    org_id: str | None
    accounts: dict[str, ProviderUser]

    def apply(self, finding: Finding) -> Outcome:
        if finding.repair is Repair.MANUAL or finding.user_id is None:
            return Outcome(finding, NEEDS_A_PERSON)
        try:
            self._apply(finding, finding.user_id)
        except (StateConflict, Conflict, NotFound, DependencyUnavailable) as exc:
            # One failed repair must not stop the others; it is reported and the run fails.
            return Outcome(finding, f"failed: {exc}")
        return Outcome(finding, REPAIRED)

    def _apply(self, finding: Finding, user_id: str) -> None:
        match finding.repair:
            case Repair.DISABLE_IN_DIRECTORY:
                user = self.ctx.users.find_user(user_id)
                if user is None:
                    raise NotFound(f"user {user_id} not found")
                changed, disabled = domain.disable(user, actor=RECONCILER, now=self.ctx.now())
                self.ctx.users.save_user(changed, [disabled])
            case Repair.ADOPT_INTO_DIRECTORY:
                account = self.accounts[user_id]
                adopted, invited = domain.adopt(
                    user_id=account.id,
                    tenant_id=self.ctx.tenant_id,
                    login=account.username,
                    display_name=account.display_name,
                    email=account.email,
                    roles=account.roles,
                    enabled=account.enabled,
                    actor=RECONCILER,
                    now=self.ctx.now(),
                )
                self.ctx.users.add_user(adopted, [invited])
            case Repair.SET_PROVIDER_ROLES:
                self.provider.set_realm_roles(user_id, frozenset(finding.roles))
            case Repair.SET_PROVIDER_ENABLED:
                self.provider.update_user(user_id, enabled=bool(finding.enabled))
            case Repair.ADD_TO_ORGANIZATION:
                if self.org_id is None:
                    raise StateConflict("the tenant has no organization")
                self.provider.add_to_organization(self.org_id, user_id)


def reconcile_one(
    ctx: PlatformContext, *, provider: IdentityProvider, tenant_id: str, repair: bool
) -> TenantReconciliation:
    """`reconcile_tenant` for one tenant by id; `NotFound` when neither identity's tenant
    records nor Keycloak know it (tenants seeded into the realm have no record)."""
    tenant = ctx.for_tenant(tenant_id)
    known = tenant.tenant_record.find_tenant() is not None
    if not known and provider.find_organization(tenant_id) is None:
        raise NotFound(f"tenant {tenant_id} not found")
    return reconcile_tenant(tenant, provider=provider, repair=repair)


def onboarded_tenants(ctx: PlatformContext) -> Iterator[str]:
    """Every onboarded tenant id, in code order."""
    offset = 0
    while True:
        page = ctx.catalog.list_tenants(offset=offset, limit=MAX_PAGE_SIZE)
        yield from (tenant.tenant_id for tenant in page.items)
        offset += len(page.items)
        if not page.items or offset >= page.total:
            return
