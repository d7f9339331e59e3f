"""The ``annotate`` command: a thin layer over the library.

Each sub-command lives in its own module, parses its options, calls one library
function and prints. No matching, scoring or file-format logic lives here.

A sub-command's module is imported only when that command runs (or its help is
asked for): ``annotate --help`` needs click alone, ``annotate run`` never imports the
Label Studio SDK or pandas, and only ``annotate spark`` imports pyspark.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import TypeVar

import click

# name → (module, attribute, one-line help shown by `annotate --help`)
_COMMANDS: dict[str, tuple[str, str, str]] = {
    "run": ("annotate.cli.run", "run", "Find the attributions in INPUT files and write Parquet tables."),
    "explain": ("annotate.cli.explain", "explain", "Print each attribution found in TEXT, with its rule and spans."),
    "rules": ("annotate.cli.rules", "rules", "Validate and test rule packs."),
    "eval": ("annotate.cli.eval", "eval_", "Score PREDICTIONS against a GOLD file."),
    "ls": ("annotate.cli.ls", "ls", "Review attributions in Label Studio and measure the rules."),
    "spark": ("annotate.cli.spark", "spark", "Annotate INPUT files on Spark and write partitioned tables."),
    "report": ("annotate.cli.report", "report", "Write an HTML report of RUN_DIR: who is quoted, how anonymously."),
    "export": ("annotate.cli.export", "export", "Write RUN_DIR's tables as CSV (UTF-8 with BOM) or Excel."),
}

_T = TypeVar("_T")


class _LazyCommands(dict):  # type: ignore[type-arg]
    """The group's commands, each imported the first time it is looked up."""

    def _load(self, name: str) -> click.Command:
        entry: click.Command | tuple[str, str, str] = dict.__getitem__(self, name)
        if isinstance(entry, tuple):  # not imported yet: (module, attribute, help) from _COMMANDS
            module, attribute, _ = entry
            command: click.Command = getattr(importlib.import_module(module), attribute)
            dict.__setitem__(self, name, command)
            return command
        return entry

    def __getitem__(self, name: str) -> click.Command:
        return self._load(name)

    def get(self, name: str, default: _T | None = None) -> click.Command | _T | None:
        return self._load(name) if dict.__contains__(self, name) else default

    def values(self) -> Iterator[click.Command]:  # type: ignore[override]
        return (self._load(name) for name in list(dict.keys(self)))

    def items(self) -> Iterator[tuple[str, click.Command]]:  # type: ignore[override]
        return ((name, self._load(name)) for name in list(dict.keys(self)))


class _LazyGroup(click.Group):
    """A group whose ``--help`` lists its commands without importing them."""

    def __init__(self, *args: object, **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.commands = _LazyCommands(_COMMANDS)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, _COMMANDS[name][2]) for name in self.list_commands(ctx) if name in _COMMANDS]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="annotate")
def main() -> None:
    """Find who said what in Arabic news.

    \b
    Example:
      annotate run articles.jsonl --out exports/
    """


# Modules some commands never use, though what they use would import them when installed:
# pyarrow imports numpy as it loads (0.05-0.08 s of every start of the process that every
# worker forks from) and pandas the first time it converts Python values (to ask whether they
# are pandas objects: half a second of a one-article run). Run as a program, these commands
# find both absent, which pyarrow and polars handle as they do on a machine without them.
_UNUSED_MODULES = frozenset({"pandas", "numpy"})
_LEAN_COMMANDS = frozenset({"run", "explain", "rules"})


class _Unused:
    """A meta-path finder under which importing one of ``_UNUSED_MODULES`` fails as if it were not installed."""

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name.partition(".")[0] in _UNUSED_MODULES:
            raise ModuleNotFoundError(f"{name} is not used by this command", name=name)
        return None


# Arrow's allocator for the program's processes, unless the environment names one. Arrow's
# default, mimalloc, held 60-90 MB more of a two-worker run on every corpus size measured
# (1 and 10 times news-dev) and grew more over a run; glibc's malloc gives large blocks back
# when they are freed. It only allocates Arrow's buffers: the tables are the same.
ARROW_POOL = "system"


def entry() -> None:
    """The ``annotate`` program (console script and ``python -m annotate``)."""
    import os
    import sys

    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", ARROW_POOL)  # read once, at Arrow's first allocation
    if len(sys.argv) > 1 and sys.argv[1] in _LEAN_COMMANDS and not _UNUSED_MODULES & sys.modules.keys():
        sys.meta_path.insert(0, _Unused())
    main()
