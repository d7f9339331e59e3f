"""The engine: one article's text and a compiled pack in, its attributions out.

Pure: no files, no network, no terminal. The steps, each in its own module:
normalise (offset-keeping) → furniture → sentences → matching (rules, priorities) →
attribution (sources, claims, chains, antecedents) → credibility. Everything is
computed on the normalised copy and mapped back to original offsets only here, at the
end, so ``text[start:end]`` is always the span's text.
"""

from __future__ import annotations

from annotate.attribution import Draft, assemble
from annotate.budget import Budget
from annotate.credibility import Origin, grade
from annotate.furniture import blank, find_furniture
from annotate.matching import find_candidates, quoted_spans, resolve
from annotate.normalise import Normalised, normalise
from annotate.pack import CompiledPack
from annotate.records import Attribution, DocumentResult, FurnitureSpan, LostCandidate, Span, type_of_kind
from annotate.sentences import split_sentences


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
        attributions = [_record(i, d, drafts, norm, matchable, pack, doc_id) for i, d in enumerate(drafts)]
    warnings.extend(budget.warnings)
    return DocumentResult(
        doc_id=doc_id,
        text_length=len(text),
        sentences=[_span(norm, s, e) for s, e in sentences],
        furniture=[FurnitureSpan(**_span(norm, s, e).model_dump(), rule_id=rule) for s, e, rule in furniture],
        attributions=attributions,
        lost=[_lost(loser.candidate.rule.id, loser.reason, _span(norm, *loser.candidate.cue)) for loser in lost],
        warnings=warnings,
    )


def _span(norm: Normalised, start: int, end: int) -> Span:
    s, e = norm.span(start, end)
    return Span.model_construct(start=s, end=e, text=norm.original[s:e])  # two ints and their text: no validation needed


def _optional_span(norm: Normalised, span: tuple[int, int] | None) -> Span | None:
    return _span(norm, *span) if span is not None else None


def _text(norm: Normalised, start: int, end: int) -> str:
    return _span(norm, start, end).text


def _lost(rule_id: str, reason: str, cue: Span) -> LostCandidate:
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
            pack: CompiledPack, doc_id: str) -> Attribution:
    cue = _span(norm, *draft.cand.cue)
    source = _optional_span(norm, (draft.source.start, draft.source.end) if draft.source else None)
    role = _optional_span(norm, draft.source.role if draft.source else None)
    claim = _optional_span(norm, draft.claim)
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
        source_role=role.text if role else None,
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
        pack_version=pack.model_version,
    )
