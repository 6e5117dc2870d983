"""Seed 004 end to end: a street pays its full-time grid workers for the month, through the
running services with real tokens and the real Kafka (issue 14's check).

A fresh street tenant of its own: one community of three grids, one full-time worker (专职网格员)
on each from the first scripted working day, a key person and a key place in every grid, the
street's patrol rules (seed 004's preset: 4 h inside his own grid, 3 km, 4 h online, one key
person and one key place visited). Over the month's latest working days ``D1..Dn`` (n is 3 or
4, the last one judged by patrol's cut-off), each worker's phone uploads his day:

=======  ===========================  ====================================================
worker   D1 D2 D3 D4                  intake (today) and manual inputs
=======  ===========================  ====================================================
W1       pass pass pass pass          21 app reports, one reviewed unqualified; 4 tasks done;
                                      system maintenance duty (专项)
W2       2 h  pass none pass          18 app reports, one rejected as invalid; 4 tasks, 3
         (failed)   (not patrolled)   done; a meeting missed without leave, another excused
W3       none none none pass          5 app reports; 5 tasks done; an illegal building in
                                      his grid went unreported (manual: info subsidy
                                      cancelled)
=======  ===========================  ====================================================

The centre creates the scheme from the seed 004 template, publishes it, and — the month still
running — locks it early (``before_end``). Money, by hand from the seed's rules (六.严格考核奖惩):

- 巡查补贴 800, minus 25 a failing working day, forfeited at 3 consecutive or 5 in the month,
  minus 50 an unexcused meeting absence: W1 800; W2 800 - 2*25 - 50 = 700; W3 forfeited, 0;
- 信息补贴 200, minus 10 a valid report short of 20: W1 20 valid, 200; W2 17, 170; W3 5 would
  give 50, cancelled by the unreported building, 0;
- 任务奖励 200 for at least 4 dispatched tasks done: W1 200, W2 (3) 0, W3 200;
- 专项奖励 500: W1;
- 排名奖励 only in a quarter's last month, ranked by the quarter's patrol subsidy, information
  subsidy and task reward (a fresh street: this month alone): W1 1200, W2 870, W3 200, ranks
  1-3, all in the 3-star tier, 300;
- W3's forfeited subsidy is a yellow card (黄牌警告).

Then: every money line traces to its facts (the failing days, the event ids of the valid
reports, the manual inputs and their evidence); the ledger rebuilt from the topics gives the
same edition again; a simulated draft paying 30 a failing day changes exactly W2's patrol line
(-10); tenant B gets 404 for all of it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from deploy.local.seed.identity import TENANTS
from shared.calendar import WorkCalendar
from tests.conftest import service_url, wait_until
from tests.e2e.test_registry import resident_id, worker_subject
from tests.patrol import beats, chunks, walk
from tests.scoring import community_of_workers, rebuild
from tests.tenants import TestTenant, invite_worker, onboard_tenant

pytestmark = pytest.mark.e2e

SHANGHAI = ZoneInfo("Asia/Shanghai")
CALENDAR = WorkCalendar()
TEMPLATE = "seed_004_shanhu_street_full_time_worker"
WORKERS = ("W1", "W2", "W3")
# Each scripted day per worker: "pass" (a full day), "short" (2 h: failed), None (nothing).
DAYS: Mapping[str, tuple[str | None, ...]] = {
    "W1": ("pass", "pass", "pass", "pass"),
    "W2": ("short", "pass", None, "pass"),
    "W3": (None, None, None, "pass"),
}
REPORTS = {"W1": 21, "W2": 18, "W3": 5}
TASKS = {"W1": (4, 4), "W2": (4, 3), "W3": (5, 5)}  # (dispatched, completed)
CATEGORIES = ("social_security", "public_safety", "city_management", "environmental_protection")


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, (response.request.method, response.url, response.text)
    return response.json()


def _run_days() -> list[date]:
    """The month's latest working days already judged (patrol finalises a day at 02:00 the
    next morning): up to four, ending with the latest."""
    now = datetime.now(SHANGHAI)
    latest = now.date() - timedelta(days=1 if now.time() >= time(2, 30) else 2)
    first = now.date().replace(day=1)
    found: list[date] = []
    day = latest
    while day >= first and len(found) < 4:
        if CALENDAR.is_workday(day):
            found.append(day)
        day -= timedelta(days=1)
    return sorted(found)


def _full_day(west: float, south: float, day: date, tag: str, hours: float) -> list[dict]:
    """A worker's day from 08:00: five minutes at the key person's door, five at the key place,
    then the walk along his grid's middle for the rest of ``hours``."""
    start = datetime.combine(day, time(8, 0), tzinfo=SHANGHAI).astimezone(UTC)
    fixes = []
    for n, (lon, at) in enumerate(
        [(west + 0.001, start + timedelta(seconds=30 * k)) for k in range(11)]
        + [(_place_lon(west, south), start + timedelta(seconds=330 + 30 * k)) for k in range(11)]
    ):
        fixes.append(
            {
                "point_id": f"{tag}-stay-{n}",
                "at": at.isoformat(),
                "lat": south + 0.002,
                "lon": lon,
                "accuracy_m": 5.0,
                "provider": "gps",
                "speed_mps": 0.0,
                "battery_pct": 90,
            }
        )
    walk_start = start + timedelta(seconds=660)
    end = start + timedelta(hours=hours)
    return fixes + walk(west, south, walk_start, end, f"{tag}-walk")


