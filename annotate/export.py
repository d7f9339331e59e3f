"""Parquet tables, written as they are produced and committed together.

``attributions.parquet``, ``documents.parquet`` and ``errors.parquet`` are streamed in
row groups with ``pyarrow.parquet.ParquetWriter``: the writer never holds more than one
row group, however large the corpus. Each table is written to a hidden temporary file
in the output folder and moved into place only when the whole run succeeded, so a
crash leaves the previous tables (or none), never half a file; the three are committed
as a set under a lock on the folder (:mod:`annotate.outfolder`).

Column schemas are derived from the pydantic models in :mod:`annotate.records` by
:func:`model_schema` (one field, one column), so Python, Parquet and the JSON files in
``schemas/tables/`` always agree. Carried input fields (outlet, url, date, …) follow as
string columns; a name that clashes with a column of any table gets the prefix
``input_`` (and a number if that is taken too), the same in every table.

Every string is checked before it is written: one that Parquet cannot store (a lone
surrogate, from a broken ``\\u`` escape or a file name that is not UTF-8) is written with
that character escaped (``\\ud800``) instead of failing the run.
"""

from __future__ import annotations

import enum
import functools
import json
import operator
import os
import sys
import uuid
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel

from annotate import outfolder
from annotate.errors import ExportError
from annotate.records import Attribution, DocumentProfile, ReadError

ROWS_PER_GROUP = 10_000

# table name -> the model one row of it is made from, and whether it carries input fields
TABLES: dict[str, tuple[type[BaseModel], bool]] = {
    "attributions": (Attribution, True),
    "documents": (DocumentProfile, True),
    "errors": (ReadError, False),
}
# the tables a commit may pass through a transform (the run-wide source_key merge): they are
# spooled as Arrow until the commit, so the transform costs one Parquet encoding, not two
SPOOLED = frozenset({"attributions"})

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
    return _model_schema(model, tuple(carried))


@functools.lru_cache(maxsize=64)
def _model_schema(model: type[BaseModel], carried: tuple[str, ...]) -> pa.Schema:  # asked for every batch
    fields = []
    for name, info in model.model_fields.items():
        arrow, nullable = _arrow_type(info.annotation, f"{model.__name__}.{name}")
        metadata = {"description": info.description} if info.description else None
        fields.append(pa.field(name, arrow, nullable=nullable, metadata=metadata))
    for name in carried_columns(model, carried):
        fields.append(pa.field(name, pa.string(), nullable=True, metadata={"description": "carried input field"}))
    return pa.schema(fields)


def carried_columns(model: type[BaseModel] | None, carried: Iterable[str]) -> list[str]:
    """Column names for carried fields, the same in every table whatever ``model`` is.

    A name is kept unless it clashes with a column of a table that carries fields; then
    it becomes ``input_<name>``, or ``input_<name>_2`` … if that is a column or a carried
    field too. Names are made writable (:func:`safe_text`) first.
    """
    return list(_carried_columns(tuple(carried)))


@functools.lru_cache(maxsize=64)
def _carried_columns(carried: tuple[str, ...]) -> tuple[str, ...]:
    names = [safe_text(name) for name in carried]
    taken = {field for table_model, carries in TABLES.values() if carries for field in table_model.model_fields}
    used = taken | set(names)
    columns = []
    for name in names:
        if name not in taken:
            columns.append(name)
            continue
        column, number = f"input_{name}", 2
        while column in used:
            column, number = f"input_{name}_{number}", number + 1
        used.add(column)
        columns.append(column)
    return tuple(columns)


