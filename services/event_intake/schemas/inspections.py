"""Inspection (督查) and rectification (整改) request and response schemas."""

from __future__ import annotations

from marshmallow import fields, validate

from services.event_intake.domain.inspections import DESCRIPTION_MAX, Kind, Severity, State
from services.event_intake.schemas.workflow import (
    ID,
    EvidenceSchema,
    HistoryEntrySchema,
    evidence_field,
    photo_ids_field,
    reason_field,
    request_id_field,
)
from shared.http import BaseSchema, FilteredPageQuerySchema
from shared.http.schemas import MultilineString

_KINDS = tuple(kind.value for kind in Kind)
_STATES = tuple(state.value for state in State)


class InspectionCreateSchema(BaseSchema):
    kind = fields.String(
        required=True,
        validate=validate.OneOf(_KINDS),
        metadata={
            "description": "daily_patrol 日常巡查 (no deduction, must be rectified), spot_check "
            "不定期抽查 (counts at once), resident_complaint 群众投诉 (counts once verified)"
        },
    )
    grid_id = fields.String(required=True, validate=ID)
    worker_id = fields.String(
        allow_none=True, validate=ID, metadata={"description": "the grid worker concerned"}
    )
    found_on = fields.Date(
        required=True, metadata={"description": "发现日期 / Asia/Shanghai day, not in the future"}
    )
    category = fields.String(
        required=True, validate=ID, metadata={"description": "问题类别 / finding category code"}
    )
    severity = fields.String(
        allow_none=True, validate=validate.OneOf(tuple(s.value for s in Severity))
    )
    description = MultilineString(
        allow_none=True,
        validate=validate.Length(max=DESCRIPTION_MAX),
        metadata={"description": "情况 / what was found (never published; no resident data)"},
    )
    photo_ids = photo_ids_field()
    rectification_deadline = fields.AwareDateTime(
        allow_none=True,
        metadata={"description": "整改时限 / required for findings; complaints get it verified"},
    )
    request_id = request_id_field()


class VerifySchema(BaseSchema):
    rectification_deadline = fields.AwareDateTime(
        required=True, metadata={"description": "整改时限 / rectification deadline"}
    )
    request_id = request_id_field()


class DismissSchema(BaseSchema):
    reason = reason_field("why the complaint was not verified (never published)")
    request_id = request_id_field()


class RectifySchema(BaseSchema):
    evidence = evidence_field("整改情况 / what was done (never published)")
    photo_ids = photo_ids_field()
    request_id = request_id_field()


class ConfirmSchema(BaseSchema):
    accepted = fields.Boolean(
        load_default=True,
        metadata={"description": "false: 整改不到位, a new rectification is due (reason needed)"},
    )
    reason = reason_field("why it was not accepted (never published)", required=False)
    request_id = request_id_field()


class InspectionSchema(BaseSchema):
    inspection_id = fields.String(required=True)
    kind = fields.String(required=True)
    grid_id = fields.String(required=True)
    worker_id = fields.String(allow_none=True)
    found_on = fields.Date(required=True)
    category = fields.String(required=True)
    severity = fields.String(allow_none=True)
    description = fields.String(required=True)
    photo_ids = fields.List(fields.String(), required=True)
    state = fields.String(required=True)
    recorded_by = fields.String(required=True)
    recorded_at = fields.DateTime(required=True)
    rectification_deadline = fields.DateTime(allow_none=True)
    verified = fields.Boolean(allow_none=True)
    verified_at = fields.DateTime(allow_none=True)
    rectified_at = fields.DateTime(allow_none=True)
    rectified_on_time = fields.Boolean(allow_none=True)
    evidence = fields.Nested(EvidenceSchema, allow_none=True)
    rejected_rectifications = fields.Integer(required=True)
    confirmed_at = fields.DateTime(allow_none=True)
    overdue = fields.Boolean(required=True)
    history = fields.List(fields.Nested(HistoryEntrySchema), required=True)


class InspectionPageQuerySchema(FilteredPageQuerySchema):
    kind = fields.String(validate=validate.OneOf(_KINDS))
    state = fields.String(validate=validate.OneOf(_STATES))
    grid_id = fields.String(validate=ID)
    overdue = fields.Boolean()
