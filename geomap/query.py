"""Geodesic spatial queries: distances, nearest features, intersections, clipping and measures.

Every distance, length and area is measured on the WGS84 ellipsoid with :class:`pyproj.Geod`;
nothing is computed in degrees.

How a distance query works
--------------------------
The target is densified so that no edge is longer than 5 km (new vertices lie on the geodesic
between the old ones) and projected, with the candidates, to an azimuthal equidistant (AEQD)
projection centred on the target. In AEQD, distances from the centre are exact and the sideways
scale at radius ``r`` is ``(r/R) / sin(r/R)`` >= 1, so projected distances overstate geodesic ones
by at most that factor; every search margin below is widened by it.

1. For ``within_distance``, a longitude/latitude box and then a grid of cells drop the points
   that cannot be near the target before anything is projected: each occupied cell's centre is
   measured once, and the triangle inequality rules out a whole cell at a time.
2. Each target feature is *prepared* (GEOS indexes its edges) and ``shapely.shortest_line``
   gives, for all remaining candidates at once, the nearest pair of points in the projection
   (zero length where they meet).
3. Both ends go back to longitude/latitude and ``Geod.inv`` measures them. The projection only
   moves the nearest point *along* the feature, where the distance is flat, so the error is
   second order (the tests compare with brute-force ``Geod`` sampling to 0.1 %). Between target
   features, every one that could be nearest within the distortion bound is measured
   geodesically. Within one feature, two branches equally far to within the distortion factor
   could be confused; the result is then a true distance to the feature that overstates the
   minimum by at most that factor (under 0.1 % within about 490 km of the target's centre).

Uncertain locations
-------------------
A feature's ``coordinate_uncertainty_m`` (``u``) is the radius within which its real site is
believed to lie; the target is taken as drawn. By the triangle inequality the real distance lies
in ``[max(distance_m - u, 0), distance_m + u]``. ``within_distance(..., uncertainty=...)`` reads
a feature as *certainly* within ``d`` when ``distance_m + u <= d`` and *possibly* within when
``distance_m - u <= d`` (searching ``d`` plus the partition's largest ``u``), and labels every row
in a ``within`` column: ``"certain"``, ``"possible"`` or ``"unknown"`` (no usable ``u``: missing,
negative or not a number). ``nearest`` adds ``distance_min_m`` / ``distance_max_m``; ``inside``
labels a feature ``"certain"`` when it reaches at least ``u`` past the region's edge. A frame with
no ``coordinate_uncertainty_m`` column at all reads as ``"unknown"`` everywhere; asking it for
``"certain"`` or ``"possible"`` answers is a :class:`QueryError` (add the column, 0 for exact
sites, or use ``"point"``).

Nothing loops over the input rows: a target of up to 16 features gets one vectorised pass per
prepared feature, a larger one is paired with the inputs through an ``STRtree`` of its features
(``query_nearest`` / ``query(predicate="dwithin")``), so a million input points take a handful
of vectorised calls. ``measure`` sums
``Geod.inv`` over all edges at once for lengths and uses ``Geod.geometry_area_perimeter`` for
areas. Every function also runs over partitioned GeoParquet with ``engine="dask"``
(dask-geopandas ``map_partitions``; the prepared target travels to every partition).
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import shapely
from pyproj import Geod, Transformer

from geomap.errors import LayerReadError, QueryError
from geomap.readers import choose_layer

if TYPE_CHECKING:
    import geopandas

__all__ = [
    "UNCERTAINTY_MODES",
    "UNITS",
    "as_layer",
    "densify",
    "inside",
    "intersecting",
    "measure",
    "nearest",
    "parse_distance",
    "within_distance",
]

Engine = Literal["local", "dask"]
Uncertainty = Literal["point", "certain", "possible"]

#: Values of ``within_distance(..., uncertainty=...)`` and ``--uncertainty``.
UNCERTAINTY_MODES: tuple[str, ...] = ("point", "certain", "possible")
_UNCERTAINTY = "coordinate_uncertainty_m"

#: Distance units accepted by :func:`parse_distance`, in metres.
UNITS: dict[str, float] = {
    "m": 1.0,
    "meter": 1.0,
    "meters": 1.0,
    "metre": 1.0,
    "metres": 1.0,
    "km": 1000.0,
    "kilometer": 1000.0,
    "kilometers": 1000.0,
    "kilometre": 1000.0,
    "kilometres": 1000.0,
    "mi": 1609.344,
    "mile": 1609.344,
    "miles": 1609.344,
    "nmi": 1852.0,
    "ft": 0.3048,
    "feet": 0.3048,
}

GEOD = Geod(ellps="WGS84")
_R = 6_371_008.8  # mean Earth radius (m), only used to bound projection distortion
_MAX_EDGE_M = 5_000.0  # longest edge left after geodesic densification
#: Targets with more features than this are searched through an STRtree of the features
#: instead of one vectorised pass per prepared feature.
_LOOP_MAX_FEATURES = 16
_DISTANCE = re.compile(
    r"^\s*([-+]?[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:e([+-]?[0-9]+))?\s*([a-zA-Z]*)\s*$"
)
_LONLAT = re.compile(r"^\s*([-+]?[0-9]*\.?[0-9]+)\s*,\s*([-+]?[0-9]*\.?[0-9]+)\s*$")
_PARQUET = {".parquet", ".geoparquet", ".pq"}


# --------------------------------------------------------------------------- inputs


def parse_distance(value: float | int | str) -> float:
    """Return a distance in metres from a number (metres) or a string with a unit.

    Parameters
    ----------
    value
        ``20000``, ``"20km"``, ``"500 m"``, ``"12 mi"``, ``"3 nmi"``; a bare number means metres.

    Raises
    ------
    QueryError
        For negative, non-finite or unparseable values and unknown units.

    Examples
    --------
    >>> parse_distance("20km")
    20000.0
    >>> parse_distance("12 mi")
    19312.128
    """
    if isinstance(value, bool):
        raise QueryError(f"bad distance {value!r}: expected metres or a string like '20km'")
    if isinstance(value, int | float | np.integer | np.floating):
        metres = float(value)
    elif isinstance(value, str):
        match = _DISTANCE.match(value)
        unit = match.group(3).lower() if match else ""
        if not match or unit not in UNITS and unit != "":
            units = ", ".join(sorted({"m", "km", "mi", "nmi", "ft"}))
            raise QueryError(
                f"bad distance {value!r}: expected a number with an optional unit ({units}), "
                "e.g. '20km' or '500 m'"
            )
        number = float(match.group(1) + (f"e{match.group(2)}" if match.group(2) else ""))
        metres = number * UNITS.get(unit, 1.0)
    else:
        raise QueryError(f"bad distance {value!r}: expected metres or a string like '20km'")
    if not math.isfinite(metres) or metres < 0:
        raise QueryError(f"bad distance {value!r}: must be a finite, non-negative length")
    return metres


def _label(obj: Any) -> str:
    if isinstance(obj, str | Path):
        return str(obj)
    if isinstance(obj, tuple | list):
        return ",".join(f"{v:g}" for v in obj)
    name = getattr(obj, "attrs", {}).get("layer") if hasattr(obj, "attrs") else None
    return name or type(obj).__name__


def _point_frame(lon: float, lat: float, label: str) -> geopandas.GeoDataFrame:
    import geopandas

    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise QueryError(f"{label}: not a lon,lat point (longitude -180..180, latitude -90..90)")
    gdf = geopandas.GeoDataFrame(
        {"id": [label], "name": [label]}, geometry=[shapely.Point(lon, lat)], crs="EPSG:4326"
    )
    gdf.attrs["layer"] = label
    return gdf


def _read_parquet_folder(path: Path) -> geopandas.GeoDataFrame:
    """Read a partitioned GeoParquet folder (or a ``.pq`` file) as :func:`read_file` would."""
    import geopandas

    from geomap.readers import read_parquet_notes, restore_columns

    try:
        gdf = geopandas.read_parquet(path)
    except Exception as exc:  # pyarrow and geopandas raise many unrelated types
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise LayerReadError(f"{path}: cannot read as GeoParquet ({message})") from None
    if gdf.crs is None:
        raise LayerReadError(f"{path}: has no CRS; geomap needs to know where the coordinates are")
    return restore_columns(gdf, read_parquet_notes(path), path=path).to_crs(4326)


def as_layer(obj: Any, *, role: str = "layer", layer: str | None = None
             ) -> geopandas.GeoDataFrame:
    """Return ``obj`` as a GeoDataFrame in EPSG:4326.

    Parameters
    ----------
    obj
        A GeoDataFrame or GeoSeries, a shapely geometry, a ``(lon, lat)`` pair, a ``"lon,lat"``
        string, a path to a layer file (any format :func:`geomap.read_file` reads, or a
        partitioned GeoParquet folder) or the name of a curated layer. One layer of a file that
        holds several is written ``"FILE|layername=NAME"``, or named with ``layer``.
    role
        What ``obj`` is for, used in error messages.
    layer
        The layer to read when ``obj`` is a file that holds several (GeoPackage, KML, zip);
        ignored for anything that is not a file.

    Raises
    ------
    LayerNotFoundError
        For an unknown layer name (the message suggests close names).
    LayerReadError
        For a file that cannot be read as a layer.
    QueryError
        For a GeoDataFrame without CRS or a point outside longitude/latitude range.
    """
    import geopandas

    if isinstance(obj, geopandas.GeoDataFrame):
        if obj.crs is None:
            raise QueryError(f"{role}: GeoDataFrame has no CRS; set one, e.g. gdf.set_crs(4326)")
        gdf = obj if obj.crs.equals("EPSG:4326") else obj.to_crs(4326)
        return gdf
    if isinstance(obj, geopandas.GeoSeries):
        return as_layer(geopandas.GeoDataFrame(geometry=obj), role=role)
    if isinstance(obj, shapely.Geometry):
        return geopandas.GeoDataFrame(geometry=[obj], crs="EPSG:4326")
    if isinstance(obj, tuple | list) and len(obj) == 2:
        try:
            lon, lat = float(obj[0]), float(obj[1])
        except (TypeError, ValueError):
            raise QueryError(f"{role}: {obj!r} is not a (lon, lat) pair") from None
        return _point_frame(lon, lat, _label(obj))
    if isinstance(obj, str) and (match := _LONLAT.match(obj)):
        return _point_frame(float(match.group(1)), float(match.group(2)), obj.strip())
    if isinstance(obj, str | Path):
        path = Path(obj)
        if path.is_dir() or path.suffix.lower() == ".pq":
            if not path.exists():
                raise LayerReadError(f"{path}: no such file")
            return _read_parquet_folder(path)
        if path.exists() or isinstance(obj, Path) or "/" in str(obj) or path.suffix:
            from geomap.readers import read_file

            gdf = read_file(path, layer=layer)
            gdf.attrs.setdefault("layer", str(obj) if layer is None else f"{obj}|layername={layer}")
            return gdf
        from geomap.catalog import read_layer

        return read_layer(str(obj))
    raise QueryError(
        f"{role}: cannot use a {type(obj).__name__} as a layer; give a GeoDataFrame, a layer name, "
        "a file or a lon,lat point"
    )


def _require_geometry(gdf: geopandas.GeoDataFrame, label: str) -> None:
    geoms = np.asarray(gdf.geometry.array, dtype=object) if len(gdf) else np.array([])
    if len(geoms) == 0 or bool(np.all(shapely.is_missing(geoms) | shapely.is_empty(geoms))):
        raise QueryError(f"{label}: has no geometry to query against")


# --------------------------------------------------------------------------- geometry helpers


@cache
def _transformers(lon0: float, lat0: float) -> tuple[Transformer, Transformer]:
    proj = f"+proj=aeqd +lat_0={lat0:.6f} +lon_0={lon0:.6f} +datum=WGS84 +units=m +no_defs"
    forward = Transformer.from_crs("EPSG:4326", proj, always_xy=True)
    inverse = Transformer.from_crs(proj, "EPSG:4326", always_xy=True)
    return forward, inverse


def _project(geoms: np.ndarray, transformer: Transformer) -> np.ndarray:
    def apply(coords: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geoms, apply)


def _densify_coords(coords: np.ndarray, max_m: float) -> np.ndarray:
    lon, lat = coords[:, 0], coords[:, 1]
    _, _, dist = GEOD.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
    long_edges = np.flatnonzero(dist > max_m)
    if long_edges.size == 0:
        return coords[:, :2]
    pieces, start = [], 0
    for i in long_edges:  # loops over long edges of one geometry, not over features
        pieces.append(coords[start : i + 1, :2])
        extra = GEOD.npts(lon[i], lat[i], lon[i + 1], lat[i + 1], int(dist[i] // max_m))
        pieces.append(np.asarray(extra, dtype=float).reshape(-1, 2))
        start = i + 1
    pieces.append(coords[start:, :2])
    return np.vstack(pieces)


def _densify_one(geom: shapely.Geometry, max_m: float) -> shapely.Geometry:
    kind = geom.geom_type
    if kind in {"Point", "MultiPoint"} or geom.is_empty:
        return geom
    if kind == "LineString":
        return shapely.LineString(_densify_coords(np.asarray(geom.coords), max_m))
    if kind == "LinearRing":
        return shapely.LinearRing(_densify_coords(np.asarray(geom.coords), max_m))
    if kind == "Polygon":
        return shapely.Polygon(
            _densify_coords(np.asarray(geom.exterior.coords), max_m),
            [_densify_coords(np.asarray(ring.coords), max_m) for ring in geom.interiors],
        )
    return type(geom)([_densify_one(part, max_m) for part in geom.geoms])


def densify(geoms: np.ndarray, max_m: float = _MAX_EDGE_M) -> np.ndarray:
    """Return ``geoms`` (lon/lat) with geodesic vertices added so no edge exceeds ``max_m``.

    Only geometries that have a long edge are rebuilt; points pass through untouched.
    """
    geoms = np.asarray(geoms, dtype=object)
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    if len(coords) < 2:
        return geoms
    same = index[:-1] == index[1:]
    # Longitude/latitude span is a cheap upper bound screen: 1 degree < 112 km.
    span = np.hypot(np.diff(coords[:, 0]), np.diff(coords[:, 1])) * 112_000.0
    flagged = np.unique(index[:-1][same & (span > max_m)])
    if flagged.size == 0:
        return geoms
    out = geoms.copy()
    for i in flagged:  # only geometries with an edge longer than max_m
        out[i] = _densify_one(geoms[i], max_m)
    return out


def _eps(rho: np.ndarray | float) -> np.ndarray:
    """Bound the relative overstatement of distances by the AEQD projection at radius ``rho``."""
    a = np.clip(np.asarray(rho, dtype=float) / _R, 1e-9, 3.0)
    return 1.5 * (a / np.sin(a) - 1.0) + 1e-6


def _valid(geoms: np.ndarray) -> np.ndarray:
    return ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))


@dataclass
class _Target:
    """A target layer prepared for distance queries: densified, projected, labelled."""

    geoms: np.ndarray  # densified and projected, one per usable target feature
    ids: np.ndarray  # label of each feature (its id, else name, else index)
    names: np.ndarray | None
    lon0: float
    lat0: float
    rho: float  # largest distance of a target vertex from the projection centre (m)
    bounds: tuple[float, float, float, float]  # lon/lat bounds of the target

    @property
    def forward(self) -> Transformer:
        return _transformers(self.lon0, self.lat0)[0]

    @property
    def inverse(self) -> Transformer:
        return _transformers(self.lon0, self.lat0)[1]


def _feature_ids(gdf: geopandas.GeoDataFrame) -> np.ndarray:
    for column in ("id", "name"):
        if column in gdf.columns:
            return gdf[column].astype(object).to_numpy()
    return gdf.index.to_numpy(dtype=object)


def _build_target(target: Any, role: str) -> _Target:
    gdf = as_layer(target, role=role)
    label = gdf.attrs.get("layer") or (_label(target) if isinstance(target, str | Path) else role)
    _require_geometry(gdf, label)
    geoms = shapely.force_2d(np.asarray(gdf.geometry.array, dtype=object))
    keep = _valid(geoms)
    dense = densify(geoms[keep])
    # Bounds of the densified target: long geodesic edges bulge beyond their end points.
    west, south, east, north = shapely.total_bounds(dense)
    lon0, lat0 = (west + east) / 2.0, (south + north) / 2.0
    forward, _ = _transformers(round(lon0, 6), round(lat0, 6))
    projected = _project(dense, forward)
    coords = shapely.get_coordinates(projected)
    rho = float(np.hypot(coords[:, 0], coords[:, 1]).max()) + _MAX_EDGE_M
    names = gdf["name"].astype(object).to_numpy()[keep] if "name" in gdf.columns else None
    return _Target(
        geoms=projected,
        ids=_feature_ids(gdf)[keep],
        names=names,
        lon0=round(lon0, 6),
        lat0=round(lat0, 6),
        rho=rho,
        bounds=(west, south, east, north),
    )


def _lonlat_box_mask(bounds: tuple, target: _Target, margin_m: float) -> np.ndarray:
    """Return which lon/lat boxes ``(west, south, east, north)`` arrays can lie within
    ``margin_m`` of the target's box.
    """  # noqa: D205
    x0, y0, x1, y1 = bounds
    west, south, east, north = target.bounds
    dlat = margin_m / 110_000.0  # a degree of latitude is never shorter than 110.5 km
    phi = min(89.0, max(abs(south), abs(north)) + dlat)
    mask = (y1 >= south - dlat) & (y0 <= north + dlat)
    if phi < 89.0:
        dlon = margin_m / (110_000.0 * math.cos(math.radians(phi)))
        if west - dlon > -180 and east + dlon < 180:
            mask &= (x1 >= west - dlon) & (x0 <= east + dlon)
    return mask


def _grid_mask(
    lon: np.ndarray, lat: np.ndarray, target: _Target, limit: float
) -> np.ndarray:
    """Return which points may lie within ``limit`` of the target, judged cell by cell.

    The points' box is cut into about ``n / 16`` longitude/latitude cells. Each occupied cell's
    centre is measured to the target once (in the AEQD projection); by the triangle inequality
    no point of a cell is nearer than that distance minus the cell's half-diagonal, so whole
    cells of far points are dropped before any point is projected.
    """
    west, south, east, north = lon.min(), lat.min(), lon.max(), lat.max()
    cells = int(np.clip(lon.size // 16, 1_000, 250_000))
    side = max(math.sqrt(max(east - west, 1e-9) * max(north - south, 1e-9) / cells), 1e-6)
    nx, ny = int((east - west) // side) + 1, int((north - south) // side) + 1
    ix = np.minimum(((lon - west) / side).astype(np.int64), nx - 1)
    iy = np.minimum(((lat - south) / side).astype(np.int64), ny - 1)
    cell = iy * nx + ix
    # Occupied cells and each point's cell among them, in O(n) (no sort).
    occupied = np.flatnonzero(np.bincount(cell, minlength=nx * ny))
    lookup = np.zeros(nx * ny, dtype=np.int64)
    lookup[occupied] = np.arange(occupied.size)
    inverse_cell = lookup[cell]
    cx, cy = occupied % nx, occupied // nx
    forward = target.forward
    px, py = forward.transform(west + (cx + 0.5) * side, south + (cy + 0.5) * side)
    rho = np.hypot(px, py)
    # Half-diagonal of a cell: a degree spans at most 111.7 km on WGS84; the projection
    # stretches sideways by at most 1 + eps.
    half = 0.5 * side * 111_700.0 * math.sqrt(2.0) * (1.0 + _eps(rho + side * 111_700.0))
    half = half * 1.01 + 1.0
    rho = rho + half
    reach = limit * (1.0 + _eps(np.maximum(rho, target.rho) + limit)) + 1.0
    centres = shapely.points(px, py)
    nearest_cell = np.full(occupied.size, np.inf)
    if len(target.geoms) <= _LOOP_MAX_FEATURES:
        for geom in target.geoms:
            shapely.prepare(geom)
            nearest_cell = np.minimum(nearest_cell, _nearest_pairs(geom, centres)[1])
    else:
        (i, _), d = shapely.STRtree(target.geoms).query_nearest(
            centres, return_distance=True, all_matches=False
        )
        nearest_cell[i] = d
    keep_cell = nearest_cell - half <= reach
    return keep_cell[inverse_cell]


def _geodesic_distances(
    geoms_ll: np.ndarray, target: _Target, limit: float | None
) -> tuple[np.ndarray, np.ndarray]:
    """Return, per input geometry, the geodesic distance (m) to the nearest target feature.

    With ``limit`` only distances up to ``limit`` are resolved (others are ``inf``). The second
    array holds the position of the nearest target feature (-1 when none).
    """
    n = len(geoms_ll)
    best = np.full(n, np.inf)
    best_target = np.full(n, -1, dtype=np.int64)
    if n == 0:
        return best, best_target
    kinds = shapely.get_type_id(geoms_ll)
    valid = (kinds >= 0) & ~shapely.is_empty(geoms_ll)
    all_points = bool(np.all(kinds[valid] == 0))
    if all_points:
        lon, lat = np.full(n, np.nan), np.full(n, np.nan)
        xy = shapely.get_coordinates(geoms_ll[valid])
        lon[valid], lat[valid] = xy[:, 0], xy[:, 1]
        bounds = (lon, lat, lon, lat)
    else:
        if bool(shapely.has_z(geoms_ll).any()):
            geoms_ll = shapely.force_2d(geoms_ll)
        bounds = tuple(shapely.bounds(geoms_ll).T)
    cand = valid
    if limit is not None:
        cand = cand & _lonlat_box_mask(bounds, target, limit * 1.6 + 1.0)
    idx = np.flatnonzero(cand)
    if all_points and limit is not None and idx.size > 20_000:
        idx = idx[_grid_mask(lon[idx], lat[idx], target, limit)]
    if idx.size == 0:
        return best, best_target
    forward, inverse = target.forward, target.inverse
    if all_points:
        x, y = forward.transform(lon[idx], lat[idx])
        src = shapely.points(x, y)
        rho_far = rho_near = np.hypot(x, y)
        pbounds = np.column_stack([x, y, x, y])
    else:
        src = _project(densify(geoms_ll[idx]), forward)
        pbounds = shapely.bounds(src)
        corners = np.abs(pbounds)
        rho_far = np.hypot(corners[:, [0, 2]].max(axis=1), corners[:, [1, 3]].max(axis=1))
        rho_near = shapely.distance(shapely.points(0.0, 0.0), src)
    eps = _eps(np.maximum(rho_far, target.rho) + (limit or 0.0))
    local_best = np.full(idx.size, np.inf)
    local_target = np.full(idx.size, -1, dtype=np.int64)
    if limit is not None:
        # Projected distances overstate geodesic ones by at most eps: search a little wider.
        reach = limit * (1.0 + eps) + 1.0
        # AEQD distances from the centre are exact: farther than rho + limit cannot qualify.
        alive = rho_near - target.rho <= reach
    else:
        reach = np.full(idx.size, np.inf)
        alive = np.ones(idx.size, dtype=bool)
    if len(target.geoms) <= _LOOP_MAX_FEATURES:
        pairs = _pairs_by_feature(src, pbounds, alive, reach, eps, target, limit is not None)
    else:
        pairs = _pairs_by_tree(src, alive, reach, eps, target)
    s, t, ends, dproj = pairs
    if s.size:
        # Keep only pairs that may be the geodesic nearest, allowing for the distortion.
        least = np.full(idx.size, np.inf)
        np.minimum.at(least, s, dproj)
        worth = (dproj <= reach[s]) & (dproj <= least[s] * (1.0 + eps[s]) + 1.0)
        s, t, ends, dproj = s[worth], t[worth], ends[worth], dproj[worth]
        tlon, tlat = inverse.transform(ends[:, 0, 0], ends[:, 0, 1])
        if all_points:
            slon, slat = lon[idx[s]], lat[idx[s]]
        else:
            slon, slat = inverse.transform(ends[:, 1, 0], ends[:, 1, 1])
        _, _, dist = GEOD.inv(tlon, tlat, slon, slat)
        dist[dproj == 0.0] = 0.0
        order = np.lexsort((dist, s))
        first_of, first = np.unique(s[order], return_index=True)
        local_best[first_of] = dist[order][first]
        local_target[first_of] = t[order][first]
    if limit is not None:
        local_best[local_best > limit] = np.inf
        local_target[~np.isfinite(local_best)] = -1
    best[idx] = local_best
    best_target[idx] = local_target
    return best, best_target


_Pairs = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _nearest_pairs(geoms: np.ndarray, others: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the nearest points of each pair ``(geoms[i], others[i])`` and their distance."""
    ends = shapely.get_coordinates(shapely.shortest_line(geoms, others)).reshape(-1, 2, 2)
    return ends, np.hypot(*(ends[:, 0] - ends[:, 1]).T)


