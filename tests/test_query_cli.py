"""``geomap query``: tables, files read back by GDAL, and one clean line for bad input."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys

import geopandas as gpd
import numpy as np
import pytest
import shapely
from click.testing import CliRunner

from geomap import catalog
from geomap.cli import cli, main
from geomap.query import measure, nearest, within_distance

LINE = shapely.LineString([(67, 37.2), (70, 37.0), (72, 37.5), (75, 37.3)])
BOX = shapely.Polygon([(70.5, 36.5), (75, 36.5), (75, 39), (70.5, 39)])
SOURCES = [{"citation": "Olimova & Olimov 2021", "seed": "000_3482db23aa8818ee.txt",
            "locator": "§3.1"}]


def write(path, geoms, **columns):
    n = len(geoms)
    data = {"id": [f"{path.stem}{i}" for i in range(n)], "name": [f"n{i}" for i in range(n)],
            **columns}
    gpd.GeoDataFrame(data, geometry=list(geoms), crs=4326).to_file(path)
    return path


@pytest.fixture
def files(tmp_path):
    points = [shapely.Point(70, 37.1), shapely.Point(71, 38), shapely.Point(74, 37.4)]
    return {
        "points": write(tmp_path / "pts.geojson", points, precision=[1, 2, 5]),
        "line": write(tmp_path / "border.geojson", [LINE]),
        "box": write(tmp_path / "box.geojson", [BOX]),
        "dir": tmp_path,
    }


def run(*args: str):
    result = CliRunner().invoke(cli, ["query", *args], catch_exceptions=False)
    return result


def run_main(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["query", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_within_distance_table_lists_matches_nearest_first(files):
    result = run("within-distance", str(files["points"]), "--of", str(files["line"]),
                 "--distance", "20km")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[:3] == ["id", "name", "distance_km"]
    expected = within_distance(files["points"], files["line"], 20_000)
    assert [line.split()[0] for line in lines[1:-1]] == list(expected["id"])
    first_km = float(lines[1].split()[2])
    assert first_km == pytest.approx(expected["distance_m"].iloc[0] / 1000, abs=0.005)
    assert lines[-1].startswith(f"{len(expected)} feature(s)")


def test_geojson_output_is_read_back_by_gdal(files):
    out = files["dir"] / "near.geojson"
    result = run("nearest", str(files["points"]), "--to", str(files["line"]), "-o", str(out))
    assert result.exit_code == 0, result.output
    ogrinfo = shutil.which("ogrinfo")
    if ogrinfo is None:
        pytest.skip("GDAL's ogrinfo is not installed")
    info = subprocess.run([ogrinfo, "-ro", "-al", "-so", str(out)], capture_output=True,
                          text=True, check=True).stdout
    assert "Feature Count: 3" in info
    assert "distance_m: Real" in info
    assert "precision: Integer" in info
    data = json.loads(out.read_text())
    expected = nearest(files["points"], files["line"])
    got = [f["properties"]["distance_m"] for f in data["features"]]
    np.testing.assert_allclose(got, expected["distance_m"])


def test_csv_output_has_wkt_geometry_gdal_understands(files):
    out = files["dir"] / "inside.csv"
    result = run("inside", str(files["line"]), "--in", str(files["box"]), "-o", str(out))
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert len(rows) == 1 and float(rows[0]["fraction_inside"]) < 1
    assert rows[0]["wkt"].startswith("LINESTRING")
    ogrinfo = shutil.which("ogrinfo")
    if ogrinfo is None:
        pytest.skip("GDAL's ogrinfo is not installed")
    info = subprocess.run([ogrinfo, "-ro", "-al", "-so", str(out)], capture_output=True,
                          text=True, check=True).stdout
    assert "Feature Count: 1" in info and "Extent: (70.5" in info


def test_json_output_keeps_sources(tmp_path):
    points = write(tmp_path / "sites.geojson", [shapely.Point(70, 37.1)],
                   sources=[json.dumps(SOURCES)])
    # GeoJSON written by pyogrio stores lists as strings; build the file by hand instead.
    data = json.loads(points.read_text())
    data["features"][0]["properties"]["sources"] = SOURCES
    points.write_text(json.dumps(data))
    result = run("within-distance", str(points), "--of", "70,37", "-d", "20km", "-f", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert rows[0]["sources"] == SOURCES
    assert rows[0]["target_id"] == "70,37"


def test_measure_prints_totals_and_intersects_lists_targets(files):
    result = run("measure", str(files["line"]))
    km = measure(files["line"])["length_m"].sum() / 1000
    assert f"total length {km:,.1f} km" in result.output
    result = run("intersects", str(files["line"]), "--with", str(files["box"]), "-f", "json")
    assert json.loads(result.output)[0]["target_ids"] == ["box0"]


def test_output_file_needs_overwrite_and_is_written_whole(files, capsys):
    out = files["dir"] / "near.json"
    out.write_text("keep me")
    code, _, err = run_main(capsys, "nearest", str(files["points"]), "--to",
                            str(files["line"]), "-o", str(out))
    assert code != 0 and "already exists; pass --overwrite" in err
    assert out.read_text() == "keep me"
    code, _, _ = run_main(capsys, "nearest", str(files["points"]), "--to", str(files["line"]),
                          "-o", str(out), "--overwrite")
    assert code == 0 and len(json.loads(out.read_text())) == 3
    assert [p.name for p in files["dir"].iterdir() if p.name.endswith(".tmp")] == []


def test_empty_answer_says_so_and_exits_zero(files, capsys):
    code, out, err = run_main(capsys, "within-distance", str(files["points"]), "--of", "60,45",
                              "-d", "1km")
    assert code == 0 and out == ""
    assert err.strip() == f"geomap: no features of {files['points']} lie within 1km of 60,45"
    code, out, _ = run_main(capsys, "within-distance", str(files["points"]), "--of", "60,45",
                            "-d", "1km", "-f", "geojson")
    assert code == 0 and json.loads(out) == {"type": "FeatureCollection", "features": []}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["within-distance", "mines", "--of", "tajik_afgan_border", "-d", "20km"],
         "did you mean tajik_afghan_border"),
        (["within-distance", "{points}", "--of", "{line}", "-d", "20 furlongs"],
         "bad distance '20 furlongs'"),
        (["nearest", "{points}", "--to", "{notlayer}"], "notes.geojson: not"),
        (["nearest", "{points}", "--to", "{nogeom}"], "nogeom.geojson: has no geometry"),
        (["measure", "{points}"], "has only points"),
        (["inside", "{points}", "--in", "{line}"], "no polygons"),
        (["nearest", "{points}", "--to", "{dir}/missing.geojson"], "missing.geojson: no such file"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(files, capsys, args, message):
    if "mines" in args and "mines" not in catalog.layer_names():
        pytest.skip("curated layer mines is not in the catalog yet")
    (files["dir"] / "notes.geojson").write_text('{"hello": "world"}')
    (files["dir"] / "nogeom.geojson").write_text(json.dumps({
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {"id": "a"}, "geometry": None}]}))
    names = {"points": files["points"], "line": files["line"], "dir": files["dir"],
             "notlayer": files["dir"] / "notes.geojson", "nogeom": files["dir"] / "nogeom.geojson"}
    code, out, err = run_main(capsys, *[a.format(**names) for a in args])
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("geomap: error: ") and message in err
    assert "Traceback" not in err


def test_real_subprocess_answers_the_border_question():
    for name in ("chinese_security_sites", "tajik_afghan_border"):
        if name not in catalog.layer_names():
            pytest.skip(f"curated layer {name} is not in the catalog yet")
    proc = subprocess.run(
        [sys.executable, "-m", "geomap.cli", "query", "within-distance", "chinese_security_sites",
         "--of", "tajik_afghan_border", "--distance", "20km", "--format", "geojson"],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    features = json.loads(proc.stdout)["features"]
    expected = within_distance("chinese_security_sites", "tajik_afghan_border", "20km")
    assert [f["properties"]["id"] for f in features] == list(expected["id"])
    assert all(f["properties"]["sources"] and f["properties"]["precision"] for f in features)
    assert all(f["properties"]["distance_m"] <= 20_000 for f in features)


def test_table_shows_each_answer_with_its_location_uncertainty():
    """A ~0 km distance of a post with no public site must be read with its ±280 km."""
    from click.testing import CliRunner

    from geomap.cli import cli

    result = CliRunner().invoke(cli, ["query", "within-distance", "chinese_security_sites",
                                      "--of", "tajik_afghan_border", "--distance", "20km"])
    assert result.exit_code == 0
    header, *rows = result.stdout.splitlines()[:-1]
    assert "uncertainty_km" in header.split()
    column = header.split().index("uncertainty_km")
    by_id = {row.split()[0]: row for row in rows}
    assert "±280" in by_id["cn-border-command-posts-2016"]
    assert all(row.count("±") == 1 for row in rows) and column > header.split().index("precision")
