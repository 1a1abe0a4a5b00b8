"""The catalog of curated layers that ship with geomap.

Each layer is one RFC 7946 GeoJSON file, ``layers/<name>.geojson``, described by one record in
``layers/catalog.json``. After ``pip install`` the folder lives inside the package
(``geomap/layers``); in a source checkout it is the ``layers`` folder at the top of the repository.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geomap.errors import LayerNotFoundError, LayerReadError

if TYPE_CHECKING:
    import geopandas

__all__ = [
    "THEMES",
    "LayerRecord",
    "check_record",
    "get_layer",
    "layer_names",
    "layers_dir",
    "list_layers",
    "read_layer",
]

#: Themes in drawing order (first drawn at the bottom), with their display titles.
THEMES: dict[str, str] = {
    "context": "Basemap",
    "borders": "Borders and regions",
    "bri": "Belt and Road",
    "mines": "Mines",
    "russia": "Russia",
    "china": "China",
}

RECORD_KEYS: tuple[str, ...] = (
    "name",
    "title",
    "description",
    "theme",
    "geometry_type",
    "feature_count",
    "style",
    "sources",
    "licence",
    "attribution",
    "geometry_source",
    "regenerate",
    "sha256",
)


@dataclass(frozen=True)
class LayerRecord:
    """One catalog record: what a layer is, where it came from, and how to draw it."""

    name: str
    title: str
    description: str
    theme: str
    geometry_type: str
    feature_count: int
    style: dict[str, Any]
    sources: list[dict[str, Any]]
    licence: str
    attribution: str
    geometry_source: str
    regenerate: str
    sha256: str
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def path(self) -> Path:
        """Path of the layer's GeoJSON file."""
        return layers_dir() / f"{self.name}.geojson"

    @property
    def style_path(self) -> Path:
        """Path of the layer's QGIS style file (``.qml``) beside the GeoJSON."""
        return layers_dir() / f"{self.name}.qml"

    def to_dict(self) -> dict[str, Any]:
        """Return the record as a JSON-ready dict, with its ``path``."""
        data = {key: getattr(self, key) for key in RECORD_KEYS}
        data.update(self.extra)
        data["path"] = str(self.path)
        return data


def layers_dir() -> Path:
    """Return the folder holding the curated layers (installed package data or checkout)."""
    packaged = Path(str(resources.files("geomap"))) / "layers"
    if (packaged / "catalog.json").is_file():
        return packaged
    return Path(__file__).resolve().parent.parent / "layers"


@cache
def _records() -> dict[str, LayerRecord]:
    path = layers_dir() / "catalog.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise LayerReadError(f"{path}: cannot read the layer catalog ({exc})") from None
    records = {}
    for raw in data["layers"]:
        missing = [key for key in RECORD_KEYS if key not in raw]
        if missing:
            raise LayerReadError(f"{path}: record {raw.get('name')!r} lacks {', '.join(missing)}")
        known = {key: raw[key] for key in RECORD_KEYS}
        extra = {key: value for key, value in raw.items() if key not in RECORD_KEYS}
        records[raw["name"]] = LayerRecord(**known, extra=extra)
    return records


def layer_names() -> list[str]:
    """Return the names of the curated layers in drawing order."""
    return list(_records())


def list_layers(theme: str | None = None) -> list[LayerRecord]:
    """Return the catalog records, optionally only those of one theme."""
    return [r for r in _records().values() if theme is None or r.theme == theme]


def get_layer(name: str) -> LayerRecord:
    """Return the record of the curated layer ``name``.

    Raises
    ------
    LayerNotFoundError
        When no layer has that name; the message suggests the closest names.
    """
    records = _records()
    if name in records:
        return records[name]
    folded = {key.lower().replace("-", "_"): key for key in records}
    if (key := folded.get(name.lower().replace("-", "_").replace(" ", "_"))) is not None:
        return records[key]
    close = difflib.get_close_matches(name.lower(), list(records), n=3, cutoff=0.5)
    close += [key for key in records if name.lower() in key and key not in close]
    hint = f"; did you mean {', '.join(close[:3])}?" if close else ""
    raise LayerNotFoundError(f"no layer named {name!r}{hint} (see 'geomap list')")


def read_layer(name: str) -> geopandas.GeoDataFrame:
    """Return the curated layer ``name`` as a GeoDataFrame in EPSG:4326.

    Nested properties (``sources``, ``alt_names``) stay Python lists.
    """
    import geopandas

    record = get_layer(name)
    data = json.loads(record.path.read_text(encoding="utf-8"))
    gdf = geopandas.GeoDataFrame.from_features(data["features"], crs="EPSG:4326")
    gdf.attrs["layer"] = record.name
    return gdf


def file_sha256(path: Path) -> str:
    """Return the hex SHA-256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check_record(record: LayerRecord) -> list:
    """Return the problems where a layer file no longer matches its catalog record."""
    from geomap.schema import Problem

    source = str(record.path)
    if not record.path.is_file():
        return [Problem(source, f"layer file of {record.name!r} is missing")]
    problems = []
    data = json.loads(record.path.read_text(encoding="utf-8"))
    features = data["features"]
    if len(features) != record.feature_count:
        problems.append(
            Problem(source, f"has {len(features)} features, catalog says {record.feature_count}")
        )
    types = {(f.get("geometry") or {}).get("type", "").replace("Multi", "") for f in features}
    if types - {record.geometry_type.replace("Multi", "")}:
        problems.append(
            Problem(source, f"geometry types {sorted(types)} differ from {record.geometry_type!r}")
        )
    if file_sha256(record.path) != record.sha256:
        problems.append(Problem(source, "file changed since its catalog record (sha256 differs)"))
    if record.theme not in THEMES:
        problems.append(Problem(source, f"unknown theme {record.theme!r}"))
    return problems
