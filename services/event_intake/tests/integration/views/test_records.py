"""The work record API in process, on the real FerretDB: who records what, filters, corrections,
voiding, idempotent retries, tenant walls and the outbox."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from services.event_intake.documents.records import WorkRecordDocument
from services.event_intake.domain.records import today_in_tenant
from services.event_intake.tests.integration.support import seed_registry, square
from services.event_intake.views.records import blp
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


@pytest.fixture
def api(api_client):
    """The records API over tenant A's registry: u-w1 on g-1, u-w2 on g-2 (since 2020)."""
    seed_registry(
        "tenant-a",
        grids=[
            ("g-1", "div-1", "G01", square(120.0, 31.7), "2020-01-01"),
            ("g-2", "div-1", "G02", square(120.1, 31.7), "2020-01-01"),
        ],
        teams={
            "g-1": [("u-w1", "full_time_worker", "2020-01-01", None)],
            "g-2": [("u-w2", "full_time_worker", "2020-01-01", None)],
        },
    )
    accounts = AccountStates("tenant-a")
    for user_id in ("u-w1", "u-w2"):
        accounts.record(
            user_key(user_id),
            revoked=False,
            changed_at=datetime(2020, 1, 1, tzinfo=UTC),
            event_id=f"invited-{user_id}",
        )
    return api_client([blp])


def post(api, body: dict[str, Any], as_user: dict[str, Any] = WORKER):
    return api.post("/records", json=body, as_user=as_user)


def service_record(**extra: Any) -> dict[str, Any]:
    return {"kind": "service_record", "grid_id": "g-1", "date": today().isoformat(), **extra}


def error_fields(response) -> list[str]:
    return sorted(error["field"] for error in response.get_json()["errors"])


def outbox(record_id: str) -> list[Envelope]:
    doc = WorkRecordDocument.objects(tenant_id="tenant-a", pk=record_id).get()
    return [Envelope.parse(entry.envelope) for entry in doc.outbox]


def test_a_worker_records_his_own_work_and_tenant_b_never_sees_it(api):
    made = post(api, service_record(subject_id="s-1", note="帮张大爷办理"))
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert (body["kind"], body["worker_id"], body["grid_id"], body["state"]) == (
        "service_record",
        "u-w1",
        "g-1",
        "active",
    )
    record_id = body["record_id"]
    assert api.get(f"/records/{record_id}", as_user=WORKER).get_json()["note"] == "帮张大爷办理"
    assert api.get(f"/records/{record_id}", as_user=CENTRE).status_code == 200
    # Another worker of the tenant and tenant B: as if it did not exist.
    assert api.get(f"/records/{record_id}", as_user=OTHER_WORKER).status_code == 404
    assert api.get(f"/records/{record_id}", as_user=TENANT_B).status_code == 404
    assert api.get("/records", as_user=TENANT_B).get_json()["total"] == 0
    assert api.get("/records", as_user=OTHER_WORKER).get_json()["total"] == 0
    assert (
        api.post(f"/records/{record_id}/void", json={"reason": "x"}, as_user=TENANT_B).status_code
        == 404
    )
    assert (
        api.patch(
            f"/records/{record_id}", json={"reason": "x", "note": "y"}, as_user=TENANT_B
        ).status_code
        == 404
    )

    [created] = outbox(record_id)
    assert (created.type, created.version) == ("record.created", 1)
    payload = validate_envelope(created)
    assert payload["subject_id"] == "s-1"
    assert "张大爷" not in created.to_bytes().decode()


def test_a_worker_may_not_record_for_another_worker_grid_or_the_centres_kinds(api):
    assert post(api, service_record(worker_id="u-w2")).status_code == 403
    assert post(api, service_record(grid_id="g-2")).status_code == 403
    attendance = {
        "kind": "meeting_attendance",
        "grid_id": "g-1",
        "held_on": today().isoformat(),
        "status": "present",
        "session_id": "m-1",
    }
    assert post(api, attendance).status_code == 403
    assert post(api, service_record(), as_user=INSPECTOR).status_code == 403
    # Before he joined no grid: 2019 is outside his membership.
    assert post(api, service_record(date="2019-12-31")).status_code == 403
    assert api.get("/records", as_user=CENTRE).get_json()["total"] == 0
    # The centre records the attendance for him.
    made = post(api, {**attendance, "worker_id": "u-w1"}, as_user=CENTRE)
    assert made.status_code == 201, made.get_json()
    assert (made.get_json()["status"], made.get_json()["date"]) == ("present", today().isoformat())


