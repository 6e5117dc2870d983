"""Satisfaction surveys as a township's centre and its survey firm run them, through the running
services with real tokens and the real Kafka (issue 13's check).

Tenant A: a village of four grids (the session's worker on the first one's team), a
questionnaire on the three-level preset (基本满意 counts half), a third-party campaign over a
past year of this run's own, a frame of 200 households (50 per grid) imported from a
workbook, a sample drawn with quotas (10 per grid, 3 in the fourth), residents answering
through their one-time links (one link used twice, one answer too fast, one incomplete), phone
interviews with every outcome (a refusal and an unreachable respondent replaced from the
reserve), the centre's review, a 12345 work order imported into event_intake with its
callback, and the provincial callback results file imported into survey. Tenant B: one grid
and a callback file. Both publish their rates under one definition of this run's own, and the
district overseer reads the average.

Checked against a hand count: each source's n and satisfied per grid and for the tenant, the
weighted rates, tenant B's rate and the district average; the fourth grid (3 answers) shows no
rate, and neither the visible rows nor the drill-down give it away; nothing a tenant admin
reads names a household, phone number or address; a link used twice records one answer;
tenant B gets 404 for A's campaign.
"""

from __future__ import annotations

import io
import random
import re
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from openpyxl import load_workbook

from shared.testing.workbooks import xlsx
from tests.conftest import wait_until
from tests.e2e.test_registry import box, village_cells, worker_subject
from tests.tenants import TEST_OVERSEER
from tests.uploads import upload

pytestmark = pytest.mark.e2e

_rng = random.SystemRandom()
PLACES = Decimal("0.0001")
HALF = Decimal("0.5")
SAT, BASIC, UNSAT = "satisfied", "basically_satisfied", "unsatisfied"
CREDIT = {SAT: Decimal(1), BASIC: HALF, UNSAT: Decimal(0)}
MIN_ANSWER_SECONDS = 5

# What each grid's residents answer (the satisfaction question), by channel. Every answer listed
# is approved; the flagged ones (too fast, incomplete) are extra and never count.
WEB = {
    "G1": [SAT, SAT, SAT, BASIC, UNSAT, SAT],
    "G3": [SAT, UNSAT, UNSAT, BASIC, SAT],
    "G4": [SAT, SAT, BASIC],
}
PHONE = {"G2": [SAT, SAT, BASIC, BASIC, UNSAT, SAT, SAT]}
REPLACEMENT_ANSWER = SAT  # the refused G2 respondent's replacement, interviewed by phone
# 12345 callbacks of the results file (回访结果 labels), per grid.
FILE_CALLBACKS = {
    "G1": ["满意", "满意", "满意", "基本满意", "不满意", "未接通"],
    "G2": ["满意", "满意", "满意", "满意"],
}
TENANT_B_CALLBACKS = ["满意", "满意", "满意", "满意", "基本满意", "不满意"]


def round4(value: Decimal) -> Decimal:
    return value.quantize(PLACES, rounding=ROUND_HALF_UP)


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def local(day: date, hour: int, minute: int = 0) -> str:
    """An Asia/Shanghai wall time as a workbook cell writes it."""
    return f"{day.isoformat()} {hour:02d}:{minute:02d}"


def token_of(link: str) -> str:
    found = re.search(r"/s/([^/?#]+)", link)
    assert found is not None, link
    return found.group(1)


def stamp_of(page: str) -> str:
    found = re.search(r'name="t" value="([^"]+)"', page)
    assert found is not None, page[:500]
    return found.group(1)


def answer_form(stamp: str, satisfaction: str, *, complete: bool = True) -> dict[str, str]:
    form = {"t": stamp, "q_sat": satisfaction, "q_advice": "路灯坏了请修"}
    if complete:
        form["q_score"] = "4"
    return form


def interview_answers(satisfaction: str) -> dict[str, Any]:
    return {"sat": satisfaction, "score": 5, "advice": "满意"}


def rows_by(table: Mapping[str, Any], scope: str) -> dict[str, dict[str, Any]]:
    return {row["subject_id"]: row for row in table["rows"] if row["scope"] == scope}


