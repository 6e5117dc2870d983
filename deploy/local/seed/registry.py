"""Registry side of the demo: divisions, grids, teams, key subjects, base information, filings.

All through grid_registry's API as the tenant admin. Converges on whatever state users left the
demo in: each demo object is looked up first (retired grids, ended memberships, archived or
moved subjects and withdrawn filings included) and created only if it was never made; one a
user changed (renamed, retired, split, ended, moved, re-recorded, withdrawn ...) is reported with
`left_as_is` and never changed back, and nothing is written into a grid a user retired. Grids
lie in an otherwise unused area near 31.70N 120.10E (the e2e tests draw theirs west of 118E).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from deploy.local.seed.api import REGISTRY, Api, detail, left_as_is
from deploy.local.seed.identity import DemoTenant
from deploy.local.seed.patrol import seed_patrol

VALID_FROM = "2025-01-01"
CELL = 0.01  # degrees: a grid is about 950 m x 1,110 m here
BASE_INFO_DATE = "2025-06-30"
FILING_DUE = "2025-03-31"
FILED_ON = "2025-03-20"
FILED_ITEMS = ("management_rules", "assessment_rules")
ACTIVE = "active"  # what the seed leaves its grids and key subjects
GRID_STATUSES = ("active", "retired")
TEAM_MODEL = "1+1+1+N"  # every grid's default, the one the demo teams are made of
SUBJECT_KEYS = ("id_number", "name", "address")  # any one recognises a demo key subject


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    kind: str
    grids: int


@dataclass(frozen=True)
class Registry:
    """What one demo tenant's registry holds."""

    divisions: tuple[Division, ...]
    origin: tuple[float, float]  # south-west corner of the first grid (lon, lat)
    worker: str  # the grid worker login, full-time worker of the first grid
    filed_division: str | None


REGISTRIES = {
    "demo-town-a": Registry(
        divisions=(
            Division("A-V01", "东风村", "village", 2),
            Division("A-V02", "红星村", "village", 2),
            Division("A-C01", "城关社区", "community", 2),
        ),
        origin=(120.10, 31.70),
        worker="worker.a",
        filed_division="A-V01",
    ),
    "demo-town-b": Registry(
        divisions=(
            Division("B-C01", "滨江社区", "community", 1),
            Division("B-C02", "新华社区", "community", 0),
        ),
        origin=(120.20, 31.70),
        worker="worker.b",
        filed_division=None,
    ),
}

ORDINALS = "一二三四五六七八九十"
NAMES = "甲乙丙丁戊己庚辛壬癸"
# The full-time worker of each grid after the first, by position in the tenant; None leaves a
# grid without one so that the staffing rate is not trivially 1 (红星村 第二网格).
FULL_TIMERS = ("测试专职员乙", "测试专职员丙", None, "测试专职员戊", "测试专职员己")


def box(west: float, south: float) -> dict[str, Any]:
    """A square-ish cell as a GeoJSON polygon ([lon, lat], closed ring)."""
    east, north = round(west + CELL, 4), round(south + CELL, 4)
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def resident_id(birth: str, sequence: int, region: str = "320412") -> str:
    """A fictitious but valid 18-character resident ID (GB 11643, ISO 7064 MOD 11-2).

    Sequences below 100 keep clear of the e2e tests' random ones (100-999).
    """
    body = f"{region}{birth}{sequence:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(digit) * weight for digit, weight in zip(body, weights, strict=True))
    return body + "10X98765432"[total % 11]


def ensure_divisions(api: Api, registry: Registry) -> dict[str, str]:
    """The tenant's demo divisions; their ids by code."""
    wanted = {division.code: division for division in registry.divisions}
    found = {d["code"]: d for d in api.items("/divisions") if d["code"] in wanted}
    ids: dict[str, str] = {}
    for code, division in wanted.items():
        existing = found.get(code)
        if existing is None:
            body = {"code": code, "name": division.name, "kind": division.kind}
            existing = api.expect("POST", "/divisions", 201, json=body).json()
            print(f"seed: division {code} {division.name} created")
        elif (existing["name"], existing["kind"]) != (division.name, division.kind):
            left_as_is(f"demo division {code}", f"is now {existing['name']} ({existing['kind']})")
        ids[code] = existing["division_id"]
    return ids


