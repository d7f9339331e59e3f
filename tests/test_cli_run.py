"""``annotate run``: exit codes, the closing summary, and the tables it leaves behind."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from record_factories import attribution, result

from annotate import pipeline
from annotate.cli import main
from annotate.records import DocumentResult


class FakePack:
    model_version = "fake-1.0.0-0000"


def fake_annotate(text: str, pack: object, doc_id: str) -> DocumentResult:
    atts = [attribution(text, 0, "قال", None, "person", doc_id=doc_id)] if "قال" in text else []
    return result(text, atts, doc_id=doc_id)


@pytest.fixture
def fake_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run the command's own code with a stand-in engine, in this process."""
    monkeypatch.setattr(pipeline, "_load_pack", lambda pack: FakePack())
    monkeypatch.setattr(pipeline, "_engine_annotate", fake_annotate)


def test_run_reports_failures_and_writes_three_tables(tmp_path: Path, fake_engine: None) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join([
        json.dumps({"id": "a", "outlet": "BBC Arabic", "text": "قال الوزير إن"}, ensure_ascii=False),
        "{not json",
        json.dumps({"id": "b", "outlet": "CNN Arabic", "text": "خبر"}, ensure_ascii=False),
    ]) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    outcome = CliRunner().invoke(main, ["run", str(source), "--out", str(out), "--workers", "1"])
    assert outcome.exit_code == 0, outcome.output
    assert "articles read" in outcome.output and "attributions" in outcome.output
    assert f"1 article(s) failed: see {out / 'errors.parquet'}" in outcome.output
    assert pq.read_table(out / "documents.parquet").column("outlet").to_pylist() == ["BBC Arabic", "CNN Arabic"]
    assert pq.read_table(out / "errors.parquet").to_pylist()[0]["line"] == 2
    assert pq.read_table(out / "attributions.parquet").num_rows == 1


def test_run_with_unknown_input_format_is_one_error_line(tmp_path: Path, fake_engine: None) -> None:
    odd = tmp_path / "in.docx"
    odd.write_bytes(b"x")
    outcome = CliRunner().invoke(main, ["run", str(odd), "--out", str(tmp_path / "out")])
    assert outcome.exit_code == 1
    assert "Error:" in outcome.output and "unknown input format" in outcome.output
    assert "Traceback" not in outcome.output
    assert not (tmp_path / "out").exists()


def test_run_help_ends_its_description_with_an_example() -> None:
    outcome = CliRunner().invoke(main, ["run", "--help"])
    assert outcome.exit_code == 0
    assert "Example:" in outcome.output and "annotate run samples/articles.jsonl" in outcome.output


def test_run_on_the_bundled_samples_with_the_default_pack(tmp_path: Path) -> None:
    samples = Path(__file__).resolve().parents[1] / "samples" / "articles.jsonl"
    outcome = CliRunner().invoke(main, ["run", str(samples), "--out", str(tmp_path)])
    assert outcome.exit_code == 0, outcome.output
    docs = pq.read_table(tmp_path / "documents.parquet")
    assert docs.num_rows == 6 and docs.column("doc_id").to_pylist()[0] == "seed"
    assert pq.read_table(tmp_path / "errors.parquet").num_rows == 0
    attributions = pq.read_table(tmp_path / "attributions.parquet").num_rows
    summary_line = next(line for line in outcome.output.splitlines() if line.startswith("attributions"))
    assert attributions > 0 and summary_line.split() == ["attributions", str(attributions)]


def test_run_with_a_broken_pack_folder_is_one_located_error(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "pack.yaml").write_text("pack: {name: broken, version: '0.1'}\nrules: [{id: r1}]\n", encoding="utf-8")
    samples = Path(__file__).resolve().parents[1] / "samples" / "articles.jsonl"
    outcome = CliRunner().invoke(main, ["run", str(samples), "--pack", str(pack), "--out", str(tmp_path / "out")])
    assert outcome.exit_code == 1
    assert "Error: rule pack has" in outcome.output and "pack.yaml" in outcome.output
    assert not (tmp_path / "out").exists()


EMPTY_CUE_PACK = {
    "pack.yaml": ("pack:\n  name: tiny\n  version: 0.0.1\n"
                  "lexicons:\n  say:\n    form: verb\n    entries: [قال / يقول]\n"),
    "rules.yaml": """\
rules:
  - id: empty.cue
    description: a cue that may be nothing
    pattern: '(?:{cue:@say})?'
    examples: [{text: قال, cue: قال}]
    counterexamples: [لا]
""",
}


def test_run_refuses_a_cue_pattern_that_matches_the_empty_string_before_any_work(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    pack.mkdir()
    for name, text in EMPTY_CUE_PACK.items():
        (pack / name).write_text(text, encoding="utf-8")
    samples = Path(__file__).resolve().parents[1] / "samples" / "articles.jsonl"
    outcome = CliRunner().invoke(main, ["run", str(samples), "--pack", str(pack), "--out", str(tmp_path / "out")])
    assert outcome.exit_code == 1
    assert "rules.yaml:4 [empty.cue]: pattern matches the empty string" in outcome.output
    assert not (tmp_path / "out").exists()


def test_rules_check_reports_a_cue_pattern_that_matches_the_empty_string_instead_of_crashing(
        tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    pack.mkdir()
    for name, text in EMPTY_CUE_PACK.items():
        (pack / name).write_text(text, encoding="utf-8")
    outcome = CliRunner().invoke(main, ["rules", "check", str(pack)])
    assert outcome.exit_code == 1
    assert outcome.exception is None or isinstance(outcome.exception, SystemExit)
    assert "[empty.cue]: pattern matches the empty string" in outcome.output


def test_run_summary_names_the_temporary_files_of_an_interrupted_run_it_removed(
        tmp_path: Path, fake_engine: None) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": "a", "text": "قال"}) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / ".errors.parquet.999.0a0b0c0d.tmp").write_bytes(b"half a table")
    outcome = CliRunner().invoke(main, ["run", str(source), "--out", str(out), "--workers", "1"])
    assert outcome.exit_code == 0, outcome.output
    assert f"removed 1 temporary file(s) left in {out} by an interrupted run" in outcome.output
    assert not (out / ".errors.parquet.999.0a0b0c0d.tmp").exists()
