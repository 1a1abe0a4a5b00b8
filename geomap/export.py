"""Write layers for other GIS software: GeoPackage, Shapefile, KML, GeoJSON, CSV, GeoParquet.

This is geomap's only writer of layer files. Every format keeps every feature, every property
value and the geometry, within what the format can hold:

==========  =======================================================================================
format      how properties are kept
==========  =======================================================================================
gpkg        one table per layer in one file; lists and dicts as JSON text; QGIS styles (QML + SLD)
            in the ``layer_styles`` table as each layer's default style
shp         one set per layer (``.shp .shx .dbf .prj .cpg`` + ``.qml``), field names cut to 10
            characters (mapping in ``<layer>.fields.json`` and printed), text longer than a DBF
            field (254 bytes) continued in extra fields; empty text and null look the same in DBF
kml         one folder per layer; placemarks named, styled by category, with the popup (all
            properties and the sources) in the description; properties also as typed SimpleData
geojson     RFC 7946, lists stay lists; a curated layer is copied byte for byte as shipped
csv         ``lon``/``lat`` columns for point layers, a ``WKT`` column otherwise; a GDAL ``.csvt``
            file types every column for GDAL and QGIS; empty text and null look the same
parquet     GeoParquet (WKB geometry, ``geo`` metadata); lists and dicts as JSON text
==========  =======================================================================================

Dates: ``start_date``/``end_date`` stay ISO text as the sources give them ("2016", "2019-08",
"2019-08-05"), so no reduced date is turned into NULL or a false day. Formats with a date type
(gpkg, shp, csv, parquet) also get a real Date field ``start_day``/``end_day`` holding the first
day of that period, for sorting and filtering in QGIS; geomap drops these when it reads the file.

Which columns hold JSON text and which were added is recorded in the file (GeoPackage layer
metadata ``GEOMAP``, GeoParquet schema metadata ``geomap``, KML document ``ExtendedData``) or
beside it (``<layer>.fields.json`` for Shapefile and CSV), so :func:`geomap.read_file` gives back
lists, dicts, booleans and integers as they were.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import json
import math
import os
import re
import shutil
import sqlite3
import tempfile
import unicodedata
import warnings
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from geomap.errors import ExportError, GeomapError

if TYPE_CHECKING:
    import geopandas

__all__ = [
    "FORMATS",
    "ExportFormat",
    "ExportResult",
    "write_layer",
    "write_layers",
]

ExportFormat = Literal["gpkg", "shp", "kml", "geojson", "csv", "parquet"]

#: Export format -> file suffix.
FORMATS: dict[str, str] = {
    "gpkg": ".gpkg",
    "shp": ".shp",
    "kml": ".kml",
    "geojson": ".geojson",
    "csv": ".csv",
    "parquet": ".parquet",
}
#: GDAL driver names (and other spellings) accepted for ``driver=``.
_DRIVERS: dict[str, str] = {
    "gpkg": "gpkg", "geopackage": "gpkg",
    "shp": "shp", "esri shapefile": "shp", "shapefile": "shp",
    "kml": "kml", "libkml": "kml",
    "geojson": "geojson", "json": "geojson",
    "csv": "csv",
    "parquet": "parquet", "geoparquet": "parquet",
}
#: Formats that hold several layers in one file.
_MULTI_LAYER = {"gpkg", "kml"}
#: Largest text a DBF field holds, in bytes.
DBF_TEXT_BYTES = 254
#: Key of geomap's field description in GeoPackage layer metadata.
META_KEY = "GEOMAP"
#: Field types of curated properties, used when a layer leaves them all empty.
_NUL = re.compile("\x00")
_SCHEMA_TYPES = {"cost_usd": "real", "date_estimated": "boolean", "precision": "integer",
                 "coordinate_uncertainty_m": "real"}
_DATE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")


@dataclass
class ExportResult:
    """What an export wrote.

    Attributes
    ----------
    path
        The file, folder or zip written.
    format
        The export format.
    layers
        Names of the layers written, in order.
    files
        Every file written.
    renamed_fields
        For Shapefile: ``{layer: {property: dbf_fields}}`` for every property stored under another
        name or over several fields (``"sources, sources_2"``).
    """

    path: Path
    format: str
    layers: list[str]
    files: list[Path] = field(default_factory=list)
    renamed_fields: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass
class _Layer:
    name: str
    gdf: geopandas.GeoDataFrame
    record: Any = None  # geomap.catalog.LayerRecord of a curated layer
    shipped: bool = False  # read unchanged from the curated GeoJSON file

    @property
    def style(self) -> dict[str, Any]:
        return dict(self.record.style) if self.record is not None else {}

    @property
    def title(self) -> str:
        return self.record.title if self.record is not None else self.name


# ------------------------------------------------------------------------------------- API


def write_layer(
    layer: Any,
    path: str | Path,
    *,
    format: ExportFormat | None = None,  # noqa: A002 - the word users know
    driver: str | None = None,
    overwrite: bool = False,
    zip: bool | None = None,  # noqa: A002
) -> ExportResult:
    """Write a layer (or a list of layers) to ``path`` in a GIS format.

    Parameters
    ----------
    layer
        A GeoDataFrame (its ``attrs["layer"]`` names it), a curated layer name, a path to a
        layer file geomap reads, or a list of these.
    path
        Output file, or folder for one-file-per-layer formats (``shp``, ``geojson``, ``csv``,
        ``parquet``) given several layers or a path without the format's suffix. A path ending
        in ``.zip`` (or ``zip=True``) writes the files into a zip archive.
    format
        ``gpkg``, ``shp``, ``kml``, ``geojson``, ``csv`` or ``parquet``; guessed from the
        suffix of ``path`` when omitted.
    driver
        A GDAL driver name ("GPKG", "ESRI Shapefile", "KML", ...) instead of ``format``.
    overwrite
        Replace existing files; without it an existing file is an error.
    zip
        Pack the output into a zip archive.

    Returns
    -------
    ExportResult

    Raises
    ------
    ExportError
        Unknown format, existing output without ``overwrite``, or values the format cannot hold.
        Nothing is left half-written: files are written to a temporary folder and renamed.

    Examples
    --------
    >>> import geopandas, shapely
    >>> gdf = geopandas.GeoDataFrame({"name": ["Dushanbe"]},
    ...                              geometry=[shapely.Point(68.78, 38.56)], crs=4326)
    >>> result = write_layer(gdf, tmp / "towns.gpkg")  # doctest: +SKIP
    """
    layers = list(layer) if isinstance(layer, list | tuple) else [layer]
    return write_layers(layers, path, format=format, driver=driver, overwrite=overwrite, zip=zip)


def write_layers(
    layers: Sequence[Any] | None,
    path: str | Path,
    *,
    format: ExportFormat | None = None,  # noqa: A002
    driver: str | None = None,
    overwrite: bool = False,
    zip: bool | None = None,  # noqa: A002
) -> ExportResult:
    """Write several layers (all curated layers when ``layers`` is None or empty) to ``path``.

    See :func:`write_layer` for the parameters.
    """
    path = Path(path)
    fmt = _resolve_format(path, format, driver)
    prepared = _prepare_all(layers)
    if not prepared:
        raise ExportError(f"{path}: nothing to export (the catalog has no layers)")
    zipped = bool(zip) or path.suffix.lower() == ".zip"
    if zipped and path.suffix.lower() != ".zip":
        path = path.with_name(path.name + ".zip")
    if zipped:
        single = None
    elif fmt in _MULTI_LAYER or path.suffix.lower() == FORMATS[fmt]:
        if fmt not in _MULTI_LAYER and len(prepared) > 1:
            raise ExportError(
                f"{path}: {fmt} holds one layer per file and {len(prepared)} layers were chosen; "
                f"give a folder instead of a {FORMATS[fmt]} file"
            )
        single = path
    else:
        single = None
    if path.exists() and not overwrite and (single is not None or zipped):
        raise ExportError(
            f"{path}: already exists; pass --overwrite (overwrite=True) to replace it")
    if path.exists() and (single is not None or zipped) and path.is_dir():
        raise ExportError(f"{path}: is a folder, expected a file")
    if single is None and not zipped and path.exists() and not path.is_dir():
        raise ExportError(f"{path}: is a file; {fmt} export of several layers needs a folder")
    parent = path.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".geomap-export-", dir=parent))
    except OSError as exc:
        raise ExportError(f"{path}: cannot create the output folder ({exc.strerror})") from None
    try:
        result = ExportResult(path=path, format=fmt, layers=[lay.name for lay in prepared])
        stem = path.stem if single is not None else None
        written = _WRITERS[fmt](prepared, tmp, stem, result)
        if zipped:
            archive = tmp / "archive.zip"
            with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
                for file in written:
                    zf.write(file, file.relative_to(tmp).as_posix())
            moves = [(archive, path)]
        elif single is not None:
            moves = [(file, parent / file.relative_to(tmp)) for file in written]
        else:
            moves = [(file, path / file.relative_to(tmp)) for file in written]
        existing = [final for _, final in moves if final.exists()]
        if existing and not overwrite:
            raise ExportError(
                f"{existing[0]}: already exists; pass --overwrite (overwrite=True) to replace it"
            )
        for source, final in moves:
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, final)
        result.files = [final for _, final in moves]
        return result
    except ExportError as exc:
        message = str(exc)
        head, sep, rest = message.partition(": ")
        if sep and not message.startswith(str(path)) and "/" not in head and Path(head).suffix:
            # name the user's output, not the temporary file
            message = f"{path}: {rest}" if head == path.name else f"{path} ({head}): {rest}"
        raise ExportError(message) from None
    except GeomapError:
        raise
    except OSError as exc:
        raise ExportError(f"{path}: cannot write ({exc.strerror or exc})") from None
    except Exception as exc:  # GDAL (pyogrio) and pyarrow raise many types for unwritable data
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ExportError(f"{path}: cannot write {fmt} ({message})") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ------------------------------------------------------------------------------- preparing


def _resolve_format(path: Path, fmt: str | None, driver: str | None) -> str:
    wanted = fmt or driver
    if wanted:
        key = _DRIVERS.get(str(wanted).strip().lower())
        if key is None:
            raise ExportError(
                f"{path}: unknown format {wanted!r} (expected one of {', '.join(FORMATS)})"
            )
        return key
    suffix = path.suffix.lower()
    if suffix == ".zip":
        suffix = Path(path.stem).suffix.lower() or ".shp"  # a bare .zip: zipped shapefiles
    for key, ext in FORMATS.items():
        if suffix == ext or (key == "geojson" and suffix == ".json"):
            return key
    raise ExportError(
        f"{path}: cannot tell the format from the file name; give one of {', '.join(FORMATS)}"
    )


def _prepare_all(layers: Sequence[Any] | None) -> list[_Layer]:
    from geomap import catalog

    items = list(layers or catalog.layer_names())
    prepared: list[_Layer] = []
    seen: set[str] = set()
    for item in items:
        lay = _prepare(item)
        base, n = lay.name, 2
        while lay.name.lower() in seen:
            lay.name = f"{base}_{n}"
            n += 1
        seen.add(lay.name.lower())
        prepared.append(lay)
    return prepared


def _prepare(item: Any) -> _Layer:
    import geopandas

    from geomap import catalog, readers

    if isinstance(item, geopandas.GeoDataFrame):
        name = _safe_name(str(item.attrs.get("layer") or "layer"))
        if item.crs is None:
            raise ExportError(f"layer {name!r}: has no CRS; set one (gdf.set_crs) before export")
        gdf = item if item.crs.to_epsg() == 4326 else item.to_crs(4326)
        record = None
        if name in catalog.layer_names():
            record = catalog.get_layer(name)
        return _Layer(name, gdf, record)
    if isinstance(item, str | Path):
        text = str(item)
        if isinstance(item, str) and not Path(text).suffix and text in catalog.layer_names():
            record = catalog.get_layer(text)
            return _Layer(record.name, _read_curated(record), record, shipped=True)
        if Path(text).exists():
            gdf = readers.read_file(text)
            return _Layer(_safe_name(Path(text).stem), gdf, None)
        record = catalog.get_layer(text)  # raises LayerNotFoundError with suggestions
        return _Layer(record.name, _read_curated(record), record, shipped=True)
    raise ExportError(f"cannot export a {type(item).__name__}; give a GeoDataFrame or a layer name")


def _read_curated(record: Any) -> geopandas.GeoDataFrame:
    """Read a curated layer, keeping integer properties integers where some are null.

    pandas turns a column of integers and nulls into floats; the GeoJSON says which they are.
    """
    from geomap import catalog

    gdf = catalog.read_layer(record.name)
    features = json.loads(record.path.read_text(encoding="utf-8"))["features"]
    for column in gdf.columns:
        if column == gdf.geometry.name or not pd.api.types.is_float_dtype(gdf[column].dtype):
            continue
        raw = [(f.get("properties") or {}).get(column) for f in features]
        if len(raw) == len(gdf) and all(
                v is None or (isinstance(v, int) and not isinstance(v, bool)) for v in raw):
            gdf[column] = pd.array(raw, dtype="Int64")
    return gdf


def _safe_name(name: str) -> str:
    cleaned = re.sub(r"[^\w.-]+", "_", name.strip()).strip("._")
    return cleaned or "layer"


def _is_null(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float | np.floating) and math.isnan(value)


def _py(value: Any) -> Any:
    """Return a plain Python (JSON-ready) value: numpy scalars unwrapped, missing -> None."""
    if isinstance(value, list | tuple):
        return [_py(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _py(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return [_py(v) for v in value.tolist()]
    if _is_null(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def _kind(series: pd.Series) -> str:
    """Return the field type of a property column.

    One of string, integer, real, boolean, date, datetime or json (lists, dicts and mixed
    types, kept as JSON text).
    """
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_float_dtype(dtype):
        return "real"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    values = [v for v in series if not _is_null(v)]
    if not values:
        return _SCHEMA_TYPES.get(str(series.name), "string")
    if all(isinstance(v, str) for v in values):
        return "string"
    if all(isinstance(v, bool | np.bool_) for v in values):
        return "boolean"
    if all(isinstance(v, int | np.integer) and not isinstance(v, bool | np.bool_) for v in values):
        if all(-(2**63) <= int(v) < 2**63 for v in values):
            return "integer"
        return "json"
    if all(isinstance(v, int | float | np.integer | np.floating)
           and not isinstance(v, bool | np.bool_) for v in values):
        return "real"
    if all(isinstance(v, dt.date) and not isinstance(v, dt.datetime) for v in values):
        return "date"
    return "json"


def _json_text(value: Any) -> str | None:
    if not isinstance(value, list | dict | tuple | np.ndarray) and _is_null(value):
        return None
    return json.dumps(_py(value), ensure_ascii=False)


def _day_column(name: str) -> str:
    return f"{name[:-5]}_day" if name.endswith("_date") else f"{name}_day"


def _encode(gdf: geopandas.GeoDataFrame, *, add_days: bool,
            fragile: Callable[[str], bool] | None = None) -> tuple[pd.DataFrame, list[dict]]:
    """Return flat property columns (no lists) and the field description of each column.

    A text column holding a value the format would change (``fragile``: an empty string where
    the format cannot tell it from null, spaces a DBF trims...) is kept as JSON text instead.
    """
    columns: dict[str, pd.Series] = {}
    fields: list[dict] = []
    names = [c for c in gdf.columns if c != gdf.geometry.name]
    index = pd.RangeIndex(len(gdf))
    for name in names:
        series = gdf[name].reset_index(drop=True)
        kind = _kind(series)
        if kind == "string" and fragile is not None and any(
                isinstance(v, str) and fragile(v) for v in series):
            kind = "json"
        if kind == "json":
            out = pd.Series([_json_text(v) for v in series], index=index, dtype=object)
        elif kind == "string":
            out = pd.Series([None if _is_null(v) else str(v) for v in series], index=index,
                            dtype=object)
        elif kind == "boolean":
            out = pd.Series([None if _is_null(v) else bool(v) for v in series], index=index,
                            dtype="boolean")
        elif kind == "integer":
            out = pd.Series([None if _is_null(v) else int(v) for v in series], index=index,
                            dtype="Int64")
        elif kind == "real":
            out = pd.Series([np.nan if _is_null(v) else float(v) for v in series], index=index,
                            dtype="float64")
        elif kind == "date":
            out = pd.Series([None if _is_null(v) else v for v in series], index=index,
                            dtype=object)
        else:  # datetime
            out = series
        columns[str(name)] = out
        fields.append({"name": str(name), "type": kind})
    if add_days:
        for spec in list(fields):
            name = spec["name"]
            day = _day_column(name)
            if spec["type"] != "string" or not name.lower().endswith("date") or day in columns:
                continue
            values = [v for v in columns[name] if v is not None]
            if not values or not all(_DATE.match(v) and 1 <= int(v[:4]) for v in values):
                continue
            from geomap.schema import parse_date

            days = [None if v is None else dt.date(*parse_date(v)) for v in columns[name]]
            columns[day] = pd.Series(days, index=index, dtype=object)
            fields.append({"name": day, "type": "date", "derived": True, "from": name})
    frame = pd.DataFrame(columns, index=index)
    return frame, fields


def _frame(lay: _Layer, props: pd.DataFrame) -> geopandas.GeoDataFrame:
    import geopandas

    geometry = geopandas.GeoSeries(lay.gdf.geometry.to_numpy(), crs=4326)
    return geopandas.GeoDataFrame(props, geometry=geometry, crs=4326)


def _categories(lay: _Layer) -> list[str]:
    if "category" not in lay.gdf.columns:
        return []
    return sorted({v for v in lay.gdf["category"] if isinstance(v, str) and v})


def _geometry_type(lay: _Layer) -> str:
    if lay.record is not None:
        return lay.record.geometry_type
    types = {t for t in lay.gdf.geometry.geom_type.dropna()}
    families = {t.replace("Multi", "") for t in types}
    if len(families) == 1:
        return families.pop()
    return "Point" if not families else sorted(families)[0]


@contextlib.contextmanager
def _gdal_warnings_as_errors(path: Path):
    """Turn GDAL's warnings while writing (truncated or unwritable values) into ExportError."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for warning in caught:
        if issubclass(warning.category, RuntimeWarning):
            message = str(warning.message).splitlines()[0]
            raise ExportError(f"{path.name}: the format cannot hold a value ({message})")


