"""The local runner: read → annotate → profile → export, in order, with failures recorded.

A small fake annotator stands in for the engine here so that the runner's own behaviour
(ordering, chunking, workers, error rows) is tested on its own; the end-to-end test with
the real engine and the default pack is at the bottom.
"""

from __future__ import annotations

import json
import pickle
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from record_factories import attribution, result

from annotate.errors import AnnotateError, InputError
from annotate.pack import CompiledPack
from annotate.pipeline import annotate_batch, annotate_tables, rows_to_tables, run
from annotate.records import DocumentResult

REPO = Path(__file__).resolve().parent.parent


class FakePack:
    model_version = "fake-1.0.0-0000"


def fake_annotate(text: str, pack: object, doc_id: str) -> DocumentResult:
    """One named attribution per 'قال' in the text; 'BOOM' makes it raise."""
    if "BOOM" in text:
        raise ValueError("the engine choked on this article")
    atts = []
    if "قال" in text:
        atts.append(attribution(text, 0, "قال", None, "person", doc_id=doc_id))
    return result(text, atts, doc_id=doc_id)


def _write_jsonl(path: Path, rows: list[dict[str, object]], corrupt_line: int | None = None) -> Path:
    lines = [json.dumps(r, ensure_ascii=False) for r in rows]
    if corrupt_line is not None:
        lines.insert(corrupt_line - 1, '{"id": "broken", "text": "قال')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _articles(n: int) -> list[dict[str, object]]:
    return [{"id": f"a{i}", "outlet": f"o{i % 3}", "text": f"قال المصدر رقم {i} إن شيئا حدث."} for i in range(n)]


def test_annotate_batch_is_pure_and_turns_failures_into_error_rows() -> None:
    rows = annotate_batch(
        [{"doc_id": "ok", "text": "قال أحد إن", "meta": {"outlet": "X"}},
         {"doc_id": "bad", "text": "BOOM", "file": "in.jsonl", "line": 2}],
        FakePack(), carried=["outlet"], annotator=fake_annotate,
    )
    assert rows.annotated == 1
    assert [r["doc_id"] for r in rows.documents] == ["ok"]
    assert rows.attributions[0]["outlet"] == "X"
    assert rows.errors == [{"file": "in.jsonl", "line": 2, "doc_id": "bad", "stage": "annotate",
                            "reason": "ValueError: the engine choked on this article"}]
    tables = rows_to_tables(rows, ["outlet"])
    assert tables["documents"].column("pack_version").to_pylist() == ["fake-1.0.0-0000"]
    assert tables["errors"].num_rows == 1


def test_the_tables_workers_send_are_the_rows_of_annotate_batch(pack: CompiledPack, seed_text: str) -> None:
    """annotate_tables reads the records column by column; the tables must be those of the rows."""
    samples = [json.loads(line) for line in (REPO / "samples" / "articles.jsonl").read_text("utf-8").splitlines()]
    articles: list[dict[str, object]] = [
        {"doc_id": "seed", "text": seed_text, "meta": {"outlet": "X", "doc_id": None}},
        *({"doc_id": str(s["id"]), "text": s["text"], "meta": {"outlet": "\udfff"}} for s in samples),  # escaped
        {"doc_id": "empty", "text": "   "}, {"doc_id": "none", "text": "لا مصدر هنا."},
    ]
    carried = ["outlet", "doc_id"]  # doc_id clashes with a column: carried as input_doc_id
    rows = annotate_batch(articles, pack, carried)
    batch = annotate_tables(articles, pack, carried)
    expected = rows_to_tables(rows, carried)
    assert rows.attributions and rows.annotated == batch.annotated
    for name, table in batch.tables.items():
        assert table.equals(expected[name], check_metadata=True), name
    assert batch.by_type == Counter(row["source_type"] for row in rows.attributions)
    assert batch.by_grade == Counter(row["credibility_grade"] or "none" for row in rows.attributions)
    assert list(batch.keys.items()) == list(Counter(
        (row["source_key"], row["source_kind"]) for row in rows.attributions if row["source_key"]).items())
    copied = pickle.loads(pickle.dumps(batch))  # as it crosses from a worker: Arrow streams
    assert all(copied.tables[name].equals(table, check_metadata=True) for name, table in batch.tables.items())