def source_of(row: Mapping[str, Any], source: str) -> dict[str, Any]:
    return next(figure for figure in row["sources"] if figure["source"] == source)


# --- the world ------------------------------------------------------------------------------


def _village(api: Callable[..., Any], tenant: Any, grids: int, kind: str) -> dict[str, Any]:
    """A division of ``grids`` adjacent grids in force since 2025 (codes ``<code>-G<n>``)."""
    registry = api("grid_registry", tenant.admin)
    code = f"S{uuid.uuid4().hex[:8].upper()}"
    name = "满意度村" if kind == "village" else "满意度社区"
    division = ok(registry.post("/divisions", json={"code": code, "name": name, "kind": kind}), 201)
    west, south = village_cells()
    made: dict[str, dict[str, Any]] = {}
    for index in range(grids):
        body = {
            "division_id": division["division_id"],
            "code": f"{code}-G{index + 1}",
            "name": f"第{index + 1}网格",
            "type": kind,
            "boundary": box(west + 0.003 * index, south, west + 0.003 * (index + 1), south + 0.003),
            # In force since long before the run's past year (see `_period`).
            "valid_from": "2000-01-01",
        }
        made[f"G{index + 1}"] = ok(registry.post("/grids", json=body), 201)
    return {"division_id": division["division_id"], "code": code, "grids": made}


def _period() -> tuple[str, date]:
    """A past year (the campaign's and the rates' period) and the day the 12345 callbacks
    happen around. A year of its own and a definition of its own (random weights) make the
    district average count this run's two tenants only, whatever earlier runs published.
    Rates that count 12345 callbacks take standard periods only (a custom one a day longer
    would give a day's callbacks by subtraction)."""
    year = _rng.randint(2006, 2019)  # the holiday calendar intake's deadlines use covers these
    return str(year), date(year, _rng.randint(2, 11), 20)


def _questionnaire(centre: Any) -> str:
    body = {
        "name": "网格服务满意度调查",
        "description": "请根据您的实际感受作答。",
        "questions": [
            {"key": "sat", "kind": "single", "label": "您对本网格的服务是否满意？"},
            {"key": "score", "kind": "rating", "label": "请为网格员打分", "scale_max": 5},
            {"key": "advice", "kind": "text", "label": "意见和建议", "required": False},
        ],
        "satisfaction": {"question_key": "sat", "preset": "three_level", "basic_credit": "0.5"},
    }
    made = ok(centre.post("/questionnaires", json=body), 201)
    published = ok(centre.post(f"/questionnaires/{made['questionnaire_id']}/publish"))
    assert published["latest_published"] == 1
    return str(made["questionnaire_id"])


def _frame(village: Mapping[str, Any]) -> tuple[bytes, list[str]]:
    """200 households, 50 per grid: the workbook and every phone, address and reference."""
    rows: list[tuple[object, ...]] = [("户编号", "网格编码", "联系电话", "地址")]
    secrets: list[str] = []
    for name, grid in village["grids"].items():
        for n in range(50):
            ref = f"H{village['code']}{name}{n:03d}"
            phone = f"139{_rng.randint(10_000_000, 99_999_999)}"
            address = f"满意度村{name}组{n + 1}号"
            rows.append((ref, grid["code"], phone, address))
            secrets.extend([ref, phone, address])
    return xlsx(*rows), secrets


def _pending(centre: Any, campaign_id: str, grid_id: str) -> list[dict[str, Any]]:
    page = ok(
        centre.get(
            f"/campaigns/{campaign_id}/sample",
            params={"grid_id": grid_id, "status": "pending", "page_size": 100},
        )
    )
    return list(page["items"])


def _interview(centre: Any, campaign_id: str, code: str, outcome: str, **extra: Any) -> Any:
    body: dict[str, Any] = {
        "respondent_code": code,
        "outcome": outcome,
        "request_id": f"call-{uuid.uuid4().hex[:10]}",
        **extra,
    }
    return centre.post(f"/campaigns/{campaign_id}/interviews", json=body)


