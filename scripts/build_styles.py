"""Write a QGIS style file, layers/<name>.qml, beside every curated GeoJSON layer.

QGIS loads ``<name>.qml`` beside ``<name>.geojson`` as the layer's default style, so a GIS user
who opens a shipped layer sees it drawn as on geomap's map. Styles come from each catalog
record's ``style`` (see geomap/styles.py); a layer with a ``category`` property gets one class
per category it holds. Output is deterministic.

Usage::

    python scripts/build_styles.py            # (re)write every layers/<name>.qml
    python scripts/build_styles.py --check    # exit 1 listing .qml files that are stale
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geomap import catalog, styles  # noqa: E402


def expected_styles() -> dict[Path, str]:
    """Return the QML text each curated layer's style file should hold."""
    out = {}
    for record in catalog.list_layers():
        features = json.loads(record.path.read_text(encoding="utf-8"))["features"]
        categories = sorted({f["properties"].get("category") for f in features
                             if isinstance(f["properties"].get("category"), str)})
        out[record.style_path] = styles.qml_style(record.style, record.geometry_type,
                                                  categories=categories)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale .qml files")
    args = parser.parse_args()
    stale = []
    for path, text in expected_styles().items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(path)
        if not args.check:
            tmp = path.with_suffix(".qml.tmp")
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(path)
            print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    if args.check and stale:
        for path in stale:
            print(f"{path}: stale; run python scripts/build_styles.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
