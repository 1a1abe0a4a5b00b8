"""Interactive offline maps: curated and user layers drawn with Leaflet in one HTML page.

This is the only module of geomap that imports folium. :func:`render_map` returns a
:class:`folium.Map` (it displays inline in Jupyter and has ``.save()``); :func:`save_map` writes it
atomically. The page is self-contained: Leaflet (from ``django-js-lib-leaflet``), geomap's own
controls (``geomap/static``) and the data are inlined, and folium's CDN links are dropped.

Data never executes. Layer properties travel as one JSON document inside a
``<script type="application/json">`` element (escaped with :func:`geomap.assets.json_for_script`)
and are turned into DOM text by ``geomap.js``; no value is ever handed to a Jinja template, so
``{{ ... }}`` in data stays text.

Examples
--------
>>> import geomap
>>> m = geomap.render_map(["chinese_security_sites"], title="Chinese sites")  # doctest: +SKIP
>>> geomap.save_map(m, "output/china.html", overwrite=True)  # doctest: +SKIP
"""

from __future__ import annotations

import html
import json
import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geomap import assets, catalog
from geomap._files import check_target, write_atomic
from geomap.errors import RenderError
from geomap.schema import CATEGORIES, PRECISION_CODES, TAJIKISTAN_BOUNDS

if TYPE_CHECKING:
    import folium
    import geopandas

__all__ = [
    "CANVAS_THRESHOLD",
    "DEFAULT_OUTPUT",
    "DEFAULT_TITLE",
    "UNCERTAINTY_CIRCLE_MAX_M",
    "render_map",
    "save_map",
    "write_map",
]

DEFAULT_TITLE = "China and Russia in Tajikistan: the security footprint"
DEFAULT_OUTPUT = Path("output") / "tajikistan.html"
#: Layers with more features than this are drawn on one shared canvas instead of as SVG/DOM.
CANVAS_THRESHOLD = 1000
#: Decimal places kept in coordinates (5 ~ 1 m); layers above LARGE_LAYER features keep 4 (~10 m).
DIGITS = 5
LARGE_LAYER = 10_000
#: Used when the data give no bounds: Tajikistan (west, south, east, north), the box
#: ``geomap validate`` also uses to spot a layer written [lat, lon].
TAJIKISTAN_BBOX = TAJIKISTAN_BOUNDS
HOME_COUNTRY = "TJ"

#: Uncertainty circles up to this radius are always drawn; a point whose site is less well known
#: gets a "site unknown" symbol instead, and its circle shows only while the feature is hovered,
#: focused or open in a popup (the page's "Uncertainty circles" control can show all or none).
UNCERTAINTY_CIRCLE_MAX_M = 50_000

#: Radius drawn for an approximate point that states no uncertainty, by IATI precision code.
DEFAULT_UNCERTAINTY_M: dict[int, float] = {
    2: 25_000,
    3: 25_000,
    4: 100_000,
    5: 10_000,
    7: 25_000,
    8: 100_000,
}

