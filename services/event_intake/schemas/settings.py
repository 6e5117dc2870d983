"""Intake settings schemas: categories with deadlines, calendar overrides, duplicate rule."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from services.event_intake.domain.settings import (
    MAX_RADIUS_M,
    MAX_WINDOW_HOURS,
    IntakeSettings,
)
from shared.http import BaseSchema

MAX_HOURS = Decimal(10_000)


def working_hours(value: Decimal) -> None:
    """0 to 10,000 working hours. (A function, not `validate.Range`: the OpenAPI document would
    state a Range's bounds of a string-valued Decimal as strings, which is not a valid schema.)"""
    if not Decimal(0) <= value <= MAX_HOURS:
        raise ValidationError(f"must be 0 to {MAX_HOURS} working hours")


class SpanSchema(BaseSchema):
    days = fields.Integer(load_default=0, validate=validate.Range(min=0, max=365))
    hours = fields.Decimal(as_string=True, places=2, load_default=0, validate=working_hours)


class CategorySchema(BaseSchema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=64))
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    acceptance = fields.Nested(
        SpanSchema, required=True, metadata={"description": "受理时限 / from the report"}
    )
    closure = fields.Nested(
        SpanSchema, required=True, metadata={"description": "办结时限 / from acceptance"}
    )


class WorkingHoursSchema(BaseSchema):
    start = fields.Time(required=True)
    end = fields.Time(required=True)


class SettingsChangeSchema(BaseSchema):
    """Only the parts sent change."""

    categories = fields.List(fields.Nested(CategorySchema), validate=validate.Length(min=1))
    extra_holidays = fields.List(
        fields.Date(), metadata={"description": "额外休息日 / tenant's own days off"}
    )
    extra_workdays = fields.List(
        fields.Date(), metadata={"description": "额外工作日 / tenant's own working days"}
    )
    working_hours = fields.Nested(WorkingHoursSchema)
    duplicate_radius_m = fields.Integer(validate=validate.Range(min=1, max=MAX_RADIUS_M))
    duplicate_window_hours = fields.Integer(validate=validate.Range(min=1, max=MAX_WINDOW_HOURS))

    @validates_schema
    def _not_empty(self, data: dict[str, Any], **_: Any) -> None:
        if not data:
            raise ValidationError("send at least one part to change", field_name="_schema")


class SettingsSchema(BaseSchema):
    categories = fields.Method("_categories", required=True)
    extra_holidays = fields.Method("_holidays", required=True)
    extra_workdays = fields.Method("_workdays", required=True)
    working_hours = fields.Method("_hours", required=True)
    duplicate_radius_m = fields.Method("_radius", required=True)
    duplicate_window_hours = fields.Method("_window", required=True)
    revision = fields.Integer(required=True)

    def _categories(self, settings: IntakeSettings) -> list[dict[str, Any]]:
        taxonomy = settings.taxonomy
        rows = []
        for category in taxonomy.categories:
            policy = taxonomy.policy_for(category.code)
            rows.append(
                {
                    "code": category.code,
                    "name": category.name,
                    "acceptance": {
                        "days": policy.acceptance.days,
                        "hours": str(policy.acceptance.hours),
                    },
                    "closure": {"days": policy.closure.days, "hours": str(policy.closure.hours)},
                }
            )
        return rows

    def _holidays(self, settings: IntakeSettings) -> list[str]:
        return sorted(day.isoformat() for day in settings.extra_holidays)

    def _workdays(self, settings: IntakeSettings) -> list[str]:
        return sorted(day.isoformat() for day in settings.extra_workdays)

    def _hours(self, settings: IntakeSettings) -> dict[str, str]:
        hours = settings.working_hours
        return {"start": hours.start.isoformat("minutes"), "end": hours.end.isoformat("minutes")}

    def _radius(self, settings: IntakeSettings) -> int:
        return settings.duplicates.radius_m

    def _window(self, settings: IntakeSettings) -> int:
        return settings.duplicates.window_hours
