"""Honest answers when a feature's site is uncertain: ``within`` = certain / possible / unknown.

Features are placed at known geodesic distances with ``pyproj.Geod.fwd``, so each mode's edge
(``distance_m ± coordinate_uncertainty_m`` against the distance asked) is checked a metre either
side.
"""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
import shapely
from click.testing import CliRunner
from geopandas.testing import assert_geodataframe_equal
from pyproj import Geod

from geomap import catalog
from geomap.cli import cli, main
from geomap.errors import QueryError
from geomap.query import UNCERTAINTY_MODES, inside, nearest, within_distance

GEOD = Geod(ellps="WGS84")
CENTRE = (70.0, 38.0)
D = 20_000.0
NAN = float("nan")
#: id -> (geodesic distance from CENTRE in m, coordinate_uncertainty_m, azimuth)
CASES = {
    "exact-in": (19_999.0, 0.0, 10),
    "exact-out": (20_001.0, 0.0, 50),
    "edge-certain": (15_000.0, 4_999.0, 90),
    "edge-possible": (15_000.0, 5_001.0, 130),
    "beyond-possible": (25_000.0, 5_001.0, 170),
    "beyond-out": (25_000.0, 4_999.0, 210),
    "far-possible": (300_000.0, 285_000.0, 250),  # found only by widening the search
    "unknown-in": (10_000.0, NAN, 290),
    "unknown-out": (30_000.0, NAN, 330),
    "negative-in": (5_000.0, -1.0, 350),  # not a usable radius: unknown
}
#: what each mode returns: id -> within
EXPECTED = {
    "point": {"exact-in": "certain", "edge-certain": "certain", "edge-possible": "possible",
              "unknown-in": "unknown", "negative-in": "unknown"},
    "certain": {"exact-in": "certain", "edge-certain": "certain"},
    "possible": {"exact-in": "certain", "edge-certain": "certain", "edge-possible": "possible",
                 "beyond-possible": "possible", "far-possible": "possible",
                 "unknown-in": "unknown", "negative-in": "unknown"},
}


def at(distance: float, azimuth: float, origin: tuple[float, float] = CENTRE) -> shapely.Point:
    lon, lat, _ = GEOD.fwd(origin[0], origin[1], azimuth, distance)
    return shapely.Point(lon, lat)


def sites(cases: dict = CASES) -> gpd.GeoDataFrame:
    ids = list(cases)
    return gpd.GeoDataFrame(
        {"id": ids, "coordinate_uncertainty_m": [cases[i][1] for i in ids]},
        geometry=[at(cases[i][0], cases[i][2]) for i in ids], crs="EPSG:4326",
    )


def centre() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"id": ["c"], "name": ["Centre"]}, geometry=[shapely.Point(CENTRE)],
                            crs="EPSG:4326")


def answer(result: gpd.GeoDataFrame) -> dict[str, str]:
    return dict(zip(result["id"], result["within"], strict=True))


# --------------------------------------------------------------------------- within_distance


@pytest.mark.parametrize("mode", UNCERTAINTY_MODES)
def test_each_mode_keeps_exactly_the_rows_its_rule_allows(mode):
    result = within_distance(sites(), centre(), "20km", uncertainty=mode)
    assert answer(result) == EXPECTED[mode]
    assert list(result["distance_m"]) == sorted(result["distance_m"])
    for fid, distance in zip(result["id"], result["distance_m"], strict=True):
        assert distance == pytest.approx(CASES[fid][0], abs=1e-3)  # measured geodesically
    assert result.columns.get_loc("within") == result.columns.get_loc("distance_m") + 1


def test_point_mode_is_todays_answer_plus_the_within_column():
    today = within_distance(sites(), centre(), "20km")
    point = within_distance(sites(), centre(), D, uncertainty="point")
    assert_geodataframe_equal(point, today)
    plain = sites().drop(columns="coordinate_uncertainty_m")
    assert list(within_distance(plain, centre(), "20km")["id"]) == list(today["id"])


def test_an_uncertainty_exactly_reaching_the_distance_is_certain():
    gdf = sites({"edge": (12_345.0, 0.0, 45)})
    measured = float(within_distance(gdf, centre(), D)["distance_m"].iloc[0])
    gdf["coordinate_uncertainty_m"] = D - measured  # distance_m + u == d
    assert answer(within_distance(gdf, centre(), D, uncertainty="certain")) == {"edge": "certain"}
    gdf["coordinate_uncertainty_m"] = measured + D  # distance_m - u == -d: possible, not certain
    assert answer(within_distance(gdf, centre(), D, uncertainty="possible")) == {
        "edge": "possible"}
    assert within_distance(gdf, centre(), D, uncertainty="certain").empty


