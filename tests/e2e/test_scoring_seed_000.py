"""Seed 000 (2020年雪堰镇网格化管理工作考核办法: a town assesses each village and community once a
year) end to end through the running services, against a hand computation (issue 14's check).

The scenario, in a tenant of its own (shaped like demo-town-a, so every sheet is exact) and for
the current year Y in Asia/Shanghai (events are dated by their report time on the server, so
the assessed year is the running one, locked early with ``before_end``):

- grid_registry: 东村 (village: two village grids and an enterprise grid), 西村 (village: three
  village grids), 南社区 (community: one community grid), each grid in force since 1 January;
  full-time workers from 1 January on some grids, on the others a part-time worker, a grid
  leader, or a full-time worker who only starts on 1 December (after the 30 November base day);
- event_intake: 23 events reported by the centre into the comprehensive grids, by category,
  some escalated to town or district (one only to village level, which is not "town level or
  above"), some taken through start, resolve and close on time; one more rejected as invalid;
- survey: the 12345 callback results of each village imported and the year's rates published
  under a definition of this run's own (random weights), so the district average is this
  tenant's own rate (the only tenant of the district publishing under that definition);
- scoring: the tenant's scheme made from the seed 000 template and published, every manual
  input entered with its evidence, the year evaluated with ``before_end: true`` and published.

Checked: every line's points, the groups, the total, the rank, grade and flags of each village
equal the hand table below (the seed's rules, Decimal arithmetic written out, never the engine);
each count's trace names exactly the events behind it, each registry figure its grids, the
satisfaction line the published rate and its sample, each manual line its manual input and
evidence; a ledger rebuilt from Kafka (the rebuild command, ``--verify``) gives a correction
edition with the same figures and facts; a draft in which a criticism costs 20 points instead
of 5 simulates exactly the hand differences (西村 and 南社区 swap ranks); tenant B gets 404 for the
scheme, its evaluations, sheets, provisional scores and manual inputs, and reads none of the
ledger.

The hand table (W = the year's working days on the Chinese calendar, 248 in 2025 and 2026; the
event count line is 10 - (100 - r) x 0.1 with r = events / (grids x 5 x W) x 100):

| line (max)          | 东村 V1                | 西村 V2                    | 南社区 V3           |
|---------------------|------------------------|----------------------------|---------------------|
| systems (5)         | all 3: 5               | no worker rules: 3         | not filed: 5-1 = 4  |
| staffing (20)       | 1/2: 20-50x0.2 = 10    | 2/3: 20-33.3x0.2=13.33     | 1/1: 20             |
| event_count (10)    | 10 of 2x5xW: 0.04      | 8 of 3x5xW: 0.02           | 5 of 1x5xW: 0.04    |
| escalation (20)     | 3/10 = 30%: 20         | 1/8 = 12.5%: 20-7.5 = 12.5 | 0/5: 20-20 = 0      |
| structure (15)      | 20,10,10,10%: 15       | 25,12.5,0,12.5: 15-1.5     | 20,0,0,0: 15-3x3.5  |
| closure (5)         | 8/10: 5-20x0.1 = 3     | 8/8: 5                     | 2/5: 5-6, floor 0   |
| satisfaction (15)   | 90% >= 86%: 15         | 75%: 15-11x0.15 = 13.35    | 100%: 15            |
| compliance (10)     | 96%: 10-4x0.5 = 8      | 89.5% < 90: 0              | 90%: 10-10x0.5 = 5  |
| leader praise       | city 2, district 1: +3 | none: 0                    | province: +5        |
| media               | city: +2               | central, province: +5      | none: 0             |
| pioneer (top 3)     | 4, tied 1st: +5        | 4, tied 1st: +5            | 1, 3rd: +2          |
| criticism/concealed | 0                      | 1 criticism: -5            | 1 concealed: -5     |
| inspection (top 3)  | 7, 1st: -5             | 3, 2nd: -3                 | 0, not placed: 0    |
| snail (top 3)       | 0, not placed: 0       | 2, tied 1st: -5            | 2, tied 1st: -5     |
| total (W = 248)     | 81.0403: 81.04, 1st    | 57.7048: 57.70, 2nd        | 45.5403: 45.54, 3rd |

No grades or streaks in seed 000: grade null and no flags for every village.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from deploy.local.seed.identity import TENANTS
from shared.calendar import WorkCalendar
from shared.testing.workbooks import xlsx
from tests.conftest import service_url, wait_until
from tests.e2e.test_registry import box, village_cells
from tests.scoring import rebuild
from tests.tenants import TestTenant, onboard_tenant
from tests.uploads import upload

pytestmark = pytest.mark.e2e

TZ = ZoneInfo("Asia/Shanghai")
TEMPLATE = "seed_000_xueyan_town_2020"
CENT = Decimal("0.01")
D = Decimal
_rng = random.SystemRandom()

SS, PS = "social_security", "public_safety"
CE, EP = "comprehensive_enforcement", "environmental_protection"
CM, LS = "city_management", "livelihood_service"
# The template's category inputs and the intake codes they count.
CATEGORY_INPUTS = {
    "events_public_order": SS,
    "events_public_safety": PS,
    "events_enforcement": CE,
    "events_environment": EP,
}
ESCALATED = ("town", "district")  # "镇级以上": an escalation to village level is not one


@dataclass(frozen=True)
class Village:
    """One division of the scenario: its grids (type, team: role and first day as MM-DD, or
    None), its events (category, level escalated to, closed), its 12345 callback outcomes
    (all in its first grid) and its manual inputs."""

    key: str
    name: str
    kind: str
    grids: tuple[tuple[str, tuple[str, str] | None], ...]
    events: tuple[tuple[str, str | None, bool], ...]
    callbacks: tuple[str, ...]
    manual: Mapping[str, object]


VILLAGES = (
    Village(
        key="V1",
        name="东村",
        kind="village",
        grids=(
            ("village", ("full_time_worker", "01-01")),
            # A part-time worker all year, the full-time one only from 1 December: not staffed
            # on the base day (以11月底为基准).
            ("village", ("part_time_worker", "01-01")),
            ("enterprise", None),  # not a comprehensive grid: neither counted nor staffed
        ),
        events=(
            (SS, "town", True),
            (SS, None, True),
            (PS, "district", True),
            (CE, "town", True),
            (EP, None, True),
            (CM, None, True),
            (CM, None, True),
            (CM, None, True),
            (CM, None, False),
            (LS, "village", False),
        ),
        callbacks=("满意",) * 9 + ("不满意",),
        manual={
            "has_management_system": True,
            "has_worker_assessment": True,
            "systems_filed": True,
            "compliance_rate": "96",
            "leader_praise": {"city": 2, "district": 1},
            "media_coverage": {"city": 1},
            "pioneer_awards": 4,
            "criticisms": 0,
            "unreported_major_events": 0,
            "inspection_problems": 7,
            "snail_awards": 0,
        },
    ),
    Village(
        key="V2",
        name="西村",
        kind="village",
        grids=(
            ("village", ("full_time_worker", "01-01")),
            ("village", ("full_time_worker", "01-01")),
            ("village", ("grid_leader", "01-01")),  # a leader is no full-time worker
        ),
        events=(
            (SS, "town", True),
            (SS, None, True),
            (PS, "village", True),
            (EP, None, True),
            (CM, None, True),
            (CM, None, True),
            (LS, None, True),
            (LS, None, True),
        ),
        callbacks=("满意",) * 7 + ("基本满意",) + ("不满意",) * 2 + ("未接通",),
        manual={
            "has_management_system": True,
            "has_worker_assessment": False,
            "systems_filed": True,
            "compliance_rate": "89.5",
            "leader_praise": {},
            "media_coverage": {"central": 1, "province": 1},
            "pioneer_awards": 4,
            "criticisms": 1,
            "unreported_major_events": 0,
            "inspection_problems": 3,
            "snail_awards": 2,
        },
    ),
    Village(
        key="V3",
        name="南社区",
        kind="community",
        grids=(("community", ("full_time_worker", "01-01")),),
        events=(
            (SS, None, True),
            (CM, None, True),
            (CM, None, False),
            (CM, None, False),
            (LS, None, False),
        ),
        callbacks=("满意",) * 5,
        manual={
            "has_management_system": True,
            "has_worker_assessment": True,
            "systems_filed": False,
            "compliance_rate": "90",
            "leader_praise": {"province": 1},
            "media_coverage": {},
            "pioneer_awards": 1,
            "criticisms": 0,
            "unreported_major_events": 1,
            "inspection_problems": 0,
            "snail_awards": 2,
        },
    ),
)
REJECTED_IN = "V1"  # one more social-security report there, rejected as invalid

# -- the hand computation (the seed's 评分表, line by line) ------------------------------------


def hand_lines(workdays: int) -> dict[str, dict[str, Decimal]]:
    """Every line of every village, from the seed's rules (see the table in the docstring)."""
    w = D(workdays)
    hundred = D(100)

    def event_count(events: int, grids: int) -> Decimal:
        # 所需上报事项数量 = 综合网格总数 x 5 x working days; 每降低1个百分点扣0.1分
        rate = D(events) / (grids * 5 * w) * hundred
        return D(10) - (hundred - rate) * D("0.1")

    return {
        "V1": {
            "systems": D(5),  # 管理制度, 考核制度, 备案: nothing missing
            "staffing": D(20) - (hundred - D(50)) * D("0.2"),  # 1 of 2 staffed on 11-30
            "event_count": event_count(10, 2),
            "event_escalation": D(20),  # 3/10 = 30% >= 20%
            "event_structure": D(15),  # 20, 10, 10, 10% each >= 10%
            "closure": D(5) - (hundred - D(80)) * D("0.1"),  # 8/10 closed on time
            "satisfaction": D(15),  # 90% >= the district's 86%
            "compliance": D(10) - (hundred - D(96)) * D("0.5"),
            "bonus_leader_praise": D(3),  # city and district: the highest, city, 3
            "bonus_media": D(2),  # city 2
            "bonus_pioneer": D(5),  # 4 awards, tied first with V2 (competition): 5
            "deduct_criticism": D(0),
            "deduct_inspection": D(-5),  # 7 problems, the most
            "deduct_snail": D(0),  # none: not placed
        },
        "V2": {
            "systems": D(5) - D(2),  # no assessment system for its workers
            "staffing": D(20) - (hundred - D(2) / D(3) * hundred) * D("0.2"),  # 2 of 3
            "event_count": event_count(8, 3),
            "event_escalation": D(20) - (D(20) - D(1) / D(8) * hundred) * D(1),  # 12.5%
            "event_structure": D(15) - D("1.5"),  # 50% > 40%, enforcement 0% < 10%
            "closure": D(5),  # 8/8
            "satisfaction": D(15) - (D(86) - D(75)) * D("0.15"),  # 7.5 of 10 answers
            "compliance": D(0),  # 89.5% < 90: 不得分
            "bonus_leader_praise": D(0),
            "bonus_media": D(5),  # central 5 and province 3: the highest only
            "bonus_pioneer": D(5),  # 4, tied first
            "deduct_criticism": D(-5),  # one criticism by district leaders
            "deduct_inspection": D(-3),  # 3 problems, second
            "deduct_snail": D(-5),  # 2, tied first with V3
        },
        "V3": {
            "systems": D(5) - D(1),  # not filed with the town centre
            "staffing": D(20),  # 1 of 1
            "event_count": event_count(5, 1),
            "event_escalation": D(0),  # 0%: 20 - 20 x 1
            "event_structure": D(15) - 3 * D("3.5"),  # together 20% <= 40%, 3 categories short
            "closure": D(0),  # 2/5 = 40%: 5 - 60 x 0.1 < 0, floored at 0
            "satisfaction": D(15),  # 100%
            "compliance": D(10) - (hundred - D(90)) * D("0.5"),  # exactly 90 scores
            "bonus_leader_praise": D(5),  # province
            "bonus_media": D(0),
            "bonus_pioneer": D(2),  # 1 award, third
            "deduct_criticism": D(-5),  # one major event concealed or late
            "deduct_inspection": D(0),  # none: not placed
            "deduct_snail": D(-5),  # 2, tied first
        },
    }