@pytest.fixture(scope="module")
def world(api, tenant_a, tenant_b) -> dict[str, Any]:
    """The whole scenario, run once; the tests below check what it left."""
    label, anchor = _period()
    survey_weight = Decimal(_rng.randint(5000, 8999)) / 10_000
    sources = f"survey:{survey_weight},hotline:{Decimal(1) - survey_weight}"
    centre = api("survey", tenant_a.admin)
    village = _village(api, tenant_a, 4, "village")
    grids = village["grids"]
    grid_ids = {name: grid["grid_id"] for name, grid in grids.items()}
    worker = worker_subject(api, tenant_a.worker)
    registry = api("grid_registry", tenant_a.admin)
    member = registry.post(
        f"/grids/{grid_ids['G1']}/team/members",
        json={
            "role": "full_time_worker",
            "person_name": "网格员",
            "user_id": worker,
            "starts_on": "2000-01-01",
        },
    )
    assert member.status_code == 201, member.text

    # The questionnaire, the campaign with its quotas, the frame.
    questionnaire_id = _questionnaire(centre)
    campaign = ok(
        centre.post(
            "/campaigns",
            json={
                "name": "网格服务满意度第三方调查",
                "kind": "third_party_survey",
                "period_kind": "year",
                "period": label,
                "questionnaire_id": questionnaire_id,
                "questionnaire_version": 1,
                "default_quota": 10,
                "quotas": {grid_ids["G4"]: 3},
                "seed": 20_261_113,
                "min_answer_seconds": MIN_ANSWER_SECONDS,
            },
        ),
        201,
    )
    campaign_id = campaign["campaign_id"]
    frame, secrets = _frame(village)
    path = f"/campaigns/{campaign_id}/frame"
    reports: list[dict[str, Any]] = []

    def frame_checks() -> bool:
        # survey learns of the new grids from the registry's events, a moment after.
        reports.append(upload(centre, path, frame, dry_run=True))
        return reports[-1]["failed"] == 0

    assert wait_until(frame_checks, timeout=60, interval=1), reports[-1]
    assert reports[-1]["created"] == 200
    assert upload(centre, path, frame)["created"] == 200
    assert upload(centre, path, frame)["unchanged"] == 200

    # The draw: 10 per grid, 3 in G4, the rest of each grid its reserve; then the fieldwork.
    drawn = ok(centre.post(f"/campaigns/{campaign_id}/sample"), 201)
    ok(centre.post(f"/campaigns/{campaign_id}/open"))
    resident = api("survey", None)
    pending = {name: _pending(centre, campaign_id, grid_ids[name]) for name in grids}

    # Web answers: every page is opened first, then answered after the minimum time; one
    # answer is sent at once (too fast), one leaves the required rating out (incomplete).
    shown: list[tuple[str, str, str]] = []  # (token, stamp, satisfaction)
    for name, answers in WEB.items():
        for respondent, satisfaction in zip(pending[name], answers, strict=False):
            token = token_of(respondent["link"])
            page = resident.get(f"/s/{token}")
            assert page.status_code == 200, page.text
            assert "您对本网格的服务是否满意" in page.text
            shown.append((token, stamp_of(page.text), satisfaction))
    extra = pending["G1"][len(WEB["G1"]) :]
    too_fast, incomplete = token_of(extra[0]["link"]), token_of(extra[1]["link"])
    fast_page = resident.get(f"/s/{too_fast}")
    fast = resident.post(f"/s/{too_fast}", data=answer_form(stamp_of(fast_page.text), SAT))
    assert fast.status_code == 200, fast.text
    incomplete_page = resident.get(f"/s/{incomplete}")
    time.sleep(MIN_ANSWER_SECONDS + 1)
    for token, stamp, satisfaction in shown:
        sent = resident.post(f"/s/{token}", data=answer_form(stamp, satisfaction))
        assert sent.status_code == 200, sent.text
        assert "提交成功" in sent.text
    partial = resident.post(
        f"/s/{incomplete}",
        data=answer_form(stamp_of(incomplete_page.text), UNSAT, complete=False),
    )
    assert partial.status_code == 200, partial.text
    # The first link used again: a page saying so, and no second answer.
    first_token, first_stamp, _ = shown[0]
    again = resident.post(f"/s/{first_token}", data=answer_form(first_stamp, UNSAT))
    reopened = resident.get(f"/s/{first_token}")

    # Phone interviews in G2: completed ones, a refusal (replaced, the replacement
    # interviewed) and an unreachable respondent (replaced, the replacement not reached yet).
    started = datetime.now(UTC) - timedelta(minutes=30)
    timing = {
        "started_at": started.isoformat(),
        "finished_at": (started + timedelta(minutes=4)).isoformat(),
    }
    g2 = pending["G2"]
    for respondent, satisfaction in zip(g2, PHONE["G2"], strict=False):
        done = _interview(
            centre,
            campaign_id,
            respondent["code"],
            "completed",
            answers=interview_answers(satisfaction),
            **timing,
        )
        assert done.status_code == 201, done.text
    refused = ok(_interview(centre, campaign_id, g2[7]["code"], "refused"), 201)
    unreachable = ok(_interview(centre, campaign_id, g2[8]["code"], "unreachable"), 201)
    replacement = refused["replaced_by"]
    assert replacement
    assert unreachable["replaced_by"]
    done = _interview(
        centre,
        campaign_id,
        replacement,
        "completed",
        answers=interview_answers(REPLACEMENT_ANSWER),
        **timing,
    )
    assert done.status_code == 201, done.text

    # The centre's review: the clean answers approved at once, the too fast one rejected, the
    # incomplete one left received.
    approved = ok(centre.post(f"/campaigns/{campaign_id}/responses/approve-clean"))
    flagged = ok(centre.get(f"/campaigns/{campaign_id}/responses", params={"flagged": "true"}))[
        "items"
    ]
    fast_response = next(item for item in flagged if "too_fast" in item["flags"])
    rejected = ok(
        centre.post(
            f"/responses/{fast_response['response_id']}/review",
            json={"decision": "reject", "reason": "作答时间过短"},
        )
    )

    # A 12345 work order through event_intake, its callback (satisfied, five days ago)
    # reaching survey over Kafka; the provincial results file then says unsatisfied, later.
    intake = api("event_intake", tenant_a.admin)
    intake_order = f"GD{uuid.uuid4().hex[:10].upper()}"
    called = anchor - timedelta(days=6)
    order_book = xlsx(
        ("工单编号", "来电时间", "诉求分类", "诉求标题", "网格编码", "回访结果", "回访时间"),
        (
            intake_order,
            local(called, 9),
            "city_management",
            "路灯不亮",
            grids["G2"]["code"],
            "满意",
            local(anchor - timedelta(days=5), 10),
        ),
    )
    imported: list[dict[str, Any]] = []

    def intake_takes_it() -> bool:
        imported.append(upload(intake, "/hotline/work-orders/import", order_book))
        return imported[-1]["failed"] == 0

    assert wait_until(intake_takes_it, timeout=60, interval=1), imported[-1]
    seen: list[dict[str, Any]] = []

    def survey_keeps_it() -> bool:
        page = ok(centre.get("/callbacks", params={"grid_id": grid_ids["G2"]}))
        seen[:] = [item for item in page["items"] if item["work_order_no"] == intake_order]
        return bool(seen)

    assert wait_until(survey_keeps_it, timeout=60, interval=1), "intake's callback never came"
    from_intake = seen[0]

    day = anchor - timedelta(days=3)
    file_rows: list[tuple[object, ...]] = [
        ("工单编号", "回访结果", "回访时间", "网格编码", "事项编号")
    ]
    for name, outcomes in FILE_CALLBACKS.items():
        for n, outcome in enumerate(outcomes):
            number = f"GD{village['code']}{name}{n:02d}"
            file_rows.append((number, outcome, local(day, 10, n), grids[name]["code"], None))
    file_rows.append((intake_order, "不满意", local(anchor - timedelta(days=2), 11), None, None))
    file_rows.append((f"GD{village['code']}X1", "满意", local(day, 15), None, None))
    file_rows.append((f"GD{village['code']}X2", "很好", local(day, 15), grids["G1"]["code"], None))
    results = xlsx(*file_rows)
    callbacks_dry = upload(centre, "/callbacks/imports", results, dry_run=True)
    callbacks_done = upload(centre, "/callbacks/imports", results)
    callbacks_again = upload(centre, "/callbacks/imports", results)

    # Tenant B: one grid, six callbacks.
    centre_b = api("survey", tenant_b.admin)
    street = _village(api, tenant_b, 1, "community")
    b_rows: list[tuple[object, ...]] = [("工单编号", "回访结果", "回访时间", "网格编码")]
    for n, outcome in enumerate(TENANT_B_CALLBACKS):
        b_rows.append(
            (f"GD{street['code']}{n:02d}", outcome, local(day, 9, n), street["grids"]["G1"]["code"])
        )
    b_book = xlsx(*b_rows)
    b_reports: list[dict[str, Any]] = []

    def b_grid_known() -> bool:
        b_reports.append(upload(centre_b, "/callbacks/imports", b_book, dry_run=True))
        return b_reports[-1]["failed"] == 0

    assert wait_until(b_grid_known, timeout=60, interval=1), b_reports[-1]
    assert upload(centre_b, "/callbacks/imports", b_book)["created"] == len(TENANT_B_CALLBACKS)

    query = {"period_kind": "year", "period": label, "sources": sources, "basic_credit": "0.5"}
    return {
        "label": label,
        "anchor": anchor,
        "survey_weight": survey_weight,
        "sources": sources,
        "query": query,
        "village": village,
        "grid_ids": grid_ids,
        "worker": worker,
        "campaign_id": campaign_id,
        "campaign": campaign,
        "drawn": drawn,
        "secrets": secrets,
        "pending": pending,
        "again": again,
        "reopened": reopened,
        "first_token": first_token,
        "approved": approved,
        "rejected": rejected,
        "replacement": replacement,
        "intake_order": intake_order,
        "from_intake": from_intake,
        "callbacks": (callbacks_dry, callbacks_done, callbacks_again),
        "street": street,
    }


