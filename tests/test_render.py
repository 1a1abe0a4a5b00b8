"""The map page as built in Python: folium object, page content, safety, saving and the CLI.

What the page does in a browser is tested in ``test_map_browser.py``.
"""

import datetime as dt
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import folium
import geopandas
import pandas
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point

import geomap
from geomap import catalog, render
from geomap.cli import cli, main
from geomap.errors import LayerNotFoundError, LayerReadError, LayerValidationError, RenderError


class _PageParser(HTMLParser):
    """Collect what a browser would fetch or run from a page."""

    def __init__(self):
        super().__init__()
        self.fetched = []  # (tag, attribute, value) of every URL-bearing attribute
        self.scripts = []  # [attrs, text] of every <script>
        self.title = []
        self._in = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("src", "href", "data", "poster"):
            if attrs.get(key):
                self.fetched.append((tag, key, attrs[key]))
        if tag == "script":
            self.scripts.append([attrs, ""])
        self._in = tag

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in == "script" and self.scripts:
            self.scripts[-1][1] += data
        elif self._in == "title":
            self.title.append(data)


def parse(html_text):
    parser = _PageParser()
    parser.feed(html_text)
    return parser


def payload(html_text):
    """The JSON document geomap embeds in the page."""
    scripts = [text for attrs, text in parse(html_text).scripts
               if attrs.get("type") == "application/json"]
    assert len(scripts) == 1
    return json.loads(scripts[0])


def write_geojson(gdf, path):
    """Write RFC 7946 GeoJSON (no 'crs' member), as a user's file would be."""
    path.write_text(gdf.to_json(drop_id=True, na="null"), encoding="utf-8")
    return path


def page_of(m):
    return m.get_root().render()


def user_layer(rows, crs="EPSG:4326"):
    """A GeoDataFrame from (lon, lat, properties) rows."""
    return geopandas.GeoDataFrame(
        [props for _, _, props in rows],
        geometry=[Point(lon, lat) for lon, lat, _ in rows],
        crs=crs,
    )


# ------------------------------------------------------------------------------ the map object


def test_render_map_is_a_folium_map_that_displays_in_jupyter(tiny_catalog):
    m = geomap.render_map()
    assert isinstance(m, folium.Map)
    notebook = m._repr_html_()
    assert "<iframe" in notebook and "srcdoc=" in notebook
    assert m.geomap_layers == ["countries", "places", "test_border", "test_sites"]


def test_every_curated_layer_and_feature_is_in_the_default_page(tiny_catalog):
    data = payload(page_of(geomap.render_map()))
    drawn = {layer["name"]: len(layer["features"]) for layer in data["layers"]}
    assert drawn == {r.name: r.feature_count for r in catalog.list_layers()}
    assert {layer["theme"] for layer in data["layers"]} <= set(catalog.THEMES)


def test_real_catalog_page_holds_every_layer_and_stays_under_2_mb(tmp_path):
    m = geomap.render_map()
    path = geomap.save_map(m, tmp_path / "full.html")
    data = payload(path.read_text(encoding="utf-8"))
    assert {layer["name"]: len(layer["features"]) for layer in data["layers"]} == {
        r.name: r.feature_count for r in catalog.list_layers()}
    assert path.stat().st_size < 2 * 1024 * 1024


def test_chosen_layers_keep_the_basemap(tiny_catalog):
    m = geomap.render_map(["test_sites"])
    assert m.geomap_layers == ["countries", "places", "test_sites"]
    assert geomap.render_map("test_sites", basemap=False).geomap_layers == ["test_sites"]


def test_unknown_layer_is_refused_with_suggestions(tiny_catalog):
    with pytest.raises(LayerNotFoundError, match="test_sites"):
        geomap.render_map(["test_site"])


def test_page_loads_nothing_from_another_host(tiny_catalog):
    html_text = page_of(geomap.render_map())
    page = parse(html_text)
    # the only URLs in the page are in data (popup links), never a resource to fetch
    assert page.fetched == []
    assert all(not attrs.get("src") for attrs, _ in page.scripts)
    assert "<link" not in html_text
    assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", html_text)
    for cdn in ("cdn.jsdelivr", "cdnjs", "unpkg", "bootstrap", "font-awesome", "jquery"):
        assert cdn not in html_text.lower()
    assert "L.version" in html_text or '"1.9.4"' in html_text  # Leaflet itself is inlined


