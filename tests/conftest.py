"""Shared fixtures: a real headless Chromium (Debian's ``/usr/bin/chromium``) with no network.

Browser tests use ``browser_page``: a fresh Playwright page in which every request that is not a
``file:`` or ``data:`` URL is refused. The page records what a person would notice::

    def test_something(browser_page, tmp_path):
        browser_page.goto(html_path.as_uri())
        assert browser_page.console_errors == []     # console.error messages and page errors
        assert browser_page.blocked_requests == []   # URLs the page tried to fetch from a host
        assert browser_page.dialogs == []            # alert/confirm/prompt texts (all dismissed)

``open_html(path)`` does the same from a path and waits until ``window.geomap.ready`` is true
when the page defines ``window.geomap``. Browser tests are skipped (with a reason) when Playwright
or Chromium is missing; mark them ``@pytest.mark.browser``.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("GEOMAP_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
#: Where tests leave artefacts a person may look at (screenshots); git-ignored.
OUTPUT_DIR = Path(__file__).resolve().parent.parent / "output"
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")


@pytest.fixture(scope="session")
def browser():
    """A headless Chromium shared by the whole test session."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def browser_page(browser):
    """A fresh page that refuses every non-local request and records errors and dialogs.

    Attributes added to the Playwright ``Page``: ``console_errors`` (console.error texts and
    uncaught exceptions), ``blocked_requests`` (refused URLs), ``dialogs`` (texts of alert,
    confirm and prompt dialogs, all dismissed) and ``open_html(path, wait=True)``.
    """
    context = browser.new_context(
        viewport={"width": 1400, "height": 900}, service_workers="block", java_script_enabled=True
    )
    page = context.new_page()
    page.console_errors = []
    page.blocked_requests = []
    page.dialogs = []

    def route(route_):
        url = route_.request.url
        if url.startswith(LOCAL_SCHEMES):
            route_.continue_()
        else:
            page.blocked_requests.append(url)
            route_.abort("blockedbyclient")

    context.route("**/*", route)
    page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
    page.on("pageerror", lambda exc: page.console_errors.append(f"uncaught: {exc}"))

    def on_dialog(dialog):
        page.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)

    def open_html(path, wait: bool = True, timeout: float = 15_000):
        page.goto(Path(path).resolve().as_uri(), wait_until="load")
        if wait and page.evaluate("() => typeof window.geomap === 'object'"):
            page.wait_for_function("() => window.geomap && window.geomap.ready === true",
                                   timeout=timeout)
        return page

    page.open_html = open_html
    yield page
    context.close()


@pytest.fixture(scope="session")
def output_dir() -> Path:
    """The git-ignored ``output/`` folder for artefacts such as screenshots."""
    OUTPUT_DIR.mkdir(exist_ok=True)
    return OUTPUT_DIR


@pytest.fixture
def readme_yaml(tmp_path):
    """Return a writer: the first YAML block of README.md after ``marker``, as a story file."""
    def write(marker: str) -> Path:
        readme = Path(__file__).resolve().parent.parent / "README.md"
        section = readme.read_text(encoding="utf-8").split(marker)[1]
        path = tmp_path / "my_story.yaml"
        path.write_text(re.search(r"```yaml\n(.*?)```", section, re.S).group(1), encoding="utf-8")
        return path

    return write


# ------------------------------------------------------------------ a small catalog built in code


def _feature(fid, name, geometry, **props):
    base = {
        "id": fid,
        "name": name,
        "alt_names": [],
        "category": "other",
        "status": "operational",
        "description": f"Test feature {name}.",
        "precision": 1,
        "coordinate_uncertainty_m": 100,
        "sources": [{"citation": f"Test source for {name}", "seed": "000_test.txt",
                     "locator": "p. 1"}],
    }
    base.update(props)
    return {"type": "Feature", "geometry": geometry, "properties": base}


def _point(lon, lat):
    return {"type": "Point", "coordinates": [lon, lat]}


def _box(west, south, east, north):
    return {"type": "Polygon", "coordinates": [[[west, south], [east, south], [east, north],
                                                [west, north], [west, south]]]}


TINY_LAYERS = {
    "countries": ("context", "Polygon", [
        _feature("tj", "Tajikistan", _box(67.4, 36.7, 75.1, 41.0), category="country",
                 iso_a2="TJ", precision=6),
        _feature("kg", "Kyrgyzstan", _box(69.3, 41.0, 80.2, 43.2), category="country",
                 iso_a2="KG", precision=6),
    ]),
    "places": ("context", "Point", [
        _feature("dushanbe", "Dushanbe", _point(68.7791, 38.5598), category="place"),
        _feature("khujand", "Khujand", _point(69.6220, 40.2826), category="place"),
    ]),
    "test_border": ("borders", "LineString", [
        _feature("border", "Test border",
                 {"type": "LineString", "coordinates": [[70.0, 37.2], [71.5, 37.0], [73.0, 37.4]]},
                 category="international_border", precision=5, coordinate_uncertainty_m=5000),
    ]),
    "test_sites": ("china", "Point", [
        _feature("old-post", "Old post", _point(72.5, 38.2), category="military_outpost",
                 start_date="1950", name_tg="Посгоҳи кӯҳна", name_ru="Старый пост",
                 operator="Test operator", cost_usd=2500000,
                 sources=[{"citation": "Olimova & Olimov 2021, Security Policy",
                           "seed": "000_x.txt", "locator": "p. 14", "quote": "a test quote",
                           "url": "https://www.rosalux.de/"}]),
        _feature("closed-camp", "Closed camp", _point(71.0, 39.0), category="training_centre",
                 start_date="1965-04", end_date="1968", status="closed", precision=3,
                 coordinate_uncertainty_m=20000),
        _feature("new-outpost", "New outpost", _point(74.0, 37.6), category="military_outpost",
                 start_date="2016", precision=2, coordinate_uncertainty_m=10000),
        _feature("undated", "Undated site", _point(69.5, 37.9), category="other"),
    ]),
}


@pytest.fixture
def tiny_catalog(tmp_path, monkeypatch):
    """Point geomap's catalog at four small layers written to a temporary folder.

    Returns the folder. Layers: countries and places (basemap), test_border (an approximate
    line) and test_sites (points dated 1950, 1965-1968 closed, 2016 and undated; one exact, two
    approximate).
    """
    import json

    from geomap import catalog

    folder = tmp_path / "tiny_layers"
    folder.mkdir()
    records = []
    for name, (theme, geometry_type, features) in TINY_LAYERS.items():
        path = folder / f"{name}.geojson"
        path.write_text(json.dumps({"type": "FeatureCollection", "features": features}),
                        encoding="utf-8")
        records.append({
            "name": name, "title": f"{name.replace('_', ' ').title()}", "description": "test",
            "theme": theme, "geometry_type": geometry_type, "feature_count": len(features),
            "style": {}, "sources": [], "licence": "CC0", "attribution": f"{name} attribution",
            "geometry_source": "test", "regenerate": "test", "sha256": catalog.file_sha256(path),
        })
    (folder / "catalog.json").write_text(json.dumps({"layers": records}), encoding="utf-8")
    monkeypatch.setattr(catalog, "layers_dir", lambda: folder)
    catalog._records.cache_clear()
    yield folder
    catalog._records.cache_clear()
