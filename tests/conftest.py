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
