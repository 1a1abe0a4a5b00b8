"""Static map pictures for slides and handouts: PNG, SVG or PDF, no browser needed.

A picture has a title, the layers drawn as on the story page and the main map (each layer's
catalog ``style``, with the projector adjustments of :data:`geomap.story.STORY_ADJUSTMENTS`),
a legend, a geodesic scale bar, a north arrow and the source attribution. Text and lines grow
with the picture (:func:`text_sizes`), so a 1280x720 picture reads like a 1920x1080 slide.

Pictures are drawn with geopandas and matplotlib in an azimuthal equidistant projection
centred on the picture, so distances from the centre are true and the scale bar is measured on
the ellipsoid (pyproj ``Geod``).
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from geomap._files import check_target, write_atomic
from geomap.errors import LayerNotFoundError, RenderError
from geomap.story import (
    BACKGROUND,
    TAJIKISTAN_BOUNDS,
    Story,
    category_legend,
    frame_style,
    layer_frame,
    layer_style,
    load_story,
    site_certainty,
    start_year,
)

if TYPE_CHECKING:
    import geopandas

__all__ = [
    "FORMATS",
    "TEXT_SIZES",
    "parse_size",
    "render_picture",
    "render_step_pictures",
    "step_picture_path",
    "text_sizes",
]

#: Picture formats by file suffix.
FORMATS: dict[str, Literal["png", "svg", "pdf"]] = {".png": "png", ".svg": "svg", ".pdf": "pdf"}

_DPI = 100
#: matplotlib markers for the story symbols (geomap.story.SYMBOLS).
_MARKERS = {"circle": "o", "square": "s", "triangle": "^", "diamond": "D", "star": "*",
            "cross": "P", "hexagon": "h"}
#: A star or a triangle covers less ink than a square of the same size: draw them larger.
_MARKER_BOOST = {"*": 1.45, "^": 1.12}
#: Outline dashes of an approximate site's hollow symbol, in line widths (as the page's "3 2").
_SITE_DASH = (0, (2.2, 1.4))
#: Dashes of an uncertainty circle, in line widths (the main map's "6 5").
_CIRCLE_DASH = (0, (3.0, 2.5))


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
    gdf: Any  # GeoDataFrame in EPSG:4326
    kind: str  # "point", "line" or "area"
    context: bool = False  # a basemap layer: drawn first, not used to frame the picture


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
        Layers by name to use instead of the curated catalog (a story's own ``files`` are
        drawn too, in the user-layer colours).

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
    check_target(path, overwrite=overwrite, error=RenderError)
    width, height = parse_size(size) if isinstance(size, str) else size
    parse_size(f"{width}x{height}")

    names = list(layers or [])
    highlight: tuple[str, ...] = ()
    citations: list[str] = []
    text = ""
    until: int | None = None
    files: Mapping[str, Any] = {}
    if step is not None or story is not None:
        if not isinstance(story, Story):
            story = load_story(story, layer_data=layer_data)
        if step is None:
            raise RenderError(f"{story.source}: give the step to draw (1 to {len(story.steps)})")
        if not 1 <= step <= len(story.steps):
            raise RenderError(f"{story.source}: has {len(story.steps)} steps; "
                              f"step {step} is out of range")
        chosen = story.steps[step - 1]
        files = story.files
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
    fig = _figure(names, highlight, bounds, title, citations, text, until, (width, height),
                  layer_data, files=files)
    data = _save(fig, fmt)
    return write_atomic(path, data, overwrite=overwrite, error=RenderError)


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
            check_target(target, overwrite=False, error=RenderError)
    return [
        render_picture(path=target, story=story, step=n, **options)
        for n, target in enumerate(targets, 1)
    ]


# --------------------------------------------------------------------------- drawing


#: Text sizes as fractions of the picture's reference height (the height, or 9/16 of the width
#: when the picture is taller than 16:9), with floors in pixels. A 16:9 slide is 540 pt tall and
#: the usual minimums for slides read from the back of a room are 28 pt for titles and 18 pt
#: for text: 28/540 = 5.2 % and 18/540 = 3.3 %. The step text and the credits are read closer
#: (handouts) and may shrink to fit.
TEXT_SIZES: dict[str, tuple[float, float]] = {
    "title": (0.052, 20),
    "legend": (0.033, 13),
    "label": (0.024, 11),
    "text": (0.028, 12),
    "footer": (0.018, 10),
}
_MIN_TEXT = 0.018  # the step text shrinks to fit down to this share of the height
#: Pictures smaller than 960x540 leave the step text out: there it cannot be read.
_TEXT_FROM = 540
_PANEL = 0.31  # share of a landscape picture's width taken by the legend and the step text


def text_sizes(width: int, height: int) -> dict[str, float]:
    """Return the font sizes of a picture, in pixels, by role (title, legend, text...).

    >>> text_sizes(1920, 1080)["title"] > text_sizes(1280, 720)["title"] > 20
    True
    """
    ref = min(height, width * 9 / 16)
    return {role: max(share * ref, floor) for role, (share, floor) in TEXT_SIZES.items()}


def _pt(pixels: float) -> float:
    """Points for a length in pixels (pictures are drawn at 100 pixels per inch)."""
    return pixels * 72 / _DPI


def _fit_text(fig: Any, renderer: Any, xy: tuple[float, float], text: str, size_px: float, *,
              max_width: float, max_height: float, min_px: float | None = None,
              em: float = 0.58, gap: bool = True, **kwargs: Any) -> Any:
    """Write ``text`` wrapped to ``max_width`` pixels; shrink it (and at last cut it) to fit.

    ``xy`` is the top-left corner in figure fractions; the text never reaches beyond
    ``max_height`` pixels below it; paragraphs (split at blank lines) are kept apart by a
    blank line when ``gap``. Returns the text artist.
    """
    min_px = size_px if min_px is None else min(min_px, size_px)
    paragraphs = [" ".join(p.split()) for p in text.split("\n\n") if p.strip()]
    size = size_px
    while True:
        chars = max(12, int(max_width / (size * em)))
        lines: list[str] = []
        for para in paragraphs:
            lines += [*textwrap.wrap(para, chars), *([""] if gap else [])]
        while lines and not lines[-1]:
            lines.pop()
        artist = fig.text(*xy, "\n".join(lines), ha="left", va="top", fontsize=_pt(size),
                          **kwargs)
        box = artist.get_window_extent(renderer=renderer)
        if box.width <= max_width + 1 and box.height <= max_height + 1:
            return artist
        artist.remove()
        if box.width > max_width + 1:
            em *= 1.08  # wider letters than assumed: wrap sooner
            continue
        if size > min_px:
            size = max(size * 0.92, min_px)
            continue
        # smallest size and still too long: keep the lines that fit and say it is cut
        line_px = box.height / max(len(lines), 1)
        keep = max(1, int(max_height // line_px))
        lines = lines[:keep]
        while lines and not lines[-1]:
            lines.pop()
        lines[-1] = lines[-1].rstrip(" .,;:") + " \u2026"
        return fig.text(*xy, "\n".join(lines), ha="left", va="top", fontsize=_pt(size),
                        **kwargs)


def _save(fig: Any, fmt: str) -> bytes:
    """Return the figure encoded as ``fmt`` (png, svg or pdf), titled with its heading."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=_DPI, facecolor="white",
                metadata={"Title": fig.get_label()})
    return buffer.getvalue()


