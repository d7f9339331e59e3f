"""A command imports only what it uses, so that `annotate --help` answers at once."""

from __future__ import annotations

import subprocess
import sys


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys\nprint('\\n'.join(sys.modules))"],
                         capture_output=True, text=True, check=True, timeout=120).stdout
    return set(out.split())


def test_importing_the_command_loads_neither_label_studio_nor_pandas_nor_the_engine() -> None:
    loaded = _modules_after("import annotate.cli")
    heavy = {"label_studio_sdk", "pandas", "pyspark", "pyarrow", "polars", "pydantic", "annotate.engine"}
    assert not heavy & loaded


def test_the_run_command_does_not_load_label_studio_pandas_or_polars() -> None:
    loaded = _modules_after("from annotate.cli import main\nmain.commands['run']")
    assert "annotate.pipeline" in loaded
    assert not {"label_studio_sdk", "pandas", "pyspark", "polars"} & loaded


def test_help_lists_every_command_without_importing_them() -> None:
    from click.testing import CliRunner

    from annotate.cli import _COMMANDS, main

    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for name in _COMMANDS:
        assert f"  {name} " in result.output


def test_annotate_run_as_a_program_writes_its_tables_without_importing_pandas_numpy_or_polars(tmp_path) -> None:  # type: ignore[no-untyped-def]
    source = tmp_path / "one.jsonl"
    source.write_text('{"id": "a", "text": "وقال الوزير إن الوضع مستقر."}\n', encoding="utf-8")
    code = (f"import sys\nsys.argv = ['annotate', 'run', {str(source)!r}, '--out', {str(tmp_path / 'out')!r}]\n"
            "from annotate.cli import entry\ntry:\n    entry()\nexcept SystemExit as exc:\n    assert not exc.code\n"
            "import pyarrow.parquet as pq\n"
            f"print(pq.read_table({str(tmp_path / 'out' / 'attributions.parquet')!r}).num_rows)")
    loaded = _modules_after(code)
    assert "1" in loaded  # its summary is counted, not read
    assert not {"pandas", "numpy", "polars"} & loaded
