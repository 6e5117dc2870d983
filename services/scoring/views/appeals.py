"""申诉/复核 (appeals): a subject appeals one line of a published score sheet with evidence; the
centre accepts (correcting the facts and republishing the period) or rejects it; the
tenant's appeal window and review deadline.

An evidence upload may be larger than a JSON body: the app-wide cap is raised for that view
only, to the evidence limit (``GRIDGOV_APPEAL_EVIDENCE_MAX_BYTES``) plus multipart framing
(`shared.http.uploads.uploaded_file`); the file is then held to the limit exactly.
"""

from __future__ import annotations

import io
from typing import Any

from flask import Response, current_app, send_file
from flask.views import MethodView

from services.scoring.domain.appeals import Appeal, AppealSettings, Evidence
from services.scoring.schemas.appeals import (
    EVIDENCE_RESPONSE,
    UPLOAD_BODY,
    AppealCreateSchema,
    AppealDecisionSchema,
    AppealEvidenceSchema,
    AppealQuerySchema,
    AppealSchema,
    AppealSettingsSchema,
)
from services.scoring.use_cases import appeals as use_cases
from services.scoring.views import CENTRE, context
from services.scoring.views.evaluations import READERS
from shared.auth import require_roles
from shared.http import Blueprint, PageRequest, PageResponse, accepts, page_schema
from shared.http.uploads import uploaded_file

blp = Blueprint("appeals", __name__, description="申诉/复核 (appeals of score sheet lines)")


def evidence_limit() -> int:
    """The largest evidence file accepted, in bytes (``appeal_evidence_max_bytes``)."""
    settings = current_app.extensions["gridgov"]["settings"]
    return int(getattr(settings, "appeal_evidence_max_bytes", use_cases.DEFAULT_EVIDENCE_MAX_BYTES))


@blp.route("/schemes/<string:scheme_id>/evaluations/<string:period>/appeals")
class PeriodAppeals(MethodView):
    @blp.arguments(AppealCreateSchema)
    @blp.response(201, AppealSchema)
    @blp.alt_response(409, description="the line has an open appeal")
    @blp.alt_response(422, description="not a line of the sheet, or the window closed")
    @require_roles(*READERS)
    def post(self, body: dict[str, Any], scheme_id: str, period: str) -> Appeal:
        """申诉: appeal one line (an indicator or a money rule) of a subject's sheet in the
        period's latest edition, within the tenant's window; the subject himself or the
        centre on his behalf. Publishes `appeal.filed`; the same request_id again answers
        the appeal it made."""
        return use_cases.file_appeal(context(), scheme_id=scheme_id, period=period, **body)


@blp.route("/appeals")
class Appeals(MethodView):
    @blp.arguments(AppealQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, page_schema(AppealSchema))
    @require_roles(*READERS)
    def get(self, paging: PageRequest, **filters: Any) -> PageResponse[Appeal]:
        """Appeals, newest first: the centre all of the tenant's, a subject his own (filters:
        scheme_id, period, subject_id, status, overdue)."""
        found = use_cases.list_appeals(
            context(), offset=paging.offset, limit=paging.limit, **filters
        )
        return paging.page_of(found.items, found.total)


@blp.route("/appeals/<string:appeal_id>")
class AppealItem(MethodView):
    @blp.response(200, AppealSchema)
    @require_roles(*READERS)
    def get(self, appeal_id: str) -> Appeal:
        """One appeal with its evidence, decision and the edition it produced."""
        return use_cases.get_appeal(context(), appeal_id=appeal_id)


@blp.route("/appeals/<string:appeal_id>/evidence")
class AppealEvidence(MethodView):
    @blp.doc(requestBody=UPLOAD_BODY)
    @blp.response(201, AppealEvidenceSchema)
    @blp.alt_response(409, description="the appeal is decided, or has its fill of files")
    @accepts("multipart/form-data")
    @require_roles(*READERS)
    def post(self, appeal_id: str) -> tuple[Evidence, int]:
        """佐证材料: add a file (multipart ``file``: JPEG, PNG or PDF, judged by content;
        images stored without their metadata) to an open appeal. The same file again
        answers the one stored."""
        limit = evidence_limit()
        data, filename = uploaded_file(max_bytes=limit, kinds="JPEG、PNG 或 PDF")
        evidence = use_cases.add_evidence(
            context(), appeal_id=appeal_id, data=data, filename=filename, max_bytes=limit
        )
        return evidence, 201


@blp.route("/appeals/<string:appeal_id>/evidence/<string:evidence_id>")
class AppealEvidenceFile(MethodView):
    @blp.doc(responses=EVIDENCE_RESPONSE)
    @require_roles(*READERS)
    def get(self, appeal_id: str, evidence_id: str) -> Response:
        """An evidence file's bytes (as an attachment)."""
        found = use_cases.evidence_file(context(), appeal_id=appeal_id, evidence_id=evidence_id)
        # send_file writes a non-ASCII name as RFC 5987 ``filename*`` (a raw header would not
        # pass the WSGI server), with an ASCII fallback.
        response = send_file(
            io.BytesIO(found.data),
            mimetype=found.content_type,
            as_attachment=True,
            download_name=found.filename or evidence_id,
            etag=False,
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
        return response


@blp.route("/appeals/<string:appeal_id>/decision")
class AppealDecision(MethodView):
    @blp.arguments(AppealDecisionSchema)
    @blp.response(200, AppealSchema)
    @blp.alt_response(409, description="decided already")
    @blp.alt_response(422, description="a correction that is not behind the line")
    @require_roles(*CENTRE)
    def post(self, body: dict[str, Any], appeal_id: str) -> Appeal:
        """复核: accept (with the facts it corrects: a manual input's correction, or a fact
        adjustment for a ledger-fed input; the period is republished as its next edition,
        changing only the lines those facts feed) or reject (nothing changes), with a reason.
        Publishes `appeal.decided`."""
        return use_cases.decide_appeal(context(), appeal_id=appeal_id, **body)


@blp.route("/appeal-settings")
class Settings(MethodView):
    @blp.response(200, AppealSettingsSchema)
    @require_roles(*CENTRE)
    def get(self) -> AppealSettings:
        """The tenant's appeal window and review deadline, in working days (default 5, 5)."""
        return use_cases.get_settings(context())

    @blp.arguments(AppealSettingsSchema)
    @blp.response(200, AppealSettingsSchema)
    @require_roles(*CENTRE)
    def put(self, body: dict[str, Any]) -> AppealSettings:
        """Change them; appeals filed before keep the days they were given."""
        return use_cases.update_settings(context(), **body)
