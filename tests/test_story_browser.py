"""The story page in real headless Chromium with the network refused.

A teacher's walk through the default story: keys and buttons, the view and layers of every
step, the counter and progress bar, the URL fragment, printing, and hostile data that must stay
text. Screenshots of every step at 1280x720 and 1920x1080 are saved under ``output/story``.
"""

from __future__ import annotations

import re

import pytest
import yaml

from geomap.story import load_story, render_story

pytestmark = pytest.mark.browser

SIZES = [(1280, 720), (1920, 1080)]


@pytest.fixture(scope="module")
def default_page(tmp_path_factory):
    path = tmp_path_factory.mktemp("story") / "story.html"
    render_story(None, path)
    return path, load_story()


def state(page) -> dict:
    return page.evaluate("""() => {
        const s = window.geomap.story, b = s.map.getBounds();
        return {
            current: s.current(),
            layers: s.visibleLayers(),
            highlighted: s.highlighted(),
            hash: location.hash,
            counter: document.getElementById('story-counter').textContent,
            progress: document.getElementById('story-progressbar').getAttribute('aria-valuenow'),
            title: document.getElementById('story-step-title').textContent,
            year: document.getElementById('story-year').textContent,
            announce: document.getElementById('story-announce').textContent,
            legend: [...document.querySelectorAll('#story-legend [data-layer]')]
                .map(li => li.dataset.layer),
            citations: document.querySelectorAll('#story-citations li').length,
            bounds: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()],
            zoom: s.map.getZoom(),
            center: [s.map.getCenter().lat, s.map.getCenter().lng],
        };
    }""")


def check_view(got: dict, step, number: int) -> None:
    view = step.view
    west, south, east, north = got["bounds"]
    if view.bounds:
        w, s, e, n = view.bounds
        slack = 0.02 * (e - w)
        assert west <= w + slack and east >= e - slack, f"step {number}: {got['bounds']}"
        assert south <= s + slack and north >= n - slack, f"step {number}: {got['bounds']}"
        # fitted, not zoomed far out: the step's box fills most of one map dimension
        assert max((e - w) / (east - west), (n - s) / (north - south)) > 0.6, number
    else:
        assert got["zoom"] == pytest.approx(view.zoom)
        assert got["center"] == pytest.approx(list(view.center), abs=1e-3)


def test_keyboard_walk_through_the_default_story(browser_page, default_page, output_dir):
    path, story = default_page
    page = browser_page
    page.emulate_media(reduced_motion="reduce")  # views change at once, so they can be read
    total = len(story.steps)
    keys = ["ArrowRight", "PageDown", "ArrowDown", " "]  # arrows, clicker and space bar
    shots = output_dir / "story"
    shots.mkdir(exist_ok=True)
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.open_html(path)
        page.keyboard.press("Home")
        for number in range(1, total + 1):
            if number > 1:
                page.keyboard.press(keys[number % len(keys)])
            got = state(page)
            step = story.steps[number - 1]
            assert got["current"] == number
            assert got["counter"] == f"Step {number} of {total}"
            assert got["progress"] == str(number)
            assert got["hash"] == f"#step-{number}"
            assert got["title"] == step.title
            assert got["year"] == ("" if step.year is None else str(step.year))
            assert got["announce"].startswith(f"Step {number} of {total}")
            assert step.title in got["announce"]
            assert got["layers"] == [n for n in story.layers if n in story.step_layers(number)]
            assert got["legend"] == story.step_layers(number)
            assert sorted(got["highlighted"]) == sorted(step.highlight)
            assert got["citations"] == len(step.citations)
            check_view(got, step, number)
            page.screenshot(path=shots / f"{width}x{height}-step-{number:02d}.png")
        page.keyboard.press("ArrowRight")  # past the end: stays on the last step
        assert state(page)["current"] == total
    assert page.console_errors == []
    assert page.blocked_requests == []
    assert page.dialogs == []