def test_corrupted_line_lands_in_errors_and_the_rest_is_annotated(tmp_path: Path) -> None:
    source = _write_jsonl(tmp_path / "in.jsonl", _articles(6), corrupt_line=3)
    out = tmp_path / "out"
    summary = run([source], out, FakePack(), workers=1, annotator=fake_annotate)
    errors = pq.read_table(out / "errors.parquet").to_pylist()
    assert [(e["file"], e["line"], e["stage"]) for e in errors] == [(str(source), 3, "read")]
    docs = pq.read_table(out / "documents.parquet")
    assert docs.column("doc_id").to_pylist() == [f"a{i}" for i in range(6)]
    assert docs.column("outlet").to_pylist()[:3] == ["o0", "o1", "o2"]
    assert (summary.articles_read, summary.annotated, summary.failed, summary.attributions) == (7, 6, 1, 6)
    assert summary.errors_path == str(out / "errors.parquet")


def test_worker_pool_keeps_input_order_and_records_annotation_failures(tmp_path: Path) -> None:
    rows = _articles(40)
    rows[17]["text"] = "BOOM"
    source = _write_jsonl(tmp_path / "in.jsonl", rows)
    seen: list[int] = []
    summary = run([source], tmp_path / "out", FakePack(), workers=2, annotator=fake_annotate,
                  chunk_articles=3, progress=seen.append)
    docs = pq.read_table(tmp_path / "out" / "documents.parquet").column("doc_id").to_pylist()
    assert docs == [f"a{i}" for i in range(40) if i != 17]
    atts = pq.read_table(tmp_path / "out" / "attributions.parquet").column("doc_id").to_pylist()
    assert atts == docs
    (error,) = pq.read_table(tmp_path / "out" / "errors.parquet").to_pylist()
    assert (error["doc_id"], error["line"], error["stage"]) == ("a17", 18, "annotate")
    assert sum(seen) == 40 and summary.workers == 2
    assert (summary.annotated, summary.failed_annotate) == (39, 1)


def test_fields_first_seen_late_are_reported_as_dropped(tmp_path: Path) -> None:
    rows = [{"id": f"a{i}", "text": "قال"} for i in range(250)]
    rows[-1]["late"] = "x"
    summary = run([_write_jsonl(tmp_path / "in.jsonl", rows)], tmp_path / "out", FakePack(),
                  workers=1, annotator=fake_annotate)
    assert summary.dropped_fields == ["late"]