def _pairs_by_feature(
    src: np.ndarray,
    pbounds: np.ndarray,
    alive: np.ndarray,
    reach: np.ndarray,
    eps: np.ndarray,
    target: _Target,
    limited: bool,
) -> _Pairs:
    """Return candidate (source, target) pairs, one vectorised pass per prepared feature."""
    best_proj = np.full(src.size, np.inf)
    found: list[tuple] = []
    for t, geom in enumerate(target.geoms):  # loops over a few target features only
        shapely.prepare(geom)
        sub = np.flatnonzero(alive)
        if limited:
            gx0, gy0, gx1, gy1 = shapely.bounds(geom)
            r, b = reach[sub], pbounds[sub]
            box = (b[:, 2] >= gx0 - r) & (b[:, 0] <= gx1 + r)
            box &= (b[:, 3] >= gy0 - r) & (b[:, 1] <= gy1 + r)
            sub = sub[box]
        if sub.size == 0:
            continue
        # Nearest pair of points in the projection (zero length where the geometries meet).
        ends, dproj = _nearest_pairs(geom, src[sub])
        worth = (dproj <= reach[sub]) & (dproj <= best_proj[sub] * (1.0 + eps[sub]) + 1.0)
        best_proj[sub] = np.minimum(best_proj[sub], dproj)
        found.append((sub[worth], np.full(int(worth.sum()), t), ends[worth], dproj[worth]))
    return _concat_pairs(found)


