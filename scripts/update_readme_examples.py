"""Rerun the README's `$ geomap query ...` console examples and write their real output back.

Run after changing a layer: tests/test_readme.py fails until the README shows current answers.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from click.testing import CliRunner

from geomap.cli import cli

README = Path(__file__).resolve().parent.parent / "README.md"
# one-line commands on curated layers only (no file names, no line continuations)
BLOCK = re.compile(r"```console\n\$ (geomap query[^\n.\\]+)\n(.*?)```", re.S)


def rerun(match: re.Match) -> str:
    command = match.group(1)
    result = CliRunner().invoke(cli, shlex.split(command)[1:], catch_exceptions=False)
    if result.exit_code != 0:
        raise SystemExit(f"README example failed: {command}\n{result.output}")
    return f"```console\n$ {command}\n{result.stdout}```"


def main() -> None:
    README.write_text(BLOCK.sub(rerun, README.read_text("utf-8")), "utf-8")


if __name__ == "__main__":
    main()
