"""The track of a patrol day (巡查轨迹): distances, the day's geometry and the noise filter.

- `great_circle_m` / `distance_m` / `distances_to`: haversine on the mean Earth radius
  (IUGG, 6,371,008.8 m), vectorised with numpy; at walking scale the spherical model is within
  0.5% of the ellipsoid, far inside a phone's error.
- `DayGeometry`: what one worker's day is measured against: the grids he served that day (with
  that day's boundaries), every grid of the tenant in force that day, and the key subjects of
  his grids.
- `screen` / `filter_noise`: which fixes the track keeps (`Rejection` says why one is dropped).

Instants inside the fold are integer epoch milliseconds (`to_ms` / `from_ms`): exact to add and
compare, and what the stored day state holds. Coordinates are WGS-84 degrees as the phone sends
them; GeoJSON gives them as [lon, lat].
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Final, NamedTuple

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import shape

from services.patrol_tracking.domain.points import Point
from services.patrol_tracking.domain.settings import TrackRules
from shared.clock import require_aware

EARTH_RADIUS_M: Final = 6_371_008.8
EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_MS: Final = timedelta(milliseconds=1)
# Up to this many polygons a cover is one prepared union (fastest to query, costly to build
# for a whole district); above it an STRtree (cheap to build, fast enough to query).
_UNION_MAX: Final = 16

Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]


def to_ms(moment: datetime) -> int:
    """``moment`` as integer epoch milliseconds (floored: the fold's precision)."""
    return (require_aware(moment, "at") - EPOCH) // _MS


def from_ms(ms: int) -> datetime:
    """Epoch milliseconds back to an aware UTC datetime."""
    return EPOCH + timedelta(milliseconds=ms)


def _haversine(lat1: Floats, lon1: Floats, lat2: Floats, lon2: Floats) -> Floats:
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    dphi = phi2 - phi1
    dlmb = np.radians(lon2) - np.radians(lon1)
    h = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlmb / 2) ** 2
    # Rounding can push h a hair past 1 for antipodal pairs: arcsin would return NaN.
    metres: Floats = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(h, 1.0)))
    return metres


