"""The mistakes rule authors make, each with the message they see (issues 11 and 12)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from annotate.errors import RulePackError
from annotate.pack import load_pack

PACK_YAML = "pack:\n  name: tiny\n  version: 0.0.1\n"
LEXICON = "lexicons:\n  say:\n    form: verb\n    entries: [قال / يقول]\n"
RULE = """\
  - id: say.colon
    description: colon speech
    pattern: '{cue:@say}:'
    examples: [{text: 'قال: نعم', cue: قال}]
    counterexamples: [قالها]
"""


def _problems(folder: Path, files: dict[str, str]) -> list[str]:
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    with pytest.raises(RulePackError) as caught:
        load_pack(folder, cache=False)
    return [str(p) for p in caught.value.problems]


def test_a_lexicon_written_twice_in_one_file_names_both_lines(tmp_path: Path) -> None:
    problems = _problems(tmp_path, {"pack.yaml": PACK_YAML + LEXICON + "  say:\n    entries: [ذكر]\n"})
    assert problems == [f"{tmp_path.name}/pack.yaml:8: 'say' is written twice in the same mapping (lines 5 and 8); "
                        "YAML would keep only the second: merge them or rename one"]


def test_a_file_that_does_not_parse_gives_the_yaml_error_alone_with_column_and_advice(tmp_path: Path) -> None:
    # the lexicon file is broken; the rule file that uses its lexicon must not add "unknown lexicon" errors
    problems = _problems(tmp_path, {
        "pack.yaml": PACK_YAML,
        "lexicons.yaml": "lexicons:\n  say:\n    form: verb\n   entries: [قال / يقول]\n",
        "rules.yaml": "rules:\n" + RULE,
    })
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{tmp_path.name}/lexicons.yaml:4:4: not valid YAML: ")
    assert "indentation" in problems[0]


def test_a_value_with_a_colon_gets_advice_to_quote_it(tmp_path: Path) -> None:
    problems = _problems(tmp_path, {"pack.yaml": PACK_YAML + "macros:\n  colon: قال: نعم\n"})
    assert problems == [f"{tmp_path.name}/pack.yaml:5:13: not valid YAML: mapping values are not allowed in this context; a "
                        "value that holds ': ' must be quoted ('…'), or this line is indented deeper than the key "
                        "above it"]


def test_a_broken_lexicon_does_not_make_its_users_report_unknown_lexicon(tmp_path: Path) -> None:
    problems = _problems(tmp_path, {
        "pack.yaml": PACK_YAML + "lexicons:\n  say:\n    form: verbb\n    entries: [قال / يقول]\n",
        "rules.yaml": "rules:\n" + RULE,
    })
    assert len(problems) == 1 and "[say]: lexicons.say.form: 'verbb' is not allowed" in problems[0], problems


def test_a_compile_error_is_placed_in_the_authors_pattern_not_the_expansion(tmp_path: Path) -> None:
    rule = RULE.replace("'{cue:@say}:'", "'{cue:@say} (?:ان'")
    problems = _problems(tmp_path, {"pack.yaml": PACK_YAML + LEXICON, "rules.yaml": "rules:\n" + rule})
    assert problems == [f"{tmp_path.name}/rules.yaml:4 [say.colon]: pattern does not compile: missing ) at column "
                        "17, after '{cue:@say} (?:ان'"]


def test_a_compile_error_inside_a_macro_names_the_macro_and_its_line(tmp_path: Path) -> None:
    rule = RULE.replace("'{cue:@say}:'", "'{cue:@say} {claim:that}'")
    problems = _problems(tmp_path, {"pack.yaml": PACK_YAML + LEXICON + "macros:\n  that: '[ان'\n",
                                    "rules.yaml": "rules:\n" + rule})
    assert problems == [f"{tmp_path.name}/pack.yaml:9 [that]: macro does not compile: unterminated character set "
                        "at column 4, after '[ان' (used by say.colon)"]


def test_an_unknown_macro_when_none_is_defined_says_so(tmp_path: Path) -> None:
    rule = RULE.replace("'{cue:@say}:'", "'{cue:@say} {word}'")
    problems = _problems(tmp_path, {"pack.yaml": PACK_YAML + LEXICON, "rules.yaml": "rules:\n" + rule})
    assert problems == [f"{tmp_path.name}/rules.yaml:4 [say.colon]: unknown macro 'word'; no macros are defined"]


def test_schema_errors_do_not_hide_compile_errors_of_other_rules(tmp_path: Path) -> None:
    broken = RULE.replace("say.colon", "bad.kind").replace("    examples:", "    kind: media_outlet\n    examples:")
    other = RULE.replace("say.colon", "bad.lexicon").replace("@say}", "@sya}")
    problems = _problems(tmp_path, {"pack.yaml": PACK_YAML + LEXICON, "rules.yaml": "rules:\n" + broken + other})
    assert any("[bad.kind]: rules.0.kind: 'media_outlet' is not allowed" in p for p in problems)
    assert any("[bad.lexicon]: unknown lexicon 'sya'; did you mean say?" in p for p in problems)


def test_a_yaml_alias_bomb_is_refused_at_once_without_expanding_it(tmp_path: Path) -> None:
    bomb = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n' + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},"
        f"*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]\n" for i in range(8))
    text = bomb + PACK_YAML.replace("version: 0.0.1", "version: *i")
    started = time.perf_counter()
    problems = _problems(tmp_path, {"pack.yaml": text})
    assert time.perf_counter() - started < 5
    assert problems == [f"{tmp_path.name}/pack.yaml:1: YAML aliases (*name) and anchors (&name) are not allowed in "
                        "rule files: write the value out (a macro shares a pattern, a lexicon a list); this value is "
                        "reused"]


def test_macros_that_double_each_other_are_refused_naming_the_macro(tmp_path: Path) -> None:
    macros = "macros:\n  m0: 'ab'\n" + "".join(f"  m{i}: '{{m{i - 1}}}{{m{i - 1}}}'\n" for i in range(1, 25))
    rule = RULE.replace("'{cue:@say}:'", "'{cue:@say} {m24}'")
    started = time.perf_counter()
    problems = _problems(tmp_path, {"pack.yaml": PACK_YAML + LEXICON + macros, "rules.yaml": "rules:\n" + rule})
    assert time.perf_counter() - started < 5
    assert len(problems) == 1 and "pack.yaml:24 [m15]: 'm15' expands to 327,672 characters" in problems[0], problems
    assert "more than the 200,000 allowed" in problems[0]


def test_a_lexicon_too_large_to_compile_is_refused(tmp_path: Path) -> None:
    entries = ", ".join(f"كلمة{i}" for i in range(20_001))
    problems = _problems(tmp_path, {"pack.yaml": PACK_YAML + f"lexicons:\n  huge:\n    entries: [{entries}]\n"})
    assert problems == [f"{tmp_path.name}/pack.yaml:5 [huge]: 20,001 entries is more than a lexicon may hold "
                        "(20,000); split it by meaning into several lexicons"]


def test_patterns_in_ordinary_spelling_match_like_normalised_ones(tmp_path: Path) -> None:
    (tmp_path / "pack.yaml").write_text(PACK_YAML + LEXICON + """\
