"""Static pictures: size, not blank, formats, geodesic scale bar, north arrow, ``geomap picture``.

Pictures are saved under ``output/pictures`` for a person to look at.
"""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import geopandas as gpd
import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image
from pyproj import Geod, Transformer
from shapely.geometry import LineString, Point, Polygon

from geomap import catalog
from geomap.cli import cli
from geomap.errors import LayerNotFoundError, RenderError
from geomap.picture import (
    _MARKERS,
    _figure,
    _nice_length,
    _north_arrow,
    _scale_bar,
    parse_size,
    render_picture,
    render_step_pictures,
    step_picture_path,
)
from geomap.story import TAJIKISTAN_BOUNDS, load_story

VERMILLION = (0xD5, 0x5E, 0x00)  # Chinese security sites in the story palette


@pytest.fixture(scope="module")
def pictures(output_dir):
    folder = output_dir / "pictures"
    folder.mkdir(exist_ok=True)
    return folder


def small_layers() -> dict[str, gpd.GeoDataFrame]:
    region = gpd.GeoDataFrame(
        {"id": ["region-gbao"], "name": ["GBAO"]},
        geometry=[Polygon([(70.3, 36.7), (75.1, 36.7), (75.1, 39.4), (70.3, 39.4)])],
        crs=4326,
    )
    region.attrs.update(title="Region", attribution="test region")
    sites = gpd.GeoDataFrame(
        {"id": ["site-a", "site-b"], "name": ["Outpost A", "Checkpoint B"],
         "start_date": ["2016", "2019"]},
        geometry=[Point(74.5, 37.9), Point(71.5, 37.1)],
        crs=4326,
    )
    sites.attrs.update(title="Sites", attribution="test sites")
    border = gpd.GeoDataFrame(
        {"id": ["border-x"], "name": ["Border"]},
        geometry=[LineString([(67.8, 37.2), (71.0, 37.0), (74.9, 37.4)])],
        crs=4326,
    )
    return {"region": region, "sites": sites, "border": border}


