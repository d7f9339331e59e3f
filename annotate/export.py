"""Parquet tables, written as they are produced and replaced atomically.

``attributions.parquet``, ``documents.parquet`` and ``errors.parquet`` are streamed in
row groups with ``pyarrow.parquet.ParquetWriter``: the writer never holds more than one
row group, however large the corpus. Each table is written to a hidden temporary file
in the output folder and moved into place with ``os.replace`` only when the whole run
succeeded, so a crash leaves the previous tables (or none), never half a file.

Column schemas are derived from the pydantic models in :mod:`annotate.records` by
:func:`model_schema` (one field, one column), so Python, Parquet and the JSON files in
``schemas/tables/`` always agree. Carried input fields (outlet, url, date, …) follow as
string columns; a name that clashes with a model field gets the prefix ``input_``.
"""

from __future__ import annotations

import enum
import json
import os
import sys
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel

from annotate.errors import ExportError
from annotate.records import Attribution, DocumentProfile, ReadError

ROWS_PER_GROUP = 10_000

# table name -> the model one row of it is made from, and whether it carries input fields
TABLES: dict[str, tuple[type[BaseModel], bool]] = {
    "attributions": (Attribution, True),
    "documents": (DocumentProfile, True),
    "errors": (ReadError, False),
}

TABLE_DESCRIPTIONS = {
    "attributions": "One row per attribution found: cue, source, claim, typing, credibility, rule.",
    "documents": "One row per annotated article: its sourcing profile (counts by type, kind, grade).",
    "errors": "One row per input row that could not be read or annotated, with file, line and reason.",
}

_SCALARS: dict[Any, pa.DataType] = {str: pa.string(), int: pa.int64(), float: pa.float64(), bool: pa.bool_()}


