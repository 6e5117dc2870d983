"""Base-information contracts published by grid_registry (基础信息采集)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.events.contracts import register
from shared.events.topics import Topic

BASEINFO_RECORDED = "baseinfo.recorded"
BASEINFO_CATEGORIES = ("population", "service_target", "rental", "special_group")


@register(BASEINFO_RECORDED, 1, Topic.REGISTRY_BASE_INFO)
class BaseInfoRecordedV1(Schema):
    """A grid's figures for one sub-category and statistics date (``as_of``) were recorded.

    Recording the same grid, sub-category and date again replaces that date's figures and
    emits this event again: consumers keep the latest per (grid_id, category, sub_category,
    as_of). Counts only, never a person.
    """

    grid_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    division_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    category = fields.String(required=True, validate=validate.OneOf(BASEINFO_CATEGORIES))
    sub_category = fields.String(required=True, validate=validate.Length(min=1, max=32))
    expected = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    collected = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    verified = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    as_of = fields.Date(required=True)
    actor = fields.String(required=True, validate=validate.Length(min=1, max=64))
