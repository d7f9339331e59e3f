"""``annotate run``: read, annotate, profile, export, on every core.

The work is split in two so that other runners can reuse it:

- :func:`annotate_batch` is pure: a batch of article dicts and a compiled pack in,
  table rows out (attributions, documents, errors). A Spark or Ray adapter maps it over
  partitions and turns its result into Arrow with :func:`rows_to_tables`.
- :func:`run` is the local runner: the main process compiles the pack once, reads the
  inputs as a stream, sends chunks of articles to a pool of worker processes (each
  receives the compiled pack once, through the pool initializer) and writes the
  results as they come back, in input order, keeping only a bounded number of chunks
  in flight so memory stays flat. Workers run :func:`annotate_tables`, the same work
  as Arrow tables plus the run's counts, so that the one process every row passes
  through only writes them.

An article whose annotation raises becomes a ``ReadError`` with ``stage="annotate"``
and the run goes on; the tables appear only if the whole run completes.

A worker process that dies (killed, out of memory) does not end the run: the chunks it
and its siblings held are annotated again, one at a time, in a fresh pool; a chunk that
kills a worker again is retried article by article, and only an article that kills a
worker on its own becomes an error row. Workers die with the main process (Linux:
``PR_SET_PDEATHSIG``), so a killed run leaves no workers behind. Articles longer than
:data:`annotate.pieces.PIECE_CHARS` are annotated in pieces (see :mod:`annotate.pieces`).
"""

from __future__ import annotations

import ctypes
import gc
import itertools
import os
import signal
import sys
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from pydantic import BaseModel

from annotate.budget import stopped_rules
from annotate.errors import AnnotateError, ExportError, RulePackError, RuleProblem
from annotate.export import TABLES, RunWriter, model_row, model_schema, records_table, rows_table
from annotate.pieces import annotate_in_pieces
from annotate.profile import profile_document
from annotate.readers import carried_fields, iter_articles, resolve_inputs
from annotate.records import Attribution, DocumentProfile, DocumentResult, ReadError
from annotate.rows import Article
from annotate.run_keys import RunKeys, key_counts
from annotate.runs import run_note
from annotate.source_names import fold
from annotate.start_method import pool_context

if TYPE_CHECKING:
    from annotate.aliases import Aliases
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
    by_type: dict[str, int] = {}  # attributions by source type: named, anonymous, unresolved
    by_grade: dict[str, int] = {}  # attributions by credibility grade ("none" when ungraded)
    seconds: float
    workers: int
    out_dir: str
    tables: dict[str, str]
    dropped_fields: list[str]  # input fields first seen too late to get a column
    worker_deaths: int = 0  # worker processes that died; their articles were annotated again
    stale_removed: list[str] = []  # temporary files of a killed run, removed from the output folder
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
    A very long text is annotated in pieces (:func:`annotate.pieces.annotate_in_pieces`).
    """
    rows = BatchRows()
    for done in _annotate_each(articles, pack, annotator):
        if isinstance(done, dict):
            rows.errors.append(done)
            continue
        raw, result, profile = done
        meta = raw.get("meta") or {}
        _count_stopped(rows.stopped_rules, result)
        rows.attributions.extend(model_row(a, carried, meta) for a in result.attributions)
        rows.documents.append(model_row(profile, carried, meta))
        rows.annotated += 1
    return rows


def _annotate_each(articles: Iterable[Mapping[str, Any]], pack: Any, annotator: Annotator | None
                   ) -> Iterator[tuple[Mapping[str, Any], DocumentResult, DocumentProfile] | dict[str, Any]]:
    """Each article with its result and profile, or the error row of an article whose annotation raised."""
    annotate = annotator or _engine_annotate
    version = pack_version_of(pack)
    for raw in articles:
        doc_id = str(raw["doc_id"])
        try:
            result = annotate_in_pieces(raw["text"], pack, doc_id, annotate)
            profile = profile_document(result, version)
        except Exception as exc:  # recorded with its cause, and the run goes on
            yield model_row(ReadError(file=str(raw.get("file") or ""), line=raw.get("line"), doc_id=doc_id,
                                      stage="annotate", reason=f"{type(exc).__name__}: {exc}"))
            continue
        yield raw, result, profile


def _count_stopped(stopped: dict[str, int], result: DocumentResult) -> None:
    for rule_id in dict.fromkeys(stopped_rules(result.warnings)):
        stopped[rule_id] = stopped.get(rule_id, 0) + 1


def rows_to_tables(rows: BatchRows, carried: Sequence[str] = ()) -> dict[str, pa.Table]:
    """The batch's rows as Arrow tables with the exact schemas of the Parquet files."""
    tables = {}
    for name, (model, carries) in TABLES.items():
        schema = model_schema(model, carried if carries else ())
        try:
            tables[name] = rows_table(getattr(rows, name), schema)
        except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeEncodeError) as exc:
            raise ExportError(f"a row of {name} does not fit the table schema ({exc})") from exc
    return tables


