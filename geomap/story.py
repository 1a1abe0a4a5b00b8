"""Classroom story mode: a sequence of map steps that a teacher walks through, offline.

A story is a small YAML or JSON file (see :func:`load_story` and the README section
"Classroom: stories and pictures")::

    title: China's security footprint in Tajikistan
    base_layers: [countries]             # shown in every step (optional; default: countries)
    files:                               # your own layer files (optional), see below
      trip: trip_points.geojson
    steps:
      - title: "2011: land handed to China"
        year: 2011                       # optional; a number or a short text such as "1996-97"
        text: Tajikistan ceded about 1,158 km2 of the Pamirs to China.
        layers: [ceded_territory_2011]   # curated layer names (or ``files`` names) shown
        highlight: [ceded-2011-markansu] # feature ids drawn emphasised (optional)
        view: {bounds: [72.5, 37.0, 75.5, 39.7]}  # or {center: {lat: 38.5, lon: 71}, zoom: 7}
        citations:
          - {citation: "Olimova & Olimov 2021", seed: 000_3482db23aa8818ee.txt, locator: "2.3"}

``files`` adds a teacher's own layers next to the curated ones: each entry maps a new layer
name to a file that :func:`geomap.readers.read_file` reads (GeoJSON, GeoPackage, Shapefile,
KML, GeoParquet, CSV; ``FILE|layername=NAME`` picks a layer of a GeoPackage), relative to the
story file. Each file is read once and checked with the user-layer rules of ``geomap map
--add`` (:func:`geomap.schema.read_checked`); its name must not be a curated layer's. Steps then
name it in ``layers`` and its feature ids in ``highlight`` like a curated layer, and it is drawn
in the user-layer colours of the main map (:data:`geomap.render.USER_STYLES`).

:func:`render_story` turns a story into one self-contained HTML page (Leaflet inlined, no CDN)
that is stepped through with the arrow keys, Page Up/Down, Home/End or on-screen buttons.

Layers look as on the main map: :func:`layer_style` takes each layer's colours, fills, dashes
and symbols from its catalog record's ``style`` and applies only the projector adjustments in
:data:`STORY_ADJUSTMENTS`; :mod:`geomap.picture` draws with the same styles.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geomap._files import check_target, write_atomic
from geomap.errors import RenderError, StoryError  # StoryError: re-exported here

if TYPE_CHECKING:
    import geopandas

__all__ = [
    "BACKGROUND",
    "DEFAULT_STORY",
    "FOCUS_COUNTRY",
    "STORY_ADJUSTMENTS",
    "SYMBOLS",
    "Citation",
    "Step",
    "Story",
    "StoryError",
    "View",
    "build_story_html",
    "category_legend",
    "default_story_path",
    "frame_style",
    "layer_frame",
    "layer_style",
    "load_story",
    "render_story",
    "site_certainty",
    "story_problems",
    "symbol_name",
]

#: Name that stands for the story shipped with geomap wherever a story file is expected.
DEFAULT_STORY = "default"
#: Drawn under every step of a story that has no ``base_layers`` of its own.
DEFAULT_BASE_LAYERS = ("countries",)

#: Longest step text, in characters: more does not fit on a slide read from the back of a room.
MAX_TEXT = 1200

#: Bounds used when a step names no view and shows nothing to fit: Tajikistan and its borders.
TAJIKISTAN_BOUNDS = (67.3, 36.6, 75.2, 41.1)

_STORY_KEYS = ("title", "description", "base_layers", "files", "tiles", "steps")
_STEP_KEYS = ("title", "year", "text", "layers", "highlight", "view", "citations")
_CITATION_KEYS = ("citation", "seed", "locator", "quote", "url")
_VIEW_KEYS = ("bounds", "center", "zoom")
#: Names a story may give its own layer files (``files``): they become layer names.
_FILE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,59}$")


@dataclass(frozen=True)
class Citation:
    """Where a step's facts come from: a seed document and its section, or a URL."""

    citation: str
    seed: str | None = None
    locator: str | None = None
    quote: str | None = None
    url: str | None = None

    def label(self) -> str:
        """Return the citation as one line: ``citation, locator (seed)``."""
        text = self.citation
        if self.locator:
            text += f", {self.locator}"
        if self.seed:
            text += f" [{self.seed}]"
        if self.url:
            text += f" <{self.url}>"
        return text


@dataclass(frozen=True)
class View:
    """A map view: ``bounds`` (west, south, east, north) or ``center`` (lat, lon) and ``zoom``."""

    bounds: tuple[float, float, float, float] | None = None
    center: tuple[float, float] | None = None
    zoom: float | None = None


@dataclass(frozen=True)
class Step:
    """One step of a story."""

    title: str
    text: str
    citations: tuple[Citation, ...]
    layers: tuple[str, ...] = ()
    highlight: tuple[str, ...] = ()
    view: View | None = None
    year: int | str | None = None

    @property
    def until(self) -> int | None:
        """Last year the step shows: features that start later are hidden (None: show all)."""
        return year_cutoff(self.year)


def year_cutoff(year: int | str | None) -> int | None:
    """Return the last calendar year of a step's ``year`` (``"1996-97"`` -> 1997).

    >>> year_cutoff(2011), year_cutoff("1996-97"), year_cutoff("2015-2016"), year_cutoff(None)
    (2011, 1997, 2016, None)
    """
    if year is None or isinstance(year, bool):
        return None
    if isinstance(year, int):
        return year
    match = re.match(r"^\s*(\d{4})\s*[-\u2013/]\s*(\d{2}|\d{4})\b", year)
    if match:
        first, last = match.groups()
        return int(first[:2] + last) if len(last) == 2 else int(last)
    found = re.findall(r"\d{4}", year)
    return int(found[-1]) if found else None


