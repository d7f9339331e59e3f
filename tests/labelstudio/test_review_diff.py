"""A review compared with its prediction, and the rule report built from it (pure)."""

from __future__ import annotations

import copy
from typing import Any

import polars as pl

from annotate.labelstudio import config as cfg
from annotate.labelstudio.pull import reviewed_frames
from annotate.labelstudio.report import build_report

from .seed import seed_result, seed_text
from annotate.labelstudio.tasks import build_prediction


def _review(prediction: dict[str, Any], text: str) -> list[dict[str, Any]]:
    """A reviewer flips Pascal Confavreux to anonymous and adds a missed attribution."""
    result = copy.deepcopy(prediction["result"])
    flipped = next(i["id"] for i in result if i.get("type") == "labels" and i["value"]["text"] == "باسكال كونفافرو")
    for item in result:
        if item.get("id") == flipped and item.get("type") == "labels":
            item["value"]["labels"] = [cfg.SOURCE_ANONYMOUS]
        if item.get("id") == flipped and item.get("from_name") == cfg.KIND:
            item["value"]["choices"] = ["unnamed_source"]  # the kind follows the label
    cue = text.index("وصل")
    src_start = text.index("وفد قيادي")
    src_end = src_start + len("وفد قيادي")
    claim_start = text.index("لبحث")
    claim_end = text.index("،", claim_start)
    def span(rid: str, s: int, e: int, label: str) -> dict[str, Any]:
        return {"id": rid, "from_name": "span", "to_name": "text", "type": "labels",
                "value": {"start": s, "end": e, "text": text[s:e], "labels": [label]}}
    result += [span("newcue", cue, cue + 3, cfg.CUE), span("newsrc", src_start, src_end, cfg.SOURCE_NAMED),
               span("newclaim", claim_start, claim_end, cfg.CLAIM),
               {"from_id": "newcue", "to_id": "newclaim", "type": "relation", "direction": "right",
                "labels": [cfg.CUE_OF]},
               {"from_id": "newsrc", "to_id": "newclaim", "type": "relation", "direction": "right",
                "labels": [cfg.ATTRIBUTED_TO]}]
    return result


def _frames() -> tuple[pl.DataFrame, pl.DataFrame]:
    text, doc = seed_text(), seed_result()
    prediction = dict(build_prediction(text, doc.attributions, "v1"), id=7)
    task = {"id": 1, "data": {"text": text, "doc_id": "seed", "outlet": "x"}, "predictions": [prediction],
            "annotations": [{"id": 3, "completed_by": 5, "lead_time": 12.5, "parent_prediction": 7,
                             "result": _review(prediction, text)}]}
    frames = reviewed_frames([task], {5: "reviewer@example.com"}, "v1")
    assert frames.errors.height == 0, frames.errors.to_dicts()
    return frames.attributions, frames.regions


def test_review_rows_say_kept_changed_added() -> None:
    reviewed, regions = _frames()
    counts = dict(reviewed.group_by("review").len().iter_rows())
    # the flipped source, and the two implicit sources that point back to it (وأوضح, مؤكدًا)
    assert counts == {"kept": 9, "changed": 3, "added": 1}
    changed = reviewed.filter(pl.col("source_review") == "changed").row(0, named=True)
    assert (changed["source_text"], changed["source_type"], changed["predicted_source_type"]) == (
        "باسكال كونفافرو", "anonymous", "named")
    assert changed["review"] == "changed" and changed["cue_review"] == "kept"
    follow = reviewed.filter((pl.col("review") == "changed") & pl.col("implicit"))
    assert follow["cue_text"].to_list() == ["أوضح", "مؤكدًا"]
    assert set(follow["antecedent_text"]) == {"باسكال كونفافرو"} and set(follow["source_type"]) == {"anonymous"}
    added = reviewed.filter(pl.col("review") == "added").row(0, named=True)
    assert (added["cue_text"], added["source_text"], added["rule_id"]) == ("وصل", "وفد قيادي", None)
    assert set(reviewed["reviewer"]) == {"reviewer@example.com"} and set(reviewed["lead_time"]) == {12.5}
    assert set(reviewed["outlet"]) == {"x"}
    assert regions.filter(pl.col("status") == "added").height == 3


def test_report_counts_exactly_that_change() -> None:
    reviewed, regions = _frames()
    report = build_report(reviewed, regions)
    rules = {r["rule_id"]: r for r in report.rules.iter_rows(named=True)}
    doc = seed_result()
    touched = {doc.attributions[i].rule_id for i in (8, 9, 10)}  # قال, وأوضح, مؤكدًا
    assert len(touched) == 3
    for rule_id in touched:
        bad = rules.pop(rule_id)
        assert (bad["changed"], bad["type_changed"], bad["removed"]) == (1, 1, 0)
        assert bad["precision"] == (bad["fired"] - 1) / bad["fired"] and bad["cue_precision"] == 1.0
    assert rules and all(r["precision"] == 1.0 and r["changed"] == 0 for r in rules.values())
    assert report.rules["rule_id"][-1] in rules  # worst first: the untouched rule comes last
    assert report.missed.rows() == [("وصل", 1, 1, "named", "وفد قيادي")]
    labels = {r["label"]: r for r in report.labels.iter_rows(named=True)}
    named = labels[cfg.SOURCE_NAMED]
    assert named["true_positives"] == named["predicted"] - 1 and named["recall"] < 1.0  # 1 added, 1 flipped
    assert labels[cfg.CUE]["precision"] == 1.0 and labels[cfg.CUE]["recall"] == 12 / 13


def test_reviewed_table_starts_with_the_attributions_columns() -> None:
    from annotate.export import model_schema
    from annotate.records import Attribution

    reviewed, _ = _frames()
    names = model_schema(Attribution).names
    assert reviewed.columns[:len(names)] == names
    assert {"reviewer", "task_id", "annotation_id", "lead_time", "review", "cue_review", "source_review",
            "claim_review", "rule_id", "outlet"} <= set(reviewed.columns)
