"""``annotate ls pull``: reviewed annotations → ``reviewed.parquet`` (+ regions, + errors).

``reviewed.parquet`` has one row per attribution per review: the columns of
``attributions.parquet`` (holding the reviewer's values), the carried task fields, and

* ``task_id``, ``annotation_id``, ``reviewer``, ``lead_time``, ``task_verdict``;
* ``model_version``: the rule version of the prediction the review was made from, and
  ``reference``: how that prediction was found (see :func:`reference_prediction`);
* ``review``: ``kept`` (accepted as predicted), ``changed`` (same attribution, something
  fixed), ``added`` (the reviewer's own: no rule found it) or ``removed`` (predicted,
  deleted by the reviewer; the row then holds the predicted values);
* ``changes``: what was fixed on a changed row (``cue``, ``source``, ``type``, ``kind``,
  ``claim``, ``grade``, ``implicit``, comma-separated);
* ``cue_review``, ``source_review``, ``claim_review``: the same per region
  (``respanned`` when the reviewer redrew a region over a predicted one);
* ``rule_id``: the rule that produced it (null when added); ``source_kind_rule``: the
  rule that typed its source; ``charged_to``: the rule a change is charged to (a
  change of kind or type only goes to the source-kind rule, when known);
* ``flag``: why the row is not believed (a source labelled named with an anonymous
  kind, or the reverse); flagged rows are listed, not scored;
* ``predicted_*`` columns with the prediction's cue span and source typing;
* ``lost_rules``: on a predicted row, the rules whose candidates lost arbitration to
  its cue (comma-separated), for the report's overlaps and ``lost`` counts;
* ``sentence_text``: on an added row, the sentence the reviewer's cue (or source) is in,
  the example ``annotate ls suggest`` proposes for a new rule.

``reviewed_regions.parquet`` has one row per region (span) per review, predicted and
reviewed label and offsets side by side: the input of per-label precision and recall.

``review_errors.parquet`` has one row per review that could not be read (malformed
result items, offsets outside the text, unknown labels, a prediction that can no
longer be found): one bad annotation never stops the pull or taints the other rows.

Predictions and annotations are matched by region id: Label Studio keeps a
prediction's region ids when the reviewer submits, so a region with a known id was
kept or changed, and one with a new id was added (or redrawn: matched by overlap).
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import polars as pl

from annotate.errors import ExportError
from annotate.labelstudio.client import Studio
from annotate.labelstudio.regions import (
    SENTENCE_END, MalformedResult, Parsed, Rebuilt, Region, assemble, pair_nearest, parse_result, region_status, tag_of,
    version_tag,
)
from annotate.labelstudio.store import PredictionStore
from annotate.labelstudio.tasks import SUMMARY_FIELDS

ATTRIBUTION_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "doc_id": pl.String, "attribution_id": pl.Int64, "sentence_index": pl.Int64,
    "cue_start": pl.Int64, "cue_end": pl.Int64, "cue_text": pl.String,
    "source_start": pl.Int64, "source_end": pl.Int64, "source_text": pl.String, "source_role": pl.String,
    "source_type": pl.String, "source_kind": pl.String, "source_kind_rule": pl.String, "implicit": pl.Boolean,
    "antecedent_id": pl.Int64, "antecedent_text": pl.String, "origin_id": pl.Int64,
    "claim_start": pl.Int64, "claim_end": pl.Int64, "claim_text": pl.String,
    "credibility_grade": pl.String, "credibility_score": pl.Float64, "credibility_reasons": pl.List(pl.String),
    "rule_id": pl.String, "pack_version": pl.String,
    "source_key": pl.String, "source_gender": pl.String, "source_gender_evidence": pl.String,
}
REVIEW_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "task_id": pl.Int64, "annotation_id": pl.Int64, "reviewer": pl.String, "lead_time": pl.Float64,
    "task_verdict": pl.String, "model_version": pl.String, "reference": pl.String,
    "review": pl.String, "changes": pl.String, "cue_review": pl.String, "source_review": pl.String,
    "claim_review": pl.String, "source_kind_rule": pl.String, "charged_to": pl.String, "flag": pl.String,
    "predicted_cue_start": pl.Int64, "predicted_cue_end": pl.Int64,
    "predicted_source_type": pl.String, "predicted_source_kind": pl.String,
    "sentence_text": pl.String, "lost_rules": pl.String,
}
REGION_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "doc_id": pl.String, "task_id": pl.Int64, "annotation_id": pl.Int64, "reviewer": pl.String,
    "model_version": pl.String, "region_id": pl.String, "status": pl.String,
    "predicted_label": pl.String, "predicted_start": pl.Int64, "predicted_end": pl.Int64,
    "reviewed_label": pl.String, "reviewed_start": pl.Int64, "reviewed_end": pl.Int64,
    "text": pl.String, "rule_ids": pl.String,
}
ERROR_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "task_id": pl.Int64, "annotation_id": pl.Int64, "doc_id": pl.String, "reviewer": pl.String,
    "reason": pl.String,
}
#: task data keys that are the toolkit's own, not carried input fields
OWN_DATA = frozenset({"text", "doc_id", *SUMMARY_FIELDS})


class MissingReference(ValueError):
    """The prediction a review was made from is neither in Label Studio nor in the store."""


@dataclass
class PullResult:
    project_id: int
    tasks: int
    annotations: int
    attributions: int
    regions: int
    errors: int
    flagged: int
    reviewed_path: Path
    regions_path: Path
    errors_path: Path


# -- which prediction a review was made from ---------------------------------------------

def _when(value: Any) -> datetime | None:
    """A timestamp from Label Studio (a datetime from the SDK or an ISO string), in UTC."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def reference_prediction(task: Mapping[str, Any], annotation: Mapping[str, Any], project_version: str = "",
                         store: PredictionStore | None = None) -> tuple[Mapping[str, Any] | None, str | None]:
    """The prediction the reviewer started from, and how it was found.

    1. The version tag in the review's region ids (``c3_1a2b3c4d``): the regions the
       reviewer kept came from that rule version. Its prediction is taken from the
       task (``parent_prediction`` first, when it has that version), else from the
       local store (after ``--delete-old``). A tag found nowhere raises
       :class:`MissingReference`: scoring against another version would be wrong.
    2. No tagged region left (the reviewer deleted every predicted region, or the
       project predates tags): ``parent_prediction``, else the newest prediction
       made before the review was started, else the project's version, else the newest.
    """
    predictions = [p for p in task.get("predictions") or [] if isinstance(p, Mapping)]
    parent_id = annotation.get("parent_prediction")
    parent = next((p for p in predictions if parent_id is not None and p.get("id") == parent_id), None)
    result = annotation.get("result")
    found = (tag_of(str(item.get("id"))) for item in (result if isinstance(result, list) else [])
             if isinstance(item, Mapping) and item.get("type") == "labels")
    tags = Counter(tag for tag in found if tag is not None)  # regions drawn in Label Studio carry none
    if tags:
        tag = tags.most_common(1)[0][0]
        if parent is not None and version_tag(str(parent.get("model_version") or "")) == tag:
            return parent, "parent_prediction"
        tagged = [p for p in predictions if version_tag(str(p.get("model_version") or "")) == tag]
        if tagged:
            return max(tagged, key=lambda p: p.get("id") or 0), "region_ids"
        data = task.get("data") or {}
        version = store.versions_by_tag().get(tag) if store is not None else None
        if store is not None and version is not None:
            stored = store.get(version, str(data.get("doc_id", task.get("id"))), str(data.get("text", "")))
            if stored is not None:
                return stored, "store"
        where = f" nor in the prediction store {store.root}" if store is not None else ""
        raise MissingReference(
            f"the review was made from a rule version (tag {tag}) whose prediction is no longer in Label Studio"
            f"{where}; point --store at the folder `ls push` wrote, or it cannot be scored")
    if parent is not None:
        return parent, "parent_prediction"
    started = _when(annotation.get("draft_created_at")) or _when(annotation.get("created_at"))
    if started is not None:
        earlier = [p for p in predictions if (_when(p.get("created_at")) or started) <= started
                   and _when(p.get("created_at")) is not None]
        if earlier:
            return max(earlier, key=lambda p: (_when(p.get("created_at")), p.get("id") or 0)), "time"
    current = [p for p in predictions if p.get("model_version") == project_version]
    if current:
        return current[0], "project_version"
    if predictions:
        return max(predictions, key=lambda p: p.get("id") or 0), "newest"
    return None, None