def great_circle_m(lats: npt.ArrayLike, lons: npt.ArrayLike) -> Floats:
    """Distances in metres between consecutive fixes: n fixes give n - 1 distances."""
    lat = np.asarray(lats, dtype=np.float64)
    lon = np.asarray(lons, dtype=np.float64)
    if lat.shape != lon.shape or lat.ndim != 1:
        raise ValueError("lats and lons must be one-dimensional and of the same length")
    return _haversine(lat[:-1], lon[:-1], lat[1:], lon[1:])


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance in metres between two positions."""
    one = _haversine(
        np.asarray([lat1], dtype=np.float64),
        np.asarray([lon1], dtype=np.float64),
        np.asarray([lat2], dtype=np.float64),
        np.asarray([lon2], dtype=np.float64),
    )
    return float(one[0])


def distances_to(
    lats: npt.ArrayLike, lons: npt.ArrayLike, to_lats: npt.ArrayLike, to_lons: npt.ArrayLike
) -> Floats:
    """Metres from every fix (rows) to every target (columns): an n x m matrix."""
    lat = np.asarray(lats, dtype=np.float64)[:, np.newaxis]
    lon = np.asarray(lons, dtype=np.float64)[:, np.newaxis]
    tlat = np.asarray(to_lats, dtype=np.float64)[np.newaxis, :]
    tlon = np.asarray(to_lons, dtype=np.float64)[np.newaxis, :]
    return _haversine(lat, lon, tlat, tlon)


def nearest_within(
    lats: npt.ArrayLike,
    lons: npt.ArrayLike,
    to_lats: npt.ArrayLike,
    to_lons: npt.ArrayLike,
    radius_m: float,
) -> npt.NDArray[np.int64]:
    """Per fix, the index of the nearest target within ``radius_m`` (-1: none; the lower
    index on a tie).

    Only pairs that can be that close get the haversine: the targets sorted by latitude give
    each fix its latitude band by binary search, and a longitude test drops most of the rest.
    A worker's day of 1,440 fixes against 200 subjects costs about a millisecond."""
    lat = np.asarray(lats, dtype=np.float64)
    lon = np.asarray(lons, dtype=np.float64)
    tlat = np.asarray(to_lats, dtype=np.float64)
    tlon = np.asarray(to_lons, dtype=np.float64)
    nearest = np.full(lat.shape, -1, dtype=np.int64)
    if lat.size == 0 or tlat.size == 0:
        return nearest
    # Along a meridian a degree is shortest, so |dlat| bounds the distance from below; across,
    # a degree of longitude shrinks with cos(latitude), taken where it is smallest (+1% slack).
    reach = float(np.degrees(radius_m / EARTH_RADIUS_M)) * 1.01
    widest = min(float(max(np.abs(lat).max(), np.abs(tlat).max())) + reach, 90.0)
    shrink = math.cos(math.radians(widest))
    reach_lon = 360.0 if shrink < 1e-9 else min(reach / shrink, 360.0)
    by_lat = np.argsort(tlat, kind="stable")
    sorted_lat = tlat[by_lat]
    low = np.searchsorted(sorted_lat, lat - reach, side="left")
    counts = np.searchsorted(sorted_lat, lat + reach, side="right") - low
    rows = np.repeat(np.arange(lat.size), counts)
    within_band = np.arange(rows.size) - np.repeat(np.cumsum(counts) - counts, counts)
    cols = by_lat[np.repeat(low, counts) + within_band]
    dlon = np.abs(lon[rows] - tlon[cols])
    near = np.minimum(dlon, 360.0 - dlon) <= reach_lon
    rows, cols = rows[near], cols[near]
    if rows.size == 0:
        return nearest
    metres = _haversine(lat[rows], lon[rows], tlat[cols], tlon[cols])
    inside = metres <= radius_m
    rows, cols, metres = rows[inside], cols[inside], metres[inside]
    # Sorted by fix, then distance, then target: the first pair of each fix is its nearest.
    order = np.lexsort((cols, metres, rows))
    rows, cols = rows[order], cols[order]
    first = np.ones(rows.size, dtype=np.bool_)
    first[1:] = rows[1:] != rows[:-1]
    nearest[rows[first]] = cols[first]
    return nearest


class GridCover:
    """A set of grid polygons that answers "which of these positions lie in one of them"
    for a whole batch at once.

    A position on a grid's boundary counts as inside (`intersects_xy`, not `contains_xy`): a
    worker walking the street that bounds his grid is on his grid. An empty cover contains
    nothing."""

    __slots__ = ("_tree", "_union", "size")

    def __init__(self, geometries: Iterable[Mapping[str, Any]]) -> None:
        polygons = [_polygonal(geometry) for geometry in geometries]
        self.size = len(polygons)
        self._union: shapely.Geometry | None = None
        self._tree: shapely.STRtree | None = None
        if not polygons:
            return
        if len(polygons) <= _UNION_MAX:
            union = shapely.union_all(polygons)
            shapely.prepare(union)
            self._union = union
        else:
            self._tree = shapely.STRtree(polygons)

    def covers(self, lons: npt.ArrayLike, lats: npt.ArrayLike) -> Bools:
        """One flag per position: inside (or on the edge of) one of the grids."""
        x = np.asarray(lons, dtype=np.float64)
        y = np.asarray(lats, dtype=np.float64)
        if self._union is not None:
            return np.asarray(shapely.intersects_xy(self._union, x, y), dtype=np.bool_)
        inside = np.zeros(x.shape, dtype=np.bool_)
        if self._tree is not None and x.size:
            hits = self._tree.query(shapely.points(x, y), predicate="intersects")
            inside[hits[0]] = True
        return inside


def _polygonal(geometry: Mapping[str, Any]) -> shapely.Geometry:
    """A GeoJSON Polygon or MultiPolygon ([lon, lat]) as a valid shapely geometry."""
    if geometry.get("type") not in ("Polygon", "MultiPolygon"):
        raise ValueError("a grid boundary must be a GeoJSON Polygon or MultiPolygon")
    polygon = shape(geometry)
    # The registry validates boundaries; a self-touching ring from an old import must still
    # not make the whole union fail.
    return polygon if polygon.is_valid else shapely.make_valid(polygon)


