"""Evaluations through the API on the real FerretDB: lock and publish a period, corrections as
editions, score sheets with their facts and trace, who reads which sheet, streaks from the
published history, the Excel export, simulate and compare. The facts bridge is replaced by
plain facts (tests of the bridge itself are the ledger's), so every figure can be checked
against the engine run directly."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from openpyxl import load_workbook

from services.scoring.documents.evaluations import EvaluationDocument
from services.scoring.domain.engine import evaluate
from services.scoring.domain.facts import load_facts
from services.scoring.domain.scheme import load_scheme
from services.scoring.templates import DIRECTORY, text
from services.scoring.tests.integration.evaluation_support import bridge, shanhu_month
from services.scoring.views.evaluations import blp
from services.scoring.views.schemes import blp as schemes_blp
from shared.events.contracts import validate_envelope
from shared.events.envelope import Envelope
from shared.periods import Period, parse_period
from shared.registry.model import AppliedMark, Membership
from shared.registry.view import RegistryMemberships

pytestmark = pytest.mark.integration

CENTRE = {"subject": "u-centre", "tenant_id": "tenant-a", "roles": ("center-staff",)}
W01 = {"subject": "w01", "tenant_id": "tenant-a", "roles": ("grid-worker",)}
STRANGER = {"subject": "w99", "tenant_id": "tenant-a", "roles": ("grid-worker",)}
TENANT_B = {"subject": "u-centre-b", "tenant_id": "tenant-b", "roles": ("tenant-admin",)}
SEED_004 = "seed_004_shanhu_street_full_time_worker"
SEED_001 = "seed_001_xitaihu_park_grid"
EXAMPLES = DIRECTORY / "examples"
# w02 fails three working days running in 2026-09 (forfeits the patrol subsidy: a yellow card)
SEPTEMBER = {"w02": [7, 8, 9], "w01": [15]}


@pytest.fixture
def api(api_client):
    return api_client([schemes_blp, blp])


@pytest.fixture
def failing(monkeypatch):
    """Failing days per period label, editable by a test; seed 004 facts from them."""
    by_period: dict[str, dict[str, list[int]]] = {"2026-09": SEPTEMBER}
    bridge(
        monkeypatch, lambda scheme, period: shanhu_month(period, by_period.get(period.label, {}))
    )
    return by_period


@pytest.fixture
def shanhu(api, failing):
    """Seed 004 as tenant A's scheme ``shanhu``, version 1 published."""
    made = api.post("/schemes", json={"template": SEED_004, "id": "shanhu"}, as_user=CENTRE)
    assert made.status_code == 201, made.get_json()
    assert api.post("/schemes/shanhu/publish", as_user=CENTRE).status_code == 200
    return api


def publish(api, period: str, **body: Any):
    return api.post("/schemes/shanhu/evaluations", json={"period": period, **body}, as_user=CENTRE)


def engine_result(period: str, failing_days: dict[str, list[int]], history=()):
    scheme = load_scheme(text(SEED_004))
    month = parse_period("month", period)
    assert isinstance(month, Period)
    facts = load_facts({"period": period, **shanhu_month(month, failing_days)})
    return evaluate(scheme, facts, history)


def outbox(key: str) -> list[Envelope]:
    doc = EvaluationDocument.objects(tenant_id="tenant-a", pk=f"tenant-a|{key}").get()
    return [Envelope.parse(entry.envelope) for entry in doc.outbox]


def test_a_period_is_evaluated_locked_and_published_as_edition_1(shanhu):
    made = publish(shanhu, "2026-09")
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert (body["scheme_id"], body["period"], body["kind"], body["edition"]) == (
        "shanhu",
        "2026-09",
        "final",
        1,
    )
    assert (body["scheme_version"], body["subjects"], body["evaluated_by"]) == (1, 3, "u-centre")
    expected = engine_result("2026-09", SEPTEMBER)
    assert [(r["subject_id"], r["rank"], r["money_total"]) for r in body["rows"]] == [
        (s.subject_id, s.rank, f"{s.money_total:.2f}") for s in expected.sheets
    ]
    w02 = next(r for r in body["rows"] if r["subject_id"] == "w02")
    assert w02["flags"] == ["yellow_card"]
    patrol = next(m for m in w02["money"] if m["rule_id"] == "patrol_subsidy")
    assert (patrol["amount"], patrol["forfeited"]) == ("0.00", True)
    [event] = outbox("shanhu|2026-09|1")
    validate_envelope(event)
    assert event.type == "scores.published"
    payload = event.payload
    assert (payload["edition"], payload["supersedes"], payload["parts"]) == (1, None, 1)
    assert (payload["first_day"], payload["last_day"]) == ("2026-09-01", "2026-09-30")
    assert {row["subject_id"]: row["money_total"] for row in payload["rows"]} == {
        row["subject_id"]: row["money_total"] for row in body["rows"]
    }
    assert "subject_name" not in payload["rows"][0]


