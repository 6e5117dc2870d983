"""The leave API in process, on the real FerretDB: who files and decides, late filings,
idempotent retries, tenant walls, the excuses the day pipeline reads, and the outbox."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from services.patrol_tracking.documents.leave import LeaveFilingDocument
from services.patrol_tracking.domain.leave import Excuse, LeaveKind, today_in_tenant
from services.patrol_tracking.repository.leave import LeaveRepository
from services.patrol_tracking.views.leave import blp
from services.patrol_tracking.views.settings import blp as settings_blp
from shared.access import AccountStates
from shared.access.repository import user_key
from shared.events.contracts import validate_envelope
from shared.events.envelope import Envelope

pytestmark = pytest.mark.integration

WORKER = {"subject": "u-w1", "tenant_id": "tenant-a", "roles": ("grid-worker",)}
OTHER_WORKER = {"subject": "u-w2", "tenant_id": "tenant-a", "roles": ("grid-worker",)}
CENTRE = {"subject": "u-centre", "tenant_id": "tenant-a", "roles": ("center-staff",)}
INSPECTOR = {"subject": "u-insp", "tenant_id": "tenant-a", "roles": ("inspector",)}
TENANT_B = {"subject": "u-centre-b", "tenant_id": "tenant-b", "roles": ("tenant-admin",)}


def today() -> date:
    return today_in_tenant(datetime.now(UTC))


def ago(days: int) -> str:
    return (today() - timedelta(days=days)).isoformat()


@pytest.fixture
def api(api_client):
    """The leave and settings API; u-w1 and u-w2 are tenant A's users."""
    accounts = AccountStates("tenant-a")
    for user_id in ("u-w1", "u-w2"):
        accounts.record(
            user_key(user_id),
            revoked=False,
            changed_at=datetime(2020, 1, 1, tzinfo=UTC),
            event_id=f"invited-{user_id}",
        )
    return api_client([blp, settings_blp])


def file(api, as_user: dict[str, Any] = WORKER, **body: Any):
    values = {"first_day": ago(1), "kind": "leave", "reason": "孩子发烧去医院", **body}
    return api.post("/leave", json=values, as_user=as_user)


def error_fields(response) -> list[str]:
    return sorted(error["field"] for error in response.get_json()["errors"])


def outbox(leave_id: str) -> list[Envelope]:
    doc = LeaveFilingDocument.objects(tenant_id="tenant-a", pk=leave_id).get()
    return [Envelope.parse(entry.envelope) for entry in doc.outbox]


def test_a_worker_files_for_himself_and_nobody_else_sees_it(api):
    made = file(api)
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert (body["worker_id"], body["filed_by"], body["status"], body["kind"]) == (
        "u-w1",
        "u-w1",
        "requested",
        "leave",
    )
    assert (body["days"], body["late"], body["limit_days"], body["excused_days"]) == (
        [ago(1)],
        False,
        3,
        [],
    )
    leave_id = body["leave_id"]
    assert api.get(f"/leave/{leave_id}", as_user=WORKER).get_json()["reason"] == "孩子发烧去医院"
    assert api.get(f"/leave/{leave_id}", as_user=CENTRE).status_code == 200
    assert api.get(f"/leave/{leave_id}", as_user=INSPECTOR).status_code == 200
    # Another worker of the tenant and tenant B: as if it did not exist.
    assert api.get(f"/leave/{leave_id}", as_user=OTHER_WORKER).status_code == 404
    assert api.get(f"/leave/{leave_id}", as_user=TENANT_B).status_code == 404
    assert api.get("/leave", as_user=OTHER_WORKER).get_json()["total"] == 0
    assert api.get("/leave", as_user=TENANT_B).get_json()["total"] == 0
    assert api.post(f"/leave/{leave_id}/approve", as_user=TENANT_B).status_code == 404
    assert api.post(f"/leave/{leave_id}/withdraw", as_user=OTHER_WORKER).status_code == 404

    [filed] = outbox(leave_id)
    assert (filed.type, filed.version, filed.tenant_id) == ("leave.filed", 1, "tenant-a")
    assert validate_envelope(filed)["days"] == [today() - timedelta(days=1)]
    assert "孩子" not in filed.to_bytes().decode()


def test_who_may_file_for_whom(api):
    assert file(api, worker_id="u-w2").status_code == 403
    assert file(api, as_user=INSPECTOR).status_code == 403
    unknown = file(api, as_user=CENTRE, worker_id="u-nobody")
    assert unknown.status_code == 422
    assert error_fields(unknown) == ["worker_id"]
    # Tenant B's centre cannot file for tenant A's worker either.
    assert file(api, as_user=TENANT_B, worker_id="u-w1").status_code == 422
    for_him = file(api, as_user=CENTRE, worker_id="u-w2", kind="clash")
    assert for_him.status_code == 201, for_him.get_json()
    assert (for_him.get_json()["worker_id"], for_him.get_json()["filed_by"]) == (
        "u-w2",
        "u-centre",
    )
    assert api.get("/leave", as_user=OTHER_WORKER).get_json()["total"] == 1
    assert api.get("/leave", as_user=WORKER).get_json()["total"] == 0


