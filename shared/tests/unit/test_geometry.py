"""GridLocator (shared.geometry) against brute force on random points, borders, no grids."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from shared.geometry import GridLocator


def jittered_tiling(columns=8, rows=6, seed=7):
    """Grids sharing jittered borders (a randomly bent lattice), in code order."""
    rng = np.random.default_rng(seed)
    xs = 120.0 + 0.01 * np.arange(columns + 1)
    ys = 31.7 + 0.01 * np.arange(rows + 1)
    nodes = np.stack(np.meshgrid(xs, ys, indexing="ij"), axis=-1)
    nodes[1:-1, 1:-1] += rng.uniform(-0.003, 0.003, size=nodes[1:-1, 1:-1].shape)
    entries = []
    for i in range(columns):
        for j in range(rows):
            ring = [nodes[i, j], nodes[i + 1, j], nodes[i + 1, j + 1], nodes[i, j + 1]]
            entries.append((f"G{i:02d}{j:02d}", shapely.Polygon(ring)))
    return entries


def brute_force(entries, lon, lat):
    point = shapely.Point(lon, lat)
    for grid_id, polygon in entries:
        if polygon.intersects(point):
            return grid_id
    return None


def test_locate_and_locate_many_agree_with_brute_force():
    entries = jittered_tiling()
    locator = GridLocator(entries)
    rng = np.random.default_rng(11)
    lons = rng.uniform(119.995, 120.085, 3000)
    lats = rng.uniform(31.695, 31.765, 3000)

    expected = [brute_force(entries, x, y) for x, y in zip(lons, lats, strict=True)]

    assert locator.locate_many(lons, lats) == expected
    assert [locator.locate(x, y) for x, y in zip(lons, lats, strict=True)] == expected
    assert None in expected  # some points fall outside the tiling
    assert len(set(expected)) > len(entries) // 2


def test_a_border_point_goes_to_the_first_grid_in_build_order():
    left = ("B-left", shapely.box(120.0, 31.7, 120.01, 31.71))
    right = ("A-right", shapely.box(120.01, 31.7, 120.02, 31.71))
    corner = [(120.01, 31.705), (120.01, 31.7)]

    for entries in ([left, right], [right, left]):
        locator = GridLocator(entries)
        first = entries[0][0]
        assert [locator.locate(x, y) for x, y in corner] == [first, first]
        assert locator.locate_many([x for x, _ in corner], [y for _, y in corner]) == [first] * 2


def test_points_in_a_hole_are_outside():
    ring = shapely.box(120.0, 31.7, 120.02, 31.72)
    hole = shapely.box(120.005, 31.705, 120.015, 31.715)
    locator = GridLocator([("G", shapely.Polygon(ring.exterior.coords, [hole.exterior.coords]))])
    assert locator.locate(120.01, 31.71) is None
    assert locator.locate(120.002, 31.71) == "G"


def test_an_empty_locator_finds_nothing():
    locator = GridLocator([])
    assert len(locator) == 0
    assert locator.locate(120.0, 31.7) is None
    assert locator.locate_many([120.0, 121.0], [31.7, 31.8]) == [None, None]


def test_mismatched_coordinate_arrays_are_a_programming_error():
    locator = GridLocator(jittered_tiling(2, 2))
    with pytest.raises(ValueError, match="same length"):
        locator.locate_many([120.0, 120.1], [31.7])
