"""Work records (工作记录): every kind's fields, who may record what, on-time reports, voiding."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from services.event_intake.domain import records as domain
from shared.errors import InvalidInput, PermissionDenied, StateConflict
from shared.events.contracts import validate_payload

# 10:00 on Thursday 5 March 2026 in Asia/Shanghai.
NOW = datetime(2026, 3, 5, 2, 0, tzinfo=UTC)
TODAY = date(2026, 3, 5)
CENTRE = domain.Recorder("u-centre", frozenset({"center-staff"}))
WORKER = domain.Recorder("u-w1", frozenset({"grid-worker"}), frozenset({"g-1"}))


def record(
    kind: str,
    values: dict[str, Any] | None = None,
    *,
    day: date | None = TODAY,
    recorder: domain.Recorder = WORKER,
    worker_id: str = "u-w1",
    grid_id: str = "g-1",
    note: str | None = None,
) -> tuple[domain.WorkRecord, domain.RecordCreated]:
    return domain.record_work(
        record_id="r-1",
        tenant_id="t-1",
        kind=kind,
        grid_id=grid_id,
        worker_id=worker_id,
        day=day,
        values=values or {},
        note=note,
        request_id=None,
        recorder=recorder,
        now=NOW,
    )


def fields_of(exc: pytest.ExceptionInfo[InvalidInput]) -> list[str]:
    return [problem.field for problem in exc.value.problems]


# -- every kind's fields ---------------------------------------------------------------------


VALID: list[tuple[str, dict[str, Any], domain.Recorder, str | None]] = [
    ("service_record", {"subject_id": "s-9"}, WORKER, None),
    ("work_log", {}, WORKER, "今天走访了三户"),
    ("instability_screening", {"findings_count": 2}, WORKER, None),
    ("home_visit", {"visit_target": "key_person", "subject_id": "s-1"}, WORKER, None),
    ("agency_service", {"item": "low_income", "completed": True}, WORKER, None),
    ("meeting_attendance", {"status": "late", "session_id": "m-3"}, CENTRE, None),
    ("training_attendance", {"status": "excused", "session_title": "培训"}, CENTRE, None),
    ("written_report", {"report_name": "三月汇报"}, WORKER, None),
    ("badge_finding", {"finding_type": "badge_not_carried"}, CENTRE, None),
    ("confidentiality_finding", {"finding_type": "data_leak", "severity": "major"}, CENTRE, None),
]


@pytest.mark.parametrize(("kind", "values", "recorder", "note"), VALID, ids=[v[0] for v in VALID])
def test_every_kind_records_and_its_payload_fits_the_contract(
    kind: str, values: dict[str, Any], recorder: domain.Recorder, note: str | None
) -> None:
    made, event = record(kind, values, recorder=recorder, note=note)
    assert made.kind.value == kind
    assert made.date == TODAY
    assert made.state is domain.RecordState.ACTIVE
    assert event.type == "record.created"
    assert event.aggregate_id == "r-1"
    payload = event.payload()
    validate_payload(event.type, event.version, payload)
    assert payload["kind"] == kind
    assert payload["worker_id"] == "u-w1"


@pytest.mark.parametrize(
    ("kind", "values", "missing"),
    [
        ("instability_screening", {}, ["findings_count"]),
        ("home_visit", {}, ["visit_target"]),
        ("agency_service", {"item": "low_income"}, ["completed"]),
        ("meeting_attendance", {"session_id": "m-1"}, ["status"]),
        ("training_attendance", {"status": "present"}, ["session_id"]),
        ("written_report", {}, ["report_name"]),
        ("badge_finding", {}, ["finding_type"]),
        ("confidentiality_finding", {"severity": "minor"}, ["finding_type"]),
    ],
)
def test_a_kinds_required_fields_are_named(
    kind: str, values: dict[str, Any], missing: list[str]
) -> None:
    with pytest.raises(InvalidInput) as caught:
        record(kind, values, recorder=CENTRE)
    assert fields_of(caught) == missing


def test_fields_of_another_kind_and_bad_values_are_named() -> None:
    with pytest.raises(InvalidInput) as caught:
        record("home_visit", {"visit_target": "alien", "status": "late", "findings_count": 3})
    assert sorted(fields_of(caught)) == ["findings_count", "status", "visit_target"]
    with pytest.raises(InvalidInput) as caught:
        record("instability_screening", {"findings_count": -1})
    assert fields_of(caught) == ["findings_count"]
    with pytest.raises(InvalidInput) as caught:
        record("badge_finding", {"finding_type": "data_leak"}, recorder=CENTRE)
    assert fields_of(caught) == ["finding_type"]
    with pytest.raises(InvalidInput) as caught:
        record("agency_service", {"item": "low_income", "completed": "yes"})
    assert fields_of(caught) == ["completed"]


def test_unknown_kind_blank_ids_and_a_work_log_without_text_are_422() -> None:
    with pytest.raises(InvalidInput) as caught:
        record("gossip")
    assert fields_of(caught) == ["kind"]
    with pytest.raises(InvalidInput) as caught:
        record("service_record", grid_id=" ")
    assert fields_of(caught) == ["grid_id"]
    with pytest.raises(InvalidInput) as caught:
        record("work_log", note="   ")
    assert fields_of(caught) == ["note"]


def test_a_day_of_its_own_is_the_date_and_must_agree_with_it() -> None:
    made, _ = record(
        "meeting_attendance",
        {"status": "present", "session_id": "m", "held_on": date(2026, 3, 2)},
        day=None,
        recorder=CENTRE,
    )
    assert made.date == date(2026, 3, 2)
    with pytest.raises(InvalidInput) as caught:
        record(
            "badge_finding",
            {"finding_type": "signboard_missing", "found_on": date(2026, 3, 1)},
            recorder=CENTRE,
        )
    assert fields_of(caught) == ["found_on"]
    with pytest.raises(InvalidInput) as caught:
        record("service_record", day=None)
    assert fields_of(caught) == ["date"]
    with pytest.raises(InvalidInput) as caught:
        record("service_record", {"held_on": TODAY})
    assert fields_of(caught) == ["held_on"]


def test_nothing_but_a_report_is_recorded_for_a_day_still_to_come() -> None:
    with pytest.raises(InvalidInput) as caught:
        record("service_record", day=date(2026, 3, 6))
    assert fields_of(caught) == ["date"]
    report, _ = record("written_report", {"report_name": "周报"}, day=date(2026, 3, 9))
    assert report.details.due_on == date(2026, 3, 9)


def test_a_findings_finding_defaults_to_minor() -> None:
    made, _ = record("badge_finding", {"finding_type": "signboard_missing"}, recorder=CENTRE)
    assert made.details.severity is domain.Severity.MINOR


def test_a_screening_takes_its_dates_week_or_one_that_contains_the_date() -> None:
    made, _ = record("instability_screening", {"findings_count": 0})
    assert made.details.week == "2026-W10"
    with pytest.raises(InvalidInput) as caught:
        record("instability_screening", {"findings_count": 0, "week": "2026-W09"})
    assert fields_of(caught) == ["week"]
    with pytest.raises(InvalidInput) as caught:
        record("instability_screening", {"findings_count": 0, "week": "2026-W60"})
    assert fields_of(caught) == ["week"]


# -- written reports on time -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("due_on", "submitted_on", "on_time"),
    [
        (date(2026, 3, 5), date(2026, 3, 5), True),
        (date(2026, 3, 5), date(2026, 3, 1), True),
        (date(2026, 3, 4), date(2026, 3, 5), False),
        (date(2026, 3, 4), None, False),
    ],
)
def test_a_report_is_on_time_when_submitted_by_its_due_day(
    due_on: date, submitted_on: date | None, on_time: bool
) -> None:
    made, event = record(
        "written_report",
        {"report_name": "汇报", "due_on": due_on, "submitted_on": submitted_on},
        day=None,
        recorder=CENTRE,
    )
    assert made.on_time is on_time
    assert event.payload()["on_time"] is on_time


def test_a_workers_own_report_is_submitted_today() -> None:
    made, _ = record("written_report", {"report_name": "汇报"}, day=date(2026, 3, 4))
    assert made.details.submitted_on == TODAY
    assert made.on_time is False
    with pytest.raises(InvalidInput) as caught:
        record("written_report", {"report_name": "汇报", "submitted_on": date(2026, 3, 1)})
    assert fields_of(caught) == ["submitted_on"]


def test_a_submission_after_today_is_422() -> None:
    with pytest.raises(InvalidInput) as caught:
        record(
            "written_report",
            {"report_name": "x", "submitted_on": date(2026, 3, 6)},
            day=date(2026, 3, 9),
            recorder=CENTRE,
        )
    assert fields_of(caught) == ["submitted_on"]


# -- who may record --------------------------------------------------------------------------


def test_a_worker_records_only_his_own_on_his_grids_that_day() -> None:
    with pytest.raises(PermissionDenied):
        record("service_record", worker_id="u-w2")
    with pytest.raises(PermissionDenied):
        record("service_record", grid_id="g-2")
    elsewhere = domain.Recorder("u-w1", frozenset({"grid-worker"}), frozenset())
    with pytest.raises(PermissionDenied):
        record("service_record", recorder=elsewhere)


@pytest.mark.parametrize("kind", sorted(domain.CENTRE_KINDS))
def test_attendance_and_findings_are_the_centres(kind: domain.RecordKind) -> None:
    finding = (
        "data_leak" if kind is domain.RecordKind.CONFIDENTIALITY_FINDING else "badge_not_carried"
    )
    values = {"status": "present", "session_id": "m", "finding_type": finding}
    spec = domain.KIND_SPECS[kind].allowed
    with pytest.raises(PermissionDenied):
        record(kind.value, {k: v for k, v in values.items() if k in spec})


def test_the_centre_records_for_anyone_and_other_roles_for_nobody() -> None:
    made, _ = record("service_record", recorder=CENTRE, worker_id="u-w9", grid_id="g-7")
    assert (made.worker_id, made.grid_id, made.recorded_by) == ("u-w9", "g-7", "u-centre")
    inspector = domain.Recorder("u-w1", frozenset({"inspector"}), frozenset({"g-1"}))
    with pytest.raises(PermissionDenied):
        record("service_record", recorder=inspector)


def test_reading_is_the_centres_or_the_workers_own() -> None:
    made, _ = record("service_record")
    assert domain.can_read(made, user_id="u-w1", roles={"grid-worker"})
    assert not domain.can_read(made, user_id="u-w2", roles={"grid-worker"})
    assert domain.can_read(made, user_id="u-x", roles={"tenant-admin"})


# -- corrections -----------------------------------------------------------------------------

LATER = datetime(2026, 3, 6, 2, 0, tzinfo=UTC)


def test_a_correction_keeps_the_reason_and_names_the_changed_fields() -> None:
    made, _ = record("instability_screening", {"findings_count": 1}, note="初记")
    fixed, event = domain.correct_record(
        made, changes={"findings_count": 3}, reason="漏记两起", recorder=WORKER, now=LATER
    )
    assert fixed.details.findings_count == 3
    assert fixed.note == "初记"
    assert fixed.corrections[-1].fields == ("findings_count",)
    assert fixed.corrections[-1].reason == "漏记两起"
    assert fixed.updated_at == LATER
    payload = event.payload()
    assert (event.type, payload["findings_count"], payload["corrections"]) == (
        "record.corrected",
        3,
        1,
    )
    validate_payload(event.type, 1, payload)
    assert "漏记" not in str(payload)


def test_a_corrected_date_takes_its_week_and_is_checked_against_the_new_days_grids() -> None:
    made, _ = record("instability_screening", {"findings_count": 1})
    changes = {"date": date(2026, 3, 2)}
    assert domain.corrected_day(made, changes) == date(2026, 3, 2)
    fixed, _ = domain.correct_record(made, changes=changes, reason="r", recorder=WORKER, now=LATER)
    assert (fixed.date, fixed.details.week) == (date(2026, 3, 2), "2026-W10")
    moved = {"date": date(2026, 2, 27)}
    not_there = domain.Recorder("u-w1", frozenset({"grid-worker"}), frozenset({"g-3"}))
    with pytest.raises(PermissionDenied):
        domain.correct_record(made, changes=moved, reason="r", recorder=not_there, now=LATER)
    fixed, _ = domain.correct_record(made, changes=moved, reason="r", recorder=WORKER, now=LATER)
    assert fixed.details.week == "2026-W09"


def test_a_corrected_anchor_moves_the_date() -> None:
    made, _ = record("meeting_attendance", {"status": "late", "session_id": "m"}, recorder=CENTRE)
    changes = {"held_on": date(2026, 3, 3), "status": "present"}
    fixed, _ = domain.correct_record(made, changes=changes, reason="r", recorder=CENTRE, now=LATER)
    assert (fixed.date, fixed.details.status) == (date(2026, 3, 3), domain.AttendanceStatus.PRESENT)
    assert fixed.corrections[-1].fields == ("date", "status")


def test_bad_corrections_are_named() -> None:
    made, _ = record("service_record")
    with pytest.raises(InvalidInput) as caught:
        domain.correct_record(
            made, changes={"kind": "work_log"}, reason="r", recorder=WORKER, now=LATER
        )
    assert fields_of(caught) == ["kind"]
    with pytest.raises(InvalidInput) as caught:
        domain.correct_record(made, changes={"note": "x"}, reason=" ", recorder=WORKER, now=LATER)
    assert fields_of(caught) == ["reason"]
    with pytest.raises(InvalidInput) as caught:
        domain.correct_record(
            made, changes={"status": "late"}, reason="r", recorder=WORKER, now=LATER
        )
    assert fields_of(caught) == ["status"]
    with pytest.raises(InvalidInput) as caught:
        domain.correct_record(
            made, changes={"grid_id": "g-1"}, reason="r", recorder=WORKER, now=LATER
        )
    assert fields_of(caught) == ["changes"]


def test_someone_elses_record_is_not_a_workers_to_correct() -> None:
    made, _ = record("service_record", recorder=CENTRE, worker_id="u-w2")
    with pytest.raises(PermissionDenied):
        domain.correct_record(made, changes={"note": "x"}, reason="r", recorder=WORKER, now=LATER)


def test_only_the_centre_moves_a_reports_submission_day() -> None:
    made, _ = record("written_report", {"report_name": "汇报"}, day=date(2026, 3, 4))
    with pytest.raises(InvalidInput) as caught:
        domain.correct_record(
            made,
            changes={"submitted_on": date(2026, 3, 4)},
            reason="r",
            recorder=WORKER,
            now=LATER,
        )
    assert fields_of(caught) == ["submitted_on"]
    fixed, event = domain.correct_record(
        made, changes={"submitted_on": date(2026, 3, 4)}, reason="r", recorder=CENTRE, now=LATER
    )
    assert fixed.on_time is True
    assert event.payload()["on_time"] is True


# -- voiding ---------------------------------------------------------------------------------


def test_the_centre_voids_once_with_a_reason_and_a_voided_record_stays_as_it_is() -> None:
    made, _ = record("work_log", note="日志")
    with pytest.raises(PermissionDenied):
        domain.void_record(made, reason="dup", recorder=WORKER, now=LATER)
    with pytest.raises(InvalidInput) as caught:
        domain.void_record(made, reason="", recorder=CENTRE, now=LATER)
    assert fields_of(caught) == ["reason"]
    voided, event = domain.void_record(made, reason="重复", recorder=CENTRE, now=LATER)
    assert voided.voided
    assert voided.state is domain.RecordState.VOIDED
    assert voided.voiding == domain.Voiding(LATER, "u-centre", "重复")
    payload = event.payload()
    assert (event.type, payload["state"]) == ("record.voided", "voided")
    validate_payload(event.type, 1, payload)
    with pytest.raises(StateConflict):
        domain.void_record(voided, reason="again", recorder=CENTRE, now=LATER)
    with pytest.raises(StateConflict):
        domain.correct_record(voided, changes={"note": "x"}, reason="r", recorder=CENTRE, now=LATER)


def test_payloads_carry_no_free_text() -> None:
    made, event = record(
        "training_attendance",
        {"status": "absent_unexcused", "session_title": "张三家调解培训"},
        recorder=CENTRE,
        note="张三 13800000000",
    )
    text = str(event.payload())
    assert "张三" not in text
    assert "1380" not in text
    assert event.payload()["attendance_status"] == "absent_unexcused"
    assert made.note == "张三 13800000000"


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        domain.record_work(
            record_id="r",
            tenant_id="t",
            kind="service_record",
            grid_id="g-1",
            worker_id="u-w1",
            day=TODAY,
            values={},
            note=None,
            request_id=None,
            recorder=WORKER,
            now=datetime(2026, 3, 5, 2, 0),  # noqa: DTZ001 - the point of the test
        )
