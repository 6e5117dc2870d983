"""抽样框 (sampling frames): import a household list, build an event-callback frame, read the
counts per grid. Centre only; after the import nothing answers a phone number, address or
household reference.
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from services.survey.schemas.frames import (
    UPLOAD_BODY,
    EventFrameSchema,
    FrameCountsSchema,
)
from services.survey.use_cases import frames as use_cases
from services.survey.use_cases.frames import EventFrame, FrameCounts
from services.survey.views import CENTRE, context
from shared.auth import require_roles
from shared.http import Blueprint, accepts
from shared.http.uploads import (
    ImportCountsSchema,
    ImportQuerySchema,
    import_report_body,
    uploaded_file,
)

blp = Blueprint("frames", __name__, description="抽样框 (sampling frames)")


@blp.route("/campaigns/<string:campaign_id>/frame")
class Frame(MethodView):
    @blp.response(200, FrameCountsSchema)
    @require_roles(*CENTRE)
    def get(self, campaign_id: str) -> FrameCounts:
        """How many households (or events) each grid has in the frame; never an entry."""
        return use_cases.frame_counts(context(), campaign_id=campaign_id)

    @blp.arguments(ImportQuerySchema, location="query", as_kwargs=True)
    @blp.doc(requestBody=UPLOAD_BODY)
    @blp.response(200, ImportCountsSchema)
    @blp.alt_response(409, description="an event-callback or closed campaign")
    @accepts("multipart/form-data")
    @require_roles(*CENTRE)
    def post(self, campaign_id: str, dry_run: bool) -> dict[str, Any]:
        """Import households (户编号, 网格编码, 联系电话, 地址): good rows land, bad ones are
        reported per column; the same household again is updated, never duplicated, and the
        same file again changes nothing. After the draw, households can be corrected but not
        added or moved."""
        data, filename = uploaded_file()
        ctx = context()
        report = use_cases.import_frame(
            ctx.as_dry_run() if dry_run else ctx,
            campaign_id=campaign_id,
            data=data,
            filename=filename,
        )
        return import_report_body(report)


@blp.route("/campaigns/<string:campaign_id>/frame/closed-events")
class FrameFromClosedEvents(MethodView):
    @blp.response(200, EventFrameSchema)
    @blp.alt_response(409, description="not an event callback, drawn already, or closed")
    @require_roles(*CENTRE)
    def post(self, campaign_id: str) -> EventFrame:
        """An event-callback campaign's frame: every event closed in its period, one entry
        each (no contact data: the centre calls the reporter through intake)."""
        return use_cases.frame_from_closed_events(context(), campaign_id=campaign_id)