def _write_fields_json(path: Path, name: str, fields: list[dict]) -> Path:
    payload = {"geomap_fields": 1, "layer": name, "fields": fields}
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------- GeoJSON


def _orient(geom: Any) -> Any:
    import shapely

    if geom is None or geom.is_empty:
        return geom
    return shapely.orient_polygons(geom)  # RFC 7946: exterior rings counter-clockwise


def _feature_collection(lay: _Layer) -> dict:
    from shapely.geometry import mapping

    names = [c for c in lay.gdf.columns if c != lay.gdf.geometry.name]
    features = []
    for values, geom in zip(lay.gdf[names].itertuples(index=False, name=None),
                            lay.gdf.geometry, strict=True):
        props = {str(k): _py(v) for k, v in zip(names, values, strict=True)}
        geometry = None if geom is None or geom.is_empty else mapping(_orient(geom))
        features.append({"type": "Feature", "properties": props, "geometry": geometry})
    return {"type": "FeatureCollection", "features": features}


def _write_geojson(layers: list[_Layer], tmp: Path, stem: str | None, result: ExportResult):
    written = []
    for lay in layers:
        target = tmp / f"{stem or lay.name}.geojson"
        if lay.shipped:
            shutil.copyfile(lay.record.path, target)
        else:
            try:
                text = json.dumps(_feature_collection(lay), ensure_ascii=False, allow_nan=False)
            except ValueError:
                raise ExportError(
                    f"{target.name}: layer {lay.name!r} holds an infinite number, which GeoJSON "
                    "cannot store"
                ) from None
            target.write_text(text + "\n", encoding="utf-8")
        written.append(target)
    return written


