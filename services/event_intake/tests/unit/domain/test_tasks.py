"""The dispatched task (派单) state machine: every transition, who may take it, on time and
overdue, and client request ids that make retries no-ops."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.event_intake.domain import tasks as domain
from services.event_intake.domain.events import Actor
from shared.errors import InvalidInput, PermissionDenied, StateConflict
from shared.events.contracts import validate_payload

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
DEADLINE = T0 + timedelta(days=3)
CENTRE = Actor("u-centre", "t1", frozenset({"center-staff"}))
ADMIN = Actor("u-admin", "t1", frozenset({"tenant-admin"}))
WORKER = Actor("u-w", "t1", frozenset({"grid-worker"}), grid_ids=frozenset({"g-1"}))
OTHER_WORKER = Actor("u-x", "t1", frozenset({"grid-worker"}), grid_ids=frozenset({"g-2"}))
DEPT_MEMBER = Actor("u-d", "t1", frozenset(), department_id="d-1")
FOREIGN_CENTRE = Actor("u-c2", "t2", frozenset({"center-staff"}))


def issued(kind: str = "grid", assignee: str = "g-1", **extra) -> domain.Task:
    task, event = domain.issue(
        task_id="t-1",
        tenant_id="t1",
        actor=extra.pop("actor", CENTRE),
        title="清理楼道杂物",
        instructions="三号楼",
        assignee_kind=kind,
        assignee_id=assignee,
        grid_id=extra.pop("grid_id", None),
        deadline=extra.pop("deadline", DEADLINE),
        now=T0,
        **extra,
    )
    assert event.type == "task.issued"
    return task


def step(task, action, actor, at=T0 + timedelta(hours=1), **kw):
    return domain.transition(task, action, actor, at, **kw)


def test_issue_makes_an_issued_task_whose_payload_fits_its_contract_and_has_no_text():
    task, event = domain.issue(
        task_id="t-1",
        tenant_id="t1",
        actor=ADMIN,
        title="张三家门口",
        instructions="联系张三 13800000000",
        assignee_kind="worker",
        assignee_id="u-w",
        grid_id="g-1",
        deadline=DEADLINE,
        now=T0,
    )
    assert task.state is domain.State.ISSUED
    assert task.deadline_pending
    payload = event.payload()
    validate_payload("task.issued", 1, payload)
    text = repr(payload)
    assert "张三" not in text
    assert "13800000000" not in text
    assert payload["assignee_kind"] == "worker"
    assert payload["grid_id"] == "g-1"


def test_a_grid_task_takes_its_grid_as_grid_id_and_refuses_another():
    assert issued().grid_id == "g-1"
    with pytest.raises(InvalidInput) as caught:
        issued(grid_id="g-2")
    assert caught.value.field == "grid_id"


def test_only_the_centre_issues():
    with pytest.raises(PermissionDenied):
        issued(actor=WORKER)
    with pytest.raises(PermissionDenied):
        issued(actor=FOREIGN_CENTRE)


def test_issue_names_every_bad_field():
    with pytest.raises(InvalidInput) as caught:
        domain.issue(
            task_id="t-1",
            tenant_id="t1",
            actor=CENTRE,
            title=" ",
            instructions=None,
            assignee_kind="team",
            assignee_id="bad id!",
            grid_id=None,
            deadline=T0 - timedelta(minutes=1),
            now=T0,
        )
    assert {p.field for p in caught.value.problems} == {
        "title",
        "assignee_kind",
        "assignee_id",
        "deadline",
    }


def test_naive_deadline_is_refused():
    with pytest.raises(InvalidInput) as caught:
        issued(deadline=datetime(2026, 3, 5))  # noqa: DTZ001 - the point of the test
    assert caught.value.field == "deadline"


def test_the_whole_happy_path_with_on_time_completion_and_the_centres_acceptance():
    task = issued()
    task, events = step(task, "accept", WORKER)
    assert task.state is domain.State.ACCEPTED
    assert [e.type for e in events] == ["task.accepted"]
    task, events = step(
        task,
        "complete",
        WORKER,
        T0 + timedelta(days=1),
        evidence="已清理",
        photo_ids=["p-1", "p-2"],
    )
    assert task.state is domain.State.COMPLETED
    assert task.completed_on_time is True
    assert events[0].payload()["evidence_photos"] == 2
    task, events = step(task, "accept", CENTRE, T0 + timedelta(days=5))
    assert task.state is domain.State.CLOSED
    assert [e.type for e in events] == ["task.closed"]
    assert not task.deadline_pending
    for event in events:
        validate_payload(event.type, 1, event.payload())


def test_return_clears_the_completion_and_the_assignee_completes_again():
    task = issued()
    task, _ = step(task, "accept", WORKER)
    task, _ = step(task, "complete", WORKER, evidence="done")
    task, events = step(task, "return", CENTRE, reason="照片不清")
    assert task.state is domain.State.RETURNED
    assert task.completed_at is None
    assert task.completed_on_time is None
    assert events[0].type == "task.returned"
    assert "照片不清" not in repr(events[0].payload())
    task, _ = step(task, "complete", WORKER, evidence="again")
    assert task.state is domain.State.COMPLETED


@pytest.mark.parametrize("state_steps", [0, 1, 3])
def test_cancel_from_every_state_waiting_for_the_assignee(state_steps):
    task = issued()
    steps = [
        ("accept", WORKER, {}),
        ("complete", WORKER, {"evidence": "x"}),
        ("return", CENTRE, {"reason": "no"}),
    ]
    for action, actor, kw in steps[:state_steps]:
        task, _ = step(task, action, actor, **kw)
    task, events = step(task, "cancel", CENTRE, reason="重复派单")
    assert task.state is domain.State.CANCELLED
    assert task.cancelled_at is not None
    assert events[0].type == "task.cancelled"


@pytest.mark.parametrize(
    ("action", "actor", "kw"),
    [
        ("complete", WORKER, {"evidence": "x"}),
        ("return", CENTRE, {"reason": "x"}),
    ],
)
def test_actions_the_issued_state_does_not_allow_are_409(action, actor, kw):
    with pytest.raises(StateConflict):
        step(issued(), action, actor, **kw)


def test_a_closed_or_cancelled_task_takes_nothing_more():
    task, _ = step(issued(), "cancel", CENTRE, reason="x")
    for action, actor in (("accept", WORKER), ("cancel", CENTRE)):
        with pytest.raises(StateConflict):
            step(task, action, actor, reason="x")
    done = issued()
    done, _ = step(done, "accept", WORKER)
    done, _ = step(done, "complete", WORKER, evidence="x")
    with pytest.raises(StateConflict):
        step(done, "cancel", CENTRE, reason="x")


@pytest.mark.parametrize(
    ("kind", "assignee", "actor", "allowed"),
    [
        ("worker", "u-w", WORKER, True),
        ("worker", "u-w", OTHER_WORKER, False),
        ("grid", "g-1", WORKER, True),
        ("grid", "g-1", OTHER_WORKER, False),
        ("department", "d-1", DEPT_MEMBER, True),
        ("department", "d-2", DEPT_MEMBER, False),
        ("grid", "g-1", CENTRE, False),
    ],
)
def test_only_the_assignee_accepts(kind, assignee, actor, allowed):
    task = issued(kind, assignee)
    if allowed:
        accepted, _ = step(task, "accept", actor)
        assert accepted.state is domain.State.ACCEPTED
    else:
        with pytest.raises(PermissionDenied):
            step(task, "accept", actor)


def test_the_assignee_may_not_accept_his_own_completion_nor_return_or_cancel():
    task, _ = step(issued(), "accept", WORKER)
    with pytest.raises(PermissionDenied):
        step(task, "cancel", WORKER, reason="x")
    task, _ = step(task, "complete", WORKER, evidence="x")
    with pytest.raises(PermissionDenied):
        step(task, "accept", WORKER)
    with pytest.raises(PermissionDenied):
        step(task, "return", WORKER, reason="x")


def test_another_tenants_centre_is_refused():
    with pytest.raises(PermissionDenied):
        step(issued(), "cancel", FOREIGN_CENTRE, reason="x")


def test_completion_needs_evidence_and_return_and_cancel_a_reason():
    task, _ = step(issued(), "accept", WORKER)
    with pytest.raises(InvalidInput) as caught:
        step(task, "complete", WORKER, evidence="  ")
    assert caught.value.field == "evidence"
    with pytest.raises(InvalidInput) as caught:
        step(task, "complete", WORKER, evidence="x", photo_ids=["p-1", "p-1"])
    assert caught.value.field == "photo_ids"
    with pytest.raises(InvalidInput) as caught:
        step(task, "cancel", CENTRE)
    assert caught.value.field == "reason"


def test_a_late_completion_is_not_on_time_and_records_overdue_once():
    task, _ = step(issued(), "accept", WORKER)
    late = DEADLINE + timedelta(minutes=1)
    task, events = step(task, "complete", WORKER, late, evidence="x")
    assert task.completed_on_time is False
    assert task.overdue
    assert [e.type for e in events] == ["task.overdue", "task.completed"]
    task, _ = step(task, "return", CENTRE, late, reason="x")
    _, again = domain.record_overdue(task, late + timedelta(days=1))
    assert again == ()


def test_record_overdue_only_after_the_deadline_only_while_waiting_and_only_once():
    task = issued()
    assert domain.record_overdue(task, DEADLINE) == (task, ())
    marked, events = domain.record_overdue(task, DEADLINE + timedelta(seconds=1))
    assert marked.overdue
    assert [e.type for e in events] == ["task.overdue"]
    assert events[0].payload()["actor"] == "system"
    validate_payload("task.overdue", 1, events[0].payload())
    assert not marked.deadline_pending
    assert domain.record_overdue(marked, DEADLINE + timedelta(days=1)) == (marked, ())
    done, _ = step(task, "accept", WORKER)
    done, _ = step(done, "complete", WORKER, evidence="x")
    assert domain.record_overdue(done, DEADLINE + timedelta(days=1)) == (done, ())


def test_a_retried_request_id_changes_nothing_and_cannot_be_reused_for_another_action():
    task, _ = step(issued(), "accept", WORKER, request_id="r-1")
    again, events = step(task, "accept", WORKER, request_id="r-1")
    assert again == task
    assert events == ()
    with pytest.raises(StateConflict):
        step(task, "complete", WORKER, evidence="x", request_id="r-1")
    assert task.history[-1].request_id == "r-1"


def test_unknown_action_and_issue_through_transition_are_422():
    for action in ("fly", "issue"):
        with pytest.raises(InvalidInput):
            step(issued(), action, CENTRE)
