"""Scheme contracts published by scoring on `Topic.SCORING_RESULTS`.

`scheme.published`: the centre published version `version` of its scheme `scheme_id` (考核方案).
A published version never changes; a later change is the next version. `digest` is the SHA-256
of the version's canonical JSON, so a reader of a score sheet can tell which exact rules were
applied. Keyed ``tenant:scheme_id``: a scheme's versions arrive in order.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.events.contracts import register
from shared.events.topics import Topic

SCHEME_PUBLISHED = "scheme.published"
SUBJECT_KINDS = ("division", "grid", "worker")
PERIOD_KINDS = ("month", "quarter", "year", "custom")

_ID = validate.Length(min=1, max=64)


@register(SCHEME_PUBLISHED, 1, Topic.SCORING_RESULTS)
class SchemePublishedV1(Schema):
    scheme_id = fields.String(required=True, validate=_ID)
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    subject_kind = fields.String(required=True, validate=validate.OneOf(SUBJECT_KINDS))
    period_kind = fields.String(required=True, validate=validate.OneOf(PERIOD_KINDS))
    digest = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$"))
    published_by = fields.String(required=True, validate=_ID)
    published_at = fields.AwareDateTime(required=True)