def every_grid(api: Api, **filters: str) -> list[dict[str, Any]]:
    """The tenant's grids of every status (lists show active grids unless asked for others)."""
    return [g for status in GRID_STATUSES for g in api.items("/grids", status=status, **filters)]


def grid_changes(grid: dict[str, Any], wanted: dict[str, Any], codes: dict[str, str]) -> list[str]:
    """How a user changed a demo grid from what the seed made (``wanted``), one phrase each."""
    if grid["status"] != ACTIVE:
        successors = ", ".join(codes.get(grid_id, grid_id) for grid_id in grid["replaced_by"])
        return [f"is {grid['status']}" + (f" (replaced by {successors})" if successors else "")]
    changes = [
        f"has the {field} {grid[field]}"
        for field in ("name", "type")
        if grid[field] != wanted[field]
    ]
    if grid["boundary"] != wanted["boundary"]:
        changes.append("has another boundary")
    return changes


def ensure_grids(api: Api, registry: Registry, divisions: dict[str, str]) -> list[dict[str, Any]]:
    """Each division's demo grids, west to east in one row of cells; the grids in that order,
    retired ones included (positions decide teams, subjects and figures)."""
    west, south = registry.origin
    grids: list[dict[str, Any]] = []
    for division in registry.divisions:
        division_id = divisions[division.code]
        existing = every_grid(api, division_id=division_id)
        by_code = {grid["code"]: grid for grid in existing}
        codes = {grid["grid_id"]: grid["code"] for grid in existing}
        for index in range(division.grids):
            code = f"{division.code}-G{index + 1}"
            wanted = {
                "division_id": division_id,
                "code": code,
                "name": f"{division.name}第{ORDINALS[index]}网格",
                "type": division.kind,
                "boundary": box(round(west + CELL * len(grids), 4), south),
                "valid_from": VALID_FROM,
            }
            grid = by_code.get(code)
            if grid is None:
                grid = api.expect("POST", "/grids", 201, json=wanted).json()
                print(f"seed: grid {code} created")
            for change in grid_changes(grid, wanted, codes):
                left_as_is(f"demo grid {code}", change)
            grids.append(grid)
    return grids


def team_of(position: int, worker: tuple[str, str]) -> list[dict[str, Any]]:
    """The 1+1+1+N team of the tenant's grid at ``position``: leader, full-timer, part-timers."""
    name = NAMES[position % len(NAMES)]
    members: list[dict[str, Any]] = [{"role": "grid_leader", "person_name": f"测试网格长{name}"}]
    if position == 0:
        user_id, display_name = worker
        members.append(
            {"role": "full_time_worker", "person_name": display_name, "user_id": user_id}
        )
    elif FULL_TIMERS[(position - 1) % len(FULL_TIMERS)] is not None:
        full_timer = FULL_TIMERS[(position - 1) % len(FULL_TIMERS)]
        members.append({"role": "full_time_worker", "person_name": full_timer})
    members += [
        {"role": "part_time_worker", "person_name": f"测试兼职员{name}{ORDINALS[n]}"}
        for n in range(2)
    ]
    return [{**member, "starts_on": VALID_FROM} for member in members]


def member_key(member: dict[str, Any]) -> tuple[str, str]:
    """How the seed recognises a membership: role and user id, else name."""
    return member["role"], member.get("user_id") or member["person_name"]


