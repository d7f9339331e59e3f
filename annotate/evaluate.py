"""Score predicted attributions against a gold file (``../shared/gold/README.md``).

The scoring is a set of pure functions over records; :func:`load_gold` and
:func:`load_predictions` are the only parts that touch files.

Matching: within a document, predictions and gold items are paired one-to-one by
overlapping cue spans, the largest overlap first, with a leading و/ف ignored on both
sides (``وقال`` and ``قال`` are the same cue). A pair whose gold item is ``optional`` is
dropped from both sides, and an unmatched optional gold item is no miss: borderline
cases are neither rewarded nor penalised.

Figures:
- cue precision = cue hits / predictions; cue recall = cue hits / required gold items;
- a *typed hit* is a cue hit whose source is right (both implicit, or the source spans
  overlap) and whose ``source_type`` is equal; typed precision and recall divide the
  typed hits by the same denominators;
- type accuracy and kind accuracy are taken over the cue hits.

Unresolved sources (an implicit cue whose antecedent the engine did not find; guide,
section 3) are neither named nor anonymous. Matched to a gold item they count as a cue
hit with the wrong type and kind, unless the gold item itself is unresolved: a gold
annotator who found the antecedent shows the engine could have, and not guessing is
better than a wrong guess but is still not the answer. ``unresolved_hits`` counts them,
so a change that trades wrong guesses for honest gaps can be seen.
A precision or recall with a zero denominator is ``None`` (shown as "–"), never a
made-up 0 or 1; F1 is 2·hits / (predictions + gold), so it is 0 when nothing was predicted.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import pyarrow.parquet as pq
from pydantic import BaseModel, ConfigDict, ValidationError

from annotate.errors import InputError
from annotate.outfolder import check_run
from annotate.records import SourceKind, SourceType

CLITICS = "وف"
CONTEXT_CHARS = 40


class GoldAttribution(BaseModel):
    """One gold attribution, in the format of ``../shared/gold/``."""

    model_config = ConfigDict(extra="forbid")

    anchor: str | None = None
    cue: str
    cue_start: int
    cue_end: int
    source: str | None = None
    source_start: int | None = None
    source_end: int | None = None
    implicit: bool
    antecedent: str | None = None
    source_type: SourceType
    source_kind: SourceKind
    relay_of: int | None = None
    optional: bool = False
    note: str | None = None


class GoldDocument(BaseModel):
    """One gold article; fields other than these (title, url …) are ignored."""

    model_config = ConfigDict(extra="ignore")

    doc_id: str
    text: str
    outlet: str | None = None
    attributions: list[GoldAttribution]


class Predicted(BaseModel):
    """The columns of ``attributions.parquet`` that scoring needs."""

    doc_id: str
    attribution_id: int
    cue_start: int
    cue_end: int
    cue_text: str
    source_start: int | None = None
    source_end: int | None = None
    source_text: str | None = None
    implicit: bool
    source_type: SourceType
    source_kind: SourceKind


PREDICTED_COLUMNS = list(Predicted.model_fields)


class EvalItem(BaseModel):
    """A miss, a false hit or a wrongly sourced/typed hit, ready to print."""

    doc_id: str
    cue: str
    start: int
    end: int
    source: str | None
    implicit: bool
    source_type: SourceType
    source_kind: SourceKind
    context: str
    problem: str = ""


class DocumentScore(BaseModel):
    """Counts and figures of one gold document."""

    doc_id: str
    gold: int
    predicted: int
    cue_hits: int
    typed_hits: int
    type_right: int
    kind_right: int
    unresolved_hits: int = 0
    skipped_optional: int
    cue_precision: float | None
    cue_recall: float | None
    cue_f1: float | None
    typed_f1: float | None


class EvalReport(BaseModel):
    """Corpus figures, per-document figures, and the items to look at."""

    documents: int
    gold: int
    predicted: int
    cue_hits: int
    typed_hits: int
    skipped_optional: int
    cue_precision: float | None
    cue_recall: float | None
    cue_f1: float | None
    typed_precision: float | None
    typed_recall: float | None
    typed_f1: float | None
    type_accuracy: float | None
    kind_accuracy: float | None
    unresolved_hits: int = 0  # cue hits whose predicted source is unresolved (always mistyped unless gold agrees)
    unscored_predictions: int  # predictions on documents that are not in the gold file
    per_document: list[DocumentScore]
    misses: list[EvalItem]
    false_hits: list[EvalItem]
    mistyped: list[EvalItem]


# --- pure scoring -----------------------------------------------------------------

def ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def f1(hits: int, predicted: int, gold: int) -> float | None:
    """The harmonic mean of precision and recall, written on counts: 2·hits / (predicted + gold).

    Defined whenever there is anything to score: predicting nothing against gold items
    gives 0, not an undefined figure.
    """
    return 2 * hits / (predicted + gold) if predicted + gold else None


def cue_core(start: int, end: int, text: str) -> tuple[int, int]:
    """The cue span without a leading و/ف clitic, so ``وقال`` and ``قال`` compare alike."""
    first = text[start:start + 1]
    if end - start >= 2 and first and first in CLITICS:
        return start + 1, end
    return start, end


def overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def match_cues(predicted: Sequence[tuple[int, int]], gold: Sequence[tuple[int, int]], text: str
               ) -> list[tuple[int, int]]:
    """One-to-one (prediction index, gold index) pairs by cue overlap, largest first.

    Ties go to the pair whose starts are closer, then to the earlier items, so the
    result does not depend on the order of equal candidates.
    """
    pred_cores = [cue_core(s, e, text) for s, e in predicted]
    gold_cores = [cue_core(s, e, text) for s, e in gold]
    candidates = []
    for p, pc in enumerate(pred_cores):
        for g, gc in enumerate(gold_cores):
            size = overlap(pc, gc)
            if size > 0:
                candidates.append((-size, abs(pc[0] - gc[0]), p, g))
    candidates.sort()
    used_p: set[int] = set()
    used_g: set[int] = set()
    pairs = []
    for _, _, p, g in candidates:
        if p not in used_p and g not in used_g:
            used_p.add(p)
            used_g.add(g)
            pairs.append((p, g))
    return sorted(pairs, key=lambda pair: gold[pair[1]][0])


def source_right(pred: Predicted, gold: GoldAttribution) -> bool:
    """Right when both are implicit, or both have a source and the spans overlap."""
    if pred.implicit or gold.implicit:
        return pred.implicit and gold.implicit
    if None in (pred.source_start, pred.source_end, gold.source_start, gold.source_end):
        return False
    return overlap((pred.source_start, pred.source_end), (gold.source_start, gold.source_end)) > 0  # type: ignore[arg-type]


def context(text: str, start: int, end: int, width: int = CONTEXT_CHARS) -> str:
    """A one-line snippet around a span, the span marked with ⟦ ⟧."""
    left = max(0, start - width)
    right = min(len(text), end + width)
    snippet = (("…" if left else "") + text[left:start] + "⟦" + text[start:end] + "⟧"
               + text[end:right] + ("…" if right < len(text) else ""))
    return " ".join(snippet.split())


def _gold_item(doc: GoldDocument, g: GoldAttribution, problem: str = "") -> EvalItem:
    return EvalItem(doc_id=doc.doc_id, cue=g.cue, start=g.cue_start, end=g.cue_end,
                    source=g.source if not g.implicit else f"(implicit → {g.antecedent or '?'})",
                    implicit=g.implicit, source_type=g.source_type, source_kind=g.source_kind,
                    context=context(doc.text, g.cue_start, g.cue_end), problem=problem)


def _pred_item(doc: GoldDocument, p: Predicted, problem: str = "") -> EvalItem:
    return EvalItem(doc_id=doc.doc_id, cue=p.cue_text, start=p.cue_start, end=p.cue_end,
                    source=p.source_text if not p.implicit else "(implicit)",
                    implicit=p.implicit, source_type=p.source_type, source_kind=p.source_kind,
                    context=context(doc.text, p.cue_start, p.cue_end), problem=problem)


class _DocOutcome(BaseModel):
    score: DocumentScore
    misses: list[EvalItem]
    false_hits: list[EvalItem]
    mistyped: list[EvalItem]


def score_document(doc: GoldDocument, predictions: Sequence[Predicted]) -> _DocOutcome:
    """Match one document's predictions to its gold items and count what is right."""
    pairs = match_cues([(p.cue_start, p.cue_end) for p in predictions],
                       [(g.cue_start, g.cue_end) for g in doc.attributions], doc.text)
    matched_p = {p for p, _ in pairs}
    matched_g = {g for _, g in pairs}
    scored_pairs = [(p, g) for p, g in pairs if not doc.attributions[g].optional]
    skipped = len(pairs) - len(scored_pairs)

    misses = [_gold_item(doc, g) for i, g in enumerate(doc.attributions) if i not in matched_g and not g.optional]
    false_hits = [_pred_item(doc, p) for i, p in enumerate(predictions) if i not in matched_p]
    mistyped = []
    typed = type_right = kind_right = unresolved = 0
    for p_index, g_index in scored_pairs:
        pred, gold = predictions[p_index], doc.attributions[g_index]
        unresolved += pred.source_type == "unresolved"
        same_source = source_right(pred, gold)
        same_type = pred.source_type == gold.source_type
        type_right += same_type
        kind_right += pred.source_kind == gold.source_kind
        if same_source and same_type:
            typed += 1
            continue
        problems = []
        if not same_source:
            want = "implicit" if gold.implicit else repr(gold.source)
            problems.append(f"source: gold {want}")
        if not same_type:
            problems.append(f"type: gold {gold.source_type}/{gold.source_kind.value}")
        mistyped.append(_pred_item(doc, pred, "; ".join(problems)))

    gold_count = sum(1 for g in doc.attributions if not g.optional)
    predicted_count = len(predictions) - skipped
    hits = len(scored_pairs)
    precision, recall = ratio(hits, predicted_count), ratio(hits, gold_count)
    score = DocumentScore(
        doc_id=doc.doc_id, gold=gold_count, predicted=predicted_count, cue_hits=hits, typed_hits=typed,
        type_right=type_right, kind_right=kind_right, unresolved_hits=unresolved, skipped_optional=skipped,
        cue_precision=precision, cue_recall=recall, cue_f1=f1(hits, predicted_count, gold_count),
        typed_f1=f1(typed, predicted_count, gold_count),
    )
    return _DocOutcome(score=score, misses=misses, false_hits=false_hits, mistyped=mistyped)