GROUPS = {
    "assessment": (
        "systems",
        "staffing",
        "event_count",
        "event_escalation",
        "event_structure",
        "closure",
        "satisfaction",
        "compliance",
    ),
    "bonus": ("bonus_leader_praise", "bonus_media", "bonus_pioneer"),
    "deduction": ("deduct_criticism", "deduct_inspection", "deduct_snail"),
}
HAND_RANKS = {"V1": 1, "V2": 2, "V3": 3}
# The simulated draft: a criticism by district leaders costs 20 instead of 5.
CRITICISM_LINE = "en: criticised by district leaders, points: 5}"


def shown_points(value: Decimal) -> Decimal:
    """A line's points as the sheet shows them: the scheme's 2 places, half up."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def hand_total(lines: Mapping[str, Decimal]) -> Decimal:
    """The exact sum of the lines, rounded once to 0.01 (考核结果采取百分制折算)."""
    return sum(lines.values(), D(0)).quantize(CENT, rounding=ROUND_HALF_UP)


def plain(value: Decimal) -> str:
    """A decimal as the sheets write it: plain notation, no trailing zeros."""
    return format(value.normalize(), "f") if value else "0"


def expected_facts(village: Village) -> dict[str, str]:
    """Every input's value as the sheet shows it (exact up to 4 places, else ≈ rounded)."""
    counted = village.events
    comprehensive = [kind for kind, _ in village.grids if kind in ("village", "community")]
    # Staffed on 30 November: a full-time worker's membership covers the day.
    staffed = sum(
        1
        for kind, team in village.grids
        if kind in ("village", "community")
        and team is not None
        and team[0] == "full_time_worker"
        and team[1] <= "11-30"
    )
    staffing = D(staffed) * 100 / len(comprehensive)
    places = staffing.quantize(D("0.0001"))
    facts = {
        "grid_count": str(len(comprehensive)),
        "staffing_rate": plain(staffing) if places == staffing else f"≈{plain(places)}",
        "events_total": str(len(counted)),
        "events_escalated": str(sum(1 for _, level, _ in counted if level in ESCALATED)),
        "events_closed_on_time": str(sum(1 for *_, closed in counted if closed)),
        # 12345 callbacks: 满意 1, 基本满意 0.5, 不满意 0, 未接通 not an answer.
        "satisfaction_rate": {"V1": "90", "V2": "75", "V3": "100"}[village.key],
        "district_satisfaction_avg": "86",  # 21.5 of 25: this tenant's rate alone
    }
    for name, code in CATEGORY_INPUTS.items():
        facts[name] = str(sum(1 for category, *_ in counted if category == code))
    for name, value in village.manual.items():
        if isinstance(value, bool):
            facts[name] = "true" if value else "false"
        elif isinstance(value, dict):
            facts[name] = ",".join(f"{k}:{v}" for k, v in sorted(value.items())) or "{}"
        else:
            facts[name] = str(value)
    return facts


