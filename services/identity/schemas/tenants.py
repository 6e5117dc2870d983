"""Tenant request and response schemas."""

from __future__ import annotations

from marshmallow import fields, validate

from services.identity.domain.tenants import (
    CODE_PATTERN,
    NAME_MAX,
    REASON_MAX,
    TenantKind,
    TenantStatus,
)
from shared.events.contracts.identity import SCHEME_TEMPLATE_IDS
from shared.http import BaseSchema
from shared.http.schemas import MultilineString

KINDS = [kind.value for kind in TenantKind]


class TenantAdminSchema(BaseSchema):
    username = fields.String(
        required=True,
        validate=validate.Length(min=3, max=64),
        metadata={
            "description": "首个管理员用户名 / first admin's username (logs in as "
            "<username>@<code>, unless an existing account of the tenant is adopted)",
            "example": "admin.c",
        },
    )
    display_name = fields.String(
        required=True,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "姓名 / display name", "example": "丙镇管理员"},
    )
    email = fields.Email(load_default=None, allow_none=True)
    phone = fields.String(
        required=True,
        metadata={
            "description": "手机号，用户目录要求 / mobile phone (the directory requires one)",
            "example": "13800138000",
        },
    )


class TenantCreateSchema(BaseSchema):
    code = fields.String(
        required=True,
        validate=validate.Regexp(CODE_PATTERN, error="3-40 lower-case letters, digits or '-'"),
        metadata={"description": "租户编码 (= tenant_id) / tenant code", "example": "demo-town-c"},
    )
    name = fields.String(
        required=True,
        validate=validate.Length(min=1, max=NAME_MAX),
        metadata={"description": "名称 / name", "example": "丙镇"},
    )
    kind = fields.String(
        required=True,
        validate=validate.OneOf(KINDS),
        metadata={"description": "镇 township / 街道 street / 园区 park"},
    )
    district_id = fields.String(
        required=True, metadata={"description": "所属区 / district", "example": "demo-district"}
    )
    timezone = fields.String(
        load_default=None,
        metadata={"description": "时区 / IANA time zone (default Asia/Shanghai)"},
    )
    calendar = fields.String(
        load_default=None,
        metadata={"description": "工作日历 / working calendar (default cn-public-holidays)"},
    )
    scheme_template = fields.String(
        required=True,
        validate=validate.OneOf(SCHEME_TEMPLATE_IDS),
        metadata={"description": "初始考核方案模板 / starting assessment scheme template"},
    )
    admin = fields.Nested(TenantAdminSchema, required=True)


class OffboardSchema(BaseSchema):
    reason = MultilineString(
        required=True,
        validate=validate.Length(min=1, max=REASON_MAX),
        metadata={"description": "原因 / reason"},
    )


class TenantRecordSchema(BaseSchema):
    """What every caller who may see a tenant sees of it: the record, none of its people."""

    tenant_id = fields.String(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    district_id = fields.String(required=True)
    timezone = fields.String(required=True)
    calendar = fields.String(required=True)
    scheme_template = fields.String(required=True)
    status = fields.String(
        required=True,
        metadata={
            "description": "接入中 onboarding / 运行 active / 已停用 offboarded",
            "enum": [status.value for status in TenantStatus],
        },
    )
    failed_step = fields.String(
        allow_none=True, metadata={"description": "the onboarding step that failed last"}
    )
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    onboarded_at = fields.DateTime(allow_none=True)
    offboarded_at = fields.DateTime(allow_none=True)


class TenantSchema(TenantRecordSchema):
    """A tenant with its people for platform admins and the tenant's own users; a district
    overseer gets the record alone (ADR 9: overseers see tenants, never people)."""

    admin_username = fields.String(
        attribute="admin.username",
        metadata={
            "description": "首个管理员登录名 / the first admin's login: for platform admins and "
            "the tenant's own users, absent for a district overseer"
        },
    )


class OnboardedSchema(BaseSchema):
    tenant = fields.Nested(TenantSchema, required=True)
    admin_username = fields.String(required=True)
    admin_login = fields.String(
        required=True,
        metadata={
            "description": "首个管理员登录名 / the first admin's login name, typed at the login "
            "page with the password",
            "example": "admin.c@demo-town-c",
        },
    )
    admin_temporary_password = fields.String(
        required=True,
        allow_none=True,
        metadata={
            "description": "一次性临时密码，仅显示一次 / one-time password, shown once; null "
            "when the admin's existing, in-use account was adopted (see note)"
        },
    )
    note = fields.String(
        allow_none=True,
        metadata={"description": "说明 / why no temporary password was issued, when none was"},
    )