# --- the checks -----------------------------------------------------------------------------


def test_the_sample_follows_the_quotas(world):
    grids = {row["grid_id"]: row for row in world["drawn"]["grids"]}
    ids = world["grid_ids"]
    assert {name: (grids[ids[name]]["frame"], grids[ids[name]]["drawn"]) for name in ids} == {
        "G1": (50, 10),
        "G2": (50, 10),
        "G3": (50, 10),
        "G4": (50, 3),
    }
    assert {name: grids[ids[name]]["reserve"] for name in ids} == {
        "G1": 40,
        "G2": 40,
        "G3": 40,
        "G4": 47,
    }
    assert {name: len(rows) for name, rows in world["pending"].items()} == {
        "G1": 10,
        "G2": 10,
        "G3": 10,
        "G4": 3,
    }


def test_a_link_used_twice_records_one_answer(api, tenant_a, world):
    assert world["again"].status_code == 410
    assert "您已提交过答卷" in world["again"].text
    assert world["reopened"].status_code == 410
    centre = api("survey", tenant_a.admin)
    detail = ok(centre.get(f"/campaigns/{world['campaign_id']}"))
    # G1: 6 answers + the too fast + the incomplete; G2: 7 + the replacement; G3 5; G4 3.
    states = ("received", "approved", "rejected")
    assert sum(detail["responses"].get(state, 0) for state in states) == 24
    assert detail["responses"]["approved"] == 22
    assert detail["responses"]["rejected"] == 1
    assert detail["responses"]["received"] == 1
    assert world["approved"]["approved"] == 22
    assert world["rejected"]["review"] == "rejected"


