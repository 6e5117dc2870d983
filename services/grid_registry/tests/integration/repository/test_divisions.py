"""DivisionRepository against the real FerretDB: tenancy, uniqueness, outbox in the same write."""

from __future__ import annotations

import pytest

from services.grid_registry.documents.divisions import DivisionDocument
from services.grid_registry.repository.divisions import DivisionRepository
from services.grid_registry.use_cases import divisions as use_cases
from shared.events.envelope import Envelope
from shared.mongo import Conflict, NotFound

pytestmark = pytest.mark.integration


def create(
    repo: DivisionRepository, code: str = "A-V01", name: str = "东风村", kind: str = "village"
):
    return use_cases.create_division(
        repo=repo, actor="u-1", code=code, name=name, kind=kind, correlation_id="req-1"
    )


def test_the_division_and_its_event_are_one_write(fresh_db):
    repo = DivisionRepository("tenant-a")

    division = create(repo)

    stored = DivisionDocument.objects(tenant_id="tenant-a", pk=division.division_id).get()
    assert [entry.topic for entry in stored.outbox] == ["gridgov.registry.divisions"]
    envelope = Envelope.parse(stored.outbox[0].envelope)
    assert envelope.type == "division.created"
    assert envelope.tenant_id == "tenant-a"
    assert envelope.correlation_id == "req-1"
    assert envelope.payload["division_id"] == division.division_id
    assert stored.outbox[0].key == f"tenant-a:{division.division_id}"


def test_codes_are_unique_per_tenant_only(fresh_db):
    create(DivisionRepository("tenant-a"))
    with pytest.raises(Conflict):
        create(DivisionRepository("tenant-a"), name="另一个")
    create(DivisionRepository("tenant-b"))
    assert DivisionDocument.objects(tenant_id="tenant-a").count() == 1


def test_another_tenants_division_is_not_found_and_not_listed(fresh_db):
    division = create(DivisionRepository("tenant-a"))
    other = DivisionRepository("tenant-b")

    with pytest.raises(NotFound):
        use_cases.get_division(repo=other, division_id=division.division_id)
    assert use_cases.list_divisions(repo=other, offset=0, limit=50).total == 0


def test_listing_pages_by_code(fresh_db):
    repo = DivisionRepository("tenant-a")
    for code in ["C", "A", "B"]:
        create(repo, code=code)

    first = use_cases.list_divisions(repo=repo, offset=0, limit=2)
    second = use_cases.list_divisions(repo=repo, offset=2, limit=2)

    assert [d.code for d in first.items] == ["A", "B"]
    assert [d.code for d in second.items] == ["C"]
    assert first.total == 3
