"""``annotate eval``: score a run's attributions against a gold file."""

from __future__ import annotations

from pathlib import Path

import click
from rich import box
from rich.console import Console
from rich.table import Table

from annotate.cli._common import user_errors
from annotate.evaluate import EvalItem, EvalReport, evaluate, load_gold, load_predictions


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


@click.command("eval")
@click.argument("predictions", type=click.Path(exists=True, path_type=Path))
@click.argument("gold", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--show-misses", type=click.IntRange(min=0), default=10, show_default=True,
              help="How many misses, false hits and wrongly typed hits to list (0: none).")
@click.option("--per-doc", is_flag=True, help="Also print the figures of every document.")
@user_errors
def eval_(predictions: Path, gold: Path, show_misses: int, per_doc: bool) -> None:
    """Score PREDICTIONS (attributions.parquet or a run's --out folder) against GOLD.jsonl.

    Cues are matched one-to-one by overlap (a leading و/ف ignored); a typed hit also
    needs the source (span overlap, or both implicit) and named/anonymous right. Gold
    items marked optional are neither rewarded nor penalised.

    \b
    Example:
      annotate run ../shared/gold/dev.jsonl --id-field doc_id --out /tmp/dev
      annotate eval /tmp/dev ../shared/gold/dev.jsonl --show-misses 20
    """
    report = evaluate(load_gold(gold), load_predictions(predictions))
    console = Console(highlight=False, soft_wrap=True)
    console.print(_figures(report))
    if per_doc:
        console.print(_per_document(report))
    if show_misses:
        _print_items(console, "misses (gold not found)", report.misses, len(report.misses), show_misses)
        _print_items(console, "false hits (predicted, not in gold)", report.false_hits,
                     len(report.false_hits), show_misses)
        _print_items(console, "hits with the wrong source or type", report.mistyped,
                     len(report.mistyped), show_misses)


def _figures(report: EvalReport) -> Table:
    table = Table(box=box.SIMPLE, title_justify="left", title=(
        f"{report.documents} documents: {report.gold} gold, {report.predicted} predicted, "
        f"{report.skipped_optional} on optional items skipped"))
    table.add_column("measure")
    for name in ("precision", "recall", "F1", "hits"):
        table.add_column(name, justify="right")
    table.add_row("cue", _fmt(report.cue_precision), _fmt(report.cue_recall), _fmt(report.cue_f1),
                  str(report.cue_hits))
    table.add_row("typed", _fmt(report.typed_precision), _fmt(report.typed_recall), _fmt(report.typed_f1),
                  str(report.typed_hits))
    table.add_row("type accuracy", "", "", _fmt(report.type_accuracy), "of cue hits")
    table.add_row("kind accuracy", "", "", _fmt(report.kind_accuracy), "of cue hits")
    table.add_row("unresolved", "", "", str(report.unresolved_hits), "cue hits with no source found")
    if report.unscored_predictions:
        table.caption = f"{report.unscored_predictions} predictions on documents not in the gold file were ignored"
    return table


def _per_document(report: EvalReport) -> Table:
    table = Table(box=box.SIMPLE, title="per document", title_justify="left")
    for name in ("doc_id", "gold", "predicted", "cue hits", "typed hits", "cue F1", "typed F1"):
        table.add_column(name, justify="left" if name == "doc_id" else "right")
    for doc in report.per_document:
        table.add_row(doc.doc_id, str(doc.gold), str(doc.predicted), str(doc.cue_hits), str(doc.typed_hits),
                      _fmt(doc.cue_f1), _fmt(doc.typed_f1))
    return table


def _print_items(console: Console, title: str, items: list[EvalItem], total: int, limit: int) -> None:
    if not items:
        return
    console.print(f"\n{title}: {total}" + (f", first {limit}" if total > limit else ""))
    for item in items[:limit]:
        source = item.source or "–"
        problem = f"  [{item.problem}]" if item.problem else ""
        console.print(f"  {item.doc_id} {item.start}:{item.end}  {item.cue} → {source} "
                      f"({item.source_type}/{item.source_kind.value}){problem}", markup=False)
        console.print(f"      {item.context}", markup=False)
