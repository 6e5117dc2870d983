"""人工录入指标 (manual inputs): what no service records, entered by the centre with evidence."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from services.scoring.domain.manual import ManualInput
from services.scoring.schemas.manual_inputs import (
    ManualInputCorrectionSchema,
    ManualInputCreateSchema,
    ManualInputQuerySchema,
    ManualInputSchema,
)
from services.scoring.use_cases import manual_inputs as use_cases
from services.scoring.views import CENTRE, context
from shared.auth import require_roles
from shared.http import Blueprint, PageRequest, PageResponse, page_schema

blp = Blueprint(
    "manual_inputs",
    __name__,
    url_prefix="/manual-inputs",
    description="人工录入指标 (manual inputs with evidence)",
)


@blp.route("")
class ManualInputs(MethodView):
    @blp.arguments(ManualInputQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, page_schema(ManualInputSchema))
    @require_roles(*CENTRE)
    def get(self, paging: PageRequest, **filters: Any) -> PageResponse[ManualInput]:
        """A period's manual inputs, by input then subject (filters: subject_id, input_id)."""
        found = use_cases.list_manual_inputs(
            context(), offset=paging.offset, limit=paging.limit, **filters
        )
        return paging.page_of(found.items, found.total)

    @blp.arguments(ManualInputCreateSchema)
    @blp.response(201, ManualInputSchema)
    @blp.alt_response(409, description="this input, subject and period has a value: correct it")
    @require_roles(*CENTRE)
    def post(self, body: dict[str, Any]) -> ManualInput:
        """Enter a value with its evidence; publishes `scoring.manual_input_recorded`."""
        return use_cases.record_manual_input(context(), **body)


@blp.route("/<string:manual_input_id>")
class ManualInputItem(MethodView):
    @blp.response(200, ManualInputSchema)
    @require_roles(*CENTRE)
    def get(self, manual_input_id: str) -> ManualInput:
        """One manual input with every revision."""
        return use_cases.get_manual_input(context(), manual_input_id=manual_input_id)


@blp.route("/<string:manual_input_id>/corrections")
class ManualInputCorrections(MethodView):
    @blp.arguments(ManualInputCorrectionSchema)
    @blp.response(201, ManualInputSchema)
    @require_roles(*CENTRE)
    def post(self, body: dict[str, Any], manual_input_id: str) -> ManualInput:
        """Correct the value with a reason (the next revision; earlier ones stay); publishes
        `scoring.manual_input_recorded`."""
        return use_cases.correct_manual_input(
            context(), manual_input_id=manual_input_id, value=body["value"], reason=body["reason"]
        )