# -- helpers ------------------------------------------------------------------------------------


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, f"{response.request.url}: {response.text[:2000]}"
    return response.json()


def year_workdays(year: int) -> int:
    """The year's working days on the Chinese calendar (the holiday data is not under test)."""
    return len(WorkCalendar(chinese_holidays=True).workdays(date(year, 1, 1), date(year, 12, 31)))


# -- the world ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def town(keycloak_tokens, test_logins, test_district) -> TestTenant:
    """A township of this module's own, shaped like demo-town-a (as conftest's tenant_a)."""
    demo = next(tenant for tenant in TENANTS if tenant.code == "demo-town-a")
    return onboard_tenant(
        service_url("identity"),
        keycloak_tokens["platform.admin"],
        like=demo,
        district_id=test_district,
        tokens=test_logins,
        registry_url=service_url("grid_registry"),
    )


def _registry(api: Callable[..., Any], town: TestTenant, year: int) -> dict[str, Any]:
    """The three divisions, their grids and teams; {key: {division_id, grids: [...]}}."""
    registry = api("grid_registry", town.admin)
    made: dict[str, Any] = {}
    for village in VILLAGES:
        code = f"X{uuid.uuid4().hex[:8].upper()}"
        body = {"code": code, "name": village.name, "kind": village.kind}
        division = ok(registry.post("/divisions", json=body), 201)
        west, south = village_cells()
        grids = []
        for n, (kind, team) in enumerate(village.grids):
            grid = ok(
                registry.post(
                    "/grids",
                    json={
                        "division_id": division["division_id"],
                        "code": f"{code}-G{n + 1}",
                        "name": f"{village.name}第{n + 1}网格",
                        "type": kind,
                        "boundary": box(
                            west + 0.003 * n, south, west + 0.003 * (n + 1), south + 0.003
                        ),
                        "valid_from": f"{year}-01-01",
                    },
                ),
                201,
            )
            if team is not None:
                role, first_day = team
                ok(
                    registry.post(
                        f"/grids/{grid['grid_id']}/team/members",
                        json={
                            "role": role,
                            "person_name": f"{village.name}{n + 1}号网格员",
                            "starts_on": f"{year}-{first_day}",
                        },
                    ),
                    201,
                )
            if village.key == "V1" and n == 1:
                # 东村's second grid gets its full-time worker only after the base day.
                ok(
                    registry.post(
                        f"/grids/{grid['grid_id']}/team/members",
                        json={
                            "role": "full_time_worker",
                            "person_name": "东村新网格员",
                            "starts_on": f"{year}-12-01",
                        },
                    ),
                    201,
                )
            grids.append({**grid, "kind": kind, "team": team})
        made[village.key] = {"division_id": division["division_id"], "code": code, "grids": grids}
    return made


