"""``annotate export``: a run's tables as CSV (UTF-8 with BOM) or one Excel workbook."""

from __future__ import annotations

from pathlib import Path

import click

from annotate.cli._common import user_errors
from annotate.spreadsheet import FORMATS, export_run


@click.command("export")
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--format", "-f", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True,
              help="csv: one file per table, UTF-8 with BOM; xlsx: one workbook, one sheet per table.")
@click.option("--out", "-o", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the files  [default: RUN_DIR]")
@user_errors
def export(run_dir: Path, fmt: str, out_dir: Path | None) -> None:
    """Write RUN_DIR's tables as spreadsheets that Excel and LibreOffice open with Arabic intact.

    List columns are joined with " | "; a text cell starting with = + - @ (or a tab or
    carriage return) gets a leading apostrophe, so no cell can run as a formula.

    \b
    Example:
      annotate export exports/ --format xlsx
      annotate export exports/ -f csv -o sheets/
    """
    for path in export_run(run_dir, fmt, out_dir):  # type: ignore[arg-type]
        click.echo(f"wrote {path}")
