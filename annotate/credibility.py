"""Grade a claim by where it comes from (guide, section 5).

A claim is only as well sourced as its origin: the grade is read off the origin's kind
(a named outlet relaying anonymous sources grades as anonymous), anonymous sources with
no affiliation or specifics drop to the pack's vague grade, and hedges in the claim
lower the score but not the letter. Every step adds a reason, so a reviewer can see
why a claim got its grade.
"""

from __future__ import annotations

from dataclasses import dataclass

from annotate.pack import CompiledPack
from annotate.records import Credibility, SourceKind, type_of_kind
from annotate.rules.schema import DEFAULT_SCORES, Grade

_DEFAULT_GRADES: dict[SourceKind, Grade] = {
    SourceKind.person: "A", SourceKind.role: "A", SourceKind.organization: "B",
    SourceKind.government: "B", SourceKind.document: "B", SourceKind.media: "C",
    SourceKind.unnamed_source: "D", SourceKind.unnamed_official: "D", SourceKind.unnamed_media: "D",
    SourceKind.collective: "E", SourceKind.witness: "E", SourceKind.hearsay: "E",
}


@dataclass(frozen=True)
class Origin:
    """What the grade is computed from: the innermost source of a chain."""

    kind: SourceKind
    text: str | None  # None when implicit and unresolved
    specific: bool
    relays: tuple[tuple[SourceKind, str], ...] = ()


def grade(origin: Origin, claim: str | None, pack: CompiledPack) -> Credibility:
    if origin.kind is SourceKind.unresolved:  # never guess a grade for a source nobody found
        return Credibility(grade=None, score=None, reasons=["unresolved"])
    settings = pack.credibility
    letter: Grade = settings.grade_by_kind.get(origin.kind) or _DEFAULT_GRADES[origin.kind]
    named = type_of_kind(origin.kind) == "named"
    shown = f" '{origin.text}'" if origin.text else " (implicit, unresolved)"
    reasons = [f"origin{shown}: {'named' if named else 'anonymous'} {origin.kind.value} → {letter}"]
    if not named and not origin.specific and letter < settings.vague_grade:
        letter = settings.vague_grade
        reasons.append(f"no affiliation or specifics → {letter}")
    for kind, text in origin.relays:
        reasons.append(f"relayed by {kind.value} '{text}'")
    score = settings.scores.get(letter, DEFAULT_SCORES[letter])
    for hedge in hedges_in(claim or "", pack):
        score -= settings.hedge_penalty
        reasons.append(f"hedge '{hedge}' in the claim: −{settings.hedge_penalty:g}")
    return Credibility(grade=letter, score=round(max(0.0, min(1.0, score)), 4), reasons=reasons)


def hedges_in(claim: str, pack: CompiledPack) -> list[str]:
    """Hedge words found in a (normalised) claim, in order, as the lexicon writes them."""
    name = pack.credibility.hedges
    if not name or name not in pack.lexicons or not claim:
        return []
    lexicon = pack.lexicons[name]
    # no word-lookup prefilter: most claims hold a word that may open a hedge (قد، في), and the
    # lexicon's re pattern alone is quicker than splitting every claim into words first
    found = []
    for m in lexicon.matcher.finditer(claim):
        form = lexicon.lookup(m.group())
        found.append(form.lemma if form is not None else m.group())
    return found