_BASE_STYLE: dict[str, Any] = {
    "color": "#333333",
    "fillColor": "#888888",
    "weight": 2.0,
    "opacity": 0.9,
    "fillOpacity": 0.2,
    "dashArray": None,
    "symbol": "circle",
    "radius": 16.0,
    "label": False,
}
#: Styles used where a catalog record's ``style`` says nothing.
THEME_STYLES: dict[str, dict[str, Any]] = {
    "context": {"color": "#9a9a9a", "fillColor": "#f3f0e8", "weight": 1.0, "fillOpacity": 1.0,
                "radius": 8.0},
    "borders": {"color": "#000000", "fillColor": "#CC79A7", "weight": 2.5, "fillOpacity": 0.08},
    "bri": {"color": "#7a3f66", "fillColor": "#CC79A7", "weight": 4.0, "symbol": "circle"},
    "mines": {"color": "#6b4a00", "fillColor": "#E69F00", "symbol": "diamond"},
    "russia": {"color": "#003a5c", "fillColor": "#0072B2", "symbol": "square"},
    "china": {"color": "#6e2f00", "fillColor": "#D55E00", "symbol": "triangle"},
}
#: Styles of user layers, in turn.
USER_STYLES: tuple[dict[str, Any], ...] = (
    {"color": "#00503b", "fillColor": "#009E73", "symbol": "star"},
    {"color": "#1d5f80", "fillColor": "#56B4E9", "symbol": "cross"},
    {"color": "#5c5500", "fillColor": "#F0E442", "symbol": "star"},
    {"color": "#000000", "fillColor": "#ffffff", "symbol": "circle"},
)
_STYLE_KEYS = {
    "color": "color",
    "fill_color": "fillColor",
    "fillColor": "fillColor",
    "weight": "weight",
    "opacity": "opacity",
    "fill_opacity": "fillOpacity",
    "fillOpacity": "fillOpacity",
    "dash_array": "dashArray",
    "dashArray": "dashArray",
    "symbol": "symbol",
    "radius": "radius",
    "size": "radius",
    "label": "label",
    "category_symbols": "categorySymbols",
    "categorySymbols": "categorySymbols",
}
_COLOR = re.compile(r"^(#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,20}|rgba?\([0-9.,% ]{5,40}\))$")
_DASH = re.compile(r"^[0-9., ]{1,40}$")
_SYMBOL = re.compile(r"^[a-z_-]{1,20}$")
#: Statuses whose ``end_date`` means the feature ceased to exist (otherwise it marks completion).
ENDED_STATUSES = frozenset({"closed", "historical", "transferred"})
_YEAR = re.compile(r"^\s*(-?\d{1,4})(?:[-/.T ]|$)")


def _head_html(title: str) -> str:
    """Return the page's ``<title>``, Leaflet and geomap's own assets, all inline."""
    return "\n".join([
        f"<title>{html.escape(title)}</title>",
        assets.style_tag(assets.leaflet_css()),
        assets.style_tag(assets.geomap_css()),
        assets.script_tag(assets.leaflet_js()),
        assets.script_tag(assets.geomap_js()),
    ])


def _data_html(element_id: str, payload_json: str) -> str:
    """Return the layers' JSON in an inert ``<script type="application/json">``."""
    return f'<script type="application/json" id="{element_id}">{payload_json}</script>'


def _mount_js(map_var: str, element_id: str) -> str:
    """Return the call that draws the JSON element's layers on the Leaflet map ``map_var``."""
    return (f"geomap.mount({map_var}, "
            f'JSON.parse(document.getElementById("{element_id}").textContent));')


@cache
def _folium_classes() -> tuple[type, type]:
    """Return geomap's folium map and layer element classes (folium is imported here only)."""
    import folium
    from branca.element import Element

    class GeomapMap(folium.Map):
        """A :class:`folium.Map` that links nothing from another host.

        folium's default page pulls Leaflet, jQuery, Bootstrap and Font Awesome from CDNs; this
        map drops those links and carries Leaflet and geomap's controls inline instead.
        """

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            # per instance, so add_js_link on one map cannot leak into another
            self.default_js = []
            self.default_css = []

    class _Raw(Element):
        """Text put into the page as it is: never parsed as a Jinja template."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self._text = text

        def render(self, **kwargs: Any) -> str:
            return self._text

    class GeomapLayers(Element):
        """geomap's assets, the JSON of every layer and the call that draws them."""

        def __init__(self, payload_json: str, title: str) -> None:
            super().__init__()
            self._name = "GeomapLayers"
            self.payload_json = payload_json
            self.title = title

        def render(self, **kwargs: Any) -> str:
            figure = self.get_root()
            name = self.get_name()
            figure.header.add_child(_Raw(_head_html(self.title)), name=name)
            figure.html.add_child(_Raw(_data_html(name, self.payload_json)), name=name)
            figure.script.add_child(_Raw(_mount_js(self._parent.get_name(), name)), name=name)
            return ""

    return GeomapMap, GeomapLayers


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<style>
html, body {{ width: 100%; height: 100%; margin: 0; padding: 0; }}
#geomap_map {{ position: relative; width: 100%; height: 100%; }}
</style>
{head}
</head>
<body>
<div id="geomap_map"></div>
{data}
<script>
var geomap_map = L.map("geomap_map", {options});
{mount}
</script>
</body>
</html>
"""


# ------------------------------------------------------------------------------------ helpers


def _style(theme: str, raw: dict[str, Any] | None, base: dict[str, Any] | None = None) -> dict:
    """Merge a catalog ``style`` over the theme's defaults, keeping only safe values."""
    style = {**_BASE_STYLE, **THEME_STYLES.get(theme, {}), **(base or {})}
    for key, value in (raw or {}).items():
        target = _STYLE_KEYS.get(key)
        if target is None or value is None:
            continue
        if target in ("color", "fillColor"):
            if isinstance(value, str) and _COLOR.match(value):
                style[target] = value
        elif target == "dashArray":
            if isinstance(value, str) and _DASH.match(value):
                style[target] = value
        elif target == "symbol":
            if isinstance(value, str) and _SYMBOL.match(value.lower()):
                style[target] = value.lower()
        elif target == "categorySymbols":
            if isinstance(value, dict):
                style[target] = {str(k): v.lower() for k, v in value.items()
                                 if isinstance(v, str) and _SYMBOL.match(v.lower())}
        elif target == "label":
            style[target] = bool(value)
        elif isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
            style[target] = float(value)
    if "fillColor" not in {_STYLE_KEYS.get(k) for k in (raw or {})} and raw and raw.get("color"):
        style["fillColor"] = style["color"]
    style["radius"] = min(max(style["radius"], 6.0), 40.0)
    return style