def test_missing_input_fails_before_any_output(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        run([tmp_path / "missing.jsonl"], tmp_path / "out", FakePack(), workers=1, annotator=fake_annotate)
    assert not (tmp_path / "out").exists()


def test_small_input_runs_in_the_main_process_without_a_pool(tmp_path: Path) -> None:
    source = _write_jsonl(tmp_path / "in.jsonl", _articles(5))
    summary = run([source], tmp_path / "out", FakePack(), workers=2, annotator=fake_annotate, chunk_articles=4)
    assert summary.workers == 1 and summary.annotated == 5



def interrupting_annotate(text: str, pack: object, doc_id: str) -> DocumentResult:
    if doc_id == "a30":
        raise KeyboardInterrupt
    return fake_annotate(text, pack, doc_id)


def test_interrupted_run_leaves_no_tables_behind(tmp_path: Path) -> None:
    source = _write_jsonl(tmp_path / "in.jsonl", _articles(40))
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        run([source], out, FakePack(), workers=1, annotator=interrupting_annotate, chunk_articles=4)
    assert list(out.iterdir()) == []  # not even the chunks written before the interruption


def test_csv_parquet_and_txt_inputs_in_one_run_carry_their_fields(tmp_path: Path) -> None:
    import pyarrow as pa

    folder = tmp_path / "inputs"
    folder.mkdir()
    (folder / "a.csv").write_text("id,outlet,text\nc1,CNN Arabic,قال الوزير إن\n", encoding="utf-8")
    pq.write_table(pa.table({"id": ["p1"], "url": ["https://example.org/p1"], "text": ["خبر بلا مصدر"]}),
                   folder / "b.parquet")
    (folder / "t1.txt").write_text("وقال المتحدث إن", encoding="utf-8")
    out = tmp_path / "out"
    summary = run([folder], out, FakePack(), workers=1, annotator=fake_annotate)
    docs = pq.read_table(out / "documents.parquet").to_pylist()
    assert [(d["doc_id"], d["outlet"], d["url"]) for d in docs] == [
        ("c1", "CNN Arabic", None), ("p1", None, "https://example.org/p1"), ("t1", None, None)]
    assert (summary.annotated, summary.attributions) == (3, 2)

# --- end to end, with the real engine and the default pack -------------------------

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples" / "articles.jsonl"


@pytest.fixture(scope="module")
def default_pack() -> object:
    from annotate.pack import load_pack

    return load_pack()


def test_samples_with_a_corrupted_line_through_the_real_engine_on_two_workers(
        tmp_path: Path, default_pack: object) -> None:
    lines = SAMPLES.read_text(encoding="utf-8").splitlines()
    lines.insert(2, '{"id": "torn", "text": "قال')  # line 3 is torn in half
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    summary = run([source], out, default_pack, workers=2, chunk_articles=1)
    assert summary.workers == 2
    assert (summary.articles_read, summary.annotated, summary.failed) == (7, 6, 1)

    (error,) = pq.read_table(out / "errors.parquet").to_pylist()
    assert (error["file"], error["line"], error["stage"]) == (str(source), 3, "read")
    docs = pq.read_table(out / "documents.parquet").to_pylist()
    texts = {json.loads(line)["id"]: json.loads(line)["text"] for line in lines if "torn" not in line}
    assert [d["doc_id"] for d in docs] == list(texts)
    atts = pq.read_table(out / "attributions.parquet").to_pylist()
    assert summary.attributions == len(atts) and sum(d["attributions"] for d in docs) == len(atts)
    assert {d["doc_id"] for d in docs if d["attributions"]} == set(texts)  # every sample holds some
    for att in atts:
        text = texts[att["doc_id"]]
        assert text[att["cue_start"]:att["cue_end"]] == att["cue_text"]
        if att["source_text"] is not None:
            assert text[att["source_start"]:att["source_end"]] == att["source_text"]
        assert att["pack_version"] == default_pack.model_version  # type: ignore[attr-defined]
    assert {a["outlet"] for a in atts} >= {"BBC Arabic", "CNN Arabic", "Jawhara FM"}


# --- hostile inputs: each becomes error rows, every other article is annotated -------------

GOOD = [json.dumps({"id": f"good{i}", "text": f"قال المصدر رقم {i} إن شيئا حدث."}, ensure_ascii=False)
        for i in range(3)]


def _hostile_jsonl(tmp_path: Path, bad: str) -> Path:
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join([GOOD[0], bad, GOOD[1], GOOD[2]]) + "\n", encoding="utf-8")
    return path


def _run_and_read(tmp_path: Path, source: Path | list[Path], **options: object) -> tuple[list[str], list[dict]]:
    out = tmp_path / "out"
    run(source if isinstance(source, list) else [source], out, FakePack(), workers=1, annotator=fake_annotate,
        **options)  # type: ignore[arg-type]
    docs = pq.read_table(out / "documents.parquet").column("doc_id").to_pylist()
    return docs, pq.read_table(out / "errors.parquet").to_pylist()