def _place_lon(west: float, south: float) -> float:
    """The key place: 100 m east of the key person, on the walk."""
    metres_per_degree = 111_195.0 * math.cos(math.radians(south + 0.002))
    return west + 0.001 + 100.0 / metres_per_degree


@pytest.fixture(scope="module")
def street(api, keycloak_tokens, test_logins, test_district) -> dict[str, Any]:
    """The tenant, its grids, workers and their month: everything driven in through the APIs,
    then the scheme published and the month locked."""
    days = _run_days()
    if len(days) < 3:
        pytest.skip(f"fewer than three judged working days so far this month: {days}")
    like = next(tenant for tenant in TENANTS if tenant.code == "demo-town-b")
    tenant: TestTenant = onboard_tenant(
        service_url("identity"),
        keycloak_tokens["platform.admin"],
        like=like,
        district_id=test_district,
        tokens=test_logins,
        registry_url=service_url("grid_registry"),
    )
    logins = {"W1": tenant.worker}
    for number, name in ((2, "W2"), (3, "W3")):
        logins[name] = invite_worker(
            service_url("identity"),
            test_logins,
            tenant.admin,
            f"{name.lower()}.{tenant.code}",
            display_name=f"网格员{name}",
            phone=f"1380013800{number + 1}",
            registry_url=service_url("grid_registry"),
        )
    workers = {name: worker_subject(api, login) for name, login in logins.items()}
    admin = tenant.admin

    # Patrol: the street's rules, uploads up to 30 days old (the month so far).
    ok(
        api("patrol_tracking", admin).put(
            "/settings", json={"preset": "seed_004", "ingest": {"upload_window_days": 30}}
        )
    )
    # Registry: one community, a grid per worker, its key person and key place.
    registry = api("grid_registry", admin)
    grids = community_of_workers(registry, workers, days[0].isoformat())
    for name, grid in grids.items():
        west, south = grid["west"], grid["south"]
        ok(
            registry.post(
                "/subjects",
                json={
                    "category": "key_person",
                    "grid_id": grid["grid_id"],
                    "name": f"重点人员{name}",
                    "sub_category": "社区矫正人员",
                    "id_number": resident_id("19750315"),
                    "location": {"lon": west + 0.001, "lat": south + 0.002},
                },
            ),
            201,
        )
        ok(
            registry.post(
                "/subjects",
                json={
                    "category": "hazard_place",
                    "grid_id": grid["grid_id"],
                    "name": f"加油站{name}",
                    "sub_category": "重点场所",
                    "location": {"lon": _place_lon(west, south), "lat": south + 0.002},
                },
            ),
            201,
        )

    world = {
        "tenant": tenant,
        "days": days,
        "logins": logins,
        "workers": workers,
        "grids": grids,
        "period": datetime.now(SHANGHAI).strftime("%Y-%m"),
    }
    _patrol(api, world)
    world["events"] = _reports(api, world)
    _tasks(api, world)
    _records(api, world)
    world["manual"] = _manual_inputs(api, world)
    world["scheme_id"] = _publish_scheme(api, admin)
    _wait_for_ledger(api, world)
    scoring = api("scoring", admin)
    world["evaluation"] = ok(
        scoring.post(
            f"/schemes/{world['scheme_id']}/evaluations",
            json={"period": world["period"], "before_end": True},
        ),
        201,
    )
    return world