def _year(value: Any) -> int | None:
    """Return the year of a date given as ISO text (``YYYY``, ``YYYY-MM``...), a date or an int."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if -9999 <= value <= 9999 else None
    if isinstance(value, str):
        match = _YEAR.match(value)
        return int(match.group(1)) if match else None
    year = getattr(value, "year", None)
    if isinstance(year, int):
        return year
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _round_coords(coords: Any, digits: int, bbox: list[float]) -> Any:
    """Round nested GeoJSON coordinates and grow ``bbox`` (west, south, east, north)."""
    if coords and isinstance(coords[0], int | float):
        lon, lat = round(coords[0], digits), round(coords[1], digits)
        if lon < bbox[0]:
            bbox[0] = lon
        if lat < bbox[1]:
            bbox[1] = lat
        if lon > bbox[2]:
            bbox[2] = lon
        if lat > bbox[3]:
            bbox[3] = lat
        return [lon, lat]
    return [_round_coords(part, digits, bbox) for part in coords]


def _feature_row(geometry: dict, props: dict, digits: int, bbox: list[float]) -> list:
    """Return one feature as ``[geometry, properties, start year, end year, approx, radius_m]``."""
    geometry = {
        "type": geometry["type"],
        "coordinates": _round_coords(geometry["coordinates"], digits, bbox),
    }
    radius = site_radius(props)
    status = props.get("status")
    ended = status is None or status in ENDED_STATUSES
    return [
        geometry,
        props,
        _year(props.get("start_date")),
        _year(props.get("end_date")) if ended else None,
        0 if radius is None else 1,
        0 if radius is None else radius,
    ]


def site_radius(props: Mapping[str, Any]) -> float | None:
    """Return the uncertainty radius (metres) of an approximate site, or None for an exact one.

    The map's rule, shared with :func:`geomap.story.site_certainty`: a site is approximate when
    its IATI ``precision`` is a number other than 1; its radius is its
    ``coordinate_uncertainty_m`` or, when that is missing or not positive, the default of its
    code (:data:`DEFAULT_UNCERTAINTY_M`, 0 for a code without one).
    """
    precision = _number(props.get("precision"))
    if precision is None or precision == 1:
        return None
    radius = _number(props.get("coordinate_uncertainty_m")) or 0.0
    if radius <= 0:
        radius = DEFAULT_UNCERTAINTY_M.get(int(precision), 0.0)
    return radius


def _jsonable(value: Any) -> Any:
    """Return a value JSON can hold: NaN/NA -> None, numpy -> Python, dates -> ISO text."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    tolist = getattr(value, "tolist", None)  # numpy scalars and arrays
    if callable(tolist):
        return _jsonable(tolist())
    import pandas

    try:
        if pandas.isna(value) is True:  # NaT, NA
            return None
    except (TypeError, ValueError):
        pass
    isoformat = getattr(value, "isoformat", None)
    return isoformat() if callable(isoformat) else str(value)


