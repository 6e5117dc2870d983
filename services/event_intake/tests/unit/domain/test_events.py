"""The event (事项) workflow: transitions, roles, idempotency, deadlines and payloads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.event_intake.domain import events as ev
from services.event_intake.domain.events import (
    Action,
    Event,
    IntakeEvent,
    Level,
    ReviewOutcome,
    Source,
    State,
    UnqualifiedReason,
)
from services.event_intake.domain.taxonomy import SEED_TAXONOMY
from services.event_intake.tests.unit.domain.fakes import (
    GRID,
    NOW,
    TENANT,
    FakeClock,
    centre,
    department,
    inspector,
    worker,
)
from shared.errors import InvalidInput, PermissionDenied, StateConflict
from shared.events.contracts import contract_for, validate_payload
from shared.events.domain import DomainEvent
from shared.events.topics import Topic

CLOCK = FakeClock()
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
PERSONAL = ("人民路", "张三", "13800000000", "漏水")


def reported(category: str = "city_management", **overrides: Any) -> Event:
    arguments: dict[str, Any] = {
        "event_id": "e-1",
        "tenant_id": TENANT,
        "grid_id": GRID,
        "actor": worker(),
        "source": Source.GRID_APP,
        "category": category,
        "title": "井盖缺失",
        "description": "人民路12号 张三 13800000000 反映井盖缺失漏水",
        "address": "人民路12号",
        "position": ev.Position(lon=118.8, lat=31.7),
        "taxonomy": SEED_TAXONOMY,
        "clock": CLOCK,
        "now": NOW,
        "request_id": "r-report",
    }
    arguments.update(overrides)
    event, recorded = ev.report(**arguments)
    assert isinstance(recorded, ev.EventReported)
    return event


def act(
    event: Event,
    action: Action,
    actor: ev.Actor,
    at: datetime = NOW,
    *,
    reason: str | None = "because",
    request_id: str | None = None,
    **kwargs: Any,
) -> tuple[Event, tuple[IntakeEvent, ...]]:
    return ev.transition(
        event, action, actor, at, reason=reason, request_id=request_id, clock=CLOCK, **kwargs
    )


def step(event: Event, action: Action, actor: ev.Actor, **kwargs: Any) -> Event:
    new, recorded = act(event, action, actor, **kwargs)
    assert len(recorded) == 1
    assert new.history[-1].action is action
    return new


def test_report_sets_the_acceptance_deadline_by_category() -> None:
    event = reported()
    assert event.state is State.REPORTED
    assert event.acceptance_deadline == NOW + 2 * DAY
    assert event.closure_deadline is None
    assert reported("public_safety").acceptance_deadline == NOW + 4 * HOUR
    entry = event.history[0]
    assert (entry.actor, entry.acting_as, entry.to_state) == (
        "u-worker",
        ev.ActingAs.GRID_WORKER,
        State.REPORTED,
    )
    assert entry.request_id == "r-report"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "  "}, "title"),
        ({"title": "x" * 101}, "title"),
        ({"category": "nope"}, "category"),
        ({"source": "fax"}, "source"),
        ({"level": "planet"}, "level"),
        ({"position": ev.Position(lon=200, lat=0)}, "position"),
    ],
)
def test_report_rejects_bad_input(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        reported(**overrides)
    assert caught.value.field == field


def test_only_the_right_people_report() -> None:
    with pytest.raises(PermissionDenied):
        reported(actor=worker(grids=("g-other",)))
    with pytest.raises(PermissionDenied):
        reported(source=Source.HOTLINE_12345)  # a grid worker does not log 12345 orders
    assert reported(source=Source.HOTLINE_12345, actor=centre()).reporter_role is ev.ActingAs.CENTRE
    assert reported(source=Source.INSPECTOR_SPOT_CHECK, actor=inspector()).reporter_role is (
        ev.ActingAs.INSPECTOR
    )
    with pytest.raises(PermissionDenied):
        reported(actor=centre(tenant_id="t-2"), source=Source.WEB)


def test_report_refuses_a_naive_now() -> None:
    with pytest.raises(ValueError, match="timezone"):
        reported(now=datetime(2026, 3, 2))  # noqa: DTZ001


def test_the_full_happy_path_records_who_when_why() -> None:
    event = reported()
    event = step(event, Action.ACCEPT, centre(), at=NOW + HOUR)
    assert event.accepted_on_time is True
    assert event.closure_deadline == NOW + HOUR + 7 * DAY
    event = step(event, Action.DISPATCH, centre(), department_id="dep-1")
    assert event.department_id == "dep-1"
    event = step(event, Action.START, department())
    event = step(event, Action.RESOLVE, department(), at=NOW + 2 * DAY)
    event = step(event, Action.CLOSE, centre(), at=NOW + 3 * DAY)
    assert event.state is State.CLOSED
    assert event.closed_on_time is True
    assert [e.to_state for e in event.history] == [
        State.REPORTED,
        State.ACCEPTED,
        State.DISPATCHED,
        State.IN_PROGRESS,
        State.RESOLVED,
        State.CLOSED,
    ]
    assert [e.acting_as.value for e in event.history] == [
        "grid_worker",
        "centre",
        "centre",
        "department",
        "department",
        "centre",
    ]
    assert event.history[-1].from_state is State.RESOLVED
    assert event.history[-1].reason == "because"


def test_late_acceptance_and_closure_are_recorded() -> None:
    event = step(reported(), Action.ACCEPT, centre(), at=NOW + 3 * DAY)
    assert event.accepted_on_time is False
    event = step(event, Action.START, worker())
    event = step(event, Action.RESOLVE, worker())
    event = step(event, Action.CLOSE, centre(), at=NOW + 11 * DAY)
    assert event.closed_on_time is False


def _in_state(state: State) -> Event:
    """An event brought to `state` through legal transitions."""
    event = reported()
    if state is State.REPORTED:
        return event
    if state is State.REJECTED:
        return step(event, Action.REJECT_INVALID, centre())
    if state is State.MERGED:
        first = reported(event_id="e-0", now=NOW - HOUR)
        return step(event, Action.MERGE, centre(), merged_into=first)
    event = step(event, Action.ACCEPT, centre())
    paths: dict[State, list[tuple[Action, ev.Actor, dict[str, Any]]]] = {
        State.ACCEPTED: [],
        State.DISPATCHED: [(Action.DISPATCH, centre(), {"department_id": "dep-1"})],
        State.ESCALATED: [(Action.ESCALATE, centre(), {"level": Level.TOWN})],
        State.IN_PROGRESS: [(Action.START, worker(), {})],
        State.RESOLVED: [(Action.START, worker(), {}), (Action.RESOLVE, worker(), {})],
        State.CLOSED: [
            (Action.START, worker(), {}),
            (Action.RESOLVE, worker(), {}),
            (Action.CLOSE, centre(), {}),
        ],
        State.RETURNED: [
            (Action.DISPATCH, centre(), {"department_id": "dep-1"}),
            (Action.RETURN, department(), {}),
        ],
        State.SUSPENDED: [(Action.SUSPEND, centre(), {})],
    }
    for action, actor, kwargs in paths[state]:
        event = step(event, action, actor, **kwargs)
    assert event.state is state
    return event


FORBIDDEN = [
    (state, action)
    for state in State
    for action in Action
    if action is not Action.REPORT and (state, action) not in ev.TRANSITIONS
]


def test_the_table_forbids_a_lot() -> None:
    assert len(FORBIDDEN) > 80
    assert (State.CLOSED, Action.CLOSE) in FORBIDDEN
    assert (State.REJECTED, Action.ACCEPT) in FORBIDDEN


@pytest.mark.parametrize(
    ("state", "action"), FORBIDDEN, ids=lambda value: str(getattr(value, "value", value))
)
def test_every_forbidden_transition_is_a_state_conflict(state: State, action: Action) -> None:
    event = _in_state(state)
    boss = ev.Actor(
        user_id="u-all",
        tenant_id=TENANT,
        roles=frozenset({"center-staff", "grid-worker"}),
        grid_ids=frozenset({GRID}),
        department_id=event.department_id,
    )
    with pytest.raises(StateConflict):
        act(event, action, boss, level=Level.DISTRICT, department_id="dep-1")


@pytest.mark.parametrize(
    ("state", "action", "actor"),
    [
        (State.REPORTED, Action.ACCEPT, worker()),
        (State.REPORTED, Action.ACCEPT, department()),
        (State.ACCEPTED, Action.START, worker(grids=("g-other",))),
        (State.ACCEPTED, Action.START, department()),  # not dispatched to it
        (State.DISPATCHED, Action.START, department("dep-2")),
        (State.IN_PROGRESS, Action.RESOLVE, inspector()),
        (State.RESOLVED, Action.CLOSE, worker()),
        (State.DISPATCHED, Action.RETURN, centre()),
        (State.ACCEPTED, Action.SUSPEND, worker()),
        (State.ACCEPTED, Action.REVIEW, worker()),
        (State.RETURNED, Action.MARK_SHIRKED, department()),
        (State.ACCEPTED, Action.START, centre(tenant_id="t-2")),
    ],
)
def test_a_wrong_role_is_denied(state: State, action: Action, actor: ev.Actor) -> None:
    event = _in_state(state)
    with pytest.raises(PermissionDenied):
        act(event, action, actor, outcome=ReviewOutcome.VALID)


def test_a_retry_with_the_same_request_id_changes_nothing() -> None:
    event = reported()
    accepted, first = act(event, Action.ACCEPT, centre(), request_id="r-1")
    again, second = act(accepted, Action.ACCEPT, centre(), at=NOW + DAY, request_id="r-1")
    assert again is accepted
    assert len(first) == 1
    assert second == ()
    with pytest.raises(StateConflict, match="already used"):
        act(accepted, Action.DISPATCH, centre(), request_id="r-1", department_id="dep-1")


def test_the_retry_rule_comes_before_the_state_rule() -> None:
    event = _in_state(State.IN_PROGRESS)
    resolved, _ = act(event, Action.RESOLVE, worker(), request_id="r-9")
    assert act(resolved, Action.RESOLVE, worker(), request_id="r-9") == (resolved, ())
    with pytest.raises(StateConflict):
        act(resolved, Action.RESOLVE, worker(), request_id="r-10")


def test_a_suspension_pushes_both_deadlines() -> None:
    event = step(reported(), Action.ACCEPT, centre(), at=NOW)
    due = event.closure_deadline
    assert due == NOW + 7 * DAY
    event = step(event, Action.START, worker())
    event = step(event, Action.SUSPEND, centre(), at=NOW + DAY)
    assert event.suspended_from is State.IN_PROGRESS
    assert event.pauses[-1].end is None
    event = step(event, Action.RESUME, centre(), at=NOW + 4 * DAY)
    assert event.state is State.IN_PROGRESS
    assert event.closure_deadline == due + 3 * DAY
    assert event.pauses[-1].end == NOW + 4 * DAY
    event = step(event, Action.RESOLVE, worker())
    event = step(event, Action.CLOSE, centre(), at=NOW + 9 * DAY)
    assert event.closed_on_time is True  # late without the suspension


def test_the_clock_gets_the_pauses() -> None:
    clock = FakeClock()
    event = step(_in_state(State.SUSPENDED), Action.RESUME, centre(), at=NOW + DAY)
    ev.transition(
        event, Action.EXTEND, centre(), NOW + DAY, reason="rain", clock=clock, extra_days=2
    )
    start, days, hours, pauses = clock.calls[-1]
    assert (start, days, hours) == (NOW, 9, 0)
    assert pauses == ((NOW, NOW + DAY),)


def test_an_extension_adds_working_days_or_sets_a_new_deadline() -> None:
    event = _in_state(State.IN_PROGRESS)
    assert event.closure_deadline == NOW + 7 * DAY
    event = step(event, Action.EXTEND, centre(), extra_days=3)
    assert event.closure_deadline == NOW + 10 * DAY
    event = step(event, Action.EXTEND, centre(), extended_until=NOW + 20 * DAY)
    assert event.closure_deadline == NOW + 20 * DAY
    with pytest.raises(InvalidInput, match="extended_until"):
        act(event, Action.EXTEND, centre(), extended_until=NOW + 5 * DAY)
    with pytest.raises(InvalidInput, match="reason"):
        act(event, Action.EXTEND, centre(), reason=None, extra_days=1)


def test_an_extension_needs_new_time() -> None:
    with pytest.raises(InvalidInput, match="extended_until"):
        act(_in_state(State.IN_PROGRESS), Action.EXTEND, centre())


@pytest.mark.parametrize(
    ("outcome", "reason"),
    [
        (ReviewOutcome.VALID, None),
        (ReviewOutcome.FALSE, None),
        (ReviewOutcome.UNQUALIFIED, UnqualifiedReason.PHOTO_MISSING),
        (ReviewOutcome.UNQUALIFIED, UnqualifiedReason.DUPLICATE),
    ],
)
def test_review_outcomes_are_recorded(
    outcome: ReviewOutcome, reason: UnqualifiedReason | None
) -> None:
    event, recorded = act(
        reported(), Action.REVIEW, centre(), outcome=outcome, unqualified_reason=reason
    )
    assert (event.review_outcome, event.unqualified_reason) == (outcome, reason)
    assert event.state is State.REPORTED
    assert recorded[0].payload()["review_outcome"] == outcome.value


@pytest.mark.parametrize(
    ("outcome", "reason", "field"),
    [
        (None, None, "outcome"),
        ("great", None, "outcome"),
        (ReviewOutcome.UNQUALIFIED, None, "unqualified_reason"),
        (ReviewOutcome.UNQUALIFIED, "ugly", "unqualified_reason"),
        (ReviewOutcome.VALID, UnqualifiedReason.UNCLEAR, "unqualified_reason"),
    ],
)
def test_a_bad_review_is_invalid(outcome: Any, reason: Any, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        act(reported(), Action.REVIEW, centre(), outcome=outcome, unqualified_reason=reason)
    assert caught.value.field == field


def test_escalation_records_its_level() -> None:
    event = _in_state(State.IN_PROGRESS)
    escalated, recorded = act(event, Action.ESCALATE, worker(), level=Level.TOWN)
    assert escalated.level is Level.TOWN
    assert escalated.history[-1].level is Level.TOWN
    assert isinstance(recorded[0], ev.EventEscalated)
    assert recorded[0].payload()["level"] == "town"
    further = step(escalated, Action.ESCALATE, centre(), level="district")
    assert further.level is Level.DISTRICT
    for level in (None, Level.TOWN, Level.VILLAGE, "sky"):
        with pytest.raises(InvalidInput, match="level"):
            act(escalated, Action.ESCALATE, centre(), level=level)


def test_returned_then_marked_shirked_once() -> None:
    event = _in_state(State.RETURNED)
    assert event.was_returned
    with pytest.raises(InvalidInput, match="reason"):
        act(event, Action.MARK_SHIRKED, centre(), reason="  ")
    shirked = step(event, Action.MARK_SHIRKED, centre())
    assert shirked.shirked is True
    assert shirked.state is State.RETURNED
    with pytest.raises(StateConflict, match="already"):
        act(shirked, Action.MARK_SHIRKED, centre())
    redone = step(shirked, Action.DISPATCH, centre(), department_id="dep-2")
    assert redone.department_id == "dep-2"


def test_reopen_clears_the_closure() -> None:
    event = step(_in_state(State.CLOSED), Action.REOPEN, centre())
    assert event.state is State.IN_PROGRESS
    assert (event.closed_at, event.closed_on_time, event.resolved_at) == (None, None, None)


def test_dispatch_needs_a_department() -> None:
    with pytest.raises(InvalidInput, match="department_id"):
        act(_in_state(State.ACCEPTED), Action.DISPATCH, centre())


def test_unknown_actions_and_report_are_invalid() -> None:
    with pytest.raises(InvalidInput, match="action"):
        act(reported(), "fly", centre())  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="action"):
        act(reported(), Action.REPORT, centre())


def test_overdue_is_recorded_once_per_deadline() -> None:
    event = reported()
    assert ev.record_overdue(event, NOW + DAY) == (event, ())
    late, recorded = ev.record_overdue(event, NOW + 3 * DAY)
    assert [r.payload()["deadline"] for r in recorded] == ["acceptance"]
    assert ev.record_overdue(late, NOW + 4 * DAY) == (late, ())
    accepted = step(late, Action.ACCEPT, centre(), at=NOW + 4 * DAY)
    _, recorded = ev.record_overdue(accepted, NOW + 12 * DAY)
    assert [r.deadline for r in recorded] == ["closure"]
    suspended = step(accepted, Action.SUSPEND, centre())
    assert ev.record_overdue(suspended, NOW + 30 * DAY)[1] == ()


# --- payloads ------------------------------------------------------------------------------


def every_recorded_event() -> list[IntakeEvent]:
    found: list[IntakeEvent] = []

    def run(event: Event, action: Action, actor: ev.Actor, **kwargs: Any) -> Event:
        new, recorded = act(event, action, actor, **kwargs)
        found.extend(recorded)
        return new

    event, created = ev.report(
        event_id="e-1",
        tenant_id=TENANT,
        grid_id=GRID,
        actor=worker(),
        source=Source.GRID_APP,
        category="city_management",
        title="井盖缺失 人民路",
        description="张三 13800000000 漏水",
        address="人民路12号",
        position=None,
        taxonomy=SEED_TAXONOMY,
        clock=CLOCK,
        now=NOW,
    )
    found.append(created)
    event = run(event, Action.REVIEW, centre(), outcome="unqualified", unqualified_reason="unclear")
    event = run(event, Action.ACCEPT, centre())
    event = run(event, Action.DISPATCH, centre(), department_id="dep-1")
    event = run(event, Action.RETURN, department(), reason="张三说不归我们管")
    event = run(event, Action.MARK_SHIRKED, centre())
    event = run(event, Action.ESCALATE, centre(), level=Level.TOWN)
    event = run(event, Action.START, centre())
    event = run(event, Action.SUSPEND, centre(), at=NOW + DAY)
    event = run(event, Action.RESUME, centre(), at=NOW + 2 * DAY)
    event = run(event, Action.EXTEND, centre(), extra_days=2)
    event = run(event, Action.RESOLVE, centre())
    event = run(event, Action.CLOSE, centre())
    event = run(event, Action.REOPEN, centre())
    event, overdue = ev.record_overdue(event, NOW + 60 * DAY)
    found.extend(overdue)
    event = run(event, Action.FLAG_LATE_REPORT, centre(), reason="重大事项超过2小时上报")
    rejected = run(reported(event_id="e-2"), Action.REJECT_INVALID, centre())
    assert rejected.state is State.REJECTED
    merged = run(
        reported(event_id="e-3", now=NOW + HOUR), Action.MERGE, centre(), merged_into=event
    )
    assert merged.state is State.MERGED
    return found


RECORDED = every_recorded_event()


def test_every_event_type_is_recorded_and_registered() -> None:
    types = {recorded.type for recorded in RECORDED}
    assert types == {cls.type for cls in ev.RECORDED.values()} | {ev.EventOverdue.type}
    for recorded in RECORDED:
        assert contract_for(recorded.type, recorded.version).topic is Topic.INTAKE_EVENTS


@pytest.mark.parametrize("recorded", RECORDED, ids=lambda r: r.type)
def test_payloads_fit_their_contracts(recorded: IntakeEvent) -> None:
    assert isinstance(recorded, DomainEvent)
    assert recorded.aggregate_id == recorded.event.event_id
    validate_payload(recorded.type, recorded.version, recorded.payload())


@pytest.mark.parametrize("recorded", RECORDED, ids=lambda r: r.type)
def test_payloads_carry_no_personal_data(recorded: IntakeEvent) -> None:
    payload = recorded.payload()
    text = repr(payload)
    for needle in PERSONAL:
        assert needle not in text
    forbidden = {"title", "description", "address", "position", "reporter_id", "reason"}
    assert forbidden.isdisjoint(payload)


def test_the_payload_carries_what_scoring_needs() -> None:
    closed = next(r for r in RECORDED if r.type == "event.closed").payload()
    assert closed["state"] == "closed"
    assert closed["closed_on_time"] is True
    assert closed["accepted_on_time"] is True
    assert closed["level"] == "town"
    assert closed["shirked"] is True
    assert closed["review_outcome"] == "unqualified"
    assert closed["closure_deadline"] == (NOW + 10 * DAY).isoformat()
    assert datetime.fromisoformat(closed["reported_at"]).tzinfo is not None
    assert closed["reported_at"] == NOW.astimezone(UTC).isoformat()


def test_a_later_report_merges_into_the_first_which_keeps_the_credit() -> None:
    first = reported(event_id="e-1")
    later = reported(event_id="e-2", now=NOW + HOUR)
    merged, (recorded,) = act(later, Action.MERGE, centre(), merged_into=first)
    assert merged.state is State.MERGED
    assert merged.merged_into == "e-1"
    assert recorded.type == "event.merged"
    assert recorded.payload()["merged_into"] == "e-1"
    # Never the other way round, never into itself, another category or a dead event.
    for target, field_reason in (
        (later, "earlier"),
        (first, "itself"),
        (reported(event_id="e-0", category="dispute", now=NOW - HOUR), "category"),
        (step(reported(event_id="e-0", now=NOW - HOUR), Action.REJECT_INVALID, centre()), "live"),
    ):
        source = first if field_reason in ("earlier", "itself") else later
        with pytest.raises(InvalidInput) as caught:
            act(source, Action.MERGE, centre(), merged_into=target)
        assert caught.value.problems[0].field == "merged_into"
    with pytest.raises(InvalidInput):
        act(later, Action.MERGE, centre())
    with pytest.raises(PermissionDenied):
        act(later, Action.MERGE, worker(), merged_into=first)


def test_late_reporting_is_a_finding_that_needs_a_reason() -> None:
    flagged = step(reported(), Action.FLAG_LATE_REPORT, centre())
    assert flagged.late_report is True
    assert flagged.state is State.REPORTED
    with pytest.raises(InvalidInput):
        act(reported(), Action.FLAG_LATE_REPORT, centre(), reason=None)


def test_the_tenant_admin_acts_as_the_centre() -> None:
    admin = ev.Actor(user_id="u-admin", tenant_id=TENANT, roles=frozenset({"tenant-admin"}))
    accepted = step(reported(), Action.ACCEPT, admin)
    assert accepted.history[-1].acting_as.value == "centre"