def test_back_keys_buttons_and_reload(browser_page, default_page):
    path, story = default_page
    page = browser_page
    page.emulate_media(reduced_motion="reduce")
    total = len(story.steps)
    page.open_html(path)
    assert state(page)["current"] == 1
    assert page.locator("#story-prev").is_disabled()
    page.keyboard.press("End")
    assert state(page)["current"] == total
    assert page.locator("#story-next").is_disabled()
    page.keyboard.press("PageUp")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowUp")
    assert state(page)["current"] == total - 3
    page.get_by_role("button", name=re.compile("^Next step")).click()
    assert state(page)["current"] == total - 2
    page.get_by_role("button", name=re.compile("^Previous step")).click()
    page.get_by_role("button", name=re.compile("^First step")).click()
    assert state(page)["current"] == 1
    page.get_by_role("button", name=re.compile("^Last step")).click()
    assert state(page)["current"] == total
    # a reload or a shared link returns to the step in the fragment
    page.goto(path.as_uri() + "#step-5")
    page.wait_for_function("() => window.geomap && window.geomap.ready === true")
    got = state(page)
    assert (got["current"], got["counter"], got["hash"]) == (5, f"Step 5 of {total}", "#step-5")
    page.keyboard.press("ArrowRight")
    page.reload()
    page.wait_for_function("() => window.geomap && window.geomap.ready === true")
    assert state(page)["current"] == 6
    page.evaluate("location.hash = '#step-2'")
    page.wait_for_function("() => window.geomap.story.current() === 2")
    assert page.console_errors == [] and page.blocked_requests == []


def test_map_flies_to_the_next_step(browser_page, default_page):
    path, story = default_page
    page = browser_page
    page.open_html(path)
    page.keyboard.press("End")  # animated flight from step 1 to the last step
    w, s, e, n = story.steps[-1].view.bounds
    page.wait_for_function(
        """([w, s, e, n]) => { const b = window.geomap.story.map.getBounds();
            return b.getWest() <= w + 0.2 && b.getEast() >= e - 0.2 &&
                   b.getSouth() <= s + 0.2 && b.getNorth() >= n - 0.2; }""",
        arg=[w, s, e, n], timeout=10_000,
    )
    assert page.console_errors == []


def test_accessible_names_and_contrast(browser_page, default_page):
    path, _ = default_page
    page = browser_page
    page.open_html(path)
    for name in ("First step", "Previous step", "Next step", "Last step"):
        assert page.get_by_role("button", name=re.compile(f"^{name}")).count() == 1
    assert page.locator("[aria-live=polite]#story-announce").count() == 1
    assert page.get_by_role("progressbar").get_attribute("aria-valuemax") == str(
        len(load_story().steps))
    sizes = page.evaluate("""() => ['story-step-title', 'story-text', 'story-citations']
        .map(id => parseFloat(getComputedStyle(document.getElementById(id)).fontSize))""")
    assert sizes[0] >= 28 and sizes[1] >= 18 and sizes[2] >= 13  # readable from a distance
    colours = page.evaluate("""() => { const s = getComputedStyle(document.getElementById(
        'story-text')); return [s.color, getComputedStyle(document.body).backgroundColor]; }""")
    assert colours == ["rgb(17, 17, 17)", "rgb(255, 255, 255)"]


def test_printing_gives_one_page_per_step(browser_page, default_page, output_dir):
    path, story = default_page
    page = browser_page
    page.open_html(path)
    page.emulate_media(media="print")
    sections = page.locator(".story-print-step")
    assert sections.count() == len(story.steps)
    for number in (1, len(story.steps)):
        section = sections.nth(number - 1)
        assert section.is_visible()
        assert section.locator("svg.story-print-map path").count() > 3
        assert section.locator(".story-citation").count() == len(story.steps[number - 1].citations)
    assert not page.locator("#story-map").is_visible()
    pdf = page.pdf(format="A4", print_background=True)
    (output_dir / "story").mkdir(exist_ok=True)
    (output_dir / "story" / "default-story-print.pdf").write_bytes(pdf)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages == len(story.steps)


