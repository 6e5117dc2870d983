"""Response review contracts published by survey on `Topic.SURVEY_RESPONSES` (答卷审核).

The centre approves or rejects each received response; only approved ones count in the rates.
Every message carries the response's facts as they stand after the decision (upsert on
`response_id`: a later decision replaces an earlier one): the campaign, period and source, the
grid, its division and the worker rated or serving it, the channel and the credit its
satisfaction answer carries (a decimal string; null when unanswered). Never an answer, the
rejection reason, or anything of the respondent (code, household, phone, link).
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.events.contracts import register
from shared.events.topics import Topic

RESPONSE_APPROVED = "response.approved"
RESPONSE_REJECTED = "response.rejected"

SOURCES = ("survey", "worker_rating", "event_callback")
CHANNELS = ("web", "phone", "file")
REVIEWS = ("approved", "rejected")
PERIOD_KINDS = ("month", "quarter", "half", "year", "custom")

_ID = validate.Length(min=1, max=64)


class ResponseReviewV1(Schema):
    """The shared shape of both payloads, version 1."""

    response_id = fields.String(required=True, validate=_ID)
    campaign_id = fields.String(required=True, validate=_ID)
    period_kind = fields.String(required=True, validate=validate.OneOf(PERIOD_KINDS))
    period = fields.String(required=True, validate=validate.Length(min=4, max=32))
    source = fields.String(required=True, validate=validate.OneOf(SOURCES))
    grid_id = fields.String(required=True, validate=_ID)
    division_id = fields.String(required=True, allow_none=True, validate=_ID)
    worker_id = fields.String(required=True, allow_none=True, validate=_ID)
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    credit = fields.Decimal(required=True, allow_none=True, as_string=True)
    review = fields.String(required=True, validate=validate.OneOf(REVIEWS))
    actor = fields.String(required=True, validate=_ID)


@register(RESPONSE_APPROVED, 1, Topic.SURVEY_RESPONSES)
class ResponseApprovedV1(ResponseReviewV1):
    """The centre approved the response: it counts in its period's rates for its source."""


@register(RESPONSE_REJECTED, 1, Topic.SURVEY_RESPONSES)
class ResponseRejectedV1(ResponseReviewV1):
    """The centre rejected the response (the reason stays in survey): it does not count."""
