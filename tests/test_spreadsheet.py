"""CSV and XLSX exports: Arabic intact, lists flattened, no cell can run as a formula."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from annotate import pipeline
from annotate.cli import main
from annotate.pack import CompiledPack
from annotate.spreadsheet import export_run, neutralise

REPO = Path(__file__).resolve().parent.parent
HOSTILE = ["=HYPERLINK(\"http://evil.example\",\"انقر\")", "+1+2", "-2+3", "@SUM(A1:A9)", "\tcmd", "\r=1"]


@pytest.fixture(scope="module")
def sample_run(pack: CompiledPack, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample-run")
    pipeline.run([REPO / "samples" / "articles.jsonl"], out, pack, workers=1)
    return out


@pytest.fixture()
def hostile_run(tmp_path: Path) -> Path:
    """A run folder whose text cells start like formulas, as article text may."""
    n = len(HOSTILE)
    pl.DataFrame({"doc_id": [f"d{i}" for i in range(n)], "attribution_id": list(range(n)),
                  "claim_text": HOSTILE, "source_text": ["مصادر مطلعة"] * n,
                  "credibility_score": [-0.5] * n, "credibility_reasons": [["=bad()", "سبب"]] * n}
                 ).write_parquet(tmp_path / "attributions.parquet")
    pl.DataFrame({"doc_id": ["d0"], "title": ["=cmd|' /C calc'!A0"]}).write_parquet(tmp_path / "documents.parquet")
    pl.DataFrame({"file": [], "reason": []}, schema={"file": pl.String, "reason": pl.String}
                 ).write_parquet(tmp_path / "errors.parquet")
    return tmp_path


def test_neutralise_prefixes_only_formula_starts() -> None:
    assert [neutralise(v) for v in HOSTILE] == ["'" + v for v in HOSTILE]
    assert neutralise("قال المتحدث") == "قال المتحدث"
    assert neutralise("2018") == "2018"


def test_csv_has_a_bom_and_reads_back_with_arabic_intact(sample_run: Path, tmp_path: Path) -> None:
    (attributions, documents, errors) = export_run(sample_run, "csv", tmp_path)
    assert attributions.read_bytes().startswith(b"\xef\xbb\xbf")
    with attributions.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    table = pl.read_parquet(sample_run / "attributions.parquet")
    assert len(rows) == table.height
    assert [r["source_text"] for r in rows] == [neutralise(v) if v else "" for v in table["source_text"].to_list()]
    assert [r["claim_text"] for r in rows] == [neutralise(v) if v else "" for v in table["claim_text"].to_list()]
    assert rows[0]["credibility_reasons"] == " | ".join(table["credibility_reasons"][0])
    assert documents.exists() and errors.exists()


def test_xlsx_reads_back_with_arabic_intact(sample_run: Path, tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    (workbook,) = export_run(sample_run, "xlsx", tmp_path)
    book = openpyxl.load_workbook(workbook, read_only=True)
    assert book.sheetnames == ["attributions", "documents", "errors"]
    rows = list(book["attributions"].iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    table = pl.read_parquet(sample_run / "attributions.parquet")
    column = header.index("source_text")
    assert [r[column] for r in body] == table["source_text"].to_list()
    score = header.index("credibility_score")
    assert [r[score] for r in body] == table["credibility_score"].to_list()


def test_no_csv_cell_can_run_as_a_formula(hostile_run: Path, tmp_path: Path) -> None:
    paths = export_run(hostile_run, "csv", tmp_path)
    with paths[0].open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["claim_text"] for r in rows] == ["'" + v for v in HOSTILE]
    assert rows[0]["credibility_reasons"] == "'=bad() | سبب"
    assert rows[0]["credibility_score"] == "-0.5"  # numbers stay numbers
    with paths[1].open(encoding="utf-8-sig", newline="") as handle:
        assert next(csv.DictReader(handle))["title"] == "'=cmd|' /C calc'!A0"


def test_no_xlsx_cell_is_a_formula(hostile_run: Path, tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    (workbook,) = export_run(hostile_run, "xlsx", tmp_path)
    book = openpyxl.load_workbook(workbook)  # not read-only: data_type is kept
    cells = [c for sheet in book for row in sheet.iter_rows(min_row=2) for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    claims = [c.value for c in book["attributions"]["C"][1:]]
    assert claims == ["'" + v for v in HOSTILE]
    assert book["attributions"]["E2"].value == -0.5


def test_cli_export_writes_into_out(sample_run: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["export", str(sample_run), "-f", "xlsx", "-o", str(tmp_path / "sheets")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "sheets" / "annotate.xlsx").is_file()


def test_cli_export_of_a_folder_without_tables_says_so(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["export", str(tmp_path)])
    assert result.exit_code == 1
    assert "no attributions.parquet here" in result.output
