"""Registry side of the demo: divisions, grids, teams, key subjects, base information, filings.

All through grid_registry's API as the tenant admin. Idempotent: everything is looked up by its
code (or name) first and only what is missing is created; 409 means "already there". Grids lie
in an otherwise unused area near 31.70N 120.10E (the e2e tests draw theirs west of 118E).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from deploy.local.seed.api import IDENTITY, REGISTRY, Api
from deploy.local.seed.identity import DemoTenant

VALID_FROM = "2025-01-01"
CELL = 0.01  # degrees: a grid is about 950 m x 1,110 m here
BASE_INFO_DATE = "2025-06-30"
FILING_DUE = "2025-03-31"
FILED_ON = "2025-03-20"


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
    ids = {d["code"]: d["division_id"] for d in api.items("/divisions") if d["code"] in wanted}
    for code, division in wanted.items():
        if code in ids:
            continue
        body = {"code": code, "name": division.name, "kind": division.kind}
        created = api.expect("POST", "/divisions", 201, json=body).json()
        ids[code] = created["division_id"]
        print(f"seed: division {code} {division.name} created")
    return ids


def ensure_grids(api: Api, registry: Registry, divisions: dict[str, str]) -> list[dict[str, Any]]:
    """Each division's demo grids, west to east in one row of cells; the grids in that order."""
    west, south = registry.origin
    grids: list[dict[str, Any]] = []
    for division in registry.divisions:
        division_id = divisions[division.code]
        existing = {g["code"]: g for g in api.items("/grids", division_id=division_id)}
        for index in range(division.grids):
            code = f"{division.code}-G{index + 1}"
            grid = existing.get(code)
            if grid is None:
                body = {
                    "division_id": division_id,
                    "code": code,
                    "name": f"{division.name}第{ORDINALS[index]}网格",
                    "type": division.kind,
                    "boundary": box(round(west + CELL * len(grids), 4), south),
                    "valid_from": VALID_FROM,
                }
                grid = api.expect("POST", "/grids", 201, json=body).json()
                print(f"seed: grid {code} created")
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


def ensure_teams(api: Api, grids: list[dict[str, Any]], worker: tuple[str, str]) -> None:
    """Every demo member on each grid's team (matched by role and user id, else name)."""
    for position, grid in enumerate(grids):
        path = f"/grids/{grid['grid_id']}/team/members"
        current = [m for m in api.items(path) if not m["ends_on"]]
        held = {(m["role"], m["user_id"] or m["person_name"]) for m in current}
        for member in team_of(position, worker):
            if (member["role"], member.get("user_id") or member["person_name"]) in held:
                continue
            api.expect("POST", path, 201, 409, json=member)
            print(f"seed: {member['person_name']} joined the team of grid {grid['code']}")


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


def ensure_subjects(api: Api, grids: list[dict[str, Any]]) -> None:
    """The demo key subjects (found by grid and name; 409: the same person is registered)."""
    for subject in subjects_of(grids):
        names = {s["name"] for s in api.items("/subjects", grid_id=subject["grid_id"])}
        if subject["name"] in names:
            continue
        api.expect("POST", "/subjects", 201, 409, json=subject)
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
    """Figures of two sub-categories per grid on one statistics date (skipped when recorded)."""
    for position, grid in enumerate(grids):
        recorded = {
            (line["category"], line["sub_category"]): line
            for line in api.items("/base-info", grid_id=grid["grid_id"], as_of=BASE_INFO_DATE)
            if line["as_of"] == BASE_INFO_DATE
        }
        for (category, sub_category), figures in figures_of(position).items():
            line = recorded.get((category, sub_category))
            if line is not None and all(line[key] == value for key, value in figures.items()):
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
    """The two default checklist items, both filed for one division."""
    items = {item["code"] for item in api.items("/filing-items")}
    for code in ("management_rules", "assessment_rules"):
        if code not in items:
            api.expect("POST", "/filing-items", 201, 409, json={"code": code, "due_on": FILING_DUE})
            print(f"seed: filing item {code} added to the checklist")
    path = f"/divisions/{division_id}/filings"
    lines = {line["item_code"]: line for line in api.items(path, as_of=FILED_ON)}
    for number, code in enumerate(("management_rules", "assessment_rules"), start=1):
        if lines.get(code, {}).get("filing") is not None:
            continue
        title = lines.get(code, {}).get("title") or code
        evidence = {
            "document_title": f"{division_code} {title}",
            "document_number": f"示范〔2025〕{number}号",
            "reference": f"demo://filings/{division_code}/{code}.pdf",
        }
        body = {"item_code": code, "filed_on": FILED_ON, "evidence": evidence}
        api.expect("POST", path, 201, 409, json=body)
        print(f"seed: {code} filed for division {division_code}")


def worker_of(tenant: DemoTenant, username: str) -> tuple[str, str]:
    """The Keycloak user id (= directory id) and name of a demo login, from the directory."""
    users = Api(IDENTITY, tenant.admin.username)
    for user in users.items("/users", q=username):
        if user["username"] == username:
            return str(user["user_id"]), str(user["display_name"])
    raise SystemExit(f"seed: {username} is not in the directory of {tenant.code}")


def seed_registry(tenant: DemoTenant) -> dict[str, str]:
    """The tenant's demo registry; returns its division ids by code."""
    registry = REGISTRIES[tenant.code]
    api = Api(REGISTRY, tenant.admin.username)
    divisions = ensure_divisions(api, registry)
    grids = ensure_grids(api, registry, divisions)
    ensure_teams(api, grids, worker_of(tenant, registry.worker))
    if len(grids) > 1:
        ensure_subjects(api, grids)
        ensure_base_info(api, grids)
    if registry.filed_division is not None:
        ensure_filings(api, registry.filed_division, divisions[registry.filed_division])
    return divisions
