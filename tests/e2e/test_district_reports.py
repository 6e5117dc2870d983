"""District reports end to end (issue 15): the district overseer sees his district's tenants side
by side, through the running services with real tokens and the real Kafka.

Two fresh tenants of the session's test district, on different scheme templates (shaped like
demo-town-a, a township, and demo-town-b, a street), get this month's events through
event_intake's API:

========  ==========================================  =========================================
tenant    events (reported by the centre, web)        hand count
========  ==========================================  =========================================
town      e1 accepted, started, resolved, closed;      reported 3; accepted on time 2 (66.67);
          e2 accepted, escalated to town level;        closed on time 1 (33.33); escalated 1
          e3 only reported                             (33.33); staffing 1 of 2 grids (50.00);
          management system filed, assessment system   filed systems 1 of 2 (50.00)
          filed and withdrawn
street    e1, e2 accepted and closed; e3 rejected      reported 2; accepted on time 2 (100.00);
          as invalid (not counted)                     closed on time 2 (100.00); escalated 0;
                                                       staffing 1 of 1 (100.00); filed
                                                       systems 0 of 2 (0.00)
========  ==========================================  =========================================

The overseer's report for the month matches the hand count for both (identity's tenants reach
scoring over Kafka, the events and grid_registry's filings (制度备案) through the metric
ledger), the drill-down shows the town's division with the same figures and no person, a demo
tenant (another district) is a 404, a tenant's own admin gets 403, and the Excel export names the
period and when it was generated.
Other tests of the session write into tenant_a/tenant_b, so these two tenants are this
module's own.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from deploy.local.seed.identity import TENANTS
from tests.conftest import service_url, wait_until
from tests.e2e.test_registry import box, village_cells, worker_subject
from tests.tenants import TEST_OVERSEER, TestTenant, onboard_tenant

pytestmark = pytest.mark.e2e

SHANGHAI = ZoneInfo("Asia/Shanghai")
CATEGORY = "city_management"


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, (response.request.method, response.url, response.text)
    return response.json()


def _tenant(
    like: str, keycloak_tokens: Mapping[str, str], logins: Any, district: str
) -> TestTenant:
    demo = next(tenant for tenant in TENANTS if tenant.code == like)
    return onboard_tenant(
        service_url("identity"),
        keycloak_tokens["platform.admin"],
        like=demo,
        district_id=district,
        tokens=logins,
        registry_url=service_url("grid_registry"),
    )


def _grids(
    api: Callable[..., Any], tenant: TestTenant, kind: str, staffed: tuple[bool, ...]
) -> tuple[str, list[str]]:
    """A division with one grid per `staffed` flag; the tenant's worker serves the staffed."""
    registry = api("grid_registry", tenant.admin)
    code = f"D{uuid.uuid4().hex[:8].upper()}"
    division = ok(
        registry.post("/divisions", json={"code": code, "name": "对比村", "kind": kind}), 201
    )
    west, south = village_cells()
    worker = worker_subject(api, tenant.worker)
    grids = []
    for index, with_worker in enumerate(staffed):
        left = west + 0.004 * index
        grid = ok(
            registry.post(
                "/grids",
                json={
                    "division_id": division["division_id"],
                    "code": f"{code}-G{index + 1}",
                    "name": f"对比网格{index + 1}",
                    "type": kind,
                    "boundary": box(left, south, left + 0.004, south + 0.004),
                    "valid_from": "2025-01-01",
                },
            ),
            201,
        )
        if with_worker:
            ok(
                registry.post(
                    f"/grids/{grid['grid_id']}/team/members",
                    json={
                        "role": "full_time_worker",
                        "person_name": "网格员",
                        "user_id": worker,
                        "starts_on": "2025-01-01",
                    },
                ),
                201,
            )
        grids.append(grid["grid_id"])
    return division["division_id"], grids


