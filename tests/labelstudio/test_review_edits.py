"""Each edit a reviewer makes, as Label Studio stores it, read back by pull (pure: no server).

The reviews are the prediction's result edited the way the editor edits it: a deleted
region takes its per-region items and relations with it, a redrawn region gets a new
random id, a relabelled region keeps its id. The browser test drives the same edits
in the real editor.
"""

from __future__ import annotations

import copy
from typing import Any

import polars as pl
import pytest
from click.testing import CliRunner

from annotate.cli import main
from annotate.labelstudio import config as cfg
from annotate.labelstudio.pull import reviewed_frames
from annotate.labelstudio.regions import Parsed, Region, assemble, version_tag
from annotate.labelstudio.report import build_report
from annotate.labelstudio.store import PredictionStore
from annotate.labelstudio.tasks import build_prediction

from .seed import seed_result, seed_text

TEXT = seed_text()
DOC = seed_result()
V1, V2 = "rules-1.0.0-aaaa", "rules-2.0.0-bbbb"


def _prediction(version: str = V1, pid: int = 7, atts: Any = None) -> dict[str, Any]:
    pred = build_prediction(TEXT, list(atts if atts is not None else DOC.attributions), version)
    return dict(pred, id=pid, created_at="2026-12-01T10:00:00Z")


def rid(prefix: str, n: int, version: str = V1) -> str:
    return f"{prefix}{n}_{version_tag(version)}"


def delete(result: list[dict[str, Any]], region_id: str) -> list[dict[str, Any]]:
    """What the editor does on Backspace: the region, its per-region items and its relations go."""
    return [i for i in result if i.get("id") != region_id and region_id not in (i.get("from_id"), i.get("to_id"))]


def span(region_id: str, start: int, end: int, label: str) -> dict[str, Any]:
    return {"id": region_id, "from_name": cfg.SPAN, "to_name": cfg.TEXT, "type": "labels", "origin": "manual",
            "value": {"start": start, "end": end, "text": TEXT[start:end], "labels": [label]}}


def relation(a: str, b: str, label: str | None = None) -> dict[str, Any]:
    return {"from_id": a, "to_id": b, "type": "relation", "direction": "right", "labels": [label] if label else []}


def at(phrase: str, after: int = 0) -> tuple[int, int]:
    start = TEXT.index(phrase, after)
    return start, start + len(phrase)


def pulled(*results: list[dict[str, Any]], predictions: list[dict[str, Any]] | None = None,
           store: PredictionStore | None = None, parent: int | None = 7) -> Any:
    preds = predictions if predictions is not None else [_prediction()]
    annotations = [{"id": 100 + n, "completed_by": 5, "lead_time": 3.0, "parent_prediction": parent,
                    "created_at": "2026-12-02T10:00:00Z", "result": r} for n, r in enumerate(results)]
    task = {"id": 1, "data": {"text": TEXT, "doc_id": "seed"}, "predictions": preds, "annotations": annotations}
    return reviewed_frames([task], {5: "r@example.com"}, V1, store)


def base() -> list[dict[str, Any]]:
    return copy.deepcopy(_prediction()["result"])


def test_accepting_everything_keeps_every_attribution() -> None:
    frames = pulled(base())
    assert frames.errors.height == 0
    assert frames.attributions["review"].to_list() == ["kept"] * len(DOC.attributions)
    assert set(frames.attributions["model_version"]) == {V1} and set(frames.attributions["reference"]) == {
        "parent_prediction"}


def test_deleting_a_whole_attribution_is_one_removed_row() -> None:
    result = base()
    for prefix in "csk":
        result = delete(result, rid(prefix, 5))
    rows = pulled(result).attributions
    assert dict(rows.group_by("review").len().iter_rows()) == {"kept": 11, "removed": 1}
    removed = rows.filter(pl.col("review") == "removed").row(0, named=True)
    assert (removed["cue_text"], removed["rule_id"]) == ("أفادت", "test.rule2")