def pixel_stats(path):
    with Image.open(path) as image:
        image.load()
        size = image.size
        rgb = np.asarray(image.convert("RGB"), dtype=np.int16)
    grey = rgb.mean(axis=2)
    not_white = (grey < 245).mean()
    colours = len(np.unique(rgb.reshape(-1, 3) // 8, axis=0))
    return size, rgb, grey.std(), not_white, colours


def count_colour(rgb, colour, tolerance=12):
    return int((np.abs(rgb - np.array(colour)).max(axis=2) <= tolerance).sum())


def test_layers_picture_has_requested_size_and_content(pictures):
    path = render_picture(["region", "border", "sites"], pictures / "small-layers.png",
                          size=(1280, 720), title="Small test layers", overwrite=True,
                          layer_data=small_layers())
    size, rgb, spread, not_white, colours = pixel_stats(path)
    assert size == (1280, 720)
    assert spread > 20 and not_white > 0.3 and colours > 30  # a map, not a blank page
    assert count_colour(rgb, (0, 0, 0)) > 500  # frame, scale bar, north arrow, title


def test_story_step_picture_from_the_curated_layers(pictures):
    story = load_story()
    number = next(i for i, s in enumerate(story.steps, 1)
                  if "chinese_security_sites" in s.layers and s.highlight)
    path = render_picture(path=pictures / "default-story-step.png", story=story, step=number,
                          overwrite=True)
    size, rgb, spread, not_white, colours = pixel_stats(path)
    assert size == (1920, 1080)
    assert spread > 20 and not_white > 0.3 and colours > 50
    assert count_colour(rgb, VERMILLION) > 100  # the Chinese sites are drawn


def test_svg_and_pdf_keep_the_proportions(pictures):
    layers = small_layers()
    svg = render_picture(["region", "sites"], pictures / "small.svg", size=(1600, 900),
                         overwrite=True, layer_data=layers)
    root = ET.parse(svg).getroot()
    width, height = (float(root.get(k).removesuffix("pt")) for k in ("width", "height"))
    assert width / height == pytest.approx(16 / 9, rel=1e-3)
    assert width == pytest.approx(1600 / 100 * 72)
    assert len(root.findall(".//{http://www.w3.org/2000/svg}path")) > 10
    pdf = render_picture(["region", "sites"], pictures / "small.pdf", size=(1600, 900),
                         overwrite=True, layer_data=layers)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    box = [float(v) for v in re.search(rb"/MediaBox \[([^\]]+)\]", data).group(1).split()]
    assert box[2:] == pytest.approx([1152, 648])


def test_scale_bar_length_is_geodesic():
    from matplotlib.figure import Figure

    crs = "+proj=aeqd +lat_0=38.5 +lon_0=71 +datum=WGS84 +units=m +no_defs"
    to_map = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    to_lonlat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    ax = Figure().add_subplot()
    box = (-400_000, -250_000, 400_000, 250_000)
    _scale_bar(ax, to_map, to_lonlat, box, 12, 1)
    labels = [t.get_text() for t in ax.texts]
    km = float(labels[-1].removesuffix(" km"))
    (x0, x1), (y0, y1) = ax.lines[0].get_data()
    (lon0, lon1), (lat0, lat1) = to_lonlat.transform([x0, x1], [y0, y1])
    metres = Geod(ellps="WGS84").inv(lon0, lat0, lon1, lat1)[2]
    assert metres == pytest.approx(km * 1000, rel=1e-6)
    assert 0.1 < (x1 - x0) / (box[2] - box[0]) <= 0.26  # a round length, at most a quarter
    assert _nice_length(237_000) == 200_000 and _nice_length(49_000) == 20_000


def test_north_arrow_points_to_true_north():
    from matplotlib.figure import Figure

    crs = "+proj=aeqd +lat_0=38.5 +lon_0=71 +datum=WGS84 +units=m +no_defs"
    to_map = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    to_lonlat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    ax = Figure().add_subplot()
    _north_arrow(ax, to_map, to_lonlat, (-400_000, -250_000, 400_000, 250_000), 12, 1)
    arrow = ax.texts[0]
    (tip_lon, tip_lat), (base_lon, base_lat) = (to_lonlat.transform(*xy)
                                                for xy in (arrow.xy, arrow.xyann))
    azimuth = Geod(ellps="WGS84").inv(base_lon, base_lat, tip_lon, tip_lat)[0]
    assert azimuth == pytest.approx(0, abs=0.05)


@pytest.mark.slow
def test_all_steps_of_the_default_story(tmp_path, pictures):
    paths = render_step_pictures(None, pictures / "default-story.png", size=(640, 360),
                                 overwrite=True)
    assert len(paths) == len(load_story().steps)
    assert paths[0].name == "default-story-01.png"
    for path in paths:
        size, _, spread, not_white, _ = pixel_stats(path)
        assert size == (640, 360)
        assert spread > 15 and not_white > 0.3, path


def test_story_year_hides_later_features(tmp_path):
    import yaml

    story = tmp_path / "s.yaml"
    story.write_text(yaml.safe_dump({"title": "t", "steps": [
        {"title": "Before", "year": 2016, "text": "t", "layers": ["sites"], "citations": ["c"],
         "view": {"bounds": [70, 36.5, 75.5, 39]}},
        {"title": "After", "year": 2020, "text": "t", "layers": ["sites"], "citations": ["c"],
         "view": {"bounds": [70, 36.5, 75.5, 39]}},
    ]}))
    layers = small_layers()
    counts = []
    for number in (1, 2):
        path = render_picture(path=tmp_path / f"{number}.png", story=story, step=number,
                              size=(800, 450), layer_data=layers)
        # the first layer of a story without a curated style is drawn in Okabe-Ito blue
        counts.append(count_colour(pixel_stats(path)[1], (0x00, 0x72, 0xB2)))
    assert 0 < counts[0] < counts[1]  # site-b (2019) appears only in the 2020 step


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"path": "x.gif"}, "unknown picture format '.gif'"),
    ({"size": "big"}, "size 'big' is not WIDTHxHEIGHT"),
    ({"size": (50, 50)}, "must be 200 to 10000 pixels"),
    ({"layers": None}, "nothing to draw"),
    ({"story": "default", "step": 99}, "step 99 is out of range"),
])
def test_bad_requests_raise_render_errors(tmp_path, kwargs, message):
    args = {"layers": ["sites"], "path": "p.png", **kwargs}
    args["path"] = tmp_path / args["path"]
    with pytest.raises(RenderError, match=re.escape(message)):
        render_picture(**args, layer_data=small_layers() if "story" not in kwargs else None)
    assert list(tmp_path.iterdir()) == []


