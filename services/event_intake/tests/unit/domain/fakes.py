"""A fake work clock and actors for the event domain tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from services.event_intake.domain.events import Actor
from shared.auth.principal import Role

TENANT = "t-1"
GRID = "g-1"
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


class FakeClock:
    """Every day is a working day of 24 working hours; pauses add their length when they
    start before the (running) deadline."""

    def __init__(self) -> None:
        self.calls: list[tuple[datetime, int, Decimal | int, tuple[tuple[datetime, datetime], ...]]]
        self.calls = []

    def deadline(
        self,
        start: datetime,
        *,
        days: int = 0,
        hours: Decimal | int = 0,
        pauses: Sequence[tuple[datetime, datetime]] = (),
    ) -> datetime:
        self.calls.append((start, days, hours, tuple(pauses)))
        due = start + timedelta(days=days, hours=float(hours))
        for begin, end in sorted(pauses):
            if begin < due and end > start:
                due += end - max(begin, start)
        return due


def worker(grids: Sequence[str] = (GRID,), user_id: str = "u-worker") -> Actor:
    return Actor(
        user_id=user_id,
        tenant_id=TENANT,
        roles=frozenset({Role.GRID_WORKER.value}),
        grid_ids=frozenset(grids),
    )


def centre(tenant_id: str = TENANT) -> Actor:
    return Actor(
        user_id="u-centre", tenant_id=tenant_id, roles=frozenset({Role.CENTER_STAFF.value})
    )


def department(department_id: str = "dep-1") -> Actor:
    return Actor(user_id="u-dep", tenant_id=TENANT, roles=frozenset(), department_id=department_id)


def inspector() -> Actor:
    return Actor(user_id="u-insp", tenant_id=TENANT, roles=frozenset({Role.INSPECTOR.value}))