def _scripted(world: Mapping[str, Any], name: str) -> list[tuple[date, str | None]]:
    """``(day, kind)`` of each scripted day (three days: the table's first three)."""
    days = world["days"]
    return list(zip(days, DAYS[name][: len(days)], strict=True))


def _patrol(api: Callable[..., Any], world: dict[str, Any]) -> None:
    """Every worker's phone uploads his scripted days; patrol's cut-off judges them."""
    for name in WORKERS:
        phone = api("patrol_tracking", world["logins"][name])
        grid = world["grids"][name]
        for day, kind in _scripted(world, name):
            if kind is None:
                continue
            hours = 4.5 if kind == "pass" else 2.0
            tag = f"{name}-{day.isoformat()}"
            fixes = _full_day(grid["west"], grid["south"], day, tag, hours)
            for batch in chunks(fixes, 500):
                ok(phone.post("/points", json={"points": batch}), 202)
            start = datetime.combine(day, time(8, 0), tzinfo=SHANGHAI).astimezone(UTC)
            heartbeats = beats(start, start + timedelta(hours=hours), tag)
            for batch in chunks(heartbeats, 100):
                ok(phone.post("/heartbeats", json={"heartbeats": batch}), 202)

    centre = api("patrol_tracking", world["tenant"].admin)
    expected = {
        (world["workers"][name], day.isoformat()): {
            "pass": "passed",
            "short": "failed",
            None: "not_patrolled",
        }[kind]
        for name in WORKERS
        for day, kind in _scripted(world, name)
    }
    found: dict[tuple[str, str], str] = {}
    reasons: dict[tuple[str, str], Any] = {}

    def judged() -> bool:
        for day in world["days"]:
            page = ok(centre.get("/days", params={"day": day.isoformat(), "page_size": 100}))
            for item in page["items"]:
                if item["final"]:
                    found[(item["worker_id"], day.isoformat())] = item["status"]
                    reasons[(item["worker_id"], day.isoformat())] = item["reasons"]
        return all(found.get(key) == status for key, status in expected.items())

    assert wait_until(judged, timeout=150, interval=3), {
        key: (found.get(key), status, reasons.get(key))
        for key, status in expected.items()
        if found.get(key) != status
    }


