"""The track's distances, the day's geometry and the noise filter, against hand counts."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.patrol_tracking.domain.points import Point, Provider
from services.patrol_tracking.domain.settings import TrackRules
from services.patrol_tracking.domain.track import (
    EARTH_RADIUS_M,
    DayGeometry,
    Fix,
    GridCover,
    Rejection,
    chain_reasons,
    distance_m,
    distances_to,
    filter_noise,
    from_ms,
    great_circle_m,
    nearest_within,
    screen,
    to_ms,
)

T0 = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # 08:00 in Asia/Shanghai
LAT0, LON0 = 30.25, 120.15
METRE_LAT = 180 / (math.pi * EARTH_RADIUS_M)  # degrees of latitude per metre
RULES = TrackRules()


def square(west: float, south: float, east: float, north: float) -> dict[str, object]:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


OWN = square(120.14, 30.24, 120.16, 30.26)
NEIGHBOUR = square(120.14, 30.26, 120.16, 30.30)
GEOMETRY = DayGeometry(own_grids=[OWN], tenant_grids=[OWN, NEIGHBOUR])


def point(
    n: int, seconds: float, north_m: float = 0.0, accuracy: float = 10.0, lon: float = LON0
) -> Point:
    return Point(
        point_id=f"p-{n:05d}",
        at=T0 + timedelta(seconds=seconds),
        lat=LAT0 + north_m * METRE_LAT,
        lon=lon,
        accuracy_m=accuracy,
        provider=Provider.GPS,
    )


def test_a_degree_of_latitude_is_the_radius_times_pi_over_180():
    metres = great_circle_m([30.0, 31.0, 32.0], [120.0, 120.0, 120.0])
    assert metres.shape == (2,)
    assert metres == pytest.approx([EARTH_RADIUS_M * math.pi / 180] * 2, rel=1e-12)


def test_the_scalar_and_the_matrix_agree_with_the_vector():
    beijing, shanghai = (39.9042, 116.4074), (31.2304, 121.4737)
    one = distance_m(*beijing, *shanghai)
    assert one == pytest.approx(1_067_000, rel=0.005)  # the published great-circle figure
    assert great_circle_m([beijing[0], shanghai[0]], [beijing[1], shanghai[1]])[0] == one
    matrix = distances_to(
        [beijing[0], shanghai[0]], [beijing[1], shanghai[1]], [31.2304], [121.4737]
    )
    assert matrix.shape == (2, 1)
    assert matrix[0, 0] == pytest.approx(one, rel=1e-12)
    assert matrix[1, 0] == 0.0


def test_antipodes_are_half_the_circumference_not_nan():
    assert distance_m(0.0, 0.0, 0.0, 180.0) == pytest.approx(math.pi * EARTH_RADIUS_M)


def test_fewer_than_two_fixes_have_no_distance_and_shapes_must_match():
    assert great_circle_m([30.0], [120.0]).size == 0
    assert great_circle_m([], []).size == 0
    with pytest.raises(ValueError, match="same length"):
        great_circle_m([30.0, 31.0], [120.0])


def test_instants_round_trip_through_epoch_milliseconds():
    moment = datetime(2026, 3, 2, 1, 2, 3, 456_000, tzinfo=UTC)
    assert to_ms(moment) == 1_772_413_323_456
    assert from_ms(to_ms(moment)) == moment
    with pytest.raises(ValueError, match="aware"):
        to_ms(datetime(2026, 3, 2))  # noqa: DTZ001 - the naive instant is the point


def test_a_cover_counts_its_boundary_in_and_the_rest_out():
    cover = GridCover([OWN])
    inside = cover.covers([120.15, 120.16, 120.17, 120.15], [30.25, 30.25, 30.25, 30.23])
    assert inside.tolist() == [True, True, False, False]


def test_a_multipolygon_grid_covers_both_parts():
    parts = {
        "type": "MultiPolygon",
        "coordinates": [OWN["coordinates"], square(121.0, 31.0, 121.01, 31.01)["coordinates"]],
    }
    assert GridCover([parts]).covers([120.15, 121.005, 120.5], [30.25, 31.005, 30.5]).tolist() == [
        True,
        True,
        False,
    ]


def test_a_district_of_grids_answers_as_one_union_would():
    # 6 x 5 = 30 grids: above the union size, so the cover is an STRtree.
    grids = [
        square(120.0 + i * 0.01, 30.0 + j * 0.01, 120.01 + i * 0.01, 30.01 + j * 0.01)
        for i in range(6)
        for j in range(5)
    ]
    rng = np.random.default_rng(7)
    lons, lats = 119.99 + rng.random(400) * 0.08, 29.99 + rng.random(400) * 0.07
    expected = (lons >= 120.0) & (lons <= 120.06) & (lats >= 30.0) & (lats <= 30.05)
    assert GridCover(grids).covers(lons, lats).tolist() == expected.tolist()
    assert GridCover(grids[:5]).covers([120.005], [30.045]).tolist() == [True]


def test_a_grid_boundary_must_be_a_polygon():
    with pytest.raises(ValueError, match="Polygon"):
        GridCover([{"type": "Point", "coordinates": [120.0, 30.0]}])


def test_a_self_touching_ring_is_repaired_not_fatal():
    bow_tie = {
        "type": "Polygon",
        "coordinates": [
            [[120.0, 30.0], [120.01, 30.01], [120.01, 30.0], [120.0, 30.01], [120.0, 30.0]]
        ],
    }
    assert GridCover([bow_tie, NEIGHBOUR]).covers([120.008, 120.15], [30.005, 30.28]).tolist() == [
        True,
        True,
    ]


def test_a_tenant_without_grids_has_no_outside():
    bare = DayGeometry()
    assert bare.in_tenant([0.0, 120.15], [0.0, 30.25]).tolist() == [True, True]
    assert bare.in_own([120.15], [30.25]).tolist() == [False]


def test_the_workers_own_grids_are_always_the_tenants():
    only_own = DayGeometry(own_grids=[OWN], tenant_grids=[NEIGHBOUR])
    assert only_own.in_tenant([120.15, 120.15, 120.3], [30.25, 30.28, 30.25]).tolist() == [
        True,
        True,
        False,
    ]


def test_inaccurate_stale_duplicate_and_outside_fixes_are_noise():
    points = [
        point(0, 0),
        point(1, 30, 40, accuracy=80.0),  # worse than 50 m
        point(2, 30, 42),
        point(3, 30, 43),  # the same instant as the accepted fix before it
        point(4, 60, 84, lon=120.2),  # east of every grid
        point(5, 90, 126),
    ]
    filtered = filter_noise(points, GEOMETRY, RULES)
    assert [p.point_id for p in filtered.accepted] == ["p-00000", "p-00002", "p-00005"]
    assert [(r.point.point_id, r.reason) for r in filtered.rejected] == [
        ("p-00001", Rejection.INACCURATE),
        ("p-00003", Rejection.DUPLICATE),
        ("p-00004", Rejection.OUTSIDE_GRIDS),
    ]


def test_a_wild_fix_is_a_jump_and_the_walk_after_it_is_kept():
    walk = [point(n, 30 * n, 42 * n) for n in range(10)]
    wild = point(99, 30 * 5 + 1, 42 * 5 + 2_000)  # 2 km in one second
    reasons = screen([*walk[:6], wild, *walk[6:]], GEOMETRY, RULES)
    assert reasons == [None] * 6 + [Rejection.JUMP] + [None] * 4


def test_consecutive_wild_fixes_are_all_measured_from_the_last_accepted_one():
    walk = [point(n, 30 * n, 42 * n) for n in range(6)]
    wild = [point(90 + k, 30 * 2 + 5 + k, 42 * 2 + 1_000) for k in range(3)]
    reasons = screen([*walk[:3], *wild, *walk[3:]], GEOMETRY, RULES)
    assert reasons == [None] * 3 + [Rejection.JUMP] * 3 + [None] * 3


def test_a_fix_under_the_speed_limit_is_kept_and_one_over_it_is_a_jump():
    rules = TrackRules(max_speed_mps=2.0)
    exact = [point(0, 0, 0), point(1, 10, 19.999), point(2, 20, 40.5)]
    assert screen(exact, GEOMETRY, rules) == [None, None, Rejection.JUMP]


def test_the_previous_batch_s_last_fix_judges_the_first_of_the_next():
    before = Fix(to_ms(T0), LAT0, LON0)
    points = [point(1, 1, 500), point(2, 30, 42), point(3, 0, 10)]
    reasons = screen(sorted(points, key=lambda p: p.at), GEOMETRY, RULES, previous=before)
    assert reasons == [Rejection.DUPLICATE, Rejection.JUMP, None]


def test_accuracy_is_judged_before_the_grids():
    assert screen([point(0, 0, lon=121.0, accuracy=99.0)], GEOMETRY, RULES) == [
        Rejection.INACCURATE
    ]


def naive_chain(at_ms, lats, lons, rules, previous):
    """The filter's duplicate and jump rules, one fix at a time."""
    reasons, last = [], previous
    for at, lat, lon in zip(at_ms, lats, lons, strict=True):
        if last is not None and at <= last.at_ms:
            reasons.append(Rejection.DUPLICATE)
        elif last is not None and distance_m(last.lat, last.lon, lat, lon) > (
            rules.max_speed_mps * ((at - last.at_ms) / 1000)
        ):
            reasons.append(Rejection.JUMP)
        else:
            reasons.append(None)
            last = Fix(at, lat, lon)
    return reasons