def test_existing_picture_needs_overwrite(tmp_path):
    path = tmp_path / "p.png"
    path.write_bytes(b"keep")
    with pytest.raises(RenderError, match="already exists"):
        render_picture(["sites"], path, layer_data=small_layers())
    assert path.read_bytes() == b"keep"
    with pytest.raises(LayerNotFoundError, match="did you mean mines"):
        render_picture(["minez"], tmp_path / "q.png")


def test_parse_size_and_step_paths(tmp_path):
    assert parse_size("1920x1080") == (1920, 1080)
    assert step_picture_path(tmp_path / "s.png", 3, 14).name == "s-03.png"
    assert step_picture_path(tmp_path / "s.pdf", 7, 120).name == "s-007.pdf"


def test_picture_command(tmp_path):
    out = tmp_path / "step.png"
    result = CliRunner().invoke(cli, ["picture", "--step", "2", "-o", str(out),
                                      "--size", "960x540"])
    assert result.exit_code == 0, result.output
    assert pixel_stats(out)[0] == (960, 540)
    layers = tmp_path / "layers.png"
    result = CliRunner().invoke(cli, ["picture", "-l", "mines", "-l", "russian_military",
                                      "-o", str(layers), "--size", "800x600"])
    assert result.exit_code == 0, result.output
    assert pixel_stats(layers)[0] == (800, 600)
    result = CliRunner().invoke(cli, ["picture", "-o", str(tmp_path / "x.png")])
    assert result.exit_code == 2 and "nothing to draw" in result.output