def _pairs_by_tree(
    src: np.ndarray, alive: np.ndarray, reach: np.ndarray, eps: np.ndarray, target: _Target
) -> _Pairs:
    """Return candidate (source, target) pairs found through an STRtree of the target."""
    sub = np.flatnonzero(alive)
    if sub.size == 0:
        return _concat_pairs([])
    tree = shapely.STRtree(target.geoms)
    radius = reach[sub].copy()
    unlimited = ~np.isfinite(radius)
    if unlimited.any():
        (i, _), d0 = tree.query_nearest(src[sub[unlimited]], return_distance=True,
                                        all_matches=False)
        rows = np.flatnonzero(unlimited)[i]
        radius[rows] = d0 * (1.0 + eps[sub[rows]]) + 1.0
    i, t = tree.query(src[sub], predicate="dwithin", distance=radius)
    ends, dproj = _nearest_pairs(target.geoms[t], src[sub[i]])
    return sub[i], t, ends, dproj


def _concat_pairs(found: list[tuple]) -> _Pairs:
    if not found:
        return (np.array([], dtype=np.int64), np.array([], dtype=np.int64),
                np.empty((0, 2, 2)), np.array([]))
    s, t, ends, dproj = zip(*found, strict=True)
    return np.concatenate(s), np.concatenate(t), np.concatenate(ends), np.concatenate(dproj)


