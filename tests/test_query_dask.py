"""``engine="dask"``: the same answers over partitioned GeoParquet on a 2-worker local cluster."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from geomap.cli import main
from geomap.query import inside, intersecting, measure, nearest, within_distance

distributed = pytest.importorskip("distributed")
pytest.importorskip("dask_geopandas")

pytestmark = pytest.mark.slow

BORDER = shapely.LineString([(67.3, 37.2), (69.5, 37.1), (71.5, 37.6), (72.5, 37.0), (75.0, 37.4)])
REGION = shapely.box(71.0, 36.5, 75.2, 39.5)
N, PARTS = 40_000, 4


@pytest.fixture(scope="module")
def events(tmp_path_factory):
    """Synthetic event points in Tajikistan's box, written as 4 GeoParquet partitions."""
    rng = np.random.default_rng(42)
    lon, lat = rng.uniform(67.3, 75.2, N), rng.uniform(36.7, 41.1, N)
    gdf = gpd.GeoDataFrame(
        {"id": [f"e{i}" for i in range(N)], "precision": rng.integers(1, 10, N)},
        geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326",
    )
    folder = tmp_path_factory.mktemp("events") / "events.parquet"
    folder.mkdir()
    for part, chunk in enumerate(np.array_split(np.arange(N), PARTS)):
        gdf.iloc[chunk].to_parquet(folder / f"part.{part}.parquet")
    return gdf, folder


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            yield client


def border() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"id": ["border"], "name": ["Border"]}, geometry=[BORDER],
                            crs="EPSG:4326")


def same(dask_result: gpd.GeoDataFrame, local_result: gpd.GeoDataFrame) -> None:
    assert_geodataframe_equal(dask_result.sort_index(), local_result.sort_index(),
                              check_dtype=False, check_index_type=False)


def test_within_distance_on_the_cluster_matches_the_local_engine(events, client):
    gdf, folder = events
    got = within_distance(folder, border(), "20km", engine="dask")
    want = within_distance(gdf, border(), "20km")
    assert len(want) > 1000
    assert client.run(lambda: True)  # both workers are alive
    assert len(client.scheduler_info()["workers"]) == 2
    same(got, want)
    assert list(got["distance_m"]) == sorted(got["distance_m"])


def test_nearest_measure_inside_intersecting_on_the_cluster(events, client):
    gdf, folder = events
    same(nearest(folder, border(), engine="dask"), nearest(gdf, border()))
    region = gpd.GeoDataFrame({"id": ["r"]}, geometry=[REGION], crs="EPSG:4326")
    same(inside(folder, region, engine="dask"), inside(gdf, region))
    same(intersecting(folder, region, engine="dask"), intersecting(gdf, region))
    lines = gpd.GeoDataFrame({"id": ["a", "b"]}, geometry=[BORDER, REGION.boundary], crs=4326)
    same(measure(lines, engine="dask"), measure(lines))


def test_cli_engine_dask_with_a_scheduler_address(events, client, capsys):
    gdf, folder = events
    path = folder.parent / "border.geojson"
    border().to_file(path)
    code = main(["query", "within-distance", str(folder), "--of", str(path), "-d", "10km",
                 "--engine", "dask", "--scheduler", client.scheduler.address, "-f", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    rows = json.loads(out)
    want = within_distance(gdf, border(), "10km")
    assert [r["id"] for r in rows] == list(want["id"])
    np.testing.assert_allclose([r["distance_m"] for r in rows], want["distance_m"])


def test_unreadable_parquet_is_one_clear_line(tmp_path, capsys):
    bad = tmp_path / "broken.parquet"
    bad.write_text("not parquet")
    code = main(["query", "nearest", str(bad), "--to", "70,38", "--engine", "dask"])
    _, err = capsys.readouterr()
    assert code == 2 and err.startswith(f"geomap: error: {bad}: cannot read as GeoParquet")
    assert err.count("\n") == 1


def test_dask_keeps_sources_lists_of_a_curated_layer(client):
    from geomap import catalog

    for name in ("chinese_security_sites", "tajik_afghan_border"):
        if name not in catalog.layer_names():
            pytest.skip(f"curated layer {name} is not in the catalog yet")
    got = within_distance("chinese_security_sites", "tajik_afghan_border", "20km", engine="dask")
    want = within_distance("chinese_security_sites", "tajik_afghan_border", "20km")
    assert list(got["id"]) == list(want["id"])
    assert list(got["sources"]) == list(want["sources"])
    assert all(isinstance(s, list) and s for s in got["sources"])
