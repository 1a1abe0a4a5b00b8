"""Build the curated site layers from their YAML sources.

Each ``scripts/sites/<layer>.yaml`` holds a ``record`` (the catalog record without the computed
keys) and a list of ``features``; this script turns it into ``layers/<layer>.geojson`` and upserts
the catalog record through ``scripts/update_catalog.py``.

Usage::

    python scripts/build_sites.py                      # build every layer in scripts/sites
    python scripts/build_sites.py mines bri_sites      # build only these layers
    python scripts/build_sites.py --out /tmp/x         # write the files (and a catalog.json) there

The builder refuses (one line per problem, exit 1, nothing written) when a feature breaks the
curated schema, an id is used twice across all site layers, or a ``quote`` that names a ``seed``
is longer than 25 words or does not occur verbatim (whitespace-normalised) in that seed
document. Seed documents are read from ``../shared/seeds`` relative to the repository, or from
``$GEOMAP_SEEDS``.

Output is deterministic: properties in schema order then the layer's extra properties in YAML
order, coordinates rounded to 5 decimals, features in YAML order, one feature per line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
SITES = ROOT / "scripts" / "sites"
LAYERS = ROOT / "layers"
DIGITS = 5
MAX_QUOTE_WORDS = 25

#: Properties every feature carries, in output order (see geomap/schema.py).
SCHEMA_ORDER: tuple[str, ...] = (
    "id",
    "name",
    "alt_names",
    "name_tg",
    "name_ru",
    "category",
    "country",
    "operator",
    "owner",
    "financier",
    "contractor",
    "status",
    "start_date",
    "end_date",
    "date_estimated",
    "cost_usd",
    "description",
    "precision",
    "coordinate_uncertainty_m",
    "sources",
)
SOURCE_ORDER: tuple[str, ...] = ("citation", "seed", "locator", "quote", "url")
#: Catalog keys this script computes from the built file; the YAML record gives the others.
COMPUTED_KEYS: tuple[str, ...] = ("geometry_type", "feature_count", "sha256")
GEOMETRY_KEYS: tuple[str, ...] = ("lonlat", "route")


class BuildError(Exception):
    """A site source that cannot be built; ``problems`` lists every reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems[0] if problems else "build failed")
        self.problems = problems


def seeds_dir() -> Path:
    """Return the folder holding the seed documents."""
    env = os.environ.get("GEOMAP_SEEDS")
    return Path(env) if env else ROOT.parent / "shared" / "seeds"


def normalise(text: str) -> str:
    """Collapse every run of whitespace to one space (for quote matching)."""
    return re.sub(r"\s+", " ", text).strip()


_SEED_TEXT: dict[str, str] = {}


def seed_text(seed: str) -> str | None:
    """Return the whitespace-normalised text of a seed document, or None when it is missing."""
    if seed not in _SEED_TEXT:
        path = seeds_dir() / seed
        if not path.is_file():
            return None
        _SEED_TEXT[seed] = normalise(path.read_text(encoding="utf-8"))
    return _SEED_TEXT[seed]


def quote_problems(feature_id: str, sources: list[dict]) -> list[str]:
    """Return problems of quotes that are not verbatim in their seed documents."""
    problems = []
    for number, source in enumerate(sources, 1):
        if not isinstance(source, dict) or not source.get("quote"):
            continue
        seed = source.get("seed")
        if not seed:
            continue
        text = seed_text(seed)
        words = len(normalise(str(source["quote"])).split())
        if words > MAX_QUOTE_WORDS:
            problems.append(f"feature {feature_id}: source {number} quote has {words} words "
                            f"(at most {MAX_QUOTE_WORDS})")
        if text is None:
            problems.append(f"feature {feature_id}: source {number} seed {seed!r} not found in "
                            f"{seeds_dir()}")
        elif normalise(str(source["quote"])) not in text:
            problems.append(f"feature {feature_id}: source {number} quote is not in {seed}: "
                            f"{normalise(str(source['quote']))[:80]!r}")
    return problems


