"""identity's tenants -> a service's district read model (`DistrictMemberRepository`).

A service that keeps only the membership routes `ROUTES`; one that does more on the same
messages (survey recomputes its district averages) calls `apply` from its own handler and
uses `STATUS_BY_TYPE`. Every handler is idempotent: a redelivered or older message changes
nothing. Service-account events on the same topic are skipped, never dead-lettered.
"""

from __future__ import annotations

from collections.abc import Mapping

from shared.events.contracts.identity import (
    TENANT_OFFBOARDED,
    TENANT_ONBOARDED,
    TENANT_REACTIVATED,
)
from shared.events.envelope import Envelope
from shared.events.topics import Topic
from shared.kafka.consumer import Route
from shared.tenancy.model import DistrictMembership, MembershipStatus
from shared.tenancy.repository import DistrictMemberRepository

# `tenant.onboarded` (v1 or v2) and `tenant.reactivated`: an active member of its district;
# `tenant.offboarded`: a former member (what it published still counts for its periods).
STATUS_BY_TYPE: Mapping[str, MembershipStatus] = {
    TENANT_ONBOARDED: MembershipStatus.ACTIVE,
    TENANT_REACTIVATED: MembershipStatus.ACTIVE,
    TENANT_OFFBOARDED: MembershipStatus.OFFBOARDED,
}


def apply(
    envelope: Envelope, repository: DistrictMemberRepository | None = None
) -> DistrictMembership | None:
    """Apply one `tenant.*` message to its tenant's membership; None when it changed nothing
    or is not about a tenant's district."""
    status = STATUS_BY_TYPE.get(envelope.type)
    if status is None:
        return None
    payload = envelope.payload
    members = repository or DistrictMemberRepository(envelope.tenant_id)
    return members.apply(
        district_id=payload["district_id"],
        code=payload["code"],
        name=payload.get("name"),
        status=status,
        occurred_at=envelope.occurred_at,
        event_id=envelope.event_id,
    )


def tenant_changed(envelope: Envelope) -> None:
    """Any message of identity's tenants topic: the tenant's district as it now stands."""
    apply(envelope)


ROUTES = (Route(Topic.IDENTITY_TENANTS, tenant_changed),)