def test_callbacks_are_kept_once_per_work_order(api, tenant_a, world):
    dry, done, again = world["callbacks"]
    # 10 new work orders, intake's one updated, two rows refused (no grid, no such outcome).
    assert (dry["dry_run"], dry["created"], dry["updated"], dry["failed"]) == (True, 10, 1, 2)
    assert (done["created"], done["updated"], done["failed"]) == (10, 1, 2)
    assert (again["created"], again["updated"], again["unchanged"], again["failed"]) == (
        0,
        0,
        11,
        2,
    )
    assert sorted(problem["column"] for problem in done["problems"]) == ["回访结果", "网格编码"]
    assert world["from_intake"]["origin"] == "intake"
    assert world["from_intake"]["event_id"]
    centre = api("survey", tenant_a.admin)
    listed = ok(
        centre.get(
            "/callbacks",
            params={"period_kind": "year", "period": world["label"], "page_size": 100},
        )
    )
    ours = {
        item["work_order_no"]: item
        for item in listed["items"]
        if item["grid_id"] in world["grid_ids"].values()
    }
    assert len(ours) == 11
    kept = ours[world["intake_order"]]
    # Intake's event and grid, the file's later outcome.
    assert (kept["event_id"], kept["grid_id"], kept["attached_by"]) == (
        world["from_intake"]["event_id"],
        world["grid_ids"]["G2"],
        "intake",
    )
    assert (kept["outcome"], kept["origin"]) == ("unsatisfied", "import")
    g1 = [item for item in ours.values() if item["grid_id"] == world["grid_ids"]["G1"]]
    assert {item["worker_id"] for item in g1} == {world["worker"]}


