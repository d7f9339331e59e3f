"""Matching: priorities decide between rules, quotations hide cues, runaway patterns stop."""

from __future__ import annotations

import re
from pathlib import Path

from annotate.engine import annotate_text
from annotate.matching import quoted_spans
from annotate.normalise import normalise
from annotate.pack import CompiledPack, load_pack


def test_the_loser_of_an_overlap_is_kept_with_its_reason(pack: CompiledPack) -> None:
    result = annotate_text("كشفت فرنسا الخميس أنها تعمل على مشروع قرار.", pack)
    assert [a.rule_id for a in result.attributions] == ["say.vso"]
    assert [(l.rule_id, l.reason) for l in result.lost] == [("say.announce-object", "lost to say.vso: priority 60 > 40")]


def test_a_cue_inside_a_quotation_is_the_speakers_not_the_articles(pack: CompiledPack) -> None:
    text = 'وقال الوزير: "لقد قال الناس إن الوضع صعب، وأكد الخبراء أن الحل قريب".'
    result = annotate_text(text, pack)
    assert [a.cue_text for a in result.attributions] == ["وقال"]
    assert {l.reason for l in result.lost} == {"the cue is inside a quotation"}


def test_stray_quote_marks_do_not_open_a_quotation() -> None:
    text = normalise('بالمدعو أباعود" مدبر الهجمات "أباعود". وقد ذكرت مصادر أن').text
    assert [text[s:e] for s, e in quoted_spans(text)] == ['"اباعود"']


def test_a_runaway_pattern_is_stopped_and_reported(tmp_path: Path) -> None:
    (tmp_path / "pack.yaml").write_text(
        "pack: {name: slow, version: 0.0.1, timeout_ms: 50}\n"
        "lexicons:\n  say: {form: verb, entries: [قال / يقول]}\n"
        "rules:\n  - id: runaway\n    description: nested repetition\n"
        "    pattern: '{cue:@say} (?:ا|اا)+ب'\n"
        "    examples: [{text: قال اب, cue: قال}]\n    counterexamples: [لا]\n", encoding="utf-8")
    pack = load_pack(tmp_path, cache=False)
    result = annotate_text("قال " + "ا" * 40 + "ج", pack)
    assert result.attributions == []
    assert result.warnings and "runaway" in result.warnings[0] and "stopped after 50 ms" in result.warnings[0]


def test_a_rule_is_tried_at_its_cue_words_when_only_look_arounds_stand_before_its_cue() -> None:
    """Every match of such a rule starts where its cue does, so trying it at the cue words
    finds what a search through the sentence would; anything that reads text first
    (a subject, a verb) makes the rule search the sentence."""
    from annotate.pack import opens_with_cue

    cue = "(?P<cue>قال)"
    assert opens_with_cue(f"(?<!x){cue} ان")
    assert opens_with_cue(rf"(?<!x)\s*{cue} ان")  # spaced: from the white space before the cue
    assert opens_with_cue(f"(?:(?<=،)|(?<=،\\s)){cue}")  # a split look-behind
    assert opens_with_cue(f"(?!سجل)(?:(?!(?<!^)[^وف]){cue} ان)")  # a not_before exclusion wraps the pattern
    assert opens_with_cue(f"(?:(?<=^)|(?<=،))(?>{cue} ان)")  # an atomic group
    assert not opens_with_cue(f"(?:الوزير|{cue})")  # another alternative reads text first
    assert not opens_with_cue(f"(?:(?<=،)|الوزير){cue}")  # a group that may read text
    assert not opens_with_cue(f"(?P<source>\\w+) {cue}")


def test_a_group_of_lexicons_is_guarded_and_matches_as_before(tmp_path: Path) -> None:
    """``(?:@a|@b)`` is compiled with a look-ahead of both lexicons' forms in one trie in front:
    it makes ``re`` reject a place none of them opens in one step, and changes no match,
    with prefixes one lexicon allows and another does not, and with glued lexicons (``@+``)."""
    from annotate.rules.compiler import LETTER

    (tmp_path / "pack.yaml").write_text(
        "pack: {name: guard, version: 0.0.1}\n"
        "lexicons:\n"
        "  say: {form: verb, entries: [قال / يقول]}\n"
        "  heads: {prefixes: [و, ل, لل], entries: [وزير, وزارة, وزارة الخارجية, وكالة الأنباء, وفقا ل]}\n"
        "  states: {entries: [مصر, لبنان]}\n"
        "rules:\n"
        "  - id: svo\n    description: a head, then its verb\n"
        "    pattern: '(?:ال)?(?:@heads|@states)(?: \\p{L}+)? {cue:@say}'\n"
        "    examples: [{text: الوزارة قالت, cue: قالت}]\n    counterexamples: [قال]\n"
        "  - id: glued\n    description: a verb, then a head glued to بـ\n"
        "    pattern: '{cue:@say} ب(?:@+heads|@+states)'\n"
        "    examples: [{text: قال بمصر, cue: قال}]\n    counterexamples: [قال بيروت]\n"
        "  - id: optional\n    description: a verb, then maybe a head\n"
        "    pattern: '{cue:@say} (?:@heads|@states)?'\n"
        "    examples: [{text: قال مصر, cue: قال}]\n    counterexamples: [مصر]\n", encoding="utf-8")
    pack = load_pack(tmp_path, cache=False)
    rules = {rule.id: rule.regex for rule in pack.rules}
    say, heads, states = (pack.lexicons[name] for name in ("say", "heads", "states"))
    plain = {  # the same rules as they were compiled before the guard
        "svo": re.compile(rf"(?:ال)?(?:{heads.pattern}|{states.pattern})(?:\s+{LETTER}+)?\s+(?P<cue>{say.pattern})"
                          .replace(r"\p{L}", LETTER)),
        "glued": re.compile(rf"(?P<cue>{say.pattern})\s+ب(?:{heads.glued}|{states.glued})".replace(r"\p{L}", LETTER)),
    }
    assert all(rules[rule_id].pattern.count("(?=") > plain[rule_id].pattern.count("(?=") for rule_id in plain)
    assert "(?=" not in rules["optional"].pattern  # a group that may match nothing is not guarded
    texts = ["الوزير قال", "ووزير قال", "للوزارة الخارجية قالت", "لمصر قال", "ولبنان قال", "ولمصر قال", "لوزيرة قال",
             "وكالة الأنباء قالت", "وفقا لمصر قال", "مصرية قالت", "قال بوزارة الخارجية", "قال بمصر", "قال بلبنانيين",
             "قال بوفقا لهم", "قال بالوزير"]

    def found(m: re.Match[str] | None) -> tuple[tuple[int, int], tuple[int, int]] | None:
        return None if m is None else (m.span(), m.span("cue"))

    for rule_id, reference in plain.items():
        for text in texts:
            for at in range(len(text) + 1):
                assert found(rules[rule_id].match(text, at)) == found(reference.match(text, at)), (rule_id, text, at)
