"""Credibility grades follow the origin's kind (guide, section 5), with their reasons."""

from __future__ import annotations

from annotate.engine import annotate_text
from annotate.pack import CompiledPack


def _grades(text: str, pack: CompiledPack) -> list[tuple[str, float]]:
    return [(a.credibility_grade, a.credibility_score) for a in annotate_text(text, pack).attributions]


def test_grades_by_kind_of_source(pack: CompiledPack) -> None:
    assert _grades("وقال الرئيس الفرنسي إن القرار نهائي.", pack) == [("A", 0.9)]
    assert _grades("وقالت وزارة الصحة إن الإصابات تراجعت.", pack) == [("B", 0.75)]
    assert _grades("وذكرت وكالة رويترز أن المحادثات بدأت.", pack) == [("C", 0.6)]
    assert _grades("وقالت مصادر مصرية مطلعة إن الوفد وصل.", pack) == [("D", 0.4)]
    assert _grades("ويرى مراقبون أن الهدنة هشة.", pack) == [("E", 0.2)]


def test_a_bare_anonymous_source_is_vague(pack: CompiledPack) -> None:
    (a,) = annotate_text("وقالت مصادر إن الوفد وصل.", pack).attributions
    assert a.credibility_grade == "E" and any("no affiliation" in r for r in a.credibility_reasons)


def test_hedges_lower_the_score_not_the_letter(pack: CompiledPack) -> None:
    (a,) = annotate_text("وقال الرئيس الفرنسي إن القرار ربما يتأجل.", pack).attributions
    assert a.credibility_grade == "A" and a.credibility_score == 0.8
    assert any("hedge" in r for r in a.credibility_reasons)
