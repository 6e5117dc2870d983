"""Base-information request and response schemas (基础信息采集)."""

from __future__ import annotations

from marshmallow import fields, validate

from services.grid_registry.domain.base_info import (
    FIGURE_MAX,
    LABEL_MAX,
    SUB_CATEGORY_PATTERN,
    Category,
)
from shared.http import BaseSchema, FilteredPageQuerySchema

CATEGORIES = [category.value for category in Category]
_COUNT = validate.Range(min=0, max=FIGURE_MAX)
_RATE = '4 decimal places as a string, e.g. "0.9650"'


class FiguresBodySchema(BaseSchema):
    expected = fields.Integer(
        required=True, strict=True, validate=_COUNT, metadata={"description": "应采集数 / expected"}
    )
    collected = fields.Integer(
        required=True,
        strict=True,
        validate=_COUNT,
        metadata={"description": "已采集数 / collected (may exceed expected)"},
    )
    verified = fields.Integer(
        required=True,
        strict=True,
        validate=_COUNT,
        metadata={"description": "已核实数 / verified (at most collected)"},
    )
    as_of = fields.Date(
        required=True,
        metadata={"description": "统计日期 / statistics date", "example": "2026-11-20"},
    )


class RecordedSchema(BaseSchema):
    outcome = fields.String(
        required=True,
        metadata={"description": "created, replaced (same date recorded again) or unchanged"},
    )
    grid_id = fields.String(required=True, attribute="snapshot.grid_id")
    division_id = fields.String(required=True, attribute="snapshot.division_id")
    category = fields.String(required=True, attribute="snapshot.category")
    sub_category = fields.String(required=True, attribute="snapshot.sub_category")
    as_of = fields.Date(required=True, attribute="snapshot.as_of")
    expected = fields.Integer(required=True, attribute="snapshot.figures.expected")
    collected = fields.Integer(required=True, attribute="snapshot.figures.collected")
    verified = fields.Integer(required=True, attribute="snapshot.figures.verified")
    collection_rate = fields.Decimal(
        required=True, as_string=True, attribute="snapshot.figures.collection_rate"
    )
    verification_rate = fields.Decimal(
        required=True, as_string=True, attribute="snapshot.figures.verification_rate"
    )
    last_updated_at = fields.DateTime(required=True, attribute="snapshot.recorded_at")
    last_updated_by = fields.String(required=True, attribute="snapshot.recorded_by")


class FiguresLineSchema(BaseSchema):
    grid_id = fields.String(required=True)
    division_id = fields.String(required=True)
    category = fields.String(required=True, metadata={"description": "类别 / category"})
    sub_category = fields.String(required=True, metadata={"description": "子类 / sub-category"})
    sub_category_label = fields.String(required=True, metadata={"description": "子类名称 / label"})
    expected = fields.Integer(required=True)
    collected = fields.Integer(required=True)
    verified = fields.Integer(required=True)
    collection_rate = fields.Decimal(
        required=True,
        as_string=True,
        metadata={"description": "采集率 / collected÷expected, " + _RATE},
    )
    verification_rate = fields.Decimal(
        required=True,
        as_string=True,
        metadata={"description": "核实率 / verified÷collected, " + _RATE},
    )
    as_of = fields.Date(required=True, metadata={"description": "统计日期 of these figures"})
    last_updated_at = fields.DateTime(required=True)
    last_updated_by = fields.String(required=True)


class FiguresQuerySchema(FilteredPageQuerySchema):
    division_id = fields.String(validate=validate.Length(min=1, max=64))
    grid_id = fields.String(validate=validate.Length(min=1, max=64))
    as_of = fields.Date(
        metadata={"description": "latest figures on or before this day (default today)"}
    )


class SummaryQuerySchema(FilteredPageQuerySchema):
    as_of = fields.Date(
        metadata={"description": "latest figures on or before this day (default today)"}
    )
    by = fields.String(load_default="division", validate=validate.OneOf(["division", "grid"]))


class SubCategoryTotalSchema(BaseSchema):
    category = fields.String(required=True)
    sub_category = fields.String(required=True)
    expected = fields.Integer(required=True, attribute="figures.expected")
    collected = fields.Integer(required=True, attribute="figures.collected")
    verified = fields.Integer(required=True, attribute="figures.verified")
    collection_rate = fields.Decimal(
        required=True, as_string=True, attribute="figures.collection_rate"
    )
    verification_rate = fields.Decimal(
        required=True, as_string=True, attribute="figures.verification_rate"
    )


class SummarySchema(BaseSchema):
    key = fields.String(
        required=True, metadata={"description": 'division_id or grid_id ("tenant" for the total)'}
    )
    expected = fields.Integer(required=True, attribute="figures.expected")
    collected = fields.Integer(required=True, attribute="figures.collected")
    verified = fields.Integer(required=True, attribute="figures.verified")
    collection_rate = fields.Decimal(
        required=True, as_string=True, attribute="figures.collection_rate"
    )
    verification_rate = fields.Decimal(
        required=True, as_string=True, attribute="figures.verification_rate"
    )
    sub_categories = fields.List(fields.Nested(SubCategoryTotalSchema), required=True)


class SummaryPageSchema(BaseSchema):
    as_of = fields.Date(required=True)
    by = fields.String(required=True)
    tenant = fields.Nested(SummarySchema, required=True)
    items = fields.List(fields.Nested(SummarySchema), required=True)
    page = fields.Integer(required=True)
    page_size = fields.Integer(required=True)
    total = fields.Integer(required=True)


class SubCategoryCreateSchema(BaseSchema):
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    sub_category = fields.String(
        required=True,
        validate=validate.Regexp(SUB_CATEGORY_PATTERN, error="lowercase letters, digits or '_'"),
        metadata={"description": "子类编码 / sub-category id", "example": "veteran"},
    )
    label = fields.String(
        required=True,
        validate=validate.Length(min=1, max=LABEL_MAX),
        metadata={"description": "子类名称 / Chinese label", "example": "退役军人"},
    )


class SubCategorySchema(BaseSchema):
    category = fields.String(required=True)
    sub_category = fields.String(required=True, attribute="code")
    label = fields.String(required=True)
    custom = fields.Boolean(required=True, metadata={"description": "added by the tenant"})


class SubCategoryQuerySchema(FilteredPageQuerySchema):
    category = fields.String(validate=validate.OneOf(CATEGORIES))