@dataclass
class BatchTables:
    """A batch as Arrow tables, with the counts a run keeps: what a worker sends back.

    Each table crosses to the main process as one Arrow stream, where rows as dicts were
    pickled and unpickled one value at a time, in the one process every row passes
    through; the counts spare the main process reading the rows again.
    """

    tables: dict[str, pa.Table]
    annotated: int = 0
    stopped_rules: dict[str, int] = field(default_factory=dict)
    by_type: Counter[str] = field(default_factory=Counter)
    by_grade: Counter[str] = field(default_factory=Counter)
    keys: Counter[tuple[str, str]] = field(default_factory=Counter)  # (source_key, source_kind), in row order
    # each key's comparison form, folded here in the worker rather than in the one main process
    folded: dict[str, str] = field(default_factory=dict)

    @property
    def attributions(self) -> int:
        return int(self.tables["attributions"].num_rows)

    @property
    def errors(self) -> int:
        return int(self.tables["errors"].num_rows)

    def __getstate__(self) -> dict[str, Any]:
        # each table as one Arrow stream: a quarter of the cost of pickling it column by column
        return {**self.__dict__, "tables": {name: _stream(table) for name, table in self.tables.items()}}

    def __setstate__(self, state: dict[str, Any]) -> None:
        tables = {name: pa.ipc.open_stream(data).read_all() for name, data in state["tables"].items()}
        self.__dict__.update(state, tables=tables)


def _stream(table: pa.Table) -> pa.Buffer:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


def annotate_tables(articles: Iterable[Mapping[str, Any]], pack: Any, carried: Sequence[str] = (),
                    annotator: Annotator | None = None) -> BatchTables:
    """:func:`annotate_batch` as :class:`BatchTables`: the same tables as :func:`rows_to_tables` makes
    of its rows, read column by column from the records, and counted. The local runner's workers send these."""
    found: list[Attribution] = []
    found_meta: list[Mapping[str, str | None]] = []
    profiles: list[DocumentProfile] = []
    profile_meta: list[Mapping[str, str | None]] = []
    errors: list[dict[str, Any]] = []
    batch = BatchTables({})
    for done in _annotate_each(articles, pack, annotator):
        if isinstance(done, dict):
            errors.append(done)
            continue
        raw, result, profile = done
        meta = raw.get("meta") or {}
        _count_stopped(batch.stopped_rules, result)
        found.extend(result.attributions)
        found_meta.extend([meta] * len(result.attributions))
        profiles.append(profile)
        profile_meta.append(meta)
        batch.annotated += 1
    batch.tables = {"attributions": records_table(found, Attribution, carried, found_meta),
                    "documents": records_table(profiles, DocumentProfile, carried, profile_meta),
                    "errors": rows_table(errors, model_schema(ReadError))}
    batch.by_type.update(a.source_type for a in found)
    batch.by_grade.update(a.credibility_grade or "none" for a in found)
    batch.keys.update(key_counts((a.source_key, a.source_kind.value) for a in found))
    batch.folded = {key: fold(key) for key, _ in batch.keys}
    return batch


def joined(parts: Sequence[BatchTables]) -> BatchTables:
    """Several batches as one, in order (a chunk redone article by article)."""
    whole = BatchTables({name: pa.concat_tables([part.tables[name] for part in parts]) for name in TABLES})
    for part in parts:
        whole.annotated += part.annotated
        for rule_id, count in part.stopped_rules.items():
            whole.stopped_rules[rule_id] = whole.stopped_rules.get(rule_id, 0) + count
        whole.by_type.update(part.by_type)
        whole.by_grade.update(part.by_grade)
        whole.keys.update(part.keys)
        whole.folded.update(part.folded)
    return whole


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
    _settle_collector()


def _settle_collector() -> None:
    """Tune Python's cycle collector for a process that holds a pack and streams articles.

    The compiled pack is a large, long-lived object graph: moved out of the collector's
    reach, it is no longer re-scanned every few thousand allocations (~14% of a worker's
    run; in the main process, a full collection after the pool, 0.08 s, while nothing
    else runs). What an article leaves behind is records, freed or handed on whole, and
    few cycles: collecting the young generation every 10,000 allocations instead of 700
    takes the collector from ~1.7% of a run to ~0.7%.
    """
    gc.freeze()
    gc.set_threshold(10_000, *gc.get_threshold()[1:])


PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _die_with_parent(parent: int) -> None:
    """Ask the kernel to kill this worker when the main process dies, even by ``kill -9``.

    Elsewhere than Linux, or if ``prctl`` is unavailable, the pool's own checks remain
    (a worker notices a dead parent at its next task). The ``getppid`` check covers a
    parent that died before the request was made.
    """
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:
        os._exit(1)


def _init_pool_worker(parent: int, *initargs: Any) -> None:
    _die_with_parent(parent)
    _init_worker(*initargs)


def _work(articles: list[dict[str, Any]]) -> BatchTables:
    return annotate_tables(articles, _WORKER["pack"], _WORKER["carried"], _WORKER["annotator"])


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

        pack = load_pack(None if pack is None else Path(pack))
    refuse_empty_matches(pack)
    return pack


def refuse_empty_matches(pack: Any) -> None:
    """Raise ``RulePackError`` for a rule whose pattern matches the empty string, as ``rules check`` does.

    Such a rule fires everywhere with an empty cue: a run would report thousands of
    attributions of nothing, so it is refused before any work.
    """
    problems = [
        RuleProblem(rule.where.file, rule.where.line, rule.id,
                    "pattern matches the empty string: every position would be a cue; make the cue required")
        for rule in getattr(pack, "rules", ())
        if rule.regex.match("") is not None
    ]
    if problems:
        raise RulePackError(problems)


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
    aliases: Aliases | None = None,
) -> RunSummary:
    """Annotate every article of ``paths`` and write the three tables into ``out_dir``.

    ``pack`` is a compiled pack, or a pack folder (``None``: the repository's ``rules/``)
    compiled here first, so a broken pack fails before any work. ``workers`` defaults to
    every core; with 1, or an input of at most ``SMALL_RUN_CHUNKS`` chunks, everything
    runs in this process.
    ``progress`` is called with the number of input rows finished after each chunk.
    ``aliases`` (the user's alias file) wins over the run-wide source-name merge of
    :mod:`annotate.run_keys`, done on the attributions table before it is committed.
    Raises ``InputError``, ``RulePackError`` or ``ExportError`` when the run cannot start
    or its tables cannot be written; row problems only go to ``errors.parquet``.
    """
    started = time.perf_counter()
    files = resolve_inputs(paths)
    items = iter_articles(files, id_field, text_field)
    carried = carried_fields(files, id_field, text_field)
    compiled = _load_pack(pack)
    _settle_collector()  # before the workers fork: they start with it settled too
    count = workers if workers is not None else (os.cpu_count() or 1)
    if count < 1:
        raise AnnotateError(f"--workers must be 1 or more, not {count}")

    state = _RunState(carried=set(carried), progress=progress, keys=RunKeys(aliases))
    chunks = _chunks(items, chunk_articles)
    # a small input is not worth starting workers that each compile the pack again
    head = list(itertools.islice(chunks, SMALL_RUN_CHUNKS + 1))
    inline = count == 1 or len(head) <= SMALL_RUN_CHUNKS
    note = run_note(files, id_field, text_field, pack_version_of(compiled))  # where the report finds the texts
    with RunWriter(Path(out_dir), carried, manifest=note) as writer:
        if inline:
            _init_worker(compiled, carried, annotator)
            for chunk in itertools.chain(head, chunks):
                state.write(writer, chunk, _work(state.submit(writer, chunk)))
        else:
            _run_pool(itertools.chain(head, chunks), writer, state, count, (compiled, carried, annotator))
        # the run-wide source_key merge, worked out and applied as the spooled attributions go into
        # Parquet, while the other tables are finished beside them
        tables = writer.commit({"attributions": state.keys.apply})
        stale = writer.stale_removed

    return RunSummary(
        articles_read=state.read, annotated=state.annotated,
        failed=state.failed_read + state.failed_annotate,
        failed_read=state.failed_read, failed_annotate=state.failed_annotate,
        attributions=state.attributions, unresolved=state.by_type["unresolved"],
        by_type=dict(state.by_type), by_grade=dict(state.by_grade),
        seconds=round(time.perf_counter() - started, 3),
        workers=1 if inline else count, out_dir=str(out_dir), tables={k: str(v) for k, v in tables.items()},
        dropped_fields=sorted(state.dropped), stopped_rules=dict(sorted(state.stopped.items())),
        worker_deaths=state.worker_deaths, stale_removed=stale,
    )


_Job = tuple[list[Article | ReadError], list[dict[str, Any]], "Future[BatchTables]"]


