"""Independent recomputation of the report's figures from the Parquet files, for the report tests.

Written apart from annotate.report.figures on purpose: the page must agree with what
an analyst would compute by hand with polars.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import polars as pl

NOTE = "no earlier source agrees"


def categorised(run: Path) -> pl.DataFrame:
    table = pl.read_parquet(run / "attributions.parquet")
    unresolved = (pl.col("source_type") == "unresolved") | (
        pl.col("implicit") & pl.col("antecedent_id").is_null()
        & pl.col("credibility_reasons").list.join("\n").str.contains(NOTE, literal=True))
    return table.with_columns(pl.when(unresolved).then(pl.lit("unresolved")).otherwise(pl.col("source_type"))
                              .alias("category"))


def expected_figures(run: Path, date_from_id: bool = False) -> dict[str, float]:
    """figure name on the page → value, for the figures a reader relies on most."""
    table = categorised(run)
    documents = pl.read_parquet(run / "documents.parquet")
    total = table.height
    figures: dict[str, float] = {
        "articles": documents.height,
        "attributions": total,
        "share_anonymous": round(table.filter(pl.col("category") == "anonymous").height / total, 4),
        "share_unresolved": round(table.filter(pl.col("category") == "unresolved").height / total, 4),
        "chains": table.filter(pl.col("origin_id").is_not_null()).height,
    }
    for grade in "ABCDE":
        figures[f"grade_{grade}"] = table.filter(pl.col("credibility_grade") == grade).height
    if "outlet" in table.columns:
        for outlet, group in table.group_by("outlet"):
            share = group.filter(pl.col("category") == "anonymous").height / group.height
            figures[f"outlet:{outlet[0] or '(no outlet)'}:share_anonymous"] = round(share, 4)
            figures[f"outlet:{outlet[0] or '(no outlet)'}:attributions"] = group.height
    keyed = table.filter(pl.col("source_key").is_not_null()).group_by("source_key").len().sort(
        ["len", "source_key"], descending=[True, False]).head(5)
    for key, count in keyed.iter_rows():
        figures[f"source:{key}:count"] = count
    if date_from_id:
        months: dict[str, int] = {}
        for doc_id in documents["doc_id"].to_list():
            date = _date_at_end(doc_id)
            if date is not None:
                months[date.strftime("%Y-%m")] = months.get(date.strftime("%Y-%m"), 0) + 1
        for month, count in months.items():
            figures[f"month:{month}:articles"] = count
    return figures


def _date_at_end(doc_id: str) -> dt.date | None:
    found = re.search(r"(\d{8})$", doc_id)
    if not found:
        return None
    digits = found[1]
    for year, month, day in ((digits[:4], digits[4:6], digits[6:]), (digits[4:], digits[2:4], digits[:2])):
        try:
            return dt.date(int(year), int(month), int(day))
        except ValueError:
            continue
    return None


def page_figures(html: str) -> dict[str, str]:
    """data-figure → data-value, read from the page source."""
    return dict(re.findall(r'data-figure="([^"]+)" data-value="([^"]*)"', html))


def compare(expected: dict[str, float], shown: dict[str, str]) -> list[str]:
    """Differences between recomputed and shown figures (names with HTML entities decoded)."""
    import html as html_module

    decoded = {html_module.unescape(k): v for k, v in shown.items()}
    problems = []
    for name, value in expected.items():
        if name not in decoded:
            problems.append(f"{name}: not on the page")
        elif abs(float(decoded[name]) - float(value)) > 1e-9:
            problems.append(f"{name}: page {decoded[name]}, tables {value}")
    return problems