def test_bad_fields_are_422_naming_them(api):
    missing = post(api, {"kind": "home_visit", "grid_id": "g-1", "date": today().isoformat()})
    assert missing.status_code == 422
    assert error_fields(missing) == ["visit_target"]
    foreign = post(api, service_record(status="late", findings_count=2))
    assert foreign.status_code == 422
    assert error_fields(foreign) == ["findings_count", "status"]
    bad = post(api, {"kind": "gossip", "grid_id": "g-1"})
    assert bad.status_code == 422
    assert error_fields(bad) == ["kind"]
    future = post(api, service_record(date=(today() + timedelta(days=1)).isoformat()))
    assert future.status_code == 422
    assert error_fields(future) == ["date"]
    no_text = post(api, {"kind": "work_log", "grid_id": "g-1", "date": today().isoformat()})
    assert no_text.status_code == 422
    assert error_fields(no_text) == ["note"]
    stranger = post(api, service_record(worker_id="u-nobody"), as_user=CENTRE)
    assert stranger.status_code == 422
    assert error_fields(stranger) == ["worker_id"]
    no_grid = post(api, service_record(grid_id="g-9", worker_id="u-w1"), as_user=CENTRE)
    assert no_grid.status_code == 422
    assert error_fields(no_grid) == ["grid_id"]
    week = post(
        api,
        {
            "kind": "instability_screening",
            "grid_id": "g-1",
            "date": today().isoformat(),
            "findings_count": 1,
            "week": "1999-W01",
        },
    )
    assert week.status_code == 422
    assert error_fields(week) == ["week"]


def test_lists_filter_by_kind_grid_worker_dates_and_voided(api):
    day, yesterday = today(), today() - timedelta(days=1)
    finding = {
        "kind": "badge_finding",
        "grid_id": "g-2",
        "worker_id": "u-w2",
        "found_on": str(day),
        "finding_type": "badge_not_carried",
    }
    for body, as_user in (
        (service_record(), WORKER),
        (service_record(date=yesterday.isoformat()), WORKER),
        ({**service_record(), "kind": "work_log", "note": "民情日志"}, WORKER),
        (service_record(grid_id="g-2"), OTHER_WORKER),
        (finding, CENTRE),
    ):
        assert post(api, body, as_user=as_user).status_code == 201

    def listed(query: str, as_user=CENTRE) -> list[dict]:
        response = api.get(f"/records?{query}", as_user=as_user)
        assert response.status_code == 200, response.get_json()
        return response.get_json()["items"]

    assert len(listed("")) == 5
    assert [r["kind"] for r in listed("kind=work_log")] == ["work_log"]
    assert {r["worker_id"] for r in listed("grid_id=g-2")} == {"u-w2"}
    assert len(listed("worker_id=u-w1")) == 3
    assert [r["date"] for r in listed(f"worker_id=u-w1&date_to={yesterday}")] == [str(yesterday)]
    assert len(listed(f"date_from={day}&date_to={day}")) == 4
    page = api.get("/records?page_size=2&page=2", as_user=CENTRE).get_json()
    assert (page["total"], len(page["items"])) == (5, 2)
    # A worker sees his own only, and may not ask for another's.
    assert {r["worker_id"] for r in listed("", as_user=WORKER)} == {"u-w1"}
    assert api.get("/records?worker_id=u-w2", as_user=WORKER).status_code == 403
    bad_range = api.get(f"/records?date_from={day}&date_to={yesterday}", as_user=CENTRE)
    assert bad_range.status_code == 422
    assert error_fields(bad_range) == ["date_to"]

    finding = listed("kind=badge_finding")[0]
    api.post(f"/records/{finding['record_id']}/void", json={"reason": "误记"}, as_user=CENTRE)
    assert [r["record_id"] for r in listed("voided=true")] == [finding["record_id"]]
    assert len(listed("voided=false")) == 4


