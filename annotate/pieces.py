"""Very long articles, annotated in pieces so that time stays linear in their length.

Some steps of the engine compare attributions pairwise (chains, claim trimming,
back-references), so their cost grows with the square of an article's length: one
article of real corpus paragraphs takes 1.4 s of CPU at 400,000 characters, 6.8 s at
800,000 and 82 s at 2,000,000 (``benchmarks/long_article.py``). News articles are far
shorter, but a whole book or a scraped page dump can reach millions of characters; in
pieces the 2,000,000 characters take 6.7 s.

A text longer than ``PIECE_CHARS`` is cut into pieces of at most that many characters,
each at the last paragraph break (else sentence end, else space) before the limit; each
piece is annotated alone and the results are merged with every offset, sentence index
and attribution id shifted back into the whole text, so ``text[start:end]`` is still
each span. What is lost: an implicit source (``وأوضح أن …``) or a back-reference at the
start of a piece is not linked to a source in the piece before. The document carries a
warning saying it was annotated in pieces.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from annotate.normalise import WHITE_SPACE
from annotate.records import Attribution, DocumentResult, LostCandidate, Span

PIECE_CHARS = 50_000

_SENTENCE_END = re.compile(rf"[.!?؟。][{WHITE_SPACE}]")

Annotate = Callable[[str, Any, str], DocumentResult]
_SpanT = TypeVar("_SpanT", bound=Span)


def cut_points(text: str, limit: int = PIECE_CHARS) -> list[int]:
    """Piece boundaries ``[0, …, len(text)]``; each piece at most ``limit`` characters, cut at a break."""
    points = [0]
    while len(text) - points[-1] > limit:
        start = points[-1]
        floor, ceiling = start + limit // 2, start + limit
        cut = text.rfind("\n", floor, ceiling) + 1
        if cut <= floor:
            ends = [m.end() for m in _SENTENCE_END.finditer(text, floor, ceiling)]
            cut = ends[-1] if ends else text.rfind(" ", floor, ceiling) + 1
        if cut <= floor:
            cut = ceiling
        points.append(cut)
    points.append(len(text))
    return points


def annotate_in_pieces(text: str, pack: Any, doc_id: str, annotate: Annotate,
                       limit: int = PIECE_CHARS) -> DocumentResult:
    """``annotate(text, pack, doc_id)``, piece by piece when the text is longer than ``limit``."""
    points = cut_points(text, limit)
    if len(points) == 2:
        return annotate(text, pack, doc_id)
    merged = DocumentResult(doc_id=doc_id, text_length=len(text), sentences=[], furniture=[], attributions=[])
    for start, end in zip(points, points[1:]):
        part = annotate(text[start:end], pack, doc_id)
        ids, sentences = len(merged.attributions), len(merged.sentences)
        merged.sentences.extend(_shift_span(s, start) for s in part.sentences)
        merged.furniture.extend(_shift_span(s, start) for s in part.furniture)
        merged.attributions.extend(_shift_attribution(a, start, ids, sentences) for a in part.attributions)
        merged.lost.extend(_shift_lost(lost, start) for lost in part.lost)
        merged.warnings.extend(part.warnings)
    merged.warnings.append(
        f"annotated in {len(points) - 1} pieces of at most {limit:,} characters (the text has {len(text):,}); "
        f"an implicit source at the start of a piece is not linked to the piece before")
    return merged


def _shift_span(span: _SpanT, by: int) -> _SpanT:
    """The span ``by`` characters on, of the same class: a furniture line keeps its rule id."""
    return span.model_copy(update={"start": span.start + by, "end": span.end + by})


def _shift_lost(lost: LostCandidate, by: int) -> LostCandidate:
    return lost.model_copy(update={"cue_start": lost.cue_start + by, "cue_end": lost.cue_end + by})


def _plus(value: int | None, by: int) -> int | None:
    return None if value is None else value + by


def _shift_attribution(a: Attribution, by: int, ids: int, sentences: int) -> Attribution:
    return a.model_copy(update={
        "attribution_id": a.attribution_id + ids,
        "sentence_index": a.sentence_index + sentences,
        "cue_start": a.cue_start + by, "cue_end": a.cue_end + by,
        "source_start": _plus(a.source_start, by), "source_end": _plus(a.source_end, by),
        "claim_start": _plus(a.claim_start, by), "claim_end": _plus(a.claim_end, by),
        "antecedent_id": _plus(a.antecedent_id, ids), "origin_id": _plus(a.origin_id, ids),
    })
