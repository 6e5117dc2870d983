"""Grid use cases: lifecycle with history, queries, and point-in-grid with a per-process cache.

Split and merge touch several documents and FerretDB has no transactions, so they are made
restartable instead of atomic:
1. every operation has an id, given by the client (``operation_id``) or derived from the
   request (the grid(s) involved and the new codes), so a retry of the same request carries
   the same id;
2. the new grids' ids are derived from (tenant, operation id, position), and each new grid
   records ``created_by_operation``; the NEW grids are written first, then the old ones are
   retired (recording ``retired_by_operation``), then the tenant's grid-set version is bumped;
3. a retry after a crash anywhere in between finds the new grids already stored (same ids,
   same operation: skipped, not duplicated), retires the old grids still active and answers
   as the first call would have; a retry after completion answers the finished result.
Until the retry, readers may briefly see both the old grid and some new ones active: the
locator then answers the lowest code, and the overlap check ignores the operation's own grids.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from services.grid_registry.domain import grids as domain
from services.grid_registry.repository.grids import GridRepository, GridSetVersionRepository
from services.grid_registry.use_cases.context import RegistryContext
from services.grid_registry.use_cases.references import require_division
from shared.errors import Conflict, FieldProblem, InvalidInput, NotFound, StateConflict
from shared.geometry import GridLocator
from shared.mongo import Page

MAX_POINTS = 10_000
_OPERATIONS = uuid.UUID("6f1c2a52-8d0e-4c59-9a55-2b7f0c6d3e11")


def _require(repo: GridRepository, grid_id: str) -> domain.Grid:
    grid = repo.find_grid(grid_id)
    if grid is None:
        raise NotFound(f"grid {grid_id} not found")
    return grid


def _require_free_code(repo: GridRepository, code: str, field: str, operation: str | None) -> None:
    existing = repo.find_by_code(code.strip())
    if existing is not None and (operation is None or existing.created_by_operation != operation):
        raise Conflict(f"a grid with code {existing.code} exists in the tenant ({field})")


def _check_overlap(
    repo: GridRepository,
    shape: domain.Shape,
    field: str,
    *,
    exclude: Sequence[str] = (),
    operation: str | None = None,
) -> None:
    others = [
        grid
        for grid in repo.overlap_candidates(shape.geometry.bounds, exclude=exclude)
        if operation is None or grid.created_by_operation != operation
    ]
    domain.check_no_overlap(shape, others, field)


def create_grid(
    ctx: RegistryContext,
    *,
    division_id: str,
    code: str,
    name: str,
    type: str,
    boundary: Mapping[str, Any],
    valid_from: date | None = None,
) -> domain.Grid:
    """Create an active grid in an existing division; stores `grid.created` with it.

    ``valid_from`` registers a grid that has existed since an earlier day (onboarding a
    township's existing grids), so questions about past dates see it."""
    require_division(ctx, division_id)
    shape = domain.validate_shape(boundary)
    grid, event = domain.create_grid(
        grid_id=str(uuid.uuid4()),
        tenant_id=ctx.tenant_id,
        division_id=division_id,
        code=code,
        name=name,
        type=type,
        shape=shape,
        actor=ctx.actor,
        now=ctx.now(),
        valid_from=valid_from,
    )
    _require_free_code(ctx.grids, grid.code, "code", None)
    _check_overlap(ctx.grids, shape, "boundary")
    stored = ctx.grids.add_grid(grid, [event])
    ctx.grid_set_versions.bump()
    return stored


def get_grid(ctx: RegistryContext, *, grid_id: str) -> domain.Grid:
    """The grid, or `NotFound` (also when it belongs to another tenant)."""
    return _require(ctx.grids, grid_id)


def list_grids(
    ctx: RegistryContext,
    *,
    offset: int,
    limit: int,
    division_id: str | None = None,
    type: str | None = None,
    status: str | None = None,
    as_of: date | None = None,
) -> Page[domain.Grid]:
    """One page of grids by code; active ones by default, all valid on `as_of` if given. A
    ``division_id`` filter must name one of the tenant's divisions (422)."""
    if division_id is not None:
        require_division(ctx, division_id)
    if status is None and as_of is None:
        status = domain.GridStatus.ACTIVE.value
    return ctx.grids.list_grids(
        offset=offset, limit=limit, division_id=division_id, type=type, status=status, as_of=as_of
    )


def update_grid(
    ctx: RegistryContext, *, grid_id: str, name: str | None = None, type: str | None = None
) -> domain.Grid:
    """Rename and/or retype a grid; stores `grid.updated`."""
    grid = _require(ctx.grids, grid_id)
    changed, event = domain.update_grid(grid, name=name, type=type, actor=ctx.actor, now=ctx.now())
    stored = ctx.grids.save_grid(changed, [event])
    ctx.grid_set_versions.bump()
    return stored


def change_boundary(
    ctx: RegistryContext, *, grid_id: str, boundary: Mapping[str, Any]
) -> domain.Grid:
    """Give a grid a new boundary from today, keeping the old one; stores
    `grid.boundary_changed`."""
    grid = _require(ctx.grids, grid_id)
    shape = domain.validate_shape(boundary)
    changed, event = domain.change_boundary(grid, shape=shape, actor=ctx.actor, now=ctx.now())
    _check_overlap(ctx.grids, shape, "boundary", exclude=[grid.grid_id])
    stored = ctx.grids.save_grid(changed, [event])
    ctx.grid_set_versions.bump()
    return stored


def retire_grid(ctx: RegistryContext, *, grid_id: str, reason: str) -> domain.Grid:
    """Retire a grid (valid through yesterday); stores `grid.retired`."""
    grid = _require(ctx.grids, grid_id)
    retired, event = domain.retire_grid(grid, reason=reason, actor=ctx.actor, now=ctx.now())
    stored = ctx.grids.save_grid(retired, [event])
    ctx.grid_set_versions.bump()
    return stored


def _operation_id(given: str | None, tenant_id: str, *parts: str) -> str:
    if given:
        return given
    return str(uuid.uuid5(_OPERATIONS, "|".join((tenant_id, *parts))))


def _new_grid_id(tenant_id: str, operation: str, index: int) -> str:
    # Tenant in the name: grid ids are the collection's _id, shared by every tenant.
    return str(uuid.uuid5(_OPERATIONS, f"{tenant_id}|{operation}|{index}"))


def _add_once(repo: GridRepository, grid: domain.Grid, event: domain.GridEvent) -> domain.Grid:
    """Insert a grid of an operation unless a previous attempt of it already did."""
    try:
        return repo.add_grid(grid, [event])
    except Conflict:
        existing = repo.find_grid(grid.grid_id)
        if existing is not None and existing.created_by_operation == grid.created_by_operation:
            return existing
        raise


def _operation_now(ctx: RegistryContext, existing: Sequence[domain.Grid]) -> datetime:
    """A retry keeps the first attempt's instant, so all grids of one operation share a day."""
    if not existing:
        return ctx.now()
    return min(grid.created_at for grid in existing)


@dataclass(frozen=True)
class SplitPart:
    code: str
    name: str
    boundary: Mapping[str, Any]
    type: str | None = None


def split_grid(
    ctx: RegistryContext,
    *,
    grid_id: str,
    parts: Sequence[SplitPart],
    operation_id: str | None = None,
) -> list[domain.Grid]:
    """Split a grid into 2..n new grids (stored first, `grid.created` with `split_from`), then
    retire it (`grid.split`); idempotent per operation (see the module docstring)."""
    repo = ctx.grids
    grid = _require(repo, grid_id)
    operation = _operation_id(
        operation_id, ctx.tenant_id, "split", grid_id, *sorted(p.code.strip() for p in parts)
    )
    part_ids = [_new_grid_id(ctx.tenant_id, operation, index) for index in range(len(parts))]
    if not grid.is_active:
        if grid.retired_by_operation == operation:
            return _in_order(repo.find_grids(grid.replaced_by), grid.replaced_by)
        raise StateConflict(f"grid {grid.code} is retired")
    problems: list[FieldProblem] = []
    shapes: list[domain.Shape] = []
    for index, part in enumerate(parts):
        try:
            shapes.append(domain.validate_shape(part.boundary, f"parts[{index}].boundary"))
        except InvalidInput as exc:
            problems.extend(exc.problems)
    if problems:
        raise InvalidInput(problems)
    ours = [g for g in repo.find_grids(part_ids).values() if g.created_by_operation == operation]
    now = _operation_now(ctx, ours)
    specs = [domain.PartSpec(p.code, p.name, p.boundary, p.type) for p in parts]
    created, (retired, split_event) = domain.split_grid(
        grid,
        parts=list(zip(part_ids, specs, shapes, strict=True)),
        operation_id=operation,
        actor=ctx.actor,
        now=now,
    )
    for index, (new, _) in enumerate(created):
        _require_free_code(repo, new.code, f"parts[{index}].code", operation)
        _check_overlap(
            repo, shapes[index], f"parts[{index}].boundary", exclude=[grid_id], operation=operation
        )
    stored = [_add_once(repo, new, event) for new, event in created]
    repo.save_grid(retired, [split_event])
    ctx.grid_set_versions.bump()
    return stored


def _in_order(found: Mapping[str, domain.Grid], ids: Sequence[str]) -> list[domain.Grid]:
    return [found[grid_id] for grid_id in ids if grid_id in found]


def merge_grids(
    ctx: RegistryContext,
    *,
    grid_ids: Sequence[str],
    code: str,
    name: str,
    type: str | None = None,
    boundary: Mapping[str, Any] | None = None,
    operation_id: str | None = None,
) -> domain.Grid:
    """Merge 2..n active grids of one division into a new grid (stored first, `grid.created`
    with `merged_from`), then retire each of them (`grid.merged`); idempotent per operation."""
    repo = ctx.grids
    found = repo.find_grids(grid_ids)
    missing = [
        FieldProblem(f"grid_ids[{index}]", "no such grid in this tenant")
        for index, grid_id in enumerate(grid_ids)
        if grid_id not in found
    ]
    if missing:
        raise InvalidInput(missing)
    parents = [found[grid_id] for grid_id in grid_ids]
    operation = _operation_id(operation_id, ctx.tenant_id, "merge", *sorted(grid_ids), code.strip())
    new_id = _new_grid_id(ctx.tenant_id, operation, 0)
    existing = repo.find_grid(new_id)
    if existing is not None and existing.created_by_operation == operation:
        return _finish_merge(ctx, merged=existing, parents=parents)
    shape = None if boundary is None else domain.validate_shape(boundary)
    (merged, created_event), retirements = domain.merge_grids(
        parents,
        grid_id=new_id,
        code=code,
        name=name,
        type=type,
        shape=shape,
        operation_id=operation,
        actor=ctx.actor,
        now=ctx.now(),
    )
    _require_free_code(repo, merged.code, "code", operation)
    merged_shape = domain.Shape(merged.boundary, merged.shape(), merged.area_m2)
    _check_overlap(repo, merged_shape, "boundary", exclude=list(grid_ids), operation=operation)
    stored = _add_once(repo, merged, created_event)
    for retired, event in retirements:
        repo.save_grid(retired, [event])
    ctx.grid_set_versions.bump()
    return stored


def _finish_merge(
    ctx: RegistryContext, *, merged: domain.Grid, parents: Sequence[domain.Grid]
) -> domain.Grid:
    """Retire the parents a crashed attempt left active; the merged grid is already stored."""
    operation = merged.created_by_operation
    for parent in parents:
        if parent.is_active:
            retired, event = domain.merge_into(
                parent,
                into=merged.grid_id,
                operation_id=operation or "",
                actor=ctx.actor,
                now=merged.created_at,
            )
            ctx.grids.save_grid(retired, [event])
        elif parent.retired_by_operation != operation:
            raise StateConflict(f"grid {parent.code} is retired")
    ctx.grid_set_versions.bump()
    return merged


@dataclass(frozen=True)
class GridHistory:
    """A grid with its former boundaries and the grids before and after it."""

    grid: domain.Grid
    predecessors: list[domain.Grid]
    successors: list[domain.Grid]


def grid_history(ctx: RegistryContext, *, grid_id: str) -> GridHistory:
    """The grid's boundary history and lineage (the grids it came from and was replaced by)."""
    grid = _require(ctx.grids, grid_id)
    before = [grid.split_from] if grid.split_from else list(grid.merged_from)
    found = ctx.grids.find_grids([*before, *grid.replaced_by])
    return GridHistory(
        grid=grid,
        predecessors=_in_order(found, before),
        successors=_in_order(found, grid.replaced_by),
    )


def grid_on(grid: domain.Grid, day: date) -> domain.Grid:
    """The grid as it was on `day`: the boundary (and area) that applied then."""
    for revision in grid.boundary_history:
        if revision.valid_from <= day <= revision.valid_to:
            return replace(grid, boundary=revision.boundary, area_m2=revision.area_m2)
    return grid


# -- point in grid -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LocatedGrid:
    grid_id: str
    code: str
    name: str
    division_id: str


@dataclass(frozen=True)
class _Entry:
    stamp: tuple[str, int]
    locator: GridLocator
    grids: dict[str, LocatedGrid]
    built_at: float


class LocatorCache:
    """One `GridLocator` per tenant in this process, rebuilt when the tenant's grid set changes.

    Each look-up reads the tenant's grid-set version (one `_id` read) and reuses the cached
    locator while it matches, so every gunicorn worker sees a change on its next request
    without rebuilding per request. The version is bumped after the grid write; should a
    process die between the two, `max_age_s` bounds how long a stale locator can live.
    """

    def __init__(self, max_age_s: float = 300.0) -> None:
        self.max_age_s = max_age_s
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    def get(
        self, repo: GridRepository, versions: GridSetVersionRepository
    ) -> tuple[GridLocator, dict[str, LocatedGrid]]:
        """The tenant's current locator and the grids it answers."""
        stamp = versions.current()
        entry = self._entries.get(repo.tenant_id)
        fresh = entry is not None and time.monotonic() - entry.built_at < self.max_age_s
        if entry is not None and stamp is not None and entry.stamp == stamp and fresh:
            return entry.locator, entry.grids
        # Read the version before the grids: a write racing this build can only make the
        # cached set newer than its stamp, never older, and the next bump replaces it.
        active = repo.active_grids()
        locator = GridLocator([(grid.grid_id, grid.shape()) for grid in active])
        located = {
            grid.grid_id: LocatedGrid(grid.grid_id, grid.code, grid.name, grid.division_id)
            for grid in active
        }
        if stamp is not None:
            with self._lock:
                self._entries[repo.tenant_id] = _Entry(stamp, locator, located, time.monotonic())
        return locator, located

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


LOCATORS = LocatorCache()


def locate(
    ctx: RegistryContext, *, lon: float, lat: float, cache: LocatorCache = LOCATORS
) -> LocatedGrid:
    """The active grid containing the point; `NotFound` when none does."""
    locator, grids = cache.get(ctx.grids, ctx.grid_set_versions)
    grid_id = locator.locate(lon, lat)
    if grid_id is None:
        raise NotFound("no grid of this tenant contains the point")
    return grids[grid_id]


def locate_many(
    ctx: RegistryContext,
    *,
    points: Sequence[tuple[float, float]],
    cache: LocatorCache = LOCATORS,
) -> list[LocatedGrid | None]:
    """The active grid containing each (lon, lat) point, in order (None where none does)."""
    if len(points) > MAX_POINTS:
        raise InvalidInput.of("points", f"at most {MAX_POINTS} points per request")
    locator, grids = cache.get(ctx.grids, ctx.grid_set_versions)
    found = locator.locate_many([lon for lon, _ in points], [lat for _, lat in points])
    return [None if grid_id is None else grids[grid_id] for grid_id in found]