def test_hostile_story_and_layer_text_stays_text(browser_page, tmp_path):
    import geopandas as gpd
    from shapely.geometry import Point, Polygon

    hostile = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
    layers = {
        "area": gpd.GeoDataFrame({"id": ["a"], "name": ["Area"]}, crs=4326, geometry=[
            Polygon([(70, 37), (74, 37), (74, 39), (70, 39)])]),
        "sites": gpd.GeoDataFrame({"id": ["s1"], "name": [hostile]}, crs=4326,
                                  geometry=[Point(72, 38)]),
    }
    layers["sites"].attrs["attribution"] = hostile
    story_file = tmp_path / "s.yaml"
    story_file.write_text(yaml.safe_dump({"title": hostile, "base_layers": ["area"], "steps": [
        {"title": hostile, "text": hostile, "layers": ["sites"], "highlight": ["s1"],
         "citations": [{"citation": hostile, "url": "javascript:alert(1)"}]},
    ]}))
    from geomap.story import StoryError

    with pytest.raises(StoryError, match="'url' must start with http"):
        load_story(story_file, layer_data=layers)
    data = yaml.safe_load(story_file.read_text())
    data["steps"][0]["citations"][0]["url"] = "https://example.org/<b>"
    story_file.write_text(yaml.safe_dump(data))
    out = render_story(story_file, tmp_path / "s.html", layer_data=layers)
    page = browser_page
    page.open_html(out)
    assert page.evaluate("window.__pwned") is None
    assert page.locator("#story-step-title").text_content() == hostile
    assert page.locator("#story-text").text_content() == hostile
    assert page.locator("#story-map img[src=x], #story-panel img").count() == 0
    assert hostile in page.locator(".leaflet-tooltip").first.text_content()
    assert page.dialogs == [] and page.console_errors == [] and page.blocked_requests == []


def test_tiles_are_optional_and_only_requested_when_the_story_asks(browser_page, tmp_path):
    import geopandas as gpd
    from shapely.geometry import Point

    layers = {"sites": gpd.GeoDataFrame({"id": ["s1"], "name": ["Site"]}, crs=4326,
                                        geometry=[Point(72, 38)])}
    story_file = tmp_path / "tiles.yaml"
    story_file.write_text(yaml.safe_dump({
        "title": "With tiles",
        "tiles": {"url": "https://tiles.example.org/{z}/{x}/{y}.png", "attribution": "Example"},
        "steps": [{"title": "One", "text": "t", "layers": ["sites"], "citations": ["c"],
                   "view": {"center": {"lat": 38, "lon": 72}, "zoom": 7}}],
    }))
    page = browser_page
    page.open_html(render_story(story_file, tmp_path / "tiles.html", layer_data=layers))
    page.wait_for_function("() => document.querySelectorAll('.leaflet-tile').length > 0")
    assert page.blocked_requests
    assert all(url.startswith("https://tiles.example.org/7/") for url in page.blocked_requests)
    assert page.locator("#story-attribution").text_content() == "Map data: Example."
    assert state(page)["current"] == 1


