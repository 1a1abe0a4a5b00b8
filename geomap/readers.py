"""Read user layer files into GeoDataFrames in EPSG:4326.

``read_file`` is the one entry point every command uses for a user's file. GeoJSON is read here;
other formats go through pyogrio.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from geomap.errors import LayerReadError

if TYPE_CHECKING:
    import geopandas

__all__ = ["read_file"]


def read_file(path: str | Path, *, layer: str | None = None) -> geopandas.GeoDataFrame:
    """Return the layer file ``path`` as a GeoDataFrame in EPSG:4326.

    Raises
    ------
    LayerReadError
        One line naming the file and the problem when it cannot be read as a layer.
    """
    import geopandas

    path = Path(path)
    if not path.exists():
        raise LayerReadError(f"{path}: no such file")
    if path.suffix.lower() in {".geojson", ".json"}:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            features = data["features"]
            gdf = geopandas.GeoDataFrame.from_features(features, crs="EPSG:4326")
        except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise LayerReadError(
                f"{path}: not a readable GeoJSON FeatureCollection ({exc})"
            ) from None
        return gdf
    import pyogrio

    try:
        gdf = pyogrio.read_dataframe(path, layer=layer)
    except Exception as exc:  # pyogrio raises several unrelated types for unreadable files
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise LayerReadError(f"{path}: cannot read as a layer ({message})") from None
    if gdf.crs is None:
        raise LayerReadError(f"{path}: has no CRS; geomap needs to know where the coordinates are")
    return gdf.to_crs(4326)