def test_a_period_is_locked_once_and_not_before_it_ends(shanhu):
    assert publish(shanhu, "2026-09").status_code == 201
    again = publish(shanhu, "2026-09")
    assert again.status_code == 409
    assert "correction" in again.get_json()["detail"]
    this_month = datetime.now(UTC).strftime("%Y-%m")
    running = publish(shanhu, this_month)
    assert running.status_code == 409
    assert "before_end" in running.get_json()["detail"]
    # The months between 2026-09 and this one are not published: a gap the office accepts.
    assert publish(shanhu, this_month, before_end=True, accept_gap=True).status_code == 201
    future = publish(shanhu, f"{datetime.now(UTC).year + 2}-01")
    assert future.status_code == 422
    assert [e["field"] for e in future.get_json()["errors"]] == ["period"]
    quarter = publish(shanhu, "2026-Q3")
    assert [e["field"] for e in quarter.get_json()["errors"]] == ["period"]


def test_a_month_is_not_locked_before_the_one_its_streaks_read(shanhu):
    assert publish(shanhu, "2026-07").status_code == 201
    # August unpublished: September's cards (two forfeited months running) would miss it.
    gap = publish(shanhu, "2026-09")
    assert gap.status_code == 409
    assert "lock 2026-08 first" in gap.get_json()["detail"]
    assert publish(shanhu, "2026-08").status_code == 201
    assert publish(shanhu, "2026-09").status_code == 201
    # A month the office really skips (2026-05 before 2026-07's scores): the gap accepted.
    assert publish(shanhu, "2026-05").status_code == 201  # nothing earlier: no gap
    assert publish(shanhu, "2026-03", accept_gap=True).status_code == 201


def test_a_scheme_without_a_published_version_cannot_be_evaluated(api, failing):
    api.post("/schemes", json={"template": SEED_004, "id": "draft-only"}, as_user=CENTRE)
    refused = api.post(
        "/schemes/draft-only/evaluations", json={"period": "2026-09"}, as_user=CENTRE
    )
    assert refused.status_code == 409


def test_a_sheet_explains_every_line_and_traces_every_fact(shanhu):
    publish(shanhu, "2026-09")
    found = shanhu.get("/schemes/shanhu/evaluations/2026-09/sheets/w01", as_user=CENTRE)
    assert found.status_code == 200, found.get_json()
    sheet = found.get_json()
    expected = engine_result("2026-09", SEPTEMBER).sheet("w01").to_dict()
    assert sheet["money"] == expected["money"]
    assert sheet["money_total"] == expected["money_total"]
    assert (sheet["rank"], sheet["total"]) == (expected["rank"], expected["total"])
    patrol = next(m for m in sheet["money"] if m["rule_id"] == "patrol_subsidy")
    assert patrol["explain"]["zh"]
    assert patrol["explain"]["en"]
    facts = {fact["input_id"]: fact for fact in sheet["facts"]}
    failing_days = facts["patrol_failing_days"]
    assert failing_days["value"] == "2026-09-15"
    assert failing_days["trace"] == [
        {"entry_id": "w01:patrol_failing_days", "event_id": "ev-w01-patrol_failing_days"}
    ]
    assert facts["special_duty"] == {
        "input_id": "special_duty",
        "name": {
            "zh": "负责信息系统日常维护或牵头工作",
            "en": "maintains the information system or leads",
        },
        "source": "manual",
        "scope": "subject",
        "given": False,
        "value": None,
        "default": "false",
        "trace": [],
    }


