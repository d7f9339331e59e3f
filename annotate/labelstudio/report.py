"""Rule quality against the reviewers, shaped like Snorkel's ``LFAnalysis``.

Input: the two tables :mod:`annotate.labelstudio.pull` writes. One small pure function
per metric, each defined in its docstring, all over *reviewed* tasks only (a rule's
output on a task nobody reviewed is not evidence either way). :func:`rule_summary`
combines them into one row per rule and rule version (``rules_report.parquet``):
each review counts for the version of the prediction it was made from, so updating
the rules mid-review never mixes two versions in one figure. :func:`label_summary`
gives per-version, per-label precision, recall and F1 of the whole pack;
:func:`missed_cues` lists what reviewers added that no rule found, grouped by cue;
:func:`flagged` the contradictory rows that were not scored.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from annotate.labelstudio import config as cfg
from annotate.labelstudio.pull import write_atomic

PREDICTED = ("kept", "changed", "removed")
#: every figure is per rule version: a report never mixes two versions of a rule
KEY = ["model_version", "rule_id", "role"]
_OPTIONAL = {"model_version": pl.String, "flag": pl.String, "charged_to": pl.String,
             "source_kind_rule": pl.String, "lost_rules": pl.String}


def _complete(reviewed: pl.DataFrame) -> pl.DataFrame:
    """Tables pulled by an older version lack some columns: add them, empty."""
    missing = [pl.lit(None, dtype=t).alias(c) for c, t in _OPTIONAL.items() if c not in reviewed.columns]
    frame = reviewed.with_columns(missing) if missing else reviewed
    if "charged_to" in [m.meta.output_name() for m in missing]:
        frame = frame.with_columns(pl.col("rule_id").alias("charged_to"))
    return frame


def charges(reviewed: pl.DataFrame) -> pl.DataFrame:
    """One row per (rule, predicted attribution) with the outcome charged to that rule.

    A predicted attribution is charged to its cue rule (``role`` ``cue``) and, when the
    source-kind rule that typed its source is known, to that rule too (``role``
    ``source_kind``). A change of kind or type only is the kind rule's: the cue rule
    counts it as kept. Flagged rows (contradictory regions) are left out.
    """
    rows = _complete(reviewed).filter(
        pl.col("review").is_in(PREDICTED) & pl.col("rule_id").is_not_null() & pl.col("flag").is_null())
    cue = rows.with_columns(
        pl.lit("cue").alias("role"),
        pl.when((pl.col("review") == "changed") & pl.col("charged_to").ne_missing(pl.col("rule_id")))
        .then(pl.lit("kept")).otherwise(pl.col("review")).alias("outcome"))
    kind = rows.filter(pl.col("source_kind_rule").is_not_null() & (pl.col("review") != "removed")).with_columns(
        pl.col("source_kind_rule").alias("rule_id"), pl.lit("source_kind").alias("role"),
        pl.when(pl.col("charged_to") == pl.col("source_kind_rule")).then(pl.lit("changed"))
        .otherwise(pl.lit("kept")).alias("outcome"))
    return pl.concat([cue, kind], how="diagonal_relaxed")


def _ratio(num: str, den: str) -> pl.Expr:
    return pl.when(pl.col(den) > 0).then(pl.col(num) / pl.col(den)).otherwise(None)


def fired(charged: pl.DataFrame) -> pl.DataFrame:
    """``fired``: attributions the rule produced (cue rule) or typed (kind rule) on reviewed tasks."""
    return charged.group_by(KEY).agg(pl.len().cast(pl.Int64).alias("fired"))


def coverage(charged: pl.DataFrame, reviewed: pl.DataFrame) -> pl.DataFrame:
    """``coverage``: share of the reviews of that rule version in which the rule fired at least once."""
    reviews = _complete(reviewed).group_by("model_version").agg(
        pl.col("annotation_id").n_unique().alias("reviews"))
    return charged.group_by(KEY).agg(pl.col("annotation_id").n_unique().alias("n")).join(
        reviews, on="model_version", how="left", nulls_equal=True).select(
        *KEY, (pl.col("n") / pl.col("reviews")).alias("coverage"))


def _overlapping_pairs(charged: pl.DataFrame) -> pl.DataFrame:
    """Pairs of predicted attributions of *different* cue rules in one review whose cues overlap."""
    cols = [*KEY, "annotation_id", "predicted_cue_start", "predicted_cue_end", "predicted_source_type"]
    left = charged.filter(pl.col("role") == "cue").select(cols).with_row_index("row")
    right = left.rename({c: f"{c}_other" for c in left.columns if c != "annotation_id"})
    return left.join(right, on="annotation_id").filter(
        (pl.col("rule_id") != pl.col("rule_id_other"))
        & (pl.col("predicted_cue_start") < pl.col("predicted_cue_end_other"))
        & (pl.col("predicted_cue_start_other") < pl.col("predicted_cue_end"))
    )


def overlaps(charged: pl.DataFrame) -> pl.DataFrame:
    """``overlaps``: share of the rule's attributions whose cue overlaps the cue of an
    attribution, or of a candidate that lost arbitration, from another rule in the same
    review (Snorkel: overlap)."""
    cue_rows = charged.filter(pl.col("role") == "cue").with_row_index("row")
    with_pair = _overlapping_pairs(charged).select(*KEY, "annotation_id", "predicted_cue_start").unique()
    beat_one = cue_rows.filter(pl.col("lost_rules").is_not_null()).select(
        *KEY, "annotation_id", "predicted_cue_start")
    n = pl.concat([with_pair, beat_one]).unique().group_by(KEY).agg(pl.len().alias("n"))
    return fired(charged).join(n, on=KEY, how="left", nulls_equal=True).select(
        *KEY, (pl.col("n").fill_null(0) / pl.col("fired")).alias("overlaps"))


def lost(charged: pl.DataFrame) -> pl.DataFrame:
    """``lost``: how often the rule's candidate lost arbitration to another rule's cue
    on the reviewed tasks (the winner's outcome says whether losing was right)."""
    losers = charged.filter((pl.col("role") == "cue") & pl.col("lost_rules").is_not_null()).select(
        "model_version", pl.col("lost_rules").str.split(", ").alias("rule_id")).explode("rule_id")
    return losers.group_by("model_version", "rule_id").agg(pl.len().cast(pl.Int64).alias("lost")).with_columns(
        pl.lit("cue").alias("role"))


def conflicts(charged: pl.DataFrame) -> pl.DataFrame:
    """``conflicts``: share of the rule's attributions that overlap another rule's and
    disagree with it on the source type (named vs anonymous) (Snorkel: conflict)."""
    pairs = _overlapping_pairs(charged).filter(
        pl.col("predicted_source_type").ne_missing(pl.col("predicted_source_type_other"))
    ).group_by(KEY).agg(pl.col("row").n_unique().alias("n"))
    return fired(charged).join(pairs, on=KEY, how="left", nulls_equal=True).select(
        *KEY, (pl.col("n").fill_null(0) / pl.col("fired")).alias("conflicts"))


def outcomes(charged: pl.DataFrame) -> pl.DataFrame:
    """``kept`` / ``changed`` / ``removed``: how reviewers treated the rule's attributions
    (accepted as is; something the rule is answerable for fixed; deleted)."""
    return charged.group_by(KEY).agg(
        *[(pl.col("outcome") == name).sum().cast(pl.Int64).alias(name) for name in PREDICTED])


def type_changed(charged: pl.DataFrame) -> pl.DataFrame:
    """``type_changed``: attributions kept or changed whose source type the reviewer flipped."""
    return charged.filter(pl.col("review") != "removed").group_by(KEY).agg(
        pl.col("source_type").ne_missing(pl.col("predicted_source_type")).sum().cast(pl.Int64)
        .alias("type_changed"))


def flagged(reviewed: pl.DataFrame) -> pl.DataFrame:
    """Rows not scored because the review contradicts itself, with the reason."""
    frame = _complete(reviewed)
    return frame.filter(pl.col("flag").is_not_null()).select(
        "model_version", "doc_id", "task_id", "annotation_id", "reviewer", "rule_id", "flag")


def rule_summary(reviewed: pl.DataFrame) -> pl.DataFrame:
    """One row per rule and rule version: fired, coverage, overlaps, conflicts, outcomes and

    * ``precision`` = kept / fired: the share reviewers accepted exactly as predicted
      (Snorkel's empirical accuracy, with the reviewers as gold);
    * ``cue_precision`` = (kept + changed) / fired: the share whose cue was right.
    ``model_version`` says which rule version each figure belongs to (a review counts
    for the version it was made from); ``role`` whether the rule found the
    attribution (``cue``) or typed its source (``source_kind``).
    Sorted worst precision first: what to fix next is at the top.
    """
    charged = charges(reviewed)
    frame = fired(charged)
    for part in (lambda c: coverage(c, reviewed), overlaps, conflicts, outcomes, type_changed):
        frame = frame.join(part(charged), on=KEY, how="left", nulls_equal=True)
    losers = lost(charged)
    frame = frame.join(losers, on=KEY, how="full", coalesce=True, nulls_equal=True)
    return frame.with_columns(
        pl.col("fired", "kept", "changed", "removed", "lost").fill_null(0),
        pl.col("type_changed").fill_null(0),
        _ratio("kept", "fired").alias("precision"),
        pl.when(pl.col("fired") > 0).then((pl.col("kept") + pl.col("changed")) / pl.col("fired"))
        .otherwise(None).alias("cue_precision"),
    ).select("rule_id", "role", "model_version", *[c for c in frame.columns if c not in KEY],
             "precision", "cue_precision").sort(
        ["precision", "fired", "rule_id", "model_version"], descending=[False, True, False, False],
        nulls_last=True)


def _prf(tp: int, predicted: int, reference: int) -> tuple[float | None, float | None, float | None]:
    precision = tp / predicted if predicted else None
    recall = tp / reference if reference else None
    f1 = (2 * precision * recall / (precision + recall)
          if precision is not None and recall is not None and precision + recall > 0 else None)
    return precision, recall, f1


def label_summary(regions: pl.DataFrame, reviewed: pl.DataFrame) -> pl.DataFrame:
    """Per rule version and label, the pack's precision, recall and F1 against the reviewers.

    A predicted region counts as a true positive for label L when the reviewer's
    region with the same id has label L and exactly the same offsets. precision =
    tp / predicted regions of L; recall = tp / reviewed regions of L. The row
    ``attribution`` does the same for whole attributions: tp = kept.
    """
    rows = []
    reviewed = _complete(reviewed)
    if "model_version" not in regions.columns:
        regions = regions.with_columns(pl.lit(None, dtype=pl.String).alias("model_version"))
    versions = sorted(set(regions["model_version"].to_list()) | set(reviewed["model_version"].to_list()),
                      key=lambda v: (v is None, v or "")) or [None]
    for version in versions:
        vr = regions.filter(pl.col("model_version").eq_missing(version))
        va = reviewed.filter(pl.col("model_version").eq_missing(version))
        for label in cfg.LABELS:
            predicted = vr.filter(pl.col("predicted_label") == label).height
            reference = vr.filter(pl.col("reviewed_label") == label).height
            tp = vr.filter(
                (pl.col("predicted_label") == label) & (pl.col("reviewed_label") == label)
                & (pl.col("predicted_start") == pl.col("reviewed_start"))
                & (pl.col("predicted_end") == pl.col("reviewed_end"))
            ).height
            rows.append((version, label, predicted, reference, tp, *_prf(tp, predicted, reference)))
        predicted = va.filter(pl.col("review").is_in(PREDICTED)).height
        reference = va.filter(pl.col("review") != "removed").height
        tp = va.filter(pl.col("review") == "kept").height
        rows.append((version, "attribution", predicted, reference, tp, *_prf(tp, predicted, reference)))
    return pl.DataFrame(rows, orient="row", schema={
        "model_version": pl.String, "label": pl.String, "predicted": pl.Int64, "reviewed": pl.Int64,
        "true_positives": pl.Int64, "precision": pl.Float64, "recall": pl.Float64, "f1": pl.Float64})


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
    flagged: pl.DataFrame
    reviews: int
    versions: list[str]
    paths: dict[str, Path]


def build_report(reviewed: pl.DataFrame, regions: pl.DataFrame, out_dir: Path | None = None) -> Report:
    """All four tables; written as Parquet into ``out_dir`` when given."""
    complete = _complete(reviewed)
    report = Report(rules=rule_summary(reviewed), labels=label_summary(regions, reviewed),
                    missed=missed_cues(reviewed), flagged=flagged(reviewed),
                    reviews=reviewed.select(pl.col("annotation_id").n_unique()).item() if len(reviewed) else 0,
                    versions=sorted(v for v in set(complete["model_version"].to_list()) if v is not None),
                    paths={})
    if out_dir is not None:
        for name, frame in (("rules_report", report.rules), ("labels_report", report.labels),
                            ("missed_cues", report.missed), ("flagged_reviews", report.flagged)):
            path = Path(out_dir) / f"{name}.parquet"
            write_atomic(frame, path)
            report.paths[name] = path
    return report