def test_page_draws_layers_in_their_catalog_colours(browser_page, default_page):
    """What a teacher sees on the page matches the main map: each layer's catalog style."""
    from matplotlib.colors import to_hex

    from geomap import catalog
    from geomap.story import BACKGROUND, FOCUS_COUNTRY, STORY_ADJUSTMENTS

    path, story = default_page
    page = browser_page
    page.emulate_media(reduced_motion="reduce")
    page.open_html(path)
    background = page.evaluate(
        "() => getComputedStyle(document.getElementById('story-map')).backgroundColor")
    assert background == "rgb({}, {}, {})".format(
        *(int(BACKGROUND[i:i + 2], 16) for i in (1, 3, 5)))
    seen = set()
    areas = {r.name for r in catalog.list_layers() if "Polygon" in r.geometry_type}
    for number, step in enumerate(story.steps, 1):
        page.evaluate(f"window.geomap.story.goTo({number})")
        for name in story.step_layers(number):
            raw = catalog.get_layer(name).style
            colour = to_hex(raw["color"])
            fill = to_hex(raw.get("fill_color", raw["color"]))
            for item in page.evaluate(f"window.geomap.story.drawn({name!r})"):
                seen.add(name)
                # highlighted features keep their fill and shape; only their outline is black
                on = item["id"] in step.highlight
                if item["shape"] is not None:  # a point symbol
                    category = item["category"]
                    want_fill = (raw.get("category_colors") or {}).get(category, fill)
                    want_shape = (raw.get("category_symbols") or {}).get(category, raw["symbol"])
                    assert item["shape"] == want_shape, (number, name, item)
                    if item["certainty"] != "exact":
                        # a site not known exactly: hollow, outlined in its colour, dashed
                        assert to_hex(item["fill"]) == "#ffffff", (number, name, item)
                        outline = "#000000" if on else want_fill
                        assert to_hex(item["stroke"]) == to_hex(outline), (number, name, item)
                        assert item["dash"], (number, name, item)
                        continue
                    assert to_hex(item["fill"]) == to_hex(want_fill), (number, name, item)
                    outline = "#000000" if on else "#222222" if colour == fill else colour
                    assert to_hex(item["stroke"]) == outline, (number, name, item)
                    assert item["dash"] is None, (number, name, item)
                    continue
                # highlighted areas are outlined black; lines keep their colour, heavier
                black = on and name in areas
                assert to_hex(item["stroke"]) == ("#000000" if black else colour), (number, item)
                if on:
                    assert item["width"] > raw.get("weight", 2) * 1.5 + 1, (number, item)
                assert bool(item["dash"] and item["dash"] != "none") == bool(
                    raw.get("dash_array")), (number, name, item)
                if item["fill"] not in (None, "none"):
                    focus = name == "countries" and item["iso_a2"] == FOCUS_COUNTRY
                    want = STORY_ADJUSTMENTS["focus_fill"] if focus else fill
                    assert to_hex(item["fill"]) == to_hex(want), (number, name, item)
    assert seen == set(story.layers)  # every layer of the story was checked somewhere
    # a layer drawn by category lists its classes under its name in the legend
    number = next(i for i, s in enumerate(story.steps, 1) if "bri_sites" in s.layers)
    page.evaluate(f"window.geomap.story.goTo({number})")
    classes = page.locator('#story-legend [data-layer="bri_sites"] .story-legend-class')
    assert classes.count() >= 3
    assert "Mountain pass" in classes.all_text_contents()
    assert page.console_errors == []


# ----------------------------------------------------------------------------- site precision

POSTS = ["cn-border-command-posts-2016", "cn-border-observation-towers-2016",
         "cn-border-checkpoints-2016", "cn-border-training-centre-2016"]


def legend_texts(page) -> dict:
    return page.evaluate("""() => {
        const text = sel => [...document.querySelectorAll(sel)]
            .filter(n => n.offsetParent !== null).map(n => n.textContent);
        return {approx: text('#story-legend .story-legend-approx'),
                unknown: text('#story-legend .story-legend-unknown'),
                highlight: text('#story-legend .story-legend-highlight'),
                notes: text('#story-legend .story-legend-note')};
    }""")


@pytest.mark.parametrize("width, height", SIZES)
def test_unknown_sites_are_not_drawn_as_exact(browser_page, default_page, output_dir,
                                              width, height):
    """Step 8's 2016 posts (precision 8, within 280 km) are "?" symbols that say so."""
    path, story = default_page
    number = next(i for i, s in enumerate(story.steps, 1) if set(POSTS) <= set(s.highlight))
    page = browser_page
    page.emulate_media(reduced_motion="reduce")
    page.set_viewport_size({"width": width, "height": height})
    page.open_html(path)
    page.evaluate(f"window.geomap.story.goTo({number})")
    drawn = {d["id"]: d for d in page.evaluate(
        "window.geomap.story.drawn('chinese_security_sites')")}
    for fid in POSTS:
        item = drawn[fid]
        assert item["certainty"] == "unknown" and item["radius"] == 280_000, item
        assert item["mark"] and item["dash"] and item["fill"] == "#ffffff", item
        assert item["stroke"] == "#000000", item  # still highlighted
        assert not item["circle"], item  # over 50 km: only on hover
        assert item["label"].endswith(": site unknown (within about 280 km)"), item
    shaymak = drawn["cn-outpost-gbao-shaymak"]
    assert shaymak["certainty"] == "approximate" and shaymak["circle"] and not shaymak["mark"]
    assert shaymak["note"] == "site approximate (within about 25.0 km)"
    # the legend explains the variants and the highlighted line says how well they are known
    legend = legend_texts(page)
    assert legend["unknown"] and "site unknown" in legend["unknown"][0]
    assert "more than 50 km" in legend["unknown"][0]
    assert legend["approx"] and "site approximate" in legend["approx"][0]
    assert "Solid symbols are exact sites." in legend["notes"]
    assert "each site unknown (within about 280 km)" in legend["highlight"][0]
    shots = output_dir / "story"
    shots.mkdir(exist_ok=True)
    page.screenshot(path=shots / f"{width}x{height}-sites-step-{number:02d}.png")
    page.locator("#story-legend .story-legend-unknown").scroll_into_view_if_needed()
    page.screenshot(path=shots / f"{width}x{height}-sites-step-{number:02d}-legend.png")
    # hovering a post shows its name, how well its site is known, and its 280 km circle
    # (the four posts share one placeholder point: the mouse reaches the topmost)
    marker = page.locator('.story-marker-highlight[aria-label^="China-financed border"]')
    marker.last.hover(force=True)
    tip = page.locator(".leaflet-tooltip").filter(has_text="China-financed border")
    tip.wait_for(state="visible")
    assert "site unknown (within about 280 km)" in tip.inner_text()
    circles = page.evaluate("""() => [...document.querySelectorAll('.story-uncertainty-large')]
        .map(n => n.getBoundingClientRect().width)""")
    assert circles and max(circles) > 100
    page.screenshot(path=shots / f"{width}x{height}-sites-step-{number:02d}-hover.png")
    page.mouse.move(5, height - 5)
    page.wait_for_function(
        "() => !document.querySelector('.story-uncertainty-large')", timeout=5000)
    assert page.console_errors == []