def test_uncertainty_and_year_fields_follow_the_schema(tiny_catalog):
    data = payload(page_of(geomap.render_map(["test_sites"])))
    sites = {f[1]["id"]: f for f in next(x for x in data["layers"] if x["name"] == "test_sites")[
        "features"]}
    # [geometry, properties, start year, end year, approximate, radius in metres]
    assert sites["old-post"][2:] == [1950, None, 0, 0]
    assert sites["closed-camp"][2:] == [1965, 1968, 1, 20000]
    assert sites["new-outpost"][2:] == [2016, None, 1, 10000]
    assert sites["undated"][2:] == [None, None, 0, 0]


@pytest.mark.parametrize(("value", "year"), [
    ("1950", 1950), ("1965-04", 1965), ("1968-12-31", 1968), ("-0300", -300), (1944, 1944),
    (dt.date(1912, 5, 1), 1912), ("unknown", None), (None, None), (True, None),
])
def test_years_are_read_without_epoch_arithmetic(value, year):
    assert render._year(value) == year


def test_completion_dates_do_not_hide_finished_works():
    bbox = [99.0, 99.0, -99.0, -99.0]
    built = render._feature_row(
        {"type": "Point", "coordinates": [70, 38]},
        {"status": "completed", "start_date": "2006", "end_date": "2010"}, 5, bbox)
    closed = render._feature_row(
        {"type": "Point", "coordinates": [70, 38]},
        {"status": "closed", "start_date": "2006", "end_date": "2010"}, 5, bbox)
    assert built[2:4] == [2006, None]
    assert closed[2:4] == [2006, 2010]


def test_styles_keep_only_safe_values():
    style = render._style("china", {
        "color": "red;}</style><script>alert(1)</script>",
        "fill_color": "#D55E00",
        "dash_array": "javascript:alert(1)",
        "weight": "3; background:url(x)",
        "symbol": "<svg onload=alert(1)>",
        "category_symbols": {"tunnel": "square", "pass": "<b>"},
    })
    assert style["color"] == render.THEME_STYLES["china"]["color"]
    assert style["fillColor"] == "#D55E00"
    assert style["dashArray"] is None
    assert style["weight"] == render._BASE_STYLE["weight"]
    assert style["symbol"] == "triangle"
    assert style["categorySymbols"] == {"tunnel": "square"}


# ---------------------------------------------------------------------------- data never runs


HOSTILE = {
    "name": "</script><script>window.__pwned = 1</script>",
    "description": "{{ 1234 * 1000 }} and {% for x in range(3) %}loop{% endfor %}",
    "operator": "<img src=x onerror=\"window.__pwned = 2\">",
    "note": "\u2028<!-- {{ config }}",
}


def test_template_syntax_in_data_and_title_stays_text(tiny_catalog):
    gdf = user_layer([(70.0, 38.0, HOSTILE)])
    html_text = page_of(geomap.render_map(add=[gdf], title="{{ 4321 * 1000 }} {% raw %}"))
    assert "1234000" not in html_text and "4321000" not in html_text
    assert "looplooploop" not in html_text
    data = payload(html_text)
    assert data["title"] == "{{ 4321 * 1000 }} {% raw %}"
    assert "".join(parse(html_text).title) == "{{ 4321 * 1000 }} {% raw %}"
    props = data["layers"][-1]["features"][0][1]
    assert {key: props[key] for key in HOSTILE} == HOSTILE


def test_script_end_tags_in_data_cannot_close_the_script(tiny_catalog, tmp_path):
    path = tmp_path / "hostile.geojson"
    gdf = user_layer([(70.0, 38.0, HOSTILE)])
    write_geojson(gdf, path)
    html_text = page_of(geomap.render_map(add=[path]))
    scripts = parse(html_text).scripts
    # the hostile values add no script element: Leaflet, geomap.js, the data, the map code,
    # plus folium's two-line switch script
    assert [attrs.get("type") for attrs, _ in scripts].count("application/json") == 1
    assert len(scripts) == 5
    assert "window.__pwned" not in "".join(text for attrs, text in scripts
                                           if attrs.get("type") != "application/json")
    assert payload(html_text)["layers"][-1]["features"][0][1]["name"] == HOSTILE["name"]


