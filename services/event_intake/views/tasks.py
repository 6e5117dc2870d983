"""派单 (dispatched tasks): the centre issues, the assignee accepts and completes, the centre
accepts the completion (验收), returns it or cancels the task."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from services.event_intake.domain.tasks import Task
from services.event_intake.schemas.tasks import (
    TaskCompleteSchema,
    TaskCreateSchema,
    TaskPageQuerySchema,
    TaskReasonSchema,
    TaskRequestSchema,
    TaskSchema,
)
from services.event_intake.use_cases import tasks as use_cases
from services.event_intake.views import CENTRE, READERS, context
from shared.auth import require_roles
from shared.http import Blueprint, PageRequest, PageResponse, page_schema

blp = Blueprint("tasks", __name__, description="派单 (tasks dispatched by the tenant centre)")

_STATE = "the task is not in a state that allows this"


@blp.route("/tasks")
class Tasks(MethodView):
    @blp.arguments(TaskPageQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, page_schema(TaskSchema))
    @require_roles(*READERS)
    def get(self, paging: PageRequest, **filters: Any) -> PageResponse[Task]:
        """Tasks the caller may see (the centre all; others theirs, their grids' and their
        department's), latest issued first."""
        found = use_cases.list_tasks(context(), offset=paging.offset, limit=paging.limit, **filters)
        return paging.page_of(found.items, found.total)

    @blp.arguments(TaskCreateSchema)
    @blp.response(201, TaskSchema)
    @require_roles(*CENTRE)
    def post(self, body: dict[str, Any]) -> tuple[Task, int]:
        """Issue a task; publishes `task.issued`."""
        return use_cases.issue_task(context(), **body), 201


@blp.route("/tasks/<string:task_id>")
class TaskItem(MethodView):
    @blp.response(200, TaskSchema)
    @require_roles(*READERS)
    def get(self, task_id: str) -> Task:
        """One task, with its history."""
        return use_cases.get_task(context(), task_id=task_id)


@blp.route("/tasks/<string:task_id>/accept")
class TaskAccept(MethodView):
    @blp.arguments(TaskRequestSchema)
    @blp.response(200, TaskSchema)
    @blp.alt_response(409, description=_STATE)
    @require_roles(*READERS)
    def post(self, body: dict[str, Any], task_id: str) -> Task:
        """接单 by the assignee (issued → accepted; `task.accepted`) or 验收 by the centre
        (completed → closed; `task.closed`)."""
        return use_cases.accept_task(context(), task_id=task_id, **body)


@blp.route("/tasks/<string:task_id>/complete")
class TaskComplete(MethodView):
    @blp.arguments(TaskCompleteSchema)
    @blp.response(200, TaskSchema)
    @blp.alt_response(409, description=_STATE)
    @require_roles(*READERS)
    def post(self, body: dict[str, Any], task_id: str) -> Task:
        """The assignee completes it with evidence; publishes `task.completed`."""
        return use_cases.complete_task(context(), task_id=task_id, **body)


@blp.route("/tasks/<string:task_id>/return")
class TaskReturn(MethodView):
    @blp.arguments(TaskReasonSchema)
    @blp.response(200, TaskSchema)
    @blp.alt_response(409, description=_STATE)
    @require_roles(*CENTRE)
    def post(self, body: dict[str, Any], task_id: str) -> Task:
        """The centre does not accept the completion (退回重办); publishes `task.returned`."""
        return use_cases.return_task(context(), task_id=task_id, **body)


@blp.route("/tasks/<string:task_id>/cancel")
class TaskCancel(MethodView):
    @blp.arguments(TaskReasonSchema)
    @blp.response(200, TaskSchema)
    @blp.alt_response(409, description=_STATE)
    @require_roles(*CENTRE)
    def post(self, body: dict[str, Any], task_id: str) -> Task:
        """The centre cancels a task not completed; publishes `task.cancelled`."""
        return use_cases.cancel_task(context(), task_id=task_id, **body)
