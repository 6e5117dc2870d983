"""The rates API in process, on the real FerretDB, over approved responses and kept 12345
callbacks as the other aggregates store them: hand-counted rates, suppression with its
complement, a grid role's narrowed view, explanations, the default definition, publishing and
its outbox, tenant walls."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest

from services.survey.documents.callbacks import CallbackDocument
from services.survey.documents.rates import RatePublicationDocument
from services.survey.documents.responses import ResponseDocument
from services.survey.views.rates import blp
from shared.events.contracts import validate_envelope
from shared.events.envelope import Envelope
from shared.registry.testing import seed_registry, square

pytestmark = pytest.mark.integration

CENTRE = {"subject": "u-centre", "tenant_id": "tenant-a", "roles": ("center-staff",)}
INSPECTOR = {"subject": "u-insp", "tenant_id": "tenant-a", "roles": ("inspector",)}
WORKER_G3 = {"subject": "w-g3", "tenant_id": "tenant-a", "roles": ("grid-worker",)}
TENANT_B = {"subject": "u-b", "tenant_id": "tenant-b", "roles": ("tenant-admin",)}
Q4 = "period_kind=quarter&period=2026-Q4"


def seed_answers(tenant: str, grid: str, credits: dict[str, int], *, period: str = "2026-Q4"):
    """Approved survey responses of ``grid`` (worker ``w-<grid>``, division d1), stored as the
    response repository stores them."""
    docs = []
    for credit, count in credits.items():
        for _ in range(count):
            docs.append(
                ResponseDocument(
                    response_id=f"r{uuid.uuid4().hex}",
                    tenant_id=tenant,
                    campaign_id="c1",
                    period_kind="quarter",
                    period=period,
                    source="survey",
                    grid_id=grid,
                    division_id="d1",
                    worker_id=f"w-{grid}",
                    channel="web",
                    questionnaire_id="q1",
                    questionnaire_version=1,
                    answers="{}",
                    satisfaction_option="x",
                    credit=credit,
                    flagged=False,
                    received_on="2026-11-02",
                    review="approved",
                ).to_mongo()
            )
    ResponseDocument._get_collection().insert_many(docs)


def seed_callbacks(tenant: str, grid: str, outcomes: dict[str, int]) -> None:
    """Kept 12345 callbacks of ``grid`` on 2026-11-05, as the callback repository keeps them."""
    docs = []
    for outcome, count in outcomes.items():
        for _ in range(count):
            number = uuid.uuid4().hex[:12]
            docs.append(
                CallbackDocument(
                    key=f"{tenant}|{number}",
                    tenant_id=tenant,
                    work_order_no=number,
                    grid_id=grid,
                    division_id="d1",
                    attached_by="import",
                    worker_id=f"w-{grid}",
                    outcome=outcome,
                    reached=outcome != "unreachable",
                    called_at=datetime(2026, 11, 5, 2, tzinfo=UTC),
                    day="2026-11-05",
                    month="2026-11",
                    quarter="2026-Q4",
                    half="2026-H2",
                    year="2026",
                    origin="import",
                    recorded_at=datetime(2026, 11, 6, tzinfo=UTC),
                ).to_mongo()
            )
    CallbackDocument._get_collection().insert_many(docs)


@pytest.fixture
def api(api_client):
    """Four grids of division d1 with 3, 10, 12 and 15 approved answers; w-g3 serves g3."""
    seed_answers("tenant-a", "g1", {"1": 3})
    seed_answers("tenant-a", "g2", {"1": 8, "0": 2})
    seed_answers("tenant-a", "g3", {"1": 10, "0.5": 2})
    seed_answers("tenant-a", "g4", {"1": 14, "0": 1})
    seed_answers("tenant-a", "g4", {"0": 9}, period="2026-Q3")  # another period: not counted
    seed_registry(
        "tenant-a",
        grids=[
            (f"g{i}", "d1", f"G0{i}", square(120.0 + i / 10, 30.0), "2026-01-01")
            for i in (1, 2, 3, 4)
        ],
        teams={"g3": [("w-g3", "grid_worker", "2026-01-01", None)]},
    )
    return api_client([blp])


def rows(body: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(row["scope"], row["subject_id"]): row for row in body["rows"]}


def test_the_centre_reads_hand_counted_rates_and_no_grid_below_five(api):
    answered = api.get(f"/rates?{Q4}", as_user=CENTRE)
    assert answered.status_code == 200, answered.get_json()
    body = answered.get_json()
    assert (body["definition_code"], body["min_cell_size"], body["narrowed"]) == (
        "survey:1",
        5,
        False,
    )
    found = rows(body)
    g3 = found[("grid", "g3")]
    assert (g3["n"], g3["satisfied"], g3["rate"], g3["suppressed"]) == (12, "11", "0.9167", False)
    assert (g3["low"], g3["high"]) == ("0.6461", "0.9851")
    assert g3["division_id"] == "d1"
    assert g3["sources"][0]["label"] == "第三方抽样调查"
    tenant = found[("tenant", "tenant-a")]
    # 3 + 8 + 11 + 14 = 36 of 40.
    assert (tenant["n"], tenant["satisfied"], tenant["rate"]) == (40, "36", "0.9000")
    # g1 has 3 answers: no figures; g2 is hidden with it, so tenant - g3 - g4 gives only the
    # two together (13 answers).
    for grid in ("g1", "g2"):
        row = found[("grid", grid)]
        assert (row["n"], row["satisfied"], row["rate"], row["low"], row["suppressed"]) == (
            None,
            None,
            None,
            None,
            True,
        )
        assert row["note"]
        assert found[("worker", f"w-{grid}")]["suppressed"]
    shown = sum(row["n"] for key, row in found.items() if key[0] == "grid" and row["n"])
    assert tenant["n"] - shown == 13
    only_grids = api.get(f"/rates?{Q4}&scope=grid", as_user=INSPECTOR).get_json()
    assert {row["scope"] for row in only_grids["rows"]} == {"grid"}
    assert len(only_grids["rows"]) == 4


def test_a_grid_worker_sees_only_his_grid_and_himself(api):
    body = api.get(f"/rates?{Q4}", as_user=WORKER_G3).get_json()
    assert body["narrowed"] is True
    assert sorted(rows(body)) == [("grid", "g3"), ("worker", "w-g3")]
    assert rows(body)[("grid", "g3")]["rate"] == "0.9167"
    assert api.get(f"/rates/explain?{Q4}&grid_id=g4", as_user=WORKER_G3).status_code == 403
    assert api.get(f"/rates/explain?{Q4}", as_user=WORKER_G3).status_code == 403
    own = api.get(f"/rates/explain?{Q4}&worker_id=w-g3", as_user=WORKER_G3)
    assert own.status_code == 200


def test_explain_gives_counts_per_credit_and_nothing_for_a_hidden_cell(api):
    body = api.get(f"/rates/explain?{Q4}&grid_id=g3", as_user=CENTRE).get_json()
    (line,) = body["lines"]
    assert (line["source"], line["n"], line["satisfied"], line["rate"], line["weight"]) == (
        "survey",
        12,
        "11",
        "0.9167",
        "1",
    )
    assert line["counts"] == [{"credit": "1", "count": 10}, {"credit": "0.5", "count": 2}]
    hidden = api.get(f"/rates/explain?{Q4}&grid_id=g1", as_user=CENTRE).get_json()
    assert hidden["row"]["suppressed"] is True
    assert hidden["lines"] == []
    assert hidden["row"]["n"] is None
    both = api.get(f"/rates/explain?{Q4}&grid_id=g1&worker_id=w-g1", as_user=CENTRE)
    assert both.status_code == 422


def test_the_default_definition_weighs_12345_callbacks_in(api):
    seed_callbacks("tenant-a", "g3", {"satisfied": 3, "basically_satisfied": 2, "unreachable": 4})
    seed_callbacks("tenant-a", "g4", {"satisfied": 5, "unsatisfied": 1})
    assert (
        api.get("/rates/definition", as_user=WORKER_G3).get_json()["definition_code"] == "survey:1"
    )
    put = api.put(
        "/rates/definition",
        json={"sources": "hotline:0.3,survey:0.7", "basic_credit": "0.5", "min_cell_size": 5},
        as_user=CENTRE,
    )
    assert put.status_code == 200, put.get_json()
    assert put.get_json()["definition_code"] == "survey:0.7,hotline:0.3;basic:0.5"
    found = rows(api.get(f"/rates?{Q4}", as_user=CENTRE).get_json())
    g3 = found[("grid", "g3")]
    # survey 11/12, hotline (3 + 2 * 0.5) / 5 = 0.8 (unreachable calls are not answers).
    assert [(s["source"], s["n"], s["rate"]) for s in g3["sources"]] == [
        ("survey", 12, "0.9167"),
        ("hotline", 5, "0.8000"),
    ]
    assert g3["rate"] == "0.8817"  # 0.7 * 11/12 + 0.3 * 0.8
    # Asking for another basic credit changes the hotline figure, not the default.
    strict = rows(api.get(f"/rates?{Q4}&basic_credit=0", as_user=CENTRE).get_json())
    assert strict[("grid", "g3")]["sources"][1]["rate"] == "0.6000"
    assert api.get("/rates/definition", as_user=CENTRE).get_json()["basic_credit"] == "0.5"


def test_bad_requests_name_the_field(api):
    def fields_of(response) -> list[str]:
        return sorted(error["field"] for error in response.get_json()["errors"])

    cases = [
        (f"/rates?{Q4}&sources=survey:0.5", "sources"),
        (f"/rates?{Q4}&sources=phone:1", "sources"),
        (f"/rates?{Q4}&basic_credit=0.3", "basic_credit"),
        ("/rates?period_kind=quarter&period=2026-Q5", "period"),
        ("/rates?period_kind=week&period=2026-W01", "period_kind"),
        (f"/rates?{Q4}&scope=village", "scope"),
        (
            "/rates?period_kind=custom&period=2026-10-01..2026-11-30&sources=hotline:1",
            "period_kind",
        ),
    ]
    for path, field in cases:
        answered = api.get(path, as_user=CENTRE)
        assert (answered.status_code, fields_of(answered)) == (422, [field]), path
    small = api.put("/rates/definition", json={"min_cell_size": 3}, as_user=CENTRE)
    assert (small.status_code, fields_of(small)) == (422, ["min_cell_size"])
    assert (
        api.put("/rates/definition", json={"min_cell_size": 8}, as_user=WORKER_G3).status_code
        == 403
    )


def test_publishing_stores_the_table_and_one_message_per_scope(api):
    made = api.post(
        "/rates/publications", json={"period_kind": "quarter", "period": "2026-Q4"}, as_user=CENTRE
    )
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert (body["edition"], body["definition_code"], body["publication_id"]) == (
        1,
        "survey:1",
        "quarter|2026-Q4|survey:1",
    )
    again = api.post(
        "/rates/publications", json={"period_kind": "quarter", "period": "2026-q4"}, as_user=CENTRE
    )
    assert again.get_json()["edition"] == 2
    assert (
        api.post(
            "/rates/publications",
            json={"period_kind": "quarter", "period": "2026-Q4"},
            as_user=WORKER_G3,
        ).status_code
        == 403
    )
    listed = api.get(f"/rates/publications?{Q4}", as_user=CENTRE).get_json()["items"]
    assert [(p["definition_code"], p["edition"]) for p in listed] == [("survey:1", 2)]
    assert rows(listed[0])[("grid", "g1")]["suppressed"] is True

    doc = RatePublicationDocument.objects(tenant_id="tenant-a").get()
    envelopes = [Envelope.parse(entry.envelope) for entry in doc.outbox]
    assert [(e.type, e.payload["scope"], e.payload["edition"]) for e in envelopes] == [
        ("rates.published", scope, edition)
        for edition in (1, 2)
        for scope in ("tenant", "division", "grid", "worker")
    ]
    grid_rows = {row["subject_id"]: row for row in validate_envelope(envelopes[2])["rows"]}
    assert grid_rows["g1"]["rate"] is None
    assert grid_rows["g1"]["n"] is None
    assert str(grid_rows["g3"]["rate"]) == "0.9167"
    # Nothing about a household or an answer travels.
    text = envelopes[2].to_bytes().decode()
    assert set(grid_rows["g3"]) == {
        "scope",
        "subject_id",
        "division_id",
        "n",
        "satisfied",
        "rate",
        "low",
        "high",
        "suppressed",
        "renormalised",
        "sources",
    }
    assert "answers" not in text
    assert "household" not in text


def test_another_tenant_sees_none_of_it(api):
    body = api.get(f"/rates?{Q4}", as_user=TENANT_B).get_json()
    assert body["rows"] == []
    assert api.get(f"/rates/publications?{Q4}", as_user=TENANT_B).get_json()["items"] == []


def test_days_are_of_the_period(api):
    body = api.get("/rates?period_kind=quarter&period=2026-Q3", as_user=CENTRE).get_json()
    assert rows(body)[("grid", "g4")]["rate"] == "0.0000"
    assert (body["first_day"], body["last_day"]) == (
        date(2026, 7, 1).isoformat(),
        date(2026, 9, 30).isoformat(),
    )
