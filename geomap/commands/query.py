"""``geomap query``: geodesic questions about layers, answered from the command line.

Every subcommand takes layer names, layer files or ``lon,lat`` points, prints a readable table by
default (distances and lengths in km) or writes ``--format geojson|csv|json`` (metres, every
column kept) to stdout or ``-o FILE``. An empty answer is reported on stderr and exits 0.
"""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from geomap._files import write_atomic
from geomap.errors import ExportError, QueryError

FORMATS = ("table", "geojson", "csv", "json")
_SUFFIX_FORMATS = {".geojson": "geojson", ".csv": "csv", ".json": "json"}
_LEAD_COLUMNS = ("id", "name")
_TAIL_COLUMNS = (
    "target_name", "target_id", "target_ids", "precision", "coordinate_uncertainty_m", "sources",
)
_COMPUTED = (
    "distance_m", "distance_min_m", "distance_max_m", "length_m", "area_km2", "perimeter_m",
    "fraction_inside",
)
#: Text columns shown right after the computed ones (``within``: certain/possible/unknown).
_VERDICT_COLUMNS = ("within",)


def _output_options(func: Callable) -> Callable:
    options = [
        click.option("--layer", "layer_name", metavar="NAME",
                     help="Layer to read from whichever of the files given holds several "
                     "(GeoPackage, KML, zip); for two such files write FILE|layername=NAME."),
        click.option("--format", "-f", "fmt", type=click.Choice(FORMATS),
                     help="Output format [default: table, or from the -o suffix]."),
        click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
                     help="Write to FILE (atomically) instead of stdout."),
        click.option("--overwrite", is_flag=True, help="Replace FILE if it exists."),
        click.option("--engine", type=click.Choice(["local", "dask"]), default="local",
                     show_default=True,
                     help="dask: run over partitioned GeoParquet with dask-geopandas."),
        click.option("--scheduler", metavar="ADDRESS",
                     help="With --engine dask: address of a running Dask scheduler."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@click.group("query")
def query_group() -> None:
    """Answer spatial questions in metres, on the WGS84 ellipsoid.

    SRC, TARGET and REGION are curated layer names (see 'geomap list'), layer files (GeoJSON,
    GeoPackage, Shapefile, KML, GeoParquet, CSV) or a point written lon,lat. For a file that
    holds several layers, choose one with --layer NAME (it applies to whichever of the files
    holds several), or write FILE|layername=NAME (needed when both files hold several and the
    layers differ). Answers keep every column of SRC, including its sources and precision. An
    empty answer prints a note on stderr and exits 0; bad input exits 2 with one line.

    A point SRC west of Greenwich starts with '-': put it last, after '--'
    (geomap query nearest --to gbao -- -74,40.7).
    """


@query_group.command("within-distance")
@click.argument("src")
@click.option("--of", "target", required=True, help="Layer, file or lon,lat to measure from.")
@click.option("--distance", "-d", required=True, help="Metres, or with a unit: 20km, 500m, 12mi.")
@click.option("--uncertainty", default="point", show_default=True,
              metavar="[point|certain|possible]",
              help="How to read each feature's coordinate_uncertainty_m: point measures the "
              "drawn geometry; certain keeps only features within DISTANCE wherever they really "
              "lie in their uncertainty circle; possible keeps every feature that may be. The "
              "'within' column says certain or possible for each row.")
@_output_options
def within_distance_command(
    src: str, target: str, distance: str, uncertainty: str, **out: Any
) -> None:
    """List features of SRC within DISTANCE of any feature of TARGET, nearest first."""
    from geomap import query

    metres = query.parse_distance(distance)
    with _engine_context(out):
        result = query.within_distance(src, target, metres, engine=out["engine"],
                                        layer=out["layer_name"], uncertainty=uncertainty)
    how = {"point": "", "certain": " certainly", "possible": " possibly"}.get(uncertainty, "")
    hint = " (try --uncertainty possible)" if uncertainty == "certain" else ""
    _emit(result, out, empty=f"no features of {src}{how} lie within {distance} of {target}{hint}")


@query_group.command("nearest")
@click.argument("src")
@click.option("--to", "target", required=True, help="Layer, file or lon,lat to measure to.")
@_output_options
def nearest_command(src: str, target: str, **out: Any) -> None:
    """Give every feature of SRC its geodesic distance to the nearest feature of TARGET."""
    from geomap import query

    with _engine_context(out):
        result = query.nearest(src, target, engine=out["engine"], layer=out["layer_name"])
    _emit(result, out, empty=f"{src} has no features")


@query_group.command("intersects")
@click.argument("src")
@click.option("--with", "target", required=True, help="Layer or file to intersect with.")
@_output_options
def intersects_command(src: str, target: str, **out: Any) -> None:
    """List features of SRC that cross, touch or lie in any feature of TARGET."""
    from geomap import query

    with _engine_context(out):
        result = query.intersecting(src, target, engine=out["engine"], layer=out["layer_name"])
    _emit(result, out, empty=f"no features of {src} intersect {target}")


@query_group.command("inside")
@click.argument("src")
@click.option("--in", "region", required=True, help="Polygon layer or file to look inside.")
@click.option("--tolerance", default="0", show_default=True,
              help="Grow REGION by this distance first (e.g. 1km) for lines on its edge.")
@_output_options
def inside_command(src: str, region: str, tolerance: str, **out: Any) -> None:
    """Clip SRC to REGION: points inside it, and the length or area of lines and polygons
    inside it.
    """  # noqa: D205
    from geomap import query

    with _engine_context(out):
        result = query.inside(src, region, tolerance=tolerance,
                              engine=out["engine"], layer=out["layer_name"])
    _emit(result, out, empty=f"no features of {src} lie inside {region}")


@query_group.command("measure")
@click.argument("layer")
@_output_options
def measure_command(layer: str, **out: Any) -> None:
    """Measure LAYER geodesically: length of lines, area and perimeter of polygons."""
    from geomap import query

    with _engine_context(out):
        result = query.measure(layer, engine=out["engine"], layer=out["layer_name"])
    _emit(result, out, empty=f"{layer} has no features")


# --------------------------------------------------------------------------- helpers


@contextlib.contextmanager
def _engine_context(out: dict):
    if out["scheduler"] and out["engine"] != "dask":
        raise QueryError("--scheduler needs --engine dask")
    if not out["scheduler"]:
        yield
        return
    try:
        from distributed import Client
    except ImportError:  # pragma: no cover - depends on the environment
        raise QueryError("--scheduler needs dask.distributed: pip install 'geomap[dask]'") from None
    try:
        client = Client(out["scheduler"], timeout="10s")
    except OSError as exc:
        raise QueryError(f"cannot reach the Dask scheduler at {out['scheduler']} ({exc})") from None
    with client:
        yield


def _format_of(out: dict) -> str:
    if out["fmt"]:
        return out["fmt"]
    if out["output"] is not None:
        return _SUFFIX_FORMATS.get(out["output"].suffix.lower(), "table")
    return "table"


def _emit(result: Any, out: dict, *, empty: str) -> None:
    fmt = _format_of(out)
    if len(result) == 0:
        click.echo(f"geomap: {empty}", err=True)
        if fmt == "table":
            return
    text = _render(result, fmt)
    target: Path | None = out["output"]
    if target is None:
        click.echo(text, nl=not text.endswith("\n"))
        return
    write_atomic(target, text, overwrite=out["overwrite"], error=ExportError)
    click.echo(f"wrote {len(result)} feature(s) to {target}", err=True)


def _plain(value: Any) -> Any:
    """Return ``value`` as plain JSON data (NaN -> None, numpy -> Python)."""
    if value is None:
        return None
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "tolist") and not isinstance(value, str):
        return _plain(value.tolist())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _records(result: Any) -> list[dict]:
    geometry = result.geometry.name
    columns = [c for c in result.columns if c != geometry]
    rows = result[columns].astype(object).to_numpy().tolist()
    return [{c: _plain(v) for c, v in zip(columns, row, strict=True)} for row in rows]


