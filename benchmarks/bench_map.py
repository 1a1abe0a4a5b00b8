"""Benchmark the interactive map: build time, page size and drawing time in headless Chromium.

Reports medians over several runs of:

- ``geomap map`` for every curated layer, as a whole process (Python start-up included);
- the size of that page;
- in headless Chromium (network refused), the time from navigation to every feature drawn
  (``window.geomap.readyTime``, milliseconds since navigation start);
- the same for a page with a user layer of 100,000 random points in Tajikistan (``--add``),
  plus frame times while the map is dragged with the mouse and the time to redraw the points
  after a move.

Usage::

    python benchmarks/bench_map.py                 # 5 runs, 3 runs of the 100k page
    python benchmarks/bench_map.py --runs 3 --big-runs 1 --points 100000
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]

RECORD = """() => {
  window.__frames = [];
  let last = performance.now();
  const tick = now => { window.__frames.push(now - last); last = now;
                        if (window.__recording) requestAnimationFrame(tick); };
  window.__recording = true;
  requestAnimationFrame(tick);
}"""
STOP = """() => {
  window.__recording = false;
  const times = window.__frames.slice(1).sort((a, b) => a - b);
  return {mean: times.reduce((a, b) => a + b, 0) / times.length,
          p90: times[Math.floor(times.length * 0.9)], frames: times.length};
}"""
REDRAW = """() => { const t = performance.now();
  geomap.map.panBy([120, 60], {animate: false}); return performance.now() - t; }"""


def drag(page) -> dict:
    """Drag the map with the mouse for about a second; return frame-time statistics."""
    page.evaluate(RECORD)
    page.mouse.move(700, 450)
    page.mouse.down()
    for step in range(40):
        page.mouse.move(700 + 8 * step, 450 + 3 * step)
        page.wait_for_timeout(16)
    page.mouse.up()
    page.wait_for_timeout(300)
    stats = page.evaluate(STOP)
    stats["redraw"] = page.evaluate(REDRAW)
    return stats


def run_geomap(args: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "geomap.cli", "map", *args], cwd=cwd, check=True,
                   capture_output=True)
    return time.perf_counter() - start


def browser_times(path: Path, runs: int, pan: bool = False) -> tuple[list[float], list[dict]]:
    from playwright.sync_api import sync_playwright

    ready, frames = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for _ in range(runs):
            context = browser.new_context(viewport={"width": 1400, "height": 900})
            context.route("**/*", lambda route: route.continue_()
                          if route.request.url.startswith(("file:", "data:"))
                          else route.abort())
            page = context.new_page()
            page.goto(path.resolve().as_uri())
            page.wait_for_function("window.geomap && geomap.ready", timeout=120_000)
            ready.append(page.evaluate("geomap.readyTime"))
            if pan:
                frames.append(drag(page))
            context.close()
        browser.close()
    return ready, frames


def big_layer(path: Path, points: int) -> None:
    import numpy as np

    rng = np.random.default_rng(42)
    lons = np.round(rng.uniform(67.4, 75.1, points), 6)
    lats = np.round(rng.uniform(36.7, 41.0, points), 6)
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [x, y]},
                 "properties": {"name": f"point {i}", "value": i}}
                for i, (x, y) in enumerate(zip(lons.tolist(), lats.tolist(), strict=True))]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--big-runs", type=int, default=3)
    parser.add_argument("--points", type=int, default=100_000)
    options = parser.parse_args()
    median = statistics.median

    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        page = work / "full.html"
        builds = [run_geomap(["-o", str(page), "--overwrite"], work) for _ in range(options.runs)]
        ready, _ = browser_times(page, options.runs)
        print(f"full curated map: build {median(builds):.2f} s (median of {options.runs}, "
              f"Python start-up included); page {page.stat().st_size / 1e6:.2f} MB; "
              f"all features drawn {median(ready):.0f} ms after navigation")

        data = work / "points.geojson"
        big_layer(data, options.points)
        big = work / "big.html"
        builds = [run_geomap(["--add", str(data), "-o", str(big), "--overwrite"], work)
                  for _ in range(options.big_runs)]
        ready, frames = browser_times(big, options.big_runs, pan=True)
        print(f"{options.points:,}-point user layer: build {median(builds):.2f} s "
              f"(median of {options.big_runs}); page {big.stat().st_size / 1e6:.1f} MB; "
              f"drawn {median(ready):.0f} ms after navigation; dragging the map: mean frame "
              f"{median(f['mean'] for f in frames):.0f} ms, 90th percentile "
              f"{median(f['p90'] for f in frames):.0f} ms; redraw after a move "
              f"{median(f['redraw'] for f in frames):.0f} ms")


if __name__ == "__main__":
    main()
