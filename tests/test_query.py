"""Geodesic queries checked against brute-force pyproj.Geod sampling and independent methods."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import Geod

from geomap import catalog
from geomap.errors import LayerNotFoundError, LayerReadError, QueryError
from geomap.query import (
    as_layer,
    densify,
    inside,
    intersecting,
    measure,
    nearest,
    parse_distance,
    within_distance,
)

GEOD = Geod(ellps="WGS84")

# A line from 60°E to 80°E crosses UTM zones 41-44: no single UTM zone is right for all of it.
WIDE_LINE = shapely.LineString([(60, 38), (65, 39.5), (70, 37), (75, 40), (80, 38.5)])
# A polygon spanning 62°E-78°E with a hole.
WIDE_POLYGON = shapely.Polygon(
    [(62, 36), (78, 36.5), (77, 41), (63, 40.5)], [[(68, 38), (72, 38), (72, 39), (68, 39)]]
)


def frame(geoms, **columns) -> gpd.GeoDataFrame:
    data = {"id": [f"f{i}" for i in range(len(geoms))], **columns}
    return gpd.GeoDataFrame(data, geometry=list(geoms), crs="EPSG:4326")


def random_points(n: int, seed: int, bbox=(58.0, 34.0, 82.0, 43.0)) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    west, south, east, north = bbox
    xs, ys = rng.uniform(west, east, n), rng.uniform(south, north, n)
    return frame(shapely.points(xs, ys), k=np.arange(n))


def _samples(geom: shapely.Geometry, step_m: float) -> np.ndarray:
    """Points every ``step_m`` along the geodesic edges of a line or polygon boundary."""
    lines = shapely.get_parts(shapely.boundary(geom) if geom.geom_type.endswith("Polygon")
                              else shapely.LineString(geom.coords))
    out = []
    for line in shapely.get_parts(lines):
        coords = np.asarray(line.coords)
        for (x0, y0), (x1, y1) in zip(coords[:-1], coords[1:], strict=True):
            _, _, length = GEOD.inv(x0, y0, x1, y1)
            out.append([(x0, y0)])
            if length > step_m:
                out.append(GEOD.npts(x0, y0, x1, y1, int(length // step_m)))
        out.append([tuple(coords[-1])])
    return np.array([p for chunk in out for p in chunk])


def brute_distance(lon: float, lat: float, geom: shapely.Geometry) -> float:
    """Geodesic distance from a point to ``geom`` by dense sampling, refined near the minimum."""
    if geom.geom_type == "Polygon":
        # Edges are geodesics: test containment against the densely sampled rings.
        dense = shapely.Polygon(_samples(geom.exterior, 500.0),
                                [_samples(ring, 500.0) for ring in geom.interiors])
        if dense.contains(shapely.Point(lon, lat)):
            return 0.0
    coarse = _samples(geom, 500.0)
    _, _, d = GEOD.inv(np.full(len(coarse), lon), np.full(len(coarse), lat),
                       coarse[:, 0], coarse[:, 1])
    i = int(np.argmin(d))
    lo, hi = coarse[max(i - 1, 0)], coarse[min(i + 1, len(coarse) - 1)]
    fine = []
    for a, b in ((lo, coarse[i]), (coarse[i], hi)):
        _, _, length = GEOD.inv(*a, *b)
        fine += [tuple(a)] + GEOD.npts(*a, *b, max(int(length // 0.5), 1)) + [tuple(b)]
    fine = np.array(fine)
    _, _, d = GEOD.inv(np.full(len(fine), lon), np.full(len(fine), lat), fine[:, 0], fine[:, 1])
    return float(d.min())


# --------------------------------------------------------------------------- distances


def test_parse_distance_units():
    assert parse_distance(20000) == 20000.0
    assert parse_distance("20km") == 20000.0
    assert parse_distance("500 m") == 500.0
    assert parse_distance("12 mi") == pytest.approx(12 * 1609.344)
    assert parse_distance("1.5 KM") == 1500.0
    assert parse_distance("2nmi") == 3704.0


@pytest.mark.parametrize("bad", ["twenty km", "20 furlongs", "-5km", "", "km", float("nan"),
                                 -1, True, None, "inf"])
def test_parse_distance_rejects_bad_values(bad):
    with pytest.raises(QueryError, match="bad distance"):
        parse_distance(bad)


def test_nearest_agrees_with_brute_force_geod_on_a_line_across_four_utm_zones():
    points = random_points(60, seed=1)
    result = nearest(points, frame([WIDE_LINE]))
    for lon, lat, got in zip(points.geometry.x, points.geometry.y, result["distance_m"],
                             strict=True):
        want = brute_distance(lon, lat, WIDE_LINE)
        assert got == pytest.approx(want, rel=1e-3, abs=1.0)


def test_nearest_agrees_with_brute_force_geod_on_a_polygon_with_a_hole():
    points = random_points(60, seed=2)
    result = nearest(points, frame([WIDE_POLYGON]))
    for lon, lat, got in zip(points.geometry.x, points.geometry.y, result["distance_m"],
                             strict=True):
        want = brute_distance(lon, lat, WIDE_POLYGON)
        assert got == pytest.approx(want, rel=1e-3, abs=1.0)
    assert (result["distance_m"] == 0).sum() > 10  # many points lie inside the polygon
    hole = nearest(frame([shapely.Point(70, 38.5)]), frame([WIDE_POLYGON]))["distance_m"]
    assert hole.iloc[0] == pytest.approx(brute_distance(70, 38.5, WIDE_POLYGON), rel=1e-3)
    assert hole.iloc[0] > 40_000


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lon=st.floats(55, 85), lat=st.floats(30, 48),
    vertices=st.lists(st.tuples(st.floats(60, 80), st.floats(34, 44)), min_size=2, max_size=6),
)
def test_point_to_line_distance_matches_geod_for_any_line(lon, lat, vertices):
    line = shapely.LineString(vertices)
    if line.length == 0:
        return
    got = nearest(frame([shapely.Point(lon, lat)]), frame([line]))["distance_m"].iloc[0]
    assert got == pytest.approx(brute_distance(lon, lat, line), rel=1e-3, abs=1.0)


def test_point_target_distance_is_exact_geod_inverse():
    points = random_points(200, seed=3)
    result = nearest(points, (71.0, 38.5))
    _, _, want = GEOD.inv(points.geometry.x, points.geometry.y,
                          np.full(len(points), 71.0), np.full(len(points), 38.5))
    np.testing.assert_allclose(result["distance_m"], want, rtol=1e-9)


def test_nearest_picks_the_closest_of_several_targets_and_names_it():
    targets = frame(
        [shapely.Point(68.8, 38.5), shapely.Point(75.0, 37.0), WIDE_LINE],
        name=["Dushanbe", "Murghob", "Line"],
    )
    points = random_points(100, seed=4)
    result = nearest(points, targets)
    for lon, lat, got, name in zip(points.geometry.x, points.geometry.y, result["distance_m"],
                                   result["target_name"], strict=True):
        each = [brute_distance(lon, lat, g) if g.geom_type != "Point"
                else GEOD.inv(lon, lat, g.x, g.y)[2] for g in targets.geometry]
        assert got == pytest.approx(min(each), rel=1e-3, abs=1.0)
        assert name == targets["name"].iloc[int(np.argmin(each))]


def test_line_to_line_distance_and_crossing():
    far = shapely.LineString([(61, 42), (79, 42.5)])
    crossing = shapely.LineString([(70, 36), (70, 41)])
    result = nearest(frame([far, crossing]), frame([WIDE_LINE]))
    coarse = _samples(far, 20_000.0)
    best = int(np.argmin([brute_distance(x, y, WIDE_LINE) for x, y in coarse]))
    span = shapely.LineString(coarse[max(best - 1, 0) : best + 2])
    want = min(brute_distance(x, y, WIDE_LINE) for x, y in _samples(span, 1000.0))
    assert result["distance_m"].iloc[0] == pytest.approx(want, rel=1e-3)
    assert result["distance_m"].iloc[1] == 0.0


def test_within_distance_is_exactly_the_nearest_rows_under_the_limit():
    points = random_points(3000, seed=5)
    near = nearest(points, frame([WIDE_LINE]))
    result = within_distance(points, frame([WIDE_LINE]), "50 km")
    expected = near[near["distance_m"] <= 50_000]
    assert sorted(result.index) == sorted(expected.index)
    assert list(result["distance_m"]) == sorted(result["distance_m"])  # nearest first
    np.testing.assert_allclose(result["distance_m"].sort_index(),
                               expected["distance_m"].sort_index(), rtol=1e-9)
    assert len(result) > 100


@pytest.mark.parametrize("shape", [WIDE_LINE, WIDE_POLYGON], ids=["line", "polygon"])
def test_within_distance_uses_the_cell_filter_on_many_points_without_losing_any(shape):
    # More than 20,000 points switch on the grid pre-filter; the answer must not change.
    points = random_points(40_000, seed=6, bbox=(64.0, 35.0, 76.0, 41.5))
    target = frame([shape])
    result = within_distance(points, target, "20km")
    small = [within_distance(points.iloc[i : i + 10_000], target, "20km")
             for i in range(0, 40_000, 10_000)]
    assert sorted(result.index) == sorted(np.concatenate([r.index for r in small]))
    assert len(result) > 1000
    sample = result.sample(25, random_state=0)
    for lon, lat, got in zip(sample.geometry.x, sample.geometry.y, sample["distance_m"],
                             strict=True):
        assert got == pytest.approx(brute_distance(lon, lat, shape), rel=1e-3, abs=1.0)


def test_results_keep_every_column_including_sources_and_precision():
    sources = [{"citation": "Olimova & Olimov 2021", "seed": "000", "locator": "§3.1"}]
    points = frame([shapely.Point(70, 37.3), shapely.Point(70, 40)],
                   precision=[2, 5], sources=[sources, []], name=["a", "b"])
    result = within_distance(points, frame([WIDE_LINE]), "100km")
    assert list(result.columns[: len(points.columns)]) == list(points.columns)
    assert result["sources"].iloc[0] == sources
    assert result["precision"].iloc[0] == 2
    assert result.crs.equals("EPSG:4326")


def test_empty_result_is_an_empty_frame_with_the_columns():
    result = within_distance(frame([shapely.Point(61, 43)]), frame([WIDE_LINE]), "1 km")
    assert len(result) == 0
    assert {"id", "distance_m", "target_id"} <= set(result.columns)


def test_missing_geometries_are_skipped():
    points = frame([shapely.Point(70, 37.2), None, shapely.Point()])
    result = nearest(points, frame([WIDE_LINE]))
    assert np.isfinite(result["distance_m"].iloc[0])
    assert result["distance_m"].iloc[1:].isna().all()


# --------------------------------------------------------------------------- measures


def test_measure_line_length_matches_geod_and_an_equidistant_projection():
    result = measure(frame([WIDE_LINE]))
    assert result["length_m"].iloc[0] == pytest.approx(GEOD.geometry_length(WIDE_LINE),
                                                       rel=1e-9)
    # Independent check: sum of edge lengths in a local AEQD projection of densified edges.
    dense = densify(np.array([WIDE_LINE]), 1000.0)[0]
    projected = gpd.GeoSeries([dense], crs=4326).to_crs("+proj=aeqd +lat_0=38.5 +lon_0=70")
    assert result["length_m"].iloc[0] == pytest.approx(projected.length.iloc[0], rel=5e-3)
    assert "area_km2" not in result.columns


def test_measure_polygon_area_matches_an_equal_area_projection():
    result = measure(frame([WIDE_POLYGON]))
    dense = densify(np.array([WIDE_POLYGON]), 1000.0)[0]
    laea = gpd.GeoSeries([dense], crs=4326).to_crs("+proj=laea +lat_0=38.5 +lon_0=70")
    assert result["area_km2"].iloc[0] == pytest.approx(laea.area.iloc[0] / 1e6, rel=1e-3)
    ring = shapely.Polygon(WIDE_POLYGON.exterior)
    assert result["area_km2"].iloc[0] < measure(frame([ring]))["area_km2"].iloc[0]
    perimeter = GEOD.geometry_length(WIDE_POLYGON.exterior) + GEOD.geometry_length(
        WIDE_POLYGON.interiors[0])
    assert result["perimeter_m"].iloc[0] == pytest.approx(perimeter, rel=1e-9)


def test_measure_is_independent_of_ring_orientation():
    clockwise = shapely.Polygon(list(WIDE_POLYGON.exterior.coords)[::-1])
    counter = shapely.Polygon(WIDE_POLYGON.exterior)
    got = measure(frame([clockwise, counter]))["area_km2"]
    assert got.iloc[0] == pytest.approx(got.iloc[1]) and got.iloc[0] > 0


def test_measure_points_only_is_an_error():
    with pytest.raises(QueryError, match="only points"):
        measure(frame([shapely.Point(70, 38)]))


# --------------------------------------------------------------------------- topology


def test_intersecting_lists_the_target_features_met():
    box = shapely.box(69, 36, 71, 42)
    lines = frame([WIDE_LINE, shapely.LineString([(61, 42.5), (62, 43)])])
    result = intersecting(lines, frame([box, shapely.box(79, 38, 81, 39)]))
    assert list(result["id"]) == ["f0"]
    assert result["target_ids"].iloc[0] == ["f0", "f1"]


def test_inside_clips_lines_and_measures_the_part_inside():
    box = shapely.box(65, 30, 75, 45)
    result = inside(frame([WIDE_LINE]), frame([box]))
    # WIDE_LINE's vertices at 65°E and 75°E are on the box edges: inside is exactly 65→70→75.
    want = GEOD.geometry_length(shapely.LineString([(65, 39.5), (70, 37), (75, 40)]))
    assert result["length_m"].iloc[0] == pytest.approx(want, rel=1e-6)
    assert result["fraction_inside"].iloc[0] == pytest.approx(
        want / GEOD.geometry_length(WIDE_LINE), rel=1e-6)
    assert shapely.get_coordinates(result.geometry.iloc[0])[:, 0].min() >= 65 - 1e-6


def test_inside_keeps_points_in_the_region_and_honours_tolerance():
    points = frame([shapely.Point(70, 38), shapely.Point(70.5, 38), shapely.Point(80, 38)])
    region = frame([shapely.box(68, 37, 70.4, 39)])
    assert list(inside(points, region)["id"]) == ["f0"]
    # 70.5°E is ~8.8 km east of 70.4°E at 38°N.
    assert list(inside(points, region, tolerance="10km")["id"]) == ["f0", "f1"]


def test_inside_needs_polygons():
    with pytest.raises(QueryError, match="no polygons"):
        inside(frame([shapely.Point(70, 38)]), frame([WIDE_LINE]))


# --------------------------------------------------------------------------- inputs


def test_targets_may_be_lonlat_strings_tuples_files_and_series(tmp_path):
    points = random_points(50, seed=7)
    path = tmp_path / "line.geojson"
    path.write_text(frame([WIDE_LINE]).to_json())
    by_frame = nearest(points, frame([WIDE_LINE]))["distance_m"]
    np.testing.assert_allclose(nearest(points, path)["distance_m"], by_frame)
    np.testing.assert_allclose(nearest(points, str(path))["distance_m"], by_frame)
    np.testing.assert_allclose(nearest(points, gpd.GeoSeries([WIDE_LINE], crs=4326))
                               ["distance_m"], by_frame)
    a = nearest(points, "70,38.5")["distance_m"]
    b = nearest(points, (70, 38.5))["distance_m"]
    np.testing.assert_allclose(a, b)


def test_other_crs_is_reprojected():
    points = random_points(30, seed=8)
    utm = points.to_crs(32642)
    np.testing.assert_allclose(nearest(utm, frame([WIDE_LINE]))["distance_m"],
                               nearest(points, frame([WIDE_LINE]))["distance_m"], rtol=1e-7)


def test_bad_inputs_give_clear_errors(tmp_path):
    with pytest.raises(LayerNotFoundError, match="did you mean tajik_afghan_border"):
        within_distance("mines", "tajik_afgan_border", "20km")
    no_crs = gpd.GeoDataFrame(geometry=[shapely.Point(70, 38)])
    with pytest.raises(QueryError, match="no CRS"):
        nearest(no_crs, (70, 38))
    not_layer = tmp_path / "notes.geojson"
    not_layer.write_text(json.dumps({"hello": "world"}))
    with pytest.raises(LayerReadError, match="notes.geojson"):
        nearest(frame([shapely.Point(70, 38)]), not_layer)
    empty = tmp_path / "empty.geojson"
    empty.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": "x"}, "geometry": None}]}))
    with pytest.raises(QueryError, match="empty.geojson: has no geometry"):
        nearest(frame([shapely.Point(70, 38)]), empty)
    with pytest.raises(QueryError, match="lon,lat"):
        nearest(frame([shapely.Point(70, 38)]), "200,38")
    with pytest.raises(LayerReadError, match="no such file"):
        as_layer("missing/file.geojson")


# --------------------------------------------------------------------------- curated layers

# Published figures. Sources: CIA World Factbook, Tajikistan, Geography - Land boundaries
# (Afghanistan 1,357 km, China 477 km); GBAO area 64,200 km² (Tajik statistics agency, as given
# in Wikipedia's infobox). The curated lines are Natural Earth 1:10m edges: at that scale vertices
# are ~1-3 km apart, so the Panj's meanders and the Pamir ridge's bends are cut and a measured
# line can only come out *shorter* than the surveyed one, by up to about a fifth for rivers and
# ridges (Richardson effect); areas lose and gain on both sides of the generalised edge and
# stay within 2 %.
PUBLISHED_LENGTHS_KM = {"tajik_afghan_border": 1357.0, "tajik_china_border": 477.0}
PUBLISHED_GBAO_KM2 = 64_200.0


def _curated(name: str) -> None:
    if name not in catalog.layer_names():
        pytest.skip(f"curated layer {name} is not in the catalog yet")


@pytest.mark.parametrize("name", sorted(PUBLISHED_LENGTHS_KM))
def test_border_lengths_land_close_to_the_published_figures(name):
    _curated(name)
    length_km = measure(name)["length_m"].sum() / 1000
    published = PUBLISHED_LENGTHS_KM[name]
    assert 0.80 * published <= length_km <= published


def test_gbao_area_lands_close_to_the_published_figure():
    _curated("gbao")
    area = measure("gbao")["area_km2"].sum()
    assert area == pytest.approx(PUBLISHED_GBAO_KM2, rel=0.02)


def test_question_chinese_posts_within_20km_of_the_afghan_border():
    for name in ("chinese_security_sites", "tajik_afghan_border"):
        _curated(name)
    sites, border = catalog.read_layer("chinese_security_sites"), catalog.read_layer(
        "tajik_afghan_border")
    result = within_distance("chinese_security_sites", "tajik_afghan_border", "20km")
    assert 0 < len(result) < len(sites)
    line = border.geometry.iloc[0]
    for _, row in sites.iterrows():
        d = brute_distance(row.geometry.x, row.geometry.y, line)
        assert (row["id"] in set(result["id"])) == (d <= 20_000), row["id"]
    assert all(isinstance(s, list) and s for s in result["sources"])
    assert result["precision"].notna().all()


def test_question_201st_base_sites_distance_to_the_border():
    for name in ("russian_military", "tajik_afghan_border"):
        _curated(name)
    line = catalog.read_layer("tajik_afghan_border").geometry.iloc[0]
    result = nearest("russian_military", "tajik_afghan_border")
    assert result["distance_m"].notna().all()
    for _, row in result.iterrows():
        want = brute_distance(row.geometry.x, row.geometry.y, line)
        assert row["distance_m"] == pytest.approx(want, rel=1e-3, abs=1.0)


def test_question_border_length_along_gbao():
    for name in ("tajik_afghan_border", "gbao"):
        _curated(name)
    total = measure("tajik_afghan_border")["length_m"].sum()
    along = inside("tajik_afghan_border", "gbao")["length_m"].sum()
    # GBAO's south and west edge is the Panj: a large share, but not all, of the border.
    assert 0.4 * total < along < 0.9 * total
    grown = inside("tajik_afghan_border", "gbao", tolerance="1km")["length_m"].sum()
    assert along <= grown <= along * 1.01 + 2000


@pytest.mark.slow
def test_benchmark_runs_and_geomap_agrees_with_brute_force_where_bare_differs():
    import importlib.util
    from pathlib import Path

    _curated("tajik_afghan_border")
    path = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_query.py"
    spec = importlib.util.spec_from_file_location("bench_query", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    report = bench.run([20_000], repeats=1)
    row = report["rows"][0]
    assert row["matches_geomap"] > 0
    assert row["geomap_right_of_checked"] == row["disagree_checked"]


def test_question_bri_highways_crossing_gbao():
    for name in ("bri_highways", "gbao"):
        _curated(name)
    highways, gbao = catalog.read_layer("bri_highways"), catalog.read_layer("gbao")
    result = intersecting("bri_highways", "gbao")
    # Independent check: the same test on the densely sampled geodesic lines, in lon/lat.
    region = gbao.geometry.iloc[0]
    expected = {
        row["id"] for _, row in highways.iterrows()
        if any(region.intersects(shapely.LineString(_samples(part, 200.0)))
               for part in shapely.get_parts(row.geometry))
    }
    assert set(result["id"]) == expected
    assert all(ids == [gbao["id"].iloc[0]] for ids in result["target_ids"])


def test_question_mines_within_50km_of_a_bri_highway():
    for name in ("mines", "bri_highways"):
        _curated(name)
    mines, highways = catalog.read_layer("mines"), catalog.read_layer("bri_highways")
    result = within_distance("mines", "bri_highways", "50km").set_index("id")
    for _, mine in mines.iterrows():
        each = {h["id"]: min(brute_distance(mine.geometry.x, mine.geometry.y, part)
                             for part in shapely.get_parts(h.geometry))
                for _, h in highways.iterrows()}
        closest = min(each, key=each.get)
        assert (mine["id"] in result.index) == (each[closest] <= 50_000), mine["id"]
        if mine["id"] in result.index:
            assert result.loc[mine["id"], "target_id"] == closest
            assert result.loc[mine["id"], "distance_m"] == pytest.approx(each[closest],
                                                                         rel=1e-3, abs=1.0)


def test_within_distance_names_the_nearest_of_several_targets():
    targets = frame([WIDE_LINE, shapely.LineString([(64, 37.5), (76, 39.3)]),
                     shapely.Point(70, 38)], name=["wide", "diagonal", "dot"])
    points = random_points(2000, seed=9, bbox=(63, 35.5, 77, 41))
    near = nearest(points, targets)
    result = within_distance(points, targets, "60km")
    expected = near[near["distance_m"] <= 60_000]
    assert sorted(result.index) == sorted(expected.index)
    nearest_ids = expected["target_id"].reindex(result.index)
    assert (result["target_id"] == nearest_ids).all()
    assert set(result["target_name"]) == {"wide", "diagonal", "dot"}


def test_far_away_points_anywhere_on_earth_match_geod():
    cities = [(-74.0, 40.7), (151.2, -33.9), (-109.0, -38.0), (0.0, 0.0), (37.6, 55.75),
              (116.4, 39.9), (-150.0, 70.0)]
    result = nearest(frame([shapely.Point(c) for c in cities]), frame([WIDE_LINE]))
    for (lon, lat), got in zip(cities, result["distance_m"], strict=True):
        assert got == pytest.approx(brute_distance(lon, lat, WIDE_LINE), rel=1e-3)


def test_inside_leaves_out_features_that_only_touch_the_region():
    region = shapely.box(68, 37, 70, 39)
    neighbours = frame([shapely.box(70, 37, 72, 39), shapely.box(69, 38, 71, 40),
                        shapely.LineString([(70, 36), (71, 36), (70, 37.5)])])
    result = inside(neighbours, frame([region]))
    assert list(result["id"]) == ["f1"]  # f0 shares an edge, f2 touches at one point
    assert result["fraction_inside"].iloc[0] == pytest.approx(0.25, rel=0.02)


def test_points_near_the_bulge_of_a_long_geodesic_edge_are_found():
    # A 40°-long edge along 60°N bulges 1.5° north of its end points.
    edge = frame([shapely.LineString([(40, 60), (80, 60)])])
    mid_lon, mid_lat = GEOD.npts(40, 60, 80, 60, 1)[0]
    assert mid_lat > 61.5  # 170 km north of the end points
    probe = frame([shapely.Point(mid_lon, mid_lat + 0.05)])
    result = within_distance(probe, edge, "10km")
    assert len(result) == 1
    assert result["distance_m"].iloc[0] == pytest.approx(
        brute_distance(mid_lon, mid_lat + 0.05, edge.geometry.iloc[0]), rel=1e-3)


@pytest.mark.parametrize("limit", [None, "40km"])
def test_many_target_features_go_through_the_tree_with_the_same_answer(monkeypatch, limit):
    import geomap.query as query

    rng = np.random.default_rng(10)
    sites = list(shapely.points(rng.uniform(62, 78, 30), rng.uniform(35, 42, 30)))
    roads = [shapely.LineString(rng.uniform([62, 35], [78, 42], (3, 2))) for _ in range(6)]
    corners = rng.uniform([62, 35], [77, 41], (4, 2))
    zones = [shapely.box(x, y, x + 0.5, y + 0.4) for x, y in corners]
    targets = frame(sites + roads + zones)
    # Over 20,000 points also runs the cell filter through the tree.
    points = random_points(30_000 if limit else 8_000, seed=11, bbox=(61, 34, 79, 43))

    def run():
        if limit is None:
            return nearest(points, targets)
        return within_distance(points, targets, limit).sort_index()

    monkeypatch.setattr(query, "_LOOP_MAX_FEATURES", 1000)
    by_feature = run()
    monkeypatch.setattr(query, "_LOOP_MAX_FEATURES", 0)
    by_tree = run()
    assert len(targets) > 16 and len(by_tree) > 1000
    np.testing.assert_allclose(by_tree["distance_m"], by_feature["distance_m"], rtol=1e-9)
    assert list(by_tree["target_id"]) == list(by_feature["target_id"])
    sample = by_tree.sample(20, random_state=1)
    for lon, lat, got in zip(sample.geometry.x, sample.geometry.y, sample["distance_m"],
                             strict=True):
        want = min(brute_distance(lon, lat, g) if g.geom_type != "Point"
                   else GEOD.inv(lon, lat, g.x, g.y)[2] for g in targets.geometry)
        assert got == pytest.approx(want, rel=1e-3, abs=1.0)
