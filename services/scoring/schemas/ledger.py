"""Ledger request and response schemas (never reused as event contracts)."""

from __future__ import annotations

from marshmallow import fields, validate

from shared.http import BaseSchema, FilteredPageQuerySchema


class LedgerEntrySchema(BaseSchema):
    entry_id = fields.String(
        required=True,
        metadata={"description": "<event_id>:<subject_kind>:<subject_id>:<metric>[:<key>]"},
    )
    event_id = fields.String(required=True, metadata={"description": "the consumed message"})
    event_type = fields.String(required=True)
    aggregate = fields.String(
        required=True, metadata={"description": "what the fact is about: event:<id>, ..."}
    )
    subject_kind = fields.String(required=True)
    subject_id = fields.String(required=True)
    metric = fields.String(required=True)
    key = fields.String(allow_none=True, metadata={"description": "the metric's dimension"})
    value = fields.Decimal(required=True, as_string=True, metadata={"description": "exact decimal"})
    occurred_at = fields.DateTime(required=True, metadata={"description": "the fact's instant"})
    day = fields.Date(required=True, metadata={"description": "Asia/Shanghai day it counts in"})
    period = fields.String(allow_none=True, metadata={"description": "a gauge's period"})
    grid_id = fields.String(allow_none=True)
    division_id = fields.String(allow_none=True)
    worker_id = fields.String(allow_none=True)
    retracts = fields.String(
        allow_none=True, metadata={"description": "the entry this one retracts (a correction)"}
    )
    attributes = fields.Dict(keys=fields.String(), values=fields.String())


class LedgerQuerySchema(FilteredPageQuerySchema):
    subject_id = fields.String(validate=validate.Length(min=1, max=64))
    metric = fields.String(validate=validate.Length(min=1, max=64))