def _object_series(values: list, index) -> Any:
    """Return ``values`` as an object Series on ``index`` (lists stay lists)."""
    import pandas

    series = pandas.Series(np.empty(len(values), dtype=object), index=index, dtype=object)
    for i, value in enumerate(values):
        series.iat[i] = value
    return series


def _attach_target(out: geopandas.GeoDataFrame, target: _Target, which: np.ndarray) -> None:
    found = which >= 0
    ids = np.full(len(which), None, dtype=object)
    ids[found] = target.ids[which[found]]
    out["target_id"] = ids
    if target.names is not None:
        names = np.full(len(which), None, dtype=object)
        names[found] = target.names[which[found]]
        out["target_name"] = names


# --------------------------------------------------------------------------- engines


def _is_dask(obj: Any) -> bool:
    return type(obj).__module__.startswith("dask_geopandas")


def _dask_frame(obj: Any, role: str):
    try:
        import dask_geopandas
    except ImportError:  # pragma: no cover - depends on the environment
        raise QueryError("engine 'dask' needs dask-geopandas: pip install 'geomap[dask]'") from None
    if _is_dask(obj):
        ddf = obj
    elif isinstance(obj, str | Path) and (
        Path(obj).is_dir() or Path(obj).suffix.lower() in _PARQUET
    ):
        if not Path(obj).exists():
            raise LayerReadError(f"{obj}: no such file")
        try:
            ddf = dask_geopandas.read_parquet(obj)
        except Exception as exc:  # pyarrow raises many unrelated types
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise LayerReadError(f"{obj}: cannot read as GeoParquet ({message})") from None
        # as read_file does: JSON text that geomap wrote becomes lists and dicts again
        from geomap.readers import read_parquet_notes, restore_columns

        notes = read_parquet_notes(obj)
        meta = restore_columns(ddf._meta, notes, path=obj)
        ddf = ddf.map_partitions(restore_columns, notes, path=obj, meta=meta)
    else:
        ddf = dask_geopandas.from_geopandas(as_layer(obj, role=role), npartitions=1)
    if ddf.crs is None:
        raise QueryError(f"{_label(obj)}: has no CRS; geomap needs to know where it is")
    if not ddf.crs.equals("EPSG:4326"):
        ddf = ddf.to_crs(4326)
    return ddf


