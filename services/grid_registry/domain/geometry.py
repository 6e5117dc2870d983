"""Grid boundaries: GeoJSON validation and geodesic area, pure (shapely and numpy only).

Every rejection raises `InvalidInput` naming the path the client sent (``boundary``,
``boundary.coordinates[0]``, ``boundary.coordinates[1][0][3]``...), so a 422 tells the user
which ring or position to fix.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from shared.errors import InvalidInput

MAX_VERTICES = 10_000
# China's sane bounding box (mainland, Hainan and the South China Sea islands down to 3N);
# a position outside it is nearly always swapped lat/lon or a projected coordinate.
CHINA_LON = (73.0, 136.0)
CHINA_LAT = (3.0, 54.0)

# Authalic sphere of WGS84: the sphere with the ellipsoid's surface area.
AUTHALIC_RADIUS_M = 6_371_007.2
_WGS84_E2 = 0.0066943799901413165  # first eccentricity squared
# Series for the authalic latitude beta(phi) = phi + A2 sin 2phi + A4 sin 4phi + A6 sin 6phi.
_E4 = _WGS84_E2**2
_E6 = _WGS84_E2**3
_A2 = -(_WGS84_E2 / 3 + 31 * _E4 / 180 + 59 * _E6 / 560)
_A4 = 17 * _E4 / 360 + 61 * _E6 / 1260
_A6 = -383 * _E6 / 45360

GEOMETRY_TYPES = ("Polygon", "MultiPolygon")


def parse_boundary(value: object, field: str = "boundary") -> BaseGeometry:
    """The valid shapely (Multi)Polygon for a GeoJSON boundary; `InvalidInput` naming the path.

    Checks, in order: a GeoJSON Polygon/MultiPolygon object; rings closed with >= 4 positions;
    positions ``[lon, lat]`` numbers inside the world and China's bounding box; at most
    `MAX_VERTICES` positions; valid (no self-intersection, per `shapely.is_valid`); area > 0.
    """
    if not isinstance(value, Mapping):
        raise InvalidInput.of(field, "must be a GeoJSON Polygon or MultiPolygon object")
    kind = value.get("type")
    if kind not in GEOMETRY_TYPES:
        raise InvalidInput.of(f"{field}.type", "must be 'Polygon' or 'MultiPolygon'")
    coordinates = value.get("coordinates")
    where = f"{field}.coordinates"
    if kind == "Polygon":
        polygons = [_polygon_rings(coordinates, where)]
    else:
        if not _is_list(coordinates) or not coordinates:
            raise InvalidInput.of(where, "must be a non-empty list of polygons")
        polygons = [
            _polygon_rings(polygon, f"{where}[{i}]") for i, polygon in enumerate(coordinates)
        ]
    vertices = sum(len(ring) for rings in polygons for ring in rings)
    if vertices > MAX_VERTICES:
        raise InvalidInput.of(
            field, f"has {vertices} positions, at most {MAX_VERTICES} are allowed"
        )
    shells = [shapely.Polygon(rings[0], rings[1:]) for rings in polygons]
    geometry: BaseGeometry = shells[0] if kind == "Polygon" else shapely.MultiPolygon(shells)
    # A flat shape first: shapely would call it a self-intersection, which misleads.
    if geometry.convex_hull.area <= 0:
        raise InvalidInput.of(field, "has zero area (every position on one line)")
    if not shapely.is_valid(geometry):
        raise InvalidInput.of(field, _explain(geometry))
    if geometry.area <= 0:
        raise InvalidInput.of(field, "has zero area")
    return geometry


def _is_list(value: object) -> bool:
    return isinstance(value, (list, tuple))


def _polygon_rings(value: object, where: str) -> list[list[tuple[float, float]]]:
    if not _is_list(value) or not value:
        raise InvalidInput.of(where, "must be a non-empty list of linear rings")
    assert isinstance(value, (list, tuple))
    return [_ring(ring, f"{where}[{i}]") for i, ring in enumerate(value)]


def _ring(value: object, where: str) -> list[tuple[float, float]]:
    if not _is_list(value):
        raise InvalidInput.of(where, "must be a list of [lon, lat] positions")
    assert isinstance(value, (list, tuple))
    if len(value) > MAX_VERTICES:
        raise InvalidInput.of(where, f"has more than {MAX_VERTICES} positions")
    positions = [_position(position, f"{where}[{i}]") for i, position in enumerate(value)]
    if len(positions) < 4:
        raise InvalidInput.of(where, "a linear ring needs at least 4 positions")
    if positions[0] != positions[-1]:
        raise InvalidInput.of(where, "ring is not closed: first and last positions differ")
    return positions


def _position(value: object, where: str) -> tuple[float, float]:
    if not _is_list(value) or len(value) not in (2, 3):  # type: ignore[arg-type]
        raise InvalidInput.of(where, "must be a [lon, lat] position")
    assert isinstance(value, (list, tuple))
    lon, lat = value[0], value[1]
    if not all(
        isinstance(number, (int, float)) and not isinstance(number, bool) for number in (lon, lat)
    ):
        raise InvalidInput.of(where, "lon and lat must be numbers")
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise InvalidInput.of(where, "lon and lat must be finite numbers")
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise InvalidInput.of(where, "lon must be in [-180, 180] and lat in [-90, 90]")
    if not (CHINA_LON[0] <= lon <= CHINA_LON[1] and CHINA_LAT[0] <= lat <= CHINA_LAT[1]):
        raise InvalidInput.of(
            where,
            f"position {lon} {lat} is outside China (lon 73..136, lat 3..54); "
            "positions are [lon, lat] in WGS84",
        )
    return float(lon), float(lat)


def _explain(geometry: BaseGeometry) -> str:
    """`explain_validity` made readable: 'Self-intersection[116.4 39.9]' -> 'self-intersection
    at 116.40 39.90'."""
    text = str(explain_validity(geometry))
    reason, _, rest = text.partition("[")
    numbers = rest.rstrip("]").split()
    try:
        at = " ".join(f"{float(number):.2f}" for number in numbers)
    except ValueError:
        at = ""
    reason = reason.strip().lower() or "invalid geometry"
    return f"{reason} at {at}" if at else reason


