"""``geomap list``, ``geomap show`` and ``geomap validate``."""

from __future__ import annotations

import json

import click

from geomap import catalog, schema
from geomap.errors import LayerReadError


@click.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the catalog records as JSON.")
@click.option("--theme", type=click.Choice(list(catalog.THEMES)), help="Only layers of this theme.")
def list_command(as_json: bool, theme: str | None) -> None:
    """List the curated layers."""
    records = catalog.list_layers(theme)
    if as_json:
        click.echo(json.dumps([r.to_dict() for r in records], indent=2, ensure_ascii=False))
        return
    rows = [(r.name, r.theme, r.geometry_type, str(r.feature_count), r.title) for r in records]
    header = ("NAME", "THEME", "GEOMETRY", "FEATURES", "TITLE")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(4)]
    for row in [header, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        click.echo("  ".join([*cells, row[4]]))


@click.command("show")
@click.argument("layer")
@click.option("--json", "as_json", is_flag=True, help="Print the record and features as JSON.")
def show_command(layer: str, as_json: bool) -> None:
    """Show a curated layer's record and its features."""
    record = catalog.get_layer(layer)
    features = json.loads(record.path.read_text(encoding="utf-8"))["features"]
    if as_json:
        payload = {"record": record.to_dict(), "features": features}
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    click.echo(f"{record.title} ({record.name})")
    click.echo(record.description)
    click.echo(
        f"theme: {record.theme}   geometry: {record.geometry_type}   "
        f"features: {record.feature_count}"
    )
    click.echo(f"geometry source: {record.geometry_source}")
    click.echo(f"licence: {record.licence}   attribution: {record.attribution}")
    click.echo(f"file: {record.path}")
    click.echo("")
    for feature in features:
        props = feature["properties"]
        code = props.get("precision")
        when = " - ".join(filter(None, [props.get("start_date"), props.get("end_date")]))
        click.echo(
            f"- {props.get('id')}: {props.get('name')} [{props.get('category')}]"
            + (f" {when}" if when else "")
        )
        click.echo(
            f"    precision {code} ({schema.PRECISION_CODES.get(code, '?')}), "
            f"±{props.get('coordinate_uncertainty_m', 0) / 1000:g} km"
        )
        for source in props.get("sources") or []:
            click.echo(f"    source: {source.get('citation')}")


@click.command("validate")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--layer", "layer_name", help="Layer to read from a multi-layer file.")
@click.option("--curated", is_flag=True, help="Check user files against the full curated schema.")
@click.pass_context
def validate_command(
    ctx: click.Context, files: tuple[str, ...], layer_name: str | None, curated: bool
) -> None:
    """Validate the curated layers, or the given layer FILES.

    Prints one line per problem. Exits 0 when valid, 1 when problems were found and 2 when an
    input cannot be read at all.
    """
    targets = list(files) or catalog.layer_names()
    problems: list = []
    unreadable = False
    for target in targets:
        try:
            if files:
                problems += schema.validate_layer(
                    target, curated=curated or None, layer_name=layer_name
                )
            else:
                problems += schema.validate_layer(target)
        except LayerReadError as exc:
            click.echo(f"geomap: error: {exc}", err=True)
            unreadable = True
    if not files:
        problems += schema.location_problems()
    for problem in problems:
        click.echo(str(problem))
    if unreadable:
        ctx.exit(2)
    if problems:
        click.echo(f"{len(problems)} problem(s) in {len(targets)} layer(s)", err=True)
        ctx.exit(1)
    click.echo(f"{len(targets)} layer(s) valid")
