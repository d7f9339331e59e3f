"""`annotate explain` shows the attributions, the rule that fired and the losers."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from annotate.cli import main


def test_explain_prints_rule_spans_types_and_losers() -> None:
    result = CliRunner().invoke(main, ["explain", "كشفت فرنسا الخميس أنها تعمل على مشروع قرار."])
    assert result.exit_code == 0, result.output
    assert "rule say.vso" in result.output
    assert "cue     كشفت [0:4]" in result.output
    assert "source  فرنسا [5:10]  → named / government" in result.output
    assert "lost say.announce-object on 'كشفت' [0:4]: lost to say.vso: priority 60 > 40" in result.output


def test_explain_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "article.txt"
    path.write_text("ويرى مراقبون أن الهدنة هشة.", encoding="utf-8")
    result = CliRunner().invoke(main, ["explain", "--file", str(path)])
    assert result.exit_code == 0 and "named" not in result.output and "anonymous / collective" in result.output


def test_explain_needs_text_or_file() -> None:
    result = CliRunner().invoke(main, ["explain"])
    assert result.exit_code == 1 and "Error: give the text as an argument or with --file" in result.output
