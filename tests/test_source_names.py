"""source_key within an article: titles off, pointers followed, surnames merged."""

from __future__ import annotations

from annotate import annotate_text
from annotate.pack import CompiledPack
from annotate.source_names import display_name, fold, looks_like_name, source_keys, strip_titles

from record_factories import attribution


def keys(text: str, pack: CompiledPack) -> list[tuple[str | None, str | None]]:
    return [(a.source_text, a.source_key) for a in annotate_text(text, pack).attributions]


def test_display_name_drops_diacritics_and_a_quote_cut_in_half() -> None:
    assert display_name("مصادرُ مطّلعة") == "مصادر مطلعة"
    assert display_name("وكالة الأنباء الصينية “شينخوا”") == 'وكالة الأنباء الصينية "شينخوا"'
    assert display_name('صحيفة "عكاظ') == "صحيفة عكاظ"
    assert display_name("رويترز،") == "رويترز"
    assert display_name('"فرانس برس"') == "فرانس برس"


def test_fold_makes_spelling_variants_equal() -> None:
    assert fold("إيمانويل ماكرون") == fold("ايمانويل ماكرون")
    assert fold("وكالة الأنباء «شينخوا»") == fold('وكالة الانباء "شينخوا"')


def test_titles_honorifics_and_nationalities_are_removed_from_persons(pack: CompiledPack) -> None:
    assert strip_titles("الرئيس ترامب", pack) == "ترامب"
    assert strip_titles("الدكتورة هالة زايد", pack) == "هالة زايد"
    assert strip_titles("نظيره الفرنسي إيمانويل ماكرون", pack) == "إيمانويل ماكرون"
    assert strip_titles("السوري بشار الأسد", pack) == "بشار الأسد"
    assert strip_titles("المتحدثة باسمه ساره ساندرز", pack) == "ساره ساندرز"
    assert strip_titles("عادل الجبير", pack) == "عادل الجبير"
    assert strip_titles("الشيخ", pack) == "الشيخ"  # nothing else left: the title stays


def test_seed_back_reference_and_implicit_cues_take_the_antecedents_key(pack: CompiledPack, seed_text: str) -> None:
    result = annotate_text(seed_text, pack)
    by_cue = {a.cue_text: a.source_key for a in result.attributions}
    assert by_cue["نقلًا عن"] == "مصادر مصرية مطلعة"
    assert by_cue["وأشارت"] == "مصادر مصرية مطلعة"  # المصادر points back
    assert by_cue["موضحة"] == "مصادر مصرية مطلعة"  # implicit, through the back-reference
    assert by_cue["وأوضح"] == by_cue["مؤكدًا"] == "باسكال كونفافرو"


def test_a_surname_takes_the_full_name_of_the_same_article(pack: CompiledPack) -> None:
    text = "قال الرئيس الأمريكي دونالد ترامب إن الاتفاق سيء. وأضاف ترامب أن بلاده ستنسحب."
    assert [k for _, k in keys(text, pack)] == ["دونالد ترامب", "دونالد ترامب"]


def test_a_surname_shared_by_two_full_names_is_left_alone() -> None:
    text = "قال دونالد ترامب كذا. قالت إيفانكا ترامب كذا. وقال ترامب كذا."
    rows = [attribution(text, 0, "قال دونالد", "دونالد ترامب", "person"),
            attribution(text, 1, "قالت", "إيفانكا ترامب", "person"),
            attribution(text, 2, "وقال", "ترامب", "person")]
    assert source_keys(rows, None) == ["دونالد ترامب", "إيفانكا ترامب", "ترامب"]


def test_a_bare_reference_with_nothing_to_point_to_has_no_key(pack: CompiledPack) -> None:
    assert keys("وقال البيان إن الاجتماع انتهى.", pack) == [("البيان", None)]


def test_a_definite_proper_name_keeps_its_key(pack: CompiledPack) -> None:
    assert keys("وقالت الجزيرة إن الاجتماع انتهى.", pack)[0][1] == "الجزيرة"


def test_an_unresolved_source_has_no_key() -> None:
    text = "وأوضح أن الأمر انتهى."
    row = attribution(text, 0, "وأوضح", None, "person")
    row = row.model_copy(update={"source_type": "unresolved", "source_kind": "unresolved"})
    assert source_keys([row], None) == [None]


def test_only_name_like_phrases_absorb_a_surname() -> None:
    assert looks_like_name("دونالد ترامب")
    assert not looks_like_name("الرئيسان الفرنسي إيمانويل ماكرون والأمريكي دونالد ترامب")
    assert not looks_like_name("على ذلك")
    assert not looks_like_name("الوزراء العرب")