def _run(
    gdf: Any, engine: Engine, local, role: str, args: tuple, *, sort: str | None = None
) -> geopandas.GeoDataFrame:
    """Run ``local(frame, *args)`` on one frame, or on every partition with dask."""
    if engine not in ("local", "dask"):
        raise QueryError(f"unknown engine {engine!r}: expected 'local' or 'dask'")
    if engine == "local" and not _is_dask(gdf):
        return local(as_layer(gdf, role=role), *args)
    import dask

    # Keep object columns as they are: dask would turn lists (``sources``) into their repr.
    with dask.config.set({"dataframe.convert-string": False}):
        ddf = _dask_frame(gdf, role)
        meta = local(ddf._meta, *args)
        with warnings.catch_warnings():
            # dask's parquet reader on a file written without an index (as geomap exports)
            warnings.filterwarnings("ignore", "The inplace keyword in GeoDataFrame.reset_index")
            result = ddf.map_partitions(local, *args, meta=meta).compute()
    if sort is not None and len(result):
        result = result.sort_values(sort, kind="stable")
    result.attrs.update(ddf._meta.attrs)
    return result


# --------------------------------------------------------------------------- uncertainty


def _check_mode(mode: Any) -> str:
    if not isinstance(mode, str) or mode not in UNCERTAINTY_MODES:
        raise QueryError(
            f"unknown uncertainty {mode!r}: expected one of {', '.join(UNCERTAINTY_MODES)}"
        )
    return mode


