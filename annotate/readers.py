"""Read articles from JSONL, CSV, Parquet and ``.txt`` files, one at a time.

A corpus is read as a stream: JSONL and CSV line by line, Parquet by record batches,
``.txt`` one file per article, so memory stays flat however large the input. The only
thing that grows with the input is the set of ids already seen (to catch duplicates).

A row that cannot be used never stops the run and is never dropped silently: it comes
out of :func:`iter_articles` as a :class:`~annotate.records.ReadError` with the file,
the 1-based line (or row) and the reason, in input order among the articles. Only a
problem with a whole file (missing, unreadable, unknown format, no text column) raises
:class:`~annotate.errors.InputError`, and it does so before the first article is read.

Fields other than the id and the text are *carried*: scalar values (strings, numbers,
booleans, null) become strings in ``Article.meta`` and end up as columns of the output
tables; nested values (lists, objects) are not carried.
"""

from __future__ import annotations

import csv
import datetime
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel, ConfigDict, Field

from annotate.errors import InputError
from annotate.records import ReadError

JSONL_SUFFIXES = (".jsonl", ".ndjson")
CSV_SUFFIXES = (".csv",)
PARQUET_SUFFIXES = (".parquet",)
TEXT_SUFFIXES = (".txt",)
SUPPORTED_SUFFIXES = JSONL_SUFFIXES + CSV_SUFFIXES + PARQUET_SUFFIXES + TEXT_SUFFIXES
SUPPORTED_TEXT = "JSONL (.jsonl, .ndjson), CSV (.csv), Parquet (.parquet), text (.txt) or a folder of them"

PARQUET_BATCH_ROWS = 512
JSONL_PEEK_LINES = 200

# news articles are long: the csv module's default cap of 128 KiB per field is too low
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


class Article(BaseModel):
    """One article to annotate, with where it came from and the fields it carries."""

    model_config = ConfigDict(extra="forbid")

    doc_id: str
    text: str
    meta: dict[str, str | None] = Field(default_factory=dict)
    file: str
    line: int | None = Field(default=None, description="1-based line or row; None for .txt")


def resolve_inputs(paths: Iterable[str | Path]) -> list[Path]:
    """Expand folders and check every input can be read, so a bad path fails before the run.

    A folder is searched recursively for supported files, in sorted order; other files in
    it (README, images) are skipped. A file named directly must have a supported suffix.
    """
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not found:
                raise InputError(f"{path}: the folder holds no readable files; expected {SUPPORTED_TEXT}")
            files.extend(found)
        elif path.is_file():
            if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                raise InputError(
                    f"{path}: unknown input format {path.suffix or '(no suffix)'!r}; expected {SUPPORTED_TEXT}"
                )
            files.append(path)
        elif path.exists():
            raise InputError(f"{path}: not a regular file or folder; expected {SUPPORTED_TEXT}")
        else:
            raise InputError(f"{path}: no such file or folder; expected {SUPPORTED_TEXT}")
    for file in files:
        _check_readable(file)
    return files


def _check_readable(path: Path) -> None:
    try:
        with path.open("rb") as handle:
            handle.read(1)
    except OSError as exc:
        raise InputError(f"{path}: cannot be opened ({exc.strerror or exc}); check its permissions") from exc


def _check_columns(path: Path, columns: list[str], text_field: str) -> None:
    """A table without the text column would turn every row into an error: say it once."""
    if text_field not in columns:
        shown = ", ".join(columns) or "(none)"
        raise InputError(
            f"{path}: no column {text_field!r} for the article text; columns are: {shown}; "
            f"name the right one with --text-field"
        )


def _csv_header(path: Path) -> list[str]:
    with path.open("r", encoding="utf-8-sig", errors="replace", newline="") as handle:
        return next(csv.reader(handle), [])


def _parquet_columns(path: Path) -> list[str]:
    try:
        return list(pq.ParquetFile(path).schema_arrow.names)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise InputError(f"{path}: not a readable Parquet file ({exc}); check the file is complete") from exc


def _parquet_scalar_columns(path: Path) -> list[str]:
    schema = pq.ParquetFile(path).schema_arrow
    return [f.name for f in schema
            if not (pa.types.is_nested(f.type) or pa.types.is_binary(f.type) or pa.types.is_large_binary(f.type))]


