"""Accepting uploads and storing what Kafka delivers, on the real FerretDB.

The publishing side runs against a recording stream (what would go to Kafka, byte for byte);
the API tests (`views/test_points.py`) publish to the real Kafka.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from services.patrol_tracking.documents.points import (
    PatrolHeartbeatDocument,
    PatrolPointDocument,
)
from services.patrol_tracking.domain.intake import (
    HeartbeatsReceived,
    PointsReceived,
    receive_heartbeats,
    receive_points,
)
from services.patrol_tracking.domain.points import Heartbeat, Network, Point, Provider
from services.patrol_tracking.domain.settings import IngestRules
from services.patrol_tracking.repository.points import INSERT_CHUNK, PointRepository
from services.patrol_tracking.repository.stream import configure_point_stream
from services.patrol_tracking.use_cases import points as cases
from services.patrol_tracking.use_cases.context import PatrolContext
from shared.errors import InvalidInput
from shared.events.contracts import validate_envelope
from shared.events.domain import EventOrigin
from shared.events.envelope import Envelope
from shared.events.topics import Topic
from shared.kafka.consumer import Delivery
from shared.kafka.direct import DirectMessage

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("fresh_db")]

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai
DAY = date(2026, 3, 2)
ORIGIN = EventOrigin("patrol_tracking", "req-test")


class RecordingStream:
    def __init__(self) -> None:
        self.sent: list[DirectMessage] = []

    def publish(self, message: DirectMessage) -> None:
        self.sent.append(message)


@pytest.fixture
def stream() -> Iterator[RecordingStream]:
    recording = RecordingStream()
    configure_point_stream(recording)
    yield recording
    configure_point_stream(None)


def walk(start: datetime, count: int, *, prefix: str = "p", every_s: int = 30) -> list[Point]:
    return [
        Point(
            f"{prefix}{i}",
            start + timedelta(seconds=i * every_s),
            31.2 + i * 0.0003,
            121.4,
            6.0,
            Provider.GPS,
            1.1,
            0.0,
            90,
        )
        for i in range(count)
    ]


def beats(start: datetime, count: int, *, prefix: str = "h") -> list[Heartbeat]:
    return [
        Heartbeat(f"{prefix}{i}", start + timedelta(minutes=i), True, True, False, Network.WIFI)
        for i in range(count)
    ]


def delivered(
    tenant_id: str,
    event: PointsReceived | HeartbeatsReceived,
    *,
    offset: int,
    partition: int = 0,
) -> Delivery:
    """The delivery of ``event`` as the consumer runner would hand it over."""
    message = DirectMessage.of(event, tenant_id=tenant_id, origin=ORIGIN)
    envelope = Envelope.parse(message.value)
    validate_envelope(envelope)
    return Delivery(envelope, str(Topic.PATROL_POINTS), partition, offset)


def upload(tenant_id: str, worker_id: str, points: Sequence[Point]) -> PointsReceived:
    return receive_points(
        tenant_id=tenant_id, worker_id=worker_id, points=points, rules=IngestRules(), now=NOW
    )


def stored_documents(tenant_id: str = "tenant-a") -> list[dict[str, Any]]:
    rows = PatrolPointDocument._get_collection().find({"tenant_id": tenant_id})
    return sorted(rows, key=lambda row: str(row["_id"]))


# -- accepting an upload ---------------------------------------------------------------------------


def test_an_upload_is_one_message_keyed_by_tenant_and_worker(stream: RecordingStream) -> None:
    ctx = PatrolContext(tenant_id="tenant-a", actor="w1", clock=lambda: NOW)
    points = [
        {
            "point_id": p.point_id,
            "at": p.at,
            "lat": p.lat,
            "lon": p.lon,
            "accuracy_m": 6.0,
            "provider": "gps",
        }
        for p in walk(NOW - timedelta(minutes=30), 3)
    ]
    accepted = cases.receive_points(ctx, points=points)
    assert accepted.accepted == 3
    (message,) = stream.sent
    assert message.topic == Topic.PATROL_POINTS.value
    assert message.key == b"tenant-a:w1"
    assert ("type", b"patrol.points_received") in message.headers
    envelope = Envelope.parse(message.value)
    assert (envelope.tenant_id, envelope.producer) == ("tenant-a", "patrol_tracking")
    payload = validate_envelope(envelope)
    assert payload["worker_id"] == "w1"
    assert str(payload["batch_id"]) == accepted.batch_id
    assert [point["point_id"] for point in payload["points"]] == ["p0", "p1", "p2"]
    assert payload["points"][0]["speed_mps"] is None


def test_a_bad_upload_sends_nothing(stream: RecordingStream) -> None:
    ctx = PatrolContext(tenant_id="tenant-a", actor="w1", clock=lambda: NOW)
    ahead = {
        "point_id": "a",
        "at": NOW + timedelta(days=7),
        "lat": 31.0,
        "lon": 121.0,
        "accuracy_m": 5.0,
        "provider": "gps",
    }
    with pytest.raises(InvalidInput) as error:
        cases.receive_points(ctx, points=[ahead])
    assert error.value.field == "points[0].at"
    with pytest.raises(InvalidInput):
        cases.receive_heartbeats(
            ctx,
            heartbeats=[
                {
                    "heartbeat_id": "h",
                    "at": NOW - timedelta(days=4),
                    "app_alive": True,
                    "gps_permission": True,
                    "battery_saver": False,
                    "network": "none",
                }
            ],
        )
    assert stream.sent == []


# -- storing what Kafka delivered ------------------------------------------------------------------


def test_storing_the_same_deliveries_twice_changes_nothing() -> None:
    first = upload("tenant-a", "w1", walk(NOW - timedelta(hours=1), 40))
    second = upload("tenant-a", "w1", walk(NOW - timedelta(minutes=5), 5, prefix="q"))
    deliveries = [delivered("tenant-a", first, offset=7), delivered("tenant-a", second, offset=9)]

    once = cases.store_deliveries(deliveries)
    documents = stored_documents()
    twice = cases.store_deliveries(deliveries)

    assert once.inserted == 45
    assert twice.inserted == 0
    assert stored_documents() == documents
    assert len(documents) == 45
    # Every entry of the chunk is handed on both times: the fold dedups by offset.
    assert once.batches == twice.batches
    (batch,) = once.batches
    assert (batch.tenant_id, batch.worker_id, batch.day) == ("tenant-a", "w1", DAY)
    assert len(batch.points) == 45
    assert (batch.partition, batch.offset) == (0, 9)
    assert [p.at for p in batch.points] == sorted(p.at for p in batch.points)
    assert once.rejected == []


def test_a_resent_batch_with_one_new_fix_adds_only_that_fix() -> None:
    points = walk(NOW - timedelta(hours=1), 10)
    cases.store_deliveries([delivered("tenant-a", upload("tenant-a", "w1", points), offset=1)])
    extra = walk(NOW - timedelta(minutes=1), 1, prefix="new")
    resent = upload("tenant-a", "w1", [*points, *extra])
    result = cases.store_deliveries([delivered("tenant-a", resent, offset=2)])
    assert result.inserted == 1
    assert len(PointRepository("tenant-a").points_of_day("w1", DAY)) == 11


def test_a_document_carries_the_day_bucket_and_the_batch() -> None:
    event = upload("tenant-a", "w1", walk(NOW - timedelta(hours=1), 1))
    cases.store_deliveries([delivered("tenant-a", event, offset=3)])
    (row,) = stored_documents()
    assert row["_id"] == "tenant-a|w1|p0"
    assert row["day"] == "2026-03-02"
    assert row["at_ms"] == int((NOW - timedelta(hours=1)).timestamp() * 1000)
    assert row["batch_id"] == event.batch_id
    assert row["received_at"] == NOW
    assert "outbox_pending" not in row  # an append-only log: no outbox, no revision
    assert "revision" not in row


def test_a_chunk_of_tenants_workers_and_days_is_grouped_per_worker_day() -> None:
    # 15:50 to 16:10 UTC is 23:50 to 00:10 in Shanghai: the upload spans two days.
    midnight = walk(datetime(2026, 3, 1, 15, 50, tzinfo=UTC), 41)
    late = receive_points(
        tenant_id="tenant-a",
        worker_id="w1",
        points=midnight,
        rules=IngestRules(),
        now=datetime(2026, 3, 1, 16, 30, tzinfo=UTC),
    )
    other_worker = upload("tenant-a", "w2", walk(NOW - timedelta(hours=2), 3))
    other_tenant = upload("tenant-b", "w1", walk(NOW - timedelta(hours=2), 2))
    heartbeat_event = receive_heartbeats(
        tenant_id="tenant-a",
        worker_id="w2",
        heartbeats=beats(NOW - timedelta(hours=3), 4),
        rules=IngestRules(),
        now=NOW,
    )
    result = cases.store_deliveries(
        [
            delivered("tenant-a", late, offset=10, partition=4),
            delivered("tenant-a", other_worker, offset=3, partition=1),
            delivered("tenant-b", other_tenant, offset=5, partition=2),
            delivered("tenant-a", heartbeat_event, offset=4, partition=1),
        ]
    )
    found = {
        (b.tenant_id, b.worker_id, b.day): (len(b.points), len(b.heartbeats), b.partition, b.offset)
        for b in result.batches
    }
    assert found == {
        ("tenant-a", "w1", date(2026, 3, 1)): (20, 0, 4, 10),
        ("tenant-a", "w1", date(2026, 3, 2)): (21, 0, 4, 10),
        ("tenant-a", "w2", DAY): (3, 4, 1, 4),
        ("tenant-b", "w1", DAY): (2, 0, 2, 5),
    }
    assert result.inserted == 41 + 3 + 2 + 4
    # Each tenant reads only its own: the same worker id in tenant B is another person.
    assert len(PointRepository("tenant-a").points_of_day("w1", DAY)) == 21
    assert len(PointRepository("tenant-b").points_of_day("w1", DAY)) == 2
    assert PointRepository("tenant-b").points_of_day("w2", DAY) == []
    stored_beats = PointRepository("tenant-a").heartbeats_of_day("w2", DAY)
    assert [beat.heartbeat_id for beat in stored_beats] == ["h0", "h1", "h2", "h3"]
    assert stored_beats[0] == heartbeat_event.heartbeats[0]


def test_a_day_reads_back_the_domain_points_in_time_order() -> None:
    points = walk(NOW - timedelta(hours=1), 5)
    cases.store_deliveries(
        [delivered("tenant-a", upload("tenant-a", "w1", points[::-1]), offset=1)]
    )
    assert PointRepository("tenant-a").points_of_day("w1", DAY) == points


def test_more_fixes_than_one_insert_command_are_all_stored() -> None:
    events = [
        upload("tenant-a", f"w{n}", walk(NOW - timedelta(hours=2), 500, every_s=10))
        for n in range(3)
    ]
    assert 4 * INSERT_CHUNK < 3 * 500  # several commands, some in flight together
    result = cases.store_deliveries(
        [delivered("tenant-a", event, offset=n) for n, event in enumerate(events)]
    )
    assert result.inserted == 1500
    assert PatrolPointDocument.objects(tenant_id="tenant-a").count() == 1500


def test_an_unreadable_message_is_rejected_and_the_rest_stored() -> None:
    good = delivered("tenant-a", upload("tenant-a", "w1", walk(NOW, 2)), offset=1)
    payload = dict(good.envelope.payload)
    payload["points"] = [{**payload["points"][0], "provider": "satellite"}]
    bad = Delivery(Envelope(**{**_fields(good.envelope), "payload": payload}), good.topic, 0, 2)
    foreign = Delivery(
        Envelope(**{**_fields(good.envelope), "type": "patrol.day_finalised"}), good.topic, 0, 3
    )
    result = cases.store_deliveries([good, bad, foreign])
    assert [(r.delivery.offset, type(r.reason).__name__) for r in result.rejected] == [
        (2, "InvalidMessage"),
        (3, "InvalidMessage"),
    ]
    assert "satellite" in str(result.rejected[0].reason)
    assert result.inserted == 2
    assert len(result.batches) == 1


def _fields(envelope: Envelope) -> dict[str, Any]:
    return {name: getattr(envelope, name) for name in Envelope.__dataclass_fields__}


# -- retention -------------------------------------------------------------------------------------


def test_retention_drops_whole_days_before_the_cut_off_and_keeps_the_rest() -> None:
    for days_ago in (0, 1, 2, 30):
        start = NOW - timedelta(days=days_ago)
        points = receive_points(
            tenant_id="tenant-a",
            worker_id="w1",
            points=walk(start, 3, prefix=f"d{days_ago}-"),
            rules=IngestRules(),
            now=start,
        )
        heartbeat_event = receive_heartbeats(
            tenant_id="tenant-a",
            worker_id="w1",
            heartbeats=beats(start, 2, prefix=f"d{days_ago}-"),
            rules=IngestRules(),
            now=start,
        )
        cases.store_deliveries(
            [
                delivered("tenant-a", points, offset=days_ago * 2),
                delivered("tenant-a", heartbeat_event, offset=days_ago * 2 + 1),
            ]
        )
    other = upload("tenant-b", "w1", walk(NOW - timedelta(days=2), 3))
    cases.store_deliveries([delivered("tenant-b", other, offset=99)])

    dropped = PointRepository("tenant-a").drop_before(DAY - timedelta(days=1))

    assert dropped == (6, 4)  # two days ago and thirty days ago
    repository = PointRepository("tenant-a")
    assert len(repository.points_of_day("w1", DAY - timedelta(days=1))) == 3
    assert len(repository.heartbeats_of_day("w1", DAY - timedelta(days=1))) == 2
    assert repository.points_of_day("w1", DAY - timedelta(days=2)) == []
    assert repository.heartbeats_of_day("w1", DAY - timedelta(days=30)) == []
    assert PatrolHeartbeatDocument.objects(tenant_id="tenant-a").count() == 4
    # Another tenant's retention is its own.
    assert len(PointRepository("tenant-b").points_of_day("w1", DAY - timedelta(days=2))) == 3
