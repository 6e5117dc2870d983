"""Division use cases."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from services.grid_registry.domain import divisions as domain
from services.grid_registry.repository.divisions import DivisionRepository
from services.grid_registry.use_cases import PRODUCER
from shared.mongo import NotFound, Page, PendingEvent


def create_division(
    *,
    repo: DivisionRepository,
    actor: str,
    code: str,
    name: str,
    kind: str,
    correlation_id: str | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> domain.Division:
    """Register a division; its `division.created` event is stored with it for the relay."""
    division, event = domain.register_division(
        division_id=str(uuid.uuid4()),
        tenant_id=repo.tenant_id,
        code=code,
        name=name,
        kind=kind,
        actor=actor,
        now=clock(),
    )
    pending = PendingEvent.record(
        type=event.type,
        version=event.version,
        tenant_id=repo.tenant_id,
        aggregate_id=division.division_id,
        payload={
            "division_id": event.division_id,
            "code": event.code,
            "name": event.name,
            "kind": event.kind.value,
            "created_by": event.created_by,
        },
        producer=PRODUCER,
        correlation_id=correlation_id,
        occurred_at=event.occurred_at,
    )
    return repo.add_division(division, [pending])


def update_division(
    *,
    repo: DivisionRepository,
    actor: str,
    division_id: str,
    name: str,
    kind: str,
    correlation_id: str | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> domain.Division:
    """Rename a division or change its kind; `division.updated` unless nothing changed."""
    division = get_division(repo=repo, division_id=division_id)
    updated, event = domain.update_division(
        division, name=name, kind=kind, actor=actor, now=clock()
    )
    if event is None:
        return division
    pending = PendingEvent.record(
        type=event.type,
        version=event.version,
        tenant_id=repo.tenant_id,
        aggregate_id=division.division_id,
        payload={
            "division_id": event.division_id,
            "code": event.code,
            "name": event.name,
            "kind": event.kind.value,
            "updated_by": event.updated_by,
        },
        producer=PRODUCER,
        correlation_id=correlation_id,
        occurred_at=event.occurred_at,
    )
    return repo.update_division(updated, [pending])


def get_division(*, repo: DivisionRepository, division_id: str) -> domain.Division:
    """The division, or `NotFound` (also when it belongs to another tenant)."""
    division = repo.find_division(division_id)
    if division is None:
        raise NotFound(f"division {division_id} not found")
    return division


def list_divisions(
    *, repo: DivisionRepository, offset: int, limit: int, kind: str | None = None
) -> Page[domain.Division]:
    """One page of the tenant's divisions, ordered by code."""
    return repo.list_divisions(offset=offset, limit=limit, kind=kind)
