"""``--layer NAME`` for multi-layer files in ``geomap map --add`` and ``geomap query``.

Also: every query reads files through :func:`geomap.read_file`, so a GeoParquet file that
``geomap export`` wrote keeps its lists (``sources``, ``alt_names``) in query answers.
"""

from __future__ import annotations

import json
import subprocess

import geopandas as gpd
import pytest
import shapely
from click.testing import CliRunner

import geomap
from geomap import catalog
from geomap.cli import cli, main
from geomap.errors import LayerReadError
from geomap.query import within_distance

SOURCES = [{"citation": "Olimova & Olimov 2021", "seed": "000_3482db23aa8818ee.txt",
            "locator": "p. 14"}]
# Layer "a": two points far north of the Afghan border; layer "b": two points on or near it
# (the Panj near Nizhny Panj, and Ishkashim) and one far away in the Sughd region.
A_POINTS = {"a-khujand": (69.62, 40.28), "a-isfara": (70.63, 40.12)}
B_POINTS = {"b-panj": (69.10, 37.25), "b-ishkashim": (71.61, 36.73), "b-far": (69.0, 40.0)}


def _frame(points: dict[str, tuple[float, float]], crs: str = "EPSG:4326") -> gpd.GeoDataFrame:
    gdf = gpd.GeoDataFrame(
        {"id": list(points), "name": [f"Site {key}" for key in points]},
        geometry=[shapely.Point(xy) for xy in points.values()], crs="EPSG:4326",
    )
    return gdf.to_crs(crs)


@pytest.fixture
def two_layers(tmp_path):
    """A GeoPackage with layers ``a`` (WGS84) and ``b`` (stored in UTM 42N, to be reprojected)."""
    path = tmp_path / "two_layers.gpkg"
    _frame(A_POINTS).to_file(path, layer="a", driver="GPKG")
    _frame(B_POINTS, "EPSG:32642").to_file(path, layer="b", driver="GPKG", mode="a")
    return path


def _page_layers(path) -> dict[str, list[str]]:
    """Layer name -> ids of its features, from the JSON the map page embeds."""
    text = path.read_text(encoding="utf-8")
    start = text.index('<script type="application/json"')
    start = text.index(">", start) + 1
    data = json.loads(text[start:text.index("</script>", start)])
    return {layer["name"]: [row[1].get("id") for row in layer["features"]]
            for layer in data["layers"]}


# ------------------------------------------------------------------------------- geomap map