def test_a_sheet_with_lines_names_the_facts_behind_each_line(api, monkeypatch):
    example = load_facts(EXAMPLES.joinpath(f"{SEED_001}.facts.yaml").read_text(encoding="utf-8"))
    subjects = [{"id": s.id, "name": s.name, "facts": dict(s.values)} for s in example.subjects]
    bridge(
        monkeypatch, lambda scheme, period: {"subjects": subjects, "shared": dict(example.shared)}
    )
    api.post("/schemes", json={"template": SEED_001, "id": "park"}, as_user=CENTRE)
    api.post("/schemes/park/publish", as_user=CENTRE)
    made = api.post("/schemes/park/evaluations", json={"period": example.period}, as_user=CENTRE)
    assert made.status_code == 201, made.get_json()
    subject = subjects[0]["id"]
    sheet = api.get(
        f"/schemes/park/evaluations/{example.period}/sheets/{subject}", as_user=CENTRE
    ).get_json()
    direct = evaluate(load_scheme(text(SEED_001)), example).sheet(subject).to_dict()
    assert [(ln["indicator_id"], ln["points"]) for ln in sheet["lines"]] == [
        (ln["indicator_id"], ln["points"]) for ln in direct["lines"]
    ]
    assert sheet["total"] == direct["total"]
    for line in sheet["lines"]:
        assert line["explain"]["zh"]
        assert line["explain"]["en"]
        for fact in line["facts"]:
            assert fact["trace"] or not fact["given"], (line["indicator_id"], fact)
    assert any(line["facts"] for line in sheet["lines"])


def test_a_correction_is_the_next_edition_and_the_history_keeps_both(shanhu, failing):
    publish(shanhu, "2026-09")
    # A leave filing entered late: w02's 8 September was excused after all.
    failing["2026-09"] = {"w02": [7, 9], "w01": [15]}
    corrected = shanhu.post(
        "/schemes/shanhu/evaluations/2026-09/corrections",
        json={"reason": "请假备案补录 / a leave filing entered late"},
        as_user=CENTRE,
    )
    assert corrected.status_code == 201, corrected.get_json()
    body = corrected.get_json()
    assert (body["edition"], body["supersedes"]) == (2, 1)
    assert body["reason"] == "请假备案补录 / a leave filing entered late"
    assert [e["edition"] for e in body["editions"]] == [1, 2]
    w02 = next(r for r in body["rows"] if r["subject_id"] == "w02")
    assert w02["flags"] == []
    first = shanhu.get("/schemes/shanhu/evaluations/2026-09?edition=1", as_user=CENTRE).get_json()
    assert next(r for r in first["rows"] if r["subject_id"] == "w02")["flags"] == ["yellow_card"]
    latest = shanhu.get("/schemes/shanhu/evaluations/2026-09", as_user=CENTRE).get_json()
    assert latest["edition"] == 2
    [event] = outbox("shanhu|2026-09|2")
    assert (event.payload["edition"], event.payload["supersedes"]) == (2, 1)
    assert "reason" not in event.payload
    listed = shanhu.get("/schemes/shanhu/evaluations", as_user=CENTRE).get_json()
    assert [(e["period"], e["edition"]) for e in listed] == [("2026-09", 1), ("2026-09", 2)]
    nothing = shanhu.post(
        "/schemes/shanhu/evaluations/2026-08/corrections", json={"reason": "x"}, as_user=CENTRE
    )
    assert nothing.status_code == 409


def test_cards_come_from_the_published_history_of_adjacent_months(shanhu, failing):
    failing["2026-08"] = {"w02": [3, 4, 5]}
    failing["2026-10"] = {"w02": [12, 13, 14]}
    failing["2026-06"] = {"w02": [2, 3, 4]}
    for month in ("2026-06", "2026-08", "2026-09", "2026-10"):
        # July is skipped on purpose (the office publishes no July): the gap accepted.
        assert publish(shanhu, month, accept_gap=True).status_code == 201, month
    flags = {
        month: next(
            r["flags"]
            for r in shanhu.get(f"/schemes/shanhu/evaluations/{month}", as_user=CENTRE).get_json()[
                "rows"
            ]
            if r["subject_id"] == "w02"
        )
        for month in ("2026-06", "2026-08", "2026-09", "2026-10")
    }
    # June and August are not adjacent: August is a first yellow card; September the second
    # month running (red, superseding yellow); October the third.
    assert flags == {
        "2026-06": ["yellow_card"],
        "2026-08": ["yellow_card"],
        "2026-09": ["red_card"],
        "2026-10": ["red_card"],
    }


