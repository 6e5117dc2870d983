"""Dispatched tasks (派单): work the tenant centre hands a grid, a worker or a department, with a
deadline, and the completion that answers it.

A `Task` is immutable. `issue` creates one; `transition` applies one `Action` and returns the
new task and the domain events it records, or raises `StateConflict` (409: the table
`TRANSITIONS` does not allow the action in the state), `PermissionDenied` (403: the actor may
not take it) or `InvalidInput` (422).

The life of a task::

    issued --accept (assignee, 接单)--> accepted --complete (assignee)--> completed
    completed --accept (centre, 验收)--> closed
    completed --return (centre, 退回重办: the evidence does not show the work)--> returned
    returned --complete (assignee)--> completed
    issued | accepted | returned --cancel (centre)--> cancelled

The assignee is a worker (that user), a grid (any user on the grid's team that day) or a
department (a member of it). Completion records whether it was on time (the last completion
counts); a deadline that passes while the task waits for its assignee is recorded once as
`task.overdue` (by the scheduler through `record_overdue`, or by a late completion itself).

Every transition appends a `Transition` to the history; an action whose client request id is
already there returns the task unchanged and records nothing (a phone retrying). The mechanics
are the intake workflow core's (`services.event_intake.domain.workflow`).

Payloads carry ids, codes, instants and flags: never the title, instructions, evidence text or
reasons.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from services.event_intake.domain import workflow
from services.event_intake.domain.workflow import (
    ActingAs,
    Actor,
    HistoryEntry,
    WorkflowEvent,
    entry_payload,
    is_centre,
    iso,
    request_id_of,
    text,
)
from shared.clock import require_aware
from shared.errors import FieldProblem, InvalidInput, PermissionDenied, StateConflict

TITLE_MAX = 100
INSTRUCTIONS_MAX = 2000
EVIDENCE_MAX = 2000
REASON_MAX = workflow.REASON_MAX
ID_MAX = 64
PHOTOS_MAX = 20
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")


class AssigneeKind(StrEnum):
    GRID = "grid"
    WORKER = "worker"
    DEPARTMENT = "department"


class State(StrEnum):
    ISSUED = "issued"
    ACCEPTED = "accepted"
    COMPLETED = "completed"
    CLOSED = "closed"
    RETURNED = "returned"
    CANCELLED = "cancelled"


class Action(StrEnum):
    ISSUE = "issue"
    ACCEPT = "accept"
    COMPLETE = "complete"
    RETURN = "return"
    CANCEL = "cancel"


# States in which the task waits for its assignee: the deadline runs.
PENDING = frozenset({State.ISSUED, State.ACCEPTED, State.RETURNED})


Rule = workflow.Rule[State]

_CENTRE = (ActingAs.CENTRE,)
_ASSIGNEE = (ActingAs.GRID_WORKER, ActingAs.DEPARTMENT)

# (state, action) -> rule. `accept` means 接单 by the assignee on an issued task and 验收 by the
# centre on a completed one. Anything not listed is a 409.
TRANSITIONS: Mapping[tuple[State, Action], Rule] = {
    (State.ISSUED, Action.ACCEPT): Rule(State.ACCEPTED, _ASSIGNEE),
    (State.ACCEPTED, Action.COMPLETE): Rule(State.COMPLETED, _ASSIGNEE),
    (State.RETURNED, Action.COMPLETE): Rule(State.COMPLETED, _ASSIGNEE),
    (State.COMPLETED, Action.ACCEPT): Rule(State.CLOSED, _CENTRE),
    (State.COMPLETED, Action.RETURN): Rule(State.RETURNED, _CENTRE),
    (State.ISSUED, Action.CANCEL): Rule(State.CANCELLED, _CENTRE),
    (State.ACCEPTED, Action.CANCEL): Rule(State.CANCELLED, _CENTRE),
    (State.RETURNED, Action.CANCEL): Rule(State.CANCELLED, _CENTRE),
}

REASON_REQUIRED = frozenset({Action.RETURN, Action.CANCEL})


@dataclass(frozen=True)
class Evidence:
    """What the assignee shows for a completion: a text and the ids of uploaded photos."""

    text: str
    photo_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Transition(HistoryEntry[Action, State]):
    """One entry of a task's history."""


@dataclass(frozen=True)
class Task:
    task_id: str
    tenant_id: str
    title: str
    instructions: str
    assignee_kind: AssigneeKind
    assignee_id: str
    grid_id: str | None
    deadline: datetime
    state: State
    issued_by: str
    issued_at: datetime
    accepted_at: datetime | None = None
    completed_at: datetime | None = None
    completed_on_time: bool | None = None
    evidence: Evidence | None = None
    closed_at: datetime | None = None
    cancelled_at: datetime | None = None
    overdue: bool = False
    history: tuple[Transition, ...] = field(default_factory=tuple)
    # Optimistic-lock counter as read from storage (0 for a task not stored yet).
    revision: int = 0

    @property
    def deadline_pending(self) -> bool:
        """The deadline still runs and has not been recorded as missed."""
        return self.state in PENDING and not self.overdue