def test_user_layers_are_validated_first(tiny_catalog, tmp_path):
    bad = tmp_path / "bad.geojson"
    bad.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"name": "x"},
        "geometry": {"type": "Point", "coordinates": [38.5, 200.0]}}]}))
    with pytest.raises(LayerValidationError, match=r"bad\.geojson.*out of range"):
        geomap.render_map(add=[bad])
    with pytest.raises(LayerReadError, match="missing.geojson"):
        geomap.render_map(add=[tmp_path / "missing.geojson"])


def test_user_layer_in_another_crs_is_reprojected(tiny_catalog):
    gdf = user_layer([(68.7791, 38.5598, {"name": "Dushanbe"})]).to_crs(32642)
    data = payload(page_of(geomap.render_map(add=[gdf])))
    lon, lat = data["layers"][-1]["features"][0][0]["coordinates"]
    assert lon == pytest.approx(68.7791, abs=1e-5) and lat == pytest.approx(38.5598, abs=1e-5)
    assert data["layers"][-1]["theme"] == "user"


def test_large_user_layer_goes_to_canvas_with_fewer_digits(tiny_catalog):
    rows = [(67.0 + i * 0.00012345, 37.0 + i * 0.0000678, {"n": i}) for i in range(12_000)]
    data = payload(page_of(geomap.render_map(add=[user_layer(rows)])))
    layer = data["layers"][-1]
    assert layer["canvas"] is True and len(layer["features"]) == 12_000
    lon, lat = layer["features"][-1][0]["coordinates"]
    assert lon == round(67.0 + 11_999 * 0.00012345, 4)
    assert lat == round(37.0 + 11_999 * 0.0000678, 4)
    assert all(not x["canvas"] for x in data["layers"][:-1])


def test_missing_values_become_null_not_nan(tiny_catalog):
    gdf = user_layer([(70, 38, {"name": "a", "size": 1.5}),
                      (71, 38, {"name": "b", "size": float("nan")})])
    gdf["when"] = pandas.to_datetime(["1960-01-01", None])
    features = payload(page_of(geomap.render_map(add=[gdf])))["layers"][-1]["features"]
    assert features[1][1]["size"] is None and features[1][1]["when"] is None
    assert features[0][1]["when"].startswith("1960-01-01")
    assert features[0][2] == 1960 or "start_date" not in features[0][1]


# ------------------------------------------------------------------------------------- saving


def test_save_map_is_atomic_and_refuses_to_overwrite(tiny_catalog, tmp_path):
    m = geomap.render_map(["test_sites"])
    path = geomap.save_map(m, tmp_path / "map.html")
    first = path.read_bytes()
    with pytest.raises(RenderError, match="already exists"):
        geomap.save_map(m, path)

    def broken_render(**kwargs):
        raise RuntimeError("disk on fire")

    m2 = geomap.render_map(["test_border"])
    m2.get_root().render = broken_render
    with pytest.raises(RuntimeError):
        geomap.save_map(m2, path, overwrite=True)
    assert path.read_bytes() == first
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["map.html"]
    geomap.save_map(geomap.render_map(["test_border"]), path, overwrite=True)
    assert payload(path.read_text(encoding="utf-8"))["layers"][-1]["name"] == "test_border"


def test_save_map_creates_missing_folders(tiny_catalog, tmp_path):
    path = geomap.save_map(geomap.render_map(), tmp_path / "new" / "maps" / "map.html")
    assert path.is_file() and "geomap_layers_" in path.read_text(encoding="utf-8")
    assert [p.name for p in path.parent.iterdir()] == ["map.html"]


# ---------------------------------------------------------------------------------------- CLI


