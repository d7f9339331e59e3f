"""``annotate explain``: show what the rules make of one text, and why."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from annotate.cli._common import user_errors
from annotate.engine import annotate_text
from annotate.errors import InputError
from annotate.pack import load_pack
from annotate.records import Attribution, DocumentResult


@click.command()
@click.argument("text", required=False)
@click.option("--file", "file_", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Read the text from a UTF-8 file instead.")
@click.option("--pack", type=click.Path(exists=True, path_type=Path), help="Rule pack folder (default: rules/).")
@user_errors
def explain(text: str | None, file_: Path | None, pack: Path | None) -> None:
    """Print each attribution found in TEXT, the rule that fired, its spans, the rule
    that typed its source (kind: …), and the candidates that lost, with the reason they lost.

    \b
    Example:
      annotate explain "وقال المتحدث باسم الجيش إن القوات انسحبت."
    """
    if (text is None) == (file_ is None):
        raise InputError("give the text as an argument or with --file, not both")
    if file_ is not None:
        try:
            text = file_.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"{file_}: not UTF-8 text ({exc.reason}); save it as UTF-8") from exc
    assert text is not None
    result = annotate_text(text, load_pack(pack), doc_id="explain")
    print_explanation(Console(highlight=False, soft_wrap=True), result)


def _span(start: int | None, end: int | None, text: str | None) -> str:
    return "—" if start is None else escape(f"{text} [{start}:{end}]")


def _source(a: Attribution) -> str:
    if not a.implicit:
        return _span(a.source_start, a.source_end, a.source_text)
    if a.antecedent_id is not None:
        return escape(f"(implicit → #{a.antecedent_id} {a.antecedent_text})")
    if a.antecedent_text:
        return escape(f"(implicit → subject {a.antecedent_text})")
    return "(implicit, unresolved)" if a.source_type == "unresolved" else "(implicit)"


def _describe(a: Attribution) -> list[str]:
    lines = [f"[bold]#{a.attribution_id}[/] rule [cyan]{a.rule_id}[/]  sentence {a.sentence_index}",
             f"  cue     {_span(a.cue_start, a.cue_end, a.cue_text)}",
             f"  source  {_source(a)}  → {a.source_type} / {a.source_kind.value}"
             f"  [dim](kind: {escape(a.source_kind_rule)})[/]"]
    if a.source_role:
        lines.append(f"  role    {escape(a.source_role)}")
    if not a.implicit and a.antecedent_id is not None:
        lines.append(f"  refers  back to #{a.antecedent_id} ({escape(a.antecedent_text or '')})")
    if a.origin_id is not None:
        lines.append(f"  relays  #{a.origin_id}")
    lines.append(f"  claim   {_span(a.claim_start, a.claim_end, a.claim_text)}")
    reasons = escape("; ".join(a.credibility_reasons))
    if a.credibility_grade is None or a.credibility_score is None:
        lines.append(f"  grade   none: {reasons}")
    else:
        lines.append(f"  grade   {a.credibility_grade} ({a.credibility_score:.2f}): {reasons}")
    return lines


def print_explanation(console: Console, result: DocumentResult) -> None:
    for span in result.furniture:
        console.print("[dim]furniture[/] " + escape(f"{span.text} [{span.start}:{span.end}]")
                      + f" rule [cyan]{escape(span.rule_id)}[/]")
    if not result.attributions:
        console.print("no attribution found")
    for attribution in result.attributions:
        for line in _describe(attribution):
            console.print(line)
    for lost in result.lost:
        where = f"[{lost.cue_start}:{lost.cue_end}]"
        console.print("[dim]lost[/] " + escape(f"{lost.rule_id} on {lost.cue_text!r} {where}: {lost.reason}"))
    for warning in result.warnings:
        console.print("[yellow]warning[/] " + escape(warning))
