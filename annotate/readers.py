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

Hostile rows are rows like any other: a lone surrogate (``"\\ud800"``) in the id, the
text or a carried field, JSON nested past what the parser can follow, a number with
thousands of digits, a Parquet row group that cannot be decoded, a CSV quote that is
never closed, a file name that is not UTF-8: each becomes a ``ReadError`` naming the
file and line, and reading goes on. Ids are compared as text, so ``1`` and ``"1"`` are
the same id (the second is a duplicate); an id must be a string or an integer.
Compressed inputs (gzip, zstd, bzip2, xz) are recognised by their first bytes and read
as they are decompressed, whatever their name (see :mod:`annotate.inputfiles`).
"""

from __future__ import annotations

import csv
import datetime
import json
import lzma
import sys
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel, ConfigDict, Field

from annotate.errors import InputError
from annotate.inputfiles import (
    byte_lines,
    compression_of,
    format_suffix,
    name_is_utf8,
    open_bytes,
    shown,
    stem,
    walk_files,
)
from annotate.records import ReadError

JSONL_SUFFIXES = (".jsonl", ".ndjson")
CSV_SUFFIXES = (".csv",)
PARQUET_SUFFIXES = (".parquet",)
TEXT_SUFFIXES = (".txt",)
SUPPORTED_SUFFIXES = JSONL_SUFFIXES + CSV_SUFFIXES + PARQUET_SUFFIXES + TEXT_SUFFIXES
SUPPORTED_TEXT = ("JSONL (.jsonl, .ndjson), CSV (.csv), Parquet (.parquet), text (.txt), any of the text formats "
                  "compressed (.gz, .zst, .bz2, .xz), or a folder of them")

PARQUET_BATCH_ROWS = 512
JSONL_PEEK_LINES = 200
ID_TOKEN_MAX = 64  # a CSV line inside a quoted field whose id cell is a token this short reads as a record

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

    A folder is searched at any depth for supported files, in sorted order; other files in
    it (README, images) and hidden ones are skipped. A file named directly must have a
    supported suffix (a compression suffix may follow it: ``news.jsonl.gz``).
    """
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        try:
            if path.is_dir():
                found = [p for p in walk_files(path) if format_suffix(p) in SUPPORTED_SUFFIXES]
                if not found:
                    raise InputError(f"{shown(path)}: the folder holds no readable files; expected {SUPPORTED_TEXT}")
                files.extend(found)
            elif path.is_file():
                if format_suffix(path) not in SUPPORTED_SUFFIXES:
                    raise InputError(f"{shown(path)}: unknown input format {path.suffix or '(no suffix)'!r}; "
                                     f"expected {SUPPORTED_TEXT}")
                files.append(path)
            elif path.exists():
                raise InputError(f"{shown(path)}: not a regular file or folder; expected {SUPPORTED_TEXT}")
            else:
                raise InputError(f"{shown(path)}: no such file or folder; expected {SUPPORTED_TEXT}")
        except OSError as exc:
            where = shown(exc.filename) if exc.filename else shown(path)
            raise InputError(f"{where}: cannot be listed or opened ({exc.strerror or exc}); "
                             f"move the files to a shorter, readable path") from exc
    for file in files:
        _check_readable(file)
    return files


def _check_readable(path: Path) -> None:
    try:
        compression = compression_of(path)
        with path.open("rb") as handle:
            head = handle.read(4)
    except OSError as exc:
        raise InputError(f"{shown(path)}: cannot be opened ({exc.strerror or exc}); check its permissions") from exc
    if head.startswith(b"PK\x03\x04"):
        raise InputError(f"{shown(path)}: this is a ZIP archive, not {format_suffix(path)}; unzip it and give the "
                         f"files (or their folder) instead")
    if compression is not None and format_suffix(path) in PARQUET_SUFFIXES:
        raise InputError(f"{shown(path)}: this Parquet file is {compression}-compressed as a whole; Parquet "
                         f"compresses its own pages and is read in place: decompress the file first")


def _check_columns(path: Path, columns: list[str], text_field: str) -> None:
    """A table without the text column would turn every row into an error: say it once."""
    if text_field not in columns:
        listed = ", ".join(columns) or "(none)"
        raise InputError(
            f"{shown(path)}: no column {text_field!r} for the article text; columns are: {listed}; "
            f"name the right one with --text-field"
        )


