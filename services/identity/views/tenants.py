"""租户 (tenants): onboarding, offboarding and reading across tenants.

These views are cross-tenant: the caller's reach (platform, district, own tenant) comes from
the verified token only, and a tenant the caller may not see is 404, never 403.
"""

from __future__ import annotations

from typing import Any

from flask import g, url_for
from flask.views import MethodView

from services.identity.domain.tenants import Tenant
from services.identity.repository.districts import DistrictRepository
from services.identity.repository.tenants import TenantCatalog
from services.identity.schemas.tenants import (
    OffboardSchema,
    OnboardedSchema,
    TenantCreateSchema,
    TenantSchema,
)
from services.identity.use_cases import tenants as use_cases
from services.identity.views import identity_provider
from shared.auth import Role, current_principal, require_roles
from shared.http import Blueprint, PageQuerySchema, PageRequest, PageResponse, page_schema

blp = Blueprint("tenants", __name__, url_prefix="/tenants", description="租户 (tenants)")

_UNAVAILABLE = "Keycloak is unavailable; the tenant stays onboarding with the failed step"


def _scope() -> use_cases.Scope:
    principal = current_principal()
    return use_cases.Scope(
        roles=frozenset(principal.roles),
        tenant_id=principal.tenant_id,
        district_id=principal.district_id,
    )


@blp.route("")
class Tenants(MethodView):
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, page_schema(TenantSchema))
    @require_roles(tenant_scoped=False)
    def get(self, paging: PageRequest) -> PageResponse[Tenant]:
        """Tenants the caller may see: all (platform), its district's, or its own."""
        found = use_cases.list_tenants(
            scope=_scope(), catalog=TenantCatalog(), offset=paging.offset, limit=paging.limit
        )
        return paging.page_of(found.items, found.total)

    @blp.arguments(TenantCreateSchema)
    @blp.response(201, OnboardedSchema)
    @blp.alt_response(409, description="the code exists, or the admin username is taken")
    @blp.alt_response(503, description=_UNAVAILABLE)
    @require_roles(Role.PLATFORM_ADMIN, tenant_scoped=False)
    def post(self, body: dict[str, Any]) -> tuple[use_cases.Onboarded, int, dict[str, str]]:
        """Onboard a tenant: record, Keycloak organization, first admin, `tenant.onboarded`."""
        admin = body.pop("admin")
        done = use_cases.onboard_tenant(
            provider=identity_provider(),
            districts=DistrictRepository(),
            actor=current_principal().subject,
            admin_username=admin["username"],
            admin_display_name=admin["display_name"],
            admin_email=admin.get("email"),
            admin_phone=admin["phone"],
            correlation_id=g.request_id,
            **body,
        )
        location = url_for("tenants.TenantById", tenant_id=done.tenant.tenant_id)
        return done, 201, {"Location": location, "Cache-Control": "no-store"}


@blp.route("/<string:tenant_id>")
class TenantById(MethodView):
    @blp.response(200, TenantSchema)
    @require_roles(tenant_scoped=False)
    def get(self, tenant_id: str) -> Tenant:
        """One tenant the caller may see; 404 for any other."""
        return use_cases.get_tenant(scope=_scope(), tenant_id=tenant_id)


@blp.route("/<string:tenant_id>/onboarding/retry")
class OnboardingRetry(MethodView):
    @blp.response(200, OnboardedSchema)
    @blp.alt_response(409, description="the tenant is not onboarding")
    @blp.alt_response(503, description=_UNAVAILABLE)
    @require_roles(Role.PLATFORM_ADMIN, tenant_scoped=False)
    def post(self, tenant_id: str) -> tuple[use_cases.Onboarded, int, dict[str, str]]:
        """Complete an interrupted onboarding; answers a fresh one-time admin password."""
        done = use_cases.retry_onboarding(
            provider=identity_provider(),
            actor=current_principal().subject,
            tenant_id=tenant_id,
            correlation_id=g.request_id,
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
            provider=identity_provider(),
            actor=current_principal().subject,
            tenant_id=tenant_id,
            reason=body["reason"],
            correlation_id=g.request_id,
        )


@blp.route("/<string:tenant_id>/reactivate")
class Reactivate(MethodView):
    @blp.response(200, TenantSchema)
    @blp.alt_response(409, description="the tenant is not offboarded")
    @require_roles(Role.PLATFORM_ADMIN, tenant_scoped=False)
    def post(self, tenant_id: str) -> Tenant:
        """Reverse an offboarding."""
        return use_cases.reactivate_tenant(
            provider=identity_provider(),
            actor=current_principal().subject,
            tenant_id=tenant_id,
            correlation_id=g.request_id,
        )
