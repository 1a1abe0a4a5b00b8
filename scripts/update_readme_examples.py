"""Rerun the README's `$ geomap query ...` console examples and write their real output back.

Run after changing a layer: tests/test_readme.py fails until the README shows current answers.
To add an example, write a ```console block holding only its `$ geomap query ...` line (one line,
curated layers only) and run this script: it fills in the output. A block whose answer is empty
keeps only its command line (the note about the empty answer goes to stderr, not into the block).
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


def run(command: str) -> str:
    """Return the stdout of one README command, or stop with its output if it fails."""
    result = CliRunner().invoke(cli, shlex.split(command)[1:], catch_exceptions=False)
    if result.exit_code != 0:
        raise SystemExit(f"README example failed: {command}\n{result.output}")
    return result.stdout


def main() -> None:
    answers = {match.group(1): run(match.group(1))
               for match in BLOCK.finditer(README.read_text("utf-8"))}
    # Others may edit README.md meanwhile: apply the answers to a fresh read, written at once.
    text = README.read_text("utf-8")

    def refresh(match: re.Match) -> str:
        command = match.group(1)
        output = answers[command] if command in answers else run(command)
        return f"```console\n$ {command}\n{output}```"

    README.write_text(BLOCK.sub(refresh, text), "utf-8")


if __name__ == "__main__":
    main()
