"""The tenants read model's store on the real FerretDB: a service that kept the memberships in
a collection of its own before `shared.tenancy` adopts them at its worker's start."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import pytest

from shared.tenancy.documents import DistrictMemberDocument
from shared.tenancy.model import MembershipStatus
from shared.tenancy.repository import DistrictMemberRepository, adopt_collection
from shared.tests.integration.stack import mongo_db

pytestmark = pytest.mark.integration

__all__ = ["mongo_db"]

AT = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def test_memberships_of_a_former_collection_are_adopted_once_and_never_over_newer_ones(
    mongo_db: str,
) -> None:
    run = secrets.token_hex(4)
    old, moved, newer = (f"t-{run}-{name}" for name in ("old", "moved", "newer"))
    legacy = f"legacy_members_{run}"
    database = DistrictMemberDocument._get_db()
    # What the service kept before: two tenants, one of which its consumer has since seen
    # again (moved to another district) under the shared collection.
    database[legacy].insert_many(
        [
            {
                "_id": tenant,
                "tenant_id": tenant,
                "member_id": tenant,
                "district_id": "district-old",
                "code": tenant,
                "status": "active",
                "applied_at": AT,
                "applied_event_ids": ["e-old"],
                "revision": 1,
                "outbox": [],
            }
            for tenant in (old, moved)
        ]
    )
    DistrictMemberRepository(moved).apply(
        district_id="district-new",
        code=moved,
        status=MembershipStatus.ACTIVE,
        occurred_at=AT,
        event_id="e-new",
    )

    assert adopt_collection(legacy) == 1
    assert adopt_collection(legacy) == 0  # at every start: nothing twice
    assert adopt_collection(f"absent_{run}") == 0
    kept = DistrictMemberRepository(old).find()
    assert kept is not None
    assert kept.district_id == "district-old"
    latest = DistrictMemberRepository(moved).find()
    assert latest is not None
    assert latest.district_id == "district-new"
    assert DistrictMemberRepository(newer).find() is None