def _file_systems(api: Callable[..., Any], tenant: TestTenant, division_id: str) -> int:
    """制度备案 through grid_registry's API: the division's management system filed today, its
    assessment system filed and withdrawn (not filed). Returns how many were filed late."""
    registry = api("grid_registry", tenant.admin)
    due = {item["code"]: item["due_on"] for item in ok(registry.get("/filing-items"))["items"]}
    for code in ("management_rules", "assessment_rules"):
        if code not in due:
            item = ok(
                registry.post("/filing-items", json={"code": code, "due_on": "2025-03-31"}), 201
            )
            due[code] = item["due_on"]
    today = datetime.now(SHANGHAI).date().isoformat()
    filed = {}
    for number, code in enumerate(("management_rules", "assessment_rules"), start=1):
        evidence = {
            "document_title": f"对比村 {code}",
            "document_number": f"对比〔2026〕{number}号",
            "reference": f"e2e://filings/{code}.pdf",
        }
        body = {"item_code": code, "filed_on": today, "evidence": evidence}
        filed[code] = ok(registry.post(f"/divisions/{division_id}/filings", json=body), 201)
    withdrawn = filed["assessment_rules"]["filing_id"]
    ok(registry.post(f"/filings/{withdrawn}/withdraw", json={"reason": "端到端测试撤回"}))
    return int(today > due["management_rules"])  # filed_late: filed after its due day


def _report(intake: Any, grid_id: str) -> str:
    body = {
        "source": "web",
        "category": CATEGORY,
        "title": "区县对比测试事项",
        "description": "端到端测试上报",
        "grid_id": grid_id,
        "request_id": f"district-{uuid.uuid4().hex[:12]}",
    }
    answers: list[Any] = []

    def reported() -> bool:
        # event_intake learns of the grid from the registry's events.
        answers.append(intake.post("/events", json=body))
        return answers[-1].status_code in (200, 201)

    assert wait_until(reported, timeout=60, interval=0.5), answers[-1].text
    return str(answers[-1].json()["event_id"])


def _act(intake: Any, event_id: str, action: str, **details: Any) -> dict[str, Any]:
    return dict(ok(intake.post(f"/events/{event_id}/actions", json={"action": action, **details})))


def _close(intake: Any, event_id: str) -> None:
    for action in ("start", "resolve"):
        _act(intake, event_id, action)
    closing = _act(intake, event_id, "close")
    assert (closing["state"], closing["closed_on_time"]) == ("closed", True)


@pytest.fixture(scope="module")
def district(api, keycloak_tokens, test_logins, test_district) -> dict[str, Any]:
    town = _tenant("demo-town-a", keycloak_tokens, test_logins, test_district)
    street = _tenant("demo-town-b", keycloak_tokens, test_logins, test_district)
    town_division, town_grids = _grids(api, town, "village", (True, False))
    _, street_grids = _grids(api, street, "community", (True,))
    town_late = _file_systems(api, town, town_division)

    intake = api("event_intake", town.admin)
    e1 = _report(intake, town_grids[0])
    assert _act(intake, e1, "accept")["accepted_on_time"] is True
    _close(intake, e1)
    e2 = _report(intake, town_grids[0])
    _act(intake, e2, "accept")
    assert _act(intake, e2, "escalate", level="town")["level"] == "town"
    _report(intake, town_grids[1])

    intake = api("event_intake", street.admin)
    for _ in range(2):
        event_id = _report(intake, street_grids[0])
        _act(intake, event_id, "accept")
        _close(intake, event_id)
    rejected = _report(intake, street_grids[0])
    _act(intake, rejected, "reject_invalid", reason="无效上报，重复信息")
    return {
        "town": town,
        "street": street,
        "town_division": town_division,
        "town_late": town_late,
        "period": datetime.now(SHANGHAI).strftime("%Y-%m"),
        "district_id": test_district,
    }


def _ratio(found: Mapping[str, Any]) -> tuple[int, int, str | None]:
    return (found["numerator"], found["denominator"], found["percent"])


TOWN = {
    "events_reported": 3,
    "acceptance_on_time": (2, 3, "66.67"),
    "closure_on_time": (1, 3, "33.33"),
    "events_closed": 1,
    "escalation": (1, 3, "33.33"),
    "staffing": (1, 2, "50.00"),
    # One division × 2 systems: the management system filed, the assessment one withdrawn.
    "filed_systems": (1, 2, "50.00"),
}
STREET = {
    "events_reported": 2,
    "acceptance_on_time": (2, 2, "100.00"),
    "closure_on_time": (2, 2, "100.00"),
    "events_closed": 2,
    "escalation": (0, 2, "0.00"),
    "staffing": (1, 1, "100.00"),
    "filed_systems": (0, 2, "0.00"),  # nothing filed
}


