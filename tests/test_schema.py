"""Broken layer files each get their own clear, one-line problem."""

import copy
import json
import subprocess
import sys

import pytest

from geomap.errors import LayerReadError, LayerValidationError
from geomap.schema import check_layer, parse_date, validate_geojson_file, validate_layer

GOOD_FEATURE = {
    "type": "Feature",
    "properties": {
        "id": "test-post",
        "name": "Test post",
        "category": "border_checkpoint",
        "status": "reported",
        "description": "A post whose exact site is not public.",
        "precision": 5,
        "coordinate_uncertainty_m": 20000,
        "start_date": "2016",
        "sources": [{"citation": "Seed 000, §3.1", "seed": "000_3482db23aa8818ee.txt"}],
    },
    "geometry": {"type": "Point", "coordinates": [71.5, 37.2]},
}
SQUARE = [[70.0, 37.0], [71.0, 37.0], [71.0, 38.0], [70.0, 38.0], [70.0, 37.0]]


def write(tmp_path, features, name="layer.geojson", **extra):
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", **extra, "features": features}))
    return path


def feature(**changes):
    result = copy.deepcopy(GOOD_FEATURE)
    geometry = changes.pop("geometry", None)
    if geometry is not None:
        result["geometry"] = geometry
    result["properties"].update(changes)
    return result


def messages(path, **kwargs):
    return [str(problem) for problem in validate_geojson_file(path, **kwargs)]


def test_good_layer_has_no_problems(tmp_path):
    assert messages(write(tmp_path, [GOOD_FEATURE])) == []


def test_not_json_is_a_read_error_naming_the_file(tmp_path):
    path = tmp_path / "broken.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [')
    with pytest.raises(LayerReadError, match=r"broken\.geojson: not valid JSON"):
        validate_geojson_file(path)


def test_not_a_feature_collection(tmp_path):
    path = tmp_path / "list.geojson"
    path.write_text("[1, 2, 3]")
    with pytest.raises(LayerReadError, match="not a GeoJSON FeatureCollection"):
        validate_geojson_file(path)


def test_wrong_geometry_type(tmp_path):
    path = write(tmp_path, [feature(geometry={"type": "Circle", "coordinates": [71, 37]})])
    assert messages(path) == [
        f"{path}: feature test-post: geometry type 'Circle' is not one of "
        "LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon"
    ]


def test_swapped_coordinates_are_flagged(tmp_path):
    path = write(tmp_path, [feature(geometry={"type": "Point", "coordinates": [37.2, 171.5]})])
    (message,) = messages(path)
    assert "out of range" in message and "swapped" in message


def test_unclosed_ring(tmp_path):
    ring = SQUARE[:-1] + [[70.0, 37.5]]
    path = write(tmp_path, [feature(geometry={"type": "Polygon", "coordinates": [ring]})])
    assert messages(path) == [
        f"{path}: feature test-post: polygon ring is not closed (first and last positions differ)"
    ]


def test_clockwise_exterior_ring_breaks_rfc7946(tmp_path):
    clockwise = list(reversed(SQUARE))
    path = write(tmp_path, [feature(geometry={"type": "Polygon", "coordinates": [clockwise]})])
    (message,) = messages(path)
    assert "clockwise" in message


def test_self_intersecting_polygon_is_invalid(tmp_path):
    bowtie = [[70, 37], [71, 38], [71, 37], [70, 38], [70, 37]]
    path = write(tmp_path, [feature(geometry={"type": "Polygon", "coordinates": [bowtie]})])
    assert any("not valid" in m or "clockwise" in m for m in messages(path))


def test_missing_sources(tmp_path):
    bad = feature()
    del bad["properties"]["sources"]
    empty = feature(id="other", sources=[])
    path = write(tmp_path, [bad, empty])
    assert messages(path) == [
        f"{path}: feature test-post: missing property 'sources'",
        f"{path}: feature other: 'sources' must be a non-empty list of citations",
    ]


def test_source_needs_seed_or_http_url(tmp_path):
    path = write(tmp_path, [feature(sources=[{"citation": "x", "url": "javascript:alert(1)"}])])
    assert messages(path) == [
        f"{path}: feature test-post: source 1 URL is not http(s): 'javascript:alert(1)'"
    ]


def test_duplicate_ids(tmp_path):
    path = write(tmp_path, [GOOD_FEATURE, GOOD_FEATURE])
    assert messages(path) == [f"{path}: feature test-post: duplicate id 'test-post'"]


def test_crs_member_is_not_rfc7946(tmp_path):
    path = write(
        tmp_path, [GOOD_FEATURE], crs={"type": "name", "properties": {"name": "EPSG:3857"}}
    )
    assert any("'crs' member" in m for m in messages(path))


def test_schema_values(tmp_path):
    path = write(
        tmp_path,
        [
            feature(
                precision=12,
                status="secret",
                start_date="2016-13",
                category="ufo",
                coordinate_uncertainty_m=-1,
            )
        ],
    )
    found = " | ".join(messages(path))
    for expected in (
        "precision",
        "unknown status",
        "start_date",
        "unknown category",
        "coordinate_uncertainty_m",
    ):
        assert expected in found


def test_exact_precision_cannot_claim_huge_uncertainty(tmp_path):
    path = write(tmp_path, [feature(precision=1, coordinate_uncertainty_m=50000)])
    (message,) = messages(path)
    assert "precision 1 allows at most 5000 m" in message


