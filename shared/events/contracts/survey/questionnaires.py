"""Questionnaire contracts published by survey on `Topic.SURVEY_CAMPAIGNS`.

`questionnaire.published`: a version of a questionnaire was published and never changes from
now on (a change is the next version). It carries what reading a rate needs: the satisfaction
question's key and what each of its options counts, and the kinds of the questions; never a
label a respondent answered with, never an answer.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from shared.events.contracts import register
from shared.events.topics import Topic

QUESTIONNAIRE_PUBLISHED = "questionnaire.published"
PRESETS = ("three_level", "five_point")
KINDS = ("single", "multiple", "rating", "text")

_ID = validate.Length(min=1, max=64)
_KEY = validate.Length(min=1, max=32)


def _credit(**kwargs: Any) -> fields.Decimal:
    return fields.Decimal(
        as_string=True, allow_nan=False, validate=validate.Range(min=0, max=1), **kwargs
    )


class CreditV1(Schema):
    option = fields.String(required=True, validate=_KEY)
    credit = _credit(required=True)


class QuestionKindV1(Schema):
    question = fields.String(required=True, validate=_KEY)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    required = fields.Boolean(required=True, truthy={True}, falsy={False})


@register(QUESTIONNAIRE_PUBLISHED, 1, Topic.SURVEY_CAMPAIGNS)
class QuestionnairePublishedV1(Schema):
    """Version `version` of `questionnaire_id` is published: `credits` say what each option of
    the satisfaction question counts (`preset` and `basic_credit` when a preset made them)."""

    questionnaire_id = fields.String(required=True, validate=_ID)
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    satisfaction_question = fields.String(required=True, validate=_KEY)
    preset = fields.String(required=True, allow_none=True, validate=validate.OneOf(PRESETS))
    basic_credit = _credit(required=True, allow_none=True)
    credits = fields.List(
        fields.Nested(CreditV1), required=True, validate=validate.Length(min=2, max=20)
    )
    question_kinds = fields.List(
        fields.Nested(QuestionKindV1), required=True, validate=validate.Length(min=1, max=60)
    )
    published_by = fields.String(required=True, validate=_ID)
