"""The ``annotate`` command: a thin layer over the library.

Each sub-command lives in its own module, parses its options, calls one library
function and prints. No matching, scoring or file-format logic lives here.
"""

from __future__ import annotations

import click

from annotate.cli.eval import eval_
from annotate.cli.explain import explain
from annotate.cli.export import export
from annotate.cli.ls import ls
from annotate.cli.report import report
from annotate.cli.rules import rules
from annotate.cli.run import run
from annotate.cli.spark import spark


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="annotate")
def main() -> None:
    """Find who said what in Arabic news.

    \b
    Example:
      annotate run articles.jsonl --out exports/
    """


for _command in (run, explain, rules, eval_, ls, spark, report, export):
    main.add_command(_command)
