"""People, roles and roster-import request and response schemas."""

from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import fields, validate

from services.identity.domain.users import DISPLAY_NAME_MAX, EMAIL_MAX
from shared.auth import Role
from shared.http import BaseSchema, FilteredPageQuerySchema

ALL_ROLES = [role.value for role in Role]
_ROLES_DOC = (
    "角色 / roles: tenant-admin (管理员), center-staff (中心工作人员), inspector (巡查员), "
    "grid-leader (网格长), grid-worker (专职网格员), grid-instructor (网格指导员)"
)


_LOGIN_DOC = (
    "登录名：登录页输入它，而不是邮箱 / login name, typed at the login page (not the email): "
    "<username>@<tenant code>, or the account's own name for accounts made before"
)


class UserSchema(BaseSchema):
    user_id = fields.String(required=True, metadata={"description": "Keycloak user id"})
    username = fields.String(
        required=True,
        metadata={"description": "用户名，本单位内唯一 / username, unique in the tenant"},
    )
    login = fields.String(required=True, metadata={"description": _LOGIN_DOC})
    display_name = fields.String(required=True, metadata={"description": "姓名 / name"})
    email = fields.String(allow_none=True, metadata={"description": "邮箱 / email"})
    phone = fields.String(allow_none=True, metadata={"description": "手机号 / mobile"})
    roles = fields.List(fields.String(), required=True, metadata={"description": _ROLES_DOC})
    enabled = fields.Boolean(required=True, metadata={"description": "启用 / may log in"})
    invited_at = fields.DateTime(required=True)
    invited_by = fields.String(required=True)
    updated_at = fields.DateTime(required=True)
    updated_by = fields.String(required=True)
    last_synced_at = fields.DateTime(allow_none=True)


class UserInviteSchema(BaseSchema):
    username = fields.String(
        required=True,
        validate=validate.Length(min=3, max=64),
        metadata={
            "description": "用户名，本单位内唯一 / username, unique in the tenant, lower case; "
            "the person logs in as <username>@<tenant code>",
            "example": "zhang.wei",
        },
    )
    display_name = fields.String(
        required=True,
        validate=validate.Length(min=1, max=DISPLAY_NAME_MAX),
        metadata={"description": "姓名 / name", "example": "张伟"},
    )
    email = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=EMAIL_MAX),
        metadata={"description": "邮箱 / email (optional)"},
    )
    phone = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=20),
        metadata={"description": "手机号 / mainland mobile (optional)", "example": "13800138000"},
    )
    roles = fields.List(
        fields.String(validate=validate.Length(max=32)),
        required=True,
        validate=validate.Length(min=1, max=len(ALL_ROLES)),
        metadata={"description": _ROLES_DOC},
    )


class InvitedUserSchema(BaseSchema):
    user = fields.Nested(UserSchema, required=True)
    login = fields.String(
        required=True, metadata={"description": _LOGIN_DOC, "example": "zhang.wei@demo-town-a"}
    )
    temporary_password = fields.String(
        required=True, metadata={"description": "临时密码，仅显示一次 / shown once"}
    )


class UserUpdateSchema(BaseSchema):
    display_name = fields.String(validate=validate.Length(min=1, max=DISPLAY_NAME_MAX))
    email = fields.String(validate=validate.Length(max=EMAIL_MAX))
    phone = fields.String(validate=validate.Length(max=20))


class RolesSchema(BaseSchema):
    roles = fields.List(
        fields.String(validate=validate.Length(max=32)),
        required=True,
        validate=validate.Length(min=1, max=len(ALL_ROLES)),
        metadata={"description": _ROLES_DOC},
    )


class PasswordResetSchema(BaseSchema):
    user_id = fields.String(required=True)
    username = fields.String(required=True)
    login = fields.String(required=True, metadata={"description": _LOGIN_DOC})
    temporary_password = fields.String(
        required=True, metadata={"description": "临时密码，仅显示一次 / shown once"}
    )


class UserQuerySchema(FilteredPageQuerySchema):
    role = fields.String(validate=validate.OneOf(ALL_ROLES))
    enabled = fields.Boolean()
    q = fields.String(
        validate=validate.Length(min=1, max=64),
        metadata={"description": "用户名或姓名包含 / username or name contains"},
    )


class CapabilitySchema(BaseSchema):
    code = fields.String(required=True)
    label = fields.String(required=True)


class RoleInfoSchema(BaseSchema):
    role = fields.String(required=True)
    label = fields.String(required=True, metadata={"description": "名称 / label"})
    description = fields.String(required=True)
    tenant_grantable = fields.Boolean(
        required=True, metadata={"description": "管理员可授予 / a tenant admin may grant it"}
    )
    capabilities = fields.List(fields.Nested(CapabilitySchema), required=True)


class RosterQuerySchema(BaseSchema):
    dry_run = fields.Boolean(
        load_default=False,
        metadata={"description": "试导入，不写入 / judge every row, write nothing"},
    )


class RosterFileSchema(BaseSchema):
    file = Upload(
        required=True,
        metadata={"description": "花名册 .xlsx：姓名、用户名、手机号、邮箱、角色"},
    )


class RowProblemSchema(BaseSchema):
    column = fields.String(allow_none=True, required=True)
    reason = fields.String(required=True)


class RowReportSchema(BaseSchema):
    row = fields.Integer(required=True)
    outcome = fields.String(required=True)
    key = fields.String(allow_none=True, required=True)
    problems = fields.List(fields.Nested(RowProblemSchema), required=True)


class IssuedPasswordSchema(BaseSchema):
    row = fields.Integer(required=True)
    username = fields.String(required=True)
    login = fields.String(required=True, metadata={"description": _LOGIN_DOC})
    user_id = fields.String(required=True)
    temporary_password = fields.String(required=True)


class RosterReportSchema(BaseSchema):
    dry_run = fields.Boolean(required=True)
    summary = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    rows = fields.List(fields.Nested(RowReportSchema), required=True)
    temporary_passwords = fields.List(
        fields.Nested(IssuedPasswordSchema),
        required=True,
        metadata={"description": "新建人员的临时密码，仅显示一次 / created people, shown once"},
    )
