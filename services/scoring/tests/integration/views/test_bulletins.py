"""Bulletins through the API on the real FerretDB: published once per period and edition with
its event, movement since the previous published period, streak notices from the published
history, every format, and who reads them."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook

from services.scoring.documents.bulletins import BulletinDocument
from services.scoring.tests.integration.evaluation_support import bridge, shanhu_month
from services.scoring.views.bulletins import blp
from services.scoring.views.evaluations import blp as evaluations_blp
from services.scoring.views.schemes import blp as schemes_blp
from shared.events.contracts import validate_envelope
from shared.events.envelope import Envelope

pytestmark = pytest.mark.integration

CENTRE = {"subject": "u-centre", "tenant_id": "tenant-a", "roles": ("center-staff",)}
W01 = {"subject": "w01", "tenant_id": "tenant-a", "roles": ("grid-worker",)}
TENANT_B = {"subject": "u-centre-b", "tenant_id": "tenant-a-not", "roles": ("tenant-admin",)}
SEED_004 = "seed_004_shanhu_street_full_time_worker"
# w02 fails 2026-09-07..09 (Monday to Wednesday): his patrol subsidy is forfeited, a yellow
# card (黄牌警告); October he fails 2026-10-12..14 again: two months running, a red card.
FAILING = {"2026-09": {"w02": [7, 8, 9]}, "2026-10": {"w02": [12, 13, 14]}}


@pytest.fixture
def street(api_client, monkeypatch):
    api = api_client([schemes_blp, evaluations_blp, blp])
    bridge(monkeypatch, lambda scheme, period: shanhu_month(period, FAILING.get(period.label, {})))
    assert (
        api.post("/schemes", json={"template": SEED_004, "id": "shanhu"}, as_user=CENTRE)
    ).status_code == 201
    assert api.post("/schemes/shanhu/publish", as_user=CENTRE).status_code == 200
    for period in ("2026-09", "2026-10"):
        made = api.post("/schemes/shanhu/evaluations", json={"period": period}, as_user=CENTRE)
        assert made.status_code == 201, made.get_json()
    return api


def post(api: Any, period: str, **body: Any) -> Any:
    return api.post("/schemes/shanhu/bulletins", json={"period": period, **body}, as_user=CENTRE)


def test_a_bulletin_is_published_once_per_edition_with_its_event(street):
    first = post(street, "2026-09")
    assert first.status_code == 201, first.get_json()
    again = post(street, "2026-09")
    assert again.status_code == 200
    assert again.get_json() == first.get_json()
    body = first.get_json()
    assert (body["scheme_id"], body["scheme_version"], body["period"], body["edition"]) == (
        "shanhu",
        1,
        "2026-09",
        1,
    )
    assert body["previous"] is None
    # Seed 004 scores no indicator: everyone totals 0, ranks 1, and no list names anyone.
    assert {s["subject_id"]: (s["rank"], s["movement"]) for s in body["standings"]} == {
        "w01": (1, "new"),
        "w02": (1, "new"),
        "w03": (1, "new"),
    }
    assert (body["red"], body["black"]) == ([], [])
    assert body["notices"] == [
        {"flag": "yellow_card", "zh": "黄牌警告", "en": "yellow card", "subjects": ["w02"]}
    ]
    doc = BulletinDocument.objects(tenant_id="tenant-a", pk="tenant-a|shanhu|2026-09|1").get()
    [event] = [Envelope.parse(entry.envelope) for entry in doc.outbox]
    validate_envelope(event)
    assert event.type == "bulletin.published"
    assert event.payload["notices"] == [{"flag": "yellow_card", "subjects": ["w02"]}]
    assert "网格员" not in str(event.payload)  # ids and numbers only
    other_size = post(street, "2026-09", size=5)
    assert other_size.status_code == 409


def test_the_next_period_moves_against_the_previous_and_raises_the_red_card(street):
    post(street, "2026-09")
    body = post(street, "2026-10").get_json()
    assert (body["previous"]["period"], body["previous"]["edition"]) == ("2026-09", 1)
    assert {s["subject_id"]: s["movement"] for s in body["standings"]} == {
        "w01": "same",
        "w02": "same",
        "w03": "same",
    }
    assert [(n["flag"], n["subjects"]) for n in body["notices"]] == [("red_card", ["w02"])]
    listed = street.get("/schemes/shanhu/bulletins", as_user=CENTRE).get_json()
    assert [(b["period"], b["edition"]) for b in listed["items"]] == [
        ("2026-10", 1),
        ("2026-09", 1),
    ]


def test_every_format_says_what_it_was_made_from(street):
    post(street, "2026-09")
    base = "/schemes/shanhu/bulletins/2026-09"
    html = street.get(base, query_string={"format": "html"}, as_user=CENTRE)
    assert html.status_code == 200
    assert html.headers["Content-Type"].startswith("text/html")
    page = html.data.decode("utf-8")
    assert "<script" not in page.lower()
    assert "@page { size: A4" in page
    for expected in (
        "排名通报",
        "shanhu（第1版）",
        "2026-09 考核结果第1版",
        "发布时间",
        "黄牌警告",
    ):
        assert expected in page, expected
    assert "网格员2" in page  # w02 named in the notice

    pdf = street.get(base, query_string={"format": "pdf"}, as_user=CENTRE)
    assert pdf.status_code == 200
    assert pdf.data.startswith(b"%PDF")
    assert b"STSong-Light" in pdf.data

    xlsx = street.get(base, query_string={"format": "xlsx"}, as_user=CENTRE)
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    text = "\n".join(
        str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None
    )
    for expected in ("shanhu（第1版）", "2026-09 考核结果第1版", "发布时间", "黄牌警告"):
        assert expected in text, expected


def test_the_tenant_reads_published_bulletins_and_no_one_else(street):
    assert post(street, "2026-09").status_code == 201
    base = "/schemes/shanhu/bulletins/2026-09"
    assert street.get(base, as_user=W01).status_code == 200
    assert street.get("/schemes/shanhu/bulletins", as_user=W01).status_code == 200
    assert (
        street.post(
            "/schemes/shanhu/bulletins", json={"period": "2026-10"}, as_user=W01
        ).status_code
        == 403
    )
    assert street.get(base, as_user=TENANT_B).status_code == 404
    assert street.get("/schemes/shanhu/bulletins", as_user=TENANT_B).status_code == 404
    refused = street.post("/schemes/shanhu/bulletins", json={"period": "2026-09"}, as_user=TENANT_B)
    assert refused.status_code == 404
    assert street.get("/schemes/shanhu/bulletins/2026-10", as_user=CENTRE).status_code == 404
    unpublished = post(street, "2026-08")
    assert unpublished.status_code == 409
    bad = post(street, "2026-13")
    assert [e["field"] for e in bad.get_json()["errors"]] == ["period"]
    by_grade = post(street, "2026-10", by="grade")
    assert [e["field"] for e in by_grade.get_json()["errors"]] == ["by"]
