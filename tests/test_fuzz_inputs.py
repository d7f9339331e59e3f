"""Fuzzing the readers and the Parquet writer with hostile strings, numbers and nesting.

The properties are the README's promises: reading never raises on a row's content;
each row becomes exactly one article or one error row, in order, never someone else's
text; whatever is read (and any error row about it) can be written to Parquet and read
back. Bounded in time: a fixed number of examples, each with a deadline.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotate.export import RunWriter, model_row, safe_text
from annotate.inputfiles import byte_lines
from annotate.readers import Article, iter_articles
from annotate.records import ReadError
from record_factories import attribution

FUZZ = settings(max_examples=40, deadline=timedelta(seconds=10), derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

# strings that have broken tools: surrogates, NUL, BOM, bidi controls, line and paragraph
# separators, lone CR, quotes and commas, Arabic with tatweel and diacritics
HOSTILE = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.sampled_from(list('"\',\r\n\t\x00\ufeff\u200f\u2028\u2029\ud800\udfffقال،ـًa1 ')), max_size=40),
    st.sampled_from(["", " ", "\ud800", "a\udc80b", '"', '""', "\r", "\r\n", "null", "NaN", "1e999", "-0"]),
)
class Digits(int):
    """A JSON integer of ``self`` digits: longer than Python's ``int()`` converts (4,300), written by :func:`_dumps`."""


NUMBERS = st.one_of(st.integers(), st.builds(Digits, st.integers(4301, 6000)), st.floats(allow_nan=True), st.booleans())
SCALARS = st.one_of(st.none(), HOSTILE, NUMBERS)
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(HOSTILE, inner, max_size=3),
                      max_leaves=8)


def _dumps(record: dict[str, Any]) -> str:
    """JSON with \\u escapes (so lone surrogates survive) and integers of any length."""
    def encode(value: Any) -> str:
        if isinstance(value, dict):
            return "{" + ", ".join(f"{json.dumps(k)}: {encode(v)}" for k, v in value.items()) + "}"
        if isinstance(value, list):
            return "[" + ", ".join(encode(v) for v in value) + "]"
        if isinstance(value, Digits):
            return "7" * int(value)
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return json.dumps(value)

    return encode(record)


def _check_writable(items: list[Article | ReadError], tmp_path: Path) -> None:
    """Every article's fields and every error row go through the real writer and read back."""
    carried = sorted({k for i in items if isinstance(i, Article) for k in i.meta})
    out = tmp_path / "out"
    with RunWriter(out, carried) as writer:
        for item in items:
            if isinstance(item, ReadError):
                writer.write_rows("errors", [model_row(item)])
            else:
                att = attribution("قال", 0, "قال", None, "person", doc_id=item.doc_id)
                writer.write_rows("attributions", [model_row(att, carried, item.meta)])
        writer.commit()
    errors = pq.read_table(out / "errors.parquet").to_pylist()
    assert [e["reason"] for e in errors] == [safe_text(i.reason) for i in items if isinstance(i, ReadError)]
    docs = pq.read_table(out / "attributions.parquet").column("doc_id").to_pylist()
    assert docs == [i.doc_id for i in items if isinstance(i, Article)]


@FUZZ
@given(records=st.lists(st.dictionaries(HOSTILE, VALUES, max_size=4).flatmap(
    lambda extra: st.fixed_dictionaries({"id": SCALARS, "text": VALUES}).map(lambda r: {**extra, **r})),
    min_size=1, max_size=6))
def test_hostile_jsonl_rows_each_become_one_article_or_one_error_row_and_can_be_written(
        tmp_path_factory: Any, records: list[dict[str, Any]]) -> None:
    tmp_path = tmp_path_factory.mktemp("jsonl")
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(_dumps(r) for r in records) + "\n", encoding="utf-8")
    items = list(iter_articles([path]))
    assert [i.line for i in items] == list(range(1, len(records) + 1))
    for item, record in zip(items, records):
        if isinstance(item, Article):
            assert item.text == record["text"]  # never another row's text
    _check_writable(items, tmp_path)


@FUZZ
@given(lines=st.lists(st.binary(max_size=60), min_size=1, max_size=8),
       nesting=st.integers(min_value=0, max_value=50_000))
def test_arbitrary_bytes_and_deep_nesting_never_stop_the_jsonl_reader(
        tmp_path_factory: Any, lines: list[bytes], nesting: int) -> None:
    tmp_path = tmp_path_factory.mktemp("bytes")
    path = tmp_path / "in.jsonl"
    first = b'{"id": "first", "text": "x"}'  # so the file never opens with a compression's magic bytes
    path.write_bytes(b"\n".join([first, *lines, b"[" * nesting + b"]" * nesting]))
    items = list(iter_articles([path]))
    expected = sum(1 for raw in byte_lines(io.BytesIO(path.read_bytes())) if raw.strip())
    assert len(items) == expected
    _check_writable(items, tmp_path)


@FUZZ
@given(rows=st.lists(st.tuples(HOSTILE, HOSTILE), min_size=1, max_size=6))
def test_hostile_csv_cells_never_stop_the_reader_nor_mix_rows(tmp_path_factory: Any,
                                                              rows: list[tuple[str, str]]) -> None:
    tmp_path = tmp_path_factory.mktemp("csv")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["id", "outlet", "text"])
    written = {}
    for number, (outlet, text) in enumerate(rows):
        writer.writerow([f"r{number}", outlet, text])
        written[f"r{number}"] = text
    path = tmp_path / "in.csv"
    path.write_bytes(buffer.getvalue().encode("utf-8", errors="surrogatepass"))  # invalid UTF-8 bytes
    items = list(iter_articles([path]))
    for item in items:
        if isinstance(item, Article) and item.doc_id in written:
            assert item.text == written[item.doc_id]
    _check_writable(items, tmp_path)


@FUZZ
@given(texts=st.lists(st.text(max_size=30), min_size=1, max_size=6), ids=st.lists(NUMBERS, min_size=6, max_size=6))
def test_parquet_rows_of_any_scalar_type_are_read_and_written(tmp_path_factory: Any, texts: list[str],
                                                              ids: list[Any]) -> None:
    tmp_path = tmp_path_factory.mktemp("parquet")
    path = tmp_path / "in.parquet"
    safe_texts = [safe_text(t) for t in texts]
    table = pa.table({"id": [str(i) for i in ids[:len(texts)]], "text": safe_texts,
                      "n": [i if isinstance(i, float) else None for i in ids[:len(texts)]]})
    pq.write_table(table, path, row_group_size=2)
    items = list(iter_articles([path]))
    assert [i.line for i in items] == list(range(1, len(texts) + 1))
    _check_writable(items, tmp_path)
