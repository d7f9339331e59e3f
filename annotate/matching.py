"""Run a compiled pack's rules over a normalised text and pick the winning matches.

Speed comes from not running rules where they cannot match: one pass of the pack's
trigger trie finds every cue word in the article, and a rule runs only on sentences that
hold a word of its cue lexicons. Each run has a time budget; a rule that exceeds it is
stopped and reported, never allowed to hang the run.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator
from itertools import chain
from dataclasses import dataclass

import re
from typing import Any

from annotate.budget import Budget, RuleTimeout
from annotate.memo import Memo, remembered
from annotate.pack import CompiledPack, CompiledRule
from annotate.rules.compiler import LETTER

Offsets = tuple[int, int]  # (start, end) in the normalised text


@dataclass(frozen=True)
class Candidate:
    """One rule match, in normalised offsets."""

    rule: CompiledRule
    sentence: int
    start: int
    end: int
    cue: Offsets
    source: Offsets | None
    claim: Offsets | None

    @property
    def length(self) -> int:
        """How far the match reaches from its cue: what a rule read after the cue, whether it
        found its subject before the cue (from the clause start) or after it."""
        return self.end - self.cue[0]


@dataclass(frozen=True)
class Lost:
    candidate: Candidate
    reason: str


_WORD = re.compile(LETTER + "+")


def cue_words(text: str, sentences: list[Offsets], pack: CompiledPack) -> list[list[tuple[int, frozenset[str]]]]:
    """For each sentence, where its cue words start and which cue lexicons they belong to.

    A plain word scan with a dictionary lookup (the pack's trigger words, with or
    without a و/ف prefix) is the Aho–Corasick pass of the engine: it is why a rule
    only runs where its cue can be.
    """
    found: list[list[tuple[int, frozenset[str]]]] = [[] for _ in sentences]
    if not pack.trigger_lexicons or not sentences:
        return found
    starts = [s for s, _ in sentences]
    lookup = pack.lexicons_of_word
    index = 0
    trigger = pack.trigger_words
    if trigger is None:
        words: Iterable[tuple[int, str]] = ((m.start(), m.group()) for m in _WORD.finditer(text))
    else:  # the pattern reads a word after the character before it: the text's first word has none
        first = _WORD.match(text)
        words = chain([(0, first.group())] if first else [], ((m.start(1), m.group(1)) for m in trigger.finditer(text)))
    for start, word in words:
        lexicons = lookup(word)
        if not lexicons:
            continue
        if not (sentences[index][0] <= start < sentences[index][1]):
            index = bisect_right(starts, start) - 1
            if index < 0 or start >= sentences[index][1]:
                index = max(index, 0)
                continue
        found[index].append((start, lexicons))
    return found


def find_candidates(text: str, sentences: list[Offsets], pack: CompiledPack,
                    warnings: list[str], budget: Budget | None = None) -> list[Candidate]:
    """Every match of every rule, sentence by sentence (matches may overlap).

    A rule whose pattern opens with its cue is tried only at the cue words of its
    lexicons; the others search the sentences that hold such a word. Each rule on each
    sentence is a step of ``budget`` (the document's): a step stopped by its watchdog
    loses its matches and is reported in ``warnings``, and once the document's deadline
    has passed the remaining sentences are not matched.
    """
    if budget is None:
        budget = Budget(pack.timeout, len(sentences))
    cues = cue_words(text, sentences, pack)
    out: list[Candidate] = []
    # the rules a sentence needs, by the cue lexicons its words belong to: sentences, and articles,
    # share a few hundred such sets, so the choice is made once per set and process
    needed: Memo[frozenset[str], list[CompiledRule]] = pack.memo("rules_for_cues")
    for index, (s_start, s_end) in enumerate(sentences):
        if budget.over():
            warnings.append(f"the document ran past its time budget ({pack.timeout * 1000:g} ms a sentence) at "
                            f"sentence {index}; its last {len(sentences) - index} sentences were not matched")
            break
        here = cues[index]
        hits = frozenset().union(*(lexicons for _, lexicons in here)) if here else frozenset()
        sentence = text[s_start:s_end] if here else None  # ^ and look-behinds see the sentence only
        rules = needed.get(hits)  # asked once a sentence: the common case stays one lookup
        if rules is None:
            rules = remembered(needed, hits, lambda: [
                rule for rule in pack.rules if not rule.cue_lexicons or rule.cue_lexicons & hits])
        for rule in rules:
            if sentence is None:
                sentence = text[s_start:s_end]
            found = len(out)
            try:
                budget.calls += 1
                budget.busy = rule.id
                if rule.cue_first and rule.cue_lexicons:
                    subject_first = rule.source_before_cue
                    for start, lexicons in here:
                        if subject_first and start - s_start < 2:
                            continue  # no room for a subject before a cue that opens the sentence
                        if lexicons & rule.cue_lexicons:
                            at = start - s_start
                            if rule.spaced:  # the rule starts where the white space before its cue does
                                while at and sentence[at - 1].isspace():
                                    at -= 1
                            m = rule.regex.match(sentence, at)
                            if m is not None:
                                _add(out, rule, index, s_start, m)
                    continue
                for m in overlapping(rule.regex, sentence):
                    _add(out, rule, index, s_start, m)
            except RuleTimeout:
                del out[found:]
                budget.stopped(rule.id, f"rule {rule.id!r} on sentence {index}")
        budget.busy = None
    warnings.extend(budget.warnings)
    budget.warnings.clear()
    return out


def overlapping(pattern: Any, text: str) -> Iterator[Any]:
    """Every match, one per start position: after a match at ``s`` the search goes on at ``s + 1``.

    Several rules can claim a stretch of text, and so can one rule from several starts
    (a subject from the clause start, another from after a comma); each start gets its
    own match, as ``regex``'s ``overlapped=True`` gives, with any pattern object.
    """
    pos, end = 0, len(text)
    search = pattern.search
    while pos <= end:
        m = search(text, pos)
        if m is None:
            return
        yield m
        pos = m.start() + 1


def _add(out: list[Candidate], rule: CompiledRule, index: int, offset: int, m: Any) -> None:
    """Add the match as a candidate, unless its cue took no text (``(?:{cue:…})?``), which
    ``rules check`` and ``run`` refuse, but a pack loaded as a library may still hold."""
    cue_start, cue_end = m.span("cue")
    if cue_start == cue_end:  # empty, or (-1, -1): the cue took no part in the match
        return
    source = claim = None
    if not rule.implicit:
        start, end = m.span("source")
        source = (offset + start, offset + end) if start >= 0 else None
    if rule.has_claim:
        start, end = m.span("claim")
        claim = (offset + start, offset + end) if start >= 0 else None
    start, end = m.span()
    out.append(Candidate(rule, index, offset + start, offset + end, (offset + cue_start, offset + cue_end),
                         source, claim))


_QUOTE_OR_LINE = re.compile(r'"|\n')
_MAX_QUOTE = 600  # characters: an opening quote left unclosed longer than this is a stray mark


def quoted_spans(text: str) -> list[Offsets]:
    """Stretches between paired quote marks (normalisation made them all ``"``).

    Straight quotes do not say which way they face, and scraped text is full of stray
    ones, so a quote opens only where an opening quote can stand (after a space, a
    clitic or punctuation, before a letter) and closes only where a closing one can
    (after a letter, before a space or punctuation); an unclosed quote ends at the line.
    """
    spans = []
    open_at = None
    n = len(text)
    for m in _QUOTE_OR_LINE.finditer(text):
        i = m.start()
        if m.group() == "\n":
            open_at = None
            continue
        before = text[i - 1] if i else " "
        after = text[i + 1] if i + 1 < n else " "
        can_open = not after.isspace() and (before.isspace() or before in "(:،,؛-" or
                                             (before in "وبلف" and (i < 2 or not text[i - 2].isalpha())))
        can_close = not before.isspace() and (after.isspace() or not after.isalpha())
        if open_at is not None and (can_close or i - open_at > _MAX_QUOTE):
            if i - open_at <= _MAX_QUOTE:
                spans.append((open_at, i + 1))
                open_at = None
                continue
            open_at = None
        if open_at is None and can_open:
            open_at = i
    return spans


def resolve(candidates: list[Candidate], quotes: list[Offsets]) -> tuple[list[Candidate], list[Lost]]:
    """Keep one candidate per cue: higher priority first, then the longer match.

    A cue inside a quotation belongs to the quoted speaker's words, not to the
    article's sourcing, and is set aside with that reason.
    """
    kept: list[Candidate] = []
    lost: list[Lost] = []
    quote_starts = [s for s, _ in quotes]
    order = sorted(candidates, key=lambda c: (-c.rule.priority, -c.length, c.source is None, c.cue[0]))
    for cand in order:
        q = bisect_right(quote_starts, cand.cue[0]) - 1
        if q >= 0 and quotes[q][0] < cand.cue[0] and cand.cue[1] < quotes[q][1]:
            lost.append(Lost(cand, "the cue is inside a quotation"))
            continue
        rival = next((k for k in kept if k.cue[0] < cand.cue[1] and cand.cue[0] < k.cue[1]), None)
        if rival is None:
            kept.append(cand)
            continue
        if rival.rule.id == cand.rule.id:
            continue  # the same rule matching the same cue again: not a rival
        why = (f"priority {rival.rule.priority} > {cand.rule.priority}" if rival.rule.priority != cand.rule.priority
               else f"longer match ({rival.length} > {cand.length} characters)" if rival.length != cand.length
               else "same priority and length; the one with a source, then the earlier, wins")
        lost.append(Lost(cand, f"lost to {rival.rule.id}: {why}"))
    kept.sort(key=lambda c: c.cue[0])
    return _drop_content_openers(kept, lost), lost


def _drop_content_openers(kept: list[Candidate], lost: list[Lost]) -> list[Candidate]:
    """An implicit cue that opens another attribution's content (وأكد الوزير قائلا: …) is
    that attribution's own words, not a second hand-over."""
    claim_starts = {c.claim[0]: c for c in kept if c.claim is not None and not c.rule.implicit}
    out = []
    for cand in kept:
        owner = claim_starts.get(cand.cue[0])
        if owner is not None and owner is not cand and cand.rule.implicit and cand.rule.spec.kind is None:
            lost.append(Lost(cand, f"opens the content of {owner.rule.id} at {owner.cue[0]}"))
            continue
        out.append(cand)
    return out
