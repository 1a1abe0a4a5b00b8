"""The map page in a real headless Chromium with every network request refused."""

import json

import geopandas
import numpy as np
import pytest
from pyproj import Geod
from shapely.geometry import Point

import geomap
from geomap import catalog
from geomap.render import CANVAS_THRESHOLD, UNCERTAINTY_CIRCLE_MAX_M
from geomap.schema import CATEGORIES

pytestmark = pytest.mark.browser


def build(tmp_path, name="map.html", via="python", **kwargs):
    """Write a map page as Python users do (render_map + save_map) or as ``geomap map`` does."""
    if via == "cli":
        from geomap.render import write_map

        layers = kwargs.pop("layers", None)
        write_map(tmp_path / name, layers, **kwargs)
        return tmp_path / name
    return geomap.save_map(geomap.render_map(**kwargs), tmp_path / name)


def dom_count(page, index):
    """Features of layer ``index`` drawn as SVG/DOM objects (uncertainty circles excluded)."""
    return page.evaluate(
        """i => document.querySelectorAll(
            `.leaflet-marker-pane .geomap-l${i}, .leaflet-overlay-pane path.geomap-l${i}` +
            `:not(.geomap-uncertainty)`).length""",
        index,
    )


def expected_objects(path):
    """Markers or paths one curated layer file should produce (a MultiPoint gives several)."""
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    total = 0
    for feature in features:
        geometry = feature["geometry"]
        total += len(geometry["coordinates"]) if geometry["type"] == "MultiPoint" else 1
    return total


def click_feature(page, layer_index, position=0):
    """Bring a marker to the middle of the map, as a user would, and click it."""
    marker = page.locator(f".leaflet-marker-pane .geomap-l{layer_index}").nth(position)
    page.evaluate(
        """el => { var b = el.getBoundingClientRect(), m = geomap.map;
                   var r = m.getContainer().getBoundingClientRect();
                   m.panBy([b.left + b.width / 2 - r.left - r.width / 2,
                            b.top + b.height / 2 - r.top - r.height / 2], {animate: false}); }""",
        marker.element_handle())
    marker.click()
    page.wait_for_selector(".leaflet-popup-content .geomap-popup")
    return page.locator(".leaflet-popup-content").last  # an older popup may still fade out


def checkbox(page, name):
    index = page.evaluate("n => geomap.layerIndex(n)", name)
    return page.locator(f'.geomap-layers input[data-layer="{index}"]')


# ------------------------------------------------------------------------ the full curated map


@pytest.mark.parametrize("via", ["cli", "python"])
def test_full_curated_map_draws_every_feature_offline(tmp_path, browser_page, output_dir, via):
    path = build(tmp_path, via=via)
    page = browser_page.open_html(path)
    assert page.console_errors == []
    assert page.blocked_requests == []
    records = catalog.list_layers()
    assert page.evaluate("geomap.totals()") == {r.name: r.feature_count for r in records}
    assert page.evaluate("geomap.counts()") == {r.name: r.feature_count for r in records}
    for record in records:
        if record.feature_count > CANVAS_THRESHOLD:
            continue  # drawn on canvas: counted by geomap.counts() above, not in the DOM
        index = page.evaluate("n => geomap.layerIndex(n)", record.name)
        assert dom_count(page, index) == expected_objects(record.path), record.name
    # every data source is credited on the page
    attribution = page.inner_text(".leaflet-control-attribution")
    for record in records:
        for part in record.attribution.split(";"):
            assert part.strip() in attribution
    # the legend explains every layer's symbol, and each category symbol of a layer
    legend = page.locator(".geomap-legend").text_content()
    for record in records:
        assert record.title in legend
        present = {f["properties"].get("category") for f in
                   json.loads(record.path.read_text(encoding="utf-8"))["features"]}
        for category in (record.style or {}).get("category_symbols", {}):
            if category in present:
                assert CATEGORIES.get(category, category) in legend
    # layer control grouped by theme, in catalog.THEMES order
    themes = page.locator(".geomap-layers fieldset legend").all_text_contents()
    present = [title for key, title in catalog.THEMES.items() if catalog.list_layers(key)]
    assert themes == ["Uncertainty circles", *present, "Background tiles"]
    page.screenshot(path=str(output_dir / f"map_full_{via}.png"), full_page=True)


