"""The district (区) around a tenant, and the district average each member scores against.

Identity announces which district a tenant joins (`tenant.onboarded`) and when it leaves or
comes back (`tenant.offboarded`, `tenant.reactivated`): survey keeps that as the platform's
`DistrictMembership` per tenant (`shared.tenancy`), applying each message once.

When a tenant publishes its rates, its tenant-scope row is kept beside its membership
(`rates.TenantRate`); the district's average for that period and definition is then computed
again from every member's kept row (`rates.district_average`) and given to each active member
(`DistrictAverageCopy`): a change of figures is its next edition and one
`district_average.published` in that member's stream, which its scheme scores against.

Rows of tenants that were offboarded later still count for the periods they published:
their records are kept, and an average a scheme has scored against does not change behind it.

Two members publishing at once compute the average concurrently, each from what it read. A
copy remembers which edition of each member's row it was computed from (`inputs`): a copy
computed from older inputs never replaces one from newer inputs (`newer_than`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, ClassVar

from services.survey.domain.rates import DistrictAverage, TenantRate
from shared.clock import require_aware

# The membership itself is the platform's read model of identity's tenants (shared.tenancy),
# kept by scoring too; named here for survey's district code.
from shared.tenancy.model import (
    STATUS_VALUES,
    DistrictMembership,
    MembershipStatus,
    apply_membership,
)

__all__ = [
    "STATUS_VALUES",
    "AverageKey",
    "DistrictAverageCopy",
    "DistrictAveragePublished",
    "DistrictMembership",
    "KeptRate",
    "MembershipStatus",
    "StaleInputs",
    "apply_membership",
    "keep_rate",
    "newer_than",
    "renew_copy",
]


@dataclass(frozen=True)
class KeptRate:
    """A tenant's published tenant-scope row for one period and definition, with the district
    it belonged to when the row was kept (None: not known yet). ``revision`` 0: not stored."""

    period_kind: str
    period: str
    definition_code: str
    district_id: str | None
    rate: TenantRate
    revision: int = 0


def keep_rate(current: KeptRate | None, offered: KeptRate) -> KeptRate | None:
    """The row to keep after a `rates.published` of the tenant scope: the offered one when it
    is a later edition (a redelivery, or an older edition replayed, changes nothing)."""
    if current is not None and current.rate.edition >= offered.rate.edition:
        return None
    return replace(offered, revision=0 if current is None else current.revision)


# Which edition of each member's tenant row an average was computed from.
Inputs = Mapping[str, int]


def newer_than(mine: Inputs, stored: Inputs) -> bool | None:
    """True when ``mine`` saw everything ``stored`` saw and more; False when ``stored`` saw
    everything ``mine`` did (equal included); None when each saw something the other did not
    (compute again from a fresh read)."""
    mine_covers = all(mine.get(tenant, 0) >= edition for tenant, edition in stored.items())
    stored_covers = all(stored.get(tenant, 0) >= edition for tenant, edition in mine.items())
    if stored_covers:
        return False
    if mine_covers:
        return True
    return None


@dataclass(frozen=True)
class AverageKey:
    """Which average: the district, the period and the definition."""

    district_id: str
    period_kind: str
    period: str
    definition_code: str


@dataclass(frozen=True)
class DistrictAverageCopy:
    """A member tenant's copy of its district's average (what its stream announced last).
    ``revision`` 0 means not stored yet."""

    tenant_id: str
    key: AverageKey
    average: DistrictAverage
    inputs: Inputs
    edition: int
    computed_at: datetime
    revision: int = 0

    def same_figures(self, other: DistrictAverage) -> bool:
        mine = self.average
        return (mine.average, mine.tenants_counted, mine.pooled_rate, mine.pooled_n) == (
            other.average,
            other.tenants_counted,
            other.pooled_rate,
            other.pooled_n,
        )


def renew_copy(
    current: DistrictAverageCopy | None,
    *,
    tenant_id: str,
    key: AverageKey,
    average: DistrictAverage,
    inputs: Inputs,
    now: datetime,
) -> tuple[DistrictAverageCopy, DistrictAveragePublished | None] | None:
    """The member's copy after an average computed from ``inputs``: None when the stored copy
    was computed from the same or newer inputs (nothing to do); `StaleInputs` when the two
    saw different things; otherwise the new copy, with its event when the figures changed
    (new inputs that change nothing are remembered without a message)."""
    require_aware(now)
    if current is not None:
        newer = newer_than(inputs, current.inputs)
        if newer is None:
            raise StaleInputs(key)
        if not newer:
            return None
        if current.same_figures(average):
            return replace(current, inputs=dict(inputs), average=average), None
    edition = 1 if current is None else current.edition + 1
    copy = DistrictAverageCopy(
        tenant_id=tenant_id,
        key=key,
        average=average,
        inputs=dict(inputs),
        edition=edition,
        computed_at=now,
        revision=0 if current is None else current.revision,
    )
    return copy, DistrictAveragePublished(copy=copy, occurred_at=now)


class StaleInputs(Exception):
    """The average was computed from a read that missed what another computation saw: read
    the members' rows again."""

    def __init__(self, key: AverageKey) -> None:
        super().__init__(f"district average {key} computed from stale inputs")
        self.key = key


@dataclass(frozen=True)
class DistrictAveragePublished:
    """A member's copy of the district average changed: its next edition."""

    copy: DistrictAverageCopy
    occurred_at: datetime

    type: ClassVar[str] = "district_average.published"
    version: ClassVar[int] = 1

    @property
    def aggregate_id(self) -> str:
        key = self.copy.key
        return f"district:{key.district_id}:{key.period_kind}:{key.period}:{key.definition_code}"

    def payload(self) -> dict[str, Any]:
        """District-level figures only: never another tenant's own rate."""
        key, average = self.copy.key, self.copy.average
        return {
            "district_id": key.district_id,
            "period_kind": key.period_kind,
            "period": key.period,
            "definition_code": key.definition_code,
            "average": average.average,
            "tenants_counted": average.tenants_counted,
            "pooled_rate": average.pooled_rate,
            "pooled_n": average.pooled_n,
            "edition": self.copy.edition,
            "computed_at": self.copy.computed_at,
        }
