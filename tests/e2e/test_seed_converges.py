"""`make up` re-runs the seed on a demo its users have changed: it converges and never fights them.

The demo tenants themselves stay untouched (tests/e2e/test_demo_stays_the_demo.py): the real seed
runs as a subprocess, exactly as `make up` calls it, on a copy of the demo under other names
(``--copy``, `deploy.local.seed.demo.copy_of`) in a district of its own. Then, through the APIs,
the copy gets what demo users do: grids retired, split, merged, re-drawn and renamed, a division
renamed, memberships ended, corrected or added, a seat given to someone else, a team on another
model, key subjects archived or moved, figures re-recorded, a filing withdrawn, a login disabled
and re-roled, a password reset, a division and grid of their own, the second tenant offboarded.
The seed runs again: it exits 0, says "left as is" once per change, restores only the documented
password, and the tenant reads exactly as before the run. Two more runs lock the admin out
(disabled, then without its role): the seed skips that tenant, saying why, and exits 0.
"""

from __future__ import annotations

import io
import secrets
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from deploy.local.seed.api import PASSWORD
from deploy.local.seed.demo import DEMO, Demo, copy_of
from deploy.local.seed.identity import DemoTenant, keycloak_admin
from deploy.local.seed.registry import BASE_INFO_DATE, GRID_STATUSES, box
from shared.testing.keycloak_login import password_token
from tests.conftest import Api

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
PAGE_SIZE = 200
SEED_SECONDS = 240
# The copies' own district (the seed creates it once per stack), so that they do not crowd the
# district whose overseer the other e2e tests ask about (tests.tenants.TEST_DISTRICT).
COPIES_DISTRICT = "e2e-seed-copies"