# -------------------------------------------------------------------------------- GeoPackage

_LAYER_STYLES_SQL = """
CREATE TABLE IF NOT EXISTS layer_styles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    f_table_catalog TEXT(256),
    f_table_schema TEXT(256),
    f_table_name TEXT(256),
    f_geometry_column TEXT(256),
    styleName TEXT(30),
    styleQML TEXT,
    styleSLD TEXT,
    useAsDefault BOOLEAN,
    description TEXT,
    owner TEXT(30),
    ui TEXT(30),
    update_time DATETIME DEFAULT CURRENT_TIMESTAMP
)
"""


def _write_gpkg(layers: list[_Layer], tmp: Path, stem: str | None, result: ExportResult):
    import pyogrio

    from geomap import styles

    target = tmp / f"{stem or 'geomap'}.gpkg"
    style_rows = []
    for number, lay in enumerate(layers):
        props, fields = _encode(lay.gdf, add_days=True)
        taken = {str(c).lower() for c in props.columns}
        geom_name = next(n for n in ("geom", "geometry", "the_geom", "geomap_geom")
                         if n not in taken)
        fid_name = next(n for n in ("fid", "gpkg_fid", "geomap_fid") if n not in taken)
        _refuse_characters(lay, props, fields, _NUL, target.name, "a NUL character GDAL cannot "
                           "store")
        gdf = _frame(lay, props)
        with _gdal_warnings_as_errors(target):
            pyogrio.write_dataframe(
                gdf, target, layer=lay.name, driver="GPKG", use_arrow=True,
                layer_metadata={META_KEY: json.dumps({"fields": fields}, ensure_ascii=False)},
                dataset_options={"VERSION": "1.2"} if number == 0 else None,
                layer_options={"GEOMETRY_NAME": geom_name, "FID": fid_name},
            )
        geometry_type = _geometry_type(lay)
        style_rows.append((
            lay.name,
            geom_name,
            styles.qml_style(lay.style, geometry_type, categories=_categories(lay)),
            styles.sld_style(lay.style, geometry_type, lay.name, categories=_categories(lay)),
            lay.title,
        ))
    _add_layer_styles(target, style_rows)
    return [target]