def _date(value: Any) -> Any:
    """Return YAML dates and bare years as ISO strings."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:04d}"
    return value


def _number(value: Any) -> Any:
    """Return numeric strings (PyYAML reads ``331.5e6`` as text) as numbers, integral as int."""
    if isinstance(value, str):
        try:
            value = float(value.replace("_", ""))
        except ValueError:
            return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _round(value: Any) -> float:
    number = round(float(value), DIGITS)
    return 0.0 if number == 0 else number


def _geometry(raw: dict, label: str) -> tuple[dict | None, dict, list[str]]:
    """Return (GeoJSON geometry, extra properties, problems) of one YAML feature."""
    present = [key for key in GEOMETRY_KEYS if key in raw]
    if len(present) != 1:
        return None, {}, [f"feature {label}: needs exactly one of {', '.join(GEOMETRY_KEYS)}"]
    try:
        if present[0] == "lonlat":
            lon, lat = raw["lonlat"]
            return {"type": "Point", "coordinates": [_round(lon), _round(lat)]}, {}, []
        coords, names = [], []
        for point in raw["route"]:
            lon, lat, *rest = point
            coords.append([_round(lon), _round(lat)])
            names.append(str(rest[0]) if rest else None)
        if len(coords) < 2:
            return None, {}, [f"feature {label}: a route needs at least two waypoints"]
        extra = {"waypoints": names} if any(names) else {}
        return {"type": "LineString", "coordinates": coords}, extra, []
    except (TypeError, ValueError):
        return None, {}, [f"feature {label}: {present[0]} must be [lon, lat] pairs of numbers"]


def build_feature(raw: dict, index: int) -> tuple[dict | None, list[str]]:
    """Return the GeoJSON feature of one YAML feature, and its problems."""
    if not isinstance(raw, dict):
        return None, [f"feature #{index}: not a mapping"]
    label = str(raw.get("id") or f"#{index}")
    geometry, extra, problems = _geometry(raw, label)
    from geomap.schema import REQUIRED_PROPERTIES

    props: dict[str, Any] = {}
    for key in SCHEMA_ORDER:
        if key in REQUIRED_PROPERTIES and key not in raw:
            continue  # reported by the schema check as a missing property
        value = raw.get(key)
        if key == "alt_names" and value is None:
            value = []
        elif key == "date_estimated" and value is None:
            value = False
        elif key in ("start_date", "end_date"):
            value = _date(value)
        elif key in ("cost_usd", "coordinate_uncertainty_m"):
            value = _number(value)
        elif key == "sources" and isinstance(value, list):
            value = [
                {k: s[k] for k in SOURCE_ORDER if s.get(k) is not None}
                | {k: v for k, v in s.items() if k not in SOURCE_ORDER and v is not None}
                if isinstance(s, dict) else s
                for s in value
            ]
        props[key] = value
    for key, value in raw.items():
        if key not in props and key not in GEOMETRY_KEYS:
            props[key] = value
    props.update(extra)
    if isinstance(props["sources"], list):
        problems += quote_problems(label, props["sources"])
    feature = {"type": "Feature", "properties": props, "geometry": geometry}
    return feature, problems


def load_source(path: Path) -> dict:
    """Return the parsed YAML source of a site layer."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BuildError([f"{path}: cannot read ({exc.strerror})"]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise BuildError([f"{path}: not valid YAML{where}"]) from None
    if not isinstance(data, dict) or not isinstance(data.get("record"), dict) \
            or not isinstance(data.get("features"), list):
        raise BuildError([f"{path}: needs a 'record' mapping and a 'features' list"])
    return data


def build_layer(path: Path) -> tuple[dict, str]:
    """Return (catalog record without computed keys, GeoJSON text) of one YAML source.

    Raises
    ------
    BuildError
        Listing every problem, each naming the file and the feature.
    """
    from geomap.catalog import RECORD_KEYS
    from geomap.schema import validate_features

    data = load_source(path)
    record = data["record"]
    problems = [f"{path}: record lacks {key!r}" for key in RECORD_KEYS
                if key not in COMPUTED_KEYS and key not in record]
    if record.get("name") != path.stem:
        problems.append(f"{path}: record name {record.get('name')!r} differs from file name")
    features = []
    for index, raw in enumerate(data["features"]):
        feature, feature_problems = build_feature(raw, index)
        problems += [f"{path}: {p}" for p in feature_problems]
        if feature is not None and feature["geometry"] is not None:
            features.append(feature)
    problems += [f"{path}: {p}" for p in validate_features(features, path.stem)]
    if problems:
        raise BuildError(problems)
    lines = [json.dumps(f, ensure_ascii=False) for f in features]
    text = '{"type": "FeatureCollection", "features": [\n' + ",\n".join(lines) + "\n]}\n"
    return record, text


