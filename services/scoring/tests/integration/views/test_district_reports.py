"""District reports through the API on the real FerretDB: identity's tenants reach scoring's
district read model through its consumer route; two tenants of one district on different
schemes (seed 004 and seed 001) are shown side by side with hand-counted indicators per tenant
and per division, next to their own published totals; a tenant of another district is a 404;
no tenant role reaches any of it."""

from __future__ import annotations

import dataclasses
import io
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from openpyxl import load_workbook

from services.scoring import consumers, handlers
from services.scoring.domain.facts import load_facts
from services.scoring.templates import DIRECTORY
from services.scoring.tests.integration.evaluation_support import bridge, shanhu_month
from services.scoring.tests.integration.ledger_support import message
from services.scoring.views.district_reports import blp
from services.scoring.views.evaluations import blp as evaluations_blp
from services.scoring.views.schemes import blp as schemes_blp
from shared.events.contracts import contract_for, validate_envelope
from shared.events.envelope import Envelope
from shared.events.topics import Topic
from shared.registry.testing import seed_registry, square
from shared.tenancy.documents import DistrictMemberDocument

pytestmark = pytest.mark.integration

OVERSEER = {"subject": "u-overseer", "tenant_id": None, "roles": ("district-overseer",)}
OVERSEER_X = {**OVERSEER, "district_id": "district-x"}
NO_DISTRICT = dict(OVERSEER)
CENTRE_A = {"subject": "u-centre-a", "tenant_id": "tenant-a", "roles": ("center-staff",)}
CENTRE_B = {"subject": "u-centre-b", "tenant_id": "tenant-b", "roles": ("tenant-admin",)}
SEED_004 = "seed_004_shanhu_street_full_time_worker"
SEED_001 = "seed_001_xitaihu_park_grid"
ROUTES = ("/district/report", "/district/report/trend", "/district/report/export")


def identity(tenant: str, district: str, name: str, *, at: datetime | None = None) -> None:
    """identity's `tenant.onboarded` (v2) through scoring's consumer route, as the runner
    hands it over (contract-checked)."""
    example = contract_for("tenant.onboarded", 2).load_example()
    raw = dataclasses.replace(
        example,
        event_id=str(uuid.uuid4()),
        tenant_id=tenant,
        occurred_at=at or datetime(2026, 1, 1, tzinfo=UTC),
        payload={
            **example.to_dict()["payload"],
            "code": tenant,
            "district_id": district,
            "name": name,
        },
    )
    parsed = Envelope.parse(raw.to_bytes())
    loaded = dataclasses.replace(parsed, payload=validate_envelope(parsed))
    [route] = [r for r in consumers.ROUTES if r.topic == Topic.IDENTITY_TENANTS]
    route.handler(loaded)


def event(
    tenant: str,
    event_id: str,
    grid: str,
    division: str,
    day: str,
    *,
    accepted_on_time: bool,
    closed: bool = False,
    closed_on_time: bool | None = None,
    level: str = "grid",
    state: str | None = None,
) -> None:
    at = f"{day}T02:00:00+00:00"
    handlers.ledger_fact(
        message(
            "event.closed" if closed else "event.accepted",
            tenant,
            occurred_at=at,
            event_id=event_id,
            grid_id=grid,
            division_id=division,
            level=level,
            state=state or ("closed" if closed else "accepted"),
            reported_at=at,
            accepted_at=at,
            closed_at=at if closed else None,
            accepted_on_time=accepted_on_time,
            closed_on_time=closed_on_time,
        )
    )


def filing(
    tenant: str, filing_id: str, division: str, item: str, *, filed_on: str, status: str
) -> None:
    """grid_registry's `filing.recorded` (or `filing.withdrawn` with status missing, a day
    later) through the ledger's handler."""
    withdrawn = status == "missing"
    handlers.ledger_fact(
        message(
            "filing.withdrawn" if withdrawn else "filing.recorded",
            tenant,
            occurred_at=f"{filed_on}T0{3 if withdrawn else 2}:00:00+00:00",
            filing_id=filing_id,
            division_id=division,
            item_code=item,
            filed_on=filed_on,
            due_on="2026-09-15",
            status=status,
        )
    )


