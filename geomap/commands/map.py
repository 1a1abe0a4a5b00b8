"""``geomap map``: write the interactive offline map page."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("map")
@click.option("-l", "--layer", "layers", multiple=True, metavar="LAYER",
              help="Curated layer to draw (repeatable); default: every curated layer.")
@click.option("--add", "add", multiple=True, metavar="FILE",
              type=click.Path(dir_okay=False),
              help="Your own layer file (any file 'geomap validate' accepts); repeatable.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Where to write the page [default: output/tajikistan.html].")
@click.option("--title", default=None, help="Title shown on the map and in the browser tab.")
@click.option("--overwrite", is_flag=True, help="Replace the output file if it exists.")
def map_command(layers: tuple[str, ...], add: tuple[str, ...], output: str | None,
                title: str | None, overwrite: bool) -> None:
    """Write an interactive map page that works offline.

    The page carries Leaflet, the controls and the data inline: open it in any browser, with or
    without a network. The basemap (countries, lakes, places) is always drawn.
    """
    from geomap.render import DEFAULT_OUTPUT, DEFAULT_TITLE, write_map

    path = Path(output) if output else DEFAULT_OUTPUT
    counts = write_map(path, list(layers) or None, add=list(add), title=title or DEFAULT_TITLE,
                       overwrite=overwrite)
    size_kb = path.stat().st_size / 1024
    click.echo(f"wrote {path}: {len(counts)} layers, {sum(counts.values())} features, "
               f"{size_kb:,.0f} kB")
