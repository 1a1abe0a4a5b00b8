"""Story files: loading, validation messages, the default story, the page and ``geomap story``."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import yaml
from click.testing import CliRunner
from shapely.geometry import LineString, Point, Polygon

from geomap import catalog
from geomap.cli import cli
from geomap.errors import RenderError
from geomap.story import (
    BACKGROUND,
    FOCUS_COUNTRY,
    SYMBOLS,
    Story,
    StoryError,
    build_story_html,
    load_story,
    render_story,
    story_problems,
    year_cutoff,
)

SEEDS = {"000_3482db23aa8818ee.txt", "003_abb11471a00e2d91.txt"}
CHRONOLOGY = {"1996-97", "2004", "2007-11", "2011", "2013", "2015", "2016", "2018", "2019", "2021"}


def small_layers() -> dict[str, gpd.GeoDataFrame]:
    """Three tiny layers in the shape of the curated ones, built in code."""
    gbao = gpd.GeoDataFrame(
        {"id": ["region-gbao"], "name": ["GBAO"]},
        geometry=[Polygon([(70.3, 36.7), (75.1, 36.7), (75.1, 39.4), (70.3, 39.4)])],
        crs=4326,
    )
    gbao.attrs.update(title="Gorno-Badakhshan", attribution="test data")
    sites = gpd.GeoDataFrame(
        {
            "id": ["site-a", "site-b"],
            "name": ["Outpost A", "Checkpoint B"],
            "start_date": ["2016", "2019-08"],
        },
        geometry=[Point(74.5, 37.9), Point(71.5, 37.1)],
        crs=4326,
    )
    sites.attrs.update(title="Sites")
    border = gpd.GeoDataFrame(
        {"id": ["border-x"], "name": ["Border"]},
        geometry=[LineString([(67.8, 37.2), (71.0, 37.0), (74.9, 37.4)])],
        crs=4326,
    )
    return {"gbao": gbao, "sites": sites, "border": border}


def write_story(path: Path, steps: list[dict], **top) -> Path:
    data = {"title": "Test story", **top, "steps": steps}
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def step(title: str = "A step", **fields) -> dict:
    return {"title": title, "text": "Some text.", "citations": ["A source, p. 1"], **fields}


# ----------------------------------------------------------------------------- default story


def test_default_story_is_valid_against_the_catalog():
    story = load_story()
    assert len(story.steps) >= 12
    names = set(catalog.layer_names())
    assert set(story.layers) <= names
    for number, s in enumerate(story.steps, 1):
        shown = story.step_layers(number)
        assert "countries" in shown
        ids = {
            f["properties"]["id"]
            for name in shown
            for f in json.loads(catalog.get_layer(name).path.read_text())["features"]
        }
        assert set(s.highlight) <= ids, f"step {number} highlights missing features"


def test_default_story_follows_the_seed_chronology_and_cites_the_seeds():
    story = load_story()
    years = [str(s.year) for s in story.steps if s.year is not None]
    assert CHRONOLOGY <= set(years)
    cutoffs = [s.until for s in story.steps if s.until is not None]
    assert cutoffs == sorted(cutoffs), "steps are not in chronological order"
    for s in story.steps:
        assert s.citations, s.title
        for citation in s.citations:
            assert citation.seed in SEEDS, (s.title, citation)
            assert citation.locator, (s.title, citation)
    texts = " ".join(s.text for s in story.steps)
    for fact in ("Kulma Pass", "1,158 square kilometres", "10,000", "US$331.5 million",
                 "Silk Road Economic Belt", "August 2019", "201st"):
        assert fact in texts


def test_default_story_text_is_not_copied_from_the_seeds():
    seeds = Path("/work/shared/seeds")
    if not seeds.is_dir():
        pytest.skip("seed documents are not available here")
    source = " ".join(p.read_text(encoding="utf-8") for p in seeds.glob("*.txt"))
    source = re.sub(r"\s+", " ", source)
    for s in load_story().steps:
        words = re.sub(r"\s+", " ", s.text).split(" ")
        # no run of 12 words appears verbatim in a seed document
        for i in range(len(words) - 12):
            run = " ".join(words[i:i + 12])
            assert run not in source, f"{s.title!r} copies: {run!r}"


# ----------------------------------------------------------------------------- validation


def test_typo_in_a_layer_name_points_at_step_and_field(tmp_path):
    path = write_story(tmp_path / "story.yaml", [
        step("Intro", layers=["gbao"]),
        step("Second"),
        step("2011 handover", layers=["gbaoo"]),
    ])
    with pytest.raises(StoryError) as info:
        load_story(path, layer_data=small_layers())
    assert str(info.value) == (
        f"{path}: step 3 (2011 handover): field 'layers': no layer named 'gbaoo'; "
        "did you mean gbao?"
    )


def test_every_problem_is_reported_once_with_its_step(tmp_path):
    path = write_story(tmp_path / "story.yaml", [
        {"title": "No text", "citations": ["x"]},
        step("Typo field", layer=["gbao"]),
        step("Bad bounds", view={"bounds": [75, 36, 70, 39]}),
        step("Bad zoom", view={"center": {"lat": 38, "lon": 71}, "zoom": 40}),
        step("Unknown id", layers=["sites"], highlight=["site-aa"]),
        step("Hidden layer", layers=["gbao"], highlight=["site-a"]),
        step("Too early", year=2015, layers=["sites"], highlight=["site-b"]),
        {"title": "No sources", "text": "t", "citations": []},
    ], base_layers=["border"])
    problems = story_problems(yaml.safe_load(path.read_text()), "s.yaml",
                              layer_data=small_layers())
    expected = [
        "s.yaml: step 1 (No text): field 'text': is missing or empty",
        "s.yaml: step 2 (Typo field): field 'layer': not a known field; did you mean 'layers'?",
        "s.yaml: step 3 (Bad bounds): field 'view.bounds'",
        "s.yaml: step 4 (Bad zoom): field 'view.zoom': must be a number from 0 to 18, got 40",
        "s.yaml: step 5 (Unknown id): field 'highlight': no feature with id 'site-aa' in the "
        "layers of this step; did you mean 'site-a'?",
        "s.yaml: step 6 (Hidden layer): field 'highlight': feature 'site-a' is in layer "
        "'sites', which this step does not show; add it to 'layers'",
        "s.yaml: step 7 (Too early): field 'highlight': feature 'site-b' starts in 2019, "
        "after this step's year (2015), so it is hidden",
        "s.yaml: step 8 (No sources): field 'citations': every step needs at least one citation",
    ]
    assert len(problems) == len(expected), problems
    for problem, start in zip(problems, expected, strict=True):
        assert problem.startswith(start), problem


def test_story_level_fields_are_checked():
    problems = story_problems({"titel": "x", "steps": "none", "base_layers": ["nope"]},
                              "s.yaml", layer_data=small_layers())
    assert "s.yaml: field 'titel': not a known field; did you mean 'title'?" in problems[0]
    assert any("field 'base_layers': no layer named 'nope'" in p for p in problems)
    assert any("field 'title': is missing or empty" in p for p in problems)
    assert problems[-1] == "s.yaml: field 'steps': must be a non-empty list of steps"
    assert story_problems(["a", "list"], "s.yaml", layer_data={}) == [
        "s.yaml: a story must be a mapping with 'title' and 'steps', got list"
    ]


@pytest.mark.parametrize(("name", "content", "message"), [
    ("broken.yaml", "title: [unclosed\nsteps: []\n", "not valid YAML"),
    ("broken.json", '{"title": "x",', "not valid JSON (Expecting property name"),
    ("binary.yaml", b"\xff\xfe\x00", "not UTF-8 text"),
])
def test_unreadable_story_files_give_one_line(tmp_path, name, content, message):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    with pytest.raises(StoryError) as info:
        load_story(path, layer_data=small_layers())
    assert str(info.value).startswith(f"{path}: {message}")
    assert "\n" not in str(info.value)


def test_missing_story_file(tmp_path):
    with pytest.raises(StoryError, match="no such story file"):
        load_story(tmp_path / "nope.yaml")


def test_json_and_yaml_stories_load_the_same(tmp_path):
    steps = [step("One", year=2016, layers=["sites"], highlight=["site-a"],
                  view={"center": {"lat": 38.0, "lon": 72.0}, "zoom": 6},
                  citations=[{"citation": "Doc", "seed": "000_x.txt", "locator": "p. 3"}])]
    from_yaml = load_story(write_story(tmp_path / "s.yaml", steps), layer_data=small_layers())
    (tmp_path / "s.json").write_text(json.dumps({"title": "Test story", "steps": steps}))
    from_json = load_story(tmp_path / "s.json", layer_data=small_layers())
    assert from_yaml.steps == from_json.steps
    only = from_json.steps[0]
    assert only.view.center == (38.0, 72.0) and only.view.zoom == 6
    assert only.citations[0].label() == "Doc, p. 3 [000_x.txt]"


def test_a_story_without_base_layers_draws_the_country_outlines(tmp_path):
    plain = load_story(write_story(tmp_path / "plain.yaml", [step(layers=["gbao"])]))
    assert plain.base_layers == ("countries",) and plain.step_layers(1) == ["countries", "gbao"]
    bare = load_story(write_story(tmp_path / "bare.yaml", [step(layers=["gbao"])],
                                  base_layers=[]))
    assert bare.base_layers == () and bare.step_layers(1) == ["gbao"]
    # with its own layers instead of the catalog, a story has no countries to fall back on
    own = load_story(write_story(tmp_path / "own.yaml", [step(layers=["gbao"])]),
                     layer_data=small_layers())
    assert own.base_layers == ()


def test_year_cutoff():
    assert year_cutoff(2011) == 2011
    assert year_cutoff("1996-97") == 1997
    assert year_cutoff("2015\u20132016") == 2016
    assert year_cutoff(None) is None


# ----------------------------------------------------------------------------- the page

HOSTILE = '</script><script>window.__pwned = 1</script><img src=x onerror="window.__pwned=2">'


def hostile_story(tmp_path: Path) -> tuple[Path, dict]:
    layers = small_layers()
    layers["sites"].loc[0, "name"] = HOSTILE
    path = write_story(tmp_path / "hostile.yaml", [
        step(HOSTILE, text=f"Text {HOSTILE}", layers=["sites"], highlight=["site-a"],
             citations=[{"citation": HOSTILE, "url": "https://example.org/?a=<b>"}]),
        step("Plain", layers=["border"]),
    ], title=HOSTILE, base_layers=["gbao"])
    return path, layers


def test_page_is_self_contained_and_data_never_becomes_markup(tmp_path):
    path, layers = hostile_story(tmp_path)
    html = build_story_html(load_story(path, layer_data=layers), layer_data=layers)
    assert "<img" not in html
    assert HOSTILE not in html and "<script>window.__pwned" not in html
    assert html.count("<script") == 3  # story data (JSON), Leaflet, story.js
    assert not re.search(r"<(script|link)[^>]+(src|href)=", html), "external resource"
    assert "unpkg.com" not in html and "cdnjs" not in html
    match = re.search(r'<script type="application/json" id="story-data">(.*?)</script>', html, re.S)
    data = json.loads(match.group(1))
    assert data["title"] == HOSTILE
    assert data["steps"][0]["text"] == f"Text {HOSTILE}"
    assert data["layers"]["sites"]["features"][0]["properties"]["name"] == HOSTILE
    assert [s["layers"] for s in data["steps"]] == [["gbao", "sites"], ["gbao", "border"]]


def test_step_without_view_fits_its_own_features(tmp_path):
    layers = small_layers()
    path = write_story(tmp_path / "s.yaml", [step("Fit", layers=["sites"])],
                       base_layers=["gbao"])
    html = build_story_html(load_story(path, layer_data=layers), layer_data=layers)
    data = json.loads(re.search(r'id="story-data">(.*?)</script>', html, re.S).group(1))
    west, south, east, north = data["steps"][0]["view"]["bounds"]
    assert west < 71.5 < 74.5 < east and south < 37.1 < 37.9 < north
    assert east - west < 6  # fitted to the two sites, not to all of GBAO or the world


def test_render_story_refuses_to_overwrite_and_writes_atomically(tmp_path):
    layers = small_layers()
    story_file = write_story(tmp_path / "s.yaml", [step("One", layers=["sites"])])
    out = tmp_path / "deep" / "story.html"
    assert render_story(story_file, out, layer_data=layers) == out
    first = out.read_bytes()
    with pytest.raises(RenderError, match="already exists; pass --overwrite"):
        render_story(story_file, out, layer_data=layers)
    bad = write_story(tmp_path / "bad.yaml", [step("One", layers=["nope"])])
    with pytest.raises(StoryError):
        render_story(bad, out, overwrite=True, layer_data=layers)
    assert out.read_bytes() == first
    assert sorted(p.name for p in out.parent.iterdir()) == ["story.html"]  # no temp files left
    render_story(load_story(story_file, layer_data=layers), out, overwrite=True,
                 layer_data=layers)
    assert isinstance(load_story(story_file, layer_data=layers), Story)


# ----------------------------------------------------------------------------- the command


def test_story_command_builds_the_default_story(tmp_path):
    out = tmp_path / "story.html"
    result = CliRunner().invoke(cli, ["story", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.output
    html = out.read_text(encoding="utf-8")
    assert "<title>China&#x27;s security footprint in Tajikistan" in html
    result = CliRunner().invoke(cli, ["story", "-o", str(out)])
    assert result.exit_code != 0
    assert CliRunner().invoke(cli, ["story", "-o", str(out), "--overwrite"]).exit_code == 0


def test_story_command_check_only(tmp_path):
    result = CliRunner().invoke(cli, ["story", "default", "--check"])
    assert result.exit_code == 0
    assert re.search(r"default\.yaml: \d+ steps, valid", result.output)


def test_bad_story_in_a_real_process_prints_one_line_per_problem(tmp_path):
    bad = write_story(tmp_path / "story.yaml", [
        step("Fine", layers=["gbao"]),
        step("2011 handover", layers=["gbaoo"]),
        step("Odd view", view={"bounds": [1, 2]}),
    ])
    out = tmp_path / "story.html"
    proc = subprocess.run(
        [sys.executable, "-m", "geomap.cli", "story", str(bad), "-o", str(out)],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines == [
        f"geomap: error: {bad}: step 2 (2011 handover): field 'layers': no layer named "
        "'gbaoo'; did you mean gbao?",
        f"geomap: error: {bad}: step 3 (Odd view): field 'view.bounds': must be "
        "[west, south, east, north] in degrees, got [1, 2]",
    ]
    assert not out.exists()


def test_readme_example_story_is_valid(tmp_path, readme_yaml):
    path = readme_yaml("## Classroom: stories and pictures")
    story = load_story(path)
    assert [s.title for s in story.steps] == ["2016: posts on the Afghan border", "Dushanbe"]
    assert story.steps[1].view.zoom == 9
    result = CliRunner().invoke(cli, ["story", str(path), "-o", str(tmp_path / "my.html")])
    assert result.exit_code == 0, result.output


# ----------------------------------------------------------------------------- one visual language


def page_data(html: str) -> dict:
    return json.loads(re.search(r'id="story-data">(.*?)</script>', html, re.S).group(1))


def all_layers_page(tmp_path: Path) -> dict:
    """The page data of a one-step story that shows every curated layer."""
    names = catalog.layer_names()
    path = write_story(tmp_path / "all.yaml", [step("Everything", layers=names)])
    return page_data(build_story_html(load_story(path)))


def test_story_draws_every_layer_in_its_catalog_style(tmp_path):
    data = all_layers_page(tmp_path)
    for record in catalog.list_layers():
        raw, got = record.style, data["layers"][record.name]["style"]
        where = record.name
        assert got["color"] == raw["color"], where
        assert got["fill"] == raw.get("fill_color", raw["color"]), where
        assert got["opacity"] == raw.get("opacity", 1.0), where
        if "fill_opacity" in raw:
            assert got["fill_opacity"] == raw["fill_opacity"], where
        # heavier for a projector, never lighter; a dashed line keeps its dash-to-width look
        weight = raw.get("weight", 2)
        assert got["weight"] >= weight, where
        if raw.get("dash_array"):
            want = [float(d) / weight for d in raw["dash_array"].replace(",", " ").split()]
            have = [float(d) / got["weight"] for d in got["dash"].split()]
            assert have == pytest.approx(want), where
        else:
            assert got["dash"] is None, where
        if data["layers"][record.name]["kind"] == "point":
            assert raw.get("symbol", "circle") in SYMBOLS, where  # drawable as the catalog says
            assert got["shape"] == raw.get("symbol", "circle"), where
            assert got["category_shapes"] == raw.get("category_symbols", {}), where
            assert got["category_colors"] == raw.get("category_colors", {}), where


def test_layers_drawn_by_category_list_their_classes_in_the_legend(tmp_path):
    data = all_layers_page(tmp_path)
    raw = catalog.get_layer("bri_sites").style
    classes = data["layers"]["bri_sites"]["categories"]
    present = {f["properties"]["category"] for f in data["layers"]["bri_sites"]["features"]}
    assert {c["category"] for c in classes} == present & set(raw["category_symbols"])
    for item in classes:
        assert item["shape"] == raw["category_symbols"][item["category"]]
        assert item["fill"] == raw.get("fill_color", raw["color"])
    assert "Mountain pass" in {c["label"] for c in classes}


def relative_luminance(colour: str, alpha: float = 1.0, under: str = "#ffffff") -> float:
    """WCAG relative luminance of ``colour`` drawn with ``alpha`` over ``under``."""
    from matplotlib.colors import to_rgb

    top, bottom = np.array(to_rgb(colour)), np.array(to_rgb(under))
    rgb = alpha * top + (1 - alpha) * bottom
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return float(linear @ [0.2126, 0.7152, 0.0722])


def test_focus_country_stands_out_from_its_neighbours(tmp_path):
    style = all_layers_page(tmp_path)["layers"]["countries"]["style"]
    assert style["focus"] == FOCUS_COUNTRY == "TJ"
    focus = relative_luminance(style["focus_fill"], style["focus_fill_opacity"], BACKGROUND)
    others = relative_luminance(style["fill"], style["fill_opacity"], BACKGROUND)
    # WCAG contrast ratio between Tajikistan and its neighbours as they appear on the map
    assert (focus + 0.05) / (others + 0.05) >= 1.2
    assert style["weight"] + style["focus_weight"] > style["weight"]


def test_own_layers_without_a_style_get_distinct_fallback_colours(tmp_path):
    layers = small_layers()
    layers["border"].attrs["style"] = {"color": "#000000", "dash_array": "4 2", "weight": 2}
    path = write_story(tmp_path / "s.yaml", [step("Own", layers=["gbao", "sites", "border"])])
    data = page_data(build_story_html(load_story(path, layer_data=layers), layer_data=layers))
    styles = {name: data["layers"][name]["style"] for name in ("gbao", "sites", "border")}
    assert styles["border"]["color"] == "#000000" and styles["border"]["dash"] == "6 3"
    assert styles["gbao"]["color"] != styles["sites"]["color"]
    # a name shared with the catalog does not borrow the curated layer's style
    assert styles["gbao"]["color"] != catalog.get_layer("gbao").style["color"]


def test_story_error_lives_in_the_error_tree():
    import geomap
    from geomap.errors import GeomapError
    from geomap.errors import StoryError as FromErrors

    assert StoryError is FromErrors is geomap.StoryError
    assert issubclass(StoryError, GeomapError) and issubclass(StoryError, ValueError)
    assert "StoryError" in geomap.__all__
    assert StoryError("x.yaml: broken", ["a", "b"]).problems == ["a", "b"]


# ----------------------------------------------------------------------------- site precision


def test_site_certainty_follows_the_main_map_rule():
    from geomap.render import DEFAULT_UNCERTAINTY_M, UNCERTAINTY_CIRCLE_MAX_M
    from geomap.story import site_certainty

    assert site_certainty({"precision": 1, "coordinate_uncertainty_m": 3000}) == ("exact", 0.0)
    assert site_certainty({}) == ("exact", 0.0)
    assert site_certainty({"precision": float("nan")}) == ("exact", 0.0)
    assert site_certainty({"precision": True}) == ("exact", 0.0)
    # a basemap layer is never drawn as approximate, as on the main map
    assert site_certainty({"precision": 8, "coordinate_uncertainty_m": 9e5},
                          context=True) == ("exact", 0.0)
    assert site_certainty({"precision": 2, "coordinate_uncertainty_m": 3000}) == (
        "approximate", 3000.0)
    limit = float(UNCERTAINTY_CIRCLE_MAX_M)
    assert site_certainty({"precision": 5, "coordinate_uncertainty_m": limit})[0] == "approximate"
    assert site_certainty({"precision": 5, "coordinate_uncertainty_m": limit + 1})[0] == "unknown"
    # no stated uncertainty: the main map's default radius for the code
    assert site_certainty({"precision": 4}) == ("unknown", float(DEFAULT_UNCERTAINTY_M[4]))
    assert site_certainty({"precision": 5, "coordinate_uncertainty_m": None}) == (
        "approximate", float(DEFAULT_UNCERTAINTY_M[5]))
    # a code without a default radius is still approximate, just without a circle
    assert site_certainty({"precision": 9}) == ("approximate", 0.0)


def test_story_payload_carries_how_well_each_site_is_known(tmp_path):
    from geomap.render import UNCERTAINTY_CIRCLE_MAX_M

    data = page_data(build_story_html(load_story()))
    assert data["circle_max_m"] == UNCERTAINTY_CIRCLE_MAX_M
    for name, layer in data["layers"].items():
        context = catalog.get_layer(name).theme == "context"
        for feature in layer["features"]:
            props = feature["properties"]
            certainty, radius = feature["site"]
            if context or props.get("precision") in (None, 1):
                assert (certainty, radius) == ("exact", 0), (name, props.get("id"))
            else:
                assert certainty in ("approximate", "unknown"), (name, props["id"])
                assert (certainty == "unknown") == (radius > UNCERTAINTY_CIRCLE_MAX_M)
            if not context:
                assert "precision" in props and "coordinate_uncertainty_m" in props, name
    sites = {f["properties"]["id"]: f for f in data["layers"]["chinese_security_sites"]["features"]}
    posts = sites["cn-border-command-posts-2016"]
    assert posts["properties"]["precision"] == 8
    assert posts["properties"]["coordinate_uncertainty_m"] == 280000
    assert posts["site"] == ["unknown", 280000]
    assert sites["cn-outpost-gbao-shaymak"]["site"] == ["approximate", 25000]
    tunnels = {f["properties"]["id"]: f for f in data["layers"]["bri_sites"]["features"]}
    assert tunnels["bri-anzob-tunnel"]["site"] == ["exact", 0]


def test_own_layers_read_precision_like_curated_ones(tmp_path):
    sites = gpd.GeoDataFrame(
        {"id": ["a", "b", "c"], "name": ["Exact", "Near", "Somewhere"],
         "precision": [1, 5, 8], "coordinate_uncertainty_m": [0, 20000, 150000]},
        geometry=[Point(71, 38), Point(72, 38), Point(73, 38)], crs=4326)
    path = tmp_path / "story.yaml"
    path.write_text(yaml.safe_dump({
        "title": "Sites", "base_layers": [],
        "steps": [{"title": "One", "text": "Text.", "layers": ["sites"],
                   "citations": ["me"]}]}), encoding="utf-8")
    story = load_story(path, layer_data={"sites": sites})
    data = page_data(build_story_html(story, layer_data={"sites": sites}))
    got = {f["properties"]["id"]: f["site"] for f in data["layers"]["sites"]["features"]}
    assert got == {"a": ["exact", 0], "b": ["approximate", 20000], "c": ["unknown", 150000]}
