"""Appeals through the API on the real FerretDB: who files, reads and decides; evidence files
judged by content, stored and served only through their appeal; problem+json naming the field;
the tenant's settings. The month is published now (the window is open)."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import pytest
from PIL import Image

from services.scoring.tests.integration.appeal_support import seed_march
from services.scoring.use_cases.context import ScoringContext
from services.scoring.views.appeals import blp
from services.scoring.views.evaluations import blp as evaluations_blp

pytestmark = pytest.mark.integration

CENTRE = {"subject": "u-centre", "tenant_id": "tenant-a", "roles": ("center-staff",)}
W1 = {"subject": "w-1", "tenant_id": "tenant-a", "roles": ("grid-worker",)}
W2 = {"subject": "w-2", "tenant_id": "tenant-a", "roles": ("grid-worker",)}
TENANT_B = {"subject": "u-centre-b", "tenant_id": "tenant-b", "roles": ("tenant-admin",)}
BASE = "/schemes/shanhu/evaluations/2024-03"


@pytest.fixture
def api(api_client):
    client = api_client([evaluations_blp, blp])
    seed_march(
        ScoringContext(
            tenant_id="tenant-a",
            actor="u-centre",
            roles=frozenset({"center-staff"}),
            clock=lambda: datetime.now(UTC),
        )
    )
    return client


def filed(api, as_user=W1, **body: Any):
    payload = {
        "subject_id": "w-1",
        "line": "info_subsidy",
        "text": "有两条有效信息未计入",
        "request_id": "r-1",
    } | body
    return api.post(f"{BASE}/appeals", json=payload, as_user=as_user)


def png(blue: int = 200) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 12), (30, 120, blue)).save(out, format="PNG")
    return out.getvalue()


def upload(api, appeal_id: str, data: bytes, name: str, as_user=W1):
    return api.post(
        f"/appeals/{appeal_id}/evidence",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        as_user=as_user,
    )


def test_a_worker_appeals_his_line_with_evidence_and_the_centre_accepts(api):
    made = filed(api)
    assert made.status_code == 201, made.get_json()
    appeal = made.get_json()
    assert (appeal["status"], appeal["line_kind"], appeal["edition"]) == ("open", "money", 1)
    appeal_id = appeal["appeal_id"]

    image = upload(api, appeal_id, png(), "截图.png")
    assert image.status_code == 201, image.get_json()
    assert image.get_json()["content_type"] == "image/png"
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    document = upload(api, appeal_id, pdf, "说明.pdf")
    assert document.status_code == 201, document.get_json()
    assert upload(api, appeal_id, pdf, "again.pdf").get_json() == document.get_json()
    text = upload(api, appeal_id, b"just words, not evidence", "note.pdf")
    assert text.status_code == 415
    assert text.get_json()["errors"][0]["field"] == "file"
    webp = io.BytesIO()
    Image.new("RGB", (4, 4)).save(webp, format="WEBP")
    assert upload(api, appeal_id, webp.getvalue(), "x.webp").status_code == 415
    assert upload(api, appeal_id, b"%PDF-1.4 cut", "cut.pdf").status_code == 422

    evidence_id = document.get_json()["evidence_id"]
    served = api.get(f"/appeals/{appeal_id}/evidence/{evidence_id}", as_user=CENTRE)
    assert served.status_code == 200
    assert (served.data, served.mimetype) == (pdf, "application/pdf")
    # The Chinese name travels as RFC 5987 filename* (a WSGI header is Latin-1 only).
    served.headers["Content-Disposition"].encode("latin-1")
    assert "filename*=UTF-8''%E8%AF%B4%E6%98%8E.pdf" in served.headers["Content-Disposition"]

    decided = api.post(
        f"/appeals/{appeal_id}/decision",
        json={
            "outcome": "accepted",
            "reason": "核实：两条信息漏计",
            "corrections": [{"input_id": "valid_info_reports", "value": "5"}],
        },
        as_user=CENTRE,
    )
    assert decided.status_code == 200, decided.get_json()
    body = decided.get_json()
    assert (body["status"], body["correction_edition"]) == ("accepted", 2)
    assert body["decision"]["corrections"][0]["previous"] == "3"
    sheet = api.get(f"{BASE}/sheets/w-1", as_user=W1).get_json()
    assert sheet["edition"] == 2
    info = next(m for m in sheet["money"] if m["rule_id"] == "info_subsidy")
    assert info["amount"] == "50.00"
    fact = next(f for f in sheet["facts"] if f["input_id"] == "valid_info_reports")
    assert fact["trace"][0]["attributes"]["evidence"] == ", ".join(
        e["evidence_id"] for e in body["evidence"]
    )
    # Decided: no more evidence, no second decision.
    assert upload(api, appeal_id, png(blue=10), "late.png").status_code == 409
    again = api.post(
        f"/appeals/{appeal_id}/decision",
        json={"outcome": "rejected", "reason": "x"},
        as_user=CENTRE,
    )
    assert again.status_code == 409


def test_another_subject_and_another_tenant_get_404(api):
    appeal_id = filed(api).get_json()["appeal_id"]
    evidence_id = upload(api, appeal_id, png(), "a.png").get_json()["evidence_id"]
    for user in (W2, TENANT_B):
        for path in (f"/appeals/{appeal_id}", f"/appeals/{appeal_id}/evidence/{evidence_id}"):
            assert api.get(path, as_user=user).status_code == 404, (user, path)
        assert upload(api, appeal_id, png(), "b.png", as_user=user).status_code == 404
    # W2 may not appeal W1's sheet; tenant B's centre may not decide A's appeal.
    assert filed(api, as_user=W2, request_id="x").status_code == 404
    refused = api.post(
        f"/appeals/{appeal_id}/decision",
        json={"outcome": "rejected", "reason": "x"},
        as_user=TENANT_B,
    )
    assert refused.status_code == 404
    # A worker does not decide.
    assert (
        api.post(
            f"/appeals/{appeal_id}/decision",
            json={"outcome": "rejected", "reason": "x"},
            as_user=W1,
        ).status_code
        == 403
    )
    assert api.get("/appeals", as_user=W2).get_json()["items"] == []
    assert api.get("/appeals", as_user=TENANT_B).get_json()["items"] == []
    mine = api.get("/appeals", as_user=W1).get_json()
    assert [a["appeal_id"] for a in mine["items"]] == [appeal_id]


def test_bad_filings_are_named(api):
    unknown = filed(api, as_user=CENTRE, line="speeding")
    assert unknown.status_code == 422
    assert unknown.get_json()["errors"][0]["field"] == "line"
    nobody = filed(api, as_user=CENTRE, subject_id="w-9", request_id="r-9")
    assert nobody.status_code == 422
    assert nobody.get_json()["errors"][0]["field"] == "subject_id"
    assert filed(api).status_code == 201
    twice = filed(api, as_user=CENTRE, request_id="r-2")
    assert twice.status_code == 409
    assert (
        api.post(
            "/schemes/shanhu/evaluations/2024-02/appeals",
            json={"subject_id": "w-1", "line": "info_subsidy", "text": "x", "request_id": "r-3"},
            as_user=W1,
        ).status_code
        == 404
    )


def test_the_centre_sets_the_window_and_the_deadline(api):
    assert api.get("/appeal-settings", as_user=CENTRE).get_json() == {
        "window_days": 5,
        "review_days": 5,
    }
    changed = api.put(
        "/appeal-settings", json={"window_days": 3, "review_days": 10}, as_user=CENTRE
    )
    assert changed.status_code == 200
    assert api.get("/appeal-settings", as_user=CENTRE).get_json()["review_days"] == 10
    assert api.get("/appeal-settings", as_user=TENANT_B).get_json()["review_days"] == 5
    bad = api.put("/appeal-settings", json={"window_days": 0, "review_days": 5}, as_user=CENTRE)
    assert bad.status_code == 422
    assert (
        api.put(
            "/appeal-settings", json={"window_days": 3, "review_days": 5}, as_user=W1
        ).status_code
        == 403
    )
