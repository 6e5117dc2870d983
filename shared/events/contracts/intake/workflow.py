"""The shape every intake workflow payload shares (tasks 派单, inspections 督查): the state
after the change and what happened (`action`, `previous_state`, `actor`, `acting_as`).

A schema of an aggregate subclasses `WorkflowStateV1` and names its own `STATES` and
`ACTIONS`; the shared fields check against those.
"""

from __future__ import annotations

from typing import Any, ClassVar

from marshmallow import Schema, fields, validate

ACTING_AS = ("grid_worker", "centre", "department", "inspector", "system")

ID = validate.Length(min=1, max=64)


class WorkflowStateV1(Schema):
    """`state` and `previous_state` are among `STATES`, `action` among `ACTIONS`; the last
    two are null for a fact the system recorded without an action (an overdue deadline),
    `previous_state` also for the creation."""

    STATES: ClassVar[tuple[str, ...]] = ()
    ACTIONS: ClassVar[tuple[str, ...]] = ()

    state = fields.String(required=True)
    previous_state = fields.String(required=True, allow_none=True)
    action = fields.String(required=True, allow_none=True)
    actor = fields.String(required=True, validate=ID)
    acting_as = fields.String(required=True, validate=validate.OneOf(ACTING_AS))

    def on_bind_field(self, field_name: str, field_obj: Any) -> None:
        # Each schema instance binds its own (shallow) copy of the fields: a new list keeps
        # the declared field's validators, shared by every subclass, untouched.
        choices = {
            "state": self.STATES,
            "previous_state": self.STATES,
            "action": self.ACTIONS,
        }.get(field_name)
        if choices is not None:
            field_obj.validators = [*field_obj.validators, validate.OneOf(choices)]