def test_a_worker_reads_only_his_own_sheet(shanhu):
    publish(shanhu, "2026-09")
    own = shanhu.get("/schemes/shanhu/evaluations/2026-09", as_user=W01).get_json()
    assert [r["subject_id"] for r in own["rows"]] == ["w01"]
    assert own["editions"] == []
    assert (
        shanhu.get("/schemes/shanhu/evaluations/2026-09/sheets/w01", as_user=W01).status_code == 200
    )
    assert (
        shanhu.get("/schemes/shanhu/evaluations/2026-09/sheets/w02", as_user=W01).status_code == 404
    )
    assert shanhu.get("/schemes/shanhu/evaluations/2026-09", as_user=STRANGER).status_code == 404
    assert shanhu.get("/schemes/shanhu/evaluations/2026-09/export", as_user=W01).status_code == 403
    assert (
        shanhu.post(
            "/schemes/shanhu/evaluations", json={"period": "2026-08"}, as_user=W01
        ).status_code
        == 403
    )


def test_a_grid_role_reads_the_grids_he_served_in_the_period(api, monkeypatch):
    example = load_facts(EXAMPLES.joinpath(f"{SEED_001}.facts.yaml").read_text(encoding="utf-8"))
    subjects = [{"id": s.id, "name": s.name, "facts": dict(s.values)} for s in example.subjects]
    bridge(
        monkeypatch, lambda scheme, period: {"subjects": subjects, "shared": dict(example.shared)}
    )
    api.post("/schemes", json={"template": SEED_001, "id": "park"}, as_user=CENTRE)
    api.post("/schemes/park/publish", as_user=CENTRE)
    api.post("/schemes/park/evaluations", json={"period": example.period}, as_user=CENTRE)
    period = parse_period("month", example.period)
    assert isinstance(period, Period)
    mine, other = subjects[0]["id"], subjects[1]["id"]
    # The read model grid_registry's team events keep: u-leader leads ``mine`` from the
    # period's first day; an earlier membership of ``other`` ended before it.
    memberships = RegistryMemberships("tenant-a")
    mark = AppliedMark(datetime(2020, 1, 1, tzinfo=UTC), ("e1",))
    memberships.record(Membership("m1", mine, "d1", "u-leader", "leader", period.start, None), mark)
    ended = period.start - timedelta(days=1)
    memberships.record(
        Membership("m0", other, "d1", "u-leader", "leader", date(2020, 1, 1), ended), mark
    )
    leader = {"subject": "u-leader", "tenant_id": "tenant-a", "roles": ("grid-leader",)}
    rows = api.get(f"/schemes/park/evaluations/{example.period}", as_user=leader).get_json()["rows"]
    assert [r["subject_id"] for r in rows] == [mine]
    base = f"/schemes/park/evaluations/{example.period}/sheets"
    assert api.get(f"{base}/{mine}", as_user=leader).status_code == 200
    assert api.get(f"{base}/{other}", as_user=leader).status_code == 404


def test_another_tenants_results_are_not_found(shanhu):
    publish(shanhu, "2026-09")
    for path in (
        "/schemes/shanhu/evaluations/2026-09",
        "/schemes/shanhu/evaluations/2026-09/sheets/w01",
        "/schemes/shanhu/evaluations/2026-09/export",
        "/schemes/shanhu/evaluations",
    ):
        assert shanhu.get(path, as_user=TENANT_B).status_code == 404, path
    assert publish_as(shanhu, TENANT_B, "2026-09").status_code == 404


def publish_as(api, user: dict[str, Any], period: str):
    return api.post("/schemes/shanhu/evaluations", json={"period": period}, as_user=user)


