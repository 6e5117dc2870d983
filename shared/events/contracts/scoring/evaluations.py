"""Score contracts published by scoring on `Topic.SCORING_RESULTS`.

`scores.published`: the centre locked and published edition `edition` of a scheme's results for
one period (edition 1 at period end; each correction the next edition, `supersedes` naming the
one it replaces; the correction's reason stays behind the API, it is free text). One
message per part of at most `ROWS_PER_PART` subjects (a message stays far below Kafka's 1 MB):
a consumer keeps, per (scheme_id, period), the rows of the highest edition, which replaces the
whole earlier set. Each row: the subject's total, rank, grade, flags and money as the engine
computed them; decimals as exact text (totals at the scheme's rounding, money to the cent);
null total, rank and grade when the subject was not assessable. Ids and numbers only: never a
subject's name, an explanation or a manual input's evidence.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.events.contracts import register
from shared.events.topics import Topic

SCORES_PUBLISHED = "scores.published"
SUBJECT_KINDS = ("division", "grid", "worker")
PERIOD_KINDS = ("month", "quarter", "year", "custom")
ROWS_PER_PART = 250

_ID = validate.Length(min=1, max=64)


def _decimal(*, allow_none: bool = False) -> fields.Decimal:
    return fields.Decimal(required=True, allow_none=allow_none, as_string=True, allow_nan=False)


class MoneyLineV1(Schema):
    rule_id = fields.String(required=True, validate=_ID)
    amount = _decimal()
    forfeited = fields.Boolean(required=True, truthy={True}, falsy={False})


class ScoreRowV1(Schema):
    subject_id = fields.String(required=True, validate=_ID)
    assessable = fields.Boolean(required=True, truthy={True}, falsy={False})
    total = _decimal(allow_none=True)
    rank = fields.Integer(
        required=True, allow_none=True, strict=True, validate=validate.Range(min=1)
    )
    grade = fields.String(required=True, allow_none=True, validate=_ID)
    flags = fields.List(fields.String(validate=_ID), required=True)
    money_total = _decimal()
    money = fields.List(fields.Nested(MoneyLineV1), required=True)


@register(SCORES_PUBLISHED, 1, Topic.SCORING_RESULTS)
class ScoresPublishedV1(Schema):
    """Part `part` of `parts` of one edition's rows (see the module)."""

    scheme_id = fields.String(required=True, validate=_ID)
    scheme_version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    subject_kind = fields.String(required=True, validate=validate.OneOf(SUBJECT_KINDS))
    period_kind = fields.String(required=True, validate=validate.OneOf(PERIOD_KINDS))
    period = fields.String(required=True, validate=validate.Length(min=1, max=32))
    first_day = fields.Date(required=True)
    last_day = fields.Date(required=True)
    edition = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    supersedes = fields.Integer(
        required=True, allow_none=True, strict=True, validate=validate.Range(min=1)
    )
    subjects = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    part = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    parts = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    rows = fields.List(
        fields.Nested(ScoreRowV1), required=True, validate=validate.Length(max=ROWS_PER_PART)
    )
    published_by = fields.String(required=True, validate=_ID)
    published_at = fields.AwareDateTime(required=True)
