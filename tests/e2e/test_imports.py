"""Workbooks as a township sends them, through the running services with real tokens.

A roster (identity, real Keycloak) and a grid workbook (grid_registry), each with good and bad
rows, into a tenant of the tests' own: the good rows land, the bad ones are reported with their
column, a dry run changes nothing, a re-run changes nothing, and each created person appears
once on the users topic. A created person logs in with the login name the report gives beside
the password; their username and email are as free in another tenant as if they did not exist.
"""

from __future__ import annotations

import io
import json
import random
import uuid

import pytest
from openpyxl import Workbook

from shared.events.topics import Topic
from shared.testing.keycloak_login import first_login

pytestmark = pytest.mark.e2e

_rng = random.SystemRandom()


def xlsx(*rows: tuple[object, ...]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(client, path: str, data: bytes, *, dry_run: bool) -> dict:
    response = client.post(
        path,
        params={"dry_run": str(dry_run).lower()},
        files={"file": ("book.xlsx", data, "application/octet-stream")},
    )
    assert response.status_code == 200, response.text
    return response.json()


def outcomes(report: dict) -> dict[int, str]:
    return {row["row"]: row["outcome"] for row in report["rows"]}


def mobile() -> str:
    return f"13{_rng.randint(100000000, 999999999)}"


def test_a_roster_with_bad_rows_lands_the_good_ones_once(api, tenant_a, tenant_b, topic_tail):
    tail = topic_tail(Topic.IDENTITY_USERS)
    tag = uuid.uuid4().hex[:8]
    roster = xlsx(
        ("姓名", "用户名", "手机号", "邮箱", "角色"),
        ("测试甲", f"e2e.{tag}.a", mobile(), f"a.{tag}@example.com", "专职网格员"),
        ("测试乙", f"e2e.{tag}.b", mobile(), None, "网格长、巡查员"),
        ("测试丙", f"e2e.{tag}.c", "12345", None, "网格员"),  # not a mainland mobile number
        ("测试丁", f"e2e.{tag}.d", mobile(), None, "区长"),  # no such role
    )
    identity = api("identity", tenant_a.admin)

    dry = upload(identity, "/users/import", roster, dry_run=True)
    assert outcomes(dry) == {2: "created", 3: "created", 4: "rejected", 5: "rejected"}
    assert dry["temporary_passwords"] == []
    assert identity.get("/users", params={"q": f"e2e.{tag}"}).json()["total"] == 0

    done = upload(identity, "/users/import", roster, dry_run=False)
    assert outcomes(done) == outcomes(dry)
    bad = {row["row"]: row["problems"] for row in done["rows"] if row["outcome"] == "rejected"}
    assert [problem["column"] for problem in bad[4]] == ["手机号"]
    assert [problem["column"] for problem in bad[5]] == ["角色"]
    assert sorted((p["username"], p["login"]) for p in done["temporary_passwords"]) == [
        (f"e2e.{tag}.{row}", f"e2e.{tag}.{row}@{tenant_a.code}") for row in "ab"
    ]

    again = upload(identity, "/users/import", roster, dry_run=False)
    assert outcomes(again) == {2: "unchanged", 3: "unchanged", 4: "rejected", 5: "rejected"}
    assert again["temporary_passwords"] == []

    listed = identity.get("/users", params={"q": f"e2e.{tag}"}).json()["items"]
    assert sorted(user["username"] for user in listed) == [f"e2e.{tag}.a", f"e2e.{tag}.b"]
    user_ids = {user["user_id"] for user in listed}
    seen = tail.wait_for(lambda _t, e: e.payload.get("user_id") in user_ids, count=2)
    assert sorted(envelope.type for _, envelope in seen) == ["user.invited", "user.invited"]
    assert f"a.{tag}@example.com" not in json.dumps([e.payload for _, e in seen])

    other = api("identity", tenant_b.admin)
    for user_id in user_ids:
        assert other.get(f"/users/{user_id}").status_code == 404
    assert other.get("/users", params={"q": f"e2e.{tag}"}).json()["total"] == 0


def test_a_roster_person_logs_in_and_leaves_the_name_and_email_free_elsewhere(
    api, tenant_a, tenant_b
):
    username, email = f"e2e.{uuid.uuid4().hex[:8]}", f"{uuid.uuid4().hex[:8]}@example.com"
    roster = xlsx(
        ("姓名", "用户名", "手机号", "邮箱", "角色"),
        ("测试戊", username, mobile(), email, "网格员"),
    )
    done = upload(api("identity", tenant_a.admin), "/users/import", roster, dry_run=False)
    [issued] = done["temporary_passwords"]
    assert issued["login"] == f"{username}@{tenant_a.code}"
    first_login(
        issued["login"], issued["temporary_password"], f"Gridgov-e2e-{uuid.uuid4().hex[:6]}"
    )

    other = api("identity", tenant_b.admin)
    person = {
        "username": username,
        "display_name": "测试己",
        "email": email,
        "roles": ["inspector"],
    }
    invited = other.post("/users", json=person)
    assert invited.status_code == 201, invited.text
    assert invited.json()["login"] == f"{username}@{tenant_b.code}"
    assert tenant_a.code not in invited.text
    again = other.post("/users", json={**person, "email": None})
    assert again.status_code == 409, again.text
    assert f"username {username}" in again.json()["detail"]
    assert tenant_a.code not in again.text


def test_a_grid_workbook_with_bad_rows_lands_the_good_ones_once(api, tenant_a):
    registry = api("grid_registry", tenant_a.admin)
    code = f"W{uuid.uuid4().hex[:8].upper()}"
    division = registry.post("/divisions", json={"code": code, "name": "导入村", "kind": "village"})
    assert division.status_code == 201, division.text
    west, south = round(_rng.uniform(100.0, 118.0), 2), round(_rng.uniform(24.0, 40.0), 2)

    def ring(index: int) -> str:
        w = west + 0.004 * index
        square = [[w, south], [w + 0.004, south], [w + 0.004, south + 0.004], [w, south + 0.004]]
        return json.dumps({"type": "Polygon", "coordinates": [[*square, square[0]]]})

    unclosed = json.dumps(
        {
            "type": "Polygon",
            "coordinates": [[[west, south], [west + 1, south], [west + 1, south + 1]]],
        }
    )
    book = xlsx(
        ("网格编码", "网格名称", "村社区编码", "网格类型", "边界GeoJSON"),
        (f"{code}-1", "一网格", code, "农村网格", ring(0)),
        (f"{code}-2", "二网格", code, "农村网格", ring(1)),
        (f"{code}-3", "坏边界", code, "农村网格", unclosed),
        (f"{code}-4", "无此村", f"{code}-NOPE", "农村网格", ring(3)),
    )

    dry = upload(registry, "/grids/import", book, dry_run=True)
    assert outcomes(dry) == {2: "created", 3: "created", 4: "rejected", 5: "rejected"}
    assert (
        registry.get("/grids", params={"division_id": division.json()["division_id"]}).json()[
            "total"
        ]
        == 0
    )

    done = upload(registry, "/grids/import", book, dry_run=False)
    assert outcomes(done) == outcomes(dry)
    bad = {row["row"]: row["problems"] for row in done["rows"] if row["outcome"] == "rejected"}
    assert bad[4][0]["column"] == "边界GeoJSON"
    assert bad[5][0]["column"] == "村社区编码"

    again = upload(registry, "/grids/import", book, dry_run=False)
    assert outcomes(again) == {2: "unchanged", 3: "unchanged", 4: "rejected", 5: "rejected"}
    grids = registry.get("/grids", params={"division_id": division.json()["division_id"]}).json()
    assert sorted(grid["code"] for grid in grids["items"]) == [f"{code}-1", f"{code}-2"]
