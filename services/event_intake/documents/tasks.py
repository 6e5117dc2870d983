"""The dispatched task document (派单): one per task, its history embedded."""

from __future__ import annotations

from typing import Any, ClassVar

import mongoengine as me

from services.event_intake.documents.workflow import HistoryEntryDocument
from services.event_intake.domain.tasks import (
    EVIDENCE_MAX,
    INSTRUCTIONS_MAX,
    TITLE_MAX,
    Action,
    AssigneeKind,
    State,
)
from shared.mongo import TenantDocument

_STATES = tuple(state.value for state in State)


class TaskTransitionDocument(HistoryEntryDocument):
    """One history entry of a task: its own actions and states only."""

    action = me.StringField(required=True, choices=tuple(a.value for a in Action))
    from_state = me.StringField(choices=_STATES)
    to_state = me.StringField(required=True, choices=_STATES)


class TaskDocument(TenantDocument):
    """A task (`_id` = task id). Every list filter is a top-level scalar so FerretDB hands the
    equality to PostgreSQL; `pending` + `due_ms` are the scheduler's overdue scan."""

    meta: ClassVar[dict[str, Any]] = {
        "collection": "tasks",
        "indexes": [
            ("tenant_id", "state"),
            ("tenant_id", "assignee_key"),
            ("tenant_id", "assignee_id"),
            ("tenant_id", "grid_id"),
            ("tenant_id", "overdue"),
            ("tenant_id", "pending"),
        ],
        # The overdue scan (across tenants): deadlines of the pending ones.
        "due_indexes": [("pending", "due_ms")],
    }

    task_id = me.StringField(primary_key=True)
    title = me.StringField(required=True, max_length=TITLE_MAX)
    instructions = me.StringField(max_length=INSTRUCTIONS_MAX)
    assignee_kind = me.StringField(required=True, choices=tuple(k.value for k in AssigneeKind))
    assignee_id = me.StringField(required=True, max_length=64)
    # "<kind>:<id>": what a worker's list matches (him, his grids, his department).
    assignee_key = me.StringField(required=True, max_length=80)
    grid_id = me.StringField(max_length=64)
    deadline = me.DateTimeField(required=True)
    state = me.StringField(required=True, choices=_STATES)
    issued_by = me.StringField(required=True, max_length=64)
    issued_at = me.DateTimeField(required=True)
    accepted_at = me.DateTimeField()
    completed_at = me.DateTimeField()
    completed_on_time = me.BooleanField()
    evidence_text = me.StringField(max_length=EVIDENCE_MAX)
    evidence_photo_ids = me.ListField(me.StringField(max_length=64), default=list)
    closed_at = me.DateTimeField()
    cancelled_at = me.DateTimeField()
    overdue = me.BooleanField(required=True, default=False)
    # True while the deadline runs unrecorded; `due_ms` is then the deadline in epoch ms.
    pending = me.BooleanField(required=True, default=False)
    due_ms = me.IntField()
    history = me.EmbeddedDocumentListField(TaskTransitionDocument, default=list)
