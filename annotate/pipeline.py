"""``annotate run``: read, annotate, profile, export, on every core.

The work is split in two so that other runners can reuse it:

- :func:`annotate_batch` is pure: a batch of article dicts and a compiled pack in,
  table rows out (attributions, documents, errors). A Spark or Ray adapter maps it over
  partitions and turns its result into Arrow with :func:`rows_to_tables`.
- :func:`run` is the local runner: the main process compiles the pack once, reads the
  inputs as a stream, sends chunks of articles to a pool of worker processes (each
  receives the compiled pack once, through the pool initializer) and writes the
  results as they come back, in input order, keeping only a bounded number of chunks
  in flight so memory stays flat.

An article whose annotation raises becomes a ``ReadError`` with ``stage="annotate"``
and the run goes on; the tables appear only if the whole run completes.
"""

from __future__ import annotations

import gc

import itertools
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from pydantic import BaseModel

from annotate.budget import stopped_rules
from annotate.errors import AnnotateError
from annotate.export import TABLES, RunWriter, model_row, model_schema
from annotate.profile import profile_document
from annotate.readers import Article, carried_fields, iter_articles, resolve_inputs
from annotate.records import DocumentResult, ReadError

if TYPE_CHECKING:
    from annotate.pack import CompiledPack

CHUNK_ARTICLES = 32
CHUNKS_IN_FLIGHT_PER_WORKER = 3
SMALL_RUN_CHUNKS = 2  # inputs of at most this many chunks run in the main process

Annotator = Callable[[str, Any, str], DocumentResult]
Progress = Callable[[int], None]


class RunSummary(BaseModel):
    """What a run did, for the closing summary and for scripts."""

    articles_read: int  # input rows seen: articles plus rows that could not be read
    annotated: int
    failed: int  # read errors plus annotation errors
    failed_read: int
    failed_annotate: int
    attributions: int
    unresolved: int = 0  # attributions whose implicit source was not found (no type, no grade)
    seconds: float
    workers: int
    out_dir: str
    tables: dict[str, str]
    dropped_fields: list[str]  # input fields first seen too late to get a column
    stopped_rules: dict[str, int] = {}  # rule id → articles where it ran past its time budget

    @property
    def errors_path(self) -> str:
        return self.tables["errors"]

    @property
    def articles_per_second(self) -> float:
        return self.articles_read / self.seconds if self.seconds > 0 else 0.0


@dataclass
class BatchRows:
    """Table rows produced from one batch of articles."""

    attributions: list[dict[str, Any]] = field(default_factory=list)
    documents: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    annotated: int = 0
    stopped_rules: dict[str, int] = field(default_factory=dict)  # rule id → articles it was stopped on


def pack_version_of(pack: Any) -> str:
    """The version string written to every row: the pack's name, version and content hash."""
    return str(getattr(pack, "model_version", None) or getattr(pack, "version", "unknown"))


def _engine_annotate(text: str, pack: Any, doc_id: str) -> DocumentResult:
    from annotate.engine import annotate_text  # the engine is only needed where text is annotated

    return annotate_text(text, pack, doc_id)


def annotate_batch(
    articles: Iterable[Mapping[str, Any]],
    pack: Any,
    carried: Sequence[str] = (),
    annotator: Annotator | None = None,
) -> BatchRows:
    """Annotate a batch of articles and return the rows of the three tables.

    Each article is a mapping with ``doc_id`` and ``text`` and optionally ``meta``
    (carried fields), ``file`` and ``line`` (where it was read, for error rows). Pure:
    touches no files, so it runs the same in a local worker, a Spark task or a Ray actor.
    """
    annotate = annotator or _engine_annotate
    version = pack_version_of(pack)
    rows = BatchRows()
    for raw in articles:
        meta = raw.get("meta") or {}
        doc_id = str(raw["doc_id"])
        try:
            result = annotate(raw["text"], pack, doc_id)
            profile = profile_document(result, version)
        except Exception as exc:  # recorded with its cause, and the run goes on
            error = ReadError(file=str(raw.get("file") or ""), line=raw.get("line"), doc_id=doc_id,
                              stage="annotate", reason=f"{type(exc).__name__}: {exc}")
            rows.errors.append(model_row(error))
            continue
        for rule_id in dict.fromkeys(stopped_rules(result.warnings)):
            rows.stopped_rules[rule_id] = rows.stopped_rules.get(rule_id, 0) + 1
        rows.attributions.extend(model_row(a, carried, meta) for a in result.attributions)
        rows.documents.append(model_row(profile, carried, meta))
        rows.annotated += 1
    return rows


