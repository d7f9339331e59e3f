"""``annotate run``: annotate articles and write the Parquet tables."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.progress import Progress, ProgressColumn, SpinnerColumn, Task, TextColumn, TimeElapsedColumn
from rich.text import Text

from annotate import pipeline
from annotate.cli._common import user_errors


class _RateColumn(ProgressColumn):
    """Articles per second; the total is unknown while streaming, so no ETA."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:,.0f} articles/s", style="progress.data.speed")


@click.command("run")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("exports"),
              show_default=True, help="Folder for attributions.parquet, documents.parquet, errors.parquet.")
@click.option("--pack", "pack_path", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=None, help="Rule pack folder  [default: the bundled rules/]")
@click.option("--id-field", default="id", show_default=True, help="Field or column holding the article id.")
@click.option("--text-field", default="text", show_default=True, help="Field or column holding the article text.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Worker processes  [default: every core]")
@user_errors
def run(inputs: tuple[Path, ...], out_dir: Path, pack_path: Path | None, id_field: str, text_field: str,
        workers: int | None) -> None:
    """Find the attributions in INPUT files and write Parquet tables to --out.

    INPUT is JSONL, CSV, Parquet, a .txt file (one article, id = file name) or a
    folder of them. Fields besides the id and the text (outlet, url, date …) are
    carried into the tables. Rows that cannot be read or annotated are listed in
    errors.parquet with file, line and reason; the run goes on.

    \b
    Example:
      annotate run samples/articles.jsonl --out exports/
      annotate run gold.jsonl --id-field doc_id --workers 2
    """
    stderr = Console(stderr=True)
    with Progress(SpinnerColumn(), TextColumn("{task.completed:,} articles"), _RateColumn(),
                  TimeElapsedColumn(), console=stderr, transient=False) as bar:
        task = bar.add_task("annotate", total=None)
        summary = pipeline.run(
            inputs, out_dir, pack_path, id_field=id_field, text_field=text_field, workers=workers,
            progress=lambda done: bar.advance(task, done),
        )
    _print_summary(summary)


def _print_summary(summary: pipeline.RunSummary) -> None:
    """Plain aligned lines, never wrapped, so paths can be copied whole."""
    console = Console(highlight=False, soft_wrap=True)
    rows = [
        ("articles read", f"{summary.articles_read:,}"),
        ("annotated", f"{summary.annotated:,}"),
        ("failed", f"{summary.failed:,} ({summary.failed_read:,} unreadable, "
                   f"{summary.failed_annotate:,} failed in the engine)"),
        ("attributions", f"{summary.attributions:,}"),
        ("unresolved", f"{summary.unresolved:,} (implicit sources not found: no type, no grade)"),
        ("time", f"{summary.seconds:,.1f} s, {summary.articles_per_second:,.0f} articles/s, "
                 f"{summary.workers} worker{'s' if summary.workers != 1 else ''}"),
        *(("wrote", str(path)) for path in summary.tables.values()),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        console.print(f"{name:<{width}}  {value}", markup=False)
    if summary.failed:
        console.print(f"{summary.failed:,} article(s) failed: see {summary.errors_path} (file, line, reason)",
                      markup=False)
    if summary.stopped_rules:
        stopped = ", ".join(f"{rule_id} ({count:,} article{'s' if count != 1 else ''})"
                            for rule_id, count in summary.stopped_rules.items())
        console.print(f"rules stopped past their time budget: {stopped}; their matches there are missing "
                      "(warnings column of documents.parquet); find the cause with: annotate rules check",
                      markup=False)
    if summary.dropped_fields:
        console.print("fields first seen after the first lines of a JSONL file were not carried: "
                      + ", ".join(summary.dropped_fields), markup=False)