def _hand_count(world: Mapping[str, Any]) -> dict[str, Any]:
    """Each grid's and the tenant's survey and 12345 figures, and the weighted rates."""
    w = world["survey_weight"]
    survey: dict[str, list[str]] = {**WEB, "G2": [*PHONE["G2"], REPLACEMENT_ANSWER]}
    hotline: dict[str, list[str]] = {
        "G1": [SAT, SAT, SAT, BASIC, UNSAT],  # the unreachable call is not an answer
        "G2": [SAT, SAT, SAT, SAT, UNSAT],  # the file's four, and intake's work order
    }

    def tally(answers: list[str]) -> tuple[int, Decimal]:
        return len(answers), sum((CREDIT[answer] for answer in answers), Decimal(0))

    def combined(parts: list[tuple[Decimal, int, Decimal]]) -> Decimal:
        total = sum((weight for weight, _n, _s in parts), Decimal(0))
        # As the service weighs: each source's share of the weight times its s / n.
        return round4(sum(((weight / total) * (s / n) for weight, n, s in parts), Decimal(0)))

    figures: dict[str, Any] = {}
    for name in ("G1", "G2", "G3", "G4"):
        parts = []
        entry: dict[str, Any] = {}
        for source, weight, answers in (
            ("survey", w, survey.get(name, [])),
            ("hotline", 1 - w, hotline.get(name, [])),
        ):
            n, satisfied = tally(answers)
            entry[source] = (n, satisfied)
            if n:
                parts.append((weight, n, satisfied))
        entry["rate"] = combined(parts)
        entry["n"] = sum(n for _w, n, _s in parts)
        figures[name] = entry
    all_survey = [answer for answers in survey.values() for answer in answers]
    all_hotline = [answer for answers in hotline.values() for answer in answers]
    s_n, s_sat = tally(all_survey)
    h_n, h_sat = tally(all_hotline)
    figures["tenant"] = {
        "survey": (s_n, s_sat),
        "hotline": (h_n, h_sat),
        "n": s_n + h_n,
        "rate": combined([(w, s_n, s_sat), (1 - w, h_n, h_sat)]),
    }
    return figures


