"""答卷 (responses): phone interviews, the survey firm's results file, and the centre's review.
Centre only: nobody else reads answers, and nobody at all reads who gave them.
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from services.survey.domain.responses import Response
from services.survey.schemas.responses import (
    RESULTS_UPLOAD_BODY,
    CleanApprovalSchema,
    InterviewResultSchema,
    InterviewSchema,
    ResponsePageQuerySchema,
    ResponseSchema,
    ReviewSchema,
)
from services.survey.use_cases import responses as use_cases
from services.survey.use_cases.responses import CleanApproval, Interview
from services.survey.views import CENTRE, context
from shared.auth import require_roles
from shared.http import Blueprint, PageRequest, PageResponse, accepts, page_schema
from shared.http.uploads import (
    ImportCountsSchema,
    ImportQuerySchema,
    import_report_body,
    uploaded_file,
)

blp = Blueprint("responses", __name__, description="答卷与审核 (responses and review)")


@blp.route("/campaigns/<string:campaign_id>/interviews")
class Interviews(MethodView):
    @blp.arguments(InterviewSchema)
    @blp.response(201, InterviewResultSchema)
    @blp.alt_response(200, schema=InterviewResultSchema, description="a retried request id")
    @blp.alt_response(409, description="the campaign is not open, or the respondent replaced")
    @require_roles(*CENTRE)
    def post(self, body: dict[str, Any], campaign_id: str) -> tuple[Interview, int]:
        """A phone interview (电话访问): completed with its answers, or refused / unreachable
        (the grid's next reserve entry replaces the respondent)."""
        found = use_cases.enter_interview(context(), campaign_id=campaign_id, **body)
        return found, 201 if found.created else 200


@blp.route("/campaigns/<string:campaign_id>/results")
class Results(MethodView):
    @blp.arguments(ImportQuerySchema, location="query", as_kwargs=True)
    @blp.doc(requestBody=RESULTS_UPLOAD_BODY)
    @blp.response(200, ImportCountsSchema)
    @blp.alt_response(409, description="the campaign is not open")
    @accepts("multipart/form-data")
    @require_roles(*CENTRE)
    def post(self, campaign_id: str, dry_run: bool) -> dict[str, Any]:
        """The survey firm's results file (样本编号, 访问结果, 开始时间, 结束时间, one column
        per question): the same checks as an interview, per row; again changes nothing."""
        data, filename = uploaded_file()
        ctx = context()
        report = use_cases.import_results(
            ctx.as_dry_run() if dry_run else ctx,
            campaign_id=campaign_id,
            data=data,
            filename=filename,
        )
        return import_report_body(report)


@blp.route("/campaigns/<string:campaign_id>/responses")
class CampaignResponses(MethodView):
    @blp.arguments(ResponsePageQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, page_schema(ResponseSchema))
    @require_roles(*CENTRE)
    def get(self, campaign_id: str, paging: PageRequest, **filters: Any) -> PageResponse[Response]:
        """The campaign's responses: answers, flags, review state; never who answered."""
        found = use_cases.list_responses(
            context(), campaign_id=campaign_id, offset=paging.offset, limit=paging.limit, **filters
        )
        return paging.page_of(found.items, found.total)


@blp.route("/campaigns/<string:campaign_id>/responses/approve-clean")
class ApproveClean(MethodView):
    @blp.response(200, CleanApprovalSchema)
    @require_roles(*CENTRE)
    def post(self, campaign_id: str) -> CleanApproval:
        """Approve every received response without a flag (one `response.approved` each)."""
        return use_cases.approve_clean(context(), campaign_id=campaign_id)


@blp.route("/responses/<string:response_id>")
class ResponseItem(MethodView):
    @blp.response(200, ResponseSchema)
    @require_roles(*CENTRE)
    def get(self, response_id: str) -> Response:
        """One response."""
        return use_cases.get_response(context(), response_id=response_id)


@blp.route("/responses/<string:response_id>/review")
class ResponseReview(MethodView):
    @blp.arguments(ReviewSchema)
    @blp.response(200, ResponseSchema)
    @require_roles(*CENTRE)
    def post(self, body: dict[str, Any], response_id: str) -> Response:
        """Approve (通过), or reject (不通过) with a reason; publishes `response.approved` /
        `response.rejected`. Only approved responses count in the rates."""
        return use_cases.review_response(context(), response_id=response_id, **body)
