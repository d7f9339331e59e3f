"""``annotate rules``: commands for rule authors."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from annotate.cli._common import PACK_HELP, user_errors
from annotate.pack import load_pack
from annotate.rules.check import check_pack
from annotate.rules.schema import SCHEMA_FILE, render_json_schema


@click.group()
def rules() -> None:
    """Validate and test rule packs.

    \b
    Example:
      annotate rules check rules/
    """


@rules.command()
@click.argument("pack", required=False, type=click.Path(exists=True, path_type=Path))
@click.option("--pack", "-p", "pack_option", type=click.Path(exists=True, path_type=Path), default=None,
              help=PACK_HELP + "; the same as the PACK argument, like --pack of every other command")
@user_errors
def check(pack: Path | None, pack_option: Path | None) -> None:
    """Validate PACK (default: the bundled rules/) and run every rule's examples.

    Every problem is reported with its file, line and rule id; the exit code is 1 when
    any example fails or the pack does not load.

    \b
    Example:
      annotate rules check rules/
    """
    console = Console(highlight=False, markup=False, soft_wrap=True)
    if pack is not None and pack_option is not None and pack != pack_option:
        raise click.UsageError("give the pack once: as PACK or with --pack")
    compiled = load_pack(pack or pack_option)
    report = check_pack(compiled)
    for warning in report.warnings:
        console.print(f"warning {warning}", style="yellow")
    for failure in report.failures:
        console.print(f"FAIL {failure}", style="red")
    summary = (f"{compiled.name} {compiled.version}: {len(compiled.rules)} rules, {len(compiled.kind_rules)} "
               f"source-kind rules, {len(compiled.furniture)} furniture rules; {report.examples} examples and "
               f"{report.counterexamples} counterexamples run, {len(report.failures)} failed")
    console.print(summary)
    if not report.ok:
        raise SystemExit(1)


@rules.command()
@click.option("--out", "-o", type=click.Path(file_okay=False, path_type=Path), default=Path("schemas"), show_default=True,
              help="Folder to write the schema into.")
def schema(out: Path) -> None:
    """Write the JSON Schema of rule files (for editors) from the rule models.

    \b
    Example:
      annotate rules schema --out schemas/
    """
    out.mkdir(parents=True, exist_ok=True)
    path = out / SCHEMA_FILE
    path.write_text(render_json_schema(), encoding="utf-8")
    click.echo(f"wrote {path}")