def test_deleting_only_a_false_cue_is_a_removal_not_an_addition() -> None:
    rows = pulled(delete(base(), rid("c", 11))).attributions
    assert dict(rows.group_by("review").len().iter_rows()) == {"kept": 11, "removed": 1}
    assert rows.filter(pl.col("review") == "removed")["cue_text"].to_list() == ["يرى"]


def _with_kind_rule(result: list[dict[str, Any]], n: int, rule: str) -> list[dict[str, Any]]:
    """The prediction as records carrying ``source_kind_rule`` produce it."""
    for item in result:
        if item.get("id") == rid("c", n) and item.get("type") == "labels":
            item["meta"]["annotate"][0]["source_kind_rule"] = rule
    return result


def test_a_kind_only_correction_is_charged_to_the_kind_rule_not_the_cue_rule() -> None:
    prediction = _prediction()
    prediction["result"] = _with_kind_rule(prediction["result"], 7, "kind.government")
    review = copy.deepcopy(prediction["result"])
    for item in review:
        if item.get("id") == rid("s", 7) and item.get("from_name") == cfg.KIND:
            item["value"]["choices"] = ["organization"]  # فرنسا: government → organization, still named
    frames = pulled(review, predictions=[prediction])
    row = frames.attributions.filter(pl.col("review") == "changed").row(0, named=True)
    assert (row["cue_text"], row["changes"], row["rule_id"], row["source_kind_rule"], row["charged_to"]) == (
        "كشفت", "kind", "test.rule1", "kind.government", "kind.government")
    rules = {(r["rule_id"], r["role"]): r for r in build_report(frames.attributions, frames.regions).rules.iter_rows(
        named=True)}
    cue_rule = rules[("test.rule1", "cue")]
    assert cue_rule["changed"] == 0 and cue_rule["precision"] == 1.0
    kind_rule = rules[("kind.government", "source_kind")]
    assert (kind_rule["fired"], kind_rule["changed"], kind_rule["precision"]) == (1, 1, 0.0)


def test_without_the_kind_rule_a_kind_correction_stays_with_the_cue_rule() -> None:
    review = base()
    for item in review:
        if item.get("id") == rid("s", 7) and item.get("from_name") == cfg.KIND:
            item["value"]["choices"] = ["organization"]
    row = pulled(review).attributions.filter(pl.col("review") == "changed").row(0, named=True)
    assert (row["changes"], row["charged_to"]) == ("kind", "test.rule1")


def test_a_redrawn_cue_is_a_respan_of_the_predicted_attribution() -> None:
    cue = DOC.attributions[8]  # قال, باسكال كونفافرو
    result = delete(base(), rid("c", 8))
    result.append(span("Xy12ab", cue.cue_start - 1, cue.cue_end, cfg.CUE))  # "وقال": the reviewer took the و
    frames = pulled(result)
    rows = frames.attributions
    assert "added" not in rows["review"].to_list() and "removed" not in rows["review"].to_list()
    row = rows.filter(pl.col("review") == "changed").row(0, named=True)
    assert (row["cue_text"], row["source_text"], row["changes"], row["cue_review"], row["rule_id"]) == (
        TEXT[cue.cue_start - 1:cue.cue_end], "باسكال كونفافرو", "cue", "respanned", "test.rule2")
    regions = frames.regions.filter(pl.col("status") == "respanned")
    assert regions.select("predicted_start", "reviewed_start").rows() == [(cue.cue_start, cue.cue_start - 1)]


def _added(with_relations: bool, claim: bool = True) -> list[dict[str, Any]]:
    result = base()
    c, s = at("وصل"), at("وفد قيادي من حركة حماس")
    k = (TEXT.index("لبحث"), TEXT.index("،", TEXT.index("لبحث")))
    result += [span("newc", *c, cfg.CUE), span("news", *s, cfg.SOURCE_NAMED)]
    if claim:
        result.append(span("newk", *k, cfg.CLAIM))
    if with_relations:
        result += [relation("newc", "newk", cfg.CUE_OF), relation("news", "newk")]  # the second left unlabelled
    return result


