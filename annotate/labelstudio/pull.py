"""``annotate ls pull``: reviewed annotations → ``reviewed.parquet`` (+ ``reviewed_regions.parquet``).

``reviewed.parquet`` has one row per attribution per review: the columns of
``attributions.parquet`` (holding the reviewer's values), the carried task fields, and

* ``task_id``, ``annotation_id``, ``reviewer``, ``lead_time``, ``task_verdict``, ``model_version``;
* ``review``: ``kept`` (accepted as predicted), ``changed`` (same cue, something fixed),
  ``added`` (the reviewer's own: no rule found it) or ``removed`` (predicted, deleted by
  the reviewer; the row then holds the predicted values);
* ``cue_review``, ``source_review``, ``claim_review``: the same per region;
* ``rule_id``: the rule that produced it (null when added), and ``predicted_*``
  columns with the prediction's cue span and source typing, for rule metrics.

``reviewed_regions.parquet`` has one row per region (span) per review, predicted and
reviewed label and offsets side by side: the input of per-label precision and recall.

Predictions and annotations are matched by region id: Label Studio keeps a
prediction's region ids when the reviewer submits, so a region with a known id was
kept or changed, and one with a new id was added.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from annotate.errors import ExportError
from annotate.labelstudio.client import Studio
from annotate.labelstudio.regions import Parsed, Rebuilt, Region, assemble, parse_result, region_status

ATTRIBUTION_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "doc_id": pl.String, "attribution_id": pl.Int64, "sentence_index": pl.Int64,
    "cue_start": pl.Int64, "cue_end": pl.Int64, "cue_text": pl.String,
    "source_start": pl.Int64, "source_end": pl.Int64, "source_text": pl.String, "source_role": pl.String,
    "source_type": pl.String, "source_kind": pl.String, "source_kind_rule": pl.String, "implicit": pl.Boolean,
    "antecedent_id": pl.Int64, "antecedent_text": pl.String, "origin_id": pl.Int64,
    "claim_start": pl.Int64, "claim_end": pl.Int64, "claim_text": pl.String,
    "credibility_grade": pl.String, "credibility_score": pl.Float64, "credibility_reasons": pl.List(pl.String),
    "rule_id": pl.String, "pack_version": pl.String,
}
REVIEW_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "task_id": pl.Int64, "annotation_id": pl.Int64, "reviewer": pl.String, "lead_time": pl.Float64,
    "task_verdict": pl.String, "model_version": pl.String,
    "review": pl.String, "cue_review": pl.String, "source_review": pl.String, "claim_review": pl.String,
    "predicted_cue_start": pl.Int64, "predicted_cue_end": pl.Int64,
    "predicted_source_type": pl.String, "predicted_source_kind": pl.String,
}
REGION_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "doc_id": pl.String, "task_id": pl.Int64, "annotation_id": pl.Int64, "reviewer": pl.String,
    "model_version": pl.String, "region_id": pl.String, "status": pl.String,
    "predicted_label": pl.String, "predicted_start": pl.Int64, "predicted_end": pl.Int64,
    "reviewed_label": pl.String, "reviewed_start": pl.Int64, "reviewed_end": pl.Int64,
    "text": pl.String, "rule_ids": pl.String,
}


@dataclass
class PullResult:
    project_id: int
    tasks: int
    annotations: int
    attributions: int
    regions: int
    reviewed_path: Path
    regions_path: Path


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
    }


def _extras_of(att: Rebuilt) -> dict[str, Any] | None:
    """The engine's record for a predicted attribution, kept on its cue region."""
    if att.cue is None or not att.cue.extras:
        return None
    return att.cue.extras[0]


def compare(predicted: Parsed, reviewed: Parsed) -> list[dict[str, Any]]:
    """One row per attribution: the reviewed ones (kept, changed, added) and the removed ones."""
    pred_atts = assemble(predicted)
    rev_atts = assemble(reviewed)
    pred_by_region = {a.key_region.id: a for a in pred_atts}
    rows: list[dict[str, Any]] = []
    matched: set[int] = set()
    for att in rev_atts:
        before = pred_by_region.get(att.key_region.id)
        if before is not None and id(before) in matched:
            before = None
        if before is not None:
            matched.add(id(before))
        extras = _extras_of(before) if before else None
        row = _values(att, rev_atts, extras)
        row["attribution_id"] = len(rows)
        row["review"] = "added" if before is None else ("kept" if before.signature() == att.signature() else "changed")
        row["cue_review"] = region_status(att.cue, predicted.regions)
        row["source_review"] = region_status(att.source, predicted.regions)
        row["claim_review"] = region_status(att.claim, predicted.regions)
        row.update(_predicted_cols(before))
        if before is None:
            row["rule_id"] = None
        rows.append(row)
    for before in pred_atts:
        if id(before) in matched:
            continue
        row = _values(before, pred_atts, _extras_of(before))
        row["attribution_id"] = None  # not an attribution of the reviewed text
        row.update(review="removed", cue_review="removed" if before.cue else None,
                   source_review="removed" if before.source else None,
                   claim_review="removed" if before.claim else None)
        row.update(_predicted_cols(before))
        rows.append(row)
    return rows


def _predicted_cols(before: Rebuilt | None) -> dict[str, Any]:
    return {
        "predicted_cue_start": before.cue.start if before and before.cue else None,
        "predicted_cue_end": before.cue.end if before and before.cue else None,
        "predicted_source_type": before.source_type if before else None,
        "predicted_source_kind": before.source_kind if before else None,
    }