def rows_to_tables(rows: BatchRows, carried: Sequence[str] = ()) -> dict[str, pa.Table]:
    """The batch's rows as Arrow tables with the exact schemas of the Parquet files."""
    tables = {}
    for name, (model, carries) in TABLES.items():
        schema = model_schema(model, carried if carries else ())
        tables[name] = pa.Table.from_pylist(getattr(rows, name), schema=schema)
    return tables


# --- the local runner -------------------------------------------------------------

_WORKER: dict[str, Any] = {}


def _init_worker(pack_source: Any, carried: list[str], annotator: Annotator | None) -> None:
    """Pool initializer: give each worker its pack once, for all the chunks it will take.

    ``run`` hands over the pack it compiled (inherited on fork, unpickled in a tenth of
    a second otherwise) instead of a path, because compiling takes seconds per process;
    a path or ``None`` is still accepted and compiled here.
    """
    if pack_source is None or isinstance(pack_source, (str, Path)):
        from annotate.pack import load_pack

        pack_source = load_pack(None if pack_source is None else Path(pack_source))
    _WORKER.update(pack=pack_source, carried=carried, annotator=annotator)
    # The compiled pack is a large, long-lived object graph: moved out of the collector's
    # reach, it is no longer re-scanned every few thousand allocations (~14% of a run).
    gc.freeze()


def _work(articles: list[dict[str, Any]]) -> BatchRows:
    return annotate_batch(articles, _WORKER["pack"], _WORKER["carried"], _WORKER["annotator"])


def _chunks(items: Iterator[Article | ReadError], size: int) -> Iterator[list[Article | ReadError]]:
    chunk: list[Article | ReadError] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _load_pack(pack: CompiledPack | str | Path | None) -> CompiledPack:
    if pack is None or isinstance(pack, (str, Path)):
        from annotate.pack import load_pack

        return load_pack(None if pack is None else Path(pack))
    return pack


def run(
    paths: Iterable[str | Path],
    out_dir: str | Path,
    pack: CompiledPack | str | Path | None = None,
    id_field: str = "id",
    text_field: str = "text",
    workers: int | None = None,
    progress: Progress | None = None,
    annotator: Annotator | None = None,
    chunk_articles: int = CHUNK_ARTICLES,
) -> RunSummary:
    """Annotate every article of ``paths`` and write the three tables into ``out_dir``.

    ``pack`` is a compiled pack, or a pack folder (``None``: the repository's ``rules/``)
    compiled here first, so a broken pack fails before any work. ``workers`` defaults to
    every core; with 1, or an input of at most ``SMALL_RUN_CHUNKS`` chunks, everything
    runs in this process.
    ``progress`` is called with the number of input rows finished after each chunk.
    Raises ``InputError``, ``RulePackError`` or ``ExportError`` when the run cannot start
    or its tables cannot be written; row problems only go to ``errors.parquet``.
    """
    started = time.perf_counter()
    files = resolve_inputs(paths)
    items = iter_articles(files, id_field, text_field)
    carried = carried_fields(files, id_field, text_field)
    compiled = _load_pack(pack)
    count = workers if workers is not None else (os.cpu_count() or 1)
    if count < 1:
        raise AnnotateError(f"--workers must be 1 or more, not {count}")

    state = _RunState(carried=set(carried), progress=progress)
    chunks = _chunks(items, chunk_articles)
    # a small input is not worth starting workers that each compile the pack again
    head = list(itertools.islice(chunks, SMALL_RUN_CHUNKS + 1))
    inline = count == 1 or len(head) <= SMALL_RUN_CHUNKS
    with RunWriter(Path(out_dir), carried) as writer:
        if inline:
            _init_worker(compiled, carried, annotator)
            for chunk in itertools.chain(head, chunks):
                state.write(writer, chunk, _work(state.submit(writer, chunk)))
        else:
            _run_pool(itertools.chain(head, chunks), writer, state, count, (compiled, carried, annotator))
        tables = writer.commit()

    return RunSummary(
        articles_read=state.read, annotated=state.annotated,
        failed=state.failed_read + state.failed_annotate,
        failed_read=state.failed_read, failed_annotate=state.failed_annotate,
        attributions=state.attributions, unresolved=state.unresolved,
        seconds=round(time.perf_counter() - started, 3),
        workers=1 if inline else count, out_dir=str(out_dir), tables={k: str(v) for k, v in tables.items()},
        dropped_fields=sorted(state.dropped), stopped_rules=dict(sorted(state.stopped.items())),
    )


