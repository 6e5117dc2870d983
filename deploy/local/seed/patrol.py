"""The demo's patrol: the demo grid worker's phone uploads a morning's walk in his grid.

Two hours (08:30-10:30 Asia/Shanghai) of fixes every 30 s at walking pace around the inside
of the first demo grid, with a heartbeat every 5 minutes, through the phone API as the worker
himself — today's morning once it is over, else yesterday's — so `GET /days`, the track and
the worker's month show a real day. The fixes' ids are the day's own: a second `make up` on
the same day uploads the same fixes and changes nothing; a later day adds that day's walk.
"""

from __future__ import annotations

import math
import os
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from deploy.local.seed.api import Api, Refused

PATROL = f"http://127.0.0.1:{os.environ.get('PATROL_TRACKING_PORT', '8104')}"
SHANGHAI = ZoneInfo("Asia/Shanghai")
START, END = time(8, 30), time(10, 30)
STEP_S = 30
PACE_MPS = 1.3
BATCH = 200


def demo_morning(now: datetime) -> date:
    """The latest morning whose walk is over at ``now``."""
    local = now.astimezone(SHANGHAI)
    return local.date() if local.time() >= END else local.date() - timedelta(days=1)


def morning_walk(grid: dict[str, Any], day: date) -> list[dict[str, Any]]:
    """Fixes along a loop 20% inside the grid's cell, from 08:30 to 10:30 of ``day``."""
    ring = grid["boundary"]["coordinates"][0]
    lons = [lon for lon, _ in ring]
    lats = [lat for _, lat in ring]
    west, east, south, north = min(lons), max(lons), min(lats), max(lats)
    inset_lon, inset_lat = (east - west) * 0.2, (north - south) * 0.2
    corners = [
        (west + inset_lon, south + inset_lat),
        (east - inset_lon, south + inset_lat),
        (east - inset_lon, north - inset_lat),
        (west + inset_lon, north - inset_lat),
    ]
    metres_lat = 111_195.0
    metres_lon = metres_lat * math.cos(math.radians((south + north) / 2))
    sides = [
        (a, b, math.hypot((b[0] - a[0]) * metres_lon, (b[1] - a[1]) * metres_lat))
        for a, b in zip(corners, corners[1:] + corners[:1], strict=True)
    ]
    loop = sum(length for _, _, length in sides)
    start = datetime.combine(day, START, tzinfo=SHANGHAI)
    steps = int((datetime.combine(day, END, tzinfo=SHANGHAI) - start).total_seconds()) // STEP_S
    fixes = []
    for n in range(steps + 1):
        along = (PACE_MPS * STEP_S * n) % loop
        for a, b, length in sides:
            if along <= length:
                share = along / length
                lon, lat = a[0] + (b[0] - a[0]) * share, a[1] + (b[1] - a[1]) * share
                break
            along -= length
        fixes.append(
            {
                "point_id": f"demo-{day.isoformat()}-{n}",
                "at": (start + timedelta(seconds=STEP_S * n)).astimezone(UTC).isoformat(),
                "lat": round(lat, 6),
                "lon": round(lon, 6),
                "accuracy_m": 8.0,
                "provider": "gps",
                "speed_mps": PACE_MPS,
                "battery_pct": max(20, 95 - n // 12),
            }
        )
    return fixes


def heartbeats(day: date) -> list[dict[str, Any]]:
    start = datetime.combine(day, START, tzinfo=SHANGHAI)
    return [
        {
            "heartbeat_id": f"demo-hb-{day.isoformat()}-{n}",
            "at": (start + timedelta(minutes=5 * n)).astimezone(UTC).isoformat(),
            "app_alive": True,
            "gps_permission": True,
            "battery_saver": False,
            "network": "cellular",
        }
        for n in range(25)
    ]


def seed_patrol(worker: str, grid: dict[str, Any]) -> None:
    """Upload the demo worker's latest morning walk in ``grid`` (his first grid); nothing
    when his login no longer works (the seed reports that with the demo's people)."""
    day = demo_morning(datetime.now(UTC))
    try:
        phone = Api(PATROL, worker)
    except Refused:
        return  # a user disabled the login or changed its password: reported with the people
    fixes = morning_walk(grid, day)
    for first in range(0, len(fixes), BATCH):
        phone.expect("POST", "/points", 202, json={"points": fixes[first : first + BATCH]})
    phone.expect("POST", "/heartbeats", 202, json={"heartbeats": heartbeats(day)})
    print(f"seed: {worker}'s patrol of {day.isoformat()} morning uploaded ({len(fixes)} fixes)")
