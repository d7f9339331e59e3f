"""Every command has help that ends with an example, and appears in the README."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from annotate.cli import main

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in group.commands.items():
        path = prefix + (name,)
        found.append(path)
        if isinstance(command, click.Group):
            found.extend(_commands(command, path))
    return found


@pytest.mark.parametrize("path", _commands(main), ids=" ".join)
def test_command_has_help_with_an_example(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output, f"`annotate {' '.join(path)} --help` ends with no example"


@pytest.mark.parametrize("path", [p for p in _commands(main) if len(p) == 1], ids=" ".join)
def test_command_appears_in_the_readme(path: tuple[str, ...]) -> None:
    assert f"annotate {path[0]}" in README


def test_readme_opens_with_the_two_commands() -> None:
    first_block = README.split("```bash\n", 1)[1].split("```", 1)[0].strip().splitlines()
    assert first_block == [
        "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/annotate run samples/articles.jsonl",
        ".venv/bin/python -m pytest",
    ]
