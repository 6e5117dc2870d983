"""Upload checks, the upload messages both ways, and the raw track's sessions."""

from __future__ import annotations

import itertools
import math
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.patrol_tracking.domain.intake import (
    MAX_HEARTBEATS,
    HeartbeatsReceived,
    PointsReceived,
    batch_id,
    patrol_day,
    raw_track,
    receive_heartbeats,
    receive_points,
)
from services.patrol_tracking.domain.points import Heartbeat, Network, Point, Provider
from services.patrol_tracking.domain.settings import IngestRules
from shared.errors import InvalidInput

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
RULES = IngestRules()


def fix(point_id: str, at: datetime, *, lat: float = 31.23, lon: float = 121.47) -> Point:
    return Point(point_id, at, lat, lon, 8.0, Provider.GPS, 1.2, 90.0, 80)


def beat(heartbeat_id: str, at: datetime) -> Heartbeat:
    return Heartbeat(heartbeat_id, at, True, True, False, Network.CELLULAR, 80)


def walk(start: datetime, count: int, *, every_s: int = 30, prefix: str = "p") -> list[Point]:
    """Northward at 1 m/s: a fix every ``every_s`` seconds."""
    step = every_s / 111_195.0  # degrees of latitude per step
    return [
        fix(f"{prefix}{i}", start + timedelta(seconds=i * every_s), lat=31.2 + i * step)
        for i in range(count)
    ]


def problems(error: pytest.ExceptionInfo[InvalidInput]) -> dict[str, str]:
    return {problem.field: problem.reason for problem in error.value.problems}


# -- the checks ------------------------------------------------------------------------------------


def test_a_good_batch_becomes_one_message_keyed_by_the_worker() -> None:
    points = walk(NOW - timedelta(hours=1), 5)
    event = receive_points(tenant_id="t1", worker_id="w1", points=points, rules=RULES, now=NOW)
    assert event.aggregate_id == "w1"
    assert event.points == tuple(points)
    assert event.occurred_at == NOW
    assert (event.type, event.version) == ("patrol.points_received", 1)


def test_a_fix_just_inside_the_future_skew_is_taken_just_outside_refused() -> None:
    edge = NOW + timedelta(seconds=RULES.future_skew_s)
    receive_points(tenant_id="t", worker_id="w", points=[fix("a", edge)], rules=RULES, now=NOW)
    with pytest.raises(InvalidInput) as error:
        receive_points(
            tenant_id="t",
            worker_id="w",
            points=[fix("a", edge + timedelta(seconds=1))],
            rules=RULES,
            now=NOW,
        )
    assert list(problems(error)) == ["points[0].at"]
    assert "ahead of the server's clock" in error.value.reason


def test_a_fix_older_than_the_upload_window_is_refused() -> None:
    oldest = NOW - timedelta(days=RULES.upload_window_days)
    receive_points(tenant_id="t", worker_id="w", points=[fix("a", oldest)], rules=RULES, now=NOW)
    with pytest.raises(InvalidInput) as error:
        receive_points(
            tenant_id="t",
            worker_id="w",
            points=[fix("a", oldest - timedelta(seconds=1))],
            rules=RULES,
            now=NOW,
        )
    assert problems(error) == {"points[0].at": "older than the upload window of 3 days"}


def test_the_tenants_own_window_and_skew_apply() -> None:
    strict = IngestRules(future_skew_s=60, upload_window_days=1)
    points = [
        fix("a", NOW + timedelta(seconds=61)),
        fix("b", NOW - timedelta(days=1, seconds=1)),
        fix("c", NOW - timedelta(hours=23)),
    ]
    with pytest.raises(InvalidInput) as error:
        receive_points(tenant_id="t", worker_id="w", points=points, rules=strict, now=NOW)
    assert list(problems(error)) == ["points[0].at", "points[1].at"]


def test_a_repeated_point_id_inside_a_batch_names_the_later_entry() -> None:
    points = [fix("a", NOW), fix("b", NOW), fix("a", NOW - timedelta(seconds=5))]
    with pytest.raises(InvalidInput) as error:
        receive_points(tenant_id="t", worker_id="w", points=points, rules=RULES, now=NOW)
    assert problems(error) == {"points[2].point_id": "repeats the id of entry 0"}


