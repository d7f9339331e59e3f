"""Reading inputs: every article comes out, or a located ReadError in its place."""

from __future__ import annotations

import csv
import datetime
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from annotate.errors import InputError
from annotate.readers import Article, carried_fields, iter_articles
from annotate.records import ReadError


def _jsonl(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def _row(doc_id: str, text: str, **extra: object) -> bytes:
    return json.dumps({"id": doc_id, "text": text, **extra}, ensure_ascii=False).encode()


def test_jsonl_bad_lines_become_located_errors_and_reading_goes_on(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "in.jsonl", [
        _row("a", "قال الوزير إن الاجتماع انتهى.", outlet="BBC Arabic"),
        b'{"id": "b", "text": "broken',
        _row("c", ""),
        json.dumps({"id": "d", "text": 5}).encode(),
        b'{"id": "e", "text": "\xff\xfe bad bytes"}',
        json.dumps({"id": "f", "body": "no text field"}).encode(),
        b"[1, 2]",
        _row("g", "وأضاف أن المحادثات مستمرة."),
    ])
    items = list(iter_articles([path]))
    articles = [i for i in items if isinstance(i, Article)]
    errors = [i for i in items if isinstance(i, ReadError)]
    assert [a.doc_id for a in articles] == ["a", "g"]
    assert articles[0].meta == {"outlet": "BBC Arabic"}
    assert (articles[0].file, articles[0].line) == (str(path), 1)
    assert [(e.line, e.stage) for e in errors] == [(n, "read") for n in (2, 3, 4, 5, 6, 7)]
    assert "bad JSON" in errors[0].reason
    assert "empty" in errors[1].reason
    assert "not a string" in errors[2].reason
    assert "UTF-8" in errors[3].reason
    assert "'text'" in errors[4].reason and "--text-field" in errors[4].reason
    assert "JSON object" in errors[5].reason
    assert all(e.file == str(path) for e in errors)


def test_duplicate_ids_are_reported_on_second_occurrence(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "in.jsonl", [_row("x", "نص أول"), _row("x", "نص ثان")])
    first, second = iter_articles([path])
    assert isinstance(first, Article)
    assert isinstance(second, ReadError)
    assert second.line == 2 and second.doc_id == "x"
    assert f"{path}:1" in second.reason


def test_a_duplicate_names_the_file_and_line_it_was_first_seen_at_across_files(tmp_path: Path) -> None:
    first_file = _jsonl(tmp_path / "a.jsonl", [_row("x", "نص"), _row("x ", "نص"), _row("1", "نص")])
    second_file = _jsonl(tmp_path / "b.jsonl", [_row("y", "نص"), _row("x", "نص"), _row(1, "نص")])
    (tmp_path / "c.txt").write_text("نص", encoding="utf-8")
    (tmp_path / "d.jsonl").write_bytes(json.dumps({"id": "c", "text": "نص"}).encode() + b"\n")
    items = iter_articles([first_file, second_file, tmp_path / "c.txt", tmp_path / "d.jsonl"])
    errors = {(e.file, e.line): e.reason for e in items if isinstance(e, ReadError)}
    assert set(errors) == {(str(second_file), 2), (str(second_file), 3), (str(tmp_path / "d.jsonl"), 1)}
    assert f"first seen at {first_file}:1)" in errors[(str(second_file), 2)]  # "x ", a different id, is not it
    assert f"first seen at {first_file}:3)" in errors[(str(second_file), 3)]  # 1 and "1" are the same id
    assert f"first seen at {tmp_path / 'c.txt'})" in errors[(str(tmp_path / "d.jsonl"), 1)]  # a .txt has no line


def test_the_duplicate_check_takes_any_id_even_one_no_reader_lets_through() -> None:
    from annotate.readers import _dedupe

    lone = [Article.model_construct(doc_id="\ud800", text="نص", meta={}, file="in.jsonl", line=line) for line in (1, 2)]
    first, second = _dedupe(iter(lone))
    assert first is lone[0]
    assert isinstance(second, ReadError) and "first seen at in.jsonl:1)" in second.reason


def test_custom_id_and_text_fields_and_missing_id_fallback(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "in.jsonl", [
        json.dumps({"doc_id": "k1", "body": "نص", "date": 2018, "tags": ["x"]}).encode(),
        json.dumps({"body": "نص بلا معرف"}).encode(),
    ])
    first, second = iter_articles([path], id_field="doc_id", text_field="body")
    assert isinstance(first, Article) and isinstance(second, Article)
    assert first.doc_id == "k1"
    assert first.meta == {"date": "2018"}  # nested values are not carried
    assert second.doc_id == "in.jsonl:2"


def test_csv_with_multiline_text_and_bad_bytes(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(
        "id,outlet,text\n"
        'a,CNN Arabic,"سطر أول\nسطر ثان"\n'.encode()
        + b'b,CNN Arabic,"\xff bad"\n'
        + "c,,نص ثالث\n".encode()
    )
    items = list(iter_articles([path]))
    assert isinstance(items[0], Article) and items[0].text == "سطر أول\nسطر ثان"
    assert items[0].line == 2 and items[0].meta == {"outlet": "CNN Arabic"}
    assert isinstance(items[1], ReadError) and items[1].line == 4 and "UTF-8" in items[1].reason
    assert isinstance(items[2], Article) and items[2].doc_id == "c" and items[2].line == 5


def test_csv_without_text_column_fails_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("id,body\na,نص\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"no column 'text'.*id, body.*--text-field"):
        iter_articles([path])


def test_parquet_is_read_by_batches_with_row_numbers(tmp_path: Path) -> None:
    path = tmp_path / "in.parquet"
    table = pa.table({"id": ["p1", "p2", "p3"], "text": ["نص", None, "نص آخر"], "url": ["u1", "u2", None],
                      "date": [datetime.date(2018, 3, 11)] * 3, "tags": [["a"], [], None]})
    pq.write_table(table, path, row_group_size=2)
    items = list(iter_articles([path]))
    assert [type(i).__name__ for i in items] == ["Article", "ReadError", "Article"]
    assert isinstance(items[1], ReadError) and items[1].line == 2 and "null" in items[1].reason
    assert isinstance(items[2], Article) and items[2].line == 3
    assert items[2].meta == {"url": None, "date": "2018-03-11"}  # dates carried as ISO text, lists not
    assert carried_fields([path]) == ["url", "date"]


def test_txt_files_and_folders_are_read_recursively_in_sorted_order(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "two.txt").write_text("نص ثان", encoding="utf-8")
    (tmp_path / "one.txt").write_text("\ufeffنص أول", encoding="utf-8")
    (tmp_path / "empty.txt").write_text("  \n", encoding="utf-8")
    (tmp_path / "notes.md").write_text("skipped", encoding="utf-8")
    (tmp_path / "bad.txt").write_bytes("سطر\n".encode() + b"\xc3\x28")
    items = list(iter_articles([tmp_path]))
    assert [(type(i).__name__, i.doc_id) for i in items] == [
        ("Article", "two"),
        ("ReadError", "bad"),
        ("ReadError", "empty"),
        ("Article", "one"),
    ]
    assert isinstance(items[3], Article) and items[3].text == "نص أول"
    assert isinstance(items[1], ReadError) and items[1].line == 2


def test_unknown_extension_and_missing_file_raise_input_error(tmp_path: Path) -> None:
    odd = tmp_path / "in.xlsx"
    odd.write_bytes(b"x")
    with pytest.raises(InputError, match=r"in\.xlsx.*unknown input format.*JSONL.*CSV.*Parquet"):
        iter_articles([odd])
    with pytest.raises(InputError, match=r"nothere\.jsonl: no such file"):
        iter_articles([tmp_path / "nothere.jsonl"])


def test_damaged_parquet_raises_input_error(tmp_path: Path) -> None:
    path = tmp_path / "in.parquet"
    path.write_bytes(b"not parquet at all")
    with pytest.raises(InputError, match="not a readable Parquet file"):
        iter_articles([path])


def test_carried_fields_come_from_headers_and_first_jsonl_lines(tmp_path: Path) -> None:
    a = _jsonl(tmp_path / "a.jsonl", [_row("1", "t", outlet="o", title="t", attributions=[])])
    b = tmp_path / "b.csv"
    b.write_text("id,text,url\n", encoding="utf-8")
    assert carried_fields([a, b]) == ["outlet", "title", "url"]


def test_a_multiline_csv_text_with_a_dateline_of_commas_is_read_whole(tmp_path: Path) -> None:
    text = "قال الوزير إن الاجتماع انتهى.\nالأحد, 01 يوليو, 2012, 16:53 بتوقيت القدس\nوأضاف أن المحادثات مستمرة."
    path = tmp_path / "in.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerows([["id", "outlet", "date", "text"], ["a1", "o", "d", "نص"], ["a2", "o", "d", text]])
    items = list(iter_articles([path]))
    assert [(type(i).__name__, i.doc_id) for i in items] == [("Article", "a1"), ("Article", "a2")]
    assert isinstance(items[1], Article) and items[1].text == text


CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"


@pytest.mark.skipif(not (CORPUS / "news-wild.jsonl").exists(), reason="needs ../shared/corpus")
@pytest.mark.parametrize("name", ["news-dev", "news-wild"])
def test_the_corpus_written_as_csv_is_read_back_whole_without_a_suspect_quote(tmp_path: Path, name: str) -> None:
    rows = [json.loads(line) for line in (CORPUS / f"{name}.jsonl").open(encoding="utf-8")]
    path = tmp_path / "corpus.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "outlet", "title", "text"])
        writer.writerows([r["id"], r.get("outlet"), r.get("title"), r["text"]] for r in rows)
    items = list(iter_articles([path]))
    assert [i.reason for i in items if isinstance(i, ReadError)] == []
    assert [(i.doc_id, i.text) for i in items if isinstance(i, Article)] == [(r["id"], r["text"]) for r in rows]
