"""村/社区 (divisions): create, read, list."""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for
from flask.views import MethodView

from services.grid_registry.domain.divisions import Division
from services.grid_registry.schemas.divisions import (
    DivisionCreateSchema,
    DivisionQuerySchema,
    DivisionSchema,
)
from services.grid_registry.use_cases import divisions as use_cases
from services.grid_registry.views import READERS, WRITERS, context
from shared.auth import require_roles
from shared.http import Blueprint, PageRequest, PageResponse, page_schema

blp = Blueprint("divisions", __name__, url_prefix="/divisions", description="村/社区 (divisions)")


@blp.route("")
class Divisions(MethodView):
    @blp.arguments(DivisionQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, page_schema(DivisionSchema))
    @require_roles(*READERS)
    def get(self, paging: PageRequest, kind: str | None = None) -> PageResponse[Division]:
        """List the tenant's divisions, ordered by code."""
        found = use_cases.list_divisions(
            context(), offset=paging.offset, limit=paging.limit, kind=kind
        )
        return paging.page_of(found.items, found.total)

    @blp.arguments(DivisionCreateSchema)
    @blp.response(201, DivisionSchema)
    @blp.alt_response(409, description="a division with this code exists in the tenant")
    @require_roles(*WRITERS)
    def post(self, body: dict[str, Any]) -> tuple[Division, int, dict[str, str]]:
        """Register a village or community; publishes `division.created`."""
        division = use_cases.create_division(context(), **body)
        location = url_for("divisions.DivisionById", division_id=division.division_id)
        current_app.logger.info("division created", extra={"division_id": division.division_id})
        return division, 201, {"Location": location}


@blp.route("/<string:division_id>")
class DivisionById(MethodView):
    @blp.response(200, DivisionSchema)
    @require_roles(*READERS)
    def get(self, division_id: str) -> Division:
        """One division of the tenant; 404 for any other tenant's."""
        return use_cases.get_division(context(), division_id=division_id)