@pytest.mark.parametrize("bad, reason", [
    ('{"id": "s1", "text": "نص \\ud800 مكسور"}', "lone surrogate"),
    ('{"id": "s\\ud800", "text": "نص"}', "lone surrogate"),
    ('{"id": "s3", "text": "نص", "outlet": "\\udfff"}', "lone surrogate"),
    ("[" * 100_000, "nested too deeply"),
], ids=["surrogate-in-text", "surrogate-in-id", "surrogate-in-carried-field", "100000-nested-brackets"])
def test_a_hostile_jsonl_line_becomes_an_error_row_and_the_other_articles_are_annotated(
        tmp_path: Path, bad: str, reason: str) -> None:
    docs, errors = _run_and_read(tmp_path, _hostile_jsonl(tmp_path, bad))
    assert docs == ["good0", "good1", "good2"]
    (error,) = errors
    assert error["line"] == 2 and reason in error["reason"]
    assert "\ud800" not in (error["doc_id"] or "")  # the error row itself was writable


def test_a_5000_digit_integer_in_any_field_is_read_as_its_digits_and_every_article_is_annotated(
        tmp_path: Path) -> None:
    digits = "9" * 5000
    source = _hostile_jsonl(tmp_path, f'{{"id": {digits}, "outlet": {digits}, "text": "قال"}}')
    out = tmp_path / "out"
    run([source], out, FakePack(), workers=1, annotator=fake_annotate)
    docs = pq.read_table(out / "documents.parquet").to_pylist()
    assert [d["doc_id"] for d in docs] == ["good0", digits, "good1", "good2"]
    assert docs[1]["outlet"] == digits
    text_as_number = _hostile_jsonl(tmp_path, f'{{"id": "n", "text": {digits}}}')
    _, errors = _run_and_read(tmp_path, text_as_number)
    assert "field 'text' is int, not a string" in errors[0]["reason"]


def test_a_txt_file_whose_name_is_not_utf8_becomes_an_error_row_and_the_others_are_annotated(
        tmp_path: Path) -> None:
    folder = tmp_path / "texts"
    folder.mkdir()
    (folder / "a.txt").write_text("قال الوزير", encoding="utf-8")
    with open(bytes(folder) + b"/caf\xe9.txt", "wb") as handle:
        handle.write("قال الوزير".encode())
    (folder / "z.txt").write_text("قال الوزير", encoding="utf-8")
    docs, errors = _run_and_read(tmp_path, folder)
    assert docs == ["a", "z"]
    (error,) = errors
    assert error["file"].endswith("caf\\xe9.txt") and "not valid UTF-8" in error["reason"]


def test_a_file_1100_folders_deep_is_read(tmp_path: Path) -> None:
    deep = tmp_path / "tree"
    for _ in range(1100):
        deep = deep / "d"
        deep.mkdir(parents=True)
    (deep / "bottom.txt").write_text("قال الوزير", encoding="utf-8")
    (tmp_path / "tree" / "top.txt").write_text("قال الوزير", encoding="utf-8")
    try:
        docs, errors = _run_and_read(tmp_path, tmp_path / "tree")
    finally:  # pytest's own clean-up recurses, and would fail on this tree
        _remove_deep_tree(tmp_path / "tree")
    assert sorted(docs) == ["bottom", "top"] and errors == []


def _remove_deep_tree(top: Path) -> None:
    """Remove a chain of folders named ``d`` and the files in them, deepest first, without recursion."""
    found, current = [], top
    while current.is_dir():
        found.append(current)
        found.extend(current.glob("*.txt"))
        current = current / "d"
    for path in reversed(found):
        path.unlink() if path.is_file() else path.rmdir()


