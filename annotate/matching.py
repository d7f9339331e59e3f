"""Run a compiled pack's rules over a normalised text and pick the winning matches.

Speed comes from not running rules where they cannot match: one pass of the pack's
trigger trie finds every cue word in the article, and a rule runs only on sentences that
hold a word of its cue lexicons. Each run has a time budget; a rule that exceeds it is
stopped and reported, never allowed to hang the run.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

import regex

from annotate.pack import CompiledPack, CompiledRule

Span = tuple[int, int]


@dataclass(frozen=True)
class Candidate:
    """One rule match, in normalised offsets."""

    rule: CompiledRule
    sentence: int
    start: int
    end: int
    cue: Span
    source: Span | None
    claim: Span | None

    @property
    def length(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class Lost:
    candidate: Candidate
    reason: str


def triggered_lexicons(text: str, sentences: list[Span], pack: CompiledPack) -> list[set[str]]:
    """For each sentence, the cue lexicons whose words occur in it."""
    found: list[set[str]] = [set() for _ in sentences]
    if pack.trigger is None or not sentences:
        return found
    starts = [s for s, _ in sentences]
    for m in pack.trigger.finditer(text):
        index = bisect_right(starts, m.start()) - 1
        if index >= 0 and m.start() < sentences[index][1]:
            found[index] |= pack.lexicons_of_word(m.group())
    return found


def find_candidates(text: str, sentences: list[Span], pack: CompiledPack,
                    warnings: list[str]) -> list[Candidate]:
    """Every match of every rule, sentence by sentence (matches may overlap)."""
    triggers = triggered_lexicons(text, sentences, pack)
    out: list[Candidate] = []
    for index, (s_start, s_end) in enumerate(sentences):
        hits = triggers[index]
        sentence = None
        for rule in pack.rules:
            if rule.cue_lexicons and not (rule.cue_lexicons & hits):
                continue
            if sentence is None:
                sentence = text[s_start:s_end]
            try:
                for m in rule.regex.finditer(sentence, overlapped=True, timeout=pack.timeout):
                    out.append(_candidate(rule, index, s_start, m))
            except TimeoutError:
                warnings.append(f"rule {rule.id!r} was stopped after {pack.timeout * 1000:g} ms on sentence "
                                f"{index}; its pattern backtracks too much (bound its repetitions)")
    return out


def _candidate(rule: CompiledRule, index: int, offset: int, m: regex.Match[str]) -> Candidate:
    def slot(name: str) -> Span | None:
        if name not in rule.slots or m.start(name) < 0:
            return None
        return offset + m.start(name), offset + m.end(name)

    cue = slot("cue")
    assert cue is not None
    return Candidate(rule, index, offset + m.start(), offset + m.end(), cue, slot("source"), slot("claim"))


def quoted_spans(text: str) -> list[Span]:
    """Stretches between paired quote marks (normalisation made them all ``"``)."""
    spans = []
    open_at = None
    for m in regex.finditer(r'"|\n', text):
        if m.group() == "\n":
            open_at = None
        elif open_at is None:
            open_at = m.start()
        else:
            spans.append((open_at, m.end()))
            open_at = None
    return spans


def resolve(candidates: list[Candidate], quotes: list[Span]) -> tuple[list[Candidate], list[Lost]]:
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
    return kept, lost
