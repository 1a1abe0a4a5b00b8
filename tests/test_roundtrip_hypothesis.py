"""Property test: awkward layers survive export -> read_file in every format.

Hypothesis builds small point layers with unicode and empty text, nulls, long text, numbers at
the edges of their types, booleans, lists and dicts. Each format must give every value back
exactly (shapefile numbers: to DBF's 15 significant digits). A shapefile may instead refuse a
number a DBF field cannot hold, with a one-line ExportError and nothing written -- no format may
change a value silently.
"""

from __future__ import annotations

import datetime as dt
import math
import sys
import tempfile
from pathlib import Path

import geopandas
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geomap.errors import ExportError
from geomap.export import FORMATS, write_layer
from geomap.readers import read_file

# text a person could type: any unicode but control characters (tab, newlines and CR allowed)
TEXT = st.text(st.characters(exclude_categories=("Cs", "Cc", "Cn"),
                             include_characters="\t\n\r"), max_size=40)
LONG_TEXT = st.text(st.characters(exclude_categories=("Cs", "Cc", "Cn")), min_size=250,
                    max_size=700)
EDGE_INTS = [0, 1, -1, 2**31 - 1, -(2**31), 2**53, -(2**53), 2**63 - 1, -(2**63)]
EDGE_FLOATS = [0.0, -0.0, 0.1, 1 / 3, 1e-300, 5e-324, sys.float_info.max, -sys.float_info.max,
               2.0**53 + 1, 123456789.123456789]
INTS = st.one_of(st.sampled_from(EDGE_INTS), st.integers(-(2**63), 2**63 - 1))
FLOATS = st.one_of(st.sampled_from(EDGE_FLOATS),
                   st.floats(allow_nan=False, allow_infinity=False, width=64))
# what a DBF number field holds (shapefile): about 15 significant digits, |x| below 1e15
DBF_INTS = st.integers(-(2**53), 2**53)
DBF_FLOATS = st.one_of(st.just(0.0), st.floats(1e-5, 1e15), st.floats(-1e15, -1e-5))
LONLAT = st.tuples(st.floats(-180, 180, allow_nan=False), st.floats(-90, 90, allow_nan=False))


def maybe(strategy):
    return st.one_of(st.none(), strategy)


@st.composite
def geometries(draw, kind: str):
    """A point, a line or a small valid polygon (with a hole now and then) of ``kind``."""
    x, y = draw(LONLAT)
    if kind == "point":
        return shapely.Point(x, y)
    steps = st.floats(0.001, 2.0, allow_nan=False)
    if kind == "line":
        coords = [(x, y)]
        for _ in range(draw(st.integers(1, 3))):
            coords.append((coords[-1][0] + draw(steps), coords[-1][1] + draw(steps)))
        return shapely.LineString(coords)
    dx, dy = draw(steps), draw(steps)
    x, y = min(x, 178.0), min(y, 88.0)
    if draw(st.booleans()):
        return shapely.Polygon(shapely.box(x, y, x + dx, y + dy).exterior,
                               [shapely.box(x + dx / 4, y + dy / 4, x + dx / 2,
                                            y + dy / 2).exterior.coords[::-1]])
    return shapely.box(x, y, x + dx, y + dy)


@st.composite
def layers(draw, dbf: bool = False) -> geopandas.GeoDataFrame:
    n = draw(st.integers(1, 4))
    ints, floats = (DBF_INTS, DBF_FLOATS) if dbf else (INTS, FLOATS)
    column = lambda s: draw(st.lists(s, min_size=n, max_size=n))  # noqa: E731
    kind = draw(st.sampled_from(["point", "point", "line", "polygon"]))
    geoms = column(st.one_of(geometries(kind), geometries(kind), st.none()))
    if all(g is None for g in geoms):
        geoms[0] = draw(geometries(kind))
    data = {
        "name": column(maybe(TEXT)),
        "a_rather_long_property_name": column(maybe(st.one_of(TEXT, LONG_TEXT))),
        "count": column(maybe(ints)),
        "value": column(maybe(floats)),
        "flag": column(maybe(st.booleans())),
        "tags": column(maybe(st.lists(TEXT, max_size=3))),
        "meta": column(maybe(st.fixed_dictionaries({"k": TEXT, "n": INTS}))),
        "start_date": column(maybe(st.sampled_from(["2016", "2019-08", "2019-08-05", "1900"]))),
        "day": column(maybe(st.dates(dt.date(1000, 1, 1), dt.date(9999, 12, 31)))),
    }
    frame = pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in data.items()})
    gdf = geopandas.GeoDataFrame(frame, geometry=geoms, crs=4326)
    gdf.attrs["layer"] = "awkward"
    return gdf


def plain(value):
    if isinstance(value, list | tuple | np.ndarray):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float | np.floating) and math.isnan(value):
        return None
    return value.item() if isinstance(value, np.generic) else value


def same(a, b, rel: float) -> bool:
    a, b = plain(a), plain(b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y, rel) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k], rel) for k in a)
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        if isinstance(a, int) and isinstance(b, int):
            return a == b
        return a == b or math.isclose(a, b, rel_tol=rel)
    return type(a) is type(b) and a == b


def check_round_trip(gdf: geopandas.GeoDataFrame, fmt: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        try:
            result = write_layer(gdf, out, format=fmt)
        except ExportError as exc:
            # refusing is allowed only for values the format truly cannot hold
            assert fmt == "shp", f"{fmt} refused: {exc}"
            assert "\n" not in str(exc)
            assert not out.exists() and list(Path(tmp).iterdir()) == []
            return
        path = next(f for f in result.files if f.suffix == FORMATS[fmt])
        back = read_file(path)
        assert len(back) == len(gdf)
        columns = [c for c in gdf.columns if c != "geometry"]
        assert [c for c in back.columns if c != back.geometry.name] == columns
        rel = 1e-12 if fmt == "shp" else 0.0
        for row in range(len(gdf)):
            for column in columns:
                wrote, read = gdf[column].iloc[row], back[column].iloc[row]
                if isinstance(wrote, dt.date) and fmt == "geojson":
                    wrote = wrote.isoformat()  # JSON has no date type: ISO text
                assert same(wrote, read, rel), f"{fmt} row {row} {column}: {wrote!r} -> {read!r}"
            a, b = gdf.geometry.iloc[row], back.geometry.iloc[row]
            if a is None:
                assert b is None or b.is_empty
            else:  # same coordinates; ring order and orientation may follow the format's rules
                assert shapely.normalize(a).equals_exact(shapely.normalize(b), 0), (a, b)


SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.mark.slow
@pytest.mark.parametrize("fmt", list(FORMATS))
def test_awkward_layers_round_trip(fmt):
    @SETTINGS
    @given(layers(dbf=fmt == "shp"))
    def round_trip(gdf):
        check_round_trip(gdf, fmt)

    round_trip()


@pytest.mark.slow
def test_shapefile_refuses_rather_than_changes_numbers_at_the_edges():
    @SETTINGS
    @given(layers())
    def round_trip(gdf):
        check_round_trip(gdf, "shp")  # exact round trip, or ExportError and nothing written

    round_trip()