def _run_pool(chunks: Iterator[list[Article | ReadError]], writer: RunWriter, state: _RunState, count: int,
              initargs: tuple[Any, ...]) -> None:
    """Keep at most a few chunks per worker in flight; write them back in input order.

    When a worker dies, every chunk not yet finished is annotated again in a fresh pool
    (see :class:`_Pool`), so the finished work and the rest of the input are kept.
    """
    limit = count * CHUNKS_IN_FLIGHT_PER_WORKER
    pending: deque[_Job] = deque()
    pool = _Pool(count, initargs, state)
    try:
        for chunk in chunks:
            articles = state.submit(writer, chunk)
            pending.append((chunk, articles, pool.submit(articles)))
            while len(pending) >= limit:
                pool.collect(pending, writer)
        while pending:
            pool.collect(pending, writer)
    finally:
        pool.shutdown()


class _Pool:
    """A process pool that outlives the death of its workers."""

    def __init__(self, count: int, initargs: tuple[Any, ...], state: _RunState):
        self.count = count
        self.initargs = (os.getpid(), *initargs)
        self.carried: list[str] = initargs[1]  # (pack, carried fields, annotator), as _init_worker takes them
        self.state = state
        self.executor = self._start(count)

    def _start(self, count: int) -> ProcessPoolExecutor:
        # the platform's way of starting processes, unless $ANNOTATE_START_METHOD names another
        return ProcessPoolExecutor(max_workers=count, mp_context=pool_context(), initializer=_init_pool_worker,
                                   initargs=self.initargs)

    def submit(self, articles: list[dict[str, Any]]) -> Future[BatchTables]:
        try:
            return self.executor.submit(_work, articles)
        except BrokenProcessPool as exc:  # a worker died before this chunk was handed over
            failed: Future[BatchTables] = Future()
            failed.set_exception(exc)  # collect() redoes it in order, with the chunks before it
            return failed

    def shutdown(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)

    def collect(self, pending: deque[_Job], writer: RunWriter) -> None:
        """Write the oldest chunk; if the pool broke, redo every unfinished chunk first."""
        chunk, articles, future = pending[0]
        try:
            rows = future.result()
        except BrokenProcessPool:
            self._recover(pending, writer)
            return
        pending.popleft()
        self.state.write(writer, chunk, rows)

    def _recover(self, pending: deque[_Job], writer: RunWriter) -> None:
        """A worker died: keep what finished, redo the rest one chunk at a time, then go on."""
        self.state.worker_deaths += 1
        self.shutdown()
        self.executor = self._start(1)
        while pending:
            chunk, articles, future = pending.popleft()
            done = future.done() and not future.cancelled() and future.exception() is None
            rows = future.result() if done else self._alone(articles)
            self.state.write(writer, chunk, rows)
        self.shutdown()
        self.executor = self._start(self.count)

    def _alone(self, articles: list[dict[str, Any]]) -> BatchTables:
        """One chunk in a pool of its own; if it kills the worker again, article by article."""
        try:
            return self.submit(articles).result()
        except BrokenProcessPool:
            self.state.worker_deaths += 1
        parts = []
        deaths = 0
        for article in articles:
            self.shutdown()
            self.executor = self._start(1)
            try:
                one = self.submit([article]).result()
            except BrokenProcessPool:
                self.state.worker_deaths += 1
                deaths += 1
                if deaths == len(articles) > 1:
                    raise AnnotateError(
                        "worker processes die on every article, one by one: the pack may fail to load in a "
                        "worker, or memory is exhausted; rerun with --workers 1 to see the cause") from None
                one = BatchTables(rows_to_tables(BatchRows(errors=[model_row(ReadError(
                    file=str(article.get("file") or ""), line=article.get("line"), doc_id=str(article["doc_id"]),
                    stage="annotate",
                    reason="the worker process annotating this article died, twice (killed, or out of memory); "
                           "the other articles were annotated: rerun this one alone with --workers 1 to see why"))]),
                    self.carried))
            parts.append(one)
        return joined(parts)


@dataclass
class _RunState:
    """Counters of a run, and the one place rows reach the writer."""

    carried: set[str]
    progress: Progress | None
    keys: RunKeys
    read: int = 0
    annotated: int = 0
    failed_read: int = 0
    failed_annotate: int = 0
    attributions: int = 0
    worker_deaths: int = 0
    by_type: Counter[str] = field(default_factory=Counter)
    by_grade: Counter[str] = field(default_factory=Counter)
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

    def write(self, writer: RunWriter, chunk: list[Article | ReadError], batch: BatchTables) -> None:
        for name, table in batch.tables.items():
            writer.write_table(name, table)
        self.keys.observe_counts(batch.keys, batch.folded)
        self.read += len(chunk)
        self.annotated += batch.annotated
        self.failed_annotate += batch.errors
        self.attributions += batch.attributions
        for rule_id, count in batch.stopped_rules.items():
            self.stopped[rule_id] = self.stopped.get(rule_id, 0) + count
        self.by_type.update(batch.by_type)
        self.by_grade.update(batch.by_grade)
        if self.progress is not None:
            self.progress(len(chunk))
