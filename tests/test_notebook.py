"""The notebook API: a result and a run folder open as polars DataFrames; a result shows highlighted."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

import annotate
from annotate import pipeline
from annotate.errors import InputError
from annotate.pack import CompiledPack

REPO = Path(__file__).resolve().parent.parent


def test_a_result_is_a_dataframe_with_the_columns_of_the_table(pack: CompiledPack, seed_text: str,
                                                               tmp_path: Path) -> None:
    result = annotate.annotate_text(seed_text, pack, doc_id="seed")
    frame = result.to_polars()
    assert frame.height == len(result.attributions) == 12
    source = tmp_path / "seed.jsonl"
    source.write_text(json.dumps({"id": "seed", "text": seed_text}, ensure_ascii=False) + "\n", encoding="utf-8")
    pipeline.run([source], tmp_path / "out", pack, workers=1)
    table = pl.read_parquet(tmp_path / "out" / "attributions.parquet")
    assert frame.schema == table.schema
    assert frame.equals(table)


def test_a_result_renders_itself_highlighted_right_to_left(pack: CompiledPack) -> None:
    result = annotate.annotate_text("وقال المتحدث باسم الجيش إن القوات انسحبت، مؤكدا أن العملية انتهت.", pack)
    page = result._repr_html_()
    assert 'dir="rtl"' in page
    assert '<span class="hl-cue"' in page and '<span class="hl-named"' in page and '<span class="hl-claim"' in page
    assert "grade A" in page


def test_html_escapes_the_article(pack: CompiledPack) -> None:
    result = annotate.annotate_text("<script>alert(1)</script> وقال الوزير إن الأمر انتهى.", pack)
    assert "<script>" not in result._repr_html_()


def test_read_run_opens_the_three_tables(pack: CompiledPack, tmp_path: Path) -> None:
    pipeline.run([REPO / "samples" / "articles.jsonl"], tmp_path, pack, workers=1)
    run = annotate.read_run(tmp_path)
    assert run.documents.height == 6
    assert run.attributions.height == pl.read_parquet(tmp_path / "attributions.parquet").height
    assert run.errors.height == 0
    assert run.manifest["text_field"] == "text"


def test_read_run_of_a_folder_without_tables_says_what_to_give(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no attributions.parquet here"):
        annotate.read_run(tmp_path)


def test_the_readme_duckdb_query_runs_on_a_run(pack: CompiledPack, tmp_path: Path) -> None:
    duckdb = pytest.importorskip("duckdb", reason="duckdb is not installed (pip install duckdb)")
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    query = readme.split("```sql\n", 1)[1].split("```", 1)[0]
    pipeline.run([REPO / "samples" / "articles.jsonl"], tmp_path, pack, workers=1)
    rows = duckdb.sql(query.replace("exports/attributions.parquet", str(tmp_path / "attributions.parquet"))).fetchall()
    outlets = pl.read_parquet(tmp_path / "attributions.parquet")["outlet"].n_unique()
    assert len(rows) == outlets
