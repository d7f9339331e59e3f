"""One input row to an :class:`Article`, or a :class:`~annotate.records.ReadError` saying why not.

Every reader (JSONL, CSV, Parquet, and ``annotate spark``) turns its rows into plain
records (dicts) and hands them to :func:`record_to_article`, so the same checks give the
same messages whatever the format:

- the text must be a non-empty string; the id a string or an integer, compared as text
  (``1`` and ``"1"`` are the same id), falling back to ``<file name>:<line>`` if missing;
- no field may hold a lone surrogate (``"\\ud800"`` in JSON): no file can store it;
- scalar fields other than id and text are carried, as text.

:func:`parse_json_line` reads one JSON value and turns hostile JSON (nesting past the
parser's stack, integers longer than Python converts) into a reason instead of an
exception; :func:`numbered_lines` gives a file's lines, ending in a ``ReadError`` if a
compressed stream is damaged.
"""

from __future__ import annotations

import datetime
import json
import lzma
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field

from annotate.inputfiles import byte_lines, open_bytes, shown
from annotate.records import ReadError


class Article(BaseModel):
    """One article to annotate, with where it came from and the fields it carries."""

    model_config = ConfigDict(extra="forbid")

    doc_id: str
    text: str
    meta: dict[str, str | None] = Field(default_factory=dict)
    file: str
    line: int | None = Field(default=None, description="1-based line or row; None for .txt")


def is_scalar(value: Any) -> bool:
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


def record_to_article(
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
        if key not in (id_field, text_field) and is_scalar(value)
    }
    for field_name, value in ((id_field, doc_id), (text_field, text), *meta.items()):
        bad = _lone_surrogate(value) if value is not None else None
        if bad is not None:
            return error(f"field {shown(field_name)!r} holds {bad}, which is not valid Unicode; "
                         f"fix the \\u escape in the file")
    return Article(doc_id=doc_id, text=text, meta=meta, file=name, line=line)


def decode_error_reason(exc: UnicodeDecodeError) -> str:
    bad = exc.object[exc.start:exc.start + 1].hex()
    return (f"not valid UTF-8 (byte 0x{bad} at byte {exc.start + 1} of the line); "
            f"re-save the file as UTF-8")


def numbered_lines(file: Path) -> Iterator[tuple[int, bytes] | ReadError]:
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
