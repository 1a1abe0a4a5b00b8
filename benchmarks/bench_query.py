"""Benchmark: "which points lie within 20 km of the Tajik–Afghan border?"

Runs geomap's geodesic ``within_distance`` and the bare shapely answer side by side, in the same
process, on 10k, 100k and 1M synthetic points drawn uniformly in Tajikistan's bounding box:

* **geomap** - ``within_distance(points, "tajik_afghan_border", 20_000)``: geodesic (WGS84)
  distances for every match, with the ``distance_m`` column;
* **bare** - what a careful analyst would write by hand: project the points to UTM zone 42N
  (EPSG:32642) with pyproj, build ``shapely.STRtree`` and ``query(border, predicate="dwithin",
  distance=20_000)``. No distances, and planar in a zone that only covers 66°E-72°E.
  ``bare query`` is the tree build and query alone, on points projected beforehand.

Every time is the best of ``--repeats`` runs. The points on which the two answers disagree are
checked against brute-force ``pyproj.Geod`` distances to the densely sampled border.

Usage::

    python benchmarks/bench_query.py [--sizes 10000 100000 1000000] [--repeats 3] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from geomap import catalog
from geomap.query import within_distance

GEOD = pyproj.Geod(ellps="WGS84")
DISTANCE_M = 20_000.0
FALLBACK_BBOX = (67.34, 36.67, 75.15, 41.04)  # Tajikistan, lon/lat


def tajikistan_bbox() -> tuple[float, float, float, float]:
    if "countries" in catalog.layer_names():
        countries = catalog.read_layer("countries")
        if "iso_a2" in countries.columns and (countries["iso_a2"] == "TJ").any():
            return tuple(countries[countries["iso_a2"] == "TJ"].total_bounds)
    return FALLBACK_BBOX


def synthetic_points(n: int, bbox, seed: int = 0) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    west, south, east, north = bbox
    lon, lat = rng.uniform(west, east, n), rng.uniform(south, north, n)
    return gpd.GeoDataFrame({"event": np.arange(n)}, geometry=gpd.points_from_xy(lon, lat),
                            crs="EPSG:4326")


def best_of(repeats: int, func, *args):
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = func(*args)
        times.append(time.perf_counter() - start)
    return min(times), result


def bare(points: gpd.GeoDataFrame, border_utm: shapely.Geometry, to_utm) -> np.ndarray:
    x, y = to_utm.transform(points.geometry.x.to_numpy(), points.geometry.y.to_numpy())
    tree = shapely.STRtree(shapely.points(x, y))
    return tree.query(border_utm, predicate="dwithin", distance=DISTANCE_M)


def bare_query(points_utm: np.ndarray, border_utm: shapely.Geometry) -> np.ndarray:
    tree = shapely.STRtree(points_utm)
    return tree.query(border_utm, predicate="dwithin", distance=DISTANCE_M)


def brute_geodesic(lon: np.ndarray, lat: np.ndarray, border: shapely.Geometry) -> np.ndarray:
    """Geodesic distance of each point to the border sampled every 50 m."""
    samples = []
    for line in shapely.get_parts(border):
        coords = np.asarray(line.coords)
        for (x0, y0), (x1, y1) in zip(coords[:-1], coords[1:], strict=True):
            _, _, length = GEOD.inv(x0, y0, x1, y1)
            samples.append((x0, y0))
            if length > 50:
                samples += GEOD.npts(x0, y0, x1, y1, int(length // 50))
        samples.append(tuple(coords[-1]))
    s = np.asarray(samples)
    out = np.empty(len(lon))
    for i, (x, y) in enumerate(zip(lon, lat, strict=True)):
        _, _, d = GEOD.inv(np.full(len(s), x), np.full(len(s), y), s[:, 0], s[:, 1])
        out[i] = d.min()
    return out


def run(sizes: list[int], repeats: int) -> dict:
    border_gdf = catalog.read_layer("tajik_afghan_border")
    border = shapely.union_all(border_gdf.geometry.array)
    to_utm = pyproj.Transformer.from_crs(4326, 32642, always_xy=True)
    border_utm = shapely.transform(
        border, lambda c: np.column_stack(to_utm.transform(c[:, 0], c[:, 1]))
    )
    bbox = tajikistan_bbox()
    rows = []
    for n in sizes:
        points = synthetic_points(n, bbox)
        x, y = to_utm.transform(points.geometry.x.to_numpy(), points.geometry.y.to_numpy())
        points_utm = shapely.points(x, y)
        t_geomap, found = best_of(repeats, within_distance, points, border_gdf, DISTANCE_M)
        t_bare, hits = best_of(repeats, bare, points, border_utm, to_utm)
        t_query, _ = best_of(repeats, bare_query, points_utm, border_utm)
        ours, theirs = set(found.index), set(points.index[hits])
        differ = np.array(sorted(ours ^ theirs), dtype=np.int64)
        checked = differ[:2000]
        geo = brute_geodesic(points.geometry.x.to_numpy()[checked],
                             points.geometry.y.to_numpy()[checked], border)
        geomap_right = int(sum((i in ours) == (d <= DISTANCE_M)
                               for i, d in zip(checked, geo, strict=True)))
        rows.append({
            "points": n,
            "matches_geomap": len(ours),
            "matches_bare": len(theirs),
            "disagree": int(len(differ)),
            "disagree_checked": int(len(checked)),
            "geomap_right_of_checked": geomap_right,
            "geomap_s": round(t_geomap, 3),
            "bare_s": round(t_bare, 3),
            "bare_query_s": round(t_query, 3),
            "ratio_vs_bare": round(t_geomap / t_bare, 2),
            "ratio_vs_bare_query": round(t_geomap / t_query, 2),
        })
        print_row(rows[-1])
    return {
        "question": "points within 20 km of the Tajik-Afghan border",
        "bbox": [round(v, 4) for v in bbox],
        "repeats": repeats,
        "machine": f"{platform.machine()}, {platform.python_implementation()} "
                   f"{platform.python_version()}, shapely {shapely.__version__} "
                   f"(GEOS {shapely.geos_version_string}), pyproj {pyproj.__version__}",
        "rows": rows,
    }


HEADER = ("| points | geomap (geodesic) | bare: project + STRtree | geomap / bare | "
          "bare: STRtree only | geomap / STRtree only | matches geomap / bare | "
          "disagreements: geomap right |")


def print_row(row: dict) -> None:
    print(f"| {row['points']:,} | {row['geomap_s']:.3f} s | {row['bare_s']:.3f} s | "
          f"{row['ratio_vs_bare']:.2f}x | {row['bare_query_s']:.3f} s | "
          f"{row['ratio_vs_bare_query']:.2f}x | "
          f"{row['matches_geomap']:,} / {row['matches_bare']:,} | "
          f"{row['geomap_right_of_checked']} of {row['disagree_checked']} checked "
          f"({row['disagree']} differ) |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args()
    print(HEADER)
    print("|" + "---|" * 8)
    report = run(args.sizes, args.repeats)
    print(report["machine"])
    if args.json:
        with open(args.json, "w", encoding="utf-8") as stream:
            json.dump(report, stream, indent=2)


if __name__ == "__main__":
    main()
