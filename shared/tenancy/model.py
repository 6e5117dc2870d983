"""The district a tenant belongs to, as identity last said, free of storage.

Identity announces which district a tenant joins (`tenant.onboarded`) and when it leaves or
comes back (`tenant.offboarded`, `tenant.reactivated`): a service keeps that as a
`DistrictMembership` per tenant, applying each message once (`AppliedMark`: a redelivery or an
older message changes nothing).

Imports no framework (checked by tests/ops/test_dependency_rule.py and import-linter).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from shared.clock import require_aware
from shared.registry.model import AppliedMark, admits


class MembershipStatus(StrEnum):
    ACTIVE = "active"
    OFFBOARDED = "offboarded"


STATUS_VALUES = tuple(status.value for status in MembershipStatus)


@dataclass(frozen=True)
class DistrictMembership:
    """The district a tenant belongs to, as identity last said. ``name`` is the tenant's
    display name when a message carried one (`tenant.onboarded`); ``revision`` 0: not stored."""

    tenant_id: str
    district_id: str
    code: str
    status: MembershipStatus
    mark: AppliedMark
    revision: int = 0
    name: str | None = None

    @property
    def active(self) -> bool:
        return self.status is MembershipStatus.ACTIVE


def apply_membership(
    current: DistrictMembership | None,
    *,
    tenant_id: str,
    district_id: str,
    code: str,
    status: MembershipStatus,
    occurred_at: datetime,
    event_id: str,
    name: str | None = None,
) -> DistrictMembership | None:
    """The membership after one identity message, or None when the message changes nothing
    (already applied, or older than what the membership reflects). A message without a name
    keeps the one known."""
    require_aware(occurred_at, "occurred_at")
    mark = None if current is None else current.mark
    if not admits(mark, occurred_at, event_id):
        return None
    following = (
        AppliedMark.of(occurred_at, event_id) if mark is None else mark.after(occurred_at, event_id)
    )
    if current is None:
        return DistrictMembership(
            tenant_id=tenant_id,
            district_id=district_id,
            code=code,
            status=status,
            mark=following,
            name=name,
        )
    return replace(
        current,
        district_id=district_id,
        code=code,
        status=status,
        mark=following,
        name=current.name if name is None else name,
    )


__all__ = ["STATUS_VALUES", "DistrictMembership", "MembershipStatus", "apply_membership"]