def patrol_day(
    tenant: str, worker: str, grid: str, division: str, *, day: str, status: str
) -> None:
    handlers.ledger_fact(
        message(
            "patrol.day_finalised",
            tenant,
            worker_id=worker,
            day=day,
            grid_ids=[grid],
            division_ids=[division],
            status=status,
            workday=status != "rest_day",
            short=False,
        )
    )


def tenant_rate(tenant: str, rate: str, n: int) -> None:
    row = message("rates.published", tenant).to_dict()["payload"]["rows"][0]
    handlers.ledger_fact(
        message(
            "rates.published",
            tenant,
            publication_id=f"month|2026-09|{tenant}",
            period_kind="month",
            period="2026-09",
            first_day="2026-09-01",
            last_day="2026-09-30",
            scope="tenant",
            rows=[{**row, "scope": "tenant", "subject_id": tenant, "rate": rate, "n": n}],
        )
    )


@pytest.fixture
def api(api_client, monkeypatch):
    """Three tenants: A (seed 004) and B (seed 001) in district-x, C in district-y, each
    with September 2026 facts; A's and B's September published."""
    park = load_facts(
        DIRECTORY.joinpath("examples", f"{SEED_001}.facts.yaml").read_text(encoding="utf-8")
    )
    park_subjects = [{"id": s.id, "name": s.name, "facts": dict(s.values)} for s in park.subjects]

    def facts_of(scheme: Any, period: Any) -> dict[str, Any]:
        if scheme.id == "shanhu":
            return shanhu_month(period, {"w02": [7, 8, 9]})
        return {"subjects": park_subjects, "shared": dict(park.shared)}

    bridge(monkeypatch, facts_of)
    client = api_client([schemes_blp, evaluations_blp, blp])
    identity("tenant-a", "district-x", "甲街道")
    identity("tenant-b", "district-x", "乙镇")
    identity("tenant-c", "district-y", "丙镇")

    # Tenant A: d-a1 (g-a1, staffed by wa1) and d-a2 (g-a2, village, nobody).
    seed_registry(
        "tenant-a",
        grids=[("g-a1", "d-a1", "A01", square(120.0, 31.7), "2020-01-01")],
        teams={"g-a1": [("wa1", "full_time_worker", "2026-01-01", None)]},
    )
    seed_registry(
        "tenant-a",
        grids=[("g-a2", "d-a2", "A02", square(120.1, 31.7), "2020-01-01")],
        grid_type="village",
    )
    handlers.ledger_fact(
        message("division.created", "tenant-a", division_id="d-a1", code="V01", name="东村")
    )
    event("tenant-a", "a1", "g-a1", "d-a1", "2026-09-02", accepted_on_time=True, closed=True,
          closed_on_time=True)  # fmt: skip
    event("tenant-a", "a2", "g-a1", "d-a1", "2026-09-10", accepted_on_time=True, closed=True,
          closed_on_time=False, level="town")  # fmt: skip
    event("tenant-a", "a3", "g-a2", "d-a2", "2026-09-15", accepted_on_time=False)
    event("tenant-a", "a4", "g-a2", "d-a2", "2026-09-30", accepted_on_time=True, level="district")
    event("tenant-a", "a0", "g-a1", "d-a1", "2026-08-20", accepted_on_time=False)  # August
    for day, status in (
        ("2026-09-01", "passed"),
        ("2026-09-02", "failed"),
        ("2026-09-03", "passed"),
        ("2026-09-05", "rest_day"),
    ):
        patrol_day("tenant-a", "wa1", "g-a1", "d-a1", day=day, status=status)
    tenant_rate("tenant-a", "0.9125", 80)
    # Filed systems (制度备案): d-a1's management system in August, its assessment system late
    # in September; d-a2's management system filed and withdrawn, its assessment system in
    # October (after September).
    filing("tenant-a", "f-a1", "d-a1", "management_rules", filed_on="2026-08-10", status="filed")
    filing(
        "tenant-a", "f-a2", "d-a1", "assessment_rules", filed_on="2026-09-20", status="filed_late"
    )
    filing("tenant-a", "f-a3", "d-a2", "management_rules", filed_on="2026-09-05", status="filed")
    filing("tenant-a", "f-a3", "d-a2", "management_rules", filed_on="2026-09-05", status="missing")
    filing("tenant-a", "f-a4", "d-a2", "assessment_rules", filed_on="2026-10-03", status="filed")

    # Tenant B: d-b1 (g-b1, whose worker only starts in October).
    seed_registry(
        "tenant-b",
        grids=[("g-b1", "d-b1", "B01", square(121.0, 31.7), "2020-01-01")],
        teams={"g-b1": [("wb1", "full_time_worker", "2026-10-01", None)]},
    )
    event("tenant-b", "b1", "g-b1", "d-b1", "2026-09-03", accepted_on_time=True, closed=True,
          closed_on_time=True)  # fmt: skip
    event("tenant-b", "b2", "g-b1", "d-b1", "2026-09-04", accepted_on_time=False, state="rejected")

    # Tenant C, district-y.
    seed_registry("tenant-c", grids=[("g-c1", "d-c1", "C01", square(122.0, 31.7), "2020-01-01")])
    event("tenant-c", "c1", "g-c1", "d-c1", "2026-09-03", accepted_on_time=True)

    for who, scheme, template in (
        (CENTRE_A, "shanhu", SEED_004),
        (CENTRE_B, "park", SEED_001),
    ):
        made = client.post("/schemes", json={"template": template, "id": scheme}, as_user=who)
        assert made.status_code == 201, made.get_json()
        assert client.post(f"/schemes/{scheme}/publish", as_user=who).status_code == 200
        done = client.post(
            f"/schemes/{scheme}/evaluations", json={"period": "2026-09"}, as_user=who
        )
        assert done.status_code == 201, done.get_json()
    return client


