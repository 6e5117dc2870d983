"""Reconcile the user directory with Keycloak: report drift per tenant and optionally repair it.

    python -m services.identity.reconcile [--tenant ID ...] [--repair] [--json]

Without ``--tenant`` every onboarded tenant is checked. Exit code 0 when there is no drift or
every finding was repaired, 1 when drift remains (not asked to repair, a repair failed, or a
finding needs a person), 2 on a usage error. The comparison itself is pure
(`services.identity.domain.reconcile`); this module reads both sides and applies the repairs,
and is also what ``POST /tenants/<id>/reconcile`` runs.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TextIO

from services.identity.domain import users as domain
from services.identity.domain.ports import IdentityProvider, ProviderUser
from services.identity.domain.reconcile import Finding, Repair, Snapshot, compare
from services.identity.domain.tenants import TenantStatus
from services.identity.repository.tenants import TenantCatalog, TenantRecordRepository
from services.identity.repository.users import UserRepository
from services.identity.use_cases.users import pending
from shared.errors import DependencyUnavailable, StateConflict
from shared.mongo import Conflict, NotFound, PendingEvent
from shared.mongo.repository import MAX_PAGE_SIZE

RECONCILER = "reconciler"
"""The actor recorded on events the reconciler causes."""

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
    *,
    repo: UserRepository,
    provider: IdentityProvider,
    repair: bool,
    correlation_id: str | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> TenantReconciliation:
    """Compare one tenant's directory with Keycloak; with ``repair``, remove the drift found.

    For an offboarded tenant only enabled Keycloak accounts are drift (repaired by disabling
    them): the repair never enables a login of an offboarded tenant.
    """
    tenant = TenantRecordRepository(repo.tenant_id).find_tenant()
    offboarded = tenant is not None and tenant.status is TenantStatus.OFFBOARDED
    org_id = provider.find_organization(repo.tenant_id)
    accounts = provider.users_of_tenant(repo.tenant_id)
    members = None if org_id is None else provider.organization_member_ids(org_id)
    snapshot = Snapshot(
        tenant_id=repo.tenant_id,
        directory=() if offboarded else repo.all_users(),
        provider=accounts,
        organization_members=members,
        offboarded=offboarded,
    )
    findings = compare(snapshot)
    note = OFFBOARDED_NOTE if offboarded else None
    if not repair:
        outcomes = tuple(Outcome(f, NOT_REPAIRED) for f in findings)
        return TenantReconciliation(repo.tenant_id, False, outcomes, note)
    fixer = _Repairer(repo, provider, org_id, {a.id: a for a in accounts}, correlation_id, clock)
    outcomes = tuple(fixer.apply(f) for f in findings)
    return TenantReconciliation(repo.tenant_id, True, outcomes, note)


@dataclass(frozen=True, slots=True)
class _Repairer:
    repo: UserRepository
    provider: IdentityProvider
    org_id: str | None
    accounts: dict[str, ProviderUser]
    correlation_id: str | None
    clock: Callable[[], datetime]

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
                user = self.repo.find_user(user_id)
                if user is None:
                    raise NotFound(f"user {user_id} not found")
                changed, disabled = domain.disable(user, actor=RECONCILER, now=self.clock())
                self.repo.save_user(changed, [self._pending(disabled)])
            case Repair.ADOPT_INTO_DIRECTORY:
                account = self.accounts[user_id]
                adopted, invited = domain.adopt(
                    user_id=account.id,
                    tenant_id=self.repo.tenant_id,
                    username=account.username,
                    display_name=account.display_name,
                    email=account.email,
                    roles=account.roles,
                    enabled=account.enabled,
                    actor=RECONCILER,
                    now=self.clock(),
                )
                self.repo.add_user(adopted, [self._pending(invited)])
            case Repair.SET_PROVIDER_ROLES:
                self.provider.set_realm_roles(user_id, frozenset(finding.roles))
            case Repair.SET_PROVIDER_ENABLED:
                self.provider.update_user(user_id, enabled=bool(finding.enabled))
            case Repair.ADD_TO_ORGANIZATION:
                if self.org_id is None:
                    raise StateConflict("the tenant has no organization")
                self.provider.add_to_organization(self.org_id, user_id)

    def _pending(self, event: domain.UserEvent) -> PendingEvent:
        return pending(event, tenant_id=self.repo.tenant_id, correlation_id=self.correlation_id)


def reconcile_one(
    *, tenant_id: str, provider: IdentityProvider, repair: bool, correlation_id: str | None = None
) -> TenantReconciliation:
    """`reconcile_tenant` for one tenant by id; `NotFound` when neither identity's tenant
    records nor Keycloak know it (tenants seeded into the realm have no record)."""
    known = TenantRecordRepository(tenant_id).find_tenant() is not None
    if not known and provider.find_organization(tenant_id) is None:
        raise NotFound(f"tenant {tenant_id} not found")
    return reconcile_tenant(
        repo=UserRepository(tenant_id),
        provider=provider,
        repair=repair,
        correlation_id=correlation_id,
    )


def onboarded_tenants() -> Iterator[str]:
    """Every onboarded tenant id, in code order."""
    catalog = TenantCatalog()
    offset = 0
    while True:
        page = catalog.list_tenants(offset=offset, limit=MAX_PAGE_SIZE)
        yield from (tenant.tenant_id for tenant in page.items)
        offset += len(page.items)
        if not page.items or offset >= page.total:
            return


# -- command line -----------------------------------------------------------------------------


def render_table(results: Sequence[TenantReconciliation], out: TextIO) -> None:
    """The findings as an aligned text table, one line per finding."""
    header = ("tenant", "kind", "username", "user_id", "action", "detail")
    lines = [
        (
            result.tenant_id,
            outcome.finding.kind.value,
            outcome.finding.username or "-",
            outcome.finding.user_id or "-",
            outcome.action,
            outcome.finding.detail,
        )
        for result in results
        for outcome in result.outcomes
    ]
    widths = [max(len(row[i]) for row in [header, *lines]) for i in range(len(header) - 1)]
    for row in [header, *lines]:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        out.write("  ".join([*cells, row[-1]]).rstrip() + "\n")
    for result in results:
        if result.note is not None:
            out.write(f"{result.tenant_id}: {result.note}\n")
    drifted = sum(1 for result in results if result.outcomes)
    out.write(f"{len(results)} tenant(s) checked, {drifted} with drift\n")


def run(
    argv: Sequence[str] | None,
    *,
    provider: IdentityProvider,
    tenants: Callable[[], Iterator[str]] = onboarded_tenants,
    out: TextIO = sys.stdout,
) -> int:
    """The command line over a connected directory and ``provider``; the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m services.identity.reconcile",
        description="Compare the user directory with Keycloak, per tenant.",
    )
    parser.add_argument("--tenant", action="extend", nargs="+", dest="tenants", metavar="ID")
    parser.add_argument("--repair", action="store_true", help="repair the drift found")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    tenant_ids = args.tenants or list(tenants())
    results = [
        reconcile_tenant(repo=UserRepository(tenant_id), provider=provider, repair=args.repair)
        for tenant_id in tenant_ids
    ]
    if args.json:
        json.dump([r.as_dict() for r in results], out, ensure_ascii=False, indent=2)
        out.write("\n")
    else:
        render_table(results, out)
    return 0 if all(result.clean for result in results) else 1


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: settings from the environment, the real directory and Keycloak."""
    # Imported here so that importing this module (the view does) builds no Keycloak client.
    from services.identity.keycloak import KeycloakIdentityProvider  # noqa: PLC0415
    from services.identity.settings import load  # noqa: PLC0415
    from shared import runtime  # noqa: PLC0415

    settings = load()
    runtime.connect_database(settings)
    return run(argv, provider=KeycloakIdentityProvider.from_settings(settings))


if __name__ == "__main__":
    sys.exit(main())
