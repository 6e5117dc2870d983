"""The campaign, frame, sample and response APIs in process, on the real FerretDB: the
centre's whole fieldwork through HTTP, what each role may do, tenant walls, and that nothing a
tenant admin can read links an answer to a household."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from services.survey.documents.campaigns import CampaignDocument
from services.survey.documents.responses import ResponseDocument
from services.survey.tests.integration.campaign_support import (
    COMPLETE,
    context,
    frame_file,
    frame_rows,
    publish_questionnaire,
    seed_grids,
)
from services.survey.views.campaigns import blp as campaigns_blp
from services.survey.views.frames import blp as frames_blp
from services.survey.views.resident import blp as resident_blp
from services.survey.views.responses import blp as responses_blp
from services.survey.views.samples import blp as samples_blp
from shared.events.contracts import validate_envelope
from shared.events.envelope import Envelope
from shared.testing.workbooks import sheet_bomb, xlsx

pytestmark = pytest.mark.integration

CENTRE = {"subject": "u-centre", "tenant_id": "tenant-a", "roles": ("center-staff",)}
ADMIN = {"subject": "u-admin", "tenant_id": "tenant-a", "roles": ("tenant-admin",)}
WORKER = {"subject": "w-1", "tenant_id": "tenant-a", "roles": ("grid-worker",)}
INSPECTOR = {"subject": "u-insp", "tenant_id": "tenant-a", "roles": ("inspector",)}
TENANT_B = {"subject": "u-b", "tenant_id": "tenant-b", "roles": ("tenant-admin",)}
NOW = datetime.now(UTC)


@pytest.fixture
def api(api_client):
    seed_grids()
    return api_client([campaigns_blp, frames_blp, samples_blp, responses_blp, resident_blp])


@pytest.fixture
def questionnaire_id(api):
    return publish_questionnaire(context())


def create(api, questionnaire_id: str, as_user=CENTRE, **changes):
    body = {
        "name": "2026年第四季度群众满意度调查",
        "kind": "third_party_survey",
        "period_kind": "quarter",
        "period": "2026-Q4",
        "questionnaire_id": questionnaire_id,
        "questionnaire_version": 1,
        "default_quota": 10,
        "quotas": {"g-4": 3},
        "seed": 99,
        **changes,
    }
    return api.post("/campaigns", json=body, as_user=as_user)


def upload(api, path: str, data: bytes, *, name: str = "名单.xlsx", dry_run=False, as_user=CENTRE):
    return api.post(
        f"{path}?dry_run={'true' if dry_run else 'false'}",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        as_user=as_user,
    )


def prepared(api, questionnaire_id: str, per_grid: int = 50) -> str:
    made = create(api, questionnaire_id)
    assert made.status_code == 201, made.get_json()
    campaign_id = made.get_json()["campaign_id"]
    imported = upload(api, f"/campaigns/{campaign_id}/frame", frame_file(per_grid))
    assert imported.status_code == 200, imported.get_json()
    drawn = api.post(f"/campaigns/{campaign_id}/sample", as_user=CENTRE)
    assert drawn.status_code == 201, drawn.get_json()
    opened = api.post(f"/campaigns/{campaign_id}/open", as_user=CENTRE)
    assert opened.status_code == 200, opened.get_json()
    return campaign_id


def test_a_campaign_runs_from_draft_to_closed(api, questionnaire_id):
    made = create(api, questionnaire_id, as_user=ADMIN)
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert (body["state"], body["source"], body["period"], body["seed"]) == (
        "draft",
        "survey",
        "2026-Q4",
        99,
    )
    assert body["quotas"] == [{"grid_id": "g-4", "quota": 3}]
    campaign_id = body["campaign_id"]
    assert api.post(f"/campaigns/{campaign_id}/open", as_user=CENTRE).status_code == 409

    dry = upload(api, f"/campaigns/{campaign_id}/frame", frame_file(50), dry_run=True)
    assert dry.get_json() | {"problems": []} == {
        "dry_run": True,
        "rows": 200,
        "created": 200,
        "updated": 0,
        "unchanged": 0,
        "failed": 0,
        "problems": [],
    }
    assert api.get(f"/campaigns/{campaign_id}/frame", as_user=CENTRE).get_json()["total"] == 0
    real = upload(api, f"/campaigns/{campaign_id}/frame", frame_file(50))
    assert real.get_json()["created"] == 200
    again = upload(api, f"/campaigns/{campaign_id}/frame", frame_file(50))
    assert (again.get_json()["created"], again.get_json()["unchanged"]) == (0, 200)
    counts = api.get(f"/campaigns/{campaign_id}/frame", as_user=CENTRE).get_json()
    assert counts["total"] == 200
    assert [(g["grid_code"], g["entries"]) for g in counts["grids"]] == [
        ("G01", 50),
        ("G02", 50),
        ("G03", 50),
        ("G04", 50),
    ]

    drawn = api.post(f"/campaigns/{campaign_id}/sample", as_user=CENTRE)
    assert drawn.status_code == 201
    assert [g["drawn"] for g in drawn.get_json()["grids"]] == [10, 10, 10, 3]
    assert api.post(f"/campaigns/{campaign_id}/sample", as_user=CENTRE).status_code == 409
    opened = api.post(f"/campaigns/{campaign_id}/open", as_user=CENTRE)
    assert opened.get_json()["state"] == "open"
    assert opened.get_json()["links_valid_until"] is not None

    detail = api.get(f"/campaigns/{campaign_id}", as_user=CENTRE).get_json()
    assert detail["campaign"]["sample"]["drawn"] == 33
    assert detail["members"] == {"pending": 33, "reserve": 167}
    assert detail["responses"] == {"received": 0, "approved": 0, "rejected": 0, "flagged": 0}
    listed = api.get("/campaigns?state=open", as_user=CENTRE).get_json()
    assert [c["campaign_id"] for c in listed["items"]] == [campaign_id]

    closed = api.post(f"/campaigns/{campaign_id}/close", as_user=CENTRE)
    assert closed.get_json()["state"] == "closed"
    doc = CampaignDocument.objects(tenant_id="tenant-a", pk=campaign_id).get()
    envelopes = [Envelope.parse(entry.envelope) for entry in doc.outbox]
    assert [e.type for e in envelopes] == ["sample.drawn", "campaign.opened", "campaign.closed"]
    for envelope in envelopes:
        validate_envelope(envelope)


def test_a_campaign_needs_a_published_questionnaire_and_names_bad_fields(api, questionnaire_id):
    missing = create(api, questionnaire_id, questionnaire_version=2)
    assert missing.status_code == 422
    assert [e["field"] for e in missing.get_json()["errors"]] == ["questionnaire_version"]
    bad = create(api, questionnaire_id, kind="census", period="2026-Q5", default_quota=0)
    assert bad.status_code == 422
    assert sorted(e["field"] for e in bad.get_json()["errors"]) == [
        "default_quota",
        "kind",
    ]
    period = create(api, questionnaire_id, period="2026-Q5")
    assert [e["field"] for e in period.get_json()["errors"]] == ["period"]


def test_fieldwork_through_the_api_and_the_review(api, questionnaire_id):
    campaign_id = prepared(api, questionnaire_id)
    sample = api.get(f"/campaigns/{campaign_id}/sample?page_size=200", as_user=CENTRE).get_json()
    assert sample["total"] == 33
    links = {row["code"]: row["link"] for row in sample["items"]}
    assert all(link.startswith("http://localhost/s/tenant-a.") for link in links.values())

    outcome = api.post(
        f"/campaigns/{campaign_id}/sample/G01-003/outcome",
        json={"outcome": "refused"},
        as_user=CENTRE,
    ).get_json()
    assert outcome["respondent"]["status"] == "replaced"
    assert outcome["replacement"]["code"] == "G01-011"
    assert outcome["replacement"]["link"] is not None

    started = (NOW - timedelta(minutes=6)).isoformat()
    finished = (NOW - timedelta(minutes=1)).isoformat()
    body = {
        "respondent_code": "G01-001",
        "outcome": "completed",
        "answers": COMPLETE,
        "started_at": started,
        "finished_at": finished,
        "request_id": "tablet-7-0001",
    }
    first = api.post(f"/campaigns/{campaign_id}/interviews", json=body, as_user=CENTRE)
    assert first.status_code == 201, first.get_json()
    retry = api.post(f"/campaigns/{campaign_id}/interviews", json=body, as_user=CENTRE)
    assert retry.status_code == 200
    assert (
        retry.get_json()["response"]["response_id"] == first.get_json()["response"]["response_id"]
    )
    wrong = api.post(
        f"/campaigns/{campaign_id}/interviews",
        json={**body, "answers": {"sat": "great"}, "request_id": "x"},
        as_user=CENTRE,
    )
    assert wrong.status_code == 422
    assert [e["field"] for e in wrong.get_json()["errors"]] == ["answers.sat"]

    token = links["G01-002"].rpartition("/s/")[2]
    shown = api.client.get(f"/s/{token}")
    assert shown.status_code == 200
    answered = api.client.post(
        f"/s/{token}",
        data={"q_sat": "unsatisfied", "q_score": "2", "t": "0.x"},
        content_type="application/x-www-form-urlencoded",
    )
    assert answered.status_code == 200

    results = xlsx(
        ("样本编号", "访问结果", "sat", "score"),
        ("G02-001", "完成", "基本满意", 3),
        ("G02-002", "无法联系", "", ""),
    )
    imported = upload(api, f"/campaigns/{campaign_id}/results", results, name="结果.xlsx")
    assert imported.get_json()["created"] == 2, imported.get_json()

    listed = api.get(f"/campaigns/{campaign_id}/responses", as_user=CENTRE).get_json()
    assert listed["total"] == 3
    flags = sorted(tuple(item["flags"]) for item in listed["items"])
    assert flags == [(), (), ("too_fast",)]
    clean = api.post(f"/campaigns/{campaign_id}/responses/approve-clean", as_user=CENTRE)
    assert clean.get_json() == {"approved": 2, "skipped": 0}
    flagged = api.get(f"/campaigns/{campaign_id}/responses?flagged=true", as_user=CENTRE)
    (fast,) = flagged.get_json()["items"]
    rejected = api.post(
        f"/responses/{fast['response_id']}/review",
        json={"decision": "reject", "reason": "答题用时过短"},
        as_user=CENTRE,
    )
    assert (rejected.get_json()["review"], rejected.get_json()["review_reason"]) == (
        "rejected",
        "答题用时过短",
    )
    no_reason = api.post(
        f"/responses/{fast['response_id']}/review", json={"decision": "reject"}, as_user=CENTRE
    )
    assert [e["field"] for e in no_reason.get_json()["errors"]] == ["reason"]
    doc = ResponseDocument.objects(tenant_id="tenant-a", pk=fast["response_id"]).get()
    (event,) = [Envelope.parse(entry.envelope) for entry in doc.outbox]
    assert event.type == "response.rejected"
    assert "答题用时过短" not in json.dumps(event.payload, ensure_ascii=False)
    detail = api.get(f"/campaigns/{campaign_id}", as_user=CENTRE).get_json()
    assert detail["responses"] == {"received": 0, "approved": 2, "rejected": 1, "flagged": 1}


def test_nothing_an_admin_reads_names_a_household(api, questionnaire_id):
    campaign_id = prepared(api, questionnaire_id, per_grid=5)
    sample = api.get(f"/campaigns/{campaign_id}/sample", as_user=ADMIN).get_json()
    token = sample["items"][0]["link"].rpartition("/s/")[2]
    api.client.post(
        f"/s/{token}",
        data={"q_sat": "satisfied", "q_score": "5"},
        content_type="application/x-www-form-urlencoded",
    )
    export = api.get(f"/campaigns/{campaign_id}/sample/export", as_user=ADMIN)
    readable = [
        api.get(f"/campaigns/{campaign_id}", as_user=ADMIN).get_data(as_text=True),
        api.get(f"/campaigns/{campaign_id}/frame", as_user=ADMIN).get_data(as_text=True),
        api.get(f"/campaigns/{campaign_id}/sample", as_user=ADMIN).get_data(as_text=True),
        api.get(f"/campaigns/{campaign_id}/responses", as_user=ADMIN).get_data(as_text=True),
        str(export.get_data()),
    ]
    text = "\n".join(readable)
    for ref, _, phone, address in frame_rows(5):
        assert ref not in text
        assert phone not in text
        assert address not in text
    (response,) = api.get(f"/campaigns/{campaign_id}/responses", as_user=ADMIN).get_json()["items"]
    assert not {"code", "respondent_code", "household_key", "link", "token"} & set(response)
    assert response["received_on"]
    assert "T" not in response["received_on"]
    assert token not in api.get(f"/campaigns/{campaign_id}/responses", as_user=ADMIN).get_data(
        as_text=True
    )


def test_only_the_centre_runs_surveys(api, questionnaire_id):
    campaign_id = prepared(api, questionnaire_id, per_grid=3)
    for user in (WORKER, INSPECTOR):
        assert api.get("/campaigns", as_user=user).status_code == 403
        assert api.get(f"/campaigns/{campaign_id}/responses", as_user=user).status_code == 403
        assert api.get(f"/campaigns/{campaign_id}/sample", as_user=user).status_code == 403
        assert create(api, questionnaire_id, as_user=user).status_code == 403


def test_tenant_b_sees_none_of_tenant_as_campaigns(api, questionnaire_id):
    campaign_id = prepared(api, questionnaire_id, per_grid=3)
    listed = api.get(f"/campaigns/{campaign_id}/responses", as_user=CENTRE).get_json()
    assert listed["total"] == 0
    assert api.get("/campaigns", as_user=TENANT_B).get_json()["total"] == 0
    for method, path in (
        ("GET", f"/campaigns/{campaign_id}"),
        ("GET", f"/campaigns/{campaign_id}/frame"),
        ("GET", f"/campaigns/{campaign_id}/sample"),
        ("GET", f"/campaigns/{campaign_id}/sample/export"),
        ("GET", f"/campaigns/{campaign_id}/responses"),
        ("POST", f"/campaigns/{campaign_id}/open"),
        ("POST", f"/campaigns/{campaign_id}/close"),
        ("POST", f"/campaigns/{campaign_id}/sample"),
        ("POST", f"/campaigns/{campaign_id}/responses/approve-clean"),
        ("POST", f"/campaigns/{campaign_id}/frame/closed-events"),
    ):
        found = api.request(method, path, as_user=TENANT_B)
        assert found.status_code == 404, (method, path, found.get_json())
    outcome = api.post(
        f"/campaigns/{campaign_id}/sample/G01-001/outcome",
        json={"outcome": "refused"},
        as_user=TENANT_B,
    )
    assert outcome.status_code == 404
    frame = upload(api, f"/campaigns/{campaign_id}/frame", frame_file(1), as_user=TENANT_B)
    assert frame.status_code == 404


def test_hostile_uploads_are_refused_naming_the_file(api, questionnaire_id):
    campaign_id = prepared(api, questionnaire_id, per_grid=2)
    bomb = sheet_bomb(400 * 1_048_576, header=("户编号", "网格编码", "联系电话"))
    for path in (f"/campaigns/{campaign_id}/frame", f"/campaigns/{campaign_id}/results"):
        refused = upload(api, path, bomb, dry_run=True)
        assert refused.status_code in (413, 422), refused.get_json()
        assert refused.mimetype == "application/problem+json"
        assert [e["field"] for e in refused.get_json()["errors"]] == ["file"]