@pytest.mark.parametrize("with_relations", [True, False], ids=["with relations", "without relations"])
def test_an_added_attribution_is_one_row_with_its_source(with_relations: bool) -> None:
    rows = pulled(_added(with_relations)).attributions.filter(pl.col("review") == "added")
    assert rows.height == 1
    row = rows.row(0, named=True)
    assert (row["cue_text"], row["source_text"], row["source_type"], row["implicit"], row["rule_id"]) == (
        "وصل", "وفد قيادي من حركة حماس", "named", False, None)
    assert row["claim_text"] and row["claim_text"].startswith("لبحث")


def test_an_added_cue_and_source_without_claim_or_relation_is_one_row() -> None:
    rows = pulled(_added(False, claim=False)).attributions.filter(pl.col("review") == "added")
    assert rows.select("cue_text", "source_text", "implicit").rows() == [("وصل", "وفد قيادي من حركة حماس", False)]


def test_a_source_relabelled_named_with_an_anonymous_kind_is_flagged_not_scored() -> None:
    review = base()
    for item in review:  # the hotkey accident: مصادر مطلعة (unnamed_source) relabelled named
        if item.get("id") == rid("s", 6) and item.get("type") == "labels":
            item["value"]["labels"] = [cfg.SOURCE_NAMED]
    frames = pulled(review)
    flagged = frames.attributions.filter(pl.col("flag").is_not_null())
    assert flagged["cue_text"].to_list() == ["ترى"]
    assert "labelled named" in flagged["flag"][0] and "unnamed_source" in flagged["flag"][0]
    report = build_report(frames.attributions, frames.regions)
    rule0 = next(r for r in report.rules.iter_rows(named=True) if r["rule_id"] == "test.rule0")
    fired = sum(a.rule_id == "test.rule0" for a in DOC.attributions)
    assert (rule0["fired"], rule0["changed"], rule0["precision"]) == (fired - 1, 0, 1.0)
    assert report.flagged["rule_id"].to_list() == ["test.rule0"]


MALFORMED: dict[str, tuple[Any, str]] = {
    "string offsets": ({"value": {"start": "10", "end": "20", "labels": [cfg.CUE]}}, "offsets must be integers"),
    "missing value": ({"value": None}, "needs a 'value' object"),
    "labels as a string": ({"value": {"start": 0, "end": 4, "labels": "CUE"}}, "must be a list of strings"),
    "negative offset": ({"value": {"start": -3, "end": 4, "labels": [cfg.CUE]}}, "not a span of the text"),
    "start after end": ({"value": {"start": 9, "end": 4, "labels": [cfg.CUE]}}, "not a span of the text"),
    "huge offset": ({"value": {"start": 0, "end": 10**30, "labels": [cfg.CUE]}}, "offsets must be integers"),
    "text not its slice": ({"value": {"start": 0, "end": 4, "text": "كذب", "labels": [cfg.CUE]}},
                           "is not text[0:4]"),
    "unknown label": ({"value": {"start": 0, "end": 4, "labels": ["SOURCE"]}}, "unknown label"),
}


@pytest.mark.parametrize("case", list(MALFORMED), ids=list(MALFORMED))
def test_a_malformed_review_becomes_an_error_row_and_the_others_are_read(case: str) -> None:
    patch, reason = MALFORMED[case]
    bad = base() + [dict({"id": "bad1", "from_name": cfg.SPAN, "to_name": cfg.TEXT, "type": "labels"}, **patch)]
    frames = pulled(bad, base())
    assert frames.errors.select("annotation_id").to_series().to_list() == [100]
    assert reason in frames.errors["reason"][0]
    assert set(frames.attributions["annotation_id"]) == {101}
    assert frames.attributions.height == len(DOC.attributions)


