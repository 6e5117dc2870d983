"""The scheme API in process, on the real FerretDB: templates, create, edit the draft,
validate, publish (immutable), new versions, tenant walls and the outbox."""

from __future__ import annotations

import json
from typing import Any

import pytest

from services.scoring.documents.schemes import SchemeVersionDocument
from services.scoring.domain.scheme import load_scheme
from services.scoring.templates import names, text
from services.scoring.views.schemes import blp
from shared.events.contracts import validate_envelope
from shared.events.envelope import Envelope

pytestmark = pytest.mark.integration

CENTRE = {"subject": "u-centre", "tenant_id": "tenant-a", "roles": ("center-staff",)}
ADMIN = {"subject": "u-admin", "tenant_id": "tenant-a", "roles": ("tenant-admin",)}
WORKER = {"subject": "u-w1", "tenant_id": "tenant-a", "roles": ("grid-worker",)}
TENANT_B = {"subject": "u-centre-b", "tenant_id": "tenant-b", "roles": ("tenant-admin",)}
SEED_004 = "seed_004_shanhu_street_full_time_worker"


@pytest.fixture
def api(api_client):
    return api_client([blp])


def create(api, as_user: dict[str, Any] = CENTRE, **body: Any):
    return api.post("/schemes", json=body, as_user=as_user)


def fields_of(response) -> list[str]:
    return sorted(error["field"] for error in response.get_json()["errors"])


def outbox(scheme_id: str, version: int, tenant_id: str = "tenant-a") -> list[Envelope]:
    doc = SchemeVersionDocument.objects(
        tenant_id=tenant_id, pk=f"{tenant_id}|{scheme_id}|{version}"
    ).get()
    return [Envelope.parse(entry.envelope) for entry in doc.outbox]


def test_the_five_seed_templates_are_offered(api):
    listed = api.get("/scheme-templates", as_user=CENTRE)
    assert listed.status_code == 200
    assert [t["name"] for t in listed.get_json()] == names()
    one = api.get(f"/scheme-templates/{SEED_004}", as_user=CENTRE).get_json()
    assert one["text"] == text(SEED_004)
    assert (one["subject"], one["period_kind"]) == ("worker", "month")
    assert api.get("/scheme-templates/nope", as_user=CENTRE).status_code == 404
    assert api.get("/scheme-templates", as_user=WORKER).status_code == 403


def test_a_scheme_from_a_template_is_draft_version_1_with_its_text_kept(api):
    made = create(api, template=SEED_004, id="shanhu-2026")
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert (body["scheme_id"], body["version"], body["status"]) == ("shanhu-2026", 1, "draft")
    assert body["origin"] == f"template:{SEED_004}"
    # The template's comments survive; only its id line names the tenant's scheme now.
    assert "# READING" in body["text"]
    assert "id: shanhu-2026" in body["text"]
    scheme = load_scheme(body["document"])
    assert (scheme.id, scheme.version) == ("shanhu-2026", 1)
    assert load_scheme(body["text"]).id == "shanhu-2026"
    assert len(body["digest"]) == 64


def test_the_template_id_is_the_default_and_an_id_is_taken_once(api):
    first = create(api, template=SEED_004)
    assert first.get_json()["scheme_id"] == load_scheme(text(SEED_004)).id
    again = create(api, template=SEED_004)
    assert again.status_code == 409
    # another tenant may use the same id
    assert create(api, as_user=TENANT_B, template=SEED_004).status_code == 201


def test_create_refuses_bad_requests_naming_the_field(api):
    assert fields_of(create(api)) == ["template"]
    assert fields_of(create(api, template=SEED_004, text="a: 1")) == ["text"]
    assert fields_of(create(api, template="seed_999")) == ["template"]
    assert fields_of(create(api, template=SEED_004, id="Has Spaces")) == ["id"]
    assert fields_of(create(api, text="format: gridgov.scheme/v1\n")) == ["id"]
    assert create(api, as_user=WORKER, template=SEED_004).status_code == 403


def test_a_scheme_from_a_json_document_keeps_exact_decimals(api):
    source = json.loads(json.dumps(load_scheme(text(SEED_004)).source, default=str))
    made = create(api, document=source, id="from-json")
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["format"] == "json"
    assert load_scheme(body["document"]).id == "from-json"


