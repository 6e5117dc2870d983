"""The upload API in process, publishing to the real Kafka: 202 only after Kafka took the
upload (once), 422 naming each bad entry with nothing sent, 403 for roles that do not
patrol, 503 with Retry-After when Kafka cannot take it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from kafka.errors import KafkaTimeoutError

from services.patrol_tracking.repository.stream import KafkaPointStream, configure_point_stream
from services.patrol_tracking.views.points import blp
from shared.events.envelope import Envelope
from shared.events.topics import Topic
from shared.kafka.direct import DirectMessage
from tests.kafka_tail import TopicTail

pytestmark = pytest.mark.integration

WORKER = {"subject": "u-w1", "tenant_id": "tenant-a", "roles": ("grid-worker",)}
LEADER = {"subject": "u-lead", "tenant_id": "tenant-a", "roles": ("grid-leader",)}
CENTRE = {"subject": "u-centre", "tenant_id": "tenant-a", "roles": ("center-staff",)}
SHANGHAI_OFFSET = timedelta(hours=8)


class RecordingStream:
    def __init__(self) -> None:
        self.sent: list[DirectMessage] = []

    def publish(self, message: DirectMessage) -> None:
        self.sent.append(message)


class _Unacknowledged:
    def get(self, timeout: float | None = None) -> Any:
        raise KafkaTimeoutError(f"no acknowledgement within {timeout} s")


class SilentBrokerProducer:
    """Takes every send, never gets an acknowledgement (a broker gone after metadata)."""

    def send(self, topic: str, value: bytes | None = None, **_: Any) -> _Unacknowledged:
        return _Unacknowledged()

    def flush(self, timeout: float | None = None) -> None:
        return None

    def close(self, timeout: float | None = None) -> None:
        return None


@pytest.fixture
def api(api_client):
    return api_client([blp])


@pytest.fixture
def recorded() -> Iterator[RecordingStream]:
    stream = RecordingStream()
    configure_point_stream(stream)
    yield stream
    configure_point_stream(None)


@pytest.fixture
def real_kafka() -> Iterator[None]:
    """The stream the service makes from its settings (127.0.0.1:9092), fresh for the test."""
    configure_point_stream(None)
    yield
    configure_point_stream(None)


def shanghai(moment: datetime) -> str:
    """An instant as a phone in China writes it (+08:00)."""
    return moment.astimezone(timezone(SHANGHAI_OFFSET)).isoformat()


def fixes(count: int, *, ago: timedelta = timedelta(minutes=20)) -> list[dict[str, Any]]:
    start = datetime.now(UTC) - ago
    return [
        {
            "point_id": f"p-{i:04d}",
            "at": shanghai(start + timedelta(seconds=10 * i)),
            "lat": 31.2304 + i * 0.0001,
            "lon": 121.4737,
            "accuracy_m": 8.5,
            "provider": "gps",
            "speed_mps": 1.2,
            "bearing_deg": 0.0,
            "battery_pct": 77,
        }
        for i in range(count)
    ]


def heartbeats(count: int) -> list[dict[str, Any]]:
    start = datetime.now(UTC) - timedelta(minutes=count)
    return [
        {
            "heartbeat_id": f"h-{i:03d}",
            "at": shanghai(start + timedelta(minutes=i)),
            "app_alive": True,
            "gps_permission": True,
            "battery_saver": False,
            "network": "cellular",
        }
        for i in range(count)
    ]


def error_fields(response) -> list[str]:
    return sorted(error["field"] for error in response.get_json()["errors"])


# -- accepted: on Kafka exactly once ---------------------------------------------------------------


@pytest.mark.usefixtures("real_kafka")
def test_an_upload_is_answered_202_after_kafka_holds_it_once(api) -> None:
    tail = TopicTail([str(Topic.PATROL_POINTS)])
    try:
        response = api.post("/points", json={"points": fixes(5)}, as_user=WORKER)
        assert response.status_code == 202, response.get_json()
        body = response.get_json()
        assert body["accepted"] == 5
        found = tail.wait_for(
            lambda _topic, envelope: envelope.payload.get("batch_id") == body["batch_id"],
            count=1,
            timeout=15,
        )
    finally:
        tail.close()
    assert len(found) == 1
    (_, envelope) = found[0]
    assert (envelope.type, envelope.tenant_id) == ("patrol.points_received", "tenant-a")
    assert envelope.payload["worker_id"] == "u-w1"
    assert [point["point_id"] for point in envelope.payload["points"]] == [
        f"p-{i:04d}" for i in range(5)
    ]
    # The phone's +08:00 travels as UTC.
    assert envelope.payload["points"][0]["at"].endswith("+00:00")


@pytest.mark.usefixtures("real_kafka")
def test_heartbeats_are_answered_202_after_kafka_holds_them_once(api) -> None:
    tail = TopicTail([str(Topic.PATROL_POINTS)])
    try:
        response = api.post("/heartbeats", json={"heartbeats": heartbeats(3)}, as_user=LEADER)
        assert response.status_code == 202, response.get_json()
        batch = response.get_json()["batch_id"]
        found = tail.wait_for(
            lambda _topic, envelope: envelope.payload.get("batch_id") == batch,
            count=1,
            timeout=15,
        )
    finally:
        tail.close()
    assert [envelope.type for _, envelope in found] == ["patrol.heartbeats_received"]
    assert found[0][1].payload["worker_id"] == "u-lead"


def test_a_resent_batch_has_the_same_batch_id(api, recorded: RecordingStream) -> None:
    batch = fixes(4)
    first = api.post("/points", json={"points": batch}, as_user=WORKER)
    again = api.post("/points", json={"points": batch[::-1]}, as_user=WORKER)
    assert first.status_code == again.status_code == 202
    assert first.get_json()["batch_id"] == again.get_json()["batch_id"]
    # Published twice (Kafka first, at least once); the store keeps each fix once.
    assert len(recorded.sent) == 2
    assert {message.key for message in recorded.sent} == {b"tenant-a:u-w1"}


def test_uploads_count_against_the_phone_ingestion_limit(api, recorded: RecordingStream) -> None:
    response = api.post("/points", json={"points": fixes(1)}, as_user=WORKER)
    assert response.status_code == 202
    # GRIDGOV_RATE_LIMIT_INGESTION (1200/minute), not the user limit (600/minute).
    assert response.headers["RateLimit-Limit"] == "1200"


# -- refused: 422 naming each entry, nothing sent --------------------------------------------------


def test_latitude_123_names_its_point_and_nothing_is_sent(api, recorded) -> None:
    batch = fixes(6)
    batch[3]["lat"] = 123
    response = api.post("/points", json={"points": batch}, as_user=WORKER)
    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/problem+json"
    assert error_fields(response) == ["points[3].lat"]
    assert recorded.sent == []


def test_a_time_a_week_ahead_names_its_point_and_nothing_is_sent(api, recorded) -> None:
    batch = fixes(3)
    batch[0]["at"] = shanghai(datetime.now(UTC) + timedelta(days=7))
    response = api.post("/points", json={"points": batch}, as_user=WORKER)
    assert response.status_code == 422
    (error,) = response.get_json()["errors"]
    assert error["field"] == "points[0].at"
    assert "ahead of the server's clock" in error["reason"]
    assert recorded.sent == []


def test_every_bad_point_of_a_kind_is_named_at_once(api, recorded) -> None:
    batch = fixes(10)
    batch[2]["lon"] = 200
    batch[5]["provider"] = "satellite"
    batch[7]["accuracy_m"] = -1
    del batch[8]["at"]
    batch[9]["battery_pct"] = 101
    response = api.post("/points", json={"points": batch}, as_user=WORKER)
    assert error_fields(response) == [
        "points[2].lon",
        "points[5].provider",
        "points[7].accuracy_m",
        "points[8].at",
        "points[9].battery_pct",
    ]
    # The upload rules come after the shapes: too old (twice) and a repeated id.
    stale = [
        {**fix, "point_id": f"old-{i}"} for i, fix in enumerate(fixes(2, ago=timedelta(days=5)))
    ]
    recent = fixes(4)
    recent[3]["point_id"] = recent[1]["point_id"]
    response = api.post("/points", json={"points": stale + recent}, as_user=WORKER)
    assert error_fields(response) == ["points[0].at", "points[1].at", "points[5].point_id"]
    assert recorded.sent == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"points": []}, "points"),
        ({"points": fixes(1) * 501}, "points"),
        ({}, "points"),
        ({"points": fixes(1), "worker_id": "u-someone-else"}, "worker_id"),
        ({"points": [{**fixes(1)[0], "at": "2026-03-02T09:00:00"}]}, "points[0].at"),
        ({"points": [{**fixes(1)[0], "point_id": "p 1/2"}]}, "points[0].point_id"),
        ({"points": [{**fixes(1)[0], "tenant_id": "tenant-b"}]}, "points[0].tenant_id"),
    ],
)
def test_a_malformed_upload_is_refused_naming_the_field(
    api, recorded, body: dict[str, Any], field: str
) -> None:
    response = api.post("/points", json=body, as_user=WORKER)
    assert response.status_code == 422
    assert field in error_fields(response)
    assert recorded.sent == []


def test_a_bad_heartbeat_is_named(api, recorded) -> None:
    beats = heartbeats(3)
    beats[1]["network"] = "5g"
    response = api.post("/heartbeats", json={"heartbeats": beats}, as_user=WORKER)
    assert response.status_code == 422
    assert error_fields(response) == ["heartbeats[1].network"]
    response = api.post("/heartbeats", json={"heartbeats": heartbeats(101)}, as_user=WORKER)
    assert error_fields(response) == ["heartbeats"]
    assert recorded.sent == []


# -- who may upload --------------------------------------------------------------------------------


def test_centre_staff_do_not_upload_points(api, recorded) -> None:
    response = api.post("/points", json={"points": fixes(2)}, as_user=CENTRE)
    assert response.status_code == 403
    response = api.post("/heartbeats", json={"heartbeats": heartbeats(1)}, as_user=CENTRE)
    assert response.status_code == 403
    assert recorded.sent == []


def test_the_uploader_is_the_token_of_either_tenant(api, recorded) -> None:
    tenant_b = {"subject": "u-w1", "tenant_id": "tenant-b", "roles": ("grid-worker",)}
    assert api.post("/points", json={"points": fixes(1)}, as_user=tenant_b).status_code == 202
    envelope = Envelope.parse(recorded.sent[0].value)
    assert envelope.tenant_id == "tenant-b"
    assert recorded.sent[0].key == b"tenant-b:u-w1"


# -- Kafka cannot take it: 503 with Retry-After ----------------------------------------------------


def test_an_unacknowledged_upload_is_a_503_with_retry_after(api) -> None:
    configure_point_stream(KafkaPointStream(SilentBrokerProducer, ack_timeout_s=0.5))
    try:
        response = api.post("/points", json={"points": fixes(3)}, as_user=WORKER)
    finally:
        configure_point_stream(None)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert response.headers["Content-Type"] == "application/problem+json"
    assert "Kafka" in response.get_json()["detail"]


def test_no_broker_at_all_is_a_503_within_seconds(api) -> None:
    # Nothing listens on port 1: the producer cannot even start.
    stream = KafkaPointStream.connect("127.0.0.1:1", client_id="test-points", ack_timeout_s=0.5)
    configure_point_stream(stream)
    try:
        started = time.monotonic()
        response = api.post("/heartbeats", json={"heartbeats": heartbeats(2)}, as_user=WORKER)
        elapsed = time.monotonic() - started
    finally:
        configure_point_stream(None)
    assert response.status_code == 503
    assert "Retry-After" in response.headers
    assert elapsed < 5


# -- hostile uploads: a clear 4xx, never a 500, nothing sent ---------------------------------------


def _raw(api, data: bytes | str, content_type: str = "application/json"):
    return api.post("/points", data=data, content_type=content_type, as_user=WORKER)


@pytest.mark.parametrize(
    ("data", "status"),
    [
        pytest.param(b'{"points": [', 400, id="truncated JSON"),
        pytest.param(b"\xff\xfe\x00garbage", 400, id="not UTF-8"),
        pytest.param(b'{"points": NaN}', 422, id="bare NaN"),
        pytest.param("[" * 100_000 + "]" * 100_000, 400, id="100,000 nested arrays"),
        pytest.param(b'"points"', 422, id="a JSON string"),
        pytest.param(b"null", 422, id="JSON null"),
    ],
)
def test_a_body_that_is_no_upload_is_a_4xx_problem(api, recorded, data, status: int) -> None:
    response = _raw(api, data)
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.content_type == "application/problem+json"
    assert recorded.sent == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        pytest.param({"lat": float("nan")}, "points[0].lat", id="NaN latitude"),
        pytest.param({"lon": float("inf")}, "points[0].lon", id="infinite longitude"),
        pytest.param({"lat": "north"}, "points[0].lat", id="latitude as a word"),
        pytest.param({"accuracy_m": True}, "points[0].accuracy_m", id="a boolean accuracy"),
        pytest.param({"battery_pct": 77.5}, "points[0].battery_pct", id="a fractional battery"),
        pytest.param({"point_id": "p\x00-1"}, "points[0].point_id", id="NUL in an id"),
        pytest.param({"point_id": "p" * 10_000}, "points[0].point_id", id="a 10,000-char id"),
        pytest.param({"provider": "gps\u202e"}, "points[0].provider", id="bidi override"),
        pytest.param({"at": "2026-13-45T99:00:00+08:00"}, "points[0].at", id="impossible time"),
        pytest.param({"at": 1_700_000_000}, "points[0].at", id="epoch number time"),
        pytest.param({"speed_mps": -1}, "points[0].speed_mps", id="negative speed"),
    ],
)
def test_a_hostile_fix_is_named_and_nothing_is_sent(api, recorded, change, field: str) -> None:
    body = {"points": [{**fixes(1)[0], **change}, *fixes(3)[1:]]}
    response = api.post("/points", json=body, as_user=WORKER)
    assert response.status_code == 422, response.get_json()
    assert response.content_type == "application/problem+json"
    assert field in error_fields(response)
    assert recorded.sent == []


def test_an_oversized_body_is_413_before_it_is_parsed(api, recorded) -> None:
    filler = "x" * 200
    huge = {"points": [{**fix, "point_id": "p", "pad": filler} for fix in fixes(1)] * 60_000}
    response = api.post("/points", json=huge, as_user=WORKER)
    assert response.status_code == 413
    assert response.content_type == "application/problem+json"
    assert recorded.sent == []


def test_a_form_or_text_body_is_no_upload(api, recorded) -> None:
    for content_type, data in (
        ("application/x-www-form-urlencoded", b"points=1"),
        ("text/plain", b'{"points": []}'),
        ("multipart/form-data; boundary=x", b"--x--"),
    ):
        response = _raw(api, data, content_type)
        assert 400 <= response.status_code < 500, (content_type, response.status_code)
        assert response.content_type == "application/problem+json"
    assert recorded.sent == []