def evaluate(gold: Iterable[GoldDocument], predictions: Mapping[str, Sequence[Predicted]]) -> EvalReport:
    """Score every gold document; predictions for documents not in the gold are counted apart."""
    outcomes = []
    gold_ids = set()
    for doc in gold:
        gold_ids.add(doc.doc_id)
        outcomes.append(score_document(doc, predictions.get(doc.doc_id, [])))
    scores = [o.score for o in outcomes]
    total_gold = sum(s.gold for s in scores)
    total_pred = sum(s.predicted for s in scores)
    hits = sum(s.cue_hits for s in scores)
    typed = sum(s.typed_hits for s in scores)
    cue_p, cue_r = ratio(hits, total_pred), ratio(hits, total_gold)
    typed_p, typed_r = ratio(typed, total_pred), ratio(typed, total_gold)
    return EvalReport(
        documents=len(scores), gold=total_gold, predicted=total_pred, cue_hits=hits, typed_hits=typed,
        skipped_optional=sum(s.skipped_optional for s in scores),
        cue_precision=cue_p, cue_recall=cue_r, cue_f1=f1(hits, total_pred, total_gold),
        typed_precision=typed_p, typed_recall=typed_r, typed_f1=f1(typed, total_pred, total_gold),
        type_accuracy=ratio(sum(s.type_right for s in scores), hits),
        kind_accuracy=ratio(sum(s.kind_right for s in scores), hits),
        unresolved_hits=sum(s.unresolved_hits for s in scores),
        unscored_predictions=sum(len(v) for k, v in predictions.items() if k not in gold_ids),
        per_document=scores,
        misses=[m for o in outcomes for m in o.misses],
        false_hits=[f for o in outcomes for f in o.false_hits],
        mistyped=[m for o in outcomes for m in o.mistyped],
    )


