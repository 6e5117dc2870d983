"""grid_registry's use cases: load -> domain -> save (with the events in the outbox).

Every function takes keyword arguments only, and the repository already bound to the caller's
tenant, so a use case cannot reach another tenant's data.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from services.grid_registry import domain
from services.grid_registry.repository import DivisionRepository
from shared.events.contracts import contract_for, validate_payload
from shared.events.envelope import Envelope
from shared.mongo import NotFound, Page, PendingEvent

PRODUCER = "grid_registry"


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
    payload = validate_payload(
        event.type,
        event.version,
        {
            "division_id": event.division_id,
            "code": event.code,
            "name": event.name,
            "kind": event.kind.value,
            "created_by": event.created_by,
        },
    )
    envelope = Envelope.new(
        type=event.type,
        version=event.version,
        tenant_id=repo.tenant_id,
        producer=PRODUCER,
        payload=payload,
        correlation_id=correlation_id,
        occurred_at=event.occurred_at,
    )
    topic = contract_for(event.type, event.version).topic
    return repo.add_division(division, [PendingEvent(topic, division.division_id, envelope)])


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