def _render(result: Any, fmt: str) -> str:
    if fmt == "geojson":
        import shapely

        features = [
            {
                "type": "Feature",
                "properties": props,
                "geometry": None if geom is None else json.loads(shapely.to_geojson(geom)),
            }
            for props, geom in zip(_records(result), result.geometry.array, strict=True)
        ]
        payload = {"type": "FeatureCollection", "features": features}
        return json.dumps(payload, ensure_ascii=False) + "\n"
    if fmt == "json":
        return json.dumps(_records(result), ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        return _csv(result)
    return _table(result)


def _csv(result: Any) -> str:
    import csv
    import io

    records = _records(result)
    columns = [c for c in result.columns if c != result.geometry.name] + ["wkt"]
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(columns)
    for record, geom in zip(records, result.geometry.array, strict=True):
        cells = [record[c] for c in columns[:-1]]
        cells = [json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else v
                 for v in cells]
        writer.writerow([*("" if v is None else v for v in cells),
                         "" if geom is None else geom.wkt])
    return stream.getvalue()


def _short_sources(value: Any) -> str:
    if not isinstance(value, list) or not value:
        return ""
    first = value[0].get("citation", "") if isinstance(value[0], dict) else str(value[0])
    first = first if len(first) <= 38 else first[:37] + "…"
    return first + (f" (+{len(value) - 1})" if len(value) > 1 else "")


def _cell(column: str, value: Any) -> str:
    if column == "sources":
        return _short_sources(value)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if column == "coordinate_uncertainty_m":
        return f"±{value / 1000:,.0f}" if value >= 1000 else f"±{value / 1000:.1f}"
    if column.endswith("_m"):
        return f"{value / 1000:,.2f}"
    if column == "area_km2":
        return f"{value:,.1f}"
    if column == "fraction_inside":
        return f"{value:.0%}"
    if isinstance(value, list):
        text = ", ".join(str(v) for v in value)
    else:
        text = str(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _table(result: Any) -> str:
    geometry = result.geometry.name
    present = [c for c in result.columns if c != geometry]
    lead = [c for c in _LEAD_COLUMNS if c in present]
    if not lead:
        lead = [c for c in present if c not in _COMPUTED + _VERDICT_COLUMNS + _TAIL_COLUMNS][:3]
    computed = [c for c in _COMPUTED if c in present]
    verdict = [c for c in _VERDICT_COLUMNS if c in present]
    tail = [c for c in _TAIL_COLUMNS if c in present]
    if "target_name" in tail:  # the name says enough in a table; files keep both
        tail.remove("target_id")
    columns = lead + computed + verdict + tail
    headers = ["uncertainty_km" if c == "coordinate_uncertainty_m"
               else c[:-2] + "_km" if c.endswith("_m") else c for c in columns]
    headers = ["target" if h in ("target_name", "target_id") else h for h in headers]
    rows = [[_cell(c, record[c]) for c in columns] for record in _records(result)]
    right = {i for i, c in enumerate(columns) if c in _COMPUTED}
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        return "  ".join(
            cell.rjust(width) if i in right else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    lines = [line(headers), *(line(r) for r in rows)]
    summary = [f"{len(rows)} feature(s)"]
    for column, label in (("length_m", "total length"), ("area_km2", "total area")):
        if column in result.columns and result[column].notna().any():
            total = float(result[column].sum())
            summary.append(f"{label} {total / 1000:,.1f} km" if column == "length_m"
                           else f"{label} {total:,.1f} km²")
    lines.append("; ".join(summary) + " (geodesic, WGS84)")
    return "\n".join(lines) + "\n"
