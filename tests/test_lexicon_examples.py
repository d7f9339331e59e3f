"""Lexicons carry examples, `rules check` runs them, and entries spelt like other words are reported."""

from __future__ import annotations

import shutil
from pathlib import Path

from annotate.pack import CompiledPack, load_pack
from annotate.rules.check import check_pack, lexicon_collisions, unproven_homographs

from tiny_pack import COLON_RULE

REPO = Path(__file__).resolve().parent.parent
PACK_YAML = "pack:\n  name: tiny\n  version: 0.0.1\n"
RULES = COLON_RULE


def _pack(tmp_path: Path, lexicon: str) -> CompiledPack:
    (tmp_path / "pack.yaml").write_text(PACK_YAML + lexicon + RULES, encoding="utf-8")
    return load_pack(tmp_path, cache=False)


def test_lexicon_examples_and_counterexamples_run_and_fail_at_their_own_line(tmp_path: Path) -> None:
    pack = _pack(tmp_path, """\
lexicons:
  say:
    form: verb
    entries: [قال / يقول, دوّن / يدوّن]
    homographs: [دون]
    examples:
      - {text: 'قال الوزير: نعم', cue: قال}
      - {text: 'دوّن المراقب: لا شيء', cue: دوّن}
    counterexamples:
      - 'مرت الجلسة دون الحكومة: هدوء'
""")
    report = check_pack(pack)
    assert [str(p) for p in report.failures] == [
        f"{tmp_path.name}/pack.yaml:13 [say]: counterexample 'مرت الجلسة دون الحكومة: هدوء': 'دون' was taken as a "
        "cue of this lexicon (rule say.colon)"]
    assert report.examples == 3 and report.counterexamples == 2


def test_an_entry_that_normalises_onto_a_function_word_is_reported(tmp_path: Path) -> None:
    pack = _pack(tmp_path, "lexicons:\n  say:\n    form: verb\n    entries:\n      - قال / يقول\n      - دوّن / يدوّن\n")
    assert [str(p) for p in lexicon_collisions(pack)] == [
        f"{tmp_path.name}/pack.yaml:9 [say]: entry 'دوّن / يدوّن' gives the form 'دون' once normalised, spelt like a "
        "function word: it will be a cue wherever that word is written; remove the entry, or list 'دون' under "
        "homographs: with a counterexample that holds it"]


def test_an_entry_that_normalises_onto_another_lexicons_word_is_reported(tmp_path: Path) -> None:
    pack = _pack(tmp_path, "lexicons:\n  say:\n    form: verb\n    entries: [قال / يقول, أذاعه]\n"
                           "  media:\n    entries: [إذاعة]\n")
    assert [p.message for p in lexicon_collisions(pack)] == [
        "entry 'أذاعه' gives the form 'اذاعه' once normalised, spelt like media's 'إذاعة': it will be a cue wherever "
        "that word is written; remove the entry, or list 'اذاعه' under homographs: with a counterexample that holds it"]


def test_a_homograph_kept_on_purpose_needs_a_counterexample(tmp_path: Path) -> None:
    pack = _pack(tmp_path, "lexicons:\n  say:\n    form: verb\n    entries: [قال / يقول, دوّن / يدوّن]\n"
                           "    homographs: [دون]\n")
    assert lexicon_collisions(pack) == []
    assert [p.message for p in unproven_homographs(pack)] == [
        "homograph 'دون' has no counterexample that holds it; add a sentence where these letters are not a cue"]


def test_the_bundled_pack_has_no_unacknowledged_homograph(pack: CompiledPack) -> None:
    assert [str(p) for p in lexicon_collisions(pack)] == []


def test_adding_dawwana_to_say_verbs_is_caught_by_the_lexicon_checks(tmp_path: Path) -> None:
    copy = tmp_path / "rules"
    shutil.copytree(REPO / "rules", copy)
    cues = copy / "lexicons" / "cues.yaml"
    text = cues.read_text(encoding="utf-8")
    assert "      - قال / يقول\n" in text
    cues.write_text(text.replace("      - قال / يقول\n", "      - قال / يقول\n      - دوّن / يدوّن\n", 1),
                    encoding="utf-8")
    changed = load_pack(copy, cache=False)
    messages = [p.message for p in lexicon_collisions(changed)]
    assert any("'دوّن / يدوّن' gives the form 'دون' once normalised, spelt like a function word" in m
               for m in messages), messages