def _report(intake: Any, grid_id: str, category: str, n: int) -> dict[str, Any]:
    body = {
        "source": "web",
        "category": category,
        "title": f"考核测试事项{n}",
        "description": "端到端测试上报",
        "grid_id": grid_id,
        "request_id": f"s000-{uuid.uuid4().hex[:12]}",
    }
    answers: list[Any] = []

    def reported() -> bool:
        # event_intake learns of the grid from the registry's events (a retry with the same
        # request id creates nothing new).
        answers.append(intake.post("/events", json=body))
        return answers[-1].status_code in (200, 201)

    assert wait_until(reported, timeout=60, interval=0.5), answers[-1].text
    return dict(answers[-1].json())


def _act(intake: Any, event_id: str, action: str, **details: Any) -> dict[str, Any]:
    return dict(ok(intake.post(f"/events/{event_id}/actions", json={"action": action, **details})))


def _events(api: Callable[..., Any], town: TestTenant, world: Mapping[str, Any]) -> dict[str, Any]:
    """Every village's events through their workflow: {key: [(event_id, spec)], rejected}."""
    intake = api("event_intake", town.admin)
    made: dict[str, Any] = {}
    n = 0
    for village in VILLAGES:
        comprehensive = [
            g["grid_id"] for g in world[village.key]["grids"] if g["kind"] != "enterprise"
        ]
        done = []
        for i, (category, level, closed) in enumerate(village.events):
            n += 1
            event = _report(intake, comprehensive[i % len(comprehensive)], category, n)
            event_id = event["event_id"]
            _act(intake, event_id, "accept")
            if level is not None:
                assert _act(intake, event_id, "escalate", level=level)["level"] == level
            if closed:
                _act(intake, event_id, "start")
                _act(intake, event_id, "resolve")
                closing = _act(intake, event_id, "close")
                assert (closing["state"], closing["closed_on_time"]) == ("closed", True)
            done.append((event_id, (category, level, closed)))
        made[village.key] = done
    rejected = _report(intake, world[REJECTED_IN]["grids"][0]["grid_id"], SS, n + 1)
    refused = _act(intake, rejected["event_id"], "reject_invalid", reason="无效上报，重复信息")
    assert refused["state"] == "rejected"
    made["rejected"] = rejected["event_id"]
    return made