def test_cli_writes_the_default_page(tiny_catalog, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["map"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    page = tmp_path / "output" / "tajikistan.html"
    assert page.is_file() and str(Path("output") / "tajikistan.html") in result.output
    assert [x["name"] for x in payload(page.read_text(encoding="utf-8"))["layers"]] == [
        "countries", "places", "test_border", "test_sites"]


def test_cli_options_choose_layers_add_files_and_title(tiny_catalog, tmp_path):
    extra = tmp_path / "mine.geojson"
    write_geojson(user_layer([(70.0, 38.0, {"name": "My site"})]), extra)
    out = tmp_path / "chosen.html"
    result = CliRunner().invoke(cli, ["map", "-l", "test_sites", "--add", str(extra), "-o",
                                      str(out), "--title", "My map"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    data = payload(out.read_text(encoding="utf-8"))
    assert data["title"] == "My map"
    assert [x["name"] for x in data["layers"]] == ["countries", "places", "test_sites", "mine"]


def test_cli_refuses_to_replace_without_overwrite(tiny_catalog, tmp_path, capsys):
    out = tmp_path / "map.html"
    out.write_text("keep me")
    assert main(["map", "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("geomap: error: ") and "--overwrite" in err[0]
    assert out.read_text() == "keep me"
    assert main(["map", "-o", str(out), "--overwrite"]) == 0
    assert "geomap" in out.read_text(encoding="utf-8")


def test_cli_refuses_invalid_user_layer_with_the_validation_error(tiny_catalog, tmp_path, capsys):
    bad = tmp_path / "swapped.geojson"
    bad.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {},
        "geometry": {"type": "Point", "coordinates": [38.5, 120.0]}}]}))
    out = tmp_path / "map.html"
    code = main(["map", "--add", str(bad), "-o", str(out)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1
    assert "swapped.geojson" in err[0] and "out of range" in err[0]
    assert not out.exists() and list(tmp_path.glob(".map.html*")) == []


def test_cli_unknown_layer_is_one_line(tiny_catalog, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["map", "-l", "nope"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no layer named 'nope'" in err[0]
    assert not (tmp_path / "output" / "tajikistan.html").exists()


def test_geomap_map_in_a_real_process(tmp_path):
    env = dict(os.environ, PYTHONWARNINGS="error")
    done = subprocess.run([sys.executable, "-m", "geomap.cli", "map", "-o", "m.html",
                           "--title", "Process test"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    data = payload((tmp_path / "m.html").read_text(encoding="utf-8"))
    assert data["title"] == "Process test"
    assert len(data["layers"]) == len(catalog.layer_names())


# ------------------------------------------------------------------------------------- assets


def test_json_for_script_is_plain_json_with_nothing_html_can_see():
    from geomap import assets

    value = {"a": "</script><!-- & \u2028\u2029 <b>", "n": [1, 2.5, None, True], "é": "ü"}
    text = assets.json_for_script(value)
    assert json.loads(text) == value
    for char in "<>&\u2028\u2029":
        assert char not in text
    with pytest.raises(RenderError, match="cannot embed"):
        assets.json_for_script({"x": float("nan")})


def test_inline_tags_cannot_be_closed_early():
    from geomap import assets

    tag = assets.script_tag('var s = "</script><script>alert(1)</script>"; // <!--')
    assert tag.count("</script>") == 1 and tag.endswith("</script>")
    assert "<!--" not in tag
    style = assets.style_tag("a::after { content: '</style><script>x</script>'; }")
    assert style.count("</style>") == 1 and "</script>" not in style


def test_leaflet_comes_inline_with_its_licence_and_images():
    from geomap import assets

    js, css = assets.leaflet_js(), assets.leaflet_css()
    assert "Leaflet 1.9.4" in js and "Vladimir Agafonkin" in js  # BSD notice kept
    assert "sourceMappingURL" not in js
    assert "url(images/" not in css and css.count("data:image/png;base64,") >= 3
    assert "data:image/png;base64," in js  # default marker icons, no image folder needed


def test_lone_surrogates_in_data_and_title_still_save(tiny_catalog, tmp_path):
    from geomap import assets

    # a "\ud800" escape in a JSON file gives a lone surrogate, which UTF-8 cannot hold
    assert json.loads(assets.json_for_script(["broken \ud800 escape"])) == ["broken \ud800 escape"]
    assets.json_for_script(["broken \ud800 escape"]).encode("utf-8")
    m = geomap.render_map(title="bytes \udcff from argv")  # undecodable command-line bytes
    path = geomap.save_map(m, tmp_path / "s.html")
    assert payload(path.read_text(encoding="utf-8"))["title"] == "bytes ? from argv"


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.text(max_size=40), min_size=1, max_size=4))
def test_any_text_round_trips_through_the_page(tiny_catalog, values):
    gdf = user_layer([(70.0 + i * 0.1, 38.0, {"name": v, "note": v[::-1]})
                      for i, v in enumerate(values)])
    title = values[0] if values[0].strip() else "t"  # a blank title is refused on purpose
    html_text = page_of(geomap.render_map(["test_border"], add=[gdf], title=title))
    assert len(parse(html_text).scripts) == 5
    features = payload(html_text)["layers"][-1]["features"]
    assert [(f[1]["name"], f[1]["note"]) for f in features] == [(v, v[::-1]) for v in values]


def test_geomap_map_skips_folium_and_pandas_for_speed(tmp_path):
    code = ("import sys; from geomap.cli import main; code = main(['map', '-o', 'm.html']); "
            "print(code, 'folium' in sys.modules, 'pandas' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60)
    assert done.stdout.split()[-3:] == ["0", "False", "False"], done.stderr


def test_cli_page_and_python_page_carry_the_same_data(tiny_catalog, tmp_path):
    from geomap.render import write_map

    counts = write_map(tmp_path / "cli.html", ["test_sites"], title="Same")
    python_page = page_of(geomap.render_map(["test_sites"], title="Same"))
    cli_page = (tmp_path / "cli.html").read_text(encoding="utf-8")
    assert payload(cli_page) == payload(python_page)
    assert counts == {"countries": 2, "places": 2, "test_sites": 4}
    assert parse(cli_page).fetched == [] and "<link" not in cli_page
    with pytest.raises(RenderError, match="already exists"):
        write_map(tmp_path / "cli.html", ["test_sites"])


def test_cli_adds_a_geopackage_in_another_crs(tiny_catalog, tmp_path):
    gpkg = tmp_path / "sites.gpkg"
    gdf = user_layer([(68.7791, 38.5598, {"name": "Dushanbe office", "opened": "1961"})])
    gdf.to_crs(32642).to_file(gpkg, driver="GPKG", layer="sites")
    out = tmp_path / "gpkg.html"
    result = CliRunner().invoke(cli, ["map", "-l", "test_sites", "--add", str(gpkg), "-o",
                                      str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    layer = payload(out.read_text(encoding="utf-8"))["layers"][-1]
    assert layer["name"] == "sites" and layer["features"][0][1]["name"] == "Dushanbe office"
    lon, lat = layer["features"][0][0]["coordinates"]
    assert (lon, lat) == pytest.approx((68.7791, 38.5598), abs=1e-5)


def test_a_geopackage_is_read_once_and_its_problems_still_refuse_the_map(
    tiny_catalog, tmp_path, monkeypatch
):
    from geomap import readers

    gpkg = tmp_path / "sites.gpkg"
    user_layer([(68.7791, 38.5598, {"name": "Dushanbe office"})]).to_file(gpkg, driver="GPKG")
    reads = []
    real_read = readers.read_file
    monkeypatch.setattr(readers, "read_file",
                        lambda *a, **k: reads.append(a[0]) or real_read(*a, **k))
    geomap.render_map(["test_sites"], add=[gpkg])
    assert reads == [gpkg]
    bad = tmp_path / "swapped.gpkg"
    user_layer([(38.5598, 168.7791, {"name": "swapped"})]).to_file(bad, driver="GPKG")
    with pytest.raises(LayerValidationError, match=r"swapped\.gpkg.*swapped lat/lon"):
        geomap.render_map(["test_sites"], add=[bad])


def test_curated_map_opens_on_tajikistan_and_user_layers_widen_the_view():
    """The real catalog reaches Urumqi and Uzbek lakes; the first view stays on Tajikistan."""
    from geomap.render import TAJIKISTAN_BBOX

    west, south, east, north = TAJIKISTAN_BBOX
    (s, w), (n, e) = payload(page_of(geomap.render_map()))["bounds"]
    assert west - 0.6 <= w <= west + 1 and east - 1 <= e <= east + 0.6
    assert south - 0.6 <= s <= south + 1 and north - 1 <= n <= north + 0.6
    far = user_layer([(87.6, 43.8, {"name": "Urumqi"})])
    (_, _), (_, e2) = payload(page_of(geomap.render_map(add=[far])))["bounds"]
    assert e2 >= 87.6