def test_a_review_is_also_checked_against_the_projects_labeling_config() -> None:
    from label_studio_sdk.label_interface import LabelInterface

    good = base()
    odd = base() + [{"id": "x1", "from_name": "sentiment", "to_name": cfg.TEXT, "type": "choices",
                     "value": {"choices": ["positive"]}}]  # a control the project does not have
    task = {"id": 1, "data": {"text": TEXT, "doc_id": "seed"}, "predictions": [_prediction()], "annotations": [
        {"id": 1, "completed_by": 5, "parent_prediction": 7, "result": good},
        {"id": 2, "completed_by": 5, "parent_prediction": 7, "result": odd}]}
    frames = reviewed_frames([task], {}, V1, None, LabelInterface(cfg.labeling_config()))
    assert set(frames.attributions["annotation_id"]) == {1}
    assert frames.errors["annotation_id"].to_list() == [2] and "'sentiment' not found" in frames.errors["reason"][0]


def test_reviews_that_are_not_lists_or_have_an_unknown_kind_are_error_rows() -> None:
    unknown_kind = base()
    next(i for i in unknown_kind if i.get("from_name") == cfg.KIND)["value"]["choices"] = ["alien"]
    frames = pulled({"not": "a list"}, unknown_kind, [1, 2])  # type: ignore[arg-type]
    assert frames.errors.height == 3 and frames.attributions.height == 0
    assert any("unknown choice 'alien'" in r for r in frames.errors["reason"])


def test_a_reviewer_given_as_an_email_is_kept_as_is() -> None:
    task = {"id": 1, "data": {"text": TEXT, "doc_id": "seed"}, "predictions": [_prediction()],
            "annotations": [{"id": 9, "completed_by": "lead@example.com", "parent_prediction": 7, "result": base()}]}
    frames = reviewed_frames([task], {}, V1)
    assert set(frames.attributions["reviewer"]) == {"lead@example.com"} and frames.errors.height == 0


# -- the prediction a review was made from ---------------------------------------------------

def _v2_result() -> list[dict[str, Any]]:
    """The rules after an update: attribution 3 (أشارت) is no longer found."""
    return _prediction(V2, pid=8, atts=[a for a in DOC.attributions if a.attribution_id not in (3, 4)])["result"]


def test_a_review_is_scored_against_the_version_it_was_made_from_not_the_newest() -> None:
    v2 = dict(_prediction(V2, pid=8), result=_v2_result(), created_at="2026-12-03T10:00:00Z")
    frames = pulled(base(), predictions=[_prediction(), v2], parent=None)  # the link was lost
    rows = frames.attributions
    assert set(rows["model_version"]) == {V1} and set(rows["reference"]) == {"region_ids"}
    assert set(rows["review"]) == {"kept"}
    rules = build_report(rows, frames.regions).rules
    assert set(rules["model_version"]) == {V1} and set(rules["precision"]) == {1.0}


def test_after_the_old_version_was_deleted_the_store_still_scores_the_review(tmp_path: Any) -> None:
    store = PredictionStore(tmp_path)
    store.add([("seed", TEXT, _prediction())])
    v2 = dict(_prediction(V2, pid=8), result=_v2_result())
    rows = pulled(base(), predictions=[v2], store=PredictionStore(tmp_path), parent=None).attributions
    assert set(rows["model_version"]) == {V1} and set(rows["reference"]) == {"store"}
    assert set(rows["review"]) == {"kept"}


def test_a_review_whose_version_is_nowhere_is_an_error_row_not_a_wrong_score(tmp_path: Any) -> None:
    v2 = dict(_prediction(V2, pid=8), result=_v2_result())
    frames = pulled(base(), predictions=[v2], store=PredictionStore(tmp_path), parent=None)
    assert frames.attributions.height == 0
    assert "--store" in frames.errors["reason"][0] and version_tag(V1) in frames.errors["reason"][0]


# -- pairing cost ---------------------------------------------------------------------------

