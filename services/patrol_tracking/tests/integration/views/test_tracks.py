"""A worker's track of a day as GeoJSON, on the real FerretDB: sessions split at the gap,
simplification, who may read whose track, tenant walls and retention."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from services.patrol_tracking.domain.intake import PointsReceived, batch_id, patrol_day
from services.patrol_tracking.domain.points import Point, Provider
from services.patrol_tracking.use_cases.points import store_deliveries
from services.patrol_tracking.views.tracks import blp
from shared.access import AccountStates
from shared.access.repository import user_key
from shared.events.domain import EventOrigin
from shared.events.envelope import Envelope
from shared.events.topics import Topic
from shared.kafka.consumer import Delivery
from shared.kafka.direct import DirectMessage

pytestmark = pytest.mark.integration

WORKER = {"subject": "u-w1", "tenant_id": "tenant-a", "roles": ("grid-worker",)}
OTHER_WORKER = {"subject": "u-w2", "tenant_id": "tenant-a", "roles": ("grid-worker",)}
CENTRE = {"subject": "u-centre", "tenant_id": "tenant-a", "roles": ("center-staff",)}
LEADER = {"subject": "u-lead", "tenant_id": "tenant-a", "roles": ("grid-leader",)}
TENANT_B = {"subject": "u-centre-b", "tenant_id": "tenant-b", "roles": ("tenant-admin",)}
NO_ROLE = {"subject": "u-nobody", "tenant_id": "tenant-a", "roles": ()}
STEP_DEG = 42 / 111_195.0  # 42 m north per fix (1.4 m/s, a fix every 30 s)


def store(tenant_id: str, worker_id: str, points: list[Point], offset: int = 0) -> None:
    """Through the consumer's store step, as Kafka would deliver the upload."""
    ids = [point.point_id for point in points]
    batch = batch_id("points", tenant_id, worker_id, ids)
    event = PointsReceived(worker_id, batch, datetime.now(UTC), tuple(points))
    message = DirectMessage.of(
        event, tenant_id=tenant_id, origin=EventOrigin("patrol_tracking", "test")
    )
    delivery = Delivery(Envelope.parse(message.value), str(Topic.PATROL_POINTS), 0, offset)
    assert store_deliveries([delivery]).rejected == []


def walk(start: datetime, count: int, *, prefix: str) -> list[Point]:
    """Due north at walking pace, a fix every 30 s."""
    return [
        Point(
            f"{prefix}{i}",
            start + timedelta(seconds=30 * i),
            31.2 + i * STEP_DEG,
            121.47,
            6.0,
            Provider.GPS,
        )
        for i in range(count)
    ]


def morning_of(day: date) -> datetime:
    """08:00 Asia/Shanghai of ``day``."""
    return datetime(day.year, day.month, day.day, 0, 0, tzinfo=UTC)


@pytest.fixture
def today() -> date:
    return patrol_day(datetime.now(UTC))


@pytest.fixture
def api(api_client, today: date):
    """Tenant A's worker u-w1 walked twice this morning (20 and 10 fixes, 40 minutes apart);
    tenant B has a worker with the same id."""
    for tenant_id in ("tenant-a", "tenant-b"):
        AccountStates(tenant_id).record(
            user_key("u-w1"),
            revoked=False,
            changed_at=datetime(2020, 1, 1, tzinfo=UTC),
            event_id=f"invited-{tenant_id}",
        )
    first = walk(morning_of(today), 20, prefix="a")
    second = walk(first[-1].at + timedelta(minutes=40), 10, prefix="b")
    store("tenant-a", "u-w1", first + second)
    store("tenant-b", "u-w1", walk(morning_of(today), 3, prefix="z"), offset=1)
    return api_client([blp])


def track(api, as_user: dict[str, Any], day: date, worker: str = "u-w1", **query: Any):
    params = "".join(f"&{name}={value}" for name, value in query.items())
    return api.get(f"/workers/{worker}/track?day={day.isoformat()}{params}", as_user=as_user)