def carried_fields(files: list[Path], id_field: str = "id", text_field: str = "text") -> list[str]:
    """The carried field names, in first-seen order: table headers and the first JSONL lines.

    The output tables need their columns before the first row group is written, so they
    are taken from CSV headers, Parquet schemas and the first lines of each JSONL file.
    """
    names: dict[str, None] = {}
    skip = {id_field, text_field}
    for path in files:
        suffix = path.suffix.lower()
        if suffix in CSV_SUFFIXES:
            header = _csv_header(path)
        elif suffix in PARQUET_SUFFIXES:
            header = _parquet_scalar_columns(path)
        elif suffix in JSONL_SUFFIXES:
            header = _jsonl_peek_keys(path)
        else:
            header = []
        names.update((name, None) for name in header if name and name not in skip)
    return list(names)


def _jsonl_peek_keys(path: Path) -> list[str]:
    keys: dict[str, None] = {}
    with path.open("rb") as handle:
        for number, raw in enumerate(handle):
            if number >= JSONL_PEEK_LINES:
                break
            try:
                record = json.loads(raw.decode("utf-8-sig"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                continue
            if isinstance(record, dict):
                keys.update((k, None) for k, v in record.items() if _is_scalar(v))
    return list(keys)


def iter_articles(
    paths: Iterable[str | Path], id_field: str = "id", text_field: str = "text"
) -> Iterator[Article | ReadError]:
    """Every article of every input, or a ``ReadError`` in its place, in input order.

    Inputs are checked first (raising ``InputError``); the returned iterator then
    streams. Duplicate ids across all inputs are reported on their second occurrence.
    """
    files = resolve_inputs(paths)
    for file in files:
        suffix = file.suffix.lower()
        if suffix in CSV_SUFFIXES:
            _check_columns(file, _csv_header(file), text_field)
        elif suffix in PARQUET_SUFFIXES:
            _check_columns(file, _parquet_columns(file), text_field)
    return _dedupe(_iter_files(files, id_field, text_field))


def _iter_files(files: list[Path], id_field: str, text_field: str) -> Iterator[Article | ReadError]:
    for file in files:
        suffix = file.suffix.lower()
        if suffix in JSONL_SUFFIXES:
            yield from _read_jsonl(file, id_field, text_field)
        elif suffix in CSV_SUFFIXES:
            yield from _read_csv(file, id_field, text_field)
        elif suffix in PARQUET_SUFFIXES:
            yield from _read_parquet(file, id_field, text_field)
        else:
            yield _read_txt(file)


def _dedupe(items: Iterator[Article | ReadError]) -> Iterator[Article | ReadError]:
    first_seen: dict[str, str] = {}
    for item in items:
        if isinstance(item, Article):
            where = _where(item.file, item.line)
            if item.doc_id in first_seen:
                yield ReadError(
                    file=item.file, line=item.line, doc_id=item.doc_id, stage="read",
                    reason=f"duplicate id {item.doc_id!r} (first seen at {first_seen[item.doc_id]}); "
                           f"give every article a unique id",
                )
                continue
            first_seen[item.doc_id] = where
        yield item


def _where(file: str, line: int | None) -> str:
    return file if line is None else f"{file}:{line}"


def _is_scalar(value: Any) -> bool:
    """Carried values: anything with a plain text form; lists, objects and bytes are not."""
    return not isinstance(value, (list, tuple, dict, bytes, bytearray))


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return str(value)


def _record_to_article(
    record: dict[str, Any], file: Path, line: int, id_field: str, text_field: str
) -> Article | ReadError:
    """Validate one record; the id falls back to ``<file name>:<line>`` when missing."""
    raw_id = record.get(id_field)
    doc_id = f"{file.name}:{line}" if raw_id is None or str(raw_id).strip() == "" else str(raw_id)
    text = record.get(text_field)

    def error(reason: str) -> ReadError:
        return ReadError(file=str(file), line=line, doc_id=doc_id, stage="read", reason=reason)

    if text_field not in record:
        return error(f"no field {text_field!r} for the article text; name the right one with --text-field")
    if not isinstance(text, str):
        shown = "null" if text is None else type(text).__name__
        return error(f"field {text_field!r} is {shown}, not a string")
    if not text.strip():
        return error(f"field {text_field!r} is empty")
    meta = {
        key: _as_text(value)
        for key, value in record.items()
        if key not in (id_field, text_field) and _is_scalar(value)
    }
    return Article(doc_id=doc_id, text=text, meta=meta, file=str(file), line=line)


def _decode_error_reason(exc: UnicodeDecodeError) -> str:
    bad = exc.object[exc.start:exc.start + 1].hex()
    return (f"not valid UTF-8 (byte 0x{bad} at byte {exc.start + 1} of the line); "
            f"re-save the file as UTF-8")


def _read_jsonl(file: Path, id_field: str, text_field: str) -> Iterator[Article | ReadError]:
    with file.open("rb") as handle:
        for line, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                decoded = raw.decode("utf-8-sig" if line == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                yield ReadError(file=str(file), line=line, stage="read", reason=_decode_error_reason(exc))
                continue
            try:
                record = json.loads(decoded)
            except json.JSONDecodeError as exc:
                yield ReadError(file=str(file), line=line, stage="read",
                                reason=f"bad JSON: {exc.msg} at column {exc.colno}")
                continue
            if not isinstance(record, dict):
                yield ReadError(file=str(file), line=line, stage="read",
                                reason=f"expected a JSON object, found {type(record).__name__}")
                continue
            yield _record_to_article(record, file, line, id_field, text_field)


def _read_csv(file: Path, id_field: str, text_field: str) -> Iterator[Article | ReadError]:
    """CSV records may span lines (quoted newlines); each is reported at its first line."""
    bad_lines: dict[int, str] = {}

    def decoded_lines(handle: Any) -> Iterator[str]:
        for number, raw in enumerate(handle, start=1):
            try:
                yield raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                bad_lines[number] = _decode_error_reason(exc)
                yield raw.decode("utf-8", errors="replace")

    with file.open("rb") as handle:
        reader = csv.reader(decoded_lines(handle))
        header = next(reader, [])
        while True:
            start = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield ReadError(file=str(file), line=start, stage="read", reason=f"bad CSV: {exc}")
                continue
            if not any(cell.strip() for cell in row):
                continue
            broken = [bad_lines.pop(n) for n in range(start, reader.line_num + 1) if n in bad_lines]
            if broken:
                yield ReadError(file=str(file), line=start, stage="read", reason=broken[0])
                continue
            if len(row) > len(header):
                yield ReadError(file=str(file), line=start, stage="read",
                                reason=f"{len(row)} cells but the header names {len(header)} columns")
                continue
            record = dict(zip(header, row))
            yield _record_to_article(record, file, start, id_field, text_field)


def _read_parquet(file: Path, id_field: str, text_field: str) -> Iterator[Article | ReadError]:
    """Streamed by record batches; ``line`` is the 1-based row number; nested columns are not read."""
    source = pq.ParquetFile(file)
    wanted = set(_parquet_scalar_columns(file)) | {id_field, text_field}
    columns = [name for name in source.schema_arrow.names if name in wanted]
    row = 0
    for batch in source.iter_batches(batch_size=PARQUET_BATCH_ROWS, columns=columns):
        for record in batch.to_pylist():
            row += 1
            yield _record_to_article(record, file, row, id_field, text_field)


def _read_txt(file: Path) -> Article | ReadError:
    """One article per file; its id is the file name without suffix."""
    data = file.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        bad = data[exc.start:exc.start + 1].hex()
        return ReadError(file=str(file), line=line, doc_id=file.stem, stage="read",
                         reason=f"not valid UTF-8 (byte 0x{bad}); re-save the file as UTF-8")
    if not text.strip():
        return ReadError(file=str(file), line=None, doc_id=file.stem, stage="read", reason="the file is empty")
    return Article(doc_id=file.stem, text=text, file=str(file), line=None)


def count_rows(paths: Iterable[str | Path]) -> int | None:
    """How many input rows ``iter_articles`` will yield (articles plus unreadable rows), for a
    progress bar with a total and an ETA; None when it cannot be known without reading the
    whole input twice (CSV, whose records may span lines).

    JSONL is counted by its non-blank lines (a byte scan, far faster than parsing),
    Parquet from its footer, a .txt file is one article.
    """
    total = 0
    for file in resolve_inputs(paths):
        suffix = file.suffix.lower()
        if suffix in JSONL_SUFFIXES:
            with file.open("rb") as handle:
                total += sum(1 for raw in handle if raw.strip())
        elif suffix in PARQUET_SUFFIXES:
            total += pq.ParquetFile(file).metadata.num_rows
        elif suffix in TEXT_SUFFIXES:
            total += 1
        else:
            return None
    return total