def test_picture_command_errors_in_a_real_process(tmp_path):
    out = tmp_path / "x.png"
    for args, message in [
        (["-l", "minez", "-o", str(out)], "no layer named 'minez'; did you mean mines?"),
        (["--step", "99", "-o", str(out)], "step 99 is out of range"),
        (["-l", "mines", "-o", str(tmp_path / "x.bmp")], "unknown picture format '.bmp'"),
    ]:
        proc = subprocess.run([sys.executable, "-m", "geomap.cli", "picture", *args],
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 2, proc.stderr
        assert "Traceback" not in proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("geomap: error: ")
        assert message in lines[0]
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------------------- same look as the map


#: gid parts of what is drawn for sites not known exactly (hollow symbols, "?", circles)
SITE_PARTS = ("approximate", "unknown", "highlight-approximate", "highlight-unknown",
              "uncertainty", "uncertainty-fill")


def layer_collections(ax, name):
    """The collections drawn for one layer (not its outline, highlight or site overlays)."""
    found = []
    for collection in ax.collections:
        parts = (collection.get_gid() or "").split(":")
        if parts[0] != name or parts[-1] in ("outline", "highlight"):
            continue
        if len(parts) > 1 and parts[1] in SITE_PARTS:
            continue
        found.append(collection)
    return found


def site_collections(ax, name, part):
    """The collections drawn for one layer's sites of one kind (``SITE_PARTS``)."""
    return [c for c in ax.collections
            if (c.get_gid() or "").split(":")[0] == name
            and (c.get_gid() or "").split(":")[1:2] == [part]]


def test_pictures_draw_each_layer_in_its_catalog_style():
    from matplotlib.colors import to_rgb
    from matplotlib.markers import MarkerStyle

    names = [n for n in catalog.layer_names() if n != "countries"]
    fig = _figure(names, [], None, "All layers", [], "", None, (1280, 720), None)
    ax = fig.axes[0]
    for name in ["countries", *names]:
        raw = catalog.get_layer(name).style
        colour, fill = to_rgb(raw["color"]), to_rgb(raw.get("fill_color", raw["color"]))
        drawn = layer_collections(ax, name)
        kind = catalog.get_layer(name).geometry_type.replace("Multi", "")
        vague = [c for part in ("approximate", "unknown") for c in site_collections(ax, name, part)
                 if not c.get_gid().endswith(":mark")]
        assert drawn or (kind == "Point" and vague), name
        for collection in vague:
            # a site not known exactly: hollow, outlined in its category's colour, dashed
            category = collection.get_gid().split(":")[2]
            want = to_rgb((raw.get("category_colors") or {}).get(category, fill))
            assert tuple(collection.get_edgecolor()[0][:3]) == want, name
            assert tuple(collection.get_facecolor()[0][:3]) == (1, 1, 1), name
            assert collection.get_linestyle()[0][1] is not None, name
        for collection in drawn:
            if kind == "Point":
                category = collection.get_gid().partition(":")[2]
                want = to_rgb((raw.get("category_colors") or {}).get(category, fill))
                assert [tuple(c[:3]) for c in collection.get_facecolor()] == [want], name
                outline = to_rgb("#222222") if colour == fill else colour
                assert tuple(collection.get_edgecolor()[0][:3]) == outline, name
                shape = (raw.get("category_symbols") or {}).get(category, raw["symbol"])
                marker = MarkerStyle(_MARKERS[shape])
                expected = marker.get_path().transformed(marker.get_transform()).vertices
                got = collection.get_paths()[0].vertices
                assert got.shape == expected.shape and np.allclose(got, expected), (name, shape)
            elif kind == "LineString":
                assert tuple(collection.get_edgecolor()[0][:3]) == colour, name
                assert collection.get_edgecolor()[0][3] == pytest.approx(raw.get("opacity", 1))
                offset, dashes = collection.get_linestyle()[0]
                if raw.get("dash_array"):
                    width = collection.get_linewidth()[0]
                    want = [float(d) / raw["weight"] for d in
                            raw["dash_array"].replace(",", " ").split()]
                    assert [d / width for d in dashes] == pytest.approx(want), name
                else:
                    assert dashes is None, name
            else:
                faces = {tuple(np.round(c, 4)) for c in collection.get_facecolor()}
                want = tuple(np.round([*fill, raw.get("fill_opacity", 0.3)], 4))
                assert want in faces, name
                outlines = [c for c in ax.collections if c.get_gid() == f"{name}:outline"]
                assert tuple(outlines[0].get_edgecolor()[0][:3]) == colour, name


def test_picture_pixels_show_the_catalog_colours(pictures):
    names = ["chinese_security_sites", "russian_military", "mines", "bri_sites",
             "joint_exercises", "bri_highways"]
    path = render_picture(names, pictures / "catalog-colours.png", size=(1280, 720),
                          overwrite=True)
    rgb = pixel_stats(path)[1]
    for name in names:
        style = catalog.get_layer(name).style
        colour = style.get("fill_color", style["color"])
        wanted = tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))
        assert count_colour(rgb, wanted, tolerance=10) > 60, name


def to_pixel(fig, ax, lon, lat, bounds):
    """Pixel (column, row from the top) of a place in a picture drawn for ``bounds``."""
    west, south, east, north = bounds
    crs = (f"+proj=aeqd +lat_0={(south + north) / 2:.4f} +lon_0={(west + east) / 2:.4f} "
           "+datum=WGS84 +units=m +no_defs")
    x, y = Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(lon, lat)
    col, row = ax.transData.transform((x, y))
    return int(col), int(fig.bbox.height - row)


