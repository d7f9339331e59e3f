"""The word conditions of source-kind rules: skipping a rule never changes a phrase's kind."""

from __future__ import annotations

import dataclasses
import json
import random
from pathlib import Path

import pytest

from annotate import pipeline, sources
from annotate.normalise import normalise
from annotate.pack import CompiledPack
from annotate.rules.compiler import to_std_re
from annotate.rules.kind_filter import kind_index, lexicon_pieces, word_condition

REPO = Path(__file__).resolve().parent.parent
# shared/ sits beside the repository (CI) or beside the folder of work trees
CORPUS = next((p for p in (REPO.parent / "shared" / "corpus" / "news-dev.jsonl",
                           REPO.parent.parent / "shared" / "corpus" / "news-dev.jsonl") if p.exists()), None)


def _plain(pack: CompiledPack) -> CompiledPack:
    """The same pack without its index: every rule is searched, as before the index."""
    return dataclasses.replace(pack, kind_index=None)


def _assert_sound(pack: CompiledPack, texts: list[str]) -> None:
    """Every rule that matches a text is one the index lets through for it."""
    index = pack.kind_index
    assert index is not None
    for text in texts:
        allowed = index.possible(text)
        for i, rule in enumerate(pack.kind_rules):
            if rule.regex.search(text):
                assert allowed >> i & 1, f"{rule.id} matches {text!r} but its word condition skips it"


def test_an_anchored_lexicon_pattern_is_bounded_by_its_first_word() -> None:
    condition = word_condition(r"^(?:ال)?(?:مصدر|مصادر)(?![^\W\d_])")
    assert condition is not None
    assert condition.first == {"مصدر", "مصادر", "المصدر", "المصادر"}
    assert condition.allows("مصادر مطلعة") and not condition.allows("مصدرها الوحيد")


def test_a_word_read_to_a_space_is_complete_and_one_cut_short_is_a_prefix() -> None:
    assert word_condition(r"^عدد\s+من").first == {"عدد"}
    condition = word_condition(r"^ال[^\W\d_]{3,}(?:ون|ين)")
    assert condition is not None and condition.first_prefixes == ("ال",)
    assert condition.allows("المستثمرون") and not condition.allows("مستثمرون")


def test_a_pattern_opening_at_a_word_start_is_bounded_by_any_word() -> None:
    condition = word_condition(r"(?<![^\W\d_])(?:و|ف)?(?:طلب عدم الكشف)(?![^\W\d_])")
    assert condition is not None and condition.any_word == {"طلب", "وطلب", "فطلب"}
    assert condition.allows("مسؤول طلب عدم الكشف عن اسمه") and not condition.allows("مسؤول في الوزارة")


def test_what_the_analysis_cannot_follow_leaves_the_word_read_so_far_as_a_prefix() -> None:
    condition = word_condition(r"^(ق)\1ال")  # a back reference: any letters may follow
    assert condition is not None and condition.first_prefixes == ("ق",)


def test_a_phrase_opening_with_no_letter_has_an_empty_first_word() -> None:
    condition = word_condition(r"^[\d٠-٩]+\s*%")
    assert condition is not None and condition.first == {""}
    assert condition.allows("63 %") and not condition.allows("نحو 63 %")


@pytest.mark.parametrize("pattern", [".", r"[^\W\d_]{2,}و", r"(?i)^abc", r"(?m)^abc", r"^[^،]", r"x?", r"\bقال"])
def test_a_pattern_whose_words_cannot_be_bounded_gets_no_condition(pattern: str) -> None:
    assert word_condition(pattern) is None


def test_a_rule_the_regex_module_runs_is_always_tried() -> None:
    index = kind_index([None, r"^قال"])
    assert index.always == 1 and index.possible("قال") == 0b11 and index.possible("اكد") == 0b01


def test_every_kind_rule_example_is_typed_as_without_the_index(pack: CompiledPack) -> None:
    plain = _plain(pack)
    texts = [normalise(t).text for rule in pack.kind_rules
             for t in (*rule.spec.examples, *rule.spec.counterexamples)]
    _assert_sound(pack, texts)
    for text in texts:
        for phrase in (text, "ل" + text, "لل" + text.removeprefix("ال")):  # as after وفقا لـ
            assert sources.classify(phrase, pack) == sources.classify(phrase, plain), phrase


