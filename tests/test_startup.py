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


def test_the_run_command_does_not_load_label_studio_or_pandas() -> None:
    loaded = _modules_after("from annotate.cli import main\nmain.commands['run']")
    assert "annotate.pipeline" in loaded
    assert not {"label_studio_sdk", "pandas", "pyspark"} & loaded


def test_help_lists_every_command_without_importing_them() -> None:
    from click.testing import CliRunner

    from annotate.cli import _COMMANDS, main

    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for name in _COMMANDS:
        assert f"  {name} " in result.output
