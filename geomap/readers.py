"""Read user layer files into GeoDataFrames in EPSG:4326.

``read_file`` is the one entry point every command uses for a user's file. It reads GeoJSON,
GeoPackage (``layer=`` when it holds several), Shapefile (plain or zipped), KML/KMZ, GeoParquet
and CSV (``lon``/``lat``-like columns or a ``WKT`` column), and reprojects data in another CRS to
WGS84 from the CRS the file declares. Data without a declared CRS is refused, except CSV, which
cannot declare one: its coordinates are taken as longitude/latitude and refused when they cannot
be.

Files that geomap wrote (see :mod:`geomap.export`) come back as they were: JSON-text columns
become lists and dicts again, Shapefile's short field names get their long names back, booleans
and integers get their type back, and the added ``*_day`` date fields are dropped.
"""

from __future__ import annotations

import json
import math
import warnings
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geomap.errors import LayerReadError

if TYPE_CHECKING:
    import geopandas

__all__ = [
    "choose_layer", "list_file_layers", "read_file", "read_parquet_notes", "restore_columns",
]

#: Properties geomap stores as lists or dicts: decoded from JSON text even without geomap's notes.
NESTED_PROPERTIES = ("alt_names", "sources")
#: CSV column names read as coordinates / geometry (GDAL open options).
_CSV_OPTIONS = {
    "X_POSSIBLE_NAMES": "lon,lng,long,longitude,x",
    "Y_POSSIBLE_NAMES": "lat,latitude,y",
    "GEOM_POSSIBLE_NAMES": "WKT,wkt_geom,geometry,geom,the_geom",
    "KEEP_GEOM_COLUMNS": "NO",
    "AUTODETECT_TYPE": "YES",
    "EMPTY_STRING_AS_NULL": "YES",
}
#: Fields the LIBKML driver adds to every KML layer.
_KML_OWN = ("id", "Name", "description", "timestamp", "begin", "end", "altitudeMode",
            "tessellate", "extrude", "visibility", "drawOrder", "icon", "snippet")


def read_file(path: str | Path, *, layer: str | None = None) -> geopandas.GeoDataFrame:
    """Return the layer file ``path`` as a GeoDataFrame in EPSG:4326.

    Parameters
    ----------
    path
        A GeoJSON, GeoPackage, Shapefile (``.shp`` or ``.zip``), KML/KMZ, GeoParquet or CSV file.
    layer
        The layer to read from a file that holds several (GeoPackage, KML, zip of shapefiles).
        QGIS's ``FILE|layername=NAME`` form of ``path`` names the layer too.

    Raises
    ------
    LayerReadError
        One line naming the file and the problem when it cannot be read as a layer.
    """
    path = Path(path)
    if not path.exists() and "|layername=" in str(path):
        text, _, name = str(path).partition("|layername=")
        path, layer = Path(text), layer or name
    if not path.exists():
        raise LayerReadError(f"{path}: no such file")
    if path.is_dir():
        raise LayerReadError(f"{path}: is a folder, not a layer file")
    if path.stat().st_size == 0:
        raise LayerReadError(f"{path}: is empty (0 bytes)")
    suffix = path.suffix.lower()
    if suffix in {".geojson", ".json"}:
        return _read_geojson(path)
    if suffix in {".parquet", ".geoparquet"}:
        return _read_parquet(path)
    if suffix in {".dbf", ".shx", ".prj", ".cpg"}:
        shp = path.with_suffix(".shp")
        if not shp.exists():
            raise LayerReadError(
                f"{path}: is part of a shapefile whose .shp is missing ({shp.name})")
        path, suffix = shp, ".shp"
    notes: dict[str, Any] | None = None
    options: dict[str, str] = {}
    if suffix == ".shp":
        _check_shapefile(path)
        notes = _sidecar_notes(path.with_suffix(".fields.json"))
    elif suffix == ".zip":
        notes_by_layer, folder = _check_zip(path)
    elif suffix == ".csv":
        options = dict(_CSV_OPTIONS)
        notes = _sidecar_notes(path.with_suffix(".fields.json"))
    source: str | Path = path
    if suffix == ".zip" and folder:
        source = f"/vsizip/{path.resolve()}/{folder}"
    elif suffix == ".kmz":
        member = _kmz_document(path)
        source = f"/vsizip/{path.resolve()}/{member}"
    gdf, chosen, driver = _read_ogr(path, layer, options, source)
    if not hasattr(gdf, "geometry"):
        if driver == "CSV":
            raise LayerReadError(
                f"{path}: no geometry found; give lon/lat columns (lon, lat, longitude, "
                "latitude, x, y) or a WKT column"
            )
        raise LayerReadError(f"{path}: layer {chosen!r} has no geometry")
    if suffix == ".zip":
        notes = notes_by_layer.get(chosen)
    elif suffix == ".kml":
        notes = _kml_notes(path, chosen)
    elif suffix == ".kmz":
        with zipfile.ZipFile(path) as zf, zf.open(member) as fh:
            notes = _kml_notes(fh, chosen)
    elif driver == "GPKG":
        notes = _gpkg_notes(path, chosen)
    gdf = _restore(gdf, notes, driver=driver, path=path)
    if gdf.crs is None:
        if driver == "CSV":
            return _assume_lonlat(gdf, path)
        raise LayerReadError(
            f"{path}: has no CRS (for a shapefile: no .prj); geomap needs to know where the "
            "coordinates are"
        )
    return _to_wgs84(gdf, path)


