"""An appeals test's month: seed 004 over the real ledger, registry and manual inputs."""

from __future__ import annotations

from datetime import UTC, datetime

from services.scoring import handlers
from services.scoring.tests.integration.ledger_support import message
from services.scoring.use_cases import evaluations, manual_inputs, schemes
from services.scoring.use_cases.context import ScoringContext
from shared.registry.testing import seed_registry, square

TENANT = "tenant-a"
SEED_004 = "seed_004_shanhu_street_full_time_worker"


def report(grid: str, n: int) -> None:
    at = f"2024-03-{n + 4:02d}T02:00:00+00:00"
    handlers.ledger_fact(
        message(
            "event.reported",
            TENANT,
            occurred_at=at,
            message_id=f"report-{grid}-{n}",
            event_id=f"e-{grid}-{n}",
            grid_id=grid,
            reported_at=at,
            acceptance_deadline=at,
        )
    )


def task_completed(worker_id: str, grid: str, n: int) -> None:
    handlers.ledger_fact(
        message(
            "task.completed",
            TENANT,
            message_id=f"task-{worker_id}-{n}",
            assignee_kind="worker",
            assignee_id=worker_id,
            grid_id=grid,
            issued_at="2024-03-17T01:00:00+00:00",
            completed_at="2024-03-18T01:00:00+00:00",
        )
    )


def seed_march(centre: ScoringContext) -> dict[str, str]:
    """March 2024 of seed 004, published on April 2: w-1 (grid g-1) made 3 valid reports;
    w-2 (g-2) made 6 and has an unreported illegal building entered (his information
    subsidy cancelled); w-3 (g-3) made none."""
    seed_registry(
        TENANT,
        grids=[
            ("g-1", "d-1", "C01", square(120.0, 31.7), "2023-01-01"),
            ("g-2", "d-1", "C02", square(120.1, 31.7), "2023-01-01"),
            ("g-3", "d-1", "C03", square(120.2, 31.7), "2023-01-01"),
        ],
        teams={
            "g-1": [("w-1", "full_time_worker", "2023-01-01", None)],
            "g-2": [("w-2", "full_time_worker", "2023-01-01", None)],
            "g-3": [("w-3", "full_time_worker", "2023-01-01", None)],
        },
        now=datetime(2023, 1, 1, tzinfo=UTC),
    )
    for n in range(3):
        report("g-1", n)
    for n in range(6):
        report("g-2", n)
    task_completed("w-3", "g-3", 0)
    ids = {}
    for user in ("w-1", "w-2", "w-3"):
        made = manual_inputs.record_manual_input(
            centre,
            input_id="unreported_violation",
            subject_id=user,
            period="2024-03",
            value=user == "w-2",
            evidence="城管督查通报",
        )
        ids[user] = made.manual_input_id
    schemes.create_scheme(centre, scheme_id="shanhu", template=SEED_004)
    schemes.publish_scheme(centre, scheme_id="shanhu")
    evaluations.evaluate_period(centre, scheme_id="shanhu", period="2024-03")
    return ids