def test_popup_of_a_curated_site_shows_readable_citations(tmp_path, browser_page):
    points = [r for r in catalog.list_layers() if r.theme != "context" and "Point" in
              r.geometry_type and r.feature_count]
    if not points:
        pytest.skip("no curated point layer yet")
    record = points[-1]
    page = browser_page.open_html(build(tmp_path, layers=[record.name]))
    index = page.evaluate("n => geomap.layerIndex(n)", record.name)
    popup = click_feature(page, index)
    first = json.loads(record.path.read_text(encoding="utf-8"))["features"][0]["properties"]
    assert first["name"] in popup.locator("h3").inner_text()
    citations = popup.locator(".geomap-citation").all_inner_texts()
    assert citations == [s["citation"] for s in first["sources"]]
    for href in popup.locator("a").evaluate_all("links => links.map(a => a.href)"):
        assert href.startswith(("http://", "https://"))
    assert page.console_errors == []


def test_curated_sites_of_unknown_location_draw_no_circle_until_asked(tmp_path, browser_page,
                                                                       output_dir):
    records = [r for r in catalog.list_layers() if r.theme != "context"
               and "Point" in r.geometry_type and r.feature_count <= CANVAS_THRESHOLD]
    page = browser_page.open_html(build(tmp_path, via="cli"))
    for record in records:
        small = large = 0
        for feature in json.loads(record.path.read_text(encoding="utf-8"))["features"]:
            props, geometry = feature["properties"], feature["geometry"]
            radius = props.get("coordinate_uncertainty_m") or 0
            if props.get("precision") in (None, 1) or not radius:
                continue
            points = len(geometry["coordinates"]) if geometry["type"] == "MultiPoint" else 1
            if radius <= UNCERTAINTY_CIRCLE_MAX_M:
                small += points
            else:
                large += points
        index = page.evaluate("n => geomap.layerIndex(n)", record.name)
        circles = page.locator(f"path.geomap-uncertainty.geomap-l{index}")
        assert circles.count() == small, record.name
        assert page.locator(f".geomap-symbol.geomap-unknown.geomap-l{index}").count() == large
    # the 280 km border posts and the 150 km Sambuli ground are drawn as "site unknown" symbols
    assert page.locator("path.geomap-uncertainty-large").count() == 0
    labels = page.locator(".leaflet-marker-icon[aria-label*='site unknown']").evaluate_all(
        "els => els.map(e => e.getAttribute('aria-label'))")
    assert any("within about 280 km" in label for label in labels)
    assert any(label.startswith("Sambuli") and "150 km" in label for label in labels)
    for width, height in ((1280, 720), (1920, 1080)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(output_dir / f"map_uncertainty_{width}.png"))
    assert page.console_errors == []


# ------------------------------------------------------------------------ controls, small data


def test_toggling_a_layer_hides_and_shows_it(tiny_catalog, tmp_path, browser_page):
    page = browser_page.open_html(build(tmp_path))
    index = page.evaluate("geomap.layerIndex('test_sites')")
    assert dom_count(page, index) == 4
    checkbox(page, "test_sites").uncheck()
    assert page.evaluate("geomap.counts().test_sites") == 0
    assert dom_count(page, index) == 0
    assert page.locator(".geomap-uncertainty").count() == 0  # circles go with their layer
    checkbox(page, "test_sites").check()
    assert page.evaluate("geomap.counts().test_sites") == 4
    assert dom_count(page, index) == 4
    border = page.evaluate("geomap.layerIndex('test_border')")
    checkbox(page, "test_border").uncheck()
    assert dom_count(page, border) == 0
    assert page.console_errors == []


def test_popup_shows_names_precision_and_safe_source_link(tiny_catalog, tmp_path, browser_page):
    page = browser_page.open_html(build(tmp_path, layers=["test_sites"]))
    index = page.evaluate("geomap.layerIndex('test_sites')")
    popup = click_feature(page, index, 0)
    text = popup.inner_text()
    assert "Old post" in text and "Посгоҳи кӯҳна" in text and "Старый пост" in text
    assert "Chinese-manned military outpost" in text  # category label from the schema
    assert "Test operator" in text and "1950 onwards" in text and "US$ 2.5 million" in text
    assert "code 1 – Exact location" in text
    citation = popup.locator(".geomap-citation").inner_text()
    assert citation == "Olimova & Olimov 2021, Security Policy"
    assert popup.locator("a").get_attribute("href") == "https://www.rosalux.de/"
    assert popup.locator("a").get_attribute("rel") == "noopener noreferrer nofollow"


