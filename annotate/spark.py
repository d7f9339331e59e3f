"""Run the engine on Apache Spark: same rows as ``annotate run``, Hive-partitioned Parquet.

Why Spark (``DataFrame.mapInArrow``) rather than Ray Data: news archives live where
Spark already runs (HDFS, S3, a YARN or Kubernetes cluster), ``spark-submit`` is the
one command their operators know, its Parquet writer commits atomically (a failed or
retried task leaves no partial file, ``_SUCCESS`` marks a finished table) and writes the
Hive layout (``outlet=BBC Arabic/part-….parquet``) that polars, DuckDB and Spark read;
and ``mapInArrow`` hands each Python worker plain Arrow batches, so the engine runs
unchanged, with no pandas in between. pyspark from PyPI brings Spark itself, so local
mode (tests, a laptop) needs only Java 17.

How it runs:

1. Inputs are JSONL files (a folder is searched recursively). Each file is read as
   lines with their 1-based numbers (``textFile`` + ``zipWithIndex``), so an error row
   names the file and line exactly as ``annotate run`` does, and parsed with the same
   rules as :mod:`annotate.readers` (bad JSON, missing or empty text, carried fields).
2. Duplicate ids are found over all inputs with a small aggregate over (id, file, line)
   only: the second and later occurrences become error rows, as locally.
3. The pack is compiled once on the driver (from the pack cache when warm) and
   broadcast as the pickled ``CompiledPack``, whose patterns travel as their compiled
   ``re`` programs (:meth:`annotate.pack.CompiledPack.__reduce__`): each Python worker
   rebuilds it once (about a tenth of a second, where compiling the patterns again
   took seconds; an executor on another Python version compiles them instead), keeps
   it at module level by content hash, and runs :func:`annotate.pipeline.annotate_batch`
   over the partition's articles, 32 at a time, yielding Arrow batches: memory stays
   flat per task.
4. The three tables travel as one wide DataFrame (a ``_table`` column and each table's
   columns prefixed ``<table>__``), kept once (persisted) and written as
   ``OUT/attributions/``, ``OUT/documents/`` (partitioned by ``partition_by``, a carried
   field such as ``outlet`` or ``date``) and ``OUT/errors/`` (not partitioned: a line that
   cannot be parsed has no outlet). ``OUT/manifest.json`` is removed before the first
   table is written and written again, with the run id and row counts, after the last:
   a folder with a manifest holds one complete set.

Differences from ``annotate run``: JSONL only (Parquet/CSV/``.txt`` inputs are for the
local runner); Spark decodes lines as UTF-8 with replacement, so a line with invalid
bytes is annotated with U+FFFD in place of those bytes instead of becoming an error row.
On a cluster, executors need the ``annotate`` package and its dependencies (ship a
packed virtual environment with ``--archives``; see ``benchmarks/README.md``).
"""

from __future__ import annotations

import datetime
import functools
import json
import os
import pickle
import sys
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from pydantic import BaseModel

from annotate.errors import AnnotateError, InputError
from annotate.export import TABLES, carried_columns, model_row, model_schema, safe_text
from annotate.outfolder import MANIFEST_FORMAT, MANIFEST_NAME
from annotate.pipeline import annotate_batch, pack_version_of
from annotate.readers import JSONL_SUFFIXES
from annotate.rows import is_scalar, parse_json_line, record_to_article
from annotate.records import ReadError

if TYPE_CHECKING:
    from pyspark import Broadcast
    from pyspark.sql import DataFrame, SparkSession

    from annotate.pack import CompiledPack

CHUNK_ARTICLES = 32
PEEK_LINES = 200  # per file, to find the carried fields (as annotate.readers does)
UNPARTITIONED = ("errors",)
_LINE_FIELDS = ("file_index", "file", "line", "doc_id", "text", "meta", "reason")


class SparkSummary(BaseModel):
    """What a Spark run did."""

    articles_read: int
    annotated: int
    failed: int
    attributions: int
    seconds: float
    out_dir: str
    partition_by: str | None
    tables: dict[str, str]


# --- inputs -------------------------------------------------------------------------