def test_rates_per_grid_and_tenant_match_a_hand_count(api, tenant_a, world):
    hand = _hand_count(world)
    table = ok(api("survey", tenant_a.admin).get("/rates", params=world["query"]))
    assert table["min_cell_size"] == 5
    grids = rows_by(table, "grid")
    ids = world["grid_ids"]
    for name in ("G1", "G2"):
        row = grids[ids[name]]
        assert row["suppressed"] is False, row
        assert (row["n"], Decimal(row["rate"])) == (hand[name]["n"], hand[name]["rate"]), name
        for source in ("survey", "hotline"):
            figure = source_of(row, source)
            n, satisfied = hand[name][source]
            assert (figure["n"], Decimal(figure["satisfied"])) == (n, satisfied), (name, source)
            assert Decimal(figure["rate"]) == round4(satisfied / n)
        assert Decimal(row["low"]) <= Decimal(row["rate"]) <= Decimal(row["high"])
    [tenant] = rows_by(table, "tenant").values()
    assert tenant["subject_id"] == tenant_a.code
    assert (tenant["n"], Decimal(tenant["rate"])) == (hand["tenant"]["n"], hand["tenant"]["rate"])
    for source in ("survey", "hotline"):
        figure = source_of(tenant, source)
        assert (figure["n"], Decimal(figure["satisfied"])) == hand["tenant"][source]
    # The worker of G1 is rated by G1's 12345 callbacks (survey answers rate no worker).
    worker = rows_by(table, "worker")[world["worker"]]
    assert source_of(worker, "hotline")["n"] in (hand["G1"]["hotline"][0], None)


def test_a_grid_with_three_answers_shows_no_rate_and_nothing_gives_it_away(api, tenant_a, world):
    centre = api("survey", tenant_a.admin)
    table = ok(centre.get("/rates", params=world["query"]))
    grids = rows_by(table, "grid")
    ids = world["grid_ids"]
    small = grids[ids["G4"]]
    assert small["suppressed"] is True
    assert (small["n"], small["rate"], small["satisfied"], small["low"]) == (None, None, None, None)
    assert all(figure["n"] is None or figure["n"] == 0 for figure in small["sources"])
    # Complementary suppression: what the tenant and division rows show, less every visible
    # grid, is a group of hidden grids large enough to say nothing of any one of them.
    hidden = [row for row in grids.values() if row["suppressed"]]
    assert len(hidden) >= 2
    totals = [*rows_by(table, "tenant").values(), *rows_by(table, "division").values()]
    for total in totals:
        if total["suppressed"]:
            continue
        for source in ("survey", "hotline"):
            whole = source_of(total, source)["n"]
            if whole is None:
                continue
            members = [
                row
                for row in grids.values()
                if total["scope"] == "tenant" or row["division_id"] == total["subject_id"]
            ]
            shown = sum(source_of(row, source)["n"] or 0 for row in members)
            left = whole - shown
            assert left == 0 or left >= table["min_cell_size"], (total["scope"], source, left)
    # The drill-down of the hidden grid explains nothing.
    explained = ok(centre.get("/rates/explain", params={**world["query"], "grid_id": ids["G4"]}))
    assert explained["lines"] == []
    assert explained["row"] is None or explained["row"]["n"] is None
    # Nor does subtracting the visible grids' explanations from the tenant's.
    tenant_lines = ok(centre.get("/rates/explain", params=world["query"]))["lines"]
    visible = [name for name in ("G1", "G2", "G3") if not grids[ids[name]]["suppressed"]]
    remaining = {line["source"]: line["n"] for line in tenant_lines}
    for name in visible:
        lines = ok(centre.get("/rates/explain", params={**world["query"], "grid_id": ids[name]}))
        for line in lines["lines"]:
            remaining[line["source"]] -= line["n"]
    assert remaining["survey"] >= table["min_cell_size"]


