"""The audit trail on the real FerretDB: insert-only and deduplicated, read one tenant at a
time, newest first across day buckets, with PostgreSQL counting (as in a service) and without.
"""

from __future__ import annotations

import dataclasses
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.audit import AuditLog, AuditRecord, AuditRecordDocument, append
from shared.errors import InvalidInput
from shared.mongo.indexes import ensure_gin_indexes
from shared.mongo.pg_reads import configure_equality_reads, equality_reads
from shared.tests.integration.audit.support import make_record

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("mongo_db")]

POSTGRES_URL = os.environ.get(
    "GRIDGOV_MONGO_POSTGRES_URL", "postgresql://gridgov@127.0.0.1:5433/ferretdb"
)
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def database() -> Any:
    return AuditRecordDocument._get_collection().database


def new_tenant() -> str:
    return f"t-audit-{uuid.uuid4().hex[:8]}"


@pytest.fixture(params=["postgres counts", "store counts"])
def reads(request: pytest.FixtureRequest, mongo_db: str) -> Iterator[str]:
    """Each read test runs as a service on FerretDB reads (PostgreSQL counts and orders each
    day's equality) and with the store alone (as on MongoDB); the answers must agree."""
    previous = equality_reads()
    if request.param == "postgres counts":
        ensure_gin_indexes(POSTGRES_URL, database(), [AuditRecordDocument])
        configure_equality_reads(POSTGRES_URL)
    else:
        configure_equality_reads(None)
    yield request.param
    configure_equality_reads(None if previous is None else POSTGRES_URL)


def ids(records: list[AuditRecord]) -> list[str]:
    return [r.event_id for r in records]


def test_append_inserts_each_event_once_and_never_changes_a_stored_record() -> None:
    tenant = new_tenant()
    first, second = make_record(tenant, NOW), make_record(tenant, NOW - timedelta(minutes=1))
    assert append(database(), [first, second]) == 2

    forged = dataclasses.replace(first, actor="someone-else", type="forged.type")
    third = make_record(tenant, NOW - timedelta(minutes=2))
    assert append(database(), [forged, second, third]) == 1  # only the new one

    log = AuditLog(tenant)
    assert log.get(first.event_id) == first
    assert ids(log.find(now=NOW).items) == ids([first, second, third])


def test_another_tenants_records_are_invisible(reads: str) -> None:
    mine, theirs = new_tenant(), new_tenant()
    own = make_record(mine, NOW)
    other = make_record(theirs, NOW, aggregate_id=own.aggregate_id, actor=own.actor)
    append(database(), [own, other])

    assert ids(AuditLog(mine).find(now=NOW).items) == [own.event_id]
    assert AuditLog(mine).find(now=NOW, aggregate_id=own.aggregate_id).total == 1
    assert AuditLog(mine).get(other.event_id) is None


def test_newest_first_across_days_paged_with_the_total(reads: str) -> None:
    tenant = new_tenant()
    # Three days, two records each, plus one outside the default window.
    made = [
        make_record(tenant, NOW - timedelta(days=day, hours=hour))
        for day in range(3)
        for hour in (1, 2)
    ]
    append(database(), [*made, make_record(tenant, NOW - timedelta(days=40))])
    log = AuditLog(tenant)

    pages = [log.find(now=NOW, offset=offset, limit=4) for offset in (0, 4)]

    assert [page.total for page in pages] == [6, 6]
    assert ids(pages[0].items) + ids(pages[1].items) == ids(made)
    assert ids(log.find(now=NOW, offset=3, limit=2).items) == ids(made[3:5])  # across a day
    assert log.find(now=NOW, offset=6, limit=4).items == []
    assert log.find(now=NOW, since=NOW - timedelta(days=41)).total == 7


def test_filters_and_a_window_that_cuts_days(reads: str) -> None:
    tenant = new_tenant()
    early = make_record(tenant, NOW - timedelta(days=1, hours=3), actor="admin-2")
    middle = make_record(tenant, NOW - timedelta(days=1), type="division.updated")
    late = make_record(tenant, NOW - timedelta(hours=1), aggregate_id=early.aggregate_id)
    append(database(), [early, middle, late])
    log = AuditLog(tenant)

    window = log.find(
        now=NOW, since=early.occurred_at + timedelta(seconds=1), until=late.occurred_at
    )
    assert (window.total, ids(window.items)) == (1, [middle.event_id])
    inclusive = log.find(now=NOW, since=early.occurred_at, until=late.occurred_at)
    assert ids(inclusive.items) == [middle.event_id, early.event_id]
    assert ids(log.find(now=NOW, type="division.updated").items) == [middle.event_id]
    assert ids(log.find(now=NOW, actor="admin-2").items) == [early.event_id]
    assert ids(log.find(now=NOW, aggregate_id=early.aggregate_id).items) == [
        late.event_id,
        early.event_id,
    ]


def test_a_window_too_long_is_refused_naming_since() -> None:
    with pytest.raises(InvalidInput) as refused:
        AuditLog(new_tenant()).find(now=NOW, since=NOW - timedelta(days=400))
    assert refused.value.field == "since"
