"""The campaign repository: one document per campaign, domain `Campaign` in and out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from services.survey.documents.campaigns import CampaignDocument, QuotaOverride
from services.survey.domain.campaigns import (
    Campaign,
    CampaignKind,
    CampaignState,
    SampleSummary,
)
from shared.events.domain import DomainEvent
from shared.mongo import Page, TenantRepository
from shared.periods import Period


class CampaignRepository(TenantRepository[CampaignDocument]):
    document = CampaignDocument

    def find(self, campaign_id: str) -> Campaign | None:
        """The campaign of this tenant, or None (also for another tenant's id)."""
        doc = self.get(campaign_id)
        return None if doc is None else _to_domain(doc)

    def add_campaign(self, campaign: Campaign) -> Campaign:
        """Insert a new campaign; `Conflict` when its id is taken."""
        self.add(_to_document(campaign))
        return replace(campaign, revision=1)

    def save_campaign(self, campaign: Campaign, events: Sequence[DomainEvent]) -> Campaign:
        """Write back a campaign read at ``campaign.revision`` with its events;
        `ConcurrentUpdate` when it moved on meanwhile."""
        doc = _to_document(campaign)
        doc.revision = campaign.revision
        self.save(doc, events)
        return replace(campaign, revision=campaign.revision + 1)

    def list_campaigns(
        self,
        *,
        offset: int,
        limit: int,
        state: str | None = None,
        kind: str | None = None,
        period: str | None = None,
    ) -> Page[Campaign]:
        """One page of campaigns, newest first; each filter is an equality."""
        filters: dict[str, Any] = {}
        for name, value in (("state", state), ("kind", kind), ("period", period)):
            if value is not None:
                filters[name] = value
        page = self.list(offset=offset, limit=limit, order_by=("-created_at", "-id"), **filters)
        return page.map(_to_domain)


def _to_document(campaign: Campaign) -> CampaignDocument:
    sample = campaign.sample
    return CampaignDocument(
        campaign_id=campaign.campaign_id,
        tenant_id=campaign.tenant_id,
        name=campaign.name,
        kind=campaign.kind.value,
        source=campaign.source.value,
        period_kind=campaign.period.kind,
        period=campaign.period.label,
        period_start=campaign.period.start.isoformat(),
        period_end=campaign.period.end.isoformat(),
        questionnaire_id=campaign.questionnaire_id,
        questionnaire_version=campaign.questionnaire_version,
        default_quota=campaign.default_quota,
        quotas=[
            QuotaOverride(grid_id=grid_id, quota=quota)
            for grid_id, quota in sorted(campaign.quotas.items())
        ],
        seed=campaign.seed,
        min_answer_seconds=campaign.min_answer_seconds,
        link_validity_days=campaign.link_validity_days,
        state=campaign.state.value,
        created_at=campaign.created_at,
        created_by=campaign.created_by,
        opened_at=campaign.opened_at,
        closed_at=campaign.closed_at,
        sample_drawn_at=None if sample is None else sample.drawn_at,
        sample_drawn=None if sample is None else sample.drawn,
        sample_reserve=None if sample is None else sample.reserve,
        sample_grids=None if sample is None else sample.grids,
    )


def _to_domain(doc: CampaignDocument) -> Campaign:
    sample = None
    if doc.sample_drawn_at is not None:
        sample = SampleSummary(
            drawn_at=doc.sample_drawn_at,
            drawn=doc.sample_drawn or 0,
            reserve=doc.sample_reserve or 0,
            grids=doc.sample_grids or 0,
        )
    return Campaign(
        campaign_id=doc.campaign_id,
        tenant_id=doc.tenant_id,
        name=doc.name,
        kind=CampaignKind(doc.kind),
        period=Period(
            doc.period_kind,
            doc.period,
            date.fromisoformat(doc.period_start),
            date.fromisoformat(doc.period_end),
        ),
        questionnaire_id=doc.questionnaire_id,
        questionnaire_version=doc.questionnaire_version,
        default_quota=doc.default_quota,
        quotas={entry.grid_id: entry.quota for entry in doc.quotas},
        seed=doc.seed,
        min_answer_seconds=doc.min_answer_seconds,
        link_validity_days=doc.link_validity_days,
        created_at=doc.created_at,
        created_by=doc.created_by,
        state=CampaignState(doc.state),
        opened_at=doc.opened_at,
        closed_at=doc.closed_at,
        sample=sample,
        revision=doc.revision,
    )