def _run_pool(chunks: Iterator[list[Article | ReadError]], writer: RunWriter, state: _RunState, count: int,
              initargs: tuple[Any, ...]) -> None:
    """Keep at most a few chunks per worker in flight; write them back in input order."""
    limit = count * CHUNKS_IN_FLIGHT_PER_WORKER
    pending: deque[tuple[list[Article | ReadError], Future[BatchRows]]] = deque()
    executor = ProcessPoolExecutor(max_workers=count, initializer=_init_worker, initargs=initargs)
    try:
        for chunk in chunks:
            pending.append((chunk, executor.submit(_work, state.submit(writer, chunk))))
            while len(pending) >= limit:
                done_chunk, future = pending.popleft()
                state.write(writer, done_chunk, future.result())
        while pending:
            done_chunk, future = pending.popleft()
            state.write(writer, done_chunk, future.result())
    except BrokenProcessPool as exc:
        raise AnnotateError(
            f"a worker process died ({exc}); the pack may fail to load, or an article exhausts "
            f"memory: rerun with --workers 1 to see the cause"
        ) from exc
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


@dataclass
class _RunState:
    """Counters of a run, and the one place rows reach the writer."""

    carried: set[str]
    progress: Progress | None
    read: int = 0
    annotated: int = 0
    failed_read: int = 0
    failed_annotate: int = 0
    attributions: int = 0
    unresolved: int = 0
    dropped: set[str] = field(default_factory=set)
    stopped: dict[str, int] = field(default_factory=dict)

    def submit(self, writer: RunWriter, chunk: list[Article | ReadError]) -> list[dict[str, Any]]:
        """Write the chunk's read errors now; return its articles as dicts for a worker."""
        articles = []
        for item in chunk:
            if isinstance(item, ReadError):
                writer.write_rows("errors", [model_row(item)])
                self.failed_read += 1
            else:
                self.dropped.update(k for k in item.meta if k not in self.carried)
                articles.append(item.model_dump())
        return articles

    def write(self, writer: RunWriter, chunk: list[Article | ReadError], rows: BatchRows) -> None:
        writer.write_rows("attributions", rows.attributions)
        writer.write_rows("documents", rows.documents)
        writer.write_rows("errors", rows.errors)
        self.read += len(chunk)
        self.annotated += rows.annotated
        self.failed_annotate += len(rows.errors)
        self.attributions += len(rows.attributions)
        for rule_id, count in rows.stopped_rules.items():
            self.stopped[rule_id] = self.stopped.get(rule_id, 0) + count
        self.unresolved += sum(1 for row in rows.attributions if row["source_type"] == "unresolved")
        if self.progress is not None:
            self.progress(len(chunk))