def _csv_header(path: Path) -> list[str]:
    try:
        with open_bytes(path) as handle:
            lines = (raw.decode("utf-8-sig", errors="replace") for raw in byte_lines(handle))
            return next(csv.reader(lines, strict=True), [])
    except (csv.Error, OSError, EOFError, ValueError, LookupError) as exc:
        raise InputError(f"{shown(path)}: the CSV header cannot be read ({exc}); check the file is CSV") from exc


def _parquet_columns(path: Path) -> list[str]:
    try:
        return list(pq.ParquetFile(path).schema_arrow.names)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise InputError(f"{shown(path)}: not a readable Parquet file ({exc}); check the file is complete") from exc


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
        suffix = format_suffix(path)
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
    for item in _numbered_lines(path):
        if isinstance(item, ReadError) or item[0] > JSONL_PEEK_LINES:
            break
        try:
            decoded = item[1].decode("utf-8-sig")
        except UnicodeDecodeError:
            continue
        record, _ = parse_json_line(decoded)
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
        suffix = format_suffix(file)
        if suffix in CSV_SUFFIXES:
            _check_columns(file, _csv_header(file), text_field)
        elif suffix in PARQUET_SUFFIXES:
            _check_columns(file, _parquet_columns(file), text_field)
    return _dedupe(_iter_files(files, id_field, text_field))


