"""Key subject contracts published by grid_registry (重点对象).

Patrol tracking needs the subject id, grid and visit cycle to check visits; these events carry
exactly that, NEVER a name, ID number, phone number or address.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.events.contracts import register
from shared.events.topics import Topic

SUBJECT_REGISTERED = "subject.registered"
SUBJECT_UPDATED = "subject.updated"
SUBJECT_MOVED = "subject.moved"
SUBJECT_ARCHIVED = "subject.archived"
SUBJECT_CATEGORIES = ("key_person", "special_group", "care_recipient", "hazard_place")
VISIT_CYCLES = ("daily", "weekly", "monthly")
SUBJECT_STATUSES = ("active", "archived")


class LocationV1(Schema):
    lon = fields.Float(required=True, validate=validate.Range(min=-180, max=180))
    lat = fields.Float(required=True, validate=validate.Range(min=-90, max=90))


class _SubjectV1(Schema):
    """A subject's state after the change."""

    subject_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    grid_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    division_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    category = fields.String(required=True, validate=validate.OneOf(SUBJECT_CATEGORIES))
    sub_category = fields.String(
        required=True, allow_none=True, validate=validate.Length(min=1, max=32)
    )
    visit_cycle = fields.String(required=True, validate=validate.OneOf(VISIT_CYCLES))
    status = fields.String(required=True, validate=validate.OneOf(SUBJECT_STATUSES))
    location = fields.Nested(LocationV1, required=True, allow_none=True)
    actor = fields.String(required=True, validate=validate.Length(min=1, max=64))


@register(SUBJECT_REGISTERED, 1, Topic.REGISTRY_SUBJECTS)
class SubjectRegisteredV1(_SubjectV1):
    """A key subject was registered in a grid; visits on ``visit_cycle`` are due from now."""


@register(SUBJECT_UPDATED, 1, Topic.REGISTRY_SUBJECTS)
class SubjectUpdatedV1(_SubjectV1):
    """A subject's details changed (the cycle, sub-category or location may be new)."""


@register(SUBJECT_MOVED, 1, Topic.REGISTRY_SUBJECTS)
class SubjectMovedV1(_SubjectV1):
    """A subject moved to ``grid_id`` from ``previous_grid_id``; visits are due there now."""

    previous_grid_id = fields.String(required=True, validate=validate.Length(min=1, max=64))


@register(SUBJECT_ARCHIVED, 1, Topic.REGISTRY_SUBJECTS)
class SubjectArchivedV1(_SubjectV1):
    """A subject was archived (never deleted): no visits are due any more."""
