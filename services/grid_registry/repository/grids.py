"""Grid repositories: grids (domain objects in and out) and the per-tenant grid-set version."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from mongoengine.queryset.visitor import Q

from services.grid_registry.documents.grids import (
    BoundaryRevisionDocument,
    GridDocument,
    GridSetVersionDocument,
)
from services.grid_registry.domain.grids import BoundaryRevision, Grid, GridStatus, GridType
from shared.events.domain import DomainEvent
from shared.mongo import Page, TenantRepository


class GridRepository(TenantRepository[GridDocument]):
    """The tenant's grids. Other slices (teams, subjects, base information) read through
    `find_grid`, `find_by_code`, `grids_valid_on` and `list_grids`."""

    document = GridDocument

    # -- writes --------------------------------------------------------------------------------

    def add_grid(self, grid: Grid, events: Sequence[DomainEvent]) -> Grid:
        """Store a new grid and its events in one write; `Conflict` on a duplicate id or code."""
        self.add(_to_document(grid), events)
        return _with_revision(grid, 1)

    def save_grid(self, grid: Grid, events: Sequence[DomainEvent]) -> Grid:
        """Write back a grid read at `grid.revision`; `ConcurrentUpdate` if it moved on."""
        doc = _to_document(grid)
        doc.revision = grid.revision
        self.save(doc, events)
        return _with_revision(grid, grid.revision + 1)

    # -- reads ---------------------------------------------------------------------------------

    def find_grid(self, grid_id: str) -> Grid | None:
        """The grid with this id in this tenant, or None."""
        doc = self.get(grid_id)
        return None if doc is None else _to_domain(doc)

    def find_by_code(self, code: str) -> Grid | None:
        """The grid with this code in this tenant, or None."""
        doc = self._query(code=code).first()
        return None if doc is None else _to_domain(doc)

    def find_grids(self, grid_ids: Iterable[str]) -> dict[str, Grid]:
        """The grids among `grid_ids` that exist in this tenant, by id."""
        ids = sorted(set(grid_ids))
        if not ids:
            return {}
        return {doc.grid_id: _to_domain(doc) for doc in self._query(grid_id__in=ids)}

    def list_grids(
        self,
        *,
        offset: int = 0,
        limit: int = 50,
        division_id: str | None = None,
        type: str | None = None,
        status: str | None = None,
        as_of: date | None = None,
    ) -> Page[Grid]:
        """One page of grids ordered by code, filtered by division, type, status and by the
        day they were valid on (`as_of`)."""
        query = self._filtered(division_id=division_id, type=type, status=status, as_of=as_of)
        total = query.count()
        docs = list(query.order_by("code").skip(offset).limit(limit))
        return Page(
            items=[_to_domain(doc) for doc in docs], total=total, offset=offset, limit=limit
        )

    def grids_valid_on(self, day: date, division_id: str | None = None) -> list[Grid]:
        """Grids with valid_from <= day and (valid_to is None or day <= valid_to), by code."""
        query = self._filtered(division_id=division_id, as_of=day)
        return [_to_domain(doc) for doc in query.order_by("code")]

    def active_grids(self, division_id: str | None = None) -> list[Grid]:
        """Every active grid of the tenant (optionally of one division), by code."""
        query = self._filtered(division_id=division_id, status=GridStatus.ACTIVE.value)
        return [_to_domain(doc) for doc in query.order_by("code")]

    def overlap_candidates(self, bounds: Bounds, exclude: Iterable[str] = ()) -> list[Grid]:
        """Active grids whose bounding box meets ``bounds`` (west, south, east, north), by code.

        Reads only ids and boxes of the tenant's active grids, then the full documents of the
        few that can overlap: a new grid is checked against its neighbours, not the township.
        Grids stored before boxes existed (no ``bbox``) are always candidates. A dry run's
        candidates include the grids it pretended to write, as they were left: a workbook's
        dry run checks each row against the rows before it, as the real import does.
        """
        skip: set[object] = set(exclude)
        pretended = self._pretended_documents()
        docs = [
            doc
            for grid_id, doc in pretended.items()
            if grid_id not in skip and doc.status == GridStatus.ACTIVE and _meets(doc.bbox, bounds)
        ]
        skip.update(pretended)  # as the dry run left them, not as stored
        rows = self._query(status=GridStatus.ACTIVE.value).only("grid_id", "bbox").as_pymongo()
        ids = [
            row["_id"]
            for row in rows
            if row["_id"] not in skip and (not row.get("bbox") or _meets(row["bbox"], bounds))
        ]
        if ids:
            docs += self._query(pk__in=ids)
        return sorted((_to_domain(doc) for doc in docs), key=lambda grid: grid.code)

    def _filtered(
        self,
        *,
        division_id: str | None = None,
        type: str | None = None,
        status: str | None = None,
        as_of: date | None = None,
    ) -> Any:
        filters: dict[str, Any] = {}
        if division_id:
            filters["division_id"] = division_id
        if type:
            filters["type"] = type
        if status:
            filters["status"] = status
        query = self._query(**filters)
        if as_of is not None:
            day = as_of.isoformat()
            query = query.filter(valid_from__lte=day).filter(
                Q(valid_to=None) | Q(valid_to__gte=day)
            )
        return query


class GridSetVersionRepository(TenantRepository[GridSetVersionDocument]):
    """The tenant's grid-set version: one document whose `_id` is the tenant id."""

    document = GridSetVersionDocument

    def current(self) -> tuple[str, int] | None:
        """``(epoch, version)`` now; None before the first grid write."""
        doc = self.get(self.tenant_id)
        return None if doc is None else (str(doc.epoch), int(doc.version))

    def bump(self) -> None:
        """Add one, atomically (creating the document on the first write)."""
        self._update_one(
            self.tenant_id,
            {
                "$inc": {"version": 1, "revision": 1},
                "$setOnInsert": {
                    "outbox": [],
                    "outbox_pending": False,
                    "epoch": uuid.uuid4().hex,
                },
            },
            upsert=True,
        )