def _satisfaction(
    api: Callable[..., Any], town: TestTenant, world: Mapping[str, Any], year: int
) -> dict[str, Any]:
    """Each village's 12345 callbacks imported (dated now, in the year) and the year's rates
    published under a definition of this run's own; returns the publication."""
    centre = api("survey", town.admin)
    now = datetime.now(TZ).replace(second=0, microsecond=0)
    rows: list[tuple[object, ...]] = [("工单编号", "回访结果", "回访时间", "网格编码", "事项编号")]
    for village in VILLAGES:
        grid = world[village.key]["grids"][0]
        for n, outcome in enumerate(village.callbacks):
            number = f"GD{world[village.key]['code']}{n:02d}"
            rows.append((number, outcome, now.strftime("%Y-%m-%d %H:%M"), grid["code"], None))
    book = xlsx(*rows)
    reports: list[dict[str, Any]] = []

    def grids_known() -> bool:
        # survey learns of the grids from the registry's events, a moment after.
        reports.append(upload(centre, "/callbacks/imports", book, dry_run=True))
        return reports[-1]["failed"] == 0

    assert wait_until(grids_known, timeout=60, interval=1), reports[-1]
    total = sum(len(village.callbacks) for village in VILLAGES)
    assert upload(centre, "/callbacks/imports", book)["created"] == total
    survey_weight = D(_rng.randint(5000, 8999)) / 10_000
    query = {
        "period_kind": "year",
        "period": str(year),
        "sources": f"survey:{survey_weight},hotline:{D(1) - survey_weight}",
        "basic_credit": "0.5",
    }
    return dict(ok(centre.post("/rates/publications", json=query), 201))


def _manual_inputs(
    api: Callable[..., Any], town: TestTenant, world: Mapping[str, Any], year: int
) -> dict[tuple[str, str], dict[str, Any]]:
    """Every manual input of every village, with evidence; {(key, input_id): record}."""
    scoring = api("scoring", town.admin)
    made = {}
    for village in VILLAGES:
        for input_id, value in village.manual.items():
            evidence = f"{village.name} {input_id}: 镇网格中心年终核定（测试）"
            made[(village.key, input_id)] = ok(
                scoring.post(
                    "/manual-inputs",
                    json={
                        "input_id": input_id,
                        "subject_id": world[village.key]["division_id"],
                        "period": str(year),
                        "value": value,
                        "evidence": evidence,
                        "refs": [f"雪堰网格〔{year}〕{len(made) + 1}号"],
                    },
                ),
                201,
            )
    return made


def _facts_of(sheet: Mapping[str, Any]) -> dict[str, str | None]:
    return {fact["input_id"]: fact["value"] for fact in sheet["facts"]}


@pytest.fixture(scope="module")
def world(api, town) -> dict[str, Any]:
    """The whole scenario, run once; the tests below check what it left."""
    year = datetime.now(TZ).year
    period = str(year)
    workdays = year_workdays(year)
    world: dict[str, Any] = {"year": year, "period": period, "workdays": workdays}
    world.update(_registry(api, town, year))

    scoring = api("scoring", town.admin)
    scheme_id = f"xueyan-e2e-{uuid.uuid4().hex[:8]}"
    created = ok(scoring.post("/schemes", json={"id": scheme_id, "template": TEMPLATE}), 201)
    assert (created["scheme_id"], created["version"], created["status"]) == (scheme_id, 1, "draft")
    published = ok(scoring.post(f"/schemes/{scheme_id}/publish"))
    assert published["status"] == "published"
    world["scheme_id"] = scheme_id

    world["events"] = _events(api, town, world)
    world["publication"] = _satisfaction(api, town, world, year)
    world["manual"] = _manual_inputs(api, town, world, year)

    # The ledger has every fact (and the registry read model every grid and team) once the
    # provisional sheets, refreshed on each new fact, show every input as the hand has it.
    expected = {v.key: expected_facts(v) for v in VILLAGES}
    seen: dict[str, Any] = {}

    def provisional_complete() -> bool:
        for village in VILLAGES:
            answer = scoring.get(
                f"/schemes/{scheme_id}/provisional/sheets/{world[village.key]['division_id']}",
                params={"period": period},
            )
            seen[village.key] = answer.json() if answer.status_code == 200 else answer.text
            if answer.status_code != 200 or _facts_of(answer.json()) != expected[village.key]:
                return False
        return True

    assert wait_until(provisional_complete, timeout=120, interval=1), {
        key: _facts_of(sheet) if isinstance(sheet, dict) else sheet for key, sheet in seen.items()
    }

    evaluated = ok(
        scoring.post(
            f"/schemes/{scheme_id}/evaluations", json={"period": period, "before_end": True}
        ),
        201,
    )
    world["evaluation"] = evaluated
    world["sheets"] = {
        village.key: ok(
            scoring.get(
                f"/schemes/{scheme_id}/evaluations/{period}/sheets/"
                f"{world[village.key]['division_id']}",
                params={"edition": 1},
            )
        )
        for village in VILLAGES
    }
    return world


