"""Benchmark: point-in-grid over 500 realistic grids, 100,000 random points.

The grids tile a township-size area (about 9.5 km x 8.9 km) near 31.7N 120.1E in a 25 x 20
lattice with jittered corners; every shared border is a jittered polyline (both neighbours use
the same one), so each polygon has 20-60 vertices, like digitised grid boundaries.

Goal: at least 50,000 look-ups/s for 500 grids; the vectorized `locate_many` must meet it,
`locate` (one point per call, as GET /grids/locate does) is reported too. The raw baseline is a
bare shapely STRtree bounding-box query plus `contains_xy`, written inline here. Prints rates
and ratios; it never asserts on time.

    .venv/bin/python -m bench.bench_point_in_grid [--columns 25] [--rows 20] [--points 100000]
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

import numpy as np
import shapely

from shared.geometry import GridLocator

GOAL_PER_SECOND = 50_000
WEST, SOUTH = 120.05, 31.66
WIDTH, HEIGHT = 0.10, 0.08


def _edge(start: Any, end: Any, count: int, rng: np.random.Generator) -> list[Any]:
    """`count` jittered points strictly between two corners (sideways by <= 8% of the edge)."""
    direction = end - start
    normal = np.array([-direction[1], direction[0]])
    steps = np.sort(rng.uniform(0.08, 0.92, count))
    offsets = rng.uniform(-0.08, 0.08, count)
    return [start + t * direction + o * normal for t, o in zip(steps, offsets, strict=True)]


def build_grids(columns: int, rows: int, seed: int = 2026) -> list[tuple[str, Any]]:
    """`columns` x `rows` polygons tiling the area, in code order."""
    rng = np.random.default_rng(seed)
    dx, dy = WIDTH / columns, HEIGHT / rows
    xs = WEST + dx * np.arange(columns + 1)
    ys = SOUTH + dy * np.arange(rows + 1)
    nodes = np.stack(np.meshgrid(xs, ys, indexing="ij"), axis=-1)
    nodes[1:-1, 1:-1, 0] += rng.uniform(-0.15, 0.15, (columns - 1, rows - 1)) * dx
    nodes[1:-1, 1:-1, 1] += rng.uniform(-0.15, 0.15, (columns - 1, rows - 1)) * dy
    # One polyline per lattice edge, shared by the two cells on either side of it.
    horizontal = {
        (i, j): _edge(nodes[i, j], nodes[i + 1, j], int(rng.integers(4, 14)), rng)
        for i in range(columns)
        for j in range(rows + 1)
    }
    vertical = {
        (i, j): _edge(nodes[i, j], nodes[i, j + 1], int(rng.integers(4, 14)), rng)
        for i in range(columns + 1)
        for j in range(rows)
    }
    grids = []
    for i in range(columns):
        for j in range(rows):
            ring = [
                nodes[i, j],
                *horizontal[(i, j)],
                nodes[i + 1, j],
                *vertical[(i + 1, j)],
                nodes[i + 1, j + 1],
                *reversed(horizontal[(i, j + 1)]),
                nodes[i, j + 1],
                *reversed(vertical[(i, j)]),
            ]
            grids.append((f"G{i:02d}{j:02d}", shapely.Polygon(ring)))
    return grids


def _rate(count: int, seconds: float) -> str:
    return f"{count / seconds:>12,.0f} look-ups/s"


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark; ``python -m bench`` calls it with no arguments."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--columns", type=int, default=25)
    parser.add_argument("--rows", type=int, default=20)
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv if argv is not None else [])

    grids = build_grids(args.columns, args.rows)
    vertices = [len(polygon.exterior.coords) - 1 for _, polygon in grids]
    valid = sum(bool(polygon.is_valid) for _, polygon in grids)
    rng = np.random.default_rng(7)
    # 2% margin around the area, so some points fall in no grid.
    lons = rng.uniform(WEST - 0.002, WEST + WIDTH + 0.002, args.points)
    lats = rng.uniform(SOUTH - 0.002, SOUTH + HEIGHT + 0.002, args.points)

    started = time.perf_counter()
    locator = GridLocator(grids)
    build_seconds = time.perf_counter() - started

    # Raw baseline: a bare tree query and contains_xy, the first hit per point.
    polygons = np.array([polygon for _, polygon in grids], dtype=object)
    raw_tree = shapely.STRtree(polygons)
    shapely.prepare(polygons)

    def raw() -> Any:
        point_index, tree_index = raw_tree.query(shapely.points(lons, lats))
        inside = shapely.contains_xy(polygons[tree_index], lons[point_index], lats[point_index])
        best = np.full(lons.size, -1)
        best[point_index[inside][::-1]] = tree_index[inside][::-1]
        return best

    def best_of(run: Any) -> tuple[float, Any]:
        fastest, result = float("inf"), None
        for _ in range(args.repeat):
            began = time.perf_counter()
            result = run()
            fastest = min(fastest, time.perf_counter() - began)
        return fastest, result

    raw_seconds, raw_result = best_of(raw)
    many_seconds, many_result = best_of(lambda: locator.locate_many(lons, lats))
    one_count = min(args.points, 20_000)
    one_lons, one_lats = lons[:one_count].tolist(), lats[:one_count].tolist()
    one_seconds, one_result = best_of(
        lambda: [locator.locate(x, y) for x, y in zip(one_lons, one_lats, strict=True)]
    )

    ids = [grid_id for grid_id, _ in grids]
    raw_ids = [None if index < 0 else ids[index] for index in raw_result.tolist()]
    agree = sum(a == b for a, b in zip(raw_ids, many_result, strict=True)) / args.points
    found = sum(grid_id is not None for grid_id in many_result) / args.points
    print(
        f"grids: {len(grids)} ({valid} valid), vertices per grid {min(vertices)}-{max(vertices)}"
        f" (mean {np.mean(vertices):.0f}); points: {args.points:,} ({found:.1%} inside a grid)"
    )
    print(f"locator build: {build_seconds * 1000:.1f} ms")
    print(f"raw baseline (STRtree + contains_xy): {_rate(args.points, raw_seconds)}")
    print(
        f"locate_many (vectorized):             {_rate(args.points, many_seconds)}"
        f"  ratio to raw {raw_seconds / many_seconds:.2f}"
    )
    print(
        f"locate (one by one, {one_count:,} points):  {_rate(one_count, one_seconds)}"
        f"  ratio to raw {(raw_seconds / args.points) / (one_seconds / one_count):.2f}"
    )
    print(f"locate == locate_many on the same points: {one_result == many_result[:one_count]}")
    print(f"locate_many == raw baseline: {agree:.4%} of points (borders: lowest code wins)")
    print(f"load average while measuring: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    for name, seconds, count in (
        ("locate_many", many_seconds, args.points),
        ("locate", one_seconds, one_count),
    ):
        rate = count / seconds
        verdict = "meets" if rate >= GOAL_PER_SECOND else "BELOW"
        print(f"goal {GOAL_PER_SECOND:,}/s: {name} {verdict} it ({rate / GOAL_PER_SECOND:.1f}x)")


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