def test_approximate_sites_get_dashed_uncertainty_circles(tiny_catalog, tmp_path, browser_page):
    page = browser_page.open_html(build(tmp_path, layers=["test_sites"]))
    circles = page.locator("path.geomap-uncertainty")
    assert circles.count() == 2  # closed-camp (code 3) and new-outpost (code 2)
    dashes = circles.evaluate_all("ps => ps.map(p => p.getAttribute('stroke-dasharray'))")
    assert all(dashes)
    # the 20 km circle is twice as wide on screen as the 10 km one, at about the same latitude
    widths = sorted(circles.evaluate_all("ps => ps.map(p => p.getBBox().width)"))
    assert widths[1] / widths[0] == pytest.approx(2.0, rel=0.05)
    assert page.locator(".geomap-symbol.geomap-approx").count() == 2
    assert "dashed circle" in page.inner_text(".geomap-legend")


LARGE_M, SMALL_M = 280_000, 25_000


def uncertain_sites(tmp_path):
    """A user layer with one site known within 25 km, one within 50 km and one within 280 km."""
    features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
         "properties": {"name": name, "precision": precision, "coordinate_uncertainty_m": radius,
                        "category": "military_outpost", "sources": [{"citation": "Test"}]}}
        for name, lon, lat, precision, radius in [
            ("Near post", 69.4, 39.6, 2, SMALL_M),
            ("Edge post", 73.0, 39.4, 3, UNCERTAINTY_CIRCLE_MAX_M),
            ("Somewhere on the border", 71.2, 38.4, 8, LARGE_M),
        ]]
    path = tmp_path / "uncertain.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def large_circles(page):
    return page.locator("path.geomap-uncertainty-large")


def circle_geometry(page):
    """Return the large circle's pixel radius, metres per pixel at its centre, its west edge."""
    return page.evaluate(
        """() => { var m = geomap.map, r = m.getContainer().getBoundingClientRect();
            var b = document.querySelector('path.geomap-uncertainty-large')
              .getBoundingClientRect();
            var cx = b.left + b.width / 2 - r.left, cy = b.top + b.height / 2 - r.top;
            var a = m.containerPointToLatLng([cx - 50, cy]);
            var z = m.containerPointToLatLng([cx + 50, cy]);
            var west = m.containerPointToLatLng([b.left - r.left, cy]);
            return [b.width / 2, m.distance(a, z) / 100, [west.lat, west.lng]]; }""")


def test_large_uncertainty_circle_shows_only_on_hover_focus_or_popup(
        tiny_catalog, tmp_path, browser_page, output_dir):
    page = browser_page.open_html(build(tmp_path, layers=["test_sites"],
                                        add=[uncertain_sites(tmp_path)]))
    assert page.evaluate("geomap.circleMode()") == "limit"
    index = page.evaluate("geomap.layerIndex('uncertain')")
    # by default: the 25 km and 50 km circles are drawn, the 280 km one is not in the DOM
    widths = page.locator(f"path.geomap-uncertainty.geomap-l{index}").evaluate_all(
        "ps => ps.map(p => p.getBBox().width)")
    assert len(widths) == 2
    assert large_circles(page).count() == 0
    # its marker is a distinct "site unknown" variant, with a name screen readers read
    unknown = page.locator(f".geomap-symbol.geomap-unknown.geomap-l{index}")
    assert unknown.count() == 1
    assert unknown.locator("svg text").text_content() == "?"
    assert unknown.locator("[stroke-dasharray]").count() == 1
    assert page.locator(".geomap-symbol.geomap-unknown").count() == 1  # not the 25/50 km ones
    icon = page.locator(".leaflet-marker-icon", has=unknown)
    assert icon.get_attribute("aria-label") == (
        "Somewhere on the border: site unknown, within about 280 km")
    assert icon.get_attribute("tabindex") == "0"
    legend = page.inner_text(".geomap-legend")
    assert "dashed circle" in legend and "“?” symbol: site unknown" in legend
    assert f"within more than {UNCERTAINTY_CIRCLE_MAX_M // 1000} km" in legend

    # hover: the circle appears, with the right geodesic radius; leaving hides it
    unknown.hover()
    assert large_circles(page).count() == 1
    assert "within about 280 km" in page.locator(".leaflet-tooltip").last.inner_text()
    page.screenshot(path=str(output_dir / "map_uncertainty_hover.png"))
    pixels, metres_per_pixel, west = circle_geometry(page)
    assert pixels * metres_per_pixel == pytest.approx(LARGE_M, rel=0.03)
    _, _, metres = Geod(ellps="WGS84").inv(71.2, 38.4, west[1], west[0])
    assert metres == pytest.approx(LARGE_M, rel=0.01)
    assert large_circles(page).get_attribute("stroke-dasharray")
    page.mouse.move(5, 450)
    assert large_circles(page).count() == 0

    # keyboard focus shows it; moving focus away hides it
    icon.focus()
    assert large_circles(page).count() == 1
    page.locator(".geomap-search input").focus()
    assert large_circles(page).count() == 0

    # an open popup keeps it (and still says how far); closing the popup hides it
    popup = click_feature(page, index, 2)
    assert "within about 280 km" in popup.inner_text()
    page.mouse.move(5, 450)
    assert large_circles(page).count() == 1
    page.locator(".leaflet-popup-close-button").click()
    page.locator(".geomap-search input").focus()  # the marker may hold focus after the click
    page.mouse.move(5, 450)
    assert large_circles(page).count() == 0
    assert page.console_errors == []


