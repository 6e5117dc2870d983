"""样本 (samples): draw, list the respondents with their links, export the links for the
survey firm, record a refusal or an unreachable respondent. Centre only.
"""

from __future__ import annotations

import io
from typing import Any

from flask import Response, current_app, request, send_file
from flask.views import MethodView

from services.survey.schemas.samples import (
    DrawnSchema,
    OutcomeResultSchema,
    OutcomeSchema,
    SamplePageQuerySchema,
    SampleRowSchema,
)
from services.survey.use_cases import samples as use_cases
from services.survey.use_cases.samples import Drawn, SampleRow
from services.survey.views import CENTRE, context
from shared.auth import require_roles
from shared.http import Blueprint, PageRequest, PageResponse, page_schema
from shared.http.uploads import XLSX

blp = Blueprint("samples", __name__, description="样本与答卷链接 (samples and one-time links)")


def resident_base_url() -> str:
    """Where residents reach the resident page: the service's setting, else (an app built
    without survey's settings, as in tests) this request's own address."""
    settings = current_app.extensions["gridgov"]["settings"]
    configured = getattr(settings, "resident_base_url", None)
    return configured if isinstance(configured, str) else request.host_url.rstrip("/")


@blp.route("/campaigns/<string:campaign_id>/sample")
class Sample(MethodView):
    @blp.arguments(SamplePageQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, page_schema(SampleRowSchema))
    @require_roles(*CENTRE)
    def get(self, campaign_id: str, paging: PageRequest, **filters: Any) -> PageResponse[SampleRow]:
        """The respondents by code: grid, status and, while pending, the one-time link."""
        found = use_cases.list_sample(
            context(),
            campaign_id=campaign_id,
            base_url=resident_base_url(),
            offset=paging.offset,
            limit=paging.limit,
            **filters,
        )
        return paging.page_of(found.items, found.total)

    @blp.response(201, DrawnSchema)
    @blp.alt_response(409, description="drawn already, closed, or the frame is empty")
    @require_roles(*CENTRE)
    def post(self, campaign_id: str) -> Drawn:
        """Draw the sample (抽样), once, reproducibly from the campaign's seed: per grid its
        quota, the rest its reserve; publishes `sample.drawn` (counts)."""
        return use_cases.draw_sample(context(), campaign_id=campaign_id)


@blp.route("/campaigns/<string:campaign_id>/sample/export")
class SampleExport(MethodView):
    @blp.response(200, description=".xlsx: 样本编号, 网格编码, 答卷链接", content_type=XLSX)
    @require_roles(*CENTRE)
    def get(self, campaign_id: str) -> Response:
        """Every pending respondent's code, grid code and link, as an .xlsx for the survey
        firm: nothing else about anyone."""
        found = use_cases.export_links(
            context(), campaign_id=campaign_id, base_url=resident_base_url()
        )
        return send_file(
            io.BytesIO(found.data),
            mimetype=XLSX,
            as_attachment=True,
            download_name=f"{found.name}.xlsx",
        )


@blp.route("/campaigns/<string:campaign_id>/sample/<string:code>/outcome")
class SampleOutcome(MethodView):
    @blp.arguments(OutcomeSchema)
    @blp.response(200, OutcomeResultSchema)
    @blp.alt_response(409, description="the grid's reserve is empty, or not pending")
    @require_roles(*CENTRE)
    def post(self, body: dict[str, Any], campaign_id: str, code: str) -> dict[str, SampleRow]:
        """Respondent ``code`` refused or could not be reached: the grid's next reserve entry
        replaces it (its code and link in ``replacement``)."""
        respondent, replacement = use_cases.record_outcome(
            context(),
            campaign_id=campaign_id,
            code=code,
            outcome=body["outcome"],
            base_url=resident_base_url(),
        )
        return {"respondent": respondent, "replacement": replacement}