class KeySubject(NamedTuple):
    """A key subject of the worker's grids where a visit can happen (its category as the
    registry names it: key_person, special_group, care_recipient, hazard_place)."""

    subject_id: str
    category: str
    lon: float
    lat: float


class DayGeometry:
    """What one worker's day is measured against, built once per worker-day (or batch).

    - `own`: the grids the worker served that day, with that day's boundaries;
    - `tenant`: every grid of the tenant in force that day (the worker's own always count);
    - the key subjects of his grids, as arrays for vectorised distances.

    A tenant that has drawn no grid at all has no "outside": `in_tenant` is then true
    everywhere, so a tenant still setting up its map does not lose every point to the filter.
    """

    __slots__ = (
        "own",
        "subject_categories",
        "subject_ids",
        "subject_lats",
        "subject_lons",
        "subjects_digest",
        "tenant",
    )

    def __init__(
        self,
        own_grids: Iterable[Mapping[str, Any]] = (),
        tenant_grids: Iterable[Mapping[str, Any]] | GridCover = (),
        subjects: Iterable[tuple[str, str, float, float]] = (),
    ) -> None:
        self.own = GridCover(own_grids)
        # The tenant's cover is the same for every worker of a day: callers may build it once.
        self.tenant = (
            tenant_grids if isinstance(tenant_grids, GridCover) else GridCover(tenant_grids)
        )
        listed = [KeySubject(*subject) for subject in subjects]
        self.subject_ids: tuple[str, ...] = tuple(s.subject_id for s in listed)
        self.subject_categories: tuple[str, ...] = tuple(s.category for s in listed)
        self.subject_lons: Floats = np.asarray([s.lon for s in listed], dtype=np.float64)
        self.subject_lats: Floats = np.asarray([s.lat for s in listed], dtype=np.float64)
        self.subjects_digest = subjects_digest(listed)

    def in_own(self, lons: npt.ArrayLike, lats: npt.ArrayLike) -> Bools:
        """Inside one of the worker's own grids that day."""
        return self.own.covers(lons, lats)

    def in_tenant(self, lons: npt.ArrayLike, lats: npt.ArrayLike) -> Bools:
        """Inside some grid of the tenant that day (or the tenant has no grid at all)."""
        x = np.asarray(lons, dtype=np.float64)
        if self.tenant.size == 0 and self.own.size == 0:
            return np.ones(x.shape, dtype=np.bool_)
        return self.tenant.covers(x, lats) | self.own.covers(x, lats)


def subjects_digest(subjects: Iterable[tuple[str, str, float, float]]) -> str:
    """A short fingerprint of the key subjects a day was measured against (id, category,
    position; order does not matter): a day whose subjects changed since its fold (a subject
    registered, moved or archived after the points came in) is measured again before its
    verdict. "" for none."""
    rows = sorted(f"{sid}|{category}|{lon!r}|{lat!r}" for sid, category, lon, lat in subjects)
    if not rows:
        return ""
    return hashlib.blake2b("\n".join(rows).encode(), digest_size=8).hexdigest()


class Rejection(StrEnum):
    """Why a fix is noise, in the order the checks run.

    - `inaccurate`: the phone's own accuracy is worse than the tenant allows;
    - `outside_grids`: in no grid of the tenant that day;
    - `duplicate`: at or before the last accepted fix (a repeat or a stale fix);
    - `jump`: reached from the last accepted fix faster than the tenant's speed limit.

    The first two depend on the fix alone; the last two on the last *accepted* fix, so one
    wild fix is dropped and the walk after it is measured from where the worker really was.
    """

    INACCURATE = "inaccurate"
    OUTSIDE_GRIDS = "outside_grids"
    DUPLICATE = "duplicate"
    JUMP = "jump"


@dataclass(frozen=True, slots=True)
class Fix:
    """An accepted fix as the fold remembers it (instant in epoch milliseconds)."""

    at_ms: int
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class Rejected:
    point: Point
    reason: Rejection


@dataclass(frozen=True, slots=True)
class Filtered:
    """A sequence of points split into the track (`accepted`, in order) and the noise."""

    accepted: tuple[Point, ...]
    rejected: tuple[Rejected, ...]