def test_tajikistan_stands_out_from_its_neighbours_in_pictures():
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    bounds = TAJIKISTAN_BOUNDS
    fig = _figure(["tajik_afghan_border"], [], bounds, "Tajikistan", [], "", None,
                  (1280, 720), None)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    image = np.asarray(canvas.buffer_rgba())[..., :3].astype(float) / 255
    ax = fig.axes[0]

    def luminance(lon, lat):
        col, row = to_pixel(fig, ax, lon, lat, bounds)
        rgb = image[row - 2:row + 3, col - 2:col + 3].reshape(-1, 3).mean(axis=0)
        linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
        return float(linear @ [0.2126, 0.7152, 0.0722])

    tajikistan = luminance(70.5, 38.6)  # Rasht valley, well inside the country
    for where, (lon, lat) in {"Uzbekistan": (67.5, 40.3), "Afghanistan": (67.8, 36.9),
                              "Kyrgyzstan": (73.5, 40.8)}.items():
        ratio = (tajikistan + 0.05) / (luminance(lon, lat) + 0.05)
        assert ratio >= 1.2, (where, ratio)  # WCAG contrast of the focus country
    assert tajikistan > 0.85  # near white, as on the story page and the main map


# Slides: a 16:9 slide is 540 pt tall, and the usual minimums for a room are 28 pt for titles
# and 18 pt for text, i.e. 5.2 % and 3.3 % of the height: 56 px and 36 px on a 1080-pixel
# slide, 37 px and 24 px on a 720-pixel one.
TITLE_SHARE, LEGEND_SHARE = 0.052, 0.033


def font_px(text) -> float:
    return text.get_fontsize() * 100 / 72


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 720), (640, 360)])
@pytest.mark.parametrize("layer", ["bri_sites", "joint_exercises"])
def test_picture_text_grows_with_the_picture(size, layer):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    width, height = size
    story = load_story()
    number = next(i for i, s in enumerate(story.steps, 1) if layer in s.layers and s.highlight)
    step = story.steps[number - 1]
    fig = _figure(story.step_layers(number), step.highlight, step.view.bounds, step.title,
                  [c.label() for c in step.citations], step.text, step.until, size, None)
    renderer = FigureCanvasAgg(fig).get_renderer()
    by_gid = {t.get_gid(): t for t in fig.texts if t.get_gid()}
    title, legend = by_gid["title"], fig.legends[0]
    assert font_px(title) >= max(TITLE_SHARE * height, 20) - 0.01
    legend_px = min(font_px(t) for t in legend.get_texts())
    assert legend_px >= max(LEGEND_SHARE * height * 0.6, 10)  # may shrink a little to fit
    if height >= 720:
        assert legend_px >= LEGEND_SHARE * height - 0.01
        assert "step-text" in by_gid  # the step's text is in the side panel
    else:
        assert "step-text" not in by_gid  # too small to read: left out, not squeezed in
    # nothing runs off the picture, and the step text does not run into the footer
    for artist in [*fig.texts, legend]:
        box = artist.get_window_extent(renderer=renderer)
        assert box.x0 >= 0 and box.y0 >= 0, artist
        assert box.x1 <= width + 1 and box.y1 <= height + 1, artist
    # feature labels do not cover one another
    labels = [t.get_window_extent(renderer=renderer) for t in fig.axes[0].texts
              if t.get_fontweight() == "bold"]
    for i, one in enumerate(labels):
        for other in labels[i + 1:]:
            shared = (max(0, min(one.x1, other.x1) - max(one.x0, other.x0))
                      * max(0, min(one.y1, other.y1) - max(one.y0, other.y0)))
            assert shared <= 0.02 * min(one.width * one.height, other.width * other.height)
    if "step-text" in by_gid:
        text_box = by_gid["step-text"].get_window_extent(renderer=renderer)
        footer_box = by_gid["footer"].get_window_extent(renderer=renderer)
        assert text_box.y0 > footer_box.y1


def ink_rows(path, colour=(0x11, 0x11, 0x11), band=0.12):
    """Rows of the top band of a picture that hold title ink."""
    rgb = pixel_stats(path)[1]
    top = rgb[: int(rgb.shape[0] * band)]
    rows = np.nonzero((np.abs(top - np.array(colour)).max(axis=2) <= 40).any(axis=1))[0]
    return rows.max() - rows.min() + 1 if len(rows) else 0


