"""A grid worker's phone on patrol, scripted for the black-box tests (e2e and reliability):
fixes every 30 s at walking pace along the middle of a grid, heartbeats every 5 minutes, and
a community grid of the test tenant with its worker on the team."""

from __future__ import annotations

import itertools
import math
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta

from tests.e2e.test_registry import box, village_cells, worker_subject

STEP_S = 30
PACE_MPS = 1.4


def walk(west: float, south: float, start: datetime, end: datetime, tag: str) -> list[dict]:
    """Fixes every 30 s walking back and forth along 200 m of the grid's middle."""
    metres_per_degree = 111_195.0 * math.cos(math.radians(south + 0.002))
    points = []
    n = 0
    at = start
    while at <= end:
        along = (PACE_MPS * STEP_S * n) % 400.0
        offset = along if along <= 200.0 else 400.0 - along
        points.append(
            {
                "point_id": f"{tag}-{n}",
                "at": at.isoformat(),
                "lat": south + 0.002,
                "lon": west + 0.001 + offset / metres_per_degree,
                "accuracy_m": 6.0,
                "provider": "gps",
                "speed_mps": PACE_MPS,
                "battery_pct": 80,
            }
        )
        n += 1
        at += timedelta(seconds=STEP_S)
    return points


def path_length_m(walk: list[dict], south: float) -> float:
    """The walk's length by hand: the east-west steps in metres (one parallel)."""
    metres_per_degree = 111_195.0 * math.cos(math.radians(south + 0.002))
    return sum(abs(b["lon"] - a["lon"]) * metres_per_degree for a, b in itertools.pairwise(walk))


def beats(start: datetime, end: datetime, tag: str) -> list[dict]:
    beats = []
    at = start
    while at <= end:
        beats.append(
            {
                "heartbeat_id": f"{tag}-{at.strftime('%H%M')}",
                "at": at.isoformat(),
                "app_alive": True,
                "gps_permission": True,
                "battery_saver": False,
                "network": "cellular",
            }
        )
        at += timedelta(minutes=5)
    return beats


def chunks(items: list[dict], size: int) -> Iterator[list[dict]]:
    for first in range(0, len(items), size):
        yield items[first : first + size]


def make_patrol_grid(api, tenant_a):
    """A community grid of tenant A with its worker on the team (full-time), and tenant A's
    upload window widened to 14 days so a week can be uploaded now."""
    settings = api("patrol_tracking", tenant_a.admin).put(
        "/settings", json={"preset": "seed_001", "ingest": {"upload_window_days": 14}}
    )
    assert settings.status_code == 200, settings.text
    registry = api("grid_registry", tenant_a.admin)
    code = f"P{uuid.uuid4().hex[:8].upper()}"
    division = registry.post(
        "/divisions", json={"code": code, "name": "巡查社区", "kind": "community"}
    )
    assert division.status_code == 201, division.text
    west, south = village_cells()
    grid = registry.post(
        "/grids",
        json={
            "division_id": division.json()["division_id"],
            "code": f"{code}-G1",
            "name": "巡查网格",
            "type": "community",
            "boundary": box(west, south, west + 0.004, south + 0.004),
            "valid_from": "2025-01-01",
        },
    )
    assert grid.status_code == 201, grid.text
    worker = worker_subject(api, tenant_a.worker)
    member = registry.post(
        f"/grids/{grid.json()['grid_id']}/team/members",
        json={
            "role": "full_time_worker",
            "person_name": "巡查员",
            "user_id": worker,
            "starts_on": "2025-01-01",
        },
    )
    assert member.status_code == 201, member.text
    return {"grid_id": grid.json()["grid_id"], "west": west, "south": south, "worker": worker}
