"""区 (districts): platform data, created and listed by platform admins."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from services.identity.domain.districts import District
from services.identity.schemas.districts import DistrictCreateSchema, DistrictSchema
from services.identity.use_cases import districts as use_cases
from services.identity.views import platform_context
from shared.auth import Role, require_roles
from shared.http import Blueprint, PageQuerySchema, PageRequest, PageResponse, page_schema

blp = Blueprint("districts", __name__, url_prefix="/districts", description="区 (districts)")


@blp.route("")
class Districts(MethodView):
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, page_schema(DistrictSchema))
    @require_roles(Role.PLATFORM_ADMIN, tenant_scoped=False)
    def get(self, paging: PageRequest) -> PageResponse[District]:
        """List the districts, ordered by id."""
        found = use_cases.list_districts(
            platform_context(), offset=paging.offset, limit=paging.limit
        )
        return paging.page_of(found.items, found.total)

    @blp.arguments(DistrictCreateSchema)
    @blp.response(201, DistrictSchema)
    @blp.alt_response(409, description="a district with this id exists")
    @require_roles(Role.PLATFORM_ADMIN, tenant_scoped=False)
    def post(self, body: dict[str, Any]) -> District:
        """Register a district."""
        return use_cases.create_district(platform_context(), **body)
