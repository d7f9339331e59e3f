"""A command imports only what it uses, so that `annotate --help` answers at once."""

from __future__ import annotations

import os
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


def test_the_end_of_a_run_merges_source_names_without_importing_pyarrow_compute(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # the serial step after the workers: importing pyarrow.compute there cost 0.04 s of every run
    source = tmp_path / "three.jsonl"
    lines = ['{"id": "a", "text": "وقال دونالد ترامب إن الوضع مستقر."}',
             '{"id": "b", "text": "وقال دونالد ترامب إن الاتفاق قريب."}',
             '{"id": "c", "text": "وقال ترامب إن المحادثات مستمرة."}']
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    table = tmp_path / "out" / "attributions.parquet"
    code = (f"import sys\nsys.argv = ['annotate', 'run', {str(source)!r}, '--out', {str(tmp_path / 'out')!r}]\n"
            "from annotate.cli import entry\ntry:\n    entry()\nexcept SystemExit as exc:\n    assert not exc.code\n"
            "print('compute-imported' if 'pyarrow.compute' in sys.modules else 'compute-absent')\n"
            "import pyarrow.parquet as pq\n"
            f"keys = set(pq.read_table({str(table)!r}).column('source_key').to_pylist())\n"
            "print('merged' if keys == {'دونالد ترامب'} else keys)")
    loaded = _modules_after(code)
    assert "compute-absent" in loaded
    assert "merged" in loaded  # all three under the full name: the merge did run


def _arrow_pool_of_the_program(environment: dict[str, str]) -> str:
    code = ("import sys\nsys.argv = ['annotate', '--version']\nfrom annotate.cli import entry\n"
            "try:\n    entry()\nexcept SystemExit:\n    pass\nimport pyarrow as pa\nprint(pa.default_memory_pool().backend_name)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120,
                         env=environment).stdout
    return out.split()[-1]


def test_the_program_gives_arrow_glibc_malloc_unless_the_environment_names_a_pool() -> None:
    # mimalloc, Arrow's default, held 60-90 MB more of a two-worker run (see ARROW_POOL)
    from annotate.cli import ARROW_POOL

    environment = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    assert _arrow_pool_of_the_program(environment) == ARROW_POOL == "system"
    assert _arrow_pool_of_the_program({**environment, "ARROW_DEFAULT_MEMORY_POOL": "mimalloc"}) == "mimalloc"