# -- the checks ---------------------------------------------------------------------------------


def test_every_line_total_rank_grade_and_flag_match_the_hand_computation(api, town, world):
    hand = hand_lines(world["workdays"])
    totals = {key: hand_total(lines) for key, lines in hand.items()}
    # The hand ranks follow the hand totals (competition ranking, no ties here).
    assert sorted(totals, key=lambda key: -totals[key]) == sorted(HAND_RANKS, key=HAND_RANKS.get)

    evaluation = world["evaluation"]
    assert (evaluation["kind"], evaluation["edition"], evaluation["period"]) == (
        "final",
        1,
        world["period"],
    )
    assert (evaluation["subject_kind"], evaluation["incomplete"]) == ("division", 0)
    # The mean of the villages' totals (compared at the scheme's 2 places).
    mean = sum(totals.values(), D(0)) / len(totals)
    assert shown_points(D(evaluation["mean_total"])) == shown_points(mean)
    rows = {row["subject_id"]: row for row in evaluation["rows"]}
    division_ids = {village.key: world[village.key]["division_id"] for village in VILLAGES}
    assert set(rows) == set(division_ids.values())  # the fresh tenant's villages, no other

    for village in VILLAGES:
        key = village.key
        row = rows[division_ids[key]]
        assert (row["subject_name"], row["assessable"], row["missing"]) == (village.name, True, [])
        assert (D(row["total"]), row["rank"], row["grade"], row["flags"]) == (
            totals[key],
            HAND_RANKS[key],
            None,
            [],
        ), key
        sheet = world["sheets"][key]
        assert (sheet["edition"], sheet["kind"], sheet["assessable"]) == (1, "final", True)
        got = {line["indicator_id"]: D(line["points"]) for line in sheet["lines"]}
        want = {name: shown_points(points) for name, points in hand[key].items()}
        assert got == want, key
        for group, names in GROUPS.items():
            exact = sum((hand[key][name] for name in names), D(0))
            assert D(sheet["groups"][group]) == shown_points(exact), (key, group)
        assert (D(sheet["total"]), sheet["rank"], sheet["grade"], sheet["flags"]) == (
            totals[key],
            HAND_RANKS[key],
            None,
            [],
        ), key
        assert sheet["money"] == []
        for line in sheet["lines"]:
            assert line["explain"]["zh"], line
            assert line["explain"]["en"], line
        assert _facts_of(sheet) == expected_facts(village), key

    # The published list names the edition.
    scoring = api("scoring", town.admin)
    listed = ok(scoring.get(f"/schemes/{world['scheme_id']}/evaluations"))
    assert [(e["period"], e["edition"], e["kind"]) for e in listed][:1] == [
        (world["period"], 1, "final")
    ]