def list_inputs(spark: SparkSession, paths: Iterable[str]) -> list[tuple[str, str]]:
    """(Hadoop URI to read, name for error rows) of every JSONL input, in order.

    A file is named as given; a folder is searched recursively, in sorted order, and
    its files are named ``<folder>/<relative path>``, hidden ones skipped.
    """
    jvm: Any = spark.sparkContext._jvm
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    found: list[tuple[str, str]] = []
    for raw in paths:
        shown = raw if "://" in raw else str(Path(raw))
        hpath = jvm.org.apache.hadoop.fs.Path(raw if "://" in raw else str(Path(raw).resolve()))
        fs = hpath.getFileSystem(conf)
        hpath = fs.makeQualified(hpath)  # "file:/…", as the listing below names its files
        if not fs.exists(hpath):
            raise InputError(f"{raw}: no such file or folder; expected JSONL (.jsonl, .ndjson) or a folder of them")
        if not fs.getFileStatus(hpath).isDirectory():
            if not raw.lower().endswith(JSONL_SUFFIXES):
                raise InputError(f"{raw}: annotate spark reads JSONL (.jsonl, .ndjson); "
                                 f"use annotate run for CSV, Parquet and .txt")
            found.append((hpath.toString(), shown))
            continue
        base = hpath.toString().rstrip("/")
        files = []
        listing = fs.listFiles(hpath, True)
        while listing.hasNext():
            uri = listing.next().getPath().toString()
            relative = uri[len(base):].lstrip("/")
            if uri.lower().endswith(JSONL_SUFFIXES) and not any(p.startswith(".") for p in relative.split("/")):
                files.append((uri, f"{shown.rstrip('/')}/{relative}"))
        if not files:
            raise InputError(f"{raw}: the folder holds no JSONL files (.jsonl, .ndjson)")
        found.extend(sorted(files, key=lambda f: f[1]))
    return found


def parse_line(raw: str, file: str, line: int, id_field: str, text_field: str) -> dict[str, Any] | None:
    """One JSONL line as a row of the parsed table (``reason`` set for an unusable line).

    The same checks and messages as :func:`annotate.readers.iter_articles`; ``None``
    for a blank line, which is skipped there too.
    """
    if not raw.strip():
        return None
    if line == 1:
        raw = raw.lstrip("\ufeff")
    row: dict[str, Any] = {"file": file, "line": line, "doc_id": None, "text": None, "meta": None, "reason": None}
    record, reason = parse_json_line(raw + "\n")  # the line as annotate.readers sees it, so error columns agree
    if reason is not None:
        return {**row, "reason": reason}
    if not isinstance(record, dict):
        return {**row, "reason": f"expected a JSON object, found {type(record).__name__}"}
    item = record_to_article(record, Path(file), line, id_field, text_field)
    if isinstance(item, ReadError):
        doc_id = safe_text(item.doc_id) if item.doc_id is not None else None  # Spark cannot hold surrogates
        return {**row, "doc_id": doc_id, "reason": item.reason}
    return {**row, "doc_id": item.doc_id, "text": item.text, "meta": json.dumps(item.meta, ensure_ascii=False)}


def _parse_partition(pairs: Iterable[tuple[str, int]], file_index: int, file: str, id_field: str,
                     text_field: str) -> Iterator[tuple[Any, ...]]:
    for text, index in pairs:
        row = parse_line(text, file, index + 1, id_field, text_field)
        if row is not None:
            row["file_index"] = file_index
            yield tuple(row[name] for name in _LINE_FIELDS)


def peek_carried(spark: SparkSession, files: Sequence[tuple[str, str]], id_field: str, text_field: str) -> list[str]:
    """Carried field names in first-seen order, from the first lines of each file."""
    names: dict[str, None] = {}
    for uri, _ in files:
        for raw in spark.sparkContext.textFile(uri).take(PEEK_LINES):
            record, _ = parse_json_line(raw.lstrip("\ufeff"))
            if isinstance(record, dict):
                names.update((k, None) for k, v in record.items()
                             if is_scalar(v) and k not in (id_field, text_field))
    return list(names)


def read_lines(spark: SparkSession, files: Sequence[tuple[str, str]], id_field: str, text_field: str) -> DataFrame:
    """Every non-blank line of every file, parsed: (file_index, file, line, doc_id, text, meta, reason)."""
    from pyspark.sql.types import (
        IntegerType,
        LongType,
        StringType,
        StructField,
        StructType,
    )

    schema = StructType([
        StructField("file_index", IntegerType()), StructField("file", StringType()),
        StructField("line", LongType()), StructField("doc_id", StringType()), StructField("text", StringType()),
        StructField("meta", StringType()), StructField("reason", StringType()),
    ])
    frames = []
    for index, (uri, shown) in enumerate(files):
        parse = functools.partial(_parse_partition, file_index=index, file=shown, id_field=id_field,
                                  text_field=text_field)
        rdd = spark.sparkContext.textFile(uri).zipWithIndex().mapPartitions(parse)
        frames.append(spark.createDataFrame(rdd, schema))
    return functools.reduce(lambda a, b: a.unionByName(b), frames)