def _iter_files(files: list[Path], id_field: str, text_field: str) -> Iterator[Article | ReadError]:
    for file in files:
        suffix = format_suffix(file)
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
                as_text = (" (ids are compared as text, so 1 and \"1\" are the same id)"
                           if item.doc_id.lstrip("-").isdigit() else "")
                yield ReadError(
                    file=item.file, line=item.line, doc_id=item.doc_id, stage="read",
                    reason=f"duplicate id {item.doc_id!r}{as_text} (first seen at {first_seen[item.doc_id]}); "
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


class _Digits(str):
    """A JSON integer too long for Python's ``int`` (over ``sys.get_int_max_str_digits()``), kept as its digits."""


def _parse_int(digits: str) -> int | str:
    limit = sys.get_int_max_str_digits()
    return _Digits(digits) if limit and len(digits.lstrip("-")) > limit else int(digits)


_DECODER = json.JSONDecoder(parse_int=_parse_int)  # made once: json.loads with a hook builds one per call


def parse_json_line(decoded: str) -> tuple[Any, str | None]:
    """One JSON value, or ``None`` and the reason it cannot be read.

    Beyond syntax errors, JSON can be hostile: ``[[[[…`` nested deeper than the parser's
    stack, or an integer longer than Python converts (its digits are then kept as text).
    """
    try:
        return _DECODER.decode(decoded), None
    except json.JSONDecodeError as exc:
        return None, f"bad JSON: {exc.msg} at column {exc.colno}"
    except RecursionError:
        return None, "bad JSON: nested too deeply to read (thousands of [ or {); flatten the record"
    except ValueError as exc:
        return None, f"bad JSON: {exc}"


def _lone_surrogate(value: str) -> str | None:
    """Where a string holds a lone surrogate (``"\\ud800"`` in JSON), which no file can store."""
    if value.isascii():
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        return f"a lone surrogate (\\u{ord(value[exc.start]):04x}) at character {exc.start + 1}"
    return None


def _record_to_article(
    record: dict[str, Any], file: Path, line: int, id_field: str, text_field: str
) -> Article | ReadError:
    """Validate one record; the id falls back to ``<file name>:<line>`` when missing.

    Ids are compared as text: a string or an integer is accepted (``1`` and ``"1"`` are
    the same id), anything else (a float, a boolean, a list) is an error row.
    """
    name = shown(file)
    raw_id = record.get(id_field)
    missing_id = raw_id is None or (isinstance(raw_id, str) and raw_id.strip() == "")
    doc_id = f"{shown(file.name)}:{line}" if missing_id else str(raw_id)
    text = record.get(text_field)

    def error(reason: str) -> ReadError:
        return ReadError(file=name, line=line, doc_id=doc_id, stage="read", reason=reason)

    if not missing_id and (isinstance(raw_id, bool) or not isinstance(raw_id, (str, int))):
        return error(f"field {id_field!r} is {type(raw_id).__name__}, not a string or an integer; "
                     f"ids are compared as text: give every article a string id")
    if text_field not in record:
        return error(f"no field {text_field!r} for the article text; name the right one with --text-field")
    if isinstance(text, _Digits) or not isinstance(text, str):
        shown_type = "null" if text is None else "int" if isinstance(text, _Digits) else type(text).__name__
        return error(f"field {text_field!r} is {shown_type}, not a string")
    if not text.strip():
        return error(f"field {text_field!r} is empty")
    meta = {
        key: _as_text(value)
        for key, value in record.items()
        if key not in (id_field, text_field) and _is_scalar(value)
    }
    for field_name, value in ((id_field, doc_id), (text_field, text), *meta.items()):
        bad = _lone_surrogate(value) if value is not None else None
        if bad is not None:
            return error(f"field {shown(field_name)!r} holds {bad}, which is not valid Unicode; "
                         f"fix the \\u escape in the file")
    return Article(doc_id=doc_id, text=text, meta=meta, file=name, line=line)


def _decode_error_reason(exc: UnicodeDecodeError) -> str:
    bad = exc.object[exc.start:exc.start + 1].hex()
    return (f"not valid UTF-8 (byte 0x{bad} at byte {exc.start + 1} of the line); "
            f"re-save the file as UTF-8")


def _numbered_lines(file: Path) -> Iterator[tuple[int, bytes] | ReadError]:
    """The file's lines (decompressed) with 1-based numbers; a damaged stream ends in a ``ReadError``."""
    line = 0
    try:
        with open_bytes(file) as handle:
            for raw in byte_lines(handle):
                line += 1
                yield line, raw
    except (OSError, EOFError, ValueError, LookupError, zlib.error, lzma.LZMAError, pa.ArrowException) as exc:
        yield ReadError(file=shown(file), line=line + 1, stage="read",
                        reason=f"the file cannot be read after line {line} ({exc}); the lines before it were "
                               f"read: check the file is complete")


def _read_jsonl(file: Path, id_field: str, text_field: str) -> Iterator[Article | ReadError]:
    name = shown(file)
    for item in _numbered_lines(file):
        if isinstance(item, ReadError):
            yield item
            return
        line, raw = item
        if not raw.strip():
            continue
        try:
            decoded = raw.decode("utf-8-sig" if line == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            yield ReadError(file=name, line=line, stage="read", reason=_decode_error_reason(exc))
            continue
        record, reason = parse_json_line(decoded)
        if reason is not None:
            yield ReadError(file=name, line=line, stage="read", reason=reason)
        elif not isinstance(record, dict):
            yield ReadError(file=name, line=line, stage="read",
                            reason=f"expected a JSON object, found {type(record).__name__}")
        else:
            yield _record_to_article(record, file, line, id_field, text_field)


class _CsvLines:
    """The lines fed to ``csv.reader``, numbered and decoded, with a way to read some again.

    ``record`` holds the physical lines of the record being parsed; after a suspect
    record, :meth:`again` puts all but its first line back, so the rows a stray quote
    swallowed are read as rows.
    """

    def __init__(self, file: Path):
        self._source = _numbered_lines(file)
        self._again: list[tuple[int, str]] = []
        self.record: list[tuple[int, str]] = []
        self.bad: dict[int, str] = {}  # line number -> why it is not UTF-8
        self.failure: ReadError | None = None

    def __iter__(self) -> _CsvLines:
        return self

    def __next__(self) -> str:
        """The next line; a class, not a generator, so lines put back after the end are still read."""
        if self._again:
            item = self._again.pop()
        else:
            nxt = next(self._source, None) if self.failure is None else None
            if nxt is None:
                raise StopIteration
            if isinstance(nxt, ReadError):
                self.failure = nxt
                raise StopIteration
            number, raw = nxt
            try:
                text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                self.bad[number] = _decode_error_reason(exc)
                text = raw.decode("utf-8", errors="replace")
            item = (number, text)
        self.record.append(item)
        return item[1]

    def take(self) -> list[tuple[int, str]]:
        taken, self.record = self.record, []
        return taken

    def again(self, lines: list[tuple[int, str]]) -> None:
        self._again.extend(reversed(lines))


def _looks_like_record(text: str, width: int, id_column: int) -> bool:
    """Whether one physical line, read alone, is a whole record: the header's width and a token id."""
    try:
        cells = next(csv.reader([text]), [])
    except csv.Error:
        return False
    if width < 2 or len(cells) != width:
        return False
    token = cells[id_column].strip()
    return bool(token) and len(token) <= ID_TOKEN_MAX and not any(c.isspace() for c in token)


def _read_csv(file: Path, id_field: str, text_field: str) -> Iterator[Article | ReadError]:
    """CSV records may span lines (quoted newlines); each is reported at its first line.

    A quote that is never closed would swallow the rows after it into one field. It is
    caught two ways: the reader is strict (a quote followed by anything but a comma or
    a line end, or the end of the file inside quotes, is an error), and a record whose
    continuation lines read, alone, as whole records (the header's width and an id-like
    first cell) is suspect. Either way the record becomes an error row and reading goes
    on at its second line, so the swallowed rows are read.
    """
    name = shown(file)
    lines = _CsvLines(file)
    reader = csv.reader(lines, strict=True)
    try:
        header = next(reader, [])
    except csv.Error as exc:
        yield ReadError(file=name, line=1, stage="read", reason=f"bad CSV header: {exc}")
        return
    lines.take()
    width = len(header)
    id_column = header.index(id_field) if id_field in header else 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            record = lines.take()
            start = record[0][0] if record else 0
            lines.bad.pop(start, None)
            quote = (f": a quote opened on line {start} is probably not closed; reading goes on at line {start + 1}"
                     if len(record) > 1 else "")
            yield ReadError(file=name, line=start, stage="read", reason=f"bad CSV: {exc}{quote}")
            lines.again(record[1:])
            continue
        record = lines.take()
        start = record[0][0]
        if not any(cell.strip() for cell in row):
            continue
        suspect = next((n for n, text in record[1:] if _looks_like_record(text, width, id_column)), None)
        if suspect is not None:
            lines.bad.pop(start, None)
            yield ReadError(file=name, line=start, stage="read",
                            reason=f"bad CSV: the quoted field starting on line {start} runs on over line {suspect}, "
                                   f"which reads as a record of its own: a quote is probably not closed; this "
                                   f"record is skipped and reading goes on at line {start + 1}")
            lines.again(record[1:])
            continue
        broken = [lines.bad.pop(n) for n, _ in record if n in lines.bad]
        if broken:
            yield ReadError(file=name, line=start, stage="read", reason=broken[0])
            continue
        if len(row) > width:
            yield ReadError(file=name, line=start, stage="read",
                            reason=f"{len(row)} cells but the header names {width} columns")
            continue
        yield _record_to_article(dict(zip(header, row)), file, start, id_field, text_field)
    if lines.failure is not None:
        yield lines.failure


def _read_parquet(file: Path, id_field: str, text_field: str) -> Iterator[Article | ReadError]:
    """Row group by row group, in record batches; ``line`` is the 1-based row number.

    A row group that cannot be decoded becomes one error row naming the rows lost; the
    rows read before the damage and the other row groups are kept. Nested columns are
    not read.
    """
    name = shown(file)
    source = pq.ParquetFile(file)
    wanted = set(_parquet_scalar_columns(file)) | {id_field, text_field}
    columns = [column for column in source.schema_arrow.names if column in wanted]
    groups = source.num_row_groups
    first = 1
    for group in range(groups):
        size = source.metadata.row_group(group).num_rows
        done = 0
        try:
            for batch in source.iter_batches(batch_size=PARQUET_BATCH_ROWS, row_groups=[group], columns=columns):
                for record in batch.to_pylist():
                    done += 1
                    yield _record_to_article(record, file, first + done - 1, id_field, text_field)
        except (OSError, ValueError, pa.ArrowException) as exc:
            lost = f"row {first + done}" if done == size - 1 else f"rows {first + done}–{first + size - 1}"
            yield ReadError(file=name, line=first + done, stage="read",
                            reason=f"{lost} (row group {group + 1} of {groups}) cannot be read ({exc}); "
                                   f"the other rows were read: check the file is complete")
        first += size


def _read_txt(file: Path) -> Article | ReadError:
    """One article per file; its id is the file name without suffix (``a1.txt.gz`` → ``a1``)."""
    name, doc_id = shown(file), stem(file)
    if not name_is_utf8(file):
        return ReadError(file=name, line=None, doc_id=shown(doc_id), stage="read",
                         reason="the file name is not valid UTF-8, and it is the article's id; rename the file")
    try:
        with open_bytes(file) as handle:
            data = handle.read()
    except (OSError, EOFError, ValueError, LookupError, zlib.error, lzma.LZMAError, pa.ArrowException) as exc:
        return ReadError(file=name, line=None, doc_id=doc_id, stage="read",
                         reason=f"the file cannot be read ({exc}); check it is complete")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        bad = data[exc.start:exc.start + 1].hex()
        return ReadError(file=name, line=line, doc_id=doc_id, stage="read",
                         reason=f"not valid UTF-8 (byte 0x{bad}); re-save the file as UTF-8")
    if not text.strip():
        return ReadError(file=name, line=None, doc_id=doc_id, stage="read", reason="the file is empty")
    return Article(doc_id=doc_id, text=text, file=name, line=None)
