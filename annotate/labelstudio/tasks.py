"""Engine output → Label Studio tasks and predictions (pure: no network, no files).

One task per article: ``data`` holds the text, ``doc_id`` and the carried metadata
(outlet, url, date, …). Its prediction draws each attribution as up to three regions
(CUE, SOURCE_NAMED/SOURCE_ANONYMOUS, CLAIM) joined by relations, so the reviewer sees
who said what as arrows, and :mod:`annotate.labelstudio.pull` can rebuild attributions
from a reviewer's annotation in the same shape.

Region ids carry the attribution number and the rule version (``c3_1a2b3c4d`` cue,
``s3_…`` source, ``k3_…`` claim of attribution 3; the tag is
:func:`~annotate.labelstudio.regions.version_tag` of the ``model_version``). Label
Studio keeps prediction region ids when a reviewer submits, so pull can tell kept,
changed and added regions apart, trace each back to its rule, and know which rule
version a review started from even after the rules were updated.
Each cue region also carries, under ``meta.annotate``, the attribution fields that have
no region of their own (rule id, credibility score and reasons, role, sentence): the
server stores result items verbatim, so pull gets them back from the prediction.

Every prediction is checked before it may be sent: ``text[start:end]`` must equal the
region text and every label must exist in the config (``LabelInterface`` validation).
The server itself checks neither.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from label_studio_sdk.label_interface.interface import LabelInterface

from annotate.labelstudio import config as cfg
from annotate.labelstudio.regions import version_tag
from annotate.records import Attribution, DocumentResult

Region = dict[str, Any]


@dataclass
class TaskDraft:
    """A task ready to import, or the reasons it must not be sent."""

    doc_id: str
    data: dict[str, Any]
    prediction: dict[str, Any]
    problems: list[str] = field(default_factory=list)

    def as_import(self) -> dict[str, Any]:
        """The dict ``projects.import_tasks`` takes: data plus its prediction."""
        return {"data": self.data, "predictions": [self.prediction]}


def model_version(pack: Any) -> str:
    """The prediction's ``model_version``: the rule pack's name, version and content hash.

    Uses the pack's own ``model_version`` when it has one, so Label Studio, Parquet and
    reports all name a rule set the same way.
    """
    explicit = getattr(pack, "model_version", None)
    if explicit:
        return str(explicit)
    return f"{pack.name}-{pack.version}-{str(pack.content_hash)[:8]}"


def _json_value(value: Any) -> Any:
    """Task data must be JSON; dates and other objects travel as their string form."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    try:
        json.dumps(value)
        return value
    except TypeError:
        return str(value)


SUMMARY_FIELDS = ("n_attributions", "n_named", "n_anonymous", "n_implicit", "lowest_grade", "rules_fired")


def summary(attributions: list[Attribution]) -> dict[str, Any]:
    """Counts for the Data Manager's columns and filters (Community edition can sort and
    filter on task data): attributions by type, the lowest grade, the rules that fired.
    They describe the rule version the task was first pushed with."""
    grades = sorted(a.credibility_grade for a in attributions if a.credibility_grade in cfg.GRADES)
    return {
        "n_attributions": len(attributions),
        "n_named": sum(a.source_type == "named" for a in attributions),
        "n_anonymous": sum(a.source_type == "anonymous" for a in attributions),
        "n_implicit": sum(bool(a.implicit) for a in attributions),
        "lowest_grade": grades[-1] if grades else None,
        "rules_fired": ", ".join(sorted({a.rule_id for a in attributions})),
    }


def task_data(doc_id: str, text: str, meta: Mapping[str, Any] | None = None,
              attributions: list[Attribution] | None = None) -> dict[str, Any]:
    """The task's ``data``: ``text`` and ``doc_id`` first, then the carried input fields,
    then the triage summary of ``attributions`` (a carried field of the same name wins)."""
    data: dict[str, Any] = {"text": text, "doc_id": doc_id}
    for key, value in (meta or {}).items():
        if key not in data:
            data[key] = _json_value(value)
    if attributions is not None:
        for key, value in summary(attributions).items():
            data.setdefault(key, value)
    return data


def _span(rid: str, text: str, start: int, end: int, label: str) -> Region:
    return {
        "id": rid, "from_name": cfg.SPAN, "to_name": cfg.TEXT, "type": "labels",
        "value": {"start": start, "end": end, "text": text[start:end], "labels": [label]},
    }


def _choices(rid: str, text: str, start: int, end: int, control: str, values: list[str]) -> Region:
    """A per-region choice: same ``id`` as its span, which is how Label Studio links them."""
    return {
        "id": rid, "from_name": control, "to_name": cfg.TEXT, "type": "choices",
        "value": {"start": start, "end": end, "text": text[start:end], "choices": values},
    }


