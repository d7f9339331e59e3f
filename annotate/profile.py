"""An article's sourcing profile (guide, section 5): one row of ``documents.parquet``.

Pure: a ``DocumentResult`` in, a ``DocumentProfile`` out. The counts let an analyst ask
"which outlets lean on anonymous sources?" with one group-by, without re-reading the
attributions table.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_right
from collections.abc import Sequence

from annotate.records import Attribution, DocumentProfile, DocumentResult, SourceKind, Span

# A light key for telling sources apart; spans are not taken from it, so no offset map.
_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"})
_NOT_WORD = re.compile(r"[^\w]+")
# the documents column each source kind is counted in
_KIND_COLUMNS = {kind: f"kind_{kind.value}" for kind in SourceKind}


@functools.lru_cache(maxsize=1 << 16)  # the same sources come back article after article
def source_key(text: str) -> str:
    """Fold spelling variants so ``مصادر مطلعة`` and ``مصادرُ مطّلعة`` count as one source."""
    folded = _DIACRITICS.sub("", text).translate(_FOLD)
    return " ".join(_NOT_WORD.sub(" ", folded).split())


def _resolved_source(attribution: Attribution, by_id: dict[int, Attribution]) -> str | None:
    """The source an attribution finally stands for: follow antecedents to an explicit one.

    Implicit sources (``وأوضح``) and back-references (``المصادر``) point back with
    ``antecedent_id``; they add no new source. Cycles are cut after the first revisit.
    """
    current = attribution
    seen: set[int] = set()
    while current.antecedent_id is not None and current.antecedent_id in by_id:
        if current.attribution_id in seen:
            break
        seen.add(current.attribution_id)
        current = by_id[current.antecedent_id]
    if current.source_text:
        return source_key(current.source_text)
    if current.antecedent_text:
        return source_key(current.antecedent_text)
    return None


def distinct_sources(attributions: list[Attribution]) -> int:
    """How many different sources the article quotes, counted by ``source_key`` (one name per
    source, implicit ones resolved); records made without keys fall back to the folded text."""
    given = {a.source_key for a in attributions if a.source_key}
    if given:
        return len({source_key(key) for key in given})  # each key folded once, however often it is quoted
    by_id = {a.attribution_id: a for a in attributions}
    keys = {_resolved_source(a, by_id) for a in attributions}
    keys.discard(None)
    keys.discard("")
    return len(keys)


def _overlaps(start: int, end: int, other_start: int | None, other_end: int | None) -> bool:
    if other_start is None or other_end is None:
        return False
    return max(start, other_start) < min(end, other_end)


def unattributed_sentences(result: DocumentResult) -> int:
    """Sentences of article text (not furniture) that hold no cue and no claim."""
    starts = [sentence.start for sentence in result.sentences]
    held: set[int] = set()
    for a in result.attributions:
        for start, end in ((a.cue_start, a.cue_end), (a.claim_start, a.claim_end)):
            if start is None or end is None:
                continue
            index = max(bisect_right(starts, start) - 1, 0)  # the sentence the span starts in, then on
            while index < len(starts) and starts[index] < end:
                if _overlaps(result.sentences[index].start, result.sentences[index].end, start, end):
                    held.add(index)
                index += 1
    return sum(1 for index, sentence in enumerate(result.sentences)
               if index not in held and not _is_furniture(sentence, result.furniture))


def _is_furniture(sentence: Span, furniture: Sequence[Span]) -> bool:
    return any(_overlaps(sentence.start, sentence.end, f.start, f.end) for f in furniture)


def profile_document(result: DocumentResult, pack_version: str) -> DocumentProfile:
    """Count an article's attributions by type, kind and grade, and its sourcing habits.

    An unresolved source (an implicit cue with no antecedent) is counted in ``unresolved``
    and ``kind_unresolved`` only: it has no grade and stays out of the anonymous share,
    which a guess would bias.
    """
    attributions = result.attributions
    # one pass: the type, kind, grade and gender columns each attribution adds one to
    counts: dict[str, int] = {"named": 0, "anonymous": 0, "unresolved": 0}
    for a in attributions:
        for column in (a.source_type, _KIND_COLUMNS[a.source_kind],
                       a.credibility_grade and f"grade_{a.credibility_grade}",
                       a.source_gender and f"gender_{a.source_gender}"):
            if column:
                counts[column] = counts.get(column, 0) + 1
    named, anonymous, unresolved = counts.pop("named"), counts.pop("anonymous"), counts.pop("unresolved")
    total = len(attributions)
    typed = named + anonymous  # unresolved sources count apart, in no share
    return DocumentProfile(
        doc_id=result.doc_id,
        warnings=list(result.warnings),
        characters=result.text_length,
        sentences=len(result.sentences),
        furniture_lines=len(result.furniture),
        attributions=total,
        named=named,
        anonymous=anonymous,
        unresolved=unresolved,
        anonymous_share=(anonymous / typed) if typed else None,
        implicit=sum(1 for a in attributions if a.implicit),
        chains=sum(1 for a in attributions if a.origin_id is not None),
        distinct_sources=distinct_sources(attributions),
        unattributed_sentences=unattributed_sentences(result),
        pack_version=pack_version,
        **counts,
    )
