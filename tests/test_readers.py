"""geomap.read_file: every format a GIS user brings, their CRS, and every kind of bad file."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import geopandas
import pyogrio
import pytest
import shapely

from geomap.cli import main
from geomap.errors import LayerReadError
from geomap.export import write_layer, write_layers
from geomap.readers import read_file
from geomap.schema import validate_layer

DUSHANBE = (68.78, 38.56)
KHOROG = (71.55, 37.49)


def towns(crs: int | str = 4326) -> geopandas.GeoDataFrame:
    """Two towns with properties a user might have: not geomap's schema."""
    gdf = geopandas.GeoDataFrame(
        {"town": ["Dushanbe", "Хорог"], "population": [863_400, 30_300], "capital": [True, False]},
        geometry=[shapely.Point(*DUSHANBE), shapely.Point(*KHOROG)],
        crs=4326,
    )
    return gdf.to_crs(crs)


def road() -> geopandas.GeoDataFrame:
    return geopandas.GeoDataFrame(
        {"ref": ["M41"]}, geometry=[shapely.LineString([DUSHANBE, KHOROG])], crs=4326)


def assert_towns(gdf: geopandas.GeoDataFrame) -> None:
    assert gdf.crs.to_epsg() == 4326
    assert list(gdf["town"]) == ["Dushanbe", "Хорог"]
    assert [int(p) for p in gdf["population"]] == [863_400, 30_300]
    assert gdf.geometry.iloc[0].distance(shapely.Point(*DUSHANBE)) < 1e-6
    assert gdf.geometry.iloc[1].distance(shapely.Point(*KHOROG)) < 1e-6


def one_line_error(path: Path, **kwargs) -> str:
    with pytest.raises(LayerReadError) as info:
        read_file(path, **kwargs)
    message = str(info.value)
    assert message.startswith(str(path)), message
    assert "\n" not in message and "Traceback" not in message
    return message


# ---------------------------------------------------------------------- formats and CRSs


def test_geojson_keeps_user_properties(tmp_path):
    path = tmp_path / "towns.geojson"
    path.write_text(towns().to_json(), encoding="utf-8")
    gdf = read_file(path)
    assert_towns(gdf)
    assert list(gdf["capital"]) == [True, False]
    assert validate_layer(path) == []


def test_geojson_legacy_crs_member_is_reprojected(tmp_path):
    data = json.loads(towns(32642).to_json())
    data["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32642"}}
    path = tmp_path / "utm.geojson"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert_towns(read_file(path))


def test_gpkg_in_another_crs_is_reprojected(tmp_path):
    path = tmp_path / "towns.gpkg"
    pyogrio.write_dataframe(towns(32642), path, layer="towns")
    gdf = read_file(path)
    assert_towns(gdf)
    assert list(gdf["capital"]) == [True, False]


def test_gpkg_with_several_layers_needs_a_layer(tmp_path):
    path = tmp_path / "mine.gpkg"
    pyogrio.write_dataframe(towns(), path, layer="towns")
    pyogrio.write_dataframe(road(), path, layer="roads")
    message = one_line_error(path)
    assert "holds 2 layers (towns, roads); choose one with --layer NAME" in message
    assert "has no layer 'rivers' (its layers: towns, roads)" in one_line_error(path,
                                                                                 layer="rivers")
    assert_towns(read_file(path, layer="towns"))
    assert list(read_file(f"{path}|layername=roads")["ref"]) == ["M41"]


def test_cli_validate_multi_layer_gpkg_without_layer_is_one_clear_line(tmp_path, capsys):
    path = tmp_path / "mine.gpkg"
    pyogrio.write_dataframe(towns(), path, layer="towns")
    pyogrio.write_dataframe(road(), path, layer="roads")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"geomap: error: {path}: holds 2 layers (towns, roads); choose one with "
                   "--layer NAME (or FILE|layername=NAME)"]
    assert main(["validate", str(path), "--layer", "roads"]) == 0
    assert "1 layer(s) valid" in capsys.readouterr().out


def test_shapefile_plain_and_zipped(tmp_path):
    folder = tmp_path / "shp"
    folder.mkdir()
    pyogrio.write_dataframe(towns(32642), folder / "towns.shp")
    assert_towns(read_file(folder / "towns.shp"))
    archive = tmp_path / "towns.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in folder.iterdir():
            zf.write(part, f"data/{part.name}")
    assert_towns(read_file(archive))


def test_shapefile_missing_parts_are_named(tmp_path):
    pyogrio.write_dataframe(towns(), tmp_path / "towns.shp")
    (tmp_path / "towns.dbf").unlink()
    assert "missing its .dbf file" in one_line_error(tmp_path / "towns.shp")
    pyogrio.write_dataframe(towns(), tmp_path / "roads.shp")
    (tmp_path / "roads.shp").unlink()
    assert "whose .shp is missing (roads.shp)" in one_line_error(tmp_path / "roads.dbf")
    pyogrio.write_dataframe(towns(), tmp_path / "noprj.shp")
    (tmp_path / "noprj.prj").unlink()
    assert "has no CRS (for a shapefile: no .prj)" in one_line_error(tmp_path / "noprj.shp")


