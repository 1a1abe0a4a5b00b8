"""``geomap list``, ``show`` and ``validate`` as a user runs them."""

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from geomap import catalog
from geomap.cli import cli, main


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_list_json_has_the_promised_keys():
    result = run("list", "--json")
    assert result.exit_code == 0
    records = json.loads(result.output)
    assert [r["name"] for r in records] == catalog.layer_names()
    for record in records:
        assert {"name", "title", "theme", "geometry_type", "feature_count", "path"} <= set(record)


def test_list_table_names_every_layer():
    result = run("list")
    assert result.exit_code == 0
    assert result.output.splitlines()[0].split()[:4] == ["NAME", "THEME", "GEOMETRY", "FEATURES"]
    for name in catalog.layer_names():
        assert name in result.output


def test_show_prints_features_with_sources():
    if not catalog.layer_names():
        pytest.skip("catalog is empty")
    name = catalog.layer_names()[-1]
    result = run("show", name)
    assert result.exit_code == 0
    assert (
        f"({name})" in result.output and "source:" in result.output and "precision" in result.output
    )


def test_show_unknown_layer_is_one_clean_line(capsys):
    code = main(["show", "no_such_layer"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("geomap: error: no layer named 'no_such_layer'")
    assert len(err.strip().splitlines()) == 1


def test_validate_curated_layers_passes():
    result = run("validate")
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("layer(s) valid")


def test_validate_reports_each_problem_and_exits_1(tmp_path):
    path = tmp_path / "bad.geojson"
    point = {"type": "Point", "coordinates": [38.5, 171.0]}
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {"type": "Feature", "properties": {"id": "a"}, "geometry": point},
                    {"type": "Feature", "properties": {"id": "a"}, "geometry": None},
                ],
            }
        )
    )
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith(str(path))]
    assert len(lines) == 3  # swapped coordinates, no geometry, duplicate id
    assert any("swapped" in line for line in lines)


def test_validate_unreadable_file_exits_2_without_traceback(tmp_path):
    path = tmp_path / "notjson.geojson"
    path.write_text("this is not json")
    proc = subprocess.run(
        [sys.executable, "-m", "geomap.cli", "validate", str(path)], capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines() == [
        f"geomap: error: {path}: not valid JSON (Expecting value at line 1)"
    ]


@pytest.mark.parametrize(("args", "message"), [
    (["bogus"], "No such command 'bogus'. (see 'geomap --help')"),
    (["list", "--bogus"], "No such option '--bogus'. (see 'geomap list --help')"),
    (["query", "within-distance", "gbao", "--of", "places", "-d", "1km", "-f", "xml"],
     "Invalid value for '--format' / '-f': 'xml' is not one of 'table', 'geojson', 'csv', "
     "'json'. (see 'geomap query within-distance --help')"),
])
def test_a_mistyped_command_line_is_one_line_and_exit_2(args, message):
    proc = subprocess.run([sys.executable, "-m", "geomap.cli", *args], capture_output=True,
                          text=True)
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [f"geomap: error: {message}"] and proc.stdout == ""
