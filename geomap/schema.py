"""The feature schema of geomap's layers, and the checks that enforce it.

Every curated feature carries these properties (``None`` where unknown):

``id``                       stable identifier, unique across all layers (``cn-outpost-shaymak``)
``name``                     English name as the sources use it
``alt_names``                list of other names and spellings (documents, Tajik, Russian, Chinese)
``name_tg`` / ``name_ru``    Tajik and Russian names where known
``category``                 one of :data:`CATEGORIES`
``country``                  ISO 3166-1 alpha-2 code of the country the feature lies in
``operator`` / ``owner`` / ``financier`` / ``contractor``   who runs, owns, pays, builds
``status``                   one of :data:`STATUSES`
``start_date`` / ``end_date``  ISO 8601 dates, reduced to ``YYYY`` or ``YYYY-MM`` when that is all
                             the sources give
``date_estimated``           true when a date is inferred rather than stated
``cost_usd``                 cost, loan or debt in US dollars, as the sources give it
``description``              a short text in geomap's own words, saying what is unknown
``precision``                IATI precision code, 1 (exact site) ... 9 (unclear: country)
``coordinate_uncertainty_m`` radius in metres within which the real site is believed to lie
``sources``                  list of citations: ``{"citation", "seed", "locator", "quote", "url"}``
                             with at least ``citation`` and either ``seed`` or ``url``

Layers may add their own properties (``reserves_t``, ``length_km``...). User layers need not follow
this schema: :func:`validate_layer` with ``curated=False`` checks only what maps and queries need.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import shape

from geomap.errors import LayerReadError, LayerValidationError

__all__ = [
    "CATEGORIES",
    "PRECISION_CODES",
    "REQUIRED_PROPERTIES",
    "STATUSES",
    "Problem",
    "check_frame",
    "check_layer",
    "location_problems",
    "read_checked",
    "parse_date",
    "validate_geojson_file",
    "validate_layer",
]

#: IATI GeographicalPrecision code list (https://iatistandard.org/en/iati-standard/203/codelists/geographicalprecision/)
PRECISION_CODES: dict[int, str] = {
    1: "Exact location",
    2: "Near exact location (within 25 km)",
    3: "Second order administrative division",
    4: "First order administrative division",
    5: "Estimated coordinates",
    6: "Independent political entity",
    7: "Unclear - capital",
    8: "Unclear - first order administrative division",
    9: "Unclear - country",
}

#: The largest ``coordinate_uncertainty_m`` a precision code allows (None: no limit).
MAX_UNCERTAINTY_M: dict[int, float | None] = {1: 5_000, 2: 25_000}

CATEGORIES: dict[str, str] = {
    # borders and regions
    "country": "Country",
    "international_border": "International border",
    "admin_region": "Province / region",
    "district": "District",
    "ceded_territory": "Territory ceded to China",
    # basemap context
    "river": "River",
    "lake": "Lake",
    "place": "Town or city",
    # China
    "military_outpost": "Chinese-manned military outpost",
    "command_post": "Border command post (China-financed)",
    "observation_tower": "Observation tower (China-financed)",
    "border_checkpoint": "Border checkpoint (China-financed)",
    "training_centre": "Training centre",
    "border_guard_station": "Border guard station (China-renovated)",
    "counter_terrorism_centre": "Counter-terrorism centre",
    "coordination_centre": "Counter-terrorism coordination centre",
    "surveillance_system": "Surveillance system",
    "exercise_area": "Joint military exercise area",
    # Russia
    "military_base": "Military base",
    "training_ground": "Training ground",
    # mines
    "gold_mine": "Gold mine",
    "mine": "Mine",
    # Belt and Road
    "highway": "Highway",
    "tunnel": "Tunnel",
    "pass": "Mountain pass",
    "border_crossing": "Border crossing",
    "power_plant": "Power plant",
    "cement_plant": "Cement plant",
    "other": "Other",
}

STATUSES: tuple[str, ...] = (
    "operational",
    "completed",
    "under_construction",
    "planned",
    "reported",
    "transferred",
    "historical",
    "closed",
    "unknown",
)

REQUIRED_PROPERTIES: tuple[str, ...] = (
    "id",
    "name",
    "category",
    "status",
    "description",
    "precision",
    "coordinate_uncertainty_m",
    "sources",
)

OPTIONAL_PROPERTIES: tuple[str, ...] = (
    "alt_names",
    "name_tg",
    "name_ru",
    "country",
    "operator",
    "owner",
    "financier",
    "contractor",
    "start_date",
    "end_date",
    "date_estimated",
    "cost_usd",
)

_DATE = re.compile(r"^-?\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_GEOMETRY_TYPES = {
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
}


@dataclass(frozen=True)
class Problem:
    """One problem found in a layer: where it is and what is wrong."""

    source: str
    message: str
    feature: str | None = None

    def __str__(self) -> str:
        where = f"{self.source}: feature {self.feature}" if self.feature else self.source
        return f"{where}: {self.message}"


def parse_date(value: str) -> tuple[int, int, int]:
    """Return ``(year, month, day)`` of an ISO date that may be reduced to year or month.

    >>> parse_date("2016")
    (2016, 1, 1)
    >>> parse_date("2019-08")
    (2019, 8, 1)
    """
    if not isinstance(value, str) or not _DATE.match(value):
        raise ValueError(f"not an ISO date (YYYY, YYYY-MM or YYYY-MM-DD): {value!r}")
    parts = [int(part) for part in value.lstrip("-").split("-")]
    year, month, day = (parts + [1, 1])[:3]
    return (-year if value.startswith("-") else year), month, day


def _walk_coords(coords: Any) -> Iterable[tuple[float, ...]]:
    if coords and isinstance(coords[0], int | float):
        yield tuple(coords)
    else:
        for part in coords or ():
            yield from _walk_coords(part)


def _ring_area2(ring: list) -> float:
    """Twice the signed planar area of a ring (positive when counter-clockwise)."""
    return sum(
        x0 * y1 - x1 * y0 for (x0, y0, *_), (x1, y1, *_) in zip(ring, ring[1:], strict=False)
    )


def _geometry_problems(geom: dict | None, *, rfc7946: bool = True) -> list[str]:
    """RFC 7946 (ring orientation when ``rfc7946``) and validity problems of one geometry."""
    if geom is None:
        return ["has no geometry"]
    if not isinstance(geom, dict) or geom.get("type") not in _GEOMETRY_TYPES:
        kind = geom.get("type") if isinstance(geom, dict) else type(geom).__name__
        return [f"geometry type {kind!r} is not one of {', '.join(sorted(_GEOMETRY_TYPES))}"]
    problems = []
    coords = geom.get("coordinates")
    try:
        points = list(_walk_coords(coords))
    except (TypeError, IndexError):
        return ["geometry coordinates are malformed"]
    if not points:
        return ["geometry is empty"]
    for point in points:
        if len(point) < 2 or not all(
            isinstance(c, int | float) and math.isfinite(c) for c in point
        ):
            return [f"coordinate {list(point)} is not a finite [lon, lat] pair"]
        lon, lat = point[:2]
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            hint = " (swapped lat/lon?)" if -180 <= lat <= 180 and -90 <= lon <= 90 else ""
            return [f"coordinate [{lon}, {lat}] is out of range{hint}"]
    kind = geom["type"]
    polygons = [coords] if kind == "Polygon" else coords if kind == "MultiPolygon" else []
    for polygon in polygons:
        for index, ring in enumerate(polygon):
            if len(ring) < 4 or list(ring[0]) != list(ring[-1]):
                problems.append("polygon ring is not closed (first and last positions differ)")
                continue
            area2 = _ring_area2(ring) if rfc7946 else 0.0
            if index == 0 and area2 < 0:
                problems.append("exterior ring is clockwise (RFC 7946 wants counter-clockwise)")
            elif index > 0 and area2 > 0:
                problems.append("interior ring is counter-clockwise (RFC 7946 wants clockwise)")
    if problems:
        return problems
    try:
        geometry = shape(geom)
    except (ValueError, TypeError, AttributeError) as exc:
        return [f"geometry cannot be built: {exc}"]
    if not geometry.is_valid:
        return [f"geometry is not valid: {shapely.is_valid_reason(geometry)}"]
    return []


def _source_problems(sources: Any) -> list[str]:
    if not isinstance(sources, list) or not sources:
        return ["'sources' must be a non-empty list of citations"]
    problems = []
    for number, source in enumerate(sources, 1):
        if not isinstance(source, dict) or not source.get("citation"):
            problems.append(f"source {number} has no 'citation'")
        elif not (source.get("seed") or source.get("url")):
            problems.append(f"source {number} names neither a seed document nor a URL")
        elif source.get("url") and not re.match(r"^https?://", str(source["url"])):
            problems.append(f"source {number} URL is not http(s): {source['url']!r}")
    return problems


def _property_problems(props: dict) -> list[str]:
    """Curated-schema problems of one feature's properties."""
    problems = [f"missing property {key!r}" for key in REQUIRED_PROPERTIES if key not in props]
    if problems:
        return problems
    if not isinstance(props["name"], str) or not props["name"].strip():
        problems.append("'name' is empty")
    if props["category"] not in CATEGORIES:
        problems.append(f"unknown category {props['category']!r}")
    if props["status"] not in STATUSES:
        problems.append(
            f"unknown status {props['status']!r} (expected one of {', '.join(STATUSES)})"
        )
    if not isinstance(props["description"], str) or not props["description"].strip():
        problems.append("'description' is empty")
    precision = props["precision"]
    if isinstance(precision, bool) or precision not in PRECISION_CODES:
        problems.append(f"'precision' must be an IATI code 1-9, got {precision!r}")
    uncertainty = props["coordinate_uncertainty_m"]
    if isinstance(uncertainty, bool) or not isinstance(uncertainty, int | float) or uncertainty < 0:
        problems.append(f"'coordinate_uncertainty_m' must be a number >= 0, got {uncertainty!r}")
    elif precision in MAX_UNCERTAINTY_M:
        limit = MAX_UNCERTAINTY_M[precision]
        if limit is not None and uncertainty > limit:
            problems.append(
                f"precision {precision} allows at most {limit:g} m of uncertainty, "
                f"got {uncertainty:g}"
            )
    for key in ("start_date", "end_date"):
        value = props.get(key)
        if value is not None:
            try:
                parse_date(value)
            except ValueError as exc:
                problems.append(f"'{key}' {exc}")
    if props.get("start_date") and props.get("end_date"):
        try:
            if parse_date(props["end_date"]) < parse_date(props["start_date"]):
                problems.append("'end_date' is before 'start_date'")
        except ValueError:
            pass
    alt = props.get("alt_names")
    if alt is not None and not (isinstance(alt, list) and all(isinstance(a, str) for a in alt)):
        problems.append("'alt_names' must be a list of strings")
    cost = props.get("cost_usd")
    if cost is not None and (
        isinstance(cost, bool) or not isinstance(cost, int | float) or cost < 0
    ):
        problems.append(f"'cost_usd' must be a number >= 0, got {cost!r}")
    if not isinstance(props["id"], str) or not _ID.match(props["id"]):
        problems.append(
            f"'id' must be lower-case letters, digits, '.', '_' or '-', got {props['id']!r}"
        )
    problems.extend(_source_problems(props["sources"]))
    return problems