def test_a_csv_with_cr_only_line_ends_is_read(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes("id,outlet,text\rc1,BBC,قال الوزير\rc2,CNN,خبر\r".encode())
    docs, errors = _run_and_read(tmp_path, path)
    assert docs == ["c1", "c2"] and errors == []


def test_a_csv_quote_left_open_is_reported_and_the_rows_after_it_are_annotated(tmp_path: Path) -> None:
    rows = [f"{i},outlet {i},قال المصدر {i}" for i in range(1, 11)]
    rows[2] = '3,outlet 3,"قال المصدر 3 ولم يغلق الاقتباس'  # line 4
    path = tmp_path / "in.csv"
    path.write_text("id,outlet,text\n" + "\n".join(rows) + "\n", encoding="utf-8")
    docs, errors = _run_and_read(tmp_path, path)
    assert docs == [str(i) for i in range(1, 11) if i != 3]
    (error,) = errors
    assert error["line"] == 4 and "quote" in error["reason"] and "not closed" in error["reason"]


def test_a_csv_quote_closed_only_at_a_later_field_end_is_reported_not_swallowed(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text('id,outlet,text\n1,o,نص أول\n2,o,"نص لم يغلق\n3,o,نص ثالث\n4,o,نص رابع"\n5,o,نص خامس\n',
                    encoding="utf-8")
    docs, errors = _run_and_read(tmp_path, path)
    assert docs == ["1", "3", "4", "5"]
    (error,) = errors
    assert error["line"] == 3 and "runs on over line 4" in error["reason"]


def test_a_parquet_row_group_that_cannot_be_decoded_keeps_the_other_row_groups(tmp_path: Path) -> None:
    import pyarrow as pa

    path = tmp_path / "in.parquet"
    table = pa.table({"id": [f"p{i}" for i in range(9)], "text": [f"قال المصدر {i}" for i in range(9)]})
    pq.write_table(table, path, row_group_size=3, compression="none")
    column = pq.ParquetFile(path).metadata.row_group(1).column(1)
    data = bytearray(path.read_bytes())
    start = column.data_page_offset
    data[start:start + 8] = b"\xff" * 8  # the page header of the second row group's text column
    path.write_bytes(bytes(data))
    docs, errors = _run_and_read(tmp_path, path)
    assert docs == ["p0", "p1", "p2", "p6", "p7", "p8"]
    (error,) = errors
    assert error["line"] == 4 and "rows 4–6 (row group 2 of 3) cannot be read" in error["reason"]


def test_ids_1_and_quoted_1_are_the_same_id_and_the_second_is_a_duplicate(tmp_path: Path) -> None:
    source = _hostile_jsonl(tmp_path, '{"id": 1, "text": "قال"}')
    source.write_text(source.read_text(encoding="utf-8") + '{"id": "1", "text": "قال"}\n', encoding="utf-8")
    docs, errors = _run_and_read(tmp_path, source)
    assert docs == ["good0", "1", "good1", "good2"]
    (error,) = errors
    assert error["line"] == 5 and "duplicate id '1'" in error["reason"] and "compared as text" in error["reason"]


def test_compressed_inputs_are_read_whatever_their_name(tmp_path: Path) -> None:
    import gzip

    import pyarrow as pa

    body = ("\n".join(GOOD) + "\n").encode()
    (tmp_path / "a.jsonl.gz").write_bytes(gzip.compress(body))
    (tmp_path / "b.jsonl").write_bytes(gzip.compress(body.replace(b"good", b"named")))  # gzip named .jsonl
    with pa.output_stream(str(tmp_path / "c.jsonl.zst"), compression="zstd") as stream:
        stream.write(body.replace(b"good", b"zstd"))
    docs, errors = _run_and_read(tmp_path, [tmp_path / "a.jsonl.gz", tmp_path / "b.jsonl", tmp_path / "c.jsonl.zst"])
    assert docs == [f"{kind}{i}" for kind in ("good", "named", "zstd") for i in range(3)] and errors == []


def test_carried_fields_named_like_columns_never_collide_and_both_libraries_read_the_tables(
        tmp_path: Path) -> None:
    import polars as pl

    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": "a", "doc_id": "X", "input_doc_id": "Y", "characters": "Z",
                                  "text": "قال المصدر"}, ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    run([source], out, FakePack(), workers=1, annotator=fake_annotate)
    for name in ("attributions", "documents"):
        columns = pq.read_table(out / f"{name}.parquet").column_names
        assert len(columns) == len(set(columns))
        assert columns[-3:] == ["input_doc_id_2", "input_doc_id", "input_characters"]
        row = pl.read_parquet(out / f"{name}.parquet").row(0, named=True)
        assert (row["doc_id"], row["input_doc_id_2"], row["input_doc_id"], row["input_characters"]) == (
            "a", "X", "Y", "Z")


# --- dead workers, killed runs, concurrent runs ---------------------------------------------

def killing_annotate(text: str, pack: object, doc_id: str) -> DocumentResult:
    """'KILL' kills the worker every time; 'KILLONCE:<path>' only the first time (the file remembers)."""
    import os
    import signal

    if "KILLONCE:" in text:
        marker = Path(text.split("KILLONCE:")[1].strip())
        if not marker.exists():
            marker.write_text("killed once")
            os.kill(os.getpid(), signal.SIGKILL)
    elif "KILL" in text:
        os.kill(os.getpid(), signal.SIGKILL)
    return fake_annotate(text, pack, doc_id)


def test_a_worker_killed_once_loses_no_finished_or_pending_article(tmp_path: Path) -> None:
    rows = _articles(40)
    rows[21]["text"] = f"قال KILLONCE:{tmp_path / 'killed'}"
    source = _write_jsonl(tmp_path / "in.jsonl", rows)
    summary = run([source], tmp_path / "out", FakePack(), workers=2, annotator=killing_annotate, chunk_articles=3)
    docs = pq.read_table(tmp_path / "out" / "documents.parquet").column("doc_id").to_pylist()
    assert docs == [f"a{i}" for i in range(40)]
    assert summary.worker_deaths == 1 and summary.failed == 0


def test_an_article_that_kills_its_worker_every_time_is_an_error_row_and_the_rest_are_annotated(
        tmp_path: Path) -> None:
    rows = _articles(40)
    rows[21]["text"] = "KILL"
    source = _write_jsonl(tmp_path / "in.jsonl", rows)
    summary = run([source], tmp_path / "out", FakePack(), workers=2, annotator=killing_annotate, chunk_articles=3)
    docs = pq.read_table(tmp_path / "out" / "documents.parquet").column("doc_id").to_pylist()
    assert docs == [f"a{i}" for i in range(40) if i != 21]
    (error,) = pq.read_table(tmp_path / "out" / "errors.parquet").to_pylist()
    assert (error["doc_id"], error["line"], error["stage"]) == ("a21", 22, "annotate")
    assert "worker process annotating this article died" in error["reason"]
    assert summary.worker_deaths >= 2


def test_a_chunk_handed_to_a_pool_that_just_broke_comes_back_as_a_failure_to_redo() -> None:
    """A worker can die while the main process is still handing out chunks: the next
    submit must not raise out of the run, but give a failed chunk that collect() redoes."""
    from concurrent.futures.process import BrokenProcessPool

    from annotate.pipeline import _Pool, _RunState
    from annotate.run_keys import RunKeys

    pool = _Pool(1, (FakePack(), [], killing_annotate), _RunState(carried=set(), progress=None, keys=RunKeys()))
    try:
        with pytest.raises(BrokenProcessPool):
            pool.submit([{"doc_id": "k", "text": "KILL"}]).result()
        later = pool.submit([{"doc_id": "a", "text": "قال أحد"}])
        assert isinstance(later.exception(), BrokenProcessPool)
    finally:
        pool.shutdown()


KILLED_RUN = """
import sys, time
from pathlib import Path
from annotate.pipeline import run
from record_factories import result

class FakePack:
    model_version = "fake"

def slow(text, pack, doc_id):
    time.sleep(0.05)
    return result(text, [], doc_id=doc_id)

run([sys.argv[1]], sys.argv[2], FakePack(), workers=2, annotator=slow, chunk_articles=2)
"""


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found.extend(int(c) for c in (task / "children").read_text().split())
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie is dead, only not yet reaped


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc (Linux)")
def test_workers_die_with_a_killed_run_and_the_next_run_removes_its_temporary_files(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    source = _write_jsonl(tmp_path / "in.jsonl", _articles(400))
    out = tmp_path / "out"
    script = tmp_path / "killed_run.py"
    script.write_text(KILLED_RUN, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent)}
    process = subprocess.Popen([sys.executable, str(script), str(source), str(out)], env=env)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (out.exists() and list(out.glob(".*.tmp"))
                                                   and len(_children(process.pid)) >= 2):
            time.sleep(0.05)
        workers = _children(process.pid)
        assert len(workers) >= 2 and list(out.glob(".errors.parquet.*.tmp"))
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.05)
    assert not any(_alive(w) for w in workers), "a worker outlived the killed run"
    assert not (out / "documents.parquet").exists()

    summary = run([_write_jsonl(tmp_path / "small.jsonl", _articles(3))], out, FakePack(), workers=1,
                  annotator=fake_annotate)
    assert len(summary.stale_removed) >= 3
    assert sorted(p.name for p in out.iterdir()) == [
        "attributions.parquet", "documents.parquet", "errors.parquet", "manifest.json"]


