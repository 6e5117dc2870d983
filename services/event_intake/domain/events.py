"""Events (事项): what grid workers, residents, inspectors and the 12345 hotline report, and
the workflow that takes each one from report to closure.

An `Event` is immutable. `report` creates one; `transition` applies one `Action` and returns
the new event and the domain events it records, or raises:
- `StateConflict` (409) when the table `TRANSITIONS` does not allow the action in the state;
- `PermissionDenied` (403) when the actor may not act on the event (`ROLE_RULES`): a grid
  worker on his own grid's events, centre staff on the tenant's, a department on what was
  dispatched to it;
- `InvalidInput` (422) when an argument is missing or wrong (a reason, a level, ...).

Every transition appends a `Transition` (who, acting as what, when, why, from → to, client
request id) to the history. An action whose client request id is already in the history
returns the event unchanged and records nothing (a phone retrying after a timeout). The
mechanics are the intake workflow core's (`services.event_intake.domain.workflow`).

Deadlines: acceptance counts from the report, closure from acceptance, on a work clock
(`WorkClockLike`: working days or hours per the category's `DeadlinePolicy`). Suspensions
(挂起) pause both clocks: each closed pause pushes the deadlines. An approved extension (延期)
adds working days/hours to the closure span or sets a later closure deadline. Acceptance and
closure record whether they were on time.

Payloads of the domain events carry what scoring needs and no personal data: no title,
description, address, position, reporter or reason text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar, Protocol

from services.event_intake.domain import workflow
from services.event_intake.domain.taxonomy import DeadlinePolicy, Span, Taxonomy
from services.event_intake.domain.workflow import (
    ActingAs,
    Actor,
    HistoryEntry,
    WorkflowEvent,
    entry_payload,
    iso,
    request_id_of,
    text,
)
from shared.auth.principal import Role
from shared.clock import require_aware
from shared.errors import FieldProblem, InvalidInput, StateConflict

TITLE_MAX = 100
DESCRIPTION_MAX = 2000
ADDRESS_MAX = 200
REASON_MAX = workflow.REASON_MAX
REQUEST_ID_MAX = workflow.REQUEST_ID_MAX


class WorkClockLike(Protocol):
    """The work calendar (`shared.calendar.WorkClock`): the instant `days` working days and
    `hours` working hours after `start`, not counting the `pauses` (start, end) intervals."""

    def deadline(
        self,
        start: datetime,
        *,
        days: int = 0,
        hours: Decimal | int = 0,
        pauses: Sequence[tuple[datetime, datetime]] = (),
    ) -> datetime: ...


class Source(StrEnum):
    GRID_APP = "grid_app"
    WEB = "web"
    HOTLINE_12345 = "hotline_12345"
    INSPECTOR_PATROL = "inspector_patrol"
    INSPECTOR_SPOT_CHECK = "inspector_spot_check"
    RESIDENT_COMPLAINT = "resident_complaint"
    CENTRE_DISPATCH = "centre_dispatch"


class Level(StrEnum):
    """Where the event is handled: grid, village/community, town/park/street, district+."""

    GRID = "grid"
    VILLAGE = "village"
    TOWN = "town"
    DISTRICT = "district"

    @property
    def rank(self) -> int:
        return list(Level).index(self)


class State(StrEnum):
    REPORTED = "reported"
    ACCEPTED = "accepted"
    DISPATCHED = "dispatched"
    ESCALATED = "escalated"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"
    RETURNED = "returned"
    REJECTED = "rejected"
    SUSPENDED = "suspended"
    MERGED = "merged"


class Action(StrEnum):
    REPORT = "report"
    ACCEPT = "accept"
    DISPATCH = "dispatch"
    ESCALATE = "escalate"
    START = "start"
    RESOLVE = "resolve"
    CLOSE = "close"
    RETURN = "return"
    REOPEN = "reopen"
    REJECT_INVALID = "reject_invalid"
    SUSPEND = "suspend"
    RESUME = "resume"
    EXTEND = "extend"
    REVIEW = "review"
    MARK_SHIRKED = "mark_shirked"
    MERGE = "merge"
    FLAG_LATE_REPORT = "flag_late_report"


class ReviewOutcome(StrEnum):
    VALID = "valid"
    UNQUALIFIED = "unqualified"
    FALSE = "false"


class UnqualifiedReason(StrEnum):
    INCOMPLETE = "incomplete"
    PHOTO_MISSING = "photo_missing"
    UNCLEAR = "unclear"
    TITLE_MISMATCH = "title_mismatch"
    DUPLICATE = "duplicate"


class PauseKind(StrEnum):
    SUSPENSION = "suspension"


@dataclass(frozen=True)
class Position:
    """WGS84 longitude/latitude of the event."""

    lon: float
    lat: float


@dataclass(frozen=True)
class Pause:
    """An interval during which the deadline clocks stand still; `end` is None while open."""

    kind: PauseKind
    start: datetime
    end: datetime | None = None


@dataclass(frozen=True)
class Transition(HistoryEntry[Action, State]):
    """One entry of an event's history; an escalation records the level it went to, a
    dispatch the department."""

    level: Level | None = None
    department_id: str | None = None


@dataclass(frozen=True)
class Event:
    event_id: str
    tenant_id: str
    grid_id: str
    division_id: str | None
    reporter_id: str
    reporter_role: ActingAs
    source: Source
    category: str
    title: str
    description: str
    address: str
    position: Position | None
    level: Level
    state: State
    reported_at: datetime
    acceptance_span: Span
    closure_span: Span
    acceptance_deadline: datetime
    closure_deadline: datetime | None = None
    accepted_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    accepted_on_time: bool | None = None
    closed_on_time: bool | None = None
    department_id: str | None = None
    suspended_from: State | None = None
    pauses: tuple[Pause, ...] = ()
    extra_days: int = 0
    extra_hours: Decimal | int = 0
    extended_until: datetime | None = None
    review_outcome: ReviewOutcome | None = None
    unqualified_reason: UnqualifiedReason | None = None
    shirked: bool = False
    # A major event the grid reported later than it should have (迟报): a finding of its own.
    late_report: bool = False
    # The earlier report of the same matter this one was merged into (重复上报).
    merged_into: str | None = None
    overdue: frozenset[str] = frozenset()
    history: tuple[Transition, ...] = field(default_factory=tuple)
    # Optimistic-lock counter as read from storage (0 for an event not stored yet).
    revision: int = 0

    def closed_pauses(self) -> tuple[tuple[datetime, datetime], ...]:
        return tuple((p.start, p.end) for p in self.pauses if p.end is not None)

    @property
    def was_returned(self) -> bool:
        return any(entry.to_state is State.RETURNED for entry in self.history)


# --- domain events -------------------------------------------------------------------------


@dataclass(frozen=True)
class IntakeEvent(WorkflowEvent[Transition]):
    """What happened to one event; `event` is its state afterwards, `entry` the history entry
    (None for `EventOverdue`, which the system records)."""

    event: Event

    @property
    def aggregate_id(self) -> str:
        return self.event.event_id

    def payload(self) -> dict[str, Any]:
        """The event's scoring-relevant state: ids, codes, timestamps, deadlines, flags.
        Never the title, description, address, position, reporter or any reason text."""
        event, entry = self.event, self.entry
        return {
            "event_id": event.event_id,
            "grid_id": event.grid_id,
            "division_id": event.division_id,
            "category": event.category,
            "source": event.source.value,
            "level": event.level.value,
            "state": event.state.value,
            **entry_payload(entry),
            "department_id": event.department_id,
            "reported_at": event.reported_at.isoformat(),
            "accepted_at": iso(event.accepted_at),
            "resolved_at": iso(event.resolved_at),
            "closed_at": iso(event.closed_at),
            "acceptance_deadline": event.acceptance_deadline.isoformat(),
            "closure_deadline": iso(event.closure_deadline),
            "accepted_on_time": event.accepted_on_time,
            "closed_on_time": event.closed_on_time,
            "review_outcome": None if event.review_outcome is None else event.review_outcome.value,
            "unqualified_reason": None
            if event.unqualified_reason is None
            else event.unqualified_reason.value,
            "shirked": event.shirked,
            "late_report": event.late_report,
            "merged_into": event.merged_into,
        }


@dataclass(frozen=True)
class EventReported(IntakeEvent):
    type: ClassVar[str] = "event.reported"


@dataclass(frozen=True)
class EventAccepted(IntakeEvent):
    type: ClassVar[str] = "event.accepted"


@dataclass(frozen=True)
class EventDispatched(IntakeEvent):
    type: ClassVar[str] = "event.dispatched"


@dataclass(frozen=True)
class EventEscalated(IntakeEvent):
    """Escalated; `level` in the payload is the level it was escalated to."""

    type: ClassVar[str] = "event.escalated"


@dataclass(frozen=True)
class EventStarted(IntakeEvent):
    type: ClassVar[str] = "event.started"


@dataclass(frozen=True)
class EventReturned(IntakeEvent):
    type: ClassVar[str] = "event.returned"


@dataclass(frozen=True)
class EventReopened(IntakeEvent):
    type: ClassVar[str] = "event.reopened"


@dataclass(frozen=True)
class EventRejected(IntakeEvent):
    type: ClassVar[str] = "event.rejected"


@dataclass(frozen=True)
class EventSuspended(IntakeEvent):
    type: ClassVar[str] = "event.suspended"


@dataclass(frozen=True)
class EventResumed(IntakeEvent):
    type: ClassVar[str] = "event.resumed"


@dataclass(frozen=True)
class EventExtended(IntakeEvent):
    type: ClassVar[str] = "event.extended"


@dataclass(frozen=True)
class EventResolved(IntakeEvent):
    type: ClassVar[str] = "event.resolved"


@dataclass(frozen=True)
class EventClosed(IntakeEvent):
    type: ClassVar[str] = "event.closed"


@dataclass(frozen=True)
class EventReviewed(IntakeEvent):
    type: ClassVar[str] = "event.reviewed"


@dataclass(frozen=True)
class EventMarkedShirked(IntakeEvent):
    type: ClassVar[str] = "event.marked_shirked"


@dataclass(frozen=True)
class EventMerged(IntakeEvent):
    """Merged into an earlier report of the same matter (`merged_into`), which keeps the
    credit; this one is final."""

    type: ClassVar[str] = "event.merged"


@dataclass(frozen=True)
class EventFlaggedLateReport(IntakeEvent):
    type: ClassVar[str] = "event.late_report_flagged"


@dataclass(frozen=True)
class EventOverdue(IntakeEvent):
    """A deadline passed unmet; `deadline` is ``acceptance`` or ``closure``."""

    deadline: str = "closure"
    type: ClassVar[str] = "event.overdue"

    def payload(self) -> dict[str, Any]:
        return {**super().payload(), "deadline": self.deadline}


RECORDED: Mapping[Action, type[IntakeEvent]] = {
    Action.REPORT: EventReported,
    Action.ACCEPT: EventAccepted,
    Action.DISPATCH: EventDispatched,
    Action.ESCALATE: EventEscalated,
    Action.START: EventStarted,
    Action.RESOLVE: EventResolved,
    Action.CLOSE: EventClosed,
    Action.RETURN: EventReturned,
    Action.REOPEN: EventReopened,
    Action.REJECT_INVALID: EventRejected,
    Action.SUSPEND: EventSuspended,
    Action.RESUME: EventResumed,
    Action.EXTEND: EventExtended,
    Action.REVIEW: EventReviewed,
    Action.MARK_SHIRKED: EventMarkedShirked,
    Action.MERGE: EventMerged,
    Action.FLAG_LATE_REPORT: EventFlaggedLateReport,
}

# --- the rules -----------------------------------------------------------------------------

_OPEN = (
    State.ACCEPTED,
    State.DISPATCHED,
    State.ESCALATED,
    State.IN_PROGRESS,
    State.RETURNED,
)
_HANDLING = (State.DISPATCHED, State.ESCALATED, State.IN_PROGRESS)

# state × action → state. A `None` target keeps the state (facts recorded about the event);
# `resume` goes back to `suspended_from`. Anything not listed is a 409.
TRANSITIONS: Mapping[tuple[State, Action], State | None] = {
    (State.REPORTED, Action.ACCEPT): State.ACCEPTED,
    (State.REPORTED, Action.REJECT_INVALID): State.REJECTED,
    (State.ACCEPTED, Action.DISPATCH): State.DISPATCHED,
    (State.ACCEPTED, Action.ESCALATE): State.ESCALATED,
    (State.ACCEPTED, Action.START): State.IN_PROGRESS,
    (State.ACCEPTED, Action.REJECT_INVALID): State.REJECTED,
    (State.DISPATCHED, Action.START): State.IN_PROGRESS,
    (State.DISPATCHED, Action.ESCALATE): State.ESCALATED,
    (State.DISPATCHED, Action.RETURN): State.RETURNED,
    (State.ESCALATED, Action.DISPATCH): State.DISPATCHED,
    (State.ESCALATED, Action.ESCALATE): State.ESCALATED,
    (State.ESCALATED, Action.START): State.IN_PROGRESS,
    (State.ESCALATED, Action.RETURN): State.RETURNED,
    (State.IN_PROGRESS, Action.RESOLVE): State.RESOLVED,
    (State.IN_PROGRESS, Action.ESCALATE): State.ESCALATED,
    (State.IN_PROGRESS, Action.RETURN): State.RETURNED,
    (State.RESOLVED, Action.CLOSE): State.CLOSED,
    (State.RESOLVED, Action.REOPEN): State.IN_PROGRESS,
    (State.CLOSED, Action.REOPEN): State.IN_PROGRESS,
    (State.RETURNED, Action.DISPATCH): State.DISPATCHED,
    (State.RETURNED, Action.ESCALATE): State.ESCALATED,
    (State.RETURNED, Action.START): State.IN_PROGRESS,
    (State.RETURNED, Action.REJECT_INVALID): State.REJECTED,
    (State.RETURNED, Action.MARK_SHIRKED): None,
    (State.SUSPENDED, Action.RESUME): State.SUSPENDED,  # really: back to `suspended_from`
    (State.REPORTED, Action.MERGE): State.MERGED,
    (State.ACCEPTED, Action.MERGE): State.MERGED,
    **{(state, Action.SUSPEND): State.SUSPENDED for state in _OPEN},
    **{(state, Action.EXTEND): None for state in (*_OPEN, State.SUSPENDED)},
    **{(state, Action.REVIEW): None for state in State},
    **{(state, Action.FLAG_LATE_REPORT): None for state in State if state is not State.MERGED},
}

# Who may take each action: centre staff on any event of the tenant, a grid worker on his own
# grid's events, the department an event was dispatched to.
ROLE_RULES: Mapping[Action, tuple[ActingAs, ...]] = {
    Action.ACCEPT: (ActingAs.CENTRE,),
    Action.DISPATCH: (ActingAs.CENTRE,),
    Action.ESCALATE: (ActingAs.CENTRE, ActingAs.DEPARTMENT, ActingAs.GRID_WORKER),
    Action.START: (ActingAs.CENTRE, ActingAs.DEPARTMENT, ActingAs.GRID_WORKER),
    Action.RESOLVE: (ActingAs.CENTRE, ActingAs.DEPARTMENT, ActingAs.GRID_WORKER),
    Action.RETURN: (ActingAs.DEPARTMENT, ActingAs.GRID_WORKER),
    Action.CLOSE: (ActingAs.CENTRE,),
    Action.REOPEN: (ActingAs.CENTRE,),
    Action.REJECT_INVALID: (ActingAs.CENTRE,),
    Action.SUSPEND: (ActingAs.CENTRE,),
    Action.RESUME: (ActingAs.CENTRE,),
    Action.EXTEND: (ActingAs.CENTRE,),
    Action.REVIEW: (ActingAs.CENTRE,),
    Action.MARK_SHIRKED: (ActingAs.CENTRE,),
    Action.MERGE: (ActingAs.CENTRE,),
    Action.FLAG_LATE_REPORT: (ActingAs.CENTRE,),
}

# Actions that must say why.
REASON_REQUIRED = frozenset(
    {
        Action.RETURN,
        Action.REOPEN,
        Action.REJECT_INVALID,
        Action.SUSPEND,
        Action.EXTEND,
        Action.MARK_SHIRKED,
        Action.FLAG_LATE_REPORT,
    }
)

_REPORTERS: Mapping[Source, tuple[ActingAs, ...]] = {
    Source.GRID_APP: (ActingAs.GRID_WORKER,),
    Source.WEB: (ActingAs.CENTRE, ActingAs.GRID_WORKER),
    Source.HOTLINE_12345: (ActingAs.CENTRE,),
    Source.INSPECTOR_PATROL: (ActingAs.INSPECTOR, ActingAs.CENTRE),
    Source.INSPECTOR_SPOT_CHECK: (ActingAs.INSPECTOR, ActingAs.CENTRE),
    Source.RESIDENT_COMPLAINT: (ActingAs.CENTRE,),
    Source.CENTRE_DISPATCH: (ActingAs.CENTRE,),
}


def _capacities(actor: Actor, grid_id: str, department_id: str | None) -> list[ActingAs]:
    """Every capacity in which `actor` may act on an event of `grid_id` (same tenant)."""
    found: list[ActingAs] = []
    # The tenant admin heads the centre (中心): he acts as the centre, as in tasks and records.
    if workflow.is_centre(actor):
        found.append(ActingAs.CENTRE)
    if department_id is not None and actor.department_id == department_id:
        found.append(ActingAs.DEPARTMENT)
    if Role.GRID_WORKER in actor.roles and grid_id in actor.grid_ids:
        found.append(ActingAs.GRID_WORKER)
    if Role.INSPECTOR in actor.roles:
        found.append(ActingAs.INSPECTOR)
    return found


def _acting_as(
    actor: Actor,
    *,
    tenant_id: str,
    grid_id: str,
    department_id: str | None,
    allowed: Sequence[ActingAs],
    what: str,
) -> ActingAs:
    return workflow.acting_as(
        actor,
        tenant_id=tenant_id,
        noun="event",
        held=_capacities(actor, grid_id, department_id),
        allowed=allowed,
        what=what,
    )


def _deadline(
    clock: WorkClockLike,
    start: datetime,
    span: Span,
    pauses: Sequence[tuple[datetime, datetime]],
) -> datetime:
    return require_aware(
        clock.deadline(start, days=span.days, hours=span.hours, pauses=pauses), "deadline"
    )


def _with_deadlines(event: Event, clock: WorkClockLike) -> Event:
    """The event with its deadlines recomputed from its spans, extensions and closed pauses
    (the acceptance deadline only until acceptance: later pauses do not move it)."""
    pauses = event.closed_pauses()
    acceptance = event.acceptance_deadline
    if event.accepted_at is None:
        acceptance = _deadline(clock, event.reported_at, event.acceptance_span, pauses)
    closure: datetime | None = None
    if event.accepted_at is not None:
        span = event.closure_span.plus(days=event.extra_days, hours=event.extra_hours)
        closure = _deadline(clock, event.accepted_at, span, pauses)
        if event.extended_until is not None and event.extended_until > closure:
            closure = event.extended_until
    return replace(event, acceptance_deadline=acceptance, closure_deadline=closure)


# --- report --------------------------------------------------------------------------------


def report(
    *,
    event_id: str,
    tenant_id: str,
    grid_id: str,
    actor: Actor,
    source: Source | str,
    category: str,
    title: str,
    description: str,
    address: str,
    position: Position | None,
    taxonomy: Taxonomy,
    clock: WorkClockLike,
    now: datetime,
    level: Level | str = Level.GRID,
    request_id: str | None = None,
    division_id: str | None = None,
) -> tuple[Event, EventReported]:
    """A new event in state `reported`, its acceptance deadline set by the category's policy.

    Idempotency of a report is the repository's job (it looks the request id up before
    calling this): there is no event yet whose history could hold it.
    """
    require_aware(now)
    try:
        source = Source(source)
    except ValueError:
        raise InvalidInput.of("source", "is not a known source") from None
    try:
        level = Level(level)
    except ValueError:
        raise InvalidInput.of("level", "is not a known level") from None
    problems: list[FieldProblem] = []
    texts: dict[str, str | None] = {}
    for name, value, limit, required in (
        ("title", title, TITLE_MAX, True),
        ("description", description, DESCRIPTION_MAX, False),
        ("address", address, ADDRESS_MAX, False),
    ):
        try:
            texts[name] = text(value, name, limit, required=required)
        except InvalidInput as exc:
            problems.extend(exc.problems)
    if position is not None and not (-180 <= position.lon <= 180 and -90 <= position.lat <= 90):
        problems.append(FieldProblem("position", "is not a WGS84 longitude/latitude"))
    if problems:
        raise InvalidInput(problems)
    policy: DeadlinePolicy = taxonomy.policy_for(category)
    acting_as = _acting_as(
        actor,
        tenant_id=tenant_id,
        grid_id=grid_id,
        department_id=None,
        allowed=_REPORTERS[source],
        what="report",
    )
    request = request_id_of(request_id)
    entry = Transition(
        action=Action.REPORT,
        actor=actor.user_id,
        acting_as=acting_as,
        at=now,
        from_state=None,
        to_state=State.REPORTED,
        request_id=request,
        level=level,
    )
    event = Event(
        event_id=event_id,
        tenant_id=tenant_id,
        grid_id=grid_id,
        division_id=division_id,
        reporter_id=actor.user_id,
        reporter_role=acting_as,
        source=source,
        category=category,
        title=texts["title"] or "",
        description=texts["description"] or "",
        address=texts["address"] or "",
        position=position,
        level=level,
        state=State.REPORTED,
        reported_at=now,
        acceptance_span=policy.acceptance,
        closure_span=policy.closure,
        acceptance_deadline=now,
        history=(entry,),
    )
    event = _with_deadlines(event, clock)
    return event, EventReported(event=event, entry=entry, occurred_at=now)


# --- transitions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Details:
    """What some actions need besides who, when and why (see `transition`)."""

    level: Level | str | None = None
    department_id: str | None = None
    extended_until: datetime | None = None
    extra_days: int = 0
    extra_hours: Decimal | int = 0
    outcome: ReviewOutcome | str | None = None
    unqualified_reason: UnqualifiedReason | str | None = None
    # `merge`: the surviving (earlier) event, as the use case read it.
    merged_into: Event | None = None


def transition(
    event: Event,
    action: Action | str,
    actor: Actor,
    now: datetime,
    *,
    reason: str | None = None,
    request_id: str | None = None,
    clock: WorkClockLike,
    **details: Any,
) -> tuple[Event, tuple[IntakeEvent, ...]]:
    """Apply `action` by `actor` at `now`; see the module docstring for the rules.

    `details` are the fields of `Details`: `dispatch` needs `department_id`; `escalate` a
    `level` above the current one; `extend` `extended_until` (a later closure deadline)
    and/or `extra_days`/`extra_hours`; `review` an `outcome`, and an `unqualified_reason`
    when it is ``unqualified``.
    """
    require_aware(now)
    action = workflow.parse_action(
        Action, action, creation=Action.REPORT, use="use report() to create an event"
    )
    given = Details(**details)
    request = request_id_of(request_id)
    if workflow.replayed(event.history, request, action):
        return event, ()
    key = (event.state, action)
    if key not in TRANSITIONS:
        raise StateConflict(f"cannot {action.value} an event that is {event.state.value}")
    acting_as = _acting_as(
        actor,
        tenant_id=event.tenant_id,
        grid_id=event.grid_id,
        department_id=event.department_id,
        allowed=ROLE_RULES[action],
        what=action.value.replace("_", " "),
    )
    why = text(reason, "reason", REASON_MAX, required=action in REASON_REQUIRED)
    changes: dict[str, Any] = {"state": TRANSITIONS[key] or event.state}
    if (change := _CHANGES.get(action)) is not None:
        changes.update(change(event, now, given))
    entry = Transition(
        action=action,
        actor=actor.user_id,
        acting_as=acting_as,
        at=now,
        from_state=event.state,
        to_state=changes["state"],
        reason=why,
        request_id=request,
        level=changes.get("level") if action is Action.ESCALATE else None,
        department_id=changes.get("department_id") if action is Action.DISPATCH else None,
    )
    updated = replace(event, **changes, history=(*event.history, entry))
    if action in {Action.ACCEPT, Action.RESUME, Action.EXTEND}:
        updated = _with_deadlines(updated, clock)
    return updated, (RECORDED[action](event=updated, entry=entry, occurred_at=now),)


def _accept(event: Event, now: datetime, _: Details) -> dict[str, Any]:
    return {"accepted_at": now, "accepted_on_time": now <= event.acceptance_deadline}


def _dispatch(_event: Event, _now: datetime, given: Details) -> dict[str, Any]:
    return {"department_id": text(given.department_id, "department_id", 64, required=True)}


def _escalate(event: Event, _now: datetime, given: Details) -> dict[str, Any]:
    return {"level": _escalation_level(event, given.level)}


def _resolve(_event: Event, now: datetime, _: Details) -> dict[str, Any]:
    return {"resolved_at": now}


def _close(event: Event, now: datetime, _: Details) -> dict[str, Any]:
    closure = event.closure_deadline
    return {"closed_at": now, "closed_on_time": closure is None or now <= closure}


def _reopen(_event: Event, _now: datetime, _: Details) -> dict[str, Any]:
    return {"resolved_at": None, "closed_at": None, "closed_on_time": None}


def _suspend(event: Event, now: datetime, _: Details) -> dict[str, Any]:
    return {
        "suspended_from": event.state,
        "pauses": (*event.pauses, Pause(kind=PauseKind.SUSPENSION, start=now)),
    }


def _resume(event: Event, now: datetime, _: Details) -> dict[str, Any]:
    return {
        "state": event.suspended_from or State.ACCEPTED,
        "suspended_from": None,
        "pauses": tuple(
            replace(pause, end=now) if pause.end is None else pause for pause in event.pauses
        ),
    }


def _extend(event: Event, now: datetime, given: Details) -> dict[str, Any]:
    return _extension(event, now, given.extended_until, given.extra_days, given.extra_hours)


def _reviewed(_event: Event, _now: datetime, given: Details) -> dict[str, Any]:
    return _review(given.outcome, given.unqualified_reason)


def _merge(event: Event, _now: datetime, given: Details) -> dict[str, Any]:
    target = given.merged_into
    if target is None:
        raise InvalidInput.of("merged_into", "is required")
    if target.event_id == event.event_id:
        raise InvalidInput.of("merged_into", "an event cannot be merged into itself")
    if target.tenant_id != event.tenant_id:  # pragma: no cover - the use case reads in-tenant
        raise InvalidInput.of("merged_into", "is not an event of this tenant")
    if target.state in (State.MERGED, State.REJECTED):
        raise InvalidInput.of("merged_into", f"is {target.state.value}; merge into a live event")
    # The first report keeps the credit: a report merges only into an earlier one.
    if (target.reported_at, target.event_id) > (event.reported_at, event.event_id):
        raise InvalidInput.of("merged_into", "must be an earlier report than this one")
    if target.category != event.category:
        raise InvalidInput.of("merged_into", "is an event of another category")
    return {"merged_into": target.event_id}


def _flag_late_report(_event: Event, _now: datetime, _: Details) -> dict[str, Any]:
    return {"late_report": True}


def _mark_shirked(event: Event, _now: datetime, _: Details) -> dict[str, Any]:
    if event.shirked:
        raise StateConflict("the event is already marked as shirked")
    return {"shirked": True}


_CHANGES: Mapping[Action, Callable[[Event, datetime, Details], dict[str, Any]]] = {
    Action.ACCEPT: _accept,
    Action.DISPATCH: _dispatch,
    Action.ESCALATE: _escalate,
    Action.RESOLVE: _resolve,
    Action.CLOSE: _close,
    Action.REOPEN: _reopen,
    Action.SUSPEND: _suspend,
    Action.RESUME: _resume,
    Action.EXTEND: _extend,
    Action.REVIEW: _reviewed,
    Action.MARK_SHIRKED: _mark_shirked,
    Action.MERGE: _merge,
    Action.FLAG_LATE_REPORT: _flag_late_report,
}


def _escalation_level(event: Event, level: Level | str | None) -> Level:
    if level is None:
        raise InvalidInput.of("level", "is required")
    try:
        target = Level(level)
    except ValueError:
        raise InvalidInput.of("level", "is not a known level") from None
    if target.rank <= event.level.rank:
        raise InvalidInput.of("level", f"must be above {event.level.value}")
    return target


def _extension(
    event: Event,
    now: datetime,
    extended_until: datetime | None,
    extra_days: int,
    extra_hours: Decimal | int,
) -> dict[str, Any]:
    if event.accepted_at is None:  # pragma: no cover - every extendable state is accepted
        raise StateConflict("only an accepted event can be extended")
    if extra_days < 0 or extra_hours < 0:
        raise InvalidInput.of("extra_days", "must not be negative")
    if extended_until is None and extra_days == 0 and extra_hours == 0:
        raise InvalidInput.of("extended_until", "give a new deadline or extra working time")
    changes: dict[str, Any] = {
        "extra_days": event.extra_days + extra_days,
        "extra_hours": event.extra_hours + extra_hours,
    }
    if extended_until is not None:
        require_aware(extended_until, "extended_until")
        current = event.closure_deadline
        if extended_until <= now or (current is not None and extended_until <= current):
            raise InvalidInput.of("extended_until", "must be later than the current deadline")
        changes["extended_until"] = extended_until
    return changes


def _review(
    outcome: ReviewOutcome | str | None, reason: UnqualifiedReason | str | None
) -> dict[str, Any]:
    if outcome is None:
        raise InvalidInput.of("outcome", "is required")
    try:
        result = ReviewOutcome(outcome)
    except ValueError:
        raise InvalidInput.of("outcome", "is not a known review outcome") from None
    if result is not ReviewOutcome.UNQUALIFIED:
        if reason is not None:
            raise InvalidInput.of("unqualified_reason", "only an unqualified report has one")
        return {"review_outcome": result, "unqualified_reason": None}
    if reason is None:
        raise InvalidInput.of("unqualified_reason", "is required")
    try:
        why = UnqualifiedReason(reason)
    except ValueError:
        raise InvalidInput.of("unqualified_reason", "is not a known reason") from None
    return {"review_outcome": result, "unqualified_reason": why}


# --- overdue -------------------------------------------------------------------------------

_ACCEPTANCE_PENDING = (State.REPORTED,)
_CLOSURE_PENDING = (*_OPEN, State.RESOLVED)


def record_overdue(event: Event, now: datetime) -> tuple[Event, tuple[EventOverdue, ...]]:
    """`EventOverdue` for each deadline that passed unmet since the last check (at most once
    per deadline and event). A suspended event is never overdue: its clocks stand still."""
    require_aware(now)
    found: list[str] = []
    if (
        event.state in _ACCEPTANCE_PENDING
        and now > event.acceptance_deadline
        and "acceptance" not in event.overdue
    ):
        found.append("acceptance")
    if (
        event.state in _CLOSURE_PENDING
        and event.closure_deadline is not None
        and now > event.closure_deadline
        and "closure" not in event.overdue
    ):
        found.append("closure")
    if not found:
        return event, ()
    updated = replace(event, overdue=event.overdue | set(found))
    return updated, tuple(
        EventOverdue(event=updated, entry=None, occurred_at=now, deadline=kind) for kind in found
    )