def ratio(found: dict[str, Any]) -> tuple[int, int, str | None]:
    return (found["numerator"], found["denominator"], found["percent"])


def test_identity_tenants_reach_the_district_read_model_once(fresh_db):
    identity("tenant-a", "district-x", "甲街道")
    identity("tenant-a", "district-x", "甲街道")  # another message, same figures
    [doc] = DistrictMemberDocument.objects(tenant_id="tenant-a")
    assert (doc.district_id, doc.code, doc.name, doc.status) == (
        "district-x",
        "tenant-a",
        "甲街道",
        "active",
    )


def test_the_overseer_sees_his_two_tenants_side_by_side_with_hand_counted_indicators(api):
    found = api.get("/district/report?period=2026-09", as_user=OVERSEER_X)
    assert found.status_code == 200, found.get_json()
    body = found.get_json()
    assert body["district_id"] == "district-x"
    assert body["period"] == {
        "kind": "month",
        "label": "2026-09",
        "first_day": "2026-09-01",
        "last_day": "2026-09-30",
    }
    assert [(t["tenant_id"], t["name"]) for t in body["tenants"]] == [
        ("tenant-a", "甲街道"),
        ("tenant-b", "乙镇"),
    ]
    a, b = (t["indicators"] for t in body["tenants"])
    # A: a1..a4 reported in September (a0 is August's); accepted on time a1, a2, a4; closed
    # a1, a2, on time a1; escalated a2 (town), a4 (district).
    assert a["events_reported"] == 4
    assert ratio(a["acceptance_on_time"]) == (3, 4, "75.00")
    assert ratio(a["closure_on_time"]) == (1, 4, "25.00")
    assert a["events_closed"] == 2
    assert ratio(a["escalation"]) == (2, 4, "50.00")
    # wa1: passed, failed, passed on working days; the rest day is not judged.
    assert ratio(a["patrol_compliance"]) == (2, 3, "66.67")
    assert a["satisfaction"]["rate"] == "91.2500"
    assert a["satisfaction"]["n"] == 80
    # On 30 September: g-a1 staffed, g-a2 not.
    assert ratio(a["staffing"]) == (1, 2, "50.00")
    assert a["staffing_day"] == "2026-09-30"
    assert ratio(a["base_info_freshness"]) == (0, 2, "0.00")  # no base information recorded
    # d-a1 and d-a2 × 2 systems: d-a1's two (f-a2 late); f-a3 withdrawn, f-a4 October's.
    assert ratio(a["filed_systems"]) == (2, 4, "50.00")
    assert a["filed_late"] == 1
    # B: b1 only (b2 was rejected as invalid: not reported); no patrol day; wb1 from October.
    assert b["events_reported"] == 1
    assert ratio(b["acceptance_on_time"]) == (1, 1, "100.00")
    assert ratio(b["closure_on_time"]) == (1, 1, "100.00")
    assert ratio(b["escalation"]) == (0, 1, "0.00")
    assert ratio(b["patrol_compliance"]) == (0, 0, None)
    assert b["satisfaction"] is None
    assert ratio(b["staffing"]) == (0, 1, "0.00")
    assert (ratio(b["filed_systems"]), b["filed_late"]) == ((0, 2, "0.00"), 0)  # none filed


