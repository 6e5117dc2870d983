"""Evaluations over the real ledger, registry read model and manual inputs (the facts bridge
itself, not a stand-in): a street's month of seed 004 worked out by hand, every sheet traced
to the messages and manual inputs behind it, and provisional scores following a new fact."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from services.scoring import handlers
from services.scoring.repository.ledger import LedgerRepository
from services.scoring.tests.integration.ledger_support import message, uuid_of
from services.scoring.use_cases import evaluations, manual_inputs, schemes
from services.scoring.use_cases.context import ScoringContext
from shared.registry.testing import seed_registry, square

pytestmark = pytest.mark.integration

TENANT = "tenant-a"
NOW = datetime(2024, 4, 2, 1, 0, tzinfo=UTC)
SEED_004 = "seed_004_shanhu_street_full_time_worker"


def ctx(now: datetime = NOW) -> ScoringContext:
    return ScoringContext(
        tenant_id=TENANT, actor="u-centre", roles=frozenset({"center-staff"}), clock=lambda: now
    )


def street() -> None:
    """w-1 serves g-1 and w-2 serves g-2 all March 2024."""
    seed_registry(
        TENANT,
        grids=[
            ("g-1", "d-1", "C01", square(120.0, 31.7), "2023-01-01"),
            ("g-2", "d-1", "C02", square(120.1, 31.7), "2023-01-01"),
        ],
        teams={
            "g-1": [("w-1", "full_time_worker", "2023-01-01", None)],
            "g-2": [("w-2", "full_time_worker", "2023-01-01", None)],
        },
        now=datetime(2023, 1, 1, tzinfo=UTC),
    )


def failing_day(worker: str, grid: str, day: str) -> None:
    handlers.ledger_fact(
        message(
            "patrol.day_finalised",
            TENANT,
            message_id=f"day-{worker}-{day}",
            worker_id=worker,
            day=day,
            grid_ids=[grid],
        )
    )


def march() -> None:
    """March 2024: w-1 fails two working days (7th, 8th) and makes three valid reports; w-2
    fails three running (11th-13th: his subsidy is forfeited) and completes one task; both
    have their violation check entered by the centre."""
    street()
    for day in ("2024-03-07", "2024-03-08"):
        failing_day("w-1", "g-1", day)
    for day in ("2024-03-11", "2024-03-12", "2024-03-13"):
        failing_day("w-2", "g-2", day)
    for n in range(3):
        at = f"2024-03-{n + 4:02d}T02:00:00+00:00"
        handlers.ledger_fact(
            message(
                "event.reported",
                TENANT,
                occurred_at=at,
                message_id=f"report-{n}",
                event_id=f"e-{n}",
                grid_id="g-1",
                reported_at=at,
                acceptance_deadline=at,
            )
        )
    handlers.ledger_fact(
        message(
            "task.completed",
            TENANT,
            message_id="task-1",
            assignee_kind="worker",
            assignee_id="w-2",
            grid_id="g-2",
            issued_at="2024-03-17T01:00:00+00:00",
            completed_at="2024-03-18T01:00:00+00:00",
        )
    )
    for worker in ("w-1", "w-2"):
        manual_inputs.record_manual_input(
            ctx(),
            input_id="unreported_violation",
            subject_id=worker,
            period="2024-03",
            value=False,
            evidence="网格巡查核对",
        )
    schemes.create_scheme(ctx(), scheme_id="shanhu", template=SEED_004)
    schemes.publish_scheme(ctx(), scheme_id="shanhu")


def money(header, subject: str) -> dict[str, Decimal]:
    row = next(r for r in header.rows if r.subject_id == subject)
    return {m.rule_id: m.amount for m in row.money}


def test_a_month_evaluated_from_the_ledger_matches_the_hand_computed_pay(fresh_db):
    march()
    header = evaluations.evaluate_period(ctx(), scheme_id="shanhu", period="2024-03")
    # w-1: patrol 800 - 2 x 25; information 200 - (20 - 3) x 10; no task reward (0 < 4);
    # March ends a quarter: ranked by the quarter's pay (March alone: the street's first
    # published month), first of two (3 stars, 300).
    assert money(header, "w-1") == {
        "patrol_subsidy": Decimal("750.00"),
        "info_subsidy": Decimal("30.00"),
        "task_reward": Decimal("0.00"),
        "star_reward": Decimal("300.00"),
    }
    # w-2: three failing days running forfeit the subsidy (a yellow card); no reports.
    assert money(header, "w-2")["patrol_subsidy"] == Decimal("0.00")
    assert money(header, "w-2")["info_subsidy"] == Decimal("0.00")
    w2 = next(r for r in header.rows if r.subject_id == "w-2")
    assert w2.flags == ("yellow_card",)
    assert header.incomplete == 0


def test_a_sheet_traces_each_fact_to_its_messages_and_manual_inputs(fresh_db):
    march()
    evaluations.evaluate_period(ctx(), scheme_id="shanhu", period="2024-03")
    view = evaluations.get_sheet(ctx(), scheme_id="shanhu", period="2024-03", subject_id="w-1")
    facts = {fact["input_id"]: fact for fact in view.sheet["facts"]}
    failing = facts["patrol_failing_days"]
    assert failing["value"] == "2024-03-07,2024-03-08"
    assert {item["event_id"] for item in failing["trace"]} == {
        uuid_of("day-w-1-2024-03-07"),
        uuid_of("day-w-1-2024-03-08"),
    }
    reports = facts["valid_info_reports"]
    assert {item["aggregate"] for item in reports["trace"]} == {
        "event:e-0",
        "event:e-1",
        "event:e-2",
    }
    [manual] = facts["unreported_violation"]["trace"]
    assert (manual["source"], manual["note"]) == ("manual", "网格巡查核对")


def test_provisional_scores_follow_a_new_fact_within_seconds(fresh_db):
    march()
    job = evaluations.ProvisionalJob(LedgerRepository.tenants_recorded_since)
    during = datetime(2024, 3, 20, 4, 0, tzinfo=UTC)
    job(during)
    before = evaluations.get_provisional(ctx(), scheme_id="shanhu", period="2024-03")
    assert money(before.header, "w-1")["patrol_subsidy"] == Decimal("750.00")
    # A third failing day reaches the ledger; the next pass (its clock in the same March:
    # the current period is the one refreshed) asks the ledger which tenants changed.
    published = time.monotonic()
    failing_day("w-1", "g-1", "2024-03-19")
    assert job(during.replace(second=2)) == 1
    elapsed = time.monotonic() - published
    after = evaluations.get_provisional(ctx(), scheme_id="shanhu", period="2024-03")
    assert money(after.header, "w-1")["patrol_subsidy"] == Decimal("725.00")
    assert elapsed < 5.0
