"""The inspection API (督查/整改) in process, on the real FerretDB: findings, complaints,
rectification, overdue, who sees what, walls."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.event_intake.documents.inspections import InspectionDocument
from services.event_intake.tests.integration.support import seed_registry, square
from services.event_intake.use_cases import inspections as use_cases
from services.event_intake.use_cases.context import IntakeContext
from services.event_intake.views.inspections import blp
from shared.access import AccountStates
from shared.access.repository import user_key
from shared.events.envelope import Envelope

pytestmark = pytest.mark.integration

ANNOUNCED = datetime(2020, 1, 1, tzinfo=UTC)

WORKER = {"subject": "worker-1", "tenant_id": "tenant-a", "roles": ("grid-worker",)}
OTHER_WORKER = {"subject": "worker-2", "tenant_id": "tenant-a", "roles": ("grid-worker",)}
INSPECTOR = {"subject": "insp-1", "tenant_id": "tenant-a", "roles": ("inspector",)}
CENTRE = {"subject": "centre-1", "tenant_id": "tenant-a", "roles": ("center-staff",)}
TENANT_B = {"subject": "centre-b", "tenant_id": "tenant-b", "roles": ("center-staff",)}


@pytest.fixture
def api(api_client):
    seed_registry(
        "tenant-a",
        grids=[
            ("g-1", "div-1", "G01", square(120.00, 31.70), date(2020, 1, 1)),
            ("g-2", "div-1", "G02", square(120.02, 31.70), date(2020, 1, 1)),
        ],
        teams={
            "g-1": [("worker-1", "full_time_worker", date(2020, 1, 1), None)],
            "g-2": [("worker-2", "full_time_worker", date(2020, 1, 1), None)],
        },
    )
    seed_registry("tenant-b", grids=[("g-b", "div-b", "B01", square(120.0, 31.7), "2020-01-01")])
    accounts = AccountStates("tenant-a")
    for user_id in ("worker-1", "worker-2"):
        accounts.record(
            user_key(user_id), revoked=False, changed_at=ANNOUNCED, event_id=f"invited-{user_id}"
        )
    return api_client([blp])


def soon(days: float = 2) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def record(api, as_user=INSPECTOR, **overrides):
    body = {
        "kind": "spot_check",
        "grid_id": "g-1",
        "worker_id": "worker-1",
        "found_on": "2026-01-05",
        "category": "sanitation",
        "severity": "major",
        "description": "王五家门口堆放杂物\n多日未清",
        "photo_ids": ["p-1"],
        "rectification_deadline": soon(),
        **overrides,
    }
    return api.post("/inspections", json=body, as_user=as_user)


def complaint(api):
    return record(
        api,
        as_user=CENTRE,
        kind="resident_complaint",
        rectification_deadline=None,
        severity=None,
        worker_id=None,
    )


def outbox_types(inspection_id: str) -> list[str]:
    doc = InspectionDocument.objects(tenant_id="tenant-a", pk=inspection_id).get()
    return [Envelope.parse(entry.envelope).type for entry in doc.outbox]


def test_a_spot_check_is_rectified_by_the_grids_worker_and_confirmed(api):
    created = record(api)
    assert created.status_code == 201, created.get_json()
    found = created.get_json()
    assert found["state"] == "open"
    assert found["kind"] == "spot_check"
    path = f"/inspections/{found['inspection_id']}"
    rectified = api.post(
        f"{path}/rectify", json={"evidence": "已清理", "photo_ids": ["p-2"]}, as_user=WORKER
    )
    assert rectified.status_code == 200, rectified.get_json()
    assert rectified.get_json()["rectified_on_time"] is True
    confirmed = api.post(f"{path}/confirm", json={}, as_user=CENTRE)
    assert confirmed.get_json()["state"] == "confirmed"
    assert outbox_types(found["inspection_id"]) == [
        "inspection.recorded",
        "inspection.rectified",
        "inspection.confirmed",
    ]
    doc = InspectionDocument.objects(tenant_id="tenant-a", pk=found["inspection_id"]).get()
    published = " ".join(entry.envelope for entry in doc.outbox)
    assert "王五" not in published
    assert "已清理" not in published


def test_a_rectification_not_accepted_is_due_again(api):
    inspection_id = record(api, kind="daily_patrol").get_json()["inspection_id"]
    path = f"/inspections/{inspection_id}"
    api.post(f"{path}/rectify", json={"evidence": "x"}, as_user=WORKER)
    refused = api.post(f"{path}/confirm", json={"accepted": False}, as_user=CENTRE)
    assert refused.status_code == 422
    assert "reason" in str(refused.get_json())
    rejected = api.post(
        f"{path}/confirm", json={"accepted": False, "reason": "整改不到位"}, as_user=CENTRE
    )
    assert rejected.get_json()["state"] == "open"
    assert rejected.get_json()["rejected_rectifications"] == 1


def test_complaints_are_verified_or_dismissed_by_the_centre(api):
    verified_id = complaint(api).get_json()["inspection_id"]
    dismissed_id = complaint(api).get_json()["inspection_id"]
    assert (
        api.post(
            f"/inspections/{verified_id}/verify",
            json={"rectification_deadline": soon()},
            as_user=INSPECTOR,
        ).status_code
        == 403
    )
    verified = api.post(
        f"/inspections/{verified_id}/verify",
        json={"rectification_deadline": soon()},
        as_user=CENTRE,
    )
    assert verified.get_json()["state"] == "verified"
    assert verified.get_json()["verified"] is True
    dismissed = api.post(
        f"/inspections/{dismissed_id}/dismiss", json={"reason": "查无此事"}, as_user=CENTRE
    )
    assert dismissed.get_json()["state"] == "not_verified"
    assert dismissed.get_json()["verified"] is False
    again = api.post(f"/inspections/{dismissed_id}/dismiss", json={"reason": "x"}, as_user=CENTRE)
    assert again.status_code == 409


def test_wrong_role_is_403(api):
    assert record(api, as_user=WORKER).status_code == 403
    assert record(api, kind="resident_complaint", rectification_deadline=None).status_code == 403
    inspection_id = record(api).get_json()["inspection_id"]
    path = f"/inspections/{inspection_id}"
    assert (
        api.post(f"{path}/rectify", json={"evidence": "x"}, as_user=OTHER_WORKER).status_code == 403
    )
    api.post(f"{path}/rectify", json={"evidence": "x"}, as_user=WORKER)
    assert api.post(f"{path}/confirm", json={}, as_user=WORKER).status_code == 403


def test_wrong_state_is_409(api):
    inspection_id = record(api).get_json()["inspection_id"]
    path = f"/inspections/{inspection_id}"
    assert api.post(f"{path}/confirm", json={}, as_user=CENTRE).status_code == 409
    verify = api.post(f"{path}/verify", json={"rectification_deadline": soon()}, as_user=CENTRE)
    assert verify.status_code == 409


def test_bad_input_is_422_naming_the_field(api):
    for overrides, field in (
        ({"kind": "rumour"}, "kind"),
        ({"grid_id": "g-nowhere"}, "grid_id"),
        ({"worker_id": "stranger"}, "worker_id"),
        ({"rectification_deadline": None}, "rectification_deadline"),
        ({"found_on": "2999-01-01"}, "found_on"),
        ({"category": "Not A Code"}, "category"),
        ({"severity": "huge"}, "severity"),
    ):
        answer = record(api, **overrides)
        assert answer.status_code == 422, (overrides, answer.get_json())
        assert field in str(answer.get_json()), (overrides, answer.get_json())
    inspection_id = record(api).get_json()["inspection_id"]
    missing = api.post(f"/inspections/{inspection_id}/rectify", json={}, as_user=WORKER)
    assert missing.status_code == 422
    assert "evidence" in str(missing.get_json())


def test_request_ids_make_retries_no_ops(api):
    first = record(api, request_id="r-1").get_json()
    again = record(api, request_id="r-1").get_json()
    assert again["inspection_id"] == first["inspection_id"]
    path = f"/inspections/{first['inspection_id']}/rectify"
    body = {"evidence": "x", "request_id": "r-2"}
    assert api.post(path, json=body, as_user=WORKER).status_code == 200
    assert api.post(path, json=body, as_user=WORKER).status_code == 200
    assert outbox_types(first["inspection_id"]) == ["inspection.recorded", "inspection.rectified"]


def test_lists_show_each_caller_what_is_his_and_filter(api):
    g1 = record(api).get_json()["inspection_id"]
    g2 = record(api, grid_id="g-2", worker_id="worker-2", kind="daily_patrol").get_json()[
        "inspection_id"
    ]
    c1 = complaint(api).get_json()["inspection_id"]

    def listed(as_user, query=""):
        answer = api.get(f"/inspections{query}", as_user=as_user)
        assert answer.status_code == 200, answer.get_json()
        return {item["inspection_id"] for item in answer.get_json()["items"]}

    assert listed(CENTRE) == listed(INSPECTOR) == {g1, g2, c1}
    assert listed(WORKER) == {g1, c1}
    assert listed(OTHER_WORKER) == {g2}
    assert listed(CENTRE, "?kind=daily_patrol") == {g2}
    assert listed(CENTRE, "?state=reported") == {c1}
    assert listed(WORKER, "?grid_id=g-2") == set()
    assert api.get(f"/inspections/{g2}", as_user=WORKER).status_code == 404
    assert api.get(f"/inspections/{g2}", as_user=OTHER_WORKER).status_code == 200


def test_tenant_b_neither_reads_nor_lists_nor_acts(api):
    inspection_id = record(api).get_json()["inspection_id"]
    assert api.get(f"/inspections/{inspection_id}", as_user=TENANT_B).status_code == 404
    assert api.get("/inspections", as_user=TENANT_B).get_json()["items"] == []
    rectify = api.post(
        f"/inspections/{inspection_id}/rectify", json={"evidence": "x"}, as_user=TENANT_B
    )
    assert rectify.status_code == 404


def test_mark_overdue_marks_once_and_a_complaint_waits_for_its_verification(api):
    late = record(api, rectification_deadline=soon(1)).get_json()["inspection_id"]
    record(api, rectification_deadline=soon(5))
    complaint(api)
    later = datetime.now(UTC) + timedelta(days=2)
    ctx = IntakeContext(tenant_id="tenant-a", actor="scheduler", clock=lambda: later)
    assert use_cases.mark_overdue(ctx) == 1
    again = IntakeContext(tenant_id="tenant-a", actor="scheduler", clock=lambda: later)
    assert use_cases.mark_overdue(again) == 0
    assert outbox_types(late) == ["inspection.recorded", "inspection.overdue"]
    listed = api.get("/inspections?overdue=true", as_user=CENTRE).get_json()["items"]
    assert [item["inspection_id"] for item in listed] == [late]