def test_user_layers_need_no_curated_schema(tmp_path):
    path = write(
        tmp_path,
        [
            {
                "type": "Feature",
                "properties": {"anything": 1},
                "geometry": {"type": "Point", "coordinates": [69, 38]},
            }
        ],
    )
    assert validate_layer(path, curated=False) == []
    assert validate_layer(path, curated=True) != []


def test_check_layer_raises_once_with_every_problem(tmp_path):
    path = write(tmp_path, [GOOD_FEATURE, GOOD_FEATURE, feature(id="x", precision=0)])
    with pytest.raises(LayerValidationError) as info:
        check_layer(path, curated=True)
    assert len(info.value.problems) == 2
    assert "(and 1 more)" in str(info.value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2016", (2016, 1, 1)),
        ("2019-08", (2019, 8, 1)),
        ("1996-04-26", (1996, 4, 26)),
        ("1911", (1911, 1, 1)),
    ],
)
def test_parse_reduced_dates(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize("value", ["16", "2019/08", "2019-8", "summer 2019", ""])
def test_parse_rejects_non_iso(value):
    with pytest.raises(ValueError, match="not an ISO date"):
        parse_date(value)


def test_user_layers_may_wind_rings_either_way(tmp_path):
    """Ring orientation is an RFC 7946 rule for shipped layers, not something a map needs."""
    clockwise = list(reversed(SQUARE))
    user = {
        "type": "Feature",
        "properties": {"name": "area"},
        "geometry": {"type": "Polygon", "coordinates": [clockwise]},
    }
    path = write(tmp_path, [user])
    assert validate_layer(path, curated=False) == []
    assert any("clockwise" in str(p) for p in validate_layer(path, curated=True))


def test_a_layer_written_lat_lon_is_flagged_as_swapped(tmp_path):
    """Tajik sites written [lat, lon] stay in range (the Arctic), so the whole layer is the tell."""
    swapped = write(tmp_path, [
        feature(id="a", geometry={"type": "Point", "coordinates": [38.56, 68.78]}),  # Dushanbe
        feature(id="b", geometry={"type": "Point", "coordinates": [37.49, 71.55]}),  # Khorog
    ], name="swapped.geojson")
    (message,) = messages(swapped, curated=False)
    assert message.startswith(f"{swapped}: no coordinate lies in Tajikistan")
    assert "[lat, lon]" in message
    # Arkhangelsk data (a real place at lon 40.5, lat 64.5) is not mistaken for a swapped layer,
    # nor is a layer with one site really in Tajikistan
    north = write(tmp_path, [feature(geometry={"type": "Point", "coordinates": [40.5, 64.5]})],
                  name="north.geojson")
    mixed = write(tmp_path, [
        feature(id="a", geometry={"type": "Point", "coordinates": [38.56, 68.78]}),
        feature(id="b", geometry={"type": "Point", "coordinates": [68.78, 38.56]}),
    ], name="mixed.geojson")
    assert messages(north, curated=False) == [] and messages(mixed, curated=False) == []


def test_a_swapped_geopackage_is_refused_by_validate(tmp_path):
    import geopandas as gpd
    from shapely.geometry import Point

    path = tmp_path / "sites.gpkg"
    gpd.GeoDataFrame({"name": ["Dushanbe"]}, geometry=[Point(38.56, 68.78)], crs=4326).to_file(path)
    proc = subprocess.run([sys.executable, "-m", "geomap.cli", "validate", str(path)],
                          capture_output=True, text=True)
    assert proc.returncode == 1 and "[lat, lon]" in proc.stdout + proc.stderr


def test_a_user_geojson_written_by_gdal_is_accepted_with_its_crs84_member(tmp_path):
    """GDAL, QGIS and geopandas write a CRS84 'crs' member by default: lon/lat, so no problem."""
    import geopandas as gpd
    from shapely.geometry import Point

    path = tmp_path / "from_qgis.geojson"
    gpd.GeoDataFrame({"name": ["Khorog"]}, geometry=[Point(71.55, 37.49)], crs=4326).to_file(
        path, driver="GeoJSON")
    assert "CRS84" in json.loads(path.read_text())["crs"]["properties"]["name"]
    assert messages(path, curated=False) == []
    assert any("'crs' member" in m for m in messages(path, curated=True))  # curated: strict
    proc = subprocess.run([sys.executable, "-m", "geomap.cli", "map", "--add", str(path), "-l",
                           "gbao", "-o", str(tmp_path / "m.html")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_a_legacy_projected_user_geojson_is_checked_as_read(tmp_path):
    import geopandas as gpd
    from shapely.geometry import Point

    utm = gpd.GeoDataFrame({"name": ["Khorog"]}, geometry=[Point(71.55, 37.49)],
                           crs=4326).to_crs(32642)
    data = json.loads(utm.to_json())
    data["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32642"}}
    path = tmp_path / "utm.geojson"
    path.write_text(json.dumps(data))
    assert messages(path, curated=False) == []  # read and reprojected, not "out of range"
    data["features"] = [dict(data["features"][0], properties={"id": "k", "name": name})
                        for name in ("Khorog", "Khorog again")]
    path.write_text(json.dumps(data))
    assert messages(path, curated=False) == [f"{path}: feature k: duplicate id 'k'"]
