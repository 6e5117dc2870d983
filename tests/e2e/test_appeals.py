"""An appeal (申诉/复核) end to end on the running stack (issue 15): a street of its own pays two
full-time workers by seed 004 for the month; W3's information subsidy is cancelled for an
illegal building in his grid that went unreported (a manual input). W3 appeals that line with
a photo as evidence; the centre accepts it, striking the violation out. Edition 2 then pays W3
exactly the subsidy his 5 valid reports give, 200 - (20 - 5) x 10 = 50 yuan, and nothing else
changes: every sheet of both editions is compared line by line. W1 and tenant B get 404 for
W3's appeal and its evidence.

The month is locked early (``before_end``), as seed 004's own test does; patrol is not driven
(both workers' patrol lines are what they are, the same in both editions).
"""

from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from deploy.local.seed.identity import TENANTS
from tests.conftest import service_url, wait_until
from tests.e2e.test_registry import worker_subject
from tests.scoring import community_of_workers
from tests.tenants import TestTenant, invite_worker, onboard_tenant

pytestmark = pytest.mark.e2e

SHANGHAI = ZoneInfo("Asia/Shanghai")
TEMPLATE = "seed_004_shanhu_street_full_time_worker"
W3_REPORTS = 5
CATEGORIES = ("social_security", "public_safety", "city_management", "environmental_protection")


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, (response.request.method, response.url, response.text)
    return response.json()


@pytest.fixture(scope="module")
def street(api, keycloak_tokens, test_logins, test_district) -> dict[str, Any]:
    """The tenant, its two workers and grids, W3's reports, the manual inputs, the scheme
    published and the month locked as edition 1."""
    like = next(tenant for tenant in TENANTS if tenant.code == "demo-town-b")
    tenant: TestTenant = onboard_tenant(
        service_url("identity"),
        keycloak_tokens["platform.admin"],
        like=like,
        district_id=test_district,
        tokens=test_logins,
        registry_url=service_url("grid_registry"),
    )
    w3 = invite_worker(
        service_url("identity"),
        test_logins,
        tenant.admin,
        f"w3.{tenant.code}",
        display_name="网格员W3",
        phone="13800138004",
        registry_url=service_url("grid_registry"),
    )
    logins = {"W1": tenant.worker, "W3": w3}
    workers = {name: worker_subject(api, login) for name, login in logins.items()}
    today = datetime.now(SHANGHAI).date()
    period = today.strftime("%Y-%m")

    grids = community_of_workers(
        api("grid_registry", tenant.admin), workers, today.isoformat(), name="城南社区"
    )

    # W3 reports through the grid app in his grid (intake learns the grid from the registry's
    # events a moment after it was made).
    phone = api("event_intake", w3)
    grid = grids["W3"]
    for n in range(W3_REPORTS):
        body = {
            "source": "grid_app",
            "category": CATEGORIES[n % len(CATEGORIES)],
            "title": f"W3巡查发现问题{n + 1}",
            "description": "巡查中发现，已拍照",
            "address": f"城南社区{n + 1}号",
            "position": {"lon": grid["west"] + 0.0002 + 0.0004 * n, "lat": grid["south"] + 0.002},
            "grid_id": grid["grid_id"],
            "level": "grid",
            "request_id": f"W3-report-{n}",
        }
        answers: list[Any] = []

        def reported(body: dict[str, Any] = body, answers: list[Any] = answers) -> bool:
            answers.append(phone.post("/events", json=body))
            return answers[-1].status_code == 201

        assert wait_until(reported, timeout=30, interval=0.5), answers[-1].text

    scoring = api("scoring", tenant.admin)
    manual = {}
    for name in logins:
        for input_id, value, evidence in (
            ("unreported_violation", name == "W3", "城管巡查发现违建未上报（督查通报）"),
        ):
            made = ok(
                scoring.post(
                    "/manual-inputs",
                    json={
                        "input_id": input_id,
                        "subject_id": workers[name],
                        "period": period,
                        "value": value,
                        "evidence": evidence,
                    },
                ),
                201,
            )
            manual[f"{name}:{input_id}"] = made["manual_input_id"]
    scheme_id = ok(scoring.post("/schemes", json={"template": TEMPLATE}), 201)["scheme_id"]
    ok(scoring.post(f"/schemes/{scheme_id}/publish", json={}))

    def caught_up() -> bool:
        sheet = scoring.get(f"/schemes/{scheme_id}/provisional/sheets/{workers['W3']}")
        if sheet.status_code != 200:
            return False
        facts = {f["input_id"]: f["value"] for f in sheet.json()["facts"]}
        return facts.get("valid_info_reports") == str(W3_REPORTS)

    assert wait_until(caught_up, timeout=120, interval=1), "W3's reports never reached scoring"
    evaluation = ok(
        scoring.post(
            f"/schemes/{scheme_id}/evaluations",
            json={"period": period, "before_end": True, "accept_incomplete": True},
        ),
        201,
    )
    return {
        "tenant": tenant,
        "logins": logins,
        "workers": workers,
        "period": period,
        "scheme_id": scheme_id,
        "evaluation": evaluation,
        "manual": manual,
    }