def start_year(value: Any) -> int | None:
    """Return the year of an ISO ``start_date`` (``"2016-10-20"`` -> 2016), or None."""
    if isinstance(value, str) and re.match(r"^\d{4}", value):
        return int(value[:4])
    return None


@dataclass(frozen=True)
class Story:
    """A validated story: a title and its steps (see the module docstring for the format)."""

    title: str
    steps: tuple[Step, ...]
    description: str = ""
    base_layers: tuple[str, ...] = ()
    tiles: dict[str, str] | None = None
    source: str = "<story>"
    layers: tuple[str, ...] = field(default=(), compare=False)
    #: The story's own layers (``files``), read and checked once, by name.
    files: Mapping[str, geopandas.GeoDataFrame] = field(default_factory=dict, compare=False)

    def step_layers(self, number: int) -> list[str]:
        """Return the layers shown at step ``number`` (1-based): base layers, then the step's."""
        step = self.steps[number - 1]
        return list(dict.fromkeys([*self.base_layers, *step.layers]))


def default_story_path() -> Path:
    """Return the path of the default story shipped with geomap."""
    return Path(str(resources.files("geomap").joinpath("stories", "default.yaml")))


# --------------------------------------------------------------------------- loading


def _read(path: Path) -> Any:
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise StoryError(f"{path}: no such story file") from None
    except IsADirectoryError:
        raise StoryError(f"{path}: is a folder, not a story file") from None
    except UnicodeDecodeError:
        raise StoryError(f"{path}: not UTF-8 text, so not a story file") from None
    except OSError as exc:
        raise StoryError(f"{path}: cannot read ({exc.strerror})") from None
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise StoryError(
                f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
            ) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise StoryError(f"{path}: not valid YAML ({problem}{where})") from None


def load_story(
    path: str | Path | None = None,
    *,
    layer_data: Mapping[str, geopandas.GeoDataFrame] | None = None,
) -> Story:
    """Read and validate a story file (YAML or JSON); ``None`` or ``"default"`` is the default.

    Parameters
    ----------
    path
        The story file. ``.json`` files are read as JSON, anything else as YAML.
    layer_data
        Layers the story may use, by name, instead of the curated catalog (for stories about
        your own data and for tests). The story's own ``files`` are added to them.

    Returns
    -------
    Story
        With the layers of its ``files`` read once (``Story.files``).

    Raises
    ------
    StoryError
        Listing every problem, each naming the file, the step and the field; a ``files`` entry
        that cannot be read or breaks the user-layer rules is one of them.
    """
    if path is None or str(path) == DEFAULT_STORY:
        path = default_story_path()
    path = Path(path)
    data = _read(path)
    problems, files = _check(data, str(path), layer_data)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise StoryError(problems[0] + more, problems)
    if "base_layers" not in data:  # the country outlines, unless the story says otherwise
        if layer_data is None:
            from geomap import catalog

            names = catalog.layer_names()
        else:
            names = list(layer_data)
        data = {**data, "base_layers": [n for n in DEFAULT_BASE_LAYERS if n in names]}
    return _build(data, str(path), files)


# --------------------------------------------------------------------------- validation


