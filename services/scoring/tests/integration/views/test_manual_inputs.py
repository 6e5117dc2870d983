"""The manual-input API in process, on the real FerretDB: enter with evidence, list, correct
keeping history, one value per input, subject and period, tenant walls, roles, the outbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.scoring.documents.manual_inputs import ManualInputDocument
from services.scoring.repository.manual_inputs import ManualInputRepository
from services.scoring.views.ledger import blp as ledger_blp
from services.scoring.views.manual_inputs import blp
from shared.events.contracts import validate_envelope
from shared.events.envelope import Envelope

pytestmark = pytest.mark.integration

CENTRE = {"subject": "u-centre", "tenant_id": "tenant-a", "roles": ("center-staff",)}
WORKER = {"subject": "u-w1", "tenant_id": "tenant-a", "roles": ("grid-worker",)}
TENANT_B = {"subject": "u-b", "tenant_id": "tenant-b", "roles": ("tenant-admin",)}
PRAISE = {
    "input_id": "leader_praise",
    "subject_id": "d-1",
    "period": "2020",
    "value": {"city": 1, "district": 2},
    "evidence": "市委领导批示（2020年9月）\n区委表扬通报两份",
    "refs": ["szw-2020-09.pdf", "qw-tb-2020-3"],
}


@pytest.fixture
def api(api_client):
    return api_client([blp, ledger_blp])


def enter(api, body: dict[str, Any] | None = None, as_user: dict[str, Any] = CENTRE, **changes):
    return api.post("/manual-inputs", json={**PRAISE, **(body or {}), **changes}, as_user=as_user)


def outbox(manual_input_id: str) -> list[Envelope]:
    doc = ManualInputDocument.objects(tenant_id="tenant-a", pk=manual_input_id).get()
    return [Envelope.parse(entry.envelope) for entry in doc.outbox]


def fields_of(response) -> list[str]:
    return sorted(error["field"] for error in response.get_json()["errors"])


def test_a_value_is_entered_with_its_evidence_and_published_without_it(api):
    made = enter(api)

    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["value"] == {"city": "1", "district": "2"}
    assert (body["revision"], body["period_kind"], body["recorded_by"]) == (1, "year", "u-centre")
    assert body["evidence"].startswith("市委领导批示")
    [event] = outbox(body["manual_input_id"])
    assert event.type == "scoring.manual_input_recorded"
    payload = validate_envelope(event)
    assert (payload["input_id"], payload["subject_id"], payload["revision"]) == (
        "leader_praise",
        "d-1",
        1,
    )
    assert "evidence" not in payload
    listed = api.get("/manual-inputs", query_string={"period": "2020"}, as_user=CENTRE)
    assert [i["manual_input_id"] for i in listed.get_json()["items"]] == [body["manual_input_id"]]


def test_the_same_input_subject_and_period_twice_is_a_conflict_to_correct(api):
    first = enter(api).get_json()

    again = enter(api, value={"city": 2})

    assert again.status_code == 409
    assert first["manual_input_id"] in again.get_json()["detail"]
    other_subject = enter(api, subject_id="d-2")
    assert other_subject.status_code == 201


def test_a_correction_is_a_new_revision_and_the_history_stays(api):
    made = enter(api, input_id="criticisms", value=1).get_json()
    path = f"/manual-inputs/{made['manual_input_id']}/corrections"

    corrected = api.post(path, json={"value": 2, "reason": "漏记一次通报"}, as_user=CENTRE)

    assert corrected.status_code == 201, corrected.get_json()
    body = corrected.get_json()
    assert (body["value"], body["revision"]) == ("2", 2)
    assert [(r["revision"], r["value"], r["reason"]) for r in body["revisions"]] == [
        (1, "1", None),
        (2, "2", "漏记一次通报"),
    ]
    assert [validate_envelope(e)["revision"] for e in outbox(made["manual_input_id"])] == [1, 2]
    one = api.get(f"/manual-inputs/{made['manual_input_id']}", as_user=CENTRE).get_json()
    assert one["revision"] == 2


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"input_id": "criticisms", "value": 1.5}, ["value"]),
        ({"input_id": "staffing_rate", "value": 90}, ["input_id"]),
        ({"period": "2020-13"}, ["period"]),
        ({"period": "2020-3"}, ["period"]),
        ({"evidence": ""}, ["evidence"]),
        ({"evidence": "bad\x00text"}, ["evidence"]),
        ({"surprise": 1}, ["surprise"]),
        ({"input_id": "district_satisfaction_avg", "subject_id": "d-1"}, ["input_id"]),
    ],
)
def test_bad_input_is_a_problem_naming_the_field(api, changes, fields):
    refused = enter(api, **changes)

    assert refused.status_code == 422, refused.get_json()
    assert fields_of(refused) == fields


def test_a_correction_needs_a_reason_and_a_fitting_value(api):
    made = enter(api, input_id="criticisms", value=1).get_json()
    path = f"/manual-inputs/{made['manual_input_id']}/corrections"

    assert fields_of(api.post(path, json={"value": 2}, as_user=CENTRE)) == ["reason"]
    wrong = api.post(path, json={"value": "x", "reason": "r"}, as_user=CENTRE)
    assert (wrong.status_code, fields_of(wrong)) == (422, ["value"])


def test_another_tenants_inputs_are_not_found_and_workers_may_not_enter(api):
    made = enter(api).get_json()
    path = f"/manual-inputs/{made['manual_input_id']}"

    assert api.get(path, as_user=TENANT_B).status_code == 404
    correction = {"value": {"city": 2}, "reason": "r"}
    assert api.post(f"{path}/corrections", json=correction, as_user=TENANT_B).status_code == 404
    listed = api.get("/manual-inputs", query_string={"period": "2020"}, as_user=TENANT_B)
    assert listed.get_json()["total"] == 0
    assert enter(api, as_user=WORKER).status_code == 403
    assert api.get(path, as_user=WORKER).status_code == 403


def test_the_ledger_lists_its_entries_to_the_centre_only(api):
    assert api.get("/ledger", as_user=CENTRE).get_json()["total"] == 0
    assert api.get("/ledger", as_user=WORKER).status_code == 403


def test_entering_and_correcting_mark_the_tenant_changed_for_provisional_scores(api):
    before = int((datetime.now(UTC) - timedelta(seconds=1)).timestamp() * 1000)
    made = enter(api).get_json()
    assert "tenant-a" in ManualInputRepository.tenants_changed_since(before)
    after = int((datetime.now(UTC) + timedelta(seconds=1)).timestamp() * 1000)
    assert "tenant-a" not in ManualInputRepository.tenants_changed_since(after)
    corrected = api.post(
        f"/manual-inputs/{made['manual_input_id']}/corrections",
        json={"value": {"city": 2, "district": 2}, "reason": "补充批示"},
        as_user=CENTRE,
    )
    assert corrected.status_code in (200, 201), corrected.get_json()
    assert ManualInputRepository.tenants_changed_since(after - 2000) == ["tenant-a"]