def _frames(names: list[str], until: int | None, layer_data: Mapping[str, Any] | None,
            files: Mapping[str, Any] | None = None) -> list[_Layer]:
    """Read each layer with its story style; a story step keeps what existed by its year.

    Basemap layers (theme ``context``: rivers, lakes, towns) come first, so they are drawn
    under every other layer whatever the order asked for.
    """
    context, frames = [], []
    for position, name in enumerate(names):
        gdf, layer_title, attribution, record = layer_frame(name, layer_data, files=files)
        if until is not None and "start_date" in gdf:
            keep = [(y := start_year(v)) is None or y <= until for v in gdf["start_date"]]
            gdf = gdf[keep]
        kind, style = frame_style(name, position, gdf, record)
        under = getattr(record, "theme", None) == "context"
        (context if under else frames).append(
            _Layer(name, layer_title, attribution, style, gdf, kind, under))
    return context + frames


def _figure(
    names: list[str],
    highlight: Sequence[str],
    bounds: tuple[float, ...] | None,
    title: str | None,
    citations: list[str],
    text: str,
    until: int | None,
    size: tuple[int, int],
    layer_data: Mapping[str, Any] | None,
    *,
    files: Mapping[str, Any] | None = None,
) -> Any:
    """Return the matplotlib Figure of a picture (its label is the heading)."""
    import shapely
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.figure import Figure
    from pyproj import Transformer

    frames = _frames(names, until, layer_data, files)
    if bounds is None:
        every = [(f.name != "countries" and not f.context, g) for f in frames
                 for g in f.gdf.geometry if g is not None and not g.is_empty]
        geoms = [g for own, g in every if own] or [g for _, g in every]
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
    px = text_sizes(width, height)
    # line widths and markers grow with the picture like the text (1.0 on a 1080-pixel slide)
    k = min(height, width * 9 / 16) / 1080
    # the title names what the picture is about: the basemap only when nothing else is drawn
    about = [f.title for f in frames if not f.context] or [
        f.title for f in frames if f.name != "countries"]
    heading = title or "; ".join(about) or "geomap"
    fig = Figure(figsize=(width / _DPI, height / _DPI), dpi=_DPI, facecolor="white",
                 label=heading)
    # measures text; not the figure's canvas, which would redraw after every geopandas plot
    renderer = RendererAgg(width, height, _DPI)
    margin = max(0.012 * width, 8)
    landscape = width >= height
    panel = _PANEL if landscape else 0.0

    title_artist = _fit_text(fig, renderer, (margin / width, 1 - margin / height), heading,
                             px["title"], max_width=width - 2 * margin,
                             max_height=px["title"] * 2.6, min_px=px["title"] * 0.75,
                             em=0.62, fontweight="bold", color="#111111", gid="title")
    title_box = title_artist.get_window_extent(renderer=renderer)
    top = (title_box.y0 - 0.6 * px["title"]) / height

    credits: list[str] = []
    for frame in frames:
        for part in frame.attribution.split(";"):
            part = part.strip().rstrip(".")
            if part and part not in credits:
                credits.append(part)
    footer = []
    if citations:
        footer.append("Sources: " + " | ".join(citations))
    footer.append(f"Map data: {'; '.join(credits) or 'geomap'}. Drawn by geomap; azimuthal "
                  f"equidistant projection centred on {lat0:.2f}°N {lon0:.2f}°E; borders are "
                  "approximate.")
    footer_artist = _fit_text(fig, renderer, (margin / width, 0.5), "\n\n".join(footer),
                              px["footer"], max_width=width - 2 * margin,
                              max_height=0.16 * height, min_px=max(9, px["footer"] * 0.8),
                              gap=False, color="#333333", gid="footer", linespacing=1.2)
    # the footer was placed provisionally: move it to the bottom margin
    footer_h = footer_artist.get_window_extent(renderer=renderer).height
    footer_artist.set_position((margin / width, (margin + footer_h) / height))
    bottom = (margin + footer_h + 0.5 * px["footer"]) / height
    legend_band = 0.0
    if not landscape:
        # the legend goes under a portrait map: room for its rows (two columns, a title)
        entries = sum(1 + len(category_legend(f.style, f.gdf["category"] if "category" in f.gdf
                                              and f.kind == "point" else []))
                      for f in frames if f.name != "countries")
        legend_band = min((math.ceil(entries / 2) * 2.0 + 2.0) * px["legend"] / height, 0.3)
    map_left = margin / width
    map_width = 1 - panel - 2 * margin / width
    ax = fig.add_axes((map_left, bottom + legend_band, map_width, top - bottom - legend_band))
    # widen the projected box to the axes' proportions so the map fills the axes undistorted
    box_w, box_h = map_width * width, (top - bottom - legend_band) * height
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    half_w, half_h = (xmax - xmin) / 2, (ymax - ymin) / 2
    if half_w / half_h < box_w / box_h:
        half_w = half_h * box_w / box_h
    else:
        half_h = half_w * box_h / box_w
    xmin, xmax, ymin, ymax = cx - half_w, cx + half_w, cy - half_h, cy + half_h
    box = (xmin, ymin, xmax, ymax)
    ax.set_facecolor(BACKGROUND)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_linewidth(max(1.5 * k, 1))

    legend, labels = _draw_layers(ax, frames, highlight, names, crs, box, layer_data, k)
    ax.set_xlabel("")  # geopandas labels projected axes; a picture needs no axis labels
    ax.set_ylabel("")
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_aspect("auto")
    _place_labels(ax, renderer, labels, px["label"], k)
    _scale_bar(ax, to_map, to_lonlat, box, _pt(px["label"] * 0.9), k)
    _north_arrow(ax, to_map, to_lonlat, box, _pt(px["label"] * 1.2), k)

    legend_bottom = top
    if legend:
        if landscape:
            where = {"loc": "upper left", "bbox_to_anchor": (1 - panel + 0.004, top)}
            room_w, room_h = (panel - 0.01) * width, (top - bottom) * height * 0.6
        else:
            where = {"loc": "upper left", "bbox_to_anchor": (map_left, bottom + legend_band)}
            room_w, room_h = (1 - 2 * margin / width) * width, legend_band * height
        artist = _fit_legend(fig, renderer, legend, where, px["legend"], room_w, room_h,
                             ncols=1 if landscape else 2)
        legend_bottom = artist.get_window_extent(renderer=renderer).y0 / height
    if text and landscape and min(height, width * 9 / 16) >= _TEXT_FROM:
        left = 1 - panel + 0.012
        text_top = legend_bottom - 0.8 * px["text"] / height
        _fit_text(fig, renderer, (left, text_top), text, px["text"],
                  max_width=(1 - left) * width - margin,
                  max_height=max((text_top - bottom) * height, px["text"]),
                  min_px=max(_MIN_TEXT * min(height, width * 9 / 16), TEXT_SIZES["text"][1]),
                  color="#111111", linespacing=1.3, gid="step-text")
    return fig


