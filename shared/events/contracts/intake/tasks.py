"""Dispatched task (派单) contracts published by event_intake on `Topic.INTAKE_TASKS`.

Every task.* message carries the task's scoring-relevant state AFTER the change, so a consumer
rebuilds its view from any single message by upserting on `task_id`: assignee (kind and id),
grid, state, deadline, timestamps, the on-time flag of the (last) completion, the overdue flag,
plus what happened (`action`, `previous_state`, `actor`, `acting_as`).

No free text: never the title, instructions, evidence text or reasons (they may name
residents). `task.overdue` is recorded by the system (actor ``system``) once per task, when the
deadline passed while the task waited for its assignee.
"""

from __future__ import annotations

from marshmallow import fields, validate

from shared.events.contracts import register
from shared.events.contracts.intake.workflow import ID, WorkflowStateV1
from shared.events.topics import Topic

TASK_ISSUED = "task.issued"
TASK_ACCEPTED = "task.accepted"
TASK_COMPLETED = "task.completed"
TASK_CLOSED = "task.closed"
TASK_RETURNED = "task.returned"
TASK_CANCELLED = "task.cancelled"
TASK_OVERDUE = "task.overdue"

ASSIGNEE_KINDS = ("grid", "worker", "department")
STATES = ("issued", "accepted", "completed", "closed", "returned", "cancelled")
ACTIONS = ("issue", "accept", "complete", "return", "cancel")


class TaskStateV1(WorkflowStateV1):
    """The shared shape of every task.* payload, version 1 (state and action: `workflow`)."""

    STATES = STATES
    ACTIONS = ACTIONS

    task_id = fields.String(required=True, validate=ID)
    assignee_kind = fields.String(required=True, validate=validate.OneOf(ASSIGNEE_KINDS))
    assignee_id = fields.String(required=True, validate=ID)
    grid_id = fields.String(required=True, allow_none=True, validate=ID)
    issued_at = fields.AwareDateTime(required=True)
    deadline = fields.AwareDateTime(required=True)
    accepted_at = fields.AwareDateTime(required=True, allow_none=True)
    completed_at = fields.AwareDateTime(required=True, allow_none=True)
    completed_on_time = fields.Boolean(required=True, allow_none=True, truthy={True}, falsy={False})
    evidence_photos = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    closed_at = fields.AwareDateTime(required=True, allow_none=True)
    cancelled_at = fields.AwareDateTime(required=True, allow_none=True)
    overdue = fields.Boolean(required=True, truthy={True}, falsy={False})


@register(TASK_ISSUED, 1, Topic.INTAKE_TASKS)
class TaskIssuedV1(TaskStateV1):
    """The centre issued a task (state ``issued``) with its deadline."""


@register(TASK_ACCEPTED, 1, Topic.INTAKE_TASKS)
class TaskAcceptedV1(TaskStateV1):
    """The assignee accepted the task (接单)."""


@register(TASK_COMPLETED, 1, Topic.INTAKE_TASKS)
class TaskCompletedV1(TaskStateV1):
    """The assignee completed it with evidence; `completed_on_time` is set."""


@register(TASK_CLOSED, 1, Topic.INTAKE_TASKS)
class TaskClosedV1(TaskStateV1):
    """The centre accepted the completion (验收, state ``closed``, final)."""


@register(TASK_RETURNED, 1, Topic.INTAKE_TASKS)
class TaskReturnedV1(TaskStateV1):
    """The centre returned the completion (退回重办); the completion facts are cleared."""


@register(TASK_CANCELLED, 1, Topic.INTAKE_TASKS)
class TaskCancelledV1(TaskStateV1):
    """The centre cancelled the task (final)."""


@register(TASK_OVERDUE, 1, Topic.INTAKE_TASKS)
class TaskOverdueV1(TaskStateV1):
    """The deadline passed while the task waited for its assignee (once per task)."""