def test_every_bad_point_is_named_at_once() -> None:
    points = walk(NOW - timedelta(hours=2), 10)
    points[3] = fix("late", NOW - timedelta(days=7))
    points[7] = fix("ahead", NOW + timedelta(days=7))
    points[9] = fix("p1", NOW)  # repeats entry 1
    with pytest.raises(InvalidInput) as error:
        receive_points(tenant_id="t", worker_id="w", points=points, rules=RULES, now=NOW)
    assert list(problems(error)) == ["points[3].at", "points[7].at", "points[9].point_id"]


def test_batch_size_is_one_to_the_tenants_maximum() -> None:
    with pytest.raises(InvalidInput) as error:
        receive_points(tenant_id="t", worker_id="w", points=[], rules=RULES, now=NOW)
    assert list(problems(error)) == ["points"]
    small = IngestRules(max_batch=3)
    with pytest.raises(InvalidInput) as error:
        receive_points(tenant_id="t", worker_id="w", points=walk(NOW, 4), rules=small, now=NOW)
    assert problems(error) == {"points": "send 1 to 3 per request, not 4"}


def test_heartbeats_follow_the_same_rules_with_their_own_size() -> None:
    beats = [beat(f"h{i}", NOW - timedelta(minutes=i)) for i in range(MAX_HEARTBEATS)]
    event = receive_heartbeats(tenant_id="t", worker_id="w", heartbeats=beats, rules=RULES, now=NOW)
    assert len(event.heartbeats) == MAX_HEARTBEATS
    with pytest.raises(InvalidInput) as error:
        receive_heartbeats(
            tenant_id="t",
            worker_id="w",
            heartbeats=[*beats, beat("h-extra", NOW)],
            rules=RULES,
            now=NOW,
        )
    assert list(problems(error)) == ["heartbeats"]
    with pytest.raises(InvalidInput) as error:
        receive_heartbeats(
            tenant_id="t",
            worker_id="w",
            heartbeats=[beat("x", NOW + timedelta(hours=1)), beat("x", NOW)],
            rules=RULES,
            now=NOW,
        )
    assert list(problems(error)) == ["heartbeats[0].at", "heartbeats[1].heartbeat_id"]


def test_a_naive_clock_is_a_bug_of_the_caller() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        receive_points(
            tenant_id="t",
            worker_id="w",
            points=[fix("a", NOW)],
            rules=RULES,
            now=NOW.replace(tzinfo=None),
        )


# -- batch ids and days ----------------------------------------------------------------------------


def test_a_resent_batch_has_the_same_id_in_any_order() -> None:
    points = walk(NOW - timedelta(hours=1), 4)
    first = receive_points(tenant_id="t", worker_id="w", points=points, rules=RULES, now=NOW)
    later = NOW + timedelta(minutes=5)
    again = receive_points(
        tenant_id="t", worker_id="w", points=points[::-1], rules=RULES, now=later
    )
    assert first.batch_id == again.batch_id
    other_worker = batch_id("points", "t", "w2", [p.point_id for p in points])
    other_tenant = batch_id("points", "t2", "w", [p.point_id for p in points])
    assert len({first.batch_id, other_worker, other_tenant}) == 3


def test_the_day_is_the_shanghai_calendar_day() -> None:
    assert patrol_day(datetime(2026, 3, 1, 15, 59, tzinfo=UTC)) == date(2026, 3, 1)
    assert patrol_day(datetime(2026, 3, 1, 16, 0, tzinfo=UTC)) == date(2026, 3, 2)


# -- the messages both ways ------------------------------------------------------------------------


def test_points_travel_as_utc_iso_strings_and_come_back_equal() -> None:
    shanghai_time = datetime.fromisoformat("2026-03-02T09:30:00+08:00")
    points = [
        fix("a", shanghai_time),
        Point("b", shanghai_time, 31.0, 121.0, 20.0, Provider.NETWORK),
    ]
    event = receive_points(tenant_id="t", worker_id="w", points=points, rules=RULES, now=NOW)
    payload = event.payload()
    assert payload["points"][0]["at"] == "2026-03-02T01:30:00+00:00"
    assert payload["points"][1]["speed_mps"] is None
    assert PointsReceived.from_payload(payload) == event


def test_heartbeats_come_back_equal() -> None:
    event = receive_heartbeats(
        tenant_id="t", worker_id="w", heartbeats=[beat("h", NOW)], rules=RULES, now=NOW
    )
    assert HeartbeatsReceived.from_payload(event.payload()) == event


