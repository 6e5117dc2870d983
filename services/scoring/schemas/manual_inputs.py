"""Manual input request and response schemas (人工录入指标)."""

from __future__ import annotations

from marshmallow import fields, validate

from services.scoring.domain.manual import EVIDENCE_MAX, REASON_MAX, REF_MAX, REFS_MAX
from shared.http import BaseSchema, FilteredPageQuerySchema
from shared.http.schemas import MultilineString

_ID = validate.Length(min=1, max=64)
_PERIOD = validate.Length(min=1, max=32)
_VALUE = (
    '数值 / a number (as text for exactness: "92.5"), true or false, counts by level '
    '({"city": 1}) or a list of dates (["2024-03-07"])'
)


class ManualInputCreateSchema(BaseSchema):
    input_id = fields.String(
        required=True, validate=_ID, metadata={"description": "方案指标 / the scheme input's id"}
    )
    subject_id = fields.String(
        load_default=None,
        allow_none=True,
        validate=_ID,
        metadata={"description": "考核对象 / the subject (null: shared by every subject)"},
    )
    period = fields.String(
        required=True,
        validate=_PERIOD,
        metadata={"description": "考核周期 / 2024-03, 2024-Q1, 2024 or 2024-01-01..2024-06-30"},
    )
    value = fields.Raw(required=True, allow_none=False, metadata={"description": _VALUE})
    evidence = MultilineString(
        required=True,
        validate=validate.Length(min=1, max=EVIDENCE_MAX),
        metadata={"description": "佐证说明 / what the value rests on"},
    )
    refs = fields.List(
        fields.String(validate=validate.Length(min=1, max=REF_MAX)),
        load_default=list,
        validate=validate.Length(max=REFS_MAX),
        metadata={"description": "佐证材料 / document numbers, file names, links"},
    )


class ManualInputCorrectionSchema(BaseSchema):
    value = fields.Raw(required=True, allow_none=False, metadata={"description": _VALUE})
    reason = MultilineString(
        required=True,
        validate=validate.Length(min=1, max=REASON_MAX),
        metadata={"description": "更正原因 / why the value changes"},
    )


class ManualInputQuerySchema(FilteredPageQuerySchema):
    period = fields.String(required=True, validate=_PERIOD)
    subject_id = fields.String(validate=_ID)
    input_id = fields.String(validate=_ID)


class RevisionSchema(BaseSchema):
    revision = fields.Integer(required=True)
    value = fields.Raw(required=True)
    reason = fields.String(allow_none=True)
    actor = fields.String(required=True)
    at = fields.DateTime(required=True)


class ManualInputSchema(BaseSchema):
    manual_input_id = fields.String(required=True)
    input_id = fields.String(required=True)
    subject_id = fields.String(allow_none=True)
    period = fields.String(required=True)
    period_kind = fields.String(required=True)
    value = fields.Raw(required=True)
    revision = fields.Integer(required=True)
    evidence = fields.String(required=True)
    refs = fields.List(fields.String(), required=True)
    recorded_by = fields.String(required=True)
    recorded_at = fields.DateTime(required=True)
    revisions = fields.List(fields.Nested(RevisionSchema), required=True)
