"""Rule quality against the reviewers, shaped like Snorkel's ``LFAnalysis``.

Input: the two tables :mod:`annotate.labelstudio.pull` writes. One small pure function
per metric, each defined in its docstring, all over *reviewed* tasks only (a rule's
output on a task nobody reviewed is not evidence either way). :func:`rule_summary`
combines them into one row per rule (``rules_report.parquet``); :func:`label_summary`
gives per-label precision, recall and F1 of the whole pack; :func:`missed_cues` lists
what reviewers added that no rule found, grouped by cue.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from annotate.labelstudio import config as cfg
from annotate.labelstudio.pull import write_atomic

PREDICTED = ("kept", "changed", "removed")


def _predicted(reviewed: pl.DataFrame) -> pl.DataFrame:
    """Rows that a rule produced (everything but the reviewers' additions)."""
    return reviewed.filter(pl.col("review").is_in(PREDICTED) & pl.col("rule_id").is_not_null())


def _ratio(num: str, den: str) -> pl.Expr:
    return pl.when(pl.col(den) > 0).then(pl.col(num) / pl.col(den)).otherwise(None)


def fired(reviewed: pl.DataFrame) -> pl.DataFrame:
    """``fired``: attributions the rule produced on reviewed tasks."""
    return _predicted(reviewed).group_by("rule_id").agg(pl.len().cast(pl.Int64).alias("fired"))


def coverage(reviewed: pl.DataFrame) -> pl.DataFrame:
    """``coverage``: share of reviews (annotations) in which the rule fired at least once."""
    reviews = max(reviewed.select(pl.col("annotation_id").n_unique()).item(), 1) if len(reviewed) else 1
    return _predicted(reviewed).group_by("rule_id").agg(
        (pl.col("annotation_id").n_unique() / reviews).alias("coverage"))


def _overlapping_pairs(reviewed: pl.DataFrame) -> pl.DataFrame:
    """Pairs of predicted attributions of *different* rules in one review whose cues overlap."""
    cols = ["annotation_id", "rule_id", "predicted_cue_start", "predicted_cue_end", "predicted_source_type"]
    left = _predicted(reviewed).select(cols).with_row_index("row")
    right = left.rename({c: f"{c}_other" for c in left.columns if c != "annotation_id"})
    return left.join(right, on="annotation_id").filter(
        (pl.col("rule_id") != pl.col("rule_id_other"))
        & (pl.col("predicted_cue_start") < pl.col("predicted_cue_end_other"))
        & (pl.col("predicted_cue_start_other") < pl.col("predicted_cue_end"))
    )


def overlaps(reviewed: pl.DataFrame) -> pl.DataFrame:
    """``overlaps``: share of the rule's attributions whose cue overlaps the cue of an
    attribution from another rule in the same review (Snorkel: overlap)."""
    pairs = _overlapping_pairs(reviewed).group_by("rule_id").agg(pl.col("row").n_unique().alias("n"))
    return fired(reviewed).join(pairs, on="rule_id", how="left").select(
        "rule_id", (pl.col("n").fill_null(0) / pl.col("fired")).alias("overlaps"))


def conflicts(reviewed: pl.DataFrame) -> pl.DataFrame:
    """``conflicts``: share of the rule's attributions that overlap another rule's and
    disagree with it on the source type (named vs anonymous) (Snorkel: conflict)."""
    pairs = _overlapping_pairs(reviewed).filter(
        pl.col("predicted_source_type").ne_missing(pl.col("predicted_source_type_other"))
    ).group_by("rule_id").agg(pl.col("row").n_unique().alias("n"))
    return fired(reviewed).join(pairs, on="rule_id", how="left").select(
        "rule_id", (pl.col("n").fill_null(0) / pl.col("fired")).alias("conflicts"))


def outcomes(reviewed: pl.DataFrame) -> pl.DataFrame:
    """``kept`` / ``changed`` / ``removed``: how reviewers treated the rule's attributions
    (accepted as is; same cue but a span, type, kind or grade fixed; deleted)."""
    return _predicted(reviewed).group_by("rule_id").agg(
        *[(pl.col("review") == name).sum().cast(pl.Int64).alias(name) for name in PREDICTED])


def type_changed(reviewed: pl.DataFrame) -> pl.DataFrame:
    """``type_changed``: attributions kept or changed whose source type the reviewer flipped."""
    return _predicted(reviewed).filter(pl.col("review") != "removed").group_by("rule_id").agg(
        pl.col("source_type").ne_missing(pl.col("predicted_source_type")).sum().cast(pl.Int64)
        .alias("type_changed"))


def rule_summary(reviewed: pl.DataFrame) -> pl.DataFrame:
    """One row per rule: fired, coverage, overlaps, conflicts, outcomes and

    * ``precision`` = kept / fired: the share reviewers accepted exactly as predicted
      (Snorkel's empirical accuracy, with the reviewers as gold);
    * ``cue_precision`` = (kept + changed) / fired: the share whose cue was right.
    Sorted worst precision first: what to fix next is at the top.
    """
    frame = fired(reviewed)
    for part in (coverage, overlaps, conflicts, outcomes, type_changed):
        frame = frame.join(part(reviewed), on="rule_id", how="left")
    return frame.with_columns(
        pl.col("type_changed").fill_null(0),
        _ratio("kept", "fired").alias("precision"),
        ((pl.col("kept") + pl.col("changed")) / pl.col("fired")).alias("cue_precision"),
    ).sort(["precision", "fired", "rule_id"], descending=[False, True, False])


def _prf(tp: int, predicted: int, reference: int) -> tuple[float | None, float | None, float | None]:
    precision = tp / predicted if predicted else None
    recall = tp / reference if reference else None
    f1 = (2 * precision * recall / (precision + recall)
          if precision is not None and recall is not None and precision + recall > 0 else None)
    return precision, recall, f1


def label_summary(regions: pl.DataFrame, reviewed: pl.DataFrame) -> pl.DataFrame:
    """Per label, the pack's precision, recall and F1 against the reviewers.

    A predicted region counts as a true positive for label L when the reviewer's
    region with the same id has label L and exactly the same offsets. precision =
    tp / predicted regions of L; recall = tp / reviewed regions of L. The row
    ``attribution`` does the same for whole attributions: tp = kept.
    """
    rows = []
    for label in cfg.LABELS:
        predicted = regions.filter(pl.col("predicted_label") == label).height
        reference = regions.filter(pl.col("reviewed_label") == label).height
        tp = regions.filter(
            (pl.col("predicted_label") == label) & (pl.col("reviewed_label") == label)
            & (pl.col("predicted_start") == pl.col("reviewed_start"))
            & (pl.col("predicted_end") == pl.col("reviewed_end"))
        ).height
        rows.append((label, predicted, reference, tp, *_prf(tp, predicted, reference)))
    predicted = reviewed.filter(pl.col("review").is_in(PREDICTED)).height
    reference = reviewed.filter(pl.col("review") != "removed").height
    tp = reviewed.filter(pl.col("review") == "kept").height
    rows.append(("attribution", predicted, reference, tp, *_prf(tp, predicted, reference)))
    return pl.DataFrame(rows, orient="row", schema={
        "label": pl.String, "predicted": pl.Int64, "reviewed": pl.Int64, "true_positives": pl.Int64,
        "precision": pl.Float64, "recall": pl.Float64, "f1": pl.Float64})


def missed_cues(reviewed: pl.DataFrame) -> pl.DataFrame:
    """What reviewers added that no rule found, by cue text: how often, in how many
    documents, and with which source types. A cue with no text is a source the
    reviewer marked without a cue."""
    added = reviewed.filter(pl.col("review") == "added")
    return added.group_by(pl.col("cue_text").fill_null("(no cue)")).agg(
        pl.len().cast(pl.Int64).alias("added"),
        pl.col("doc_id").n_unique().cast(pl.Int64).alias("documents"),
        pl.col("source_type").drop_nulls().unique().sort().str.join(", ").alias("source_types"),
        pl.col("source_text").drop_nulls().first().alias("example_source"),
    ).sort(["added", "cue_text"], descending=[True, False])


@dataclass
class Report:
    rules: pl.DataFrame
    labels: pl.DataFrame
    missed: pl.DataFrame
    reviews: int
    paths: dict[str, Path]


def build_report(reviewed: pl.DataFrame, regions: pl.DataFrame, out_dir: Path | None = None) -> Report:
    """All three tables; written as Parquet into ``out_dir`` when given."""
    report = Report(rules=rule_summary(reviewed), labels=label_summary(regions, reviewed),
                    missed=missed_cues(reviewed),
                    reviews=reviewed.select(pl.col("annotation_id").n_unique()).item() if len(reviewed) else 0,
                    paths={})
    if out_dir is not None:
        for name, frame in (("rules_report", report.rules), ("labels_report", report.labels),
                            ("missed_cues", report.missed)):
            path = Path(out_dir) / f"{name}.parquet"
            write_atomic(frame, path)
            report.paths[name] = path
    return report
