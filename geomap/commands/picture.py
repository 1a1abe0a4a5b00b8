"""``geomap picture``: static map pictures for slides and handouts."""

from __future__ import annotations

import click


@click.command("picture")
@click.option("-l", "--layer", "layers", multiple=True, metavar="LAYER",
              help="Curated layer to draw (repeat for several).")
@click.option("--story", "story_file", metavar="STORY",
              help="Story file (YAML or JSON), or 'default'; draws a step of it, with the "
              "story's own 'files' layers.")
@click.option("--step", type=int, metavar="N", help="Story step to draw (1 is the first).")
@click.option("--all-steps", is_flag=True,
              help="Write one picture per story step: FILE-01.png, FILE-02.png...")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Picture to write: .png, .svg or .pdf.")
@click.option("--size", default="1920x1080", show_default=True, metavar="WxH",
              help="Size in pixels (PDF and SVG: at 100 pixels per inch).")
@click.option("--title", help="Title at the top (default: the step's or the layers' titles).")
@click.option("--overwrite", is_flag=True, help="Replace existing pictures.")
@click.pass_context
def picture_command(ctx: click.Context, layers: tuple[str, ...], story_file: str | None,
                    step: int | None, all_steps: bool, output: str, size: str,
                    title: str | None, overwrite: bool) -> None:
    """Draw a static map with title, legend, scale bar, north arrow and sources.

    \b
    Examples:
      geomap picture -l chinese_security_sites -l gbao -o sites.png
      geomap picture --step 5 -o step5.pdf             (a step of the default story)
      geomap picture --story my_story.yaml --all-steps -o slides/step.png
    """  # noqa: D301
    from geomap.commands.story import report_story_error
    from geomap.picture import parse_size, render_picture, render_step_pictures
    from geomap.story import StoryError, load_story

    dimensions = parse_size(size)
    if all_steps and step is not None:
        raise click.UsageError("give either --step N or --all-steps, not both")
    if not layers and story_file is None and step is None and not all_steps:
        raise click.UsageError("nothing to draw: give -l LAYER, --step N or --all-steps")
    story = None
    if story_file is not None or step is not None or all_steps:
        try:
            story = load_story(story_file)
        except StoryError as exc:
            report_story_error(ctx, exc)
            return
        if step is None and not all_steps:
            raise click.UsageError(
                f"--story needs --step N (1 to {len(story.steps)}) or --all-steps")
    if all_steps:
        paths = render_step_pictures(story, output, size=dimensions, overwrite=overwrite,
                                     layers=list(layers) or None, title=title)
        for path in paths:
            click.echo(f"wrote {path}")
        return
    path = render_picture(list(layers) or None, output, story=story, step=step,
                          size=dimensions, title=title, overwrite=overwrite)
    click.echo(f"wrote {path}")
