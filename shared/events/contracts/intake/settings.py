"""Tenant configuration contracts of event_intake on `Topic.INTAKE_EVENTS`.

``intake_settings.changed``: the tenant's categories with their acceptance and closure spans,
calendar overrides, working hours and duplicate rule after a change (consumers that count
on-time rates can show which rule was in force). ``department.changed``: a handling
department (职能部门) as it stands (members are counted, never listed).
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.events.contracts import register
from shared.events.topics import Topic

INTAKE_SETTINGS_CHANGED = "intake_settings.changed"
DEPARTMENT_CHANGED = "department.changed"

_ID = validate.Length(min=1, max=64)
_DAY = validate.Regexp(r"^\d{4}-\d{2}-\d{2}$")
_HOURS = validate.Regexp(r"^\d+(\.\d+)?$")


class SpanV1(Schema):
    days = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    hours = fields.String(required=True, validate=_HOURS)


class CategoryV1(Schema):
    code = fields.String(required=True, validate=_ID)
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    acceptance = fields.Nested(SpanV1, required=True)
    closure = fields.Nested(SpanV1, required=True)


class WorkingHoursV1(Schema):
    start = fields.String(required=True, validate=validate.Regexp(r"^\d{2}:\d{2}$"))
    end = fields.String(required=True, validate=validate.Regexp(r"^\d{2}:\d{2}$"))


@register(INTAKE_SETTINGS_CHANGED, 1, Topic.INTAKE_EVENTS)
class IntakeSettingsChangedV1(Schema):
    """The tenant's intake settings after a change."""

    categories = fields.List(fields.Nested(CategoryV1), required=True)
    extra_holidays = fields.List(fields.String(validate=_DAY), required=True)
    extra_workdays = fields.List(fields.String(validate=_DAY), required=True)
    working_hours = fields.Nested(WorkingHoursV1, required=True)
    duplicate_radius_m = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    duplicate_window_hours = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1)
    )
    actor = fields.String(required=True, validate=_ID)


@register(DEPARTMENT_CHANGED, 1, Topic.INTAKE_EVENTS)
class DepartmentChangedV1(Schema):
    """A department was created or changed (its name, whether it takes events, how many
    members it has)."""

    department_id = fields.String(required=True, validate=_ID)
    code = fields.String(required=True, validate=validate.Length(min=1, max=32))
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    active = fields.Boolean(required=True, truthy={True}, falsy={False})
    member_count = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    actor = fields.String(required=True, validate=_ID)