def _with_revision(grid: Grid, revision: int) -> Grid:
    return replace(grid, revision=revision)


def _day(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


Bounds = tuple[float, float, float, float]


def _bounds(boundary: Mapping[str, Any]) -> Bounds:
    """West, south, east, north of a GeoJSON Polygon or MultiPolygon (outer rings suffice)."""
    polygons = boundary["coordinates"]
    if boundary["type"] == "Polygon":
        polygons = [polygons]
    lons = [position[0] for polygon in polygons for position in polygon[0]]
    lats = [position[1] for polygon in polygons for position in polygon[0]]
    return min(lons), min(lats), max(lons), max(lats)


def _meets(box: Sequence[float], bounds: Bounds) -> bool:
    west, south, east, north = bounds
    return not (box[2] < west or box[0] > east or box[3] < south or box[1] > north)


def _to_document(grid: Grid) -> GridDocument:
    return GridDocument(
        grid_id=grid.grid_id,
        tenant_id=grid.tenant_id,
        division_id=grid.division_id,
        code=grid.code,
        name=grid.name,
        type=grid.type,
        status=grid.status,
        boundary_json=json.dumps(grid.boundary, separators=(",", ":")),
        bbox=list(_bounds(grid.boundary)),
        area_m2=grid.area_m2,
        valid_from=grid.valid_from.isoformat(),
        valid_to=None if grid.valid_to is None else grid.valid_to.isoformat(),
        boundary_valid_from=grid.boundary_valid_from.isoformat(),
        boundary_history=[
            BoundaryRevisionDocument(
                boundary_json=json.dumps(revision.boundary, separators=(",", ":")),
                area_m2=revision.area_m2,
                valid_from=revision.valid_from.isoformat(),
                valid_to=revision.valid_to.isoformat(),
                changed_by=revision.changed_by,
                changed_at=revision.changed_at,
            )
            for revision in grid.boundary_history
        ],
        split_from=grid.split_from,
        merged_from=list(grid.merged_from),
        replaced_by=list(grid.replaced_by),
        retired_reason=grid.retired_reason,
        created_by_operation=grid.created_by_operation,
        retired_by_operation=grid.retired_by_operation,
        created_at=grid.created_at,
        created_by=grid.created_by,
        updated_at=grid.updated_at,
        updated_by=grid.updated_by,
    )


def _to_domain(doc: GridDocument) -> Grid:
    valid_from = date.fromisoformat(doc.valid_from)
    boundary_valid_from = date.fromisoformat(doc.boundary_valid_from)
    return Grid(
        grid_id=doc.grid_id,
        tenant_id=doc.tenant_id,
        division_id=doc.division_id,
        code=doc.code,
        name=doc.name,
        type=GridType(doc.type),
        status=GridStatus(doc.status),
        boundary=json.loads(doc.boundary_json),
        area_m2=doc.area_m2,
        valid_from=valid_from,
        valid_to=_day(doc.valid_to),
        boundary_valid_from=boundary_valid_from,
        boundary_history=tuple(
            BoundaryRevision(
                boundary=json.loads(revision.boundary_json),
                area_m2=revision.area_m2,
                valid_from=date.fromisoformat(revision.valid_from),
                valid_to=date.fromisoformat(revision.valid_to),
                changed_by=revision.changed_by,
                changed_at=revision.changed_at,
            )
            for revision in doc.boundary_history
        ),
        split_from=doc.split_from,
        merged_from=tuple(doc.merged_from),
        replaced_by=tuple(doc.replaced_by),
        retired_reason=doc.retired_reason,
        created_by_operation=doc.created_by_operation,
        retired_by_operation=doc.retired_by_operation,
        created_at=doc.created_at,
        created_by=doc.created_by,
        updated_at=doc.updated_at,
        updated_by=doc.updated_by,
        revision=doc.revision,
    )
