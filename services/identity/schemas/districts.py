"""District request and response schemas."""

from __future__ import annotations

from marshmallow import fields, validate

from services.identity.domain.districts import DISTRICT_ID_PATTERN, NAME_MAX
from shared.http import BaseSchema


class DistrictCreateSchema(BaseSchema):
    district_id = fields.String(
        required=True,
        validate=validate.Regexp(DISTRICT_ID_PATTERN, error="3-40 lower-case letters, digits, '-'"),
        metadata={"description": "区编码 / district code", "example": "demo-district"},
    )
    name = fields.String(
        required=True,
        validate=validate.Length(min=1, max=NAME_MAX),
        metadata={"description": "区名称 / district name", "example": "示范区"},
    )


class DistrictSchema(BaseSchema):
    district_id = fields.String(required=True)
    name = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    created_by = fields.String(required=True)