@settings(max_examples=200, deadline=None)
@given(
    steps=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=60_000),  # ms since the previous fix
            st.floats(min_value=-3_000, max_value=3_000),  # metres north
            st.floats(min_value=-3_000, max_value=3_000),  # metres east
        ),
        max_size=60,
    ),
    start=st.booleans(),
)
def test_the_vectorised_chain_equals_the_one_fix_at_a_time_rule(steps, start):
    at = np.cumsum([s[0] for s in steps], dtype=np.int64) + 1_000_000
    lats = np.asarray([LAT0 + s[1] * METRE_LAT for s in steps], dtype=np.float64)
    lons = np.asarray([LON0 + s[2] * METRE_LAT for s in steps], dtype=np.float64)
    previous = Fix(1_000_000, LAT0, LON0) if start else None
    assert chain_reasons(at, lats, lons, RULES, previous) == naive_chain(
        at.tolist(), lats.tolist(), lons.tolist(), RULES, previous
    )


def test_the_nearest_target_within_the_radius_wins():
    targets_lat = [LAT0, LAT0 + 40 * METRE_LAT, LAT0 + 40 * METRE_LAT]
    targets_lon = [LON0, LON0, LON0]  # the last two coincide: the lower index wins the tie
    fixes_lat = [LAT0 + 5 * METRE_LAT, LAT0 + 30 * METRE_LAT, LAT0 + 200 * METRE_LAT]
    nearest = nearest_within(fixes_lat, [LON0] * 3, targets_lat, targets_lon, 50.0)
    assert nearest.tolist() == [0, 1, -1]
    assert nearest_within([], [], targets_lat, targets_lon, 50.0).tolist() == []
    assert nearest_within(fixes_lat, [LON0] * 3, [], [], 50.0).tolist() == [-1, -1, -1]