def validate_features(
    features: list[dict], source: str, *, curated: bool = True, seen_ids: set | None = None
) -> list[Problem]:
    """Return the problems of a list of GeoJSON feature dicts (geometry, ids, schema)."""
    problems: list[Problem] = []
    seen = set() if seen_ids is None else seen_ids
    for index, feature in enumerate(features):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            problems.append(Problem(source, f"item {index} is not a GeoJSON Feature"))
            continue
        props = feature.get("properties") or {}
        fid = props.get("id", feature.get("id"))
        label = str(fid) if fid not in (None, "") else f"#{index}"
        geometry_problems = _geometry_problems(feature.get("geometry"), rfc7946=curated)
        problems += [Problem(source, m, label) for m in geometry_problems]
        if curated:
            problems += [Problem(source, m, label) for m in _property_problems(props)]
        if fid not in (None, ""):
            if fid in seen:
                problems.append(Problem(source, f"duplicate id {fid!r}", label))
            seen.add(fid)
    if _looks_swapped(features):
        problems.append(Problem(source, "no coordinate lies in Tajikistan, but every one does with "
                                "longitude and latitude swapped: the file looks like [lat, lon] "
                                "(GeoJSON and geomap expect [lon, lat])"))
    return problems


#: Tajikistan's bounding box (lon/lat), for spotting a layer written [lat, lon]; the main map
#: falls back to it too (``geomap.render.TAJIKISTAN_BBOX``).
TAJIKISTAN_BOUNDS = (67.34, 36.67, 75.15, 41.04)


