"""How long a compiled pack takes to reach a worker that does not fork (spawn, forkserver,
Spark executors): unpickling it in a fresh process, before and after the patterns travel
as compiled programs.

"before" pickles the pack as Python would by default (each ``re.Pattern`` as its text
and flags, compiled again on arrival); "after" is ``pickle.dumps(pack)``, i.e.
``CompiledPack.__reduce__`` (patterns as their programs, see ``annotate.pack_cache``).
Each pickle is handed to a fresh interpreter on its standard input (never through a
file), which imports the engine first, then times ``pickle.loads`` alone; the median
over ``--repeat`` runs is printed, with a fresh-process ``load_pack()`` from the warm
cache and a cold compile for comparison. Every child also fingerprints what it got:
each pattern's text, flags and groups, each pattern's matches over the seed article,
and the seed article's attributions; all fingerprints must be equal.

With ``--corpus``, the first ``--limit`` articles are also run with ``annotate run
--workers N``, forked and spawned (``ANNOTATE_START_METHOD=spawn``) in turn,
``--repeat`` times each (wall and CPU time of the run and its workers, from the
kernel), and the three tables of both ways are compared.

    .venv/bin/python benchmarks/pack_transfer.py
    .venv/bin/python benchmarks/pack_transfer.py --corpus ../shared/corpus/news-dev.jsonl --limit 500
"""

from __future__ import annotations

import argparse
import copyreg
import io
import itertools
import json
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from annotate.pack import CompiledPack, load_pack  # noqa: E402
from annotate.pack_cache import patterns_in  # noqa: E402
from annotate.readers import iter_articles, resolve_inputs  # noqa: E402
from annotate.rows import Article  # noqa: E402

CHILD = r"""
import json, pickle, sys, time
import annotate.engine
from annotate.pack import CompiledPack
sys.path.insert(0, sys.argv[1])
from pack_transfer import fingerprint
blob = sys.stdin.buffer.read()
wall, cpu = time.perf_counter(), time.process_time()
pack = pickle.loads(blob)
cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
assert isinstance(pack, CompiledPack)
print(json.dumps({"cpu_s": cpu, "wall_s": wall, "fingerprint": fingerprint(pack)}))
"""

LOAD = r"""
import json, sys, time
from annotate.pack import load_pack
sys.path.insert(0, sys.argv[1])
from pack_transfer import fingerprint
wall, cpu = time.perf_counter(), time.process_time()
pack = load_pack(cache=sys.argv[2] == "warm")
cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
print(json.dumps({"cpu_s": cpu, "wall_s": wall, "fingerprint": fingerprint(pack)}))
"""


def seed_text() -> str:
    """The guide's seed article, as the tests read it from the bundled sample."""
    for item in iter_articles(resolve_inputs([REPO / "samples" / "articles.jsonl"]), "id", "text"):
        if isinstance(item, Article) and item.doc_id == "seed":
            return item.text
    raise SystemExit("samples/articles.jsonl has no article with id 'seed'")


def fingerprint(pack: CompiledPack) -> str:
    """A digest of the pack's patterns (text, flags, groups), their matches on the seed article,
    and the seed article's attributions: equal digests, equal behaviour."""
    import hashlib

    from annotate.engine import annotate_text

    text = seed_text()
    digest = hashlib.sha256()
    for pattern in patterns_in(pack.pickle_state()):
        matches = [(m.span(), m.groups()) for m in pattern.finditer(text)]
        digest.update(repr((pattern.pattern, pattern.flags, pattern.groups, sorted(pattern.groupindex.items()),
                            matches)).encode("utf-8", "surrogatepass"))
    for attribution in annotate_text(text, pack, "seed").attributions:
        digest.update(attribution.model_dump_json().encode())
    return digest.hexdigest()


def plain_pickle(pack: CompiledPack) -> bytes:
    """The pack pickled the default way, as it was before it carried its programs."""

    class _Plain(pickle.Pickler):
        def reducer_override(self, obj: Any) -> Any:
            if type(obj) is CompiledPack:
                return copyreg.__newobj__, (CompiledPack,), obj.pickle_state()  # type: ignore[attr-defined]
            return NotImplemented

    out = io.BytesIO()
    _Plain(out, protocol=pickle.HIGHEST_PROTOCOL).dump(pack)
    return out.getvalue()


def child(script: str, *args: str, stdin: bytes = b"") -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    proc = subprocess.run([sys.executable, "-c", script, str(REPO / "benchmarks"), *args], input=stdin,
                          capture_output=True, cwd=REPO, env=env, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"child failed:\n{proc.stderr.decode()}")
    return dict(json.loads(proc.stdout.decode().strip().splitlines()[-1]))


