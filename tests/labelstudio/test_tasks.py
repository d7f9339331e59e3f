"""Engine records → task and prediction dicts, and back (pure, no server)."""

from __future__ import annotations

import copy

import pytest
from label_studio_sdk.label_interface import LabelInterface

from annotate.labelstudio import config as cfg
from annotate.labelstudio.regions import assemble, parse_result, version_tag
from annotate.labelstudio.tasks import build_prediction, check_prediction, draft_task, task_data
from annotate.records import Attribution

from .seed import seed_result, seed_text


@pytest.fixture(scope="module")
def interface() -> LabelInterface:
    return LabelInterface(cfg.labeling_config())


def test_seed_prediction_is_valid_and_every_region_is_its_text_slice(interface: LabelInterface) -> None:
    text, doc = seed_text(), seed_result()
    draft = draft_task(doc, text, {"outlet": "x", "url": None}, "v1", interface)
    assert draft.problems == []
    spans = [i for i in draft.prediction["result"] if i.get("type") == "labels"]
    assert spans and all(text[i["value"]["start"]:i["value"]["end"]] == i["value"]["text"] for i in spans)
    assert {k: draft.data[k] for k in ("text", "doc_id", "outlet", "url")} == {
        "text": text, "doc_id": "seed", "outlet": "x", "url": None}
    assert draft.prediction["model_version"] == "v1"


def test_tasks_carry_a_triage_summary_and_predictions_a_score(interface: LabelInterface) -> None:
    text, doc = seed_text(), seed_result()
    draft = draft_task(doc, text, None, "v1", interface)
    atts = doc.attributions
    assert draft.data["n_attributions"] == len(atts) == 12
    assert (draft.data["n_named"], draft.data["n_anonymous"], draft.data["n_implicit"]) == (
        sum(a.source_type == "named" for a in atts), sum(a.source_type == "anonymous" for a in atts),
        sum(a.implicit for a in atts))
    assert draft.data["lowest_grade"] == max(a.credibility_grade for a in atts)
    assert draft.data["rules_fired"] == ", ".join(sorted({a.rule_id for a in atts}))
    weakest = atts[3].model_copy(update={"credibility_score": 0.125})
    scored = build_prediction(text, [*atts[:3], weakest], "v1")
    assert scored["score"] == 0.125 and build_prediction(text, [], "v1")["score"] == 1.0


def test_every_region_lists_what_the_rules_said_for_the_region_list(interface: LabelInterface) -> None:
    text, doc = seed_text(), seed_result()
    result = build_prediction(text, doc.attributions, "v1")["result"]
    lines = {i["id"]: " | ".join(i["value"]["text"]) for i in result if i.get("from_name") == cfg.RULE}
    spans = {i["id"]: i["value"]["labels"][0] for i in result if i.get("type") == "labels"}
    assert set(lines) == set(spans)
    source = doc.attributions[6]  # مصادر مطلعة, anonymous
    sid = next(r for r, lab in spans.items() if lab == cfg.SOURCE_ANONYMOUS and r.startswith("s6_"))
    assert lines[sid] == f"predicted: {source.source_kind.value} (anonymous) | rule {source.rule_id}"
    claim = next(r for r, lab in spans.items() if lab == cfg.CLAIM)
    assert lines[claim].startswith("predicted: grade ") and " | rule " in lines[claim]
    assert parse_result(result).regions[sid].rules == [source.rule_id]


def test_named_and_anonymous_sources_get_their_labels(interface: LabelInterface) -> None:
    text, doc = seed_text(), seed_result()
    labels = {i["value"]["text"]: i["value"]["labels"][0]
              for i in build_prediction(text, doc.attributions, "v1")["result"] if i.get("type") == "labels"}
    assert labels["باسكال كونفافرو"] == cfg.SOURCE_NAMED
    assert labels["مصادر مصرية مطلعة"] == cfg.SOURCE_ANONYMOUS


def test_chain_shares_one_claim_region() -> None:
    text, doc = seed_text(), seed_result()
    result = build_prediction(text, doc.attributions, "v1")["result"]
    claims = [(i["value"]["start"], i["value"]["end"]) for i in result
              if i.get("type") == "labels" and i["value"]["labels"] == [cfg.CLAIM]]
    assert len(claims) == len(set(claims)) == len(doc.attributions) - 1  # relay and origin share one