def _looks_swapped(features: list[Any]) -> bool:
    """Tell whether a whole layer lies in Tajikistan only when read [lat, lon].

    A geomap layer written with swapped axes lands in the Arctic (lon 37-41, lat 67-75), still in
    range; reading every position the other way round is the tell. Mixed layers are left alone.
    """
    west, south, east, north = TAJIKISTAN_BOUNDS
    count = 0
    for feature in features:
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
        for x, y in _positions(coords):
            if (west <= x <= east and south <= y <= north) or not (
                west <= y <= east and south <= x <= north
            ):
                return False
            count += 1
    return count > 0


def _positions(coords: Any) -> Iterable[tuple[float, float]]:
    """Yield the (x, y) of every position in GeoJSON ``coordinates``; skip malformed parts."""
    if isinstance(coords, list | tuple):
        if len(coords) >= 2 and all(isinstance(c, int | float) for c in coords[:2]):
            yield float(coords[0]), float(coords[1])
        else:
            for part in coords:
                yield from _positions(part)


def validate_geojson_file(path: str | Path, *, curated: bool = True) -> list[Problem]:
    """Return every problem of a GeoJSON file: JSON, RFC 7946, geometry and (curated) schema.

    Raises
    ------
    LayerReadError
        When the file is missing or is not JSON at all.
    """
    path = Path(path)
    source = str(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LayerReadError(f"{source}: no such file") from None
    except UnicodeDecodeError:
        raise LayerReadError(f"{source}: not UTF-8 text, so not GeoJSON") from None
    except json.JSONDecodeError as exc:
        raise LayerReadError(f"{source}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise LayerReadError(f"{source}: not a GeoJSON FeatureCollection")
    if not isinstance(data.get("features"), list):
        raise LayerReadError(f"{source}: FeatureCollection has no 'features' list")
    problems = []
    if "crs" in data:
        if curated:
            problems.append(Problem(source, "has a 'crs' member (RFC 7946 GeoJSON is always "
                                    "WGS84)"))
        elif not _is_lonlat_wgs84(data["crs"]):
            # legacy GeoJSON in another CRS (GDAL writes one): geomap's reader reprojects it,
            # so check the features as read
            from geomap import readers

            return _frame_problems(readers.read_file(path), source, curated=False)
        # a user's file naming CRS84 (as GDAL and QGIS write by default) is lon/lat already
    return problems + validate_features(data["features"], source, curated=curated)


def _is_lonlat_wgs84(crs: Any) -> bool:
    """Tell whether a GeoJSON ``crs`` member names WGS84 longitude/latitude (CRS84, EPSG:4326)."""
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    name = crs.get("properties", {}).get("name") if isinstance(crs, dict) else None
    if not isinstance(name, str):
        return False
    try:
        return CRS.from_user_input(name).equals(CRS("OGC:CRS84"), ignore_axis_order=True)
    except CRSError:
        return False


def validate_layer(
    layer: Any, *, curated: bool | None = None, layer_name: str | None = None
) -> list[Problem]:
    """Return the problems of a layer: a curated layer name, a file path or a GeoDataFrame.

    Parameters
    ----------
    layer
        A curated layer name (``"chinese_security_sites"``), a path to a layer file in any format
        geomap reads, or a GeoDataFrame.
    curated
        Check the full curated schema. Defaults to true for curated layer names and GeoJSON
        files inside geomap's ``layers`` folder, false otherwise.
    layer_name
        The layer to read from a file that holds several (GeoPackage).
    """
    from geomap import catalog, readers

    if isinstance(layer, str) and not Path(layer).suffix and layer in catalog.layer_names():
        record = catalog.get_layer(layer)
        problems = validate_geojson_file(record.path, curated=True if curated is None else curated)
        if not problems:
            problems += catalog.check_record(record)
        return problems
    if isinstance(layer, str | Path):
        path = Path(layer)
        if path.suffix.lower() in {".geojson", ".json"} and path.is_file():
            inside = path.resolve().parent == catalog.layers_dir().resolve()
            # the raw GeoJSON check is stricter than the frame check: no second pass needed
            return validate_geojson_file(path, curated=inside if curated is None else curated)
        gdf = readers.read_file(path, layer=layer_name)
        return _frame_problems(gdf, str(path), curated=bool(curated))
    return _frame_problems(layer, "<GeoDataFrame>", curated=bool(curated))


def _frame_problems(gdf: Any, source: str, *, curated: bool) -> list[Problem]:
    """Validate a GeoDataFrame by turning it into GeoJSON features."""
    if gdf.crs is None:
        return [Problem(source, "has no CRS; geomap needs to know where the coordinates are")]
    if gdf.crs.to_epsg() != 4326:
        gdf = gdf.to_crs(4326)
    data = json.loads(gdf.to_json(na="null", drop_id=True, default=str))  # dates -> text
    return validate_features(data["features"], source, curated=curated)


def check_layer(layer: Any, *, curated: bool | None = None) -> None:
    """Raise :class:`LayerValidationError` listing every problem of ``layer``, if any."""
    _raise_problems(validate_layer(layer, curated=curated))


def check_frame(gdf: Any, source: str, *, curated: bool = False) -> None:
    """Raise :class:`LayerValidationError` for a GeoDataFrame already read from ``source``.

    For callers that need the frame anyway: the file is read once, not once to check and
    once to use.
    """
    _raise_problems(_frame_problems(gdf, source, curated=curated))


def read_checked(path: str | Path, *, layer: str | None = None) -> Any:
    """Read a user's layer file once and raise :class:`LayerValidationError` if it breaks the rules.

    GeoJSON is checked on its raw text first (RFC 7946 rules such as a ``crs`` member are lost
    once read); any other format is checked as the frame it reads into. ``layer`` (or
    ``FILE|layername=NAME``) chooses one layer of a file that holds several.
    """
    from geomap import readers

    path = Path(path)
    if path.suffix.lower() in {".geojson", ".json"}:
        check_layer(path, curated=False)
        return readers.read_file(path, layer=layer)
    gdf = readers.read_file(path, layer=layer)
    check_frame(gdf, str(path) + (f"|layername={layer}" if layer else ""))
    return gdf


def _raise_problems(problems: list[Problem]) -> None:
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise LayerValidationError(f"{problems[0]}{more}", problems)


#: Azimuthal equidistant projection centred on Tajikistan, for tolerance checks in metres.
REGION_CRS = "+proj=aeqd +lat_0=38.8 +lon_0=71.3 +datum=WGS84 +units=m +no_defs"


def location_problems(names: Iterable[str] | None = None) -> list[Problem]:
    """Return features that lie outside the country they name, beyond their stated uncertainty.

    Each curated feature with a ``country`` property (ISO alpha-2) is checked against that
    country's polygon in the ``countries`` layer, widened by its ``coordinate_uncertainty_m``.
    Features beyond the countries layer's extent (it is clipped to the region) are not checked.
    """
    from geomap import catalog

    if "countries" not in catalog.layer_names():
        return []
    countries = catalog.read_layer("countries")
    # The basemap is clipped to the region: features beyond it cannot be checked.
    extent = shapely.box(*countries.total_bounds)
    shapes = countries.to_crs(REGION_CRS).set_index("iso_a2").geometry
    problems = []
    for name in names or catalog.layer_names():
        gdf = catalog.read_layer(name)
        if "country" not in gdf:
            continue
        projected = gdf.to_crs(REGION_CRS)
        for (_, row), geom in zip(gdf.iterrows(), projected.geometry, strict=True):
            code = row.get("country")
            if not isinstance(code, str) or not code or not row.geometry.intersects(extent):
                continue
            if code not in shapes.index:
                problems.append(
                    Problem(
                        str(catalog.get_layer(name).path),
                        f"country {code!r} is not in the countries layer",
                        row.get("id"),
                    )
                )
                continue
            slack = float(row.get("coordinate_uncertainty_m") or 0) + 100
            if not geom.within(shapes[code].buffer(slack)):
                off = geom.distance(shapes[code]) / 1000
                problems.append(
                    Problem(
                        str(catalog.get_layer(name).path),
                        f"lies {off:.1f} km outside {code}, beyond its uncertainty of "
                        f"{slack / 1000 - 0.1:g} km",
                        row.get("id"),
                    )
                )
    return problems
