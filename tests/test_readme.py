"""The README's console examples are real: each `$ geomap ...` block prints what it shows.

After changing a layer, refresh them with ``python scripts/update_readme_examples.py``.
"""

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from geomap.cli import cli

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(r"```console\n\$ (geomap [^\n]+)\n(.*?)```", re.S)


def examples() -> list[tuple[str, str]]:
    if not README.is_file():
        return []
    return [(command, output) for command, output in BLOCK.findall(README.read_text("utf-8"))
            if command.startswith("geomap query") and not command.endswith("\\")
            and "." not in command]  # examples on the user's own files cannot run here


def test_readme_answers_the_five_questions():
    commands = [command for command, _ in examples()]
    assert any("within-distance chinese_security_sites --of tajik_afghan_border" in c
               for c in commands)
    assert any("nearest russian_military --to tajik_afghan_border" in c for c in commands)
    assert any("intersects bri_highways --with gbao" in c for c in commands)
    assert any("inside tajik_afghan_border --in gbao" in c for c in commands)
    assert any("within-distance mines --of bri_highways --distance 50km" in c for c in commands)


@pytest.mark.parametrize(("command", "expected"), examples(), ids=[c for c, _ in examples()])
def test_readme_query_output_is_current(command, expected):
    result = CliRunner().invoke(cli, shlex.split(command)[1:], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stdout == expected
