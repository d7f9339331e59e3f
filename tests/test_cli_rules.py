"""`annotate rules check` and `annotate rules schema`."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from annotate.cli import main
from annotate.rules.schema import SCHEMA_FILE, render_json_schema

REPO = Path(__file__).resolve().parent.parent


def test_rules_check_passes_on_the_bundled_pack() -> None:
    result = CliRunner().invoke(main, ["rules", "check", str(REPO / "rules")])
    assert result.exit_code == 0, result.output
    assert "0 failed" in result.output


def test_rules_check_reports_a_located_error_and_fails(tmp_path: Path) -> None:
    (tmp_path / "pack.yaml").write_text("pack: {name: tiny, version: '1'}\nlexicons:\n  say: {form: verbb, entries: [قال]}\n",
                                        encoding="utf-8")
    result = CliRunner().invoke(main, ["rules", "check", str(tmp_path)])
    assert result.exit_code == 1
    assert f"Error: rule pack has 1 problem:\n  {tmp_path.name}/pack.yaml:3 [say]: lexicons.say.form: 'verbb' is not allowed" \
        in result.output


def test_rules_check_fails_when_an_example_is_not_found(tmp_path: Path) -> None:
    (tmp_path / "pack.yaml").write_text("""\
pack: {name: tiny, version: '1'}
lexicons:
  say: {form: verb, entries: [قال / يقول]}
rules:
  - id: needs.colon
    description: colon speech only
    pattern: '{cue:@say}:'
    examples: [{text: قال إن الأمر انتهى, cue: قال}]
    counterexamples: [قالها]
""", encoding="utf-8")
    result = CliRunner().invoke(main, ["rules", "check", str(tmp_path)])
    assert result.exit_code == 1
    assert "FAIL" in result.output and "pack.yaml:8 [needs.colon]" in result.output and "found nothing" in result.output


def test_committed_rule_pack_schema_is_current() -> None:
    committed = (REPO / "schemas" / SCHEMA_FILE).read_text(encoding="utf-8")
    assert committed == render_json_schema(), "regenerate with `annotate rules schema --out schemas`"


def test_rules_schema_writes_the_schema(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["rules", "schema", "--out", str(tmp_path)])
    assert result.exit_code == 0
    assert (tmp_path / SCHEMA_FILE).read_text(encoding="utf-8") == render_json_schema()