rules:
  - id: say.saying
    description: a participle of saying after the verb, written in ordinary spelling
    pattern: '{cue:@say} {claim:قائلةً [^\\n]+}'
    examples: [{text: 'قال قائلة إن الأمر انتهى', cue: قال}]
    counterexamples: [قالها]
""".replace("{claim:قائلةً [^\\n]+}", "{claim:rest}") + "macros:\n  rest: 'قائلةً [^\\n]+'\n", encoding="utf-8")
    pack = load_pack(tmp_path, cache=False)
    assert pack.rules[0].regex.search("قال قاءله إن الأمر انتهى") is not None


def test_an_indentation_mistake_that_still_parses_gives_its_own_errors_only(tmp_path: Path) -> None:
    lexicon = "lexicons:\n  say:\n    form: verb\n  entries: [قال / يقول]\n"  # entries dedented by two spaces
    problems = _problems(tmp_path, {"pack.yaml": PACK_YAML + lexicon, "rules.yaml": "rules:\n" + RULE})
    assert problems == [
        f"{tmp_path.name}/pack.yaml:5 [say]: lexicons.say.entries: required key is missing",
        f"{tmp_path.name}/pack.yaml:7 [entries]: lexicons.entries: expected a mapping (key: value), found list value"]


def test_a_failing_example_is_reported_at_its_own_line(tmp_path: Path) -> None:
    from annotate.rules.check import check_pack

    (tmp_path / "pack.yaml").write_text(PACK_YAML + LEXICON + """\
rules:
  - id: say.colon
    description: colon speech
    pattern: '{cue:@say}:'
    examples:
      - {text: 'قال: نعم', cue: قال}
      - {text: 'قال إن الأمر انتهى', cue: قال}
    counterexamples:
      - قالها
      - 'يقول: لا'
""", encoding="utf-8")
    failures = [str(p) for p in check_pack(load_pack(tmp_path, cache=False)).failures]
    assert failures == [
        f"{tmp_path.name}/pack.yaml:14 [say.colon]: example 'قال إن الأمر انتهى': expected cue 'قال' from this rule, "
        "found nothing",
        f"{tmp_path.name}/pack.yaml:17 [say.colon]: counterexample 'يقول: لا' matched: cue 'يقول'"]


def test_a_rule_file_too_large_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    entries = ", ".join(["كلمة"] * 900_000)  # about 10 MB
    problems = _problems(tmp_path, {"pack.yaml": PACK_YAML + f"lexicons:\n  huge:\n    entries: [{entries}]\n"})
    assert len(problems) == 1 and problems[0].startswith(f"{tmp_path.name}/pack.yaml: ")
    assert "bytes is more than a rule file may hold (4,000,000); split it into several files" in problems[0]
