"""HTTP request and response schemas of scoring (never reused as event contracts)."""

from __future__ import annotations

from marshmallow import fields, validate

from shared.http import BaseSchema, FilteredPageQuerySchema


class LedgerEntrySchema(BaseSchema):
    event_id = fields.String(required=True)
    event_type = fields.String(required=True)
    subject_kind = fields.String(required=True)
    subject_id = fields.String(required=True)
    metric = fields.String(required=True)
    value = fields.Decimal(required=True, as_string=True, metadata={"description": "exact decimal"})
    occurred_at = fields.DateTime(required=True)
    attributes = fields.Dict(keys=fields.String(), values=fields.String())


class LedgerQuerySchema(FilteredPageQuerySchema):
    subject_id = fields.String(validate=validate.Length(min=1, max=64))
    metric = fields.String(validate=validate.Length(min=1, max=64))
