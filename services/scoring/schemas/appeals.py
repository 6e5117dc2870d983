"""Appeal request and response schemas (申诉/复核)."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from services.scoring.domain.appeals import (
    CORRECTIONS_MAX,
    DAYS_MAX,
    REASON_MAX,
    REQUEST_ID_MAX,
    TEXT_MAX,
)
from shared.http import BaseSchema, FilteredPageQuerySchema
from shared.http.schemas import MultilineString

_ID = validate.Length(min=1, max=64)
_PERIOD = validate.Length(min=1, max=32)

UPLOAD_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": "佐证材料 / evidence: JPEG, PNG or PDF (judged by content)",
                    }
                },
            }
        }
    },
}
EVIDENCE_RESPONSE: dict[str, Any] = {
    "200": {
        "description": "the file as stored (images re-encoded without metadata)",
        "content": {
            kind: {"schema": {"type": "string", "format": "binary"}}
            for kind in ("image/jpeg", "image/png", "application/pdf")
        },
    }
}


class AppealCreateSchema(BaseSchema):
    subject_id = fields.String(
        required=True, validate=_ID, metadata={"description": "考核对象 / whose sheet"}
    )
    line = fields.String(
        required=True,
        validate=_ID,
        metadata={"description": "申诉事项 / an indicator id or a money rule id of the sheet"},
    )
    text = MultilineString(
        required=True,
        validate=validate.Length(min=1, max=TEXT_MAX),
        metadata={"description": "申诉理由 / what is wrong with the line"},
    )
    request_id = fields.String(
        required=True,
        validate=validate.Length(min=1, max=REQUEST_ID_MAX),
        metadata={"description": "请求编号 / the client's id of this filing: a retry answers it"},
    )


class AppealCorrectionInputSchema(BaseSchema):
    input_id = fields.String(
        required=True,
        validate=_ID,
        metadata={"description": "更正的事实 / an input behind the line"},
    )
    value = fields.Raw(
        required=True,
        allow_none=False,
        metadata={"description": "更正后的值 / the value, as a manual input's"},
    )


class AppealDecisionSchema(BaseSchema):
    outcome = fields.String(required=True, validate=validate.OneOf(("accepted", "rejected")))
    reason = MultilineString(
        required=True,
        validate=validate.Length(min=1, max=REASON_MAX),
        metadata={"description": "复核意见 / why"},
    )
    corrections = fields.List(
        fields.Nested(AppealCorrectionInputSchema),
        load_default=list,
        validate=validate.Length(max=CORRECTIONS_MAX),
        metadata={"description": "采纳时更正的事实 / the facts an accepted appeal corrects"},
    )


class AppealQuerySchema(FilteredPageQuerySchema):
    scheme_id = fields.String(validate=_ID)
    period = fields.String(validate=_PERIOD)
    subject_id = fields.String(validate=_ID)
    status = fields.String(validate=validate.OneOf(("open", "accepted", "rejected")))
    overdue = fields.Boolean(
        metadata={"description": "true: only undecided past their due day; false: none of them"}
    )


class AppealSettingsSchema(BaseSchema):
    window_days = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=1, max=DAYS_MAX),
        metadata={"description": "申诉期 / working days after publication an appeal may be filed"},
    )
    review_days = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=1, max=DAYS_MAX),
        metadata={"description": "复核时限 / working days after filing the review is due"},
    )


class AppealEvidenceSchema(BaseSchema):
    evidence_id = fields.String(required=True)
    content_type = fields.String(required=True)
    size = fields.Integer(required=True)
    sha256 = fields.String(required=True)
    filename = fields.String(required=True)
    uploaded_by = fields.String(required=True)
    uploaded_at = fields.DateTime(required=True)


class AppealCorrectionSchema(BaseSchema):
    input_id = fields.String(required=True)
    value = fields.Raw(required=True)
    source = fields.String(required=True)
    previous = fields.String(allow_none=True)


class AppealDecisionOutSchema(BaseSchema):
    outcome = fields.Function(lambda d: d.outcome.value, required=True)
    reason = fields.String(required=True)
    corrections = fields.List(fields.Nested(AppealCorrectionSchema), required=True)
    decided_by = fields.String(required=True)
    decided_at = fields.DateTime(required=True)


class AppealSchema(BaseSchema):
    appeal_id = fields.String(required=True)
    request_id = fields.String(required=True)
    scheme_id = fields.String(required=True)
    period = fields.String(required=True)
    period_kind = fields.String(required=True)
    subject_id = fields.String(required=True)
    subject_kind = fields.String(required=True)
    line = fields.String(required=True)
    line_kind = fields.Function(lambda a: a.line_kind.value, required=True)
    edition = fields.Integer(
        required=True, metadata={"description": "the edition appealed (the latest when filed)"}
    )
    text = fields.String(required=True)
    filed_by = fields.String(required=True)
    filed_at = fields.DateTime(required=True)
    window_ends_on = fields.Date(required=True)
    due_on = fields.Date(
        required=True, metadata={"description": "复核截止日 / decided by the end of this day"}
    )
    status = fields.Function(lambda a: a.status.value, required=True)
    overdue_at = fields.DateTime(
        allow_none=True, metadata={"description": "when the overdue job marked it"}
    )
    evidence = fields.List(fields.Nested(AppealEvidenceSchema), required=True)
    decision = fields.Nested(AppealDecisionOutSchema, allow_none=True)
    correction_edition = fields.Integer(
        allow_none=True,
        metadata={"description": "the edition an accepted appeal's corrections published"},
    )