@pytest.fixture(scope="module")
def decided(api, street) -> dict[str, Any]:
    """W3 appeals his information subsidy with a photo; the centre accepts it."""
    w3 = api("scoring", street["logins"]["W3"])
    base = f"/schemes/{street['scheme_id']}/evaluations/{street['period']}"
    appeal = ok(
        w3.post(
            f"{base}/appeals",
            json={
                "subject_id": street["workers"]["W3"],
                "line": "info_subsidy",
                "text": "网格内违建系上月已上报，附上报截图",
                "request_id": "w3-info-subsidy",
            },
        ),
        201,
    )
    photo = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 60, 40)).save(photo, format="JPEG")
    upload = w3.session.post(
        f"{w3.base}/appeals/{appeal['appeal_id']}/evidence",
        files={"file": ("上报截图.jpg", photo.getvalue(), "image/jpeg")},
        timeout=10,
    )
    assert upload.status_code == 201, upload.text
    centre = api("scoring", street["tenant"].admin)
    decision = ok(
        centre.post(
            f"/appeals/{appeal['appeal_id']}/decision",
            json={
                "outcome": "accepted",
                "reason": "核实：该违建已于上月上报，不属未掌握",
                "corrections": [{"input_id": "unreported_violation", "value": False}],
            },
        )
    )
    return {"filed": appeal, "evidence": upload.json(), "decision": decision}


def _sheets(scoring: Any, street: dict[str, Any], edition: int) -> dict[str, dict[str, Any]]:
    base = f"/schemes/{street['scheme_id']}/evaluations/{street['period']}"
    return {
        subject: ok(scoring.get(f"{base}/sheets/{subject}", params={"edition": edition}))
        for subject in street["workers"].values()
    }


def _amount(sheet: dict[str, Any], rule_id: str) -> Decimal:
    return Decimal(next(m["amount"] for m in sheet["money"] if m["rule_id"] == rule_id))


def _differences(before: dict[str, Any], after: dict[str, Any]) -> set[tuple[str, str]]:
    found = set()
    for subject, old in before.items():
        new = after[subject]
        for key in ("total", "rank", "grade", "flags", "money_total", "assessable"):
            if old[key] != new[key]:
                found.add((subject, key))
        for part, ident in (("lines", "indicator_id"), ("money", "rule_id"), ("facts", "input_id")):
            olds = {item[ident]: item for item in old[part]}
            news = {item[ident]: item for item in new[part]}
            assert set(olds) == set(news), (subject, part)
            found |= {(subject, f"{part}:{key}") for key in olds if olds[key] != news[key]}
    return found


