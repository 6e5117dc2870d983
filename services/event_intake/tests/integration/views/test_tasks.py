"""The task (派单) API in process, on the real FerretDB: issue, act, read, list, overdue, walls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.event_intake.documents.tasks import TaskDocument
from services.event_intake.domain.departments import Department
from services.event_intake.repository.departments import DepartmentRepository
from services.event_intake.tests.integration.views import workflow
from services.event_intake.tests.integration.views.workflow import (
    CENTRE,
    OTHER_WORKER,
    TENANT_B,
    WORKER,
    scheduler,
    seed_two_grids,
)
from services.event_intake.use_cases import tasks as use_cases
from services.event_intake.views.tasks import blp

pytestmark = pytest.mark.integration

DEPT_USER = {"subject": "dep-user", "tenant_id": "tenant-a", "roles": ("grid-worker",)}


@pytest.fixture
def api(api_client):
    seed_two_grids()
    DepartmentRepository("tenant-a").save_department(
        Department("d-1", "tenant-a", "SJ", "市监所", member_ids=("dep-user",)), []
    )
    return api_client([blp])


def soon(days: float = 3) -> str:
    return workflow.soon(days)


def issue(api, as_user=CENTRE, **overrides):
    body = {
        "title": "清理楼道杂物",
        "instructions": "三号楼\n联系物业",
        "assignee_kind": "grid",
        "assignee_id": "g-1",
        "deadline": soon(),
        **overrides,
    }
    return api.post("/tasks", json=body, as_user=as_user)


def outbox_types(task_id: str) -> list[str]:
    return workflow.outbox_types(TaskDocument, task_id)


def test_issue_accept_complete_and_the_centres_acceptance(api):
    created = issue(api)
    assert created.status_code == 201, created.get_json()
    task = created.get_json()
    assert task["state"] == "issued"
    assert task["grid_id"] == "g-1"
    task_id = task["task_id"]

    accepted = api.post(f"/tasks/{task_id}/accept", json={}, as_user=WORKER)
    assert accepted.status_code == 200, accepted.get_json()
    done = api.post(
        f"/tasks/{task_id}/complete",
        json={"evidence": "已清理", "photo_ids": ["p-1"]},
        as_user=WORKER,
    )
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["completed_on_time"] is True
    assert done.get_json()["evidence"] == {"text": "已清理", "photo_ids": ["p-1"]}
    closed = api.post(f"/tasks/{task_id}/accept", json={}, as_user=CENTRE)
    assert closed.get_json()["state"] == "closed"

    assert outbox_types(task_id) == [
        "task.issued",
        "task.accepted",
        "task.completed",
        "task.closed",
    ]
    doc = TaskDocument.objects(tenant_id="tenant-a", pk=task_id).get()
    published = " ".join(entry.envelope for entry in doc.outbox)
    assert "三号楼" not in published
    assert "已清理" not in published
    read = api.get(f"/tasks/{task_id}", as_user=WORKER).get_json()
    assert [entry["action"] for entry in read["history"]] == [
        "issue",
        "accept",
        "complete",
        "accept",
    ]


def test_return_then_complete_again_and_cancel(api):
    task_id = issue(api, assignee_kind="worker", assignee_id="worker-2", grid_id="g-2").get_json()[
        "task_id"
    ]
    api.post(f"/tasks/{task_id}/accept", json={}, as_user=OTHER_WORKER)
    api.post(f"/tasks/{task_id}/complete", json={"evidence": "x"}, as_user=OTHER_WORKER)
    returned = api.post(f"/tasks/{task_id}/return", json={"reason": "照片不清"}, as_user=CENTRE)
    assert returned.get_json()["state"] == "returned"
    cancelled = api.post(f"/tasks/{task_id}/cancel", json={"reason": "重复"}, as_user=CENTRE)
    assert cancelled.get_json()["state"] == "cancelled"


def test_a_department_member_acts_on_its_departments_task(api):
    task_id = issue(api, assignee_kind="department", assignee_id="d-1").get_json()["task_id"]
    assert api.post(f"/tasks/{task_id}/accept", json={}, as_user=WORKER).status_code == 403
    ok = api.post(f"/tasks/{task_id}/accept", json={}, as_user=DEPT_USER)
    assert ok.status_code == 200, ok.get_json()


def test_wrong_role_is_403(api):
    assert issue(api, as_user=WORKER).status_code == 403
    task_id = issue(api).get_json()["task_id"]
    assert api.post(f"/tasks/{task_id}/accept", json={}, as_user=OTHER_WORKER).status_code == 403
    cancel = api.post(f"/tasks/{task_id}/cancel", json={"reason": "x"}, as_user=WORKER)
    assert cancel.status_code == 403


def test_wrong_state_is_409(api):
    task_id = issue(api).get_json()["task_id"]
    early = api.post(f"/tasks/{task_id}/complete", json={"evidence": "x"}, as_user=WORKER)
    assert early.status_code == 409
    assert (
        api.post(f"/tasks/{task_id}/return", json={"reason": "x"}, as_user=CENTRE).status_code
        == 409
    )


def test_bad_input_is_422_naming_the_field(api):
    for overrides, field in (
        ({"assignee_kind": "team"}, "assignee_kind"),
        ({"deadline": "2020-01-01T00:00:00+00:00"}, "deadline"),
        ({"deadline": "2030-01-01T00:00:00"}, "deadline"),
        ({"assignee_id": "g-nowhere"}, "assignee_id"),
        ({"assignee_kind": "worker", "assignee_id": "stranger"}, "assignee_id"),
        ({"assignee_kind": "department", "assignee_id": "d-9"}, "assignee_id"),
        ({"assignee_kind": "worker", "assignee_id": "worker-1", "grid_id": "g-9"}, "grid_id"),
    ):
        answer = issue(api, **overrides)
        assert answer.status_code == 422, (overrides, answer.get_json())
        assert field in str(answer.get_json()), (overrides, answer.get_json())
    task_id = issue(api).get_json()["task_id"]
    api.post(f"/tasks/{task_id}/accept", json={}, as_user=WORKER)
    missing = api.post(f"/tasks/{task_id}/complete", json={}, as_user=WORKER)
    assert missing.status_code == 422
    assert "evidence" in str(missing.get_json())


def test_request_ids_make_retries_no_ops(api):
    first = issue(api, request_id="req-1").get_json()
    again = issue(api, request_id="req-1").get_json()
    assert again["task_id"] == first["task_id"]
    path = f"/tasks/{first['task_id']}/accept"
    assert api.post(path, json={"request_id": "a-1"}, as_user=WORKER).status_code == 200
    assert api.post(path, json={"request_id": "a-1"}, as_user=WORKER).status_code == 200
    assert outbox_types(first["task_id"]) == ["task.issued", "task.accepted"]
    assert TaskDocument.objects(tenant_id="tenant-a").count() == 1


def test_lists_show_each_caller_what_is_his_and_filter(api):
    grid_1 = issue(api)
    worker_2 = issue(api, assignee_kind="worker", assignee_id="worker-2")
    dept = issue(api, assignee_kind="department", assignee_id="d-1")
    ids = {r.get_json()["task_id"] for r in (grid_1, worker_2, dept)}

    def listed(as_user, query=""):
        return workflow.listed(api, "/tasks", "task_id", as_user, query)

    assert listed(CENTRE) == ids
    assert listed(WORKER) == {grid_1.get_json()["task_id"]}
    assert listed(OTHER_WORKER) == {worker_2.get_json()["task_id"]}
    assert listed(DEPT_USER) == {dept.get_json()["task_id"]}
    assert listed(CENTRE, "?assignee_kind=worker") == {worker_2.get_json()["task_id"]}
    assert listed(CENTRE, "?grid_id=g-1&state=issued") == {grid_1.get_json()["task_id"]}
    assert listed(CENTRE, "?overdue=true") == set()
    page = api.get("/tasks?page_size=2", as_user=CENTRE).get_json()
    assert page["total"] == 3
    assert len(page["items"]) == 2
    hidden = api.get(f"/tasks/{worker_2.get_json()['task_id']}", as_user=WORKER)
    assert hidden.status_code == 404


def test_tenant_b_neither_reads_nor_lists_nor_acts_on_tenant_as_tasks(api):
    task_id = issue(api).get_json()["task_id"]
    assert api.get(f"/tasks/{task_id}", as_user=TENANT_B).status_code == 404
    assert api.get("/tasks", as_user=TENANT_B).get_json()["items"] == []
    cancel = api.post(f"/tasks/{task_id}/cancel", json={"reason": "x"}, as_user=TENANT_B)
    assert cancel.status_code == 404


def test_mark_overdue_marks_once_and_the_list_filters_on_it(api):
    late_id = issue(api, deadline=soon(1)).get_json()["task_id"]
    issue(api, deadline=soon(5))
    later = datetime.now(UTC) + timedelta(days=2)
    assert use_cases.mark_overdue(scheduler("tenant-a", later)) == 1
    assert use_cases.mark_overdue(scheduler("tenant-a", later)) == 0
    assert outbox_types(late_id) == ["task.issued", "task.overdue"]
    listed = api.get("/tasks?overdue=true", as_user=CENTRE).get_json()["items"]
    assert [item["task_id"] for item in listed] == [late_id]
    assert use_cases.mark_overdue(scheduler("tenant-b", later)) == 0