def _add_layer_styles(path: Path, rows: list[tuple[str, str, str, str, str]]) -> None:
    """Add QGIS's ``layer_styles`` table with one default style per layer."""
    now = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    con = sqlite3.connect(path)
    try:
        with con:
            con.execute(_LAYER_STYLES_SQL)
            con.executemany(
                "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
                "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, "
                "owner, ui, update_time) VALUES ('', '', ?, ?, ?, ?, ?, 1, ?, '', NULL, ?)",
                [(name, geom, name, qml, sld, title, now) for name, geom, qml, sld, title in rows],
            )
            con.execute(
                "INSERT OR REPLACE INTO gpkg_contents (table_name, data_type, identifier, "
                "description, last_change) VALUES ('layer_styles', 'attributes', 'layer_styles', "
                "'QGIS layer styles', ?)",
                (now,),
            )
    finally:
        con.close()


# --------------------------------------------------------------------------------- Shapefile


def _ascii(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9_]+", "_", text).strip("_")


#: Readable DBF names for the curated schema's long property names.
_SHORT_NAMES = {
    "date_estimated": "date_est",
    "description": "descriptn",
    "coordinate_uncertainty_m": "uncert_m",
}


def _short_names(names: Iterable[str], chunks: dict[str, int]) -> dict[str, list[str]]:
    """Return each property's DBF field names (several when its text is continued).

    Names are at most 10 ASCII characters and unique ignoring case; the same columns always get
    the same names.
    """
    used: set[str] = set()
    mapping: dict[str, list[str]] = {}

    def claim(candidate: str) -> str:
        base, n = candidate, 1
        while candidate.lower() in used or not candidate:
            n += 1
            suffix = f"_{n}"
            candidate = (base or "field")[: 10 - len(suffix)] + suffix
        used.add(candidate.lower())
        return candidate

    names = list(names)
    # names that already fit keep themselves first, so they never move because of another
    for name in names:
        if len(name) <= 10 and name == _ascii(name) and name.lower() not in used:
            used.add(name.lower())
            mapping[name] = [name]
    for name in names:
        if name in mapping:
            continue
        mapping[name] = [claim(_SHORT_NAMES.get(name) or _abbreviate(name))]
    for name in names:
        first = mapping[name][0]
        for k in range(2, chunks.get(name, 1) + 1):
            suffix = f"_{k}"
            mapping[name].append(claim(first[: 10 - len(suffix)] + suffix))
    return mapping