def test_uncertainty_circle_control_shows_all_or_none(tiny_catalog, tmp_path, browser_page):
    page = browser_page.open_html(build(tmp_path, via="cli", layers=["test_sites"],
                                        add=[uncertain_sites(tmp_path)]))
    control = page.locator(".geomap-layers fieldset.geomap-circles")
    radios = control.locator("input[type=radio]")
    assert control.locator("label").all_inner_texts() == [
        f"up to {UNCERTAINTY_CIRCLE_MAX_M // 1000} km", "all", "none"]
    assert radios.evaluate_all("rs => rs.map(r => r.checked)") == [True, False, False]
    every = page.locator("path.geomap-uncertainty")
    assert every.count() == 4  # test_sites' 10 and 20 km, and the 25 and 50 km user sites

    # keyboard: arrow keys move through the radio group and apply at once
    radios.first.focus()
    page.keyboard.press("ArrowRight")
    assert page.evaluate("geomap.circleMode()") == "all"
    assert every.count() == 5 and large_circles(page).count() == 1
    pixels, metres_per_pixel, _ = circle_geometry(page)
    assert pixels * metres_per_pixel == pytest.approx(LARGE_M, rel=0.03)

    # circles still follow the year filter and the layer toggles
    checkbox(page, "uncertain").uncheck()
    assert every.count() == 2
    checkbox(page, "uncertain").check()
    assert every.count() == 5
    page.locator(".geomap-years input[type=checkbox]").check()
    page.locator(".geomap-years input[type=range]").fill("1955")  # only the old post (exact)
    assert every.count() == 3  # the undated user sites stay
    page.locator(".geomap-years input[type=checkbox]").uncheck()

    control.get_by_label("none").check()
    assert page.evaluate("geomap.circleMode()") == "none"
    assert every.count() == 0
    page.locator(".geomap-symbol.geomap-unknown").hover()
    assert every.count() == 0  # "none" means none, even on hover
    assert page.evaluate("geomap.counts()")["uncertain"] == 3  # the sites themselves stay

    control.get_by_label("up to").check()
    page.mouse.move(5, 450)
    assert every.count() == 4 and large_circles(page).count() == 0
    assert page.console_errors == []


def test_canvas_layers_draw_large_circles_only_when_all_are_asked_for(tiny_catalog, tmp_path,
                                                                      browser_page):
    count = CANVAS_THRESHOLD + 200
    rng = np.random.default_rng(3)
    gdf = geopandas.GeoDataFrame(
        {"name": [f"q{i}" for i in range(count)], "precision": 8,
         "coordinate_uncertainty_m": float(LARGE_M)},
        geometry=[Point(x, y) for x, y in zip(rng.uniform(68, 74, count),
                                               rng.uniform(37, 40.5, count), strict=True)],
        crs="EPSG:4326")
    gdf.attrs["layer"] = "vague"
    page = browser_page.open_html(build(tmp_path, layers=["test_sites"], add=[gdf]))
    painted = """() => { var c = document.querySelector('canvas.geomap-points');
        var d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data, n = 0;
        for (var i = 3; i < d.length; i += 4) { if (d[i]) { n++; } } return n; }"""
    points_only = page.evaluate(painted)
    assert points_only > 0
    page.locator(".geomap-circles").get_by_label("all").check()
    assert page.evaluate(painted) > 2 * points_only  # the dashed 280 km circles
    page.locator(".geomap-circles").get_by_label("none").check()
    assert page.evaluate(painted) == points_only
    assert page.evaluate("geomap.counts().vague") == count
    assert page.console_errors == []