def mark_duplicates(lines: DataFrame) -> DataFrame:
    """Add ``first_seen`` (``file:line`` of the first occurrence) to the second and later rows of an id."""
    from pyspark.sql import functions as F

    valid = lines.where(F.col("reason").isNull()).select("doc_id", "file_index", "line", "file")
    first = (valid.groupBy("doc_id")
             .agg(F.count("*").alias("n"), F.min(F.struct("file_index", "line", "file")).alias("first"))
             .where(F.col("n") > 1)
             .select("doc_id", F.col("first.file_index").alias("first_file_index"),
                     F.col("first.line").alias("first_line"),
                     F.concat_ws(":", F.col("first.file"), F.col("first.line").cast("string")).alias("first_where")))
    joined = lines.join(F.broadcast(first), on="doc_id", how="left")
    later = (F.col("first_where").isNotNull() & F.col("reason").isNull()
             & ((F.col("file_index") != F.col("first_file_index")) | (F.col("line") != F.col("first_line"))))
    return joined.withColumn("first_seen", F.when(later, F.col("first_where"))).drop(
        "first_file_index", "first_line", "first_where")


# --- annotation on the executors ---------------------------------------------------------

_PACKS: dict[str, Any] = {}  # content key -> CompiledPack, once per Python worker process


def ship_pack(spark: SparkSession, compiled: CompiledPack) -> tuple[str, Broadcast[bytes]]:
    """The pack's content key and a broadcast of it, pickled with its patterns' programs.

    Pickle is the channel between this driver and its own executors, never a file;
    the patterns inside are rebuilt from plain, validated program data.
    """
    key = f"{pack_version_of(compiled)}:{compiled.content_hash}"
    return key, spark.sparkContext.broadcast(pickle.dumps(compiled, protocol=pickle.HIGHEST_PROTOCOL))


def _pack(key: str, blob: Any) -> Any:
    """The broadcast pack, unpickled once per Python worker process."""
    if key not in _PACKS:
        _PACKS[key] = pickle.loads(blob.value)
    return _PACKS[key]


def wide_schema(carried: Sequence[str]) -> pa.Schema:
    """One schema for the three tables: ``_table``, then every table's columns prefixed ``<table>__``."""
    fields = [pa.field("_table", pa.string())]
    for name, (model, carries) in TABLES.items():
        for f in model_schema(model, carried if carries else ()):
            fields.append(pa.field(f"{name}__{f.name}", f.type, nullable=True))
    return pa.schema(fields)


def _to_wide(tables: dict[str, list[dict[str, Any]]], schema: pa.Schema) -> pa.RecordBatch:
    rows = [{"_table": name, **{f"{name}__{k}": v for k, v in row.items()}}
            for name, table_rows in tables.items() for row in table_rows]
    return pa.RecordBatch.from_pylist(rows, schema=schema)


def annotate_partition(batches: Iterator[pa.RecordBatch], key: str, blob: Any, carried: list[str]
                       ) -> Iterator[pa.RecordBatch]:
    """``mapInArrow`` function: parsed lines in, wide rows of the three tables out."""
    pack = _pack(key, blob)
    schema = wide_schema(carried)
    for batch in batches:
        lines = batch.to_pylist()
        for start in range(0, len(lines), CHUNK_ARTICLES):
            articles, errors = [], []
            for r in lines[start:start + CHUNK_ARTICLES]:
                if r["reason"] is not None or r["first_seen"] is not None:
                    reason = r["reason"] or (f"duplicate id {r['doc_id']!r} (first seen at {r['first_seen']}); "
                                             f"give every article a unique id")
                    errors.append(model_row(ReadError(file=r["file"], line=r["line"], doc_id=r["doc_id"],
                                                      stage="read", reason=reason)))
                else:
                    articles.append({"doc_id": r["doc_id"], "text": r["text"], "meta": json.loads(r["meta"]),
                                     "file": r["file"], "line": r["line"]})
            rows = annotate_batch(articles, pack, carried)
            yield _to_wide({"attributions": rows.attributions, "documents": rows.documents,
                            "errors": errors + rows.errors}, schema)


# --- the runner ---------------------------------------------------------------------

def session(master: str | None = None, app_name: str = "annotate", config: dict[str, str] | None = None
            ) -> SparkSession:
    """The active Spark session, or a new one: ``master`` if given, else spark-submit's, else ``local[*]``.

    ``config`` sets Spark properties on a new session (e.g. ``{"spark.ui.enabled": "false"}``).
    """
    from pyspark.sql import SparkSession

    if master is None and "PYSPARK_GATEWAY_PORT" not in os.environ:  # spark-submit sets that, and the master
        master = "local[*]"
    if master is not None and master.startswith("local"):
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # local workers use this interpreter
    builder = SparkSession.builder.appName(app_name)
    for name, value in (config or {}).items():
        builder = builder.config(name, value)
    if master is not None:
        builder = builder.master(master)
    return builder.getOrCreate()


def _output_uri(out_dir: str) -> str:
    return out_dir if "://" in out_dir else str(Path(out_dir).resolve())