def test_title_ink_is_as_tall_on_a_1280_picture_as_on_a_1920_slide(pictures):
    heights = {}
    for width, height in [(1920, 1080), (1280, 720)]:
        path = render_picture(path=pictures / f"title-{width}x{height}.png", story="default",
                              step=12, size=(width, height), overwrite=True)
        heights[height] = ink_rows(path)
        # capitals and descenders of a title set at 5.2 % of the height span over 4 %
        assert heights[height] >= 0.04 * height, heights
    assert heights[1080] / heights[720] == pytest.approx(1.5, rel=0.1)


def test_default_title_names_the_subject_not_the_basemap():
    gbao, rivers = catalog.get_layer("gbao").title, catalog.get_layer("rivers").title
    fig = _figure(["rivers", "gbao"], [], None, None, [], "", None, (1280, 720), None)
    assert fig.get_label() == gbao
    basemap_only = _figure(["countries", "rivers"], [], None, None, [], "", None, (1280, 720),
                           None)
    assert basemap_only.get_label() == rivers


# ----------------------------------------------------------------------------- site precision

POSTS = ["cn-border-command-posts-2016", "cn-border-observation-towers-2016",
         "cn-border-checkpoints-2016", "cn-border-training-centre-2016"]


def test_pictures_draw_approximate_and_unknown_sites_as_on_the_main_map(pictures):
    from matplotlib.colors import to_rgb

    from geomap.picture import _SITE_DASH

    story = load_story()
    number = next(i for i, s in enumerate(story.steps, 1) if set(POSTS) <= set(s.highlight))
    step = story.steps[number - 1]
    fig = _figure(story.step_layers(number), step.highlight, step.view.bounds, step.title,
                  [], step.text, step.until, (1920, 1080), None)
    ax = fig.axes[0]
    name = "chinese_security_sites"
    # nothing of this layer is drawn as an exact site: every one has precision > 1
    assert layer_collections(ax, name) == []
    # the 2016 posts (precision 8, 280 km): big, hollow, dashed, black-outlined, with a "?"
    lit = [c for c in site_collections(ax, name, "highlight-unknown")
           if not c.get_gid().endswith(":mark")]
    assert sum(len(c.get_offsets()) for c in lit) == len(POSTS) + 1  # and the renovations
    for collection in lit:
        assert tuple(collection.get_facecolor()[0][:3]) == (1, 1, 1)
        assert tuple(collection.get_edgecolor()[0][:3]) == (0, 0, 0)
        offset, dashes = collection.get_linestyle()[0]
        width = collection.get_linewidth()[0]
        assert [d / width for d in dashes] == pytest.approx(list(_SITE_DASH[1]))
    marks = [c for c in site_collections(ax, name, "highlight-unknown")
             if c.get_gid().endswith(":mark")]
    assert marks and all(len(c.get_offsets()) for c in marks)
    # the Shaymak outpost (precision 5, 25 km): hollow, dashed, in its colour, with a circle
    approximate = site_collections(ax, name, "approximate")
    assert approximate and all(c.get_linestyle()[0][1] for c in approximate)
    assert tuple(approximate[0].get_edgecolor()[0][:3]) == to_rgb("#D55E00")
    circles = site_collections(ax, name, "uncertainty")
    assert circles and circles[0].get_linestyle()[0][1] is not None
    # no circle for a site known only within more than 50 km: one ring per approximate site
    assert len(circles[0].get_paths()) == sum(len(c.get_offsets()) for c in approximate)
    # labels and legend say so
    texts = [t.get_text() for t in ax.texts]
    assert any(t.endswith("(sites unknown)") for t in texts), texts
    assert any(t.endswith("(site unknown)") for t in texts), texts
    legend = [t.get_text().replace("\n", " ") for t in fig.legends[0].get_texts()]
    assert "Hollow: approximate; ?: unknown" in legend
    path = render_picture(story=story, step=number, path=pictures / "sites-step-08.png",
                          overwrite=True)
    size, _, spread, inked, colours = pixel_stats(path)
    assert size == (1920, 1080) and spread > 10 and colours > 50