def test_map_add_multi_layer_file_draws_the_chosen_layer(tiny_catalog, two_layers, tmp_path):
    out = tmp_path / "map.html"
    result = CliRunner().invoke(cli, ["map", "--add", str(two_layers), "--layer", "b",
                                      "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    layers = _page_layers(out)
    # the curated layers are all still drawn: "b" chose the file's layer, not a curated one
    assert {"countries", "places", "test_border", "test_sites"} <= set(layers)
    assert sorted(layers["b"]) == sorted(B_POINTS)
    assert not any(set(ids) & set(A_POINTS) for ids in layers.values())


def test_map_layer_option_still_chooses_curated_layers_beside_a_file_layer(
        tiny_catalog, two_layers, tmp_path):
    out = tmp_path / "map.html"
    code = main(["map", "-l", "test_sites", "--add", str(two_layers), "--layer", "a",
                 "-o", str(out)])
    assert code == 0
    layers = _page_layers(out)
    assert list(layers) == ["countries", "places", "test_sites", "a"]
    assert sorted(layers["a"]) == sorted(A_POINTS)


def test_map_add_multi_layer_file_without_layer_is_one_line_listing_the_layers(
        tiny_catalog, two_layers, tmp_path, capsys):
    out = tmp_path / "map.html"
    code = main(["map", "--add", str(two_layers), "-o", str(out)])
    _, err = capsys.readouterr()
    assert code != 0 and not out.exists()
    assert err.count("\n") == 1 and err.startswith(f"geomap: error: {two_layers}: ")
    assert "2 layers (a, b)" in err and "--layer NAME" in err


def test_map_layer_in_no_file_and_no_catalog_is_one_line(tiny_catalog, two_layers, tmp_path,
                                                          capsys):
    single = tmp_path / "mine.geojson"
    single.write_text(_frame({"x": (70.0, 38.0)}).to_json(drop_id=True), encoding="utf-8")
    out = tmp_path / "map.html"
    code = main(["map", "--add", str(single), "--layer", "nope", "-o", str(out)])
    _, err = capsys.readouterr()
    assert code != 0 and not out.exists() and err.count("\n") == 1
    assert "'nope'" in err and str(single) in err


def test_render_map_layer_keyword_reads_the_chosen_layer(tiny_catalog, two_layers):
    m = geomap.render_map(add=[two_layers], layer="a")
    assert m.geomap_counts["a"] == len(A_POINTS)
    m = geomap.render_map(add=[f"{two_layers}|layername=b"])
    assert m.geomap_counts["b"] == len(B_POINTS)
    with pytest.raises(LayerReadError, match=r"has no layer 'c' \(its layers: a, b\)"):
        geomap.render_map(add=[two_layers], layer="c")


# ----------------------------------------------------------------------------- geomap query


def _border() -> str:
    if "tajik_afghan_border" not in catalog.layer_names():
        pytest.skip("curated layer tajik_afghan_border is not in the catalog yet")
    return "tajik_afghan_border"


def test_query_within_distance_answers_from_the_chosen_layer(two_layers, capsys):
    border = _border()
    code = main(["query", "within-distance", str(two_layers), "--layer", "b", "--of", border,
                 "--distance", "50km", "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    rows = json.loads(out)
    assert sorted(r["id"] for r in rows) == ["b-ishkashim", "b-panj"]
    assert all(r["distance_m"] <= 50_000 for r in rows)
    # the same answer as querying layer b's features directly
    want = within_distance(_frame(B_POINTS), border, "50km")
    assert [r["id"] for r in rows] == list(want["id"])


def test_query_layer_applies_to_a_multi_layer_target(two_layers, tmp_path, capsys):
    point = tmp_path / "point.geojson"
    point.write_text(_frame({"p": (69.62, 40.30)}).to_json(drop_id=True), encoding="utf-8")
    code = main(["query", "nearest", str(point), "--to", str(two_layers), "--layer", "a",
                 "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    (row,) = json.loads(out)
    assert row["target_id"] == "a-khujand" and row["distance_m"] < 3_000


def test_query_multi_layer_file_without_layer_is_one_line(two_layers, capsys):
    code = main(["query", "measure", str(two_layers)])
    _, err = capsys.readouterr()
    assert code != 0 and err.count("\n") == 1
    assert "2 layers (a, b)" in err and "--layer NAME" in err


def test_query_layer_that_names_nothing_is_one_line(two_layers, capsys):
    code = main(["query", "nearest", str(two_layers), "--to", "70,38", "--layer", "zzz"])
    _, err = capsys.readouterr()
    assert code != 0 and err.count("\n") == 1
    assert "has no layer 'zzz' (its layers: a, b)" in err


def test_query_layer_without_any_multi_layer_file_is_refused(capsys):
    code = main(["query", "nearest", "70,38", "--to", "71,38", "--layer", "b"])
    _, err = capsys.readouterr()
    assert code == 2 and err.count("\n") == 1
    assert "layer 'b' is for a file that holds several layers" in err


def test_query_layer_keyword_in_python(two_layers):
    got = within_distance(two_layers, "69.6,40.3", "10km", layer="a")
    assert list(got["id"]) == ["a-khujand"]


# ------------------------------------------------------------------ exported GeoParquet


def test_exported_geoparquet_keeps_sources_as_lists_in_query_output(tmp_path, capsys):
    gdf = _frame(B_POINTS)
    gdf["sources"] = [SOURCES] * len(gdf)
    gdf["alt_names"] = [["Panj"], [], ["Far"]]
    parquet = tmp_path / "sites.parquet"
    geomap.write_layer(gdf, parquet)
    code = main(["query", "within-distance", str(parquet), "--of", "69.1,37.3",
                 "--distance", "500km", "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    rows = {r["id"]: r for r in json.loads(out)}
    assert set(rows) == set(B_POINTS)
    assert all(r["sources"] == SOURCES for r in rows.values())
    assert rows["b-panj"]["alt_names"] == ["Panj"] and rows["b-ishkashim"]["alt_names"] == []


def test_exported_geoparquet_keeps_lists_with_the_dask_engine(tmp_path):
    pytest.importorskip("dask_geopandas")
    gdf = _frame(B_POINTS)
    gdf["sources"] = [SOURCES] * len(gdf)
    parquet = tmp_path / "sites.parquet"
    geomap.write_layer(gdf, parquet)
    got = within_distance(parquet, "69.1,37.3", "500km", engine="dask")
    assert sorted(got["id"]) == sorted(B_POINTS)
    assert all(s == SOURCES for s in got["sources"])


def test_partitioned_geoparquet_folder_keeps_lists(tmp_path):
    gdf = _frame(B_POINTS)
    gdf["sources"] = [SOURCES] * len(gdf)
    exported = tmp_path / "sites.parquet"
    geomap.write_layer(gdf, exported)
    folder = tmp_path / "parts.parquet"
    folder.mkdir()
    exported.rename(folder / "part.0.parquet")
    got = within_distance(folder, "69.1,37.3", "500km")
    assert sorted(got["id"]) == sorted(B_POINTS)
    assert all(s == SOURCES for s in got["sources"])


def test_query_layer_option_in_a_real_process(two_layers):
    result = subprocess.run(
        ["geomap", "query", "nearest", str(two_layers), "--layer", "a", "--to", "69.62,40.28",
         "--format", "csv"], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert "a-khujand" in result.stdout and "b-panj" not in result.stdout
