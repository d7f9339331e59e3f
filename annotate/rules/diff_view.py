"""Show a ``PackDiff`` in a terminal, or write it for tools (JSON, JSON lines, Parquet)."""

from __future__ import annotations

from pathlib import Path

import regex
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from annotate.errors import InputError
from annotate.records import Attribution
from annotate.rules.diff import Change, PackDiff

_SPACES = regex.compile(r"\s+")
_MARK = {"appeared": ("+", "green"), "disappeared": ("-", "red"), "changed": ("~", "yellow")}


def _value(a: Attribution | None, name: str) -> str:
    if a is None:
        return "—"
    value = {"cue": a.cue_text, "source": a.source_text if not a.implicit else "(implicit)",
             "type": a.source_type, "kind": a.source_kind.value, "grade": a.credibility_grade,
             "rule": a.rule_id}[name]
    return str(value) if value is not None else "—"


def _describe(a: Attribution) -> str:
    return (f"cue {_value(a, 'cue')!r}, source {_value(a, 'source')!r} "
            f"({a.source_type}/{a.source_kind.value}, grade {a.credibility_grade})")


def _sentence(change: Change, limit: int = 240) -> str:
    """The sentence with the cue marked (rich markup), cut around the cue when long."""
    a = change.cue
    text = change.sentence
    start = max(0, min(len(text), a.cue_start - change.sentence_start))
    end = max(start, min(len(text), a.cue_end - change.sentence_start))
    left, cue, right = text[:start], text[start:end], text[end:]
    if len(text) > limit:
        left = ("…" + left[-limit // 2:]) if len(left) > limit // 2 else left
        right = (right[:limit // 2] + "…") if len(right) > limit // 2 else right
    flat = [_SPACES.sub(" ", part) for part in (left, cue, right)]
    return f"{escape(flat[0])}[reverse]{escape(flat[1])}[/]{escape(flat[2])}"


def print_counts(console: Console, diff: PackDiff) -> None:
    """The summary line and the per-rule table."""
    console.print(f"[bold]{escape(diff.summary())}[/]")
    if not diff.changes:
        return
    table = Table("rule", "appeared", "disappeared", "changed", header_style="bold")
    for rule, counts in diff.by_rule().items():
        table.add_row(escape(rule), str(counts["appeared"] or ""), str(counts["disappeared"] or ""),
                      str(counts["changed"] or ""))
    console.print(table)


def print_diff(console: Console, diff: PackDiff, show: int = 10) -> None:
    """Counts, then up to ``show`` changes of each rule with their sentences."""
    print_counts(console, diff)
    for rule in diff.by_rule():
        changes = [c for c in diff.changes if c.rule == rule]
        console.print(f"\n[bold cyan]{escape(rule)}[/] ({len(changes)})")
        for change in changes[:show]:
            mark, colour = _MARK[change.status]
            if change.status == "changed":
                assert change.before is not None and change.after is not None
                what = f"cue {escape(repr(change.after.cue_text))}: " + "; ".join(f"{name} {escape(_value(change.before, name))!s} → "
                                 f"{escape(_value(change.after, name))}" for name in change.fields)
            else:
                what = escape(_describe(change.cue))
            console.print(f"[{colour}]{mark} {change.status}[/] [dim]{escape(change.doc_id)}[/] {what}")
            console.print(f"    {_sentence(change)}")
        if len(changes) > show:
            console.print(f"    [dim]… {len(changes) - show} more (--show to see more, --out to keep them all)[/]")


def write_diff(diff: PackDiff, path: Path) -> None:
    """Write ``diff`` for tools: ``.json`` (whole report), ``.jsonl`` or ``.parquet`` (one row per change)."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        path.write_text(diff.to_json() + "\n", encoding="utf-8")
    elif suffix == ".jsonl":
        import json

        with path.open("w", encoding="utf-8") as handle:
            for row in diff.rows():
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    elif suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        fields: list[pa.Field[pa.DataType]] = [pa.field(name, pa.string()) for name in ("status", "doc_id", "rule_id")]
        fields += [pa.field("changed_fields", pa.list_(pa.string())), pa.field("sentence", pa.string())]
        for side in ("before", "after"):
            fields += [pa.field(f"{side}_{name}", pa.int64() if name == "cue_start" else pa.string())
                       for name in ("cue", "cue_start", "source", "type", "kind", "grade", "rule")]
        pq.write_table(pa.Table.from_pylist(diff.rows(), schema=pa.schema(fields)), path)
    else:
        raise InputError(f"{path}: write the diff to a .json, .jsonl or .parquet file")