def _reports(api: Callable[..., Any], world: dict[str, Any]) -> dict[str, dict[str, list[str]]]:
    """Each worker reports through the grid app in his grid; the centre reviews one of W1's
    as unqualified and rejects one of W2's as invalid. Event ids by worker: valid, not."""
    centre = api("event_intake", world["tenant"].admin)
    events: dict[str, dict[str, list[str]]] = {}
    for name in WORKERS:
        phone = api("event_intake", world["logins"][name])
        grid = world["grids"][name]
        ids = []
        for n in range(REPORTS[name]):
            reported = ok(
                phone.post(
                    "/events",
                    json={
                        "source": "grid_app",
                        "category": CATEGORIES[n % len(CATEGORIES)],
                        "title": f"{name}巡查发现问题{n + 1}",
                        "description": "巡查中发现，已拍照",
                        "address": f"城东社区{n + 1}号",
                        "position": {
                            "lon": grid["west"] + 0.0002 + 0.00009 * n,
                            "lat": grid["south"] + 0.0035,
                        },
                        "grid_id": grid["grid_id"],
                        "level": "grid",
                        "request_id": f"{name}-report-{n}",
                    },
                ),
                201,
            )
            ids.append(reported["event_id"])
        events[name] = {"valid": ids, "not_counted": []}
    unqualified = events["W1"]["valid"].pop()
    ok(
        centre.post(
            f"/events/{unqualified}/actions",
            json={"action": "review", "outcome": "unqualified", "unqualified_reason": "unclear"},
        )
    )
    rejected = events["W2"]["valid"].pop()
    ok(
        centre.post(
            f"/events/{rejected}/actions",
            json={"action": "reject_invalid", "reason": "不属于网格事项"},
        )
    )
    events["W1"]["not_counted"].append(unqualified)
    events["W2"]["not_counted"].append(rejected)
    return events


def _tasks(api: Callable[..., Any], world: dict[str, Any]) -> None:
    """The centre dispatches tasks to each worker, who takes and completes some."""
    centre = api("event_intake", world["tenant"].admin)
    deadline = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    for name in WORKERS:
        phone = api("event_intake", world["logins"][name])
        dispatched, completed = TASKS[name]
        for n in range(dispatched):
            task = ok(
                centre.post(
                    "/tasks",
                    json={
                        "title": f"核查任务{n + 1}",
                        "instructions": "请核实并反馈",
                        "assignee_kind": "worker",
                        "assignee_id": world["workers"][name],
                        "grid_id": world["grids"][name]["grid_id"],
                        "deadline": deadline,
                    },
                ),
                201,
            )
            ok(phone.post(f"/tasks/{task['task_id']}/accept", json={}))
            if n < completed:
                ok(
                    phone.post(
                        f"/tasks/{task['task_id']}/complete", json={"evidence": "已核实并反馈"}
                    )
                )


def _records(api: Callable[..., Any], world: dict[str, Any]) -> None:
    """The centre records the month's meeting: W2 missed it without leave; a second meeting
    he missed with leave (excused: no deduction)."""
    centre = api("event_intake", world["tenant"].admin)
    day = world["days"][0].isoformat()
    for name in WORKERS:
        status = "absent_unexcused" if name == "W2" else "present"
        ok(
            centre.post(
                "/records",
                json={
                    "kind": "meeting_attendance",
                    "grid_id": world["grids"][name]["grid_id"],
                    "worker_id": world["workers"][name],
                    "date": day,
                    "session_id": "meeting-1",
                    "status": status,
                },
            ),
            201,
        )
    ok(
        centre.post(
            "/records",
            json={
                "kind": "meeting_attendance",
                "grid_id": world["grids"]["W2"]["grid_id"],
                "worker_id": world["workers"]["W2"],
                "date": world["days"][1].isoformat(),
                "session_id": "meeting-2",
                "status": "excused",
            },
        ),
        201,
    )


def _manual_inputs(api: Callable[..., Any], world: dict[str, Any]) -> dict[str, str]:
    """What no service records, entered by the centre with its evidence."""
    scoring = api("scoring", world["tenant"].admin)
    period = world["period"]
    ids: dict[str, str] = {}
    for name in WORKERS:
        subject = world["workers"][name]
        entries = [
            ("unreported_violation", name == "W3", "城管巡查发现违建未上报（督查通报）"),
        ]
        if name == "W1":
            entries.append(("special_duty", True, "街道综治中心任命：信息系统维护"))
        for input_id, value, evidence in entries:
            created = ok(
                scoring.post(
                    "/manual-inputs",
                    json={
                        "input_id": input_id,
                        "subject_id": subject,
                        "period": period,
                        "value": value,
                        "evidence": evidence,
                        "refs": [],
                    },
                ),
                201,
            )
            ids[f"{name}:{input_id}"] = created["manual_input_id"]
    return ids


