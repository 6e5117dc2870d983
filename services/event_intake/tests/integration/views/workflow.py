"""What the view tests of the intake workflows (tasks 派单, inspections 督查) share: the callers,
tenant A's two grids with one worker each (tenant B has a grid of its own), deadlines from
now, the outbox of one aggregate, the scheduler's context and a caller's list."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import mongoengine as me

from services.event_intake.tests.integration.support import seed_registry, square
from services.event_intake.use_cases.context import IntakeContext
from shared.access import AccountStates
from shared.access.repository import user_key
from shared.events.envelope import Envelope

ANNOUNCED = datetime(2020, 1, 1, tzinfo=UTC)

WORKER = {"subject": "worker-1", "tenant_id": "tenant-a", "roles": ("grid-worker",)}
OTHER_WORKER = {"subject": "worker-2", "tenant_id": "tenant-a", "roles": ("grid-worker",)}
CENTRE = {"subject": "centre-1", "tenant_id": "tenant-a", "roles": ("center-staff",)}
TENANT_B = {"subject": "centre-b", "tenant_id": "tenant-b", "roles": ("center-staff",)}


def seed_two_grids() -> None:
    """Tenant A: grids g-1 (worker-1's team) and g-2 (worker-2's), both workers invited;
    tenant B: grid g-b."""
    seed_registry(
        "tenant-a",
        grids=[
            ("g-1", "div-1", "G01", square(120.00, 31.70), date(2020, 1, 1)),
            ("g-2", "div-1", "G02", square(120.02, 31.70), date(2020, 1, 1)),
        ],
        teams={
            "g-1": [("worker-1", "full_time_worker", date(2020, 1, 1), None)],
            "g-2": [("worker-2", "full_time_worker", date(2020, 1, 1), None)],
        },
    )
    seed_registry("tenant-b", grids=[("g-b", "div-b", "B01", square(120.0, 31.7), "2020-01-01")])
    accounts = AccountStates("tenant-a")
    for user_id in ("worker-1", "worker-2"):
        accounts.record(
            user_key(user_id), revoked=False, changed_at=ANNOUNCED, event_id=f"invited-{user_id}"
        )


def soon(days: float) -> str:
    """An instant `days` from now, ISO with its timezone (a deadline)."""
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def outbox_types(document: type[me.Document], aggregate_id: str) -> list[str]:
    """The domain event types tenant A's aggregate put in its outbox, in order."""
    doc = document.objects(tenant_id="tenant-a", pk=aggregate_id).get()
    return [Envelope.parse(entry.envelope).type for entry in doc.outbox]


def scheduler(tenant_id: str, now: datetime) -> IntakeContext:
    """The overdue scheduler's context for one tenant at ``now``."""
    return IntakeContext(tenant_id=tenant_id, actor="scheduler", clock=lambda: now)


def listed(api: Any, path: str, key: str, as_user: dict[str, Any], query: str = "") -> set[str]:
    """The ids (`key`) of the items of the caller's list at `path` (200 expected)."""
    answer = api.get(f"{path}{query}", as_user=as_user)
    assert answer.status_code == 200, answer.get_json()
    return {item[key] for item in answer.get_json()["items"]}