# -- comparing a review with its prediction ------------------------------------------------

def _values(att: Rebuilt, all_: list[Rebuilt], extras: Mapping[str, Any] | None) -> dict[str, Any]:
    """Attribution columns from a rebuilt attribution; what regions cannot hold comes
    from the prediction's extras (rule, score, reasons, role, sentence)."""
    extras = extras or {}
    cue, src, claim = att.cue, att.source, att.claim
    ante = all_[att.antecedent] if att.antecedent is not None else None
    ante_region = ante.source or ante.cue if ante else None
    return {
        "attribution_id": None, "sentence_index": extras.get("sentence_index"),
        "cue_start": cue.start if cue else None, "cue_end": cue.end if cue else None,
        "cue_text": cue.text if cue else None,
        "source_start": src.start if src else None, "source_end": src.end if src else None,
        "source_text": src.text if src else None, "source_role": extras.get("source_role"),
        "source_type": att.source_type, "source_kind": att.source_kind,
        "source_kind_rule": extras.get("source_kind_rule"), "implicit": att.implicit,
        "antecedent_id": att.antecedent, "antecedent_text": ante_region.text if ante_region else None,
        "origin_id": att.origin,
        "claim_start": claim.start if claim else None, "claim_end": claim.end if claim else None,
        "claim_text": claim.text if claim else None,
        "credibility_grade": claim.grade if claim else None,
        "credibility_score": extras.get("credibility_score"),
        "credibility_reasons": extras.get("credibility_reasons"),
        "rule_id": extras.get("rule_id"), "pack_version": extras.get("pack_version"),
        "source_kind_rule": extras.get("source_kind_rule"),
        # the engine's name and gender of the predicted source (a reviewer edits neither)
        "source_key": extras.get("source_key"), "source_gender": extras.get("source_gender"),
        "source_gender_evidence": extras.get("source_gender_evidence"),
    }


