"""The questionnaire API in process, on the real FerretDB: create, edit, publish, new
versions, frozen published versions, 422s naming the field, the centre only, tenant walls,
the outbox."""

from __future__ import annotations

from typing import Any

import pytest

from services.survey.documents.questionnaires import QuestionnaireDocument
from services.survey.repository.questionnaires import QuestionnaireRepository
from services.survey.views.questionnaires import blp
from shared.errors import NotFound
from shared.events.contracts import validate_envelope
from shared.events.envelope import Envelope

pytestmark = pytest.mark.integration

CENTRE = {"subject": "u-centre", "tenant_id": "tenant-a", "roles": ("center-staff",)}
WORKER = {"subject": "u-w1", "tenant_id": "tenant-a", "roles": ("grid-worker",)}
TENANT_B = {"subject": "u-b", "tenant_id": "tenant-b", "roles": ("tenant-admin",)}


def body(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": "2026年四季度居民满意度调查",
        "description": "第三方抽样调查\n请如实作答",
        "questions": [
            {"key": "sat", "kind": "single", "label": "您对网格服务满意吗？"},
            {
                "key": "topics",
                "kind": "multiple",
                "label": "您关心哪些方面？",
                "required": False,
                "options": [{"key": "safety", "label": "治安"}, {"key": "clean", "label": "卫生"}],
            },
            {"key": "score", "kind": "rating", "label": "打分", "scale_max": 10},
            {"key": "advice", "kind": "text", "label": "意见建议", "required": False},
        ],
        "satisfaction": {"question_key": "sat", "preset": "three_level", "basic_credit": "0.5"},
    }
    values.update(changes)
    return values


@pytest.fixture
def api(api_client):
    return api_client([blp])


def create(api, **changes: Any) -> dict[str, Any]:
    made = api.post("/questionnaires", json=body(**changes), as_user=CENTRE)
    assert made.status_code == 201, made.get_json()
    found: dict[str, Any] = made.get_json()
    return found


def error_fields(response) -> list[str]:
    return sorted(error["field"] for error in response.get_json()["errors"])


def test_create_edit_publish_and_start_a_new_version(api):
    made = create(api)
    qid = made["questionnaire_id"]
    assert (made["version"], made["status"], made["published_versions"]) == (1, "draft", [])
    sat = made["current"]["questions"][0]
    assert sat["satisfaction"] is True
    assert [(o["key"], o["label"], o["credit"]) for o in sat["options"]] == [
        ("satisfied", "满意", "1"),
        ("basically_satisfied", "基本满意", "0.5"),
        ("unsatisfied", "不满意", "0"),
    ]
    assert made["current"]["questions"][1]["options"][0]["credit"] is None

    edited = api.put(
        f"/questionnaires/{qid}/draft",
        json=body(satisfaction={"question_key": "sat", "preset": "five_point", "basic_credit": 1}),
        as_user=CENTRE,
    )
    assert edited.status_code == 200, edited.get_json()
    assert edited.get_json()["current"]["preset"] == "five_point"

    published = api.post(f"/questionnaires/{qid}/publish", as_user=CENTRE)
    assert published.status_code == 200, published.get_json()
    assert (published.get_json()["status"], published.get_json()["latest_published"]) == (
        "published",
        1,
    )
    assert api.post(f"/questionnaires/{qid}/publish", as_user=CENTRE).status_code == 409
    frozen = api.put(f"/questionnaires/{qid}/draft", json=body(), as_user=CENTRE)
    assert frozen.status_code == 409

    second = api.post(f"/questionnaires/{qid}/versions", as_user=CENTRE)
    assert second.status_code == 201, second.get_json()
    assert (second.get_json()["version"], second.get_json()["status"]) == (2, "draft")
    assert api.post(f"/questionnaires/{qid}/versions", as_user=CENTRE).status_code == 409
    changed = api.put(f"/questionnaires/{qid}/draft", json=body(name="第二版"), as_user=CENTRE)
    assert changed.get_json()["current"]["name"] == "第二版"

    # Version 1 is what was published, whatever happens to the draft.
    v1 = api.get(f"/questionnaires/{qid}/versions/1", as_user=CENTRE).get_json()
    assert (v1["version"], v1["status"], v1["preset"], v1["name"]) == (
        1,
        "published",
        "five_point",
        "2026年四季度居民满意度调查",
    )
    v2 = api.get(f"/questionnaires/{qid}/versions/2", as_user=CENTRE).get_json()
    assert (v2["status"], v2["name"]) == ("draft", "第二版")
    assert api.get(f"/questionnaires/{qid}/versions/3", as_user=CENTRE).status_code == 404

    repository = QuestionnaireRepository("tenant-a")
    version = repository.published_version(qid, 1)
    assert version.credits["neutral"] == 1
    with pytest.raises(NotFound):
        repository.published_version(qid, 2)  # a draft is not a published version

    doc = QuestionnaireDocument.objects(tenant_id="tenant-a", pk=qid).get()
    envelopes = [Envelope.parse(entry.envelope) for entry in doc.outbox]
    assert [e.type for e in envelopes] == ["questionnaire.published"]
    payload = validate_envelope(envelopes[0])
    assert (payload["questionnaire_id"], payload["version"], payload["preset"]) == (
        qid,
        1,
        "five_point",
    )


