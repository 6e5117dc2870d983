"""scoring's HTTP API: parse -> one use case -> render."""

from __future__ import annotations

from flask.views import MethodView

from services.scoring import use_cases
from services.scoring.domain.ledger import LedgerEntry
from services.scoring.schemas import LedgerEntrySchema, LedgerQuerySchema
from services.scoring.use_cases import ScoringContext
from shared.auth import Role, require_roles
from shared.http import Blueprint, PageRequest, PageResponse, page_schema, request_context

blp = Blueprint("ledger", __name__, url_prefix="/ledger", description="指标台账 (metric ledger)")


@blp.route("")
class Ledger(MethodView):
    @blp.arguments(LedgerQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, page_schema(LedgerEntrySchema))
    @require_roles(Role.TENANT_ADMIN, Role.CENTER_STAFF)
    def get(
        self, paging: PageRequest, subject_id: str | None = None, metric: str | None = None
    ) -> PageResponse[LedgerEntry]:
        """The facts scoring has learned for the tenant, oldest first."""
        found = use_cases.list_facts(
            request_context(ScoringContext),
            offset=paging.offset,
            limit=paging.limit,
            subject_id=subject_id,
            metric=metric,
        )
        return paging.page_of(found.items, found.total)