def test_zip_with_a_shapefile_missing_its_dbf(tmp_path):
    pyogrio.write_dataframe(towns(), tmp_path / "towns.shp")
    archive = tmp_path / "broken.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for ext in (".shp", ".shx", ".prj"):
            zf.write(tmp_path / f"towns{ext}", f"towns{ext}")
    assert "towns.shp has no .dbf beside it in the zip" in one_line_error(archive)


def test_kml_from_another_tool(tmp_path):
    path = tmp_path / "places.kml"
    path.write_text(
        """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Folder><name>places</name>
<Placemark><name>Dushanbe</name><description>capital &amp; largest city</description>
<ExtendedData><Data name="population"><value>863400</value></Data></ExtendedData>
<Point><coordinates>68.78,38.56,0</coordinates></Point></Placemark>
<Placemark><name>Хорог</name><Point><coordinates>71.55,37.49</coordinates></Point></Placemark>
</Folder></Document></kml>""",
        encoding="utf-8",
    )
    gdf = read_file(path)
    assert list(gdf["name"]) == ["Dushanbe", "Хорог"]
    assert gdf["description"].iloc[0] == "capital & largest city"
    assert "tessellate" not in gdf.columns and "altitudeMode" not in gdf.columns
    assert gdf.geometry.iloc[1].distance(shapely.Point(*KHOROG)) < 1e-9
    assert validate_layer(path) == []


def test_kmz_reads_like_its_kml(tmp_path):
    kml = write_layer(towns(), tmp_path / "towns.kml").path
    kmz = tmp_path / "towns.kmz"
    with zipfile.ZipFile(kmz, "w") as zf:
        zf.write(kml, "doc.kml")
    gdf = read_file(kmz)
    assert_towns(gdf)
    assert gdf["capital"].tolist() == [True, False]
    (tmp_path / "notes.kmz").write_text("not a zip", encoding="utf-8")
    assert "not a readable KMZ (zip) archive" in one_line_error(tmp_path / "notes.kmz")


def test_geoparquet_in_another_crs_is_reprojected(tmp_path):
    path = tmp_path / "towns.parquet"
    towns(32642).to_parquet(path)
    assert_towns(read_file(path))


