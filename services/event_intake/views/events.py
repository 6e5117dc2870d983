"""事项 (events): report, act, read, list; duplicate suggestions and merges."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask.views import MethodView

from services.event_intake.domain.events import Event
from services.event_intake.repository.events import EventFilter, EventSummary
from services.event_intake.schemas.events import (
    EventActionSchema,
    EventListQuerySchema,
    EventReportSchema,
    EventSchema,
    EventSummarySchema,
    MergedListSchema,
    ReportedSchema,
    SuggestionListSchema,
)
from services.event_intake.use_cases import events as use_cases
from services.event_intake.views import READERS, context
from shared.auth import require_roles
from shared.http import Blueprint, PageRequest, PageResponse, page_schema
from shared.http.ratelimit import ingestion

blp = Blueprint("events", __name__, description="事项上报与流转 (events and their workflow)")


@blp.route("/events")
class Events(MethodView):
    @blp.arguments(EventListQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, page_schema(EventSummarySchema))
    @require_roles(*READERS)
    def get(self, paging: PageRequest, where: EventFilter) -> PageResponse[EventSummary]:
        """The events the caller may see (the centre: the tenant's; a grid worker: his
        grids'; a department: what was dispatched to it), newest report first."""
        found = use_cases.list_events(
            context(), where=where, offset=paging.offset, limit=paging.limit
        )
        return paging.page_of(found.items, found.total)

    @blp.arguments(EventReportSchema)
    @blp.response(201, ReportedSchema)
    @blp.alt_response(
        200, schema=ReportedSchema, description="a retried request id: the first report"
    )
    @require_roles(*READERS)
    @ingestion
    def post(self, body: dict[str, Any]) -> tuple[dict[str, Any], int]:
        """Report an event (上报); publishes `event.reported`. The grid is located from the
        position when not given; earlier reports that may be the same matter are suggested."""
        found = use_cases.report_event(context(), **body)
        rendered = {**_fields(found.event), "possible_duplicates": found.possible_duplicates}
        return rendered, 201 if found.created else 200


def _fields(event: Event) -> dict[str, Any]:
    """The event as the response schema reads it (attributes of the dataclass)."""
    values = {name: getattr(event, name) for name in event.__dataclass_fields__}
    values["position"] = None if event.position is None else asdict(event.position)
    return values


@blp.route("/events/<string:event_id>")
class EventItem(MethodView):
    @blp.response(200, EventSchema)
    @require_roles(*READERS)
    def get(self, event_id: str) -> Event:
        """The event with its deadlines, flags and full history."""
        return use_cases.get_event(context(), event_id=event_id)


@blp.route("/events/<string:event_id>/actions")
class EventActions(MethodView):
    @blp.arguments(EventActionSchema)
    @blp.response(200, EventSchema)
    @blp.alt_response(409, description="the event's state does not allow the action")
    @require_roles(*READERS)
    def post(self, body: dict[str, Any], event_id: str) -> Event:
        """Take one action on the event as the caller (受理, 派遣, 上报, 办理, 办结, 结案,
        回退, 重办, 无效, 挂起, 恢复, 延期, 审核, 推诿, 合并, 迟报); publishes it. The same
        ``request_id`` again changes nothing."""
        return use_cases.act(context(), event_id=event_id, **body)


@blp.route("/events/<string:event_id>/duplicates")
class EventDuplicates(MethodView):
    @blp.response(200, SuggestionListSchema)
    @require_roles(*READERS)
    def get(self, event_id: str) -> dict[str, Any]:
        """Earlier live reports of the same category near this one in the tenant's window."""
        return {"items": use_cases.duplicate_suggestions(context(), event_id=event_id)}


@blp.route("/events/<string:event_id>/merged")
class EventMerged(MethodView):
    @blp.response(200, MergedListSchema)
    @require_roles(*READERS)
    def get(self, event_id: str) -> dict[str, Any]:
        """The later reports merged into this one (it keeps their credit)."""
        return {
            "event_id": event_id,
            "merged": use_cases.merged_reports(context(), event_id=event_id),
        }
