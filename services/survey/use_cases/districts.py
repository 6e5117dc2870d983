"""District use cases: identity's tenants into the district read model, each tenant's
published tenant rate into it, the district average recomputed and given to every active
member (`district_average.published`), and the average read by the district overseer or by a
member tenant.

Handlers call the first three with the context of the message's tenant; the average is written
into each member's own documents through a context of that member (same actor and correlation
id), so every write stays tenant-bound. The one cross-tenant read is the district directory.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cached_property
from typing import Any

from services.survey.domain import districts as domain
from services.survey.domain import rates
from services.survey.domain.campaigns import parse_campaign_period
from services.survey.domain.districts import (
    AverageKey,
    DistrictMembership,
    KeptRate,
    MembershipStatus,
    StaleInputs,
)
from services.survey.domain.rates import DistrictAverage, Scope, Source, SourceTally, TenantRate
from services.survey.repository.districts import DistrictDirectory
from services.survey.use_cases.context import SurveyContext
from shared.auth.principal import Role
from shared.errors import Conflict, InvalidInput, NotFound

# Two members publishing at once may each read before the other's row is kept: the slower
# one sees its inputs are stale and reads again (a few rounds at most).
RECOMPUTE_ROUNDS = 5


# -- identity's tenants -------------------------------------------------------------------------


def tenant_changed(
    ctx: SurveyContext,
    *,
    district_id: str,
    code: str,
    status: MembershipStatus,
    occurred_at: datetime,
    event_id: str,
) -> bool:
    """Apply one `tenant.*` message to the tenant's membership; False when it changed
    nothing. Joining a district (or one message arriving after the tenant's rates) attaches
    the tenant's kept rows to it and recomputes those averages."""
    current = ctx.districts.members.find()
    changed = domain.apply_membership(
        current,
        tenant_id=ctx.tenant_id,
        district_id=district_id,
        code=code,
        status=status,
        occurred_at=occurred_at,
        event_id=event_id,
    )
    if changed is None:
        return False
    stored = ctx.districts.members.store(changed)
    if stored.active:
        for kept in ctx.districts.kept.all():
            if kept.district_id != stored.district_id:
                ctx.districts.kept.store(replace(kept, district_id=stored.district_id))
            recompute(ctx, _key(stored.district_id, kept))
    return True


def _key(district_id: str, kept: KeptRate) -> AverageKey:
    return AverageKey(district_id, kept.period_kind, kept.period, kept.definition_code)


# -- the tenant's own publications --------------------------------------------------------------


def _tenant_rate(tenant_id: str, edition: int, row: Mapping[str, Any] | None) -> TenantRate:
    if row is None:  # no answer at all in the period: a member without a rate
        return TenantRate(tenant_id, None, 0, suppressed=False, sources=(), edition=edition)
    return TenantRate(
        tenant_id=tenant_id,
        rate=row["rate"],
        n=row["n"],
        suppressed=row["suppressed"],
        sources=tuple(
            SourceTally(Source(figure["source"]), figure["n"], figure["satisfied"])
            for figure in row["sources"]
        ),
        edition=edition,
    )


def rates_published(ctx: SurveyContext, payload: Mapping[str, Any]) -> bool:
    """Keep the tenant-scope row of a `rates.published` (other scopes are not the district's
    business) and recompute the district average; False when it changed nothing (another
    scope, a redelivery, an older edition)."""
    if payload["scope"] != Scope.TENANT.value:
        return False
    rows = payload["rows"]
    membership = ctx.districts.members.find()
    offered = KeptRate(
        period_kind=payload["period_kind"],
        period=payload["period"],
        definition_code=payload["definition_code"],
        district_id=None if membership is None else membership.district_id,
        rate=_tenant_rate(ctx.tenant_id, payload["edition"], rows[0] if rows else None),
    )
    current = ctx.districts.kept.find(offered.period_kind, offered.period, offered.definition_code)
    kept = domain.keep_rate(current, offered)
    if kept is None:
        return False
    stored = ctx.districts.kept.store(kept)
    if stored.district_id is not None:
        recompute(ctx, _key(stored.district_id, stored))
    return True


def recompute(ctx: SurveyContext, key: AverageKey) -> None:
    """Compute the district's average from every member's kept row and give each active
    member its copy (a new edition and a message when the figures changed)."""
    definition = rates.parse_code(key.definition_code)
    directory = ctx.districts.directory
    now = ctx.now()  # one instant for every member's copy
    for round_ in range(RECOMPUTE_ROUNDS):
        kept = directory.kept_rates(
            key.district_id, key.period_kind, key.period, key.definition_code
        )
        average = rates.district_average(definition, [k.rate for k in kept])
        inputs = {k.rate.tenant_id: k.rate.edition for k in kept}
        try:
            for member in directory.members(key.district_id):
                if member.active:
                    _renew(replace(ctx, tenant_id=member.tenant_id), key, average, inputs, now)
        except (StaleInputs, Conflict):
            # Another computation wrote a copy from a read this one missed (or took the
            # copy's revision first): read the rows again.
            if round_ == RECOMPUTE_ROUNDS - 1:
                raise
            continue
        return


def _renew(
    ctx: SurveyContext,
    key: AverageKey,
    average: DistrictAverage,
    inputs: Mapping[str, int],
    now: datetime,
) -> None:
    current = ctx.districts.copies.find(key)
    renewed = domain.renew_copy(
        current, tenant_id=ctx.tenant_id, key=key, average=average, inputs=inputs, now=now
    )
    if renewed is None:
        return
    copy, event = renewed
    ctx.districts.copies.store(copy, [] if event is None else [event])


# -- reading the average ------------------------------------------------------------------------


@dataclass(frozen=True)
class DefinitionAverage:
    definition_code: str
    average: DistrictAverage


@dataclass(frozen=True)
class DistrictAverages:
    """A district's averages for a period, one per definition its tenants published."""

    district_id: str
    period_kind: str
    period: str
    averages: tuple[DefinitionAverage, ...]
    members: tuple[DistrictMembership, ...]


@dataclass(frozen=True)
class DistrictReader:
    """A caller bound to no tenant: a district overseer (his district from the token) or a
    platform admin (any district he names)."""

    actor: str
    roles: frozenset[str]
    district_id: str | None

    @cached_property
    def directory(self) -> DistrictDirectory:
        return DistrictDirectory()


def _averages(
    directory: DistrictDirectory,
    district_id: str,
    period_kind: str,
    period: str,
    definition: str | None,
) -> tuple[str, str, tuple[DefinitionAverage, ...]]:
    parsed = parse_campaign_period(period_kind, period)
    code = None if definition is None else rates.parse_code(definition).code
    kept = directory.kept_rates(district_id, parsed.kind, parsed.label, code)
    by_code: dict[str, list[TenantRate]] = {}
    for row in kept:
        by_code.setdefault(row.definition_code, []).append(row.rate)
    if code is not None:
        by_code.setdefault(code, [])
    found = tuple(
        DefinitionAverage(found_code, rates.district_average(rates.parse_code(found_code), rows))
        for found_code, rows in sorted(by_code.items())
    )
    return parsed.kind, parsed.label, found


def overseer_averages(
    reader: DistrictReader,
    *,
    period_kind: str,
    period: str,
    definition: str | None = None,
    district_id: str | None = None,
) -> DistrictAverages:
    """The district's averages with each member tenant's published tenant rate (tenant-level
    figures only). An overseer reads his own district (another one is a 404); a platform admin
    names one."""
    if Role.PLATFORM_ADMIN.value in reader.roles:
        if district_id is None:
            raise InvalidInput.of("district_id", "is required for a platform admin")
        wanted = district_id
    else:
        if reader.district_id is None:
            raise NotFound("the token names no district")
        if district_id not in (None, reader.district_id):
            raise NotFound(f"district {district_id} not found")
        wanted = reader.district_id
    kind, label, found = _averages(reader.directory, wanted, period_kind, period, definition)
    return DistrictAverages(
        district_id=wanted,
        period_kind=kind,
        period=label,
        averages=found,
        members=tuple(reader.directory.members(wanted)),
    )


def tenant_averages(
    ctx: SurveyContext,
    *,
    period_kind: str,
    period: str,
    definition: str | None = None,
    district_id: str | None = None,
) -> DistrictAverages:
    """The averages of the caller's tenant's district: the district-level figures and the
    tenant's own rate, never another member's. Another district is a 404."""
    membership = ctx.districts.members.find()
    if membership is None:
        raise NotFound("this tenant's district is not known here yet")
    if district_id not in (None, membership.district_id):
        raise NotFound(f"district {district_id} not found")
    kind, label, found = _averages(
        ctx.districts.directory, membership.district_id, period_kind, period, definition
    )
    own = tuple(
        DefinitionAverage(
            item.definition_code,
            replace(
                item.average,
                tenants=tuple(t for t in item.average.tenants if t.tenant_id == ctx.tenant_id),
            ),
        )
        for item in found
    )
    return DistrictAverages(
        district_id=membership.district_id,
        period_kind=kind,
        period=label,
        averages=own,
        members=(),
    )
