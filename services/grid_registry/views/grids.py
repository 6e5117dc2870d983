"""网格 (grids): lifecycle with history, queries, and point-in-grid."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import current_app, url_for
from flask.views import MethodView

from services.grid_registry.domain.grids import Grid
from services.grid_registry.schemas.grids import (
    BoundaryChangeSchema,
    GridCreateSchema,
    GridHistorySchema,
    GridQuerySchema,
    GridSchema,
    GridUpdateSchema,
    LocatedGridSchema,
    LocatedManySchema,
    LocateManySchema,
    LocateQuerySchema,
    MergeSchema,
    RetireSchema,
    SplitSchema,
)
from services.grid_registry.use_cases import grids as use_cases
from services.grid_registry.views import READERS, WRITERS, context
from shared.auth import require_roles
from shared.http import Blueprint, PageRequest, PageResponse, page_schema

blp = Blueprint("grids", __name__, url_prefix="/grids", description="网格 (grids)")


@blp.route("")
class Grids(MethodView):
    @blp.arguments(GridQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, page_schema(GridSchema))
    @require_roles(*READERS)
    def get(
        self,
        paging: PageRequest,
        division_id: str | None = None,
        type: str | None = None,
        status: str | None = None,
        as_of: date | None = None,
    ) -> PageResponse[Grid]:
        """List grids by code: active ones by default, or those valid on `as_of`."""
        found = use_cases.list_grids(
            context(),
            offset=paging.offset,
            limit=paging.limit,
            division_id=division_id,
            type=type,
            status=status,
            as_of=as_of,
        )
        items = found.items if as_of is None else [use_cases.grid_on(x, as_of) for x in found.items]
        return paging.page_of(items, found.total)

    @blp.arguments(GridCreateSchema)
    @blp.response(201, GridSchema)
    @blp.alt_response(409, description="a grid with this code exists in the tenant")
    @require_roles(*WRITERS)
    def post(self, body: dict[str, Any]) -> tuple[Grid, int, dict[str, str]]:
        """Create a grid in a division; publishes `grid.created`."""
        grid = use_cases.create_grid(context(), **body)
        current_app.logger.info("grid created", extra={"grid_id": grid.grid_id})
        return grid, 201, {"Location": url_for("grids.GridById", grid_id=grid.grid_id)}


@blp.route("/merge")
class GridMerge(MethodView):
    @blp.arguments(MergeSchema)
    @blp.response(201, GridSchema)
    @blp.alt_response(409, description="a grid is retired, or the code exists")
    @require_roles(*WRITERS)
    def post(self, body: dict[str, Any]) -> tuple[Grid, int]:
        """Merge 2..n active grids of one division; publishes `grid.created` and `grid.merged`."""
        return use_cases.merge_grids(context(), **body), 201


@blp.route("/locate")
class GridLocate(MethodView):
    @blp.arguments(LocateQuerySchema, location="query")
    @blp.response(200, LocatedGridSchema)
    @blp.alt_response(404, description="no grid of this tenant contains the point")
    @require_roles(*READERS)
    def get(self, query: dict[str, float]) -> use_cases.LocatedGrid:
        """The active grid containing a [lon, lat] position."""
        return use_cases.locate(context(), lon=query["lon"], lat=query["lat"])

    @blp.arguments(LocateManySchema)
    @blp.response(200, LocatedManySchema)
    @require_roles(*READERS)
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """The active grid of each position, in order (null where none)."""
        found = use_cases.locate_many(context(), points=body["points"])
        return {"grids": found}


@blp.route("/<string:grid_id>")
class GridById(MethodView):
    @blp.response(200, GridSchema)
    @require_roles(*READERS)
    def get(self, grid_id: str) -> Grid:
        """One grid with its boundary (GeoJSON) and area; 404 for another tenant's."""
        return use_cases.get_grid(context(), grid_id=grid_id)

    @blp.arguments(GridUpdateSchema)
    @blp.response(200, GridSchema)
    @blp.alt_response(409, description="the grid is retired")
    @require_roles(*WRITERS)
    def patch(self, body: dict[str, Any], grid_id: str) -> Grid:
        """Rename and/or retype a grid; publishes `grid.updated`."""
        return use_cases.update_grid(context(), grid_id=grid_id, **body)


@blp.route("/<string:grid_id>/boundary")
class GridBoundary(MethodView):
    @blp.arguments(BoundaryChangeSchema)
    @blp.response(200, GridSchema)
    @blp.alt_response(409, description="the grid is retired")
    @require_roles(*WRITERS)
    def put(self, body: dict[str, Any], grid_id: str) -> Grid:
        """Give a grid a new boundary from today; publishes `grid.boundary_changed`."""
        return use_cases.change_boundary(context(), grid_id=grid_id, **body)


@blp.route("/<string:grid_id>/split")
class GridSplit(MethodView):
    @blp.arguments(SplitSchema)
    @blp.response(201, GridSchema(many=True))
    @blp.alt_response(409, description="the grid is retired, or a code exists")
    @require_roles(*WRITERS)
    def post(self, body: dict[str, Any], grid_id: str) -> tuple[list[Grid], int]:
        """Split a grid into 2..n new grids; publishes `grid.created` and `grid.split`."""
        return use_cases.split_grid(context(), grid_id=grid_id, **body), 201


@blp.route("/<string:grid_id>/retire")
class GridRetire(MethodView):
    @blp.arguments(RetireSchema)
    @blp.response(200, GridSchema)
    @blp.alt_response(409, description="the grid is already retired")
    @require_roles(*WRITERS)
    def post(self, body: dict[str, Any], grid_id: str) -> Grid:
        """Retire a grid (reason required); publishes `grid.retired`."""
        return use_cases.retire_grid(context(), grid_id=grid_id, **body)


@blp.route("/<string:grid_id>/history")
class GridHistory(MethodView):
    @blp.response(200, GridHistorySchema)
    @require_roles(*READERS)
    def get(self, grid_id: str) -> use_cases.GridHistory:
        """A grid's former boundaries and lineage."""
        return use_cases.grid_history(context(), grid_id=grid_id)
