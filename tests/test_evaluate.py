"""Scoring against gold, checked on a tiny gold file whose figures are worked out by hand."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from record_factories import attribution

from annotate.errors import InputError
from annotate.evaluate import (
    GoldAttribution,
    GoldDocument,
    Predicted,
    evaluate,
    load_gold,
    load_predictions,
    match_cues,
)
from annotate.export import RunWriter, model_row

TEXT = ("قال الوزير إن الخطة جاهزة. وأضاف أن التنفيذ سيبدأ. وأدان الحزب الهجوم. "
        "وذكرت مصادر مطلعة أن الاجتماع تأجل. ويرى مراقبون أن الحل بعيد.")


def _gold(cue: str, source: str | None, type_: str, kind: str, optional: bool = False) -> dict[str, Any]:
    start = TEXT.index(cue)
    item: dict[str, Any] = {"cue": cue, "cue_start": start, "cue_end": start + len(cue),
                            "implicit": source is None, "source_type": type_, "source_kind": kind,
                            "optional": optional}
    if source is not None:
        s = TEXT.index(source)
        item.update(source=source, source_start=s, source_end=s + len(source))
    return item


GOLD_ITEMS = [
    _gold("قال", "الوزير", "named", "role"),
    _gold("أضاف", None, "named", "person"),                      # gold cue without the و
    _gold("وأدان", "الحزب", "named", "organization", optional=True),
    _gold("وذكرت", "مصادر مطلعة", "anonymous", "unnamed_source"),
    _gold("ويرى", "مراقبون", "anonymous", "collective"),          # nobody predicts it: a miss
]


def _predicted(i: int, cue: str, source: str | None, kind: str) -> Predicted:
    att = attribution(TEXT, i, cue, source, kind, doc_id="g1")
    return Predicted.model_validate(att.model_dump())


PREDICTIONS = [
    _predicted(0, "قال", "الوزير", "role"),            # typed hit
    _predicted(1, "وأضاف", None, "person"),            # typed hit across the clitic
    _predicted(2, "وأدان", "الحزب", "organization"),    # on an optional item: dropped
    _predicted(3, "ذكرت", "مصادر", "media"),            # cue hit, source overlaps, type wrong
    _predicted(4, "الخطة", "الوزير", "role"),           # false hit
]


def _doc() -> GoldDocument:
    return GoldDocument.model_validate({"doc_id": "g1", "text": TEXT, "attributions": GOLD_ITEMS})


def test_figures_on_hand_made_gold_match_hand_computation() -> None:
    report = evaluate([_doc()], {"g1": PREDICTIONS})
    # required gold 4, scored predictions 5 - 1 optional = 4, cue hits 3, typed hits 2
    assert (report.gold, report.predicted, report.cue_hits, report.typed_hits) == (4, 4, 3, 2)
    assert report.cue_precision == pytest.approx(0.75) and report.cue_recall == pytest.approx(0.75)
    assert report.cue_f1 == pytest.approx(0.75)
    assert report.typed_precision == pytest.approx(0.5) and report.typed_recall == pytest.approx(0.5)
    assert report.typed_f1 == pytest.approx(0.5)
    assert report.type_accuracy == pytest.approx(2 / 3) and report.kind_accuracy == pytest.approx(2 / 3)
    assert report.skipped_optional == 1
    assert [(m.cue, m.source) for m in report.misses] == [("ويرى", "مراقبون")]
    assert [f.cue for f in report.false_hits] == ["الخطة"]
    assert report.false_hits[0].context.startswith("قال الوزير إن ⟦الخطة⟧ جاهزة")
    assert [(m.cue, m.problem) for m in report.mistyped] == [("ذكرت", "type: gold anonymous/unnamed_source")]
    assert report.per_document[0].typed_f1 == pytest.approx(0.5)


def test_optional_gold_items_neither_rewarded_nor_penalised() -> None:
    without_optional = [p for p in PREDICTIONS if p.cue_text != "وأدان"]
    with_it = evaluate([_doc()], {"g1": PREDICTIONS})
    without = evaluate([_doc()], {"g1": without_optional})
    assert with_it.model_dump(exclude={"skipped_optional", "per_document"}) == \
        without.model_dump(exclude={"skipped_optional", "per_document"})
    assert all(m.cue != "وأدان" for m in without.misses)


def test_largest_overlap_wins_not_the_first_prediction() -> None:
    text = "x" * 12
    # p0 overlaps g0 by 1 and g1 by 3; p1 overlaps g1 by 4: p1-g1 first, then p0-g0
    assert match_cues([(3, 8), (5, 9)], [(0, 4), (5, 9)], text) == [(0, 0), (1, 1)]


def test_overlap_on_a_clitic_alone_is_no_match() -> None:
    text = "ثم فقال إن"
    # prediction "ثم ف" touches gold "فقال" only on its ف, which is ignored
    assert match_cues([(0, 4)], [(3, 7)], text) == []
    assert match_cues([(3, 7)], [(4, 7)], text) == [(0, 0)]


def test_source_is_wrong_when_only_one_side_is_implicit() -> None:
    gold = dict(GOLD_ITEMS[1])
    report = evaluate([GoldDocument(doc_id="g1", text=TEXT, attributions=[GoldAttribution(**gold)])],
                      {"g1": [_predicted(0, "وأضاف", "الوزير", "person")]})
    assert (report.cue_hits, report.typed_hits) == (1, 0)
    assert report.mistyped[0].problem == "source: gold implicit"


def test_documents_without_predictions_count_all_misses_and_extra_documents_are_unscored() -> None:
    report = evaluate([_doc()], {"other": PREDICTIONS[:2]})
    assert (report.cue_hits, report.predicted, report.gold) == (0, 0, 4)
    assert report.cue_precision is None and report.cue_recall == 0.0 and report.cue_f1 == 0.0
    assert report.unscored_predictions == 2


def test_loaders_read_a_run_folder_and_a_gold_file(tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"doc_id": "g1", "outlet": "X", "text": TEXT, "attributions": GOLD_ITEMS},
                               ensure_ascii=False) + "\n", encoding="utf-8")
    with RunWriter(tmp_path / "run") as writer:
        writer.write_rows("attributions", [model_row(attribution(TEXT, 0, "قال", "الوزير", "role", doc_id="g1"))])
        writer.commit()
    predictions = load_predictions(tmp_path / "run")
    assert [p.cue_text for p in predictions["g1"]] == ["قال"]
    report = evaluate(load_gold(gold), predictions)
    assert report.cue_hits == 1 and report.gold == 4


def test_gold_errors_name_file_and_line(tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    bad_item = dict(GOLD_ITEMS[0], cue_start=5)
    gold.write_text("\n".join([
        json.dumps({"doc_id": "a", "text": TEXT, "attributions": []}),
        json.dumps({"doc_id": "b", "text": TEXT, "attributions": [bad_item]}, ensure_ascii=False),
    ]), encoding="utf-8")
    with pytest.raises(InputError, match=r"gold\.jsonl:2: gold cue 'قال' is not at 5:"):
        load_gold(gold)
    gold.write_text('{"doc_id": "a", "text": "t", "attributions": [{"cue": "x"}]}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"gold\.jsonl:1: .*attributions\.0\.cue_start"):
        load_gold(gold)
    with pytest.raises(InputError, match="no predictions here"):
        load_predictions(tmp_path / "nothing")
