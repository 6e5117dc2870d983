"""Bulletin (排名通报) request and response schemas."""

from __future__ import annotations

from marshmallow import fields, validate

from services.scoring.domain.bulletins import DEFAULT_SIZE, MAX_SIZE, ListBy
from shared.http import BaseSchema, PageQuerySchema

FORMATS = ("json", "xlsx", "html", "pdf")
_PERIOD = validate.Length(min=1, max=32)


class BulletinPublishSchema(BaseSchema):
    period = fields.String(
        required=True,
        validate=_PERIOD,
        metadata={"description": "考核期 / a published period (2026-11)"},
    )
    size = fields.Integer(
        load_default=DEFAULT_SIZE,
        strict=True,
        validate=validate.Range(min=1, max=MAX_SIZE),
        metadata={"description": "红榜/黑榜 size when listing by rank (default 3)"},
    )
    by = fields.String(
        load_default=None,
        validate=validate.OneOf([m.value for m in ListBy]),
        metadata={
            "description": "rank: the best and worst `size`; grade: the best and worst grade "
            "(default: grade when the scheme has grades, else rank)"
        },
    )


class BulletinQuerySchema(BaseSchema):
    format = fields.String(
        load_default="json",
        validate=validate.OneOf(FORMATS),
        metadata={"description": "json (default), xlsx, html (printable A4) or pdf"},
    )
    edition = fields.Integer(
        validate=validate.Range(min=1),
        metadata={"description": "of the results' edition (default: the latest bulletin)"},
    )


class BulletinListQuerySchema(PageQuerySchema):
    pass


class BulletinSummarySchema(BaseSchema):
    scheme_id = fields.String(required=True)
    period = fields.String(required=True)
    edition = fields.Integer(required=True)
    scheme_version = fields.Integer(required=True)
    list_by = fields.String(required=True)
    size = fields.Integer(required=True)
    subjects = fields.Integer(required=True)
    published_at = fields.DateTime(required=True)
    published_by = fields.String(required=True)


class SourceSchema(BaseSchema):
    period = fields.String(required=True)
    edition = fields.Integer(required=True)
    scheme_version = fields.Integer(required=True)
    evaluated_at = fields.DateTime(required=True)


class BulletinSchema(BaseSchema):
    scheme_id = fields.String(required=True)
    scheme_name = fields.String(required=True)
    scheme_version = fields.Function(lambda b: b.source.scheme_version, required=True)
    subject_kind = fields.String(required=True)
    period = fields.String(required=True)
    period_kind = fields.String(required=True)
    first_day = fields.String(required=True)
    last_day = fields.String(required=True)
    edition = fields.Function(lambda b: b.source.edition, required=True)
    source = fields.Nested(SourceSchema, required=True)
    previous = fields.Nested(SourceSchema, allow_none=True)
    list_by = fields.Function(lambda b: b.list_by.value, required=True)
    size = fields.Integer(required=True)
    standings = fields.Function(
        lambda b: [s.to_dict() | {"change": s.change} for s in b.standings],
        metadata={
            "description": "rank order: rank, total, grade, movement since the previous "
            "published period (up, down, same, new) and flags"
        },
    )
    red = fields.List(fields.String(), required=True, metadata={"description": "红榜"})
    black = fields.List(fields.String(), required=True, metadata={"description": "黑榜"})
    notices = fields.Function(
        lambda b: [n.to_dict() for n in b.notices],
        metadata={"description": "the scheme's streak notices raised this period"},
    )
    published_at = fields.DateTime(required=True)
    published_by = fields.String(required=True)
