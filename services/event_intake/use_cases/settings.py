"""The tenant's intake settings: read them, change parts of them (the centre)."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from services.event_intake.domain import settings as domain
from services.event_intake.domain.settings import IntakeSettings
from services.event_intake.use_cases.context import IntakeContext


def current(ctx: IntakeContext) -> IntakeSettings:
    return ctx.settings.current()


def change(
    ctx: IntakeContext,
    *,
    categories: list[dict[str, Any]] | None = None,
    extra_holidays: list[date] | None = None,
    extra_workdays: list[date] | None = None,
    working_hours: dict[str, time] | None = None,
    duplicate_radius_m: int | None = None,
    duplicate_window_hours: int | None = None,
) -> IntakeSettings:
    """Replace the parts given; publishes `intake_settings.changed`. Deadlines of events
    already reported keep the spans they were reported with (what the reporter was told)."""
    updated, event = domain.change(
        ctx.settings.current(),
        actor=ctx.actor,
        now=ctx.now(),
        categories=categories,
        extra_holidays=extra_holidays,
        extra_workdays=extra_workdays,
        working_hours=None
        if working_hours is None
        else (working_hours["start"], working_hours["end"]),
        duplicate_radius_m=duplicate_radius_m,
        duplicate_window_hours=duplicate_window_hours,
    )
    return ctx.settings.save_settings(updated, [event])