def test_approximate_lines_are_dashed_exact_ones_solid(tiny_catalog, tmp_path, browser_page):
    exact = tmp_path / "exact.geojson"
    exact.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"name": "surveyed road", "precision": 1},
        "geometry": {"type": "LineString", "coordinates": [[69, 38], [70, 38.5]]}}]}))
    page = browser_page.open_html(build(tmp_path, layers=["test_border"], add=[exact]))
    dash = page.evaluate("""names => names.map(n => document.querySelector(
        `path.geomap-l${geomap.layerIndex(n)}`).getAttribute('stroke-dasharray'))""",
        ["test_border", "exact"])
    assert dash[0] and dash[1] is None  # code 5 border dashed; code 1 road solid
    assert "approximate course or boundary" in page.inner_text(".geomap-legend")


def test_year_filter_handles_dates_before_1970(tiny_catalog, tmp_path, browser_page):
    page = browser_page.open_html(build(tmp_path, layers=["test_sites"]))
    page.locator(".geomap-years input[type=checkbox]").check()
    slider = page.locator(".geomap-years input[type=range]")

    def shown_in(year):
        slider.fill(str(year))
        assert page.evaluate("geomap.year()") == year
        return page.evaluate("geomap.counts().test_sites")

    # old post 1950-, closed camp 1965-1968 (closed), new outpost 2016-, undated always
    assert shown_in(1955) == 2
    assert shown_in(1966) == 3
    assert shown_in(1969) == 2
    assert shown_in(2020) == 3
    assert page.locator(".geomap-years .geomap-year-value").inner_text() == "2020"
    index = page.evaluate("geomap.layerIndex('test_sites')")
    assert dom_count(page, index) == 3
    page.locator(".geomap-years input[type=checkbox]").uncheck()
    assert page.evaluate("geomap.counts().test_sites") == 4
    assert page.evaluate("geomap.year()") is None


def test_search_finds_features_by_any_name(tiny_catalog, tmp_path, browser_page):
    page = browser_page.open_html(build(tmp_path))
    search = page.locator(".geomap-search input")
    search.fill("старый")  # Russian name, case-folded
    results = page.locator(".geomap-results button")
    assert results.count() == 1
    results.first.click()
    assert "Old post" in page.locator(".leaflet-popup-content h3").inner_text()
    search.fill("khuj")
    assert "Khujand" in page.locator(".geomap-results button").first.inner_text()
    search.fill("zzzz")
    assert page.locator(".geomap-results").inner_text() == "No feature matches"


def test_measure_tool_gives_great_circle_distance(tiny_catalog, tmp_path, browser_page):
    page = browser_page.open_html(build(tmp_path))
    page.locator(".geomap-measure button").click()
    # two points in view where no feature would catch the click
    start, end = (37.70, 70.20), (38.60, 72.00)
    for lat, lon in (start, end):
        x, y = page.evaluate(
            "([lat, lon]) => { var p = geomap.map.latLngToContainerPoint([lat, lon]);"
            " var r = geomap.map.getContainer().getBoundingClientRect();"
            " return [p.x + r.left, p.y + r.top]; }", [lat, lon])
        page.mouse.click(x, y)
    shown = page.locator(".geomap-measure-output").inner_text()
    assert shown.startswith("Distance: ") and shown.endswith(" km")
    _, _, metres = Geod(ellps="WGS84").inv(start[1], start[0], end[1], end[0])
    # clicks land on whole pixels: a few km of slack at this zoom
    assert float(shown.split()[1]) == pytest.approx(metres / 1000, rel=0.03)


def test_cursor_coordinates_scale_bar_and_fullscreen(tiny_catalog, tmp_path, browser_page):
    page = browser_page.open_html(build(tmp_path))
    x, y = page.evaluate(
        "() => { var p = geomap.map.latLngToContainerPoint([38.5, 70.5]);"
        " var r = geomap.map.getContainer().getBoundingClientRect();"
        " return [p.x + r.left, p.y + r.top]; }")
    page.mouse.move(x, y)
    lat_text, _, lon_text, _ = page.locator(".geomap-coords").inner_text().split()
    assert float(lat_text.rstrip("°")) == pytest.approx(38.5, abs=0.05)
    assert float(lon_text.rstrip("°")) == pytest.approx(70.5, abs=0.05)
    assert page.locator(".leaflet-control-scale-line").inner_text().endswith(("km", "m"))
    page.get_by_role("button", name="Full screen").click()
    page.wait_for_function("document.fullscreenElement || "
                           "document.querySelector('.geomap-fullscreen')")
    assert page.console_errors == []


