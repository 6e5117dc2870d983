"""The grid registry as a township uses it, through the running services with real tokens.

A village with two grids, a team whose full-time workers change over the year, key persons in
both grids: the staffing rate on past dates follows the team changes, the grid worker reads
only his own grid's key persons, tenant B sees none of it, a broken boundary is refused with
the reason, and every change appears exactly once on its Kafka topic. Tenants A and B are the
session's own (tenant_a, tenant_b), never the demo's.
"""

from __future__ import annotations

import random
import uuid

import pytest

from shared.events.topics import Topic

pytestmark = pytest.mark.e2e

# Active grids may not overlap, so each village is drawn from a random 0.01-degree cell of a
# large area away from the demo's (tenant_a lives for the whole session).
_rng = random.SystemRandom()


def village_cells() -> tuple[float, float]:
    return round(_rng.uniform(100.0, 118.0), 2), round(_rng.uniform(24.0, 40.0), 2)


def box(west: float, south: float, east: float, north: float) -> dict:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def resident_id(birth: str) -> str:
    """A valid 18-character resident ID number (ISO 7064 MOD 11-2 check digit)."""
    body = f"320412{birth}{_rng.randint(100, 999)}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    return body + check


@pytest.fixture
def village(api, tenant_a):
    """A division with two adjacent grids registered as existing since 2025-01-01."""
    registry = api("grid_registry", tenant_a.admin)
    code = f"E{uuid.uuid4().hex[:8].upper()}"
    division = registry.post("/divisions", json={"code": code, "name": "测试村", "kind": "village"})
    assert division.status_code == 201, division.text
    division_id = division.json()["division_id"]
    west, south = village_cells()
    grids = []
    for index in range(2):
        body = {
            "division_id": division_id,
            "code": f"{code}-G{index + 1}",
            "name": f"第{index + 1}网格",
            "type": "village",
            "boundary": box(west + 0.004 * index, south, west + 0.004 * (index + 1), south + 0.004),
            "valid_from": "2025-01-01",
        }
        created = registry.post("/grids", json=body)
        assert created.status_code == 201, created.text
        grids.append(created.json())
    return {"division_id": division_id, "code": code, "grids": grids, "origin": (west, south)}


def worker_subject(api, username: str) -> str:
    me = api("identity", username).get("/me")
    assert me.status_code == 200, me.text
    return str(me.json()["subject"])


def assign(registry, grid_id: str, **membership) -> dict:
    response = registry.post(f"/grids/{grid_id}/team/members", json=membership)
    assert response.status_code == 201, response.text
    return response.json()


def staffing(registry, division_id: str, day: str) -> dict:
    response = registry.get(f"/divisions/{division_id}/staffing", params={"date": day})
    assert response.status_code == 200, response.text
    return response.json()


def test_the_staffing_rate_on_past_dates_follows_team_changes(api, tenant_a, village):
    registry = api("grid_registry", tenant_a.admin)
    first, second = (grid["grid_id"] for grid in village["grids"])
    assign(registry, first, role="full_time_worker", person_name="张三", starts_on="2025-01-01")
    second_worker = assign(
        registry, second, role="full_time_worker", person_name="李四", starts_on="2025-06-01"
    )
    ended = registry.post(
        f"/grids/{second}/team/members/{second_worker['membership_id']}/end",
        json={"ends_on": "2025-09-30"},
    )
    assert ended.status_code == 200, ended.text

    assert staffing(registry, village["division_id"], "2025-03-01")["rate"] == "0.5000"
    assert staffing(registry, village["division_id"], "2025-07-01")["rate"] == "1.0000"
    on_30_november = staffing(registry, village["division_id"], "2025-11-30")
    assert on_30_november["rate"] == "0.5000"
    assert on_30_november["grids"] == 2
    assert on_30_november["staffed"] == 1

    team = registry.get(f"/grids/{second}/team", params={"date": "2025-07-01"})
    assert team.status_code == 200, team.text
    assert "李四" in {member["person_name"] for member in team.json()["members"]}


def test_a_grid_worker_reads_only_his_own_grids_key_persons(api, tenant_a, village):
    admin = api("grid_registry", tenant_a.admin)
    mine, other = (grid["grid_id"] for grid in village["grids"])
    assign(
        admin,
        mine,
        role="full_time_worker",
        person_name="网格员甲",
        user_id=worker_subject(api, tenant_a.worker),
        starts_on="2025-01-01",
    )
    subjects = {}
    for grid_id in (mine, other):
        created = admin.post(
            "/subjects",
            json={
                "category": "key_person",
                "grid_id": grid_id,
                "name": "王某",
                "sub_category": "社区矫正人员",
                "id_number": resident_id("19800101"),
            },
        )
        assert created.status_code == 201, created.text
        subjects[grid_id] = created.json()["subject_id"]

    worker = api("grid_registry", tenant_a.worker)
    assert worker.get(f"/subjects/{subjects[mine]}").status_code == 200
    refused = worker.get(f"/subjects/{subjects[other]}")
    assert refused.status_code == 404
    assert refused.headers["Content-Type"].startswith("application/problem+json")
    listed = worker.get("/subjects", params={"page_size": 200}).json()["items"]
    ids = {subject["subject_id"] for subject in listed}
    assert subjects[mine] in ids
    assert subjects[other] not in ids


