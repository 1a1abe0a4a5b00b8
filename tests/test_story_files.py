"""A teacher's own layer files in a story (``files:``): read once, checked, drawn, never run.

Every file is made in ``tmp_path`` with geopandas; stories mix them with curated layers.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner
from PIL import Image
from shapely.geometry import LineString, Point, Polygon

from geomap import readers
from geomap.cli import cli
from geomap.picture import _figure, render_step_pictures
from geomap.render import USER_STYLES
from geomap.story import StoryError, build_story_html, load_story, render_story, story_problems

HOSTILE_IMG = "<img src=x onerror=alert(1)>"
HOSTILE_SCRIPT = "</script><script>alert(1)</script>"


def step(title: str = "A step", **fields) -> dict:
    return {"title": title, "text": "Some text.", "citations": ["A source, p. 1"], **fields}


def write_story(path: Path, steps: list[dict], **top) -> Path:
    data = {"title": "Field trip", **top, "steps": steps}
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def page_data(html: str) -> dict:
    return json.loads(re.search(r'id="story-data">(.*?)</script>', html, re.S).group(1))


@pytest.fixture
def own_files(tmp_path) -> Path:
    """A GeoJSON of trip points and a two-layer GeoPackage, beside a story that uses them."""
    trip = gpd.GeoDataFrame(
        {"id": ["trip-1", "trip-2"], "name": ["Camp at Khorog", "Pass visit"],
         "start_date": ["2018", "2022-05"]},
        geometry=[Point(71.55, 37.49), Point(73.4, 38.2)], crs=4326,
    )
    trip.to_file(tmp_path / "trip_points.geojson", driver="GeoJSON")
    roads = gpd.GeoDataFrame(
        # a GeoPackage keeps integer ids and real dates: the story turns them into text
        {"id": [7, 8], "name": ["Old road", "New road"],
         "start_date": pd.to_datetime(["2004-06-01", "2021-03-04"])},
        geometry=[LineString([(71.0, 37.2), (72.5, 37.9)]),
                  LineString([(72.5, 37.9), (74.0, 38.5)])],
        crs=4326,
    )
    roads.to_file(tmp_path / "colleague.gpkg", layer="roads")
    roads.iloc[:1].to_file(tmp_path / "colleague.gpkg", layer="other")
    return write_story(tmp_path / "trip.yaml", [
        step("Our trip", year=2019, layers=["gbao", "trip", "roads"],
             highlight=["trip-1", "7"]),
        step("Everything", layers=["trip", "roads"]),
    ], files={"trip": "trip_points.geojson", "roads": "colleague.gpkg|layername=roads"})


def test_story_mixing_curated_and_file_layers_builds(own_files, tmp_path):
    story = load_story(own_files)
    assert list(story.files) == ["trip", "roads"]
    assert story.layers == ("countries", "gbao", "trip", "roads")  # countries: the default base
    data = page_data(build_story_html(story))
    trip, roads = data["layers"]["trip"], data["layers"]["roads"]
    assert [f["properties"]["id"] for f in trip["features"]] == ["trip-1", "trip-2"]
    assert trip["features"][0]["geometry"] == {"type": "Point", "coordinates": [71.55, 37.49]}
    assert [f["properties"]["id"] for f in roads["features"]] == ["7", "8"]
    assert [f["properties"]["start_date"] for f in roads["features"]] == [
        "2004-06-01", "2021-03-04"]
    assert trip["title"] == "trip (your layer)" and trip["attribution"] == "trip: user layer"
    assert roads["kind"] == "line" and trip["kind"] == "point"
    # the user-layer colours of the main map, in turn; the curated layer keeps its own
    assert (trip["style"]["fill"], trip["style"]["shape"]) == (USER_STYLES[0]["fillColor"],
                                                              USER_STYLES[0]["symbol"])
    assert roads["style"]["color"] == USER_STYLES[1]["color"]
    assert data["layers"]["gbao"]["title"].startswith("Gorno-Badakhshan")
    first = data["steps"][0]
    assert first["layers"] == ["countries", "gbao", "trip", "roads"] and first["until"] == 2019
    assert first["highlight"] == ["trip-1", "7"]
    # no view given: the step fits its highlighted features (file features work like curated)
    west, south, east, north = first["view"]["bounds"]
    assert west < 71.0 < 72.5 < east and south < 37.2 < 37.9 < north and east < 74


def test_each_file_is_read_once(own_files, tmp_path, monkeypatch):
    calls = []
    real = readers.read_file

    def counting(path, **kwargs):
        calls.append(Path(path).name)
        return real(path, **kwargs)

    monkeypatch.setattr(readers, "read_file", counting)
    story = load_story(own_files)
    render_story(story, tmp_path / "trip.html")
    render_step_pictures(story, tmp_path / "pics" / "trip.png", size=(640, 360))
    assert sorted(calls) == ["colleague.gpkg", "trip_points.geojson"]
    assert len(list((tmp_path / "pics").iterdir())) == 2


def test_highlight_and_layers_check_file_ids(own_files, tmp_path):
    path = write_story(tmp_path / "ids.yaml", [
        step("Typo", layers=["trip"], highlight=["trip-11"]),
        step("Not shown", layers=["gbao"], highlight=["trip-2"]),
        step("Too early", year=2020, layers=["trip"], highlight=["trip-2"]),
    ], files={"trip": "trip_points.geojson"})
    with pytest.raises(StoryError) as caught:
        load_story(path)
    assert [p.split(": field ")[1] for p in caught.value.problems] == [
        "'highlight': no feature with id 'trip-11' in the layers of this step; "
        "did you mean 'trip-1'?",
        "'highlight': feature 'trip-2' is in layer 'trip', which this step does not show; "
        "add it to 'layers'",
        "'highlight': feature 'trip-2' starts in 2022, after this step's year (2020), so it "
        "is hidden",
    ]


def test_story_problems_reads_files_beside_the_source(own_files):
    data = yaml.safe_load(own_files.read_text(encoding="utf-8"))
    assert story_problems(data, str(own_files)) == []
    assert story_problems(data, "elsewhere/trip.yaml")[0].startswith(
        "elsewhere/trip.yaml: field 'files' entry 'trip': elsewhere/trip_points.geojson: "
        "no such file")


def test_layer_data_and_files_work_together(own_files, tmp_path):
    region = gpd.GeoDataFrame({"id": ["r"], "name": ["Region"]}, crs=4326,
                              geometry=[Polygon([(70, 37), (74, 37), (74, 39), (70, 39)])])
    path = write_story(tmp_path / "api.yaml", [step("Both", layers=["region", "trip"])],
                       files={"trip": "trip_points.geojson"})
    story = load_story(path, layer_data={"region": region})
    data = page_data(build_story_html(story, layer_data={"region": region}))
    assert list(data["layers"]) == ["region", "trip"]
    # layer_data still replaces the catalog: a file may take a curated name then...
    clash = write_story(tmp_path / "clash.yaml", [step("x", layers=["gbao"])],
                        files={"gbao": "trip_points.geojson"})
    assert list(load_story(clash, layer_data={"region": region}).files) == ["gbao"]
    # ...but not one of layer_data
    with pytest.raises(StoryError, match="entry 'region': 'region' is already a layer"):
        load_story(write_story(tmp_path / "c2.yaml", [step("x")],
                               files={"region": "trip_points.geojson"}),
                   layer_data={"region": region})


@pytest.mark.parametrize(("files", "message"), [
    (["trip_points.geojson"], "field 'files': must be a mapping of your layer names to files"),
    ({"<b>x</b>": "trip_points.geojson"}, "a layer name is letters, digits"),
    ({"trip": 3}, "entry 'trip': must be the path of a layer file, got 3"),
    ({"trip": "colleague.gpkg"}, "holds 2 layers (roads, other); choose one with "
                                 "FILE|layername=NAME"),
])
def test_malformed_files_entries(own_files, tmp_path, files, message):
    path = write_story(tmp_path / "m.yaml", [step("x", layers=["gbao"])], files=files)
    with pytest.raises(StoryError) as caught:
        load_story(path)
    assert len(caught.value.problems) == 1
    assert message in caught.value.problems[0]


def test_bad_files_give_one_line_each_in_a_real_process(own_files, tmp_path):
    (tmp_path / "notes.geojson").write_text("my field notes, not a layer", encoding="utf-8")
    # Yinchuan (106.23 E, 38.49 N) written latitude first; a swap inside Tajikistan would
    # still be in range (lat 67-75), so only a longitude beyond 90 can be caught
    swapped = {"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"id": "k", "name": "Yinchuan"},
        "geometry": {"type": "Point", "coordinates": [38.49, 106.23]}}]}
    (tmp_path / "swapped.geojson").write_text(json.dumps(swapped), encoding="utf-8")
    cases = {
        "missing": ({"trip": "nowhere.geojson"}, ["trip"],
                    f"field 'files' entry 'trip': {tmp_path / 'nowhere.geojson'}: no such file"),
        "not_layer": ({"notes": "notes.geojson"}, ["notes"],
                      f"field 'files' entry 'notes': {tmp_path / 'notes.geojson'}: not valid "
                      "JSON"),
        "swapped": ({"trip": "swapped.geojson"}, ["trip"],
                    f"field 'files' entry 'trip': {tmp_path / 'swapped.geojson'}: feature k: "
                    "coordinate [38.49, 106.23] is out of range (swapped lat/lon?)"),
        "clash": ({"gbao": "trip_points.geojson"}, ["gbao"],
                  "field 'files' entry 'gbao': 'gbao' is already a curated layer; give your "
                  "file another name"),
        "unknown": ({"trip": "trip_points.geojson"}, ["gbao", "tirp"],
                    "step 1 (Trip): field 'layers': no layer named 'tirp'; did you mean trip?"),
    }
    runs = {}
    for case, (files, layers, _) in cases.items():
        # a step naming a file that could not be read is not blamed a second time
        mark = ["trip-1"] if case == "missing" else []
        path = write_story(tmp_path / f"{case}.yaml",
                           [step("Trip", layers=layers, highlight=mark)], files=files)
        out = tmp_path / f"{case}.html"
        command = ["story", str(path), "-o", str(out)]
        if case == "swapped":  # pictures report the same errors
            out = tmp_path / f"{case}.png"
            command = ["picture", "--story", str(path), "--step", "1", "-o", str(out)]
        runs[case] = (path, out, subprocess.Popen(
            [sys.executable, "-m", "geomap.cli", *command],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    check = subprocess.run([sys.executable, "-m", "geomap.cli", "story",
                            str(tmp_path / "clash.yaml"), "--check"],
                           capture_output=True, text=True, timeout=120)
    for case, (path, out, proc) in runs.items():
        _, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 1, (case, stderr)
        assert "Traceback" not in stderr
        lines = stderr.strip().splitlines()
        assert len(lines) == 1, (case, lines)
        assert lines[0].startswith(f"geomap: error: {path}: {cases[case][2]}"), (case, lines)
        assert not out.exists(), case
    # nothing half-written: no page, no picture, no temporary file
    assert sorted(p.suffix for p in tmp_path.iterdir() if p.is_file()) == [
        ".geojson", ".geojson", ".geojson", ".gpkg", ".yaml", ".yaml", ".yaml", ".yaml", ".yaml",
        ".yaml"]
    assert check.returncode == 1 and check.stderr.count("\n") == 1
    assert "'gbao' is already a curated layer" in check.stderr


def test_check_lists_the_files(own_files):
    result = CliRunner().invoke(cli, ["story", str(own_files), "--check"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (f"{own_files}: 2 steps, valid; your layer 'trip': 2 "
                                     "features; your layer 'roads': 2 features")


def test_picture_of_a_step_draws_file_layers_in_the_user_colours(own_files, tmp_path):
    from matplotlib.colors import to_rgb

    story = load_story(own_files)
    fig = _figure(story.step_layers(1), story.steps[0].highlight, None, "t", [], "",
                  story.steps[0].until, (960, 540), None, files=story.files)
    ax = fig.axes[0]
    trip = [c for c in ax.collections if c.get_gid() == "trip"]
    assert [tuple(c[:3]) for c in trip[0].get_facecolor()] == [to_rgb(USER_STYLES[0]["fillColor"])]
    assert len(trip[0].get_offsets()) == 1  # the 2022 visit is after the step's year
    roads = [c for c in ax.collections if c.get_gid() == "roads"]
    assert tuple(roads[0].get_edgecolor()[0][:3]) == to_rgb(USER_STYLES[1]["color"])
    assert [c for c in ax.collections if c.get_gid() == "roads:highlight"]
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "trip (your layer)" in legend and "roads (your layer)" in legend

    out = tmp_path / "step.png"
    result = CliRunner().invoke(cli, ["picture", "--story", str(own_files), "--step", "2",
                                      "-o", str(out), "--size", "960x540"])
    assert result.exit_code == 0, result.output
    with Image.open(out) as image:
        rgb = np.asarray(image.convert("RGB"), dtype=np.int16)
    green = np.array([int(USER_STYLES[0]["fillColor"][i:i + 2], 16) for i in (1, 3, 5)])
    assert (np.abs(rgb - green).max(axis=2) <= 10).sum() > 60  # the trip's star symbols


@pytest.mark.browser
def test_hostile_file_data_stays_text_in_the_browser(browser_page, tmp_path):
    hostile = gpd.GeoDataFrame(
        {"id": ["h-1", "h-2"], "name": [HOSTILE_IMG, HOSTILE_SCRIPT],
         "category": [HOSTILE_SCRIPT, HOSTILE_IMG], "status": [HOSTILE_IMG, None],
         "start_date": ["2010", HOSTILE_IMG]},
        geometry=[Point(71.5, 37.5), Point(72.5, 38.3)], crs=4326,
    )
    hostile.to_file(tmp_path / "notes.gpkg", layer="notes")
    story_file = write_story(tmp_path / "hostile.yaml", [
        step("Hostile notes", layers=["gbao", "notes"], highlight=["h-1", "h-2"]),
    ], files={"notes": "notes.gpkg"})
    out = tmp_path / "hostile.html"
    result = CliRunner().invoke(cli, ["story", str(story_file), "-o", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "<img" not in html and "<script>alert" not in html
    assert html.count("<script") == 3  # story data (JSON), Leaflet, story.js
    assert [f["properties"]["name"] for f in page_data(html)["layers"]["notes"]["features"]] \
        == [HOSTILE_IMG, HOSTILE_SCRIPT]
    page = browser_page
    page.open_html(out)
    tips = page.locator(".leaflet-tooltip").all_text_contents()
    assert sorted(tips) == sorted([HOSTILE_IMG, HOSTILE_SCRIPT])
    assert page.locator("img").count() == 0
    assert page.evaluate("() => document.querySelectorAll('script').length") == 3
    assert sorted(page.evaluate("window.geomap.story.highlighted()")) == ["h-1", "h-2"]
    drawn = page.evaluate("window.geomap.story.drawn('notes')")
    assert {d["fill"].lower() for d in drawn} == {USER_STYLES[0]["fillColor"].lower()}
    legend = page.locator('#story-legend [data-layer="notes"]').text_content()
    assert "notes (your layer)" in legend
    assert "notes: user layer" in page.locator("#story-attribution").text_content()
    assert page.dialogs == [] and page.console_errors == [] and page.blocked_requests == []


def test_readme_files_example_is_valid(own_files, tmp_path, readme_yaml):
    path = readme_yaml("**Your own layers in a story.**")
    story = load_story(path)
    assert list(story.files) == ["trip", "roads"]
    assert story.steps[0].highlight == ("trip-1",)
