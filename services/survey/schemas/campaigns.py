"""Campaign request and response schemas (调查活动)."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from services.survey.domain.campaigns import (
    DEFAULT_LINK_VALIDITY_DAYS,
    DEFAULT_MIN_ANSWER_SECONDS,
    ID_MAX,
    KIND_VALUES,
    LINK_VALIDITY_DAYS_MAX,
    MIN_ANSWER_SECONDS_MAX,
    NAME_MAX,
    QUOTA_MAX,
    SEED_MAX,
    STATE_VALUES,
    Campaign,
)
from shared.http import BaseSchema, FilteredPageQuerySchema
from shared.periods import PERIOD_KINDS

_ID = validate.Length(min=1, max=ID_MAX)


class CampaignCreateSchema(BaseSchema):
    name = fields.String(
        required=True,
        validate=validate.Length(min=1, max=NAME_MAX),
        metadata={"description": "名称，如 2026年第四季度群众满意度调查"},
    )
    kind = fields.String(
        required=True,
        validate=validate.OneOf(KIND_VALUES),
        metadata={
            "description": "third_party_survey 第三方满意度调查, worker_rating 群众评议网格员, "
            "event_callback 办结回访"
        },
    )
    period_kind = fields.String(required=True, validate=validate.OneOf(PERIOD_KINDS))
    period = fields.String(
        required=True,
        validate=validate.Length(min=4, max=32),
        metadata={"description": "2026-Q4, 2026-H2, 2026-11, 2026, or 2026-01-01..2026-06-30"},
    )
    questionnaire_id = fields.String(required=True, validate=_ID)
    questionnaire_version = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=1),
        metadata={"description": "a published version"},
    )
    default_quota = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=1, max=QUOTA_MAX),
        metadata={"description": "每个网格的样本量 / respondents per grid"},
    )
    quotas = fields.Dict(
        keys=fields.String(validate=_ID),
        values=fields.Integer(strict=True, validate=validate.Range(min=0, max=QUOTA_MAX)),
        load_default=None,
        metadata={"description": "per-grid quotas by grid id (0 leaves a grid out)"},
    )
    seed = fields.Integer(
        strict=True,
        load_default=None,
        validate=validate.Range(min=0, max=SEED_MAX),
        metadata={"description": "随机种子: the same frame and seed draw the same sample"},
    )
    min_answer_seconds = fields.Integer(
        strict=True,
        load_default=DEFAULT_MIN_ANSWER_SECONDS,
        validate=validate.Range(min=0, max=MIN_ANSWER_SECONDS_MAX),
        metadata={"description": "answers faster than this are flagged too_fast"},
    )
    link_validity_days = fields.Integer(
        strict=True,
        load_default=DEFAULT_LINK_VALIDITY_DAYS,
        validate=validate.Range(min=1, max=LINK_VALIDITY_DAYS_MAX),
        metadata={"description": "residents' links work this many days after opening"},
    )


class CampaignPageQuerySchema(FilteredPageQuerySchema):
    state = fields.String(validate=validate.OneOf(STATE_VALUES))
    kind = fields.String(validate=validate.OneOf(KIND_VALUES))
    period = fields.String(validate=validate.Length(min=4, max=32))


class QuotaSchema(BaseSchema):
    grid_id = fields.String(required=True)
    quota = fields.Integer(required=True)


class SampleSummarySchema(BaseSchema):
    drawn_at = fields.DateTime(required=True)
    drawn = fields.Integer(required=True)
    reserve = fields.Integer(required=True)
    grids = fields.Integer(required=True)


class CampaignSchema(BaseSchema):
    campaign_id = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True, metadata={"description": ", ".join(KIND_VALUES)})
    source = fields.Method("_source", required=True)
    period_kind = fields.Method("_period_kind", required=True)
    period = fields.Method("_period", required=True)
    questionnaire_id = fields.String(required=True)
    questionnaire_version = fields.Integer(required=True)
    default_quota = fields.Integer(required=True)
    quotas = fields.Method("_quotas", required=True)
    seed = fields.Integer(required=True)
    min_answer_seconds = fields.Integer(required=True)
    link_validity_days = fields.Integer(required=True)
    state = fields.String(required=True, metadata={"description": ", ".join(STATE_VALUES)})
    created_at = fields.DateTime(required=True)
    created_by = fields.String(required=True)
    opened_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    links_valid_until = fields.DateTime(allow_none=True)
    sample = fields.Nested(SampleSummarySchema, allow_none=True)

    def _source(self, campaign: Campaign) -> str:
        return campaign.source.value

    def _period_kind(self, campaign: Campaign) -> str:
        return campaign.period.kind

    def _period(self, campaign: Campaign) -> str:
        return campaign.period.label

    def _quotas(self, campaign: Campaign) -> list[dict[str, Any]]:
        return [
            {"grid_id": grid_id, "quota": quota}
            for grid_id, quota in sorted(campaign.quotas.items())
        ]


class CampaignDetailSchema(BaseSchema):
    """A campaign with its fieldwork in counts."""

    campaign = fields.Nested(CampaignSchema, required=True)
    members = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        required=True,
        metadata={"description": "样本 by status (reserve: unused replacement entries)"},
    )
    responses = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        required=True,
        metadata={"description": "答卷 by review state, and how many are flagged"},
    )
