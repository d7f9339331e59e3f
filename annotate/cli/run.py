"""``annotate run``: annotate articles and write the Parquet tables."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.progress import (
    BarColumn, Progress, ProgressColumn, SpinnerColumn, Task, TextColumn, TimeElapsedColumn, TimeRemainingColumn,
)
from rich.text import Text

from annotate import pipeline
from annotate.aliases import load_aliases
from annotate.cli._common import PACK_HELP, user_errors
from annotate.pack import load_pack
from annotate.readers import count_rows
from annotate.runs import id_field_hint


class _RateColumn(ProgressColumn):
    """Articles per second over the recent chunks (the compile before the first chunk not counted)."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:,.0f} articles/s", style="progress.data.speed")


@click.command("run")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", "-o", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("exports"),
              show_default=True, help="Folder for attributions.parquet, documents.parquet, errors.parquet.")
@click.option("--pack", "-p", "pack_path", type=click.Path(exists=True, path_type=Path),
              default=None, help=PACK_HELP)
@click.option("--id-field", default="id", show_default=True, help="Field or column holding the article id.")
@click.option("--text-field", default="text", show_default=True, help="Field or column holding the article text.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Worker processes  [default: every core]")
@click.option("--aliases", "aliases_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="YAML file 'canonical name: [variants]' for source_key; wins over the heuristics.")
@user_errors
def run(inputs: tuple[Path, ...], out_dir: Path, pack_path: Path | None, id_field: str, text_field: str,
        workers: int | None, aliases_path: Path | None) -> None:
    """Find the attributions in INPUT files and write Parquet tables to --out.

    INPUT is JSONL, CSV, Parquet, a .txt file (one article, id = file name) or a
    folder of them. Fields besides the id and the text (outlet, url, date …) are
    carried into the tables; gzip, zstd, bzip2 and xz files are read as they are.
    Rows that cannot be read or annotated are listed in errors.parquet with file,
    line and reason; the run goes on. The three tables are committed together
    (manifest.json names the run) and one run at a time may write to --out.

    \b
    Example:
      annotate run samples/articles.jsonl --out exports/
      annotate run gold.jsonl --id-field doc_id --workers 2
    """
    stderr = Console(stderr=True)
    total = count_rows(inputs)
    columns = [SpinnerColumn(), TextColumn("{task.description}"), TextColumn("{task.completed:,}"),
               *([TextColumn("of {task.total:,} articles"), BarColumn(), TimeRemainingColumn()] if total
                 else [TextColumn("articles")]), _RateColumn(), TimeElapsedColumn()]
    with Progress(*columns, console=stderr, transient=False) as bar:
        task = bar.add_task("compiling the rule pack (first run after a change: up to a minute)…", total=total)
        pack = load_pack(pack_path)
        bar.update(task, description="annotating")
        summary = pipeline.run(
            inputs, out_dir, pack, id_field=id_field, text_field=text_field, workers=workers,
            progress=lambda done: bar.advance(task, done), aliases=load_aliases(aliases_path),
        )
    _print_summary(summary)
    _print_breakdown(summary)
    hint = id_field_hint(summary.out_dir, id_field)
    if hint:
        Console(stderr=True, highlight=False, soft_wrap=True).print("hint: " + hint, markup=False)


def _print_breakdown(summary: pipeline.RunSummary) -> None:
    """Named / anonymous / unresolved and the grade mix, the first thing an analyst asks."""
    by_type, by_grade = summary.by_type, summary.by_grade
    total = sum(by_type.values())
    if not total:
        return
    console = Console(highlight=False, soft_wrap=True)
    types = ", ".join(f"{by_type.get(t, 0):,} {t} ({100 * by_type.get(t, 0) / total:.0f}%)"
                      for t in ("named", "anonymous", "unresolved") if by_type.get(t))
    grades = ", ".join(f"{g} {by_grade[g]:,}" for g in ("A", "B", "C", "D", "E", "none") if by_grade.get(g))
    console.print(f"{'sources':<13}  {types}", markup=False)
    console.print(f"{'grades':<13}  {grades}", markup=False)


def _rate(value: float) -> str:
    return f"{value:,.1f}" if value < 10 else f"{value:,.0f}"


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
        ("time", f"{summary.seconds:,.1f} s, {_rate(summary.articles_per_second)} articles/s, "
                 f"{summary.workers} worker{'s' if summary.workers != 1 else ''}"),
        *(("wrote", str(path)) for path in summary.tables.values()),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        console.print(f"{name:<{width}}  {value}", markup=False)
    if summary.failed:
        console.print(f"{summary.failed:,} article(s) failed: see {summary.errors_path} (file, line, reason)",
                      markup=False)
    if summary.worker_deaths:
        console.print(f"{summary.worker_deaths} worker process(es) died; the articles they held were annotated "
                      f"again (any that killed a worker each time are in {summary.errors_path})", markup=False)
    if summary.stale_removed:
        console.print(f"removed {len(summary.stale_removed)} temporary file(s) left in {summary.out_dir} "
                      f"by an interrupted run", markup=False)
    if summary.stopped_rules:
        stopped = ", ".join(f"{rule_id} ({count:,} article{'s' if count != 1 else ''})"
                            for rule_id, count in summary.stopped_rules.items())
        console.print(f"rules stopped past their time budget: {stopped}; their matches there are missing "
                      "(warnings column of documents.parquet); find the cause with: annotate rules check",
                      markup=False)
    if summary.dropped_fields:
        console.print("fields first seen after the first lines of a JSONL file were not carried: "
                      + ", ".join(summary.dropped_fields), markup=False)
