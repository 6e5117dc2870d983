"""The overdue scans' shared cross-tenant read, on the real FerretDB, through PostgreSQL and
through FerretDB alone: both find the same tenants and documents, earliest first."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest

from services.event_intake.documents.tasks import TaskDocument
from services.event_intake.domain import tasks as domain
from services.event_intake.domain.workflow import Actor
from services.event_intake.repository.overdue import due_across_tenants, tenants_with_due
from services.event_intake.repository.tasks import TaskRepository
from services.event_intake.use_cases.context import IntakeContext
from shared.mongo.pg_reads import configure_equality_reads, equality_reads

pytestmark = pytest.mark.integration

POSTGRES_URL = os.environ.get(
    "GRIDGOV_MONGO_POSTGRES_URL", "postgresql://gridgov@127.0.0.1:5433/ferretdb"
)
ISSUED = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@pytest.fixture(params=["ferretdb", "postgres"])
def scan_path(request, fresh_db):
    configure_equality_reads(POSTGRES_URL if request.param == "postgres" else None)
    yield request.param
    configure_equality_reads(None)


def issue(tenant_id: str, task_id: str, hours: int) -> None:
    centre = Actor(user_id="centre-1", tenant_id=tenant_id, roles=frozenset({"center-staff"}))
    task, issued = domain.issue(
        task_id=task_id,
        tenant_id=tenant_id,
        actor=centre,
        title="清理楼道杂物",
        instructions=None,
        assignee_kind="worker",
        assignee_id="worker-1",
        grid_id=None,
        deadline=ISSUED + timedelta(hours=hours),
        now=ISSUED,
    )
    tasks(tenant_id).add_task(task, [issued])


def tasks(tenant_id: str) -> TaskRepository:
    return IntakeContext(tenant_id=tenant_id, actor="centre-1", clock=lambda: ISSUED).tasks


def test_every_tenant_with_a_passed_deadline_is_found_earliest_first(scan_path) -> None:
    issue("tenant-a", "t-a1", hours=2)
    issue("tenant-a", "t-a2", hours=48)
    issue("tenant-b", "t-b1", hours=1)
    later = ISSUED + timedelta(hours=3)

    assert tenants_with_due(TaskDocument, ISSUED + timedelta(minutes=30)) == []
    assert tenants_with_due(TaskDocument, later) == ["tenant-a", "tenant-b"]
    deadline_ms = int((ISSUED + timedelta(hours=2)).timestamp() * 1000)
    # A deadline is passed only after its instant: at the instant itself it is not found.
    assert tenants_with_due(TaskDocument, ISSUED + timedelta(hours=2)) == ["tenant-b"]
    found = due_across_tenants(TaskDocument, flag="pending", at_most=deadline_ms, limit=None)
    assert found == [("tenant-b", "t-b1"), ("tenant-a", "t-a1")]
    assert due_across_tenants(TaskDocument, flag="pending", at_most=deadline_ms, limit=1) == [
        ("tenant-b", "t-b1")
    ]
    assert [task.task_id for task in tasks("tenant-a").due(later)] == ["t-a1"]
    reads = equality_reads()
    if scan_path == "postgres":  # PostgreSQL answered (no limit: every row), not the fallback
        assert reads is not None
        answered = reads.due_ids(
            TaskDocument,
            TaskDocument._get_db().name,
            flag="pending",
            number="due_ms",
            at_most=deadline_ms,
            limit=None,
        )
        assert answered == [("tenant-b", "t-b1"), ("tenant-a", "t-a1")]
