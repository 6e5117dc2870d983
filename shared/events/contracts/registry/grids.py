"""Grid (网格) contracts published by grid_registry on `Topic.REGISTRY_GRIDS`.

Every grid event carries the grid's FULL state after the change (not a diff), so scoring and
patrol tracking rebuild their view from any single event by upserting on `grid_id`:
- `grid.created`: a new grid; also each part of a split (`split_from` set) and the result of
  a merge (`merged_from` set);
- `grid.updated`: name or type changed; `grid.boundary_changed`: a new boundary from today;
- `grid.split` / `grid.merged` / `grid.retired`: the grid was retired, because it was split
  (`replaced_by` lists the parts), merged (`replaced_by` names the result) or on request.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates

from shared.events.contracts import register
from shared.events.topics import Topic

GRID_CREATED = "grid.created"
GRID_UPDATED = "grid.updated"
GRID_BOUNDARY_CHANGED = "grid.boundary_changed"
GRID_SPLIT = "grid.split"
GRID_MERGED = "grid.merged"
GRID_RETIRED = "grid.retired"
GRID_TYPES = ("community", "village", "enterprise", "special")
GRID_STATUSES = ("active", "retired")

_ID = validate.Length(min=1, max=64)


class GridStateV1(Schema):
    """The full state of one grid (the shared shape of every grid event, version 1)."""

    grid_id = fields.String(required=True, validate=_ID)
    division_id = fields.String(required=True, validate=_ID)
    code = fields.String(required=True, validate=validate.Length(min=1, max=64))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    type = fields.String(required=True, validate=validate.OneOf(GRID_TYPES))
    status = fields.String(required=True, validate=validate.OneOf(GRID_STATUSES))
    area_m2 = fields.Float(required=True, validate=validate.Range(min=0), allow_nan=False)
    boundary = fields.Dict(
        required=True,
        metadata={"description": "GeoJSON Polygon or MultiPolygon, [lon, lat] in WGS84"},
    )
    valid_from = fields.Date(required=True, metadata={"description": "Asia/Shanghai day"})
    valid_to = fields.Date(
        required=True, allow_none=True, metadata={"description": "last valid day, inclusive"}
    )
    split_from = fields.String(required=True, allow_none=True, validate=_ID)
    merged_from = fields.List(fields.String(validate=_ID), required=True)
    replaced_by = fields.List(fields.String(validate=_ID), required=True)
    actor = fields.String(required=True, validate=_ID)

    @validates("boundary")
    def _boundary_is_geojson(self, value: dict[str, Any], **_: Any) -> None:
        if value.get("type") not in ("Polygon", "MultiPolygon") or not isinstance(
            value.get("coordinates"), list
        ):
            raise ValidationError("must be a GeoJSON Polygon or MultiPolygon")


@register(GRID_CREATED, 1, Topic.REGISTRY_GRIDS)
class GridCreatedV1(GridStateV1):
    """A grid was created (directly, by a split or by a merge: see the lineage fields)."""


@register(GRID_UPDATED, 1, Topic.REGISTRY_GRIDS)
class GridUpdatedV1(GridStateV1):
    """A grid's name or type changed."""


@register(GRID_BOUNDARY_CHANGED, 1, Topic.REGISTRY_GRIDS)
class GridBoundaryChangedV1(GridStateV1):
    """A grid's boundary changed; `boundary` and `area_m2` apply from the event's day."""


@register(GRID_SPLIT, 1, Topic.REGISTRY_GRIDS)
class GridSplitV1(GridStateV1):
    """A grid was split into the grids in `replaced_by` and retired."""


@register(GRID_MERGED, 1, Topic.REGISTRY_GRIDS)
class GridMergedV1(GridStateV1):
    """A grid was merged into the grid in `replaced_by` and retired."""


@register(GRID_RETIRED, 1, Topic.REGISTRY_GRIDS)
class GridRetiredV1(GridStateV1):
    """A grid was retired on request; it stays in the registry with its history."""
