"""Static map pictures for slides and handouts: PNG, SVG or PDF, no browser needed.

A picture has a title, the layers in geomap's colour-blind safe story styles, a legend, a
geodesic scale bar, a north arrow and the source attribution. It is drawn with geopandas and
matplotlib in an azimuthal equidistant projection centred on the picture, so distances from the
centre are true and the scale bar is measured on the ellipsoid (pyproj ``Geod``).
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from geomap.errors import LayerNotFoundError, RenderError
from geomap.story import (
    TAJIKISTAN_BOUNDS,
    Story,
    layer_frame,
    layer_style,
    load_story,
    start_year,
    write_atomic,
)

if TYPE_CHECKING:
    import geopandas

__all__ = [
    "FORMATS",
    "parse_size",
    "render_picture",
    "render_step_pictures",
    "step_picture_path",
]

#: Picture formats by file suffix.
FORMATS: dict[str, Literal["png", "svg", "pdf"]] = {".png": "png", ".svg": "svg", ".pdf": "pdf"}

_DPI = 100
_MARKERS = {"circle": "o", "square": "s", "triangle": "^", "diamond": "D", "star": "*"}
_WATER = "#dfeaf2"


def parse_size(text: str) -> tuple[int, int]:
    """Return ``(width, height)`` in pixels from ``"1920x1080"``.

    Raises
    ------
    RenderError
        When the text is not WIDTHxHEIGHT with both between 200 and 10000 pixels.
    """
    parts = text.lower().replace(" ", "").split("x")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise RenderError(f"size {text!r} is not WIDTHxHEIGHT in pixels, e.g. 1920x1080")
    width, height = int(parts[0]), int(parts[1])
    if not (200 <= width <= 10_000 and 200 <= height <= 10_000):
        raise RenderError(f"size {text!r}: width and height must be 200 to 10000 pixels")
    return width, height


@dataclass
class _Layer:
    name: str
    title: str
    attribution: str
    style: dict[str, Any]
    gdf: Any  # projected GeoDataFrame


def step_picture_path(path: str | Path, number: int, total: int) -> Path:
    """Return the file for step ``number`` of ``total``: ``story.png`` -> ``story-03.png``."""
    path = Path(path)
    digits = max(2, len(str(total)))
    return path.with_name(f"{path.stem}-{number:0{digits}d}{path.suffix}")


def _story_bounds(story: Story, step: int, width: int, height: int) -> tuple[float, ...] | None:
    view = story.steps[step - 1].view
    if view is None:
        return None
    if view.bounds:
        return view.bounds
    lat, lon = view.center
    # Leaflet shows 360 / 2**zoom degrees of longitude per 256 pixels; use a 1000-pixel map
    half_lon = 360 / 2**view.zoom * (1000 / 256) / 2
    half_lat = half_lon * height / width * math.cos(math.radians(lat))
    return (lon - half_lon, lat - half_lat, lon + half_lon, lat + half_lat)


def _nice_length(metres: float) -> float:
    """Largest 1, 2 or 5 times a power of ten not above ``metres``."""
    power = 10 ** math.floor(math.log10(metres))
    for factor in (5, 2, 1):
        if factor * power <= metres:
            return factor * power
    return power


def render_picture(
    layers: Sequence[str] | None = None,
    path: str | Path = "output/map.png",
    *,
    story: str | Path | Story | None = None,
    step: int | None = None,
    size: tuple[int, int] | str = (1920, 1080),
    title: str | None = None,
    bounds: tuple[float, float, float, float] | None = None,
    overwrite: bool = False,
    layer_data: Mapping[str, geopandas.GeoDataFrame] | None = None,
) -> Path:
    """Draw a static map of curated layers, or of one story step, and write it to ``path``.

    Parameters
    ----------
    layers
        Layer names to draw. With ``step`` the step's layers are drawn, followed by these.
    path
        Output file; ``.png``, ``.svg`` or ``.pdf``. Written through a temporary file.
    story
        Story file or :class:`~geomap.story.Story` (the default story when ``None`` and
        ``step`` is given).
    step
        1-based story step to draw: its layers, highlights, view, title and citations.
    size
        ``(width, height)`` in pixels (or ``"1920x1080"``); PDF and SVG keep the proportions
        at 100 pixels per inch.
    title
        Title at the top; defaults to the step's title or the layer titles.
    bounds
        ``(west, south, east, north)`` to show; defaults to the step's view or the layers.
    overwrite
        Replace ``path`` if it exists.
    layer_data
        Layers by name to use instead of the curated catalog.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    RenderError
        Unknown format, bad size, step out of range, nothing to draw, or ``path`` exists.
    LayerNotFoundError
        A layer name not in the catalog.
    """
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise RenderError(f"{path}: unknown picture format {path.suffix or '(none)'!r}; "
                          f"use {', '.join(FORMATS)}")
    if path.exists() and not overwrite:
        raise RenderError(f"{path}: already exists; pass --overwrite to replace it")
    width, height = parse_size(size) if isinstance(size, str) else size
    parse_size(f"{width}x{height}")

    names = list(layers or [])
    highlight: tuple[str, ...] = ()
    citations: list[str] = []
    text = ""
    until: int | None = None
    if step is not None or story is not None:
        if not isinstance(story, Story):
            story = load_story(story, layer_data=layer_data)
        if step is None:
            raise RenderError(f"{story.source}: give the step to draw (1 to {len(story.steps)})")
        if not 1 <= step <= len(story.steps):
            raise RenderError(f"{story.source}: has {len(story.steps)} steps; "
                              f"step {step} is out of range")
        chosen = story.steps[step - 1]
        names = list(dict.fromkeys([*story.step_layers(step), *names]))
        highlight = chosen.highlight
        citations = [c.label() for c in chosen.citations]
        text = chosen.text
        until = chosen.until
        if title is None:
            title = f"{chosen.year}: {chosen.title}" if chosen.year else chosen.title
        if bounds is None:
            bounds = _story_bounds(story, step, width, height)
    if not names:
        raise RenderError(f"{path}: nothing to draw; name layers with -l or a story step")
    data = _draw(names, highlight, bounds, title, citations, text, until, (width, height), fmt,
                 layer_data)
    write_atomic(path, data)
    return path


def render_step_pictures(
    story: str | Path | Story | None = None,
    path: str | Path = "output/story.png",
    **options: Any,
) -> list[Path]:
    """Write one picture per story step (``story-01.png``, ``story-02.png``...).

    ``options`` are passed to :func:`render_picture` (``size``, ``overwrite``, ``layers``...).
    """
    layer_data = options.get("layer_data")
    if not isinstance(story, Story):
        story = load_story(story, layer_data=layer_data)
    total = len(story.steps)
    targets = [step_picture_path(path, n, total) for n in range(1, total + 1)]
    if not options.get("overwrite"):
        for target in targets:
            if target.exists():
                raise RenderError(f"{target}: already exists; pass --overwrite to replace it")
    return [
        render_picture(path=target, story=story, step=n, **options)
        for n, target in enumerate(targets, 1)
    ]


# --------------------------------------------------------------------------- drawing


def _draw(
    names: list[str],
    highlight: Sequence[str],
    bounds: tuple[float, ...] | None,
    title: str | None,
    citations: list[str],
    text: str,
    until: int | None,
    size: tuple[int, int],
    fmt: str,
    layer_data: Mapping[str, Any] | None,
) -> bytes:
    import matplotlib.patheffects as pe
    import shapely
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from pyproj import Transformer

    frames = []
    for position, name in enumerate(names):
        gdf, layer_title, attribution, record = layer_frame(name, layer_data)
        if until is not None and "start_date" in gdf:
            # a story step shows only what existed by its year
            keep = [(y := start_year(v)) is None or y <= until for v in gdf["start_date"]]
            gdf = gdf[keep]
        frames.append((name, layer_title, attribution, layer_style(name, position, record), gdf))
    if bounds is None:
        every = [(n, g) for n, *_, gdf in frames for g in gdf.geometry
                 if g is not None and not g.is_empty]
        geoms = [g for n, g in every if n != "countries"] or [g for _, g in every]
        if geoms:
            west, south, east, north = shapely.GeometryCollection(geoms).bounds
            pad_x, pad_y = max((east - west) * 0.1, 0.3), max((north - south) * 0.1, 0.3)
            bounds = (west - pad_x, south - pad_y, east + pad_x, north + pad_y)
        else:
            bounds = TAJIKISTAN_BOUNDS
    west, south, east, north = bounds
    lon0, lat0 = (west + east) / 2, (south + north) / 2
    crs = f"+proj=aeqd +lat_0={lat0:.4f} +lon_0={lon0:.4f} +datum=WGS84 +units=m +no_defs"
    to_map = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    to_lonlat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    xmin, ymin, xmax, ymax = to_map.transform_bounds(west, south, east, north, densify_pts=21)

    width, height = size
    scale = min(width / 1920, height / 1080) ** 0.5 * (height / 1080) ** 0.5
    fig = Figure(figsize=(width / _DPI, height / _DPI), dpi=_DPI, facecolor="white")
    panel = 0.27 if width >= height else 0.0
    fs = 15 * scale  # base font size in points

    def chars(size_pt: float, share: float, em: float = 0.6) -> int:
        """How many characters of a font size fit in ``share`` of the picture width."""
        return max(20, int(share * width / (size_pt * _DPI / 72 * em)))

    def lines_height(count: int, size_pt: float) -> float:
        """Height of ``count`` text lines as a fraction of the picture height."""
        return count * size_pt * 1.3 / 72 * _DPI / height

    heading = title or "; ".join(f[1] for f in frames if f[0] != "countries") or "geomap"
    title_lines = textwrap.wrap(heading, chars(fs * 1.9, 0.97, 0.62))
    credits: list[str] = []
    for *_, attribution, _style, _gdf in frames:
        for part in attribution.split(";"):
            part = part.strip().rstrip(".")
            if part and part not in credits:
                credits.append(part)
    footer = []
    if citations:
        footer.append("Sources: " + " | ".join(citations))
    footer.append(f"Map data: {'; '.join(credits) or 'geomap'}. Drawn by geomap; azimuthal "
                  f"equidistant projection centred on {lat0:.2f}°N {lon0:.2f}°E; borders are "
                  "approximate.")
    footer_lines = [line for f in footer for line in textwrap.wrap(f, chars(fs * 0.62, 0.97))]
    top = 0.985 - lines_height(len(title_lines), fs * 1.9) - 0.02
    bottom = 0.012 + lines_height(len(footer_lines), fs * 0.62) + 0.02
    if not panel:
        bottom += 0.22  # the legend goes under the map in portrait pictures
    ax = fig.add_axes((0.015, bottom, 1 - panel - 0.03, top - bottom))
    # widen the projected box to the axes' proportions so the map fills the axes undistorted
    box_w, box_h = (1 - panel - 0.03) * width, (top - bottom) * height
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    half_w, half_h = (xmax - xmin) / 2, (ymax - ymin) / 2
    if half_w / half_h < box_w / box_h:
        half_w = half_h * box_w / box_h
    else:
        half_h = half_w * box_h / box_w
    xmin, xmax, ymin, ymax = cx - half_w, cx + half_w, cy - half_h, cy + half_h
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_aspect("auto")
    ax.set_facecolor(_WATER)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    for spine in ax.spines.values():
        spine.set_linewidth(1.5 * scale)

    halo = [pe.withStroke(linewidth=4 * scale, foreground="white")]
    legend: list[Any] = []

    if "countries" not in names and (layer_data is None or "countries" in (layer_data or {})):
        try:
            countries = layer_frame("countries", layer_data)[0]
        except LayerNotFoundError:  # the basemap is optional context
            countries = None
        if countries is not None and len(countries):
            base = layer_style("countries")
            fills = [base["focus_fill"] if i == base["focus"] else base["fill"]
                     for i in countries.get("id", [None] * len(countries))]
            countries.to_crs(crs).plot(ax=ax, color=fills, edgecolor="#777777",
                                       linewidth=1 * scale, zorder=1)

    for z, (name, layer_title, _attribution, style, gdf) in enumerate(frames, start=2):
        gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
        if not len(gdf):
            continue
        projected = gdf.to_crs(crs)
        kinds = set(projected.geom_type.str.replace("Multi", ""))
        colour = style.get("color", "#0072B2")
        dash = style.get("dash")
        linestyle: Any = "-"
        if dash:
            linestyle = (0, tuple(float(d) for d in str(dash).replace(",", " ").split()))
        lw = float(style.get("weight", 3)) * scale
        ids = projected["id"].astype(str) if "id" in projected else None
        on = ids.isin(list(highlight)) if ids is not None else None
        label = "\n".join(textwrap.wrap(layer_title, 34))
        if kinds <= {"Point"}:
            marker = _MARKERS.get(style.get("shape", "circle"), "o")
            # a star covers less ink than a square of the same size
            size_pt = 13 * scale * (1.45 if marker == "*" else 1.0)
            projected.plot(ax=ax, marker=marker, color=colour, edgecolor="white",
                           linewidth=1.2 * scale, markersize=size_pt**2, zorder=z + 20)
            legend.append(Line2D([], [], linestyle="none", marker=marker, markersize=size_pt,
                                 markerfacecolor=colour, markeredgecolor="white", label=label))
            if on is not None and on.any():
                projected[on].plot(ax=ax, marker=marker, color=colour, edgecolor="black",
                                   linewidth=2.5 * scale, markersize=(size_pt * 1.6) ** 2,
                                   zorder=z + 40)
        elif kinds <= {"LineString"}:
            projected.plot(ax=ax, color=colour, linewidth=lw, linestyle=linestyle, zorder=z + 10)
            legend.append(Line2D([], [], color=colour, linewidth=lw, linestyle=linestyle,
                                 label=label))
            if on is not None and on.any():
                projected[on].plot(ax=ax, color="black", linewidth=lw + 4 * scale, zorder=z + 30)
                projected[on].plot(ax=ax, color=colour, linewidth=lw, zorder=z + 31)
        else:
            fill = style.get("fill", colour)
            alpha = float(style.get("fill_opacity", 0.25))
            if style.get("focus") and ids is not None:
                fill = [style["focus_fill"] if i == style["focus"] else fill for i in ids]
            projected.plot(ax=ax, color=fill, alpha=alpha, edgecolor="none", zorder=z)
            projected.boundary.plot(ax=ax, color=colour, linewidth=lw, linestyle=linestyle,
                                    zorder=z + 1)
            if name != "countries":
                legend.append(Patch(facecolor=fill, alpha=max(alpha, 0.35), edgecolor=colour,
                                    linewidth=lw, linestyle=linestyle, label=label))
            if on is not None and on.any():
                projected[on].boundary.plot(ax=ax, color="black", linewidth=lw + 3 * scale,
                                            zorder=z + 30)
        if on is not None and on.any() and "name" in projected:
            # features closer than 4% of the map width share one label
            groups: list[tuple[float, float, list[str]]] = []
            for geom, name_text in zip(projected[on].geometry, projected[on]["name"],
                                       strict=True):
                anchor = geom.representative_point() if kinds - {"Point"} else geom.centroid
                if not (xmin <= anchor.x <= xmax and ymin <= anchor.y <= ymax):
                    continue
                near = next((g for g in groups if math.hypot(g[0] - anchor.x, g[1] - anchor.y)
                             < 0.04 * (xmax - xmin)), None)
                if near:
                    near[2].append(str(name_text))
                else:
                    groups.append((anchor.x, anchor.y, [str(name_text)]))
            for x, y, texts in groups:
                label = "\n".join(line for t in texts for line in textwrap.wrap(t, 28))
                ax.annotate(label, (x, y), xytext=(0, 14 * scale), textcoords="offset points",
                            ha="center", va="bottom", fontsize=fs * 0.85, fontweight="bold",
                            path_effects=halo, zorder=100, annotation_clip=True)

    ax.set_xlabel("")  # geopandas labels projected axes; a picture needs no axis labels
    ax.set_ylabel("")
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    _scale_bar(ax, to_map, to_lonlat, (xmin, ymin, xmax, ymax), fs, scale)
    _north_arrow(ax, to_map, to_lonlat, (xmin, ymin, xmax, ymax), fs, scale)

    fig.text(0.015, 0.985, "\n".join(title_lines), ha="left", va="top", fontsize=fs * 1.9,
             fontweight="bold", color="#111111")
    legend_artist = None
    if legend:
        legend_artist = fig.legend(handles=legend, loc="upper left",
                   bbox_to_anchor=(1 - panel - 0.005, top) if panel else (0.015, bottom - 0.01),
                   ncols=1 if panel else 2, frameon=False, fontsize=fs * 0.95,
                   title="Legend", title_fontproperties={"size": fs, "weight": "bold"},
                   alignment="left", borderaxespad=0.3, handlelength=2.5)
    if text and panel:
        _panel_text(fig, legend_artist, text, 1 - panel + 0.005, top, panel, width, fs)
    fig.text(0.015, 0.012, "\n".join(footer_lines), ha="left", va="bottom",
             fontsize=fs * 0.62, color="#333333")

    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=_DPI, facecolor="white", metadata={"Title": heading})
    return buffer.getvalue()


def _panel_text(fig: Any, legend: Any, text: str, left: float, top: float, panel: float,
                width: int, fs: float) -> None:
    """Write a story step's text in the side panel, below the legend."""
    if legend is not None:
        fig.draw_without_rendering()
        box = legend.get_window_extent().transformed(fig.transFigure.inverted())
        top = box.y0 - 0.02
    size = fs * 0.78
    chars = max(20, int((panel - 0.02) * width / (size * _DPI / 72 * 0.6)))
    lines = [line for para in text.split("\n\n")
             for line in [*textwrap.wrap(" ".join(para.split()), chars), ""]]
    fig.text(left, top, "\n".join(lines).rstrip(), ha="left", va="top", fontsize=size,
             color="#111111", linespacing=1.35)


