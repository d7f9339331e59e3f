"""``annotate.spark`` in local mode gives exactly the tables of ``annotate.pipeline.run``."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

# pyspark comes with the spark extra (pip install -e '.[test,spark]'). On a developer's
# machine without it these tests are skipped with that hint; in CI (CI=true), which
# installs it, a missing pyspark fails the run instead of hiding the tests.
if shutil.which("java") is None:
    pytest.skip("Spark needs Java 17+, and no java is on PATH", allow_module_level=True)
if not os.environ.get("CI"):
    pytest.importorskip("pyspark", reason="install the spark extra: .venv/bin/pip install -e '.[test,spark]'")

from annotate import pipeline
from annotate import spark as runner
from annotate.pack import load_pack

pytestmark = pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "articles.jsonl"
TABLES = ("attributions", "documents", "errors")

# corpus-like articles: several outlets (one with a space in its name), cues before and after the claim
EXTRA = [
    {"id": "x-1", "outlet": "BBC Arabic", "date": "2017-03-01",
     "text": "قال المتحدث باسم وزارة الخارجية إن المحادثات ستستأنف الأسبوع المقبل.\n"
             "وأضاف أن الوفد سيصل إلى جنيف يوم الاثنين."},
    {"id": "x-2", "outlet": "Sky News Arabia", "date": "2017-03-02",
     "text": "أعلنت وكالة الأنباء السعودية (واس) أن الملك استقبل وزير الخارجية الأمريكي.\n"
             "وذكرت مصادر مطلعة أن اللقاء تناول الأوضاع في المنطقة، بحسب وكالة رويترز."},
    {"id": "x-3", "outlet": "France 24 Arabic", "date": "2017-03-02",
     "text": "أكد مسؤول طلب عدم الكشف عن اسمه أن الهجوم أسفر عن سقوط ثلاثة قتلى، وفقا لوكالة فرانس برس."},
    {"id": "x-4", "outlet": "BBC Arabic", "date": "2017-03-03",
     "text": "نقلت صحيفة الأهرام عن مصدر مسؤول قوله: «لن نقبل بأي تدخل في شؤوننا الداخلية»."},
]


@pytest.fixture(scope="module")
def spark() -> Any:
    session = runner.session("local[2]", app_name="annotate-test", config={
        "spark.ui.enabled": "false", "spark.ui.showConsoleProgress": "false", "spark.sql.shuffle.partitions": "2",
    })
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder: the bundled sample and a few more articles; in a subfolder, a blank line,
    a corrupted line and an id already used in the first file."""
    folder = tmp_path_factory.mktemp("input")
    lines = SAMPLES.read_text(encoding="utf-8").splitlines() + [json.dumps(a, ensure_ascii=False) for a in EXTRA]
    (folder / "a.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "sub").mkdir()
    more = ["", '{"id": "broken", "text": "قال', json.dumps(EXTRA[0], ensure_ascii=False),
            '{"id": "deep", "text": ' + "[" * 100_000, '{"id": "long", "text": "x", "n": ' + "9" * 5000 + "}",
            '{"id": "s\\ud800", "text": "قال"}']
    (folder / "sub" / "b.jsonl").write_text("\n".join(more) + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def outputs(spark: Any, corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Any]:
    pack = load_pack()
    local = tmp_path_factory.mktemp("local")
    distributed = tmp_path_factory.mktemp("spark") / "out"
    pipeline.run([corpus], local, pack, workers=1)
    summary = runner.run([str(corpus)], distributed, partition_by="outlet", pack=pack, spark=spark)
    return local, distributed, summary


def _read_partitioned(folder: Path, column: str | None) -> pa.Table:
    partitioning = ds.partitioning(pa.schema([(column, pa.string())]), flavor="hive") if column else None
    return ds.dataset(folder, format="parquet", partitioning=partitioning).to_table()


def _rows(table: pa.Table, columns: list[str]) -> list[str]:
    return sorted(json.dumps(row, ensure_ascii=False, sort_keys=True) for row in table.select(columns).to_pylist())


def _plain(type_: pa.DataType) -> pa.DataType:
    """Spark names list items 'element', pyarrow 'item': the same column type either way."""
    return pa.list_(_plain(type_.value_type)) if pa.types.is_list(type_) else type_


@pytest.mark.parametrize("table", TABLES)
def test_spark_tables_equal_the_local_run(outputs: tuple[Path, Path, Any], table: str) -> None:
    local_dir, spark_dir, _ = outputs
    local = pq.read_table(local_dir / f"{table}.parquet")
    distributed = _read_partitioned(spark_dir / table, None if table == "errors" else "outlet")
    assert sorted(distributed.schema.names) == sorted(local.schema.names)
    for field in local.schema:
        assert _plain(distributed.schema.field(field.name).type) == _plain(field.type), field.name
    assert local.num_rows > 0
    assert _rows(distributed, local.schema.names) == _rows(local, local.schema.names)


def test_spark_writes_the_hive_layout(outputs: tuple[Path, Path, Any]) -> None:
    import polars as pl

    _, spark_dir, _ = outputs
    folders = {p.name for p in (spark_dir / "attributions").iterdir() if p.is_dir()}
    assert {"outlet=BBC Arabic", "outlet=Sky News Arabia"} <= folders
    frame = pl.read_parquet(spark_dir / "attributions" / "**" / "*.parquet", hive_partitioning=True)
    assert set(frame.filter(pl.col("doc_id") == "x-1")["outlet"].to_list()) == {"BBC Arabic"}
    assert (spark_dir / "documents" / "_SUCCESS").exists()


def test_spark_records_corrupted_and_duplicate_lines(outputs: tuple[Path, Path, Any], corpus: Path) -> None:
    _, spark_dir, summary = outputs
    errors = {(e["file"], e["line"]): e for e in pq.read_table(spark_dir / "errors").to_pylist()}
    second = str(corpus / "sub" / "b.jsonl")
    assert errors[(second, 2)]["reason"].startswith("bad JSON")
    duplicate = errors[(second, 3)]
    assert duplicate["doc_id"] == "x-1" and f"first seen at {corpus / 'a.jsonl'}:" in duplicate["reason"]
    assert "nested too deeply" in errors[(second, 4)]["reason"]  # hostile lines are error rows, not a failed job
    assert "lone surrogate" in errors[(second, 6)]["reason"] and errors[(second, 6)]["doc_id"] == "s\\ud800"
    assert summary.failed == 4 and summary.annotated == summary.articles_read - 4


def test_spark_names_the_finished_set_in_a_manifest(outputs: tuple[Path, Path, Any]) -> None:
    _, spark_dir, summary = outputs
    manifest = json.loads((spark_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format"] == "annotate-run/1" and manifest["run_id"]
    assert manifest["tables"]["documents"] == {"file": "documents", "rows": summary.annotated}
    assert manifest["tables"]["errors"]["rows"] == summary.failed


def test_cli_spark_rejects_an_unknown_partition_field(spark: Any, corpus: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from annotate.cli.spark import spark as command

    result = CliRunner().invoke(command, [str(corpus), "--out", str(tmp_path / "out"), "--partition-by", "city"])
    assert result.exit_code == 1
    assert "Error: --partition-by 'city' is not a field of the input; carried fields are:" in result.output
    assert "outlet" in result.output and not (tmp_path / "out").exists()




def test_executors_rebuild_the_shipped_pack_from_its_programs(spark: Any) -> None:
    import pickle

    pack = load_pack()
    key, blob = runner.ship_pack(spark, pack)

    def rebuilt_on_executor(_: int) -> int:  # nested: Spark ships it by value, the tests folder is not there
        from annotate import spark as executor

        executor._PACKS.pop(key, None)
        return len(executor._pack(key, blob).programs)  # patterns rebuilt from their programs

    try:
        expected = len(pickle.loads(blob.value).programs)
        assert spark.sparkContext.parallelize([0], 1).map(rebuilt_on_executor).collect() == [expected]
    finally:
        blob.unpersist()
    assert expected > 100  # a pattern that had to be compiled from its text would be missing from these