def compare_regions(predicted: Parsed, reviewed: Parsed) -> list[dict[str, Any]]:
    """One row per span region, predicted and reviewed side by side, matched by id."""
    rows = []
    for rid in list(predicted.regions) + [r for r in reviewed.regions if r not in predicted.regions]:
        before: Region | None = predicted.regions.get(rid)
        after: Region | None = reviewed.regions.get(rid)
        status = "removed" if after is None else region_status(after, predicted.regions)
        rows.append({
            "region_id": rid, "status": status,
            "predicted_label": before.label if before else None,
            "predicted_start": before.start if before else None, "predicted_end": before.end if before else None,
            "reviewed_label": after.label if after else None,
            "reviewed_start": after.start if after else None, "reviewed_end": after.end if after else None,
            "text": after.text if after else before.text if before else None,
            "rule_ids": ", ".join(before.rules) if before and before.rules else None,
        })
    return rows


def _reference_prediction(task: Mapping[str, Any], annotation: Mapping[str, Any],
                          project_version: str) -> Mapping[str, Any] | None:
    """The prediction the reviewer started from: ``parent_prediction``, else the one of
    the project's model version, else the newest."""
    predictions = list(task.get("predictions") or [])
    parent = annotation.get("parent_prediction")
    chosen: Mapping[str, Any] | None = None
    for pred in predictions:
        if parent is not None and pred.get("id") == parent:
            return dict(pred)
        if chosen is None and pred.get("model_version") == project_version:
            chosen = pred
    if chosen is None and predictions:
        chosen = max(predictions, key=lambda p: p.get("id") or 0)
    return chosen


def review_rows(task: Mapping[str, Any], annotation: Mapping[str, Any], reviewer: str,
                project_version: str = "") -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Attribution rows and region rows for one annotation of one task."""
    prediction = _reference_prediction(task, annotation, project_version)
    predicted = parse_result(prediction.get("result") or []) if prediction else Parsed({}, [], None)
    reviewed = parse_result(annotation.get("result") or [])
    data = task.get("data") or {}
    common = {
        "task_id": task.get("id"), "annotation_id": annotation.get("id"), "reviewer": reviewer,
        "model_version": prediction.get("model_version") if prediction else None,
    }
    attributions = []
    for row in compare(predicted, reviewed):
        row.update(common, doc_id=str(data.get("doc_id", task.get("id"))),
                   lead_time=annotation.get("lead_time"), task_verdict=reviewed.verdict)
        for key, value in data.items():
            if key not in ("text", "doc_id"):
                row[f"input_{key}" if key in ATTRIBUTION_SCHEMA or key in REVIEW_SCHEMA else key] = (
                    None if value is None else str(value))
        attributions.append(row)
    regions = [dict(r, doc_id=str(data.get("doc_id", task.get("id"))), **common)
               for r in compare_regions(predicted, reviewed)]
    return attributions, regions


def reviewed_frames(tasks: Sequence[Mapping[str, Any]], users: Mapping[int, str],
                    project_version: str = "") -> tuple[pl.DataFrame, pl.DataFrame]:
    """Both tables for every non-cancelled annotation of ``tasks``."""
    att_rows: list[dict[str, Any]] = []
    region_rows: list[dict[str, Any]] = []
    for task in tasks:
        for annotation in task.get("annotations") or []:
            if annotation.get("was_cancelled"):
                continue
            who = annotation.get("completed_by")
            who_id = who.get("id") if isinstance(who, dict) else who
            reviewer = users.get(int(who_id), str(who_id)) if who_id is not None else "?"
            a, r = review_rows(task, annotation, reviewer, project_version)
            att_rows += a
            region_rows += r
    carried = sorted({k for row in att_rows for k in row} - set(ATTRIBUTION_SCHEMA) - set(REVIEW_SCHEMA))
    schema = {**ATTRIBUTION_SCHEMA, **REVIEW_SCHEMA, **{k: pl.String for k in carried}}
    attributions = pl.DataFrame([{k: row.get(k) for k in schema} for row in att_rows], schema=schema, orient="row")
    regions = pl.DataFrame([{k: row.get(k) for k in REGION_SCHEMA} for row in region_rows],
                           schema=REGION_SCHEMA, orient="row")
    return attributions, regions


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


def pull(studio: Studio, project: str, out_dir: Path,
         progress: Callable[[int], None] | None = None) -> PullResult:
    """Fetch every reviewed task of ``project`` and write both tables into ``out_dir``."""
    studio.check()
    project_id = studio.require_project(project)
    version = str(studio.project(project_id).get("model_version") or "")
    tasks = []
    for task in studio.annotated_tasks(project_id):
        tasks.append(task)
        if progress:
            progress(len(tasks))
    attributions, regions = reviewed_frames(tasks, studio.users(), version)
    reviewed_path, regions_path = out_dir / "reviewed.parquet", out_dir / "reviewed_regions.parquet"
    write_atomic(attributions, reviewed_path)
    write_atomic(regions, regions_path)
    return PullResult(project_id=project_id, tasks=len(tasks),
                      annotations=attributions.select(pl.col("annotation_id").n_unique()).item() if len(attributions) else 0,
                      attributions=len(attributions), regions=len(regions),
                      reviewed_path=reviewed_path, regions_path=regions_path)