def _publish_scheme(api: Callable[..., Any], admin: str) -> str:
    scoring = api("scoring", admin)
    created = ok(scoring.post("/schemes", json={"template": TEMPLATE}), 201)
    scheme_id = created["scheme_id"]
    ok(scoring.post(f"/schemes/{scheme_id}/publish", json={}))
    return scheme_id


def _wait_for_ledger(api: Callable[..., Any], world: dict[str, Any]) -> None:
    """Until the provisional sheets show every fact driven in (the ledger follows Kafka)."""
    scoring = api("scoring", world["tenant"].admin)
    scheme_id = world["scheme_id"]
    wanted = {
        world["workers"][name]: {
            "valid_info_reports": str(len(world["events"][name]["valid"])),
            "dispatched_tasks_completed": str(TASKS[name][1]),
            "meeting_absences_unexcused": "1" if name == "W2" else "0",
        }
        for name in WORKERS
    }
    seen: dict[str, dict[str, Any]] = {}

    def caught_up() -> bool:
        for subject, values in wanted.items():
            sheet = scoring.get(f"/schemes/{scheme_id}/provisional/sheets/{subject}")
            if sheet.status_code != 200:
                return False
            facts = {f["input_id"]: f["value"] for f in sheet.json()["facts"]}
            seen[subject] = facts
            if any(facts.get(key) != value for key, value in values.items()):
                return False
        return True

    assert wait_until(caught_up, timeout=120, interval=1), seen


def test_the_months_money_matches_the_hand_count(api, street):
    quarter_end = int(street["period"][5:]) % 3 == 0
    star = Decimal(300) if quarter_end else Decimal(0)
    expected = {
        "W1": {
            "patrol_subsidy": Decimal(800),
            "info_subsidy": Decimal(200),
            "task_reward": Decimal(200),
            "star_reward": star,
            "special_reward": Decimal(500),
        },
        "W2": {
            "patrol_subsidy": Decimal(700),
            "info_subsidy": Decimal(170),
            "task_reward": Decimal(0),
            "star_reward": star,
            "special_reward": Decimal(0),
        },
        "W3": {
            "patrol_subsidy": Decimal(0),
            "info_subsidy": Decimal(0),
            "task_reward": Decimal(200),
            "star_reward": star,
            "special_reward": Decimal(0),
        },
    }
    # With three scripted days only, W2 still fails D1 and D3 and W3 never patrols: the same.
    rows = {row["subject_id"]: row for row in street["evaluation"]["rows"]}
    assert set(rows) == set(street["workers"].values())
    for name in WORKERS:
        row = rows[street["workers"][name]]
        assert row["assessable"] is True, row
        money = {line["rule_id"]: Decimal(line["amount"]) for line in row["money"]}
        # A conditional reward is a line only where its condition holds: the star ranking in a
        # quarter's last month, the special reward for the worker with the duty.
        if not quarter_end:
            del expected[name]["star_reward"]
        if name != "W1":
            del expected[name]["special_reward"]
        assert money == expected[name], name
        assert Decimal(row["money_total"]) == sum(expected[name].values()), name
        assert row["rank"] == 1  # no scored indicator: everyone totals 0
    assert rows[street["workers"]["W3"]]["flags"] == ["yellow_card"]
    assert rows[street["workers"]["W1"]]["flags"] == []
    assert rows[street["workers"]["W2"]]["flags"] == []
    assert street["evaluation"]["edition"] == 1