def _scale_bar(ax: Any, to_map: Any, to_lonlat: Any, box: tuple[float, ...], fs: float,
               scale: float) -> None:
    """Draw a two-part scale bar whose length is measured geodesically along its latitude."""
    from matplotlib.patheffects import withStroke
    from pyproj import Geod

    xmin, ymin, xmax, ymax = box
    x0, y0 = xmin + (xmax - xmin) * 0.04, ymin + (ymax - ymin) * 0.06
    lon0, lat0 = to_lonlat.transform(x0, y0)
    geod = Geod(ellps="WGS84")
    # how many metres on the ground a quarter of the map width spans at this latitude
    lon_q, lat_q = to_lonlat.transform(x0 + (xmax - xmin) * 0.25, y0)
    metres = _nice_length(geod.inv(lon0, lat0, lon_q, lat_q)[2])
    azimuth = geod.inv(lon0, lat0, lon_q, lat_q)[0]
    lon1, lat1, _ = geod.fwd(lon0, lat0, azimuth, metres)
    lonm, latm, _ = geod.fwd(lon0, lat0, azimuth, metres / 2)
    x1, y1 = to_map.transform(lon1, lat1)
    xm, ym = to_map.transform(lonm, latm)
    lw = 7 * scale
    ax.plot([x0, x1], [y0, y1], color="black", linewidth=lw + 3 * scale, solid_capstyle="butt",
            zorder=200)
    ax.plot([x0, xm], [y0, ym], color="black", linewidth=lw, solid_capstyle="butt", zorder=201)
    ax.plot([xm, x1], [ym, y1], color="white", linewidth=lw, solid_capstyle="butt", zorder=201)
    halo = [withStroke(linewidth=3 * scale, foreground="white")]
    label = f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"
    for x, y, text in ((x0, y0, "0"), (x1, y1, label)):
        ax.annotate(text, (x, y), xytext=(0, 8 * scale), textcoords="offset points",
                    ha="center", va="bottom", fontsize=fs * 0.8, path_effects=halo, zorder=202)