def test_a_walk_with_a_gap_is_two_line_strings(api, today: date) -> None:
    response = track(api, WORKER, today)
    assert response.status_code == 200, response.get_json()
    collection = response.get_json()
    assert collection["type"] == "FeatureCollection"
    assert (collection["worker_id"], collection["day"]) == ("u-w1", today.isoformat())
    assert collection["points"] == 30
    first, second = collection["features"]
    assert first["type"] == "Feature"
    assert first["geometry"]["type"] == "LineString"
    assert len(first["geometry"]["coordinates"]) == 20
    assert first["geometry"]["coordinates"][0] == [121.47, 31.2]
    assert first["properties"]["session"] == 0
    assert first["properties"]["points"] == 20
    start = datetime.fromisoformat(first["properties"]["start"])
    end = datetime.fromisoformat(first["properties"]["end"])
    assert start == morning_of(today)
    assert end - start == timedelta(seconds=30 * 19)
    assert second["properties"]["session"] == 1
    assert second["properties"]["points"] == 10
    assert datetime.fromisoformat(second["properties"]["start"]) - end == timedelta(minutes=40)


def test_simplified_for_display_a_straight_walk_keeps_its_ends(api, today: date) -> None:
    collection = track(api, WORKER, today, simplify=10).get_json()
    assert collection["simplify_m"] == 10
    assert collection["points"] == 30
    coordinates = [len(f["geometry"]["coordinates"]) for f in collection["features"]]
    assert coordinates == [2, 2]
    assert [f["properties"]["points"] for f in collection["features"]] == [20, 10]


def test_the_centre_and_grid_leaders_read_any_worker_of_the_tenant(api, today: date) -> None:
    for reader in (CENTRE, LEADER):
        response = track(api, reader, today)
        assert response.status_code == 200
        assert response.get_json()["points"] == 30


def test_a_grid_worker_reads_only_his_own_track(api, today: date) -> None:
    assert track(api, OTHER_WORKER, today).status_code == 404


def test_tenant_b_never_sees_tenant_a_workers_track(api, today: date) -> None:
    response = track(api, TENANT_B, today)
    # Tenant B has its own u-w1 (3 fixes): never tenant A's 30.
    assert response.get_json()["points"] == 3
    assert track(api, TENANT_B, today, worker="u-w9").status_code == 404


def test_a_worker_unknown_to_the_tenant_is_not_found(api, today: date) -> None:
    response = track(api, CENTRE, today, worker="u-stranger")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json"


def test_a_day_without_fixes_or_past_retention_is_empty(api, today: date) -> None:
    yesterday = track(api, WORKER, today - timedelta(days=1)).get_json()
    assert (yesterday["points"], yesterday["features"]) == (0, [])
    long_ago = today - timedelta(days=120)
    store("tenant-a", "u-w1", walk(morning_of(long_ago), 5, prefix="old"), offset=2)
    expired = track(api, WORKER, long_ago)
    assert expired.status_code == 200
    assert (expired.get_json()["points"], expired.get_json()["features"]) == (0, [])


def test_a_lone_fix_is_a_point_feature(api, today: date) -> None:
    store("tenant-a", "u-w2", walk(morning_of(today), 1, prefix="solo"), offset=3)
    (feature,) = track(api, OTHER_WORKER, today, worker="u-w2").get_json()["features"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [121.47, 31.2]}


def test_a_caller_without_a_reading_role_is_forbidden(api, today: date) -> None:
    assert track(api, NO_ROLE, today).status_code == 403


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("day=2026-02-30", "day"),
        ("day=yesterday", "day"),
        ("day=2026-03-02&simplify=-1", "simplify"),
        ("day=2026-03-02&simplify=5000", "simplify"),
    ],
)
def test_a_bad_query_names_its_parameter(api, query: str, field: str) -> None:
    response = api.get(f"/workers/u-w1/track?{query}", as_user=WORKER)
    assert response.status_code == 422
    assert [error["field"] for error in response.get_json()["errors"]] == [field]