def list_file_layers(path: str | Path) -> list[str]:
    """Return the names of the layers in the layer file ``path`` (one for single-layer formats).

    A GeoJSON or GeoParquet file holds one layer, named after the file. Layers without geometry
    (attribute tables of a GeoPackage) are listed only when the file has no spatial layer.

    Raises
    ------
    LayerReadError
        When ``path`` is missing or cannot be opened as a layer file.
    """
    path = Path(path)
    if not path.is_file():
        raise LayerReadError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in {".geojson", ".json", ".parquet", ".geoparquet"}:
        return [path.stem]
    source: str | Path = path
    if suffix == ".zip":
        _, folder = _check_zip(path)
        source = f"/vsizip/{path.resolve()}/{folder}" if folder else path
    elif suffix == ".kmz":
        source = f"/vsizip/{path.resolve()}/{_kmz_document(path)}"
    return _layer_names(path, source)


def choose_layer(layer: str | None, *objs: Any) -> tuple[Any, ...]:
    """Return ``objs`` with ``layer`` chosen in those that are files holding several layers.

    ``layer`` goes to every multi-layer file (GeoPackage, KML, zip of shapefiles) that holds a
    layer of that name; when none does, to all of them, so the error names their layers. Such a
    file comes back as ``"FILE|layername=NAME"``. Everything else is returned unchanged. To
    choose different layers of two multi-layer files, write each as ``"FILE|layername=NAME"``.

    Raises
    ------
    LayerReadError
        When ``layer`` is given but no file among ``objs`` holds several layers, and no
        single-layer file is that layer.
    """
    if layer is None:
        return objs
    several: dict[int, list[str]] = {}
    single: list[str] = []
    for i, obj in enumerate(objs):
        if isinstance(obj, str | Path) and "|layername=" not in str(obj) and Path(obj).is_file():
            names = list_file_layers(obj)
            if len(names) > 1:
                several[i] = names
            else:
                single += names
    if not several:
        if layer in single:
            return objs
        files = [str(o) for o in objs if isinstance(o, str | Path) and Path(o).is_file()]
        given = (f"none of the files given holds several ({', '.join(files)})" if files
                 else "no layer file was given")
        raise LayerReadError(f"layer {layer!r} is for a file that holds several layers, but "
                             f"{given}")
    chosen = [i for i, names in several.items() if layer in names] or list(several)
    return tuple(f"{obj}|layername={layer}" if i in chosen else obj
                 for i, obj in enumerate(objs))


# ------------------------------------------------------------------------------- GeoJSON