class _LayerIndex:
    """Layer names and feature ids a story may refer to, read once.

    ``names`` are the curated layers (or ``layer_data``); :meth:`add_files` adds the story's
    own layers, and the names of ``files`` entries that could not be read (``broken``: known,
    so a step naming them is not blamed twice, but without features).
    """

    def __init__(self, layers: Mapping[str, geopandas.GeoDataFrame] | None) -> None:
        self._frames = layers
        self._files: Mapping[str, geopandas.GeoDataFrame] = {}
        self._ids: dict[str, set[str]] = {}
        self._starts: dict[str, dict[str, int | None]] = {}
        self.broken: set[str] = set()
        if layers is None:
            from geomap import catalog

            self.names = catalog.layer_names()
        else:
            self.names = list(layers)
        self.curated = list(self.names)

    def add_files(self, files: Mapping[str, geopandas.GeoDataFrame], broken: set[str]) -> None:
        self._files = files
        self.broken = set(broken)
        self.names = [*self.curated, *files, *sorted(self.broken - set(files))]

    def ids(self, name: str) -> set[str]:
        return set(self.starts(name))

    def starts(self, name: str) -> dict[str, int | None]:
        """Feature id -> year its ``start_date`` gives (None when undated)."""
        if name in self.broken:
            return {}
        if name not in self._starts:
            if name in self._files or self._frames is not None:
                gdf = self._files[name] if name in self._files else self._frames[name]
                rows = zip(
                    gdf["id"] if "id" in gdf else [],
                    gdf["start_date"] if "start_date" in gdf else [None] * len(gdf),
                    strict=False,
                )
            else:
                from geomap import catalog

                data = json.loads(catalog.get_layer(name).path.read_text(encoding="utf-8"))
                props = [f.get("properties") or {} for f in data["features"]]
                rows = ((p.get("id"), p.get("start_date")) for p in props)
            self._starts[name] = {
                str(fid): start_year(start) for fid, start in rows
                if isinstance(fid, str) and fid
            }
        return self._starts[name]

    def unknown(self, name: str) -> str:
        close = difflib.get_close_matches(name, self.names, n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        return f"no layer named {name!r}{hint}"


def _unknown_keys(data: dict, allowed: tuple[str, ...]) -> list[str]:
    problems = []
    for key in data:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.append(f"field {key!r}: not a known field{hint} "
                            f"(expected {', '.join(allowed)})")
    return problems


def _name_list(value: Any, field_name: str, index: _LayerIndex) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return [f"field {field_name!r}: must be a list of layer names, got {value!r}"]
    return [f"field {field_name!r}: {index.unknown(v)}" for v in value if v not in index.names]


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _view_problems(view: Any) -> list[str]:
    if not isinstance(view, dict):
        return [f"field 'view': must be a mapping with 'bounds' or 'center' and 'zoom', "
                f"got {view!r}"]
    problems = [f"field 'view': {p}" for p in _unknown_keys(view, _VIEW_KEYS)]
    if "bounds" in view:
        bounds = view["bounds"]
        if (
            not isinstance(bounds, list)
            or len(bounds) != 4
            or not all(_number(b) for b in bounds)
        ):
            return problems + [
                f"field 'view.bounds': must be [west, south, east, north] in degrees, "
                f"got {bounds!r}"
            ]
        west, south, east, north = bounds
        if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
            problems.append(
                f"field 'view.bounds': {bounds} is not [west, south, east, north] with "
                "west < east and south < north inside -180..180, -90..90"
            )
        if "center" in view or "zoom" in view:
            problems.append("field 'view': give either 'bounds' or 'center' and 'zoom', not both")
        return problems
    if "center" not in view or "zoom" not in view:
        return problems + ["field 'view': needs 'bounds', or both 'center' and 'zoom'"]
    center = view["center"]
    if not isinstance(center, dict) or set(center) != {"lat", "lon"} or not all(
        _number(v) for v in center.values()
    ):
        problems.append(f"field 'view.center': must be {{lat: ..., lon: ...}}, got {center!r}")
    elif not (-90 <= center["lat"] <= 90 and -180 <= center["lon"] <= 180):
        problems.append(f"field 'view.center': {center} is out of range")
    zoom = view["zoom"]
    if not _number(zoom) or not 0 <= zoom <= 18:
        problems.append(f"field 'view.zoom': must be a number from 0 to 18, got {zoom!r}")
    return problems


def _citation_problems(citations: Any) -> list[str]:
    if not isinstance(citations, list) or not citations:
        return ["field 'citations': every step needs at least one citation"]
    problems = []
    for number, item in enumerate(citations, 1):
        where = f"field 'citations' item {number}"
        if isinstance(item, str):
            if not item.strip():
                problems.append(f"{where}: is empty")
            continue
        if not isinstance(item, dict):
            problems.append(f"{where}: must be a text or a mapping with 'citation'")
            continue
        problems += [f"{where}: {p}" for p in _unknown_keys(item, _CITATION_KEYS)]
        if not isinstance(item.get("citation"), str) or not item["citation"].strip():
            problems.append(f"{where}: needs a 'citation' text")
        for key in ("seed", "locator", "quote", "url"):
            if item.get(key) is not None and not isinstance(item[key], str):
                problems.append(f"{where}: {key!r} must be a text, got {item[key]!r}")
        url = item.get("url")
        if isinstance(url, str) and not url.startswith(("http://", "https://")):
            problems.append(f"{where}: 'url' must start with http:// or https://, got {url!r}")
    return problems


def _step_problems(step: Any, base: list[str], index: _LayerIndex) -> list[str]:
    if not isinstance(step, dict):
        return [f"must be a mapping with 'title', 'text' and 'citations', got {step!r}"]
    problems = _unknown_keys(step, _STEP_KEYS)
    for key in ("title", "text"):
        value = step.get(key)
        if not isinstance(value, str) or not value.strip():
            problems.append(f"field {key!r}: is missing or empty")
    text = step.get("text")
    if isinstance(text, str) and len(text) > MAX_TEXT:
        problems.append(f"field 'text': is {len(text)} characters; keep a step under {MAX_TEXT} "
                        "so it can be read from the back of a room")
    year = step.get("year")
    if year is not None and not (
        (isinstance(year, int) and not isinstance(year, bool) and -3000 <= year <= 3000)
        or (isinstance(year, str) and 0 < len(year.strip()) <= 20)
    ):
        problems.append(f"field 'year': must be a year such as 2011 or a short text such as "
                        f"'1996-97', got {year!r}")
    problems += _citation_problems(step.get("citations"))
    shown = list(base)
    if "layers" in step:
        layer_problems = _name_list(step["layers"], "layers", index)
        problems += layer_problems
        if not layer_problems:
            shown += step["layers"]
    if "view" in step:
        problems += _view_problems(step["view"])
    highlight = step.get("highlight", [])
    if not isinstance(highlight, list) or not all(isinstance(h, str) for h in highlight):
        problems.append(f"field 'highlight': must be a list of feature ids, got {highlight!r}")
    else:
        shown = [name for name in shown if name in index.names]
        until = year_cutoff(year) if isinstance(year, int | str) else None
        for fid in highlight:
            owner = next((name for name in shown if fid in index.ids(name)), None)
            if owner is not None:
                begins = index.starts(owner)[fid]
                if until is not None and begins is not None and begins > until:
                    problems.append(f"field 'highlight': feature {fid!r} starts in {begins}, "
                                    f"after this step's year ({until}), so it is hidden")
                continue
            elsewhere = [name for name in index.names if fid in index.ids(name)]
            if elsewhere:
                problems.append(f"field 'highlight': feature {fid!r} is in layer "
                                f"{elsewhere[0]!r}, which this step does not show; "
                                "add it to 'layers'")
            elif not any(name in index.broken for name in shown):  # else: blamed in 'files'
                every = sorted(set().union(*(index.ids(name) for name in shown)) if shown else ())
                close = difflib.get_close_matches(fid, every, n=1, cutoff=0.6)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                problems.append(f"field 'highlight': no feature with id {fid!r} in the "
                                f"layers of this step{hint}")
    return problems


def _short(title: Any) -> str:
    text = str(title).strip() if isinstance(title, str) else ""
    return text if len(text) <= 40 else text[:37].rstrip() + "..."


def story_problems(
    data: Any, source: str = "<story>", *, layer_data: Mapping[str, Any] | None = None
) -> list[str]:
    """Return every problem of a parsed story, each naming the source, step and field.

    Parameters
    ----------
    data
        The parsed YAML or JSON (a mapping).
    source
        File name used at the start of each message.
    layer_data
        Layers the story may use, by name; the curated catalog when ``None``.

    The files of a ``files`` entry are read relative to the folder of ``source``.

    Examples
    --------
    >>> story_problems({"title": "t", "steps": []}, "s.yaml", layer_data={})
    ["s.yaml: field 'steps': must be a non-empty list of steps"]
    """
    return _check(data, source, layer_data)[0]


def _check(
    data: Any, source: str, layer_data: Mapping[str, Any] | None
) -> tuple[list[str], dict[str, geopandas.GeoDataFrame]]:
    """Return the problems of a parsed story and the layers of its ``files``, read once."""
    if not isinstance(data, dict):
        return [f"{source}: a story must be a mapping with 'title' and 'steps', "
                f"got {type(data).__name__}"], {}
    index = _LayerIndex(layer_data)
    problems = [f"{source}: {p}" for p in _unknown_keys(data, _STORY_KEYS)]
    files: dict[str, geopandas.GeoDataFrame] = {}
    if "files" in data:
        files, broken, file_problems = _read_files(data["files"], source, index.curated,
                                                   curated=layer_data is None)
        problems += [f"{source}: {p}" for p in file_problems]
        index.add_files(files, broken)
    if not isinstance(data.get("title"), str) or not data["title"].strip():
        problems.append(f"{source}: field 'title': is missing or empty")
    if data.get("description") is not None and not isinstance(data["description"], str):
        problems.append(f"{source}: field 'description': must be a text")
    base: list[str] = []
    if "base_layers" in data:
        base_problems = _name_list(data["base_layers"], "base_layers", index)
        problems += [f"{source}: {p}" for p in base_problems]
        if not base_problems:
            base = list(data["base_layers"])
    tiles = data.get("tiles")
    if tiles is not None:
        if not isinstance(tiles, dict) or not isinstance(tiles.get("url"), str):
            problems.append(f"{source}: field 'tiles': must be {{url: ..., attribution: ...}}")
        else:
            problems += [f"{source}: field 'tiles': {p}"
                         for p in _unknown_keys(tiles, ("url", "attribution"))]
            if not tiles["url"].startswith(("http://", "https://", "file:")):
                problems.append(f"{source}: field 'tiles': 'url' must be an http(s) or file: "
                                f"address template, got {tiles['url']!r}")
    steps = data.get("steps")
    if not isinstance(steps, list) or not steps:
        problems.append(f"{source}: field 'steps': must be a non-empty list of steps")
        return problems, files
    for number, step in enumerate(steps, 1):
        title = _short(step.get("title")) if isinstance(step, dict) else ""
        where = f"{source}: step {number}" + (f" ({title})" if title else "")
        problems += [f"{where}: {p}" for p in _step_problems(step, base, index)]
    return problems, files


def _read_files(
    entries: Any, source: str, taken: list[str], *, curated: bool = True
) -> tuple[dict[str, geopandas.GeoDataFrame], set[str], list[str]]:
    """Read and check each layer file of a story's ``files`` mapping, once.

    Returns the layers read (by name, in the order given), the names of entries that could not
    be read, and the problems, each naming the entry (``field 'files' entry 'trip': ...``).
    """
    from geomap.errors import LayerReadError, LayerValidationError
    from geomap.schema import read_checked

    if not isinstance(entries, dict):
        return {}, set(), [
            "field 'files': must be a mapping of your layer names to files, e.g. "
            f"{{trip: trip_points.geojson}}, got {entries!r}"]
    folder = Path(source).parent
    frames: dict[str, geopandas.GeoDataFrame] = {}
    broken: set[str] = set()
    problems: list[str] = []
    kind = "curated layer" if curated else "layer"
    for name, value in entries.items():
        where = f"field 'files' entry {name!r}"
        if not isinstance(name, str) or not _FILE_NAME.match(name):
            problems.append(f"{where}: a layer name is letters, digits, '_', '-' or '.' "
                            "(up to 60, no spaces)")
            continue
        if name in taken:
            problems.append(f"{where}: {name!r} is already a {kind}; give your file another "
                            "name (steps use that name in 'layers')")
            continue
        broken.add(name)
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{where}: must be the path of a layer file, got {value!r}")
            continue
        text, _, layer = value.strip().partition("|layername=")
        path = Path(text).expanduser()
        if not path.is_absolute():
            path = folder / path
        try:
            gdf = read_checked(path, layer=layer or None)
        except (LayerReadError, LayerValidationError) as exc:
            message = str(exc).replace(
                "choose one with --layer NAME (or FILE|layername=NAME)",
                "choose one with FILE|layername=NAME")
            problems.append(f"{where}: {message}")
            continue
        gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
        if not len(gdf):
            problems.append(f"{where}: {path} holds no features to draw")
            continue
        frames[name] = _own_layer(gdf, name, len(frames))
        broken.discard(name)
    return frames, broken, problems


def _own_layer(
    gdf: geopandas.GeoDataFrame, name: str, position: int
) -> geopandas.GeoDataFrame:
    """Return a story's own layer ready to draw: text ids and dates, title and user style.

    Ids become text (a GeoPackage's ``id`` may be an integer), so ``highlight`` can name them;
    dates become ISO text, so the year of a step hides later features as in curated layers.
    The style is the main map's for ``--add`` layers, in turn (``geomap.render.USER_STYLES``).
    """
    import pandas as pd

    from geomap.render import USER_STYLES

    gdf = gdf.copy()

    def text(value: Any) -> str | None:
        try:
            missing = value is None or bool(pd.isna(value))
        except (TypeError, ValueError):  # a list or an array is not missing
            missing = False
        if missing:
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if hasattr(value, "isoformat"):
            value = value.isoformat()[:10]
        return str(value)

    for column in ("id", "start_date", "end_date"):
        if column in gdf:
            gdf[column] = pd.Series([text(v) for v in gdf[column]], index=gdf.index,
                                    dtype=object)
    user = USER_STYLES[position % len(USER_STYLES)]
    gdf.attrs.update(
        title=f"{name} (your layer)",
        attribution=f"{name}: user layer",
        style={"color": user["color"], "fill_color": user["fillColor"],
               "symbol": user["symbol"]},
    )
    return gdf


def _build(data: dict, source: str, files: Mapping[str, Any] | None = None) -> Story:
    steps = []
    for raw in data["steps"]:
        citations = tuple(
            Citation(citation=c) if isinstance(c, str)
            else Citation(**{k: c.get(k) for k in _CITATION_KEYS})
            for c in raw["citations"]
        )
        view = None
        if "view" in raw:
            v = raw["view"]
            if "bounds" in v:
                view = View(bounds=tuple(float(b) for b in v["bounds"]))
            else:
                view = View(center=(float(v["center"]["lat"]), float(v["center"]["lon"])),
                            zoom=float(v["zoom"]))
        steps.append(Step(
            title=raw["title"].strip(),
            text=raw["text"].strip(),
            citations=citations,
            layers=tuple(raw.get("layers", ())),
            highlight=tuple(raw.get("highlight", ())),
            view=view,
            year=raw.get("year"),
        ))
    base = tuple(data.get("base_layers", ()))
    used = list(dict.fromkeys([*base, *(name for s in steps for name in s.layers)]))
    return Story(
        title=data["title"].strip(),
        steps=tuple(steps),
        description=(data.get("description") or "").strip(),
        base_layers=base,
        tiles=data.get("tiles"),
        source=source,
        layers=tuple(used),
        files=dict(files or {}),
    )


# --------------------------------------------------------------------------- page

#: Basemap country drawn as the focus of every story and picture (as ``HOME_COUNTRY`` on the
#: main map): lighter than its neighbours and with a heavier outline.
FOCUS_COUNTRY = "TJ"

#: Story page and pictures draw every curated layer with its catalog record's ``style`` (the
#: colours, fills, dashes and symbols of the main map and of the QGIS ``.qml`` files). These are
#: the only changes, all for a projector seen from the back of a room:
#:
#: ``weight_factor``, ``min_weight``
#:     lines and outlines 1.5 times as heavy as on the main map, at least 2 px (dash patterns
#:     are stretched alike so they keep their look);
#: ``marker``, ``marker_highlight``
#:     point symbols 24 px across (the main map's 7-16 px vanish on a projector), highlighted
#:     ones 40 px with a black outline;
#: ``focus_fill``, ``focus_fill_opacity``, ``focus_weight``
#:     the focus country filled as on the main map (near white, nearly opaque) and outlined
#:     1.5 px heavier, so it stands out from its neighbours, which keep the catalog fill.
STORY_ADJUSTMENTS: dict[str, Any] = {
    "weight_factor": 1.5,
    "min_weight": 2.0,
    "marker": 24,
    "marker_highlight": 40,
    "focus_fill": "#fffdf4",
    "focus_fill_opacity": 0.95,
    "focus_weight": 1.5,
}
#: Colour behind the countries on the page and in pictures: darker than the neighbours' fill,
#: so the translucent neighbours read darker than the near-white focus country.
BACKGROUND = "#c3cfd9"
#: Okabe-Ito colours and shapes, in turn, for layers without a catalog record (your own data).
_FALLBACK_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
_SHAPES = ("circle", "square", "triangle", "diamond", "star")
#: Point symbols the page and pictures can draw (as the main map's ``geomap.js``).
SYMBOLS = ("circle", "square", "triangle", "diamond", "star", "cross", "hexagon")
#: Feature properties copied into the page (shown as labels and tooltips via textContent).
_PAGE_PROPERTIES = ("id", "name", "category", "iso_a2", "start_date", "end_date", "status",
                    "precision", "coordinate_uncertainty_m")


def site_certainty(props: Mapping[str, Any], *, context: bool = False) -> tuple[str, float]:
    """Return ``(certainty, radius_m)`` of a feature's site, by the main map's rule.

    As :func:`geomap.render.site_radius` and ``geomap.js`` read it: a feature of a non-basemap
    layer whose IATI ``precision`` is a number other than 1 is *approximate*, within its
    ``coordinate_uncertainty_m`` (or, when that is missing, the default radius of its code,
    :data:`geomap.render.DEFAULT_UNCERTAINTY_M`); beyond
    :data:`geomap.render.UNCERTAINTY_CIRCLE_MAX_M` its site is *unknown*. Everything else
    (``precision`` 1 or missing, basemap layers) is ``("exact", 0.0)``.

    >>> site_certainty({"precision": 8, "coordinate_uncertainty_m": 280000})
    ('unknown', 280000.0)
    >>> site_certainty({"precision": 5, "coordinate_uncertainty_m": 25000})
    ('approximate', 25000.0)
    >>> site_certainty({"precision": 1}), site_certainty({"precision": 3}, context=True)
    (('exact', 0.0), ('exact', 0.0))
    """
    from geomap.render import UNCERTAINTY_CIRCLE_MAX_M, site_radius

    radius = None if context else site_radius(props)
    if radius is None:
        return "exact", 0.0
    return ("unknown" if radius > UNCERTAINTY_CIRCLE_MAX_M else "approximate"), float(radius)


def symbol_name(symbol: Any) -> str:
    """Return the drawable point symbol for a style's ``symbol`` (as the main map reads it).

    >>> symbol_name("Triangle"), symbol_name("rectangle"), symbol_name("polygon")
    ('triangle', 'square', 'circle')
    """
    name = str(symbol or "circle").lower()
    if name in SYMBOLS:
        return name
    for part, shape in (("tri", "triangle"), ("squ", "square"), ("rect", "square"),
                        ("diam", "diamond"), ("rhomb", "diamond"), ("star", "star"),
                        ("cross", "cross"), ("plus", "cross"), ("hex", "hexagon")):
        if part in name:
            return shape
    return "circle"


def _kind_of(geometry_type: str | None) -> str:
    kind = str(geometry_type or "").replace("Multi", "")
    return "point" if kind == "Point" else "line" if kind == "LineString" else "area"


def layer_style(
    name: str,
    position: int = 0,
    record: Any | None = None,
    *,
    kind: str | None = None,
    style: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Return how the story page and pictures draw a layer: its catalog style, adjusted.

    Parameters
    ----------
    name
        Layer name; its catalog record is looked up when ``record`` and ``style`` are None.
    position
        Place of the layer in the story, for the fallback colour and shape of a layer that
        has no catalog style.
    record
        The layer's catalog record (:class:`geomap.catalog.LayerRecord`).
    kind
        ``"point"``, ``"line"`` or ``"area"``; defaults to the record's geometry type.
    style
        A catalog-style mapping to use instead of the record's (e.g. ``gdf.attrs["style"]``).

    Returns
    -------
    dict
        ``color`` (stroke), ``fill``, ``fill_opacity``, ``opacity``, ``weight``, ``dash``,
        ``shape``, ``outline`` (point outline), ``category_shapes``, ``category_colors``,
        ``marker``, ``marker_highlight`` and, for the basemap, ``focus`` (an ISO code),
        ``focus_fill``, ``focus_fill_opacity`` and ``focus_weight``. Colours, fills, dashes
        and symbols are the catalog's; see :data:`STORY_ADJUSTMENTS` for the rest.
    """
    if style is None and record is None:
        from geomap import catalog
        from geomap.errors import LayerNotFoundError

        try:
            record = catalog.get_layer(name)
        except LayerNotFoundError:
            record = None
    raw: Mapping[str, Any] | None = style if style is not None else getattr(record, "style", None)
    if kind is None:
        kind = _kind_of(getattr(record, "geometry_type", None))
    if not raw:
        colour = _FALLBACK_COLOURS[position % len(_FALLBACK_COLOURS)]
        raw = {"color": colour, "fill_color": colour, "weight": 2,
               "symbol": _SHAPES[position % len(_SHAPES)]}
    adjust = STORY_ADJUSTMENTS
    colour = str(raw.get("color") or "#3388ff")
    fill = str(raw.get("fill_color") or colour)
    raw_weight = float(raw.get("weight", 2 if kind != "point" else 1))
    weight = max(raw_weight * float(adjust["weight_factor"]), float(adjust["min_weight"]))
    # dashes stretch with the line, so a dash pattern keeps its look
    factor = weight / raw_weight if raw_weight > 0 else 1.0
    dash_values = [float(x) for x in str(raw.get("dash_array") or "").replace(",", " ").split()]
    dash = " ".join(f"{x * factor:g}" for x in dash_values) or None
    result: dict[str, Any] = {
        "color": colour,
        "fill": fill,
        "fill_opacity": float(raw.get("fill_opacity", 1.0 if kind == "point" else 0.3)),
        "opacity": float(raw.get("opacity", 1.0)),
        "weight": weight,
        "dash": dash,
        "shape": symbol_name(raw.get("symbol")),
        # as the main map: a marker filled with its stroke colour gets a dark outline
        "outline": "#222222" if colour.lower() == fill.lower() else colour,
        "category_shapes": {str(k): symbol_name(v)
                            for k, v in (raw.get("category_symbols") or {}).items()},
        "category_colors": {str(k): str(v)
                            for k, v in (raw.get("category_colors") or {}).items()},
        "marker": adjust["marker"],
        "marker_highlight": adjust["marker_highlight"],
    }
    if kind == "area" and getattr(record, "theme", None) == "context":
        result.update(focus=FOCUS_COUNTRY, focus_fill=adjust["focus_fill"],
                      focus_fill_opacity=adjust["focus_fill_opacity"],
                      focus_weight=adjust["focus_weight"])
    return result


def category_legend(style: Mapping[str, Any], categories: Any) -> list[dict[str, str]]:
    """Return ``{category, label, shape, fill}`` of each class of a layer drawn by category.

    Only categories present in ``categories`` (a layer's ``category`` values) that the style
    gives their own shape or colour are listed, sorted by label.
    """
    from geomap.schema import CATEGORIES

    shapes, colours = style.get("category_shapes") or {}, style.get("category_colors") or {}
    present = {str(c) for c in categories if isinstance(c, str)}
    return sorted(
        ({"category": c, "label": CATEGORIES.get(c, c.replace("_", " ").capitalize()),
          "shape": shapes.get(c, style["shape"]), "fill": colours.get(c, style["fill"])}
         for c in present if c in shapes or c in colours),
        key=lambda item: item["label"],
    )


def _layer_payload(
    name: str,
    position: int,
    layer_data: Mapping[str, geopandas.GeoDataFrame] | None,
    files: Mapping[str, geopandas.GeoDataFrame] | None = None,
) -> dict[str, Any]:
    """Return one layer for the page: title, geometry type, style and slim GeoJSON."""
    gdf, title, attribution, record = layer_frame(name, layer_data, files=files)
    keep = [c for c in _PAGE_PROPERTIES if c in gdf.columns]
    slim = gdf[[*keep, "geometry"]].copy()
    if len(slim) and slim.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).all():
        # country outlines need not be finer than ~100 m on a classroom screen
        slim["geometry"] = slim.geometry.simplify(0.001, preserve_topology=True)
    features = json.loads(slim.to_json(na="null", drop_id=True))["features"]
    for feature in features:
        # 5 decimals (about 1 m) is finer than any source; keeps the page small
        feature["geometry"] = _round_geometry(feature["geometry"])
    kind, style = frame_style(name, position, gdf, record)
    context = getattr(record, "theme", None) == "context"
    for feature in features:
        # how well the site is known, as the main map reads it: [certainty, radius in metres]
        certainty, radius = site_certainty(feature["properties"] or {}, context=context)
        feature["site"] = [certainty, round(radius)]
    categories = gdf["category"] if "category" in gdf and kind == "point" else []
    return {
        "name": name,
        "title": title,
        "attribution": attribution,
        "kind": kind,
        "style": style,
        "categories": category_legend(style, categories),
        "features": features,
    }


def frame_style(
    name: str, position: int, gdf: geopandas.GeoDataFrame, record: Any | None
) -> tuple[str, dict[str, Any]]:
    """Return ``(kind, style)`` of a layer read by :func:`layer_frame`.

    The kind (``"point"``, ``"line"`` or ``"area"``) is that of the geometries present. Your own
    layers (``layer_data``) have no catalog record: their ``attrs["style"]`` or a fallback is used.
    """
    kinds = {str(t).replace("Multi", "") for t in gdf.geom_type.dropna()}
    kind = "point" if kinds <= {"Point"} else "line" if kinds <= {"LineString"} else "area"
    own = None if record is not None else dict(gdf.attrs.get("style") or {})
    return kind, layer_style(name, position, record, kind=kind, style=own)


def layer_frame(
    name: str,
    layer_data: Mapping[str, geopandas.GeoDataFrame] | None = None,
    *,
    files: Mapping[str, geopandas.GeoDataFrame] | None = None,
) -> tuple[geopandas.GeoDataFrame, str, str, Any]:
    """Return ``(gdf in EPSG:4326, title, attribution, catalog record or None)`` of a layer.

    ``layer_data`` maps names to GeoDataFrames used instead of the catalog; their ``attrs`` may
    carry ``title`` and ``attribution``. ``files`` (a story's own layers, ``Story.files``) are
    looked up first, then ``layer_data`` or the catalog.
    """
    from geomap import catalog

    record = None
    if files and name in files:
        gdf = files[name]
        title = str(gdf.attrs.get("title", name))
        attribution = str(gdf.attrs.get("attribution", ""))
    elif layer_data is not None:
        gdf = layer_data[name]
        title = str(gdf.attrs.get("title", name.replace("_", " ").capitalize()))
        attribution = str(gdf.attrs.get("attribution", ""))
    else:
        record = catalog.get_layer(name)
        gdf = catalog.read_layer(name)
        title, attribution = record.title, record.attribution
    if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
        gdf = gdf.to_crs(4326)
    return gdf, title, attribution, record


def _round_geometry(geom: dict | None) -> dict | None:
    if geom is None:
        return None

    def walk(coords: Any) -> Any:
        if coords and isinstance(coords[0], int | float):
            return [round(c, 5) for c in coords]
        return [walk(c) for c in coords]

    if geom["type"] == "GeometryCollection":
        parts = [_round_geometry(g) for g in geom["geometries"]]
        return {"type": geom["type"], "geometries": parts}
    return {"type": geom["type"], "coordinates": walk(geom["coordinates"])}


def _step_payload(story: Story, number: int, payload_layers: dict[str, dict]) -> dict[str, Any]:
    step = story.steps[number - 1]
    shown = story.step_layers(number)
    view: dict[str, Any]
    if step.view and step.view.bounds:
        view = {"bounds": list(step.view.bounds)}
    elif step.view and step.view.center:
        view = {"center": list(step.view.center), "zoom": step.view.zoom}
    else:
        view = {"bounds": list(_fit_bounds(step, shown, payload_layers))}
    return {
        "number": number,
        "title": step.title,
        "year": None if step.year is None else str(step.year),
        "text": step.text,
        "layers": shown,
        "until": step.until,
        "highlight": list(step.highlight),
        "view": view,
        "citations": [
            {"label": c.citation, "locator": c.locator, "seed": c.seed, "url": c.url,
             "quote": c.quote}
            for c in step.citations
        ],
    }


def _fit_bounds(step: Step, shown: list[str], layers: dict[str, dict]) -> tuple[float, ...]:
    """Bounds of the highlighted features, else of the step's own layers, else Tajikistan."""
    import shapely
    from shapely.geometry import shape

    def bounds_of(features: list[dict]) -> tuple[float, ...] | None:
        geoms = [shape(f["geometry"]) for f in features if f.get("geometry")]
        if not geoms:
            return None
        west, south, east, north = shapely.GeometryCollection(geoms).bounds
        pad_x, pad_y = max((east - west) * 0.15, 0.3), max((north - south) * 0.15, 0.3)
        return (west - pad_x, south - pad_y, east + pad_x, north + pad_y)

    highlighted = [
        f for name in shown for f in layers[name]["features"]
        if (f["properties"] or {}).get("id") in step.highlight
    ]
    own = [f for name in step.layers for f in layers[name]["features"]]
    for features in (highlighted, own):
        found = bounds_of(features)
        if found:
            return found
    return TAJIKISTAN_BOUNDS


def build_story_html(
    story: Story, *, layer_data: Mapping[str, geopandas.GeoDataFrame] | None = None
) -> str:
    """Return the self-contained HTML page of a validated story.

    Everything from data reaches the page only as escaped JSON in a ``<script
    type="application/json">`` element and reaches the DOM only as text, so nothing in a layer
    or story can run as code.
    """
    from html import escape

    from geomap import assets

    payload_layers = {
        name: _layer_payload(name, position, layer_data, story.files)
        for position, name in enumerate(story.layers)
    }
    from geomap.render import UNCERTAINTY_CIRCLE_MAX_M

    data = {
        "title": story.title,
        "description": story.description,
        "circle_max_m": UNCERTAINTY_CIRCLE_MAX_M,
        "tiles": story.tiles,
        "background": BACKGROUND,
        "layers": payload_layers,
        "steps": [_step_payload(story, n, payload_layers) for n in range(1, len(story.steps) + 1)],
    }
    total = len(story.steps)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="geomap story">
<title>{escape(story.title)}</title>
{assets.style_tag(assets.leaflet_css())}
{assets.style_tag(assets.story_css())}
</head>
<body>
<a class="skip" href="#story-panel">Skip to the step text</a>
<header class="story-header">
  <h1 id="story-title">{escape(story.title)}</h1>
  <div class="story-progress">
    <span id="story-counter" class="story-counter">Step 1 of {total}</span>
    <div id="story-progressbar" class="story-progressbar" role="progressbar"
         aria-label="Progress through the story" aria-valuemin="1" aria-valuemax="{total}"
         aria-valuenow="1"><div class="story-progressbar-fill"></div></div>
  </div>
</header>
<main class="story-main">
  <div id="story-map" class="story-map" role="region" aria-label="Map of the current step"></div>
  <section id="story-panel" class="story-panel" tabindex="-1" aria-labelledby="story-step-title">
    <p id="story-year" class="story-year"></p>
    <h2 id="story-step-title" class="story-step-title"></h2>
    <div id="story-text" class="story-text"></div>
    <h3 class="story-subhead">Sources</h3>
    <ol id="story-citations" class="story-citations"></ol>
    <h3 class="story-subhead">On the map</h3>
    <ul id="story-legend" class="story-legend"></ul>
    <p id="story-attribution" class="story-attribution"></p>
  </section>
</main>
<nav class="story-nav" aria-label="Story steps">
  <button type="button" id="story-first" aria-label="First step (Home)">&#x00AB; First</button>
  <button type="button" id="story-prev"
          aria-label="Previous step (Left arrow or Page Up)">&#x2190; Previous</button>
  <button type="button" id="story-next"
          aria-label="Next step (Right arrow or Page Down)">Next &#x2192;</button>
  <button type="button" id="story-last" aria-label="Last step (End)">Last &#x00BB;</button>
  <span class="story-keys" aria-hidden="true">Keys: &#x2190; &#x2192; PgUp PgDn Home End</span>
</nav>
<div id="story-announce" class="sr-only" aria-live="polite" aria-atomic="true"></div>
<div id="story-print" class="story-print" aria-hidden="true"></div>
<script type="application/json" id="story-data">{assets.json_for_script(data)}</script>
{assets.script_tag(assets.leaflet_js())}
{assets.script_tag(assets.story_js())}
</body>
</html>
"""


def render_story(
    story: str | Path | Story | None = None,
    path: str | Path = "output/story.html",
    *,
    overwrite: bool = False,
    layer_data: Mapping[str, geopandas.GeoDataFrame] | None = None,
) -> Path:
    """Write a story as one self-contained, offline HTML page and return its path.

    Parameters
    ----------
    story
        A story file (YAML or JSON), a loaded :class:`Story`, or ``None`` for the default story.
    path
        The HTML file to write; its folder is created. Written to a temporary file and renamed,
        so a failure never leaves half a page.
    overwrite
        Replace ``path`` if it exists.
    layer_data
        Layers by name to use instead of the curated catalog (the story's ``files`` are drawn
        too).

    Raises
    ------
    StoryError
        When the story file cannot be read or breaks the format.
    RenderError
        When ``path`` exists and ``overwrite`` is false, or cannot be written.
    """
    if not isinstance(story, Story):
        story = load_story(story, layer_data=layer_data)
    check_target(path, overwrite=overwrite, error=RenderError)
    html = build_story_html(story, layer_data=layer_data)
    return write_atomic(path, html, overwrite=overwrite, error=RenderError)