@settings(max_examples=200, deadline=None)
@given(
    fixes=st.lists(
        st.tuples(st.floats(-80, 80), st.floats(-180, 180), st.floats(-0.01, 0.01)), max_size=20
    ),
    targets=st.lists(st.tuples(st.floats(-0.005, 0.005), st.floats(-0.005, 0.005)), max_size=15),
    radius=st.floats(1.0, 2_000.0),
)
def test_the_box_prefilter_finds_what_the_full_matrix_finds(fixes, targets, radius):
    # Targets scattered around the first fix (or the antimeridian when there is none).
    lat0, lon0 = (fixes[0][0], fixes[0][1]) if fixes else (0.0, 180.0)
    lats = [lat + jitter for lat, _, jitter in fixes] + [lat0]
    lons = [((lon + jitter + 180) % 360) - 180 for _, lon, jitter in fixes] + [lon0]
    to_lats = [lat0 + dlat for dlat, _ in targets]
    to_lons = [((lon0 + dlon + 180) % 360) - 180 for _, dlon in targets]
    expected = [-1] * len(lats)
    if targets:
        matrix = distances_to(lats, lons, to_lats, to_lons)
        best = np.argmin(matrix, axis=1)
        expected = [int(j) if matrix[i, j] <= radius else -1 for i, j in enumerate(best.tolist())]
    assert nearest_within(lats, lons, to_lats, to_lons, radius).tolist() == expected