def median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    prints = {r["fingerprint"] for r in runs}
    return {"cpu_s": round(statistics.median(r["cpu_s"] for r in runs), 3),
            "wall_s": round(statistics.median(r["wall_s"] for r in runs), 3),
            "fingerprint": prints.pop() if len(prints) == 1 else "DIFFERS BETWEEN RUNS"}


def timed_run(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the process and its workers) of one command."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{proc.stderr.read().decode() if proc.stderr else ''}")
    return wall, usage.ru_utime + usage.ru_stime


def compare_runs(corpus: Path, limit: int, workers: int, repeat: int) -> dict[str, Any]:
    """``annotate run`` forked and spawned on the same articles, alternately ``repeat`` times:
    median times, and whether the tables are equal."""
    import pyarrow.parquet as pq

    times: dict[str, list[tuple[float, float]]] = {"fork": [], "spawn": []}
    with tempfile.TemporaryDirectory(prefix="annotate-transfer-") as tmp:
        source = Path(tmp) / "in.jsonl"
        with corpus.open(encoding="utf-8") as handle, source.open("w", encoding="utf-8") as out:
            out.writelines(itertools.islice(handle, limit))
        tables = {}
        for method in itertools.chain.from_iterable(itertools.repeat(("fork", "spawn"), repeat)):
            env = {**os.environ, "ANNOTATE_START_METHOD": method,
                   "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
            folder = Path(tmp) / method
            times[method].append(timed_run([sys.executable, "-m", "annotate", "run", str(source), "--out",
                                            str(folder), "--workers", str(workers)], env))
            tables[method] = {name: pq.read_table(folder / f"{name}.parquet")
                              for name in ("attributions", "documents", "errors")}
        results: dict[str, Any] = {
            method: {"wall_s": round(statistics.median(w for w, _ in runs), 3),
                     "cpu_s": round(statistics.median(c for _, c in runs), 3)}
            for method, runs in times.items()}
        results["rows"] = {name: table.num_rows for name, table in tables["fork"].items()}
        results["tables_identical"] = all(tables["fork"][name].equals(tables["spawn"][name])
                                          for name in tables["fork"])
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--corpus", type=Path, help="also compare fork and spawn runs on this JSONL")
    parser.add_argument("--limit", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    pack = load_pack()  # fills the cache, so that the warm load below is warm
    started = time.perf_counter()
    before = plain_pickle(pack)
    dump_before = time.perf_counter() - started
    started = time.perf_counter()
    after = pickle.dumps(pack, protocol=pickle.HIGHEST_PROTOCOL)
    dump_after = time.perf_counter() - started
    expected = fingerprint(pack)

    rows = {
        "cold compile": median([child(LOAD, "cold") for _ in range(args.repeat)]),
        "warm cache load": median([child(LOAD, "warm") for _ in range(args.repeat)]),
        "unpickle before": median([child(CHILD, stdin=before) for _ in range(args.repeat)]),
        "unpickle after": median([child(CHILD, stdin=after) for _ in range(args.repeat)]),
    }
    rows["unpickle before"].update(bytes=len(before), dump_s=round(dump_before, 3))
    rows["unpickle after"].update(bytes=len(after), dump_s=round(dump_after, 3))
    print(f"pack {pack.model_version}, {len(patterns_in(pack.pickle_state()))} patterns; fresh process, median of {args.repeat}")
    for name, row in rows.items():
        same = "same" if row["fingerprint"] == expected else "DIFFERENT"
        extra = f"  pickle {row['bytes'] / 1e6:.1f} MB, dumped in {row['dump_s']:.3f} s" if "bytes" in row else ""
        print(f"{name:<16} CPU {row['cpu_s']:.3f} s  wall {row['wall_s']:.3f} s  patterns and matches: {same}{extra}")
    report: dict[str, Any] = {"pack": pack.model_version, "fresh_process": rows, "fingerprint": expected}
    if args.corpus is not None:
        runs = compare_runs(args.corpus, args.limit, args.workers, args.repeat)
        for method in ("fork", "spawn"):
            print(f"annotate run, {args.limit} articles, --workers {args.workers}, {method:<5}: median of {args.repeat}, "
                  f"wall {runs[method]['wall_s']:.3f} s  CPU {runs[method]['cpu_s']:.3f} s")
        print(f"tables identical: {runs['tables_identical']}  (rows: {runs['rows']})")
        report["runs"] = runs
    print(json.dumps(report))


if __name__ == "__main__":
    main()