def test_the_bundled_rules_mostly_have_a_condition(pack: CompiledPack) -> None:
    index = pack.kind_index
    assert index is not None and len(index.conditions) == len(pack.kind_rules)
    bounded = sum(c is not None for c in index.conditions)
    assert bounded >= len(pack.kind_rules) - 3, [r.id for r, c in zip(pack.kind_rules, index.conditions) if c is None]
    assert index.conditions[-1] is None  # the fallback takes any phrase


def test_phrases_built_from_the_lexicons_never_lose_a_matching_rule(pack: CompiledPack) -> None:
    """Forms of every lexicon with the article, a clitic, a demonstrative or a quantifier
    before them and a word after: the texts the kind rules are written for."""
    rng = random.Random(8)
    forms = sorted({form for lexicon in pack.lexicons.values() for form in lexicon.forms})
    openers = ["", "ال", "و", "ل", "لل", "بال", "هذه ال", "بعض ", "عدد من ال", "احد ال", "عدد اخر من "]
    closers = ["", " الامريكي", " مطلعه", " في الوزاره", "ون", "ين", ' "سكاي نيوز"', " صادر عن", " 24", "،"]
    texts = [rng.choice(openers) + rng.choice(forms) + rng.choice(closers) for _ in range(6000)]
    texts += ["", " ", "63 بالمءه", "٪", "ابو الحسن", "منظمو اللقاء", "المستثمرون الاجانب"]
    _assert_sound(pack, texts)


def test_the_index_survives_pickling(pack: CompiledPack) -> None:
    import pickle

    index = pack.kind_index
    assert pickle.loads(pickle.dumps(index)) == index


def test_the_index_is_derived_from_what_re_runs(pack: CompiledPack) -> None:
    """The pack reads its lexicons from their first words; parsed whole, the patterns give the same tables."""
    parsed_whole = kind_index(r.regex.pattern if r.engine.module == "re" else None for r in pack.kind_rules)
    assert parsed_whole == pack.kind_index
    assert all(to_std_re(r.regex.pattern) == r.regex.pattern for r in pack.kind_rules if r.engine.module == "re")


def test_a_lexicon_piece_before_a_quantifier_is_parsed_as_written(pack: CompiledPack) -> None:
    """``@lex?`` makes only the piece's last group optional: that occurrence is not read as the lexicon."""
    lexicon = pack.lexicons["countries"]
    piece = to_std_re(lexicon.glued)
    assert piece is not None
    pieces = lexicon_pieces([lexicon])
    for pattern in (f"^(?:ال)?{piece}", f"^(?:ال)?{piece}?", f"^(?:{piece}|{piece})", f"^{piece}+"):
        assert word_condition(pattern, pieces) == word_condition(pattern), pattern


@pytest.mark.skipif(CORPUS is None, reason="needs ../shared/corpus/news-dev.jsonl")
def test_source_phrases_of_a_corpus_slice_are_typed_as_without_the_index(
        pack: CompiledPack, monkeypatch: pytest.MonkeyPatch) -> None:
    assert CORPUS is not None
    plain = _plain(pack)
    classify = sources.classify
    phrases: dict[str, tuple[object, object]] = {}

    def both(phrase: str, used: CompiledPack) -> tuple[object, str]:
        result = classify(phrase, used)
        if phrase not in phrases:
            phrases[phrase] = (result, classify(phrase, plain))
        return result

    monkeypatch.setattr(sources, "classify", both)
    with CORPUS.open(encoding="utf-8") as handle:
        articles = [{"doc_id": r["id"], "text": r["text"], "meta": {}}
                    for r in map(json.loads, (next(handle) for _ in range(150)))]
    pipeline.annotate_batch(articles, pack)
    assert len(phrases) > 200
    differ = {p: pair for p, pair in phrases.items() if pair[0] != pair[1]}
    assert not differ
    _assert_sound(pack, [c for p in phrases for c in sources._without_lam(p)])
