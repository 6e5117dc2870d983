"""Bulletin contracts published by scoring on `Topic.SCORING_RESULTS`.

`bulletin.published`: the centre published the ranking notice (排名通报) of one period of a
scheme, made from edition `edition` of that period's published results (and, for the movement,
edition `previous_edition` of the scheme's previous published period). Publishing the same
period and edition again publishes nothing new. It names the subjects of the red and black
lists (红榜/黑榜, chosen by `list_by`: the best and worst `size` ranks, or the best and worst
grade) and of each streak notice the scheme declares (`flag`: the streak's id, e.g.
`interview`, `veto`, `yellow_card`). Ids and numbers only: never a name; the notice's text
stays behind the bulletin API, where roles decide who reads it.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.events.contracts import register
from shared.events.topics import Topic

BULLETIN_PUBLISHED = "bulletin.published"
SUBJECT_KINDS = ("division", "grid", "worker")
PERIOD_KINDS = ("month", "quarter", "year", "custom")
LIST_BY = ("rank", "grade")
MAX_SUBJECTS = 5000

_ID = validate.Length(min=1, max=64)
_PERIOD = validate.Length(min=1, max=32)


def _ids() -> fields.List[str]:
    return fields.List(
        fields.String(validate=_ID), required=True, validate=validate.Length(max=MAX_SUBJECTS)
    )


class NoticeV1(Schema):
    flag = fields.String(required=True, validate=_ID)
    subjects = _ids()


@register(BULLETIN_PUBLISHED, 1, Topic.SCORING_RESULTS)
class BulletinPublishedV1(Schema):
    """One published bulletin (see the module)."""

    scheme_id = fields.String(required=True, validate=_ID)
    scheme_version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    subject_kind = fields.String(required=True, validate=validate.OneOf(SUBJECT_KINDS))
    period_kind = fields.String(required=True, validate=validate.OneOf(PERIOD_KINDS))
    period = fields.String(required=True, validate=_PERIOD)
    edition = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    previous_period = fields.String(required=True, allow_none=True, validate=_PERIOD)
    previous_edition = fields.Integer(
        required=True, allow_none=True, strict=True, validate=validate.Range(min=1)
    )
    subjects = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    list_by = fields.String(required=True, validate=validate.OneOf(LIST_BY))
    size = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=50))
    red = _ids()
    black = _ids()
    notices = fields.List(fields.Nested(NoticeV1), required=True)
    published_by = fields.String(required=True, validate=_ID)
    published_at = fields.AwareDateTime(required=True)
