"""The inspection API (督查/整改) in process, on the real FerretDB: findings, complaints,
rectification, overdue, who sees what, walls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.event_intake.documents.inspections import InspectionDocument
from services.event_intake.tests.integration.views import workflow
from services.event_intake.tests.integration.views.workflow import (
    CENTRE,
    OTHER_WORKER,
    TENANT_B,
    WORKER,
    scheduler,
    seed_two_grids,
)
from services.event_intake.use_cases import inspections as use_cases
from services.event_intake.views.inspections import blp

pytestmark = pytest.mark.integration

INSPECTOR = {"subject": "insp-1", "tenant_id": "tenant-a", "roles": ("inspector",)}


@pytest.fixture
def api(api_client):
    seed_two_grids()
    return api_client([blp])


def soon(days: float = 2) -> str:
    return workflow.soon(days)


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
    return workflow.outbox_types(InspectionDocument, inspection_id)


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
        return workflow.listed(api, "/inspections", "inspection_id", as_user, query)

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
    assert use_cases.mark_overdue(scheduler("tenant-a", later)) == 1
    assert use_cases.mark_overdue(scheduler("tenant-a", later)) == 0
    assert outbox_types(late) == ["inspection.recorded", "inspection.overdue"]
    listed = api.get("/inspections?overdue=true", as_user=CENTRE).get_json()["items"]
    assert [item["inspection_id"] for item in listed] == [late]
