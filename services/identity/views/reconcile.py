"""Reconciliation for platform admins: drift between a tenant's directory and Keycloak."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import fields

from services.identity.use_cases import reconcile as use_cases
from services.identity.views import identity_provider, platform_context
from shared.auth import Role, require_roles
from shared.http import BaseSchema, Blueprint

blp = Blueprint(
    "reconcile", __name__, url_prefix="/tenants", description="对账 (directory vs Keycloak)"
)


class ReconcileQuerySchema(BaseSchema):
    repair = fields.Boolean(
        load_default=False, metadata={"description": "修复 / repair the drift found"}
    )


class FindingSchema(BaseSchema):
    kind = fields.String(required=True)
    user_id = fields.String(allow_none=True, required=True)
    username = fields.String(allow_none=True, required=True)
    detail = fields.String(required=True)
    repair = fields.String(required=True, metadata={"description": "the repair that applies"})
    action = fields.String(
        required=True, metadata={"description": "repaired / not repaired / needs a person"}
    )


class ReconciliationSchema(BaseSchema):
    tenant_id = fields.String(required=True)
    repair = fields.Boolean(required=True)
    clean = fields.Boolean(required=True, metadata={"description": "no drift remains"})
    note = fields.String(
        allow_none=True,
        required=True,
        metadata={"description": "what was not compared and why (an offboarded tenant)"},
    )
    findings = fields.List(fields.Nested(FindingSchema), required=True)


@blp.route("/<string:tenant_id>/reconcile")
class Reconcile(MethodView):
    @blp.arguments(ReconcileQuerySchema, location="query")
    @blp.response(200, ReconciliationSchema)
    @require_roles(Role.PLATFORM_ADMIN, tenant_scoped=False)
    def post(self, query: dict[str, Any], tenant_id: str) -> dict[str, object]:
        """Compare the tenant's directory with Keycloak; ``repair=true`` removes the drift."""
        result = use_cases.reconcile_one(
            platform_context(),
            provider=identity_provider(),
            tenant_id=tenant_id,
            repair=query["repair"],
        )
        return result.as_dict()