def test_thousands_of_cues_and_sources_on_one_claim_pair_each_with_its_nearest() -> None:
    n = 2000
    regions: dict[str, Region] = {"k": Region("k", cfg.CLAIM, 10 * n + 10, 10 * n + 20, "")}
    relations = []
    for i in range(n):  # numbered ids that do not match, so every pair goes through distance
        regions[f"cue{i}"] = Region(f"cue{i}", cfg.CUE, 10 * i, 10 * i + 2, "")
        regions[f"src{i}"] = Region(f"src{i}", cfg.SOURCE_NAMED, 10 * i + 3, 10 * i + 6, "")
        relations += [(f"cue{i}", "k", cfg.CUE_OF), (f"src{i}", "k", cfg.ATTRIBUTED_TO)]
    rebuilt = assemble(Parsed(regions, relations, None))
    assert len(rebuilt) == n
    assert all(a.cue is not None and a.source is not None and a.cue.id[3:] == a.source.id[3:] for a in rebuilt)


# -- two reviewers on one task --------------------------------------------------------------

def test_two_reviewers_agreement_counts_what_they_did(tmp_path: Any) -> None:
    from annotate.labelstudio.agreement import agreement, krippendorff_alpha

    second = base()
    for item in second:  # reviewer B: one kind differs (فرنسا government → organization) ...
        if item.get("id") == rid("s", 7) and item.get("from_name") == cfg.KIND:
            item["value"]["choices"] = ["organization"]
    for prefix in "csk":  # ... and B deleted the whole of attribution 11 (يرى مراقبون)
        second = delete(second, rid(prefix, 11))
    task = {"id": 1, "data": {"text": TEXT, "doc_id": "seed"}, "predictions": [_prediction()], "annotations": [
        {"id": 1, "completed_by": 5, "parent_prediction": 7, "result": base()},
        {"id": 2, "completed_by": 6, "parent_prediction": 7, "result": second}]}
    frames = reviewed_frames([task], {5: "a@example.com", 6: "b@example.com"}, V1)
    result = agreement(frames.attributions)
    assert (result.tasks, result.pairs) == (1, 1)
    spans = {r["span"]: r for r in result.spans.iter_rows(named=True)}
    cues = len({(a.cue_start, a.cue_end) for a in DOC.attributions})
    assert spans["cue"]["exact_f1"] == pytest.approx(2 * (cues - 1) / (2 * cues - 1))
    assert spans["cue"]["overlap_f1"] == spans["cue"]["exact_f1"]
    what = sorted(result.disagreements.select("what", "text").rows())
    assert ("cue only in A", "يرى") in what and ("source only in A", "مراقبون") in what
    assert ("source_kind differs", "فرنسا") in what
    assert not any(w.endswith("only in B") for w, _ in what)
    alpha = {r["field"]: r["alpha"] for r in result.alpha.iter_rows(named=True)}
    assert alpha["source_type"] == 1.0 and alpha["source_kind"] < 1.0
    # α by hand: four units, one disagreement between two values
    assert krippendorff_alpha([("x", "x"), ("y", "y"), ("x", "y"), ("y", "y")]) == pytest.approx(
        1 - 2 / ((8 * 8 - 3 * 3 - 5 * 5) / 7))
    assert krippendorff_alpha([("x", "x")]) is None
    # the command reads the pulled tables and writes its own
    frames.attributions.write_parquet(tmp_path / "reviewed.parquet")
    frames.regions.write_parquet(tmp_path / "reviewed_regions.parquet")
    out = CliRunner().invoke(main, ["ls", "agreement", "--reviewed", str(tmp_path), "--out", str(tmp_path)])
    assert out.exit_code == 0, out.output
    assert "1 task(s) with two or more reviews, 1 pair(s)" in out.output and "source_kind" in out.output
    assert pl.read_parquet(tmp_path / "disagreements.parquet").height == result.disagreements.height


