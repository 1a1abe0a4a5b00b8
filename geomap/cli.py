"""The ``geomap`` command: a click group whose subcommands load lazily.

Each subcommand lives in its own module under ``geomap/commands``; a module is imported only when
its command runs, so ``geomap list`` does not pay for folium or matplotlib.
"""

from __future__ import annotations

import importlib
import sys

import click

from geomap.errors import GeomapError

#: command name -> "module:attribute" of its click command
COMMANDS: dict[str, str] = {
    "list": "geomap.commands.layers:list_command",
    "show": "geomap.commands.layers:show_command",
    "validate": "geomap.commands.layers:validate_command",
    "map": "geomap.commands.map:map_command",
    "query": "geomap.commands.query:query_group",
    "export": "geomap.commands.export:export_command",
    "story": "geomap.commands.story:story_command",
    "picture": "geomap.commands.picture:picture_command",
}


class LazyGroup(click.Group):
    """A group that imports a subcommand's module only when the subcommand is used."""

    def list_commands(self, ctx: click.Context) -> list[str]:  # noqa: D102
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:  # noqa: D102
        if name not in COMMANDS:
            return None
        module_name, attribute = COMMANDS[name].split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            return None
        return getattr(module, attribute)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="geomap")
def cli() -> None:
    """Map China's and Russia's security footprint in Tajikistan: layers, maps, queries."""


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; turn any GeomapError into one line on stderr and a non-zero exit."""
    try:
        # without standalone mode, click returns ctx.exit()'s code instead of raising
        code = cli.main(args=argv, prog_name="geomap", standalone_mode=False)
    except GeomapError as exc:
        click.echo(f"geomap: error: {exc}", err=True)
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.UsageError as exc:  # a mistyped command line: one line too, with where to look
        hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
        click.echo(f"geomap: error: {exc.format_message()}{hint}", err=True)
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.Abort:
        click.echo("Aborted.", err=True)
        return 1
    except BrokenPipeError:
        return 0
    return code if isinstance(code, int) else 0


if __name__ == "__main__":
    sys.exit(main())