# ------------------------------------------------------------------ town labels and the Tab key

LABEL_BOXES = """() => {
    var view = geomap.map.getContainer().getBoundingClientRect();
    return [...document.querySelectorAll(".geomap-label")].map(node => {
        var r = node.getBoundingClientRect();
        return {name: node.textContent, left: r.left, top: r.top, right: r.right,
                bottom: r.bottom, shown: getComputedStyle(node).visibility === "visible",
                inView: r.left < view.right && view.left < r.right && r.top < view.bottom &&
                        view.top < r.bottom};
    });
}"""


def shown_labels(page):
    """The town labels a person sees in the map's frame: {name: box}."""
    return {b["name"]: b for b in page.evaluate(LABEL_BOXES) if b["shown"] and b["inView"]}


def overlapping_pairs(boxes):
    """Pairs of labels whose text overlaps (each line box has ~2 px of air above and below)."""
    def clash(a, b):
        return (a["left"] < b["right"] and b["left"] < a["right"]
                and a["top"] + 2 < b["bottom"] - 2 and b["top"] + 2 < a["bottom"] - 2)

    items = sorted(boxes.items())
    return [(n1, n2) for i, (n1, b1) in enumerate(items) for n2, b2 in items[i + 1:]
            if clash(b1, b2)]


def zoom_to(page, lat, lon, zoom):
    page.evaluate("([lat, lon, z]) => geomap.map.setView([lat, lon], z, {animate: false})",
                  [lat, lon, zoom])


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)])
def test_town_labels_never_overlap_and_come_back_when_zooming_in(tmp_path, browser_page,
                                                                 output_dir, size):
    browser_page.set_viewport_size({"width": size[0], "height": size[1]})
    page = browser_page.open_html(build(tmp_path))
    tag = f"{size[0]}x{size[1]}"
    page.screenshot(path=str(output_dir / f"map_labels_default_{tag}.png"))
    # what the page would show without decluttering: the pile-up west of Dushanbe
    page.evaluate("""() => document.querySelectorAll('.geomap-label-hidden')
                     .forEach(n => n.classList.replace('geomap-label-hidden', 'geomap-was'))""")
    crowded = shown_labels(page)
    assert overlapping_pairs(crowded), "the test view no longer has colliding labels"
    page.screenshot(path=str(output_dir / f"map_labels_undecluttered_{tag}.png"))
    page.evaluate("geomap.declutter()")
    shown = shown_labels(page)
    assert overlapping_pairs(shown) == []
    assert "Dushanbe" in shown
    hidden = {label["name"] for label in page.evaluate("geomap.labels()") if label["hidden"]}
    assert {"Hisor", "Vahdat"} <= hidden
    assert not hidden & set(shown)
    # every town keeps its marker
    places = page.evaluate("geomap.layerIndex('places')")
    assert dom_count(page, places) == page.evaluate("geomap.totals().places")
    # zoomed in on Dushanbe there is room again
    zoom_to(page, 38.55, 68.78, 10)
    near = shown_labels(page)
    assert {"Dushanbe", "Hisor", "Vahdat"} <= set(near)
    assert overlapping_pairs(near) == []
    page.screenshot(path=str(output_dir / f"map_labels_zoom10_{tag}.png"))
    # and zooming out again hides them again
    page.evaluate("geomap.map.setZoom(6, {animate: false})")
    assert overlapping_pairs(shown_labels(page)) == []
    assert page.console_errors == []


def test_labels_are_decluttered_again_after_a_layer_toggle_and_the_year_filter(
        tmp_path, browser_page):
    page = browser_page.open_html(build(tmp_path))
    before = page.evaluate("geomap.labels()")
    checkbox(page, "places").uncheck()
    assert page.evaluate("geomap.labels()") == []
    checkbox(page, "places").check()
    assert page.evaluate("geomap.labels()") == before
    assert overlapping_pairs(shown_labels(page)) == []
    page.locator(".geomap-years input[type=checkbox]").check()  # towns are undated: they stay
    assert page.evaluate("geomap.labels()") == before
    zoom = page.evaluate("geomap.map.getZoom()")
    page.evaluate("""() => { window.__moved = 0;
                             geomap.map.on('moveend', () => { window.__moved += 1; }); }""")
    page.get_by_role("button", name="Zoom in").click()  # animated, as a person zooms
    page.wait_for_function(f"geomap.map.getZoom() === {zoom + 1} && window.__moved > 0")
    assert overlapping_pairs(shown_labels(page)) == []


