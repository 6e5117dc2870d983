"""The ledger against the real FerretDB: one entry per event, whatever the redeliveries."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.scoring import use_cases
from services.scoring.repository import LedgerRepository

pytestmark = pytest.mark.integration

WHEN = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
PAYLOAD = {
    "division_id": "d-1",
    "code": "A-V01",
    "name": "东风村",
    "kind": "village",
    "created_by": "u-1",
}


def test_the_same_event_twice_gives_the_same_ledger(fresh_db):
    repo = LedgerRepository("tenant-a")

    first = use_cases.record_division_created(
        repo=repo, event_id="e-1", occurred_at=WHEN, payload=PAYLOAD
    )
    again = use_cases.record_division_created(
        repo=repo, event_id="e-1", occurred_at=WHEN, payload=PAYLOAD
    )

    assert (first, again) == (True, False)
    page = use_cases.list_facts(repo=repo, offset=0, limit=10)
    assert page.total == 1
    assert page.items[0].subject_id == "d-1"
    assert str(page.items[0].value) == "1"
    assert page.items[0].occurred_at == WHEN


def test_facts_are_filtered_by_subject_and_walled_by_tenant(fresh_db):
    use_cases.record_division_created(
        repo=LedgerRepository("tenant-a"), event_id="e-1", occurred_at=WHEN, payload=PAYLOAD
    )
    use_cases.record_division_created(
        repo=LedgerRepository("tenant-a"),
        event_id="e-2",
        occurred_at=WHEN,
        payload=PAYLOAD | {"division_id": "d-2"},
    )

    assert (
        use_cases.list_facts(
            repo=LedgerRepository("tenant-a"), offset=0, limit=10, subject_id="d-2"
        ).total
        == 1
    )
    assert use_cases.list_facts(repo=LedgerRepository("tenant-b"), offset=0, limit=10).total == 0
