"""CSV rows, with every line ending, and quotes that are never closed caught.

A CSV record may span lines (a quoted field with newlines), which is also how a quote
that is never closed swallows the rows after it. :func:`read_csv` catches that two ways
(see its docstring), reports the record and reads the swallowed rows again as rows.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from pathlib import Path

from annotate.errors import InputError
from annotate.inputfiles import byte_lines, open_bytes, shown
from annotate.records import ReadError
from annotate.rows import Article, decode_error_reason, numbered_lines, record_to_article

ID_TOKEN_MAX = 64  # a CSV line inside a quoted field whose id cell is a token this short reads as a record
ID_SHAPES_MAX = 64  # id outlines remembered per file (see id_shape)

# news articles are long: the csv module's default cap of 128 KiB per field is too low
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def csv_header(path: Path) -> list[str]:
    try:
        with open_bytes(path) as handle:
            lines = (raw.decode("utf-8-sig", errors="replace") for raw in byte_lines(handle))
            return next(csv.reader(lines, strict=True), [])
    except (csv.Error, OSError, EOFError, ValueError, LookupError) as exc:
        raise InputError(f"{shown(path)}: the CSV header cannot be read ({exc}); check the file is CSV") from exc


class _CsvLines:
    """The lines fed to ``csv.reader``, numbered and decoded, with a way to read some again.

    ``record`` holds the physical lines of the record being parsed; after a suspect
    record, :meth:`again` puts all but its first line back, so the rows a stray quote
    swallowed are read as rows.
    """

    def __init__(self, file: Path):
        self._source = numbered_lines(file)
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
                self.bad[number] = decode_error_reason(exc)
                text = raw.decode("utf-8", errors="replace")
            item = (number, text)
        self.record.append(item)
        return item[1]

    def take(self) -> list[tuple[int, str]]:
        taken, self.record = self.record, []
        return taken

    def again(self, lines: list[tuple[int, str]]) -> None:
        self._again.extend(reversed(lines))


def id_shape(value: str) -> str:
    """The outline of an id: runs of ASCII letters and digits as ``w``, of other letters as ``x``.

    ``ant1-JA-culture-1-20170120`` and ``bbc-17`` are ``w-w-w-w-w`` and ``w-w``; ``12`` is
    ``w``; a weekday in Arabic is ``x``. Ids of one file share a few outlines.
    """
    shape: list[str] = []
    for char in value.strip():
        kind = "w" if char.isascii() and char.isalnum() else "x" if char.isalpha() else char
        if not shape or shape[-1] != kind or kind not in "wx":
            shape.append(kind)
    return "".join(shape)


def _looks_like_record(text: str, width: int, id_column: int, id_shapes: set[str]) -> bool:
    """Whether one physical line, read alone, is a whole record of this file.

    It must have the header's number of cells, and its id cell the outline of an id
    already read here (a dateline such as ``الأحد, 01 يوليو, 2012`` inside an article has
    the width but not the outline).
    """
    if width < 2 or not id_shapes:
        return False
    try:
        cells = next(csv.reader([text]), [])
    except csv.Error:
        return False
    if len(cells) != width:
        return False
    token = cells[id_column].strip()
    return 0 < len(token) <= ID_TOKEN_MAX and id_shape(token) in id_shapes


def read_csv(file: Path, id_field: str, text_field: str) -> Iterator[Article | ReadError]:
    """CSV records may span lines (quoted newlines); each is reported at its first line.

    A quote that is never closed would swallow the rows after it into one field. It is
    caught two ways: the reader is strict (a quote followed by anything but a comma or
    a line end, or the end of the file inside quotes, is an error), and a record whose
    continuation lines read, alone, as whole records (the header's width, and an id cell
    with the outline of the ids read before it) is suspect. Either way the record becomes an error row and reading goes
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
    id_shapes: set[str] = set()  # outlines of the ids read so far: what a record's first line looks like
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
        suspect = next((n for n, text in record[1:] if _looks_like_record(text, width, id_column, id_shapes)),
                       None)
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
        if len(id_shapes) < ID_SHAPES_MAX and id_column < len(row):
            id_shapes.add(id_shape(row[id_column]))
        yield record_to_article(dict(zip(header, row)), file, start, id_field, text_field)
    if lines.failure is not None:
        yield lines.failure