def _north_arrow(ax: Any, to_map: Any, to_lonlat: Any, box: tuple[float, ...], fs: float,
                 scale: float) -> None:
    """Draw an arrow pointing to true north at the top-right corner of the map."""
    from matplotlib.patheffects import withStroke
    from pyproj import Geod

    xmin, ymin, xmax, ymax = box
    x, y = xmin + (xmax - xmin) * 0.95, ymin + (ymax - ymin) * 0.80
    lon, lat = to_lonlat.transform(x, y)
    lon_n, lat_n, _ = Geod(ellps="WGS84").fwd(lon, lat, 0, 1000)
    xn, yn = to_map.transform(lon_n, lat_n)
    length = (ymax - ymin) * 0.10
    norm = math.hypot(xn - x, yn - y)
    tip = (x + (xn - x) / norm * length, y + (yn - y) / norm * length)
    ax.annotate("", xy=tip, xytext=(x, y), zorder=210,
                arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 3 * scale,
                            "mutation_scale": 30 * scale})
    ax.annotate("N", tip, xytext=(0, 4 * scale), textcoords="offset points", ha="center",
                va="bottom", fontsize=fs * 1.2, fontweight="bold", zorder=211,
                path_effects=[withStroke(linewidth=3 * scale, foreground="white")])
