"""Assemble winning rule matches into attributions: sources, claims, chains, antecedents.

This is where the guide's section 3 lives. Matches arrive in text order; each gets its
source described (``sources.describe``), its claim delimited, and then three links are
made: a frame inside another attribution (``ذكرت X نقلا عن Y أن``) makes a chain (X
relays, Y originates); an implicit cue (``وأوضح أن``) points back to the nearest earlier
source that agrees with it in gender and number; a definite back-reference
(``المصادر``) points back to the earlier source with the same head and takes its type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from annotate import contract
from annotate.matching import Candidate, Offsets
from annotate.normalise import WORD_CHAR
from annotate.memo import remembered
from annotate.pack import CompiledPack
from annotate.rules.inflect import Form
from annotate.records import SourceKind
from annotate.sources import SourceInfo, clause_subjects, describe, fallback, pronoun_agreement, titled_names

_LETTERS = re.compile(rf"{WORD_CHAR}{{2}}")
_QUOTED = re.compile(r'"[^"\n]*"')
_ANTECEDENT_REACH = 8  # sentences: how far back an implicit cue may find its source


@dataclass
class Draft:
    """An attribution being assembled (normalised offsets)."""

    cand: Candidate
    cue_form: Form | None
    source: SourceInfo | None
    claim: Offsets | None
    kind: SourceKind
    kind_rule: str  # what typed it: a source_kinds rule id, or how the kind was taken over
    gender: str
    number: str
    antecedent: int | None = None
    origin: int | None = None
    subject: SourceInfo | None = None  # implicit: the subject of the verb the cue is coordinated with
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
    _resolve_references(text, sentences, drafts, pack)
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
    if source:
        kind, kind_rule = source.kind, source.kind_rule
        gender, number = source.gender, source.number
    elif cand.rule.spec.kind is not None:
        kind, kind_rule = cand.rule.spec.kind, contract.decision(contract.FIXED, cand.rule.id)
    else:  # implicit: stays unresolved unless an antecedent is found (_resolve_implicit)
        kind, kind_rule = SourceKind.unresolved, contract.UNRESOLVED
    return Draft(cand, form, source, _trim_span(text, claim), kind, kind_rule, gender, number)


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


def _resolve_references(text: str, sentences: list[Offsets], drafts: list[Draft], pack: CompiledPack) -> None:
    seen: dict[int, SourceInfo | None] = {}  # clause subjects already told, for the next implicit cue
    for index, draft in enumerate(drafts):
        if (draft.source is None or draft.source.pronoun) and draft.cand.rule.spec.kind is None:
            _resolve_implicit(text, sentences, drafts, index, pack, seen)
        elif draft.source is not None and draft.source.same:
            _resolve_same(drafts, index, pack)
        elif draft.source is not None and draft.kind is SourceKind.role and draft.source.role is None \
                and _resolve_title(text, sentences, drafts, index, pack):
            continue
        elif draft.source is not None and draft.source.definite and not draft.source.specific:
            _resolve_back_reference(drafts, index, pack)


def _earlier_source(drafts: list[Draft], index: int, gender: str, number: str) -> int | None:
    """The nearest earlier attribution within reach whose (resolved) source agrees with the cue."""
    draft = drafts[index]
    for earlier in range(index - 1, -1, -1):
        other = drafts[earlier]
        if draft.cand.sentence - other.cand.sentence > _ANTECEDENT_REACH:
            return None
        resolved = other.source is not None or other.antecedent is not None or other.subject is not None
        if resolved and other.kind is not SourceKind.unresolved and _agrees(other, gender, number):
            return earlier
    return None


def _subject(text: str, sentences: list[Offsets], drafts: list[Draft], index: int, gender: str,
             pack: CompiledPack, seen: dict[int, SourceInfo | None], after: int = -1) -> SourceInfo | None:
    """The nearest subject of a verb-initial clause before the cue, in its sentence or the one
    before, outside every claim (a subject inside someone's content is theirs, not the writer's);
    None when that subject opens at or before ``after``, where a nearer source wins over it."""
    draft = drafts[index]
    lo = sentences[max(draft.cand.sentence - 1, 0)][0]
    # a subject inside someone's claim is theirs; one that is already a source is checked as such
    taken = [d.claim for d in drafts[:index] if d.claim is not None]
    taken += [(d.cand.cue[0], d.source.end) for d in drafts[:index] if d.source is not None]
    taken += [m.span() for m in _QUOTED.finditer(text, lo, draft.cand.cue[0])]  # someone's words
    for start, info in clause_subjects(text, lo, draft.cand.cue[0], pack, seen, after, taken):
        if info is not None and (not gender or not info.gender or info.gender == gender):
            return info if info.start > after else None
    return None


def _resolve_implicit(text: str, sentences: list[Offsets], drafts: list[Draft], index: int,
                      pack: CompiledPack, seen: dict[int, SourceInfo | None]) -> None:
    """Guide, section 3: the nearest earlier source that agrees, or the subject of the verb the
    cue is coordinated with, whichever is nearer; else unresolved (no guess)."""
    draft = drafts[index]
    gender, number = (draft.cue_form.gender, draft.cue_form.number) if draft.cue_form else ("", "")
    if draft.source is not None:  # a pronoun (ويرى هؤلاء، حسب أقوالهم) agrees by itself; a verb before it shows no number
        own_gender, number = pronoun_agreement(text[draft.source.start:draft.source.end])
        gender = own_gender or gender
    earlier = _earlier_source(drafts, index, gender, number)
    root = None if earlier is None else _root(drafts, earlier)
    mention = None if root is None else (drafts[root].source or drafts[root].subject)
    # a subject opening at or before the earlier source's mention loses to it: only nearer ones are sought
    subject = _subject(text, sentences, drafts, index, gender, pack, seen, -1 if mention is None else mention.start)
    if root is not None and subject is None:
        if drafts[root].subject is not None and drafts[root].source is None:
            subject = drafts[root].subject  # the earlier cue was itself resolved to a subject
        else:
            draft.antecedent = root
            draft.kind = drafts[root].kind
            draft.kind_rule = contract.decision(contract.ANTECEDENT, _own_rule(drafts[root].kind_rule))
            draft.gender, draft.number = drafts[root].gender, drafts[root].number
            return
    if subject is not None:
        draft.subject = subject
        draft.kind = subject.kind
        draft.kind_rule = contract.decision(contract.SUBJECT, subject.kind_rule)
        draft.gender, draft.number = subject.gender, subject.number
        return
    draft.kind, draft.kind_rule = SourceKind.unresolved, contract.UNRESOLVED
    draft.note = "no earlier source agrees with the cue in gender and number"


def _resolve_same(drafts: list[Draft], index: int, pack: CompiledPack) -> None:
    """``المصدر ذاته``، ``نفس المصادر``: the source quoted last, whatever its kind, as long as
    it is a known one (a head, or a name under a title): a bare word is too weak to follow."""
    draft = drafts[index]
    for earlier in range(index - 1, -1, -1):
        other = drafts[earlier]
        if draft.cand.sentence - other.cand.sentence > _ANTECEDENT_REACH:
            return
        known = other.source is not None and (other.source.role is not None or not fallback(other.kind_rule, pack))
        if known and not other.source.same or other.antecedent is not None:  # type: ignore[union-attr]
            root = _root(drafts, earlier)
            if drafts[root].kind is SourceKind.unresolved:
                return
            draft.antecedent = root
            draft.kind = drafts[root].kind
            draft.kind_rule = contract.decision(contract.BACK_REFERENCE, _own_rule(drafts[root].kind_rule))
            return


def _words(phrase: str) -> set[str]:
    """Content words of a title without article or prepositions: ``بالتنمية`` → ``تنميه``."""
    words = set()
    for word in phrase.split():
        for prefix in ("بال", "لل", "وال", "ال", "ب", "ل"):
            if word.startswith(prefix) and len(word) - len(prefix) > 2:
                word = word[len(prefix):]
                break
        words.add(word)
    return words


def _resolve_title(text: str, sentences: list[Offsets], drafts: list[Draft], index: int,
                   pack: CompiledPack) -> bool:
    """``الوزير``، ``الوزير اليمني`` after ``وزير الخارجية اليمني خالد اليماني``: a title alone
    names again the person who held it just before (guide: a definite back-reference
    keeps the type of what it points to). Every word of it must be in that person's title,
    so ``الرئيس الروسي`` after ``الرئيس الفرنسي ماكرون`` is another office, a role."""
    draft = drafts[index]
    assert draft.source is not None
    mine = _words(text[draft.source.start:draft.source.end])
    for earlier in range(index - 1, -1, -1):
        other = drafts[earlier]
        if draft.cand.sentence - other.cand.sentence > _ANTECEDENT_REACH:
            break
        if other.source is None or other.source.role is None or other.kind is not SourceKind.person:
            continue
        if mine <= _words(text[other.source.role[0]:other.source.role[1]]):
            draft.antecedent = earlier
            draft.kind = other.kind
            draft.kind_rule = contract.decision(contract.BACK_REFERENCE, _own_rule(other.kind_rule))
            return True
    # the holder may have been named where no one was quoted (… وزير البترول ممتاز السعيد …)
    lo = sentences[max(draft.cand.sentence - _ANTECEDENT_REACH, 0)][0]
    head = draft.source.head
    for info in titled_names(text, lo, draft.source.start, head, pack):
        assert info.role is not None
        if mine <= _words(text[info.role[0]:info.role[1]]):
            draft.subject = info
            draft.kind = info.kind
            draft.kind_rule = contract.decision(contract.BACK_REFERENCE, info.kind_rule)
            return True
    return False


def _own_rule(kind_rule: str) -> str:
    """The source_kinds rule under a taken-over kind: ``antecedent:kind.role`` → ``kind.role``."""
    return kind_rule.rpartition(":")[2]


def _head_kinds(head: str, pack: CompiledPack) -> frozenset[str]:
    """The ``tags: {kind}`` of the head lexicons ``head`` is in: heads of one kind refer to each other.
    Told once per head and process (a lookup in every lexicon, for the same few heads)."""
    return remembered(pack.memo("head_kinds"), head, lambda: frozenset(
        lexicon.tags["kind"] for lexicon in pack.lexicons.values()
        if "kind" in lexicon.tags and lexicon.lookup(head) is not None))


def _resolve_back_reference(drafts: list[Draft], index: int, pack: CompiledPack) -> None:
    """``المصادر`` → the earlier ``مصادر مصرية مطلعة``; ``الوكالة`` → the earlier ``وكالة …``."""
    draft = drafts[index]
    assert draft.source is not None
    head_kinds = _head_kinds(draft.source.head, pack)
    window = [earlier for earlier in range(index - 1, -1, -1)
              if drafts[earlier].source is not None
              and draft.cand.sentence - drafts[earlier].cand.sentence <= _ANTECEDENT_REACH]
    # the same head word first (المنظمة → منظمة …), then a head of the same kind (الوكالة → رويترز)
    same_head = [e for e in window if drafts[e].source.head == draft.source.head]  # type: ignore[union-attr]
    same_kind = [e for e in window if drafts[e].kind is draft.kind  # المنظمة is not السلطات, though both head bodies
                 and head_kinds & _head_kinds(drafts[e].source.head, pack)]  # type: ignore[union-attr]
    for earlier in same_head[:1] or same_kind[:1]:
        other = drafts[earlier]
        assert other.source is not None
        draft.antecedent = earlier
        draft.kind = other.kind
        draft.kind_rule = contract.decision(contract.BACK_REFERENCE, _own_rule(other.kind_rule))
        draft.source = replace(draft.source, specific=other.source.specific)