def _read_geojson(path: Path) -> geopandas.GeoDataFrame:
    import geopandas

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise LayerReadError(f"{path}: not UTF-8 text, so not GeoJSON") from None
    except json.JSONDecodeError as exc:
        raise LayerReadError(
            f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}); truncated or not GeoJSON?"
        ) from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        kind = data.get("type") if isinstance(data, dict) else type(data).__name__
        raise LayerReadError(f"{path}: not a GeoJSON FeatureCollection (found {kind!r})")
    if not isinstance(data.get("features"), list):
        raise LayerReadError(f"{path}: FeatureCollection has no 'features' list")
    crs = "EPSG:4326"
    declared = (((data.get("crs") or {}).get("properties") or {}).get("name")
                if isinstance(data.get("crs"), dict) else None)
    if declared and "CRS84" not in declared.upper():
        crs = declared
    try:
        gdf = geopandas.GeoDataFrame.from_features(data["features"], crs=crs)
    except Exception as exc:  # shapely / pyproj raise several types for bad features
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise LayerReadError(f"{path}: not a readable GeoJSON FeatureCollection ({message})"
                             ) from None
    return _to_wgs84(gdf, path)


# ------------------------------------------------------------------------------- Parquet


def _read_parquet(path: Path) -> geopandas.GeoDataFrame:
    import geopandas
    import pyarrow.parquet as pq

    try:
        metadata = pq.read_schema(path).metadata or {}
        gdf = geopandas.read_parquet(path)
    except Exception as exc:  # pyarrow raises several types for corrupt or foreign files
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise LayerReadError(f"{path}: not a readable GeoParquet file ({message})") from None
    gdf = _restore(gdf, _notes_of(metadata), driver="Parquet", path=path)
    if gdf.crs is None:
        raise LayerReadError(f"{path}: its GeoParquet metadata gives no CRS; geomap needs one")
    return _to_wgs84(gdf, path)


def _notes_of(metadata: dict) -> dict | None:
    try:
        notes = json.loads(metadata[b"geomap"]) if b"geomap" in metadata else None
    except ValueError:
        return None
    return notes if isinstance(notes, dict) else None


def read_parquet_notes(path: str | Path) -> dict | None:
    """Return geomap's notes on the columns of a GeoParquet file or partitioned folder, if any.

    :func:`geomap.export.write_layer` stores them in the schema metadata (key ``geomap``); pass
    them to :func:`restore_columns`.
    """
    import pyarrow.dataset as ds

    try:
        metadata = ds.dataset(path, format="parquet").schema.metadata or {}
    except Exception:  # notes are optional: without them the data is read as a user layer
        return None
    return _notes_of(metadata)


def restore_columns(gdf: geopandas.GeoDataFrame, notes: dict | None = None, *,
                    path: str | Path = "<GeoParquet>") -> geopandas.GeoDataFrame:
    """Undo what geomap's GeoParquet writer did: JSON text back to lists and dicts, types back.

    For frames read with another reader (dask-geopandas partitions, a partitioned folder), so
    they come back as :func:`read_file` gives them. Without ``notes``, only the columns geomap
    nests (``alt_names``, ``sources``) are decoded, when they all hold JSON text.

    Raises
    ------
    LayerReadError
        When a column cannot be read back as the type the notes give (``path`` is named).
    """
    return _restore(gdf, notes, driver="Parquet", path=Path(path))


# ----------------------------------------------------------------------------- via GDAL


def _check_shapefile(path: Path) -> None:
    missing = [ext for ext in (".dbf", ".shx") if not _sibling(path, ext).exists()]
    if missing:
        raise LayerReadError(
            f"{path}: shapefile is missing its {' and '.join(missing)} file "
            f"(a shapefile needs .shp, .shx and .dbf side by side)"
        )


def _sibling(path: Path, ext: str) -> Path:
    for candidate in (path.with_suffix(ext), path.with_suffix(ext.upper())):
        if candidate.exists():
            return candidate
    return path.with_suffix(ext)


