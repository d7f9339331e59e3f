"""The local runner: read → annotate → profile → export, in order, with failures recorded.

A small fake annotator stands in for the engine here so that the runner's own behaviour
(ordering, chunking, workers, error rows) is tested on its own; the end-to-end test with
the real engine and the default pack is at the bottom.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from record_factories import attribution, result

from annotate.errors import InputError
from annotate.pipeline import annotate_batch, rows_to_tables, run
from annotate.records import DocumentResult


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
