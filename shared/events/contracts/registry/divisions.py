"""Contracts published by the grid_registry service."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.events.contracts import register
from shared.events.topics import Topic

DIVISION_CREATED = "division.created"
DIVISION_KINDS = ("village", "community")


@register(DIVISION_CREATED, 1, Topic.REGISTRY_DIVISIONS)
class DivisionCreatedV1(Schema):
    """A division (village 村 or community 社区) was created in the envelope's tenant.

    The walking-skeleton event: grid_registry emits it through the outbox, scoring records it.
    """

    division_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    code = fields.String(required=True, validate=validate.Length(min=1, max=64))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(required=True, validate=validate.OneOf(DIVISION_KINDS))
    created_by = fields.String(required=True, validate=validate.Length(min=1, max=64))


DIVISION_UPDATED = "division.updated"


@register(DIVISION_UPDATED, 1, Topic.REGISTRY_DIVISIONS)
class DivisionUpdatedV1(Schema):
    """A division's name or kind changed (the code never changes); carries the new values."""

    division_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    code = fields.String(required=True, validate=validate.Length(min=1, max=64))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(required=True, validate=validate.OneOf(DIVISION_KINDS))
    updated_by = fields.String(required=True, validate=validate.Length(min=1, max=64))
