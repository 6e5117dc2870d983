"""Dispatched task (派单) use cases: issue, the assignee's and the centre's transitions, lists,
and the scheduler's overdue marking."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from services.event_intake.domain import tasks as domain
from services.event_intake.domain.events import Actor
from services.event_intake.domain.registry import local_day
from services.event_intake.repository.tasks import TaskFilter, assignee_key
from services.event_intake.use_cases.context import IntakeContext
from shared.errors import Conflict, InvalidInput, NotFound
from shared.mongo import ConcurrentUpdate, Page

# A transition that loses a race to another writer of the same task reads it again and retries
# (its request id then makes a repeated retry a no-op); after this many it answers 409.
ATTEMPTS = 3
_IDS = uuid.UUID("0d6f1f0e-55a4-4c1b-9a57-7a5c2f3b8e11")


def actor_of(ctx: IntakeContext) -> Actor:
    """The caller as the intake domains judge him: roles, the grids whose team he is on today
    (Asia/Shanghai) and the department he acts for."""
    return Actor(
        user_id=ctx.actor,
        tenant_id=ctx.tenant_id,
        roles=frozenset(ctx.roles),
        grid_ids=ctx.registry.grid_ids_of_user(ctx.actor, local_day(ctx.now())),
        department_id=ctx.departments.department_of(ctx.actor),
    )


def retried_id(ctx: IntakeContext, kind: str, request_id: str | None) -> str:
    """A new aggregate id; derived from the caller's request id when there is one, so a
    retried create collides with the first on the unique `_id` instead of creating twice."""
    if request_id is None:
        return str(uuid.uuid4())
    return str(uuid.uuid5(_IDS, f"{kind}:{ctx.tenant_id}:{ctx.actor}:{request_id}"))


def _visible_keys(actor: Actor) -> frozenset[str] | None:
    """The assignee keys whose tasks a caller sees; None: the whole tenant (the centre)."""
    if domain.is_centre(actor):
        return None
    keys = {assignee_key(domain.AssigneeKind.WORKER, actor.user_id)}
    keys |= {assignee_key(domain.AssigneeKind.GRID, grid_id) for grid_id in actor.grid_ids}
    if actor.department_id is not None:
        keys.add(assignee_key(domain.AssigneeKind.DEPARTMENT, actor.department_id))
    return frozenset(keys)


def _check_references(ctx: IntakeContext, task: domain.Task) -> None:
    """Ids the body names must be the tenant's own (422 naming the field)."""
    kind, who = task.assignee_kind, task.assignee_id
    if kind is domain.AssigneeKind.WORKER and not ctx.accounts.has_user(who):
        raise InvalidInput.of("assignee_id", f"no user {who} in this tenant")
    if kind is domain.AssigneeKind.DEPARTMENT:
        department = ctx.departments.find_department(who)
        if department is None or not department.active:
            raise InvalidInput.of("assignee_id", f"no active department {who} in this tenant")
    if task.grid_id is not None and ctx.registry.grid(task.grid_id) is None:
        field = "assignee_id" if kind is domain.AssigneeKind.GRID else "grid_id"
        raise InvalidInput.of(field, f"no grid {task.grid_id} in this tenant")


def issue_task(
    ctx: IntakeContext,
    *,
    title: str,
    assignee_kind: str,
    assignee_id: str,
    deadline: datetime,
    instructions: str | None = None,
    grid_id: str | None = None,
    request_id: str | None = None,
) -> domain.Task:
    """The centre issues a task; publishes `task.issued`. A retry with the same `request_id`
    answers the task the first request issued."""
    request = domain.request_id_of(request_id)
    task_id = retried_id(ctx, "task", request)
    if request is not None and (first := ctx.tasks.find_task(task_id)) is not None:
        return first
    task, event = domain.issue(
        task_id=task_id,
        tenant_id=ctx.tenant_id,
        actor=actor_of(ctx),
        title=title,
        instructions=instructions,
        assignee_kind=assignee_kind,
        assignee_id=assignee_id,
        grid_id=grid_id,
        deadline=deadline,
        now=ctx.now(),
        request_id=request,
    )
    _check_references(ctx, task)
    try:
        return ctx.tasks.add_task(task, [event])
    except Conflict:
        # The same request raced itself: the first insert won; answer what it stored.
        first = ctx.tasks.find_task(task_id) if request is not None else None
        if first is None:
            raise
        return first