def _extras_of(att: Rebuilt) -> dict[str, Any] | None:
    """The engine's record for a predicted attribution, kept on its cue region."""
    if att.cue is None or not att.cue.extras:
        return None
    return att.cue.extras[0]


def _changes(before: Rebuilt, after: Rebuilt) -> list[str]:
    """What the reviewer fixed, field by field (empty: kept)."""
    def span(region: Region | None) -> tuple[int, int] | None:
        return None if region is None else (region.start, region.end)
    checks = [("cue", span(before.cue), span(after.cue)), ("source", span(before.source), span(after.source)),
              ("type", before.source_type, after.source_type), ("kind", before.source_kind, after.source_kind),
              ("claim", span(before.claim), span(after.claim)),
              ("grade", before.claim.grade if before.claim else None, after.claim.grade if after.claim else None),
              ("implicit", before.implicit, after.implicit)]
    return [name for name, old, new in checks if old != new]


KIND_ONLY = frozenset({"kind", "type"})


def _match(pred_atts: list[Rebuilt], rev_atts: list[Rebuilt]) -> tuple[dict[int, Rebuilt], set[int]]:
    """Reviewed attribution index → its predicted attribution; plus redrawn cue indexes.

    By the cue's region id (or the source's, for a cue-less one); then a reviewed
    attribution with a new cue is matched to an unmatched predicted one whose cue it
    overlaps, or whose source region it kept (the reviewer redrew the cue).
    """
    by_key = {a.key_region.id: a for a in pred_atts}
    matched: dict[int, Rebuilt] = {}
    taken: set[int] = set()
    for i, att in enumerate(rev_atts):
        before = by_key.get(att.key_region.id)
        if before is not None and id(before) not in taken:
            matched[i] = before
            taken.add(id(before))
    free_pred = [a for a in pred_atts if id(a) not in taken and a.cue is not None]
    waiting = {id(a.cue): i for i, a in enumerate(rev_atts) if i not in matched and a.cue is not None}
    by_cue = {id(a.cue): a for a in free_pred}
    respanned: set[int] = set()

    def same_attribution(new_cue: Region, old_cue: Region) -> bool:
        new, old = rev_atts[waiting[id(new_cue)]], by_cue[id(old_cue)]
        kept_source = new.source is not None and old.source is not None and new.source.id == old.source.id
        return new_cue.overlaps(old_cue) or kept_source
    for new_cue, old_cue in pair_nearest([a.cue for a in rev_atts if id(a.cue) in waiting],  # type: ignore[misc]
                                         [a.cue for a in free_pred if a.cue is not None], same_attribution):
        i = waiting[id(new_cue)]
        matched[i] = by_cue[id(old_cue)]
        respanned.add(i)
    return matched, respanned