# --- domain events -------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskEvent(WorkflowEvent[Transition]):
    """What happened to one task; `task` is its state afterwards, `entry` the history entry
    (None for `TaskOverdue`, which the system records)."""

    task: Task

    @property
    def aggregate_id(self) -> str:
        return self.task.task_id

    def payload(self) -> dict[str, Any]:
        """Ids, codes, instants and flags; never the title, instructions, evidence or reasons."""
        task, entry = self.task, self.entry
        return {
            "task_id": task.task_id,
            "assignee_kind": task.assignee_kind.value,
            "assignee_id": task.assignee_id,
            "grid_id": task.grid_id,
            "state": task.state.value,
            **entry_payload(entry),
            "issued_at": task.issued_at.isoformat(),
            "deadline": task.deadline.isoformat(),
            "accepted_at": iso(task.accepted_at),
            "completed_at": iso(task.completed_at),
            "completed_on_time": task.completed_on_time,
            "evidence_photos": 0 if task.evidence is None else len(task.evidence.photo_ids),
            "closed_at": iso(task.closed_at),
            "cancelled_at": iso(task.cancelled_at),
            "overdue": task.overdue,
        }


@dataclass(frozen=True)
class TaskIssued(TaskEvent):
    type: ClassVar[str] = "task.issued"


@dataclass(frozen=True)
class TaskAccepted(TaskEvent):
    type: ClassVar[str] = "task.accepted"


@dataclass(frozen=True)
class TaskCompleted(TaskEvent):
    type: ClassVar[str] = "task.completed"


@dataclass(frozen=True)
class TaskClosed(TaskEvent):
    type: ClassVar[str] = "task.closed"


@dataclass(frozen=True)
class TaskReturned(TaskEvent):
    type: ClassVar[str] = "task.returned"


@dataclass(frozen=True)
class TaskCancelled(TaskEvent):
    type: ClassVar[str] = "task.cancelled"


@dataclass(frozen=True)
class TaskOverdue(TaskEvent):
    type: ClassVar[str] = "task.overdue"


# The event each target state records.
RECORDED: Mapping[State, type[TaskEvent]] = {
    State.ACCEPTED: TaskAccepted,
    State.COMPLETED: TaskCompleted,
    State.CLOSED: TaskClosed,
    State.RETURNED: TaskReturned,
    State.CANCELLED: TaskCancelled,
}


# --- who -----------------------------------------------------------------------------------


def is_assignee(actor: Actor, kind: AssigneeKind, assignee_id: str) -> bool:
    """A worker task is its user's; a grid task belongs to the grid's team that day; a
    department task to the department's members."""
    if kind is AssigneeKind.WORKER:
        return actor.user_id == assignee_id
    if kind is AssigneeKind.GRID:
        return assignee_id in actor.grid_ids
    return actor.department_id is not None and actor.department_id == assignee_id


def _acting_as(actor: Actor, task: Task, allowed: Sequence[ActingAs], what: str) -> ActingAs:
    capacities: list[ActingAs] = []
    if is_centre(actor):
        capacities.append(ActingAs.CENTRE)
    if is_assignee(actor, task.assignee_kind, task.assignee_id):
        capacities.append(
            ActingAs.DEPARTMENT
            if task.assignee_kind is AssigneeKind.DEPARTMENT
            else ActingAs.GRID_WORKER
        )
    return workflow.acting_as(
        actor,
        tenant_id=task.tenant_id,
        noun="task",
        held=capacities,
        allowed=allowed,
        what=what,
        who="the tenant centre" if tuple(allowed) == _CENTRE else "the task's assignee",
    )


# --- checks --------------------------------------------------------------------------------


def _identifier(value: str | None, name: str) -> str:
    if value is None or not value.strip():
        raise InvalidInput.of(name, "is required")
    if not _ID.match(value):
        raise InvalidInput.of(name, "is not an id (letters, digits, _ . : -; at most 64)")
    return value


def _evidence(evidence: str | None, photo_ids: Sequence[str] | None) -> Evidence:
    body = text(evidence, "evidence", EVIDENCE_MAX, required=True) or ""
    photos = tuple(photo_ids or ())
    if len(photos) > PHOTOS_MAX:
        raise InvalidInput.of("photo_ids", f"at most {PHOTOS_MAX} photos")
    for index, photo in enumerate(photos):
        _identifier(photo, f"photo_ids.{index}")
    if len(set(photos)) != len(photos):
        raise InvalidInput.of("photo_ids", "names a photo twice")
    return Evidence(text=body, photo_ids=photos)


# --- issue ---------------------------------------------------------------------------------


