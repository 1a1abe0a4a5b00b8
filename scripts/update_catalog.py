"""Add or refresh layer records in layers/catalog.json.

Usage::

    python scripts/update_catalog.py RECORDS.json      # upsert full records (a JSON list)
    python scripts/update_catalog.py --refresh [NAME ...]  # recount features, geometry type, sha256

Records keep the catalog's theme order (geomap.catalog.THEMES), then the order they were added.
The file is locked while it is rewritten, so several build scripts can run at once.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ROOT / "layers"
CATALOG = LAYERS / "catalog.json"
THEME_ORDER = ["context", "borders", "bri", "mines", "russia", "china"]


def refreshed(record: dict) -> dict:
    """Return the record with feature count, geometry type and checksum read from its file."""
    path = LAYERS / f"{record['name']}.geojson"
    data = json.loads(path.read_text(encoding="utf-8"))
    types = sorted({f["geometry"]["type"] for f in data["features"]})
    base = sorted({t.replace("Multi", "") for t in types})
    record = dict(record)
    record["feature_count"] = len(data["features"])
    if len(base) == 1:
        record["geometry_type"] = (
            base[0] if len(types) == 1 and types[0] == base[0] else "Multi" + base[0]
        )
    record["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    return record


def update(records: list[dict] | None = None, refresh: list[str] | None = None) -> None:
    """Upsert ``records`` and refresh ``refresh`` (all when empty list) under a file lock."""
    LAYERS.mkdir(exist_ok=True)
    with open(LAYERS / ".catalog.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        current = (
            json.loads(CATALOG.read_text(encoding="utf-8"))["layers"] if CATALOG.exists() else []
        )
        by_name = {r["name"]: r for r in current}
        for record in records or []:
            by_name[record["name"]] = refreshed(record)
        if refresh is not None:
            for name in refresh or list(by_name):
                by_name[name] = refreshed(by_name[name])
        ordered = sorted(by_name.values(), key=lambda r: THEME_ORDER.index(r["theme"]))
        text = json.dumps({"layers": ordered}, indent=2, ensure_ascii=False) + "\n"
        tmp = CATALOG.with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(CATALOG)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("records", nargs="?", type=Path, help="JSON file with a list of records")
    parser.add_argument(
        "--refresh", nargs="*", metavar="NAME", help="layers to refresh (all if none)"
    )
    args = parser.parse_args()
    records = json.loads(args.records.read_text(encoding="utf-8")) if args.records else None
    update(records, args.refresh)


if __name__ == "__main__":
    main()
