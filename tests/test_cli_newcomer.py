"""The command line a newcomer meets: stdin for explain, one meaning of --pack and --out, hints."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from click.testing import CliRunner

from annotate.cli import main
from annotate.readers import count_rows

REPO = Path(__file__).resolve().parent.parent
SENTENCE = "وقال المتحدث باسم الجيش إن القوات انسحبت."


def test_explain_reads_standard_input_with_a_dash() -> None:
    for args in (["explain", "-"], ["explain", "--file", "-"], ["explain", "-f", "-"]):
        result = CliRunner().invoke(main, args, input=SENTENCE.encode("utf-8"))
        assert result.exit_code == 0, result.output
        assert "المتحدث باسم الجيش" in result.output and "named / role" in result.output


def test_run_prints_the_named_anonymous_and_grade_breakdown(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["run", str(REPO / "samples" / "articles.jsonl"), "-o", str(tmp_path),
                                       "-p", str(REPO / "rules"), "--workers", "1"])
    assert result.exit_code == 0, result.output
    table = pl.read_parquet(tmp_path / "attributions.parquet")
    named = table.filter(pl.col("source_type") == "named").height
    assert f"{named:,} named" in result.output
    grade_a = table.filter(pl.col("credibility_grade") == "A").height
    assert f"A {grade_a:,}" in result.output
    assert "hint:" not in result.output


def test_ids_made_from_file_and_line_get_a_hint_naming_the_id_field(tmp_path: Path) -> None:
    source = tmp_path / "gold.jsonl"
    source.write_text(json.dumps({"doc_id": "a1", "text": SENTENCE}, ensure_ascii=False) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["run", str(source), "-o", str(tmp_path / "out"), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "hint: the ids look like file:line (gold.jsonl:1)" in result.output
    assert "rerun with --id-field doc_id" in result.output


def test_eval_says_when_no_document_id_matched(tmp_path: Path) -> None:
    source = tmp_path / "gold.jsonl"
    gold_line = (Path(REPO.parent / "shared" / "gold" / "seed.jsonl")).read_text(encoding="utf-8").splitlines()[0]
    source.write_text(gold_line + "\n", encoding="utf-8")
    CliRunner().invoke(main, ["run", str(source), "-o", str(tmp_path / "out"), "--workers", "1"])
    result = CliRunner().invoke(main, ["eval", str(tmp_path / "out"), str(source), "--show-misses", "0"])
    assert "no document id of" in result.output and "--id-field" in result.output


def test_total_rows_are_counted_for_the_progress_bar(tmp_path: Path) -> None:
    assert count_rows([REPO / "samples" / "articles.jsonl"]) == 6
    csv_file = tmp_path / "a.csv"
    csv_file.write_text("id,text\n1,x\n", encoding="utf-8")
    assert count_rows([csv_file]) is None  # CSV records may span lines: no total rather than a wrong one


def test_ls_config_out_takes_a_folder_like_every_other_out(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["ls", "config", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "labeling-config.xml").read_text(encoding="utf-8").startswith("<View")
    result = CliRunner().invoke(main, ["ls", "config", "--out", str(tmp_path / "mine.xml")])
    assert (tmp_path / "mine.xml").is_file()


def test_pack_is_an_option_in_every_command_that_loads_one() -> None:
    for path in (["run"], ["explain"], ["rules", "check"], ["ls", "push"], ["spark"]):
        result = CliRunner().invoke(main, [*path, "--help"])
        assert "-p, --pack" in result.output, path
        assert "a folder of YAML files, or one file" in " ".join(result.output.split()), path
