"""Every number the report shows, computed from a run's tables with polars.

Pure: DataFrames in, DataFrames and plain numbers out, so tests can recompute each
figure independently and compare. Definitions (the page repeats them):

- an attribution is **unresolved** when the engine could not tell who its implicit
  source is: ``source_type == "unresolved"`` in current tables; in tables written
  before that type existed, an implicit cue with no antecedent whose reasons say no
  earlier source agreed (those rows were typed as a person by default);
- every attribution is in exactly one **category**: named, anonymous or unresolved;
  the **anonymous share** is anonymous / all attributions, likewise unresolved;
- **grade** is ``credibility_grade``, or ``none`` when it is null;
- a **chain** is a relay (``origin_id`` set): an outlet or person passing on another
  source; an **anonymous chain** is one whose origin is anonymous;
- an article's **outlet** and **date** come from the carried input fields named by
  ``--outlet-field`` and ``--date-field`` (the date field may be ``doc_id`` when ids
  hold dates); rows without one are counted, not dropped.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

from annotate.report.dates import parse_date

GRADES = ("A", "B", "C", "D", "E", "none")
CATEGORIES = ("named", "anonymous", "unresolved")
KINDS = ("person", "role", "organization", "government", "media", "document", "unnamed_source",
         "unnamed_official", "unnamed_media", "collective", "witness", "hearsay", "unresolved")
NO_OUTLET = "(no outlet)"
_DEFAULT_PERSON_NOTE = "no earlier source agrees"


def unresolved_expr(columns: list[str]) -> pl.Expr:
    """True for unresolved attributions, in current and older tables alike."""
    expr = pl.col("source_type") == "unresolved"
    if "source_kind" in columns:
        expr = expr | (pl.col("source_kind") == "unresolved")
    if {"implicit", "antecedent_id", "credibility_reasons"} <= set(columns):
        old = (pl.col("implicit") & pl.col("antecedent_id").is_null()
               & pl.col("credibility_reasons").list.eval(
                   pl.element().str.contains(_DEFAULT_PERSON_NOTE, literal=True)).list.any())
        expr = expr | old.fill_null(False)
    return expr.fill_null(False)


def prepare(attributions: pl.DataFrame, documents: pl.DataFrame, outlet_field: str = "outlet",
            date_field: str | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Add ``outlet``, ``date``, ``month`` to documents and ``category``, ``grade``, ``kind``,
    ``outlet``, ``month`` to attributions."""
    docs = documents.with_columns(
        (pl.col(outlet_field).cast(pl.String) if outlet_field in documents.columns else pl.lit(None, pl.String))
        .fill_null(NO_OUTLET).alias("outlet_"),
    )
    if date_field:
        if date_field not in docs.columns:
            from annotate.errors import InputError

            raise InputError(f"--date-field {date_field}: the tables have no such column; "
                             f"columns: {', '.join(documents.columns)}")
        dates = [parse_date(v) for v in docs[date_field].to_list()]
    else:
        dates = [None] * docs.height
    docs = docs.with_columns(pl.Series("date_", dates, dtype=pl.Date)).with_columns(
        pl.col("date_").dt.truncate("1mo").alias("month_"))
    unresolved = unresolved_expr(attributions.columns)
    att = attributions.with_columns(
        pl.when(unresolved).then(pl.lit("unresolved")).otherwise(pl.col("source_type")).alias("category_"),
        pl.when(unresolved).then(pl.lit("unresolved")).otherwise(pl.col("source_kind")).alias("kind_"),
        pl.col("credibility_grade").fill_null("none").alias("grade_"),
    ).join(docs.select("doc_id", "outlet_", "month_"), on="doc_id", how="left").with_columns(
        pl.col("outlet_").fill_null(NO_OUTLET))
    return att, docs