def _uncertainty(gdf: geopandas.GeoDataFrame) -> np.ndarray | None:
    """Return each row's ``coordinate_uncertainty_m`` (NaN where unusable), or None without one."""
    if _UNCERTAINTY not in gdf.columns:
        return None
    import pandas

    values = pandas.to_numeric(gdf[_UNCERTAINTY], errors="coerce")
    values = values.to_numpy(dtype=float, na_value=np.nan)
    return np.where(np.isfinite(values) & (values >= 0), values, np.nan)


def _labels(certain: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Return ``"certain"`` / ``"possible"`` / ``"unknown"`` per row as an object array."""
    return np.where(known, np.where(certain, "certain", "possible"), "unknown").astype(object)


# --------------------------------------------------------------------------- public API


def _within_local(
    gdf: geopandas.GeoDataFrame, target: _Target, metres: float, mode: str = "point"
) -> geopandas.GeoDataFrame:
    radius = _uncertainty(gdf)
    if radius is None:
        if mode != "point":
            label = gdf.attrs.get("layer") or "layer"
            raise QueryError(
                f"{label}: has no {_UNCERTAINTY} column, so no answer can be {mode!r}; add it "
                "(metres, 0 for an exact site) or use uncertainty 'point'"
            )
        radius = np.full(len(gdf), np.nan)
    known = np.isfinite(radius)
    limit = metres
    if mode == "possible" and known.any():
        limit = metres + float(radius[known].max())
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    dist, which = _geodesic_distances(geoms, target, limit)
    certain = dist + radius <= metres  # False where the radius is unknown
    if mode == "certain":
        keep = certain
    elif mode == "possible":
        keep = (dist - radius <= metres) | (~known & (dist <= metres))
    else:
        keep = dist <= metres
    keep = np.flatnonzero(keep)
    order = keep[np.argsort(dist[keep], kind="stable")]
    out = gdf.iloc[order].copy()
    out["distance_m"] = dist[order]
    out["within"] = _labels(certain[order], known[order])
    _attach_target(out, target, which[order])
    return out


def within_distance(
    gdf: Any,
    target: Any,
    distance: float | str,
    *,
    engine: Engine = "local",
    layer: str | None = None,
    uncertainty: Uncertainty = "point",
) -> geopandas.GeoDataFrame:
    """Return the features of ``gdf`` within a geodesic ``distance`` of any ``target`` feature.

    Parameters
    ----------
    gdf
        Features to filter: GeoDataFrame, layer name, file, ``"lon,lat"`` / ``(lon, lat)``, or
        with ``engine="dask"`` a dask-geopandas frame or a (partitioned) GeoParquet path.
    target
        Features to measure from, in any of the same forms (always loaded in memory).
    distance
        Metres, or a string with a unit such as ``"20km"``.
    engine
        ``"local"`` (geopandas) or ``"dask"`` (dask-geopandas, one task per partition).
    layer
        The layer to read from whichever of ``gdf`` and ``target`` is a file holding several
        layers (see :func:`geomap.readers.choose_layer`); or write such a file
        ``"FILE|layername=NAME"``.
    uncertainty
        How to read each feature's ``coordinate_uncertainty_m`` (``u``, the radius its real
        site lies within): ``"point"`` keeps features whose drawn geometry lies within
        ``distance``; ``"certain"`` only those within it wherever they really are
        (``distance_m + u <= distance``); ``"possible"`` every one that may be within it
        (``distance_m - u <= distance``, which adds features drawn beyond ``distance``; a
        feature without ``u`` counts when drawn within ``distance``).

    Returns
    -------
    geopandas.GeoDataFrame
        The matching rows with all their columns, nearest first, plus ``distance_m`` (geodesic,
        WGS84, to the drawn geometry), ``within`` (``"certain"``, ``"possible"``, or
        ``"unknown"`` for a row without ``u``), ``target_id`` and, when the target has names,
        ``target_name`` of the nearest target feature.

    Raises
    ------
    QueryError
        For a bad distance or uncertainty mode, a target without geometry, or ``"certain"`` /
        ``"possible"`` asked of a layer without a ``coordinate_uncertainty_m`` column.

    Examples
    --------
    Chinese-funded posts within 20 km of the Afghan border, nearest first, with their sources:

    >>> posts = within_distance("chinese_security_sites", "tajik_afghan_border", "20km")
    >>> posts[["id", "distance_m", "within", "precision", "sources"]]  # doctest: +SKIP

    Only those certainly within 20 km, wherever in their uncertainty circle they really are:

    >>> within_distance("chinese_security_sites", "tajik_afghan_border", "20km",
    ...                 uncertainty="certain")  # doctest: +SKIP
    """
    metres = parse_distance(distance)
    mode = _check_mode(uncertainty)
    gdf, target = choose_layer(layer, gdf, target)
    prepared = _build_target(target, "target")
    return _run(gdf, engine, _within_local, "layer", (prepared, metres, mode),
                sort="distance_m")


def _nearest_local(gdf: geopandas.GeoDataFrame, target: _Target) -> geopandas.GeoDataFrame:
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    dist, which = _geodesic_distances(geoms, target, None)
    out = gdf.copy()
    out["distance_m"] = np.where(np.isfinite(dist), dist, np.nan)
    radius = _uncertainty(gdf)
    if radius is not None:  # NaN where the distance or the radius is unknown
        out["distance_min_m"] = np.maximum(out["distance_m"].to_numpy() - radius, 0.0)
        out["distance_max_m"] = out["distance_m"].to_numpy() + radius
    _attach_target(out, target, which)
    return out


def nearest(gdf: Any, target: Any, *, engine: Engine = "local", layer: str | None = None
            ) -> geopandas.GeoDataFrame:
    """Return every feature of ``gdf`` with its geodesic distance to the nearest ``target``.

    Parameters
    ----------
    gdf, target
        GeoDataFrames, layer names, files or lon/lat points (see :func:`within_distance`).
    engine
        ``"local"`` or ``"dask"``.
    layer
        The layer of a multi-layer file among ``gdf`` and ``target`` (see
        :func:`within_distance`).

    Returns
    -------
    geopandas.GeoDataFrame
        All rows of ``gdf`` in their order with ``distance_m`` (NaN for a row without geometry),
        ``target_id`` and ``target_name`` of the nearest target feature. When ``gdf`` has a
        ``coordinate_uncertainty_m`` column (``u``), also the range the real distance lies in:
        ``distance_min_m = max(distance_m - u, 0)`` and ``distance_max_m = distance_m + u``
        (NaN where ``u`` is unknown).
    """
    gdf, target = choose_layer(layer, gdf, target)
    prepared = _build_target(target, "target")
    return _run(gdf, engine, _nearest_local, "layer", (prepared,))


def _intersecting_local(
    gdf: geopandas.GeoDataFrame, target: _Target
) -> geopandas.GeoDataFrame:
    geoms = shapely.force_2d(np.asarray(gdf.geometry.array, dtype=object))
    valid = np.flatnonzero(_valid(geoms))
    rows, matched = np.array([], dtype=np.int64), []
    if valid.size:
        src = _project(densify(geoms[valid]), target.forward)
        t_idx, s_idx = shapely.STRtree(src).query(target.geoms, predicate="intersects")
        order = np.lexsort((t_idx, s_idx))
        rows, starts = np.unique(valid[s_idx[order]], return_index=True)
        matched = [part.tolist() for part in np.split(target.ids[t_idx[order]], starts[1:])]
    out = gdf.iloc[rows].copy()
    out["target_ids"] = _object_series(matched, out.index)
    return out


def intersecting(gdf: Any, target: Any, *, engine: Engine = "local", layer: str | None = None
                 ) -> geopandas.GeoDataFrame:
    """Return the features of ``gdf`` that intersect (cross, touch or lie in) any ``target``.

    Edges are read as geodesics: both sides are densified geodesically before the test.
    ``engine`` and ``layer`` are as in :func:`within_distance`.

    Returns
    -------
    geopandas.GeoDataFrame
        The matching rows with all their columns plus ``target_ids``, the list of target
        features each one meets.
    """
    gdf, target = choose_layer(layer, gdf, target)
    prepared = _build_target(target, "target")
    return _run(gdf, engine, _intersecting_local, "layer", (prepared,))


def _region_polygon(region: _Target, tolerance: float) -> shapely.Geometry:
    parts = shapely.get_parts(region.geoms)
    polygons = parts[shapely.get_type_id(parts) == 3]
    if polygons.size == 0:
        raise QueryError("region: has no polygons to look inside")
    area = shapely.union_all(polygons)
    if tolerance > 0:
        area = shapely.buffer(area, tolerance, quad_segs=16)
    shapely.prepare(area)
    return area


def _geodesic_lengths(geoms_ll: np.ndarray) -> np.ndarray:
    """Return the geodesic length (m) of each line geometry, vectorised over all edges."""
    lengths = np.zeros(len(geoms_ll))
    parts, owner = shapely.get_parts(geoms_ll, return_index=True)
    lines = shapely.get_type_id(parts) == 1
    parts, owner = parts[lines], owner[lines]
    if parts.size == 0:
        return lengths
    coords, part = shapely.get_coordinates(parts, return_index=True)
    same = part[:-1] == part[1:]
    _, _, dist = GEOD.inv(coords[:-1, 0][same], coords[:-1, 1][same],
                          coords[1:, 0][same], coords[1:, 1][same])
    per_part = np.bincount(part[:-1][same], weights=dist, minlength=parts.size)
    return np.bincount(owner, weights=per_part, minlength=len(geoms_ll))


def _geodesic_area_perimeter(geoms_ll: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return geodesic area (m²) and perimeter (m) of each polygonal geometry (NaN otherwise)."""
    area = np.full(len(geoms_ll), np.nan)
    perimeter = np.full(len(geoms_ll), np.nan)
    polygonal = np.flatnonzero(np.isin(shapely.get_type_id(geoms_ll), (3, 6)))
    # Exteriors counter-clockwise, holes clockwise: pyproj then subtracts the holes.
    oriented = shapely.orient_polygons(geoms_ll[polygonal], exterior_cw=False)
    for i, geom in zip(polygonal, oriented, strict=True):  # pyproj measures one at a time
        area[i], _ = GEOD.geometry_area_perimeter(geom)
    # The perimeter counts every ring, holes included (pyproj's counts the exteriors only).
    perimeter[polygonal] = _geodesic_lengths(shapely.boundary(geoms_ll[polygonal]))
    return np.abs(area), perimeter