def run_seed(copy: Demo, prefix: str) -> subprocess.CompletedProcess[str]:
    """``python -m deploy.local.seed --copy PREFIX --district ID``, as `make up` runs the seed."""
    command = [sys.executable, "-m", "deploy.local.seed", "--copy", prefix]
    return subprocess.run(
        [*command, "--district", copy.district[0]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=SEED_SECONDS,
        check=False,
    )


def login(username: str) -> str:
    return password_token(username, PASSWORD)


def ok(response: Any, *status: int) -> Any:
    assert response.status_code in (status or (200,)), (
        f"{response.request.method} {response.url}: {response.status_code} {response.text[:500]}"
    )
    return response.json()


def items(client: Api, path: str, **params: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    page = 1
    while True:
        params = {**params, "page": page, "page_size": PAGE_SIZE}
        body = ok(client.get(path, params=params))
        found += body["items"]
        if page * PAGE_SIZE >= body["total"] or not body["items"]:
            return found
        page += 1


def left_lines(output: str) -> set[str]:
    return {line for line in output.splitlines() if line.endswith("(by a user): left as is")}


@dataclass(frozen=True)
class Copy:
    """The seeded copy: its demo definition, prefix and the first run's output."""

    demo: Demo
    prefix: str
    first: subprocess.CompletedProcess[str]

    @property
    def town(self) -> DemoTenant:
        return self.demo.tenants[0]

    @property
    def street(self) -> DemoTenant:
        return self.demo.tenants[1]


@pytest.fixture(scope="module")
def copy() -> Copy:
    """A fresh copy of the demo, seeded once (onboarded through the seed's own code path)."""
    prefix = f"t-e2e-seed-{secrets.token_hex(3)}"
    demo = copy_of(DEMO, prefix, COPIES_DISTRICT)
    return Copy(demo, prefix, run_seed(demo, prefix))


def snapshot(registry: Api, identity: Api) -> dict[str, Any]:
    """Everything a tenant holds that the seed could write, as the APIs answer it."""
    grids = [g for status in GRID_STATUSES for g in items(registry, "/grids", status=status)]
    divisions = items(registry, "/divisions")
    return {
        "divisions": divisions,
        "grids": grids,
        "teams": {g["code"]: items(registry, f"/grids/{g['grid_id']}/team/members") for g in grids},
        "subjects": items(registry, "/subjects"),
        "base information": {
            g["code"]: items(registry, "/base-info", grid_id=g["grid_id"], as_of=BASE_INFO_DATE)
            for g in grids
        },
        "checklist": items(registry, "/filing-items"),
        "filings": {
            d["code"]: items(registry, f"/divisions/{d['division_id']}/filings") for d in divisions
        },
        "people": sorted(
            (u["username"], tuple(sorted(u["roles"])), u["enabled"], u["display_name"])
            for u in items(identity, "/users")
        ),
    }


@dataclass(frozen=True)
class Changed:
    """The copy after users changed it and the seed ran again."""

    before: dict[str, Any]  # the town as the users left it
    after: dict[str, Any]  # the town after the second run
    second: subprocess.CompletedProcess[str]
    third: subprocess.CompletedProcess[str]  # once more, on the same state


def grid_by_code(registry: Api, code: str) -> dict[str, Any]:
    return next(
        g
        for status in GRID_STATUSES
        for g in items(registry, "/grids", status=status)
        if g["code"] == code
    )


def members_of(registry: Api, grid: dict[str, Any]) -> list[dict[str, Any]]:
    return items(registry, f"/grids/{grid['grid_id']}/team/members")


def rename_division(registry: Api, code: str, name: str) -> None:
    """The one way a division is renamed: its row in a workbook import."""
    book = Workbook()
    book.active.append(["村社区编码", "村社区名称", "类型"])
    book.active.append([code, name, "村"])
    buffer = io.BytesIO()
    book.save(buffer)
    files = {"file": ("divisions.xlsx", buffer.getvalue(), "application/octet-stream")}
    report = ok(registry.post("/divisions/import", files=files))
    assert [row["outcome"] for row in report["rows"]] == ["updated"], report


def change_the_grids(registry: Api) -> None:
    """Retire a grid, split one, merge one, re-draw one, rename one and a division."""
    retire = {"reason": "撤并 (e2e)"}
    ok(registry.post(f"/grids/{grid_by_code(registry, 'A-V02-G1')['grid_id']}/retire", json=retire))
    # A-C01-G1 is the fifth cell from 120.10E: split it into a west and an east half.
    west, south = 120.14, 31.70
    halves = [
        {"code": "A-C01-G1W", "name": "城关社区第一网格西", "boundary": half(west, south)},
        {"code": "A-C01-G1E", "name": "城关社区第一网格东", "boundary": half(west + 0.005, south)},
    ]
    split = grid_by_code(registry, "A-C01-G1")
    ok(registry.post(f"/grids/{split['grid_id']}/split", json={"parts": halves}), 201)
    merge = [grid_by_code(registry, code)["grid_id"] for code in ("A-C01-G1E", "A-C01-G2")]
    ok(
        registry.post("/grids/merge", json={"grid_ids": merge, "code": "A-C01-M", "name": "合"}),
        201,
    )
    redraw = grid_by_code(registry, "A-V02-G2")
    smaller = box(120.13, 31.70)
    smaller["coordinates"][0][1][0] = smaller["coordinates"][0][2][0] = 120.138
    ok(registry.request("PUT", f"/grids/{redraw['grid_id']}/boundary", json={"boundary": smaller}))
    rename_division(registry, "A-V01", "东风新村")
    second = grid_by_code(registry, "A-V01-G2")
    ok(
        registry.request(
            "PATCH",
            f"/grids/{second['grid_id']}",
            json={"name": "东风村第二网格（新）", "type": "special"},
        )
    )


def change_the_teams(registry: Api) -> None:
    """End memberships, correct some, add one, switch a team's model."""
    first = grid_by_code(registry, "A-V01-G1")
    team = f"/grids/{first['grid_id']}/team/members"
    members = {m["person_name"]: m for m in members_of(registry, first)}
    full_timer = next(m for m in members.values() if m["role"] == "full_time_worker")
    ok(registry.post(f"{team}/{full_timer['membership_id']}/end", json={"ends_on": "2025-06-30"}))
    newcomer = {"role": "part_time_worker", "person_name": "新兼职员", "starts_on": "2025-07-01"}
    ok(registry.post(team, json=newcomer), 201)
    typo = members["测试兼职员甲一"]["membership_id"]
    ok(registry.request("PATCH", f"{team}/{typo}", json={"person_name": "测试兼职员甲壹"}))

    # The full-timer of A-V01-G2 corrected to someone else from later on: the seat is his.
    second = grid_by_code(registry, "A-V01-G2")
    seat = f"/grids/{second['grid_id']}/team/members"
    full_timer = next(m for m in members_of(registry, second) if m["role"] == "full_time_worker")
    later = {"person_name": "用户专职员", "starts_on": "2025-02-01"}
    ok(registry.request("PATCH", f"{seat}/{full_timer['membership_id']}", json=later))
    # Everyone of A-V02-G2 ended, then its team switched to the 1+4+X model.
    fourth = grid_by_code(registry, "A-V02-G2")
    ended = f"/grids/{fourth['grid_id']}/team/members"
    for member in members_of(registry, fourth):
        ok(registry.post(f"{ended}/{member['membership_id']}/end", json={"ends_on": "2025-06-30"}))
    model = {"model": "1+4+X"}
    ok(registry.request("PATCH", f"/grids/{fourth['grid_id']}/team", json=model))


def change_the_rest(registry: Api) -> None:
    """Archive and move key subjects, re-record figures, withdraw a filing, add one's own."""
    first, second = grid_by_code(registry, "A-V01-G1"), grid_by_code(registry, "A-V01-G2")
    subjects = {s["name"]: s for s in items(registry, "/subjects")}
    archive = {"reason": "迁出 (e2e)"}
    ok(registry.post(f"/subjects/{subjects['测试人员甲']['subject_id']}/archive", json=archive))
    place = subjects["测试加油站（虚构）"]["subject_id"]
    ok(registry.post(f"/subjects/{place}/move", json={"grid_id": first["grid_id"]}))
    # Renamed: the person is still known by the ID number, the place by its address.
    ok(registry.request("PATCH", f"/subjects/{place}", json={"name": "用户加油站"}))
    person = subjects["测试人员丙"]["subject_id"]
    ok(registry.request("PATCH", f"/subjects/{person}", json={"name": "测试人员丙丙"}))

    figures = {"expected": 999, "collected": 998, "verified": 997, "as_of": BASE_INFO_DATE}
    path = f"/grids/{second['grid_id']}/base-info/population/registered"
    ok(registry.request("PUT", path, json=figures), 200, 201)

    division = next(d for d in items(registry, "/divisions") if d["code"] == "A-V01")
    (line,) = (
        line
        for line in items(registry, f"/divisions/{division['division_id']}/filings")
        if line["item_code"] == "management_rules"
    )
    withdraw = {"reason": "修订中 (e2e)"}
    ok(registry.post(f"/filings/{line['filing']['filing_id']}/withdraw", json=withdraw))

    own = ok(
        registry.post("/divisions", json={"code": "U-01", "name": "用户社区", "kind": "community"}),
        201,
    )
    mine = {
        "division_id": own["division_id"],
        "code": "U-01-G1",
        "name": "用户网格",
        "type": "community",
        "boundary": box(120.30, 31.70),
        "valid_from": "2025-01-01",
    }
    ok(registry.post("/grids", json=mine), 201)


def half(west: float, south: float) -> dict[str, Any]:
    cell = box(west, south)
    for corner in (1, 2):
        cell["coordinates"][0][corner][0] = round(west + 0.005, 4)
    return cell


def change_the_people(identity: Api, town: DemoTenant) -> None:
    """What users do to the demo logins: disable one, give it other roles, reset a password."""
    users = {u["username"]: u for u in items(identity, "/users")}
    worker = users[town.people[1].username]["user_id"]
    roles = {"roles": ["grid-worker", "inspector"]}
    ok(identity.request("PUT", f"/users/{worker}/roles", json=roles))
    ok(identity.post(f"/users/{worker}/disable"))
    admin = users[town.admin.username]["user_id"]
    ok(identity.post(f"/users/{admin}/password-reset"))


@pytest.fixture(scope="module")
def changed(copy: Copy, keycloak_tokens: Any) -> Changed:
    """The first tenant changed as users do, the second offboarded, then two more seed runs."""
    assert copy.first.returncode == 0, copy.first.stdout + copy.first.stderr
    admin = copy.town.admin.username
    registry = Api("grid_registry", login(admin))
    identity = Api("identity", login(admin))
    change_the_grids(registry)
    change_the_teams(registry)
    change_the_rest(registry)
    change_the_people(identity, copy.town)
    platform = Api("identity", keycloak_tokens["platform.admin"])
    reason = {"reason": "e2e: a user offboards a demo tenant"}
    ok(platform.post(f"/tenants/{copy.street.code}/offboard", json=reason))
    before = snapshot(registry, identity)
    second = run_seed(copy.demo, copy.prefix)
    after = snapshot(Api("grid_registry", login(admin)), Api("identity", login(admin)))
    third = run_seed(copy.demo, copy.prefix)
    return Changed(before, after, second, third)


def test_the_first_run_seeds_the_whole_copy(copy):
    assert copy.first.returncode == 0, copy.first.stdout + copy.first.stderr
    assert not left_lines(copy.first.stdout), copy.first.stdout
    registry = Api("grid_registry", login(copy.town.admin.username))
    codes = {g["code"] for g in items(registry, "/grids")}
    assert codes == {f"{d}-G{n}" for d in ("A-V01", "A-V02", "A-C01") for n in (1, 2)}
    assert len(items(registry, "/subjects")) == 4


def test_a_run_on_a_changed_demo_exits_0_and_changes_nothing(changed):
    assert changed.second.returncode == 0, changed.second.stdout + changed.second.stderr
    for aspect, state in changed.before.items():
        assert changed.after[aspect] == state, aspect


def test_each_change_is_reported_once(copy, changed):
    town, street, prefix = copy.town.code, copy.street.code, copy.prefix
    expected = {
        f"seed: {line} (by a user): left as is"
        for line in (
            "demo grid A-V02-G1 is retired",
            "demo grid A-C01-G1 is retired (replaced by A-C01-G1W, A-C01-G1E)",
            "demo grid A-C01-G2 is retired (replaced by A-C01-M)",
            "demo grid A-V02-G2 has another boundary",
            "demo grid A-V01-G2 has the name 东风村第二网格（新）",
            "demo grid A-V01-G2 has the type special",
            "the team of demo grid A-V02-G2 has the model 1+4+X",
            "demo division A-V01 is now 东风新村 (village)",
            "demo member 甲镇网格员 (full_time_worker) of grid A-V01-G1 has ended on 2025-06-30",
            "demo member 测试兼职员甲一 (part_time_worker) of grid A-V01-G1 is now 测试兼职员甲壹",
            "demo key subject 测试人员甲 is archived",
            "demo key subject 测试加油站（虚构） is in grid A-V01-G1",
            "demo key subject 测试加油站（虚构） is now 用户加油站",
            "demo key subject 测试人员丙 is now 测试人员丙丙",
            f"demo base information population/registered of grid A-V01-G2 on {BASE_INFO_DATE} "
            "holds other figures",
            "the demo filing of management_rules for division A-V01 is withdrawn",
            f"demo login worker.a.{prefix} has the roles grid-worker, inspector",
            f"demo login worker.a.{prefix} is disabled",
            f"demo tenant {street} is offboarded",
        )
    }
    lines = changed.second.stdout.splitlines()
    seat = "seed: demo member 测试专职员乙 (full_time_worker) of grid A-V01-G2 cannot join: "
    expected |= {line for line in lines if line.startswith(seat)}
    assert left_lines(changed.second.stdout) == expected, changed.second.stdout
    assert any(line.startswith(seat) for line in expected), "no line about the taken seat"
    assert len(lines) == len(set(lines)), "a line said twice"
    assert f"seed: admin.a.{prefix} keeps the documented demo password" in lines
    assert (
        lines[-1]
        == f"seed: {copy.demo.district[0]} with demo tenants {town} is ready ({street} left as is)"
    )


def test_a_third_run_says_the_same_and_does_nothing_else(changed):
    assert changed.third.returncode == 0, changed.third.stdout + changed.third.stderr
    lines = changed.third.stdout.splitlines()
    assert set(lines[:-1]) == left_lines(changed.second.stdout)
    assert lines[-1] == changed.second.stdout.splitlines()[-1]


def test_the_documented_password_works_again_after_a_reset(copy, changed):
    assert changed.second.returncode == 0
    assert login(copy.town.admin.username)


def test_a_locked_out_admin_leaves_its_tenant_alone(copy, changed):
    keycloak = keycloak_admin()
    admin = keycloak.get_user_id(copy.town.admin.username)
    user = keycloak.get_user(admin)  # PUT replaces the representation: send it whole
    keycloak.update_user(admin, {**user, "enabled": False})
    try:
        run = run_seed(copy.demo, copy.prefix)
    finally:
        keycloak.update_user(admin, {**user, "enabled": True})
    assert run.returncode == 0, run.stdout + run.stderr
    assert (
        f"seed: demo tenant {copy.town.code} is not seeded further: {copy.town.admin.username} "
        "cannot log in with the demo password (Account disabled) (by a user): left as is"
    ) in run.stdout.splitlines(), run.stdout


def test_an_admin_without_its_roles_leaves_its_tenant_alone(copy, changed):
    keycloak = keycloak_admin()
    admin = keycloak.get_user_id(copy.town.admin.username)
    role = [keycloak.get_realm_role("tenant-admin")]
    keycloak.delete_realm_roles_of_user(admin, role)
    try:
        run = run_seed(copy.demo, copy.prefix)
    finally:
        keycloak.assign_realm_roles(admin, role)
    assert run.returncode == 0, run.stdout + run.stderr
    refused = f"seed: demo tenant {copy.town.code} is not seeded further: "
    (line,) = (line for line in run.stdout.splitlines() if line.startswith(refused))
    assert f"{copy.town.admin.username} may not GET /users" in line
    assert line.endswith("(by a user): left as is")
