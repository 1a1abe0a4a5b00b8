"""``geomap map``: write the interactive offline map page."""

from __future__ import annotations

from pathlib import Path

import click


def _split_layers(layers: tuple[str, ...], add: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """Share the ``--layer`` values between the ``--add`` files and the curated catalog.

    A value that names a layer of an ``--add`` file holding several layers reads that layer
    (several values read several layers, each drawn on its own); a value that is exactly the
    one layer of a single-layer file is taken as naming it; every other value is a curated
    layer. Returns the curated names and the ``--add`` sources (``FILE|layername=NAME`` for the
    layers chosen).

    Raises
    ------
    LayerNotFoundError
        For a value that is neither a curated layer nor a layer of any ``--add`` file.
    """
    from geomap import catalog
    from geomap.errors import LayerNotFoundError
    from geomap.readers import list_file_layers

    if not add:
        return list(layers), []
    listed = {}
    for file in add:
        if "|layername=" not in file and Path(file).is_file():
            listed[file] = list_file_layers(file)
    claimed, sources = set(), []
    for file in add:
        names = listed.get(file, [])
        chosen = [name for name in layers if name in names]
        claimed.update(chosen)
        if len(names) > 1 and chosen:
            sources += [f"{file}|layername={name}" for name in dict.fromkeys(chosen)]
        else:  # a multi-layer file without a chosen layer fails with its list of layers
            sources.append(file)
    curated = [name for name in layers if name not in claimed]
    for name in curated:
        try:
            catalog.get_layer(name)
        except LayerNotFoundError:
            files = "; ".join(f"{file}: {', '.join(names)}" for file, names in listed.items())
            raise LayerNotFoundError(
                f"--layer {name!r} is neither a curated layer (see 'geomap list') nor a layer of "
                f"the --add files ({files})"
            ) from None
    return curated, sources


@click.command("map")
@click.option("-l", "--layer", "layers", multiple=True, metavar="LAYER",
              help="Curated layer to draw (repeatable); default: every curated layer. With "
              "--add, a LAYER held by an --add file that holds several layers (GeoPackage, "
              "KML, zip) picks that layer of the file instead.")
@click.option("--add", "add", multiple=True, metavar="FILE",
              type=click.Path(dir_okay=False),
              help="Your own layer file (any file 'geomap validate' accepts); repeatable. A file "
              "holding several layers needs --layer NAME (or FILE|layername=NAME).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Where to write the page [default: output/tajikistan.html].")
@click.option("--title", default=None, help="Title shown on the map and in the browser tab.")
@click.option("--overwrite", is_flag=True, help="Replace the output file if it exists.")
def map_command(layers: tuple[str, ...], add: tuple[str, ...], output: str | None,
                title: str | None, overwrite: bool) -> None:
    """Write an interactive map page that works offline.

    The page carries Leaflet, the controls and the data inline: open it in any browser, with or
    without a network. The basemap (countries, lakes, places) is always drawn.

    --layer does two jobs. Values naming a layer of an --add file that holds several layers
    read that layer (geomap map --add sites.gpkg --layer b); the other values choose curated
    layers, and when none is left every curated layer is drawn. A value that is neither is
    refused, with the layers of each --add file listed. A single-layer --add file is always
    drawn whole.
    """
    from geomap.render import DEFAULT_OUTPUT, DEFAULT_TITLE, write_map

    curated, sources = _split_layers(layers, add)
    path = Path(output) if output else DEFAULT_OUTPUT
    counts = write_map(path, curated or None, add=sources, title=title or DEFAULT_TITLE,
                       overwrite=overwrite)
    size_kb = path.stat().st_size / 1024
    click.echo(f"wrote {path}: {len(counts)} layers, {sum(counts.values())} features, "
               f"{size_kb:,.0f} kB")