def _curated_layer(record: catalog.LayerRecord) -> tuple[dict, list[float]]:
    """Return the JSON-ready layer of a catalog record and its bbox (read as JSON, no pandas)."""
    try:
        data = json.loads(record.path.read_text(encoding="utf-8"))
        features = data["features"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise RenderError(f"{record.path}: cannot read layer {record.name!r} ({exc})") from None
    bbox = [math.inf, math.inf, -math.inf, -math.inf]
    rows = [
        _feature_row(f["geometry"], f.get("properties") or {}, DIGITS, bbox)
        for f in features
        if f.get("geometry")
    ]
    style = _style(record.theme, record.style)
    if record.theme == "context" and record.geometry_type.endswith("Point"):
        style["label"] = bool((record.style or {}).get("label", True))  # place names
    return {
        "name": record.name,
        "title": record.title,
        "theme": record.theme,
        "geometry_type": record.geometry_type,
        "description": record.description,
        "attribution": record.attribution,
        "style": style,
        "user": False,
        "canvas": len(rows) > CANVAS_THRESHOLD,
        "features": rows,
    }, bbox


def _user_layer(
    source: str | os.PathLike | geopandas.GeoDataFrame, number: int, taken: set[str]
) -> tuple[dict, list[float]]:
    """Validate and read one user layer (a file or a GeoDataFrame) into a JSON-ready layer."""
    import shapely

    from geomap.schema import check_layer, read_checked

    if isinstance(source, str | os.PathLike):
        path = Path(source)
        # one layer of a multi-layer file ("FILE|layername=NAME") is labelled by its name
        label = str(source).partition("|layername=")[2] or path.stem
        gdf = read_checked(path)
    else:
        check_layer(source, curated=False)
        gdf = source
        label = str(source.attrs.get("layer") or f"user_layer_{number}")
    if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
        gdf = gdf.to_crs(4326)
    gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    name = label
    while name in taken:
        name = f"{label}_{number}"
        number += 1
    taken.add(name)
    digits = DIGITS if len(gdf) <= LARGE_LAYER else DIGITS - 1
    geoms = shapely.transform(gdf.geometry.values, lambda xy: xy.round(digits))
    props_frame = gdf.drop(columns=gdf.geometry.name)
    columns = [str(c) for c in props_frame.columns]
    bbox = [math.inf, math.inf, -math.inf, -math.inf]
    if len(geoms) and (shapely.get_type_id(geoms) == 0).all():  # points: skip GeoJSON text
        xy = shapely.get_coordinates(geoms).tolist()
        geometries = ({"type": "Point", "coordinates": c} for c in xy)
    else:
        geometries = (json.loads(text) for text in shapely.to_geojson(geoms))
    rows = []
    for geometry, values in zip(
        geometries, props_frame.itertuples(index=False, name=None), strict=True
    ):
        props = {key: _jsonable(value) for key, value in zip(columns, values, strict=True)}
        rows.append(_feature_row(geometry, props, digits, bbox))
    kinds = sorted(set(gdf.geom_type.str.replace("Multi", "")))
    style = _style("user", None, USER_STYLES[(number - 1) % len(USER_STYLES)])
    return {
        "name": name,
        "title": f"{name} (your layer)",
        "theme": "user",
        "geometry_type": kinds[0] if len(kinds) == 1 else "Point" if not kinds else kinds[0],
        "description": f"User layer from {label}",
        "attribution": f"{name}: user layer",
        "style": style,
        "user": True,
        "canvas": len(rows) > CANVAS_THRESHOLD,
        "features": rows,
    }, bbox


def _clip_to_focus(bbox: list[float], margin: float = 0.5) -> list[float]:
    """Clip a curated layer's bbox to Tajikistan (plus ``margin`` degrees) for the first view.

    Curated layers reach far (Urumqi, Uzbek lakes); the page should open on Tajikistan, with
    those a zoom-out away. A bbox wholly outside the focus is kept as it is.
    """
    west, south, east, north = TAJIKISTAN_BBOX
    focus = [west - margin, south - margin, east + margin, north + margin]
    clipped = [max(bbox[0], focus[0]), max(bbox[1], focus[1]),
               min(bbox[2], focus[2]), min(bbox[3], focus[3])]
    return clipped if clipped[0] <= clipped[2] and clipped[1] <= clipped[3] else bbox


def _bounds(bboxes: Iterable[list[float]]) -> list[list[float]]:
    """Return Leaflet bounds ``[[south, west], [north, east]]`` around the given bboxes."""
    boxes = [b for b in bboxes if math.isfinite(b[0])]
    if not boxes:
        west, south, east, north = TAJIKISTAN_BBOX
    else:
        west = min(b[0] for b in boxes)
        south = min(b[1] for b in boxes)
        east = max(b[2] for b in boxes)
        north = max(b[3] for b in boxes)
    pad_x = max(0.0, 0.5 - (east - west)) / 2
    pad_y = max(0.0, 0.5 - (north - south)) / 2
    return [[south - pad_y, west - pad_x], [north + pad_y, east + pad_x]]


# ---------------------------------------------------------------------------------- public API


@dataclass(frozen=True)
class _Prepared:
    """Everything a page needs: the layers as safe JSON, the title and where to look."""

    payload_json: str
    title: str
    center: list[float]
    counts: dict[str, int]


def _prepare(
    layers: str | Sequence[str] | None,
    add: Iterable[str | os.PathLike | geopandas.GeoDataFrame],
    title: str,
    basemap: bool,
    layer: str | None = None,
) -> _Prepared:
    """Read, check and convert the layers of a map (see :func:`render_map`)."""
    from geomap.readers import choose_layer

    if isinstance(layers, str):
        layers = [layers]
    if isinstance(add, str | os.PathLike):
        add = [add]
    add = choose_layer(layer, *add)
    if not isinstance(title, str) or not title.strip():
        raise RenderError(f"the map title must be non-empty text, got {title!r}")
    title = title.encode("utf-8", "replace").decode("utf-8")  # undecodable argv bytes -> "?"
    records = catalog.list_layers() if layers is None else [catalog.get_layer(n) for n in layers]
    chosen = {r.name for r in records}
    if basemap:
        records = [r for r in catalog.list_layers("context") if r.name not in chosen] + records
    order = list(catalog.THEMES)
    records.sort(key=lambda r: order.index(r.theme) if r.theme in order else len(order))

    payload_layers, bboxes, frames = [], [], []
    for record in records:
        layer, bbox = _curated_layer(record)
        payload_layers.append(layer)
        if record.theme != "context":
            bboxes.append(_clip_to_focus(bbox))
        elif record.geometry_type.endswith("Polygon"):
            frames.append(bbox)
    taken = {layer["name"] for layer in payload_layers}
    for number, source in enumerate(add, 1):
        layer, bbox = _user_layer(source, number, taken)
        payload_layers.append(layer)
        bboxes.append(bbox)

    feature_total = sum(len(layer["features"]) for layer in payload_layers)
    themes = [{"key": key, "title": title_} for key, title_ in catalog.THEMES.items()]
    themes.append({"key": "user", "title": "Your layers"})
    attributions = []  # each credit once, though many layers share it
    for layer in payload_layers:
        for credit in (layer["attribution"] or "").split("; "):
            if credit.strip() and credit.strip() not in attributions:
                attributions.append(credit.strip())
    payload = {
        "title": title,
        "subtitle": f"{len(payload_layers)} layers, {feature_total} features; works offline. "
        "Click a feature for its sources.",
        "home": HOME_COUNTRY,
        "bounds": _bounds(bboxes),
        "frame": _bounds(frames) if frames else None,
        "themes": themes,
        "layers": payload_layers,
        "attributions": attributions,
        "circle_max_m": UNCERTAINTY_CIRCLE_MAX_M,
        "precision_codes": {str(code): text for code, text in PRECISION_CODES.items()},
        "categories": CATEGORIES,
    }
    payload_json = assets.json_for_script(payload)

    bounds = payload["bounds"]
    return _Prepared(
        payload_json=payload_json,
        title=title,
        center=[(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2],
        counts={layer["name"]: len(layer["features"]) for layer in payload_layers},
    )


def render_map(
    layers: str | Sequence[str] | None = None,
    *,
    add: Iterable[str | os.PathLike | geopandas.GeoDataFrame] = (),
    title: str = DEFAULT_TITLE,
    basemap: bool = True,
    layer: str | None = None,
    width: str | int = "100%",
    height: str | int = "100%",
) -> folium.Map:
    """Return an interactive, self-contained map of curated and user layers.

    Parameters
    ----------
    layers
        Curated layer names to draw; ``None`` draws every curated layer. The basemap layers
        (theme ``"context"``: countries, rivers, lakes, places) are drawn in any case.
    add
        User layers: paths of files ``geomap validate`` accepts, or GeoDataFrames. Each is
        checked with :func:`geomap.validate_layer` (``curated=False``) first. One layer of a
        file that holds several (GeoPackage, KML, zip) is written ``"FILE|layername=NAME"``,
        or named with ``layer``; it is drawn under the name of that layer.
    title
        Title shown on the map and in the browser tab.
    basemap
        Draw the ``context`` layers even when ``layers`` does not name them.
    layer
        The layer to read from each file in ``add`` that holds several layers; files with one
        layer are drawn whole. Refused when no file in ``add`` holds such a layer (see
        :func:`geomap.readers.choose_layer`).
    width, height
        Size of the map (CSS length or pixels); the default fills the page.

    Returns
    -------
    folium.Map
        Displays inline in Jupyter; write it with :func:`save_map` (or ``.save()``).

    Raises
    ------
    LayerNotFoundError
        When a curated layer name is unknown.
    LayerReadError, LayerValidationError
        When a user layer cannot be read or breaks the schema.
    RenderError
        When the data cannot be put into the page.
    """
    prepared = _prepare(layers, add, title, basemap, layer)
    map_class, layers_class = _folium_classes()
    m = map_class(location=prepared.center, zoom_start=7, tiles=None, width=width, height=height,
                  prefer_canvas=False, control_scale=False, zoom_snap=0.25)
    m.add_child(layers_class(prepared.payload_json, prepared.title))
    m.geomap_layers = list(prepared.counts)
    m.geomap_counts = dict(prepared.counts)
    return m


def save_map(m: folium.Map, path: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Write the map's HTML page to ``path`` atomically; return the path.

    The page is written to a temporary file beside ``path`` and renamed into place, so a
    failure never leaves a half-written page.

    Raises
    ------
    RenderError
        When ``path`` exists and ``overwrite`` is false, or cannot be written. Missing
        folders are created.
    """
    check_target(path, overwrite=overwrite, error=RenderError)
    page = m.get_root().render()
    return write_atomic(path, page, overwrite=overwrite, error=RenderError)


def write_map(
    path: str | os.PathLike,
    layers: str | Sequence[str] | None = None,
    *,
    add: Iterable[str | os.PathLike | geopandas.GeoDataFrame] = (),
    title: str = DEFAULT_TITLE,
    basemap: bool = True,
    layer: str | None = None,
    overwrite: bool = False,
) -> dict[str, int]:
    """Write the map page of :func:`render_map` straight to ``path``, without folium.

    This is what ``geomap map`` runs: the same page (same assets, data and controls) in a
    plain HTML shell, so the command does not pay for importing folium and pandas.

    Returns
    -------
    dict
        Feature count per layer drawn, in drawing order.

    Raises
    ------
    RenderError
        As :func:`save_map`; and as :func:`render_map` for the layers.
    """
    check_target(path, overwrite=overwrite, error=RenderError)
    prepared = _prepare(layers, add, title, basemap, layer)
    options = json.dumps({"center": prepared.center, "zoom": 7, "zoomControl": True,
                          "zoomSnap": 0.25, "preferCanvas": False})
    page = _PAGE.format(head=_head_html(prepared.title),
                        data=_data_html("geomap_data", prepared.payload_json),
                        options=options, mount=_mount_js("geomap_map", "geomap_data"))
    write_atomic(path, page, overwrite=overwrite, error=RenderError)
    return dict(prepared.counts)
