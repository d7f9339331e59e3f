"""Rule suggestions from what reviewers added (pure: reads ``reviewed.parquet``).

Every attribution a reviewer added is one the rules missed. Grouped by the cue's form
(normalised, with the conjunctions و/ف taken off, so ``وقال`` and ``قال`` are one
group) and by where the source stands (after the cue: verb first; before it: subject
first; none: implicit), each group is one suggestion, ranked by how many misses it
would cover, then in how many documents. Each comes with a YAML snippet a rule author
can paste: the cue for a lexicon, and a rule example per distinct sentence, in the
format of ``rules/README.md`` (``text``, ``cue``, ``source``, ``kind``). The snippet
is text for a person to review, never loaded or run by the toolkit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl
import yaml

from annotate.normalise import normalise_term

PREFIXES = ("و", "ف")
MAX_EXAMPLES = 3


def cue_form(cue: str) -> str:
    """The group key of a cue: normalised, without a leading conjunction (و/ف)."""
    form = normalise_term(cue.strip())
    if len(form) > 3 and form[0] in PREFIXES:
        form = form[1:]
    return form


def _order(row: dict[str, Any]) -> str:
    if row["source_start"] is None:
        return "implicit"
    return "source after cue" if row["source_start"] >= (row["cue_end"] or 0) else "source before cue"


@dataclass
class Suggestion:
    cue: str
    order: str
    misses: int
    documents: int
    source_types: list[str]
    examples: list[dict[str, Any]]

    def snippet(self) -> str:
        """The YAML a rule author would start from."""
        body = {"suggestion": f"{self.misses} miss(es) in {self.documents} document(s): cue {self.cue}, "
                              f"{self.order}",
                "lexicon_entry": self.cue, "examples": self.examples}
        return yaml.safe_dump([body], allow_unicode=True, sort_keys=False, width=1000)


def suggestions(reviewed: pl.DataFrame) -> list[Suggestion]:
    """Ranked suggestions, most misses covered first."""
    added = [r for r in reviewed.filter(pl.col("review") == "added").to_dicts() if r.get("cue_text")]
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in added:
        groups.setdefault((cue_form(row["cue_text"]), _order(row)), []).append(row)
    out = []
    for (form, order), rows in groups.items():
        examples: list[dict[str, Any]] = []
        seen: set[str] = set()
        for row in rows:
            sentence = row.get("sentence_text") or ""
            if not sentence or sentence in seen or len(examples) >= MAX_EXAMPLES:
                continue
            seen.add(sentence)
            example: dict[str, Any] = {"text": sentence, "cue": row["cue_text"]}
            if row["source_text"]:
                example["source"] = row["source_text"]
            else:
                example["implicit"] = True
            if row.get("source_kind"):
                example["kind"] = row["source_kind"]
            examples.append(example)
        out.append(Suggestion(
            cue=form, order=order, misses=len(rows), documents=len({r["doc_id"] for r in rows}),
            source_types=sorted({r["source_type"] for r in rows if r["source_type"]}), examples=examples))
    return sorted(out, key=lambda s: (-s.misses, -s.documents, s.cue, s.order))


def as_frame(found: list[Suggestion]) -> pl.DataFrame:
    return pl.DataFrame([{"rank": i + 1, "cue": s.cue, "order": s.order, "misses": s.misses,
                          "documents": s.documents, "source_types": ", ".join(s.source_types),
                          "snippet": s.snippet()} for i, s in enumerate(found)],
                        schema={"rank": pl.Int64, "cue": pl.String, "order": pl.String, "misses": pl.Int64,
                                "documents": pl.Int64, "source_types": pl.String, "snippet": pl.String})