def test_the_export_is_a_workbook_of_every_subject(shanhu):
    publish(shanhu, "2026-09")
    found = shanhu.get("/schemes/shanhu/evaluations/2026-09/export", as_user=CENTRE)
    assert found.status_code == 200
    assert found.headers["Content-Disposition"].endswith("scores-shanhu-2026-09-e1.xlsx")
    sheet = load_workbook(io.BytesIO(found.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:6] == ("排名", "对象编号", "对象名称", "总分", "等级", "标记")
    assert "巡查补贴（元）" in rows[0]
    assert sorted(row[1] for row in rows[1:]) == ["w01", "w02", "w03"]
    w02 = next(row for row in rows[1:] if row[1] == "w02")
    assert w02[5] == "黄牌警告"


def draft_with_subsidy(api, amount: int) -> None:
    started = api.post("/schemes/shanhu/versions", as_user=CENTRE).get_json()
    changed = started["text"].replace("amount: 800", f"amount: {amount}", 1)
    assert changed != started["text"]
    saved = api.put("/schemes/shanhu/draft", json={"text": changed}, as_user=CENTRE)
    assert saved.status_code == 200


def test_simulate_shows_what_a_draft_changes_over_real_facts_and_stores_nothing(shanhu):
    draft_with_subsidy(shanhu, 900)
    found = shanhu.post("/schemes/shanhu/simulate", json={"period": "2026-09"}, as_user=CENTRE)
    assert found.status_code == 200, found.get_json()
    body = found.get_json()
    assert (body["before"]["version"], body["after"]["version"]) == (1, 2)
    money = {s["subject_id"]: s["money"] for s in body["subjects"]}
    # w01 and w03 are paid 100 more; w02 forfeited the subsidy either way
    assert money["w01"]["delta"] == "100.00"
    assert money["w03"]["delta"] == "100.00"
    assert money["w02"]["delta"] == "0.00"
    assert body["changed"] == 2
    assert {s["subject_id"]: s["changed"] for s in body["subjects"]} == {
        "w01": True,
        "w02": False,
        "w03": True,
    }
    assert shanhu.get("/schemes/shanhu/evaluations", as_user=CENTRE).get_json() == []
    # an explicit version, and the published one against itself
    same = shanhu.post(
        "/schemes/shanhu/simulate", json={"period": "2026-09", "version": 1}, as_user=CENTRE
    ).get_json()
    assert same["changed"] == 0


def test_simulate_refuses_an_invalid_draft_and_a_wrong_period(shanhu):
    started = shanhu.post("/schemes/shanhu/versions", as_user=CENTRE).get_json()
    broken = started["text"].replace("per_failing_day: 25", "per_failing_day: lots", 1)
    shanhu.put("/schemes/shanhu/draft", json={"text": broken}, as_user=CENTRE)
    invalid = shanhu.post("/schemes/shanhu/simulate", json={"period": "2026-09"}, as_user=CENTRE)
    assert invalid.status_code == 422
    assert [e["field"] for e in invalid.get_json()["errors"]] == ["version"]
    wrong = shanhu.post(
        "/schemes/shanhu/simulate", json={"period": "2026", "version": 1}, as_user=CENTRE
    )
    assert [e["field"] for e in wrong.get_json()["errors"]] == ["period"]


def test_compare_two_versions_over_a_period(shanhu):
    draft_with_subsidy(shanhu, 700)
    found = shanhu.get("/schemes/shanhu/compare?from=1&to=2&period=2026-09", as_user=CENTRE)
    assert found.status_code == 200, found.get_json()
    money = {s["subject_id"]: s["money"]["delta"] for s in found.get_json()["subjects"]}
    assert money == {"w01": "-100.00", "w02": "0.00", "w03": "-100.00"}
    missing = shanhu.get("/schemes/shanhu/compare?from=1&period=2026-09", as_user=CENTRE)
    assert missing.status_code == 422
    assert [e["field"] for e in missing.get_json()["errors"]] == ["to"]
    assert (
        shanhu.get("/schemes/shanhu/compare?from=1&to=7&period=2026-09", as_user=CENTRE).status_code
        == 404
    )


def test_results_with_subjects_lacking_facts_are_published_only_when_accepted(api, monkeypatch):
    def facts(scheme, period):
        document = shanhu_month(period, {})
        del document["subjects"][2]["facts"]["unreported_violation"]  # w03's not entered
        return document

    bridge(monkeypatch, facts)
    api.post("/schemes", json={"template": SEED_004, "id": "shanhu"}, as_user=CENTRE)
    api.post("/schemes/shanhu/publish", as_user=CENTRE)
    refused = publish(api, "2026-09")
    assert refused.status_code == 409
    assert "w03 (unreported_violation)" in refused.get_json()["detail"]
    accepted = publish(api, "2026-09", accept_incomplete=True)
    assert accepted.status_code == 201, accepted.get_json()
    body = accepted.get_json()
    assert body["incomplete"] == 1
    w03 = next(r for r in body["rows"] if r["subject_id"] == "w03")
    assert w03["missing"] == ["unreported_violation"]
    again = api.post(
        "/schemes/shanhu/evaluations/2026-09/corrections", json={"reason": "x"}, as_user=CENTRE
    )
    assert again.status_code == 409


def test_a_period_without_subjects_is_not_locked(api, monkeypatch):
    bridge(monkeypatch, lambda scheme, period: {"subjects": []})
    api.post("/schemes", json={"template": SEED_004, "id": "shanhu"}, as_user=CENTRE)
    api.post("/schemes/shanhu/publish", as_user=CENTRE)
    refused = publish(api, "2026-09")
    assert refused.status_code == 409
    assert "no worker to assess" in refused.get_json()["detail"]
