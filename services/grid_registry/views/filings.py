"""制度备案 (filed management systems): the checklist, filings, withdrawals, status views."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask.views import MethodView

from services.grid_registry.domain.filings import ChecklistLine, Filing, FilingItem
from services.grid_registry.schemas.filings import (
    AsOfQuerySchema,
    ChecklistLineSchema,
    FilingCreateSchema,
    FilingItemCreateSchema,
    FilingItemSchema,
    FilingSchema,
    StatusPageSchema,
    WithdrawSchema,
)
from services.grid_registry.use_cases import filings as use_cases
from services.grid_registry.views import READERS, WRITERS, context
from shared.auth import require_roles
from shared.http import Blueprint, PageQuerySchema, PageRequest, PageResponse, page_schema

blp = Blueprint("filings", __name__, description="制度备案 (filed management systems)")


@blp.route("/filing-items")
class FilingItems(MethodView):
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, page_schema(FilingItemSchema))
    @require_roles(*READERS)
    def get(self, paging: PageRequest) -> PageResponse[FilingItem]:
        """The tenant's checklist of items to file, retired ones included, by code."""
        items = use_cases.list_items(context())
        return paging.page_of(items[paging.offset : paging.offset + paging.limit], len(items))

    @blp.arguments(FilingItemCreateSchema)
    @blp.response(201, FilingItemSchema)
    @require_roles(*WRITERS)
    def post(self, body: dict[str, Any]) -> tuple[FilingItem, int]:
        """Add an item to the checklist (defaults: management_rules, assessment_rules)."""
        item = use_cases.add_item(context(), **body)
        return item, 201


@blp.route("/filing-items/<string:code>/retire")
class RetireFilingItem(MethodView):
    @blp.response(200, FilingItemSchema)
    @blp.alt_response(409, description="already retired")
    @require_roles(*WRITERS)
    def post(self, code: str) -> FilingItem:
        """Take an item off the checklist from today on; its filings stay in history."""
        return use_cases.retire_item(context(), code=code)


@blp.route("/divisions/<string:division_id>/filings")
class DivisionFilings(MethodView):
    @blp.arguments(AsOfQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, page_schema(ChecklistLineSchema))
    @require_roles(*READERS)
    def get(
        self, division_id: str, paging: PageRequest, as_of: date | None = None
    ) -> PageResponse[ChecklistLine]:
        """The division's checklist as of a day: status per item and every filing made."""
        lines = use_cases.division_checklist(context(), division_id=division_id, as_of=as_of)
        return paging.page_of(lines[paging.offset : paging.offset + paging.limit], len(lines))

    @blp.arguments(FilingCreateSchema)
    @blp.response(201, FilingSchema)
    @blp.alt_response(409, description="the item is already filed (withdraw first) or retired")
    @require_roles(*WRITERS)
    def post(self, body: dict[str, Any], division_id: str) -> tuple[Filing, int]:
        """Record a division's filing with the centre; publishes `filing.recorded`."""
        evidence = body.pop("evidence")
        filing = use_cases.file_item(context(), division_id=division_id, **body, **evidence)
        return filing, 201


@blp.route("/filings/<string:filing_id>/withdraw")
class WithdrawFiling(MethodView):
    @blp.arguments(WithdrawSchema)
    @blp.response(200, FilingSchema)
    @blp.alt_response(409, description="already withdrawn")
    @require_roles(*WRITERS)
    def post(self, body: dict[str, Any], filing_id: str) -> Filing:
        """Withdraw a filing (the item is missing again until re-filed); `filing.withdrawn`."""
        return use_cases.withdraw_filing(context(), filing_id=filing_id, **body)


@blp.route("/filings/status")
class FilingStatusView(MethodView):
    @blp.arguments(AsOfQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, StatusPageSchema)
    @require_roles(*WRITERS)
    def get(self, paging: PageRequest, as_of: date | None = None) -> dict[str, Any]:
        """For the centre: every division x checklist item as of a day, divisions by code."""
        day, page = use_cases.status_matrix(
            context(),
            offset=paging.offset,
            limit=paging.limit,
            as_of=as_of,
        )
        return {
            "as_of": day,
            "items": page.items,
            "page": paging.page,
            "page_size": paging.page_size,
            "total": page.total,
        }
