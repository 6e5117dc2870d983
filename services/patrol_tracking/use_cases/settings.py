"""The tenant's patrol settings: read them (anyone who reads patrol data), replace them (the
centre)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import time
from typing import Any

from services.patrol_tracking.domain import settings as domain
from services.patrol_tracking.domain.settings import PatrolSettings
from services.patrol_tracking.use_cases.context import PatrolContext


def current(ctx: PatrolContext) -> PatrolSettings:
    """The effective settings (seed 001's preset until the centre saves its own)."""
    return ctx.settings.current()


def replace_settings(
    ctx: PatrolContext,
    *,
    preset: str | None = None,
    track: Mapping[str, Any] | None = None,
    ingest: Mapping[str, Any] | None = None,
    rules_by_grid_type: Mapping[str, Mapping[str, Any]] | None = None,
    default_rules: Mapping[str, Any] | None = None,
    leave_limit_days: int | None = None,
    finalise_after: time | None = None,
    retention_days: int | None = None,
    revision: int | None = None,
) -> PatrolSettings:
    """Replace the settings: the preset with the parts given; publishes
    `patrol_settings.changed`. Days already finalised keep the verdicts they were judged
    with; filings keep the leave limit they were filed under."""
    updated, event = domain.replace_settings(
        ctx.settings.current(),
        actor=ctx.actor,
        now=ctx.now(),
        preset=preset,
        track=track,
        ingest=ingest,
        rules_by_grid_type=rules_by_grid_type,
        default_rules=default_rules,
        leave_limit_days=leave_limit_days,
        finalise_after=finalise_after,
        retention_days=retention_days,
        revision=revision,
    )
    return ctx.settings.save_settings(updated, [event])
