"""Dispatched task (派单) use cases: issue, the assignee's and the centre's transitions, lists,
and the scheduler's overdue marking."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from services.event_intake.domain import tasks as domain
from services.event_intake.domain.workflow import Actor, is_centre
from services.event_intake.repository.tasks import TaskFilter, assignee_key
from services.event_intake.use_cases import workflow
from services.event_intake.use_cases.context import IntakeContext
from services.event_intake.use_cases.workflow import actor_of
from shared.errors import InvalidInput, NotFound
from shared.mongo import Page


def _visible_keys(actor: Actor) -> frozenset[str] | None:
    """The assignee keys whose tasks a caller sees; None: the whole tenant (the centre)."""
    if is_centre(actor):
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

    def create(task_id: str, request: str | None) -> tuple[domain.Task, domain.TaskIssued]:
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
        return task, event

    return workflow.create_once(
        ctx,
        "task",
        request_id,
        find=ctx.tasks.find_task,
        create=create,
        add=ctx.tasks.add_task,
    )


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


def _act(ctx: IntakeContext, task_id: str, action: domain.Action, **given: Any) -> domain.Task:
    """`action` on the task by the caller (`given`: what the domain's `transition` takes)."""
    return workflow.act(
        ctx,
        find=lambda: ctx.tasks.find_task(task_id),
        missing=f"task {task_id} not found",
        apply=lambda task, actor, now: domain.transition(task, action, actor, now, **given),
        save=ctx.tasks.save_task,
    )


def accept_task(ctx: IntakeContext, *, task_id: str, request_id: str | None = None) -> domain.Task:
    """接单 by the assignee on an issued task, 验收 by the centre on a completed one;
    publishes `task.accepted` or `task.closed`."""
    return _act(ctx, task_id, domain.Action.ACCEPT, request_id=request_id)


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
        domain.Action.COMPLETE,
        evidence=evidence,
        photo_ids=photo_ids,
        request_id=request_id,
    )


def return_task(
    ctx: IntakeContext, *, task_id: str, reason: str, request_id: str | None = None
) -> domain.Task:
    """The centre returns a completion it does not accept (退回重办); `task.returned`."""
    return _act(ctx, task_id, domain.Action.RETURN, reason=reason, request_id=request_id)


def cancel_task(
    ctx: IntakeContext, *, task_id: str, reason: str, request_id: str | None = None
) -> domain.Task:
    """The centre cancels a task not completed yet; publishes `task.cancelled`."""
    return _act(ctx, task_id, domain.Action.CANCEL, reason=reason, request_id=request_id)


def mark_overdue(ctx: IntakeContext) -> int:
    """The scheduler's pass over this tenant at ``ctx.now()``: every task whose deadline passed
    while it waited for its assignee gets `task.overdue`, once. Returns how many were marked;
    a second run at the same instant marks none. A task that a transition changed meanwhile
    is left for the next run."""
    now = ctx.now()
    return workflow.mark_overdue(
        ctx.tasks.due(now), now, record=domain.record_overdue, save=ctx.tasks.save_task
    )
