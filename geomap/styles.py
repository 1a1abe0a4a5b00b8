"""QGIS (QML) and OGC (SLD) styles from a catalog record's ``style``.

A record's ``style`` is the one description of how a layer looks; the map, the ``.qml`` files
shipped beside the GeoJSON layers, the ``layer_styles`` table of a GeoPackage export and the KML
styles are all made from it. Keys read here (all optional)::

    color          stroke / marker outline colour, "#rrggbb" or a CSS colour name
    fill_color     fill colour of polygons and markers (defaults to ``color``)
    fill_opacity   0..1 (default 0.3 for polygons, 0.85 for markers)
    opacity        stroke opacity 0..1 (default 1)
    weight         stroke width in pixels (default 2; marker outline 1)
    dash_array     Leaflet dash pattern such as "6,4" (solid when absent)
    symbol         marker shape: circle, square, triangle, diamond, star, cross (default circle);
                   "hatched" draws a polygon with diagonal hatching
    radius         marker radius in pixels (default 6)
    category_colors   {category: colour} for layers drawn by category
    category_symbols  {category: marker shape} for layers drawn by category

Layers whose features have a ``category`` get a categorized renderer (one class per category
present, coloured from ``category_colors`` and shaped from ``category_symbols``, or else as the
layer), so a user sees the same classes in QGIS as in the map legend.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from typing import Any, Literal

__all__ = [
    "GeometryKind",
    "geometry_kind",
    "kml_color",
    "qml_style",
    "rgba",
    "sld_style",
]

GeometryKind = Literal["point", "line", "polygon"]

#: QGIS simple-marker shape names for the record's ``symbol``.
_QGIS_SHAPES = {
    "circle": "circle",
    "square": "square",
    "triangle": "triangle",
    "diamond": "diamond",
    "star": "star",
    "cross": "cross2",
    "pentagon": "pentagon",
    "hexagon": "hexagon",
}
#: SLD WellKnownName for the record's ``symbol``.
_SLD_SHAPES = {
    "circle": "circle",
    "square": "square",
    "triangle": "triangle",
    "diamond": "square",
    "star": "star",
    "cross": "x",
    "pentagon": "circle",
    "hexagon": "circle",
}
_QGIS_VERSION = "3.28.0-Firenze"


def geometry_kind(geometry_type: str) -> GeometryKind:
    """Return "point", "line" or "polygon" for a geometry type name such as "MultiLineString"."""
    kind = geometry_type.replace("Multi", "").lower()
    if kind.endswith("point"):
        return "point"
    if "line" in kind:
        return "line"
    if "polygon" in kind:
        return "polygon"
    raise ValueError(f"no style for geometry type {geometry_type!r}")


def rgba(color: str, alpha: float = 1.0) -> tuple[int, int, int, int]:
    """Return an (r, g, b, a) tuple of 0-255 integers for a CSS or hex colour."""
    from matplotlib.colors import to_rgba

    r, g, b, _ = to_rgba(color)
    return round(r * 255), round(g * 255), round(b * 255), round(alpha * 255)


def kml_color(color: str, alpha: float = 1.0) -> str:
    """Return a KML colour (``aabbggrr`` hex) for a CSS or hex colour."""
    r, g, b, a = rgba(color, alpha)
    return f"{a:02x}{b:02x}{g:02x}{r:02x}"


def _hex(color: str) -> str:
    r, g, b, _ = rgba(color)
    return f"#{r:02x}{g:02x}{b:02x}"


def _qcolor(color: str, alpha: float = 1.0) -> str:
    return ",".join(str(part) for part in rgba(color, alpha))


def _style_values(style: Mapping[str, Any], kind: GeometryKind) -> dict[str, Any]:
    color = style.get("color") or "#3388ff"
    return {
        "color": color,
        "fill_color": style.get("fill_color") or color,
        "fill_opacity": float(style.get("fill_opacity", 0.3 if kind == "polygon" else 0.85)),
        "opacity": float(style.get("opacity", 1.0)),
        "weight": float(style.get("weight", 2 if kind != "point" else 1)),
        "dash": [float(x) for x in str(style.get("dash_array") or "").replace(" ", ",").split(",")
                 if x.strip()],
        "symbol": str(style.get("symbol") or "circle"),
        "radius": float(style.get("radius", 6)),
    }


def _classes(style: Mapping[str, Any],
             categories: Iterable[str] | None) -> list[tuple[str, str, str | None]]:
    """Return (category, colour, symbol) of each class of a categorized style, or []."""
    if not categories:
        return []
    colors = style.get("category_colors") or {}
    symbols = style.get("category_symbols") or {}
    default = style.get("fill_color") or style.get("color") or "#3388ff"
    return [(cat, colors.get(cat, default), symbols.get(cat))
            for cat in sorted(set(categories))]


# ---------------------------------------------------------------------------------------- QML


def _symbol_options(values: dict[str, Any], kind: GeometryKind, fill: str,
                    shape: str | None) -> dict[str, str]:
    """Return the QGIS symbol-layer properties of one symbol."""
    stroke = _qcolor(values["color"], values["opacity"])
    if kind == "point":
        return {
            "name": _QGIS_SHAPES.get(shape or values["symbol"], "circle"),
            "color": _qcolor(fill, values["fill_opacity"]),
            "outline_color": stroke,
            "outline_style": "solid",
            "outline_width": f"{values['weight']:g}",
            "outline_width_unit": "Pixel",
            "size": f"{2 * values['radius']:g}",
            "size_unit": "Pixel",
            "scale_method": "diameter",
        }
    if kind == "line":
        return {
            "line_color": _qcolor(fill or values["color"], values["opacity"]),
            "line_style": "solid",
            "line_width": f"{values['weight']:g}",
            "line_width_unit": "Pixel",
            "capstyle": "round",
            "joinstyle": "round",
            "use_custom_dash": "1" if values["dash"] else "0",
            "customdash": ";".join(f"{x:g}" for x in values["dash"]) or "5;2",
            "customdash_unit": "Pixel",
        }
    hatched = values["symbol"] == "hatched"
    return {
        "color": _qcolor(fill, 1.0 if hatched else values["fill_opacity"]),
        "style": "b_diagonal" if hatched else "solid",
        "outline_color": stroke,
        "outline_style": "dash" if values["dash"] else "solid",
        "outline_width": f"{values['weight']:g}",
        "outline_width_unit": "Pixel",
        "joinstyle": "round",
    }


def _qml_symbol(values: dict[str, Any], kind: GeometryKind, name: str, fill: str,
                shape: str | None = None) -> ET.Element:
    symbol_type = {"point": "marker", "line": "line", "polygon": "fill"}[kind]
    symbol = ET.Element("symbol", {"type": symbol_type, "name": name, "alpha": "1",
                                   "clip_to_extent": "1", "force_rhr": "0"})
    layer_class = {"point": "SimpleMarker", "line": "SimpleLine", "polygon": "SimpleFill"}[kind]
    layer = ET.SubElement(symbol, "layer", {"class": layer_class, "enabled": "1", "pass": "0",
                                            "locked": "0"})
    properties = _symbol_options(values, kind, fill, shape)
    # QGIS >= 3.26 reads the Option map; older 3.x releases read the prop elements
    options = ET.SubElement(layer, "Option", {"type": "Map"})
    for key, value in properties.items():
        ET.SubElement(options, "Option", {"name": key, "type": "QString", "value": value})
    for key, value in properties.items():
        ET.SubElement(layer, "prop", {"k": key, "v": value})
    return symbol


def qml_style(
    style: Mapping[str, Any],
    geometry_type: str,
    *,
    categories: Iterable[str] | None = None,
    label_field: str | None = "name",
) -> str:
    """Return a QGIS layer style (QML document) drawing a layer as ``style`` describes.

    Parameters
    ----------
    style
        A catalog record's ``style`` mapping.
    geometry_type
        The layer's geometry type ("Point", "MultiPolygon", ...).
    categories
        Category values present in the layer: when given, one class per category on the
        ``category`` field.
    label_field
        Field shown as the map tip (hover text) in QGIS.

    Examples
    --------
    >>> qml = qml_style({"color": "#d62728", "symbol": "square"}, "Point")
    >>> "SimpleMarker" in qml and "square" in qml
    True
    """
    kind = geometry_kind(geometry_type)
    values = _style_values(style, kind)
    root = ET.Element("qgis", {"version": _QGIS_VERSION, "styleCategories": "Symbology|MapTips"})
    classes = _classes(style, categories)
    if classes:
        renderer = ET.SubElement(root, "renderer-v2", {
            "type": "categorizedSymbol", "attr": "category", "symbollevels": "0",
            "enableorderby": "0", "forceraster": "0"})
        cats = ET.SubElement(renderer, "categories")
        symbols = ET.SubElement(renderer, "symbols")
        for index, (category, color, shape) in enumerate(classes):
            ET.SubElement(cats, "category", {"symbol": str(index), "value": category,
                                             "label": _label(category), "render": "true"})
            symbols.append(_qml_symbol(values, kind, str(index), color, shape))
        source = ET.SubElement(renderer, "source-symbol")
        source.append(_qml_symbol(values, kind, "0", values["fill_color"]))
    else:
        renderer = ET.SubElement(root, "renderer-v2", {
            "type": "singleSymbol", "symbollevels": "0", "enableorderby": "0",
            "forceraster": "0"})
        symbols = ET.SubElement(renderer, "symbols")
        fill = values["fill_color"] if kind != "line" else values["color"]
        symbols.append(_qml_symbol(values, kind, "0", fill))
    ET.SubElement(renderer, "rotation")
    ET.SubElement(renderer, "sizescale")
    if label_field:
        ET.SubElement(root, "mapTip").text = f"[% \"{label_field}\" %]"
        ET.SubElement(root, "previewExpression").text = f'"{label_field}"'
    geometry_code = {"point": "0", "line": "1", "polygon": "2"}[kind]
    ET.SubElement(root, "layerGeometryType").text = geometry_code
    ET.indent(root, "  ")
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + ET.tostring(
        root, encoding="unicode") + "\n"


def _label(category: str) -> str:
    from geomap.schema import CATEGORIES

    return CATEGORIES.get(category, category)


# ---------------------------------------------------------------------------------------- SLD

_SLD = "http://www.opengis.net/sld"
_OGC = "http://www.opengis.net/ogc"
_XLINK = "http://www.w3.org/1999/xlink"


def _css(parent: ET.Element, tag: str, name: str, value: Any) -> None:
    ET.SubElement(parent, f"{{{_SLD}}}{tag}", {"name": name}).text = str(value)


def _sld_fill(parent: ET.Element, fill: str, values: dict[str, Any]) -> None:
    fill_el = ET.SubElement(parent, f"{{{_SLD}}}Fill")
    _css(fill_el, "CssParameter", "fill", _hex(fill))
    _css(fill_el, "CssParameter", "fill-opacity", f"{values['fill_opacity']:g}")


def _sld_stroke(parent: ET.Element, color: str, values: dict[str, Any]) -> None:
    """Add a stroke with the layer's opacity, width and dashes (lines and polygon edges)."""
    stroke = ET.SubElement(parent, f"{{{_SLD}}}Stroke")
    _css(stroke, "CssParameter", "stroke", _hex(color))
    _css(stroke, "CssParameter", "stroke-opacity", f"{values['opacity']:g}")
    _css(stroke, "CssParameter", "stroke-width", f"{values['weight']:g}")
    if values["dash"]:
        _css(stroke, "CssParameter", "stroke-dasharray",
             " ".join(f"{x:g}" for x in values["dash"]))