def test_nothing_a_tenant_admin_reads_links_an_answer_to_a_household(api, tenant_a, world):
    centre = api("survey", tenant_a.admin)
    campaign = world["campaign_id"]
    bodies = [
        centre.get(f"/campaigns/{campaign}").text,
        centre.get(f"/campaigns/{campaign}/frame").text,
        centre.get(f"/campaigns/{campaign}/sample", params={"page_size": 100}).text,
        centre.get(f"/campaigns/{campaign}/responses", params={"page_size": 100}).text,
        centre.get("/rates", params=world["query"]).text,
        centre.get("/callbacks", params={"page_size": 100}).text,
    ]
    export = centre.get(f"/campaigns/{campaign}/sample/export")
    assert export.status_code == 200, export.text
    sheet = load_workbook(io.BytesIO(export.content)).active
    assert sheet is not None
    bodies.append(str([[cell.value for cell in row] for row in sheet.iter_rows()]))
    text = "\n".join(bodies)
    leaked = [secret for secret in world["secrets"] if secret in text]
    assert leaked == []
    responses = ok(centre.get(f"/campaigns/{campaign}/responses", params={"page_size": 100}))
    assert responses["total"] == 24
    for item in responses["items"]:
        assert not {"code", "respondent_code", "household", "phone", "address", "link"} & set(item)
    # An answered respondent's link is gone from the sample list.
    answered = ok(
        centre.get(f"/campaigns/{campaign}/sample", params={"status": "answered", "page_size": 100})
    )
    assert answered["total"] >= 22
    assert all(item["link"] is None for item in answered["items"])
    assert world["first_token"] not in text


def test_tenant_b_sees_none_of_as_campaigns(api, tenant_b, world):
    other = api("survey", tenant_b.admin)
    campaign = world["campaign_id"]
    assert other.get(f"/campaigns/{campaign}").status_code == 404
    assert other.get(f"/campaigns/{campaign}/sample").status_code == 404
    assert other.get(f"/campaigns/{campaign}/frame").status_code == 404
    assert other.post(f"/campaigns/{campaign}/close").status_code == 404
    assert campaign not in other.get("/campaigns", params={"page_size": 100}).text
    callbacks = ok(other.get("/callbacks", params={"page_size": 100}))
    assert {item["grid_id"] for item in callbacks["items"]} == {
        world["street"]["grids"]["G1"]["grid_id"]
    }


def test_the_district_average_of_two_tenants_matches_a_hand_count(api, tenant_a, tenant_b, world):
    hand = _hand_count(world)
    published_a = ok(
        api("survey", tenant_a.admin).post("/rates/publications", json=world["query"]), 201
    )
    published_b = ok(
        api("survey", tenant_b.admin).post("/rates/publications", json=world["query"]), 201
    )
    code = published_a["definition_code"]
    assert published_b["definition_code"] == code
    [tenant_b_row] = [row for row in published_b["rows"] if row["scope"] == "tenant"]
    b_n = len(TENANT_B_CALLBACKS)
    b_satisfied = sum((CREDIT[o] for o in (SAT, SAT, SAT, SAT, BASIC, UNSAT)), Decimal(0))
    b_rate = round4(b_satisfied / b_n)
    assert (tenant_b_row["n"], Decimal(tenant_b_row["rate"])) == (b_n, b_rate)
    assert tenant_b_row["renormalised"] is True  # no survey answers: 12345 weighs all

    overseer = api("survey", TEST_OVERSEER)
    params = {"period_kind": "year", "period": world["label"], "definition": code}
    found: list[dict[str, Any]] = []

    def averaged() -> bool:
        body = ok(overseer.get("/district/averages", params=params))
        found[:] = [a for a in body["averages"] if a["definition_code"] == code]
        return bool(found) and found[0]["tenants_counted"] == 2

    assert wait_until(averaged, timeout=60, interval=1), found
    average = found[0]
    expected = round4((hand["tenant"]["rate"] + b_rate) / 2)
    assert Decimal(average["average"]) == expected
    members = {row["tenant_id"]: row for row in average["tenants"]}
    assert Decimal(members[tenant_a.code]["rate"]) == hand["tenant"]["rate"]
    assert Decimal(members[tenant_b.code]["rate"]) == b_rate
    assert average["pooled_n"] == hand["tenant"]["n"] + b_n
    # A tenant reads the district figures and its own rate, never the other member's.
    own = ok(api("survey", tenant_a.admin).get("/district/averages", params=params))
    [mine] = [a for a in own["averages"] if a["definition_code"] == code]
    assert Decimal(mine["average"]) == expected
    assert tenant_b.code not in str(own)
