"""An article as HTML with every cue, source and claim highlighted, right to left.

Shared by the report's article sample and by ``DocumentResult._repr_html_`` in Jupyter.
Pure: the text and attribution rows (dicts with the columns of ``attributions.parquet``)
in, an HTML fragment out; the text is escaped, offsets are used as they are
(``text[start:end]``), and overlapping spans nest (a source inside a claim).

Each kind of span is told apart by its shape as well as its colour (Okabe–Ito), so it
reads for colour-blind readers and on a black-and-white print: a cue is boxed, a named
source has a solid underline, an anonymous one a dashed underline, an unresolved one a
dotted box, a claim a dotted underline on a light tint. Hovering shows the grade and
its reasons, the source's key, kind and gender.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from typing import Any

CSS = """
.ar-article{direction:rtl;text-align:right;font-family:"Noto Naskh Arabic","Noto Sans Arabic","Amiri",serif;
  font-size:1.1rem;line-height:2.1;white-space:pre-wrap;unicode-bidi:plaintext}
.hl-cue{border:2px solid #E69F00;border-radius:3px;background:#fdf0d2;padding:0 1px}
.hl-named{border-bottom:3px solid #0072B2;background:#dcebf7}
.hl-anonymous{border-bottom:3px dashed #D55E00;background:#f9e0d2}
.hl-unresolved{outline:2px dotted #666;background:#eee}
.hl-claim{background:#e3f4ee;border-bottom:2px dotted #009E73}
.hl-id{font-size:.7em;color:#333;vertical-align:super;font-family:sans-serif;direction:ltr;unicode-bidi:isolate}
.hl-legend{display:flex;flex-wrap:wrap;gap:.6em 1.4em;font-size:.9rem;margin:.4em 0 .8em}
.hl-legend span.sw{display:inline-block;padding:0 .5em;margin-inline-end:.3em}
@media print{.hl-cue,.hl-named,.hl-anonymous,.hl-unresolved,.hl-claim{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
"""

LEGEND = (
    '<div class="hl-legend" dir="ltr">'
    '<span><span class="sw hl-cue">قال</span>cue</span>'
    '<span><span class="sw hl-named">مصدر</span>named source</span>'
    '<span><span class="sw hl-anonymous">مصدر</span>anonymous source</span>'
    '<span><span class="sw hl-unresolved">؟</span>unresolved</span>'
    '<span><span class="sw hl-claim">ادعاء</span>claim</span>'
    '<span>hover a highlight for its grade and reasons</span></div>'
)

_LAYERS = ("claim", "source", "cue")  # outermost first


def _category(row: Mapping[str, Any]) -> str:
    kind = str(row.get("source_kind") or "")
    if row.get("source_type") == "unresolved" or kind == "unresolved":
        return "unresolved"
    reasons = row.get("credibility_reasons") or []
    if row.get("implicit") and row.get("antecedent_id") is None and any(
            "no earlier source agrees" in r for r in reasons):
        return "unresolved"
    return str(row.get("source_type") or "named")


def describe(row: Mapping[str, Any]) -> str:
    """The hover text of one attribution: number, grade and reasons, source key, kind, gender."""
    grade = row.get("credibility_grade")
    score = row.get("credibility_score")
    parts = [f"#{row.get('attribution_id')}",
             f"grade {grade} ({score:.2f})" if grade and score is not None else "no grade (unresolved)"]
    reasons = row.get("credibility_reasons") or []
    if reasons:
        parts.append("; ".join(str(r) for r in reasons))
    source = row.get("source_key") or row.get("source_text") or row.get("antecedent_text") or "?"
    parts.append(f"source: {source} ({_category(row)} / {row.get('source_kind')})")
    if row.get("source_gender"):
        parts.append(f"gender: {row['source_gender']} ({row.get('source_gender_evidence')})")
    parts.append(f"rule: {row.get('rule_id')}")
    return " · ".join(parts)


def _spans(rows: Iterable[Mapping[str, Any]], length: int) -> list[tuple[int, int, str, str, str]]:
    """(start, end, layer, css class, title) for every span inside the text."""
    spans = []
    for row in rows:
        title = describe(row)
        category = _category(row)
        for layer, css in (("claim", "hl-claim"), ("source", f"hl-{category}"), ("cue", "hl-cue")):
            start, end = row.get(f"{layer}_start"), row.get(f"{layer}_end")
            if start is None or end is None or not 0 <= start < end <= length:
                continue
            spans.append((int(start), int(end), layer, css, title))
    return spans


def article_html(text: str, rows: Iterable[Mapping[str, Any]]) -> str:
    """The article as escaped HTML with nested highlight spans; numbers mark each cue."""
    rows = list(rows)
    spans = _spans(rows, len(text))
    cue_ids = {int(r["cue_start"]): r.get("attribution_id") for r in rows if r.get("cue_start") is not None}
    cuts = sorted({0, len(text), *(s for s, *_ in spans), *(e for _, e, *_ in spans)})
    out = ['<div class="ar-article" dir="rtl" lang="ar">']
    for start, end in zip(cuts, cuts[1:]):
        covering = [s for s in spans if s[0] <= start and end <= s[1]]
        covering.sort(key=lambda s: (_LAYERS.index(s[2]), -(s[1] - s[0])))
        piece = html.escape(text[start:end])
        if start in cue_ids:
            piece = f'<span class="hl-id">{html.escape(str(cue_ids[start]))}</span>{piece}'
        for _, _, _, css, title in reversed(covering):
            piece = f'<span class="{css}" title="{html.escape(title, quote=True)}">{piece}</span>'
        out.append(piece)
    out.append("</div>")
    return "".join(out)