def test_line_target_and_a_meridian_measured_at_right_angles():
    meridian = gpd.GeoDataFrame({"id": ["m"]}, geometry=[shapely.LineString([(70, 37), (70, 39)])],
                                crs="EPSG:4326")
    cases = {"in": (18_000.0, 1_990.0, 90), "out": (18_000.0, 2_010.0, 90),
             "far": (60_000.0, 40_010.0, 270), "farther": (60_000.0, 39_990.0, 270)}
    certain = within_distance(sites(cases), meridian, D, uncertainty="certain")
    assert answer(certain) == {"in": "certain"}
    assert certain["distance_m"].iloc[0] == pytest.approx(18_000.0, abs=1.0)
    possible = within_distance(sites(cases), meridian, D, uncertainty="possible")
    assert answer(possible) == {"in": "certain", "out": "possible", "far": "possible"}


def test_possible_mode_widens_the_indexed_search_by_the_largest_uncertainty():
    """30,000 far points take the grid path; the one that may be within is still found."""
    rng = np.random.default_rng(7)
    n = 30_000
    lon, lat = rng.uniform(74.0, 75.0, n), rng.uniform(40.0, 41.0, n)
    gdf = gpd.GeoDataFrame(
        {"id": [f"p{i}" for i in range(n)], "coordinate_uncertainty_m": np.full(n, 10.0)},
        geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326",
    )
    extra = sites({"far-possible": CASES["far-possible"], "beyond-out": CASES["beyond-out"]})
    gdf = gpd.GeoDataFrame(
        np.concatenate([gdf.to_numpy(), extra[gdf.columns].to_numpy()]),
        columns=gdf.columns, geometry="geometry", crs="EPSG:4326",
    )
    assert within_distance(gdf, centre(), D).empty
    assert answer(within_distance(gdf, centre(), D, uncertainty="possible")) == {
        "far-possible": "possible"}


def test_a_layer_without_uncertainty_column_is_unknown_and_cannot_be_certain():
    plain = sites().drop(columns="coordinate_uncertainty_m")
    result = within_distance(plain, centre(), D)
    assert set(result["within"]) == {"unknown"}
    for mode in ("certain", "possible"):
        with pytest.raises(QueryError, match="no coordinate_uncertainty_m column"):
            within_distance(plain, centre(), D, uncertainty=mode)


def test_uncertainty_column_with_gaps_and_text_reads_as_unknown():
    gdf = sites({"a": (1_000.0, 10.0, 0), "b": (2_000.0, NAN, 90), "c": (3_000.0, NAN, 180)})
    gdf["coordinate_uncertainty_m"] = [10, None, "5 km"]
    assert answer(within_distance(gdf, centre(), D)) == {
        "a": "certain", "b": "unknown", "c": "unknown"}


@pytest.mark.parametrize("mode", ["maybe", "", None, "Certain"])
def test_a_bad_mode_lists_the_choices(mode):
    with pytest.raises(QueryError, match="expected one of point, certain, possible"):
        within_distance(sites(), centre(), D, uncertainty=mode)


def test_the_dask_engine_gives_the_same_rows_in_every_mode():
    dask_geopandas = pytest.importorskip("dask_geopandas")
    gdf = sites()
    ddf = dask_geopandas.from_geopandas(gdf, npartitions=3)  # each partition: its own radius
    for mode in UNCERTAINTY_MODES:
        local = within_distance(gdf, centre(), D, uncertainty=mode)
        remote = within_distance(ddf, centre(), D, uncertainty=mode, engine="dask")
        assert_geodataframe_equal(remote.sort_index(), local.sort_index(),
                                  check_dtype=False, check_index_type=False)
        assert answer(remote) == EXPECTED[mode]
    plain = dask_geopandas.from_geopandas(gdf.drop(columns="coordinate_uncertainty_m"),
                                          npartitions=2)
    with pytest.raises(QueryError, match="no coordinate_uncertainty_m column"):
        within_distance(plain, centre(), D, uncertainty="certain", engine="dask")


def test_the_2016_border_posts_are_possibly_not_certainly_within_20km():
    for name in ("chinese_security_sites", "tajik_afghan_border"):
        if name not in catalog.layer_names():
            pytest.skip(f"curated layer {name} is not in the catalog yet")
    posts = "cn-border-command-posts-2016"
    point = within_distance("chinese_security_sites", "tajik_afghan_border", "20km")
    row = point.set_index("id").loc[posts]
    assert row["distance_m"] < 100 and row["coordinate_uncertainty_m"] == 280_000
    assert row["within"] == "possible"
    certain = within_distance("chinese_security_sites", "tajik_afghan_border", "20km",
                              uncertainty="certain")
    assert posts not in set(certain["id"])
    assert (certain["distance_m"] + certain["coordinate_uncertainty_m"] <= 20_000).all()
    possible = within_distance("chinese_security_sites", "tajik_afghan_border", "20km",
                               uncertainty="possible")
    assert set(point["id"]) <= set(possible["id"])
    assert answer(possible)[posts] == "possible"
    gained = possible[~possible["id"].isin(point["id"])]
    assert (gained["distance_m"] > 20_000).all()
    assert (gained["distance_m"] - gained["coordinate_uncertainty_m"] <= 20_000).all()