def _textarea(rid: str, start: int, end: int, control: str, lines: list[str]) -> Region:
    """A per-region text, linked to its span by ``id`` like a choice."""
    return {
        "id": rid, "from_name": control, "to_name": cfg.TEXT, "type": "textarea",
        "value": {"start": start, "end": end, "text": lines},
    }


def _relation(from_id: str, to_id: str, label: str) -> Region:
    return {"from_id": from_id, "to_id": to_id, "type": "relation", "direction": "right", "labels": [label]}


def _value(value: Any) -> Any:
    """An enum's value, or the value itself (fields may be plain strings in newer records)."""
    return getattr(value, "value", value)


def _extras(att: Attribution) -> dict[str, Any]:
    """What the regions cannot show, kept on the cue region for pull to read back."""
    return {
        "attribution_id": att.attribution_id,
        "rule_id": att.rule_id,
        "source_kind_rule": att.source_kind_rule,
        "implicit": att.implicit,
        "sentence_index": att.sentence_index,
        "source_role": att.source_role,
        "credibility_score": att.credibility_score,
        "credibility_reasons": list(att.credibility_reasons),
        "pack_version": att.pack_version,
        "source_key": att.source_key,
        "source_gender": att.source_gender,
        "source_gender_evidence": att.source_gender_evidence,
    }


def prediction_result(text: str, attributions: list[Attribution], tag: str = "") -> list[Region]:
    """The prediction's ``result`` list for one article; ``tag`` marks its region ids.

    A span shared by several attributions (the claim of a chain: relay and origin
    attribute the same content) becomes one region, named after the first attribution
    that has it, so the reviewer never sees two identical highlights. An attribution
    whose source could not be resolved (``source_type`` neither named nor anonymous)
    is drawn as cue and claim only.
    """
    suffix = f"_{tag}" if tag else ""
    result: list[Region] = []
    span_ids: dict[tuple[str, int, int], str] = {}
    rules_of: dict[str, list[str]] = {}
    regions: dict[str, tuple[int, int]] = {}
    labels: dict[str, str] = {}
    kinds: dict[str, str] = {}
    kind_rules: dict[str, str | None] = {}

    def region(prefix: str, att: Attribution, start: int, end: int, label: str) -> str:
        key = (label, start, end)
        if key in span_ids:
            rid = span_ids[key]
        else:
            rid = f"{prefix}{att.attribution_id}{suffix}"
            span_ids[key] = rid
            regions[rid] = (start, end)
            labels[rid] = label
            result.append(_span(rid, text, start, end, label))
        rules_of.setdefault(rid, [])
        if att.rule_id not in rules_of[rid]:
            rules_of[rid].append(att.rule_id)
        return rid

    by_id = {a.attribution_id: a for a in attributions}
    cue_ids: dict[int, str] = {}
    source_ids: dict[int, str] = {}
    claim_grade: dict[str, tuple[bool, str]] = {}  # claim region -> (graded by the origin?, one of cfg.GRADES)
    relations: list[Region] = []

    for att in attributions:
        cue = region("c", att, att.cue_start, att.cue_end, cfg.CUE)
        cue_ids[att.attribution_id] = cue
        claim = None
        if att.claim_start is not None and att.claim_end is not None and att.claim_end > att.claim_start:
            claim = region("k", att, att.claim_start, att.claim_end, cfg.CLAIM)
            # the origin's grade wins on a shared claim: a claim is as good as its origin
            is_origin = att.origin_id is None
            if att.credibility_grade in cfg.GRADES and (
                    claim not in claim_grade or (is_origin and not claim_grade[claim][0])):
                claim_grade[claim] = (is_origin, att.credibility_grade)
        source = None
        # an unresolved pronoun source (هؤلاء with no antecedent) has neither label: shown like an implicit one
        if (not att.implicit and att.source_start is not None and att.source_end is not None
                and att.source_type in cfg.SOURCE_LABELS):
            source = region("s", att, att.source_start, att.source_end, cfg.SOURCE_LABELS[att.source_type])
            kind = _value(att.source_kind)
            if source not in kinds and kind in cfg.KINDS:  # one kind per region, even when shared
                kinds[source] = kind
                kind_rules[source] = att.source_kind_rule
                result.append(_choices(source, text, att.source_start, att.source_end, cfg.KIND, [kind]))
            source_ids[att.attribution_id] = source
        if claim is not None:
            relations.append(_relation(cue, claim, cfg.CUE_OF))
            if source is not None:
                relations.append(_relation(source, claim, cfg.ATTRIBUTED_TO))
        elif source is not None:
            relations.append(_relation(cue, source, cfg.CUE_OF))

    for att in attributions:
        cue = cue_ids[att.attribution_id]
        if att.antecedent_id is not None and att.antecedent_id in by_id:
            target = source_ids.get(att.antecedent_id) or cue_ids[att.antecedent_id]
            relations.append(_relation(cue, target, cfg.ANTECEDENT))
        if att.origin_id is not None and att.origin_id in cue_ids:
            relations.append(_relation(cue, cue_ids[att.origin_id], cfg.RELAYS))

    for rid, (start, end) in regions.items():
        grade = claim_grade[rid][1] if rid in claim_grade else None
        lines = cfg.describe(labels[rid], kinds.get(rid), grade, rules_of[rid], kind_rules.get(rid))
        result.append(_textarea(rid, start, end, cfg.RULE, lines))
    for rid, (_, grade) in claim_grade.items():
        start, end = regions[rid]
        result.append(_choices(rid, text, start, end, cfg.GRADE, [grade]))
    # attribution extras ride on the cue's span item
    span_items = {item["id"]: item for item in result if item.get("from_name") == cfg.SPAN}
    for att in attributions:
        span_items[cue_ids[att.attribution_id]].setdefault("meta", {}).setdefault("annotate", []).append(_extras(att))
    # de-duplicate relations (two attributions can share both ends)
    seen: set[tuple[str, str, str]] = set()
    for rel in relations:
        key = (rel["from_id"], rel["to_id"], rel["labels"][0])
        if key not in seen:
            seen.add(key)
            result.append(rel)
    return result


