"""工作记录 (work records): service records, logs, screenings, visits, agency services,
meeting and training attendance, written reports, badge and confidentiality findings."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from services.event_intake.domain.records import WorkRecord
from services.event_intake.schemas.records import (
    RecordCorrectSchema,
    RecordCreateSchema,
    RecordPageQuerySchema,
    RecordSchema,
    RecordVoidSchema,
)
from services.event_intake.use_cases import records as use_cases
from services.event_intake.views import CENTRE, READERS, context
from shared.auth import Role, require_roles
from shared.http import Blueprint, PageRequest, PageResponse, page_schema

blp = Blueprint("records", __name__, description="工作记录 (work records) of grid workers")

# Who keeps records: a grid worker his own, the centre anyone's (the use case narrows).
RECORDERS = (Role.GRID_WORKER, *CENTRE)


@blp.route("/records")
class Records(MethodView):
    @blp.arguments(RecordPageQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, page_schema(RecordSchema))
    @require_roles(*READERS)
    def get(self, paging: PageRequest, **filters: Any) -> PageResponse[WorkRecord]:
        """Records, newest day first; a grid worker sees only his own, the centre the tenant's.
        Filters: kind, grid_id, worker_id, date_from, date_to (inclusive), voided."""
        found = use_cases.list_records(
            context(), offset=paging.offset, limit=paging.limit, **filters
        )
        return paging.page_of(found.items, found.total)

    @blp.arguments(RecordCreateSchema)
    @blp.response(201, RecordSchema)
    @blp.alt_response(403, description="not your record, not your grid that day, or centre-only")
    @blp.alt_response(409, description="request_id already used for a different record")
    @require_roles(*RECORDERS)
    def post(self, body: dict[str, Any]) -> tuple[WorkRecord, int]:
        """Record work; publishes `record.created`. A retry with the same ``request_id``
        answers the first record."""
        return use_cases.record_work(context(), **body), 201


@blp.route("/records/<string:record_id>")
class Record(MethodView):
    @blp.response(200, RecordSchema)
    @require_roles(*READERS)
    def get(self, record_id: str) -> WorkRecord:
        """One record (a grid worker's own only)."""
        return use_cases.get_record(context(), record_id=record_id)

    @blp.arguments(RecordCorrectSchema)
    @blp.response(200, RecordSchema)
    @blp.alt_response(409, description="the record is voided")
    @require_roles(*RECORDERS)
    def patch(self, body: dict[str, Any], record_id: str) -> WorkRecord:
        """Correct a record with a reason; publishes `record.corrected`."""
        reason = body.pop("reason")
        return use_cases.correct_record(context(), record_id=record_id, reason=reason, changes=body)


@blp.route("/records/<string:record_id>/void")
class RecordVoid(MethodView):
    @blp.arguments(RecordVoidSchema)
    @blp.response(200, RecordSchema)
    @blp.alt_response(409, description="already voided")
    @require_roles(*CENTRE)
    def post(self, body: dict[str, Any], record_id: str) -> WorkRecord:
        """Void a record (作废), centre only; publishes `record.voided`."""
        return use_cases.void_record(context(), record_id=record_id, reason=body["reason"])
