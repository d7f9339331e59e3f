"""source_gender: read from the agreement Arabic marks, checked on a hand-labelled set.

``tests/data/gender.jsonl`` holds the 74 person and role sources with an explicit
source in ``../shared/gold/seed.jsonl`` and ``dev.jsonl``, each as its sentence, with
the gender the gold article makes clear (7 female, 67 male).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotate import annotate_text
from annotate.gender import source_genders
from annotate.pack import CompiledPack
from annotate.source_names import fold

from record_factories import attribution

DATA = Path(__file__).parent / "data" / "gender.jsonl"


def _bare(word: str) -> str:
    folded = fold(word)
    return folded[1:] if folded[:1] in ("و", "ف") and len(folded) > 3 else folded


def gender_scores(pack: CompiledPack) -> dict[str, float | int]:
    """Match each item to the engine's attribution (same cue, or the same source), then compare."""
    items = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()]
    found = decided = correct = 0
    for item in items:
        result = annotate_text(item["text"], pack, item["id"])
        want = fold(item["source"])
        matches = [a for a in result.attributions
                   if _bare(a.cue_text) == _bare(item["cue"])
                   or (a.source_text and (want in fold(a.source_text) or fold(a.source_text) in want))]
        if not matches:
            continue
        found += 1
        gender = matches[0].source_gender
        decided += gender in ("female", "male")
        correct += gender == item["gender"]
    return {"items": len(items), "found": found, "decided": decided, "correct": correct,
            "precision": correct / decided if decided else 0.0, "coverage": decided / found if found else 0.0}


def test_gender_is_right_on_the_labelled_gold_sources(pack: CompiledPack) -> None:
    scores = gender_scores(pack)
    print(f"\nsource_gender on {DATA.name}: {scores}")
    assert scores["items"] == 74
    assert scores["found"] >= 50
    assert scores["precision"] >= 0.95
    assert scores["coverage"] >= 0.85


def test_every_female_item_is_found_female(pack: CompiledPack) -> None:
    items = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()]
    female = [i for i in items if i["gender"] == "female"]
    assert len(female) == 7
    for item in female:
        genders = {a.source_gender for a in annotate_text(item["text"], pack).attributions}
        assert "female" in genders, item["text"]


@pytest.mark.parametrize(("text", "gender", "evidence"), [
    ("وقالت الوزيرة إن الحكومة مستمرة في الإصلاح.", "female", "title الوزيرة"),
    ("وقال الوزير إن الحكومة مستمرة في الإصلاح.", "male", "title الوزير"),
    ("وقالت هيذر نويرت إن الموقف واضح.", "female", "verb وقالت"),
    ("وقال باسكال كونفافرو إن الموقف واضح.", "male", "verb وقال"),
])
def test_gender_comes_from_title_then_verb(pack: CompiledPack, text: str, gender: str, evidence: str) -> None:
    (attribution,) = [a for a in annotate_text(text, pack).attributions if a.source_text]
    assert (attribution.source_gender, attribution.source_gender_evidence) == (gender, evidence)


def test_an_implicit_cue_shares_the_gender_of_its_source(pack: CompiledPack) -> None:
    text = "وقالت غريس ناثان إنها تعارض إنهاء البحث، مؤكدة أن الأمل قائم."
    genders = [(a.cue_text, a.source_gender) for a in annotate_text(text, pack).attributions]
    assert genders == [("وقالت", "female"), ("مؤكدة", "female")]


def test_sources_that_are_not_people_have_no_gender(pack: CompiledPack) -> None:
    result = annotate_text("وقالت وزارة الصحة إن الوضع مستقر. وأفادت مصادر مطلعة بأن الاجتماع تأجل.", pack)
    assert [a.source_gender for a in result.attributions] == [None, None]


def test_conflicting_evidence_at_the_same_level_is_unknown(pack: CompiledPack) -> None:
    text = "قال فلان كذا. قالت فلان كذا."
    first = attribution(text, 0, "قال", "فلان", "person", source_key="فلان")
    second = attribution(text, 1, "قالت", "فلان", "person", source_key="فلان")
    genders = source_genders([first, second], pack)
    assert genders[0][0] == "unknown" and genders[0][1].startswith("conflict")
