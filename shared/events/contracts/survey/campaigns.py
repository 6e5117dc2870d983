"""Campaign contracts published by survey on `Topic.SURVEY_CAMPAIGNS` (调查活动).

Every campaign.* message carries the campaign as it stands after the change (upsert on
`campaign_id`): its kind and the source its answers count as, the period, the questionnaire
version it asks, its state. ``campaign.opened`` says from when (and until when) residents'
links work; ``campaign.closed`` that no answer is taken any more; ``sample.drawn`` how many
households each grid's frame held, how many were drawn and how many kept in reserve. Counts and
ids only: never a household, phone number, respondent code or link.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from shared.events.contracts import register
from shared.events.topics import Topic

CAMPAIGN_OPENED = "campaign.opened"
CAMPAIGN_CLOSED = "campaign.closed"
SAMPLE_DRAWN = "sample.drawn"

KINDS = ("third_party_survey", "worker_rating", "event_callback")
SOURCES = ("survey", "worker_rating", "event_callback")
STATES = ("draft", "open", "closed")
PERIOD_KINDS = ("month", "quarter", "half", "year", "custom")

_ID = validate.Length(min=1, max=64)


def _count() -> fields.Integer:
    return fields.Integer(required=True, strict=True, validate=validate.Range(min=0))


class CampaignStateV1(Schema):
    """The shared shape of every campaign.* and sample.* payload, version 1."""

    campaign_id = fields.String(required=True, validate=_ID)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    source = fields.String(required=True, validate=validate.OneOf(SOURCES))
    period_kind = fields.String(required=True, validate=validate.OneOf(PERIOD_KINDS))
    period = fields.String(required=True, validate=validate.Length(min=4, max=32))
    questionnaire_id = fields.String(required=True, validate=_ID)
    questionnaire_version = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1)
    )
    state = fields.String(required=True, validate=validate.OneOf(STATES))
    actor = fields.String(required=True, validate=_ID)


@register(CAMPAIGN_OPENED, 1, Topic.SURVEY_CAMPAIGNS)
class CampaignOpenedV1(CampaignStateV1):
    """The centre opened the campaign: answers are taken from `opened_at`, residents' links
    work until `links_valid_until` (or until the campaign closes)."""

    opened_at = fields.DateTime(required=True)
    links_valid_until = fields.DateTime(required=True)


@register(CAMPAIGN_CLOSED, 1, Topic.SURVEY_CAMPAIGNS)
class CampaignClosedV1(CampaignStateV1):
    """The centre closed the campaign: no link, interview or results file is taken after."""

    closed_at = fields.DateTime(required=True)


class GridDrawV1(Schema):
    grid_id = fields.String(required=True, validate=_ID)
    frame = _count()
    drawn = _count()
    reserve = _count()


@register(SAMPLE_DRAWN, 1, Topic.SURVEY_CAMPAIGNS)
class SampleDrawnV1(CampaignStateV1):
    """The campaign's sample was drawn (once), reproducibly from `seed`: per grid the frame's
    size, the respondents drawn (its quota, or the whole frame when smaller) and the reserve
    that replaces refusals and the unreachable."""

    seed = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    drawn = _count()
    reserve = _count()
    grids: fields.List[Any] = fields.List(fields.Nested(GridDrawV1), required=True)
