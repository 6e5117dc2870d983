"""Inspections and rectification (督查/整改): every transition, who may take it, on time and
overdue (a spot check's late rectification is its own fact), and retried request ids."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.event_intake.domain import inspections as domain
from services.event_intake.domain.events import Actor
from shared.errors import InvalidInput, PermissionDenied, StateConflict
from shared.events.contracts import validate_payload

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
DAY = date(2026, 3, 2)
DEADLINE = T0 + timedelta(days=2)
CENTRE = Actor("u-centre", "t1", frozenset({"center-staff"}))
ADMIN = Actor("u-admin", "t1", frozenset({"tenant-admin"}))
INSPECTOR = Actor("u-insp", "t1", frozenset({"inspector"}))
WORKER = Actor("u-w", "t1", frozenset({"grid-worker"}), grid_ids=frozenset({"g-1"}))
OTHER_WORKER = Actor("u-x", "t1", frozenset({"grid-worker"}), grid_ids=frozenset({"g-2"}))
FOREIGN = Actor("u-c2", "t2", frozenset({"center-staff"}))
LATER = T0 + timedelta(hours=3)


def recorded(kind: str = "spot_check", actor: Actor = INSPECTOR, **extra) -> domain.Inspection:
    fields = {
        "inspection_id": "i-1",
        "tenant_id": "t1",
        "actor": actor,
        "kind": kind,
        "grid_id": "g-1",
        "worker_id": "u-w",
        "found_on": DAY,
        "today": DAY,
        "category": "sanitation",
        "severity": "major",
        "description": "住户王五家门口堆放杂物",
        "photo_ids": ["p-1"],
        "rectification_deadline": None if kind == "resident_complaint" else DEADLINE,
        "now": T0,
        **extra,
    }
    inspection, event = domain.record(**fields)
    assert event.type == "inspection.recorded"
    validate_payload(event.type, 1, event.payload())
    return inspection


def step(found, action, actor, at=LATER, **kw):
    updated, events = domain.transition(found, action, actor, at, **kw)
    for event in events:
        validate_payload(event.type, 1, event.payload())
    return updated, [event.type for event in events]


@pytest.mark.parametrize("kind", ["daily_patrol", "spot_check"])
def test_findings_open_with_a_deadline_and_publish_no_text(kind):
    found, event = domain.record(
        inspection_id="i-1",
        tenant_id="t1",
        actor=INSPECTOR,
        kind=kind,
        grid_id="g-1",
        worker_id=None,
        found_on=DAY,
        today=DAY,
        category="sanitation",
        severity=None,
        description="王五 13800000000",
        photo_ids=None,
        rectification_deadline=DEADLINE,
        now=T0,
    )
    assert found.state is domain.State.OPEN
    assert found.deadline_pending
    text = repr(event.payload())
    assert "王五" not in text
    assert "13800000000" not in text
    assert event.payload()["kind"] == kind


def test_a_finding_needs_a_future_deadline_and_a_complaint_gets_none_when_recorded():
    with pytest.raises(InvalidInput) as caught:
        recorded(rectification_deadline=None)
    assert caught.value.field == "rectification_deadline"
    with pytest.raises(InvalidInput):
        recorded(rectification_deadline=T0)
    with pytest.raises(InvalidInput) as caught:
        recorded("resident_complaint", CENTRE, rectification_deadline=DEADLINE)
    assert caught.value.field == "rectification_deadline"
    complaint = recorded("resident_complaint", CENTRE)
    assert complaint.state is domain.State.REPORTED
    assert not complaint.deadline_pending


def test_record_names_every_bad_field():
    with pytest.raises(InvalidInput) as caught:
        recorded(
            kind="daily_patrol",
            grid_id="",
            category="Bad Code",
            severity="huge",
            found_on=DAY + timedelta(days=1),
            photo_ids=["p", "p"],
        )
    assert {p.field for p in caught.value.problems} == {
        "grid_id",
        "category",
        "severity",
        "found_on",
        "photo_ids",
    }
    with pytest.raises(InvalidInput) as caught:
        recorded(kind="rumour")
    assert caught.value.field == "kind"


@pytest.mark.parametrize(
    ("kind", "actor", "allowed"),
    [
        ("daily_patrol", INSPECTOR, True),
        ("spot_check", ADMIN, True),
        ("spot_check", WORKER, False),
        ("resident_complaint", CENTRE, True),
        ("resident_complaint", INSPECTOR, False),
        ("daily_patrol", FOREIGN, False),
    ],
)
def test_who_records_what(kind, actor, allowed):
    if allowed:
        assert recorded(kind, actor).recorded_by == actor.user_id
    else:
        with pytest.raises(PermissionDenied):
            recorded(kind, actor)


def test_finding_rectified_on_time_then_confirmed():
    found = recorded()
    found, types = step(found, "rectify", WORKER, evidence="已清理", photo_ids=["p-2"])
    assert types == ["inspection.rectified"]
    assert found.state is domain.State.RECTIFIED
    assert found.rectified_on_time is True
    assert not found.deadline_pending
    found, types = step(found, "confirm", CENTRE, DEADLINE + timedelta(days=1))
    assert types == ["inspection.confirmed"]
    assert found.state is domain.State.CONFIRMED


def test_a_late_spot_check_rectification_records_overdue_as_its_own_fact():
    found = recorded("spot_check")
    found, types = step(found, "rectify", WORKER, DEADLINE + timedelta(hours=1), evidence="x")
    assert types == ["inspection.overdue", "inspection.rectified"]
    assert found.rectified_on_time is False
    assert found.overdue


def test_a_rejected_rectification_waits_again_and_can_then_become_overdue():
    found = recorded("daily_patrol")
    found, _ = step(found, "rectify", WORKER, evidence="x")
    found, types = step(found, "reject_rectification", CENTRE, reason="整改不到位")
    assert types == ["inspection.rectification_rejected"]
    assert found.state is domain.State.OPEN
    assert found.rejected_rectifications == 1
    assert found.rectified_at is None
    assert found.deadline_pending
    marked, events = domain.record_overdue(found, DEADLINE + timedelta(seconds=1))
    assert [e.type for e in events] == ["inspection.overdue"]
    assert marked.overdue


def test_complaint_verified_then_rectified_by_the_centre():
    complaint = recorded("resident_complaint", CENTRE)
    complaint, types = step(complaint, "verify", CENTRE, rectification_deadline=DEADLINE)
    assert types == ["inspection.verified"]
    assert complaint.state is domain.State.VERIFIED
    assert complaint.verified is True
    assert complaint.rectification_deadline == DEADLINE
    complaint, _ = step(complaint, "rectify", CENTRE, evidence="x")
    complaint, _ = step(complaint, "reject_rectification", CENTRE, reason="x")
    assert complaint.state is domain.State.VERIFIED


def test_complaint_dismissed_is_final_and_never_overdue():
    complaint = recorded("resident_complaint", CENTRE)
    complaint, types = step(complaint, "dismiss", CENTRE, reason="查无此事")
    assert types == ["inspection.dismissed"]
    assert complaint.verified is False
    assert complaint.state is domain.State.NOT_VERIFIED
    assert domain.record_overdue(complaint, DEADLINE + timedelta(days=9)) == (complaint, ())
    for action in ("verify", "rectify", "confirm"):
        with pytest.raises(StateConflict):
            step(complaint, action, CENTRE, evidence="x", rectification_deadline=DEADLINE)


def test_verify_needs_a_deadline_and_dismiss_a_reason():
    complaint = recorded("resident_complaint", CENTRE)
    with pytest.raises(InvalidInput) as caught:
        step(complaint, "verify", CENTRE)
    assert caught.value.field == "rectification_deadline"
    with pytest.raises(InvalidInput) as caught:
        step(complaint, "dismiss", CENTRE)
    assert caught.value.field == "reason"


@pytest.mark.parametrize(
    ("action", "kw"),
    [
        ("verify", {"rectification_deadline": DEADLINE}),
        ("dismiss", {"reason": "x"}),
        ("confirm", {}),
        ("reject_rectification", {"reason": "x"}),
    ],
)
def test_actions_an_open_finding_does_not_allow_are_409(action, kw):
    with pytest.raises(StateConflict):
        step(recorded(), action, CENTRE, **kw)


def test_rectify_only_by_the_grids_worker_or_the_centre_and_confirm_only_by_the_centre():
    found = recorded()
    for actor in (OTHER_WORKER, INSPECTOR, FOREIGN):
        with pytest.raises(PermissionDenied):
            step(found, "rectify", actor, evidence="x")
    rectified, _ = step(found, "rectify", WORKER, evidence="x")
    for actor in (WORKER, INSPECTOR):
        with pytest.raises(PermissionDenied):
            step(rectified, "confirm", actor)
    complaint = recorded("resident_complaint", CENTRE)
    with pytest.raises(PermissionDenied):
        step(complaint, "verify", INSPECTOR, rectification_deadline=DEADLINE)


def test_rectification_needs_evidence():
    with pytest.raises(InvalidInput) as caught:
        step(recorded(), "rectify", WORKER, evidence="")
    assert caught.value.field == "evidence"


def test_record_overdue_only_after_the_deadline_while_awaited_and_once():
    found = recorded()
    assert domain.record_overdue(found, DEADLINE) == (found, ())
    marked, events = domain.record_overdue(found, DEADLINE + timedelta(seconds=1))
    assert events[0].payload()["actor"] == "system"
    assert events[0].payload()["overdue"] is True
    assert domain.record_overdue(marked, DEADLINE + timedelta(days=3)) == (marked, ())
    rectified, _ = step(found, "rectify", WORKER, evidence="x")
    assert domain.record_overdue(rectified, DEADLINE + timedelta(days=3)) == (rectified, ())


def test_a_retried_request_id_changes_nothing():
    found, _ = step(recorded(), "rectify", WORKER, evidence="x", request_id="r-9")
    again, events = domain.transition(
        found, "rectify", WORKER, LATER, evidence="x", request_id="r-9"
    )
    assert again == found
    assert events == ()
    with pytest.raises(StateConflict):
        step(found, "confirm", CENTRE, request_id="r-9")
