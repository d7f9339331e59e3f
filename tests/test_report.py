"""annotate report: the figures equal the tables, the page stands alone, old and new tables both work."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from annotate import pipeline
from annotate.cli import main
from annotate.pack import CompiledPack
from annotate.report import build_report
from annotate.report.dates import parse_date
from annotate.report.figures import compute

from report_checks import compare, expected_figures, page_figures

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def sample_run(pack: CompiledPack, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report-sample")
    pipeline.run([REPO / "samples" / "articles.jsonl"], out, pack, workers=1)
    return out


@pytest.fixture(scope="module")
def sample_page(sample_run: Path) -> str:
    return build_report(sample_run, sample_run / "report.html", date_field="doc_id").path.read_text(encoding="utf-8")


def test_the_figures_on_the_page_equal_the_tables(sample_run: Path, sample_page: str) -> None:
    assert compare(expected_figures(sample_run, date_from_id=True), page_figures(sample_page)) == []


def test_the_page_needs_no_network_and_no_script(sample_page: str) -> None:
    assert "<script" not in sample_page
    assert not re.search(r'(?:src|href)="(?:https?:)?//', sample_page)
    assert "@import" not in sample_page and "url(http" not in sample_page
    assert sample_page.count("<svg") >= 6


def test_arabic_is_shown_right_to_left(sample_page: str) -> None:
    assert '<div class="ar-article" dir="rtl" lang="ar">' in sample_page
    assert re.search(r'<td class="ar" dir="rtl">[^<]*[\u0600-\u06ff]', sample_page)


def test_the_sample_articles_are_highlighted_with_a_legend_and_hover_text(sample_page: str) -> None:
    assert 'class="hl-legend"' in sample_page
    for css in ("hl-cue", "hl-named", "hl-anonymous", "hl-claim"):
        assert f'<span class="{css}" title="' in sample_page
    assert re.search(r'title="#\d+ · grade [A-E] \(\d\.\d\d\)', sample_page)


def test_dates_come_in_the_formats_archives_use() -> None:
    import datetime as dt

    day = dt.date(2018, 3, 11)
    for value in ("2018-03-11", "2018-03-11T09:30:00Z", "11/03/2018", "11.03.2018", "2018/03/11", "20180311",
                  "11 March 2018", "Mar 11, 2018", "ant2-AL-sport-545-20180311", "ant1-JA-localNews-505-11032018"):
        assert parse_date(value) == day, value
    for value in (None, "", "yesterday", "ant-99999999", "31/02/2018"):
        assert parse_date(value) is None, value


def test_rows_without_a_date_are_counted(sample_run: Path) -> None:
    run_docs = pl.read_parquet(sample_run / "documents.parquet")
    figures = compute(pl.read_parquet(sample_run / "attributions.parquet"), run_docs, pl.DataFrame(),
                      date_field="doc_id")
    assert figures.undated_articles == 1  # the seed article's id holds no date
    assert figures.by_month["articles"].sum() == run_docs.height - 1


def test_unresolved_is_its_own_category_in_new_tables(sample_run: Path) -> None:
    """The coming tables type an unresolved source "unresolved", with no grade."""
    table = pl.read_parquet(sample_run / "attributions.parquet")
    changed = table.with_columns(
        pl.when(pl.col("attribution_id") == 0).then(pl.lit("unresolved")).otherwise(pl.col("source_type"))
        .alias("source_type"),
        pl.when(pl.col("attribution_id") == 0).then(pl.lit("unresolved")).otherwise(pl.col("source_kind"))
        .alias("source_kind"),
        pl.when(pl.col("attribution_id") == 0).then(None).otherwise(pl.col("credibility_grade"))
        .alias("credibility_grade"),
        pl.lit("kinds.test").alias("source_kind_rule"))
    figures = compute(changed, pl.read_parquet(sample_run / "documents.parquet"), pl.DataFrame())
    unresolved = changed.filter(pl.col("attribution_id") == 0).height
    assert figures.headline["unresolved"] == unresolved
    assert figures.headline["grade_none"] == unresolved
    assert figures.headline["named"] + figures.headline["anonymous"] + unresolved == changed.height


def test_old_tables_without_keys_or_gender_still_report(sample_run: Path, tmp_path: Path) -> None:
    old = pl.read_parquet(sample_run / "attributions.parquet").drop("source_key", "source_gender",
                                                                      "source_gender_evidence")
    old.write_parquet(tmp_path / "attributions.parquet")
    pl.read_parquet(sample_run / "documents.parquet").write_parquet(tmp_path / "documents.parquet")
    page = build_report(tmp_path, tmp_path / "old.html", sample=0).path.read_text(encoding="utf-8")
    assert "no source_key column" in page
    assert page_figures(page)["attributions"] == str(old.height)


def test_aliases_at_report_time_rename_a_source(sample_run: Path, tmp_path: Path) -> None:
    aliases = tmp_path / "aliases.yaml"
    aliases.write_text("وكالة شينخوا: ['وكالة الأنباء الصينية \"شينخوا\"']\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["report", str(sample_run), "-o", str(tmp_path), "--aliases", str(aliases)])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "وكالة شينخوا" in page
    assert "unresolved" in result.output


def test_an_unknown_date_field_lists_the_columns(sample_run: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["report", str(sample_run), "-o", str(tmp_path), "--date-field", "published"])
    assert result.exit_code == 1
    assert "--date-field published: the tables have no such column" in result.output
    assert "doc_id" in result.output


def test_a_run_without_attributions_still_reports(pack: CompiledPack, tmp_path: Path) -> None:
    source = tmp_path / "calm.jsonl"
    source.write_text('{"id": "x1", "text": "الطقس جميل اليوم."}\n', encoding="utf-8")
    pipeline.run([source], tmp_path / "run", pack, workers=1)
    page = build_report(tmp_path / "run", tmp_path / "report.html").path.read_text(encoding="utf-8")
    figures = page_figures(page)
    assert (figures["articles"], figures["attributions"], figures["share_anonymous"]) == ("1", "0", "0.0")
    assert "No attribution names a source." in page
    assert "No article with attributions to show" in page
