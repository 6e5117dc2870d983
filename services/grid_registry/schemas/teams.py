"""Grid team request and response schemas (网格队伍)."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from services.grid_registry.domain.teams import (
    MODEL_VALUES,
    NAME_MAX,
    ROLE_LABELS,
    ROLE_VALUES,
    USER_ID_MAX,
    Membership,
)
from shared.http import BaseSchema, FilteredPageQuerySchema, PageQuerySchema

_ROLES_DOC = "; ".join(f"{role.value}: {label}" for role, label in ROLE_LABELS.items())


class DayQuerySchema(BaseSchema):
    day = fields.Date(
        data_key="date",
        metadata={"description": "日期 / the day asked about (default: today, Asia/Shanghai)"},
    )


class MembershipCreateSchema(BaseSchema):
    role = fields.String(
        required=True,
        validate=validate.OneOf(ROLE_VALUES),
        metadata={"description": f"角色 / role ({_ROLES_DOC}); must belong to the team's model"},
    )
    user_id = fields.String(
        allow_none=True,
        validate=validate.Length(min=1, max=USER_ID_MAX),
        metadata={"description": "登录账号 / Keycloak subject (volunteers may have none)"},
    )
    person_name = fields.String(
        required=True,
        validate=validate.Length(min=1, max=NAME_MAX),
        metadata={"description": "姓名 / the member's name", "example": "王小明"},
    )
    phone = fields.String(
        allow_none=True, validate=validate.Length(max=20), metadata={"description": "电话 / phone"}
    )
    starts_on = fields.Date(required=True, metadata={"description": "起始日 / first day"})
    ends_on = fields.Date(
        allow_none=True, metadata={"description": "截止日 / last day, inclusive (open if absent)"}
    )


class MembershipChangeSchema(BaseSchema):
    """Only the fields sent change; ``ends_on: null`` reopens a membership."""

    user_id = fields.String(allow_none=True, validate=validate.Length(min=1, max=USER_ID_MAX))
    person_name = fields.String(validate=validate.Length(min=1, max=NAME_MAX))
    phone = fields.String(allow_none=True, validate=validate.Length(max=20))
    starts_on = fields.Date()
    ends_on = fields.Date(allow_none=True)

    @validates_schema
    def _not_empty(self, data: dict[str, Any], **_: Any) -> None:
        if not data:
            raise ValidationError("send at least one field to change", field_name="_schema")


class MembershipEndSchema(BaseSchema):
    ends_on = fields.Date(
        required=True, metadata={"description": "截止日 / last day of service, inclusive"}
    )


class TeamModelSchema(BaseSchema):
    model = fields.String(
        required=True,
        validate=validate.OneOf(MODEL_VALUES),
        metadata={"description": "配置模式 / team model: 1+1+1+N (default) or 1+4+X"},
    )


class MembershipSchema(BaseSchema):
    membership_id = fields.String(required=True)
    role = fields.String(required=True)
    role_label = fields.Method("_role_label", metadata={"description": "角色名称 / role label"})
    user_id = fields.String(allow_none=True)
    person_name = fields.String(required=True)
    phone = fields.String(allow_none=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(allow_none=True)
    created_at = fields.DateTime(required=True)
    created_by = fields.String(required=True)
    updated_at = fields.DateTime(required=True)
    updated_by = fields.String(required=True)

    def _role_label(self, member: Membership) -> str:
        return ROLE_LABELS[member.role]


class TeamSchema(BaseSchema):
    grid_id = fields.String(required=True)
    grid_code = fields.String(required=True)
    division_id = fields.String(required=True)
    model = fields.String(required=True)
    date = fields.Date(required=True)
    members = fields.List(fields.Nested(MembershipSchema), required=True)


class MembershipPageQuerySchema(PageQuerySchema):
    """``page`` and ``page_size`` over a grid's whole membership history."""


class StaffingSchema(BaseSchema):
    division_id = fields.String(required=True)
    date = fields.Date(required=True, attribute="day")
    grids = fields.Integer(required=True, metadata={"description": "网格数 / grids valid that day"})
    staffed = fields.Integer(
        required=True, metadata={"description": "已配备专职网格员的网格数 / grids with one"}
    )
    rate = fields.Decimal(
        required=True,
        allow_none=True,
        as_string=True,
        places=4,
        metadata={"description": "专职网格员配备率 / staffing rate (null without grids)"},
    )
    unstaffed_grid_codes = fields.List(fields.String(), required=True, attribute="unstaffed_codes")


class StaffingPageQuerySchema(FilteredPageQuerySchema):
    day = fields.Date(
        data_key="date", metadata={"description": "日期 / default today (Asia/Shanghai)"}
    )


class UserGridsSchema(BaseSchema):
    user_id = fields.String(required=True)
    date = fields.Date(required=True)
    grid_ids = fields.List(fields.String(), required=True)
