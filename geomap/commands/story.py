"""``geomap story``: build the classroom story page."""

from __future__ import annotations

import click

from geomap.errors import GeomapError


def report_story_error(ctx: click.Context, exc: GeomapError) -> None:
    """Print every problem of a story error, one line each, and exit non-zero."""
    for problem in getattr(exc, "problems", None) or [str(exc)]:
        click.echo(f"geomap: error: {problem}", err=True)
    ctx.exit(exc.exit_code)


@click.command("story")
@click.argument("story_file", required=False, metavar="[STORY_FILE]")
@click.option("-o", "--output", default="output/story.html", show_default=True,
              type=click.Path(dir_okay=False), help="HTML file to write.")
@click.option("--overwrite", is_flag=True, help="Replace the output file if it exists.")
@click.option("--check", is_flag=True, help="Only validate the story file; write nothing.")
@click.pass_context
def story_command(ctx: click.Context, story_file: str | None, output: str, overwrite: bool,
                  check: bool) -> None:
    """Build an offline presentation page from STORY_FILE (YAML or JSON).

    Without STORY_FILE the default story is used: the chronology of China's security footprint
    in Tajikistan, 1996-2021. Present it by opening the page in a browser: arrow keys, Page
    Up/Down (presentation clickers), Home/End or the on-screen buttons move between steps.

    A story may add your own layer files next to the curated layers with a top-level 'files'
    mapping (name: file, relative to the story file; any format 'geomap validate' reads, e.g.
    'trip: trip.geojson' or 'roads: data.gpkg|layername=roads'); steps name them in 'layers'.
    """
    from geomap.story import StoryError, load_story, render_story

    try:
        story = load_story(story_file)
    except StoryError as exc:
        report_story_error(ctx, exc)
        return
    if check:
        own = "".join(f"; your layer {name!r}: {len(gdf)} feature{'s' * (len(gdf) != 1)}"
                      for name, gdf in story.files.items())
        click.echo(f"{story.source}: {len(story.steps)} steps, valid{own}")
        return
    path = render_story(story, output, overwrite=overwrite)
    click.echo(f"wrote {path} ({len(story.steps)} steps); open it in a browser to present")
