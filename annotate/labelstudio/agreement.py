"""Agreement between reviewers of the same task (pure: reads ``reviewed.parquet``).

Label Studio Community has no agreement figures; a methods section needs them. For
every task reviewed by two or more people, every pair of their reviews is compared:

* span agreement for cues, sources and claims: F1 between the two reviewers' spans,
  ``exact`` (same offsets) and ``overlap`` (spans that share a character, matched one
  to one, nearest first). Summed over all pairs (micro-averaged): F1 =
  2·matches / (spans of A + spans of B);
* Krippendorff's α (nominal) for source type, source kind and credibility grade, over
  the spans both reviewers marked (overlap match): each matched pair is a unit coded by
  two coders. α = 1 − D_o / D_e (observed over expected disagreement, from the
  coincidence matrix); undefined (null) when every value is the same;
* the disagreements themselves, one row each: a span only one reviewer marked, or a
  matched span they typed, kinded or graded differently.

Only attributions the reviewers kept, changed or added count (``removed`` rows are
what a reviewer deleted).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import polars as pl

from annotate.labelstudio.regions import Region, pair_nearest

SPANS = {"cue": ("cue_start", "cue_end", "cue_text"), "source": ("source_start", "source_end", "source_text"),
         "claim": ("claim_start", "claim_end", "claim_text")}
CODES = {"source_type": "source", "source_kind": "source", "credibility_grade": "claim"}


@dataclass
class Agreement:
    spans: pl.DataFrame  # one row per span kind: pairs, exact and overlap F1
    alpha: pl.DataFrame  # one row per coded field: units, alpha
    disagreements: pl.DataFrame
    tasks: int
    pairs: int


def _spans(rows: Iterable[dict[str, Any]], kind: str) -> dict[tuple[int, int], dict[str, Any]]:
    start, end, text = SPANS[kind]
    out: dict[tuple[int, int], dict[str, Any]] = {}
    for row in rows:
        if row[start] is not None and row[end] is not None:
            out.setdefault((row[start], row[end]), row | {"_text": row[text]})
    return out


def _overlap_pairs(a: dict[tuple[int, int], Any], b: dict[tuple[int, int], Any]) -> list[tuple[tuple[int, int],
                                                                                          tuple[int, int]]]:
    left = [Region(str(i), "", s, e, "") for i, (s, e) in enumerate(a)]
    right = [Region(str(i), "", s, e, "") for i, (s, e) in enumerate(b)]
    return [((x.start, x.end), (y.start, y.end)) for x, y in pair_nearest(left, right, lambda x, y: x.overlaps(y))]


def krippendorff_alpha(units: Iterable[tuple[Any, Any]]) -> float | None:
    """Nominal α for units each coded by two coders; None when undefined (one value only)."""
    pairs = [(a, b) for a, b in units if a is not None and b is not None]
    if not pairs:
        return None
    totals: Counter[Any] = Counter()
    disagree = 0
    for a, b in pairs:
        totals[a] += 1
        totals[b] += 1
        disagree += 2 * (a != b)  # both ordered pairs (a, b) and (b, a), each weighted 1/(m−1) = 1
    n = 2 * len(pairs)
    expected = (n * n - sum(c * c for c in totals.values())) / (n - 1)
    if expected == 0:
        return None
    return 1.0 - disagree / expected


def agreement(reviewed: pl.DataFrame) -> Agreement:
    """Pairwise span F1, α per coded field, and the list of disagreements."""
    rows = reviewed.filter(pl.col("review") != "removed").to_dicts()
    by_task: dict[Any, dict[Any, list[dict[str, Any]]]] = {}
    for row in rows:
        by_task.setdefault(row["task_id"], {}).setdefault((row["annotation_id"], row["reviewer"]), []).append(row)
    counts = {k: Counter() for k in SPANS}  # type: ignore[var-annotated]
    units: dict[str, list[tuple[Any, Any]]] = {field: [] for field in CODES}
    problems: list[dict[str, Any]] = []
    tasks = pairs = 0
    for task_id, reviews in by_task.items():
        if len(reviews) < 2:
            continue
        tasks += 1
        for (ka, ra), (kb, rb) in combinations(sorted(reviews.items(), key=lambda kv: kv[0][0] or 0), 2):
            pairs += 1
            doc_id = ra[0]["doc_id"]
            for kind in SPANS:
                a, b = _spans(ra, kind), _spans(rb, kind)
                matched = _overlap_pairs(a, b)
                counts[kind].update(a_n=len(a), b_n=len(b), exact=len(set(a) & set(b)), overlap=len(matched))
                got_a, got_b = {m[0] for m in matched}, {m[1] for m in matched}
                for span in a.keys() - got_a:
                    problems.append(_problem(task_id, doc_id, ka[1], kb[1], f"{kind} only in A", a[span]["_text"]))
                for span in b.keys() - got_b:
                    problems.append(_problem(task_id, doc_id, ka[1], kb[1], f"{kind} only in B", b[span]["_text"]))
                for field, on in CODES.items():
                    if on != kind:
                        continue
                    for sa, sb in matched:
                        va, vb = a[sa][field], b[sb][field]
                        units[field].append((va, vb))
                        if va is not None and vb is not None and va != vb:
                            problems.append(_problem(task_id, doc_id, ka[1], kb[1], f"{field} differs",
                                                     a[sa]["_text"], str(va), str(vb)))
    span_rows = []
    for kind, c in counts.items():
        total = c["a_n"] + c["b_n"]
        span_rows.append({"span": kind, "pairs": pairs, "spans_a": c["a_n"], "spans_b": c["b_n"],
                          "exact_f1": 2 * c["exact"] / total if total else None,
                          "overlap_f1": 2 * c["overlap"] / total if total else None})
    alpha_rows = [{"field": field, "units": len([u for u in us if None not in u]),
                   "alpha": krippendorff_alpha(us)} for field, us in units.items()]
    return Agreement(
        spans=pl.DataFrame(span_rows, schema={"span": pl.String, "pairs": pl.Int64, "spans_a": pl.Int64,
                                              "spans_b": pl.Int64, "exact_f1": pl.Float64,
                                              "overlap_f1": pl.Float64}),
        alpha=pl.DataFrame(alpha_rows, schema={"field": pl.String, "units": pl.Int64, "alpha": pl.Float64}),
        disagreements=pl.DataFrame(problems, schema={
            "task_id": pl.Int64, "doc_id": pl.String, "reviewer_a": pl.String, "reviewer_b": pl.String,
            "what": pl.String, "text": pl.String, "value_a": pl.String, "value_b": pl.String}),
        tasks=tasks, pairs=pairs)


def _problem(task_id: Any, doc_id: Any, a: str, b: str, what: str, text: str | None,
             value_a: str | None = None, value_b: str | None = None) -> dict[str, Any]:
    return {"task_id": task_id, "doc_id": doc_id, "reviewer_a": a, "reviewer_b": b, "what": what, "text": text,
            "value_a": value_a, "value_b": value_b}
