"""Document profiles: counts by type, kind and grade; sources; chains; quiet sentences."""

from __future__ import annotations

from record_factories import attribution, result

from annotate.profile import distinct_sources, profile_document, source_key

TEXT = (
    "العالم العربيفلسطينمصر\n"
    "ذكرت وكالة شينخوا نقلًا عن مصادر مصرية مطلعة أن الوفد وصل.\n"
    "وأشارت المصادر إلى أن المحادثات مستمرة.\n"
    "وقال باسكال كونفافرو إن فرنسا قلقة.\n"
    "وأوضح أن الوضع صعب.\n"
    "الطقس حار اليوم.\n"
    "اترك تعليقاً"
)


def _seed_like():
    atts = [
        attribution(TEXT, 0, "ذكرت", "وكالة شينخوا", "media", origin_id=1),
        attribution(TEXT, 1, "نقلًا عن", "مصادر مصرية مطلعة", "unnamed_source", claim="أن الوفد وصل"),
        attribution(TEXT, 2, "وأشارت", "المصادر", "unnamed_source", antecedent_id=1,
                    claim="أن المحادثات مستمرة"),
        attribution(TEXT, 3, "وقال", "باسكال كونفافرو", "person", claim="إن فرنسا قلقة"),
        attribution(TEXT, 4, "وأوضح", None, "person", antecedent_id=3, antecedent_text="باسكال كونفافرو",
                    claim="أن الوضع صعب"),
    ]
    return result(TEXT, atts, furniture=("العالم العربيفلسطينمصر", "اترك تعليقاً"))


def test_profile_counts_types_kinds_grades_and_chains() -> None:
    profile = profile_document(_seed_like(), "default-0.1.0-abc")
    assert (profile.attributions, profile.named, profile.anonymous) == (5, 3, 2)
    assert profile.anonymous_share == 0.4
    assert (profile.kind_media, profile.kind_unnamed_source, profile.kind_person) == (1, 2, 2)
    assert (profile.grade_A, profile.grade_C, profile.grade_D, profile.grade_E) == (2, 1, 2, 0)
    assert profile.implicit == 1
    assert profile.chains == 1
    assert profile.pack_version == "default-0.1.0-abc"
    assert (profile.sentences, profile.furniture_lines, profile.characters) == (7, 2, len(TEXT))


def test_implicit_sources_and_back_references_are_not_new_sources() -> None:
    # Xinhua, the Egyptian sources (also behind المصادر), Confavreux (also behind وأوضح)
    assert distinct_sources(_seed_like().attributions) == 3


def test_unattributed_sentences_skip_furniture_and_sentences_with_cues() -> None:
    # only "الطقس حار اليوم." holds no cue and no claim
    assert profile_document(_seed_like(), "v").unattributed_sentences == 1


def test_empty_document_has_no_anonymous_share() -> None:
    profile = profile_document(result("خبر بلا مصادر.", []), "v")
    assert profile.attributions == 0 and profile.anonymous_share is None
    assert profile.unattributed_sentences == 1 and profile.distinct_sources == 0


def test_source_key_folds_diacritics_hamza_and_punctuation() -> None:
    assert source_key("مصادرُ مُطّلِعة،") == source_key("مصادر مطلعه")
    assert source_key("وكالة «الأنباء»") == "وكاله الانباء"


def test_engine_warnings_reach_the_document_row() -> None:
    stopped = result("قال.", []).model_copy(update={"warnings": ["rule 'x' was stopped after 200 ms on sentence 3"]})
    assert profile_document(stopped, "p-1").warnings == ["rule 'x' was stopped after 200 ms on sentence 3"]
