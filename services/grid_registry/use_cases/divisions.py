"""Division use cases."""

from __future__ import annotations

import uuid

from services.grid_registry.domain import divisions as domain
from services.grid_registry.use_cases.context import RegistryContext
from shared.errors import NotFound
from shared.mongo import Page


def create_division(ctx: RegistryContext, *, code: str, name: str, kind: str) -> domain.Division:
    """Register a division; its `division.created` event is stored with it for the relay."""
    division, event = domain.register_division(
        division_id=str(uuid.uuid4()),
        tenant_id=ctx.tenant_id,
        code=code,
        name=name,
        kind=kind,
        actor=ctx.actor,
        now=ctx.now(),
    )
    return ctx.divisions.add_division(division, [event])


def update_division(
    ctx: RegistryContext, *, division_id: str, name: str, kind: str
) -> tuple[domain.Division, bool]:
    """Rename a division or change its kind; `division.updated` unless nothing changed. The
    division as it now stands, and whether it changed."""
    division = get_division(ctx, division_id=division_id)
    updated, event = domain.update_division(
        division, name=name, kind=kind, actor=ctx.actor, now=ctx.now()
    )
    if event is None:
        return division, False
    return ctx.divisions.update_division(updated, [event]), True


def get_division(ctx: RegistryContext, *, division_id: str) -> domain.Division:
    """The division, or `NotFound` (also when it belongs to another tenant)."""
    division = ctx.divisions.find_division(division_id)
    if division is None:
        raise NotFound(f"division {division_id} not found")
    return division


def list_divisions(
    ctx: RegistryContext, *, offset: int, limit: int, kind: str | None = None
) -> Page[domain.Division]:
    """One page of the tenant's divisions, ordered by code."""
    return ctx.divisions.list_divisions(offset=offset, limit=limit, kind=kind)