# --------------------------------------------------------------------------- nearest, inside


def test_nearest_gives_the_range_the_real_distance_lies_in():
    cases = {"a": (50_000.0, 10_000.0, 0), "b": (5_000.0, 8_000.0, 90), "c": (7_000.0, NAN, 180)}
    result = nearest(sites(cases), centre()).set_index("id")
    assert result.loc["a", "distance_min_m"] == pytest.approx(40_000.0, abs=1e-3)
    assert result.loc["a", "distance_max_m"] == pytest.approx(60_000.0, abs=1e-3)
    assert result.loc["b", "distance_min_m"] == 0.0  # clipped: it may be on the target
    assert result.loc["b", "distance_max_m"] == pytest.approx(13_000.0, abs=1e-3)
    assert np.isnan(result.loc["c", "distance_min_m"])
    assert np.isnan(result.loc["c", "distance_max_m"])
    plain = sites(cases).drop(columns="coordinate_uncertainty_m")
    assert "distance_min_m" not in nearest(plain, centre()).columns


def test_inside_says_whether_the_uncertainty_circle_stays_inside():
    region = gpd.GeoDataFrame({"id": ["r"]}, geometry=[shapely.box(70, 37, 72, 39)],
                              crs="EPSG:4326")
    west = (70.0, 38.0)  # points east of the west edge (a meridian) by a known distance
    gdf = gpd.GeoDataFrame(
        {"id": ["deep", "edge", "nou", "line-deep", "line-shallow"],
         "coordinate_uncertainty_m": [9_990.0, 10_010.0, NAN, 5_000.0, 100_000.0]},
        geometry=[at(10_000, 90, west), at(10_000, 90, west), at(10_000, 90, west),
                  shapely.LineString([(69.5, 38), (70.5, 38)]),
                  shapely.LineString([(69.5, 38.2), (70.5, 38.2)])],
        crs="EPSG:4326",
    )
    assert answer(inside(gdf, region)) == {"deep": "certain", "edge": "possible",
                                           "nou": "unknown", "line-deep": "certain",
                                           "line-shallow": "possible"}
    plain = inside(gdf.drop(columns="coordinate_uncertainty_m"), region)
    assert set(plain["within"]) == {"unknown"}


# --------------------------------------------------------------------------- CLI


@pytest.fixture
def site_file(tmp_path):
    path = tmp_path / "sites.geojson"
    sites().to_file(path)
    return path


@pytest.mark.parametrize("mode", UNCERTAINTY_MODES)
def test_cli_flag_filters_and_the_table_shows_within_next_to_the_distance(site_file, mode):
    result = CliRunner().invoke(
        cli, ["query", "within-distance", str(site_file), "--of", "70,38", "-d", "20km",
              "--uncertainty", mode], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    header, *rows, summary = result.stdout.splitlines()
    columns = header.split()
    assert columns.index("within") == columns.index("distance_km") + 1
    got = {row.split()[0]: row.split()[columns.index("within")] for row in rows}
    assert got == EXPECTED[mode]
    assert summary.startswith(f"{len(EXPECTED[mode])} feature(s)")


@pytest.mark.parametrize("fmt", ["csv", "json", "geojson"])
def test_cli_files_carry_the_within_column(site_file, fmt):
    result = CliRunner().invoke(
        cli, ["query", "within-distance", str(site_file), "--of", "70,38", "-d", "20km",
              "--uncertainty", "possible", "-f", fmt], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    if fmt == "csv":
        header, *rows = result.stdout.splitlines()
        column = header.split(",").index("within")
        got = {row.split(",")[0]: row.split(",")[column] for row in rows}
    elif fmt == "json":
        got = {r["id"]: r["within"] for r in json.loads(result.stdout)}
    else:
        features = json.loads(result.stdout)["features"]
        got = {f["properties"]["id"]: f["properties"]["within"] for f in features}
    assert got == EXPECTED["possible"]


def test_cli_help_explains_the_flag():
    result = CliRunner().invoke(cli, ["query", "within-distance", "--help"])
    assert "--uncertainty [point|certain|possible]" in result.stdout
    assert "within" in result.stdout


def test_cli_bad_value_is_one_line_and_exit_2(site_file, capsys):
    code = main(["query", "within-distance", str(site_file), "--of", "70,38", "-d", "20km",
                 "--uncertainty", "maybe"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err == ("geomap: error: unknown uncertainty 'maybe': "
                   "expected one of point, certain, possible\n")


def test_cli_empty_certain_answer_says_certainly(site_file, capsys):
    code = main(["query", "within-distance", str(site_file), "--of", "70,38", "-d", "1km",
                 "--uncertainty", "certain"])
    out, err = capsys.readouterr()
    assert code == 0 and out == ""
    assert err == (f"geomap: no features of {site_file} certainly lie within 1km of 70,38 "
                   "(try --uncertainty possible)\n")