def safe_text(value: str) -> str:
    """``value``, with any lone surrogate written as its ``\\udXXX`` escape so Parquet can store it."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return value.encode("utf-8", errors="backslashreplace").decode("utf-8")
    return value


def _safe_value(value: Any) -> Any:
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, list):
        return [_safe_value(v) for v in value]
    return value


def safe_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """A row with every string made writable (see :func:`safe_text`)."""
    return {key: _safe_value(value) for key, value in row.items()}


def rows_table(rows: Sequence[Mapping[str, Any]], schema: pa.Schema) -> pa.Table:
    """Rows as an Arrow table of ``schema``; a row with a string Parquet cannot store (a lone
    surrogate) is written escaped (:func:`safe_row`). Raises Arrow's error for a row that does
    not fit the schema at all."""
    try:
        return pa.Table.from_pylist(rows, schema=schema)
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeEncodeError):
        return pa.Table.from_pylist([safe_row(r) for r in rows], schema=schema)


def records_table(records: Sequence[BaseModel], model: type[BaseModel], carried: Sequence[str] = (),
                  metas: Sequence[Mapping[str, str | None]] = ()) -> pa.Table:
    """Records of ``model`` as a table, read column by column: what :func:`rows_table` makes of
    their :func:`model_row` dicts (``metas``: each record's carried fields), without a dict per row."""
    schema = model_schema(model, carried)
    metas = metas or [{}] * len(records)
    enums = _enum_fields(model)
    names = list(model.model_fields)
    # every field of a record in one C call, the rows then turned into columns: half the time
    # of a Python loop per field, for every record of a run (a model has several fields, so
    # attrgetter gives tuples)
    rows = list(map(operator.attrgetter(*names), records))
    columns: dict[str, list[Any]] = {name: [] for name in names}
    for name, values in zip(names, zip(*rows)):
        columns[name] = [v if v is None else v.value for v in values] if name in enums else list(values)
    for name, column in zip(carried, carried_columns(model, carried)):
        columns[column] = [meta.get(name) for meta in metas]
    try:
        return pa.Table.from_pydict(columns, schema=schema)
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeEncodeError):  # a lone surrogate: escaped, as rows are
        return rows_table([model_row(r, carried, m) for r, m in zip(records, metas)], schema)


@functools.lru_cache(maxsize=16)
def _enum_fields(model: type[BaseModel]) -> frozenset[str]:
    """The fields whose values are enum members: a row holds their values."""
    def is_enum(annotation: Any) -> bool:
        if typing.get_origin(annotation) in (typing.Union, types.UnionType):
            return any(is_enum(a) for a in typing.get_args(annotation))
        return isinstance(annotation, type) and issubclass(annotation, enum.Enum)
    return frozenset(name for name, info in model.model_fields.items() if is_enum(info.annotation))


def model_row(record: BaseModel, carried: Iterable[str] = (), meta: Mapping[str, str | None] | None = None
              ) -> dict[str, Any]:
    """A record as one table row: enums as their values, carried fields as strings or null."""
    row = record.model_dump(mode="json")
    if isinstance(record, ReadError):  # an error row describes bad input: it must always be writable
        row = safe_row(row)
    meta = meta or {}
    for name, column in zip(carried, carried_columns(type(record), carried)):
        row[column] = meta.get(name)
    return row


