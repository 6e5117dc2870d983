"""The patrol-day fold against hand counts: sessions, distance, own grid, half-days, gaps,
online time, visits, late points and rebuilds, and the stored document."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.patrol_tracking.domain.day import DayState, half_up, merge_online, seconds
from services.patrol_tracking.domain.figures import DayFigures, Gap, GapKind, Visit
from services.patrol_tracking.domain.points import Heartbeat, Network, Point, Provider
from services.patrol_tracking.domain.settings import TrackRules
from services.patrol_tracking.domain.track import EARTH_RADIUS_M, DayGeometry

DAY = date(2026, 3, 2)  # a Monday
T0 = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # 08:00 in Asia/Shanghai
LON0 = 120.15
LAT0 = 30.205  # 0.045 degrees (about 5 km) south of the own grid's northern edge
METRE_LAT = 180 / (math.pi * EARTH_RADIUS_M)
STEP_M = 1.4 * 30  # walking pace, a fix every 30 s
RULES = TrackRules()


def square(west: float, south: float, east: float, north: float) -> dict[str, object]:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


OWN = square(120.14, 30.20, 120.16, 30.25)
NEIGHBOUR = square(120.14, 30.25, 120.16, 30.40)
GEOMETRY = DayGeometry(own_grids=[OWN], tenant_grids=[OWN, NEIGHBOUR])


def point(n: int, at: datetime, north_m: float = 0.0, **extra) -> Point:
    fields = {
        "point_id": f"p-{n:05d}",
        "at": at,
        "lat": LAT0 + north_m * METRE_LAT,
        "lon": LON0,
        "accuracy_m": 8.0,
        "provider": Provider.GPS,
        **extra,
    }
    return Point(**fields)


def walk(count: int, start: datetime = T0, first: int = 0, from_m: float = 0.0) -> list[Point]:
    """``count`` fixes 30 s apart walking north at 1.4 m/s."""
    return [
        point(first + n, start + timedelta(seconds=30 * n), from_m + STEP_M * n)
        for n in range(count)
    ]


def beat(at: datetime, *, gps: bool = True, saver: bool = False, n: int = 0) -> Heartbeat:
    return Heartbeat(
        heartbeat_id=f"h-{n:05d}",
        at=at,
        app_alive=True,
        gps_permission=gps,
        battery_saver=saver,
        network=Network.CELLULAR,
    )


def folded(points, heartbeats=(), geometry=GEOMETRY, rules=RULES) -> DayState:
    return DayState.start(DAY).fold(points, heartbeats, geometry, rules)


def test_a_day_without_reports_is_the_empty_day():
    assert DayState.start(DAY).figures() == DayFigures.empty(DAY)


def test_two_hours_walking_north_at_walking_pace():
    # 240 fixes 30 s apart: 239 steps, so 7,200 s less the one step after the last fix.
    figures = folded(walk(240)).figures()
    assert figures.patrol_s == 7200 - 30
    assert figures.distance_m == pytest.approx(1.4 * 7170, rel=0.001)
    assert figures.distance_m == 10038
    assert figures.sessions == 1
    assert figures.online_s == 7170
    assert figures.gaps == ()
    assert (figures.morning, figures.afternoon) == (True, False)
    assert (figures.points_accepted, figures.points_rejected) == (240, 0)


def test_half_the_walk_in_the_own_grid():
    # Fixes 0-119 lie south of 30.25 (the own grid's edge), so steps 0-119 start inside it.
    figures = folded(walk(240)).figures()
    assert figures.own_grid_s == 120 * 30
    assert figures.own_grid_m == 120 * STEP_M


def test_the_same_walk_in_batches_of_any_size_gives_the_same_figures():
    points = walk(240)
    state = DayState.start(DAY)
    for start in range(0, 240, 17):
        state = state.fold(points[start : start + 17], (), GEOMETRY, RULES)
    assert not state.needs_rebuild
    assert state.figures() == folded(points).figures()


def test_a_wild_fix_is_rejected_and_the_walk_after_it_kept():
    points = walk(240)
    wild = point(999, points[100].at + timedelta(seconds=1), STEP_M * 100 + 3_000)
    figures = folded([*points, wild]).figures()
    assert (figures.points_accepted, figures.points_rejected) == (240, 1)
    assert figures.distance_m == 10038
    assert figures.patrol_s == 7170


def test_points_outside_every_grid_are_rejected_but_were_online():
    points = walk(10)
    east = [point(100 + n, T0 + timedelta(seconds=300 + 30 * n), lon=120.2) for n in range(10)]
    figures = folded([*points, *east]).figures()
    assert (figures.points_accepted, figures.points_rejected) == (10, 10)
    assert figures.patrol_s == 270
    assert figures.online_s == 570


def test_inaccurate_points_are_rejected():
    points = [point(n, T0 + timedelta(seconds=30 * n), accuracy_m=51.0) for n in range(3)]
    figures = folded(points).figures()
    assert (figures.points_accepted, figures.points_rejected, figures.sessions) == (0, 3, 0)
    assert figures.online_s == 60


def gap_day(heartbeats: list[Heartbeat]) -> DayFigures:
    """08:00-09:00 walking, 20 minutes without a fix, 09:20-10:00 walking."""
    first = walk(121)  # 08:00:00 - 09:00:00
    second = walk(81, start=T0 + timedelta(minutes=80), first=500, from_m=STEP_M * 121)
    return folded([*first, *second], heartbeats).figures()


GAP_START = T0 + timedelta(hours=1)
GAP_END = T0 + timedelta(minutes=80)


def every_5_minutes_in_the_gap(**flags) -> list[Heartbeat]:
    return [beat(GAP_START + timedelta(minutes=m), n=m, **flags) for m in (5, 10, 15)]


@pytest.mark.parametrize(
    ("heartbeats", "kind", "online_s"),
    [
        ([], GapKind.PHONE_SILENT, 3600 + 2400),
        (every_5_minutes_in_the_gap(gps=False), GapKind.GPS_OFF, 3600 + 1200 + 2400),
        (every_5_minutes_in_the_gap(saver=True), GapKind.BATTERY_SAVER, 3600 + 1200 + 2400),
        (every_5_minutes_in_the_gap(), GapKind.NOT_PATROLLING, 3600 + 1200 + 2400),
        (
            [beat(GAP_START + timedelta(minutes=4), saver=True, gps=False, n=1)],
            GapKind.GPS_OFF,
            3600 + 240 + 2400,  # 4 minutes after the first session, 16 before the second
        ),
    ],
)
def test_a_twenty_minute_gap_splits_two_sessions_and_is_classified(heartbeats, kind, online_s):
    figures = gap_day(heartbeats)
    assert figures.sessions == 2
    assert figures.gaps == (Gap(GAP_START, GAP_END, kind),)
    assert figures.gaps[0].seconds == 1200
    assert figures.patrol_s == 3600 + 2400
    assert figures.distance_m == round(STEP_M * (120 + 80))  # the gap's step is not walked
    assert figures.online_s == online_s


def test_a_heartbeat_at_the_gap_s_edge_is_not_inside_it():
    edges = [beat(GAP_START, gps=False, n=1), beat(GAP_END, saver=True, n=2)]
    assert gap_day(edges).gaps[0].kind is GapKind.PHONE_SILENT


def test_a_gap_of_exactly_the_session_gap_does_not_split():
    points = [
        point(0, T0),
        point(1, T0 + timedelta(seconds=600)),
        point(2, T0 + timedelta(seconds=1201)),
    ]
    figures = folded(points).figures()
    assert figures.sessions == 2
    assert figures.patrol_s == 600
    assert figures.online_s == 600


@pytest.mark.parametrize(
    ("local", "morning", "afternoon"),
    [(time(11, 59), True, False), (time(12, 0), False, True), (time(7, 0), True, False)],
)
def test_noon_in_shanghai_splits_the_half_days(local, morning, afternoon):
    at = datetime.combine(DAY, local, UTC) - timedelta(hours=8)
    figures = folded([point(0, at)]).figures()
    assert (figures.morning, figures.afternoon) == (morning, afternoon)


def test_the_tenant_s_noon_is_used():
    at = datetime(2026, 3, 2, 4, 30, tzinfo=UTC)  # 12:30 in Shanghai
    late_noon = TrackRules(noon=time(13, 0))
    figures = folded([point(0, at)], rules=late_noon).figures()
    assert (figures.morning, figures.afternoon) == (True, False)


def test_only_the_day_s_own_reports_are_folded():
    midnight = datetime(2026, 3, 1, 16, 0, tzinfo=UTC)  # 00:00 on 2 March in Shanghai
    points = [
        point(0, midnight - timedelta(milliseconds=1)),
        point(1, midnight),
        point(2, midnight + timedelta(days=1) - timedelta(milliseconds=1), 10.0),
        point(3, midnight + timedelta(days=1), 20.0),
    ]
    beats = [beat(midnight - timedelta(seconds=1), n=1), beat(midnight + timedelta(days=1), n=2)]
    state = folded(points, beats)
    assert state.points_accepted == 2
    assert state.heartbeats.all == ()
    assert state.figures().sessions == 2


def test_a_visit_after_three_minutes_near_a_subject_and_none_after_one():
    subject_at = STEP_M * 10  # the walk's 11th fix
    geometry = DayGeometry(
        own_grids=[OWN],
        tenant_grids=[NEIGHBOUR],
        subjects=[("s-1", "key_person", LON0, LAT0 + subject_at * METRE_LAT)],
    )
    rules = TrackRules(visit_radius_m=30.0, visit_min_dwell_s=120)
    stop = T0 + timedelta(seconds=300)

    def day_with_stop(minutes: int) -> DayFigures:
        standing = [
            point(100 + n, stop + timedelta(seconds=30 * n), subject_at + 5)
            for n in range(2 * minutes + 1)
        ]
        walk_on = walk(5, start=standing[-1].at + timedelta(seconds=30), first=200, from_m=500)
        return folded([*walk(10), *standing, *walk_on], geometry=geometry, rules=rules).figures()

    # The walk's last fix before the stop is 42 m short of the subject: the stay starts at
    # the first fix standing and ends at the last.
    assert day_with_stop(3).visits == (
        Visit("s-1", "key_person", stop, stop + timedelta(minutes=3)),
    )
    assert day_with_stop(1).visits == ()


def test_an_earlier_point_marks_the_day_for_a_rebuild():
    points = walk(40)
    state = folded(points[:20]).fold(points[25:], (), GEOMETRY, RULES)
    assert not state.needs_rebuild
    late = state.fold(points[20:25], (), GEOMETRY, RULES)
    assert late.needs_rebuild
    assert late.points_accepted == 35  # the late fixes wait for the rebuild
    assert late.online == folded(points).online  # but count as online at once
    rebuilt = DayState.rebuild(DAY, points, (), GEOMETRY, RULES)
    assert not rebuilt.needs_rebuild
    assert rebuilt == folded(list(reversed(points)))
    assert rebuilt.figures().points_accepted == 40


def test_a_resent_batch_changes_nothing_but_asks_for_the_rebuild():
    points = walk(40)
    inaccurate = point(999, points[-1].at + timedelta(seconds=1), accuracy_m=500.0)
    state = folded([*points, inaccurate])
    again = state.fold([*points[30:], inaccurate], (), GEOMETRY, RULES)
    assert again.needs_rebuild
    assert replace(again, needs_rebuild=False) == state
    assert DayState.rebuild(DAY, [*points, inaccurate], (), GEOMETRY, RULES) == state


def test_a_point_repeated_inside_a_batch_counts_once():
    points = walk(5)
    inaccurate = point(999, points[2].at + timedelta(seconds=1), accuracy_m=500.0)
    state = folded([*points, points[3], inaccurate, inaccurate])
    assert (state.points_accepted, state.points_rejected) == (5, 1)


def test_a_late_rejected_point_asks_for_the_rebuild_too():
    points = walk(40)
    inaccurate = point(999, points[5].at + timedelta(seconds=1), accuracy_m=500.0)
    late = folded(points).fold([inaccurate], (), GEOMETRY, RULES)
    assert late.needs_rebuild
    assert late.points_rejected == 0
    assert DayState.rebuild(DAY, [*points, inaccurate], (), GEOMETRY, RULES).points_rejected == 1


def test_a_point_before_a_judged_jump_needs_a_rebuild_too():
    # 08:00:45 is after the last accepted fix (08:00:30) but before the jump judged at
    # 08:01:00: the duplicate and jump checks already ran past it.
    points = [point(0, T0), point(1, T0 + timedelta(seconds=30), 40.0)]
    jump = point(2, T0 + timedelta(seconds=60), 40.0 + 30 * 15 + 100)
    state = folded([*points, jump])
    assert (state.points_accepted, state.points_rejected) == (2, 1)
    between = point(3, T0 + timedelta(seconds=45), 40.0 + 200)
    assert state.fold([between], (), GEOMETRY, RULES).needs_rebuild
    rebuilt = DayState.rebuild(DAY, [*points, jump, between], (), GEOMETRY, RULES)
    assert (rebuilt.points_accepted, rebuilt.points_rejected) == (3, 1)


def test_the_ms_sums_are_rounded_half_up():
    assert (half_up(999.4999), half_up(999.5), half_up(0.0)) == (999, 1000, 0)
    assert (seconds(1499), seconds(1500), seconds(0)) == (1, 2, 0)
    points = [point(0, T0), point(1, T0 + timedelta(milliseconds=1500), 1.0)]
    assert folded(points).figures().patrol_s == 2


def test_online_intervals_bridge_reports_at_most_the_session_gap_apart():
    bridged = merge_online((), [0, 600_000, 1_300_000, 1_300_000], 600_000)
    assert bridged == ((0, 600_000), (1_300_000, 1_300_000))
    assert merge_online(bridged, [700_000], 600_000) == ((0, 1_300_000),)
    assert merge_online(bridged, [], 600_000) == bridged


def plain_json(value) -> bool:
    """JSON values FerretDB can store: no datetime, no NaN, no list directly in a list."""
    if isinstance(value, dict):
        return all(isinstance(k, str) and plain_json(v) for k, v in value.items())
    if isinstance(value, list):
        return all(not isinstance(v, list) and plain_json(v) for v in value)
    if isinstance(value, float):
        return math.isfinite(value)
    return value is None or isinstance(value, str | int | bool)


def test_the_state_round_trips_through_a_plain_json_document():
    beats = [
        *every_5_minutes_in_the_gap(gps=False),
        beat(GAP_START + timedelta(minutes=7), saver=True, n=9),
    ]
    first = walk(121)
    second = walk(81, start=GAP_END, first=500, from_m=STEP_M * 121)
    geometry = DayGeometry(
        own_grids=[OWN], tenant_grids=[NEIGHBOUR], subjects=[("s-1", "hazard_place", LON0, LAT0)]
    )
    stopped = [point(900 + n, T0 - timedelta(seconds=30 * (n + 1))) for n in range(6)]
    state = folded([*stopped, *first, *second[:40]], beats, geometry=geometry)
    state = state.fold(walk(3, start=T0 + timedelta(seconds=15), first=700), (), geometry, RULES)
    assert state.needs_rebuild
    assert state.visits.done
    assert state.gaps
    document = state.to_document()
    assert plain_json(document)
    stored = json.loads(json.dumps(document))
    assert DayState.from_document(stored) == state
    assert DayState.from_document(DayState.start(DAY).to_document()) == DayState.start(DAY)
    later = DayState.from_document(stored).fold(second[40:], (), geometry, RULES)
    assert later.figures() == state.fold(second[40:], (), geometry, RULES).figures()


def test_an_unknown_document_version_is_refused():
    document = DayState.start(DAY).to_document() | {"version": 99}
    with pytest.raises(ValueError, match="version"):
        DayState.from_document(document)


# Property tests: any split of a day into batches folds to the day folded in one go.

PROPERTY_GEOMETRY = DayGeometry(
    own_grids=[OWN],
    tenant_grids=[NEIGHBOUR],
    subjects=[("s-1", "key_person", LON0, LAT0), ("s-2", "hazard_place", LON0, LAT0 + 0.0005)],
)
PROPERTY_RULES = TrackRules(session_gap_s=300, visit_radius_m=40.0, visit_min_dwell_s=60)

steps = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=900_000),  # ms after the previous fix
        st.one_of(st.just(0.0), st.floats(min_value=-60, max_value=60), st.just(2_000.0)),
        st.one_of(st.just(0.0), st.floats(min_value=-0.002, max_value=0.002)),  # degrees east
        st.sampled_from([5.0, 20.0, 80.0]),  # accuracy
    ),
    min_size=1,
    max_size=60,
)


def day_points(drawn) -> list[Point]:
    at, north, points = T0, 0.0, []
    for n, (gap_ms, north_m, east, accuracy) in enumerate(drawn):
        at += timedelta(milliseconds=gap_ms)
        north += north_m
        points.append(
            Point(f"p-{n:05d}", at, LAT0 + north * METRE_LAT, LON0 + east, accuracy, Provider.GPS)
        )
    return points


heartbeats = st.lists(
    st.tuples(st.integers(min_value=0, max_value=40_000), st.booleans(), st.booleans()),
    max_size=20,
).map(
    lambda drawn: [
        beat(T0 + timedelta(seconds=s), gps=gps, saver=saver, n=n)
        for n, (s, gps, saver) in enumerate(drawn)
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drawn=steps, beats=heartbeats, data=st.data())
def test_any_split_of_a_time_ordered_day_folds_like_the_rebuild(drawn, beats, data):
    points = day_points(drawn)
    cuts = sorted(data.draw(st.sets(st.integers(0, len(points)), max_size=6)))
    beat_cuts = sorted(data.draw(st.sets(st.integers(0, len(beats)), max_size=3)))
    point_batches = [points[a:b] for a, b in zip([0, *cuts], [*cuts, len(points)], strict=True)]
    beat_batches = [
        beats[a:b] for a, b in zip([0, *beat_cuts], [*beat_cuts, len(beats)], strict=True)
    ]
    state = DayState.start(DAY)
    for n in range(max(len(point_batches), len(beat_batches))):
        batch = point_batches[n] if n < len(point_batches) else []
        beat_batch = beat_batches[n] if n < len(beat_batches) else []
        state = state.fold(reversed(batch), beat_batch, PROPERTY_GEOMETRY, PROPERTY_RULES)
        state = DayState.from_document(json.loads(json.dumps(state.to_document())))
    rebuilt = DayState.rebuild(DAY, points, beats, PROPERTY_GEOMETRY, PROPERTY_RULES)
    assert not state.needs_rebuild
    assert state.figures() == rebuilt.figures()
    assert state == rebuilt


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drawn=steps, data=st.data())
def test_batches_in_any_order_either_fold_exactly_or_ask_for_the_rebuild(drawn, data):
    points = day_points(drawn)
    shuffled = data.draw(st.permutations(points))
    cuts = sorted(data.draw(st.sets(st.integers(0, len(points)), max_size=4)))
    state = DayState.start(DAY)
    for a, b in zip([0, *cuts], [*cuts, len(points)], strict=True):
        state = state.fold(shuffled[a:b], (), PROPERTY_GEOMETRY, PROPERTY_RULES)
    rebuilt = DayState.rebuild(DAY, shuffled, (), PROPERTY_GEOMETRY, PROPERTY_RULES)
    assert state.online == rebuilt.online
    if not state.needs_rebuild:
        assert state == rebuilt