@dataclass
class Figures:
    """What the page shows; every frame has plain column names."""

    headline: dict[str, float | int]
    by_outlet: pl.DataFrame
    grades_by_outlet: pl.DataFrame
    kinds_by_outlet: pl.DataFrame
    gender_by_outlet: pl.DataFrame
    by_month: pl.DataFrame
    grades_by_month: pl.DataFrame
    undated_articles: int
    top_sources: pl.DataFrame
    anonymous_articles: pl.DataFrame
    has_dates: bool = False
    notes: list[str] = field(default_factory=list)


def headline(att: pl.DataFrame, docs: pl.DataFrame, errors: pl.DataFrame) -> dict[str, float | int]:
    total = att.height
    counts = dict(att.group_by("category_").len().iter_rows())
    grades = dict(att.group_by("grade_").len().iter_rows())
    gendered = att.filter(pl.col("source_gender").is_not_null()) if "source_gender" in att.columns else att.clear()
    genders = dict(gendered.group_by("source_gender").len().iter_rows()) if gendered.height else {}
    decided = genders.get("female", 0) + genders.get("male", 0)
    figures: dict[str, float | int] = {
        "articles": docs.height,
        "articles_with_attributions": att["doc_id"].n_unique() if total else 0,
        "attributions": total,
        "errors": errors.height,
        "named": counts.get("named", 0),
        "anonymous": counts.get("anonymous", 0),
        "unresolved": counts.get("unresolved", 0),
        "share_named": _share(counts.get("named", 0), total),
        "share_anonymous": _share(counts.get("anonymous", 0), total),
        "share_unresolved": _share(counts.get("unresolved", 0), total),
        "chains": att.filter(pl.col("origin_id").is_not_null()).height,
        "female": genders.get("female", 0),
        "male": genders.get("male", 0),
        "gender_unknown": genders.get("unknown", 0),
        "share_female": _share(genders.get("female", 0), decided),
        "distinct_sources": att["source_key"].drop_nulls().n_unique() if "source_key" in att.columns else 0,
    }
    for grade in GRADES:
        figures[f"grade_{grade}"] = grades.get(grade, 0)
    return figures


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _category_counts(att: pl.DataFrame, by: str) -> pl.DataFrame:
    wide = att.group_by(by).agg(
        pl.len().alias("attributions"),
        *[(pl.col("category_") == c).sum().alias(c) for c in CATEGORIES],
        pl.col("origin_id").is_not_null().sum().alias("chains"),
    )
    return wide.with_columns(
        (pl.col("anonymous") / pl.col("attributions")).round(4).alias("share_anonymous"),
        (pl.col("unresolved") / pl.col("attributions")).round(4).alias("share_unresolved"),
    )


def anonymous_chains(att: pl.DataFrame) -> pl.DataFrame:
    """Relays whose origin is anonymous, with the relay's outlet."""
    origins = att.select("doc_id", pl.col("attribution_id").alias("origin_id"),
                         pl.col("category_").alias("origin_category"))
    return att.filter(pl.col("origin_id").is_not_null()).join(origins, on=["doc_id", "origin_id"], how="left") \
        .filter(pl.col("origin_category") == "anonymous")


def by_outlet(att: pl.DataFrame, docs: pl.DataFrame) -> pl.DataFrame:
    articles = docs.group_by("outlet_").agg(pl.len().alias("articles"))
    chains = anonymous_chains(att).group_by("outlet_").agg(pl.len().alias("anonymous_chains"))
    table = articles.join(_category_counts(att, "outlet_"), on="outlet_", how="left") \
        .join(chains, on="outlet_", how="left").fill_null(0)
    return table.with_columns(
        (100 * pl.col("chains") / pl.col("articles")).round(1).alias("chains_per_100_articles"),
        (100 * pl.col("anonymous_chains") / pl.col("articles")).round(1).alias("anonymous_chains_per_100_articles"),
    ).rename({"outlet_": "outlet"}).sort("attributions", descending=True)


