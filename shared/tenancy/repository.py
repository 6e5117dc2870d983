"""The tenants read model's store: a tenant's own membership (tenant-bound, like every
repository) and `DistrictDirectory`, the read that crosses tenants: a district's members, by
equality on the district (marked with `cross_tenant_comment` so the tenant guard and a grep
see it). Members only: nothing of a tenant's own records is read here."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from pymongo.errors import DuplicateKeyError

from shared.mongo import TenantRepository
from shared.mongo.guard import cross_tenant_comment
from shared.registry.model import AppliedMark
from shared.tenancy.documents import DistrictMemberDocument
from shared.tenancy.model import DistrictMembership, MembershipStatus, apply_membership

DISTRICT_MEMBERS_READ = cross_tenant_comment("district-members")
ADOPT_READ = cross_tenant_comment("district-members-adoption")


class DistrictMemberRepository(TenantRepository[DistrictMemberDocument]):
    """The tenant's membership (one document, keyed by the tenant id)."""

    document = DistrictMemberDocument

    def find(self) -> DistrictMembership | None:
        doc = self.get(self.tenant_id)
        return None if doc is None else _membership(doc)

    def store(self, membership: DistrictMembership) -> DistrictMembership:
        """Insert (revision 0) or write back a membership read at its revision;
        `ConcurrentUpdate` when another writer changed it since."""
        doc = DistrictMemberDocument(
            member_id=self.tenant_id,
            tenant_id=self.tenant_id,
            district_id=membership.district_id,
            code=membership.code,
            name=membership.name,
            status=membership.status.value,
            applied_at=membership.mark.occurred_at,
            applied_event_ids=list(membership.mark.event_ids),
        )
        if membership.revision == 0:
            self.add(doc)
            return replace(membership, revision=1)
        doc.revision = membership.revision
        self.save(doc)
        return replace(membership, revision=membership.revision + 1)

    def apply(
        self,
        *,
        district_id: str,
        code: str,
        status: MembershipStatus,
        occurred_at: datetime,
        event_id: str,
        name: str | None = None,
    ) -> DistrictMembership | None:
        """Apply one identity message to the tenant's membership and store it; None when it
        changed nothing (a redelivery, an older message)."""
        changed = apply_membership(
            self.find(),
            tenant_id=self.tenant_id,
            district_id=district_id,
            code=code,
            status=status,
            occurred_at=occurred_at,
            event_id=event_id,
            name=name,
        )
        return None if changed is None else self.store(changed)


def _membership(doc: DistrictMemberDocument) -> DistrictMembership:
    return DistrictMembership(
        tenant_id=doc.tenant_id,
        district_id=doc.district_id,
        code=doc.code,
        name=doc.name,
        status=MembershipStatus(doc.status),
        mark=AppliedMark(doc.applied_at, tuple(doc.applied_event_ids)),
        revision=doc.revision,
    )


class DistrictDirectory:
    """Reads across the tenants of one district (never writes): who its members are."""

    def members(self, district_id: str) -> list[DistrictMembership]:
        """The district's tenants as identity announced them (offboarded ones included), by
        tenant id."""
        collection = DistrictMemberDocument._get_collection()
        found = collection.find({"district_id": district_id}, comment=DISTRICT_MEMBERS_READ)
        return sorted(
            (_membership(DistrictMemberDocument._from_son(son)) for son in found),
            key=lambda membership: membership.tenant_id,
        )

    def member(self, district_id: str, tenant_id: str) -> DistrictMembership | None:
        """The tenant's membership when it is (or was) of the district; None otherwise (a
        tenant of another district is not told apart from an unknown one)."""
        found = DistrictMemberRepository(tenant_id).find()
        return found if found is not None and found.district_id == district_id else None


def adopt_collection(name: str) -> int:
    """Copy the memberships a service kept under its own collection ``name`` before the
    shared `district_members` into it (survey kept `survey_district_members`): its consumer
    is past identity's messages and would not learn those tenants again. Only missing
    documents are inserted (one the consumer wrote since wins); idempotent, so a worker runs
    it at every start. Returns how many were copied."""
    database = DistrictMemberDocument._get_db()
    if name not in database.list_collection_names():
        return 0
    target = DistrictMemberDocument._get_collection()
    copied = 0
    for doc in database[name].find({}, comment=ADOPT_READ):
        try:
            target.insert_one(doc)  # the unique _id decides: a newer membership is kept
        except DuplicateKeyError:
            continue
        copied += 1
    return copied