def test_the_centre_approves_once_and_the_day_is_excused(api):
    leave_id = file(api).get_json()["leave_id"]
    assert api.post(f"/leave/{leave_id}/approve", as_user=WORKER).status_code == 403
    done = api.post(f"/leave/{leave_id}/approve", as_user=CENTRE)
    assert done.status_code == 200, done.get_json()
    body = done.get_json()
    assert (body["status"], body["decided_by"], body["excused_days"]) == (
        "approved",
        "u-centre",
        [ago(1)],
    )
    assert api.post(f"/leave/{leave_id}/approve", as_user=CENTRE).status_code == 409
    rejected = api.post(f"/leave/{leave_id}/reject", json={"reason": "x"}, as_user=CENTRE)
    assert rejected.status_code == 409
    assert api.post(f"/leave/{leave_id}/withdraw", as_user=WORKER).status_code == 409
    assert [envelope.type for envelope in outbox(leave_id)] == ["leave.filed", "leave.approved"]
    assert all(validate_envelope(envelope) for envelope in outbox(leave_id))

    day = today() - timedelta(days=1)
    leave = LeaveRepository("tenant-a")
    assert leave.excuse_for("u-w1", day) == Excuse(leave_id=leave_id, kind=LeaveKind.LEAVE, day=day)
    assert leave.excuse_for("u-w1", today()) is None
    assert leave.excuse_for("u-w2", day) is None
    assert leave.excuses_on(day) == {"u-w1": Excuse(leave_id, LeaveKind.LEAVE, day)}
    assert LeaveRepository("tenant-b").excuse_for("u-w1", day) is None
    assert [f.leave_id for f in leave.filings_of("u-w1", day, day)] == [leave_id]


def test_a_late_filing_is_approved_as_late_and_excuses_nothing(api):
    late = file(api, first_day=ago(5), last_day=ago(3))
    assert late.status_code == 201, late.get_json()
    body = late.get_json()
    assert (body["late"], body["late_days"]) == (True, [ago(5), ago(4)])
    done = api.post(f"/leave/{body['leave_id']}/approve", as_user=CENTRE).get_json()
    assert (done["status"], done["late"], done["excused_days"]) == ("approved", True, [ago(3)])
    leave = LeaveRepository("tenant-a")
    assert leave.excuse_for("u-w1", today() - timedelta(days=5)) is None
    assert leave.excuse_for("u-w1", today() - timedelta(days=3)) is not None
    approved = json.loads(outbox(body["leave_id"])[-1].to_bytes())["payload"]
    assert (approved["late"], approved["excused_days"]) == (True, [ago(3)])


def test_the_tenants_leave_limit_applies_from_its_settings(api):
    assert api.put("/settings", json={"leave_limit_days": 5}, as_user=CENTRE).status_code == 200
    body = file(api, first_day=ago(5)).get_json()
    assert (body["limit_days"], body["late"]) == (5, False)


def test_reject_needs_a_reason_and_withdraw_is_the_filers(api):
    leave_id = file(api, as_user=CENTRE, worker_id="u-w1").get_json()["leave_id"]
    missing = api.post(f"/leave/{leave_id}/reject", json={}, as_user=CENTRE)
    assert missing.status_code == 422
    assert error_fields(missing) == ["reason"]
    # The worker did not file it: the centre did.
    assert api.post(f"/leave/{leave_id}/withdraw", as_user=WORKER).status_code == 403
    rejected = api.post(f"/leave/{leave_id}/reject", json={"reason": "无证明"}, as_user=CENTRE)
    assert rejected.status_code == 200
    assert (rejected.get_json()["status"], rejected.get_json()["decision_reason"]) == (
        "rejected",
        "无证明",
    )
    own = file(api, first_day=ago(2)).get_json()["leave_id"]
    withdrawn = api.post(f"/leave/{own}/withdraw", as_user=WORKER)
    assert withdrawn.status_code == 200
    assert withdrawn.get_json()["status"] == "withdrawn"
    assert api.post(f"/leave/{own}/withdraw", as_user=WORKER).status_code == 409
    assert [e.type for e in outbox(own)] == ["leave.filed", "leave.withdrawn"]
    assert [e.type for e in outbox(leave_id)] == ["leave.filed", "leave.rejected"]
    assert "无证明" not in outbox(leave_id)[-1].to_bytes().decode()