def test_an_invalid_draft_is_kept_validated_and_refused_at_publication(api):
    create(api, template=SEED_004, id="s1")
    broken = text(SEED_004).replace("rule_id_placeholder", "")
    broken = broken.replace("period: month", "period: fortnight", 1)
    saved = api.put("/schemes/s1/draft", json={"text": broken}, as_user=CENTRE)
    assert saved.status_code == 200, saved.get_json()
    checked = api.post("/schemes/s1/validate", json={}, as_user=CENTRE).get_json()
    assert checked["valid"] is False
    assert {p["path"] for p in checked["problems"]} == {"period"}
    refused = api.post("/schemes/s1/publish", as_user=CENTRE)
    assert refused.status_code == 422
    assert fields_of(refused) == ["text.period"]
    # a text not saved yet is checked as the draft would store it
    fixed = api.post("/schemes/s1/validate", json={"text": text(SEED_004)}, as_user=CENTRE)
    assert fixed.get_json() == {
        "scheme_id": "s1",
        "version": 1,
        "status": "draft",
        "valid": True,
        "problems": [],
    }
    unparsable = api.post("/schemes/s1/validate", json={"text": "a: [1"}, as_user=CENTRE)
    assert [p["path"] for p in unparsable.get_json()["problems"]] == [""]


def test_publish_freezes_the_version_and_records_the_event(api):
    create(api, template=SEED_004, id="s1")
    published = api.post("/schemes/s1/publish", as_user=ADMIN)
    assert published.status_code == 200, published.get_json()
    body = published.get_json()
    assert (body["status"], body["published_by"]) == ("published", "u-admin")
    [event] = outbox("s1", 1)
    validate_envelope(event)
    assert event.type == "scheme.published"
    assert event.payload["digest"] == body["digest"]
    assert (event.payload["scheme_id"], event.payload["version"]) == ("s1", 1)
    # immutable: no edit, no second publication
    edit = api.put("/schemes/s1/draft", json={"text": text(SEED_004)}, as_user=CENTRE)
    assert edit.status_code == 409
    assert api.post("/schemes/s1/publish", as_user=CENTRE).status_code == 409


def test_a_new_version_starts_from_the_latest_and_numbers_itself(api):
    create(api, template=SEED_004, id="s1")
    api.post("/schemes/s1/publish", as_user=CENTRE)
    started = api.post("/schemes/s1/versions", as_user=CENTRE)
    assert started.status_code == 201, started.get_json()
    draft = started.get_json()
    assert (draft["version"], draft["status"], draft["origin"]) == (2, "draft", "version:1")
    assert "version: 2" in draft["text"]
    assert load_scheme(draft["document"]).version == 2
    # one draft at a time
    assert api.post("/schemes/s1/versions", as_user=CENTRE).status_code == 409
    changed = draft["text"].replace("amount: 300", "amount: 350", 1)
    assert changed != draft["text"]
    saved = api.put("/schemes/s1/draft", json={"text": changed}, as_user=CENTRE).get_json()
    assert saved["version"] == 2
    assert "amount: 350" in saved["text"]
    # version 1 is unchanged
    first = api.get("/schemes/s1/versions/1", as_user=CENTRE).get_json()
    assert "amount: 300" in first["text"]
    assert first["status"] == "published"
    detail = api.get("/schemes/s1", as_user=CENTRE).get_json()
    assert [v["version"] for v in detail["versions"]] == [1, 2]
    assert detail["summary"]["published_version"] == 1
    assert detail["summary"]["latest_status"] == "draft"
    assert detail["latest"]["version"] == 2


def test_the_list_pages_the_tenants_schemes_only(api):
    for scheme_id in ("b-scheme", "a-scheme"):
        create(api, template=SEED_004, id=scheme_id)
    create(api, as_user=TENANT_B, template=SEED_004, id="c-scheme")
    listed = api.get("/schemes?page_size=1", as_user=CENTRE).get_json()
    assert listed["total"] == 2
    assert [s["scheme_id"] for s in listed["items"]] == ["a-scheme"]
    assert listed["items"][0]["title"]["zh"]


def test_another_tenants_scheme_is_not_found(api):
    create(api, template=SEED_004, id="s1")
    for method, path in (
        ("GET", "/schemes/s1"),
        ("GET", "/schemes/s1/versions/1"),
        ("POST", "/schemes/s1/publish"),
        ("POST", "/schemes/s1/versions"),
    ):
        assert api.request(method, path, as_user=TENANT_B).status_code == 404, path
    put = api.put("/schemes/s1/draft", json={"text": text(SEED_004)}, as_user=TENANT_B)
    assert put.status_code == 404
    assert api.get("/schemes/s1/versions/9", as_user=CENTRE).status_code == 404