def test_each_tenant_total_is_its_own_published_edition(api):
    body = api.get("/district/report?period=2026-09", as_user=OVERSEER_X).get_json()
    by_tenant = {t["tenant_id"]: t["published"] for t in body["tenants"]}
    for tenant, who, scheme in (("tenant-a", CENTRE_A, "shanhu"), ("tenant-b", CENTRE_B, "park")):
        edition = api.get(f"/schemes/{scheme}/evaluations/2026-09", as_user=who).get_json()
        [published] = by_tenant[tenant]
        assert (published["scheme_id"], published["scheme_version"], published["edition"]) == (
            scheme,
            1,
            1,
        )
        assert published["mean_total"] == edition["mean_total"]
        assert published["mean_total"] is not None
    # No edition of October: nothing published.
    october = api.get("/district/report?period=2026-10", as_user=OVERSEER_X).get_json()
    assert [t["published"] for t in october["tenants"]] == [[], []]


def test_the_drill_down_stops_at_divisions_and_another_district_is_a_404(api):
    found = api.get("/district/tenants/tenant-a/divisions?period=2026-09", as_user=OVERSEER_X)
    assert found.status_code == 200, found.get_json()
    body = found.get_json()
    assert [(d["division_id"], d["name"]) for d in body["divisions"]] == [
        ("d-a1", "东村"),
        ("d-a2", "d-a2"),
    ]
    d1, d2 = (d["indicators"] for d in body["divisions"])
    assert ratio(d1["acceptance_on_time"]) == (2, 2, "100.00")  # a1, a2
    assert ratio(d1["closure_on_time"]) == (1, 2, "50.00")
    assert ratio(d1["escalation"]) == (1, 2, "50.00")
    assert ratio(d1["patrol_compliance"]) == (2, 3, "66.67")
    assert ratio(d1["staffing"]) == (1, 1, "100.00")
    assert (ratio(d1["filed_systems"]), d1["filed_late"]) == ((2, 2, "100.00"), 1)
    assert ratio(d2["acceptance_on_time"]) == (1, 2, "50.00")  # a4, not a3
    assert ratio(d2["closure_on_time"]) == (0, 2, "0.00")
    assert ratio(d2["escalation"]) == (1, 2, "50.00")
    assert ratio(d2["patrol_compliance"]) == (0, 0, None)
    assert ratio(d2["staffing"]) == (0, 1, "0.00")
    assert (ratio(d2["filed_systems"]), d2["filed_late"]) == ((0, 2, "0.00"), 0)
    text = found.get_data(as_text=True)
    for person_or_grid in ("wa1", "g-a1", "g-a2"):
        assert person_or_grid not in text
    for outside in ("tenant-c", "tenant-zz"):
        missing = api.get(
            f"/district/tenants/{outside}/divisions?period=2026-09", as_user=OVERSEER_X
        )
        assert missing.status_code == 404, outside
    # The other district's overseer sees only tenant C, and not A's divisions.
    other = {**OVERSEER, "district_id": "district-y"}
    body = api.get("/district/report?period=2026-09", as_user=other).get_json()
    assert [t["tenant_id"] for t in body["tenants"]] == ["tenant-c"]
    assert (
        api.get("/district/tenants/tenant-a/divisions?period=2026-09", as_user=other).status_code
        == 404
    )


