"""``annotate eval``: figures, misses and false hits printed from a run folder and a gold file."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from record_factories import attribution

from annotate.cli import main
from annotate.export import RunWriter, model_row

TEXT = "قال الوزير إن الخطة جاهزة. وذكرت مصادر مطلعة أن الاجتماع تأجل."


def _gold_item(cue: str, source: str, type_: str, kind: str) -> dict[str, object]:
    start, s = TEXT.index(cue), TEXT.index(source)
    return {"cue": cue, "cue_start": start, "cue_end": start + len(cue), "source": source,
            "source_start": s, "source_end": s + len(source), "implicit": False,
            "source_type": type_, "source_kind": kind}


def _setup(tmp_path: Path) -> tuple[Path, Path]:
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"doc_id": "g1", "text": TEXT, "attributions": [
        _gold_item("قال", "الوزير", "named", "role"),
        _gold_item("وذكرت", "مصادر مطلعة", "anonymous", "unnamed_source"),
    ]}, ensure_ascii=False) + "\n", encoding="utf-8")
    with RunWriter(tmp_path / "run") as writer:
        writer.write_rows("attributions", [
            model_row(attribution(TEXT, 0, "قال", "الوزير", "role", doc_id="g1")),
            model_row(attribution(TEXT, 1, "الخطة", "الوزير", "role", doc_id="g1")),
        ])
        writer.commit()
    return tmp_path / "run", gold


def test_eval_prints_figures_misses_and_false_hits(tmp_path: Path) -> None:
    run_dir, gold = _setup(tmp_path)
    outcome = CliRunner().invoke(main, ["eval", str(run_dir), str(gold)])
    assert outcome.exit_code == 0, outcome.output
    lines = outcome.output.splitlines()
    cue_line = next(line for line in lines if line.strip().startswith("cue"))
    assert cue_line.split()[1:] == ["0.500", "0.500", "0.500", "1"]  # 1 hit, 2 predicted, 2 gold
    assert "misses (gold not found): 1" in outcome.output and "وذكرت → مصادر مطلعة" in outcome.output
    assert "false hits (predicted, not in gold): 1" in outcome.output and "⟦الخطة⟧" in outcome.output


def test_eval_show_misses_zero_prints_figures_only(tmp_path: Path) -> None:
    run_dir, gold = _setup(tmp_path)
    outcome = CliRunner().invoke(main, ["eval", str(run_dir), str(gold), "--show-misses", "0", "--per-doc"])
    assert outcome.exit_code == 0
    assert "misses" not in outcome.output and "per document" in outcome.output and "g1" in outcome.output


def test_eval_without_predictions_is_one_error_line(tmp_path: Path) -> None:
    _, gold = _setup(tmp_path)
    (tmp_path / "empty").mkdir()
    outcome = CliRunner().invoke(main, ["eval", str(tmp_path / "empty"), str(gold)])
    assert outcome.exit_code == 1
    assert "Error:" in outcome.output and "no predictions here" in outcome.output


def test_run_then_eval_on_the_seed_gold_prints_what_the_library_computes(tmp_path: Path) -> None:
    from annotate.evaluate import evaluate, load_gold, load_predictions

    gold = Path(__file__).parent / "data" / "seed-gold.jsonl"
    runner = CliRunner()
    ran = runner.invoke(main, ["run", str(gold), "--id-field", "doc_id", "--out", str(tmp_path), "--workers", "1"])
    assert ran.exit_code == 0, ran.output
    scored = runner.invoke(main, ["eval", str(tmp_path), str(gold), "--show-misses", "3"])
    assert scored.exit_code == 0, scored.output
    report = evaluate(load_gold(gold), load_predictions(tmp_path))
    assert report.gold == 12 and report.predicted > 0
    typed_line = next(line for line in scored.output.splitlines() if line.strip().startswith("typed"))
    assert typed_line.split()[3] == f"{report.typed_f1:.3f}"


def test_eval_refuses_a_run_folder_that_mixes_the_tables_of_two_runs(tmp_path: Path) -> None:
    for name in ("one", "two"):
        with RunWriter(tmp_path / name) as writer:
            writer.commit()
    (tmp_path / "two" / "attributions.parquet").replace(tmp_path / "one" / "attributions.parquet")
    gold = tmp_path / "gold.jsonl"
    gold.write_text("", encoding="utf-8")
    outcome = CliRunner().invoke(main, ["eval", str(tmp_path / "one"), str(gold)])
    assert outcome.exit_code == 1
    assert "attributions.parquet: from run" in outcome.output and "mixes the tables of two runs" in outcome.output