def _abbreviate(name: str, width: int = 10) -> str:
    """Shorten ``name`` to ``width`` ASCII characters by trimming its longest words first.

    >>> _abbreviate("published_length_km")
    'pub_len_km'
    """
    words = [w for w in _ascii(name).split("_") if w] or ["field"]
    if len(words) > 4:
        words = words[:4]
    while len("_".join(words)) > width and max(len(w) for w in words) > 1:
        longest = max(range(len(words)), key=lambda i: (len(words[i]), -i))
        words[longest] = words[longest][:-1]
    return "_".join(words)[:width]


def _dbf_fragile(text: str) -> bool:
    """Tell whether a DBF field would change ``text``: empty (reads as null) or space-padded."""
    return text == "" or text != text.strip()


def _split_utf8(text: str, limit: int) -> list[str]:
    """Split ``text`` into pieces of at most ``limit`` UTF-8 bytes for consecutive DBF fields.

    Pieces never split a character and never start or end with whitespace, which DBF readers
    trim.
    """
    pieces: list[str] = []
    start = 0
    while start < len(text):
        end, size = start, 0
        while end < len(text) and size + len(text[end].encode("utf-8")) <= limit:
            size += len(text[end].encode("utf-8"))
            end += 1
        if end < len(text):
            cut = end
            while cut > start and (text[cut - 1].isspace() or text[cut].isspace()):
                cut -= 1
            if cut == start:
                raise ExportError(f"text with {limit} bytes of unbroken whitespace cannot be split "
                                  "over DBF fields; use gpkg")
            end = cut
        pieces.append(text[start:end])
        start = end
    return pieces


def _write_shp(layers: list[_Layer], tmp: Path, stem: str | None, result: ExportResult):
    import geopandas
    import pyogrio

    from geomap import styles

    written = []
    for lay in layers:
        name = stem or lay.name
        families = {t.replace("Multi", "") for t in lay.gdf.geometry.geom_type.dropna()}
        if len(families) > 1:
            raise ExportError(
                f"{name}.shp: layer {lay.name!r} mixes {', '.join(sorted(families))} geometries; "
                "a shapefile holds one kind (use gpkg)"
            )
        if families & {"GeometryCollection"}:
            raise ExportError(f"{name}.shp: a shapefile cannot hold geometry collections")
        props, fields = _encode(lay.gdf, add_days=True, fragile=_dbf_fragile)
        _refuse_characters(lay, props, fields, _NUL, f"{name}.shp",
                           "a NUL character a shapefile cannot store")
        text_kinds = {"string", "json"}
        chunks = {}
        for spec in fields:
            if spec["type"] in text_kinds:
                pieces = max((len(_split_utf8(v, DBF_TEXT_BYTES)) for v in props[spec["name"]]
                              if v is not None), default=1)
                chunks[spec["name"]] = max(1, pieces)
        mapping = _short_names([spec["name"] for spec in fields], chunks)
        columns: dict[str, pd.Series] = {}
        for spec in fields:
            column = spec["name"]
            dbf = mapping[column]
            spec["field"] = dbf[0] if len(dbf) == 1 else dbf
            series = props[column]
            if len(dbf) == 1:
                if spec["type"] == "integer" and series.dropna().between(-(2**31), 2**31 - 1).all():
                    series = series.astype("Int32")
                columns[dbf[0]] = series
                continue
            parts = [_split_utf8(v, DBF_TEXT_BYTES) if v is not None else [] for v in series]
            for k, field_name in enumerate(dbf):
                columns[field_name] = pd.Series(
                    [p[k] if k < len(p) else None for p in parts], dtype=object)
        flat = geopandas.GeoDataFrame(pd.DataFrame(columns, index=pd.RangeIndex(len(props))),
                                      geometry=geopandas.GeoSeries(
                                          lay.gdf.geometry.to_numpy(), crs=4326), crs=4326)
        target = tmp / f"{name}.shp"
        with _gdal_warnings_as_errors(target):
            pyogrio.write_dataframe(flat, target, driver="ESRI Shapefile", use_arrow=True,
                                    layer_options={"ENCODING": "UTF-8"})
        _check_dbf_numbers(target, flat, fields)
        geometry_type = _geometry_type(lay)
        qml = tmp / f"{name}.qml"
        qml.write_text(styles.qml_style(lay.style, geometry_type, categories=_categories(lay)),
                       encoding="utf-8")
        sld = tmp / f"{name}.sld"
        sld.write_text(styles.sld_style(lay.style, geometry_type, name,
                                        categories=_categories(lay)), encoding="utf-8")
        fields_json = _write_fields_json(tmp / f"{name}.fields.json", lay.name, fields)
        renamed = {spec["name"]: ", ".join(mapping[spec["name"]]) for spec in fields
                   if mapping[spec["name"]] != [spec["name"]]}
        if renamed:
            result.renamed_fields[lay.name] = renamed
        for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
            if not (tmp / f"{name}{ext}").is_file():
                raise ExportError(f"{name}{ext}: GDAL did not write it")
            written.append(tmp / f"{name}{ext}")
        written += [qml, sld, fields_json]
    return written


