"""Key subject request and response schemas (重点对象)."""

from __future__ import annotations

from marshmallow import fields, validate

from services.grid_registry.domain.subjects import (
    ADDRESS_MAX,
    CATEGORY_LABELS,
    CATEGORY_VALUES,
    CYCLE_VALUES,
    GENDER_VALUES,
    NAME_MAX,
    NOTES_MAX,
    REASON_MAX,
    STATUS_VALUES,
    SUB_CATEGORY_MAX,
    Subject,
)
from shared.http import BaseSchema, FilteredPageQuerySchema
from shared.http.schemas import MultilineString

_CATEGORIES_DOC = "; ".join(f"{c.value}: {label}" for c, label in CATEGORY_LABELS.items())
_PERSONAL = (
    "stored encrypted (ADR 13); answered only to the tenant centre and the grid's own team, "
    "who alone see the subject at all"
)


class LocationSchema(BaseSchema):
    lon = fields.Float(required=True, validate=validate.Range(min=-180, max=180))
    lat = fields.Float(required=True, validate=validate.Range(min=-90, max=90))


class _SubjectDetails(BaseSchema):
    sub_category = fields.String(
        allow_none=True,
        validate=validate.Length(max=SUB_CATEGORY_MAX),
        metadata={"description": "子类 / sub-category, free text", "example": "社区矫正人员"},
    )
    visit_cycle = fields.String(
        allow_none=True,
        validate=validate.OneOf(CYCLE_VALUES),
        metadata={
            "description": "走访周期 / visit cycle; default: hazard_place daily, key_person "
            "weekly, special_group and care_recipient monthly (seed 001)"
        },
    )
    address = fields.String(allow_none=True, validate=validate.Length(max=ADDRESS_MAX))
    location = fields.Nested(LocationSchema, allow_none=True)
    gender = fields.String(
        allow_none=True, validate=validate.OneOf(GENDER_VALUES), metadata={"description": "性别"}
    )
    id_number = fields.String(
        allow_none=True,
        validate=validate.Length(max=32),
        metadata={"description": "公民身份号码 / 18-character resident ID number (persons)"},
    )
    phone = fields.String(allow_none=True, validate=validate.Length(max=32))
    notes = MultilineString(allow_none=True, validate=validate.Length(max=NOTES_MAX))
    contact_person = fields.String(
        allow_none=True,
        validate=validate.Length(max=NAME_MAX),
        metadata={"description": "联系人 / contact person (places)"},
    )
    contact_phone = fields.String(allow_none=True, validate=validate.Length(max=32))


class SubjectCreateSchema(_SubjectDetails):
    category = fields.String(
        required=True,
        validate=validate.OneOf(CATEGORY_VALUES),
        metadata={"description": f"类别 / category ({_CATEGORIES_DOC})"},
    )
    grid_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    name = fields.String(
        required=True,
        validate=validate.Length(min=1, max=NAME_MAX),
        metadata={"description": "姓名或场所名称 / person's or place's name"},
    )


class SubjectUpdateSchema(_SubjectDetails):
    """Only the fields sent change; null clears an optional field."""

    name = fields.String(validate=validate.Length(min=1, max=NAME_MAX))


class SubjectMoveSchema(BaseSchema):
    grid_id = fields.String(
        required=True,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "目标网格 / the grid the subject moves to"},
    )


class SubjectArchiveSchema(BaseSchema):
    reason = MultilineString(
        required=True,
        validate=validate.Length(min=1, max=REASON_MAX),
        metadata={"description": "归档原因 / why it no longer needs visits"},
    )


class GridMoveSchema(BaseSchema):
    from_grid_id = fields.String(required=True)
    to_grid_id = fields.String(required=True)
    moved_at = fields.DateTime(required=True)
    moved_by = fields.String(required=True)


class SubjectSchema(BaseSchema):
    subject_id = fields.String(required=True)
    category = fields.String(required=True)
    category_label = fields.Method("_category_label")
    sub_category = fields.String(allow_none=True)
    grid_id = fields.String(required=True)
    division_id = fields.String(required=True)
    visit_cycle = fields.String(required=True)
    status = fields.String(required=True)
    name = fields.String(required=True)
    address = fields.String(allow_none=True)
    location = fields.Nested(LocationSchema, allow_none=True)
    gender = fields.String(allow_none=True)
    id_number = fields.String(allow_none=True, metadata={"description": _PERSONAL})
    phone = fields.String(allow_none=True, metadata={"description": _PERSONAL})
    notes = fields.String(allow_none=True, metadata={"description": _PERSONAL})
    contact_person = fields.String(allow_none=True)
    contact_phone = fields.String(allow_none=True, metadata={"description": _PERSONAL})
    archived_reason = fields.String(allow_none=True)
    archived_at = fields.DateTime(allow_none=True)
    archived_by = fields.String(allow_none=True)
    moves = fields.List(fields.Nested(GridMoveSchema), required=True)
    created_at = fields.DateTime(required=True)
    created_by = fields.String(required=True)
    updated_at = fields.DateTime(required=True)
    updated_by = fields.String(required=True)

    def _category_label(self, subject: Subject) -> str:
        return CATEGORY_LABELS[subject.category]


class SubjectQuerySchema(FilteredPageQuerySchema):
    grid_id = fields.String(validate=validate.Length(min=1, max=64))
    category = fields.String(validate=validate.OneOf(CATEGORY_VALUES))
    status = fields.String(validate=validate.OneOf(STATUS_VALUES))
    visit_cycle = fields.String(validate=validate.OneOf(CYCLE_VALUES))
