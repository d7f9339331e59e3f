"""A run directory: its three tables as polars DataFrames, and the note of what made it.

``annotate run`` writes ``attributions.parquet``, ``documents.parquet``,
``errors.parquet`` and ``manifest.json`` (with the inputs, id and text fields, pack version),
so the report can find the article texts again without being told where they are::

    import annotate
    run = annotate.read_run("exports/")
    run.attributions.group_by("source_key").len().sort("len", descending=True)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotate.errors import InputError

if TYPE_CHECKING:  # polars is imported where tables are read: `annotate run` only writes them
    import polars as pl

MANIFEST = "manifest.json"  # written by the run (annotate.outfolder), with run_note() in it
TABLE_NAMES = ("attributions", "documents", "errors")


@dataclass(frozen=True)
class Run:
    """The tables of one run directory, read into memory."""

    path: Path
    attributions: pl.DataFrame
    documents: pl.DataFrame
    errors: pl.DataFrame
    manifest: dict[str, Any]


def read_run(path: str | Path) -> Run:
    """Read a run directory written by ``annotate run`` (or ``annotate spark``)."""
    folder = Path(path)
    if not folder.is_dir():
        raise InputError(f"{folder}: no such run folder; give the --out folder of `annotate run`")
    frames = {name: _read_table(folder, name) for name in TABLE_NAMES}
    return Run(path=folder, manifest=read_manifest(folder), **frames)


def _read_table(folder: Path, name: str) -> pl.DataFrame:
    import polars as pl

    file = folder / f"{name}.parquet"
    if file.is_file():
        return pl.read_parquet(file)
    if (folder / name).is_dir():  # annotate spark: Hive-partitioned folders
        return pl.read_parquet(folder / name / "**" / "*.parquet", hive_partitioning=True)
    if name == "errors":
        return pl.DataFrame()
    raise InputError(f"{folder}: no {name}.parquet here; is this the --out folder of `annotate run`?")


def run_note(inputs: list[Path], id_field: str, text_field: str, pack_version: str) -> dict[str, Any]:
    """What the report needs to find the article texts again: inputs, id and text fields."""
    return {"inputs": [_printable(str(Path(p).resolve())) for p in inputs], "id_field": id_field,
            "text_field": text_field, "pack_version": pack_version}


def _printable(path: str) -> str:
    """A file name that is not UTF-8 (kept as surrogates by Python) made writable as JSON text."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def read_manifest(folder: Path) -> dict[str, Any]:
    """The run's ``manifest.json`` when it records the inputs, or an empty dict for runs
    made before it did (or by Spark)."""
    for name in (MANIFEST,):
        path = Path(folder) / name
        if not path.is_file():
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        if isinstance(data, dict) and "inputs" in data:
            return data
    return {}


GENERATED_ID = r"^.+\.(?:jsonl|ndjson|csv|parquet):\d+$"
ID_LIKE_FIELDS = ("doc_id", "id", "article_id", "docid", "uuid", "guid", "url", "link")


def id_field_hint(folder: str | Path, id_field: str) -> str | None:
    """A hint when every id was made from file and line (the rows had no ``id_field``) while
    a field that looks like an id was carried instead, e.g. ``doc_id``."""
    import re

    import pyarrow.parquet as pq

    path = Path(folder) / "documents.parquet"
    names = pq.read_schema(path).names
    candidates = [n for n in ID_LIKE_FIELDS if n in names and n != "doc_id"]
    carried_doc_id = "input_doc_id" in names
    if not candidates and not carried_doc_id:
        return None
    ids = pq.ParquetFile(path).read(columns=["doc_id"]).column("doc_id").to_pylist()[:200]
    if not ids or not all(re.match(GENERATED_ID, str(i)) for i in ids):
        return None
    field = "doc_id" if carried_doc_id else candidates[0]
    return (f"the ids look like file:line ({ids[0]}) because the rows have no '{id_field}' field, "
            f"but they have '{field}': rerun with --id-field {field}")