def _fit_legend(fig: Any, renderer: Any, handles: list[Any], where: dict, size_px: float,
                room_w: float, room_h: float, ncols: int) -> Any:
    """Draw the legend at ``size_px``, shrinking it until it fits ``room_w`` by ``room_h``."""
    size = size_px
    floor = max(size_px * 0.6, TEXT_SIZES["legend"][1] * 0.8)
    em = 0.58
    while True:
        chars = max(10, int(room_w / ncols / (size * em)) - 4)
        for handle in handles:
            raw = handle.get_gid() or handle.get_label()
            handle.set_gid(raw)
            indent = "\u2002" if raw.startswith("\t") else ""
            handle.set_label("\n".join(indent + line for line in
                                       textwrap.wrap(raw.strip(), chars - len(indent))))
        artist = fig.legend(handles=handles, **where, ncols=ncols, frameon=False,
                            fontsize=_pt(size), title="Legend",
                            title_fontproperties={"size": _pt(size * 1.05), "weight": "bold"},
                            alignment="left", borderaxespad=0.3, handlelength=2.2,
                            labelspacing=0.45)
        box = artist.get_window_extent(renderer=renderer)
        fits_w, fits_h = box.width <= room_w + 1, box.height <= room_h + 1
        if fits_w and (fits_h or size <= floor):
            return artist
        if chars <= 10:  # cannot wrap narrower
            return artist
        artist.remove()
        if not fits_w:
            em *= 1.1  # letters wider than assumed: wrap sooner
        else:
            size = max(size * 0.9, floor)