def triage_score(attributions: list[Attribution]) -> float:
    """The prediction's ``score``, for sorting and filtering tasks in the Data Manager.

    The lowest credibility score among the article's attributions (the weakest claim
    is what a reviewer should look at first); 1.0 for an article with none.
    """
    scores = [a.credibility_score for a in attributions if isinstance(a.credibility_score, int | float)]
    return round(float(min(scores)), 4) if scores else 1.0


def attach_lost(result: list[Region], lost: list[Any]) -> None:
    """Candidates that lost arbitration ride on the cue region of the winner they overlap
    (``meta.annotate_lost``), so the report can count overlaps and lost arbitrations per
    rule. A loser that overlaps no winning cue has no region to ride on and is left out."""
    cues = [i for i in result if i.get("type") == "labels" and i["value"]["labels"] == [cfg.CUE]]
    for loser in lost:
        for item in cues:
            value = item["value"]
            if value["start"] < loser.cue_end and loser.cue_start < value["end"]:
                item.setdefault("meta", {}).setdefault("annotate_lost", []).append(
                    {"rule_id": loser.rule_id, "reason": loser.reason, "cue_start": loser.cue_start,
                     "cue_end": loser.cue_end})
                break


def build_prediction(text: str, attributions: list[Attribution], version: str,
                     lost: list[Any] | None = None) -> dict[str, Any]:
    """A full prediction dict (``model_version``, ``score`` and ``result``) for one article."""
    result = prediction_result(text, attributions, version_tag(version))
    attach_lost(result, lost or [])
    return {"model_version": version, "score": triage_score(attributions), "result": result}


def check_prediction(prediction: Mapping[str, Any], text: str, interface: LabelInterface) -> list[str]:
    """Every problem that must stop this prediction from being sent (empty list: fine).

    Offsets are checked against the text exactly as it will be stored in the task;
    labels and choices against the labeling config.
    """
    problems: list[str] = []
    for n, item in enumerate(prediction.get("result", [])):
        value = item.get("value")
        if not value or "start" not in value:
            continue
        start, end = value["start"], value["end"]
        if not (0 <= start < end <= len(text)):
            problems.append(f"region {item.get('id')}: offsets {start}..{end} outside text of {len(text)}")
            continue
        if item.get("type") in {"labels", "choices"} and value.get("text") != text[start:end]:
            problems.append(
                f"region {item.get('id')}: text {value.get('text')!r} != text[{start}:{end}] {text[start:end]!r}"
            )
    errors = interface.validate_prediction(dict(prediction), return_errors=True)  # type: ignore[no-untyped-call]
    if errors:
        problems.extend(str(e) for e in errors)
    return problems


def draft_task(
    doc: DocumentResult, text: str, meta: Mapping[str, Any] | None, version: str, interface: LabelInterface
) -> TaskDraft:
    """Build and check the task for one annotated article."""
    prediction = build_prediction(text, doc.attributions, version, doc.lost)
    problems = check_prediction(prediction, text, interface)
    return TaskDraft(doc_id=doc.doc_id, data=task_data(doc.doc_id, text, meta, doc.attributions),
                     prediction=prediction,
                     problems=problems)