def layer_ids(exclude: set[str]) -> dict[str, str]:
    """Return {feature id: layer} of the committed layers not built from YAML here."""
    ids: dict[str, str] = {}
    for path in sorted(LAYERS.glob("*.geojson")):
        if path.stem in exclude:
            continue
        try:
            features = json.loads(path.read_text(encoding="utf-8"))["features"]
        except (OSError, ValueError, KeyError):
            continue
        for feature in features:
            fid = (feature.get("properties") or {}).get("id")
            if fid:
                ids.setdefault(fid, path.stem)
    return ids


def full_record(record: dict, text: str) -> dict:
    """Return the catalog record in catalog key order, with its computed keys."""
    from geomap.catalog import RECORD_KEYS

    data = json.loads(text)
    types = sorted({f["geometry"]["type"] for f in data["features"]})
    computed = {
        "geometry_type": types[0] if len(types) == 1 else "Geometry",
        "feature_count": len(data["features"]),
        "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
    }
    merged = {**record, **computed}
    return {key: merged[key] for key in RECORD_KEYS if key in merged} | {
        key: value for key, value in merged.items() if key not in RECORD_KEYS
    }


def build(names: list[str] | None = None, out: Path | None = None) -> list[dict]:
    """Build the named site layers (all when none) and return their catalog records.

    Every source is checked before anything is written. Without ``out`` the files go to
    ``layers/`` and the catalog is updated; with ``out`` both go to that folder instead.
    """
    from geomap._files import write_atomic
    from geomap.errors import GeomapError

    available = sorted(p.stem for p in SITES.glob("*.yaml"))
    wanted = names or available
    unknown = [n for n in wanted if n not in available]
    if unknown:
        raise BuildError([f"{SITES}: no source for layer {n!r} (have: {', '.join(available)})"
                          for n in unknown])
    owners: dict[str, list[str]] = {}
    for fid, layer in layer_ids(exclude=set(available)).items():
        owners.setdefault(fid, []).append(layer)
    built, problems = [], []
    # Ids must be unique across every site source, even those not being built this time.
    for name in available:
        try:
            record, text = build_layer(SITES / f"{name}.yaml")
        except BuildError as exc:
            if name in wanted:
                problems += exc.problems
            continue
        for feature in json.loads(text)["features"]:
            owners.setdefault(feature["properties"]["id"], []).append(name)
        if name in wanted:
            built.append((record, text))
    for fid, layers in owners.items():
        if len(layers) > 1 and set(layers) & set(wanted):
            problems.append(f"{SITES}: id {fid!r} is used in more than one layer: "
                            f"{', '.join(layers)}")
    if problems:
        raise BuildError(problems)
    target = out or LAYERS
    target.mkdir(parents=True, exist_ok=True)
    records = []
    for record, text in built:
        write_atomic(target / f"{record['name']}.geojson", text, overwrite=True, error=GeomapError)
        records.append(full_record(record, text))
    if out is None:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from update_catalog import update

        update(records)
    else:
        write_atomic(target / "catalog.json",
                     json.dumps({"layers": records}, indent=2, ensure_ascii=False) + "\n",
                     overwrite=True, error=GeomapError)
    return records


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("layers", nargs="*", help="layers to build (all when none)")
    parser.add_argument("--out", type=Path,
                        help="write the files and a catalog.json here instead of layers/")
    args = parser.parse_args(argv)
    try:
        records = build(args.layers, args.out)
    except BuildError as exc:
        for problem in exc.problems:
            print(f"build_sites: error: {problem}", file=sys.stderr)
        return 1
    for record in records:
        print(f"built {record['name']}: {record['feature_count']} features")
    return 0


if __name__ == "__main__":
    sys.exit(main())
