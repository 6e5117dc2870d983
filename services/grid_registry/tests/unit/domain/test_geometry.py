"""Boundary validation (every rejection, by table) and the geodesic area."""

from __future__ import annotations

import math

import pytest
import shapely

from services.grid_registry.domain.geometry import (
    MAX_VERTICES,
    geodesic_area_m2,
    overlap_ratio,
    parse_boundary,
    to_geojson,
)
from shared.errors import InvalidInput

SQUARE = [[120.0, 31.7], [120.01, 31.7], [120.01, 31.71], [120.0, 31.71], [120.0, 31.7]]


def polygon(*rings):
    return {"type": "Polygon", "coordinates": [list(ring) for ring in rings]}


def _circle(count, lon=120.0):
    angles = [2 * math.pi * i / count for i in range(count)]
    ring = [[lon + 0.1 * math.cos(a), 31.7 + 0.1 * math.sin(a)] for a in angles]
    return [*ring, ring[0]]


def many_vertices(count):
    return polygon(_circle(count))


def many_multi(polygons, count):
    rings = [[_circle(count, lon=100.0 + index)] for index in range(polygons)]
    return {"type": "MultiPolygon", "coordinates": rings}


@pytest.mark.parametrize(
    ("boundary", "field", "reason"),
    [
        ("POLYGON((...))", "boundary", "GeoJSON Polygon or MultiPolygon object"),
        ({"type": "Point", "coordinates": [120, 31]}, "boundary.type", "'Polygon'"),
        ({"type": "Polygon"}, "boundary.coordinates", "non-empty list of linear rings"),
        ({"type": "Polygon", "coordinates": []}, "boundary.coordinates", "non-empty list"),
        ({"type": "MultiPolygon", "coordinates": []}, "boundary.coordinates", "list of polygons"),
        (
            {"type": "Polygon", "coordinates": ["abc"]},
            "boundary.coordinates[0]",
            "list of [lon, lat] positions",
        ),
        (polygon(SQUARE[:3]), "boundary.coordinates[0]", "at least 4 positions"),
        (
            polygon([*SQUARE[:-1], [120.0, 31.705]]),
            "boundary.coordinates[0]",
            "ring is not closed: first and last positions differ",
        ),
        (polygon([SQUARE[0], [120.01], *SQUARE[2:]]), "boundary.coordinates[0][1]", "position"),
        (polygon([SQUARE[0], ["120", 31.7], *SQUARE[2:]]), "boundary.coordinates[0][1]", "numbers"),
        (polygon([SQUARE[0], [True, 31.7], *SQUARE[2:]]), "boundary.coordinates[0][1]", "numbers"),
        (polygon([SQUARE[0], [181, 31.7], *SQUARE[2:]]), "boundary.coordinates[0][1]", "[-180"),
        (polygon([SQUARE[0], [120, -91], *SQUARE[2:]]), "boundary.coordinates[0][1]", "[-90"),
        (
            polygon([[31.7, 120.0], [31.7, 120.01], [31.71, 120.01], [31.7, 120.0]]),
            "boundary.coordinates[0][0]",
            "[-90, 90]",
        ),
        (
            polygon([[2.35, 48.85], [2.36, 48.85], [2.36, 48.86], [2.35, 48.85]]),
            "boundary.coordinates[0][0]",
            "outside China",
        ),
        (
            polygon([[120.0, 31.7], [120.1, 31.8], [120.1, 31.7], [120.0, 31.8], [120.0, 31.7]]),
            "boundary",
            "self-intersection at 120.05 31.75",
        ),
        (
            polygon([[120.0, 31.7], [120.1, 31.7], [120.2, 31.7], [120.0, 31.7]]),
            "boundary",
            "zero area",
        ),
        (many_vertices(MAX_VERTICES + 1), "boundary.coordinates[0]", f"than {MAX_VERTICES}"),
        (many_multi(2, 5001), "boundary", f"at most {MAX_VERTICES}"),
        (
            {"type": "MultiPolygon", "coordinates": [[SQUARE], [SQUARE[:3]]]},
            "boundary.coordinates[1][0]",
            "at least 4 positions",
        ),
        (
            {"type": "MultiPolygon", "coordinates": [[SQUARE], [SQUARE]]},
            "boundary",
            "self-intersection",
        ),
    ],
)
def test_every_rejection_names_the_path_and_the_problem(boundary, field, reason):
    with pytest.raises(InvalidInput) as raised:
        parse_boundary(boundary)
    assert raised.value.field == field
    assert reason.lower() in raised.value.reason.lower()


def test_a_valid_polygon_with_a_hole_and_a_multipolygon_pass():
    hole = [[120.002, 31.702], [120.004, 31.702], [120.004, 31.704], [120.002, 31.702]]
    with_hole = parse_boundary(polygon(SQUARE, hole))
    other = [[x + 0.02, y] for x, y in SQUARE]
    multi = parse_boundary({"type": "MultiPolygon", "coordinates": [[SQUARE], [other]]})

    assert len(with_hole.interiors) == 1
    assert geodesic_area_m2(multi) == pytest.approx(
        2 * geodesic_area_m2(parse_boundary(polygon(SQUARE)))
    )
    assert to_geojson(with_hole)["coordinates"][0][0] == [120.0, 31.7]


def test_the_field_prefix_is_the_callers():
    with pytest.raises(InvalidInput) as raised:
        parse_boundary(polygon(SQUARE[:3]), "parts[1].boundary")
    assert raised.value.field == "parts[1].boundary.coordinates[0]"


def _ellipsoid_box_area(west, south, east, north):
    """Closed-form WGS84 area between two parallels and two meridians."""
    a, f = 6_378_137.0, 1 / 298.257223563
    e2 = f * (2 - f)
    e = math.sqrt(e2)
    b = a * (1 - f)

    def q(lat):
        s = math.sin(math.radians(lat))
        return s / (1 - e2 * s * s) + math.log((1 + e * s) / (1 - e * s)) / (2 * e)

    return math.pi * b * b * (q(north) - q(south)) * (east - west) / 360


@pytest.mark.parametrize("south", [3.5, 22.5, 31.7, 45.0, 53.0])
def test_the_area_matches_the_ellipsoid_within_a_hundredth_of_a_percent(south):
    # Township size (5 km); parallels vs great circles differ by far less than 0.01% here.
    west, east, north = 120.0, 120.05, south + 0.05
    area = geodesic_area_m2(shapely.box(west, south, east, north))
    assert area == pytest.approx(_ellipsoid_box_area(west, south, east, north), rel=1e-4)


def test_holes_are_subtracted_and_orientation_does_not_matter():
    outer = shapely.box(120.0, 31.7, 120.02, 31.72)
    inner = shapely.box(120.005, 31.705, 120.015, 31.715)
    reversed_outer = shapely.Polygon(list(outer.exterior.coords)[::-1])
    assert geodesic_area_m2(shapely.Polygon(outer.exterior.coords, [inner.exterior.coords])) == (
        pytest.approx(geodesic_area_m2(outer) - geodesic_area_m2(inner))
    )
    assert geodesic_area_m2(reversed_outer) == pytest.approx(geodesic_area_m2(outer))


def test_overlap_is_measured_against_the_smaller_grid():
    big = shapely.box(120.0, 31.7, 120.1, 31.8)
    small = shapely.box(120.09, 31.7, 120.11, 31.71)
    assert overlap_ratio(big, small) == pytest.approx(0.5, rel=1e-3)
    assert overlap_ratio(big, shapely.box(120.1, 31.7, 120.2, 31.8)) == 0.0
