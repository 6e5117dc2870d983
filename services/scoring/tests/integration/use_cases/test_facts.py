"""`facts_for`: a scheme's facts of a period from the live ledger (fed through the handlers),
the registry read model and the manual inputs, on the real FerretDB."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from services.scoring import handlers
from services.scoring.domain.bridge import SHARED
from services.scoring.domain.engine import evaluate
from services.scoring.domain.workdays import period_of_label
from services.scoring.templates import load_template
from services.scoring.tests.integration.ledger_support import message, uuid_of
from services.scoring.use_cases import manual_inputs
from services.scoring.use_cases.context import ScoringContext
from services.scoring.use_cases.facts import facts_for
from shared.errors import InvalidInput
from shared.registry.testing import seed_registry, square

pytestmark = pytest.mark.integration

TENANT = "tenant-a"
NOW = datetime(2024, 4, 2, 1, 0, tzinfo=UTC)
SEED_004 = load_template("seed_004_shanhu_street_full_time_worker")
SEED_000 = load_template("seed_000_xueyan_town_2020")


def ctx(tenant: str = TENANT) -> ScoringContext:
    return ScoringContext(tenant_id=tenant, actor="u-centre", clock=lambda: NOW)


def period(label: str):
    found = period_of_label(label)
    assert found is not None
    return found


def street(tenant: str = TENANT) -> None:
    """Two grids of one community; w-1 serves g-1 until 15 March, w-2 from the 16th; w-3 g-2."""
    seed_registry(
        tenant,
        grids=[
            ("g-1", "d-1", "C01", square(120.0, 31.7), "2023-01-01"),
            ("g-2", "d-1", "C02", square(120.1, 31.7), "2023-01-01"),
        ],
        teams={
            "g-1": [
                ("w-1", "full_time_worker", "2023-01-01", "2024-03-15"),
                ("w-2", "full_time_worker", "2024-03-16", None),
            ],
            "g-2": [("w-3", "full_time_worker", "2023-01-01", None)],
        },
        now=datetime(2023, 1, 1, tzinfo=UTC),
    )


def test_a_street_month_gives_each_worker_his_facts_and_their_trace(fresh_db):
    street()
    events = [
        ("e-1", "2024-03-10T02:00:00+00:00"),  # w-1's
        ("e-2", "2024-03-20T02:00:00+00:00"),  # w-2's
        ("e-3", "2024-04-01T02:00:00+00:00"),  # April
    ]
    for event_id, at in events:
        handlers.ledger_fact(
            message(
                "event.reported",
                TENANT,
                occurred_at=at,
                message_id=f"m-{event_id}",
                event_id=event_id,
                reported_at=at,
                acceptance_deadline=at,
            )
        )
    for day in ("2024-03-07", "2024-03-08"):
        handlers.ledger_fact(
            message("patrol.day_finalised", TENANT, worker_id="w-1", day=day, grid_ids=["g-1"])
        )
    handlers.ledger_fact(
        message(
            "record.created",
            TENANT,
            record_id="r-1",
            worker_id="w-1",
            date="2024-03-05",
            attendance_status="absent_unexcused",
        )
    )
    handlers.ledger_fact(
        message(
            "task.completed",
            TENANT,
            issued_at="2024-03-17T01:00:00+00:00",
            completed_at="2024-03-18T01:00:00+00:00",
        )
    )
    manual_inputs.record_manual_input(
        ctx(),
        input_id="unreported_violation",
        subject_id="w-1",
        period="2024-03",
        value=True,
        evidence="城管督查通报",
        refs=["评议表.xlsx"],
    )

    found = facts_for(ctx(), SEED_004, period("2024-03"))

    by_id = {s.id: dict(s.values) for s in found.facts.subjects}
    assert sorted(by_id) == ["w-1", "w-2", "w-3"]
    assert by_id["w-1"]["patrol_failing_days"] == ["2024-03-07", "2024-03-08"]
    assert (by_id["w-1"]["valid_info_reports"], by_id["w-2"]["valid_info_reports"]) == (1, 1)
    assert by_id["w-1"]["meeting_absences_unexcused"] == 1
    assert (
        by_id["w-1"]["dispatched_tasks_completed"],
        by_id["w-2"]["dispatched_tasks_completed"],
    ) == (0, 1)
    assert by_id["w-1"]["unreported_violation"] is True
    assert by_id["w-3"]["valid_info_reports"] == 0
    [valid] = found.trace[("w-1", "valid_info_reports")]
    assert (valid.event_id, valid.aggregate) == (uuid_of("m-e-1"), "event:e-1")
    [manual] = found.trace[("w-1", "unreported_violation")]
    assert (manual.source, manual.note) == ("manual", "城管督查通报")
    # The facts fit the scheme: the engine takes them (what is missing, it reports).
    evaluation = evaluate(SEED_004, found.facts)
    assert evaluation.sheet("w-1").money_line("patrol_subsidy") is not None


def test_a_period_of_another_kind_than_the_schemes_is_refused(fresh_db):
    with pytest.raises(InvalidInput) as error:
        facts_for(ctx(), SEED_004, period("2024-Q1"))
    assert [p.field for p in error.value.problems] == ["period"]


def test_another_tenants_ledger_is_not_read(fresh_db):
    street()
    street("tenant-b")
    at = "2024-03-10T02:00:00+00:00"
    handlers.ledger_fact(
        message(
            "event.reported", "tenant-b", occurred_at=at, reported_at=at, acceptance_deadline=at
        )
    )

    found = facts_for(ctx(), SEED_004, period("2024-03"))

    assert all(s.values["valid_info_reports"] == 0 for s in found.facts.subjects)


def test_a_villages_year_counts_its_grids_events_and_its_staffing_on_30_november(fresh_db):
    seed_registry(
        TENANT,
        grids=[("g-1", "d-1", "V01", square(120.0, 31.7), "2019-01-01")],
        teams={"g-1": [("w-1", "full_time_worker", "2020-12-01", None)]},
        grid_type="village",
        now=datetime(2019, 1, 1, tzinfo=UTC),
    )
    handlers.ledger_fact(
        message(
            "division.created",
            TENANT,
            division_id="d-1",
            code="V01",
            name="东村",
            occurred_at="2019-01-01T00:00:00+00:00",
        )
    )
    for n, category in enumerate(("social_security", "public_safety", "dispute")):
        at = f"2020-0{n + 3}-02T02:00:00+00:00"
        handlers.ledger_fact(
            message(
                "event.closed",
                TENANT,
                occurred_at=at,
                event_id=f"e-{n}",
                category=category,
                reported_at=at,
                acceptance_deadline=at,
                accepted_at=at,
                resolved_at=at,
                closed_at=at,
                closure_deadline=at,
                level="town" if n == 0 else "grid",
            )
        )
    handlers.ledger_fact(
        message(
            "rates.published",
            TENANT,
            period_kind="year",
            period="2020",
            first_day="2020-01-01",
            last_day="2020-12-31",
            scope="division",
            rows=[
                {
                    **message("rates.published", TENANT).to_dict()["payload"]["rows"][0],
                    "scope": "division",
                    "subject_id": "d-1",
                    "rate": "0.8650",
                }
            ],
        )
    )

    found = facts_for(ctx(), SEED_000, period("2020"))

    [village] = found.facts.subjects
    assert (village.id, village.name) == ("d-1", "东村")
    facts = village.values
    assert facts["events_total"] == 3
    assert (facts["events_public_order"], facts["events_public_safety"]) == (1, 1)
    assert (facts["events_escalated"], facts["events_closed_on_time"]) == (1, 3)
    assert facts["grid_count"] == 1
    assert facts["staffing_rate"] == Decimal(0)  # the worker came in December
    assert facts["satisfaction_rate"] == Decimal("86.5")


def test_the_tenants_own_working_days_for_a_period_reach_the_engine(fresh_db):
    # The township decided that 2020 counts 200 working days for the assessment (and closed
    # the centre on 2 January): entered with its notice, like any manual input.
    seed_registry(
        TENANT,
        grids=[("g-1", "d-1", "V01", square(120.0, 31.7), "2019-01-01")],
        grid_type="village",
        now=datetime(2019, 1, 1, tzinfo=UTC),
    )
    handlers.ledger_fact(
        message(
            "division.created",
            TENANT,
            division_id="d-1",
            code="V01",
            name="东村",
            occurred_at="2019-01-01T00:00:00+00:00",
        )
    )
    for input_id, value in (
        ("calendar_working_days", 200),
        ("calendar_extra_holidays", ["2020-01-02"]),
    ):
        manual_inputs.record_manual_input(
            ctx(), input_id=input_id, period="2020", value=value, evidence="镇政府通知〔2020〕1号"
        )

    found = facts_for(ctx(), SEED_000, period("2020"))

    assert found.facts.calendar.working_days == 200
    assert {d.isoformat() for d in found.facts.calendar.extra_holidays} == {"2020-01-02"}
    [decision] = found.trace[(SHARED, "calendar_working_days")]
    assert (decision.source, decision.value, decision.note) == (
        "manual",
        "200",
        "镇政府通知〔2020〕1号",
    )
    # events_required = grid_count x 5 x workdays = 1 x 5 x 200 = 1,000 (not the 250-odd
    # working days of the holiday data): 0 events of 1,000 required.
    [village] = found.facts.subjects
    given = {"boolean": True, "percent": Decimal(90), "counts": {}, "integer": 0}
    complete = {i.id: given[i.type] for i in SEED_000.inputs if i.scope != "shared"}
    complete.update(village.values)
    facts = dataclasses.replace(
        found.facts,
        subjects=(dataclasses.replace(village, values=complete),),
        shared={"district_satisfaction_avg": Decimal(90)},
    )
    line = evaluate(SEED_000, facts).sheet("d-1").line("event_count")
    assert dict(line.inputs)["events_required"] == Decimal(1000), line.inputs


def test_a_working_day_count_above_the_periods_days_is_refused(fresh_db):
    with pytest.raises(InvalidInput) as error:
        manual_inputs.record_manual_input(
            ctx(), input_id="calendar_working_days", period="2024-03", value=32, evidence="x"
        )
    assert [p.field for p in error.value.problems] == ["value"]
    with pytest.raises(InvalidInput) as error:
        manual_inputs.record_manual_input(
            ctx(),
            input_id="calendar_working_days",
            subject_id="w-1",
            period="2024-03",
            value=20,
            evidence="x",
        )
    assert [p.field for p in error.value.problems] == ["subject_id"]
