"""HTTP response schemas of identity."""

from __future__ import annotations

from marshmallow import fields

from shared.http import BaseSchema


class MeSchema(BaseSchema):
    subject = fields.String(required=True)
    username = fields.String(
        allow_none=True,
        metadata={"description": "the token's preferred_username: the login name (x@town)"},
    )
    tenant_id = fields.String(
        allow_none=True, metadata={"description": "None for district and platform roles"}
    )
    district_id = fields.String(allow_none=True)
    roles = fields.List(fields.String(), required=True)
