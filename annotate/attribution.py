"""Assemble winning rule matches into attributions: sources, claims, chains, antecedents.

This is where the guide's section 3 lives. Matches arrive in text order; each gets its
source described (``sources.describe``), its claim delimited, and then three links are
made: a frame inside another attribution (``ذكرت X نقلا عن Y أن``) makes a chain (X
relays, Y originates); an implicit cue (``وأوضح أن``) points back to the nearest earlier
source that agrees with it in gender and number; a definite back-reference
(``المصادر``) points back to the earlier source with the same head and takes its type.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import regex

from annotate.matching import Candidate, Offsets
from annotate.pack import CompiledPack
from annotate.rules.inflect import Form
from annotate.records import SourceKind
from annotate.sources import SourceInfo, describe

_LETTERS = regex.compile(r"\w{2}")
_ANTECEDENT_REACH = 8  # sentences: how far back an implicit cue may find its source


@dataclass
class Draft:
    """An attribution being assembled (normalised offsets)."""

    cand: Candidate
    cue_form: Form | None
    source: SourceInfo | None
    claim: Offsets | None
    kind: SourceKind
    gender: str
    number: str
    antecedent: int | None = None
    origin: int | None = None
    note: str | None = None

    @property
    def implicit(self) -> bool:
        return self.source is None


def assemble(text: str, sentences: list[Offsets], kept: list[Candidate], pack: CompiledPack) -> list[Draft]:
    drafts = [_draft(text, sentences, cand, pack) for cand in kept]
    # a source phrase trimmed to nothing (``نقلا عن-``) is no source: the match is not an attribution
    drafts = [d for d in drafts if d.source is None or d.source.start < d.source.end]
    _link_chains(drafts)
    _trim_claims(text, drafts)
    _resolve_references(drafts, pack)
    return drafts


def _cue_form(text: str, cand: Candidate, pack: CompiledPack) -> Form | None:
    word = text[cand.cue[0]:cand.cue[1]]
    for name in sorted(cand.rule.cue_lexicons):
        form = pack.lexicons[name].lookup(word)
        if form is not None:
            return form
    return None


def _draft(text: str, sentences: list[Offsets], cand: Candidate, pack: CompiledPack) -> Draft:
    form = _cue_form(text, cand, pack)
    gender, number = (form.gender, form.number) if form else ("", "")
    s_start, s_end = sentences[cand.sentence]
    source = None
    if cand.source is not None:
        source = describe(text, cand.source[0], cand.source[1], s_end, gender, number,
                          cand.cue[0] < cand.source[0], pack)
    claim = cand.claim or _default_claim(text, cand, source, (s_start, s_end))
    kind = source.kind if source else (cand.rule.spec.kind or SourceKind.person)
    if source:
        gender, number = source.gender, source.number
    return Draft(cand, form, source, _trim_span(text, claim), kind, gender, number)


def _default_claim(text: str, cand: Candidate, source: SourceInfo | None, sentence: Offsets) -> Offsets | None:
    """Without a claim slot: the rest of the sentence, or else what came before the cue."""
    after = max(cand.end, source.end if source else cand.cue[1])
    if _LETTERS.search(text, after, sentence[1]):
        return after, sentence[1]
    if _LETTERS.search(text, sentence[0], cand.cue[0]):
        return sentence[0], cand.cue[0]
    return None


def _trim_span(text: str, span: Offsets | None) -> Offsets | None:
    if span is None:
        return None
    start, end = span
    while start < end and text[start] in " \t\n،,:؛":
        start += 1
    while end > start and text[end - 1] in " \t\n،,؛":
        end -= 1
    return (start, end) if end > start else None


def _link_chains(drafts: list[Draft]) -> None:
    """``ذكرت X نقلا عن Y أن …``: Y's cue sits between X's source and X's claim."""
    for outer in drafts:
        if outer.source is None:
            continue
        lo = outer.source.end
        hi = outer.claim[0] if outer.claim else outer.cand.end
        for index, inner in enumerate(drafts):
            if inner is outer or inner.cand.sentence != outer.cand.sentence or inner.source is None:
                continue
            if lo <= inner.cand.cue[0] < hi:
                outer.origin = index
                inner.claim = outer.claim
                break


