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
as they are decompressed, whatever their name (see :mod:`annotate.inputfiles`). Row
checks live in :mod:`annotate.rows`, CSV parsing in :mod:`annotate.csvinput`.
"""

from __future__ import annotations

import lzma
import zlib
from collections.abc import Iterable, Iterator
from hashlib import blake2b
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from annotate.csvinput import csv_header, read_csv
from annotate.errors import InputError
from annotate.inputfiles import compression_of, format_suffix, name_is_utf8, open_bytes, shown, stem, walk_files
from annotate.records import ReadError
from annotate.rows import Article, decode_error_reason, is_scalar, numbered_lines, parse_json_line, record_to_article

JSONL_SUFFIXES = (".jsonl", ".ndjson")
CSV_SUFFIXES = (".csv",)
PARQUET_SUFFIXES = (".parquet",)
TEXT_SUFFIXES = (".txt",)
SUPPORTED_SUFFIXES = JSONL_SUFFIXES + CSV_SUFFIXES + PARQUET_SUFFIXES + TEXT_SUFFIXES
SUPPORTED_TEXT = ("JSONL (.jsonl, .ndjson), CSV (.csv), Parquet (.parquet), text (.txt), any of the text formats "
                  "compressed (.gz, .zst, .bz2, .xz), or a folder of them")

PARQUET_BATCH_ROWS = 512
JSONL_PEEK_LINES = 200


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
            header = csv_header(path)
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
    for item in numbered_lines(path):
        if isinstance(item, ReadError) or item[0] > JSONL_PEEK_LINES:
            break
        try:
            decoded = item[1].decode("utf-8-sig")
        except UnicodeDecodeError:
            continue
        record, _ = parse_json_line(decoded)
        if isinstance(record, dict):
            keys.update((k, None) for k, v in record.items() if is_scalar(v))
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
            _check_columns(file, csv_header(file), text_field)
        elif suffix in PARQUET_SUFFIXES:
            _check_columns(file, _parquet_columns(file), text_field)
    return _dedupe(_iter_files(files, id_field, text_field))


def _iter_files(files: list[Path], id_field: str, text_field: str) -> Iterator[Article | ReadError]:
    for file in files:
        suffix = format_suffix(file)
        if suffix in JSONL_SUFFIXES:
            yield from _read_jsonl(file, id_field, text_field)
        elif suffix in CSV_SUFFIXES:
            yield from read_csv(file, id_field, text_field)
        elif suffix in PARQUET_SUFFIXES:
            yield from _read_parquet(file, id_field, text_field)
        else:
            yield _read_txt(file)


def _dedupe(items: Iterator[Article | ReadError]) -> Iterator[Article | ReadError]:
    """Turn an article whose id was seen before into a ``ReadError`` naming where it was first seen.

    Every id of a run stays here until its end: the one part of reading that grows with
    the input. So each is kept as two integers: a 128-bit digest of the id (two ids of a
    billion share one with odds under 1e-20) and where it was read, packed in one. A
    million articles hold 118 MB here, where their ids with ``file:line`` strings held 192.
    """
    first_seen: dict[int, int] = {}
    files: list[str] = []  # the files read so far, by their number in a packed place
    numbers: dict[str, int] = {}
    for item in items:
        if isinstance(item, Article):
            # surrogatepass: an id no reader let through can still never stop the run here
            id_bytes = item.doc_id.encode("utf-8", "surrogatepass")
            digest = int.from_bytes(blake2b(id_bytes, digest_size=16).digest(), "big")
            place = first_seen.get(digest)
            if place is not None:
                as_text = (" (ids are compared as text, so 1 and \"1\" are the same id)"
                           if item.doc_id.lstrip("-").isdigit() else "")
                yield ReadError(
                    file=item.file, line=item.line, doc_id=item.doc_id, stage="read",
                    reason=f"duplicate id {item.doc_id!r}{as_text} (first seen at {_where(files, place)}); "
                           f"give every article a unique id",
                )
                continue
            number = numbers.get(item.file)
            if number is None:
                number = numbers[item.file] = len(files)
                files.append(item.file)
            first_seen[digest] = number << _LINE_BITS | (0 if item.line is None else item.line + 1)
        yield item


_LINE_BITS = 40  # a line (or row) number below 2**40, packed beside its file's number


def _where(files: list[str], place: int) -> str:
    """A packed place of :func:`_dedupe` as the user reads it: ``file:line``, or the file alone."""
    file, line = files[place >> _LINE_BITS], place & ((1 << _LINE_BITS) - 1)
    return file if line == 0 else f"{file}:{line - 1}"


def _read_jsonl(file: Path, id_field: str, text_field: str) -> Iterator[Article | ReadError]:
    name = shown(file)
    for item in numbered_lines(file):
        if isinstance(item, ReadError):
            yield item
            return
        line, raw = item
        if not raw.strip():
            continue
        try:
            decoded = raw.decode("utf-8-sig" if line == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            yield ReadError(file=name, line=line, stage="read", reason=decode_error_reason(exc))
            continue
        record, reason = parse_json_line(decoded)
        if reason is not None:
            yield ReadError(file=name, line=line, stage="read", reason=reason)
        elif not isinstance(record, dict):
            yield ReadError(file=name, line=line, stage="read",
                            reason=f"expected a JSON object, found {type(record).__name__}")
        else:
            yield record_to_article(record, file, line, id_field, text_field)


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
                    yield record_to_article(record, file, first + done - 1, id_field, text_field)
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