def static_reasons(
    lats: Floats, lons: Floats, accuracy_m: Floats, geometry: DayGeometry, rules: TrackRules
) -> list[Rejection | None]:
    """The checks that need no other fix: accuracy first, then the tenant's grids."""
    inaccurate = accuracy_m > rules.max_accuracy_m
    outside = ~geometry.in_tenant(lons, lats)
    return [
        Rejection.INACCURATE if bad else Rejection.OUTSIDE_GRIDS if out else None
        for bad, out in zip(inaccurate.tolist(), outside.tolist(), strict=True)
    ]


def chain_reasons(
    at_ms: npt.NDArray[np.int64],
    lats: Floats,
    lons: Floats,
    rules: TrackRules,
    previous: Fix | None,
) -> list[Rejection | None]:
    """Duplicate and jump checks of time-ordered candidate fixes against the last accepted one.

    The distances between consecutive candidates are computed once, vectorised; a rejected
    candidate costs one more distance (from the last accepted fix to the candidate after it).
    """
    n = at_ms.size
    reasons: list[Rejection | None] = [None] * n
    if n == 0:
        return reasons
    steps = great_circle_m(lats, lons)
    gaps_s = np.diff(at_ms).astype(np.float64) / 1000.0
    bad = (gaps_s <= 0) | (steps > rules.max_speed_mps * np.maximum(gaps_s, 1e-300))
    # bad[k] judges candidate k + 1 against candidate k: valid while candidate k is accepted.
    last = previous
    i = 0
    while i < n:
        if last is not None:
            reason = _against(last, int(at_ms[i]), float(lats[i]), float(lons[i]), rules)
            if reason is not None:
                reasons[i] = reason
                i += 1
                continue
        # Candidate i is accepted; so are the following ones up to the next bad step.
        rest = bad[i:]
        stop = n if not rest.any() else i + 1 + int(np.argmax(rest))
        end = stop - 1
        last = Fix(int(at_ms[end]), float(lats[end]), float(lons[end]))
        if stop < n:
            reasons[stop] = Rejection.DUPLICATE if gaps_s[stop - 1] <= 0 else Rejection.JUMP
        i = stop + 1
    return reasons


def _against(last: Fix, at_ms: int, lat: float, lon: float, rules: TrackRules) -> Rejection | None:
    elapsed_s = (at_ms - last.at_ms) / 1000.0
    if elapsed_s <= 0:
        return Rejection.DUPLICATE
    if distance_m(last.lat, last.lon, lat, lon) > rules.max_speed_mps * elapsed_s:
        return Rejection.JUMP
    return None


def screen(
    points: Sequence[Point],
    geometry: DayGeometry,
    rules: TrackRules,
    previous: Fix | None = None,
) -> list[Rejection | None]:
    """One reason per point (None: accepted) for time-ordered ``points`` following the
    accepted fix ``previous`` (None at the start of a day)."""
    at_ms = np.asarray([to_ms(p.at) for p in points], dtype=np.int64)
    lats = np.asarray([p.lat for p in points], dtype=np.float64)
    lons = np.asarray([p.lon for p in points], dtype=np.float64)
    accuracy = np.asarray([p.accuracy_m for p in points], dtype=np.float64)
    reasons = static_reasons(lats, lons, accuracy, geometry, rules)
    kept = np.asarray([r is None for r in reasons], dtype=np.bool_)
    chained = chain_reasons(at_ms[kept], lats[kept], lons[kept], rules, previous)
    for index, reason in zip(np.flatnonzero(kept).tolist(), chained, strict=True):
        reasons[index] = reason
    return reasons


def filter_noise(
    points: Sequence[Point],
    geometry: DayGeometry,
    rules: TrackRules,
    previous: Fix | None = None,
) -> Filtered:
    """The time-ordered ``points`` split into the accepted track and the rejected noise."""
    reasons = screen(points, geometry, rules, previous)
    return Filtered(
        accepted=tuple(p for p, r in zip(points, reasons, strict=True) if r is None),
        rejected=tuple(
            Rejected(p, r) for p, r in zip(points, reasons, strict=True) if r is not None
        ),
    )
