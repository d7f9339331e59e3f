"""The seed article holds exactly the twelve attributions of the guide (section 6)."""

from __future__ import annotations

from annotate.engine import annotate_text
from annotate.pack import CompiledPack

# cue → source (None: implicit), type, kind, antecedent source (implicit / back-reference)
GUIDE = [
    ("وفق ما أوردته", "وسائل إعلام فلسطينية", "anonymous", "unnamed_media", None),
    ("ذكرت", "وكالة الأنباء الصينية “شينخوا”", "named", "media", None),
    ("نقلًا عن", "مصادر مصرية مطلعة", "anonymous", "unnamed_source", None),
    ("أشارت", "المصادر", "anonymous", "unnamed_source", "مصادر مصرية مطلعة"),
    ("موضحة", None, "anonymous", "unnamed_source", "المصادر"),
    ("أفادت", "مصادر فلسطينية", "anonymous", "unnamed_source", None),
    ("ترى", "مصادر مطلعة", "anonymous", "unnamed_source", None),
    ("كشفت", "فرنسا", "named", "government", None),
    ("قال", "باسكال كونفافرو", "named", "person", None),
    ("أوضح", None, "named", "person", "باسكال كونفافرو"),
    ("مؤكدًا", None, "named", "person", "باسكال كونفافرو"),
    ("يرى", "مراقبون", "anonymous", "collective", None),
]


def _bare(cue: str) -> str:
    return cue[1:] if cue[:1] in "وف" and len(cue) > 3 else cue


def test_seed_article_gives_exactly_the_twelve_attributions_of_the_guide(pack: CompiledPack, seed_text: str) -> None:
    found = annotate_text(seed_text, pack, "seed").attributions
    assert len(found) == 12
    for attribution, (cue, source, source_type, kind, antecedent) in zip(found, GUIDE):
        assert _bare(attribution.cue_text) == cue
        assert attribution.source_text == source
        assert attribution.implicit == (source is None)
        assert (attribution.source_type, attribution.source_kind.value) == (source_type, kind)
        if antecedent is not None:
            assert attribution.antecedent_id is not None
            assert found[attribution.antecedent_id].source_text == antecedent
        assert seed_text[attribution.cue_start:attribution.cue_end] == attribution.cue_text


def test_xinhua_relays_the_egyptian_sources(pack: CompiledPack, seed_text: str) -> None:
    found = annotate_text(seed_text, pack, "seed").attributions
    xinhua, sources = found[1], found[2]
    assert xinhua.origin_id == sources.attribution_id
    assert xinhua.claim_text == sources.claim_text and xinhua.claim_text.startswith("أن مصر تمارس")
    # a named outlet relaying anonymous sources is an anonymous claim (guide, section 3)
    assert xinhua.credibility_grade == sources.credibility_grade == "D"


def test_pascal_confavreux_has_his_role_and_his_claims(pack: CompiledPack, seed_text: str) -> None:
    found = annotate_text(seed_text, pack, "seed").attributions
    assert found[8].source_role == "المتحدث باسم وزارة الخارجية الفرنسية"
    assert found[8].credibility_grade == "A"
    # the claim of وأوضح ends where the participle opens a new clause
    assert found[9].claim_text.endswith("خلال الأيام المقبلة”")


def test_page_furniture_is_found_and_never_matched(pack: CompiledPack, seed_text: str) -> None:
    result = annotate_text(seed_text, pack, "seed")
    assert [span.text for span in result.furniture] == [
        "العالم العربيفلسطينمصر", "المزيد", "اترك تعليقاً",
        "لن يتم نشر عنوان بريدك الإلكتروني. الحقول الإلزامية مشار إليها بـ *", "زر الذهاب إلى الأعلى",
    ]
    for span in result.furniture:
        assert seed_text[span.start:span.end] == span.text
        assert all(not (span.start <= a.cue_start < span.end) for a in result.attributions)