def _check_zip(path: Path) -> tuple[dict[str, dict], str]:
    """Check the shapefiles in a zip.

    Returns geomap's notes of each layer found in it, and the folder inside the zip that holds
    the shapefiles ("" for the top or when they lie in several folders).
    """
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            lower = {n.lower(): n for n in names}
            stems = {n[:-4] for n in names if n.lower().endswith(".shp")}
            for part in (".dbf", ".shx"):
                for name in names:
                    if name.lower().endswith(part) and name[:-4].lower() + ".shp" not in lower:
                        raise LayerReadError(f"{path}: {name} has no .shp beside it in the zip")
            notes = {}
            for stem in sorted(stems):
                for part in (".dbf", ".shx"):
                    if stem.lower() + part not in lower:
                        raise LayerReadError(
                            f"{path}: {stem}.shp has no {part} beside it in the zip")
                sidecar = lower.get(stem.lower() + ".fields.json")
                if sidecar:
                    try:
                        notes[Path(stem).name] = json.loads(zf.read(sidecar).decode("utf-8"))
                    except (ValueError, UnicodeDecodeError):
                        pass  # unreadable notes: read it as a plain user layer
            folders = {str(Path(stem).parent) for stem in stems}
            folder = folders.pop() if len(folders) == 1 else ""
            return notes, "" if folder == "." else folder
    except zipfile.BadZipFile:
        raise LayerReadError(f"{path}: not a readable zip archive (corrupt or truncated?)"
                             ) from None


def _sidecar_notes(path: Path) -> dict | None:
    if not path.is_file():
        return None
    try:
        notes = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    return notes if isinstance(notes, dict) and "fields" in notes else None


