"""Exports checked the way a GIS user's software sees them: GDAL's own command-line tools.

``ogrinfo`` and ``ogr2ogr`` (Debian gdal-bin) read every export back: layers, feature counts,
field names and types, CRS, the GeoPackage ``layer_styles`` table and geometry validity. Round
trips (export -> geomap.read_file) must keep every feature, value and geometry.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import sqlite3
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import geopandas
import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

from geomap import catalog
from geomap.errors import ExportError, GeomapError
from geomap.export import FORMATS, write_layer, write_layers
from geomap.readers import read_file

pytestmark = pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="needs gdal-bin (ogrinfo)")

ROOT = Path(__file__).resolve().parent.parent
#: longer than a DBF field (254 bytes): continued over several fields in a shapefile
LONG_TEXT = " ".join(["Шаймак outpost <b>&</b> \"quoted\""] * 30)


# ------------------------------------------------------------------------------ test layers


def sites() -> geopandas.GeoDataFrame:
    gdf = geopandas.GeoDataFrame(
        {
            "id": ["cn-post-1", "cn-post-2", "ru-base-1", "x-4"],
            "name": ["Shaymak <outpost> & \"post\"", "Қалъаи Хумб", "База 201", "No place"],
            "alt_names": [["Шаймак", "Shaimak"], [], None, ["a,b", "c\"d"]],
            "category": ["military_outpost", "border_checkpoint", "military_base",
                         "military_outpost"],
            "status": ["operational", "reported", "operational", "unknown"],
            "start_date": ["2016", "2019-08", "2004-10-16", None],
            "date_estimated": [True, None, False, False],
            "cost_usd": [850_000.0, None, 1.5e9, 0.1],
            "description": [LONG_TEXT, "Line one\nline two", "Main base.", None],
            "operator": ["", None, "Russian Armed Forces", "  padded  "],
            "precision": [2, 5, 1, 9],
            "coordinate_uncertainty_m": [20_000, 10_000, 500, 0],
            "sources": [
                [{"citation": "Olimova & Olimov 2021, §3.1", "seed": "000_3482db23aa8818ee.txt",
                  "locator": "p. 7", "quote": "a <quote> & more"}],
                [{"citation": "EDM 16/107", "url": "https://jamestown.org/?a=1&b=<2>"}],
                None,
                [],
            ],
            "personnel": pd.array([None, 30, 7000, -(2**31)], dtype="Int64"),
        },
        geometry=[shapely.Point(74.1234567890123, 37.5), shapely.Point(71.51, 37.77),
                  shapely.Point(68.78, 38.56), None],
        crs=4326,
    )
    gdf.attrs["layer"] = "test_sites"
    return gdf


def roads() -> geopandas.GeoDataFrame:
    gdf = geopandas.GeoDataFrame(
        {
            "id": ["road-1", "road-2"],
            "name": ["Dushanbe–Kulma", "Tunnel road"],
            "category": ["highway", "highway"],
            "length_km": [1012.5, None],
            "sources": [[{"citation": "A"}], [{"citation": "B", "quote": "x" * 400}]],
        },
        geometry=[shapely.LineString([(68.78, 38.56), (71.0, 38.0), (75.2, 38.6)]),
                  shapely.LineString([(69.0, 39.0), (69.1, 39.2)])],
        crs=4326,
    )
    gdf.attrs["layer"] = "test_roads"
    return gdf


def regions() -> geopandas.GeoDataFrame:
    holed = shapely.Polygon([(70, 37), (75, 37), (75, 39.5), (70, 39.5)],
                            [[(72, 38), (73, 38), (73, 38.5), (72, 38.5)]])
    multi = shapely.MultiPolygon([shapely.box(74.5, 36.9, 74.9, 37.2),
                                  shapely.box(75.0, 37.3, 75.2, 37.5)])
    gdf = geopandas.GeoDataFrame(
        {"id": ["gbao", "ceded"], "name": ["GBAO", "Ceded land"],
         "category": ["admin_region", "ceded_territory"], "area_km2": [64_200, 1_158]},
        geometry=[holed, multi], crs=4326,
    )
    gdf.attrs["layer"] = "test_regions"
    return gdf


# ---------------------------------------------------------------------------- GDAL helpers


def run(*args: str | Path) -> str:
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def ogr_layers(source: str | Path) -> dict[str, str]:
    """Layer name -> geometry type as ``ogrinfo`` lists them."""
    out = run("ogrinfo", "-ro", "-q", source)
    return dict(re.findall(r"^\d+: (\S+)(?: \(([^)]*)\))?$", out, re.M))


def ogr_summary(source: str | Path, layer: str, *options: str) -> dict:
    """Feature count, field types and CRS of one layer from ``ogrinfo -so``."""
    out = run("ogrinfo", "-ro", "-so", *options, source, layer)
    fields = dict(re.findall(r"^(\w+): (\w+(?:\(\w+\))?) \(", out.split("Data axis", 1)[-1], re.M))
    count = int(re.search(r"Feature Count: (\d+)", out).group(1))
    return {"count": count, "fields": fields, "text": out}


def ogr_features(source: str | Path, layer: str, *options: str) -> list[dict]:
    """The features GDAL reads, converted by ``ogr2ogr`` to GeoJSON."""
    out = run("ogr2ogr", "-f", "GeoJSON", *options, "/vsistdout/", source, layer)
    return json.loads(out)["features"]


# --------------------------------------------------------------------------- comparisons


def plain(value):
    """A comparable plain-Python value: numpy unwrapped, every kind of missing -> None."""
    if isinstance(value, list | tuple | np.ndarray):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float | np.floating) and math.isnan(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def same_value(a, b, rel: float = 0.0) -> bool:
    a, b = plain(a), plain(b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_value(x, y, rel) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k], rel) for k in a)
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b or math.isclose(a, b, rel_tol=rel)
    return type(a) is type(b) and a == b


def same_geometry(a, b) -> bool:
    """Same coordinates exactly; a Polygon and the one-part MultiPolygon a GeoPackage or
    shapefile table makes of it (one geometry type per table) count as the same."""
    if a is None or a.is_empty:
        return b is None or b.is_empty
    if b is None:
        return False
    parts_a = sorted(shapely.normalize(shapely.get_parts(a)), key=lambda g: g.wkb)
    parts_b = sorted(shapely.normalize(shapely.get_parts(b)), key=lambda g: g.wkb)
    return len(parts_a) == len(parts_b) and all(
        x.equals_exact(y, 0) for x, y in zip(parts_a, parts_b, strict=True))


def assert_round_trip(original: geopandas.GeoDataFrame, back: geopandas.GeoDataFrame,
                      rel: float = 0.0) -> None:
    columns = [c for c in original.columns if c != original.geometry.name]
    assert [c for c in back.columns if c != back.geometry.name] == columns
    assert len(back) == len(original)
    assert back.crs.to_epsg() == 4326
    for row in range(len(original)):
        for column in columns:
            wrote, read = original[column].iloc[row], back[column].iloc[row]
            assert same_value(wrote, read, rel), f"row {row} {column}: {wrote!r} -> {read!r}"
        assert same_geometry(original.geometry.iloc[row], back.geometry.iloc[row]), row


def main_file(result, suffix: str) -> Path:
    return next(f for f in result.files if f.suffix == suffix)


# ------------------------------------------------------------------------------ round trips


@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize("make", [sites, roads, regions], ids=["points", "lines", "polygons"])
def test_round_trip_keeps_every_feature_value_and_geometry(tmp_path, fmt, make):
    original = make()
    result = write_layer(original, tmp_path / "out", format=fmt)
    back = read_file(main_file(result, FORMATS[fmt]))
    assert_round_trip(original, back, rel=1e-12 if fmt == "shp" else 0.0)


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_dates_and_datetimes_round_trip(tmp_path, fmt):
    import datetime as dt

    gdf = geopandas.GeoDataFrame({
        "day": pd.Series([dt.date(1000, 1, 1), None, dt.date(2020, 2, 29)], dtype=object),
        "seen_at": pd.to_datetime(["2019-08-05 10:30:00", None, "1999-12-31 23:59:59.500"],
                                  format="ISO8601"),
    }, geometry=[shapely.Point(70, 38)] * 3, crs=4326)
    back = read_file(main_file(write_layer(gdf, tmp_path / "t", format=fmt), FORMATS[fmt]))
    if fmt == "geojson":  # JSON has no date type: ISO text
        assert back["day"].tolist()[::2] == ["1000-01-01", "2020-02-29"]
        assert back["seen_at"].tolist()[::2] == ["2019-08-05T10:30:00",
                                                 "1999-12-31T23:59:59.500000"]
        return
    assert back["day"].tolist() == gdf["day"].tolist()
    assert back["seen_at"].tolist()[::2] == gdf["seen_at"].tolist()[::2]
    assert pd.isna(back["seen_at"].iloc[1])


@pytest.mark.parametrize("fmt", ["gpkg", "kml"])
def test_multi_layer_file_round_trips_each_layer(tmp_path, fmt):
    layers = [sites(), roads(), regions()]
    result = write_layers(layers, tmp_path / f"all.{fmt}")
    assert result.files == [tmp_path / f"all.{fmt}"]
    for original in layers:
        back = read_file(result.path, layer=original.attrs["layer"])
        assert_round_trip(original, back)


def test_zipped_shapefiles_round_trip(tmp_path):
    result = write_layers([sites(), roads()], tmp_path / "shapes.zip")
    assert result.files == [tmp_path / "shapes.zip"]
    names = zipfile.ZipFile(result.path).namelist()
    for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg", ".qml", ".fields.json"):
        assert f"test_sites{ext}" in names
    assert ogr_layers(f"/vsizip/{result.path}") == {"test_sites": "Point",
                                                    "test_roads": "Line String"}
    assert_round_trip(sites(), read_file(result.path, layer="test_sites"), rel=1e-12)


# ---------------------------------------------------------------------------- GeoPackage


def test_gpkg_opens_in_gdal_with_counts_field_types_and_crs(tmp_path):
    path = write_layers([sites(), roads(), regions()], tmp_path / "geomap.gpkg").path
    layers = ogr_layers(path)
    assert layers == {"test_sites": "Point", "test_roads": "Line String",
                      "test_regions": "Multi Polygon", "layer_styles": "None"}
    info = ogr_summary(path, "test_sites")
    assert info["count"] == 4
    assert 'ID["EPSG",4326]' in info["text"]
    assert info["fields"] == {
        "id": "String", "name": "String", "alt_names": "String", "category": "String",
        "status": "String", "start_date": "String", "date_estimated": "Integer(Boolean)",
        "cost_usd": "Real", "description": "String", "precision": "Integer64",
        "coordinate_uncertainty_m": "Integer64", "sources": "String", "operator": "String",
        "personnel": "Integer64", "start_day": "Date",
    }
    features = ogr_features(path, "test_sites")
    props = [f["properties"] for f in features]
    # reduced dates stay as given; the Date field holds the first day of the period
    assert [p["start_date"] for p in props] == ["2016", "2019-08", "2004-10-16", None]
    assert [p["start_day"] for p in props] == ["2016-01-01", "2019-08-01", "2004-10-16", None]
    with sqlite3.connect(path) as con:  # JSON text in the table (ogr2ogr may parse it)
        alt, sources = con.execute("SELECT alt_names, sources FROM test_sites").fetchall()[0]
    assert json.loads(alt) == ["Шаймак", "Shaimak"]
    assert json.loads(sources)[0]["quote"] == "a <quote> & more"
    assert [p["date_estimated"] for p in props] == [True, None, False, False]
    assert props[0]["description"] == LONG_TEXT


def test_gpkg_layer_styles_are_qgis_default_styles(tmp_path):
    path = write_layers([sites(), roads(), regions()], tmp_path / "geomap.gpkg").path
    out = run("ogrinfo", "-ro", path, "-sql",
              "SELECT f_table_name, f_geometry_column, styleName, useAsDefault FROM layer_styles")
    assert re.findall(r"f_table_name \(String\) = (\w+)", out) == [
        "test_sites", "test_roads", "test_regions"]
    assert re.findall(r"useAsDefault \(Integer\(Boolean\)\) = (\d)", out) == ["1", "1", "1"]
    assert set(re.findall(r"f_geometry_column \(String\) = (\w+)", out)) == {"geom"}
    # the attribute filter QGIS's OGR provider uses to find a layer's default style
    for layer in ("test_sites", "test_roads", "test_regions"):
        found = run("ogrinfo", "-ro", "-where",
                    f"f_table_schema='' AND f_table_name='{layer}' AND f_geometry_column='geom' "
                    "AND useAsDefault = 1", path, "layer_styles")
        assert "Feature Count: 1" in found or found.count("OGRFeature(layer_styles)") == 1
        assert re.search(r"update_time \(DateTime\) = \d{4}/\d\d/\d\d", found), found[-400:]
    with sqlite3.connect(path) as con:
        columns = [row[1] for row in con.execute("PRAGMA table_info(layer_styles)")]
        assert columns == ["id", "f_table_catalog", "f_table_schema", "f_table_name",
                           "f_geometry_column", "styleName", "styleQML", "styleSLD",
                           "useAsDefault", "description", "owner", "ui", "update_time"]
        assert con.execute("SELECT data_type FROM gpkg_contents WHERE table_name = "
                           "'layer_styles'").fetchone() == ("attributes",)
        rows = dict(con.execute("SELECT f_table_name, styleQML FROM layer_styles"))
        slds = dict(con.execute("SELECT f_table_name, styleSLD FROM layer_styles"))
    qml = ET.fromstring(rows["test_sites"].split("\n", 1)[1])
    renderer = qml.find("renderer-v2")
    assert renderer.get("type") == "categorizedSymbol" and renderer.get("attr") == "category"
    assert [c.get("value") for c in renderer.iter("category")] == [
        "border_checkpoint", "military_base", "military_outpost"]
    assert qml.find("layerGeometryType").text == "0"
    line = ET.fromstring(rows["test_roads"].split("\n", 1)[1])
    assert line.find(".//layer").get("class") == "SimpleLine"
    assert ET.fromstring(rows["test_regions"].split("\n", 1)[1]).find(
        ".//layer").get("class") == "SimpleFill"
    sld = ET.fromstring(slds["test_sites"].split("\n", 1)[1])
    assert sld.tag.endswith("StyledLayerDescriptor")
    assert len(list(sld.iter("{http://www.opengis.net/sld}Rule"))) == 3


@pytest.mark.parametrize("fmt", ["gpkg", "shp", "kml", "geojson", "csv"])
def test_geometries_are_valid_for_gdal(tmp_path, fmt):
    for make in (sites, roads, regions):
        gdf = make()
        name = gdf.attrs["layer"]
        result = write_layer(gdf, tmp_path / fmt / name, format=fmt)
        source = main_file(result, FORMATS[fmt])
        layer = name if fmt in ("gpkg", "kml") else source.stem
        found = re.search(r"^Geometry Column = (\w+)", ogr_summary(source, layer)["text"], re.M)
        column = found.group(1) if found else "GEOMETRY"
        out = run("ogrinfo", "-ro", "-dialect", "SQLite", "-sql",
                  f"SELECT count({column}) AS n, sum(CASE WHEN ST_IsValid({column}) = 1 "
                  f"THEN 1 ELSE 0 END) AS valid FROM {layer}",
                  source)
        n = int(re.search(r"n \(Integer\) = (\d+)", out).group(1))
        assert n == gdf.geometry.notna().sum()
        assert f"valid (Integer) = {n}" in out, out


def test_curated_style_in_gpkg_matches_shipped_qml(tmp_path):
    records = catalog.list_layers()
    if not records:
        pytest.skip("the catalog has no layers yet")
    record = records[-1]
    path = write_layer(record.name, tmp_path / "one.gpkg").path
    with sqlite3.connect(path) as con:
        (qml,) = con.execute("SELECT styleQML FROM layer_styles WHERE f_table_name = ?",
                             (record.name,)).fetchone()
    assert qml == record.style_path.read_text(encoding="utf-8")


# ----------------------------------------------------------------------------- Shapefile


def test_shapefile_set_has_prj_cpg_short_fields_and_mapping(tmp_path):
    result = write_layer(sites(), tmp_path / "shp", format="shp")
    folder = tmp_path / "shp"
    for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg", ".qml", ".sld", ".fields.json"):
        assert (folder / f"test_sites{ext}").is_file(), ext
    assert (folder / "test_sites.cpg").read_text().strip().upper() in {"UTF-8", "UTF8"}
    assert "WGS" in (folder / "test_sites.prj").read_text()
    info = ogr_summary(folder / "test_sites.shp", "test_sites")
    assert info["count"] == 4
    assert all(len(name) <= 10 for name in info["fields"])
    mapping = json.loads((folder / "test_sites.fields.json").read_text(encoding="utf-8"))
    by_name = {spec["name"]: spec for spec in mapping["fields"]}
    assert by_name["coordinate_uncertainty_m"]["field"] == "uncert_m"
    assert by_name["date_estimated"]["field"] == "date_est"
    assert info["fields"]["uncert_m"] == "Integer"
    assert info["fields"]["start_day"] == "Date"
    assert info["fields"]["cost_usd"] == "Real"
    # long text continues over several DBF fields, each within 254 bytes
    continued = by_name["description"]["field"]
    assert continued[:3] == ["descriptn", "descript_2", "descript_3"]
    assert len(continued) >= math.ceil(len(LONG_TEXT.encode()) / 254)
    features = ogr_features(folder / "test_sites.shp", "test_sites")
    first = features[0]["properties"]
    assert all(len(first[f].encode()) <= 254 for f in continued)
    assert "".join(first[f] for f in continued) == LONG_TEXT
    assert result.renamed_fields["test_sites"]["coordinate_uncertainty_m"] == "uncert_m"
    # the mapping is stable: a second export gives the same names
    again = write_layer(sites(), tmp_path / "again", format="shp")
    assert again.renamed_fields == result.renamed_fields


def test_shapefile_refuses_numbers_a_dbf_cannot_hold_and_writes_nothing(tmp_path):
    gdf = sites()
    gdf["tiny"] = [1e-20, 0.5, 1.0, 2.0]
    with pytest.raises(ExportError, match=r"'tiny' of feature 0 .*cannot hold; use gpkg"):
        write_layer(gdf, tmp_path / "out" / "sites.shp")
    assert list((tmp_path / "out").iterdir()) == []


def test_shapefile_refuses_mixed_geometry_kinds(tmp_path):
    gdf = geopandas.GeoDataFrame({"a": [1, 2]}, geometry=[
        shapely.Point(70, 38), shapely.LineString([(70, 38), (71, 39)])], crs=4326)
    with pytest.raises(ExportError, match="mixes LineString, Point geometries"):
        write_layer(gdf, tmp_path / "mixed.shp")
    assert not (tmp_path / "mixed.shp").exists()


# ----------------------------------------------------------------------------------- KML


def test_kml_placemarks_are_named_styled_by_category_and_escaped(tmp_path):
    path = write_layers([sites(), roads()], tmp_path / "geomap.kml").path
    assert set(ogr_layers(path)) == {"test_sites", "test_roads"}
    assert ogr_summary(path, "test_sites")["count"] == 4
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    doc = ET.parse(path).getroot().find("k:Document", ns)
    styles = {s.get("id"): s for s in doc.findall("k:Style", ns)}
    assert {"test_sites-military_outpost", "test_sites-border_checkpoint",
            "test_sites-military_base", "test_roads-highway"} <= set(styles)
    outpost = styles["test_sites-military_outpost"]
    assert outpost.findtext("k:BalloonStyle/k:text", namespaces=ns) == "$[description]"
    assert outpost.findtext("k:IconStyle/k:Icon/k:href", namespaces=ns).endswith(".png")
    placemarks = doc.findall("k:Folder/k:Placemark", ns)
    assert [p.findtext("k:name", namespaces=ns) for p in placemarks[:4]] == [
        "Shaymak <outpost> & \"post\"", "Қалъаи Хумб", "База 201", "No place"]
    for placemark in placemarks:
        assert placemark.findtext("k:styleUrl", namespaces=ns).lstrip("#") in styles
    popup = placemarks[0].findtext("k:description", namespaces=ns)
    # the popup is HTML; user text inside it is escaped once more
    assert "<h3>Shaymak &lt;outpost&gt; &amp; &quot;post&quot;</h3>" in popup
    assert "Olimova &amp; Olimov 2021, §3.1" in popup and "a &lt;quote&gt; &amp; more" in popup
    second = placemarks[1].findtext("k:description", namespaces=ns)
    assert '<a href="https://jamestown.org/?a=1&amp;b=&lt;2&gt;">' in second
    # Google Earth's reader (GDAL LIBKML here) sees the same names and typed properties
    features = ogr_features(path, "test_sites")
    assert features[0]["properties"]["Name"] == "Shaymak <outpost> & \"post\""
    assert features[2]["properties"]["personnel"] == 7000


def test_kml_icons_follow_the_record_category_symbols(tmp_path):
    records = [r for r in catalog.list_layers() if r.style.get("category_symbols")]
    if not records:
        pytest.skip("no curated layer draws its categories with their own symbols")
    record = records[0]
    path = write_layer(record.name, tmp_path / "x.kml").path
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    doc = ET.parse(path).getroot().find("k:Document", ns)
    icons = {s.get("id"): s.findtext("k:IconStyle/k:Icon/k:href", namespaces=ns)
             for s in doc.findall("k:Style", ns)}
    categories = {f["properties"]["category"] for f in json.loads(
        record.path.read_text(encoding="utf-8"))["features"]}
    shapes = {c: record.style["category_symbols"].get(c) for c in categories}
    assert len({icons[f"{record.name}-{c}"] for c in categories}) == len(
        {s or record.style.get("symbol") for s in shapes.values()})


def test_kml_refuses_control_characters_xml_cannot_store(tmp_path):
    gdf = sites()
    gdf.loc[1, "name"] = "bell\x07"
    with pytest.raises(ExportError, match=r"'name' of feature 1 .*U\+0007"):
        write_layer(gdf, tmp_path / "x.kml")
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------- CSV, GeoJSON, Parquet


def test_csv_points_get_lon_lat_lines_get_wkt_typed_by_csvt(tmp_path):
    write_layers([sites(), roads()], tmp_path / "csv", format="csv")
    header = (tmp_path / "csv" / "test_sites.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("lon,lat,id,name,")
    assert (tmp_path / "csv" / "test_roads.csv").read_text().startswith("WKT,id,")
    info = ogr_summary(tmp_path / "csv" / "test_sites.csv", "test_sites")
    assert info["count"] == 4
    assert info["fields"]["cost_usd"] == "Real"
    assert info["fields"]["precision"] == "Integer64"
    assert info["fields"]["start_date"] == "String"  # "2016" is not taken for a number
    assert info["fields"]["start_day"] == "Date"
    lines = ogr_features(tmp_path / "csv" / "test_roads.csv", "test_roads")
    assert lines[0]["geometry"]["type"] == "LineString"
    assert lines[0]["geometry"]["coordinates"][-1] == [75.2, 38.6]


def test_geojson_is_rfc7946(tmp_path):
    path = write_layer(regions(), tmp_path / "regions.geojson").path
    data = json.loads(path.read_text(encoding="utf-8"))
    assert "crs" not in data
    exterior = shapely.geometry.shape(data["features"][0]["geometry"]).exterior
    assert exterior.is_ccw
    assert ogr_summary(path, "regions")["count"] == 2


def test_curated_geojson_export_is_the_shipped_file(tmp_path):
    names = catalog.layer_names()
    if not names:
        pytest.skip("the catalog has no layers yet")
    result = write_layers(names, tmp_path / "geojson", format="geojson")
    for name in names:
        assert (tmp_path / "geojson" / f"{name}.geojson").read_bytes() == \
            catalog.get_layer(name).path.read_bytes()
    assert len(result.files) == len(names)


def test_parquet_is_geoparquet_with_crs(tmp_path):
    import pyarrow.parquet as pq

    path = write_layer(sites(), tmp_path / "sites.parquet").path
    metadata = pq.read_schema(path).metadata
    geo = json.loads(metadata[b"geo"])
    assert geo["primary_column"] == "geometry"
    assert geo["columns"]["geometry"]["encoding"] == "WKB"
    assert json.loads(metadata[b"geomap"])["layer"] == "test_sites"
    plain_read = geopandas.read_parquet(path)  # any GeoParquet reader, not only geomap
    assert plain_read.crs.to_epsg() == 4326 and len(plain_read) == 4
    assert pq.read_schema(path).field("start_day").type == "date32[day]"


# -------------------------------------------------------------------- writing discipline


def test_refuses_to_overwrite_and_leaves_nothing_half_written(tmp_path):
    target = tmp_path / "geomap.gpkg"
    write_layer(sites(), target)
    before = target.read_bytes()
    with pytest.raises(ExportError, match="already exists; pass --overwrite"):
        write_layer(roads(), target)
    assert target.read_bytes() == before
    write_layer(roads(), target, overwrite=True)
    assert ogr_layers(target) == {"test_roads": "Line String", "layer_styles": "None"}
    assert [p.name for p in tmp_path.iterdir()] == ["geomap.gpkg"]  # no temporary files left


def test_refuses_to_overwrite_files_in_an_output_folder(tmp_path):
    write_layer(sites(), tmp_path / "csv", format="csv")
    before = (tmp_path / "csv" / "test_sites.csv").read_bytes()
    with pytest.raises(ExportError, match="test_sites.csv: already exists"):
        write_layer(sites().iloc[:1], tmp_path / "csv", format="csv")
    assert (tmp_path / "csv" / "test_sites.csv").read_bytes() == before


def test_creates_parent_folders(tmp_path):
    path = tmp_path / "a" / "b" / "c" / "sites.kml"
    write_layer(sites(), path)
    assert ogr_summary(path, "test_sites")["count"] == 4


def test_failed_export_leaves_no_partial_gpkg(tmp_path):
    bad = sites()
    bad["note"] = ["ok", "nul\x00inside", "ok", "ok"]
    with pytest.raises(ExportError, match="NUL"):
        write_layers([roads(), bad], tmp_path / "geomap.gpkg")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", ["shp", "geojson", "csv", "parquet"])
def test_one_file_formats_need_a_folder_for_several_layers(tmp_path, fmt):
    with pytest.raises(ExportError, match="one layer per file"):
        write_layers([sites(), roads()], tmp_path / f"x{FORMATS[fmt]}")


def test_unknown_format_and_no_crs_are_clear_errors(tmp_path):
    with pytest.raises(ExportError, match=r"unknown format 'dxf' \(expected one of gpkg, shp"):
        write_layer(sites(), tmp_path / "x.dxf", format="dxf")
    with pytest.raises(ExportError, match="cannot tell the format"):
        write_layer(sites(), tmp_path / "x.dat")
    with pytest.raises(ExportError, match="has no CRS"):
        write_layer(sites().set_crs(None, allow_override=True), tmp_path / "x.gpkg")
    assert list(tmp_path.iterdir()) == []


def test_reprojects_to_wgs84_before_writing(tmp_path):
    utm = sites().to_crs(32642)
    utm.attrs["layer"] = "utm_sites"
    back = read_file(write_layer(utm, tmp_path / "x.gpkg").path)
    assert back.geometry.iloc[2].distance(shapely.Point(68.78, 38.56)) < 1e-9


# ---------------------------------------------------------------------------------- CLI


def test_cli_export_prints_the_shapefile_field_mapping(tmp_path):
    from geomap.cli import cli

    source = tmp_path / "sites.gpkg"
    write_layer(sites(), source)
    result = CliRunner().invoke(cli, ["export", str(source), "--format", "shp", "-o",
                                      str(tmp_path / "shp")])
    assert result.exit_code == 0, result.output
    assert "coordinate_uncertainty_m -> uncert_m" in result.output
    assert "description -> descriptn, descript_2" in result.output
    assert (tmp_path / "shp" / "sites.fields.json").is_file()


def geomap_cli(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "geomap.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)


def test_cli_bad_format_is_one_line_and_non_zero(tmp_path):
    done = geomap_cli("export", "--format", "dxf", "-o", tmp_path / "x")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"geomap: error: {tmp_path / 'x'}: unknown format 'dxf' (expected one of gpkg, shp, kml, "
        "geojson, csv, parquet)"]
    assert "Traceback" not in done.stderr and list(tmp_path.iterdir()) == []


def test_cli_refuses_overwrite_then_overwrites(tmp_path):
    names = catalog.layer_names()
    if not names:
        pytest.skip("the catalog has no layers yet")
    target = tmp_path / "one.gpkg"
    assert geomap_cli("export", names[0], "-o", target).returncode == 0
    done = geomap_cli("export", names[0], "-o", target)
    assert done.returncode == 2 and "already exists; pass --overwrite" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert geomap_cli("export", names[0], "-o", target, "--overwrite").returncode == 0


# --------------------------------------------------------------------- curated layers


@pytest.mark.slow
@pytest.mark.parametrize("fmt", list(FORMATS))
def test_all_curated_layers_export_and_read_back(tmp_path, fmt):
    records = catalog.list_layers()
    if not records:
        pytest.skip("the catalog has no layers yet")
    result = write_layers(None, tmp_path / ("all.zip" if fmt == "shp" else f"all{FORMATS[fmt]}"
                                            if fmt in ("gpkg", "kml") else "all"), format=fmt)
    assert result.layers == [r.name for r in records]
    for record in records:
        if fmt in ("gpkg", "kml"):
            source, layer = result.path, record.name
        elif fmt == "shp":
            source, layer = result.path, record.name
        else:
            source, layer = result.path / f"{record.name}{FORMATS[fmt]}", None
        if fmt != "parquet":  # Debian's GDAL 3.6 has no Parquet driver
            gdal_source = f"/vsizip/{source}" if fmt == "shp" else source
            assert ogr_summary(gdal_source, layer or record.name)["count"] == record.feature_count
        back = read_file(source, layer=layer)
        assert_round_trip(catalog.read_layer(record.name), back,
                          rel=1e-12 if fmt == "shp" else 0.0)


def test_shipped_qml_styles_are_current():
    if not catalog.layer_names():
        pytest.skip("the catalog has no layers yet")
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import build_styles
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    for path, text in build_styles.expected_styles().items():
        assert path.is_file(), f"{path} missing: run python scripts/build_styles.py"
        assert path.read_text(encoding="utf-8") == text, \
            f"{path} is stale: run python scripts/build_styles.py"
        ET.fromstring(text.split("\n", 1)[1])  # well-formed XML after the DOCTYPE


def test_write_layer_is_public_api():
    import geomap

    assert geomap.write_layer is write_layer
    assert issubclass(ExportError, GeomapError) and issubclass(ExportError, OSError)


# -------------------------------------------------------------------------------- styles


def test_qml_and_sld_follow_the_record_style():
    from geomap import styles

    qml = ET.fromstring(styles.qml_style(
        {"color": "#CC79A7", "symbol": "triangle", "radius": 7,
         "category_symbols": {"tunnel": "square", "pass": "star"}},
        "Point", categories=["tunnel", "pass", "tunnel"]).split("\n", 1)[1])
    shapes = {c.get("value"): c.get("symbol") for c in qml.iter("category")}
    assert set(shapes) == {"pass", "tunnel"}
    names = {s.get("name"): s.find(".//Option[@name='name']").get("value")
             for s in qml.find("renderer-v2/symbols")}
    assert names[shapes["tunnel"]] == "square" and names[shapes["pass"]] == "star"
    assert qml.find(".//Option[@name='color']").get("value") == "204,121,167,217"
    assert qml.find(".//prop[@k='size']").get("v") == "14"  # older QGIS reads prop elements
    line = ET.fromstring(styles.qml_style({"color": "#222222", "weight": 3, "dash_array": "8 6"},
                                          "LineString").split("\n", 1)[1])
    assert line.find(".//Option[@name='customdash']").get("value") == "8;6"
    assert line.find(".//Option[@name='use_custom_dash']").get("value") == "1"
    hatched = ET.fromstring(styles.qml_style({"color": "#CC79A7", "symbol": "hatched"},
                                             "Polygon").split("\n", 1)[1])
    assert hatched.find(".//Option[@name='style']").get("value") == "b_diagonal"
    sld = ET.fromstring(styles.sld_style({"color": "#222222", "dash_array": "8,6"},
                                         "MultiLineString", "border").split("\n", 1)[1])
    dash = [e.text for e in sld.iter("{http://www.opengis.net/sld}CssParameter")
            if e.get("name") == "stroke-dasharray"]
    assert dash == ["8 6"]
    assert styles.kml_color("#D55E00", 0.5) == "80005ed5"
