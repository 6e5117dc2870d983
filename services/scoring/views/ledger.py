"""指标台账 (the metric ledger): what scoring has learned, for the assessment office."""

from __future__ import annotations

from flask.views import MethodView

from services.scoring.domain.ledger import LedgerEntry
from services.scoring.schemas.ledger import LedgerEntrySchema, LedgerQuerySchema
from services.scoring.use_cases import ledger as use_cases
from services.scoring.views import CENTRE, context
from shared.auth import require_roles
from shared.http import Blueprint, PageRequest, PageResponse, page_schema

blp = Blueprint("ledger", __name__, url_prefix="/ledger", description="指标台账 (metric ledger)")


@blp.route("")
class Ledger(MethodView):
    @blp.arguments(LedgerQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, page_schema(LedgerEntrySchema))
    @require_roles(*CENTRE)
    def get(
        self, paging: PageRequest, subject_id: str | None = None, metric: str | None = None
    ) -> PageResponse[LedgerEntry]:
        """The facts scoring has learned for the tenant, oldest first."""
        found = use_cases.list_facts(
            context(),
            offset=paging.offset,
            limit=paging.limit,
            subject_id=subject_id,
            metric=metric,
        )
        return paging.page_of(found.items, found.total)
