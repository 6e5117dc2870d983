"""Inspection (督查) and rectification (整改) request and response schemas."""

from __future__ import annotations

from marshmallow import fields, validate

from services.event_intake.domain.inspections import (
    DESCRIPTION_MAX,
    EVIDENCE_MAX,
    PHOTOS_MAX,
    REASON_MAX,
    REQUEST_ID_MAX,
    Kind,
    Severity,
    State,
)
from services.event_intake.schemas.tasks import EvidenceSchema, HistoryEntrySchema
from shared.http import BaseSchema, FilteredPageQuerySchema
from shared.http.schemas import MultilineString

_KINDS = tuple(kind.value for kind in Kind)
_STATES = tuple(state.value for state in State)
_ID = validate.Length(min=1, max=64)


def _request_id() -> fields.String:
    return fields.String(
        allow_none=True,
        validate=validate.Length(min=1, max=REQUEST_ID_MAX),
        metadata={"description": "客户端请求号 / the client's id: a retry with it changes nothing"},
    )


def _photos() -> fields.List[str]:
    return fields.List(
        fields.String(validate=_ID),
        load_default=list,
        validate=validate.Length(max=PHOTOS_MAX),
        metadata={"description": "照片 / ids of uploaded photos"},
    )


class InspectionCreateSchema(BaseSchema):
    kind = fields.String(
        required=True,
        validate=validate.OneOf(_KINDS),
        metadata={
            "description": "daily_patrol 日常巡查 (no deduction, must be rectified), spot_check "
            "不定期抽查 (counts at once), resident_complaint 群众投诉 (counts once verified)"
        },
    )
    grid_id = fields.String(required=True, validate=_ID)
    worker_id = fields.String(
        allow_none=True, validate=_ID, metadata={"description": "the grid worker concerned"}
    )
    found_on = fields.Date(
        required=True, metadata={"description": "发现日期 / Asia/Shanghai day, not in the future"}
    )
    category = fields.String(
        required=True, validate=_ID, metadata={"description": "问题类别 / finding category code"}
    )
    severity = fields.String(
        allow_none=True, validate=validate.OneOf(tuple(s.value for s in Severity))
    )
    description = MultilineString(
        allow_none=True,
        validate=validate.Length(max=DESCRIPTION_MAX),
        metadata={"description": "情况 / what was found (never published; no resident data)"},
    )
    photo_ids = _photos()
    rectification_deadline = fields.AwareDateTime(
        allow_none=True,
        metadata={"description": "整改时限 / required for findings; complaints get it verified"},
    )
    request_id = _request_id()


class VerifySchema(BaseSchema):
    rectification_deadline = fields.AwareDateTime(
        required=True, metadata={"description": "整改时限 / rectification deadline"}
    )
    request_id = _request_id()


class DismissSchema(BaseSchema):
    reason = MultilineString(
        required=True,
        validate=validate.Length(min=1, max=REASON_MAX),
        metadata={"description": "why the complaint was not verified (never published)"},
    )
    request_id = _request_id()


class RectifySchema(BaseSchema):
    evidence = MultilineString(
        required=True,
        validate=validate.Length(min=1, max=EVIDENCE_MAX),
        metadata={"description": "整改情况 / what was done (never published)"},
    )
    photo_ids = _photos()
    request_id = _request_id()


class ConfirmSchema(BaseSchema):
    accepted = fields.Boolean(
        load_default=True,
        metadata={"description": "false: 整改不到位, a new rectification is due (reason needed)"},
    )
    reason = MultilineString(
        allow_none=True,
        validate=validate.Length(min=1, max=REASON_MAX),
        metadata={"description": "why it was not accepted (never published)"},
    )
    request_id = _request_id()


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
    grid_id = fields.String(validate=_ID)
    overdue = fields.Boolean()
