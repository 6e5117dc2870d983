"""GridRepository against the real FerretDB: finders other slices use, validity by day, the
outbox in the same write, the grid-set version."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.grid_registry.documents.grids import GridDocument
from services.grid_registry.domain import grids as domain
from services.grid_registry.repository.grids import GridRepository, GridSetVersionRepository
from shared.errors import Conflict
from shared.mongo import ConcurrentUpdate

pytestmark = pytest.mark.integration

NOW = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)


def box(west, south=31.70, east=None, north=31.71):
    east = west + 0.01 if east is None else east
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def add(repo, code, west, division_id="d-1", now=NOW):
    grid, _ = domain.create_grid(
        grid_id=f"{repo.tenant_id}-{code}",
        tenant_id=repo.tenant_id,
        division_id=division_id,
        code=code,
        name=f"网格{code}",
        type="village",
        shape=domain.validate_shape(box(west)),
        actor="u-1",
        now=now,
    )
    return repo.add_grid(grid, [])


def test_finders_return_domain_objects_of_this_tenant_only(fresh_db):
    repo = GridRepository("tenant-a")
    stored = add(repo, "G1", 120.10)
    add(GridRepository("tenant-b"), "G1", 120.10)

    found = repo.find_grid(stored.grid_id)

    assert found == stored
    assert found.boundary == stored.boundary
    assert repo.find_by_code("G1").grid_id == stored.grid_id
    assert GridRepository("tenant-b").find_grid(stored.grid_id) is None
    assert GridRepository("tenant-c").find_by_code("G1") is None
    with pytest.raises(Conflict):
        add(repo, "G1", 120.2)


def test_grids_valid_on_a_day_and_the_as_of_list(fresh_db):
    repo = GridRepository("tenant-a")
    old = add(repo, "OLD", 120.10)
    add(repo, "NEW", 120.11, division_id="d-2", now=datetime(2026, 4, 1, 2, 0, tzinfo=UTC))
    retired, _ = domain.retire_grid(
        old, reason="x", actor="u-1", now=datetime(2026, 5, 1, 2, 0, tzinfo=UTC)
    )
    repo.save_grid(retired, [])

    def codes(day, division_id=None):
        return [grid.code for grid in repo.grids_valid_on(day, division_id)]

    assert codes(date(2026, 2, 28)) == []
    assert codes(date(2026, 3, 1)) == ["OLD"]
    assert codes(date(2026, 4, 30)) == ["NEW", "OLD"]
    assert codes(date(2026, 4, 30), "d-2") == ["NEW"]
    assert codes(date(2026, 5, 1)) == ["NEW"]
    page = repo.list_grids(offset=0, limit=1, as_of=date(2026, 4, 30))
    assert (page.total, [grid.code for grid in page.items]) == (2, ["NEW"])
    assert [g.code for g in repo.active_grids()] == ["NEW"]


def test_a_stale_write_is_a_concurrent_update(fresh_db):
    repo = GridRepository("tenant-a")
    grid = add(repo, "G1", 120.10)
    first, _ = domain.update_grid(grid, name="甲", type=None, actor="u", now=NOW)
    second, _ = domain.update_grid(grid, name="乙", type=None, actor="u", now=NOW)

    repo.save_grid(first, [])
    with pytest.raises(ConcurrentUpdate):
        repo.save_grid(second, [])
    assert repo.find_grid(grid.grid_id).name == "甲"
    assert GridDocument.objects(tenant_id="tenant-a").get().revision == 2


def test_the_grid_set_version_is_per_tenant_and_only_grows(fresh_db):
    versions = GridSetVersionRepository("tenant-a")
    assert versions.current() is None

    versions.bump()
    epoch, first = versions.current()
    versions.bump()

    assert versions.current() == (epoch, first + 1)
    assert GridSetVersionRepository("tenant-b").current() is None


def test_overlap_candidates_are_the_active_neighbours_by_bounding_box(fresh_db):
    repo = GridRepository("tenant-a")
    near = add(repo, "G1", 120.10)
    add(repo, "G2", 120.50)  # far to the east
    add(GridRepository("tenant-b"), "G1", 120.10)

    stored = GridDocument.objects(tenant_id="tenant-a", pk=near.grid_id).get()
    assert stored.bbox == [120.10, 31.70, 120.11, 31.71]
    found = repo.overlap_candidates((120.105, 31.705, 120.115, 31.715))
    assert [grid.code for grid in found] == ["G1"]
    assert repo.overlap_candidates((120.105, 31.705, 120.115, 31.715), exclude=[near.grid_id]) == []
    assert repo.overlap_candidates((121.0, 32.0, 121.1, 32.1)) == []


def test_a_dry_runs_overlap_candidates_are_the_grids_as_it_left_them(fresh_db):
    stored = add(GridRepository("tenant-a"), "G1", 120.10)
    dry = GridRepository("tenant-a", dry_run=True)
    moved, _ = domain.change_boundary(
        stored, shape=domain.validate_shape(box(120.30)), actor="u-1", now=NOW
    )
    dry.save_grid(moved, [])
    add(dry, "G2", 120.10)
    retired, _ = domain.retire_grid(dry.find_grid("tenant-a-G2"), reason="x", actor="u-1", now=NOW)
    add(dry, "G3", 120.12)
    where_g1_was = (120.105, 31.705, 120.125, 31.715)

    # G1 as re-drawn (elsewhere now), G2 and G3 as added; nothing of it in the database.
    assert [grid.code for grid in dry.overlap_candidates(where_g1_was)] == ["G2", "G3"]
    assert [grid.code for grid in dry.overlap_candidates((120.30, 31.70, 120.31, 31.71))] == ["G1"]
    dry.save_grid(retired, [])
    assert [grid.code for grid in dry.overlap_candidates(where_g1_was)] == ["G3"]
    assert dry.overlap_candidates(where_g1_was, exclude=["tenant-a-G3"]) == []
    assert [grid.code for grid in GridRepository("tenant-a").overlap_candidates(where_g1_was)] == [
        "G1"
    ]
    assert GridDocument.objects(tenant_id="tenant-a").count() == 1