def test_every_bad_field_is_a_422_naming_it(api):
    nameless = api.post("/questionnaires", json=body(name=""), as_user=CENTRE)
    assert (nameless.status_code, error_fields(nameless)) == (422, ["name"])
    bad = body(
        satisfaction={"question_key": "sat", "preset": "three_level", "basic_credit": "0.7"},
    )
    bad["questions"].append({"key": "score", "kind": "rating", "label": "重复", "scale_max": 20})
    answered = api.post("/questionnaires", json=bad, as_user=CENTRE)
    assert answered.status_code == 422
    assert error_fields(answered) == [
        "questions[4].key",
        "questions[4].scale_max",
        "satisfaction.basic_credit",
    ]
    unknown = api.post(
        "/questionnaires",
        json=body(questions=[{"key": "a", "kind": "essay", "label": "x"}]),
        as_user=CENTRE,
    )
    assert unknown.status_code == 422
    assert error_fields(unknown) == ["questions[0].kind"]
    credits = api.post(
        "/questionnaires",
        json=body(
            questions=[
                {
                    "key": "sat",
                    "kind": "single",
                    "label": "满意吗",
                    "options": [{"key": "y", "label": "满意"}, {"key": "n", "label": "不满意"}],
                }
            ],
            satisfaction={"question_key": "sat", "credits": {"y": "1"}},
        ),
        as_user=CENTRE,
    )
    assert credits.status_code == 422
    assert error_fields(credits) == ["satisfaction.credits.n"]


def test_only_the_centre_and_only_its_own_tenant(api):
    qid = create(api)["questionnaire_id"]
    assert api.get("/questionnaires", as_user=WORKER).status_code == 403
    assert api.post("/questionnaires", json=body(), as_user=WORKER).status_code == 403
    assert api.get(f"/questionnaires/{qid}", as_user=TENANT_B).status_code == 404
    assert api.post(f"/questionnaires/{qid}/publish", as_user=TENANT_B).status_code == 404
    assert api.get(f"/questionnaires/{qid}/versions/1", as_user=TENANT_B).status_code == 404
    assert api.get("/questionnaires", as_user=TENANT_B).get_json()["total"] == 0


def test_the_list_pages_latest_changed_first_and_filters_by_status(api):
    first = create(api, name="第一份")["questionnaire_id"]
    second = create(api, name="第二份")["questionnaire_id"]
    api.post(f"/questionnaires/{first}/publish", as_user=CENTRE)
    listed = api.get("/questionnaires?page_size=1", as_user=CENTRE).get_json()
    assert (listed["total"], [q["questionnaire_id"] for q in listed["items"]]) == (2, [first])
    drafts = api.get("/questionnaires?status=draft", as_user=CENTRE).get_json()
    assert [q["questionnaire_id"] for q in drafts["items"]] == [second]
    assert "current" not in drafts["items"][0]