def test_an_accepted_appeal_republishes_exactly_the_appealed_line(api, street, decided):
    decision = decided["decision"]
    assert (decision["status"], decision["correction_edition"]) == ("accepted", 2)
    assert [e["evidence_id"] for e in decision["evidence"]] == [decided["evidence"]["evidence_id"]]
    scoring = api("scoring", street["tenant"].admin)
    before, after = _sheets(scoring, street, 1), _sheets(scoring, street, 2)
    w3 = street["workers"]["W3"]
    found = _differences(before, after)
    if int(street["period"][5:]) % 3 == 0:
        # A quarter's last month ranks the stars by the quarter's pay: W3's basis moves by
        # 50 yuan (the ranks may swap), while both workers stay in the first tier's 300.
        stars = {d for d in found if d[1] == "money:star_reward"}
        assert (w3, "money:star_reward") in stars
        found -= stars
        for subject in before:
            assert _amount(before[subject], "star_reward") == _amount(after[subject], "star_reward")
    assert found == {
        (w3, "money:info_subsidy"),
        (w3, "money_total"),
        (w3, "facts:unreported_violation"),
    }

    # Cancelled in edition 1; 200 - (20 - 5) x 10 = 50 in edition 2.
    assert _amount(before[w3], "info_subsidy") == Decimal("0.00")
    assert _amount(after[w3], "info_subsidy") == Decimal("50.00")
    assert Decimal(after[w3]["money_total"]) - Decimal(before[w3]["money_total"]) == Decimal(50)
    fact = next(f for f in after[w3]["facts"] if f["input_id"] == "unreported_violation")
    assert fact["value"] == "false"
    assert fact["trace"][0]["ref"] == street["manual"]["W3:unreported_violation"]

    history = ok(scoring.get(f"/schemes/{street['scheme_id']}/evaluations/{street['period']}"))
    assert history["edition"] == 2
    assert [(e["edition"], e["supersedes"]) for e in history["editions"]] == [(1, None), (2, 1)]
    assert decided["filed"]["appeal_id"] in history["editions"][1]["reason"]
    manual = ok(scoring.get(f"/manual-inputs/{street['manual']['W3:unreported_violation']}"))
    assert [r["value"] for r in manual["revisions"]] == [True, False]


def test_the_subject_reads_his_appeal_and_its_evidence(api, street, decided):
    w3 = api("scoring", street["logins"]["W3"])
    appeal_id = decided["filed"]["appeal_id"]
    mine = ok(w3.get(f"/appeals/{appeal_id}"))
    assert (mine["status"], mine["line"], mine["correction_edition"]) == (
        "accepted",
        "info_subsidy",
        2,
    )
    listed = ok(w3.get("/appeals"))
    assert [a["appeal_id"] for a in listed["items"]] == [appeal_id]
    served = w3.get(f"/appeals/{appeal_id}/evidence/{decided['evidence']['evidence_id']}")
    assert served.status_code == 200
    assert served.headers["Content-Type"] == "image/jpeg"
    assert served.content.startswith(b"\xff\xd8\xff")


def test_another_worker_and_another_tenant_get_404(api, street, decided, tenant_b):
    appeal_id = decided["filed"]["appeal_id"]
    evidence_id = decided["evidence"]["evidence_id"]
    w1 = api("scoring", street["logins"]["W1"])
    other = api("scoring", tenant_b.admin)
    for client in (w1, other):
        assert client.get(f"/appeals/{appeal_id}").status_code == 404
        assert client.get(f"/appeals/{appeal_id}/evidence/{evidence_id}").status_code == 404
    assert ok(w1.get("/appeals"))["items"] == []
    assert ok(other.get("/appeals"))["items"] == []
    refused = other.post(
        f"/appeals/{appeal_id}/decision", json={"outcome": "rejected", "reason": "越权"}
    )
    assert refused.status_code == 404
    # W1 may not appeal W3's sheet either.
    base = f"/schemes/{street['scheme_id']}/evaluations/{street['period']}"
    foreign = w1.post(
        f"{base}/appeals",
        json={
            "subject_id": street["workers"]["W3"],
            "line": "task_reward",
            "text": "代他人申诉",
            "request_id": "w1-for-w3",
        },
    )
    assert foreign.status_code == 404


def test_a_rejected_appeal_publishes_nothing(api, street, decided):
    w1 = api("scoring", street["logins"]["W1"])
    base = f"/schemes/{street['scheme_id']}/evaluations/{street['period']}"
    appeal = ok(
        w1.post(
            f"{base}/appeals",
            json={
                "subject_id": street["workers"]["W1"],
                "line": "task_reward",
                "text": "任务已完成但未计入",
                "request_id": "w1-task",
            },
        ),
        201,
    )
    centre = api("scoring", street["tenant"].admin)
    rejected = ok(
        centre.post(
            f"/appeals/{appeal['appeal_id']}/decision",
            json={"outcome": "rejected", "reason": "本月未派发任务"},
        )
    )
    assert (rejected["status"], rejected["correction_edition"]) == ("rejected", None)
    history = ok(centre.get(f"/schemes/{street['scheme_id']}/evaluations/{street['period']}"))
    assert [e["edition"] for e in history["editions"]] == [1, 2]
