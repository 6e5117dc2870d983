"""Campaign use cases (调查活动): create, list, read, open, close.

The centre creates a campaign in draft for a published questionnaire version, draws its sample
(`use_cases.samples`), opens it, and closes it when the fieldwork is over. Reads answer the
campaign with its progress: sample members by status and responses by review state (counts).
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from services.survey.domain import campaigns as domain
from services.survey.domain.campaigns import Campaign
from services.survey.use_cases.context import SurveyContext
from shared.errors import InvalidInput, NotFound
from shared.mongo import ConcurrentUpdate, Page

_RETRIES = 3
T = TypeVar("T")


def retried(attempt: Callable[[], T]) -> T:
    """``attempt()``, again (re-reading everything) when a concurrent writer moved what it
    read; the third loss is the caller's 409."""
    for remaining in range(_RETRIES - 1, -1, -1):
        try:
            return attempt()
        except ConcurrentUpdate:
            if not remaining:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def require_campaign(ctx: SurveyContext, campaign_id: str) -> Campaign:
    """The tenant's campaign; 404 otherwise (another tenant's included)."""
    campaign = ctx.campaigns.find(campaign_id)
    if campaign is None:
        raise NotFound(f"campaign {campaign_id} not found")
    return campaign


def create_campaign(
    ctx: SurveyContext,
    *,
    name: str,
    kind: str,
    period_kind: str,
    period: str,
    questionnaire_id: str,
    questionnaire_version: int,
    default_quota: int,
    quotas: Mapping[str, int] | None = None,
    seed: int | None = None,
    min_answer_seconds: int = domain.DEFAULT_MIN_ANSWER_SECONDS,
    link_validity_days: int = domain.DEFAULT_LINK_VALIDITY_DAYS,
) -> Campaign:
    """A new draft campaign asking a published questionnaire version (422 naming
    ``questionnaire_version`` when it is not one). Without a ``seed`` one is chosen and kept,
    so the draw is reproducible all the same."""
    now = ctx.now()
    chosen_seed = secrets.randbelow(domain.SEED_MAX + 1) if seed is None else seed
    campaign = domain.create_campaign(
        campaign_id=str(uuid.uuid4()),
        tenant_id=ctx.tenant_id,
        name=name,
        kind=kind,
        period_kind=period_kind,
        period=period,
        questionnaire_id=questionnaire_id,
        questionnaire_version=questionnaire_version,
        default_quota=default_quota,
        quotas=quotas,
        seed=chosen_seed,
        min_answer_seconds=min_answer_seconds,
        link_validity_days=link_validity_days,
        actor=ctx.actor,
        now=now,
    )
    try:
        ctx.questionnaires.published_version(questionnaire_id, questionnaire_version)
    except NotFound:
        raise InvalidInput.of(
            "questionnaire_version", "no published version of this questionnaire"
        ) from None
    return ctx.campaigns.add_campaign(campaign)


def list_campaigns(
    ctx: SurveyContext,
    *,
    offset: int,
    limit: int,
    state: str | None = None,
    kind: str | None = None,
    period: str | None = None,
) -> Page[Campaign]:
    """The tenant's campaigns, newest first."""
    return ctx.campaigns.list_campaigns(
        offset=offset, limit=limit, state=state, kind=kind, period=period
    )


@dataclass(frozen=True)
class CampaignProgress:
    """A campaign with its fieldwork in counts: members by status, responses by review."""

    campaign: Campaign
    members: Mapping[str, int]
    responses: Mapping[str, int]


def get_campaign(ctx: SurveyContext, *, campaign_id: str) -> CampaignProgress:
    """One campaign and its progress; 404 for an unknown (or another tenant's) campaign."""
    campaign = require_campaign(ctx, campaign_id)
    return CampaignProgress(
        campaign=campaign,
        members=ctx.samples.counts(campaign_id),
        responses=ctx.responses.summary(campaign_id),
    )


def open_campaign(ctx: SurveyContext, *, campaign_id: str) -> Campaign:
    """Open a drafted campaign whose sample is drawn (`campaign.opened`); 409 otherwise."""
    now = ctx.now()

    def attempt() -> Campaign:
        opened, event = domain.open_campaign(
            require_campaign(ctx, campaign_id), actor=ctx.actor, now=now
        )
        return ctx.campaigns.save_campaign(opened, [event])

    return retried(attempt)


def close_campaign(ctx: SurveyContext, *, campaign_id: str) -> Campaign:
    """Close an open campaign (`campaign.closed`): every link stops working; 409 otherwise."""
    now = ctx.now()

    def attempt() -> Campaign:
        closed, event = domain.close_campaign(
            require_campaign(ctx, campaign_id), actor=ctx.actor, now=now
        )
        return ctx.campaigns.save_campaign(closed, [event])

    return retried(attempt)