def _shown(indicators: Mapping[str, Any]) -> dict[str, Any]:
    return {
        name: _ratio(indicators[name]) if isinstance(expected, tuple) else indicators[name]
        for name, expected in TOWN.items()
    }


def test_the_overseer_sees_both_tenants_side_by_side_as_counted_by_hand(api, district):
    scoring = api("scoring", TEST_OVERSEER)
    codes = {district["town"].code: "town", district["street"].code: "street"}
    found: dict[str, Any] = {}

    def counted() -> bool:
        body = ok(scoring.get("/district/report", params={"period": district["period"]}))
        found["body"] = body
        rows = {row["code"]: row for row in body["tenants"] if row["code"] in codes}
        found["rows"] = {codes[code]: _shown(row["indicators"]) for code, row in rows.items()}
        return found["rows"] == {"town": TOWN, "street": STREET}

    assert wait_until(counted, timeout=120, interval=2), found.get("rows")
    body = found["body"]
    assert body["district_id"] == district["district_id"]
    assert body["period"]["label"] == district["period"]
    # Only tenants of the test district, never a demo tenant.
    assert not {row["tenant_id"] for row in body["tenants"]} & {t.code for t in TENANTS}
    for row in body["tenants"]:
        if row["code"] in codes:
            indicators = row["indicators"]
            assert indicators["base_info_freshness"]["numerator"] == 0  # none recorded
            late = district["town_late"] if codes[row["code"]] == "town" else 0
            assert indicators["filed_late"] == late
            assert row["published"] == []  # neither published a result this month


def test_the_drill_down_stops_at_the_division_and_another_district_is_a_404(api, district):
    scoring = api("scoring", TEST_OVERSEER)
    town = district["town"]
    params = {"period": district["period"]}

    def drilled() -> bool:
        body = ok(scoring.get(f"/district/tenants/{town.code}/divisions", params=params))
        return [d["division_id"] for d in body["divisions"]] == [district["town_division"]] and (
            _shown(body["divisions"][0]["indicators"]) == TOWN
        )

    assert wait_until(drilled, timeout=60, interval=2)
    text = scoring.get(f"/district/tenants/{town.code}/divisions", params=params).text
    assert worker_subject(api, town.worker) not in text
    for demo in TENANTS:
        missing = scoring.get(f"/district/tenants/{demo.code}/divisions", params=params)
        assert missing.status_code == 404, (demo.code, missing.text)
    # A tenant's own admin reaches none of it.
    admin = api("scoring", town.admin)
    assert admin.get("/district/report", params=params).status_code == 403
    assert admin.get(f"/district/tenants/{town.code}/divisions", params=params).status_code == 403


def test_the_trend_and_the_export(api, district):
    scoring = api("scoring", TEST_OVERSEER)
    period = district["period"]
    trend = ok(
        scoring.get(
            "/district/report/trend", params={"from": period, "to": period, "kind": "month"}
        )
    )
    [town] = [t for t in trend["tenants"] if t["code"] == district["town"].code]
    assert [p["period"] for p in town["points"]] == [period]
    assert town["points"][0]["indicators"]["events_reported"] == TOWN["events_reported"]

    export = scoring.get("/district/report/export", params={"period": period})
    assert export.status_code == 200, export.text
    workbook = load_workbook(io.BytesIO(export.content))
    assert workbook.sheetnames == ["说明", "单位对比", "村社区"]
    about = list(workbook["说明"].iter_rows(values_only=True))
    assert any(row[0] == "统计期" and str(row[1]).startswith(period) for row in about)
    assert any(row[0] == "生成时间（北京时间）" for row in about)
    side = list(workbook["单位对比"].iter_rows(values_only=True))
    header = side[1]
    rows = {row[1]: dict(zip(header, row, strict=True)) for row in side[2:]}
    street = rows[district["street"].code]
    assert street["上报事项（件）"] == 2
    assert street["按期办结率（%）"] == "100.00"
    assert street["本单位考核平均总分（百分制）"] == "未发布"
    town_row = rows[district["town"].code]
    assert (town_row["已备案制度（项）"], town_row["应备案制度（项）"]) == (1, 2)
    assert town_row["制度备案率（%）"] == "50.00"
