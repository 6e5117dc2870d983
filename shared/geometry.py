"""Point-in-grid: which of a tenant's grids contains a (lon, lat) position.

Shared because two services answer it from their own data: grid_registry from its grids,
event_intake from its read model of the registry's events (services never import each other).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

_NONE = np.iinfo(np.int64).max


class GridLocator:
    """An STRtree over the tenant's active grid polygons, immutable once built.

    Built from ``(grid_id, polygon)`` pairs in priority order (the use case passes them sorted
    by grid code): a point on a border shared by several grids goes to the first of them, i.e.
    the lowest code, so every process and every call answers the same grid. Points on a
    boundary count as inside (`intersects`, not `contains`), so no border point is lost.
    """

    __slots__ = ("_grid_ids", "_polygons", "_tree")

    def __init__(self, entries: Sequence[tuple[str, BaseGeometry]]) -> None:
        self._grid_ids = [grid_id for grid_id, _ in entries]
        self._polygons = np.array([polygon for _, polygon in entries], dtype=object)
        shapely.prepare(self._polygons)
        self._tree = shapely.STRtree(self._polygons)

    def __len__(self) -> int:
        return len(self._grid_ids)

    def locate(self, lon: float, lat: float) -> str | None:
        """The grid containing the point (lowest code on a shared border), or None."""
        if not self._grid_ids:
            return None
        hits = self._tree.query(shapely.Point(lon, lat), predicate="intersects")
        if len(hits) == 0:
            return None
        return self._grid_ids[int(hits.min())]

    def locate_many(
        self, lons: Sequence[float] | np.ndarray, lats: Sequence[float] | np.ndarray
    ) -> list[str | None]:
        """`locate` for many points at once (vectorized), in the order given."""
        x = np.asarray(lons, dtype=float)
        y = np.asarray(lats, dtype=float)
        if x.shape != y.shape or x.ndim != 1:
            raise ValueError("lons and lats must be flat sequences of the same length")
        if not self._grid_ids or x.size == 0:
            return [None] * int(x.size)
        best = self.locate_indices(x, y)
        return [None if index == _NONE else self._grid_ids[index] for index in best.tolist()]

    def locate_indices(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """For each point, the index of its grid in build order (int64 max when none)."""
        points = shapely.points(x, y)
        # Bounding-box candidates from the tree, then one vectorized exact test on the
        # prepared polygons: faster than a predicate query on unprepared points.
        point_index, tree_index = self._tree.query(points)
        inside = shapely.intersects_xy(self._polygons[tree_index], x[point_index], y[point_index])
        best = np.full(x.size, _NONE, dtype=np.int64)
        np.minimum.at(best, point_index[inside], tree_index[inside])
        return best

    @property
    def grid_ids(self) -> list[str]:
        return list(self._grid_ids)
