"""服务账号 (service accounts): confidential clients for a tenant's integrations."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from services.identity.domain.service_accounts import ServiceAccount
from services.identity.schemas.service_accounts import (
    ServiceAccountCreateSchema,
    ServiceAccountSchema,
    ServiceAccountSecretSchema,
)
from services.identity.use_cases import service_accounts as use_cases
from services.identity.views import context, identity_provider
from shared.auth import Role, require_roles
from shared.http import Blueprint, PageQuerySchema, PageRequest, PageResponse, page_schema

blp = Blueprint(
    "service_accounts",
    __name__,
    url_prefix="/service-accounts",
    description="服务账号 (service accounts for integrations)",
)
_NO_STORE = {"Cache-Control": "no-store"}


@blp.route("")
class ServiceAccounts(MethodView):
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, page_schema(ServiceAccountSchema))
    @require_roles(Role.TENANT_ADMIN)
    def get(self, paging: PageRequest) -> PageResponse[ServiceAccount]:
        """The tenant's service accounts, ordered by name (never their secrets)."""
        found = use_cases.list_service_accounts(context(), offset=paging.offset, limit=paging.limit)
        return paging.page_of(found.items, found.total)

    @blp.arguments(ServiceAccountCreateSchema)
    @blp.response(201, ServiceAccountSecretSchema)
    @blp.alt_response(409, description="a service account with this name exists")
    @require_roles(Role.TENANT_ADMIN)
    def post(self, body: dict[str, Any]) -> tuple[use_cases.WithSecret, int, dict[str, str]]:
        """Create a client ``svc-<tenant>-<name>``; its secret is shown once."""
        created = use_cases.create_service_account(context(), provider=identity_provider(), **body)
        return created, 201, _NO_STORE


@blp.route("/<string:service_account_id>/rotate-secret")
class RotateSecret(MethodView):
    @blp.response(200, ServiceAccountSecretSchema)
    @blp.alt_response(409, description="the service account is disabled")
    @require_roles(Role.TENANT_ADMIN)
    def post(self, service_account_id: str) -> tuple[use_cases.WithSecret, int, dict[str, str]]:
        """Replace the secret (the old one stops working); the new one is shown once."""
        rotated = use_cases.rotate_secret(
            context(), provider=identity_provider(), service_account_id=service_account_id
        )
        return rotated, 200, _NO_STORE


@blp.route("/<string:service_account_id>/disable")
class Disable(MethodView):
    @blp.response(200, ServiceAccountSchema)
    @require_roles(Role.TENANT_ADMIN)
    def post(self, service_account_id: str) -> ServiceAccount:
        """Stop the client from getting tokens; publishes `service_account.disabled`."""
        return use_cases.disable_service_account(
            context(), provider=identity_provider(), service_account_id=service_account_id
        )


@blp.route("/<string:service_account_id>/enable")
class Enable(MethodView):
    @blp.response(200, ServiceAccountSchema)
    @require_roles(Role.TENANT_ADMIN)
    def post(self, service_account_id: str) -> ServiceAccount:
        """Let the client get tokens again."""
        return use_cases.enable_service_account(
            context(), provider=identity_provider(), service_account_id=service_account_id
        )