@pytest.mark.parametrize(
    "change",
    [
        {"lat": 123.0},
        {"lat": "31.2"},
        {"at": "2026-03-02T01:30:00"},
        {"provider": "satellite"},
        {"battery_pct": 80.5},
        {"point_id": ""},
        {"accuracy_m": math.nan},
    ],
)
def test_an_unreadable_point_payload_is_a_value_error(change: dict[str, object]) -> None:
    event = receive_points(
        tenant_id="t", worker_id="w", points=[fix("a", NOW)], rules=RULES, now=NOW
    )
    payload = event.payload()
    payload["points"][0].update(change)
    with pytest.raises(ValueError, match=r"\S"):
        PointsReceived.from_payload(payload)


def test_a_payload_without_its_list_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="points"):
        PointsReceived.from_payload(
            {"worker_id": "w", "batch_id": "b", "received_at": NOW.isoformat()}
        )
    with pytest.raises(ValueError, match="heartbeats"):
        HeartbeatsReceived.from_payload(
            {"worker_id": "w", "batch_id": "b", "received_at": NOW.isoformat()}
        )


# -- the raw track ---------------------------------------------------------------------------------


def test_a_gap_longer_than_the_session_gap_splits_the_track() -> None:
    morning = walk(NOW - timedelta(hours=2), 20, prefix="m")  # 09:30 after 08:00 Shanghai
    gap_start = morning[-1].at + timedelta(seconds=601)
    afternoon = walk(gap_start, 10, prefix="a")
    sessions = raw_track([*afternoon, *morning], session_gap_s=600)
    assert [(s.index, s.points) for s in sessions] == [(0, 20), (1, 10)]
    assert sessions[0].start == morning[0].at
    assert sessions[0].end == morning[-1].at
    assert sessions[1].start == afternoon[0].at
    assert sessions[0].coordinates[0] == (morning[0].lon, morning[0].lat)


def test_a_gap_of_exactly_the_session_gap_does_not_split() -> None:
    points = [fix("a", NOW), fix("b", NOW + timedelta(seconds=600))]
    assert [s.points for s in raw_track(points, session_gap_s=600)] == [2]
    assert raw_track([], session_gap_s=600) == []


def test_simplifying_a_straight_walk_keeps_its_ends_only() -> None:
    points = walk(NOW, 50)
    (raw,) = raw_track(points, session_gap_s=600)
    (simple,) = raw_track(points, session_gap_s=600, simplify_m=5)
    assert len(raw.coordinates) == 50
    assert simple.points == 50
    assert len(simple.coordinates) == 2
    assert simple.coordinates[0] == pytest.approx(raw.coordinates[0], abs=1e-9)
    assert simple.coordinates[-1] == pytest.approx(raw.coordinates[-1], abs=1e-9)


def test_simplifying_keeps_a_corner_larger_than_the_tolerance_in_metres() -> None:
    # East 300 m, then a 60 m step north, then east again: at 31° a degree of longitude is
    # ~95 km, so a tolerance in degrees would have treated east and north differently.
    east = 300 / (111_195.0 * math.cos(math.radians(31.2)))
    north = 60 / 111_195.0
    corners = [(121.4, 31.2), (121.4 + east, 31.2), (121.4 + east, 31.2 + north)]
    corners.append((121.4 + 2 * east, 31.2 + north))
    points = [
        Point(f"c{i}", NOW + timedelta(seconds=30 * i), lat, lon, 5.0, Provider.GPS)
        for i, (lon, lat) in enumerate(corners)
    ]
    (kept,) = raw_track(points, session_gap_s=600, simplify_m=10)
    (gone,) = raw_track(points, session_gap_s=600, simplify_m=50)
    assert len(kept.coordinates) == 4
    assert len(gone.coordinates) == 2


@given(
    st.lists(st.integers(min_value=0, max_value=20_000), min_size=1, max_size=60, unique=True),
    st.integers(min_value=1, max_value=3_000),
)
def test_sessions_cover_every_fix_once_in_order(offsets: list[int], gap_s: int) -> None:
    points = [fix(f"p{s}", NOW + timedelta(seconds=s)) for s in offsets]
    sessions = raw_track(points, session_gap_s=gap_s)
    assert sum(s.points for s in sessions) == len(points)
    assert [s.index for s in sessions] == list(range(len(sessions)))
    for earlier, later in itertools.pairwise(sessions):
        assert (later.start - earlier.end).total_seconds() > gap_s
    for session in sessions:
        assert session.start <= session.end
