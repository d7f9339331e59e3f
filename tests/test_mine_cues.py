"""The cue-mining script finds verbs that open content and says which the pack knows."""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType

import pytest
from bench_scripts import load_script

from annotate import load_pack


@pytest.fixture(scope="module")
def mine_cues() -> ModuleType:
    return load_script("mine_cues")


def _corpus(tmp_path: Path, texts: list[str]) -> Path:
    path = tmp_path / "corpus.jsonl"
    path.write_text("".join(json.dumps({"id": str(i), "text": t}, ensure_ascii=False) + "\n"
                            for i, t in enumerate(texts)), encoding="utf-8")
    return path


def test_a_verb_that_opens_content_is_counted_with_its_forms_and_marked_unknown(tmp_path, mine_cues):  # type: ignore[no-untyped-def]
    corpus = _corpus(tmp_path, ["وأفصحت المديرة أن الموسم انطلق. وأفصح الوزير أن العمل مستمر.",
                                "وغمغم المدير أن الأمر صعب."])
    found, frequency = mine_cues.mine([corpus])
    table = mine_cues.rows(found, frequency, load_pack(), min_count=1)
    header, body = table[0], table[1:]
    by_stem = {(r[0], r[1]): dict(zip(header, r)) for r in body}
    known = by_stem[("vso", "افصح")]
    assert known["count"] == "2" and known["in_pack"] == "say_verbs"
    assert "افصحت:1" in known["forms"] and "افصح:1" in known["forms"]
    unknown = by_stem[("vso", "غمغم")]
    assert unknown["in_pack"] == "-"


def test_a_participle_after_a_comma_is_mined_as_a_participle(tmp_path, mine_cues):  # type: ignore[no-untyped-def]
    corpus = _corpus(tmp_path, ["وقال الوزير إن الوضع مستقر، مستدركا أن الحذر واجب."])
    found, _ = mine_cues.mine([corpus])
    assert ("participle", "مستدرك") in found


def test_function_words_before_an_أن_clause_are_not_candidates(tmp_path, mine_cues):  # type: ignore[no-untyped-def]
    corpus = _corpus(tmp_path, ["وبعد أن وصل الوفد بدأت المحادثات. ويجب أن يتوقف القتال."])
    found, _ = mine_cues.mine([corpus])
    assert not any(stem in {"بعد", "يجب"} for _, stem in found)