def test_a_second_run_into_a_folder_being_written_is_refused_naming_the_first(tmp_path: Path) -> None:
    from annotate.errors import ExportError
    from annotate.export import RunWriter

    out = tmp_path / "out"
    source = _write_jsonl(tmp_path / "in.jsonl", _articles(3))
    with RunWriter(out):
        with pytest.raises(ExportError, match=r"another annotate run is writing here \(pid \d+ on .*, started"):
            run([source], out, FakePack(), workers=1, annotator=fake_annotate)
    run([source], out, FakePack(), workers=1, annotator=fake_annotate)  # free again once the first is done


def test_tables_of_two_runs_side_by_side_are_refused_by_the_set_check(tmp_path: Path) -> None:
    import shutil

    from annotate.errors import ExportError
    from annotate.outfolder import check_run

    source = _write_jsonl(tmp_path / "in.jsonl", _articles(3))
    run([source], tmp_path / "one", FakePack(), workers=1, annotator=fake_annotate)
    run([source], tmp_path / "two", FakePack(), workers=1, annotator=fake_annotate)
    manifest = check_run(tmp_path / "one")
    assert manifest["tables"]["documents"]["rows"] == 3
    shutil.copy(tmp_path / "two" / "errors.parquet", tmp_path / "one" / "errors.parquet")
    with pytest.raises(ExportError, match=r"errors\.parquet: from run \w+, but manifest\.json is from run"):
        check_run(tmp_path / "one")
    (tmp_path / "two" / "manifest.json").unlink()  # as if the commit was cut before its last step
    with pytest.raises(ExportError, match="did not finish its commit"):
        check_run(tmp_path / "two")


def test_workers_that_die_on_every_article_stop_the_run_with_the_likely_cause(tmp_path: Path) -> None:
    rows = _articles(40)
    for row in rows:
        row["text"] = "KILL"
    source = _write_jsonl(tmp_path / "in.jsonl", rows)
    with pytest.raises(AnnotateError, match="worker processes die on every article.*--workers 1"):
        run([source], tmp_path / "out", FakePack(), workers=2, annotator=killing_annotate, chunk_articles=3)
    assert not (tmp_path / "out" / "documents.parquet").exists()