def to_geojson(geometry: BaseGeometry) -> dict[str, Any]:
    """The GeoJSON object (plain lists, no tuples) of a (Multi)Polygon."""
    mapping = shapely.geometry.mapping(geometry)
    return {"type": mapping["type"], "coordinates": _lists(mapping["coordinates"])}


def _lists(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        if value and isinstance(value[0], (int, float)):
            return [float(number) for number in value]
        return [_lists(item) for item in value]
    return value


def from_geojson(boundary: Mapping[str, Any]) -> BaseGeometry:
    """The shapely geometry of a boundary already validated by `parse_boundary`."""
    geometry: BaseGeometry = shapely.geometry.shape(boundary)
    return geometry


def geodesic_area_m2(geometry: BaseGeometry) -> float:
    """Area of a lon/lat (Multi)Polygon on the WGS84 ellipsoid, in m².

    Method: geodetic latitudes are mapped to authalic latitudes (an equal-area map of the
    ellipsoid onto the authalic sphere, R = 6371007.2 m), then the spherical excess of each ring
    is summed edge by edge (exact for great-circle edges). The only remaining error is the
    shape of the edges (ellipsoidal geodesic vs mapped great circle), far below 0.01% for
    township-size polygons; without the authalic latitude step the error would reach about
    0.45% at China's latitudes (3..54N), still inside the 0.5% bound. Holes are subtracted.
    """
    if isinstance(geometry, shapely.MultiPolygon):
        return sum(geodesic_area_m2(part) for part in geometry.geoms)
    if not isinstance(geometry, shapely.Polygon) or geometry.is_empty:
        return 0.0
    area = _ring_area(np.asarray(geometry.exterior.coords))
    for hole in geometry.interiors:
        area -= _ring_area(np.asarray(hole.coords))
    return max(area, 0.0)


def _ring_area(coords: Any) -> float:
    lon = np.radians(coords[:, 0])
    phi = np.radians(coords[:, 1])
    beta = phi + _A2 * np.sin(2 * phi) + _A4 * np.sin(4 * phi) + _A6 * np.sin(6 * phi)
    t = np.tan(beta / 2)
    dlon = np.diff(lon)
    dlon = (dlon + np.pi) % (2 * np.pi) - np.pi
    t1, t2 = t[:-1], t[1:]
    excess = 2 * np.arctan2(np.tan(dlon / 2) * (t1 + t2), 1 + t1 * t2)
    return float(abs(excess.sum()) * AUTHALIC_RADIUS_M**2)


def overlap_ratio(a: BaseGeometry, b: BaseGeometry) -> float:
    """Area of the intersection of `a` and `b` over the smaller of the two areas (0..1)."""
    if not a.intersects(b):
        return 0.0
    shared = geodesic_area_m2(a.intersection(b))
    smaller = min(geodesic_area_m2(a), geodesic_area_m2(b))
    return shared / smaller if smaller > 0 else 0.0


def outside_ratio(part: BaseGeometry, container: BaseGeometry) -> float:
    """Share of `part`'s area lying outside `container` (0..1)."""
    area = geodesic_area_m2(part)
    if area <= 0:
        return 0.0
    return geodesic_area_m2(part.difference(container)) / area


def union(geometries: Sequence[BaseGeometry]) -> BaseGeometry:
    """The union of the geometries (a Polygon when they touch, else a MultiPolygon)."""
    merged: BaseGeometry = shapely.union_all(list(geometries))
    return merged