def test_exact_sites_stay_solid(browser_page, default_page):
    """The Anzob tunnel (precision 1) keeps its solid symbol and needs no explanation."""
    path, story = default_page
    page = browser_page
    page.emulate_media(reduced_motion="reduce")
    page.open_html(path)
    for number, step in enumerate(story.steps, 1):
        if "bri_sites" not in step.layers:
            continue
        page.evaluate(f"window.geomap.story.goTo({number})")
        drawn = {d["id"]: d for d in page.evaluate("window.geomap.story.drawn('bri_sites')")}
        if "bri-anzob-tunnel" not in drawn:
            continue
        anzob = drawn["bri-anzob-tunnel"]
        assert anzob["certainty"] == "exact" and anzob["note"] == ""
        assert anzob["dash"] is None and anzob["fill"] != "#ffffff" and not anzob["mark"]
        assert not anzob["circle"]
        assert anzob["label"] == "Anzob (Istiqlol) tunnel"
        break
    else:
        pytest.fail("no step shows the Anzob tunnel")


def test_steps_with_exact_sites_only_have_no_site_legend(browser_page, tmp_path):
    import geopandas as gpd
    from shapely.geometry import Point

    sites = gpd.GeoDataFrame(
        {"id": ["a", "b"], "name": ["Exact", "Near"], "precision": [1, 5],
         "coordinate_uncertainty_m": [0, 20000]},
        geometry=[Point(71, 38), Point(72, 38)], crs=4326)
    path = tmp_path / "story.yaml"
    path.write_text(yaml.safe_dump({"title": "Sites", "base_layers": [], "steps": [
        {"title": "Exact", "text": "One.", "layers": ["exact"], "citations": ["me"]},
        {"title": "Both", "text": "Two.", "layers": ["sites"], "highlight": ["b"],
         "citations": ["me"]}]}), encoding="utf-8")
    layers = {"exact": sites.iloc[:1], "sites": sites}
    html = tmp_path / "story.html"
    render_story(load_story(path, layer_data=layers), html, layer_data=layers)
    page = browser_page
    page.open_html(html)
    legend = legend_texts(page)
    assert legend["approx"] == [] and legend["unknown"] == []
    page.evaluate("window.geomap.story.goTo(2)")
    legend = legend_texts(page)
    assert legend["approx"] and legend["unknown"] == []
    assert legend["highlight"] == ["Highlighted: Near \u2013 site approximate (within about "
                                   "20.0 km)"]
    # the printed page says it too
    note = page.locator('.story-print-step[data-step="2"] .story-print-legend').text_content()
    assert "Hollow, dashed symbols: sites approximate" in note
    assert page.console_errors == []