def test_every_line_traces_back_to_its_facts(world):
    publication = world["publication"]
    for village in VILLAGES:
        key = village.key
        facts = {fact["input_id"]: fact for fact in world["sheets"][key]["facts"]}
        events = world["events"][key]

        def aggregates(input_id: str, metric: str, facts: Mapping[str, Any] = facts) -> set[str]:
            trace = facts[input_id]["trace"]
            assert all(item["source"] == "ledger" for item in trace), trace
            assert {item["metric"] for item in trace} <= {metric}, trace
            found = [item["aggregate"] for item in trace]
            assert len(found) == len(set(found)), trace  # no event counted twice
            return set(found)

        def event_ids(keep: Callable[[str, str | None, bool], bool], events=events) -> set[str]:
            return {f"event:{event_id}" for event_id, spec in events if keep(*spec)}

        reported = "intake.events_reported"
        assert aggregates("events_total", reported) == event_ids(lambda *_: True)
        assert aggregates("events_escalated", "intake.events_escalated") == event_ids(
            lambda _c, level, _d: level in ESCALATED
        )
        assert aggregates("events_closed_on_time", "intake.events_closed_on_time") == event_ids(
            lambda _c, _l, closed: closed
        )
        for input_id, code in CATEGORY_INPUTS.items():
            assert aggregates(input_id, reported) == event_ids(
                lambda category, _l, _d, code=code: category == code
            ), input_id
        rejected = f"event:{world['events']['rejected']}"
        assert all(
            item.get("aggregate") != rejected for fact in facts.values() for item in fact["trace"]
        )

        # Registry figures: the grids in force on 30 November, and which of them were staffed.
        grids = world[key]["grids"]
        comprehensive = {g["grid_id"] for g in grids if g["kind"] != "enterprise"}
        staffed = {
            g["grid_id"]
            for g in grids
            if g["team"] is not None and g["team"][0] == "full_time_worker"
        }
        base_day = f"{world['year']}-11-30"
        count_trace = facts["grid_count"]["trace"]
        assert {item["ref"] for item in count_trace} == comprehensive
        assert {(item["source"], item["day"]) for item in count_trace} == {("registry", base_day)}
        rate_trace = facts["staffing_rate"]["trace"]
        assert {item["ref"] for item in rate_trace if item.get("role") == "numerator"} == staffed
        assert {item["ref"] for item in rate_trace if item.get("role") == "denominator"} == (
            comprehensive
        )

        # The satisfaction line: the rate the survey published, with its sample.
        [rate] = facts["satisfaction_rate"]["trace"]
        n = len([outcome for outcome in village.callbacks if outcome != "未接通"])
        satisfied = {"V1": "9", "V2": "7.5", "V3": "5"}[key]
        assert rate["metric"] == "survey.satisfaction_rate"
        assert rate["aggregate"].startswith(f"rates:{world['period']}:")
        assert rate["attributes"]["publication_id"] == publication["publication_id"]
        assert (int(rate["attributes"]["n"]), D(rate["attributes"]["satisfied"])) == (
            n,
            D(satisfied),
        )
        [average] = facts["district_satisfaction_avg"]["trace"]
        assert (average["metric"], average["attributes"]["tenants_counted"]) == (
            "survey.district_satisfaction_avg",
            "1",
        )

        # Manual lines: the manual input and its evidence.
        for input_id in village.manual:
            record = world["manual"][(key, input_id)]
            [item] = facts[input_id]["trace"]
            assert (item["source"], item["ref"], item["note"]) == (
                "manual",
                record["manual_input_id"],
                record["evidence"],
            ), input_id

        # Every line names the facts behind it, and each of those is given and traced (a
        # count of nothing has no entry behind it).
        for line in world["sheets"][key]["lines"]:
            assert line["facts"], line["indicator_id"]
            for fact in line["facts"]:
                assert fact["given"], (line["indicator_id"], fact["input_id"])
                assert fact["trace"] or fact["value"] == "0", (key, fact["input_id"])


def _figures(sheet: Mapping[str, Any]) -> dict[str, Any]:
    """What a replay must reproduce: points, total, rank, grade, flags and every fact with its
    trace."""
    return {
        "lines": [(line["indicator_id"], line["points"]) for line in sheet["lines"]],
        "groups": sheet["groups"],
        "total": (sheet["total"], sheet["rank"], sheet["grade"], sheet["flags"]),
        "facts": sheet["facts"],
    }


def test_a_replayed_ledger_gives_the_same_published_results(api, town, world):
    done = rebuild(town.code)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    scoring = api("scoring", town.admin)
    scheme_id, period = world["scheme_id"], world["period"]
    corrected = ok(
        scoring.post(
            f"/schemes/{scheme_id}/evaluations/{period}/corrections",
            json={"reason": "台账自Kafka重建后复核"},
        ),
        201,
    )
    first = world["evaluation"]
    assert (corrected["edition"], corrected["supersedes"], corrected["reason"]) == (
        2,
        1,
        "台账自Kafka重建后复核",
    )
    assert corrected["facts_digest"] == first["facts_digest"]
    assert corrected["rows"] == first["rows"]
    assert [(e["edition"], e["reason"]) for e in corrected["editions"]] == [
        (1, None),
        (2, "台账自Kafka重建后复核"),
    ]
    for village in VILLAGES:
        division_id = world[village.key]["division_id"]
        again = ok(scoring.get(f"/schemes/{scheme_id}/evaluations/{period}/sheets/{division_id}"))
        assert again["edition"] == 2
        assert _figures(again) == _figures(world["sheets"][village.key]), village.key
    # Edition 1 is kept as it was.
    kept = ok(scoring.get(f"/schemes/{scheme_id}/evaluations/{period}", params={"edition": 1}))
    assert (kept["edition"], kept["rows"]) == (1, first["rows"])