def compare(predicted: Parsed, reviewed: Parsed, text: str | None = None) -> list[dict[str, Any]]:
    """One row per attribution: the reviewed ones (kept, changed, added) and the removed ones."""
    pred_atts = assemble(predicted, text)
    rev_atts = assemble(reviewed, text)
    matched, respanned = _match(pred_atts, rev_atts)
    used = {id(b) for b in matched.values()}
    rows: list[dict[str, Any]] = []
    for i, att in enumerate(rev_atts):
        before = matched.get(i)
        if before is None and att.cue is None and att.source is not None and att.source.id in predicted.regions:
            continue  # a predicted source left behind when its cue was deleted: part of that removal
        row = _values(att, rev_atts, _extras_of(before) if before else None)
        row["attribution_id"] = len(rows)
        changes = _changes(before, att) if before is not None else []
        row["review"] = "added" if before is None else ("changed" if changes else "kept")
        row["changes"] = ", ".join(changes) or None
        row["cue_review"] = "respanned" if i in respanned else region_status(att.cue, predicted.regions)
        row["source_review"] = _status(att.source, before.source if before else None, predicted)
        row["claim_review"] = _status(att.claim, before.claim if before else None, predicted)
        row["flag"] = att.contradiction()
        row.update(_predicted_cols(before))
        if before is None:
            row["rule_id"] = row["source_kind_rule"] = None
        kind_rule = row.get("source_kind_rule")
        row["charged_to"] = kind_rule if (changes and set(changes) <= KIND_ONLY and kind_rule) else row["rule_id"]
        rows.append(row)
    for before in pred_atts:
        if id(before) in used:
            continue
        row = _values(before, pred_atts, _extras_of(before))
        row["attribution_id"] = None  # not an attribution of the reviewed text
        row.update(review="removed", changes=None, flag=None, charged_to=row["rule_id"],
                   cue_review="removed" if before.cue else None,
                   source_review="removed" if before.source else None,
                   claim_review="removed" if before.claim else None)
        row.update(_predicted_cols(before))
        rows.append(row)
    return rows


def _status(region: Region | None, predicted_region: Region | None, predicted: Parsed) -> str | None:
    """kept / changed / added, or ``respanned``: a new region the reviewer drew over the
    predicted one of the same attribution (the editor cannot resize a span: it is redrawn)."""
    status = region_status(region, predicted.regions)
    if (status == "added" and region is not None and predicted_region is not None
            and predicted_region.id not in (r.id for r in [region]) and region.overlaps(predicted_region)):
        return "respanned"
    return status


def _predicted_cols(before: Rebuilt | None) -> dict[str, Any]:
    lost = before.cue.lost if before and before.cue else []
    return {
        "lost_rules": ", ".join(sorted({str(c.get("rule_id")) for c in lost})) or None,
        "predicted_cue_start": before.cue.start if before and before.cue else None,
        "predicted_cue_end": before.cue.end if before and before.cue else None,
        "predicted_source_type": before.source_type if before else None,
        "predicted_source_kind": before.source_kind if before else None,
    }


def compare_regions(predicted: Parsed, reviewed: Parsed) -> list[dict[str, Any]]:
    """One row per span region, predicted and reviewed side by side, matched by id;
    a new region redrawn over a deleted one of the same label is one ``respanned`` row."""
    removed = [r for rid, r in predicted.regions.items() if rid not in reviewed.regions]
    added = [r for rid, r in reviewed.regions.items() if rid not in predicted.regions]
    redrawn = {id(new): old for new, old in
               pair_nearest(added, removed, lambda a, b: a.label == b.label and a.overlaps(b))}
    redrawn_old = {r.id for r in redrawn.values()}

    def row(before: Region | None, after: Region | None, status: str | None) -> dict[str, Any]:
        return {
            "region_id": (after or before).id if (after or before) else None, "status": status,  # type: ignore[union-attr]
            "predicted_label": before.label if before else None,
            "predicted_start": before.start if before else None, "predicted_end": before.end if before else None,
            "reviewed_label": after.label if after else None,
            "reviewed_start": after.start if after else None, "reviewed_end": after.end if after else None,
            "text": after.text if after else before.text if before else None,
            "rule_ids": ", ".join(before.rules) if before and before.rules else None,
        }
    rows = []
    for rid, before in predicted.regions.items():
        if rid in redrawn_old:
            continue
        after = reviewed.regions.get(rid)
        rows.append(row(before, after, "removed" if after is None else region_status(after, predicted.regions)))
    for after in added:
        if id(after) in redrawn:
            rows.append(row(redrawn[id(after)], after, "respanned"))
        else:
            rows.append(row(None, after, "added"))
    return rows