def _trim_claims(text: str, drafts: list[Draft]) -> None:
    """A claim ends where a later cue of the same sentence opens a new clause (``، مؤكدا``)."""
    for draft in drafts:
        if draft.claim is None:
            continue
        for other in drafts:
            if other is draft or other.cand.sentence != draft.cand.sentence:
                continue
            cue_start = other.cand.cue[0]
            if draft.claim[0] < cue_start < draft.claim[1]:
                before = text[draft.claim[0]:cue_start].rstrip()
                if before.endswith(("،", ",", "؛")):
                    draft.claim = _trim_span(text, (draft.claim[0], len(before) + draft.claim[0] - 1))
                    break


def _agrees(draft: Draft, gender: str, number: str) -> bool:
    gender_ok = not gender or not draft.gender or gender == draft.gender
    number_ok = not number or not draft.number or number == draft.number or \
        (number == "pl" and draft.number == "du")
    return gender_ok and number_ok


def _root(drafts: list[Draft], index: int) -> int:
    """Follow implicit links back to the attribution whose source is written out."""
    seen = set()
    while drafts[index].source is None and drafts[index].antecedent is not None and index not in seen:
        seen.add(index)
        index = drafts[index].antecedent  # type: ignore[assignment]
    return index


def _resolve_references(drafts: list[Draft], pack: CompiledPack) -> None:
    for index, draft in enumerate(drafts):
        if draft.source is None and draft.cand.rule.spec.kind is None:
            _resolve_implicit(drafts, index)
        elif draft.source is not None and draft.source.definite and not draft.source.specific:
            _resolve_back_reference(drafts, index, pack)


def _resolve_implicit(drafts: list[Draft], index: int) -> None:
    draft = drafts[index]
    gender, number = (draft.cue_form.gender, draft.cue_form.number) if draft.cue_form else ("", "")
    for earlier in range(index - 1, -1, -1):
        other = drafts[earlier]
        if draft.cand.sentence - other.cand.sentence > _ANTECEDENT_REACH:
            break
        if _agrees(other, gender, number) and (other.source is not None or other.antecedent is not None):
            root = _root(drafts, earlier)
            draft.antecedent = root
            draft.kind = drafts[root].kind
            draft.gender, draft.number = drafts[root].gender, drafts[root].number
            return
    draft.note = "no earlier source agrees with the cue; typed as a person by default"


def _head_lexicons(head: str, pack: CompiledPack) -> set[str]:
    return {name for name, lexicon in pack.lexicons.items()
            if "kind" in lexicon.tags and lexicon.lookup(head) is not None}


def _resolve_back_reference(drafts: list[Draft], index: int, pack: CompiledPack) -> None:
    """``المصادر`` → the earlier ``مصادر مصرية مطلعة``; ``الوكالة`` → the earlier ``وكالة …``."""
    draft = drafts[index]
    assert draft.source is not None
    head_lexicons = _head_lexicons(draft.source.head, pack)
    window = [earlier for earlier in range(index - 1, -1, -1)
              if drafts[earlier].source is not None
              and draft.cand.sentence - drafts[earlier].cand.sentence <= _ANTECEDENT_REACH]
    # the same head word first (المنظمة → منظمة …), then a head of the same lexicon (المصادر → مصدر …)
    same_head = [e for e in window if drafts[e].source.head == draft.source.head]  # type: ignore[union-attr]
    same_lexicon = [e for e in window if head_lexicons & _head_lexicons(drafts[e].source.head, pack)]  # type: ignore[union-attr]
    for earlier in same_head[:1] or same_lexicon[:1]:
        other = drafts[earlier]
        assert other.source is not None
        draft.antecedent = earlier
        draft.kind = other.kind
        draft.source = replace(draft.source, specific=other.source.specific)