class TableWriter:
    """Stream rows into one Parquet file in row groups; make it appear only on ``commit``.

    The temporary file is created with ``O_EXCL | O_NOFOLLOW`` (a planted link cannot
    redirect it) and flushed to disk before it is renamed. ``run_id`` goes into the
    file's metadata so readers can tell which run a table belongs to.

    A ``spooled`` writer keeps its row groups in a temporary Arrow file (LZ4, read back
    one row group at a time, so memory stays flat) and writes the Parquet file in
    :meth:`finish`, through the transform it is given there: changing a column of a
    finished table then costs one Parquet encoding instead of a decoding and two.
    """

    def __init__(self, path: Path, schema: pa.Schema, rows_per_group: int = ROWS_PER_GROUP,
                 run_id: str | None = None, spooled: bool = False):
        self.path = path
        self.schema = schema
        self.rows_per_group = rows_per_group
        self.rows_written = 0
        # what the next row group is made of, in order: Arrow tables, then rows not yet converted
        self._staged: list[pa.Table] = []
        self._staged_count = 0
        self._rows: list[Mapping[str, Any]] = []
        self._temp = path.with_name(outfolder.temp_name(path.name))
        self._file_schema = schema if run_id is None else schema.with_metadata(
            {**(schema.metadata or {}), outfolder.RUN_ID_KEY: run_id.encode()})
        self._spool = path.with_name(outfolder.temp_name(path.name)) if spooled else None
        self._writer: pq.ParquetWriter | pa.ipc.RecordBatchFileWriter | None
        if self._spool is not None:
            self._sink: Any = self._create(self._spool)
            self._writer = pa.ipc.new_file(self._sink, schema, options=pa.ipc.IpcWriteOptions(compression="lz4"))
        else:
            self._sink = self._create(self._temp)
            self._writer = pq.ParquetWriter(self._sink, self._file_schema)

    def _create(self, temp: Path) -> Any:
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
            return os.fdopen(fd, "wb")
        except OSError as exc:
            raise ExportError(f"{self.path}: cannot write ({exc}); check the output folder is writable") from exc

    def write(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Add rows (dicts); they are turned into Arrow a row group at a time."""
        self._rows.extend(rows)
        self._stage_check()

    def write_table(self, table: pa.Table) -> None:
        """Add ready-made Arrow data (e.g. from :func:`annotate.pipeline.annotate_tables`), after the
        rows added before it, into the same row groups as rows would have gone."""
        self._stage_rows()
        self._staged.append(table if table.schema == self.schema else table.cast(self.schema))
        self._staged_count += table.num_rows
        self._stage_check()

    def _stage_rows(self) -> None:
        if self._rows:
            self._staged.append(self._arrow(self._rows))
            self._staged_count += len(self._rows)
            self._rows = []

    def _stage_check(self) -> None:
        if self._staged_count + len(self._rows) >= self.rows_per_group:
            self._flush()

    def _arrow(self, rows: list[Mapping[str, Any]]) -> pa.Table:
        try:
            return rows_table(rows, self.schema)
        except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeEncodeError) as exc:
            raise ExportError(f"{self.path}: a row does not fit the table schema ({exc})") from exc

    def _flush(self) -> None:
        self._stage_rows()
        if not self._staged:
            return
        table = pa.concat_tables(self._staged)
        self._staged, self._staged_count = [], 0
        self._write_batch(table)

    def _write_batch(self, table: pa.Table) -> None:
        assert self._writer is not None, "write after commit or abort"
        try:
            if isinstance(self._writer, pq.ParquetWriter):
                self._writer.write_table(table, row_group_size=self.rows_per_group)
            else:  # one spooled batch becomes one write of the Parquet file, cut into the same row groups
                batches = table.combine_chunks().to_batches()
                self._writer.write_batch(batches[0] if batches else pa.RecordBatch.from_pylist([], schema=self.schema))
        except OSError as exc:
            raise ExportError(f"{self.path}: writing failed ({exc}); is the disk full?") from exc
        self.rows_written += table.num_rows

    def finish(self, transform: Callable[[pa.Table], pa.Table] | None = None) -> Path:
        """Close the temporary file and flush it to disk; :meth:`replace` then moves it into place.

        ``transform`` (spooled writers only) is applied to each row group on its way into
        the Parquet file: the run-wide ``source_key`` merge."""
        self._flush()
        assert self._writer is not None, "finish after finish or abort"
        if transform is not None and self._spool is None:
            raise ValueError(f"{self.path.name}: only a spooled table can be transformed when it is finished")
        try:
            self._close_sink()
            if self._spool is not None:
                self._from_spool(transform or (lambda table: table))
        except OSError as exc:
            self.abort()
            raise ExportError(f"{self.path}: could not be completed ({exc}); is the disk full?") from exc
        return self._temp

    def _close_sink(self) -> None:
        assert self._writer is not None
        self._writer.close()
        self._writer = None
        self._sink.flush()
        os.fsync(self._sink.fileno())
        self._sink.close()

    def _from_spool(self, transform: Callable[[pa.Table], pa.Table]) -> None:
        """The spooled row groups, transformed, into the Parquet file; then the spool is removed."""
        assert self._spool is not None
        self._sink = self._create(self._temp)
        with pa.OSFile(str(self._spool), "r") as source:  # read, not mapped: one row group in memory at a time
            spool = pa.ipc.open_file(source)
            self._writer = pq.ParquetWriter(self._sink, self._file_schema)
            for index in range(spool.num_record_batches):
                table = transform(pa.Table.from_batches([spool.get_batch(index)]))
                if table.schema != self.schema:  # a cast even to the same schema imports pyarrow.compute
                    table = table.cast(self.schema)
                self._writer.write_table(table, row_group_size=self.rows_per_group)
        self._close_sink()
        self._spool.unlink()

    def replace(self) -> Path:
        try:
            os.replace(self._temp, self.path)
        except OSError as exc:
            self.abort()
            raise ExportError(f"{self.path}: could not be moved into place ({exc})") from exc
        return self.path

    def commit(self) -> Path:
        """Finish the file and move it into place, replacing any older table."""
        self.finish()
        return self.replace()

    def abort(self) -> None:
        """Drop everything written so far; the final path is left untouched."""
        if self._writer is not None:
            try:
                self._writer.close()
            except OSError:
                pass  # the temporary file is removed below either way
            self._writer = None
        if not self._sink.closed:
            self._sink.close()
        self._staged, self._staged_count, self._rows = [], 0, []
        self._temp.unlink(missing_ok=True)
        if self._spool is not None:
            self._spool.unlink(missing_ok=True)


class RunWriter:
    """The three tables of one run, committed together at the end or not at all.

    Opening it locks the output folder against another run (``ExportError`` naming the
    holder) and removes temporary files a killed run left there (``stale_removed``).
    Use as a context manager: leaving the block with an exception aborts every table;
    either way the lock is released.
    """

    def __init__(self, out_dir: Path, carried: Iterable[str] = (), rows_per_group: int = ROWS_PER_GROUP,
                 manifest: Mapping[str, Any] | None = None):
        self.out_dir = Path(out_dir)
        self.carried = list(carried)
        self.run_id = uuid.uuid4().hex
        self.manifest_extra = dict(manifest or {})
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ExportError(f"{self.out_dir}: cannot create the output folder ({exc})") from exc
        self.lock = outfolder.FolderLock(self.out_dir)
        self.lock.acquire()
        self.tables: dict[str, TableWriter] = {}
        try:
            self.stale_removed = self._remove_stale()
            for name, (model, carries) in TABLES.items():
                schema = model_schema(model, self.carried if carries else ())
                self.tables[name] = TableWriter(self.out_dir / f"{name}.parquet", schema, rows_per_group, self.run_id,
                                                spooled=name in SPOOLED)
        except BaseException:
            self.abort()
            raise

    def _remove_stale(self) -> list[str]:
        """Temporary files of killed runs: this run holds the lock, so no live run owns them."""
        removed = []
        names = [f"{n}.parquet" for n in TABLES] + [outfolder.MANIFEST_NAME, outfolder.LOCK_NAME]
        for path in outfolder.stale_temps(self.out_dir, names):
            try:
                path.unlink()
                removed.append(path.name)
            except OSError:
                pass  # not ours to remove after all (permissions): it does no harm
        return removed

    def write_rows(self, table: str, rows: Iterable[Mapping[str, Any]]) -> None:
        self.tables[table].write(rows)

    def write_table(self, table: str, data: pa.Table) -> None:
        self.tables[table].write_table(data)

    def commit(self, transforms: Mapping[str, Callable[[pa.Table], pa.Table]] | None = None) -> dict[str, Path]:
        """Finish every table, then swap the set in and write ``manifest.json`` (see :mod:`annotate.outfolder`)."""
        try:
            self._finish_all(transforms or {})
            outfolder.remove_manifest(self.out_dir)
            paths = {name: writer.replace() for name, writer in self.tables.items()}
            outfolder.fsync_folder(self.out_dir)
            counts = {name: (paths[name], writer.rows_written) for name, writer in self.tables.items()}
            outfolder.write_manifest(self.out_dir, self.run_id, counts, self.manifest_extra)
        except BaseException:
            self.abort()
            raise
        self.lock.release()
        return paths

    def _finish_all(self, transforms: Mapping[str, Callable[[pa.Table], pa.Table]]) -> None:
        """Finish the tables side by side, each in a thread.

        Nothing else is left to do at this point of a run, and much of it is waiting
        (Parquet encoding and fsync release the GIL): the small tables are written while
        the attributions are mapped and written, not after them.
        """
        with ThreadPoolExecutor(max_workers=len(self.tables), thread_name_prefix="finish") as pool:
            finishing = [pool.submit(writer.finish, transforms.get(name)) for name, writer in self.tables.items()]
        for finished in finishing:
            finished.result()  # the first table that failed, in table order

    def abort(self) -> None:
        for writer in self.tables.values():
            writer.abort()
        self.lock.release()

    def __enter__(self) -> RunWriter:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        """Leaving without a commit (an exception, or none called) drops the temporary files."""
        self.abort()  # after a commit there is nothing left to drop: this only releases the lock


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
        " a name that clashes with a column of attributions or documents gets the prefix input_"
        " (input_<name>_2 … if that is taken too), the same in both tables." if carries else ""
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