def test_the_trend_gives_each_period_and_the_export_names_what_it_came_from(api):
    trend = api.get("/district/report/trend?from=2026-08&to=2026-09&kind=month", as_user=OVERSEER_X)
    assert trend.status_code == 200, trend.get_json()
    body = trend.get_json()
    assert [p["label"] for p in body["periods"]] == ["2026-08", "2026-09"]
    a = body["tenants"][0]
    assert [
        (p["period"], p["indicators"]["events_reported"], len(p["published"])) for p in a["points"]
    ] == [("2026-08", 1, 0), ("2026-09", 4, 1)]
    # August: only d-a1's management system (f-a1) was filed by the 31st.
    assert [ratio(p["indicators"]["filed_systems"]) for p in a["points"]] == [
        (1, 4, "25.00"),
        (2, 4, "50.00"),
    ]

    export = api.get("/district/report/export?period=2026-09", as_user=OVERSEER_X)
    assert export.status_code == 200
    workbook = load_workbook(io.BytesIO(export.data))
    assert workbook.sheetnames == ["说明", "单位对比", "村社区"]
    about = [
        [c for c in row if c is not None] for row in workbook["说明"].iter_rows(values_only=True)
    ]
    assert ["区（县）", "district-x"] in about
    assert any(row and row[0] == "生成时间（北京时间）" for row in about)
    assert any(row[:5] == ["甲街道", "tenant-a", "shanhu", "v1", "第1版"] for row in about)
    assert any(row[:5] == ["乙镇", "tenant-b", "park", "v1", "第1版"] for row in about)
    side = list(workbook["单位对比"].iter_rows(values_only=True))
    header = side[1]
    assert header[:3] == ("单位", "单位代码", "状态")
    assert "按时受理率（%）" in header
    rows = {row[0]: dict(zip(header, row, strict=True)) for row in side[2:]}
    assert sorted(rows) == ["乙镇", "甲街道"]
    assert rows["甲街道"]["按时受理率（%）"] == "75.00"
    assert rows["甲街道"]["上报事项（件）"] == 4
    assert rows["甲街道"]["考核方案"] == "shanhu"
    assert (
        rows["甲街道"]["已备案制度（项）"],
        rows["甲街道"]["其中逾期备案（项）"],
        rows["甲街道"]["应备案制度（项）"],
        rows["甲街道"]["制度备案率（%）"],
    ) == (2, 1, 4, "50.00")
    divisions = list(workbook["村社区"].iter_rows(values_only=True))
    assert [row[1] for row in divisions[2:]] == ["d-a1", "d-a2", "d-b1"]


def test_no_tenant_role_and_no_overseer_without_a_district_reaches_the_reports(api):
    for who in (CENTRE_A, CENTRE_B, {**CENTRE_A, "roles": ("grid-worker",)}):
        for route in ROUTES:
            assert (
                api.get(f"{route}?period=2026-09&from=2026-09&to=2026-09", as_user=who).status_code
                == 403
            )
        assert (
            api.get("/district/tenants/tenant-a/divisions?period=2026-09", as_user=who).status_code
            == 403
        )
    assert api.get("/district/report?period=2026-09", as_user=NO_DISTRICT).status_code == 404


def test_a_bad_period_is_a_422_naming_the_field(api):
    for path, field in (
        ("/district/report?period=2026-13", "period"),
        ("/district/report", "period"),
        ("/district/report/trend?from=2026-09&to=2026-01&kind=month", "to"),
        ("/district/report/trend?from=2020-01&to=2026-01&kind=month", "to"),
        ("/district/report/trend?from=2026-Q1&to=2026-09&kind=month", "from"),
        ("/district/report/trend?from=2026-01&to=2026-09&kind=week", "kind"),
    ):
        found = api.get(path, as_user=OVERSEER_X)
        assert found.status_code == 422, (path, found.get_json())
        assert field in found.get_data(as_text=True), (path, found.get_json())
    quarter = api.get("/district/report?period=2026-Q3", as_user=OVERSEER_X).get_json()
    assert quarter["period"]["kind"] == "quarter"
    assert quarter["tenants"][0]["indicators"]["events_reported"] == 5  # a0 of August joins