# --- loaders ----------------------------------------------------------------------

def load_gold(path: Path) -> list[GoldDocument]:
    """Read a gold JSONL file; a broken line stops with its file and line (scores need it whole)."""
    try:
        handle = path.open("r", encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"{path}: cannot open the gold file ({exc.strerror or exc})") from exc
    docs = []
    with handle:
        try:
            for line, raw in enumerate(handle, start=1):
                if not raw.strip():
                    continue
                try:
                    doc = GoldDocument.model_validate(json.loads(raw))
                except json.JSONDecodeError as exc:
                    raise InputError(f"{path}:{line}: bad JSON in the gold file: {exc.msg}") from exc
                except ValidationError as exc:
                    first = exc.errors()[0]
                    where = ".".join(str(part) for part in first["loc"])
                    raise InputError(f"{path}:{line}: gold item does not follow the gold format: "
                                     f"{where}: {first['msg']}") from exc
                for item in doc.attributions:
                    if doc.text[item.cue_start:item.cue_end] != item.cue:
                        raise InputError(f"{path}:{line}: gold cue {item.cue!r} is not at "
                                         f"{item.cue_start}:{item.cue_end} of the text")
                docs.append(doc)
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: the gold file is not valid UTF-8 ({exc.reason})") from exc
    return docs


def load_predictions(path: Path) -> dict[str, list[Predicted]]:
    """Read ``attributions.parquet`` (or the run folder holding it), grouped by document."""
    if path.is_dir():
        check_run(path, required=False)  # never score a folder that mixes the tables of two runs
    file = path / "attributions.parquet" if path.is_dir() else path
    if not file.is_file():
        raise InputError(f"{file}: no predictions here; give an attributions.parquet file "
                         f"or the --out folder of `annotate run`")
    try:
        table = pq.read_table(file, columns=PREDICTED_COLUMNS)
    except Exception as exc:  # pyarrow raises several types for a missing column or a damaged file
        raise InputError(f"{file}: not an attributions table ({exc})") from exc
    grouped: dict[str, list[Predicted]] = {}
    for row in table.to_pylist():
        grouped.setdefault(row["doc_id"], []).append(Predicted.model_validate(row))
    return grouped
