"""Division request and response schemas."""

from __future__ import annotations

from marshmallow import fields, validate

from services.grid_registry.domain.divisions import CODE_PATTERN, NAME_MAX, DivisionKind
from shared.http import BaseSchema, FilteredPageQuerySchema

KINDS = [kind.value for kind in DivisionKind]


class DivisionCreateSchema(BaseSchema):
    code = fields.String(
        required=True,
        validate=validate.Regexp(CODE_PATTERN, error="1-32 letters, digits, '-' or '_'"),
        metadata={"description": "村/社区编码, unique in the tenant", "example": "A-V01"},
    )
    name = fields.String(
        required=True,
        validate=validate.Length(min=1, max=NAME_MAX),
        metadata={"description": "名称", "example": "东风村"},
    )
    kind = fields.String(
        required=True,
        validate=validate.OneOf(KINDS),
        metadata={"description": "village (村) or community (社区)"},
    )


class DivisionSchema(BaseSchema):
    division_id = fields.String(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    created_by = fields.String(required=True)


class DivisionQuerySchema(FilteredPageQuerySchema):
    kind = fields.String(validate=validate.OneOf(KINDS))