def get_task(ctx: IntakeContext, *, task_id: str) -> domain.Task:
    """The task, if the caller may see it (the centre any, others their own); else 404."""
    task = ctx.tasks.find_task(task_id)
    keys = _visible_keys(actor_of(ctx))
    if task is None or (
        keys is not None and assignee_key(task.assignee_kind, task.assignee_id) not in keys
    ):
        raise NotFound(f"task {task_id} not found")
    return task


def list_tasks(
    ctx: IntakeContext,
    *,
    offset: int,
    limit: int,
    state: str | None = None,
    assignee_kind: str | None = None,
    assignee_id: str | None = None,
    grid_id: str | None = None,
    overdue: bool | None = None,
) -> Page[domain.Task]:
    """One page of the tasks the caller may see, latest issued first."""
    where = TaskFilter(
        state=None if state is None else domain.State(state),
        assignee_kind=None if assignee_kind is None else domain.AssigneeKind(assignee_kind),
        assignee_id=assignee_id,
        grid_id=grid_id,
        overdue=overdue,
        assignee_keys=_visible_keys(actor_of(ctx)),
    )
    return ctx.tasks.page(where, offset=offset, limit=limit)


def _act(
    ctx: IntakeContext,
    task_id: str,
    apply: Callable[[domain.Task, Actor, datetime], tuple[domain.Task, Sequence[Any]]],
) -> domain.Task:
    actor = actor_of(ctx)
    for attempt in range(1, ATTEMPTS + 1):
        task = ctx.tasks.find_task(task_id)
        if task is None:
            raise NotFound(f"task {task_id} not found")
        updated, events = apply(task, actor, ctx.now())
        if not events:
            return updated
        try:
            return ctx.tasks.save_task(updated, events)
        except ConcurrentUpdate:
            if attempt == ATTEMPTS:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def accept_task(ctx: IntakeContext, *, task_id: str, request_id: str | None = None) -> domain.Task:
    """接单 by the assignee on an issued task, 验收 by the centre on a completed one;
    publishes `task.accepted` or `task.closed`."""
    return _act(
        ctx,
        task_id,
        lambda task, actor, now: domain.transition(
            task, domain.Action.ACCEPT, actor, now, request_id=request_id
        ),
    )


def complete_task(
    ctx: IntakeContext,
    *,
    task_id: str,
    evidence: str,
    photo_ids: Sequence[str] | None = None,
    request_id: str | None = None,
) -> domain.Task:
    """The assignee completes with evidence; publishes `task.completed` (and `task.overdue`
    first when late and not yet recorded)."""
    return _act(
        ctx,
        task_id,
        lambda task, actor, now: domain.transition(
            task,
            domain.Action.COMPLETE,
            actor,
            now,
            evidence=evidence,
            photo_ids=photo_ids,
            request_id=request_id,
        ),
    )


def return_task(
    ctx: IntakeContext, *, task_id: str, reason: str, request_id: str | None = None
) -> domain.Task:
    """The centre returns a completion it does not accept (退回重办); `task.returned`."""
    return _act(
        ctx,
        task_id,
        lambda task, actor, now: domain.transition(
            task, domain.Action.RETURN, actor, now, reason=reason, request_id=request_id
        ),
    )


def cancel_task(
    ctx: IntakeContext, *, task_id: str, reason: str, request_id: str | None = None
) -> domain.Task:
    """The centre cancels a task not completed yet; publishes `task.cancelled`."""
    return _act(
        ctx,
        task_id,
        lambda task, actor, now: domain.transition(
            task, domain.Action.CANCEL, actor, now, reason=reason, request_id=request_id
        ),
    )


def mark_overdue(ctx: IntakeContext) -> int:
    """The scheduler's pass over this tenant at ``ctx.now()``: every task whose deadline passed
    while it waited for its assignee gets `task.overdue`, once. Returns how many were marked;
    a second run at the same instant marks none. A task that a transition changed meanwhile
    is left for the next run."""
    now = ctx.now()
    marked = 0
    for task in ctx.tasks.due(now):
        updated, events = domain.record_overdue(task, now)
        if not events:
            continue
        try:
            ctx.tasks.save_task(updated, events)
        except ConcurrentUpdate:
            continue
        marked += 1
    return marked