def test_a_retried_request_answers_the_first_filing(api):
    first = file(api, request_id="req-1")
    again = file(api, request_id="req-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["leave_id"] == first.get_json()["leave_id"]
    assert api.get("/leave", as_user=WORKER).get_json()["total"] == 1
    assert len(outbox(first.get_json()["leave_id"])) == 1
    assert file(api, request_id="req-1", first_day=ago(2)).status_code == 409
    # Another user's request id is his own.
    assert file(api, as_user=OTHER_WORKER, request_id="req-1").status_code == 201


def test_one_day_one_standing_filing(api):
    first = file(api, first_day=ago(2), last_day=ago(1)).get_json()["leave_id"]
    assert file(api, first_day=ago(1)).status_code == 409
    api.post(f"/leave/{first}/withdraw", as_user=WORKER)
    assert file(api, first_day=ago(1)).status_code == 201


def test_bad_filings_are_422_naming_the_field(api):
    backwards = file(api, first_day=ago(1), last_day=ago(2))
    assert backwards.status_code == 422
    assert error_fields(backwards) == ["last_day"]
    assert error_fields(file(api, kind="holiday")) == ["kind"]
    assert error_fields(file(api, reason="")) == ["reason"]
    missing = api.post("/leave", json={"kind": "leave", "reason": "x"}, as_user=WORKER)
    assert error_fields(missing) == ["first_day"]
    assert api.get("/leave", as_user=CENTRE).get_json()["total"] == 0


def test_the_list_filters_and_narrows(api):
    a = file(api, first_day=ago(10)).get_json()["leave_id"]
    b = file(api, first_day=ago(3), last_day=ago(2)).get_json()["leave_id"]
    file(api, as_user=OTHER_WORKER, first_day=ago(3))
    api.post(f"/leave/{a}/approve", as_user=CENTRE)

    def ids(query: str, as_user: dict[str, Any] = CENTRE) -> list[str]:
        found = api.get(f"/leave?{query}", as_user=as_user)
        assert found.status_code == 200, found.get_json()
        return [item["leave_id"] for item in found.get_json()["items"]]

    assert ids("worker_id=u-w1") == [b, a]
    assert ids("worker_id=u-w1&status=approved") == [a]
    assert ids(f"worker_id=u-w1&date_from={ago(2)}") == [b]
    assert ids(f"worker_id=u-w1&date_to={ago(4)}") == [a]
    assert len(ids(f"date_from={ago(3)}&date_to={ago(3)}")) == 2
    assert ids("", as_user=WORKER) == [b, a]
    assert api.get("/leave?worker_id=u-w2", as_user=WORKER).status_code == 403
    wrong = api.get(f"/leave?date_from={ago(1)}&date_to={ago(2)}", as_user=CENTRE)
    assert (wrong.status_code, error_fields(wrong)) == (422, ["date_to"])


def _at_once(api, calls: list[tuple[str, dict[str, Any] | None, dict[str, Any]]]) -> list[int]:
    """POST each (path, body, user) from its own thread, released together; the statuses."""
    barrier = threading.Barrier(len(calls))

    def call(path: str, body: dict[str, Any] | None, user: dict[str, Any]) -> int:
        client = api.app.test_client()
        headers = {"Authorization": f"Bearer {api.token(**user)}"}
        barrier.wait()
        return client.post(path, json=body, headers=headers).status_code

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(lambda args: call(*args), calls))


SECOND_CENTRE = {"subject": "u-centre-2", "tenant_id": "tenant-a", "roles": ("center-staff",)}


@pytest.mark.parametrize("rounds", range(3))
def test_two_approvals_at_once_decide_once(api, rounds: int) -> None:
    leave_id = file(api, first_day=ago(1 + rounds)).get_json()["leave_id"]
    path = f"/leave/{leave_id}/approve"
    statuses = _at_once(api, [(path, None, CENTRE), (path, None, SECOND_CENTRE)])
    assert sorted(statuses) == [200, 409]
    assert [envelope.type for envelope in outbox(leave_id)] == ["leave.filed", "leave.approved"]


def test_an_approval_and_a_rejection_at_once_leave_one_decision(api) -> None:
    leave_id = file(api).get_json()["leave_id"]
    statuses = _at_once(
        api,
        [
            (f"/leave/{leave_id}/approve", None, CENTRE),
            (f"/leave/{leave_id}/reject", {"reason": "人手不足"}, SECOND_CENTRE),
        ],
    )
    assert sorted(statuses) == [200, 409]
    decided = [envelope.type for envelope in outbox(leave_id)][1:]
    assert decided in (["leave.approved"], ["leave.rejected"])
    status = api.get(f"/leave/{leave_id}", as_user=CENTRE).get_json()["status"]
    assert status == decided[0].removeprefix("leave.")