def _check_dbf_numbers(path: Path, flat: pd.DataFrame, fields: list[dict]) -> None:
    """Refuse numbers that a DBF number field silently changed (too large, too small)."""
    import pyogrio

    numeric = [spec for spec in fields if spec["type"] in ("integer", "real")]
    if not numeric:
        return
    back = pyogrio.read_dataframe(path, read_geometry=False,
                                  columns=[spec["field"] for spec in numeric])
    for spec in numeric:
        for row, (wrote, read) in enumerate(zip(flat[spec["field"]], back[spec["field"]],
                                                strict=True)):
            if _is_null(wrote):
                continue
            if spec["type"] == "integer":
                same = not _is_null(read) and float(read).is_integer() and int(read) == int(wrote)
            else:
                same = not _is_null(read) and math.isclose(float(read), float(wrote),
                                                           rel_tol=1e-12)
            if not same:
                raise ExportError(
                    f"{path.name}: property {spec['name']!r} of feature {row} is {_py(wrote)!r}, "
                    "which a shapefile number field cannot hold; use gpkg or parquet"
                )


# ---------------------------------------------------------------------------------------- KML

_KML = "http://www.opengis.net/kml/2.2"
#: Fields the LIBKML driver makes itself; properties with these names get a trailing "_".
KML_OWN_FIELDS = frozenset({"id", "name", "description", "timestamp", "begin", "end",
                            "altitudemode", "tessellate", "extrude", "visibility", "draworder",
                            "icon", "snippet"})
_KML_TYPES = {"string": "string", "integer": "int", "real": "double", "boolean": "bool",
              "date": "string", "datetime": "string", "json": "string"}


_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _refuse_characters(lay: _Layer, props: pd.DataFrame, fields: list[dict], pattern: re.Pattern,
                       target: str, why: str) -> None:
    """Raise ExportError when a name or text value holds a character the format cannot store."""
    for spec in fields:
        if pattern.search(spec["name"]):
            raise ExportError(f"{target}: layer {lay.name!r} has a property name with {why}")
        if spec["type"] not in ("string", "json"):
            continue
        for row, value in enumerate(props[spec["name"]]):
            if isinstance(value, str) and (match := pattern.search(value)):
                raise ExportError(
                    f"{target}: property {spec['name']!r} of feature {row} in layer {lay.name!r} "
                    f"holds U+{ord(match.group()):04X}, {why}"
                )


def _kml_fragile(text: str) -> bool:
    """Tell whether KML readers would change ``text``: outer whitespace, carriage returns."""
    return text != text.strip() or "\r" in text


def _kml_number(value: float) -> str:
    return repr(float(value))


def _kml_coords(coords: Iterable[tuple[float, ...]]) -> str:
    return " ".join(",".join(_kml_number(c) for c in xy) for xy in coords)


def _kml_geometry(geom: Any) -> ET.Element | None:
    if geom is None or geom.is_empty:
        return None
    kind = geom.geom_type
    if kind == "Point":
        el = ET.Element("Point")
        ET.SubElement(el, "coordinates").text = _kml_coords(geom.coords)
        return el
    if kind == "LineString":
        el = ET.Element("LineString")
        ET.SubElement(el, "tessellate").text = "1"
        ET.SubElement(el, "coordinates").text = _kml_coords(geom.coords)
        return el
    if kind == "Polygon":
        el = ET.Element("Polygon")
        outer = ET.SubElement(ET.SubElement(el, "outerBoundaryIs"), "LinearRing")
        ET.SubElement(outer, "coordinates").text = _kml_coords(geom.exterior.coords)
        for ring in geom.interiors:
            inner = ET.SubElement(ET.SubElement(el, "innerBoundaryIs"), "LinearRing")
            ET.SubElement(inner, "coordinates").text = _kml_coords(ring.coords)
        return el
    el = ET.Element("MultiGeometry")
    for part in geom.geoms:
        child = _kml_geometry(part)
        if child is not None:
            el.append(child)
    return el


def _kml_style_id(layer: str, category: str | None) -> str:
    return _safe_name(f"{layer}-{category}" if category else layer)


#: Google Earth's own shape icons for the record's marker ``symbol``.
_KML_ICONS = {
    "circle": "placemark_circle.png",
    "square": "placemark_square.png",
    "triangle": "triangle.png",
    "diamond": "open-diamond.png",
    "star": "star.png",
    "cross": "cross-hairs.png",
    "hexagon": "polygon.png",
    "pentagon": "polygon.png",
}
_KML_ICON_BASE = "http://maps.google.com/mapfiles/kml/shapes/"


def _kml_style(doc: ET.Element, style_id: str, style: dict, kind: str, color: str,
               symbol: str | None = None) -> None:
    from geomap import styles

    el = ET.SubElement(doc, "Style", {"id": style_id})
    stroke = style.get("color") or "#3388ff"
    icon = ET.SubElement(el, "IconStyle")
    ET.SubElement(icon, "color").text = styles.kml_color(color)
    ET.SubElement(icon, "scale").text = "1.0"
    shape = _KML_ICONS.get(symbol or str(style.get("symbol") or "circle"), "placemark_circle.png")
    ET.SubElement(ET.SubElement(icon, "Icon"), "href").text = _KML_ICON_BASE + shape
    ET.SubElement(ET.SubElement(el, "LabelStyle"), "scale").text = "0.8"
    line = ET.SubElement(el, "LineStyle")
    ET.SubElement(line, "color").text = styles.kml_color(color if kind == "line" else stroke,
                                                         float(style.get("opacity", 1.0)))
    ET.SubElement(line, "width").text = f"{float(style.get('weight', 2)):g}"
    poly = ET.SubElement(el, "PolyStyle")
    ET.SubElement(poly, "color").text = styles.kml_color(
        color, float(style.get("fill_opacity", 0.3)))
    # the balloon shows geomap's popup only, not Google Earth's own table of ExtendedData
    ET.SubElement(ET.SubElement(el, "BalloonStyle"), "text").text = "$[description]"