def _reviewer(annotation: Mapping[str, Any], users: Mapping[int, str]) -> str:
    """Who made the review: ``completed_by`` may be an id, a user object or an e-mail."""
    who = annotation.get("completed_by")
    if isinstance(who, Mapping):
        who = who.get("email") or who.get("id")
    if isinstance(who, bool) or who is None:
        return "?"
    if isinstance(who, int) or (isinstance(who, str) and who.isdigit() and len(who) < 19):
        return users.get(int(who), str(who))
    return str(who)[:200]


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**63 else None


def check_interface(result: Any, interface: Any) -> None:
    """The review against the project's labeling config, as a prediction is checked before
    push (``LabelInterface.validate_prediction``); raises :class:`MalformedResult`."""
    try:
        errors = interface.validate_prediction({"result": result}, return_errors=True)
    except Exception as exc:  # noqa: BLE001 - the SDK's validator fails in many ways on hostile input
        errors = [f"the labeling config's validator could not read it ({type(exc).__name__})"]
    if errors:
        raise MalformedResult([str(e)[:500] for e in errors[:10]])


def review_rows(task: Mapping[str, Any], annotation: Mapping[str, Any], reviewer: str,
                project_version: str = "", store: PredictionStore | None = None, interface: Any = None
                ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Attribution rows and region rows for one annotation of one task.

    Raises :class:`MalformedResult` or :class:`MissingReference` when the review
    cannot be read or scored; the caller turns that into an error row. With
    ``interface`` (the project's ``LabelInterface``) the review is also validated
    against the labeling config.
    """
    data = task.get("data") if isinstance(task.get("data"), Mapping) else {}
    assert isinstance(data, Mapping)
    text = data.get("text")
    if not isinstance(text, str):
        raise MalformedResult(["the task has no text"])
    prediction, how = reference_prediction(task, annotation, project_version, store)
    try:
        predicted = parse_result(prediction.get("result") or [], text) if prediction else Parsed({}, [], None)
    except MalformedResult as exc:
        raise MalformedResult([f"its prediction: {p}" for p in exc.problems]) from None
    reviewed = parse_result(annotation.get("result") or [], text)
    if interface is not None:
        check_interface(annotation.get("result") or [], interface)
    doc_id = str(data.get("doc_id", task.get("id")))
    common = {
        "task_id": _int_or_none(task.get("id")), "annotation_id": _int_or_none(annotation.get("id")),
        "reviewer": reviewer, "model_version": prediction.get("model_version") if prediction else None,
    }
    carried = {(f"input_{key}" if key in ATTRIBUTION_SCHEMA or key in REVIEW_SCHEMA else str(key)):
               (None if value is None else str(value)) for key, value in data.items() if key not in OWN_DATA}
    attributions = []
    for row in compare(predicted, reviewed, text):
        row.update(common, doc_id=doc_id, reference=how, lead_time=_number(annotation.get("lead_time")),
                   task_verdict=reviewed.verdict)
        anchor = row["cue_start"] if row["cue_start"] is not None else row["source_start"]
        if row["review"] == "added" and anchor is not None:
            row["sentence_text"] = sentence_around(text, anchor)
        row.update(carried)
        attributions.append(row)
    regions = [dict(r, doc_id=doc_id, **common) for r in compare_regions(predicted, reviewed)]
    return attributions, regions


def sentence_around(text: str, at: int, limit: int = 400) -> str:
    """The sentence of ``text`` holding offset ``at`` (at most ``limit`` characters each way)."""
    start = at
    while start > 0 and at - start < limit and not SENTENCE_END.match(text, start - 1):
        start -= 1
    end = at
    while end < len(text) and end - at < limit and not SENTENCE_END.match(text, end):
        end += 1
    if end < len(text) and text[end] in ".!?؟":
        end += 1
    return text[start:end].strip()


@dataclass
class Frames:
    attributions: pl.DataFrame
    regions: pl.DataFrame
    errors: pl.DataFrame


def reviewed_frames(tasks: Sequence[Mapping[str, Any]], users: Mapping[int, str],
                    project_version: str = "", store: PredictionStore | None = None,
                    interface: Any = None) -> Frames:
    """The three tables for every non-cancelled annotation of ``tasks``."""
    att_rows: list[dict[str, Any]] = []
    region_rows: list[dict[str, Any]] = []
    error_rows: list[dict[str, Any]] = []
    for task in tasks:
        annotations = task.get("annotations") if isinstance(task, Mapping) else None
        for annotation in annotations if isinstance(annotations, list) else []:
            if not isinstance(annotation, Mapping) or annotation.get("was_cancelled"):
                continue
            reviewer = _reviewer(annotation, users)
            try:
                a, r = review_rows(task, annotation, reviewer, project_version, store, interface)
            except (MalformedResult, MissingReference) as exc:
                raw_data = task.get("data")
                data = raw_data if isinstance(raw_data, Mapping) else {}
                error_rows.append({"task_id": _int_or_none(task.get("id")),
                                   "annotation_id": _int_or_none(annotation.get("id")),
                                   "doc_id": str(data.get("doc_id", task.get("id")))[:500], "reviewer": reviewer,
                                   "reason": str(exc)[:2000]})
                continue
            att_rows += a
            region_rows += r
    carried = sorted({k for row in att_rows for k in row} - set(ATTRIBUTION_SCHEMA) - set(REVIEW_SCHEMA))
    schema = {**ATTRIBUTION_SCHEMA, **REVIEW_SCHEMA, **{k: pl.String for k in carried}}
    return Frames(
        attributions=pl.DataFrame([{k: row.get(k) for k in schema} for row in att_rows], schema=schema,
                                  orient="row"),
        regions=pl.DataFrame([{k: row.get(k) for k in REGION_SCHEMA} for row in region_rows],
                             schema=REGION_SCHEMA, orient="row"),
        errors=pl.DataFrame(error_rows, schema=ERROR_SCHEMA, orient="row"),
    )


def write_atomic(frame: pl.DataFrame, path: Path) -> None:
    """Write Parquet to a temporary file beside ``path`` and move it in place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        frame.write_parquet(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise ExportError(f"cannot write {path}: {exc}") from exc


def pull(studio: Studio, project: str, out_dir: Path, progress: Callable[[int], None] | None = None,
         store: PredictionStore | None = None) -> PullResult:
    """Fetch every reviewed task of ``project`` and write the three tables into ``out_dir``."""
    from label_studio_sdk.label_interface.interface import LabelInterface

    studio.check()
    project_id = studio.require_project(project)
    details = studio.project(project_id)
    version = str(details.get("model_version") or "")
    try:
        interface = LabelInterface(str(details.get("label_config") or ""))
    except Exception:  # noqa: BLE001 - a config the SDK cannot parse: our own checks still run
        interface = None
    tasks = []
    for task in studio.annotated_tasks(project_id):
        tasks.append(task)
        if progress:
            progress(len(tasks))
    frames = reviewed_frames(tasks, studio.users() if tasks else {}, version,
                             store if store is not None else PredictionStore(), interface)
    paths = [out_dir / name for name in ("reviewed.parquet", "reviewed_regions.parquet", "review_errors.parquet")]
    for frame, path in zip((frames.attributions, frames.regions, frames.errors), paths):
        write_atomic(frame, path)
    attributions = frames.attributions
    return PullResult(
        project_id=project_id, tasks=len(tasks),
        annotations=attributions.select(pl.col("annotation_id").n_unique()).item() if len(attributions) else 0,
        attributions=len(attributions), regions=len(frames.regions), errors=len(frames.errors),
        flagged=attributions.filter(pl.col("flag").is_not_null()).height,
        reviewed_path=paths[0], regions_path=paths[1], errors_path=paths[2])