def test_suggestions_group_the_reviewers_additions_by_cue_and_rank_them(tmp_path: Any) -> None:
    import yaml

    from annotate.labelstudio.suggest import cue_form, suggestions

    second = base()
    c2, s2 = at("وصل"), at("وفد قيادي")  # the same miss again, in another review
    second += [span("c_b", *c2, cfg.CUE), span("s_b", *s2, cfg.SOURCE_NAMED)]
    task = {"id": 1, "data": {"text": TEXT, "doc_id": "seed"}, "predictions": [_prediction()], "annotations": [
        {"id": 1, "completed_by": 5, "parent_prediction": 7, "result": _added(True)},
        {"id": 2, "completed_by": 6, "parent_prediction": 7, "result": second}]}
    frames = reviewed_frames([task], {}, V1)
    found = suggestions(frames.attributions)
    assert [(s.cue, s.order, s.misses, s.documents) for s in found] == [("وصل", "source after cue", 2, 1)]
    (snippet,) = yaml.safe_load(found[0].snippet())
    assert snippet["lexicon_entry"] == "وصل" and snippet["examples"][0]["cue"] == "وصل"
    assert snippet["examples"][0]["text"].startswith("وصل وفد قيادي") and "source" in snippet["examples"][0]
    assert cue_form("وقالت") == cue_form("قالت") == "قالت"
    frames.attributions.write_parquet(tmp_path / "reviewed.parquet")
    frames.regions.write_parquet(tmp_path / "reviewed_regions.parquet")
    out = CliRunner().invoke(main, ["ls", "suggest", "--reviewed", str(tmp_path), "--out", str(tmp_path)])
    assert out.exit_code == 0, out.output
    assert "وصل" in out.output and yaml.safe_load((tmp_path / "suggestions.yaml").read_text(encoding="utf-8"))


def test_candidates_that_lost_arbitration_count_as_overlaps_and_losses() -> None:
    from annotate.records import LostCandidate

    winner = DOC.attributions[8]  # قال, test.rule2
    loser = LostCandidate(rule_id="test.loser", reason="lower priority", cue_start=winner.cue_start,
                          cue_end=winner.cue_end, cue_text=winner.cue_text)
    prediction = dict(build_prediction(TEXT, DOC.attributions, V1, [loser]), id=7)
    frames = pulled(copy.deepcopy(prediction["result"]), predictions=[prediction])
    assert frames.attributions.filter(pl.col("lost_rules") == "test.loser")["cue_text"].to_list() == ["قال"]
    rules = {r["rule_id"]: r for r in build_report(frames.attributions, frames.regions).rules.iter_rows(named=True)}
    fired = sum(a.rule_id == "test.rule2" for a in DOC.attributions)
    assert rules["test.rule2"]["overlaps"] == pytest.approx(1 / fired)
    assert (rules["test.loser"]["lost"], rules["test.loser"]["fired"], rules["test.loser"]["precision"]) == (1, 0, None)


def test_the_prediction_store_keeps_one_line_per_article_and_version_and_survives_a_torn_line(tmp_path: Any) -> None:
    store = PredictionStore(tmp_path)
    assert store.add([("seed", TEXT, _prediction()), ("seed", TEXT, _prediction())]) == 1
    assert store.add([("seed", TEXT + " ", _prediction())]) == 1  # same id, other text: another article
    path = store.path(V1)
    with open(path, "a", encoding="utf-8") as out:
        out.write('{"model_version": "' + V1 + '", "doc_id": "cut sho')  # a crash mid-write
    again = PredictionStore(tmp_path)
    assert again.add([("other", TEXT, _prediction())]) == 1  # appended after the torn line, on its own
    again = PredictionStore(tmp_path)
    assert again.get(V1, "seed", TEXT)["result"] == _prediction()["result"]
    assert again.get(V1, "other", TEXT) is not None
    assert again.versions_by_tag() == {version_tag(V1): V1}
    assert again.get(V2, "seed", TEXT) is None


def test_an_unwritable_store_stops_a_push_before_anything_is_sent(tmp_path: Any) -> None:
    from annotate.errors import ExportError

    blocked = tmp_path / "file"
    blocked.write_text("not a folder", encoding="utf-8")
    with pytest.raises(ExportError, match="--store"):
        PredictionStore(blocked / "store").ensure_writable()