def ensure_teams(api: Api, grids: list[dict[str, Any]], worker: tuple[str, str]) -> None:
    """Every demo member on each active demo grid's team, unless the membership was ever held.

    A demo membership a user ended stays ended; one a user corrected (another person in the
    role, from the demo's first day) counts as the demo member; a seat a user filled stays his.
    """
    for position, grid in enumerate(grids):
        if grid["status"] != ACTIVE:
            continue  # retired by a user: said so with the grid
        code = grid["code"]
        model = api.expect("GET", f"/grids/{grid['grid_id']}/team", 200).json()["model"]
        if model != TEAM_MODEL:
            left_as_is(f"the team of demo grid {code}", f"has the model {model}")
            continue
        path = f"/grids/{grid['grid_id']}/team/members"
        history = list(api.items(path))
        wanted = team_of(position, worker)
        demo_keys = {member_key(member) for member in wanted}
        corrected = [
            m for m in history if m["starts_on"] == VALID_FROM and member_key(m) not in demo_keys
        ]
        for member in wanted:
            who = f"demo member {member['person_name']} ({member['role']}) of grid {code}"
            held = [m for m in history if member_key(m) == member_key(member)]
            if held:
                if all(m["ends_on"] for m in held):
                    left_as_is(who, f"has ended on {max(m['ends_on'] for m in held)}")
                continue
            stand_in = next((m for m in corrected if m["role"] == member["role"]), None)
            if stand_in is not None:
                corrected.remove(stand_in)
                left_as_is(who, f"is now {stand_in['person_name']}")
                continue
            added = api.expect_known("POST", path, 201, 409, json=member)
            if added.status_code == 409:
                left_as_is(who, f"cannot join: {detail(added)}")
            else:
                print(f"seed: {member['person_name']} joined the team of grid {code}")