def _popup_html(lay: _Layer, props: dict[str, Any]) -> str:
    """Return the popup of one placemark: its properties and its sources, HTML-escaped."""
    esc = html.escape
    parts = []
    title = props.get("name") or props.get("id")
    if title not in (None, ""):
        parts.append(f"<h3>{esc(str(title))}</h3>")
    if props.get("description") not in (None, ""):
        parts.append(f"<p>{esc(str(props['description']))}</p>")
    rows = []
    for key, value in props.items():
        if key in ("name", "description", "sources") or value is None or value == "":
            continue
        shown = ", ".join(map(str, value)) if isinstance(value, list) and all(
            isinstance(v, str) for v in value) else (
            json.dumps(value, ensure_ascii=False) if isinstance(value, list | dict) else str(value))
        rows.append(f"<tr><th align=\"left\">{esc(str(key))}</th><td>{esc(shown)}</td></tr>")
    if rows:
        parts.append("<table>" + "".join(rows) + "</table>")
    sources = props.get("sources")
    if isinstance(sources, list) and sources:
        items = []
        for source in sources:
            if not isinstance(source, dict):
                items.append(f"<li>{esc(str(source))}</li>")
                continue
            text = esc(str(source.get("citation") or ""))
            if source.get("locator"):
                text += f", {esc(str(source['locator']))}"
            if source.get("quote"):
                text += f": “{esc(str(source['quote']))}”"
            url = str(source.get("url") or "")
            if re.match(r"^https?://", url):
                text += f' <a href="{esc(url, quote=True)}">{esc(url)}</a>'
            items.append(f"<li>{text}</li>")
        parts.append("<p><b>Sources</b></p><ol>" + "".join(items) + "</ol>")
    parts.append(f"<p><i>{esc(lay.title)} (geomap)</i></p>")
    return "".join(parts)


def _kml_text(value: Any, kind: str) -> str:
    if kind == "boolean":
        return "1" if value else "0"
    if kind == "real":
        return repr(float(value))
    if kind in ("date", "datetime"):
        return value.isoformat() if hasattr(value, "isoformat") else str(value)
    return str(value)


def _write_kml(layers: list[_Layer], tmp: Path, stem: str | None, result: ExportResult):
    ET.register_namespace("", _KML)
    root = ET.Element("kml", {"xmlns": _KML})
    doc = ET.SubElement(root, "Document")
    ET.SubElement(doc, "name").text = stem or "geomap"
    meta: dict[str, Any] = {}
    # KML 2.2 order inside a Document: Style*, ExtendedData, Schema*, then the folders
    style_doc = ET.Element("Document")
    schemas, folders = [], []
    for lay in layers:
        props, fields = _encode(lay.gdf, add_days=False, fragile=_kml_fragile)
        _refuse_characters(lay, props, fields, _XML_ILLEGAL, f"{stem or 'geomap'}.kml",
                           "a control character that KML (XML) cannot store")
        for spec in fields:
            if spec["type"] == "integer" and not props[spec["name"]].dropna().between(
                    -(2**31), 2**31 - 1).all():
                spec["kml_type"] = "string"  # KML int is 32-bit; geomap reads it back as integer
            if spec["name"].lower() in KML_OWN_FIELDS:
                spec["field"] = spec["name"] + "_"
        meta[lay.name] = {"fields": fields}
        schema_id = _kml_style_id(lay.name, "schema")
        schema = ET.Element("Schema", {"name": lay.name, "id": schema_id})
        schemas.append(schema)
        for spec in fields:
            simple = ET.SubElement(schema, "SimpleField", {
                "name": spec.get("field", spec["name"]),
                "type": spec.get("kml_type", _KML_TYPES[spec["type"]])})
            ET.SubElement(simple, "displayName").text = spec["name"]
        kind = _geometry_type(lay)
        from geomap import styles

        try:
            geometry_kind = styles.geometry_kind(kind)
        except ValueError:
            geometry_kind = "point"
        categories = _categories(lay)
        colors = lay.style.get("category_colors") or {}
        default_color = lay.style.get("fill_color") or lay.style.get("color") or "#3388ff"
        symbols = lay.style.get("category_symbols") or {}
        for category in categories or [None]:
            color = colors.get(category, default_color) if category else default_color
            _kml_style(style_doc, _kml_style_id(lay.name, category), lay.style, geometry_kind,
                       color, symbols.get(category) if category else None)
        folder = ET.Element("Folder")
        ET.SubElement(folder, "name").text = lay.name
        names = [c for c in lay.gdf.columns if c != lay.gdf.geometry.name]
        for row, geom in enumerate(lay.gdf.geometry):
            raw = {str(k): _py(lay.gdf[k].iloc[row]) for k in names}
            placemark = ET.SubElement(folder, "Placemark")
            label = raw.get("name") or raw.get("id") or f"{lay.name} {row + 1}"
            ET.SubElement(placemark, "name").text = str(label)
            ET.SubElement(placemark, "description").text = _popup_html(lay, raw)
            category = raw.get("category") if isinstance(raw.get("category"), str) else None
            style_id = _kml_style_id(lay.name, category if category in categories else None)
            if category not in categories:
                style_id = _kml_style_id(lay.name, categories[0]) if categories else style_id
            ET.SubElement(placemark, "styleUrl").text = f"#{style_id}"
            data = ET.SubElement(ET.SubElement(placemark, "ExtendedData"), "SchemaData",
                                 {"schemaUrl": f"#{schema_id}"})
            for spec in fields:
                value = props[spec["name"]].iloc[row]
                if _is_null(value):
                    continue
                ET.SubElement(data, "SimpleData", {"name": spec.get("field", spec["name"])}
                              ).text = _kml_text(value, spec["type"])
            geometry = _kml_geometry(geom)
            if geometry is not None:
                placemark.append(geometry)
        folders.append(folder)
    doc.extend(list(style_doc))
    meta_el = ET.SubElement(ET.SubElement(doc, "ExtendedData"), "Data", {"name": "geomap"})
    ET.SubElement(meta_el, "value").text = json.dumps({"layers": meta}, ensure_ascii=False)
    doc.extend(schemas + folders)
    ET.indent(root, "  ")
    target = tmp / f"{stem or 'geomap'}.kml"
    tree = ET.ElementTree(root)
    tree.write(target, encoding="UTF-8", xml_declaration=True)
    return [target]