def test_parquet_without_geo_metadata_is_refused(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "plain.parquet"
    pq.write_table(pa.table({"a": [1, 2]}), path)
    assert "not a readable GeoParquet file" in one_line_error(path)


@pytest.mark.parametrize("header, rows", [
    ("lon,lat,town,population", ["68.78,38.56,Dushanbe,863400", "71.55,37.49,Хорог,30300"]),
    ("town;population;Longitude;Latitude",
     ["Dushanbe;863400;68.78;38.56", "Хорог;30300;71.55;37.49"]),
    ("WKT,town,population", ['"POINT (68.78 38.56)",Dushanbe,863400',
                             '"POINT (71.55 37.49)",Хорог,30300']),
], ids=["lon-lat", "semicolon-longitude-latitude", "wkt"])
def test_csv_with_lonlat_or_wkt_columns(tmp_path, header, rows):
    path = tmp_path / "towns.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    gdf = read_file(path)
    assert_towns(gdf)
    assert not {"lon", "lat", "WKT", "Longitude"} & set(gdf.columns)


def test_csv_in_metres_needs_a_crs(tmp_path):
    utm = towns(32642)
    path = tmp_path / "utm.csv"
    lines = ["x,y,town,population"] + [
        f"{g.x},{g.y},{t},{p}" for g, t, p in zip(utm.geometry, utm["town"], utm["population"],
                                                 strict=True)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert "coordinates are not longitude/latitude and a CSV declares no CRS" in \
        one_line_error(path)
    path.with_suffix(".prj").write_text(utm.crs.to_wkt("WKT1_ESRI"), encoding="utf-8")
    assert_towns(read_file(path))


def test_csv_without_geometry_is_refused(tmp_path):
    path = tmp_path / "table.csv"
    path.write_text("town,population\nDushanbe,863400\n", encoding="utf-8")
    assert "no geometry found; give lon/lat columns" in one_line_error(path)


def test_json_text_from_other_tools_comes_back_as_lists(tmp_path):
    # a layer geomap exported, then re-saved by another program that dropped geomap's notes
    gdf = towns()
    gdf["sources"] = [json.dumps([{"citation": "A", "url": "https://x.org"}]), None]
    gdf["alt_names"] = ['["Душанбе", "Stalinabad"]', "[]"]
    path = tmp_path / "resaved.gpkg"
    pyogrio.write_dataframe(gdf, path)
    back = read_file(path)
    assert back["sources"].iloc[0] == [{"citation": "A", "url": "https://x.org"}]
    assert back["alt_names"].tolist() == [["Душанбе", "Stalinabad"], []]


@pytest.mark.parametrize("fmt", ["gpkg", "shp", "kml", "geojson", "csv", "parquet"])
def test_exported_user_layer_is_valid_for_maps_and_queries(tmp_path, fmt):
    result = write_layer(towns(32642), tmp_path / "out", format=fmt)
    main_file = next(f for f in result.files if f.suffix in (".gpkg", ".shp", ".kml", ".geojson",
                                                             ".csv", ".parquet"))
    gdf = read_file(main_file)
    assert_towns(gdf)
    assert gdf["capital"].tolist() == [True, False]
    assert validate_layer(main_file) == []


# -------------------------------------------------------------------------------- bad input


def test_missing_and_empty_files(tmp_path):
    assert "no such file" in one_line_error(tmp_path / "nope.gpkg")
    for name in ("empty.geojson", "empty.gpkg", "empty.shp", "empty.csv", "empty.parquet"):
        (tmp_path / name).write_bytes(b"")
        assert "is empty (0 bytes)" in one_line_error(tmp_path / name)
    (tmp_path / "folder.gpkg").mkdir()
    assert "is a folder" in one_line_error(tmp_path / "folder.gpkg")


def test_truncated_files(tmp_path):
    good = tmp_path / "good.geojson"
    good.write_text(towns().to_json(), encoding="utf-8")
    cut = tmp_path / "cut.geojson"
    cut.write_text(good.read_text()[:120], encoding="utf-8")
    assert "not valid JSON" in one_line_error(cut)
    gpkg = write_layer(towns(), tmp_path / "good.gpkg").path
    short = tmp_path / "cut.gpkg"
    short.write_bytes(gpkg.read_bytes()[:3000])
    assert "cannot read" in one_line_error(short)
    parquet = write_layer(towns(), tmp_path / "good.parquet").path
    (tmp_path / "cut.parquet").write_bytes(parquet.read_bytes()[:200])
    assert "not a readable GeoParquet file" in one_line_error(tmp_path / "cut.parquet")
    archive = write_layers([towns()], tmp_path / "good.zip").path
    (tmp_path / "cut.zip").write_bytes(archive.read_bytes()[:100])
    assert "not a readable zip archive" in one_line_error(tmp_path / "cut.zip")


def test_corrupt_and_mislabelled_files(tmp_path):
    (tmp_path / "noise.gpkg").write_bytes(bytes(range(256)) * 8)
    assert "cannot read as a layer" in one_line_error(tmp_path / "noise.gpkg")
    (tmp_path / "table.gpkg").write_text("town,population\nDushanbe,1\n", encoding="utf-8")
    assert "cannot read" in one_line_error(tmp_path / "table.gpkg")
    png = b"\x89PNG\r\n\x1a\n" + bytes(200)
    (tmp_path / "picture.geojson").write_bytes(png)
    assert "not UTF-8 text, so not GeoJSON" in one_line_error(tmp_path / "picture.geojson")
    (tmp_path / "list.geojson").write_text("[1, 2]", encoding="utf-8")
    assert "not a GeoJSON FeatureCollection" in one_line_error(tmp_path / "list.geojson")
    (tmp_path / "notes.kml").write_text("<kml><Document>", encoding="utf-8")
    assert "cannot read" in one_line_error(tmp_path / "notes.kml")
    (tmp_path / "towns.shp").write_text("not a shapefile", encoding="utf-8")
    (tmp_path / "towns.dbf").write_text("nor a dbf", encoding="utf-8")
    (tmp_path / "towns.shx").write_text("nor a shx", encoding="utf-8")
    assert "cannot read" in one_line_error(tmp_path / "towns.shp")


def test_unknown_format(tmp_path):
    (tmp_path / "notes.xyz").write_text("just some notes\n", encoding="utf-8")
    message = one_line_error(tmp_path / "notes.xyz")
    assert "not recognized as being in a supported file format" in message


def test_cli_bad_files_exit_non_zero_with_one_line(tmp_path, capsys):
    (tmp_path / "cut.geojson").write_text('{"type": "FeatureCollection", "feat', encoding="utf-8")
    assert main(["validate", str(tmp_path / "cut.geojson")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"geomap: error: {tmp_path / 'cut.geojson'}: ")


def test_read_file_is_not_fooled_by_sidecar_notes(tmp_path):
    # a stray or broken .fields.json beside a user's shapefile is ignored, not fatal
    pyogrio.write_dataframe(towns(), tmp_path / "towns.shp")
    (tmp_path / "towns.fields.json").write_text("{broken", encoding="utf-8")
    assert_towns(read_file(tmp_path / "towns.shp"))
    shutil.rmtree(tmp_path)
