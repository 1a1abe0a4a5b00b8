"""One check per catalog entry, plus the catalog's look-up behaviour."""

import json
import shutil
import subprocess
import zipfile

import pytest

import geomap
from geomap import catalog
from geomap.errors import LayerNotFoundError
from geomap.schema import validate_layer

LAYER_NAMES = catalog.layer_names()


@pytest.mark.parametrize("name", LAYER_NAMES)
def test_layer_matches_its_record_and_validates(name):
    record = catalog.get_layer(name)
    assert catalog.check_record(record) == []
    assert [str(p) for p in validate_layer(name)] == []
    text = record.path.read_text(encoding="utf-8")
    data = json.loads(text)
    assert "crs" not in data
    assert record.theme in catalog.THEMES
    assert record.title and record.description and record.licence and record.attribution
    assert record.sources and all(s.get("citation") for s in record.sources)
    assert {"color"} <= set(record.style)


@pytest.mark.parametrize("name", LAYER_NAMES)
def test_ogrinfo_opens_layer(name):
    record = catalog.get_layer(name)
    result = subprocess.run(
        ["ogrinfo", "-ro", "-so", "-al", str(record.path)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert f"Feature Count: {record.feature_count}" in result.stdout
    assert "WGS 84" in result.stdout


def test_ids_are_unique_across_layers():
    seen = {}
    for name in LAYER_NAMES:
        for fid in catalog.read_layer(name)["id"]:
            assert fid not in seen, f"{fid} in both {seen.get(fid)} and {name}"
            seen[fid] = name


def test_read_layer_keeps_nested_properties():
    names = [n for n in LAYER_NAMES if catalog.get_layer(n).theme == "china"]
    if not names:
        pytest.skip("no China layer in the catalog yet")
    gdf = geomap.read_layer(names[0])
    assert gdf.crs.to_epsg() == 4326
    assert all(isinstance(sources, list) and sources for sources in gdf["sources"])


def test_unknown_layer_suggests_close_names():
    if "gbao" not in LAYER_NAMES:
        pytest.skip("gbao layer not built yet")
    with pytest.raises(LayerNotFoundError, match=r"no layer named 'gboa'; did you mean gbao\?"):
        catalog.get_layer("gboa")


def test_layer_lookup_forgives_case_and_dashes():
    if "tajik_afghan_border" not in LAYER_NAMES:
        pytest.skip("border layer not built yet")
    assert catalog.get_layer("Tajik-Afghan-Border").name == "tajik_afghan_border"


def test_list_layers_by_theme():
    for record in geomap.list_layers("borders"):
        assert record.theme == "borders"
    assert len(geomap.list_layers()) == len(LAYER_NAMES)


def test_wheel_ships_every_layer(tmp_path):
    """A plain (non-editable) install must carry the layers as package data."""
    hatchling = pytest.importorskip("hatchling.builders.wheel")
    root = catalog.Path(__file__).resolve().parent.parent
    if not (root / "pyproject.toml").is_file():
        pytest.skip("not running from a source checkout")
    source = tmp_path / "src"
    shutil.copytree(
        root,
        source,
        ignore=shutil.ignore_patterns(
            ".git", "output", "__pycache__", "*.egg-info", ".pytest_cache", ".hypothesis"
        ),
    )
    builder = hatchling.WheelBuilder(str(source))
    wheel = next(iter(builder.build(directory=str(tmp_path / "dist"), versions=["standard"])))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "geomap/layers/catalog.json" in names
    for name in LAYER_NAMES:
        assert f"geomap/layers/{name}.geojson" in names


@pytest.mark.parametrize("name", LAYER_NAMES)
def test_tajik_and_russian_names_are_cyrillic_text(name):
    """Names decoded with the wrong code page (mojibake such as 'Ð¢Ð°...') are caught here."""
    gdf = catalog.read_layer(name)
    for column in ("name_tg", "name_ru"):
        for value in gdf.get(column, []):
            if isinstance(value, str) and value:
                assert any("\u0400" <= ch <= "\u04ff" for ch in value), (name, column, value)
                assert "Ð" not in value and "Ñ" not in value, (name, column, value)


def test_every_site_lies_on_the_basemap_so_its_country_is_checked():
    """location_problems skips what lies beyond the countries layer; nothing curated may."""
    import shapely

    extent = shapely.box(*catalog.read_layer("countries").total_bounds)
    for name in LAYER_NAMES:
        gdf = catalog.read_layer(name)
        if "country" not in gdf:
            continue
        outside = gdf[gdf["country"].notna() & ~gdf.intersects(extent)]
        assert outside.empty, f"{name}: {list(outside['id'])} beyond the basemap"
