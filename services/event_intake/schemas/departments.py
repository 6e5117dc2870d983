"""Department (职能部门) schemas."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from services.event_intake.domain.departments import CODE_MAX, MAX_MEMBERS, NAME_MAX
from shared.http import BaseSchema

_MEMBERS = fields.List(
    fields.String(validate=validate.Length(min=1, max=64)),
    validate=validate.Length(max=MAX_MEMBERS),
    metadata={"description": "成员 / the tenant's user ids acting for the department"},
)


class DepartmentCreateSchema(BaseSchema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=CODE_MAX))
    name = fields.String(required=True, validate=validate.Length(min=1, max=NAME_MAX))
    member_ids = _MEMBERS


class DepartmentChangeSchema(BaseSchema):
    name = fields.String(validate=validate.Length(min=1, max=NAME_MAX))
    member_ids = fields.List(
        fields.String(validate=validate.Length(min=1, max=64)),
        validate=validate.Length(max=MAX_MEMBERS),
    )
    active = fields.Boolean()

    @validates_schema
    def _not_empty(self, data: dict[str, Any], **_: Any) -> None:
        if not data:
            raise ValidationError("send at least one field to change", field_name="_schema")


class DepartmentSchema(BaseSchema):
    department_id = fields.String(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    member_ids = fields.List(fields.String(), required=True)
    active = fields.Boolean(required=True)