def test_every_money_line_traces_to_its_facts(api, street):
    scoring = api("scoring", street["tenant"].admin)
    base = f"/schemes/{street['scheme_id']}/evaluations/{street['period']}"
    w2 = ok(scoring.get(f"{base}/sheets/{street['workers']['W2']}"))
    facts = {fact["input_id"]: fact for fact in w2["facts"]}
    failing = [day for day, kind in _scripted(street, "W2") if kind != "pass"]
    assert facts["patrol_failing_days"]["value"] == ",".join(d.isoformat() for d in failing)
    trace = facts["valid_info_reports"]["trace"]
    assert {item["metric"] for item in trace} == {"intake.worker_reports_valid"}
    traced = [item["aggregate"] for item in trace]
    assert sorted(traced) == sorted(f"event:{e}" for e in street["events"]["W2"]["valid"])
    days = facts["patrol_failing_days"]["trace"]
    assert {item["metric"] for item in days} == {"patrol.failing_days"}
    assert len(days) == len(failing)
    patrol = next(m for m in w2["money"] if m["rule_id"] == "patrol_subsidy")
    assert "25" in patrol["explain"]["zh"]
    assert "50" in patrol["explain"]["zh"]

    w3 = ok(scoring.get(f"{base}/sheets/{street['workers']['W3']}"))
    facts = {fact["input_id"]: fact for fact in w3["facts"]}
    violation = facts["unreported_violation"]
    assert violation["source"] == "manual"
    assert violation["value"] == "true"
    [item] = violation["trace"]
    assert (item["source"], item["ref"], item["note"]) == (
        "manual",
        street["manual"]["W3:unreported_violation"],
        "城管巡查发现违建未上报（督查通报）",
    )

    # A worker reads his own sheet and no one else's.
    own = api("scoring", street["logins"]["W1"])
    assert own.get(f"{base}/sheets/{street['workers']['W1']}").status_code == 200
    assert own.get(f"{base}/sheets/{street['workers']['W2']}").status_code == 404


def test_a_rebuilt_ledger_gives_the_same_edition(api, street):
    rebuilt = rebuild(street["tenant"].code)
    assert rebuilt.returncode == 0, rebuilt.stdout[-3000:] + rebuilt.stderr[-3000:]
    scoring = api("scoring", street["tenant"].admin)
    scheme_id, period = street["scheme_id"], street["period"]
    corrected = ok(
        scoring.post(
            f"/schemes/{scheme_id}/evaluations/{period}/corrections",
            json={"reason": "账本重建后复核"},
        ),
        201,
    )
    assert corrected["edition"] == 2
    before = {r["subject_id"]: (r["money"], r["flags"]) for r in street["evaluation"]["rows"]}
    after = {r["subject_id"]: (r["money"], r["flags"]) for r in corrected["rows"]}
    assert after == before


def test_a_simulated_draft_shows_the_hand_compared_difference(api, street):
    scoring = api("scoring", street["tenant"].admin)
    scheme_id = street["scheme_id"]
    draft_version = ok(scoring.post(f"/schemes/{scheme_id}/versions"), 201)
    text = draft_version["text"]
    assert text.count("per_failing_day: 25") == 1
    draft = text.replace("per_failing_day: 25", "per_failing_day: 30")
    ok(scoring.put(f"/schemes/{scheme_id}/draft", json={"text": draft}))
    simulated = ok(
        scoring.post(f"/schemes/{scheme_id}/simulate", json={"period": street["period"]})
    )
    deltas = {s["subject_id"]: s["money"]["delta"] for s in simulated["subjects"]}
    assert deltas == {
        street["workers"]["W1"]: "0.00",
        street["workers"]["W2"]: "-10.00",  # two failing days at 30 instead of 25
        street["workers"]["W3"]: "0.00",  # forfeited either way
    }


def test_another_tenant_sees_none_of_it(api, tenant_b, street):
    other = api("scoring", tenant_b.admin)
    scheme_id, period = street["scheme_id"], street["period"]
    w1 = street["workers"]["W1"]
    for path in (
        f"/schemes/{scheme_id}",
        f"/schemes/{scheme_id}/evaluations/{period}",
        f"/schemes/{scheme_id}/evaluations/{period}/sheets/{w1}",
        f"/manual-inputs/{street['manual']['W1:special_duty']}",
    ):
        assert other.get(path).status_code == 404, path
    assert other.get("/ledger", params={"subject_id": w1}).json()["items"] == []
