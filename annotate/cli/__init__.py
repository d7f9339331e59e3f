"""The ``annotate`` command: a thin layer over the library.

Each sub-command lives in its own module, parses its options, calls one library
function and prints. No matching, scoring or file-format logic lives here.
"""

from __future__ import annotations

import importlib

import click

# module name -> the click command or group it defines under the same name
_COMMANDS = {
    "run": "run",
    "explain": "explain",
    "rules": "rules",
    "eval": "eval_",
    "ls": "ls",
}


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="annotate")
def main() -> None:
    """Find who said what in Arabic news.

    \b
    Example:
      annotate run articles.jsonl --out exports/
    """


for _module, _attr in _COMMANDS.items():
    try:
        _mod = importlib.import_module(f"annotate.cli.{_module}")
    except ModuleNotFoundError as exc:  # a command still being written is simply absent
        if exc.name != f"annotate.cli.{_module}":
            raise
        continue
    main.add_command(getattr(_mod, _attr))
