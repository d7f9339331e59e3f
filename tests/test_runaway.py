"""A pattern that backtracks without end is stopped, named and reported, wherever it sits:
attribution rule, source-kind rule or furniture rule; in `annotate run` and in `rules check`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from annotate.budget import ADVICE
from annotate.cli import main
from annotate.engine import annotate_text
from annotate.errors import RulePackError
from annotate.pack import load_pack
from annotate.rules.check import check_pack
from tiny_pack import pack_yaml

RUNAWAY = "(?:ا|اا)+ب"  # exponential on a long run of ا that does not end in ب
SLOW_TEXT = "ا" * 40 + "ج"


def _pack(folder: Path, timeout_ms: int = 50, kind: str = "(?!)", furniture: str = "(?!)") -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "pack.yaml").write_text(pack_yaml(
        f"pack: {{name: slow, version: 0.0.1, timeout_ms: {timeout_ms}}}\n",
        "source_kinds:\n  - id: kind.slow\n    kind: organization\n"
        f"    match: '{kind}'\n    examples: [ااب]\n"
        "furniture:\n  - id: furniture.slow\n"
        f"    line: '{furniture}'\n    examples: [ااب]\n    counterexamples: [قال الوزير]\n"),
        encoding="utf-8")
    return folder


def test_a_slow_source_kind_rule_is_skipped_and_named_and_the_article_is_annotated(tmp_path: Path) -> None:
    pack = load_pack(_pack(tmp_path / "p", kind=RUNAWAY), cache=False)
    result = annotate_text(f"قال {SLOW_TEXT} ان الوضع مستقر.", pack)
    # the tiny pack has no catch-all kind rule: with kind.slow skipped, no kind is guessed
    assert [(a.cue_text, a.source_text, a.source_kind.value) for a in result.attributions] == \
        [("قال", SLOW_TEXT, "unresolved")]
    assert any("source-kind rule 'kind.slow'" in w and "stopped after 50 ms" in w for w in result.warnings)


def test_a_slow_furniture_rule_is_skipped_and_named_and_the_article_is_annotated(tmp_path: Path) -> None:
    pack = load_pack(_pack(tmp_path / "p", furniture=RUNAWAY), cache=False)
    result = annotate_text(f"{SLOW_TEXT}\nقال الوزير ان الوضع مستقر.", pack)
    assert [a.source_text for a in result.attributions] == ["الوزير"]
    assert result.furniture == []
    assert any("furniture rule 'furniture.slow'" in w for w in result.warnings)


def test_rules_check_names_every_catastrophic_pattern(tmp_path: Path) -> None:
    pack = load_pack(_pack(tmp_path / "p", kind=RUNAWAY, furniture=RUNAWAY), cache=False)
    report = check_pack(pack)
    slow = {p.rule_id for p in report.failures if "was stopped after 50 ms" in p.message}
    assert slow == {"kind.slow", "furniture.slow"}


def test_rules_check_passes_the_bundled_pack_on_adversarial_inputs() -> None:
    report = check_pack(load_pack())
    assert not [p for p in report.failures if "was stopped after" in p.message]
    assert not [w for w in report.warnings if "regex module" in w.message]  # every rule runs on re


def test_the_run_summary_names_a_rule_stopped_past_its_budget(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANNOTATE_CACHE_DIR", str(tmp_path / "cache"))
    pack = _pack(tmp_path / "p", kind=RUNAWAY)
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(json.dumps({"id": str(i), "text": text}, ensure_ascii=False) for i, text in
                                enumerate([f"قال {SLOW_TEXT} ان الوضع مستقر.", "قال الوزير ان الوضع مستقر."]))
                      + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["run", str(source), "--pack", str(pack), "--out", str(tmp_path / "out"),
                                       "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "rules stopped past their time budget: kind.slow (1 article)" in result.output
    assert "failed         0" in result.output


def test_timeout_ms_has_an_upper_bound(tmp_path: Path) -> None:
    with pytest.raises(RulePackError, match="timeout_ms is 600000; at most 10000"):
        load_pack(_pack(tmp_path / "p", timeout_ms=600_000), cache=False)


def test_the_timeout_advice_cannot_itself_run_away() -> None:
    # bounding a repetition of overlapping branches ({1,8}) keeps it exponential; atomic groups do not
    assert "{1," not in ADVICE and "(?>" in ADVICE