def _sld_symbolizer(values: dict[str, Any], kind: GeometryKind, fill: str,
                    shape: str | None = None) -> ET.Element:
    s = f"{{{_SLD}}}"
    if kind == "point":
        sym = ET.Element(f"{s}PointSymbolizer")
        graphic = ET.SubElement(sym, f"{s}Graphic")
        mark = ET.SubElement(graphic, f"{s}Mark")
        ET.SubElement(mark, f"{s}WellKnownName").text = _SLD_SHAPES.get(shape or values["symbol"],
                                                                         "circle")
        _sld_fill(mark, fill, values)
        stroke = ET.SubElement(mark, f"{s}Stroke")
        _css(stroke, "CssParameter", "stroke", _hex(values["color"]))
        _css(stroke, "CssParameter", "stroke-width", f"{values['weight']:g}")
        ET.SubElement(graphic, f"{s}Size").text = f"{2 * values['radius']:g}"
        return sym
    if kind == "line":
        sym = ET.Element(f"{s}LineSymbolizer")
        _sld_stroke(sym, fill, values)
        return sym
    sym = ET.Element(f"{s}PolygonSymbolizer")
    _sld_fill(sym, fill, values)
    _sld_stroke(sym, values["color"], values)
    return sym


def sld_style(
    style: Mapping[str, Any],
    geometry_type: str,
    layer_name: str,
    *,
    categories: Iterable[str] | None = None,
) -> str:
    """Return an OGC SLD 1.0 document drawing ``layer_name`` as ``style`` describes.

    Categorized layers get one rule per category, filtered on the ``category`` property.
    """
    ET.register_namespace("sld", _SLD)
    ET.register_namespace("ogc", _OGC)
    ET.register_namespace("xlink", _XLINK)
    s = f"{{{_SLD}}}"
    kind = geometry_kind(geometry_type)
    values = _style_values(style, kind)
    root = ET.Element(f"{s}StyledLayerDescriptor", {"version": "1.0.0"})
    named = ET.SubElement(root, f"{s}NamedLayer")
    ET.SubElement(named, f"{s}Name").text = layer_name
    user = ET.SubElement(named, f"{s}UserStyle")
    ET.SubElement(user, f"{s}Name").text = layer_name
    fts = ET.SubElement(user, f"{s}FeatureTypeStyle")
    classes = _classes(style, categories)
    if not classes:
        fill = values["fill_color"] if kind != "line" else values["color"]
        rule = ET.SubElement(fts, f"{s}Rule")
        ET.SubElement(rule, f"{s}Name").text = layer_name
        rule.append(_sld_symbolizer(values, kind, fill))
    for category, color, shape in classes:
        rule = ET.SubElement(fts, f"{s}Rule")
        ET.SubElement(rule, f"{s}Name").text = category
        ET.SubElement(rule, f"{s}Title").text = _label(category)
        flt = ET.SubElement(rule, f"{{{_OGC}}}Filter")
        equal = ET.SubElement(flt, f"{{{_OGC}}}PropertyIsEqualTo")
        ET.SubElement(equal, f"{{{_OGC}}}PropertyName").text = "category"
        ET.SubElement(equal, f"{{{_OGC}}}Literal").text = category
        rule.append(_sld_symbolizer(values, kind, color, shape))
    ET.indent(root, "  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
