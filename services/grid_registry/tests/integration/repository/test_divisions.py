"""DivisionRepository against the real FerretDB: tenancy, uniqueness, outbox in the same write."""

from __future__ import annotations

import pytest

from services.grid_registry.documents.divisions import DivisionDocument
from services.grid_registry.domain import divisions as domain
from services.grid_registry.repository.divisions import DivisionRepository
from services.grid_registry.use_cases import divisions as use_cases
from services.grid_registry.use_cases.context import RegistryContext
from shared.errors import Conflict, NotFound
from shared.events.envelope import Envelope

pytestmark = pytest.mark.integration


def context(tenant_id: str = "tenant-a") -> RegistryContext:
    return RegistryContext(tenant_id=tenant_id, actor="u-1", correlation_id="req-1")


def create(
    ctx: RegistryContext, code: str = "A-V01", name: str = "东风村", kind: str = "village"
) -> domain.Division:
    return use_cases.create_division(ctx, code=code, name=name, kind=kind)


def test_the_division_and_its_event_are_one_write(fresh_db):
    division = create(context())

    stored = DivisionDocument.objects(tenant_id="tenant-a", pk=division.division_id).get()
    assert [entry.topic for entry in stored.outbox] == ["gridgov.registry.divisions"]
    envelope = Envelope.parse(stored.outbox[0].envelope)
    assert envelope.type == "division.created"
    assert envelope.tenant_id == "tenant-a"
    assert envelope.producer == "grid_registry"
    assert envelope.correlation_id == "req-1"
    assert envelope.payload["division_id"] == division.division_id
    assert envelope.payload["created_by"] == "u-1"
    assert stored.outbox[0].key == f"tenant-a:{division.division_id}"


def test_a_repository_built_without_an_origin_records_no_events(fresh_db):
    division, event = domain.register_division(
        division_id="d-1",
        tenant_id="tenant-a",
        code="A-V01",
        name="东风村",
        kind="village",
        actor="u-1",
        now=context().now(),
    )

    with pytest.raises(ValueError, match="EventOrigin"):
        DivisionRepository("tenant-a").add_division(division, [event])
    assert DivisionDocument.objects(tenant_id="tenant-a").count() == 0


def test_codes_are_unique_per_tenant_only(fresh_db):
    create(context("tenant-a"))
    with pytest.raises(Conflict):
        create(context("tenant-a"), name="另一个")
    create(context("tenant-b"))
    assert DivisionDocument.objects(tenant_id="tenant-a").count() == 1


def test_another_tenants_division_is_not_found_and_not_listed(fresh_db):
    division = create(context("tenant-a"))
    other = context("tenant-b")

    with pytest.raises(NotFound):
        use_cases.get_division(other, division_id=division.division_id)
    assert use_cases.list_divisions(other, offset=0, limit=50).total == 0


def test_listing_pages_by_code(fresh_db):
    ctx = context()
    for code in ["C", "A", "B"]:
        create(ctx, code=code)

    first = use_cases.list_divisions(ctx, offset=0, limit=2)
    second = use_cases.list_divisions(ctx, offset=2, limit=2)

    assert [d.code for d in first.items] == ["A", "B"]
    assert [d.code for d in second.items] == ["C"]
    assert first.total == 3
