"""Split and merge survive a crash in the middle: a retry completes them, never duplicates;
the locator cache follows the grid-set version."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cached_property

import pytest

from services.grid_registry.documents.grids import GridDocument
from services.grid_registry.repository.grids import GridRepository
from services.grid_registry.use_cases import divisions as division_cases
from services.grid_registry.use_cases import grids as use_cases
from services.grid_registry.use_cases.context import RegistryContext
from shared.events.envelope import Envelope

pytestmark = pytest.mark.integration


class Crash(RuntimeError):
    pass


class CrashingRepository(GridRepository):
    """Dies on the first retirement, after the new grids were written."""

    def save_grid(self, grid, events):
        raise Crash


class CrashingContext(RegistryContext):
    @cached_property
    def grids(self) -> GridRepository:
        return CrashingRepository(self.tenant_id, self.origin)


def box(west, east):
    ring = [[west, 31.70], [east, 31.70], [east, 31.71], [west, 31.71], [west, 31.70]]
    return {"type": "Polygon", "coordinates": [ring]}


@pytest.fixture
def tenant(fresh_db):
    ctx = RegistryContext(tenant_id="tenant-a", actor="u-1")
    division = division_cases.create_division(ctx, code="HP", name="和平村", kind="village")
    return {"ctx": ctx, "division_id": division.division_id}


def create(tenant, code, west, east):
    return use_cases.create_grid(
        tenant["ctx"],
        division_id=tenant["division_id"],
        code=code,
        name=code,
        type="village",
        boundary=box(west, east),
    )


def outbox_types(grid_id):
    doc = GridDocument.objects(tenant_id="tenant-a", pk=grid_id).get()
    return [Envelope.parse(entry.envelope).type for entry in doc.outbox]


def test_a_split_interrupted_after_the_new_grids_completes_on_retry(tenant):
    grid = create(tenant, "G1", 120.10, 120.12)
    parts = [
        use_cases.SplitPart("G1-A", "A", box(120.10, 120.11)),
        use_cases.SplitPart("G1-B", "B", box(120.11, 120.12)),
    ]
    ctx = tenant["ctx"]

    with pytest.raises(Crash):
        use_cases.split_grid(
            CrashingContext(tenant_id="tenant-a", actor="u-1"), grid_id=grid.grid_id, parts=parts
        )
    assert GridDocument.objects(tenant_id="tenant-a").count() == 3
    # Retried a day later: the parts keep the first attempt's day.
    later = datetime.now(UTC) + timedelta(days=1)
    done = use_cases.split_grid(ctx.at(later), grid_id=grid.grid_id, parts=parts)
    again = use_cases.split_grid(ctx, grid_id=grid.grid_id, parts=parts)

    assert GridDocument.objects(tenant_id="tenant-a").count() == 3
    old = ctx.grids.find_grid(grid.grid_id)
    assert done[0].valid_from == done[1].valid_from == grid.valid_from
    assert old.valid_to == done[0].valid_from - timedelta(days=1)
    assert [g.grid_id for g in again] == [g.grid_id for g in done]
    assert old.replaced_by == tuple(g.grid_id for g in done)
    assert [outbox_types(g.grid_id) for g in done] == [["grid.created"], ["grid.created"]]
    assert outbox_types(grid.grid_id) == ["grid.created", "grid.split"]


def test_a_merge_interrupted_after_the_new_grid_completes_on_retry(tenant):
    a = create(tenant, "A", 120.10, 120.11)
    b = create(tenant, "B", 120.11, 120.12)
    args = {
        "grid_ids": [a.grid_id, b.grid_id],
        "code": "AB",
        "name": "AB",
        "operation_id": "merge-2026-001",
    }

    with pytest.raises(Crash):
        use_cases.merge_grids(CrashingContext(tenant_id="tenant-a", actor="u-1"), **args)
    merged = use_cases.merge_grids(tenant["ctx"], **args)

    assert GridDocument.objects(tenant_id="tenant-a").count() == 3
    assert outbox_types(merged.grid_id) == ["grid.created"]
    assert outbox_types(a.grid_id) == ["grid.created", "grid.merged"]
    assert outbox_types(b.grid_id) == ["grid.created", "grid.merged"]
    assert use_cases.merge_grids(tenant["ctx"], **args).grid_id == merged.grid_id


def test_the_locator_is_cached_until_the_grid_set_changes(tenant):
    cache = use_cases.LocatorCache()
    ctx = tenant["ctx"]
    create(tenant, "A", 120.10, 120.11)
    first, _ = cache.get(ctx.grids, ctx.grid_set_versions)
    again, _ = cache.get(ctx.grids, ctx.grid_set_versions)

    create(tenant, "B", 120.11, 120.12)
    rebuilt, grids = cache.get(ctx.grids, ctx.grid_set_versions)

    assert again is first
    assert rebuilt is not first
    assert sorted(grid.code for grid in grids.values()) == ["A", "B"]
    found = use_cases.locate(ctx, lon=120.115, lat=31.705, cache=cache)
    assert found.code == "B"