def test_prediction_round_trips_through_regions() -> None:
    text, doc = seed_text(), seed_result()
    rebuilt = assemble(parse_result(build_prediction(text, doc.attributions, "v1")["result"]))
    assert len(rebuilt) == len(doc.attributions)
    for att, back in zip(doc.attributions, rebuilt):
        assert back.cue is not None and (back.cue.start, back.cue.end) == (att.cue_start, att.cue_end)
        assert (back.source.start if back.source else None) == att.source_start
        assert back.claim is not None and (back.claim.start, back.claim.end) == (att.claim_start, att.claim_end)
        assert (back.antecedent, back.origin) == (att.antecedent_id, att.origin_id)
        assert (back.source_type, back.source_kind) == (att.source_type, att.source_kind.value)
        assert back.cue.extras[0]["rule_id"] == att.rule_id
        assert back.claim.grade is not None


def test_offsets_are_code_points_after_emoji(interface: LabelInterface) -> None:
    text = "🕊️ 👨🏻‍🚒 قالت مصادر مطلعة إن الهدنة ستستأنف."
    doc = seed_result()
    att = doc.attributions[6].model_copy(update={
        "cue_start": text.index("قالت"), "cue_end": text.index("قالت") + 4,
        "source_start": text.index("مصادر"), "source_end": text.index("مصادر") + len("مصادر مطلعة"),
        "claim_start": text.index("إن"), "claim_end": len(text) - 1, "antecedent_id": None, "origin_id": None,
        "attribution_id": 0})
    draft = draft_task(doc.model_copy(update={"attributions": [att]}), text, None, "v1", interface)
    assert draft.problems == []
    tag = version_tag("v1")
    source = next(i for i in draft.prediction["result"] if i.get("id") == f"s0_{tag}" and i["type"] == "labels")
    assert source["value"]["text"] == "مصادر مطلعة"


def test_a_bad_prediction_is_reported_not_sent(interface: LabelInterface) -> None:
    text, doc = seed_text(), seed_result()
    prediction = build_prediction(text, doc.attributions, "v1")
    broken = copy.deepcopy(prediction)
    broken["result"][0]["value"]["end"] += 1  # span text no longer the slice
    broken["result"][1]["value"]["labels"] = ["SOURCE"]  # not a label of the config
    problems = check_prediction(broken, text, interface)
    assert any("!= text[" in p for p in problems)
    assert any("SOURCE_NAMED" in p for p in problems)  # the message lists the valid labels
    past_end = copy.deepcopy(prediction)
    past_end["result"][0]["value"]["end"] = len(text) + 5
    assert any("outside text" in p for p in check_prediction(past_end, text, interface))


def test_task_data_keeps_json_values_and_stringifies_others() -> None:
    import datetime

    data = task_data("d1", "نص", {"date": datetime.date(2026, 1, 2), "outlet": "BBC", "doc_id": "ignored"})
    assert data == {"text": "نص", "doc_id": "d1", "date": "2026-01-02", "outlet": "BBC"}


def test_a_source_shared_by_two_attributions_is_one_region_with_one_kind(interface: LabelInterface) -> None:
    text, doc = seed_text(), seed_result()
    first = doc.attributions[6]  # ترى مصادر مطلعة
    twin = first.model_copy(update={"attribution_id": 12, "cue_start": doc.attributions[5].cue_start,
                                    "cue_end": doc.attributions[5].cue_end})
    result = build_prediction(text, [first, twin], "v1")["result"]
    kinds = [i for i in result if i.get("from_name") == cfg.KIND]
    tag = version_tag("v1")
    assert len(kinds) == 1 and kinds[0]["id"] == f"s6_{tag}"
    assert check_prediction({"result": result}, text, interface) == []
    # read back, the source goes to the attribution whose number it carries
    rebuilt = assemble(parse_result(result))
    assert [(a.cue.id if a.cue else None, a.source.id if a.source else None) for a in rebuilt] == [
        (f"c12_{tag}", None), (f"c6_{tag}", f"s6_{tag}")]


def test_an_unresolved_implicit_source_is_drawn_as_cue_and_claim_only(interface: LabelInterface) -> None:
    """Records to come: an implicit source nobody could resolve has type and kind "unresolved"
    and no grade; the task shows its cue and claim, and the prediction stays valid."""
    text, doc = seed_text(), seed_result()
    att = doc.attributions[9]  # أوضح, implicit
    unresolved = Attribution.model_construct(**{
        **att.model_dump(), "source_type": "unresolved", "source_kind": "unresolved", "antecedent_id": None,
        "credibility_grade": None, "credibility_score": None, "attribution_id": 0})
    prediction = build_prediction(text, [unresolved], "v1")
    labels = sorted(i["value"]["labels"][0] for i in prediction["result"] if i.get("type") == "labels")
    assert labels == [cfg.CLAIM, cfg.CUE]
    assert not any(i.get("from_name") in (cfg.KIND, cfg.GRADE) for i in prediction["result"])
    assert check_prediction(prediction, text, interface) == [] and prediction["score"] == 1.0
    (back,) = assemble(parse_result(prediction["result"], text), text)
    assert back.implicit and back.source_type is None