def test_hovering_a_town_whose_label_is_hidden_shows_its_name(tmp_path, browser_page,
                                                              output_dir):
    page = browser_page.open_html(build(tmp_path))
    hidden = [label["name"] for label in page.evaluate("geomap.labels()") if label["hidden"]]
    assert "Hisor" in hidden
    label = page.locator(".geomap-label", has_text="Hisor")
    assert label.evaluate("n => getComputedStyle(n).visibility") == "hidden"
    marker = page.locator('.leaflet-marker-pane .geomap-icon[aria-label="Hisor"]')
    marker.hover()
    assert label.evaluate("n => getComputedStyle(n).visibility") == "visible"
    # lifted above the symbols and the other labels while it shows
    assert label.evaluate("n => n.parentNode === geomap.map.getPane('tooltipPane')")
    page.screenshot(path=str(output_dir / "map_labels_hover.png"))
    page.mouse.move(5, 450)
    assert label.evaluate("n => getComputedStyle(n).visibility") == "hidden"


def test_tab_from_search_reaches_curated_sites_and_never_a_town(tmp_path, browser_page):
    page = browser_page.open_html(build(tmp_path))
    places = page.evaluate("geomap.layerIndex('places')")
    # no town marker is focusable; every curated site marker is
    assert page.evaluate(
        """i => [...document.querySelectorAll('.leaflet-marker-pane .geomap-icon')]
               .filter(n => n.querySelector('.geomap-l' + i) && n.tabIndex >= 0).length""",
        places) == 0
    sites = [r for r in catalog.list_layers() if r.theme != "context"
             and "Point" in r.geometry_type and r.feature_count <= CANVAS_THRESHOLD]
    focusable = page.evaluate(
        "() => document.querySelectorAll('.leaflet-marker-pane .geomap-icon[tabindex=\"0\"]')"
        ".length")
    assert focusable == sum(expected_objects(r.path) for r in sites)

    def walk(presses):
        page.locator(".geomap-search input").focus()
        stops = []
        for _ in range(presses):
            page.keyboard.press("Tab")
            stops.append(page.evaluate(
                r"""i => { var a = document.activeElement;
                          var m = a.closest('.leaflet-marker-pane .geomap-icon');
                          return {marker: !!m, town: !!(m && m.querySelector('.geomap-l' + i)),
                                  layer: m ? +/geomap-l(\d+)/.exec(m.innerHTML)[1] : null,
                                  name: a.getAttribute('aria-label') || a.textContent}; }""",
                places))
        return stops

    stops = walk(12)
    assert not any(stop["town"] for stop in stops)
    first = next(i for i, stop in enumerate(stops) if stop["marker"])
    assert first <= 3, stops  # measure, full screen, then the sites
    # sites come in layer order, and still do after a layer is switched off and on
    layers = [stop["layer"] for stop in stops if stop["marker"]]
    assert layers == sorted(layers)
    entry = next(r.name for r in catalog.list_layers()
                 if page.evaluate("n => geomap.layerIndex(n)", r.name) == layers[0])
    checkbox(page, entry).uncheck()
    checkbox(page, entry).check()
    assert walk(12) == stops
    # and Shift+Tab from the first site goes back to the search box
    walk(first + 1)
    for _ in range(first + 1):
        page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.matches('.geomap-search input')")


# --------------------------------------------------------------------------------- safety


HOSTILE = [
    ("<script>window.__pwned = 1</script>", "javascript:window.__pwned = 2"),
    ("<img src=x onerror=\"window.__pwned = 3\">", "JaVaScRiPt:alert(1)"),
    ("</script><script>alert('pwned')</script>", " javascript:alert(1)"),
    ("{{ 7*7 }} {% for x in range(3) %}loop{% endfor %}",
     "data:text/html,<script>alert(1)</script>"),
    ("<svg onload=alert(1)>", "https://example.org/ok?x=<b>"),
]


def hostile_file(tmp_path):
    features = []
    for number, (text, url) in enumerate(HOSTILE):
        features.append({"type": "Feature",
                         "geometry": {"type": "Point", "coordinates": [69 + number, 38.5]},
                         "properties": {"name": text, "operator": text, "description": text,
                                        "precision": 1, "category": text, text: text,
                                        "sources": [{"citation": text, "url": url,
                                                     "locator": text}]}})
    path = tmp_path / "hostile <b>layer.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