def _arrow_type(annotation: Any, where: str) -> tuple[pa.DataType, bool]:
    """The Arrow type of one annotation, and whether it admits null."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) != 1:
            raise TypeError(f"{where}: unions other than X | None have no Parquet column type")
        arrow, _ = _arrow_type(args[0], where)
        return arrow, True
    if origin is Literal:
        values = typing.get_args(annotation)
        if all(isinstance(v, str) for v in values):
            return pa.string(), False
        raise TypeError(f"{where}: only string literals have a Parquet column type")
    if origin is list:
        (item,) = typing.get_args(annotation)
        arrow, _ = _arrow_type(item, where)
        return pa.list_(arrow), False
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return pa.string(), False
    if annotation in _SCALARS:
        return _SCALARS[annotation], False
    raise TypeError(f"{where}: no Parquet column type for {annotation!r}")


def model_schema(model: type[BaseModel], carried: Iterable[str] = ()) -> pa.Schema:
    """One column per model field (descriptions kept as field metadata), then carried strings."""
    fields = []
    for name, info in model.model_fields.items():
        arrow, nullable = _arrow_type(info.annotation, f"{model.__name__}.{name}")
        metadata = {"description": info.description} if info.description else None
        fields.append(pa.field(name, arrow, nullable=nullable, metadata=metadata))
    for name in carried_columns(model, carried):
        fields.append(pa.field(name, pa.string(), nullable=True, metadata={"description": "carried input field"}))
    return pa.schema(fields)


def carried_columns(model: type[BaseModel], carried: Iterable[str]) -> list[str]:
    """Column names for carried fields: as given, or ``input_<name>`` on a clash."""
    taken = set(model.model_fields)
    return [f"input_{name}" if name in taken else name for name in carried]


def model_row(record: BaseModel, carried: Iterable[str] = (), meta: Mapping[str, str | None] | None = None
              ) -> dict[str, Any]:
    """A record as one table row: enums as their values, carried fields as strings or null."""
    row = record.model_dump(mode="json")
    meta = meta or {}
    for name, column in zip(carried, carried_columns(type(record), carried)):
        row[column] = meta.get(name)
    return row


class TableWriter:
    """Stream rows into one Parquet file in row groups; make it appear only on ``commit``."""

    def __init__(self, path: Path, schema: pa.Schema, rows_per_group: int = ROWS_PER_GROUP):
        self.path = path
        self.schema = schema
        self.rows_per_group = rows_per_group
        self.rows_written = 0
        self._buffer: list[dict[str, Any]] = []
        self._temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            self._writer: pq.ParquetWriter | None = pq.ParquetWriter(self._temp, schema)
        except OSError as exc:
            raise ExportError(f"{path}: cannot write ({exc}); check the output folder is writable") from exc

    def write(self, rows: Iterable[Mapping[str, Any]]) -> None:
        self._buffer.extend(dict(r) for r in rows)
        if len(self._buffer) >= self.rows_per_group:
            self._flush()

    def write_table(self, table: pa.Table) -> None:
        """Write ready-made Arrow data (e.g. from :func:`annotate.pipeline.rows_to_tables`)."""
        self._flush()
        self._write_batch(table.cast(self.schema))

    def _flush(self) -> None:
        if not self._buffer:
            return
        try:
            batch = pa.Table.from_pylist(self._buffer, schema=self.schema)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise ExportError(f"{self.path}: a row does not fit the table schema ({exc})") from exc
        self._buffer = []
        self._write_batch(batch)

    def _write_batch(self, table: pa.Table) -> None:
        assert self._writer is not None, "write after commit or abort"
        try:
            self._writer.write_table(table, row_group_size=self.rows_per_group)
        except OSError as exc:
            raise ExportError(f"{self.path}: writing failed ({exc}); is the disk full?") from exc
        self.rows_written += table.num_rows

    def commit(self, transform: Callable[[pa.Table], pa.Table] | None = None) -> Path:
        """Finish the file and move it into place, replacing any older table.

        ``transform``, when given, is applied to every row group on a last pass before
        the move (the run-wide ``source_key`` merge), one row group in memory at a time.
        """
        self._flush()
        assert self._writer is not None, "commit after commit or abort"
        try:
            self._writer.close()
            self._writer = None
            if transform is not None:
                self._rewrite(transform)
            os.replace(self._temp, self.path)
        except OSError as exc:
            self.abort()
            raise ExportError(f"{self.path}: could not be completed ({exc})") from exc
        return self.path

    def _rewrite(self, transform: Callable[[pa.Table], pa.Table]) -> None:
        rewritten = self._temp.with_name(self._temp.name + ".2")
        try:
            source = pq.ParquetFile(self._temp)
            schema = source.schema_arrow  # with the file's own metadata
            with pq.ParquetWriter(rewritten, schema) as writer:
                for group in range(source.num_row_groups):
                    writer.write_table(transform(source.read_row_group(group)).cast(schema))
            os.replace(rewritten, self._temp)
        finally:
            rewritten.unlink(missing_ok=True)

    def abort(self) -> None:
        """Drop everything written so far; the final path is left untouched."""
        if self._writer is not None:
            try:
                self._writer.close()
            except OSError:
                pass  # the temporary file is removed below either way
            self._writer = None
        self._buffer = []
        self._temp.unlink(missing_ok=True)


class RunWriter:
    """The three tables of one run, committed together at the end or not at all.

    Use as a context manager: leaving the block with an exception aborts every table.
    """

    def __init__(self, out_dir: Path, carried: Iterable[str] = (), rows_per_group: int = ROWS_PER_GROUP):
        self.out_dir = Path(out_dir)
        self.carried = list(carried)
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ExportError(f"{self.out_dir}: cannot create the output folder ({exc})") from exc
        self.tables: dict[str, TableWriter] = {}
        try:
            for name, (model, carries) in TABLES.items():
                schema = model_schema(model, self.carried if carries else ())
                self.tables[name] = TableWriter(self.out_dir / f"{name}.parquet", schema, rows_per_group)
        except BaseException:
            self.abort()
            raise

    def write_rows(self, table: str, rows: Iterable[Mapping[str, Any]]) -> None:
        self.tables[table].write(rows)

    def commit(self, transforms: Mapping[str, Callable[[pa.Table], pa.Table]] | None = None) -> dict[str, Path]:
        transforms = transforms or {}
        return {name: writer.commit(transforms.get(name)) for name, writer in self.tables.items()}

    def abort(self) -> None:
        for writer in self.tables.values():
            writer.abort()

    def __enter__(self) -> RunWriter:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None:
            self.abort()


def table_json_schema(name: str) -> dict[str, Any]:
    """The JSON Schema of one row of a table, with each column's Parquet type added."""
    model, carries = TABLES[name]
    schema = model.model_json_schema()
    arrow = model_schema(model)
    for field in arrow:
        schema["properties"][field.name]["x-parquet-type"] = str(field.type)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = f"{name}.parquet"
    schema["description"] = TABLE_DESCRIPTIONS[name] + (
        " Carried input fields (outlet, url, date, …) follow as nullable string columns;"
        " a name that clashes with a column here gets the prefix input_." if carries else ""
    )
    schema["additionalProperties"] = {"type": ["string", "null"]} if carries else False
    return schema


def render_table_schemas() -> dict[str, str]:
    """File name -> JSON text for every table; what ``schemas/tables/`` must hold."""
    return {
        f"{name}.schema.json": json.dumps(table_json_schema(name), ensure_ascii=False, indent=2) + "\n"
        for name in TABLES
    }


def write_table_schemas(folder: Path) -> list[Path]:
    """Regenerate ``schemas/tables/*.schema.json`` from the models."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for file_name, text in render_table_schemas().items():
        path = folder / file_name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":  # python -m annotate.export [schemas/tables]
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("schemas/tables")
    for written_path in write_table_schemas(target):
        print(written_path)