# ---------------------------------------------------------------------------------------- CSV

_CSVT = {"string": "String", "integer": "Integer64", "real": "Real", "boolean": "Integer(Boolean)",
         "date": "Date", "datetime": "DateTime", "json": "String"}


def _wkt(geom: Any) -> str:
    """Return the WKT of ``geom`` with every coordinate exact (shortest round-trip repr).

    GEOS's WKT writer keeps 16 significant digits and so may change the last bit of a
    coordinate; CSV is text, so geomap writes the numbers itself.
    """
    def seq(coords: Iterable[tuple[float, ...]]) -> str:
        return "(" + ", ".join(" ".join(repr(float(c)) for c in xy) for xy in coords) + ")"

    def rings(polygon: Any) -> str:
        return "(" + ", ".join(seq(r.coords) for r in [polygon.exterior, *polygon.interiors]) + ")"

    kind = geom.geom_type
    if geom.is_empty:
        return f"{kind.upper()} EMPTY"
    if kind == "Point":
        return f"POINT {seq(geom.coords)}"
    if kind == "LineString" or kind == "LinearRing":
        return f"LINESTRING {seq(geom.coords)}"
    if kind == "Polygon":
        return f"POLYGON {rings(geom)}"
    if kind == "MultiPoint":
        return "MULTIPOINT (" + ", ".join(seq(p.coords) for p in geom.geoms) + ")"
    if kind == "MultiLineString":
        return "MULTILINESTRING (" + ", ".join(seq(line.coords) for line in geom.geoms) + ")"
    if kind == "MultiPolygon":
        return "MULTIPOLYGON (" + ", ".join(rings(p) for p in geom.geoms) + ")"
    return "GEOMETRYCOLLECTION (" + ", ".join(_wkt(part) for part in geom.geoms) + ")"


def _csv_value(value: Any, kind: str) -> str:
    if _is_null(value):
        return ""
    if kind == "boolean":
        return "1" if value else "0"
    if kind == "real":
        return repr(float(value))
    if kind == "integer":
        return str(int(value))
    if kind in ("date", "datetime"):
        return value.isoformat() if hasattr(value, "isoformat") else str(value)
    return str(value)


def _csv_fragile(text: str) -> bool:
    """Tell whether a CSV reader would change ``text``: empty (reads as null), carriage returns."""
    return text == "" or "\r" in text


def _write_csv(layers: list[_Layer], tmp: Path, stem: str | None, result: ExportResult):
    import csv


    written = []
    for lay in layers:
        name = stem or lay.name
        props, fields = _encode(lay.gdf, add_days=True, fragile=_csv_fragile)
        geoms = list(lay.gdf.geometry)
        points = all(g is None or g.is_empty or g.geom_type == "Point" for g in geoms)
        taken = {spec["name"].lower() for spec in fields}
        geo_cols = ["lon", "lat"] if points else ["WKT"]
        if taken & {c.lower() for c in geo_cols}:
            raise ExportError(
                f"{name}.csv: layer {lay.name!r} has a property named like the geometry column "
                f"({', '.join(geo_cols)}); rename it or use gpkg"
            )
        target = tmp / f"{name}.csv"
        with open(target, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(geo_cols + [spec["name"] for spec in fields])
            for row, geom in enumerate(geoms):
                if points:
                    empty = geom is None or geom.is_empty
                    geo = ["", ""] if empty else [repr(geom.x), repr(geom.y)]
                else:
                    geo = [_wkt(_orient(geom)) if geom is not None and not geom.is_empty
                           else ""]
                writer.writerow(geo + [_csv_value(props[spec["name"]].iloc[row], spec["type"])
                                       for spec in fields])
        csvt = tmp / f"{name}.csvt"
        geo_types = ["CoordX", "CoordY"] if points else ["WKT"]
        csvt.write_text(",".join(f'"{t}"' for t in geo_types + [_CSVT[s["type"]] for s in fields])
                        + "\n", encoding="utf-8")
        prj = tmp / f"{name}.prj"
        prj.write_text(_wgs84_esri_wkt(), encoding="utf-8")
        written += [target, csvt, prj, _write_fields_json(tmp / f"{name}.fields.json", lay.name,
                                                          fields)]
    return written


def _wgs84_esri_wkt() -> str:
    from pyproj import CRS

    return CRS.from_epsg(4326).to_wkt("WKT1_ESRI")


# ------------------------------------------------------------------------------------ Parquet


def _write_parquet(layers: list[_Layer], tmp: Path, stem: str | None, result: ExportResult):
    import pyarrow.parquet as pq

    written = []
    for lay in layers:
        props, fields = _encode(lay.gdf, add_days=True)
        gdf = _frame(lay, props)
        target = tmp / f"{stem or lay.name}.parquet"
        draft = tmp / f".{lay.name}.draft.parquet"
        gdf.to_parquet(draft, index=False, geometry_encoding="WKB", schema_version="1.0.0")
        table = pq.read_table(draft)
        metadata = dict(table.schema.metadata or {})
        metadata[b"geomap"] = json.dumps({"layer": lay.name, "fields": fields},
                                         ensure_ascii=False).encode("utf-8")
        pq.write_table(table.replace_schema_metadata(metadata), target)
        draft.unlink()
        written.append(target)
    return written


_WRITERS = {
    "gpkg": _write_gpkg,
    "shp": _write_shp,
    "kml": _write_kml,
    "geojson": _write_geojson,
    "csv": _write_csv,
    "parquet": _write_parquet,
}