#: Columns each operation may add; those left all-NaN are dropped from the result.
_INSIDE_COLUMNS = ("length_m", "area_km2", "fraction_inside")
_MEASURE_COLUMNS = ("length_m", "area_km2", "perimeter_m")


def _drop_empty(gdf: geopandas.GeoDataFrame, columns: tuple[str, ...]) -> geopandas.GeoDataFrame:
    empty = [c for c in columns if c in gdf.columns and bool(gdf[c].isna().all())]
    return gdf.drop(columns=empty) if empty and len(gdf) else gdf


def _inside_local(
    gdf: geopandas.GeoDataFrame, region: _Target, tolerance: float
) -> geopandas.GeoDataFrame:
    import geopandas

    area = _region_polygon(region, tolerance)
    geoms = shapely.force_2d(np.asarray(gdf.geometry.array, dtype=object))
    valid = np.flatnonzero(_valid(geoms))
    src = _project(densify(geoms[valid]), region.forward)
    hit = shapely.intersects(area, src)
    rows, src = valid[hit], src[hit]
    kinds = shapely.get_type_id(geoms[rows])
    whole_geoms = geoms[rows]
    clipped = whole_geoms.copy()
    cut = ~np.isin(kinds, (0, 4))
    clipped[cut] = _project(shapely.intersection(src[cut], area), region.inverse)
    lines = np.isin(kinds, (1, 5))
    inner_len = np.where(lines, _geodesic_lengths(clipped), np.nan)
    whole_len = np.where(lines, _geodesic_lengths(whole_geoms), np.nan)
    inner_area, _ = _geodesic_area_perimeter(clipped)
    whole_area, _ = _geodesic_area_perimeter(whole_geoms)
    with np.errstate(invalid="ignore", divide="ignore"):
        fraction = np.where(lines, inner_len / whole_len, inner_area / whole_area)
    # Lines and polygons that only touch the region (a shared edge, a corner) are not inside.
    keep = ~(lines & ~(inner_len > 0)) & ~(np.isin(kinds, (3, 6)) & ~(inner_area > 0))
    rows, clipped = rows[keep], clipped[keep]
    out = gdf.iloc[rows].copy()
    out["length_m"] = inner_len[keep]
    out["area_km2"] = inner_area[keep] / 1e6
    out["fraction_inside"] = np.where(np.isfinite(fraction), fraction, np.nan)[keep]
    out["within"] = _inside_labels(out, src[keep], area, region, tolerance)
    geometry = geopandas.GeoSeries(clipped, index=out.index, crs="EPSG:4326")
    return out.set_geometry(geometry.rename(out.geometry.name))


