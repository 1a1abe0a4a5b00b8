"""``geomap export``: write layers for QGIS, GDAL, Google Earth and data tools."""

from __future__ import annotations

import click

from geomap.export import FORMATS


@click.command("export")
@click.argument("layers", nargs=-1)
@click.option("--format", "-f", "fmt", metavar="|".join(FORMATS),
              help="Output format (default: from the suffix of PATH).")
@click.option("-o", "--output", "path", required=True, type=click.Path(),
              help="Output file, or folder for one-file-per-layer formats; '.zip' zips it.")
@click.option("--overwrite", is_flag=True, help="Replace existing output files.")
@click.option("--zip", "zip_", is_flag=True, help="Pack the output into a zip archive.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
def export_command(layers: tuple[str, ...], fmt: str | None, path: str, overwrite: bool,
                   zip_: bool, quiet: bool) -> None:
    """Export LAYERS (curated layer names or layer files; all curated layers when none).

    \b
    Formats:
      gpkg     one GeoPackage, one table per layer, QGIS styles as the default style
      shp      one shapefile set per layer (+ .qml style, .fields.json name mapping)
      kml      one KML for Google Earth, a folder per layer, styled by category
      geojson  RFC 7946 GeoJSON, one file per layer
      csv      lon/lat (points) or WKT columns, with a GDAL .csvt of column types
      parquet  GeoParquet, one file per layer

    \b
    Examples:
      geomap export --format gpkg -o out/geomap.gpkg
      geomap export mines bri_sites --format shp -o out/shapes.zip
    """  # noqa: D301 - click's \b keeps these blocks as written
    from geomap.export import write_layers

    result = write_layers(list(layers), path, format=fmt,
                          overwrite=overwrite, zip=zip_)
    if quiet:
        return
    for layer, renamed in result.renamed_fields.items():
        click.echo(f"{layer}: shapefile field names (property -> field):")
        for long_name, short in renamed.items():
            click.echo(f"  {long_name} -> {short}")
    count = len(result.layers)
    click.echo(f"wrote {result.path} ({result.format}, {count} layer{'s' if count != 1 else ''}: "
               f"{', '.join(result.layers)})")