def mix(att: pl.DataFrame, by: str, column: str, values: tuple[str, ...], name: str) -> pl.DataFrame:
    """Long table: (by, value, count, share within by), every value present."""
    counts = att.group_by(by, column).len()
    totals = att.group_by(by).len().rename({"len": "total"})
    keys = att.select(by).unique()
    grid = keys.join(pl.DataFrame({column: list(values)}), how="cross")
    return grid.join(counts, on=[by, column], how="left").join(totals, on=by).with_columns(
        pl.col("len").fill_null(0).alias("count")).with_columns(
        (pl.col("count") / pl.col("total")).round(4).alias("share")).select(
        pl.col(by).alias(name), pl.col(column).alias("value"), "count", "share").sort(name, "value")


def by_month(att: pl.DataFrame, docs: pl.DataFrame) -> pl.DataFrame:
    dated = att.filter(pl.col("month_").is_not_null())
    articles = docs.filter(pl.col("month_").is_not_null()).group_by("month_").agg(pl.len().alias("articles"))
    return articles.join(_category_counts(dated, "month_"), on="month_", how="left").fill_null(0) \
        .rename({"month_": "month"}).sort("month")


def top_sources(att: pl.DataFrame, limit: int = 30, examples: int = 3) -> pl.DataFrame:
    """The most quoted sources by ``source_key``: kind, type, count, articles, outlets, examples."""
    if "source_key" not in att.columns:
        return pl.DataFrame()
    keyed = att.filter(pl.col("source_key").is_not_null())
    return keyed.group_by("source_key").agg(
        pl.len().alias("count"),
        pl.col("doc_id").n_unique().alias("articles"),
        pl.col("kind_").mode().first().alias("kind"),
        pl.col("category_").mode().first().alias("type"),
        pl.col("outlet_").value_counts(sort=True).alias("outlets"),
        pl.struct("doc_id", "cue_text", "claim_text").head(examples).alias("examples"),
    ).sort(["count", "source_key"], descending=[True, False]).head(limit)


def anonymous_articles(att: pl.DataFrame, docs: pl.DataFrame, limit: int = 15, minimum: int = 3) -> pl.DataFrame:
    """Articles that lean most on anonymous sources (at least ``minimum`` attributions)."""
    title = [pl.col("title")] if "title" in docs.columns else []
    counts = att.group_by("doc_id").agg(pl.len().alias("attributions"),
                                        (pl.col("category_") == "anonymous").sum().alias("anonymous"))
    return counts.filter(pl.col("attributions") >= minimum).with_columns(
        (pl.col("anonymous") / pl.col("attributions")).round(4).alias("share_anonymous")).join(
        docs.select("doc_id", pl.col("outlet_").alias("outlet"), *title), on="doc_id", how="left").sort(
        ["share_anonymous", "anonymous", "doc_id"], descending=[True, True, False]).head(limit)


def compute(attributions: pl.DataFrame, documents: pl.DataFrame, errors: pl.DataFrame,
            outlet_field: str = "outlet", date_field: str | None = None, top: int = 30) -> Figures:
    """All the figures of one run."""
    att, docs = prepare(attributions, documents, outlet_field, date_field)
    gender_att = att.filter(pl.col("source_gender").is_not_null()) if "source_gender" in att.columns \
        else att.clear().with_columns(pl.lit(None, pl.String).alias("source_gender"))
    return Figures(
        headline=headline(att, docs, errors),
        by_outlet=by_outlet(att, docs),
        grades_by_outlet=mix(att, "outlet_", "grade_", GRADES, "outlet"),
        kinds_by_outlet=mix(att, "outlet_", "kind_", KINDS, "outlet"),
        gender_by_outlet=mix(gender_att, "outlet_", "source_gender", ("female", "male", "unknown"), "outlet"),
        by_month=by_month(att, docs),
        grades_by_month=mix(att.filter(pl.col("month_").is_not_null()), "month_", "grade_", GRADES, "month"),
        undated_articles=docs.filter(pl.col("date_").is_null()).height if date_field else docs.height,
        top_sources=top_sources(att, top),
        anonymous_articles=anonymous_articles(att, docs),
        has_dates=bool(date_field) and docs["date_"].is_not_null().any(),
    )


def month_label(value: dt.date | None) -> str:
    return value.strftime("%Y-%m") if value else ""
