"""Dispatched task (派单) request and response schemas."""

from __future__ import annotations

from marshmallow import fields, validate

from services.event_intake.domain.tasks import INSTRUCTIONS_MAX, TITLE_MAX, AssigneeKind, State
from services.event_intake.schemas.workflow import (
    ID,
    EvidenceSchema,
    HistoryEntrySchema,
    evidence_field,
    photo_ids_field,
    reason_field,
    request_id_field,
)
from shared.http import BaseSchema, FilteredPageQuerySchema
from shared.http.schemas import MultilineString

_KINDS = tuple(kind.value for kind in AssigneeKind)
_STATES = tuple(state.value for state in State)


class TaskCreateSchema(BaseSchema):
    title = fields.String(
        required=True,
        validate=validate.Length(min=1, max=TITLE_MAX),
        metadata={"description": "标题 / title (not published)"},
    )
    instructions = MultilineString(
        allow_none=True,
        validate=validate.Length(max=INSTRUCTIONS_MAX),
        metadata={"description": "任务要求 / instructions (free text, never published)"},
    )
    assignee_kind = fields.String(
        required=True,
        validate=validate.OneOf(_KINDS),
        metadata={"description": "承办对象 / assignee: a grid, a worker or a department"},
    )
    assignee_id = fields.String(
        required=True,
        validate=ID,
        metadata={"description": "grid id, user id or department id (per `assignee_kind`)"},
    )
    grid_id = fields.String(
        allow_none=True,
        validate=ID,
        metadata={"description": "网格 / the grid concerned, when known (a grid task: itself)"},
    )
    deadline = fields.AwareDateTime(
        required=True, metadata={"description": "办结时限 / deadline (with a timezone)"}
    )
    request_id = request_id_field()


class TaskRequestSchema(BaseSchema):
    """Accept (接单 by the assignee, 验收 by the centre): only the client's request id."""

    request_id = request_id_field()


class TaskCompleteSchema(BaseSchema):
    evidence = evidence_field("办理情况 / what was done (never published)")
    photo_ids = photo_ids_field()
    request_id = request_id_field()


class TaskReasonSchema(BaseSchema):
    reason = reason_field("原因 / why (never published)")
    request_id = request_id_field()


class TaskSchema(BaseSchema):
    task_id = fields.String(required=True)
    title = fields.String(required=True)
    instructions = fields.String(required=True)
    assignee_kind = fields.String(required=True)
    assignee_id = fields.String(required=True)
    grid_id = fields.String(allow_none=True)
    deadline = fields.DateTime(required=True)
    state = fields.String(required=True)
    issued_by = fields.String(required=True)
    issued_at = fields.DateTime(required=True)
    accepted_at = fields.DateTime(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)
    completed_on_time = fields.Boolean(allow_none=True)
    evidence = fields.Nested(EvidenceSchema, allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    cancelled_at = fields.DateTime(allow_none=True)
    overdue = fields.Boolean(
        required=True, metadata={"description": "逾期 / the deadline passed while it waited"}
    )
    history = fields.List(fields.Nested(HistoryEntrySchema), required=True)


class TaskPageQuerySchema(FilteredPageQuerySchema):
    state = fields.String(validate=validate.OneOf(_STATES))
    assignee_kind = fields.String(validate=validate.OneOf(_KINDS))
    assignee_id = fields.String(validate=ID)
    grid_id = fields.String(validate=ID)
    overdue = fields.Boolean()