def test_correct_then_void_publishes_each_step_and_a_voided_record_is_final(api):
    made = post(
        api,
        {
            "kind": "instability_screening",
            "grid_id": "g-1",
            "date": today().isoformat(),
            "findings_count": 1,
        },
    ).get_json()
    record_id = made["record_id"]
    no_reason = api.patch(f"/records/{record_id}", json={"findings_count": 2}, as_user=WORKER)
    assert no_reason.status_code == 422
    assert error_fields(no_reason) == ["reason"]
    wrong_field = api.patch(
        f"/records/{record_id}", json={"reason": "r", "status": "late"}, as_user=WORKER
    )
    assert wrong_field.status_code == 422
    assert error_fields(wrong_field) == ["status"]
    assert (
        api.patch(
            f"/records/{record_id}", json={"reason": "r", "grid_id": "g-2"}, as_user=WORKER
        ).status_code
        == 403
    )
    fixed = api.patch(
        f"/records/{record_id}", json={"reason": "漏记一起", "findings_count": 2}, as_user=WORKER
    )
    assert fixed.status_code == 200, fixed.get_json()
    assert fixed.get_json()["findings_count"] == 2
    assert fixed.get_json()["corrections"][0]["fields"] == ["findings_count"]

    assert (
        api.post(f"/records/{record_id}/void", json={"reason": "x"}, as_user=WORKER).status_code
        == 403
    )
    no_void_reason = api.post(f"/records/{record_id}/void", json={}, as_user=CENTRE)
    assert no_void_reason.status_code == 422
    assert error_fields(no_void_reason) == ["reason"]
    voided = api.post(f"/records/{record_id}/void", json={"reason": "重复"}, as_user=CENTRE)
    assert voided.status_code == 200
    assert (voided.get_json()["state"], voided.get_json()["voided_by"]) == ("voided", "u-centre")
    again = api.post(f"/records/{record_id}/void", json={"reason": "重复"}, as_user=CENTRE)
    assert again.status_code == 409
    late_fix = api.patch(
        f"/records/{record_id}", json={"reason": "r", "findings_count": 3}, as_user=CENTRE
    )
    assert late_fix.status_code == 409

    envelopes = outbox(record_id)
    assert [e.type for e in envelopes] == ["record.created", "record.corrected", "record.voided"]
    payloads = [validate_envelope(e) for e in envelopes]
    assert [p["findings_count"] for p in payloads] == [1, 2, 2]
    assert payloads[-1]["state"] == "voided"
    assert "重复" not in envelopes[-1].to_bytes().decode()
    assert "漏记" not in envelopes[1].to_bytes().decode()


def test_a_retried_post_with_the_same_request_id_answers_the_first_record(api):
    body = service_record(request_id="phone-42")
    first = post(api, body)
    second = post(api, body)
    assert first.status_code == second.status_code == 201
    assert first.get_json()["record_id"] == second.get_json()["record_id"]
    assert api.get("/records", as_user=CENTRE).get_json()["total"] == 1
    assert [e.type for e in outbox(first.get_json()["record_id"])] == ["record.created"]
    # The same request id from someone else is his own request.
    other = post(api, service_record(request_id="phone-42", grid_id="g-2"), as_user=OTHER_WORKER)
    assert other.get_json()["record_id"] != first.get_json()["record_id"]
    # Reused for a different record: a conflict, not a silent answer.
    reused = post(api, {**service_record(request_id="phone-42"), "kind": "work_log", "note": "x"})
    assert reused.status_code == 409


def test_a_written_report_is_on_time_by_its_due_day(api):
    due = today() - timedelta(days=2)
    late = post(
        api,
        {
            "kind": "written_report",
            "grid_id": "g-1",
            "worker_id": "u-w1",
            "due_on": due.isoformat(),
            "submitted_on": today().isoformat(),
            "report_name": "月度汇报",
        },
        as_user=CENTRE,
    )
    assert late.status_code == 201, late.get_json()
    assert (late.get_json()["on_time"], late.get_json()["date"]) == (False, due.isoformat())
    record_id = late.get_json()["record_id"]
    fixed = api.patch(
        f"/records/{record_id}",
        json={"reason": "收件日期登记错误", "submitted_on": due.isoformat()},
        as_user=CENTRE,
    )
    assert fixed.get_json()["on_time"] is True
    own = post(
        api,
        {"kind": "written_report", "grid_id": "g-1", "due_on": str(today()), "report_name": "周报"},
    )
    assert own.status_code == 201
    assert (own.get_json()["submitted_on"], own.get_json()["on_time"]) == (str(today()), True)
    assert [validate_envelope(e)["on_time"] for e in outbox(record_id)] == [False, True]
