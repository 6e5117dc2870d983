"""调查活动 (campaigns): create, list, read with progress, open, close. Centre only."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from services.survey.domain.campaigns import Campaign
from services.survey.schemas.campaigns import (
    CampaignCreateSchema,
    CampaignDetailSchema,
    CampaignPageQuerySchema,
    CampaignSchema,
)
from services.survey.use_cases import campaigns as use_cases
from services.survey.use_cases.campaigns import CampaignProgress
from services.survey.views import CENTRE, context
from shared.auth import require_roles
from shared.http import Blueprint, PageRequest, PageResponse, page_schema

blp = Blueprint("campaigns", __name__, description="调查活动 (survey campaigns)")


@blp.route("/campaigns")
class Campaigns(MethodView):
    @blp.arguments(CampaignPageQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, page_schema(CampaignSchema))
    @require_roles(*CENTRE)
    def get(self, paging: PageRequest, **filters: Any) -> PageResponse[Campaign]:
        """The tenant's campaigns, newest first; filters: state, kind, period."""
        found = use_cases.list_campaigns(
            context(), offset=paging.offset, limit=paging.limit, **filters
        )
        return paging.page_of(found.items, found.total)

    @blp.arguments(CampaignCreateSchema)
    @blp.response(201, CampaignSchema)
    @require_roles(*CENTRE)
    def post(self, body: dict[str, Any]) -> Campaign:
        """A new campaign in draft, asking a published questionnaire version (422 on
        ``questionnaire_version`` otherwise); without a seed one is chosen and kept."""
        return use_cases.create_campaign(context(), **body)


@blp.route("/campaigns/<string:campaign_id>")
class CampaignItem(MethodView):
    @blp.response(200, CampaignDetailSchema)
    @require_roles(*CENTRE)
    def get(self, campaign_id: str) -> CampaignProgress:
        """One campaign with its fieldwork in counts (sample by status, responses by review)."""
        return use_cases.get_campaign(context(), campaign_id=campaign_id)


@blp.route("/campaigns/<string:campaign_id>/open")
class CampaignOpen(MethodView):
    @blp.response(200, CampaignSchema)
    @blp.alt_response(409, description="not a draft, or the sample is not drawn")
    @require_roles(*CENTRE)
    def post(self, campaign_id: str) -> Campaign:
        """Open (开始): links, interviews and results files are taken from now;
        publishes `campaign.opened`."""
        return use_cases.open_campaign(context(), campaign_id=campaign_id)


@blp.route("/campaigns/<string:campaign_id>/close")
class CampaignClose(MethodView):
    @blp.response(200, CampaignSchema)
    @blp.alt_response(409, description="not open")
    @require_roles(*CENTRE)
    def post(self, campaign_id: str) -> Campaign:
        """Close (结束): every link stops working; publishes `campaign.closed`."""
        return use_cases.close_campaign(context(), campaign_id=campaign_id)
