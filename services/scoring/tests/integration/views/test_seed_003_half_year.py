"""Seed 003 over half a year, from the ledger to the bulletins' notices (issue 15's check):
a township of four villages, January to June 2026 of facts fed through the live consumer's
handler as grid_registry, patrol_tracking and event_intake publish them, the centre's manual
inputs through the API, each month evaluated, locked and its bulletin (排名通报) published
through the API, and the notices read back from every bulletin.

The scheme (三、考核通报): a village ranked in the bottom two (rank >= subjects - 1) with a
total below the month's mean total is hit that month; three months running raises the
interview (约谈), six months running the veto (一票否决), which supersedes the interview.

The township. One grid and one worker a village, except 西村 (two grids, two workers):

    d-a 东村 V01  g-a (w-a)        d-c 南村 V03  g-c (w-c)
    d-b 西村 V02  g-b1 (w-b1), g-b2 (w-b2)        d-d 北村 V04  g-d (w-d)

Facts of every month (March differs for 北村 only, see below):

- base information, special groups (重点人群), as last recorded in the month: 东村 100 of 100;
  西村 50 of 50 in each grid (100%); 南村 60 of 100; 北村 90 of 100.
- patrol days (days 5 and 6): 东村 2 x 4000 s passed; 西村 each worker 2 x 3600 s passed;
  南村 2 x 1800 s failed and day 7 excused (not due); 北村 2 x 3000 s failed.
- events reported through the grid app (民安民生 = social_security, public_safety,
  livelihood_service, dispute): 东村 6 (3 social_security); 西村 5 (dispute and public_safety in
  g-b1, three city_management in g-b2); 南村 1 city_management; 北村 3 (1 livelihood_service).
  January: 南村 also reports a dispute the centre rejects as invalid (it counts for nothing).
  February: 东村's first event is reported on 2026-01-31 16:30 UTC, 1 February 00:30 in
  Shanghai: February's.
- manual inputs, every village every month: 2 volunteer activities per worker, app download
  rate 100%, 2 app activities, 1 app report per capita, no dispatch anomaly: volunteers 10 +
  app use 20 + dispatch checks 10 = 40 points; no publicity article (bonus 0).

March: 北村's statistics of 5 March say 90 of 100, those of 20 March 100 of 100 (the later
counts); its two patrol days are 2 x 3600 s passed; of its 3 events 2 are livelihood_service.

Rank-based items: at or above target full marks, else rank k among those short gets
max x (1 - k x step). Targets: completeness 100%, 1 h a day, 15 village events, 10 events a
worker (events / grids), 2 livelihood-or-dispute reports.

The inputs (patrol: seconds / 3600 s over the working days due; events per worker: the
grid app's events over the village's grids):

    month    village  complete  patrol h/day     events  per worker  livelihood
    base     东村     100%      8000/3600/2      6       6/1 = 6     3
    base     西村     100%      14400/3600/4     5       5/2 = 2.5   2
    base     北村     90%       6000/3600/2      3       3/1 = 3     1
    base     南村     60%       3600/3600/2      1       1/1 = 1     0
    March    北村     100%      7200/3600/2      3       3/1 = 3     2

The points (base: Jan, Feb, Apr, May, Jun; manual 40 for everyone):

    month  village  data 20  patrol 10  village 5  worker 15  livelihood 10 | total  rank
    base   东村     20       10         4.5 (1)    14.1 (1)   10            | 98.6   1
    base   西村     20       10         4.0 (2)    12.3 (3)   10            | 96.3   2
    base   北村     19 (1)   9 (1)      3.5 (3)    13.2 (2)   9.5 (1)       | 94.2   3  hit
    base   南村     18 (2)   8 (2)      3.0 (4)    11.4 (4)   9.0 (2)       | 89.4   4  hit
           mean 378.5 / 4 = 94.625: 北村 and 南村 (the bottom two) are below it
    March  东村     20       10         4.5 (1)    14.1 (1)   10            | 98.6   1
    March  北村     20       10         3.5 (3)    13.2 (2)   10            | 96.7   2
    March  西村     20       10         4.0 (2)    12.3 (3)   10            | 96.3   3
    March  南村     19 (1)   9 (1)      3.0 (4)    11.4 (4)   9.5 (1)       | 91.9   4  hit
           mean 383.5 / 4 = 95.875: 西村 is third but above it, 南村 below

(k): the rank among the villages short of the target.

Hits: 南村 every month; 北村 Jan, Feb, Apr, May, Jun (March breaks its run). So the notices:

    2026-01  none                   (南村 1 running, 北村 1)
    2026-02  none                   (南村 2, 北村 2)
    2026-03  interview: 南村         (南村 3; 北村 2nd, 西村 3rd but above the mean)
    2026-04  interview: 南村         (南村 4, 北村 1)
    2026-05  interview: 南村         (南村 5, 北村 2)
    2026-06  interview: 北村, veto: 南村  (南村 6: the veto supersedes its interview; 北村 3)

东村 and 西村 never carry a notice. Red and black lists of size 1: 东村 and 南村 every month.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from services.scoring import handlers
from services.scoring.tests.integration.ledger_support import message
from services.scoring.views.bulletins import blp as bulletins_blp
from services.scoring.views.evaluations import blp as evaluations_blp
from services.scoring.views.manual_inputs import blp as manual_inputs_blp
from services.scoring.views.schemes import blp as schemes_blp
from shared.registry.testing import seed_registry, square

pytestmark = pytest.mark.integration

TENANT = "tenant-a"
CENTRE = {"subject": "u-centre", "tenant_id": TENANT, "roles": ("center-staff",)}
WORKER = {"subject": "w-c", "tenant_id": TENANT, "roles": ("grid-worker",)}
TENANT_B = {"subject": "u-centre-b", "tenant_id": "tenant-b", "roles": ("tenant-admin",)}
TEMPLATE = "seed_003_township_monthly_ranking"
SCHEME = "/schemes/township"

# division -> (code, name, [(grid, worker)])
VILLAGES = {
    "d-a": ("V01", "东村", [("g-a", "w-a")]),
    "d-b": ("V02", "西村", [("g-b1", "w-b1"), ("g-b2", "w-b2")]),
    "d-c": ("V03", "南村", [("g-c", "w-c")]),
    "d-d": ("V04", "北村", [("g-d", "w-d")]),
}
DIVISION_OF = {grid: d for d, (_, _, grids) in VILLAGES.items() for grid, _ in grids}
# The centre's monthly entries for every village: 40 points (see the module docstring).
MANUAL = {
    "volunteer_activities_per_worker": 2,
    "app_download_rate": 100,
    "app_activities": 2,
    "app_reports_per_capita": 1,
    "dispatch_anomalies_minor": 0,
    "dispatch_anomalies_major": 0,
}

# The hand-computed table of the module docstring: (subject, rank, total) in rank order (totals
# as the API writes scores: without trailing zeros), movements, and the notices (flag,
# subjects) per month.
BASE = [("d-a", 1, "98.6"), ("d-b", 2, "96.3"), ("d-d", 3, "94.2"), ("d-c", 4, "89.4")]
MARCH = [("d-a", 1, "98.6"), ("d-d", 2, "96.7"), ("d-b", 3, "96.3"), ("d-c", 4, "91.9")]
MOVES = {
    "2026-01": {"d-a": "new", "d-b": "new", "d-c": "new", "d-d": "new"},
    "2026-02": {"d-a": "same", "d-b": "same", "d-c": "same", "d-d": "same"},
    "2026-03": {"d-a": "same", "d-b": "down", "d-c": "same", "d-d": "up"},
    "2026-04": {"d-a": "same", "d-b": "up", "d-c": "same", "d-d": "down"},
    "2026-05": {"d-a": "same", "d-b": "same", "d-c": "same", "d-d": "same"},
    "2026-06": {"d-a": "same", "d-b": "same", "d-c": "same", "d-d": "same"},
}
NOTICES: dict[str, list[tuple[str, list[str]]]] = {
    "2026-01": [],
    "2026-02": [],
    "2026-03": [("interview", ["d-c"])],
    "2026-04": [("interview", ["d-c"])],
    "2026-05": [("interview", ["d-c"])],
    "2026-06": [("interview", ["d-d"]), ("veto", ["d-c"])],
}


def township() -> None:
    """The registry read model (villages' grids and teams since 2025) and the divisions'
    names as grid_registry published them."""
    grids = [
        (grid, division, grid.upper(), square(120.0 + n / 10, 31.7), "2025-01-01")
        for n, (grid, division) in enumerate(DIVISION_OF.items())
    ]
    teams = {
        grid: [(worker, "grid_worker", "2025-01-01", None)]
        for _, _, members in VILLAGES.values()
        for grid, worker in members
    }
    seed_registry(TENANT, grids, teams, grid_type="village", now=datetime(2025, 1, 1, tzinfo=UTC))
    for division, (code, name, _) in VILLAGES.items():
        handlers.ledger_fact(
            message(
                "division.created",
                TENANT,
                occurred_at="2025-01-01T00:00:00+00:00",
                division_id=division,
                code=code,
                name=name,
                kind="village",
            )
        )


def baseinfo(grid: str, as_of: str, collected: int, expected: int) -> None:
    """grid_registry's base-information statistics of special groups on ``as_of``."""
    handlers.ledger_fact(
        message(
            "baseinfo.recorded",
            TENANT,
            occurred_at=f"{as_of}T02:00:00+00:00",
            grid_id=grid,
            division_id=DIVISION_OF[grid],
            as_of=as_of,
            category="special_group",
            sub_category="key_youth",
            expected=expected,
            collected=collected,
            verified=collected,
        )
    )


def patrol_day(worker: str, grid: str, day: str, status: str, seconds: int) -> None:
    """patrol_tracking's judged day of ``worker`` at the tenant's cut-off."""
    handlers.ledger_fact(
        message(
            "patrol.day_finalised",
            TENANT,
            occurred_at=f"{day}T16:00:00+00:00",
            worker_id=worker,
            day=day,
            version=1,
            grid_ids=[grid],
            division_ids=[DIVISION_OF[grid]],
            grid_type="village",
            workday=True,
            status=status,
            short=status == "failed",
            reasons=["hours_short"] if status == "failed" else [],
            leave_id="leave-1" if status == "excused" else None,
            online_s=seconds,
            patrol_s=seconds,
            own_grid_s=seconds,
            distance_m=seconds,
            own_grid_m=seconds,
            key_person_visits=0,
            hazard_place_visits=0,
            visited_subject_ids=[],
        )
    )


def event(
    event_id: str, grid: str, category: str, reported_at: str, *, rejected: bool = False
) -> None:
    """event_intake's report from the grid app (and, when ``rejected``, its rejection)."""
    common = {
        "event_id": event_id,
        "grid_id": grid,
        "division_id": DIVISION_OF[grid],
        "category": category,
        "reported_at": reported_at,
        "acceptance_deadline": reported_at,
    }
    handlers.ledger_fact(message("event.reported", TENANT, occurred_at=reported_at, **common))
    if rejected:
        at = datetime.fromisoformat(reported_at).replace(hour=6).isoformat()
        handlers.ledger_fact(
            message(
                "event.rejected",
                TENANT,
                occurred_at=at,
                state="rejected",
                action="reject_invalid",
                previous_state="reported",
                acting_as="centre",
                actor="u-centre",
                **common,
            )
        )


def events(month: str, grid: str, categories: list[str], first: str | None = None) -> None:
    """One event a day from the 10th, 02:00 UTC; ``first`` the first one's report instant."""
    for n, category in enumerate(categories):
        at = f"{month}-{10 + n:02d}T02:00:00+00:00"
        if n == 0 and first is not None:
            at = first
        event(f"e-{grid}-{month}-{n}", grid, category, at)


def publish_facts(month: str) -> None:
    """The month's facts as the three services publish them (see the module docstring)."""
    march = month == "2026-03"
    baseinfo("g-a", f"{month}-25", 100, 100)
    baseinfo("g-b1", f"{month}-25", 50, 50)
    baseinfo("g-b2", f"{month}-25", 50, 50)
    baseinfo("g-c", f"{month}-25", 60, 100)
    if march:
        baseinfo("g-d", f"{month}-05", 90, 100)
        baseinfo("g-d", f"{month}-20", 100, 100)  # the month's latest figures count
    else:
        baseinfo("g-d", f"{month}-25", 90, 100)

    for day in (f"{month}-05", f"{month}-06"):
        patrol_day("w-a", "g-a", day, "passed", 4000)
        patrol_day("w-b1", "g-b1", day, "passed", 3600)
        patrol_day("w-b2", "g-b2", day, "passed", 3600)
        patrol_day("w-c", "g-c", day, "failed", 1800)
        patrol_day("w-d", "g-d", day, *(("passed", 3600) if march else ("failed", 3000)))
    patrol_day("w-c", "g-c", f"{month}-07", "excused", 0)

    # 1 February 00:30 in Shanghai: February's event, though published on 31 January (UTC).
    first_of_a = "2026-01-31T16:30:00+00:00" if month == "2026-02" else None
    events(month, "g-a", ["social_security"] * 3 + ["city_management"] * 3, first_of_a)
    events(month, "g-b1", ["dispute", "public_safety"])
    events(month, "g-b2", ["city_management"] * 3)
    events(month, "g-c", ["city_management"])
    livelihood = 2 if march else 1
    events(
        month, "g-d", ["livelihood_service"] * livelihood + ["city_management"] * (3 - livelihood)
    )
    if month == "2026-01":
        event("e-g-c-rejected", "g-c", "dispute", "2026-01-20T02:00:00+00:00", rejected=True)


@pytest.fixture
def api(api_client) -> Any:
    api = api_client([schemes_blp, evaluations_blp, bulletins_blp, manual_inputs_blp])
    township()
    made = api.post("/schemes", json={"template": TEMPLATE, "id": "township"}, as_user=CENTRE)
    assert made.status_code == 201, made.get_json()
    published = api.post(f"{SCHEME}/publish", as_user=CENTRE)
    assert published.status_code == 200, published.get_json()
    return api


def enter_manual_inputs(api: Any, month: str) -> None:
    for division in VILLAGES:
        for input_id, value in MANUAL.items():
            entered = api.post(
                "/manual-inputs",
                json={
                    "input_id": input_id,
                    "subject_id": division,
                    "period": month,
                    "value": value,
                    "evidence": f"乡平安办{month}月度台账",
                },
                as_user=CENTRE,
            )
            assert entered.status_code == 201, entered.get_json()


def test_half_a_year_of_facts_raises_the_interview_at_month_3_and_the_veto_at_month_6(api):
    for number in range(1, 7):
        month = f"2026-{number:02d}"
        publish_facts(month)
        enter_manual_inputs(api, month)
        locked = api.post(f"{SCHEME}/evaluations", json={"period": month}, as_user=CENTRE)
        assert locked.status_code == 201, locked.get_json()
        assert locked.get_json()["edition"] == 1
        made = api.post(f"{SCHEME}/bulletins", json={"period": month, "size": 1}, as_user=CENTRE)
        assert made.status_code == 201, made.get_json()

        body = api.get(
            f"{SCHEME}/bulletins/{month}", query_string={"format": "json"}, as_user=CENTRE
        ).get_json()
        expected = MARCH if month == "2026-03" else BASE
        standings = [(s["subject_id"], s["rank"], s["total"]) for s in body["standings"]]
        assert standings == expected, (month, standings)
        assert {s["subject_id"]: s["movement"] for s in body["standings"]} == MOVES[month]
        names = {s["subject_id"]: s["subject_name"] for s in body["standings"]}
        assert names == {d: name for d, (_, name, _) in VILLAGES.items()}
        assert (body["red"], body["black"]) == (["d-a"], ["d-c"]), month
        notices = [(n["flag"], n["subjects"]) for n in body["notices"]]
        assert notices == NOTICES[month], (month, notices)
        flagged = {s["subject_id"]: s["flags"] for s in body["standings"] if s["flags"]}
        assert flagged == {
            subject: [flag] for flag, subjects in NOTICES[month] for subject in subjects
        }, (month, flagged)

    june = api.get(f"{SCHEME}/bulletins/2026-06", as_user=CENTRE).get_json()
    assert [(n["flag"], n["zh"]) for n in june["notices"]] == [
        ("interview", "连续3个月排名后2位，视情约谈"),
        ("veto", "连续6个月排名后2位，年终评比视情一票否决"),
    ]
    assert (june["previous"]["period"], june["previous"]["edition"]) == ("2026-05", 1)
    listed = api.get(f"{SCHEME}/bulletins", as_user=CENTRE).get_json()["items"]
    assert sorted(b["period"] for b in listed) == sorted(NOTICES)

    # A worker of the township reads the bulletin; another tenant does not know it exists.
    read = api.get(f"{SCHEME}/bulletins/2026-06", as_user=WORKER)
    assert read.status_code == 200
    assert [(n["flag"], n["subjects"]) for n in read.get_json()["notices"]] == NOTICES["2026-06"]
    assert api.get(f"{SCHEME}/bulletins/2026-06", as_user=TENANT_B).status_code == 404
    assert api.get(f"{SCHEME}/bulletins", as_user=TENANT_B).status_code == 404