def issue(
    *,
    task_id: str,
    tenant_id: str,
    actor: Actor,
    title: str,
    instructions: str | None,
    assignee_kind: AssigneeKind | str,
    assignee_id: str,
    grid_id: str | None,
    deadline: datetime,
    now: datetime,
    request_id: str | None = None,
) -> tuple[Task, TaskIssued]:
    """A new task in state `issued`; only the tenant centre issues. Whether the assignee and
    grid exist in the tenant is the use case's check (it has the repositories)."""
    require_aware(now)
    workflow.same_tenant(actor, tenant_id, "task")
    if not is_centre(actor):
        raise PermissionDenied("only the tenant centre may issue tasks")
    problems: list[FieldProblem] = []

    def check(run: Any) -> Any:
        try:
            return run()
        except InvalidInput as exc:
            problems.extend(exc.problems)
            return None

    body_title = check(lambda: text(title, "title", TITLE_MAX, required=True))
    body = check(lambda: text(instructions, "instructions", INSTRUCTIONS_MAX, required=False))
    kind = check(lambda: _assignee_kind(assignee_kind))
    who = check(lambda: _identifier(assignee_id, "assignee_id"))
    grid = None if grid_id is None else check(lambda: _identifier(grid_id, "grid_id"))
    request = check(lambda: request_id_of(request_id))
    if deadline.tzinfo is None or deadline.utcoffset() is None:
        problems.append(FieldProblem("deadline", "must carry a timezone"))
    elif deadline <= now:
        problems.append(FieldProblem("deadline", "must be in the future"))
    if problems:
        raise InvalidInput(problems)
    if kind is AssigneeKind.GRID:
        if grid is not None and grid != who:
            raise InvalidInput.of("grid_id", "a grid task's grid is its assignee")
        grid = who
    entry = Transition(
        action=Action.ISSUE,
        actor=actor.user_id,
        acting_as=ActingAs.CENTRE,
        at=now,
        from_state=None,
        to_state=State.ISSUED,
        request_id=request,
    )
    task = Task(
        task_id=task_id,
        tenant_id=tenant_id,
        title=body_title,
        instructions=body or "",
        assignee_kind=kind,
        assignee_id=who,
        grid_id=grid,
        deadline=deadline,
        state=State.ISSUED,
        issued_by=actor.user_id,
        issued_at=now,
        history=(entry,),
    )
    return task, TaskIssued(task=task, entry=entry, occurred_at=now)


def _assignee_kind(value: AssigneeKind | str) -> AssigneeKind:
    try:
        return AssigneeKind(value)
    except ValueError:
        raise InvalidInput.of("assignee_kind", "is not grid, worker or department") from None


# --- transitions ---------------------------------------------------------------------------


def transition(
    task: Task,
    action: Action | str,
    actor: Actor,
    now: datetime,
    *,
    reason: str | None = None,
    evidence: str | None = None,
    photo_ids: Sequence[str] | None = None,
    request_id: str | None = None,
) -> tuple[Task, tuple[TaskEvent, ...]]:
    """Apply `action` by `actor` at `now`; see the module docstring for the rules.

    `complete` needs `evidence` (text) and may name `photo_ids`; `return` and `cancel` need a
    `reason`. A late completion of a task not yet recorded overdue records `task.overdue`
    before `task.completed`.
    """
    require_aware(now)
    action = workflow.parse_action(
        Action, action, creation=Action.ISSUE, use="use issue() to create a task"
    )
    request = request_id_of(request_id)
    if workflow.replayed(task.history, request, action):
        return task, ()
    rule = TRANSITIONS.get((task.state, action))
    if rule is None:
        raise StateConflict(f"cannot {action.value} a task that is {task.state.value}")
    acting_as = _acting_as(actor, task, rule.by, action.value)
    why = text(reason, "reason", REASON_MAX, required=action in REASON_REQUIRED)
    changes: dict[str, Any] = {"state": rule.to}
    recorded: list[TaskEvent] = []
    if rule.to is State.ACCEPTED:
        changes["accepted_at"] = now
    elif rule.to is State.COMPLETED:
        changes["evidence"] = _evidence(evidence, photo_ids)
        changes["completed_at"] = now
        changes["completed_on_time"] = now <= task.deadline
        if task.accepted_at is None:  # pragma: no cover - completion follows acceptance
            changes["accepted_at"] = now
    elif rule.to is State.CLOSED:
        changes["closed_at"] = now
    elif rule.to is State.RETURNED:
        changes.update(completed_at=None, completed_on_time=None)
    elif rule.to is State.CANCELLED:
        changes["cancelled_at"] = now
    if rule.to is State.COMPLETED and now > task.deadline and not task.overdue:
        late, overdue = record_overdue(task, now)
        task = late
        recorded.extend(overdue)
    entry = Transition(
        action=action,
        actor=actor.user_id,
        acting_as=acting_as,
        at=now,
        from_state=task.state,
        to_state=rule.to,
        reason=why,
        request_id=request,
    )
    updated = replace(task, **changes, history=(*task.history, entry))
    recorded.append(RECORDED[rule.to](task=updated, entry=entry, occurred_at=now))
    return updated, tuple(recorded)


# --- overdue -------------------------------------------------------------------------------


def record_overdue(task: Task, now: datetime) -> tuple[Task, tuple[TaskOverdue, ...]]:
    """`TaskOverdue` when the deadline passed while the task waits for its assignee, at most
    once per task; otherwise the task unchanged and nothing recorded."""
    return workflow.overdue_once(
        task, task.deadline, now, lambda late: TaskOverdue(task=late, entry=None, occurred_at=now)
    )
