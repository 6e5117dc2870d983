"""Grid request and response schemas."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, post_load, validate

from services.grid_registry.domain.grids import (
    CODE_PATTERN,
    MAX_PARTS,
    NAME_MAX,
    REASON_MAX,
    GridStatus,
    GridType,
)
from services.grid_registry.use_cases.grids import MAX_POINTS, SplitPart
from shared.http import BaseSchema, FilteredPageQuerySchema
from shared.http.schemas import MultilineString

TYPES = [kind.value for kind in GridType]
STATUSES = [status.value for status in GridStatus]
TYPE_DESCRIPTION = "社区网格 community / 农村网格 village / 企业网格 enterprise / 专属网格 special"
BOUNDARY_DESCRIPTION = (
    "边界 / boundary: GeoJSON Polygon or MultiPolygon, positions [lon, lat] in WGS84"
)
OPERATION_ID = fields.String(
    validate=validate.Regexp(r"^[A-Za-z0-9_.:-]{1,64}$"),
    metadata={
        "description": "Idempotency key: a retry with the same id completes the operation "
        "instead of repeating it (derived from the request when absent)"
    },
)


def _code(description: str) -> fields.String:
    return fields.String(
        required=True,
        validate=validate.Regexp(CODE_PATTERN, error="1-32 letters, digits, '-' or '_'"),
        metadata={"description": description, "example": "HP-01"},
    )


def _name() -> fields.String:
    return fields.String(
        required=True,
        validate=validate.Length(min=1, max=NAME_MAX),
        metadata={"description": "网格名称 / grid name", "example": "和平村第一网格"},
    )


def _boundary(required: bool = True) -> fields.Dict:
    return fields.Dict(required=required, metadata={"description": BOUNDARY_DESCRIPTION})


class GridCreateSchema(BaseSchema):
    division_id = fields.String(
        required=True,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "所属村/社区 / division id"},
    )
    code = _code("网格编码 / grid code, unique in the tenant")
    name = _name()
    type = fields.String(
        required=True, validate=validate.OneOf(TYPES), metadata={"description": TYPE_DESCRIPTION}
    )
    boundary = _boundary()
    valid_from = fields.Date(
        metadata={"description": "设立日期 / first day the grid exists (default today; not future)"}
    )


class GridUpdateSchema(BaseSchema):
    name = fields.String(validate=validate.Length(min=1, max=NAME_MAX))
    type = fields.String(validate=validate.OneOf(TYPES), metadata={"description": TYPE_DESCRIPTION})


class BoundaryChangeSchema(BaseSchema):
    boundary = _boundary()


class RetireSchema(BaseSchema):
    reason = MultilineString(
        required=True,
        validate=validate.Length(min=1, max=REASON_MAX),
        metadata={"description": "撤销原因 / why the grid is retired"},
    )


class SplitPartSchema(BaseSchema):
    code = _code("新网格编码 / code of the new grid")
    name = _name()
    type = fields.String(
        validate=validate.OneOf(TYPES),
        metadata={"description": TYPE_DESCRIPTION + " (default: the split grid's type)"},
    )
    boundary = _boundary()

    @post_load
    def make_part(self, data: dict[str, Any], **_: Any) -> SplitPart:
        return SplitPart(**data)


class SplitSchema(BaseSchema):
    parts = fields.List(
        fields.Nested(SplitPartSchema),
        required=True,
        validate=validate.Length(min=2, max=MAX_PARTS),
        metadata={"description": "拆分后的网格 / the new grids, inside the old boundary"},
    )
    operation_id = OPERATION_ID


class MergeSchema(BaseSchema):
    grid_ids = fields.List(
        fields.String(validate=validate.Length(min=1, max=64)),
        required=True,
        validate=validate.Length(min=2, max=MAX_PARTS),
        metadata={"description": "合并的网格 / active grids of one division"},
    )
    code = _code("合并后网格编码 / code of the merged grid")
    name = _name()
    type = fields.String(
        validate=validate.OneOf(TYPES),
        metadata={"description": TYPE_DESCRIPTION + " (default: the merged grids' type)"},
    )
    boundary = _boundary(required=False)
    operation_id = OPERATION_ID


class BoundaryRevisionSchema(BaseSchema):
    boundary = fields.Dict(required=True)
    area_m2 = fields.Float(required=True)
    valid_from = fields.Date(required=True)
    valid_to = fields.Date(required=True)
    changed_by = fields.String(required=True)
    changed_at = fields.DateTime(required=True)


class GridSchema(BaseSchema):
    grid_id = fields.String(required=True)
    division_id = fields.String(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    type = fields.String(required=True, metadata={"description": TYPE_DESCRIPTION})
    status = fields.String(required=True, metadata={"description": "有效 active / 已撤销 retired"})
    boundary = fields.Dict(required=True, metadata={"description": BOUNDARY_DESCRIPTION})
    area_m2 = fields.Method(
        "_area", required=True, metadata={"description": "面积 / geodesic area in m², 2 decimals"}
    )
    valid_from = fields.Date(required=True)
    valid_to = fields.Date(
        required=True, allow_none=True, metadata={"description": "last valid day, inclusive"}
    )
    split_from = fields.String(required=True, allow_none=True)
    merged_from = fields.List(fields.String(), required=True)
    replaced_by = fields.List(fields.String(), required=True)
    retired_reason = fields.String(required=True, allow_none=True)
    created_at = fields.DateTime(required=True)
    created_by = fields.String(required=True)
    updated_at = fields.DateTime(required=True)
    updated_by = fields.String(required=True)

    def _area(self, grid: Any) -> float:
        return round(float(grid.area_m2), 2)


class GridHistorySchema(BaseSchema):
    grid = fields.Nested(GridSchema, required=True)
    boundary_history = fields.Method("_history", required=True)
    predecessors = fields.List(fields.Nested(GridSchema), required=True)
    successors = fields.List(fields.Nested(GridSchema), required=True)

    def _history(self, history: Any) -> list[dict[str, Any]]:
        dumped: list[dict[str, Any]] = BoundaryRevisionSchema(many=True).dump(
            history.grid.boundary_history
        )
        return dumped


class GridQuerySchema(FilteredPageQuerySchema):
    division_id = fields.String(validate=validate.Length(min=1, max=64))
    type = fields.String(validate=validate.OneOf(TYPES))
    status = fields.String(
        validate=validate.OneOf(STATUSES),
        metadata={"description": "default: active (unless as_of is given)"},
    )
    as_of = fields.Date(
        metadata={"description": "grids valid on this Asia/Shanghai day, with that day's boundary"}
    )


class LocateQuerySchema(BaseSchema):
    lon = fields.Float(required=True, validate=validate.Range(min=-180, max=180), allow_nan=False)
    lat = fields.Float(required=True, validate=validate.Range(min=-90, max=90), allow_nan=False)


class LocatedGridSchema(BaseSchema):
    grid_id = fields.String(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    division_id = fields.String(required=True)


class PointSchema(LocateQuerySchema):
    @post_load
    def make_point(self, data: dict[str, Any], **_: Any) -> tuple[float, float]:
        return (data["lon"], data["lat"])


class LocateManySchema(BaseSchema):
    points = fields.List(
        fields.Nested(PointSchema),
        required=True,
        validate=validate.Length(min=1, max=MAX_POINTS),
        metadata={"description": f"位置 / up to {MAX_POINTS} positions"},
    )


class LocatedManySchema(BaseSchema):
    grids = fields.List(
        fields.Nested(LocatedGridSchema, allow_none=True),
        required=True,
        metadata={"description": "the grid of each point, in order (null where none)"},
    )