def test_a_simulated_draft_shows_exactly_the_hand_differences(api, town, world):
    scoring = api("scoring", town.admin)
    scheme_id = world["scheme_id"]
    draft = ok(scoring.post(f"/schemes/{scheme_id}/versions"), 201)
    assert (draft["version"], draft["status"]) == (2, "draft")
    assert draft["text"].count(CRITICISM_LINE) == 1
    text = draft["text"].replace(CRITICISM_LINE, CRITICISM_LINE.replace("points: 5", "points: 20"))
    ok(scoring.put(f"/schemes/{scheme_id}/draft", json={"text": text}))
    checked = ok(scoring.post(f"/schemes/{scheme_id}/validate", json={}))
    assert (checked["version"], checked["valid"]) == (2, True), checked["problems"]

    compared = ok(scoring.post(f"/schemes/{scheme_id}/simulate", json={"period": world["period"]}))
    assert (compared["before"]["version"], compared["after"]["version"]) == (1, 2)

    # By hand: only 西村's criticism changes, -5 -> -20, so its total falls by 15 and it drops
    # below 南社区 (57.70 - 15 = 42.70 < 45.54): ranks 2 and 3 swap, nothing else moves.
    hand = hand_lines(world["workdays"])
    after = {key: dict(lines) for key, lines in hand.items()}
    after["V2"]["deduct_criticism"] = D(-20)  # 1 criticism x 20
    ranks_after = {"V1": 1, "V2": 3, "V3": 2}
    subjects = {subject["subject_id"]: subject for subject in compared["subjects"]}
    assert compared["changed"] == 2
    for village in VILLAGES:
        key = village.key
        subject = subjects[world[key]["division_id"]]
        before_total, after_total = hand_total(hand[key]), hand_total(after[key])
        assert (D(subject["total"]["before"]), D(subject["total"]["after"])) == (
            before_total,
            after_total,
        ), key
        assert D(subject["total"]["delta"]) == after_total - before_total, key
        assert subject["rank"] == {"before": HAND_RANKS[key], "after": ranks_after[key]}, key
        assert subject["grade"] == {"before": None, "after": None}
        assert subject["flags"] == {"added": [], "removed": []}
        assert subject["changed"] is (key != "V1"), key
        lines = {line["indicator_id"]: line for line in subject["lines"]}
        assert set(lines) == set(hand[key])
        for name, line in lines.items():
            assert D(line["before"]) == shown_points(hand[key][name]), (key, name)
            assert D(line["after"]) == shown_points(after[key][name]), (key, name)
            delta = after[key][name] - hand[key][name]
            assert D(line["delta"]) == shown_points(delta), (key, name)

    # Simulating published nothing: the results are still the two editions of version 1.
    current = ok(scoring.get(f"/schemes/{scheme_id}/evaluations/{world['period']}"))
    assert (current["scheme_version"], current["rows"]) == (1, world["evaluation"]["rows"])


def test_tenant_b_never_sees_the_towns_scheme_sheets_or_ledger(api, town, tenant_b, world):
    other = api("scoring", tenant_b.admin)
    scheme_id, period = world["scheme_id"], world["period"]
    division_id = world["V1"]["division_id"]
    record = world["manual"][("V1", "leader_praise")]
    for path in (
        f"/schemes/{scheme_id}",
        f"/schemes/{scheme_id}/versions/1",
        f"/schemes/{scheme_id}/evaluations",
        f"/schemes/{scheme_id}/evaluations/{period}",
        f"/schemes/{scheme_id}/evaluations/{period}/sheets/{division_id}",
        f"/schemes/{scheme_id}/evaluations/{period}/export",
        f"/schemes/{scheme_id}/provisional",
        f"/schemes/{scheme_id}/provisional/sheets/{division_id}",
        f"/manual-inputs/{record['manual_input_id']}",
    ):
        answer = other.get(path, params={"period": period} if "provisional" in path else None)
        assert answer.status_code == 404, (path, answer.status_code, answer.text[:300])
    for path, body in (
        (f"/schemes/{scheme_id}/simulate", {"period": period}),
        (f"/schemes/{scheme_id}/evaluations/{period}/corrections", {"reason": "越权"}),
    ):
        answer = other.post(path, json=body)
        assert answer.status_code == 404, (path, answer.status_code, answer.text[:300])
    assert scheme_id not in other.get("/schemes", params={"page_size": 100}).text
    entered = ok(other.get("/manual-inputs", params={"period": period, "page_size": 100}))
    assert not {item["manual_input_id"] for item in entered["items"]} & {
        record["manual_input_id"] for record in world["manual"].values()
    }

    # The ledger has no item route: B's reads of A's subjects and metrics find nothing.
    grid_id = world["V1"]["grids"][0]["grid_id"]
    for subject in (division_id, grid_id):
        listed = ok(other.get("/ledger", params={"subject_id": subject}))
        assert (listed["total"], listed["items"]) == (0, []), subject
    own = api("scoring", town.admin)
    assert ok(own.get("/ledger", params={"subject_id": grid_id}))["total"] > 0
    ours = {event_id for event_id, _ in world["events"]["V1"]}
    reported = ok(
        other.get("/ledger", params={"metric": "intake.events_reported", "page_size": 200})
    )
    assert not {item["aggregate"].removeprefix("event:") for item in reported["items"]} & ours