def subjects_of(grids: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One key subject per category, obviously fictitious, in the first grids."""
    first, second = grids[0], grids[1 % len(grids)]
    west, south = first["boundary"]["coordinates"][0][0]
    return [
        {
            "category": "key_person",
            "grid_id": first["grid_id"],
            "name": "测试人员甲",
            "sub_category": "重点上访人员",
            "gender": "male",
            "id_number": resident_id("19750315", 1),
            "address": "东风村虚构路1号",
            "location": {"lon": round(west + 0.003, 5), "lat": round(south + 0.003, 5)},
        },
        {
            "category": "special_group",
            "grid_id": second["grid_id"],
            "name": "测试人员乙",
            "sub_category": "社区矫正人员",
            "gender": "female",
            "id_number": resident_id("19880620", 2),
            "address": "东风村虚构路2号",
        },
        {
            "category": "care_recipient",
            "grid_id": first["grid_id"],
            "name": "测试人员丙",
            "sub_category": "独居老人",
            "gender": "female",
            "id_number": resident_id("19410205", 3),
            "address": "东风村虚构路3号",
            "location": {"lon": round(west + 0.006, 5), "lat": round(south + 0.005, 5)},
        },
        {
            "category": "hazard_place",
            "grid_id": second["grid_id"],
            "name": "测试加油站（虚构）",
            "sub_category": "加油站",
            "address": "东风村虚构路4号",
            "contact_person": "测试人员丁",
        },
    ]


def same_subject(found: dict[str, Any], demo: dict[str, Any]) -> bool:
    """Whether a registered subject is the demo's: same category and the same ID number, name
    or address (a user may have renamed it; places have no ID number)."""
    if found["category"] != demo["category"]:
        return False
    return any(demo.get(key) and found.get(key) == demo[key] for key in SUBJECT_KEYS)


def subject_changes(
    found: dict[str, Any], demo: dict[str, Any], codes: dict[str, str]
) -> list[str]:
    """How a user changed a demo key subject, one phrase each."""
    changes = []
    if found["status"] != ACTIVE:
        changes.append(f"is {found['status']}")
    if found["grid_id"] != demo["grid_id"]:
        changes.append(f"is in grid {codes.get(found['grid_id'], found['grid_id'])}")
    if found["name"] != demo["name"]:
        changes.append(f"is now {found['name']}")
    return changes


def ensure_subjects(api: Api, grids: list[dict[str, Any]]) -> None:
    """The demo key subjects, unless registered before (archived or moved ones included)."""
    registered = list(api.items("/subjects"))  # the centre sees every status in every grid
    codes = {grid["grid_id"]: grid["code"] for grid in every_grid(api)}
    status_of = {grid["grid_id"]: grid["status"] for grid in grids}
    for subject in subjects_of(grids):
        found = next((s for s in registered if same_subject(s, subject)), None)
        if found is not None:
            for change in subject_changes(found, subject, codes):
                left_as_is(f"demo key subject {subject['name']}", change)
        elif status_of[subject["grid_id"]] == ACTIVE:  # else retired: said so with the grid
            api.expect("POST", "/subjects", 201, json=subject)
            print(f"seed: key subject {subject['name']} ({subject['category']}) registered")


def figures_of(position: int) -> dict[tuple[str, str], dict[str, int]]:
    """Plausible, fixed figures per sub-category for the grid at ``position``."""
    registered = 1200 + 150 * position
    floating = 260 + 40 * position
    return {
        ("population", "registered"): {
            "expected": registered,
            "collected": registered - 12 * position,
            "verified": registered - 30 * position - 25,
        },
        ("population", "floating"): {
            "expected": floating,
            "collected": floating - 18 - 3 * position,
            "verified": floating - 40 - 5 * position,
        },
    }


def ensure_base_info(api: Api, grids: list[dict[str, Any]]) -> None:
    """Figures of two sub-categories per active grid on one statistics date, unless recorded
    for that date before (figures a user recorded for it stay his)."""
    for position, grid in enumerate(grids):
        if grid["status"] != ACTIVE:
            continue
        recorded = {
            (line["category"], line["sub_category"]): line
            for line in api.items("/base-info", grid_id=grid["grid_id"], as_of=BASE_INFO_DATE)
            if line["as_of"] == BASE_INFO_DATE
        }
        for (category, sub_category), figures in figures_of(position).items():
            line = recorded.get((category, sub_category))
            if line is not None:
                if any(line[key] != value for key, value in figures.items()):
                    left_as_is(
                        f"demo base information {category}/{sub_category} of grid "
                        f"{grid['code']} on {BASE_INFO_DATE}",
                        "holds other figures",
                    )
                continue
            api.expect(
                "PUT",
                f"/grids/{grid['grid_id']}/base-info/{category}/{sub_category}",
                200,
                201,
                json={**figures, "as_of": BASE_INFO_DATE},
            )
            print(f"seed: base information {category}/{sub_category} of grid {grid['code']}")


def ensure_filings(api: Api, division_code: str, division_id: str) -> None:
    """The two default checklist items, both filed for one division, unless filed before
    (a filing a user withdrew stays withdrawn)."""
    checklist = {item["code"] for item in api.items("/filing-items")}  # retired ones included
    for code in FILED_ITEMS:
        if code not in checklist:
            api.expect("POST", "/filing-items", 201, json={"code": code, "due_on": FILING_DUE})
            print(f"seed: filing item {code} added to the checklist")
    path = f"/divisions/{division_id}/filings"
    lines = {line["item_code"]: line for line in api.items(path, as_of=FILED_ON)}
    for number, code in enumerate(FILED_ITEMS, start=1):
        history = lines.get(code, {}).get("history") or []
        if history:
            if all(filing["withdrawal"] for filing in history):
                what = f"the demo filing of {code} for division {division_code}"
                left_as_is(what, "is withdrawn")
            continue
        title = lines.get(code, {}).get("title") or code
        evidence = {
            "document_title": f"{division_code} {title}",
            "document_number": f"示范〔2025〕{number}号",
            "reference": f"demo://filings/{division_code}/{code}.pdf",
        }
        body = {"item_code": code, "filed_on": FILED_ON, "evidence": evidence}
        api.expect("POST", path, 201, json=body)
        print(f"seed: {code} filed for division {division_code}")


def worker_of(users: Api, tenant: DemoTenant, username: str) -> tuple[str, str]:
    """The Keycloak user id (= directory id) and name of a demo login, from the directory."""
    for user in users.items("/users", q=username):
        if user["username"] == username:
            return str(user["user_id"]), str(user["display_name"])
    raise SystemExit(f"seed: {username} is not in the directory of {tenant.code}")


def seed_registry(users: Api, tenant: DemoTenant, registry: Registry) -> dict[str, str]:
    """The tenant's demo registry (``users``: the admin's identity API); division ids by code."""
    api = Api(REGISTRY, tenant.admin.username)
    divisions = ensure_divisions(api, registry)
    grids = ensure_grids(api, registry, divisions)
    ensure_teams(api, grids, worker_of(users, tenant, registry.worker))
    if len(grids) > 1:
        ensure_subjects(api, grids)
        ensure_base_info(api, grids)
    if registry.filed_division is not None:
        ensure_filings(api, registry.filed_division, divisions[registry.filed_division])
    seed_patrol(registry.worker, grids[0])
    return divisions