def _hadoop_path(spark: SparkSession, uri: str) -> tuple[Any, Any]:
    jvm: Any = spark.sparkContext._jvm
    path = jvm.org.apache.hadoop.fs.Path(uri)
    return path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()), path


def _remove_manifest(spark: SparkSession, out: str) -> None:
    fs, path = _hadoop_path(spark, f"{out}/{MANIFEST_NAME}")
    if fs.exists(path):
        fs.delete(path, False)


def _write_manifest(spark: SparkSession, out: str, run_id: str, rows: dict[str, int]) -> None:
    """``manifest.json`` beside the three table folders, written once all three are: the set is complete."""
    body = {"format": MANIFEST_FORMAT, "run_id": run_id,
            "finished": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "tables": {name: {"file": name, "rows": count} for name, count in rows.items()}}
    fs, path = _hadoop_path(spark, f"{out}/{MANIFEST_NAME}")
    stream = fs.create(path, True)
    try:
        stream.write(bytearray(json.dumps(body, indent=2).encode() + b"\n"))
    finally:
        stream.close()


def run(
    paths: Iterable[str | Path],
    out_dir: str | Path,
    partition_by: str | None = None,
    pack: CompiledPack | str | Path | None = None,
    id_field: str = "id",
    text_field: str = "text",
    spark: SparkSession | None = None,
    master: str | None = None,
) -> SparkSummary:
    """Annotate every article of the JSONL ``paths`` on Spark; write ``out_dir/<table>/``.

    ``partition_by`` names a carried field (``outlet``, ``date`` …) to partition
    attributions and documents by, in the Hive layout; ``None`` writes them unpartitioned.
    ``spark`` is a session to use (else one is made, see :func:`session`). Existing
    tables under ``out_dir`` are replaced. Raises ``InputError`` for unusable inputs or
    an unknown partition field, ``RulePackError`` for a broken pack.
    """
    from pyspark import StorageLevel
    from pyspark.sql import functions as F
    from pyspark.sql.pandas.types import from_arrow_schema

    from annotate.pipeline import _load_pack

    started = time.perf_counter()
    compiled = _load_pack(pack)
    spark = spark or session(master)
    files = list_inputs(spark, [str(p) for p in paths])
    carried = peek_carried(spark, files, id_field, text_field)
    partition_columns: dict[str, str] = {}
    if partition_by is not None:
        for table in TABLES:
            if table in UNPARTITIONED:
                continue
            model = TABLES[table][0]
            names = dict(zip(carried, carried_columns(model, carried)))
            if partition_by not in names:
                shown = ", ".join(carried) or "(none)"
                raise InputError(f"--partition-by {partition_by!r} is not a field of the input; "
                                 f"carried fields are: {shown}")
            partition_columns[table] = names[partition_by]

    key, blob = ship_pack(spark, compiled)
    schema = wide_schema(carried)
    lines = mark_duplicates(read_lines(spark, files, id_field, text_field))
    wide = lines.mapInArrow(functools.partial(annotate_partition, key=key, blob=blob, carried=carried),
                            from_arrow_schema(schema))
    wide = wide.persist(StorageLevel.MEMORY_AND_DISK)
    run_id = uuid.uuid4().hex
    try:
        counts = {row["_table"]: row["count"] for row in wide.groupBy("_table").count().collect()}
        out = _output_uri(str(out_dir))
        _remove_manifest(spark, out)  # until the new one is written, the folder is not a finished set
        written = {}
        for table, (model, carries) in TABLES.items():
            columns = [f.name for f in model_schema(model, carried if carries else ())]
            frame = wide.where(F.col("_table") == table).select(
                *[F.col(f"{table}__{name}").alias(name) for name in columns])
            writer = frame.write.mode("overwrite")
            if table in partition_columns:
                writer = writer.partitionBy(partition_columns[table])
            target = f"{out}/{table}"
            writer.parquet(target)
            written[table] = target
        _write_manifest(spark, out, run_id, {table: counts.get(table, 0) for table in TABLES})
    finally:
        wide.unpersist()
        blob.unpersist()

    documents, errors = counts.get("documents", 0), counts.get("errors", 0)
    return SparkSummary(
        articles_read=documents + errors, annotated=documents, failed=errors,
        attributions=counts.get("attributions", 0), seconds=round(time.perf_counter() - started, 3),
        out_dir=str(out_dir), partition_by=partition_by, tables=written,
    )


def check_requirements() -> None:
    """Raise ``AnnotateError`` with the fix when pyspark or a Java runtime (17+) is missing."""
    import importlib.util
    import shutil

    if importlib.util.find_spec("pyspark") is None:
        raise AnnotateError("annotate spark needs pyspark: pip install 'annotate[spark]'")
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        raise AnnotateError("Spark needs a Java runtime (17 or newer): install one (e.g. openjdk-17-jre-headless) "
                            "or set JAVA_HOME")
