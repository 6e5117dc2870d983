"""Patrol uploads lose nothing and count nothing twice: the patrol worker killed (kill -9)
while it consumes, and Kafka stopped while phones upload.

An acknowledged batch (202) is on Kafka; the worker that dies mid-chunk has committed nothing
of that chunk, so its successor stores and folds it again — the points keep the phone's ids
and the day takes each offset once, so the day's figures are those of every point exactly
once. With Kafka down the phone gets 503 with Retry-After (never 500) and keeps its buffer.
These tests stop and start real processes of the local stack, so they run with the other
reliability tests, in tenant A of the tests' own.
"""

from __future__ import annotations

import os
import signal
import subprocess
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import wait_until
from tests.patrol import chunks, make_patrol_grid, walk

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
WORKER_PID = ROOT / ".infra" / "run" / "patrol_tracking-worker.pid"
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def patrol_grid(api, tenant_a):
    return make_patrol_grid(api, tenant_a)


def restart_patrol_worker() -> None:
    """Start patrol_tracking's worker again, as the stack's supervisor would."""
    script = (
        f'source "{ROOT}/deploy/local/lib.sh"; '
        f'for f in "{ROOT}"/deploy/local/components/*.sh; do source "$f"; done; '
        "load_env; service_start patrol_tracking"
    )
    subprocess.run(["bash", "-c", script], check=True, capture_output=True, timeout=120)


def a_morning() -> tuple[date, datetime]:
    """A morning the phone may still upload: today's when it is past 11:00 in Shanghai, else
    yesterday's (the tenant's upload window is 14 days in `patrol_grid`)."""
    now = datetime.now(SHANGHAI)
    day = now.date() if now.time() >= time(11, 0) else now.date() - timedelta(days=1)
    return day, datetime.combine(day, time(8, 0), tzinfo=SHANGHAI).astimezone(UTC)


def day_of(api, tenant, worker: str, day: date) -> dict | None:
    page = api("patrol_tracking", tenant.admin).get(
        "/days", params={"worker_id": worker, "day": day.isoformat()}
    )
    assert page.status_code == 200, page.text
    items = page.json()["items"]
    return items[0] if items else None


def test_killing_the_worker_mid_chunk_loses_and_duplicates_nothing(api, tenant_a, patrol_grid):
    phone = api("patrol_tracking", tenant_a.worker)
    day, start = a_morning()
    fixes = walk(patrol_grid["west"], patrol_grid["south"], start, start + timedelta(hours=2), "k")
    batches = list(chunks(fixes, 50))
    killed = False
    for n, batch in enumerate(batches):
        sent = phone.post("/points", json={"points": batch})
        assert sent.status_code == 202, sent.text
        if n == len(batches) // 3 and WORKER_PID.exists():
            os.kill(int(WORKER_PID.read_text().strip()), signal.SIGKILL)  # mid-consumption
            killed = True
    assert killed
    resent = phone.post("/points", json={"points": batches[0]})  # and a phone resends one
    assert resent.status_code == 202, resent.text
    restart_patrol_worker()

    def complete() -> bool:
        found = day_of(api, tenant_a, patrol_grid["worker"], day)
        return found is not None and found["points_accepted"] == len(fixes)

    assert wait_until(complete, timeout=120, interval=2), day_of(
        api, tenant_a, patrol_grid["worker"], day
    )
    found = day_of(api, tenant_a, patrol_grid["worker"], day)
    assert found is not None
    assert found["points_rejected"] == 0
    assert found["sessions"] == 1
    assert abs(found["patrol_s"] - 2 * 3600) <= 30
    track = api("patrol_tracking", tenant_a.admin).get(
        f"/workers/{patrol_grid['worker']}/track", params={"day": day.isoformat()}
    )
    assert track.status_code == 200, track.text
    assert track.json()["points"] == len(fixes)  # stored once each


def test_kafka_down_answers_503_and_what_was_acknowledged_arrives(
    api, tenant_a, patrol_grid, stopped
):
    phone = api("patrol_tracking", tenant_a.worker)
    day, start = a_morning()
    first = walk(
        patrol_grid["west"], patrol_grid["south"], start, start + timedelta(minutes=30), "a"
    )
    later = start + timedelta(minutes=40)
    second = walk(
        patrol_grid["west"], patrol_grid["south"], later, later + timedelta(minutes=30), "b"
    )
    acknowledged = phone.post("/points", json={"points": first})
    assert acknowledged.status_code == 202, acknowledged.text

    stopped("kafka")
    refused = phone.post("/points", json={"points": second})
    assert refused.status_code == 503, refused.text
    assert refused.headers["Content-Type"].startswith("application/problem+json")
    assert int(refused.headers["Retry-After"]) > 0

    from tests.conftest import stack

    stack("up", "kafka")

    def resent() -> bool:
        answer = phone.post("/points", json={"points": second})  # the phone's buffer
        return answer.status_code == 202

    assert wait_until(resent, timeout=90, interval=2)

    def complete() -> bool:
        found = day_of(api, tenant_a, patrol_grid["worker"], day)
        return found is not None and found["points_accepted"] >= len(first) + len(second)

    assert wait_until(complete, timeout=120, interval=2), day_of(
        api, tenant_a, patrol_grid["worker"], day
    )
