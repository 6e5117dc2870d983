"""What each consumed event means for the ledger, from the contracts' own example messages."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from services.scoring.domain.ledger import AggregateState, LedgerEntry, counted
from services.scoring.domain.metrics import BY_NAME
from services.scoring.domain.sources import OBSERVERS, Observation, epoch_ms, observe
from shared.events.contracts import all_contracts, contract_for, validate_envelope
from shared.events.envelope import Envelope


def example(type_: str, **changes: Any) -> Envelope:
    envelope = contract_for(type_, 1).load_example()
    payload = dict(envelope.payload) | changes
    return replace(envelope, payload=validate_envelope(replace(envelope, payload=payload)))


def ledger_run(*steps: tuple[Observation, str]) -> tuple[AggregateState, list[LedgerEntry]]:
    """Apply observations in order as the live path does, keeping every stored entry."""
    stored: list[LedgerEntry] = []
    for observation, event_id in steps:
        change = AggregateState.of(stored).apply(
            observation, tenant_id="t-1", event_id=event_id, event_type="baseinfo.recorded"
        )
        stored.extend(change.added)
    return AggregateState.of(stored), stored


def observed(envelope: Envelope) -> tuple[Observation, ...]:
    return observe(
        envelope.type,
        tenant_id=envelope.tenant_id,
        occurred_at=envelope.occurred_at,
        payload=envelope.payload,
    )


def metrics_of(envelope: Envelope) -> dict[str, list[str]]:
    return {o.aggregate: sorted(f.metric for f in o.facts) for o in observed(envelope)}


@pytest.mark.parametrize(
    "contract", [c for c in all_contracts() if c.type in OBSERVERS], ids=lambda c: c.type
)
def test_every_example_yields_catalogued_facts_with_unique_ids(contract):
    envelope = contract.load_example()
    envelope = replace(envelope, payload=validate_envelope(envelope))

    for observation in observed(envelope):
        for fact in observation.facts:
            metric = BY_NAME[fact.metric]
            assert contract.type in metric.sources, (fact.metric, contract.type)
            if metric.key is None:
                assert fact.key is None, fact.metric
            if metric.keys and fact.key is not None:
                assert fact.key in metric.keys
        keys = [(f.subject_kind, f.subject_id, f.metric, f.key) for f in observation.facts]
        assert len(keys) == len(set(keys))


def test_an_event_counts_from_its_report_and_its_facts_are_dated_by_it():
    envelope = example("event.closed")

    [observation] = observed(envelope)
    assert observation.aggregate == "event:e-1"
    assert {f.day for f in observation.facts} == {date(2026, 3, 2)}
    assert {f.at_ms for f in observation.facts} == {epoch_ms(envelope.payload["reported_at"])}
    assert {f.key for f in observation.facts} == {"city_management"}


def test_a_rejected_or_merged_event_is_not_reported_and_a_closure_needs_the_closed_state():
    rejected = metrics_of(example("event.rejected"))
    assert rejected == {"event:e-2": ["intake.events_rejected"]}
    assert metrics_of(example("event.merged")) == {"event:e-2": []}
    resolved = metrics_of(example("event.resolved"))["event:e-1"]
    assert "intake.events_closed" not in resolved


def test_a_grid_app_report_not_found_invalid_is_a_valid_report():
    assert "intake.worker_reports_valid" in metrics_of(example("event.reported"))["event:e-1"]
    unqualified = example("event.reported", review_outcome="unqualified")
    assert "intake.worker_reports_valid" not in metrics_of(unqualified)["event:e-1"]
    hotline = example("event.reported", source="hotline_12345")
    assert "intake.worker_reports_valid" not in metrics_of(hotline)["event:e-1"]


def test_an_overdue_deadline_is_an_aggregate_of_its_own_that_later_changes_cannot_undo():
    found = metrics_of(example("event.overdue"))

    assert found["event:e-1:overdue:closure"] == ["intake.events_closure_overdue"]
    acceptance = metrics_of(example("event.overdue", deadline="acceptance"))
    assert acceptance["event:e-1:overdue:acceptance"] == ["intake.events_acceptance_overdue"]


def test_a_task_counts_for_its_assignee_and_its_completion_by_its_day():
    [observation] = observed(example("task.completed"))
    completed = next(f for f in observation.facts if f.metric == "intake.tasks_completed")
    assert (completed.subject_kind, completed.subject_id) == ("grid", "g-1")
    assert completed.day == date(2026, 3, 3)
    assert metrics_of(example("task.cancelled")) == {"task:t-2": []}
    department = example("task.issued", assignee_kind="department", assignee_id="dep-1")
    assert metrics_of(department) == {"task:t-1": []}


def test_a_complaint_counts_once_verified_and_never_when_dismissed():
    assert metrics_of(example("inspection.dismissed")) == {"inspection:i-2": []}
    assert metrics_of(example("inspection.verified")) == {
        "inspection:i-2": ["intake.inspection_findings"]
    }
    [observation] = observed(example("inspection.rectification_rejected"))
    rejected = next(f for f in observation.facts if f.metric == "intake.rectifications_rejected")
    assert rejected.value == Decimal(1)


def test_a_voided_record_counts_for_nothing_and_an_absence_is_keyed_by_its_status():
    assert metrics_of(example("record.voided")) == {"record:r-3": []}
    absent = example("record.created", attendance_status="absent_unexcused")
    [observation] = observed(absent)
    keys = {(f.metric, f.key) for f in observation.facts}
    assert ("intake.meeting_attendance", "absent_unexcused") in keys
    assert all(f.subject_kind == "worker" for f in observation.facts)


def test_a_failing_working_day_counts_and_a_corrected_excused_day_does_not():
    failing = metrics_of(example("patrol.day_finalised"))
    assert "patrol.failing_days" in failing["patrol_day:u-worker-1:2026-03-02"]
    excused = metrics_of(example("patrol.day_corrected"))
    assert "patrol.failing_days" not in excused["patrol_day:u-worker-1:2026-03-02"]
    rest = example("patrol.day_finalised", workday=False)
    assert "patrol.failing_days" not in metrics_of(rest)["patrol_day:u-worker-1:2026-03-02"]


def test_a_published_rate_is_a_percentage_of_its_period_and_a_suppressed_cell_no_fact():
    [observation] = observed(example("rates.published"))

    [rate] = observation.facts  # g-0002 is suppressed
    assert (rate.subject_kind, rate.subject_id, rate.value) == ("grid", "g-0001", Decimal(74))
    assert rate.period == "2026-Q4"
    assert rate.attributes["n"] == "15"
    assert not observation.partial


def test_the_district_average_is_the_tenants_shared_fact_of_the_period():
    envelope = example("district_average.published")
    [observation] = observed(envelope)
    [average] = observation.facts
    assert (average.subject_kind, average.subject_id) == ("tenant", envelope.tenant_id)
    assert average.day == date(2026, 12, 31)
    assert average.value == Decimal("88.5")


def test_a_type_the_ledger_does_not_count_yields_nothing():
    envelope = contract_for("event.photo_added", 1).load_example()
    assert observed(replace(envelope, payload=validate_envelope(envelope))) == ()


def facts_named(envelope: Envelope, metric: str) -> list[Any]:
    return [f for o in observed(envelope) for f in o.facts if f.metric == metric]


def test_an_overdue_task_fails_its_rectification_on_its_deadlines_day():
    # deadline 2026-03-05T01:00Z is 09:00 on 5 March in Asia/Shanghai; issued on 2 March
    [failed] = facts_named(example("task.overdue"), "intake.rectifications_failed")
    assert (failed.subject_kind, failed.subject_id, failed.grid_id) == ("worker", "u-worker", "g-1")
    assert (failed.key, failed.day) == ("dispatched_task", date(2026, 3, 5))
    assert facts_named(example("task.issued"), "intake.rectifications_failed") == []
    cancelled = example("task.overdue", state="cancelled")
    assert facts_named(cancelled, "intake.rectifications_failed") == []


def test_a_problem_overdue_or_not_accepted_fails_once_in_the_month_its_deadline_passes():
    overdue = example("inspection.overdue")  # a spot check found 2 March, due 4 March 09:00
    [failed] = facts_named(overdue, "intake.rectifications_failed")
    [found] = facts_named(overdue, "intake.inspection_findings")
    assert (failed.key, failed.day, found.day) == ("spot_check", date(2026, 3, 4), date(2026, 3, 2))
    # overdue and a rectification not accepted: still one item
    assert (
        len(
            facts_named(
                example("inspection.rectification_rejected"), "intake.rectifications_failed"
            )
        )
        == 1
    )
    rejected_in_time = example("inspection.rectification_rejected", overdue=False)
    assert len(facts_named(rejected_in_time, "intake.rectifications_failed")) == 1
    assert facts_named(example("inspection.recorded"), "intake.rectifications_failed") == []
    # found in March, due 1 April 01:00 in Shanghai: it fails in April
    late = example("inspection.overdue", rectification_deadline="2026-03-31T17:00:00+00:00")
    [april] = facts_named(late, "intake.rectifications_failed")
    assert april.day == date(2026, 4, 1)


def test_trainings_and_meetings_are_attended_together_and_a_screening_names_its_week():
    late = facts_named(example("record.created"), "intake.attendance")
    assert [(f.key, f.subject_id) for f in late] == [("late", "u-worker-1")]
    training = example(
        "record.created", kind="training_attendance", attendance_status="absent_unexcused"
    )
    keys = {(f.metric, f.key) for o in observed(training) for f in o.facts}
    assert keys == {
        ("intake.records", "training_attendance"),
        ("intake.training_attendance", "absent_unexcused"),
        ("intake.attendance", "absent_unexcused"),
    }
    screening = example(
        "record.created",
        kind="instability_screening",
        attendance_status=None,
        session_id=None,
        week="2026-W09",
        findings_count=0,
    )
    keys = {(f.metric, f.key) for o in observed(screening) for f in o.facts}
    assert keys == {
        ("intake.records", "instability_screening"),
        ("intake.screening_weeks", "2026-W09"),  # the week screened, not the record's date's
    }
    assert facts_named(example("record.voided"), "intake.screening_weeks") == []


def test_a_months_totals_count_the_missed_visits_per_category_and_a_weeks_do_not():
    week = example("patrol.period_totals")  # one hazard place missed in the week
    assert facts_named(week, "patrol.month_missed_visits") == []

    def miss(subject: str, category: str, cycle: str = "weekly") -> dict[str, str]:
        return {
            "subject_id": subject,
            "category": category,
            "cycle": cycle,
            "first_day": "2026-03-02",
            "last_day": "2026-03-08",
        }

    month = example(
        "patrol.period_totals",
        kind="month",
        period="2026-03",
        first_day="2026-03-01",
        last_day="2026-03-31",
        required_minutes=None,
        required_km=None,
        requirement_met=None,
        reasons=[],
        forfeits_subsidy=False,
        missed_visits=[
            miss("s-1", "key_person"),
            miss("s-1", "key_person"),
            miss("s-2", "care_recipient", "monthly"),
            miss("s-9", "hazard_place", "daily"),
        ],
    )
    found = facts_named(month, "patrol.month_missed_visits")
    assert [(f.key, f.value, f.day) for f in found] == [
        ("care_recipient", Decimal(1), date(2026, 3, 31)),
        ("hazard_place", Decimal(1), date(2026, 3, 31)),
        ("key_person", Decimal(2), date(2026, 3, 31)),
    ]
    [total] = facts_named(month, "patrol.missed_visits")
    assert (total.key, total.value) == ("month", Decimal(4))


@pytest.mark.parametrize(
    ("expected", "collected", "short"),
    [
        (420, 405, None),  # 96.4%
        (420, 399, None),  # exactly 95%: 达到95%
        (420, 398, "registry.subcategories_below_95"),  # 94.76%
        (420, 0, "registry.subcategories_not_collected"),  # not below 95% as well
        (0, 0, None),  # nothing due
    ],
)
def test_base_information_is_counted_against_95_percent_per_sub_category(
    expected, collected, short
):
    envelope = example("baseinfo.recorded", expected=expected, collected=collected)
    [observation] = observed(envelope)
    assert observation.aggregate == "baseinfo:grid-0a1b:population:floating:2026-01"
    by_metric = {f.metric: f for f in observation.facts}
    assert by_metric.pop("registry.baseinfo_expected").value == expected
    assert by_metric.pop("registry.baseinfo_collected").value == collected
    assert list(by_metric) == ([] if short is None else [short])
    assert {(f.key, f.day, f.subject_id) for f in observation.facts} == {
        ("population", date(2026, 1, 4), "grid-0a1b")
    }


def test_the_months_latest_statistics_date_of_a_sub_category_replaces_the_earlier():
    first = example("baseinfo.recorded")  # as of 4 January, recorded 5 January
    later = replace(
        example("baseinfo.recorded", as_of="2026-01-20", collected=380),
        occurred_at=first.occurred_at.replace(day=2),  # even if it arrived first
    )
    february = example("baseinfo.recorded", as_of="2026-02-01")
    [a], [b], [c] = observed(first), observed(later), observed(february)
    assert a.aggregate == b.aggregate != c.aggregate
    assert b.position > a.position
    _, stored = ledger_run((a, "m-1"), (b, "m-2"))
    below = [e for e in counted(stored) if e.metric == "registry.subcategories_below_95"]
    assert [(e.event_id, e.day) for e in below] == [("m-2", date(2026, 1, 20))]
    _, stored = ledger_run((b, "m-2"), (a, "m-1"))  # the earlier date is stale
    assert {e.event_id for e in counted(stored)} == {"m-2"}


def test_a_renamed_division_keeps_its_registration_and_gets_its_name_from_that_day():
    created = observed(example("division.created"))
    renamed = example("division.updated", name="新名村")
    [observation] = observed(renamed)
    [fact] = observation.facts
    assert (fact.metric, fact.value) == ("registry.division_names", Decimal(1))
    assert fact.attributes["name"] == "新名村"
    # Its own aggregate: the registration (registry.divisions) is never retracted by it.
    assert observation.aggregate not in {o.aggregate for o in created}


def test_a_filing_counts_by_the_day_filed_until_it_is_withdrawn():
    recorded = example("filing.recorded", filed_on="2026-01-20", status="filed_late")
    [observation] = observed(recorded)
    [fact] = observation.facts
    assert (fact.metric, fact.key, fact.day) == (
        "registry.filings",
        "management_rules",
        date(2026, 1, 20),
    )
    assert (fact.subject_kind, fact.subject_id) == ("division", "div-7f3a")
    assert fact.attributes["status"] == "filed_late"
    withdrawn = example("filing.withdrawn")
    [undone] = observed(withdrawn)
    assert (undone.aggregate, undone.facts) == (observation.aggregate, ())
    _, stored = ledger_run((observation, "m-1"), (undone, "m-2"))
    assert counted(stored) == []  # the filing retracted
    _, again = ledger_run((observation, "m-1"), (observation, "m-1"))
    assert len(counted(again)) == 1  # the same message twice: one filing
