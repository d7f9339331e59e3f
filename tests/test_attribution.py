"""Assembly: implicit sources agree in gender and number, back-references, chains, roles."""

from __future__ import annotations

from annotate.engine import annotate_text
from annotate.normalise import normalise
from annotate.pack import CompiledPack
from annotate.sources import SourceInfo, clause_subjects


def test_implicit_cue_finds_the_nearest_source_of_its_gender(pack: CompiledPack) -> None:
    text = ("قالت وزيرة الصحة إن الوضع مستقر. وقال المتحدث باسم الجيش إن القوات انسحبت. "
            "وأضافت أن المستشفيات جاهزة.")
    found = annotate_text(text, pack).attributions
    assert found[2].implicit and found[2].antecedent_id == 0
    assert found[2].antecedent_text == "وزيرة الصحة"


def test_a_clause_inside_someones_claim_gives_no_subject_to_a_later_implicit_cue(pack: CompiledPack) -> None:
    # زار رئيس الوزراء is the minister's content: its subject is his to report, not the one who adds
    text = "قال الوزير إن زار رئيس الوزراء القاهرة أمس. وأضاف أن المحادثات ستستمر."
    said, added = annotate_text(text, pack).attributions
    assert added.implicit and added.antecedent_id == said.attribution_id
    assert added.antecedent_text == "الوزير"


def test_the_clause_walk_passes_over_openings_inside_taken_spans_without_describing_them(
        pack: CompiledPack) -> None:
    def at(words: str) -> int:  # the engine walks the normalised text (رئيس → ريس, أضاف → اضاف)
        return text.index(normalise(words).text)

    text = normalise("قال الوزير إن زار رئيس الوزراء القاهرة أمس. وأضاف").text
    cue = at("وأضاف")
    claim = (at("زار"), at("."))
    everything = [start for start, _ in clause_subjects(text, 0, cue, pack, {})]
    seen: dict[int, SourceInfo | None] = {}
    outside = [start for start, _ in clause_subjects(text, 0, cue, pack, seen, taken=[claim])]
    assert at("رئيس الوزراء") in everything
    assert outside == [start for start in everything if not claim[0] <= start < claim[1]]
    assert not any(claim[0] <= start < claim[1] for start in seen)


def test_plural_participle_points_back_to_a_plural_source(pack: CompiledPack) -> None:
    text = "ويرى مراقبون أن المرحلة صعبة. وقال الوزير إن الحوار مستمر، فيما يرى محللون أن الحل بعيد، مؤكدين أن الوقت ينفد."
    found = annotate_text(text, pack).attributions
    last = found[-1]
    assert last.cue_text == "مؤكدين" and last.source_kind.value == "collective"
    assert found[last.antecedent_id].source_text == "محللون"


def test_definite_back_reference_takes_the_type_of_what_it_points_to(pack: CompiledPack) -> None:
    text = "أفادت مصادر أمنية مطلعة بأن الهجوم وقع فجرا. وأضافت المصادر أن التحقيق بدأ."
    first, second = annotate_text(text, pack).attributions
    assert second.source_text == "المصادر" and second.antecedent_id == first.attribution_id
    assert (second.source_type, second.source_kind.value) == ("anonymous", "unnamed_source")


def test_relay_chain_links_the_outlet_to_its_origin(pack: CompiledPack) -> None:
    text = "ونقلت وكالة رويترز عن مسؤول أمريكي طلب عدم الكشف عن اسمه قوله إن المحادثات توقفت."
    found = annotate_text(text, pack).attributions
    relay = next(a for a in found if a.source_kind.value == "media")
    origin = found[relay.origin_id]
    assert (origin.source_type, origin.source_kind.value) == ("anonymous", "unnamed_official")
    assert relay.credibility_grade == origin.credibility_grade == "D"


def test_title_before_a_name_becomes_the_role(pack: CompiledPack) -> None:
    (a,) = annotate_text("وقال وزير الخارجية المصري سامح شكري إن المفاوضات ستستأنف.", pack).attributions
    assert (a.source_text, a.source_role, a.source_kind.value) == ("سامح شكري", "وزير الخارجية المصري", "person")


def test_name_after_a_title_and_a_comma_is_the_source(pack: CompiledPack) -> None:
    (a,) = annotate_text("وقال المدير العام للصليب الأحمر، إيف داكورد، إن المنظمة ستحقق.", pack).attributions
    assert (a.source_text, a.source_role) == ("إيف داكورد", "المدير العام للصليب الأحمر")


def test_offsets_point_into_the_original_text_with_its_diacritics(pack: CompiledPack) -> None:
    text = "وقــالَ المتحدّثُ باسمِ الحكومةِ إنّ الاجتماعَ انتهى، مؤكّداً أنّ النتائجَ إيجابيةٌ."
    for a in annotate_text(text, pack).attributions:
        for start, end, shown in ((a.cue_start, a.cue_end, a.cue_text), (a.source_start, a.source_end, a.source_text),
                                  (a.claim_start, a.claim_end, a.claim_text)):
            if start is not None:
                assert text[start:end] == shown


def test_a_frame_whose_source_is_only_punctuation_gives_no_attribution_with_an_empty_source(
        pack: CompiledPack) -> None:
    assert annotate_text("نقلا عن-", pack).attributions == []
    found = annotate_text("ذكرت وكالة الأنباء نقلا عن مصادر مطلعة أن الاجتماع انتهى.", pack).attributions
    assert found and all(a.source_start is None or a.source_start < a.source_end for a in found)