def _inside_labels(
    frame: geopandas.GeoDataFrame,
    src: np.ndarray,
    area: shapely.Geometry,
    region: _Target,
    tolerance: float,
) -> np.ndarray:
    """Label features inside ``area``: ``"certain"`` when they reach their uncertainty past its
    edge, else ``"possible"`` (``"unknown"`` without an uncertainty).

    ``src`` are the features projected like ``area``. A point's distance to the edge is
    geodesic; a line or polygon must meet the area shrunk by its uncertainty (in the projection,
    widened by the distortion bound), one buffer per distinct uncertainty value.
    """  # noqa: D205
    radius = _uncertainty(frame)
    if radius is None:
        radius = np.full(len(frame), np.nan)
    known = np.isfinite(radius)
    certain = np.zeros(len(frame), dtype=bool)
    points = shapely.get_type_id(src) == 0
    todo = np.flatnonzero(known & points)
    if todo.size:
        edge = _Target(
            geoms=np.array([shapely.boundary(area)], dtype=object),
            ids=np.array(["edge"], dtype=object),
            names=None,
            lon0=region.lon0,
            lat0=region.lat0,
            rho=region.rho + tolerance,
            bounds=region.bounds,
        )
        geoms = np.asarray(frame.geometry.array, dtype=object)[todo]
        dist, _ = _geodesic_distances(shapely.force_2d(geoms), edge, None)
        certain[todo] = dist >= radius[todo]
    todo = np.flatnonzero(known & ~points)
    if todo.size:
        sizes, which = np.unique(radius[todo], return_inverse=True)
        grow = 1.0 + float(_eps(region.rho + tolerance))
        shrunk = shapely.buffer(area, -sizes * grow, quad_segs=16)
        certain[todo] = shapely.intersects(shrunk[which], src[todo])
    return _labels(certain, known)


def inside(
    gdf: Any,
    region: Any,
    *,
    tolerance: float | str = 0.0,
    engine: Engine = "local",
    layer: str | None = None,
) -> geopandas.GeoDataFrame:
    """Return the parts of ``gdf`` that lie inside the polygons of ``region``.

    Points inside (or on the edge of) the region are kept whole; lines and polygons are clipped
    to the region and measured geodesically.

    Parameters
    ----------
    gdf, region
        GeoDataFrames, layer names or files (see :func:`within_distance`).
    tolerance
        Grow the region by this distance first (metres or ``"1km"``); use it when a line follows
        the region's edge but was digitised from another source.
    engine
        ``"local"`` or ``"dask"``.
    layer
        The layer of a multi-layer file among ``gdf`` and ``region`` (see
        :func:`within_distance`).

    Returns
    -------
    geopandas.GeoDataFrame
        The rows that reach into the region, their geometry clipped to it, plus ``length_m``
        (lines) or ``area_km2`` (polygons) of the part inside, ``fraction_inside`` and
        ``within``: ``"certain"`` when the feature reaches at least its
        ``coordinate_uncertainty_m`` past the region's edge (so some of it is inside wherever
        it really is; a point: its whole uncertainty circle is inside), ``"possible"`` when it
        does not, ``"unknown"`` without an uncertainty. Rows are chosen by the drawn geometry.

    Raises
    ------
    QueryError
        When ``region`` has no polygons, or for a bad tolerance.
    """
    metres = parse_distance(tolerance)
    gdf, region = choose_layer(layer, gdf, region)
    prepared = _build_target(region, "region")
    _region_polygon(prepared, 0.0)  # fail early when the region has no polygons
    result = _run(gdf, engine, _inside_local, "layer", (prepared, metres))
    return _drop_empty(result, _INSIDE_COLUMNS)


def _measure_local(gdf: geopandas.GeoDataFrame) -> geopandas.GeoDataFrame:
    geoms = shapely.force_2d(np.asarray(gdf.geometry.array, dtype=object))
    lineal = np.isin(shapely.get_type_id(geoms), (1, 2, 5))
    area, perimeter = _geodesic_area_perimeter(geoms)
    out = gdf.copy()
    out["length_m"] = np.where(lineal, _geodesic_lengths(geoms), np.nan)
    out["area_km2"] = area / 1e6
    out["perimeter_m"] = perimeter
    return out


def measure(gdf: Any, *, engine: Engine = "local", layer: str | None = None
            ) -> geopandas.GeoDataFrame:
    """Return ``gdf`` with geodesic measures: ``length_m`` of lines, ``area_km2`` and
    ``perimeter_m`` of polygons (WGS84 ellipsoid, edges read as geodesics).

    ``engine`` and ``layer`` are as in :func:`within_distance`.

    Raises
    ------
    QueryError
        When the layer has only points or no geometry at all: there is nothing to measure.
    """  # noqa: D205
    (gdf,) = choose_layer(layer, gdf)
    if engine == "local" and not _is_dask(gdf):
        frame = as_layer(gdf, role="layer")
        label = frame.attrs.get("layer", _label(gdf))
        _require_geometry(frame, label)
        kinds = shapely.get_type_id(np.asarray(frame.geometry.array, dtype=object))
        if not np.isin(kinds, (1, 2, 3, 5, 6)).any():
            raise QueryError(f"{label}: has only points; there is no length or area to measure")
        return _drop_empty(_measure_local(frame), _MEASURE_COLUMNS)
    return _drop_empty(_run(gdf, engine, _measure_local, "layer", ()), _MEASURE_COLUMNS)