def _draw_layers(ax: Any, frames: list[_Layer], highlight: Sequence[str], names: list[str],
                 crs: str, box: tuple[float, ...], layer_data: Mapping[str, Any] | None,
                 k: float) -> tuple[list[Any], list[tuple[float, float, str, str]]]:
    """Draw the basemap and every layer on ``ax``; return legend handles and labels to place."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    legend: list[Any] = []
    labels: list[tuple[float, float, str, str]] = []
    drawn_sites: set[str] = set()  # "approximate" / "unknown" when such points are drawn

    if "countries" not in names and (layer_data is None or "countries" in layer_data):
        try:
            countries = layer_frame("countries", layer_data)
        except LayerNotFoundError:  # the basemap is optional context
            countries = None
        if countries is not None and len(countries[0]):
            gdf, title, attribution, record = countries
            own = None if record is not None else dict(gdf.attrs.get("style") or {})
            style = layer_style("countries", 0, record, kind="area", style=own)
            before = len(ax.collections)
            _draw_areas(ax, gdf.to_crs(crs), style, 1, None, k, "countries")
            _tag(ax, before, "countries")

    for z, frame in enumerate(frames, start=2):
        gdf = frame.gdf[frame.gdf.geometry.notna() & ~frame.gdf.geometry.is_empty]
        if not len(gdf):
            continue
        style = frame.style
        projected = gdf.to_crs(crs)
        ids = projected["id"].astype(str) if "id" in projected else None
        on = ids.isin(list(highlight)) if ids is not None else None
        lw = _pt(style["weight"] * k)
        dash = _dashes(style)
        before = len(ax.collections)
        sites = _sites(gdf, frame.context) if frame.kind == "point" else None
        if sites is not None:
            legend += _draw_points(ax, projected, style, frame.title, on, z, k, frame.name,
                                   sites=sites, lonlat=gdf, crs=crs)
            drawn_sites.update(c for c in sites[0] if c != "exact")
        elif frame.kind == "line":
            projected.plot(ax=ax, color=style["color"], alpha=style["opacity"], linewidth=lw,
                           linestyle=dash, zorder=z + 10)
            legend.append(Line2D([], [], color=style["color"], alpha=style["opacity"],
                                 linewidth=lw, linestyle=dash, label=frame.title))
            if on is not None and on.any():
                # highlighted lines: a black casing under the line in its own colour and dashes
                projected[on].plot(ax=ax, color="black", linewidth=lw + _pt(6 * k),
                                   zorder=z + 30, gid=f"{frame.name}:highlight")
                projected[on].plot(ax=ax, color=style["color"], linewidth=lw, linestyle=dash,
                                   zorder=z + 31, gid=f"{frame.name}:highlight")
        else:
            _draw_areas(ax, projected, style, z, on, k, frame.name)
            if frame.name != "countries":
                legend.append(Patch(facecolor=style["fill"],
                                    alpha=max(style["fill_opacity"], 0.35),
                                    edgecolor=style["color"], linewidth=lw, linestyle=dash,
                                    label=frame.title))
        _tag(ax, before, frame.name)
        if on is not None and on.any() and "name" in projected:
            # a highlighted site not known exactly says so in its label
            notes = list(sites[0][on.to_numpy()]) if sites is not None else None
            labels += _label_groups(projected[on], frame.kind, box, notes)
    if drawn_sites:
        legend.append(_site_legend("unknown" in drawn_sites, k))
    return legend, labels


def _sites(gdf: Any, context: bool) -> tuple[Any, Any]:
    """Return arrays of the certainty and radius (metres) of each point, as the main map reads them.

    See :func:`geomap.story.site_certainty`.
    """
    import numpy as np

    def column(name: str) -> list[Any]:
        return gdf[name].tolist() if name in gdf else [None] * len(gdf)

    found = [site_certainty({"precision": p, "coordinate_uncertainty_m": u}, context=context)
             for p, u in zip(column("precision"), column("coordinate_uncertainty_m"),
                             strict=True)]
    return (np.array([c for c, _ in found], dtype=object),
            np.array([r for _, r in found], dtype=float))


def _site_legend(unknown: bool, k: float) -> Any:
    """One legend entry for the hollow, dashed symbols of approximate (and unknown) sites."""
    from matplotlib.lines import Line2D

    # short: on a 16:9 slide the legend must keep its size (the labels say "site ...")
    label = "Hollow: approximate; ?: unknown" if unknown else "Hollow: approximate"
    # a legend marker's outline cannot be dashed: the hollow symbol stands for both
    return Line2D([], [], linestyle="none", marker="o", markersize=_pt(26 * k),
                  markerfacecolor="white", markeredgecolor="#555555",
                  markeredgewidth=_pt(2.5 * k), label=label, gid=None)


def _geodesic_circles(lonlat: Any, radii: Any, crs: str) -> Any:
    """Return circles of ``radii`` metres round points, traced on the ellipsoid, in ``crs``."""
    import geopandas as gpd
    import numpy as np
    from pyproj import Geod
    from shapely.geometry import Polygon

    geod = Geod(ellps="WGS84")
    azimuths = np.linspace(0, 360, 73)[:-1]
    rings = []
    for point, radius in zip(lonlat.geometry, radii, strict=True):
        lons, lats, _ = geod.fwd(np.full(azimuths.size, point.x), np.full(azimuths.size, point.y),
                                 azimuths, np.full(azimuths.size, radius))
        rings.append(Polygon(zip(lons, lats, strict=True)))
    return gpd.GeoSeries(rings, crs=4326).to_crs(crs)


def _tag(ax: Any, before: int, name: str) -> None:
    """Name the collections drawn since ``before`` after their layer (``gid``, kept in SVG)."""
    for collection in ax.collections[before:]:
        if collection.get_gid() is None:
            collection.set_gid(name)


def _dashes(style: Mapping[str, Any]) -> Any:
    """Return the line style of a story style: its dash pattern in units of the line width."""
    if not style.get("dash"):
        return "-"
    weight = float(style["weight"])
    return (0, tuple(float(d) / weight for d in str(style["dash"]).split()))


def _draw_areas(ax: Any, projected: Any, style: Mapping[str, Any], z: int, on: Any,
                k: float, name: str) -> None:
    """Fill and outline polygons; the focus country lighter and heavier, highlights black."""
    lw = _pt(style["weight"] * k)
    dash = _dashes(style)
    fills = [style["fill"]] * len(projected)
    alphas = [style["fill_opacity"]] * len(projected)
    widths = [lw] * len(projected)
    if style.get("focus") and "iso_a2" in projected:
        for i, code in enumerate(projected["iso_a2"]):
            if code == style["focus"]:
                fills[i], alphas[i] = style["focus_fill"], style["focus_fill_opacity"]
                widths[i] = _pt((style["weight"] + style["focus_weight"]) * k)
    from matplotlib.colors import to_rgba

    colours = [to_rgba(c, a) for c, a in zip(fills, alphas, strict=True)]
    projected.plot(ax=ax, color=colours, edgecolor="none", zorder=z, gid=name)
    projected.boundary.plot(ax=ax, color=style["color"], alpha=style["opacity"],
                            linewidth=widths, linestyle=dash, zorder=z + 1, gid=f"{name}:outline")
    if on is not None and on.any():
        projected[on].boundary.plot(ax=ax, color="black", linewidth=lw + _pt(4 * k),
                                    zorder=z + 30, gid=f"{name}:highlight")


def _draw_points(ax: Any, projected: Any, style: Mapping[str, Any], title: str, on: Any,
                 z: int, k: float, name: str, *, sites: tuple[Any, Any], lonlat: Any,
                 crs: str) -> list[Any]:
    """Draw point symbols (by category where the style says so); return legend handles.

    ``sites`` (certainty and radius of each point, :func:`_sites`) draws approximate sites as
    on the main map: hollow with a dashed outline and a dashed geodesic circle of their radius
    up to ``UNCERTAINTY_CIRCLE_MAX_M`` (``lonlat``: the points in EPSG:4326, ``crs``: the
    map's); a site known less well (``"unknown"``) gets a ``?`` and no circle.
    """
    import numpy as np
    import pandas as pd
    from matplotlib.colors import to_rgba
    from matplotlib.lines import Line2D

    certainty, radii = sites
    circled = (certainty == "approximate") & (radii > 0)
    if circled.any():
        circles = _geodesic_circles(lonlat[circled], radii[circled], crs)
        faded = on is None or not on.any()
        circles.plot(ax=ax, color=to_rgba(style["fill"], 0.08), edgecolor="none", zorder=z + 15,
                     gid=f"{name}:uncertainty-fill")
        circles.boundary.plot(ax=ax, color=style["color"], alpha=0.9 if faded else 0.7,
                              linewidth=_pt(2.5 * k), linestyle=_CIRCLE_DASH, zorder=z + 16,
                              gid=f"{name}:uncertainty")

    categories = (projected["category"].astype(str) if "category" in projected
                  else None)
    looks = {}
    for category in (sorted(set(categories)) if categories is not None else [None]):
        shape = (style["category_shapes"].get(category) if category else None) or style["shape"]
        fill = (style["category_colors"].get(category) if category else None) or style["fill"]
        looks[category] = (shape, fill)
    handles = []
    classes = category_legend(style, categories if categories is not None else [])
    for category, (shape, fill) in looks.items():
        rows = (categories == category if category is not None
                else pd.Series(True, index=projected.index))
        if not rows.any():
            continue
        marker = _MARKERS.get(shape, "o")
        size = _pt(style["marker"] * k) * _MARKER_BOOST.get(marker, 1.0)
        big = _pt(style["marker_highlight"] * k) * _MARKER_BOOST.get(marker, 1.0)
        exact = rows.to_numpy() & (certainty == "exact")
        part = projected[exact]
        if len(part):
            part.plot(ax=ax, marker=marker, color=fill, alpha=style["fill_opacity"],
                      edgecolor=style["outline"], linewidth=_pt(1.5 * k), markersize=size**2,
                      zorder=z + 20, gid=f"{name}:{category}" if category else name)
        if on is not None and on[exact].any():
            part[on[exact]].plot(ax=ax, marker=marker, color=fill, edgecolor="black",
                                 linewidth=_pt(2.5 * k), markersize=big**2, zorder=z + 40,
                                 gid=f"{name}:highlight")
        for variant in ("approximate", "unknown"):
            these = rows.to_numpy() & (certainty == variant)
            if not these.any():
                continue
            lit = on.to_numpy() & these if on is not None else np.zeros(len(these), bool)
            # gids "layer:approximate:category", "layer:highlight-unknown:category"...
            tail = f":{category}" if category else ""
            for chosen, edge, width, mark, zorder, gid in (
                (these & ~lit, fill, 2.5, size, z + 20, f"{name}:{variant}{tail}"),
                (lit, "black", 2.5, big, z + 40, f"{name}:highlight-{variant}{tail}"),
            ):
                if not chosen.any():
                    continue
                _hollow(ax, projected[chosen], marker, edge, _pt(width * k), mark, zorder, gid,
                        question=variant == "unknown")
    size = _pt(style["marker"] * k)
    handles.append(Line2D([], [], linestyle="none", marker=_MARKERS.get(style["shape"], "o"),
                          markersize=size * _MARKER_BOOST.get(_MARKERS.get(style["shape"]), 1),
                          markerfacecolor=style["fill"], markeredgecolor=style["outline"],
                          label=title))
    for item in classes:
        marker = _MARKERS.get(item["shape"], "o")
        handles.append(Line2D([], [], linestyle="none", marker=marker,
                              markersize=size * 0.85 * _MARKER_BOOST.get(marker, 1.0),
                              markerfacecolor=item["fill"], markeredgecolor=style["outline"],
                              label="\t" + item["label"]))
    return handles


def _hollow(ax: Any, points: Any, marker: str, edge: str, width: float, size: float,
            zorder: int, gid: str, *, question: bool) -> None:
    """Draw hollow symbols with a dashed outline; with ``question`` a ``?`` inside them."""
    xs, ys = points.geometry.x.to_numpy(), points.geometry.y.to_numpy()
    ax.scatter(xs, ys, s=size**2, marker=marker, facecolors=(1, 1, 1, 0.92), edgecolors=edge,
               linewidths=width, linestyles=_SITE_DASH, zorder=zorder, gid=gid)
    if question:
        mark = size * (0.4 if marker in ("*", "^") else 0.48)
        ax.scatter(xs, ys, s=mark**2, marker=r"$\mathbf{?}$", color="#111111",
                   linewidths=0, zorder=zorder + 1, gid=f"{gid}:mark")


def _label_groups(features: Any, kind: str, box: tuple[float, ...],
                  certainty: Sequence[str] | None = None) -> list[tuple[float, float, str, str]]:
    """Return ``(x, y, text, kind)`` labels of highlighted features inside the map.

    Features closer than 4% of the map width share one label. ``certainty`` (of each
    feature's site, :func:`_sites`) adds "(site approximate)" or "(site unknown)": once under
    a group whose sites are all known alike, else after each name.
    """
    xmin, ymin, xmax, ymax = box
    notes = certainty if certainty is not None else ["exact"] * len(features)
    groups: list[tuple[float, float, list[str], list[str]]] = []
    for geom, name_text, note in zip(features.geometry, features["name"], notes, strict=True):
        anchor = geom.centroid if kind == "point" else geom.representative_point()
        if not (xmin <= anchor.x <= xmax and ymin <= anchor.y <= ymax):
            continue
        near = next((g for g in groups if math.hypot(g[0] - anchor.x, g[1] - anchor.y)
                     < 0.04 * (xmax - xmin)), None)
        if near:
            near[2].append(str(name_text))
            near[3].append(str(note))
        else:
            groups.append((anchor.x, anchor.y, [str(name_text)], [str(note)]))

    def text(names: list[str], notes: list[str]) -> str:
        alike = len(set(notes)) == 1
        if not alike:
            names = [n if c == "exact" else f"{n} (site {c})"
                     for n, c in zip(names, notes, strict=True)]
        lines = [line for t in names for line in textwrap.wrap(t, 28, break_long_words=False)]
        if alike and notes[0] != "exact":
            lines.append(f"({'sites' if len(names) > 1 else 'site'} {notes[0]})")
        return "\n".join(lines)

    return [(x, y, text(names, notes), kind) for x, y, names, notes in groups]


def _place_labels(ax: Any, renderer: Any, labels: list[tuple[float, float, str, str]],
                  size_px: float, k: float) -> None:
    """Write the labels beside their features, each where it overlaps the fewest others.

    Points are labelled right, left, above or below their symbol; lines and areas above or
    below their anchor. A label that would cover another or mostly leave the map is dropped.
    The axes' limits must be final.
    """
    import matplotlib.patheffects as pe

    halo = [pe.withStroke(linewidth=max(4 * k, 2), foreground="white")]
    frame = ax.get_window_extent(renderer=renderer)
    placed: list[Any] = []
    gap = _pt(26 * k)
    for x, y, text, kind in labels:
        options = [((gap, 0), "left", "center"), ((-gap, 0), "right", "center"),
                   ((0, gap), "center", "bottom"), ((0, -gap), "center", "top")]
        if kind != "point":
            options = [((0, _pt(12 * k)), "center", "bottom"), *options[2:], *options[:2]]
        best = None
        for offset, ha, va in options:
            artist = ax.annotate(text, (x, y), xytext=offset, textcoords="offset points",
                                 ha=ha, va=va, fontsize=_pt(size_px), fontweight="bold",
                                 path_effects=halo, zorder=100, annotation_clip=True)
            bbox = artist.get_window_extent(renderer=renderer)
            clash = sum(_overlap(bbox, other) for other in placed)
            outside = bbox.width * bbox.height - _overlap(bbox, frame)
            cost = clash + outside
            if best is None or cost < best[0]:
                if best is not None:
                    best[2].remove()
                best = (cost, clash, artist, bbox)
            else:
                artist.remove()
            if cost == 0:
                break
        cost, clash, artist, bbox = best
        if clash > 0.02 * bbox.width * bbox.height or cost > 0.3 * bbox.width * bbox.height:
            artist.remove()  # it could not be read there; the legend and the text name it
            continue
        placed.append(bbox)


def _overlap(a: Any, b: Any) -> float:
    """Area shared by two display boxes, in square pixels."""
    width = min(a.x1, b.x1) - max(a.x0, b.x0)
    height = min(a.y1, b.y1) - max(a.y0, b.y0)
    return max(width, 0) * max(height, 0)


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
    azimuth, _, quarter = geod.inv(lon0, lat0, lon_q, lat_q)
    metres = _nice_length(quarter)
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
