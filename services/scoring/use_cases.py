"""scoring's use cases: turn facts from other services into the ledger, and read it back."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from services.scoring.domain import ledger
from services.scoring.repository import LedgerRepository
from shared.mongo import Page


def record_division_created(
    *,
    repo: LedgerRepository,
    event_id: str,
    occurred_at: datetime,
    payload: Mapping[str, Any],
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> bool:
    """Record a registered division in the ledger; idempotent on `event_id`.

    Returns False when the event had been recorded before.
    """
    fact = ledger.fact_from_division_created(
        event_id=event_id, tenant_id=repo.tenant_id, occurred_at=occurred_at, payload=payload
    )
    return repo.record(fact, recorded_at=clock())


def list_facts(
    *,
    repo: LedgerRepository,
    offset: int,
    limit: int,
    subject_id: str | None = None,
    metric: str | None = None,
) -> Page[ledger.LedgerEntry]:
    """One page of the tenant's ledger, oldest first."""
    return repo.facts(offset=offset, limit=limit, subject_id=subject_id, metric=metric)
