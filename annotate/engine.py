"""The engine: one article's text and a compiled pack in, its attributions out.

Pure: no files, no network, no terminal. The steps, each in its own module:
normalise (offset-keeping) → furniture → sentences → matching (rules, priorities) →
attribution (sources, claims, chains, antecedents) → credibility. Everything is
computed on the normalised copy and mapped back to original offsets only here, at the
end, so ``text[start:end]`` is always the span's text.
"""

from __future__ import annotations

from typing import NamedTuple

from annotate.attribution import Draft, assemble
from annotate.budget import Budget
from annotate.credibility import Origin, grade
from annotate.furniture import blank, find_furniture
from annotate.gender import with_source_gender
from annotate.matching import find_candidates, quoted_spans, resolve
from annotate.normalise import Normalised, normalise
from annotate.pack import CompiledPack
from annotate.records import Attribution, DocumentResult, FurnitureSpan, LostCandidate, Span, type_of_kind
from annotate.sentences import split_sentences
from annotate.source_names import with_source_keys


def annotate_text(text: str, pack: CompiledPack, doc_id: str = "doc") -> DocumentResult:
    """Find every attribution in ``text`` with ``pack``."""
    norm = normalise(text)
    warnings: list[str] = []
    # one watchdog for the whole document: a runaway rule is stopped and named, the rest goes on
    # (deadline: a rule's timeout per 100 characters and per line, plus four: ~10³× what an article needs)
    with Budget(pack.timeout, steps_allowed=4 + norm.text.count("\n") + len(norm.text) // 100) as budget:
        furniture = find_furniture(norm.text, pack, budget)
        matchable = blank(norm.text, furniture)
        sentences = split_sentences(matchable)
        candidates = find_candidates(matchable, sentences, pack, warnings, budget)
        kept, lost = resolve(candidates, quoted_spans(matchable))
        drafts = assemble(matchable, sentences, kept, pack)
        version = pack.model_version
        attributions = [_record(i, d, drafts, norm, matchable, pack, doc_id, version) for i, d in enumerate(drafts)]
    warnings.extend(budget.warnings)
    attributions = with_source_gender(with_source_keys(attributions, pack), pack)
    result = DocumentResult(
        doc_id=doc_id,
        text_length=len(text),
        sentences=[_span(norm, s, e) for s, e in sentences],
        furniture=[FurnitureSpan(**_original(norm, s, e)._asdict(), rule_id=rule) for s, e, rule in furniture],
        attributions=attributions,
        lost=[_lost(loser.candidate.rule.id, loser.reason, _original(norm, *loser.candidate.cue)) for loser in lost],
        warnings=warnings,
    )
    result._text = text
    return result


class _Original(NamedTuple):
    """A normalised span mapped back: original offsets and the text they hold."""

    start: int
    end: int
    text: str


def _original(norm: Normalised, start: int, end: int) -> _Original:
    s, e = norm.span(start, end)
    return _Original(s, e, norm.original[s:e])


def _span(norm: Normalised, start: int, end: int) -> Span:
    s, e, text = _original(norm, start, end)
    return Span(start=s, end=e, text=text)  # validating three fields is quicker than model_construct


def _text(norm: Normalised, start: int, end: int) -> str:
    return _original(norm, start, end).text


def _lost(rule_id: str, reason: str, cue: _Original) -> LostCandidate:
    return LostCandidate(rule_id=rule_id, reason=reason, cue_start=cue.start, cue_end=cue.end, cue_text=cue.text)


def _origin(index: int, drafts: list[Draft], norm: Normalised) -> Origin:
    """Follow relays to the innermost source; an implicit cue takes its antecedent's."""
    relays = []
    seen = {index}
    draft = drafts[index]
    while draft.origin is not None and draft.origin not in seen:
        if draft.source:
            relays.append((draft.kind, _text(norm, draft.source.start, draft.source.end)))
        seen.add(draft.origin)
        draft = drafts[draft.origin]
    source = draft.source or draft.subject
    if source is None and draft.antecedent is not None:
        source = drafts[draft.antecedent].source or drafts[draft.antecedent].subject
    text = _text(norm, source.start, source.end) if source else None
    return Origin(kind=draft.kind, text=text, specific=bool(source and source.specific), relays=tuple(relays))


def _record(index: int, draft: Draft, drafts: list[Draft], norm: Normalised, matchable: str,
            pack: CompiledPack, doc_id: str, pack_version: str) -> Attribution:
    cue = _original(norm, *draft.cand.cue)
    source = _original(norm, draft.source.start, draft.source.end) if draft.source else None
    role = _text(norm, *draft.source.role) if draft.source and draft.source.role else None
    claim = _original(norm, *draft.claim) if draft.claim else None
    antecedent = drafts[draft.antecedent].source if draft.antecedent is not None else draft.subject
    claim_matchable = matchable[draft.claim[0]:draft.claim[1]] if draft.claim else None
    credibility = grade(_origin(index, drafts, norm), claim_matchable, pack)
    return Attribution(
        doc_id=doc_id,
        attribution_id=index,
        sentence_index=draft.cand.sentence,
        cue_start=cue.start, cue_end=cue.end, cue_text=cue.text,
        source_start=source.start if source else None,
        source_end=source.end if source else None,
        source_text=source.text if source else None,
        source_role=role,
        source_type=type_of_kind(draft.kind),
        source_kind=draft.kind,
        source_kind_rule=draft.kind_rule,
        implicit=draft.implicit,
        antecedent_id=draft.antecedent,
        antecedent_text=_text(norm, antecedent.start, antecedent.end) if antecedent else None,
        origin_id=draft.origin,
        claim_start=claim.start if claim else None,
        claim_end=claim.end if claim else None,
        claim_text=claim.text if claim else None,
        credibility_grade=credibility.grade,
        credibility_score=credibility.score,
        credibility_reasons=credibility.reasons + ([draft.note] if draft.note else []),
        rule_id=draft.cand.rule.id,
        pack_version=pack_version,
    )
