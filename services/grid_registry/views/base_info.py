"""基础信息采集 (base information): record figures per grid, list them, sum them up."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask.views import MethodView

from services.grid_registry.domain.base_info import SubCategory
from services.grid_registry.schemas.base_info import (
    FiguresBodySchema,
    FiguresLineSchema,
    FiguresQuerySchema,
    RecordedSchema,
    SubCategoryCreateSchema,
    SubCategoryQuerySchema,
    SubCategorySchema,
    SummaryPageSchema,
    SummaryQuerySchema,
)
from services.grid_registry.use_cases import base_info as use_cases
from services.grid_registry.views import READERS, WRITERS, context
from shared.auth import Role, require_roles
from shared.http import Blueprint, PageRequest, PageResponse, page_schema

blp = Blueprint("base_info", __name__, description="基础信息采集 (base-information figures)")

# Grid workers collect the figures in their grids (seed 001 信息采集), the centre corrects them.
RECORDERS = (*WRITERS, Role.GRID_LEADER, Role.GRID_WORKER)


@blp.route("/grids/<string:grid_id>/base-info/<string:category>/<string:sub_category>")
class GridFigures(MethodView):
    @blp.arguments(FiguresBodySchema)
    @blp.response(200, RecordedSchema)
    @blp.alt_response(404, description="no such grid in the tenant")
    @require_roles(*RECORDERS)
    def put(
        self, body: dict[str, Any], grid_id: str, category: str, sub_category: str
    ) -> use_cases.Recorded:
        """Record a grid's figures for a sub-category and date; the same date again replaces
        that date's figures (``outcome``). Publishes `baseinfo.recorded` unless unchanged."""
        return use_cases.record_figures(
            context(), grid_id=grid_id, category=category, sub_category=sub_category, **body
        )


@blp.route("/base-info")
class Figures(MethodView):
    @blp.arguments(FiguresQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, page_schema(FiguresLineSchema))
    @require_roles(*READERS)
    def get(
        self,
        paging: PageRequest,
        as_of: date | None = None,
        division_id: str | None = None,
        grid_id: str | None = None,
    ) -> PageResponse[use_cases.FiguresLine]:
        """Per grid and sub-category, the latest figures on or before ``as_of``, with rates."""
        found = use_cases.list_figures(
            context(),
            offset=paging.offset,
            limit=paging.limit,
            as_of=as_of,
            division_id=division_id,
            grid_id=grid_id,
        )
        return paging.page_of(found.items, found.total)


@blp.route("/base-info/summary")
class Summary(MethodView):
    @blp.arguments(SummaryQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, SummaryPageSchema)
    @require_roles(*READERS)
    def get(self, paging: PageRequest, by: str, as_of: date | None = None) -> dict[str, Any]:
        """Sums per division or grid and for the tenant, rates computed from the sums."""
        summary = use_cases.summarize(
            context(), by=by, offset=paging.offset, limit=paging.limit, as_of=as_of
        )
        return {
            "as_of": summary.as_of,
            "by": summary.by,
            "tenant": summary.tenant,
            "items": summary.items.items,
            "page": paging.page,
            "page_size": paging.page_size,
            "total": summary.items.total,
        }


@blp.route("/base-info/sub-categories")
class SubCategories(MethodView):
    @blp.arguments(SubCategoryQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, page_schema(SubCategorySchema))
    @require_roles(*READERS)
    def get(self, paging: PageRequest, category: str | None = None) -> PageResponse[SubCategory]:
        """The default sub-categories and the tenant's own, per category."""
        subs = [
            sub
            for sub in use_cases.sub_categories(context())
            if category is None or sub.category == category
        ]
        return paging.page_of(subs[paging.offset : paging.offset + paging.limit], len(subs))

    @blp.arguments(SubCategoryCreateSchema)
    @blp.response(201, SubCategorySchema)
    @require_roles(*WRITERS)
    def post(self, body: dict[str, Any]) -> tuple[SubCategory, int]:
        """Add a tenant sub-category (free-text id + Chinese label) under a category."""
        sub = use_cases.add_sub_category(context(), **body)
        return sub, 201
