"""Service-account request and response schemas."""

from __future__ import annotations

from marshmallow import fields, validate

from services.identity.domain.service_accounts import NAME_PATTERN, SCOPES
from shared.http import BaseSchema

_SCOPE_DOC = "; ".join(f"{s.code}: {s.label} -> {', '.join(s.roles)}" for s in SCOPES.values())


class ServiceAccountCreateSchema(BaseSchema):
    name = fields.String(
        required=True,
        validate=validate.Regexp(NAME_PATTERN, error="2-30 lower-case letters, digits or '-'"),
        metadata={"description": "接入名称 / integration name", "example": "hotline"},
    )
    scope = fields.String(
        required=True,
        validate=validate.OneOf(sorted(SCOPES)),
        metadata={"description": f"权限范围 / scope ({_SCOPE_DOC})"},
    )


class ServiceAccountSchema(BaseSchema):
    service_account_id = fields.String(required=True)
    name = fields.String(required=True)
    scope = fields.String(required=True)
    roles = fields.List(fields.String(), required=True)
    client_id = fields.String(required=True)
    enabled = fields.Boolean(required=True)
    created_at = fields.DateTime(required=True)
    created_by = fields.String(required=True)
    secret_rotated_at = fields.DateTime(allow_none=True)


class ServiceAccountSecretSchema(BaseSchema):
    service_account = fields.Nested(ServiceAccountSchema, required=True, attribute="account")
    client_id = fields.String(required=True, attribute="account.client_id")
    client_secret = fields.String(
        required=True,
        metadata={"description": "客户端密钥，仅显示一次 / client secret, shown once"},
    )
