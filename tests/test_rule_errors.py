"""A broken rule file gives every problem at once, each with its file, line and rule id."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from annotate.errors import RulePackError
from annotate.pack import load_pack

PACK_YAML = "pack:\n  name: tiny\n  version: 0.0.1\n"
LEXICON = "lexicons:\n  say:\n    form: verb\n    entries: [قال / يقول]\n"


def _pack(tmp_path: Path, rules: str) -> Path:
    (tmp_path / "pack.yaml").write_text(PACK_YAML + LEXICON, encoding="utf-8")
    (tmp_path / "rules.yaml").write_text(rules, encoding="utf-8")
    return tmp_path


def _problems(tmp_path: Path, rules: str) -> list[str]:
    with pytest.raises(RulePackError) as caught:
        load_pack(_pack(tmp_path, rules), cache=False)
    return [str(p) for p in caught.value.problems]


def test_three_mistakes_are_reported_together_with_file_line_and_rule(tmp_path: Path) -> None:
    problems = _problems(tmp_path, """\
rules:
  - id: good.rule
    description: fine
    pattern: '{cue:@say} {claim:that}'
    examples: [{text: قال إن, cue: قال}]
    counterexamples: [لا]
  - id: bad.kind
    description: a kind that does not exist
    pattern: '{cue:@say}'
    kind: media_outlet
    examples: [{text: قال, cue: قال}]
    counterexamples: [لا]
  - id: no.examples
    description: forgot its examples
    pattern: '{cue:@say}'
    counterexamples: [لا]
  - id: typo.key
    descripton: misspelt key
    pattern: '{cue:@say}'
    examples: [{text: قال, cue: قال}]
    counterexamples: [لا]
""")
    # the schema errors do not hide the compile error of the valid rule (no macro 'that')
    assert len(problems) == 5, problems
    assert any("rules.yaml:4 [good.rule]: unknown macro 'that'; no macros are defined" in p for p in problems)
    assert any("rules.yaml:10 [bad.kind]" in p and "media_outlet" in p and "person" in p for p in problems)
    assert any("rules.yaml:13 [no.examples]" in p and "examples" in p for p in problems)
    assert any("[typo.key]" in p and "descripton" in p and "unknown key" in p for p in problems)
    assert any("[typo.key]" in p and "description" in p and "missing" in p for p in problems)


def test_unknown_macro_and_lexicon_names_suggest_the_right_one(tmp_path: Path) -> None:
    problems = _problems(tmp_path, """\
macros:
  that: 'ان'
rules:
  - id: typo.refs
    description: misspelt references
    pattern: '{cue:@sya} {claim:taht}'
    examples: [{text: قال إن, cue: قال}]
    counterexamples: [لا]
""")
    assert any("rules.yaml:6 [typo.refs]" in p and "'sya'" in p and "did you mean say" in p for p in problems)
    assert any("'taht'" in p and "did you mean that" in p for p in problems)


def test_yaml_syntax_error_is_located(tmp_path: Path) -> None:
    problems = _problems(tmp_path, "rules:\n  - id: x\n    pattern: '{cue:@say}\n  - broken: [\n")
    assert len(problems) == 1 and problems[0].startswith(f"{tmp_path.name}/rules.yaml:") and "not valid YAML" in problems[0]


def test_duplicate_ids_name_both_places(tmp_path: Path) -> None:
    rule = """\
  - id: same.id
    description: twice
    pattern: '{cue:@say}'
    examples: [{text: قال, cue: قال}]
    counterexamples: [لا]
"""
    problems = _problems(tmp_path, "rules:\n" + rule + rule)
    assert problems == [f"{tmp_path.name}/rules.yaml:9 [same.id]: id is already used at {tmp_path.name}/rules.yaml:4; "
                        "ids must be unique"]


def test_a_pattern_that_does_not_compile_is_located(tmp_path: Path) -> None:
    problems = _problems(tmp_path, """\
rules:
  - id: bad.regex
    description: unbalanced
    pattern: '{cue:@say} (?:ان'
    examples: [{text: قال إن, cue: قال}]
    counterexamples: [لا]
""")
    assert len(problems) == 1 and "rules.yaml:4 [bad.regex]: pattern does not compile" in problems[0]


@pytest.mark.parametrize("enabled", [True, False])
def test_a_load_that_fails_leaves_the_cycle_collector_as_it_found_it(tmp_path: Path, enabled: bool) -> None:
    # the collector is paused while a pack is built; a broken pack must not leave it off (or on)
    was = gc.isenabled()
    _set_collector(enabled)
    try:
        _problems(tmp_path, "rules:\n  - id: broken\n    pattern: '{cue:@nowhere}'\n")
        assert gc.isenabled() is enabled
        load_pack(_pack(tmp_path, ""), cache=False)
        assert gc.isenabled() is enabled
    finally:
        _set_collector(was)


def _set_collector(enabled: bool) -> None:
    if enabled:
        gc.enable()
    else:
        gc.disable()
