"""Filed management system request and response schemas (制度备案)."""

from __future__ import annotations

from marshmallow import fields, validate

from services.grid_registry.domain.filings import (
    DOCUMENT_NUMBER_MAX,
    DOCUMENT_TITLE_MAX,
    ITEM_CODE_PATTERN,
    REASON_MAX,
    REFERENCE_MAX,
    TITLE_MAX,
)
from shared.http import BaseSchema, FilteredPageQuerySchema
from shared.http.schemas import MultilineString

_STATUS = "filed (已备案), filed_late (逾期备案) or missing (未备案)"


class FilingItemCreateSchema(BaseSchema):
    code = fields.String(
        required=True,
        validate=validate.Regexp(ITEM_CODE_PATTERN, error="lowercase letters, digits or '_'"),
        metadata={
            "description": "item code; defaults: management_rules, assessment_rules",
            "example": "management_rules",
        },
    )
    title = fields.String(
        validate=validate.Length(min=1, max=TITLE_MAX),
        metadata={
            "description": "名称 (optional for a default item)",
            "example": "网格工作管理制度",
        },
    )
    due_on = fields.Date(required=True, metadata={"description": "备案截止日期 / due date"})
    required = fields.Boolean(load_default=True, metadata={"description": "必须备案 / required"})


class FilingItemSchema(BaseSchema):
    code = fields.String(required=True)
    title = fields.String(required=True)
    due_on = fields.Date(required=True)
    required = fields.Boolean(required=True)
    retired_on = fields.Date(allow_none=True, metadata={"description": "off the checklist since"})
    created_at = fields.DateTime(required=True)
    created_by = fields.String(required=True)


class EvidenceSchema(BaseSchema):
    document_title = fields.String(
        required=True,
        validate=validate.Length(min=1, max=DOCUMENT_TITLE_MAX),
        metadata={"description": "文件标题 / document title"},
    )
    document_number = fields.String(
        allow_none=True,
        validate=validate.Length(max=DOCUMENT_NUMBER_MAX),
        metadata={"description": "文号 / document number", "example": "雪网〔2026〕3号"},
    )
    reference = fields.String(
        required=True,
        validate=validate.Length(min=1, max=REFERENCE_MAX),
        metadata={"description": "证明材料 / file id or URL of the filed document"},
    )


class FilingCreateSchema(BaseSchema):
    item_code = fields.String(required=True, validate=validate.Length(min=1, max=32))
    filed_on = fields.Date(required=True, metadata={"description": "备案日期 / filed on"})
    evidence = fields.Nested(EvidenceSchema, required=True)


class WithdrawSchema(BaseSchema):
    reason = MultilineString(
        required=True,
        validate=validate.Length(min=1, max=REASON_MAX),
        metadata={"description": "撤回原因 / why the filing is withdrawn"},
    )


class WithdrawalSchema(BaseSchema):
    withdrawn_on = fields.Date(required=True)
    reason = fields.String(required=True)
    withdrawn_by = fields.String(required=True)
    withdrawn_at = fields.DateTime(required=True)


class FilingSchema(BaseSchema):
    filing_id = fields.String(required=True)
    division_id = fields.String(required=True)
    item_code = fields.String(required=True)
    filed_on = fields.Date(required=True)
    evidence = fields.Nested(EvidenceSchema, required=True)
    filed_by = fields.String(required=True)
    recorded_at = fields.DateTime(required=True)
    active = fields.Boolean(required=True)
    withdrawal = fields.Nested(WithdrawalSchema, allow_none=True)


class ChecklistLineSchema(BaseSchema):
    item_code = fields.String(required=True, attribute="item.code")
    title = fields.String(required=True, attribute="item.title")
    due_on = fields.Date(required=True, attribute="item.due_on")
    required = fields.Boolean(required=True, attribute="item.required")
    status = fields.String(required=True, metadata={"description": _STATUS})
    filing = fields.Nested(
        FilingSchema, allow_none=True, metadata={"description": "the one that counts"}
    )
    history = fields.List(fields.Nested(FilingSchema), required=True)


class AsOfQuerySchema(FilteredPageQuerySchema):
    as_of = fields.Date(metadata={"description": "status on this day (default today)"})


class StatusCellSchema(BaseSchema):
    item_code = fields.String(required=True, attribute="item.code")
    due_on = fields.Date(required=True, attribute="item.due_on")
    status = fields.String(required=True, metadata={"description": _STATUS})
    filed_on = fields.Date(allow_none=True, attribute="filing.filed_on")


class DivisionStatusSchema(BaseSchema):
    division_id = fields.String(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    filed = fields.Integer(required=True)
    filed_late = fields.Integer(required=True)
    missing = fields.Integer(required=True)
    items = fields.List(fields.Nested(StatusCellSchema), required=True, attribute="lines")


class StatusPageSchema(BaseSchema):
    as_of = fields.Date(required=True)
    items = fields.List(fields.Nested(DivisionStatusSchema), required=True)
    page = fields.Integer(required=True)
    page_size = fields.Integer(required=True)
    total = fields.Integer(required=True)
