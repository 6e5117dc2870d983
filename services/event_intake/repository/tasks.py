"""The task repository: domain `Task` in and out, lists by equality, the overdue scan."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.event_intake.documents.tasks import TaskDocument, TaskTransitionDocument
from services.event_intake.domain.tasks import (
    Action,
    AssigneeKind,
    Evidence,
    State,
    Task,
    Transition,
)
from services.event_intake.repository import overdue
from services.event_intake.repository.mapping import (
    aware,
    entry_fields,
    entry_values,
    epoch_ms,
    inserted,
    narrow,
    required,
    written_back,
)
from shared.events.domain import DomainEvent
from shared.mongo import Page, TenantRepository


@dataclass(frozen=True)
class TaskFilter:
    """What a list asks for. `assignee_keys` narrows it to what a caller may see
    (``"<kind>:<id>"`` keys; None: the whole tenant)."""

    state: State | None = None
    assignee_kind: AssigneeKind | None = None
    assignee_id: str | None = None
    grid_id: str | None = None
    overdue: bool | None = None
    assignee_keys: frozenset[str] | None = None


def assignee_key(kind: AssigneeKind, assignee_id: str) -> str:
    return f"{kind.value}:{assignee_id}"


class TaskRepository(TenantRepository[TaskDocument]):
    document = TaskDocument

    def find_task(self, task_id: str) -> Task | None:
        """The task with this id in this tenant, or None (also for another tenant's id)."""
        doc = self.get(task_id)
        return None if doc is None else to_domain(doc)

    def add_task(self, task: Task, events: Sequence[DomainEvent]) -> Task:
        """Insert a new task with its `task.issued`; `Conflict` when its id exists (a retried
        issue with the same client request id: the caller reads the first one)."""
        return inserted(self, task, to_document(task), events)

    def save_task(self, task: Task, events: Sequence[DomainEvent]) -> Task:
        """Write back the task read at ``task.revision`` with its events; `ConcurrentUpdate`
        when another write landed first."""
        return written_back(self, task, to_document(task), events)

    def page(self, where: TaskFilter, *, offset: int, limit: int) -> Page[Task]:
        """One page of the tasks matching ``where``, latest issued first."""
        filters: dict[str, Any] = {}
        if where.state is not None:
            filters["state"] = where.state.value
        if where.assignee_kind is not None:
            filters["assignee_kind"] = where.assignee_kind.value
        if where.assignee_id is not None:
            filters["assignee_id"] = where.assignee_id
        if where.grid_id is not None:
            filters["grid_id"] = where.grid_id
        if where.overdue is not None:
            filters["overdue"] = where.overdue
        if not narrow(filters, "assignee_key", None, where.assignee_keys):
            return Page(items=[], total=0, offset=offset, limit=limit)
        found = self.list(
            offset=offset, limit=limit, order_by=("-issued_at", "-task_id"), **filters
        )
        return found.map(to_domain)

    def due(self, now: datetime) -> list[Task]:
        """This tenant's tasks whose deadline passed by ``now`` unrecorded: the equality on
        `pending` narrows in the database, the time comparison happens here."""
        return [to_domain(doc) for doc in overdue.due_before(self._query(pending=True), now)]

    @staticmethod
    def tenants_with_due(now: datetime) -> list[str]:
        """Every tenant that has a task whose deadline passed by ``now`` unrecorded (the
        scheduler then runs `mark_overdue` per tenant, through tenant-bound repositories)."""
        return overdue.tenants_with_due(TaskDocument, now)


# --- mapping ------------------------------------------------------------------------------


def to_document(task: Task) -> TaskDocument:
    pending = task.deadline_pending
    return TaskDocument(
        task_id=task.task_id,
        tenant_id=task.tenant_id,
        title=task.title,
        instructions=task.instructions or None,
        assignee_kind=task.assignee_kind.value,
        assignee_id=task.assignee_id,
        assignee_key=assignee_key(task.assignee_kind, task.assignee_id),
        grid_id=task.grid_id,
        deadline=task.deadline,
        state=task.state.value,
        issued_by=task.issued_by,
        issued_at=task.issued_at,
        accepted_at=task.accepted_at,
        completed_at=task.completed_at,
        completed_on_time=task.completed_on_time,
        evidence_text=None if task.evidence is None else task.evidence.text,
        evidence_photo_ids=[] if task.evidence is None else list(task.evidence.photo_ids),
        closed_at=task.closed_at,
        cancelled_at=task.cancelled_at,
        overdue=task.overdue,
        pending=pending,
        due_ms=epoch_ms(task.deadline) if pending else None,
        history=[TaskTransitionDocument(**entry_fields(entry)) for entry in task.history],
    )


def to_domain(doc: TaskDocument) -> Task:
    evidence = None
    if doc.evidence_text is not None:
        evidence = Evidence(text=doc.evidence_text, photo_ids=tuple(doc.evidence_photo_ids))
    return Task(
        task_id=doc.task_id,
        tenant_id=doc.tenant_id,
        title=doc.title,
        instructions=doc.instructions or "",
        assignee_kind=AssigneeKind(doc.assignee_kind),
        assignee_id=doc.assignee_id,
        grid_id=doc.grid_id,
        deadline=required(doc.deadline),
        state=State(doc.state),
        issued_by=doc.issued_by,
        issued_at=required(doc.issued_at),
        accepted_at=aware(doc.accepted_at),
        completed_at=aware(doc.completed_at),
        completed_on_time=doc.completed_on_time,
        evidence=evidence,
        closed_at=aware(doc.closed_at),
        cancelled_at=aware(doc.cancelled_at),
        overdue=doc.overdue,
        history=tuple(Transition(**entry_values(entry, Action, State)) for entry in doc.history),
        revision=doc.revision,
    )
