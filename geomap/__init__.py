"""geomap: sourced layers, offline maps and geodesic queries of China's and Russia's security
footprint in Tajikistan.
"""  # noqa: D205

from importlib.metadata import PackageNotFoundError, version

from geomap.catalog import get_layer, list_layers, read_layer
from geomap.errors import (
    ExportError,
    GeomapError,
    LayerNotFoundError,
    LayerReadError,
    LayerValidationError,
    QueryError,
    RenderError,
    StoryError,
)
from geomap.readers import read_file
from geomap.schema import check_layer, validate_layer

#: Public names whose modules pull in heavy libraries: imported on first use.
_LAZY: dict[str, str] = {
    "inside": "geomap.query",
    "intersecting": "geomap.query",
    "measure": "geomap.query",
    "nearest": "geomap.query",
    "render_map": "geomap.render",
    "render_picture": "geomap.picture",
    "render_story": "geomap.story",
    "save_map": "geomap.render",
    "within_distance": "geomap.query",
    "write_layer": "geomap.export",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'geomap' has no attribute {name!r}")


try:
    __version__ = version("geomap")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0+unknown"

__all__ = [
    "ExportError",
    "GeomapError",
    "LayerNotFoundError",
    "LayerReadError",
    "LayerValidationError",
    "QueryError",
    "RenderError",
    "StoryError",
    "__version__",
    "check_layer",
    "inside",
    "intersecting",
    "measure",
    "nearest",
    "get_layer",
    "list_layers",
    "read_file",
    "read_layer",
    "render_map",
    "render_picture",
    "render_story",
    "save_map",
    "validate_layer",
    "within_distance",
    "write_layer",
]