def test_tenant_b_never_sees_tenant_a_registry_objects(api, tenant_a, tenant_b, village):
    admin_a = api("grid_registry", tenant_a.admin)
    grid_id = village["grids"][0]["grid_id"]
    subject = admin_a.post(
        "/subjects",
        json={"category": "hazard_place", "grid_id": grid_id, "name": "加油站"},
    )
    assert subject.status_code == 201, subject.text
    subject_id = subject.json()["subject_id"]

    other = api("grid_registry", tenant_b.admin)
    for path in (
        f"/divisions/{village['division_id']}",
        f"/grids/{grid_id}",
        f"/grids/{grid_id}/history",
        f"/subjects/{subject_id}",
        f"/divisions/{village['division_id']}/staffing",
    ):
        assert other.get(path).status_code == 404, path
    for path, key in (("/divisions", "division_id"), ("/grids", "grid_id")):
        items = other.get(path, params={"page_size": 200}).json()["items"]
        assert village["division_id"] not in {item.get("division_id") for item in items}
        assert grid_id not in {item.get(key) for item in items}
    subjects = other.get("/subjects", params={"page_size": 200}).json()["items"]
    assert subject_id not in {item["subject_id"] for item in subjects}
    west, south = village["origin"]
    located = other.get("/grids/locate", params={"lon": west + 0.002, "lat": south + 0.002})
    assert located.status_code == 404
    mine = admin_a.get("/grids/locate", params={"lon": west + 0.002, "lat": south + 0.002})
    assert mine.status_code == 200, mine.text
    assert mine.json()["grid_id"] == grid_id


def test_an_invalid_polygon_is_refused_naming_the_problem(api, tenant_a, village):
    west, south = village_cells()
    bow_tie = {
        "type": "Polygon",
        "coordinates": [
            [
                [west, south],
                [west + 0.01, south + 0.01],
                [west + 0.01, south],
                [west, south + 0.01],
                [west, south],
            ]
        ],
    }
    response = api("grid_registry", tenant_a.admin).post(
        "/grids",
        json={
            "division_id": village["division_id"],
            "code": f"{village['code']}-BAD",
            "name": "坏网格",
            "type": "village",
            "boundary": bow_tie,
        },
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert errors[0]["field"].startswith("boundary")
    assert "self-intersection" in errors[0]["reason"].lower()


def test_every_registry_change_appears_once_on_its_topic(api, tenant_a, topic_tail):
    tail = topic_tail(
        Topic.REGISTRY_DIVISIONS,
        Topic.REGISTRY_GRIDS,
        Topic.REGISTRY_TEAMS,
        Topic.REGISTRY_SUBJECTS,
    )
    registry = api("grid_registry", tenant_a.admin)
    code = f"K{uuid.uuid4().hex[:8].upper()}"
    division_id = registry.post(
        "/divisions", json={"code": code, "name": "事件村", "kind": "village"}
    ).json()["division_id"]
    west, south = village_cells()
    grid = registry.post(
        "/grids",
        json={
            "division_id": division_id,
            "code": f"{code}-G1",
            "name": "一网格",
            "type": "village",
            "boundary": box(west, south, west + 0.004, south + 0.004),
        },
    ).json()
    membership = assign(
        registry, grid["grid_id"], role="grid_leader", person_name="组长", starts_on="2026-01-01"
    )
    subject = registry.post(
        "/subjects",
        json={"category": "care_recipient", "grid_id": grid["grid_id"], "name": "独居老人甲"},
    ).json()
    ids = {division_id, grid["grid_id"], membership["membership_id"], subject["subject_id"]}

    def ours(_topic, envelope) -> bool:
        payload = envelope.payload
        return bool(
            ids
            & {
                payload.get("division_id") if envelope.type.startswith("division") else None,
                payload.get("grid_id") if envelope.type.startswith("grid") else None,
                payload.get("membership_id"),
                payload.get("subject_id"),
            }
        )

    seen = tail.wait_for(ours, count=4, timeout=45)

    assert sorted((topic, envelope.type) for topic, envelope in seen) == [
        ("gridgov.registry.divisions", "division.created"),
        ("gridgov.registry.grids", "grid.created"),
        ("gridgov.registry.subjects", "subject.registered"),
        ("gridgov.registry.teams", "team.member_assigned"),
    ]
    assert len({envelope.event_id for _, envelope in seen}) == 4
    subject_event = next(envelope for _, envelope in seen if envelope.type.startswith("subject"))
    assert "独居老人甲" not in str(subject_event.payload)
