"""Event intake as a township uses it, through the running services with real tokens.

The registry's grid and team reach event_intake over Kafka (its local read model); a grid
worker reports from the phone API with a client request id, retries, and the centre accepts;
the wrong role gets 403, the wrong state 409, tenant B 404 and an empty list; every change
appears exactly once on ``gridgov.intake.events``. Tenants A and B are the session's own.
"""

from __future__ import annotations

import uuid

import pytest

from shared.events.topics import Topic
from tests.conftest import wait_until
from tests.e2e.test_registry import box, village_cells, worker_subject

pytestmark = pytest.mark.e2e


@pytest.fixture
def grid_of_worker(api, tenant_a):
    """A grid with tenant A's worker on its team, and a point inside it."""
    registry = api("grid_registry", tenant_a.admin)
    code = f"I{uuid.uuid4().hex[:8].upper()}"
    division = registry.post("/divisions", json={"code": code, "name": "事项村", "kind": "village"})
    assert division.status_code == 201, division.text
    west, south = village_cells()
    grid = registry.post(
        "/grids",
        json={
            "division_id": division.json()["division_id"],
            "code": f"{code}-G1",
            "name": "事项网格",
            "type": "village",
            "boundary": box(west, south, west + 0.004, south + 0.004),
            "valid_from": "2025-01-01",
        },
    )
    assert grid.status_code == 201, grid.text
    member = registry.post(
        f"/grids/{grid.json()['grid_id']}/team/members",
        json={
            "role": "full_time_worker",
            "person_name": "网格员",
            "user_id": worker_subject(api, tenant_a.worker),
            "starts_on": "2025-01-01",
        },
    )
    assert member.status_code == 201, member.text
    return {"grid_id": grid.json()["grid_id"], "point": {"lon": west + 0.002, "lat": south + 0.002}}


def test_a_report_travels_from_the_phone_to_kafka_once(
    api, tenant_a, tenant_b, grid_of_worker, topic_tail
):
    tail = topic_tail(Topic.INTAKE_EVENTS)
    intake = api("event_intake", tenant_a.worker)
    body = {
        "source": "grid_app",
        "category": "city_management",
        "title": "道路破损",
        "description": "村口道路破损约2平方米",
        "position": grid_of_worker["point"],
        "request_id": f"phone-{uuid.uuid4().hex[:8]}",
    }
    answers: list = []

    def reported() -> bool:
        # event_intake learns of the grid and the team from the registry's events.
        answers.append(intake.post("/events", json=body))
        return answers[-1].status_code == 201

    assert wait_until(reported, timeout=30, interval=0.5), answers[-1].text
    event = answers[-1].json()
    assert event["grid_id"] == grid_of_worker["grid_id"]
    retried = intake.post("/events", json=body)
    assert retried.status_code == 200
    assert retried.json()["event_id"] == event["event_id"]

    event_id = event["event_id"]
    path = f"/events/{event_id}/actions"
    assert intake.post(path, json={"action": "accept"}).status_code == 403
    centre = api("event_intake", tenant_a.admin)
    accepted = centre.post(path, json={"action": "accept"})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["accepted_on_time"] is True
    assert centre.post(path, json={"action": "accept"}).status_code == 409

    other = api("event_intake", tenant_b.admin)
    assert other.get(f"/events/{event_id}").status_code == 404
    assert other.post(path, json={"action": "close"}).status_code == 404
    assert event_id not in other.get("/events").text

    seen = tail.wait_for(
        lambda _topic, envelope: envelope.payload.get("event_id") == event_id,
        count=2,
        timeout=45,
    )
    assert sorted(envelope.type for _, envelope in seen) == ["event.accepted", "event.reported"]
    assert all(envelope.tenant_id == tenant_a.code for _, envelope in seen)
    assert "村口" not in str([envelope.payload for _, envelope in seen])
