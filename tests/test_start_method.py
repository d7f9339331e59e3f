"""Workers started by spawn (the macOS and Windows default) receive the pickled pack and
write exactly the tables of a run without workers; fork stays free of pickling."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from annotate.errors import AnnotateError
from annotate.pack import CompiledPack
from annotate.pipeline import run
from annotate.start_method import START_METHOD_ENV, pool_context

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "articles.jsonl"
TABLES = ("attributions", "documents", "errors")


def _tables(out: Path) -> dict[str, list[dict[str, object]]]:
    return {name: pq.read_table(out / f"{name}.parquet").to_pylist() for name in TABLES}


def test_a_spawned_pool_writes_the_tables_of_an_inline_run(
        tmp_path: Path, pack: CompiledPack, monkeypatch: pytest.MonkeyPatch) -> None:
    inline = run([SAMPLES], tmp_path / "inline", pack, workers=1)
    monkeypatch.setenv(START_METHOD_ENV, "spawn")
    spawned = run([SAMPLES], tmp_path / "spawned", pack, workers=2, chunk_articles=1)
    assert (inline.workers, spawned.workers) == (1, 2)
    assert spawned.attributions == inline.attributions > 0
    assert _tables(tmp_path / "spawned") == _tables(tmp_path / "inline")


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="this platform cannot fork")
def test_a_forked_pool_never_pickles_the_pack(
        tmp_path: Path, pack: CompiledPack, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: CompiledPack) -> None:
        raise AssertionError("the pack was pickled for a forked worker")

    monkeypatch.setenv(START_METHOD_ENV, "fork")
    monkeypatch.setattr(CompiledPack, "__reduce__", refuse)
    summary = run([SAMPLES], tmp_path / "out", pack, workers=2, chunk_articles=1)
    assert summary.workers == 2 and summary.annotated == summary.articles_read > 0


def test_without_the_variable_the_platform_default_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(START_METHOD_ENV, raising=False)
    assert pool_context() is None


def test_an_unknown_start_method_is_refused_with_the_valid_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(START_METHOD_ENV, "threads")
    with pytest.raises(AnnotateError, match=r"ANNOTATE_START_METHOD='threads' .* expected one of .*spawn"):
        pool_context()
