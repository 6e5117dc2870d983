"""租户 (tenants): onboarding, offboarding and reading across tenants.

These views are cross-tenant: the caller's reach (platform, district, own tenant) comes from
the verified token only, and a tenant the caller may not see is 404, never 403. What a caller
reads of a tenant it may see depends on the same reach: its people (the first admin's login)
only for platform admins and the tenant's own users, never for a district overseer (ADR 9).
"""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.views import MethodView

from services.identity.domain.tenants import Tenant
from services.identity.schemas.tenants import (
    OffboardSchema,
    OnboardedSchema,
    TenantCreateSchema,
    TenantRecordSchema,
    TenantSchema,
)
from services.identity.use_cases import tenants as use_cases
from services.identity.use_cases.context import PlatformContext
from services.identity.views import identity_provider, platform_context
from shared.auth import Role, require_roles
from shared.http import Blueprint, PageQuerySchema, PageRequest, PageResponse, page_schema

blp = Blueprint("tenants", __name__, url_prefix="/tenants", description="租户 (tenants)")

_UNAVAILABLE = "Keycloak is unavailable; the tenant stays onboarding with the failed step"
_RECORD_FIELDS = tuple(TenantRecordSchema().fields)


def _as_seen(ctx: PlatformContext, tenant: Tenant) -> Tenant | dict[str, Any]:
    """``tenant`` whole for a platform admin or one of its own users; for anyone else who may
    see it (a district overseer) its record alone, without its people."""
    if Role.PLATFORM_ADMIN.value in ctx.roles or ctx.own_tenant_id == tenant.tenant_id:
        return tenant
    return {name: getattr(tenant, name) for name in _RECORD_FIELDS}


@blp.route("")
class Tenants(MethodView):
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, page_schema(TenantSchema))
    @require_roles(tenant_scoped=False)
    def get(self, paging: PageRequest) -> PageResponse[Tenant | dict[str, Any]]:
        """Tenants the caller may see: all (platform), its district's (without their people),
        or its own."""
        ctx = platform_context()
        found = use_cases.list_tenants(ctx, offset=paging.offset, limit=paging.limit)
        return paging.page_of([_as_seen(ctx, tenant) for tenant in found.items], found.total)

    @blp.arguments(TenantCreateSchema)
    @blp.response(201, OnboardedSchema)
    @blp.alt_response(409, description="the code exists, or the admin username is taken")
    @blp.alt_response(503, description=_UNAVAILABLE)
    @require_roles(Role.PLATFORM_ADMIN, tenant_scoped=False)
    def post(self, body: dict[str, Any]) -> tuple[use_cases.Onboarded, int, dict[str, str]]:
        """Onboard a tenant: record, Keycloak organization, first admin, `tenant.onboarded`."""
        admin = body.pop("admin")
        done = use_cases.onboard_tenant(
            platform_context(),
            provider=identity_provider(),
            admin_username=admin["username"],
            admin_display_name=admin["display_name"],
            admin_email=admin.get("email"),
            admin_phone=admin["phone"],
            **body,
        )
        location = url_for("tenants.TenantById", tenant_id=done.tenant.tenant_id)
        return done, 201, {"Location": location, "Cache-Control": "no-store"}


@blp.route("/<string:tenant_id>")
class TenantById(MethodView):
    @blp.response(200, TenantSchema)
    @require_roles(tenant_scoped=False)
    def get(self, tenant_id: str) -> Tenant | dict[str, Any]:
        """One tenant the caller may see (a district overseer: without its people); 404 for
        any other."""
        ctx = platform_context()
        return _as_seen(ctx, use_cases.get_tenant(ctx, tenant_id=tenant_id))


@blp.route("/<string:tenant_id>/onboarding/retry")
class OnboardingRetry(MethodView):
    @blp.response(200, OnboardedSchema)
    @blp.alt_response(409, description="the tenant is not onboarding")
    @blp.alt_response(503, description=_UNAVAILABLE)
    @require_roles(Role.PLATFORM_ADMIN, tenant_scoped=False)
    def post(self, tenant_id: str) -> tuple[use_cases.Onboarded, int, dict[str, str]]:
        """Complete an interrupted onboarding; answers a fresh one-time admin password."""
        done = use_cases.retry_onboarding(
            platform_context(), provider=identity_provider(), tenant_id=tenant_id
        )
        return done, 200, {"Cache-Control": "no-store"}


@blp.route("/<string:tenant_id>/offboard")
class Offboard(MethodView):
    @blp.arguments(OffboardSchema)
    @blp.response(200, TenantSchema)
    @blp.alt_response(409, description="the tenant is not active")
    @require_roles(Role.PLATFORM_ADMIN, tenant_scoped=False)
    def post(self, body: dict[str, Any], tenant_id: str) -> Tenant:
        """Disable the tenant's logins (organization, users, service accounts); keep records."""
        return use_cases.offboard_tenant(
            platform_context(),
            provider=identity_provider(),
            tenant_id=tenant_id,
            reason=body["reason"],
        )


@blp.route("/<string:tenant_id>/reactivate")
class Reactivate(MethodView):
    @blp.response(200, TenantSchema)
    @blp.alt_response(409, description="the tenant is not offboarded")
    @require_roles(Role.PLATFORM_ADMIN, tenant_scoped=False)
    def post(self, tenant_id: str) -> Tenant:
        """Reverse an offboarding."""
        return use_cases.reactivate_tenant(
            platform_context(), provider=identity_provider(), tenant_id=tenant_id
        )