def _read_ogr(path: Path, layer: str | None, options: dict[str, str], source: str | Path):
    """Read one layer of ``source`` through GDAL; return (frame, layer name, driver).

    ``path`` is the user's file, named in messages; ``source`` is what GDAL opens.
    """
    import pyogrio

    names = _layer_names(path, source)
    if not names:
        raise LayerReadError(f"{path}: holds no layers")
    if layer is None:
        if len(names) > 1:
            raise LayerReadError(
                f"{path}: holds {len(names)} layers ({', '.join(names)}); choose one with "
                "--layer NAME (or FILE|layername=NAME)"
            )
        chosen = names[0]
    elif layer in names:
        chosen = layer
    else:
        raise LayerReadError(
            f"{path}: has no layer {layer!r} (its layers: {', '.join(names)})"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            info = pyogrio.read_info(source, layer=chosen, **options)
            gdf = pyogrio.read_dataframe(source, layer=chosen, use_arrow=True,
                                         arrow_to_pandas_kwargs={"types_mapper": _int_types},
                                         **options)
    except Exception as exc:  # pyogrio raises several unrelated types for unreadable files
        raise LayerReadError(f"{path}: cannot read layer {chosen!r} ({_first_line(exc)})"
                             ) from None
    return gdf, chosen, info.get("driver")


def _layer_names(path: Path, source: str | Path) -> list[str]:
    """Return the spatial layers of ``source`` (all layers when none is spatial)."""
    import pyogrio

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            listed = pyogrio.list_layers(source)
    except Exception as exc:  # pyogrio raises several unrelated types for unreadable files
        raise LayerReadError(f"{path}: cannot read as a layer ({_first_line(exc)})") from None
    spatial = [str(name) for name, kind in listed if kind is not None]
    return spatial or [str(name) for name, _ in listed]


def _int_types(arrow_type: Any) -> Any:
    """Map Arrow integers to pandas' nullable Int64, so large integers beside nulls stay exact."""
    import pandas as pd
    import pyarrow as pa

    return pd.Int64Dtype() if pa.types.is_integer(arrow_type) else None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    if not text:
        return type(exc).__name__
    line = text.splitlines()[0]
    return line.split("; It might help", 1)[0].replace("/vsizip/", "").rstrip(". ")


def _gpkg_notes(path: Path, layer: str) -> dict | None:
    import pyogrio

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            metadata = pyogrio.read_info(path, layer=layer).get("layer_metadata") or {}
        notes = json.loads(metadata["GEOMAP"]) if "GEOMAP" in metadata else None
    except Exception:  # notes are optional: without them the layer is read as a user layer
        return None
    return notes if isinstance(notes, dict) else None


def _kmz_document(path: Path) -> str:
    """Return the name of the KML document inside a KMZ (``doc.kml`` or its first .kml)."""
    try:
        with zipfile.ZipFile(path) as zf:
            kmls = [n for n in zf.namelist() if n.lower().endswith(".kml")]
    except zipfile.BadZipFile:
        raise LayerReadError(f"{path}: not a readable KMZ (zip) archive") from None
    if not kmls:
        raise LayerReadError(f"{path}: KMZ holds no .kml document")
    return "doc.kml" if "doc.kml" in kmls else kmls[0]


def _kml_notes(path: Any, layer: str) -> dict | None:
    """Return geomap's notes for ``layer`` from a KML document's ExtendedData, if any."""
    try:
        for _, element in ET.iterparse(path, events=("end",)):
            tag = element.tag.rsplit("}", 1)[-1]
            if tag == "Data" and element.get("name") == "geomap":
                value = next((child.text for child in element
                              if child.tag.rsplit("}", 1)[-1] == "value"), None)
                notes = json.loads(value or "{}").get("layers", {}).get(layer)
                return notes if isinstance(notes, dict) else None
            if tag in ("Placemark", "Folder"):
                return None  # geomap writes its notes before the first folder
    except (ET.ParseError, ValueError, AttributeError, OSError):
        return None
    return None


# -------------------------------------------------------------------------- restoring


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        import pandas as pd

        return bool(pd.isna(value)) if not isinstance(value, list | dict | tuple) else False
    except (TypeError, ValueError):
        return False


def _decode_json(value: Any) -> Any:
    if _is_missing(value) or not isinstance(value, str):
        return None if _is_missing(value) else value
    return json.loads(value)


def _restore(gdf: geopandas.GeoDataFrame, notes: dict | None, *, driver: str | None,
             path: Path) -> geopandas.GeoDataFrame:
    """Undo what geomap's writer did to fit a format, or tidy a foreign file."""
    import pandas as pd

    geometry = gdf.geometry.name
    if driver == "LIBKML" or driver == "KML":
        gdf = _tidy_kml(gdf, notes)
    fields = (notes or {}).get("fields")
    if not isinstance(fields, list):
        for name in NESTED_PROPERTIES:
            if name in gdf.columns and gdf[name].dtype != "geometry":
                values = [v for v in gdf[name] if not _is_missing(v)]
                if values and all(isinstance(v, str) and v[:1] in "[{" for v in values):
                    try:
                        gdf[name] = pd.Series([_decode_json(v) for v in gdf[name]],
                                              index=gdf.index, dtype=object)
                    except ValueError:
                        pass
        return gdf
    blank_is_null = driver in ("ESRI Shapefile", "CSV")
    columns: dict[str, Any] = {}
    for spec in fields:
        if not isinstance(spec, dict) or "name" not in spec or spec.get("derived"):
            continue
        name, kind = str(spec["name"]), spec.get("type", "string")
        stored = spec.get("field", name)
        if isinstance(stored, list):
            present = [f for f in stored if f in gdf.columns]
            if not present:
                continue
            values = []
            for parts in zip(*(gdf[f] for f in present), strict=True):
                text = "".join(p for p in parts if isinstance(p, str))
                values.append(text if text else None)
        elif stored in gdf.columns:
            values = list(gdf[stored])
        elif name in gdf.columns:
            values = list(gdf[name])
        else:
            continue
        try:
            columns[name] = _typed(values, kind, blank_is_null=blank_is_null)
        except (ValueError, TypeError) as exc:
            raise LayerReadError(f"{path}: property {name!r} cannot be read back as {kind} "
                                 f"({_first_line(exc)})") from None
    kept = {str(spec.get("name")) for spec in fields if isinstance(spec, dict)}
    stored_names = set()
    for spec in fields:
        if isinstance(spec, dict):
            stored = spec.get("field", spec.get("name"))
            stored_names.update(stored if isinstance(stored, list) else [stored])
    extra = [c for c in gdf.columns if c != geometry and c not in kept and c not in stored_names]
    frame = pd.DataFrame(columns, index=gdf.index)
    for column in extra:
        frame[column] = gdf[column]
    import geopandas

    return geopandas.GeoDataFrame(frame, geometry=gdf.geometry.rename("geometry"), crs=gdf.crs)


def _typed(values: list, kind: str, *, blank_is_null: bool) -> Any:
    import pandas as pd

    def missing(v: Any) -> bool:
        return _is_missing(v) or (blank_is_null and isinstance(v, str) and v == "")

    if kind == "json":
        return pd.Series([None if missing(v) else _decode_json(v) for v in values], dtype=object)
    if kind == "string":
        return pd.Series([None if missing(v) else str(v) for v in values], dtype=object)
    if kind == "boolean":
        out = [None if missing(v) else _bool(v) for v in values]
        return pd.Series(out, dtype=bool if None not in out else object)
    if kind == "integer":
        out = [None if missing(v) else _int(v) for v in values]
        return pd.Series(out, dtype="int64" if None not in out else object)
    if kind == "real":
        return pd.Series([math.nan if missing(v) else float(v) for v in values], dtype="float64")
    if kind == "date":
        return pd.Series([None if missing(v) else pd.Timestamp(v).date() for v in values],
                         dtype=object)
    if kind == "datetime":
        texts = [None if missing(v) else (v if isinstance(v, str) else pd.Timestamp(v).isoformat())
                 for v in values]
        return pd.Series(pd.to_datetime(texts, format="ISO8601"))
    return pd.Series(values)


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        if value.strip().lower() in {"1", "true", "t", "yes", "y"}:
            return True
        if value.strip().lower() in {"0", "false", "f", "no", "n"}:
            return False
        raise ValueError(f"{value!r} is not a boolean")
    return bool(value)


def _int(value: Any) -> int:
    if isinstance(value, str):
        return int(value.strip())
    if isinstance(value, float) and not value.is_integer():
        raise ValueError(f"{value!r} is not an integer")
    return int(value)


def _tidy_kml(gdf: geopandas.GeoDataFrame, notes: dict | None) -> geopandas.GeoDataFrame:
    """Drop the LIBKML driver's own empty fields; keep a placemark's name as ``name``."""
    own = [c for c in _KML_OWN if c in gdf.columns]
    if notes is not None:
        return gdf.drop(columns=own)
    drop = []
    for column in own:
        values = gdf[column]
        if column == "Name" and "name" not in gdf.columns:
            continue
        if column in ("tessellate", "extrude", "visibility", "drawOrder"):
            drop.append(column)  # rendering flags, not data
        elif values.isna().all():
            drop.append(column)
    gdf = gdf.drop(columns=drop)
    if "Name" in gdf.columns and "name" not in gdf.columns:
        gdf = gdf.rename(columns={"Name": "name"})
    return gdf


# --------------------------------------------------------------------------------- CRS


def _to_wgs84(gdf: geopandas.GeoDataFrame, path: Path) -> geopandas.GeoDataFrame:
    if gdf.crs is None:
        raise LayerReadError(f"{path}: has no CRS; geomap needs to know where the coordinates are")
    if gdf.crs.to_epsg() == 4326:
        return gdf.set_crs(4326, allow_override=True)
    try:
        return gdf.to_crs(4326)
    except Exception as exc:  # pyproj raises several types for unusable CRSs
        raise LayerReadError(f"{path}: cannot reproject from its CRS to WGS84 "
                             f"({_first_line(exc)})") from None


def _assume_lonlat(gdf: geopandas.GeoDataFrame, path: Path) -> geopandas.GeoDataFrame:
    """Take a CSV's coordinates as WGS84 longitude/latitude, or refuse when they cannot be."""
    if gdf.geometry.isna().all():
        raise LayerReadError(
            f"{path}: no geometry found; give lon/lat columns (lon, lat, longitude, latitude, "
            "x, y) or a WKT column"
        )
    bounds = gdf.geometry.total_bounds
    if not (-180 <= bounds[0] <= bounds[2] <= 180 and -90 <= bounds[1] <= bounds[3] <= 90):
        raise LayerReadError(
            f"{path}: coordinates are not longitude/latitude and a CSV declares no CRS; add a "
            ".prj beside it or convert the coordinates to WGS84"
        )
    return gdf.set_crs(4326)
