"""Ledger entries and registry history built in code, for the tests of what reads the ledger
(the facts bridge, the district reports)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from services.scoring.domain.ledger import LedgerEntry
from services.scoring.domain.sources import day_start_ms
from shared.registry.model import GridRef, Membership

SQUARE = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}


def grid(
    grid_id: str, division: str, kind: str = "community", boundary: dict[str, Any] | None = None
) -> GridRef:
    """A grid in force since 2019 (a square boundary unless given)."""
    return GridRef(
        grid_id=grid_id,
        division_id=division,
        code=grid_id.upper(),
        name=f"网格{grid_id}",
        type=kind,
        status="active",
        valid_from=date(2019, 1, 1),
        valid_to=None,
        boundary=SQUARE if boundary is None else boundary,
        boundary_valid_from=date(2019, 1, 1),
    )


def member(grid_id: str, user: str, starts: str, ends: str | None = None) -> Membership:
    """``user`` a full-time worker of ``grid_id`` from ``starts`` (to ``ends``)."""
    return Membership(
        f"{grid_id}-{user}",
        grid_id,
        "d",
        user,
        "full_time_worker",
        date.fromisoformat(starts),
        None if ends is None else date.fromisoformat(ends),
    )


def entry(
    metric: str,
    day: str,
    *,
    event: str,
    grid_id: str | None = "g-1",
    kind: str = "grid",
    subject: str | None = None,
    key: str | None = None,
    value: str = "1",
    period: str | None = None,
    worker: str | None = None,
    division: str | None = None,
    retracts: str | None = None,
    attributes: dict[str, str] | None = None,
    at_ms: int | None = None,
) -> LedgerEntry:
    """One ledger line learned from message ``event`` (its own aggregate), on ``day``."""
    on = date.fromisoformat(day)
    return LedgerEntry(
        tenant_id="t",
        event_id=event,
        event_type="x",
        aggregate=f"a:{event}",
        position="1",
        subject_kind=kind,
        subject_id=subject or grid_id or "",
        metric=metric,
        value=Decimal(value),
        day=on,
        at_ms=day_start_ms(on) if at_ms is None else at_ms,
        key=key,
        period=period,
        grid_id=grid_id,
        division_id=division,
        worker_id=worker,
        retracts=retracts,
        attributes=attributes or {},
    )