@pytest.mark.parametrize("via", ["cli", "python"])
def test_hostile_user_layer_executes_nothing(tiny_catalog, tmp_path, browser_page, output_dir,
                                             via):
    page = browser_page.open_html(build(
        tmp_path, via=via, add=[hostile_file(tmp_path)],
        title="<img src=x onerror=alert(1)> {{ 6*7 }}"))
    assert page.title() == "<img src=x onerror=alert(1)> {{ 6*7 }}"
    index = page.evaluate("Object.keys(geomap.totals()).length - 1")
    assert page.evaluate("geomap.counts()")["hostile <b>layer"] == len(HOSTILE)
    for position, (text, url) in enumerate(HOSTILE):
        popup = click_feature(page, index, position)
        assert popup.locator("h3").inner_text() == text
        assert text in popup.locator(".geomap-citation").inner_text()
        hrefs = popup.locator("a").evaluate_all("links => links.map(a => a.href)")
        if url.startswith("https://"):
            assert len(hrefs) == 1 and hrefs[0].startswith("https://example.org/ok?x=")
        else:
            assert hrefs == []
        # hover shows the tooltip, also as text
        page.locator(f".leaflet-marker-pane .geomap-l{index}").nth(position).hover()
    page.locator(".geomap-search input").fill("script")
    assert page.locator(".geomap-results button").count() >= 2
    # legend and layer control show the layer name as text
    assert "hostile <b>layer (your layer)" in page.inner_text(".geomap-legend")
    assert page.evaluate("window.__pwned") is None
    assert page.dialogs == []
    assert page.console_errors == []
    assert page.blocked_requests == []
    assert page.evaluate("document.querySelectorAll('.geomap-map img, .geomap-map script, "
                         ".geomap-map svg [onload], a[href^=\"javascript\" i]').length") == 0
    assert "49" not in page.inner_text(".leaflet-popup-content")
    page.screenshot(path=str(output_dir / f"map_hostile_{via}.png"))


# --------------------------------------------------------------------------------- big layer


@pytest.mark.slow
def test_hundred_thousand_points_are_drawn_on_canvas(tiny_catalog, tmp_path, browser_page):
    rng = np.random.default_rng(7)
    lons, lats = rng.uniform(67.4, 75.1, 100_000), rng.uniform(36.7, 41.0, 100_000)
    gdf = geopandas.GeoDataFrame({"name": [f"p{i}" for i in range(100_000)]},
                                 geometry=[Point(x, y) for x, y in zip(lons, lats, strict=True)],
                                 crs="EPSG:4326")
    gdf.attrs["layer"] = "big"
    path = build(tmp_path, add=[gdf])
    page = browser_page.open_html(path, timeout=30_000)
    assert page.evaluate("geomap.counts().big") == 100_000
    assert page.locator("canvas.geomap-points").count() == 1
    assert page.locator(".leaflet-marker-pane > *").count() < 100  # not one DOM node per point
    # a click on a canvas point opens its popup
    x, y = page.evaluate(
        "([lat, lon]) => { var p = geomap.map.latLngToContainerPoint([lat, lon]);"
        " var r = geomap.map.getContainer().getBoundingClientRect();"
        " return [p.x + r.left, p.y + r.top]; }", [float(lats[0]), float(lons[0])])
    checkbox(page, "countries").uncheck()
    page.mouse.click(x, y)
    page.wait_for_selector(".leaflet-popup-content .geomap-popup")
    assert page.locator(".leaflet-popup-content h3").inner_text().startswith("p")
    page.keyboard.press("Escape")
    page.mouse.move(x + 1, y)  # hovering shows the name
    tip = page.locator(".leaflet-tooltip:not(.geomap-label)")  # place labels are tooltips too
    tip.wait_for()
    assert tip.inner_text().startswith("p")
    assert page.console_errors == []


def test_notebook_display_draws_the_map_inside_its_iframe(tiny_catalog, tmp_path, browser_page):
    m = geomap.render_map(["test_sites"])
    cell = tmp_path / "cell.html"  # what Jupyter puts in the output cell
    cell.write_text(f"<!DOCTYPE html><html><body>{m._repr_html_()}</body></html>",
                    encoding="utf-8")
    page = browser_page.open_html(cell, wait=False)
    frame = page.frames[1]
    frame.wait_for_function("() => window.geomap && window.geomap.ready === true")
    assert frame.evaluate("geomap.counts().test_sites") == 4
    assert page.console_errors == [] and page.blocked_requests == []
