"""What each consumed event means for the ledger, from the contracts' own example messages."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from services.scoring.domain.metrics import BY_NAME
from services.scoring.domain.sources import OBSERVERS, Observation, epoch_ms, observe
from shared.events.contracts import all_contracts, contract_for, validate_envelope
from shared.events.envelope import Envelope


def example(type_: str, **changes: Any) -> Envelope:
    envelope = contract_for(type_, 1).load_example()
    payload = dict(envelope.payload) | changes
    return replace(envelope, payload=validate_envelope(replace(envelope, payload=payload)))


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