def test_exact_sites_stay_solid_and_need_no_legend_line():
    from matplotlib.colors import to_rgb

    anzob = catalog.read_layer("bri_sites").query("id == 'bri-anzob-tunnel'")
    assert int(anzob["precision"].iloc[0]) == 1
    anzob.attrs.update(title="Anzob tunnel")
    fig = _figure(["tunnel"], ["bri-anzob-tunnel"], (68, 38, 70, 40), "Anzob", [], "", None,
                  (1280, 720), {"tunnel": anzob})
    ax = fig.axes[0]
    assert not [c for part in SITE_PARTS for c in site_collections(ax, "tunnel", part)]
    solid = layer_collections(ax, "tunnel")
    assert solid and tuple(solid[0].get_facecolor()[0][:3]) != (1, 1, 1)
    assert solid[0].get_linestyle()[0][1] is None
    highlighted = [c for c in ax.collections if c.get_gid() == "tunnel:highlight"]
    assert highlighted and tuple(highlighted[0].get_edgecolor()[0][:3]) == to_rgb("black")
    assert not any("site" in t.get_text() for t in ax.texts)
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert not any("Hollow" in t for t in legend)


def test_uncertainty_circles_are_geodesic():
    from geomap.picture import _geodesic_circles

    crs = "+proj=aeqd +lat_0=38 +lon_0=71 +datum=WGS84 +units=m +no_defs"
    points = gpd.GeoDataFrame(geometry=[Point(74.9, 38.4), Point(68.0, 37.0)], crs=4326)
    rings = _geodesic_circles(points, [25_000, 40_000], crs).to_crs(4326)
    geod = Geod(ellps="WGS84")
    for point, ring, radius in zip(points.geometry, rings, [25_000, 40_000], strict=True):
        lons, lats = ring.exterior.coords.xy
        _, _, dist = geod.inv([point.x] * len(lons), [point.y] * len(lats), lons, lats)
        assert np.allclose(dist, radius, atol=1.0)


def test_approximate_sites_show_in_the_picture_pixels(pictures):
    """Hollow symbols are mostly white inside; the dashed circle is drawn round the site."""
    sites = gpd.GeoDataFrame(
        {"id": ["near", "far"], "name": ["Near", "Far"], "precision": [5, 8],
         "coordinate_uncertainty_m": [40_000, 200_000]},
        geometry=[Point(70.0, 38.5), Point(73.0, 38.5)], crs=4326)
    sites.attrs.update(title="Sites", style={"color": "#D55E00", "fill_color": "#D55E00",
                                              "symbol": "square"})
    bounds = (68.5, 37.5, 74.5, 39.5)
    path = render_picture(["sites"], pictures / "sites-variants.png", size=(1280, 720),
                          bounds=bounds, overwrite=True, layer_data={"sites": sites})
    fig = _figure(["sites"], [], bounds, "Sites", [], "", None, (1280, 720),
                  {"sites": sites})
    with Image.open(path) as image:
        rgb = np.asarray(image.convert("RGB")).astype(int)
    x, y = to_pixel(fig, fig.axes[0], 70.0, 38.5, bounds)
    assert (rgb[y - 2:y + 3, x - 2:x + 3] > 235).all()  # hollow: white, not vermillion
    x, y = to_pixel(fig, fig.axes[0], 73.0, 38.5, bounds)
    middle = rgb[y - 5:y + 6, x - 5:x + 6]
    assert (middle < 80).all(axis=2).any() and (middle > 235).all(axis=2).any()  # a dark "?"
    assert count_colour(middle, VERMILLION, 40) == 0
    # the 40 km circle: vermillion dashes about 40 km west of the near site, none for the far
    geod = Geod(ellps="WGS84")
    for lon0, radius, drawn in ((70.0, 40_000, True), (73.0, 200_000, False)):
        lon, lat, _ = geod.fwd(lon0, 38.5, 270, radius if drawn else 40_000)
        x, y = to_pixel(fig, fig.axes[0], lon, lat, bounds)
        window = rgb[y - 30:y + 31, x - 4:x + 5]
        assert (count_colour(window, VERMILLION, 40) > 0) == drawn, lon0
