"""Grids (网格): the cells a tenant divides each division into, with boundary and lineage.

A grid is never deleted: a boundary change keeps the old polygon in `boundary_history`; a split
or merge retires the old grid(s) (`replaced_by`) and creates new ones (`split_from`,
`merged_from`); validity is by calendar day in Asia/Shanghai, `valid_to` inclusive.

Every change returns the grid's new state and one past-tense event carrying it in full, so the
consumers (scoring, patrol tracking) rebuild their view from any single event.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from shapely.geometry.base import BaseGeometry

from services.grid_registry.domain import geometry
from shared.clock import require_aware
from shared.errors import FieldProblem, InvalidInput, StateConflict

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
NAME_MAX = 64
REASON_MAX = 500
TENANT_TZ = ZoneInfo("Asia/Shanghai")
# Grids tile the territory; digitising noise along shared borders is tolerated up to this.
OVERLAP_TOLERANCE = 0.01
# Share of a split part allowed outside the grid it is split from (digitising noise).
SPLIT_OUTSIDE_TOLERANCE = 0.01
MAX_PARTS = 50


class GridType(StrEnum):
    """社区网格, 农村网格, 企业网格 or 专属网格: assessment rules differ by type."""

    COMMUNITY = "community"
    VILLAGE = "village"
    ENTERPRISE = "enterprise"
    SPECIAL = "special"


class GridStatus(StrEnum):
    ACTIVE = "active"
    RETIRED = "retired"


@dataclass(frozen=True)
class BoundaryRevision:
    """A boundary the grid had before a change: valid from `valid_from` to `valid_to` inclusive."""

    boundary: Mapping[str, Any]
    area_m2: float
    valid_from: date
    valid_to: date
    changed_by: str
    changed_at: datetime


@dataclass(frozen=True)
class Grid:
    grid_id: str
    tenant_id: str
    division_id: str
    code: str
    name: str
    type: GridType
    status: GridStatus
    boundary: Mapping[str, Any]
    area_m2: float
    valid_from: date
    valid_to: date | None
    boundary_valid_from: date
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str
    split_from: str | None = None
    merged_from: tuple[str, ...] = ()
    replaced_by: tuple[str, ...] = ()
    boundary_history: tuple[BoundaryRevision, ...] = ()
    retired_reason: str | None = None
    # The split/merge that created this grid and the one that retired it (idempotent retries).
    created_by_operation: str | None = None
    retired_by_operation: str | None = None
    # Optimistic-lock counter as read from storage (0 for a grid not stored yet).
    revision: int = 0

    @property
    def is_active(self) -> bool:
        return self.status is GridStatus.ACTIVE

    def valid_on(self, day: date) -> bool:
        """True when the grid existed on `day` (Asia/Shanghai calendar day)."""
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def boundary_on(self, day: date) -> Mapping[str, Any]:
        """The boundary that applied on `day` (the current one when no revision covers it)."""
        for revision in self.boundary_history:
            if revision.valid_from <= day <= revision.valid_to:
                return revision.boundary
        return self.boundary

    def shape(self) -> BaseGeometry:
        return geometry.from_geojson(self.boundary)


@dataclass(frozen=True)
class GridEvent:
    """What happened to one grid; `grid` is its full state after the change."""

    grid: Grid
    actor: str
    occurred_at: datetime

    type: ClassVar[str]
    version: ClassVar[int] = 1

    @property
    def aggregate_id(self) -> str:
        return self.grid.grid_id

    def payload(self) -> dict[str, Any]:
        """Self-contained: the grid's full state and the actor, so a consumer rebuilds its
        view of the grid from any single event."""
        grid = self.grid
        return {
            "grid_id": grid.grid_id,
            "division_id": grid.division_id,
            "code": grid.code,
            "name": grid.name,
            "type": grid.type.value,
            "status": grid.status.value,
            "area_m2": grid.area_m2,
            "boundary": dict(grid.boundary),
            "valid_from": grid.valid_from.isoformat(),
            "valid_to": None if grid.valid_to is None else grid.valid_to.isoformat(),
            "split_from": grid.split_from,
            "merged_from": list(grid.merged_from),
            "replaced_by": list(grid.replaced_by),
            "actor": self.actor,
        }


@dataclass(frozen=True)
class GridCreated(GridEvent):
    """Created directly, or as a part of a split / the result of a merge (lineage set)."""

    type: ClassVar[str] = "grid.created"


@dataclass(frozen=True)
class GridUpdated(GridEvent):
    type: ClassVar[str] = "grid.updated"


@dataclass(frozen=True)
class GridBoundaryChanged(GridEvent):
    type: ClassVar[str] = "grid.boundary_changed"


@dataclass(frozen=True)
class GridSplit(GridEvent):
    """The grid was split and retired; `grid.replaced_by` lists the parts."""

    type: ClassVar[str] = "grid.split"


@dataclass(frozen=True)
class GridMerged(GridEvent):
    """The grid was merged into another and retired; `grid.replaced_by` names the result."""

    type: ClassVar[str] = "grid.merged"


@dataclass(frozen=True)
class GridRetired(GridEvent):
    type: ClassVar[str] = "grid.retired"


@dataclass(frozen=True)
class PartSpec:
    """One new grid of a split: code, name, boundary (GeoJSON) and optionally its own type."""

    code: str
    name: str
    boundary: Mapping[str, Any]
    type: str | None = None


@dataclass(frozen=True)
class Shape:
    """A validated boundary: GeoJSON as stored, shapely geometry, geodesic area in m²."""

    geojson: Mapping[str, Any]
    geometry: BaseGeometry
    area_m2: float


def local_today(now: datetime) -> date:
    """The Asia/Shanghai calendar day of an aware instant."""
    require_aware(now)
    return now.astimezone(TENANT_TZ).date()


def validate_shape(boundary: object, field_name: str = "boundary") -> Shape:
    """Validate a GeoJSON boundary and compute its area; `InvalidInput` naming the path."""
    parsed = geometry.parse_boundary(boundary, field_name)
    return Shape(
        geojson=geometry.to_geojson(parsed),
        geometry=parsed,
        area_m2=round(geometry.geodesic_area_m2(parsed), 2),
    )


def check_no_overlap(shape: Shape, others: Sequence[Grid], field_name: str = "boundary") -> None:
    """Reject a boundary overlapping an active grid by more than 1% of the smaller area."""
    for other in sorted(others, key=lambda grid: grid.code):
        if not other.is_active:
            continue
        ratio = geometry.overlap_ratio(shape.geometry, other.shape())
        if ratio > OVERLAP_TOLERANCE:
            raise InvalidInput.of(
                field_name,
                f"overlaps active grid {other.code} by {ratio:.1%} of the smaller area "
                f"(at most {OVERLAP_TOLERANCE:.0%} allowed): grids tile the territory",
            )


def _clean_code(code: str, field_name: str = "code") -> str:
    code = code.strip()
    if not CODE_PATTERN.match(code):
        raise InvalidInput.of(
            field_name, "1-32 letters, digits, '-' or '_', starting with a letter or digit"
        )
    return code


def _clean_name(name: str, field_name: str = "name") -> str:
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise InvalidInput.of(field_name, f"must be 1-{NAME_MAX} characters")
    return name


def _grid_type(value: str, field_name: str = "type") -> GridType:
    try:
        return GridType(value)
    except ValueError:
        allowed = ", ".join(kind.value for kind in GridType)
        raise InvalidInput.of(field_name, f"must be one of: {allowed}") from None


def _require_active(grid: Grid) -> None:
    if not grid.is_active:
        raise StateConflict(f"grid {grid.code} is retired")


def create_grid(
    *,
    grid_id: str,
    tenant_id: str,
    division_id: str,
    code: str,
    name: str,
    type: str,
    shape: Shape,
    actor: str,
    now: datetime,
    split_from: str | None = None,
    merged_from: Sequence[str] = (),
    operation_id: str | None = None,
    valid_from: date | None = None,
) -> tuple[Grid, GridCreated]:
    """A new active grid valid from today (or `valid_from`); raises `InvalidInput`."""
    today = local_today(now)
    start = valid_from or today
    if start > today:
        raise InvalidInput.of("valid_from", "cannot be in the future / 不能晚于今天")
    grid = Grid(
        grid_id=grid_id,
        tenant_id=tenant_id,
        division_id=division_id,
        code=_clean_code(code),
        name=_clean_name(name),
        type=_grid_type(type),
        status=GridStatus.ACTIVE,
        boundary=shape.geojson,
        area_m2=shape.area_m2,
        valid_from=start,
        valid_to=None,
        boundary_valid_from=start,
        created_at=now,
        created_by=actor,
        updated_at=now,
        updated_by=actor,
        split_from=split_from,
        merged_from=tuple(merged_from),
        created_by_operation=operation_id,
    )
    return grid, GridCreated(grid=grid, actor=actor, occurred_at=now)


def update_grid(
    grid: Grid, *, name: str | None, type: str | None, actor: str, now: datetime
) -> tuple[Grid, GridUpdated]:
    """Rename and/or retype an active grid; `StateConflict` when retired."""
    _require_active(grid)
    require_aware(now)
    if name is None and type is None:
        raise InvalidInput.of("name", "give a new name or type")
    changed = replace(
        grid,
        name=grid.name if name is None else _clean_name(name),
        type=grid.type if type is None else _grid_type(type),
        updated_at=now,
        updated_by=actor,
    )
    return changed, GridUpdated(grid=changed, actor=actor, occurred_at=now)


def change_boundary(
    grid: Grid, *, shape: Shape, actor: str, now: datetime
) -> tuple[Grid, GridBoundaryChanged]:
    """A new boundary from today; the old one is kept in `boundary_history` up to yesterday.

    A second change on the same day replaces that day's boundary and keeps no empty revision.
    """
    _require_active(grid)
    today = local_today(now)
    history = grid.boundary_history
    if grid.boundary_valid_from < today:
        history = (
            *history,
            BoundaryRevision(
                boundary=grid.boundary,
                area_m2=grid.area_m2,
                valid_from=grid.boundary_valid_from,
                valid_to=today - timedelta(days=1),
                changed_by=actor,
                changed_at=now,
            ),
        )
    changed = replace(
        grid,
        boundary=shape.geojson,
        area_m2=shape.area_m2,
        boundary_valid_from=max(today, grid.boundary_valid_from),
        boundary_history=history,
        updated_at=now,
        updated_by=actor,
    )
    return changed, GridBoundaryChanged(grid=changed, actor=actor, occurred_at=now)


def _retire(
    grid: Grid,
    *,
    actor: str,
    now: datetime,
    reason: str,
    replaced_by: Sequence[str] = (),
    operation_id: str | None = None,
) -> Grid:
    _require_active(grid)
    # Valid through yesterday: its successors are valid from today, so no day has both.
    last_day = local_today(now) - timedelta(days=1)
    return replace(
        grid,
        status=GridStatus.RETIRED,
        valid_to=last_day,
        replaced_by=tuple(replaced_by),
        retired_reason=reason,
        retired_by_operation=operation_id,
        updated_at=now,
        updated_by=actor,
    )


def retire_grid(grid: Grid, *, reason: str, actor: str, now: datetime) -> tuple[Grid, GridRetired]:
    """Retire an active grid (reason required); it stays queryable with its history."""
    reason = reason.strip()
    if not reason or len(reason) > REASON_MAX:
        raise InvalidInput.of("reason", f"must be 1-{REASON_MAX} characters")
    retired = _retire(grid, actor=actor, now=now, reason=reason)
    return retired, GridRetired(grid=retired, actor=actor, occurred_at=now)


def split_grid(
    grid: Grid,
    *,
    parts: Sequence[tuple[str, PartSpec, Shape]],
    operation_id: str,
    actor: str,
    now: datetime,
) -> tuple[list[tuple[Grid, GridCreated]], tuple[Grid, GridSplit]]:
    """Split an active grid into 2..n parts (grid id, spec, validated shape), in the parts'
    order: each part lies inside the grid (1% area tolerance), parts do not overlap each
    other (1%), codes differ. The new grids come first: the caller writes them before the
    retirement of the old one."""
    _require_active(grid)
    if not 2 <= len(parts) <= MAX_PARTS:
        raise InvalidInput.of("parts", f"a split needs 2-{MAX_PARTS} parts")
    problems: list[FieldProblem] = []
    seen_codes: dict[str, int] = {}
    old_shape = grid.shape()
    for index, (_, spec, shape) in enumerate(parts):
        code = spec.code.strip()
        if code in seen_codes:
            problems.append(
                FieldProblem(f"parts[{index}].code", f"repeats parts[{seen_codes[code]}].code")
            )
        seen_codes.setdefault(code, index)
        outside = geometry.outside_ratio(shape.geometry, old_shape)
        if outside > SPLIT_OUTSIDE_TOLERANCE:
            problems.append(
                FieldProblem(
                    f"parts[{index}].boundary",
                    f"{outside:.1%} of the part lies outside grid {grid.code}",
                )
            )
        for other_index in range(index):
            ratio = geometry.overlap_ratio(shape.geometry, parts[other_index][2].geometry)
            if ratio > OVERLAP_TOLERANCE:
                problems.append(
                    FieldProblem(
                        f"parts[{index}].boundary",
                        f"overlaps parts[{other_index}] by {ratio:.1%} of the smaller area",
                    )
                )
    if problems:
        raise InvalidInput(problems)
    created: list[tuple[Grid, GridCreated]] = []
    for index, (part_id, spec, shape) in enumerate(parts):
        try:
            created.append(
                create_grid(
                    grid_id=part_id,
                    tenant_id=grid.tenant_id,
                    division_id=grid.division_id,
                    code=spec.code,
                    name=spec.name,
                    type=spec.type or grid.type.value,
                    shape=shape,
                    actor=actor,
                    now=now,
                    split_from=grid.grid_id,
                    operation_id=operation_id,
                )
            )
        except InvalidInput as exc:
            raise InvalidInput(
                FieldProblem(f"parts[{index}].{p.field}", p.reason) for p in exc.problems
            ) from None
    retired = _retire(
        grid,
        actor=actor,
        now=now,
        reason="split",
        replaced_by=[new.grid_id for new, _ in created],
        operation_id=operation_id,
    )
    return created, (retired, GridSplit(grid=retired, actor=actor, occurred_at=now))


def merge_grids(
    grids: Sequence[Grid],
    *,
    grid_id: str,
    code: str,
    name: str,
    type: str | None,
    shape: Shape | None,
    operation_id: str,
    actor: str,
    now: datetime,
) -> tuple[tuple[Grid, GridCreated], list[tuple[Grid, GridMerged]]]:
    """Merge 2..n active grids of one division into a new grid (boundary: the union unless
    `shape` is given). The new grid comes first: the caller writes it before retiring the
    parents."""
    if not 2 <= len(grids) <= MAX_PARTS:
        raise InvalidInput.of("grid_ids", f"a merge needs 2-{MAX_PARTS} grids")
    if len({grid.grid_id for grid in grids}) != len(grids):
        raise InvalidInput.of("grid_ids", "lists a grid more than once")
    for grid in grids:
        _require_active(grid)
    divisions = {grid.division_id for grid in grids}
    if len(divisions) != 1:
        raise InvalidInput.of("grid_ids", "grids to merge must belong to the same division")
    if shape is None:
        merged = geometry.union([grid.shape() for grid in grids])
        shape = Shape(
            geojson=geometry.to_geojson(merged),
            geometry=merged,
            area_m2=round(geometry.geodesic_area_m2(merged), 2),
        )
    types = {grid.type for grid in grids}
    if type is None and len(types) != 1:
        raise InvalidInput.of("type", "the grids differ in type: give the merged grid's type")
    new = create_grid(
        grid_id=grid_id,
        tenant_id=grids[0].tenant_id,
        division_id=grids[0].division_id,
        code=code,
        name=name,
        type=type or grids[0].type.value,
        shape=shape,
        actor=actor,
        now=now,
        merged_from=[grid.grid_id for grid in grids],
        operation_id=operation_id,
    )
    retired = [
        merge_into(grid, into=grid_id, operation_id=operation_id, actor=actor, now=now)
        for grid in grids
    ]
    return new, retired


def merge_into(
    grid: Grid, *, into: str, operation_id: str, actor: str, now: datetime
) -> tuple[Grid, GridMerged]:
    """Retire an active grid merged into the grid `into`."""
    done = _retire(
        grid,
        actor=actor,
        now=now,
        reason="merged",
        replaced_by=[into],
        operation_id=operation_id,
    )
    return done, GridMerged(grid=done, actor=actor, occurred_at=now)
