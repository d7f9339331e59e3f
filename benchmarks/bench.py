"""Benchmark ``annotate run`` against its peer pipeline and the floor, in one run.

Every figure comes from a separate subprocess, timed from outside (wall clock, start-up
included: what a user waits for), with its CPU time and memory read back from the
kernel: ``os.wait4`` gives the largest single process's max RSS; a sampler sums the RSS
of the whole process tree (main process plus workers) every 20 ms for the peak the
machine must hold. Everything runs against a copy of ``annotate/`` and ``rules/`` taken
when the run starts (on ``PYTHONPATH``), so edits made meanwhile don't mix into the
figures; the commit recorded is the one checked out then (``+dirty`` with local edits).
Measured, in this order:

- pack load: import, cold compile (``load_pack(cache=False)``) and cached load, each in
  a fresh interpreter;
- the floor: reading and parsing the JSONL alone (``json.loads``), and reading it
  through ``annotate.readers`` (validation, carried fields, duplicate ids);
- ``annotate run`` end to end (read, annotate, write Parquet) with 1 worker and with
  ``--workers`` (default: every core);
- the machine itself, just before the all-workers run: a fixed pure-Python loop in one
  process and in as many as that run uses (``benchmarks/cores.py``), the ceiling of its
  scaling in that minute;
- just after the all-workers run, as many independent ``annotate run --workers 1`` side by
  side, each on its share of the corpus (dealt article by article): what this machine
  gives this very workload spread over that many processes, with no pool to feed and no
  results to gather, the ceiling any pool can reach (each process pays its own start-up,
  in parallel, and writes only its share);
- the peer pipeline (``benchmarks/peer.py``: spaCy's blank Arabic tokenizer plus a
  ``PhraseMatcher`` over the pack's cue and source forms, writing its matches to
  Parquet) with 1 worker and with every core;
- ``annotate run`` on the corpus repeated ``--repeat`` times (ids made unique), all
  workers, for peak memory.

The runs that are compared (``annotate run`` and the peer with 1 and all workers, the
baseline) are repeated ``--rounds`` times, one round after the other, because a shared
or virtual machine changes speed from one minute to the next: each ratio is computed
within each round, between runs made minutes apart, and the median over the rounds is
reported; the table shows each line's median run (by wall time), and the JSON every run.
- with ``--baseline CHECKOUT``: ``annotate run`` of another checkout (e.g. ``main`` before
  a change, run with that checkout's ``.venv``), 1 worker, on the same corpus in the
  same run, for the before/after ratio in CPU seconds.

It prints a table and the issue's target ratios, and writes every figure to
``benchmarks/results/<date>-<commit>.json`` (or ``--json``) so runs can be compared.
``--profile N`` adds a cProfile of the engine on the first N articles, summed by
module, in the same JSON.

    .venv/bin/python benchmarks/bench.py                       # the full corpus
    .venv/bin/python benchmarks/bench.py --limit 500 --repeat 3  # a quick check
    .venv/bin/python benchmarks/bench.py --baseline ../main       # and the engine on main, for before/after
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import json
import os
import platform
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "news-dev.jsonl"
RESULTS = REPO / "benchmarks" / "results"
_ENV: dict[str, str] = dict(os.environ)  # subprocess environment; PYTHONPATH points at the snapshot
PAGE = os.sysconf("SC_PAGE_SIZE")
TICKS = os.sysconf("SC_CLK_TCK")
MB = 1024 * 1024

TARGETS = {  # name: (comparison, bound), from issues 4 and 8
    "annotate_1w_over_peer_1w": (">=", 4.0),
    "annotate_1w_over_baseline_1w_by_cpu": (">=", 2.5),  # with --baseline: the engine before the change
    "annotate_all_over_annotate_1w": (">=", 1.8),
    "peak_memory_repeat_over_once": ("<=", 1.2),
    "pack_load_cached_s": ("<", 1.0),
}


@dataclass
class Measured:
    """One subprocess: its wall and CPU time, its memory, and what it printed."""

    name: str
    command: list[str]
    wall_s: float
    cpu_s: float  # user + system of the process and every worker it waited for
    max_rss_mb: float  # the largest single process (exact, from wait4)
    peak_tree_rss_mb: float  # the sum over the process tree at its peak (sampled)
    main_cpu_s: float  # the main process alone (last sample): the part workers cannot share
    # the main process's CPU while it had no child process (before the workers start, after they
    # stop): the stretches a run cannot spread over cores, summed over 20 ms samples
    alone_cpu_s: float = 0.0
    articles: int = 0
    characters: int = 0
    output: dict[str, Any] = field(default_factory=dict)

    @property
    def articles_per_s(self) -> float:
        return self.articles / self.wall_s if self.wall_s else 0.0

    @property
    def characters_per_s(self) -> float:
        return self.characters / self.wall_s if self.wall_s else 0.0

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["command"] = " ".join(self.command)
        data["articles_per_s"] = round(self.articles_per_s, 1)
        data["characters_per_s"] = round(self.characters_per_s)
        return data


def _tree(pid: int) -> list[int]:
    """The process and all its descendants, via /proc/PID/task/TID/children."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    todo.extend(int(c) for c in handle.read().split())
        except OSError:
            continue
    return found


def _tree_rss(members: list[int]) -> int:
    total = 0
    for member in members:
        try:
            with open(f"/proc/{member}/statm") as handle:
                total += int(handle.read().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            continue
    return total


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of one process so far, from /proc/PID/stat."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS
    except (OSError, IndexError, ValueError):
        return None


def measure(name: str, command: list[str], articles: int = 0, characters: int = 0,
            env: dict[str, str] | None = None) -> Measured:
    """Run ``command`` from the repository root; fail loudly if it fails."""
    peak = 0
    main_cpu = alone_cpu = 0.0
    done = threading.Event()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(command, cwd=REPO, stdout=out, stderr=err, env=env or _ENV)

        def sample() -> None:
            nonlocal peak, main_cpu, alone_cpu
            while not done.is_set():
                members = _tree(proc.pid)
                peak = max(peak, _tree_rss(members))
                now = _cpu_seconds(proc.pid)
                if now is not None:
                    if len(members) == 1:  # no worker: what the main process did since the last sample, alone
                        alone_cpu += now - main_cpu
                    main_cpu = now
                done.wait(0.02)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if proc.returncode != 0:
        raise SystemExit(f"{name} failed (exit {proc.returncode}): {' '.join(command)}\n{stderr[-3000:]}")
    output = _last_json(stdout)
    return Measured(name=name, command=command, wall_s=round(wall, 3),
                    cpu_s=round(usage.ru_utime + usage.ru_stime, 3),
                    max_rss_mb=round(usage.ru_maxrss * 1024 / MB, 1), peak_tree_rss_mb=round(peak / MB, 1),
                    main_cpu_s=round(main_cpu, 2), alone_cpu_s=round(alone_cpu, 2),
                    articles=articles, characters=characters, output=output)


def _last_json(stdout: str) -> dict[str, Any]:
    for line in reversed(stdout.strip().splitlines()):
        if line.startswith("{"):
            try:
                found: dict[str, Any] = json.loads(line)
                return found
            except json.JSONDecodeError:
                break
    return {}


def _python(*args: str) -> list[str]:
    return [sys.executable, *args]


# --- inputs -----------------------------------------------------------------------

def corpus_stats(path: Path) -> tuple[int, int]:
    articles = characters = 0
    with path.open("rb") as handle:
        for raw in handle:
            if raw.strip():
                articles += 1
                characters += len(json.loads(raw)["text"])
    return articles, characters


def subset(source: Path, target: Path, limit: int) -> Path:
    with source.open("rb") as handle, target.open("wb") as out:
        for number, raw in enumerate(handle):
            if number >= limit:
                break
            out.write(raw)
    return target


def dealt(source: Path, folder: Path, parts: int) -> list[Path]:
    """The corpus dealt into ``parts`` files, article by article, so each gets as much of every
    outlet and length as the others."""
    targets = [folder / f"corpus-part{index}.jsonl" for index in range(parts)]
    outs = [target.open("wb") for target in targets]
    try:
        with source.open("rb") as handle:
            for number, raw in enumerate(line for line in handle if line.strip()):
                outs[number % parts].write(raw)
    finally:
        for out in outs:
            out.close()
    return targets


def repeated(source: Path, target: Path, times: int) -> Path:
    """The corpus ``times`` over, each copy's ids suffixed ``~rK`` so they stay unique."""
    with target.open("w", encoding="utf-8") as out:
        for copy in range(times):
            with source.open("rb") as handle:
                for raw in handle:
                    if not raw.strip():
                        continue
                    record = json.loads(raw)
                    record["id"] = f"{record['id']}~r{copy}"
                    out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return target


# --- the measurements ---------------------------------------------------------------

PACK_COLD = """
import json, time
t0 = time.perf_counter()
from annotate.pack import load_pack
t1 = time.perf_counter()
c1 = time.process_time()
pack = load_pack(cache=False)
t2 = time.perf_counter()
c2 = time.process_time()
print(json.dumps({"import_s": round(t1 - t0, 3), "load_s": round(t2 - t1, 3), "load_cpu_s": round(c2 - c1, 3),
                  "rules": len(pack.rules)}))
"""
PACK_CACHED = PACK_COLD.replace("load_pack(cache=False)", "load_pack()")


def snapshot(target: Path) -> Path:
    """Copy ``annotate/`` and ``rules/`` as they are now, so edits made during the run don't mix in."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("annotate", "rules"):
        shutil.copytree(REPO / name, target / name, ignore=ignore)
    _ENV["PYTHONPATH"] = os.pathsep.join(filter(None, [str(target), os.environ.get("PYTHONPATH")]))
    _ENV["PYTHONSAFEPATH"] = "1"  # `python -m annotate` run from the repository must not import its live copy
    sys.path.insert(0, str(target))
    return target


def pack_load() -> dict[str, Any]:
    subprocess.run(_python("-c", "from annotate.pack import load_pack; load_pack()"), cwd=REPO, check=True,
                   env=_ENV)
    cold = measure("pack load, cold compile", _python("-c", PACK_COLD))
    cached = measure("pack load, cached", _python("-c", PACK_CACHED))
    return {"import_s": cached.output["import_s"], "cold_compile_s": cold.output["load_s"],
            "cached_s": cached.output["load_s"], "cold_compile_cpu_s": cold.output.get("load_cpu_s"),
            "cached_cpu_s": cached.output.get("load_cpu_s"), "cold_process_wall_s": cold.wall_s,
            "cached_process_wall_s": cached.wall_s}


def annotate_run(name: str, corpus: Path, out: Path, workers: int, articles: int, characters: int,
                 baseline: Path | None = None) -> Measured:
    """``annotate run`` of the snapshot, or of the checkout ``baseline`` with its own .venv."""
    command = _python("-m", "annotate", "run", str(corpus), "--out", str(out), "--workers", str(workers))
    env = None
    if baseline is not None:
        python = baseline / ".venv" / "bin" / "python"
        command[0] = str(python if python.exists() else sys.executable)
        env = {**os.environ, "PYTHONPATH": str(baseline), "PYTHONSAFEPATH": "1"}
    result = measure(name, command, articles, characters, env)
    result.output = table_rows([out])
    return result


def table_rows(outs: list[Path]) -> dict[str, int]:
    """Rows of each table a run wrote, summed over the output folders of the runs measured."""
    import pyarrow.parquet as pq

    return {table: sum(pq.read_metadata(out / f"{table}.parquet").num_rows for out in outs)
            for table in ("attributions", "documents", "errors")}


# starts every command of its argument (a JSON list of commands) at once, waits for all, fails if one fails
SIDE_BY_SIDE = """
import json, subprocess, sys
procs = [subprocess.Popen(command) for command in json.loads(sys.argv[1])]
codes = [proc.wait() for proc in procs]
sys.exit(next((code if code > 0 else 1 for code in codes if code), 0))  # killed by a signal (< 0): 1
"""


def annotate_side_by_side(name: str, parts: list[Path], out: Path, articles: int, characters: int) -> Measured:
    """``annotate run --workers 1`` on every part at once, each in a process of its own."""
    commands = [_python("-m", "annotate", "run", str(part), "--out", str(out / part.stem), "--workers", "1")
                for part in parts]
    result = measure(name, _python("-c", SIDE_BY_SIDE, json.dumps(commands)), articles, characters)
    result.output = table_rows([out / part.stem for part in parts])
    return result


def profile_engine(corpus: Path, limit: int) -> dict[str, Any]:
    """cProfile of ``annotate_batch`` on the first ``limit`` articles, own time summed by module."""
    from annotate.pack import load_pack
    from annotate.pipeline import annotate_batch
    from annotate.readers import iter_articles
    from annotate.rows import Article

    pack = load_pack()
    batch = []
    for item in iter_articles([corpus]):
        if isinstance(item, Article):
            batch.append(item.model_dump())
        if len(batch) >= limit:
            break
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    annotate_batch(batch, pack)
    profiler.disable()
    seconds = time.perf_counter() - started
    by_module: dict[str, float] = {}
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    for (file, _, function), (_, _, own, _, _) in stats.items():
        if file == "~":  # built-ins: name them by function, e.g. "<method 'search' of 're.Pattern' objects>"
            key = function
        elif "/annotate/" in file:
            key = "annotate/" + file.split("/annotate/", 1)[1]
        else:
            key = Path(file).parent.name + "/" + Path(file).name
        by_module[key] = by_module.get(key, 0.0) + own
    top = sorted(by_module.items(), key=lambda kv: -kv[1])[:15]
    return {"articles": len(batch), "seconds_profiled": round(seconds, 3),
            "ms_per_article_profiled": round(1000 * seconds / max(len(batch), 1), 2),
            "own_time_share": {k: round(v / sum(by_module.values()), 3) for k, v in top},
            "ms_per_article_by_module": {k: round(1000 * v / max(len(batch), 1), 3) for k, v in top}}


# --- report -----------------------------------------------------------------------

def _median_run(runs: list[Measured]) -> Measured:
    """The run with the median wall time (the lower middle one of an even number)."""
    return sorted(runs, key=lambda run: run.wall_s)[(len(runs) - 1) // 2]


def ratios(m: dict[str, Measured], pack: dict[str, Any], workers: int) -> dict[str, float]:
    out = {
        "annotate_1w_over_peer_1w": m["annotate_1w"].articles_per_s / m["peer_1w"].articles_per_s,
        "annotate_all_over_annotate_1w": m["annotate_all"].articles_per_s / m["annotate_1w"].articles_per_s,
        "annotate_all_over_peer_all": m["annotate_all"].articles_per_s / m["peer_all"].articles_per_s,
        "peer_all_over_peer_1w": m["peer_all"].articles_per_s / m["peer_1w"].articles_per_s,
        "annotate_1w_over_floor": m["annotate_1w"].articles_per_s / m["floor_json"].articles_per_s,
        # CPU seconds are steadier than wall time on a machine others are using too
        "annotate_1w_over_peer_1w_by_cpu": m["peer_1w"].cpu_s / m["annotate_1w"].cpu_s,
        "annotate_all_cores_busy": m["annotate_all"].cpu_s / m["annotate_all"].wall_s,  # CPU s per wall s
        # Amdahl's bound for N free cores: the one-worker run's CPU, with the part the all-workers run's main
        # process did alone kept serial and the rest divided by N (what the pool itself costs is left out)
        "annotate_all_over_1w_amdahl": m["annotate_1w"].cpu_s / (
            m["annotate_all"].alone_cpu_s + (m["annotate_1w"].cpu_s - m["annotate_all"].alone_cpu_s) / workers),
        # the same work N times in N processes against once in one: the ceiling of annotate_all_over_annotate_1w on this
        # machine in this minute (2 on two free cores; less where cores are shared or the host is busy)
        "machine_all_over_1": workers * m["cores_1"].wall_s / m["cores_all"].wall_s,
        # the same corpus shared by N independent one-worker runs side by side: what this workload gets from N
        # processes on this machine in this minute, without a pool (the ceiling of annotate_all_over_annotate_1w),
        # and how much of it the pool reaches
        "side_by_side_over_annotate_1w": m["side_by_side"].articles_per_s / m["annotate_1w"].articles_per_s,
        "annotate_all_over_side_by_side": m["annotate_all"].articles_per_s / m["side_by_side"].articles_per_s,
        "pack_load_cached_s": pack["cached_s"],
        "pack_load_cached_cpu_s": pack.get("cached_cpu_s") or 0.0,
        "pack_load_cold_s": pack["cold_compile_s"],
    }
    if "baseline_1w" in m:
        out["annotate_1w_over_baseline_1w_by_cpu"] = m["baseline_1w"].cpu_s / m["annotate_1w"].cpu_s
        out["annotate_1w_over_baseline_1w"] = m["annotate_1w"].articles_per_s / m["baseline_1w"].articles_per_s
    if "annotate_repeat" in m:
        out["peak_memory_repeat_over_once"] = m["annotate_repeat"].peak_tree_rss_mb / m["annotate_all"].peak_tree_rss_mb
        out["max_rss_process_repeat_over_once"] = m["annotate_repeat"].max_rss_mb / m["annotate_all"].max_rss_mb
    return {k: round(v, 3) for k, v in out.items()}


def verdicts(values: dict[str, float]) -> dict[str, bool]:
    ops = {">=": float.__ge__, "<=": float.__le__, "<": float.__lt__}
    return {name: ops[op](float(values[name]), bound) for name, (op, bound) in TARGETS.items() if name in values}


def print_report(m: dict[str, Measured], pack: dict[str, Any], values: dict[str, float],
                 passed: dict[str, bool], profile: dict[str, Any] | None) -> None:
    print(f"\n{'measurement':<34} {'wall s':>8} {'articles/s':>11} {'chars/s':>11} {'CPU s':>8} "
          f"{'main CPU s':>10} {'alone CPU s':>11} {'peak tree MB':>13} {'max proc MB':>12}")
    for item in m.values():
        rates = (f"{item.articles_per_s:>11,.1f} {item.characters_per_s:>11,.0f}" if item.articles
                 else " " * 23)  # the machine lines read no articles
        print(f"{item.name:<34} {item.wall_s:>8.2f} {rates} "
              f"{item.cpu_s:>8.2f} {item.main_cpu_s:>10.2f} {item.alone_cpu_s:>11.2f} {item.peak_tree_rss_mb:>13,.1f} "
              f"{item.max_rss_mb:>12,.1f}")
    print(f"\npack load: import {pack['import_s']:.3f} s, cold compile {pack['cold_compile_s']:.3f} s, "
          f"cached {pack['cached_s']:.3f} s (CPU: cold {pack.get('cold_compile_cpu_s')} s, "
          f"cached {pack.get('cached_cpu_s')} s)")
    print("\ntargets (issues 4 and 8; each ratio the median over the rounds of its value within a round)")
    for name, (op, bound) in TARGETS.items():
        if name in values:
            print(f"  {name:<34} {values[name]:>8.3f}  {op} {bound:<4}  {'met' if passed[name] else 'MISSED'}")
    print("other ratios")
    for name, value in values.items():
        if name not in TARGETS:
            print(f"  {name:<34} {value:>8.3f}")
    if profile:
        print(f"\nengine profile: {profile['ms_per_article_profiled']} ms/article under cProfile, "
              f"{profile['articles']} articles; own time by module")
        for name, ms in profile["ms_per_article_by_module"].items():
            print(f"  {ms:>8.3f} ms/article  {profile['own_time_share'][name]:>6.1%}  {name}")


def git_commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", "annotate", "rules"],
                               cwd=REPO, capture_output=True, text=True, check=False).stdout.strip()
        return head + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="JSONL with id and text")
    parser.add_argument("--limit", type=int, default=None, help="use only the first N lines")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="'all cores' [default: %(default)s]")
    parser.add_argument("--repeat", type=int, default=10, help="corpus copies for the memory run; 0 skips it")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds of the compared runs; ratios are the median over rounds [default: 3]")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="profile the engine on N articles")
    parser.add_argument("--json", type=Path, default=None, help="results file [default: benchmarks/results/…]")
    parser.add_argument("--baseline", type=Path, default=None, metavar="CHECKOUT",
                        help="also run `annotate run` (1 worker) from this checkout, e.g. main, with its .venv")
    args = parser.parse_args()
    if not args.corpus.exists():
        raise SystemExit(f"no corpus at {args.corpus}; pass --corpus PATH")

    load_before = os.getloadavg()
    commit = git_commit()
    started = datetime.datetime.now(datetime.UTC)
    with tempfile.TemporaryDirectory(prefix="annotate-bench-") as tmp_name:
        tmp = Path(tmp_name)
        snapshot(tmp / "src")
        corpus = subset(args.corpus, tmp / "corpus.jsonl", args.limit) if args.limit else args.corpus
        articles, characters = corpus_stats(corpus)
        parts = dealt(corpus, tmp, args.workers)
        print(f"corpus {corpus if not args.limit else args.corpus}: {articles:,} articles, {characters:,} characters; "
              f"{os.cpu_count()} cores, all-workers runs use {args.workers}", flush=True)

        pack = pack_load()
        print(f"pack load: cold {pack['cold_compile_s']:.2f} s, cached {pack['cached_s']:.3f} s", flush=True)
        rounds: list[dict[str, Measured]] = []

        def step(m: dict[str, Measured], key: str, result: Measured) -> None:
            m[key] = result
            rate = f"{result.articles_per_s:,.1f} articles/s, " if result.articles else ""
            print(f"  {result.name}: {result.wall_s:.1f} s, {rate}CPU {result.cpu_s:.1f} s, "
                  f"peak tree {result.peak_tree_rss_mb:,.0f} MB", flush=True)

        for number in range(1, max(args.rounds, 1) + 1):
            print(f"round {number} of {max(args.rounds, 1)}", flush=True)
            m: dict[str, Measured] = {}
            rounds.append(m)
            step(m, "floor_json", measure("floor: read + json.loads", _python("benchmarks/floor.py", str(corpus)),
                                          articles, characters))
            step(m, "floor_readers", measure("floor: annotate.readers",
                                             _python("benchmarks/floor.py", str(corpus), "--readers"),
                                             articles, characters))
            step(m, "annotate_1w", annotate_run("annotate run, 1 worker", corpus, tmp / "a1", 1, articles, characters))
            if args.baseline is not None:
                step(m, "baseline_1w", annotate_run(f"baseline ({args.baseline.name}), 1 worker", corpus, tmp / "b1",
                                                    1, articles, characters, args.baseline.resolve()))
            # what the machine gives N busy processes right now, just before the N-worker run
            step(m, "cores_1", measure("machine: 1 busy process", _python("benchmarks/cores.py", "--processes", "1")))
            step(m, "cores_all", measure(f"machine: {args.workers} busy processes",
                                         _python("benchmarks/cores.py", "--processes", str(args.workers))))
            step(m, "annotate_all", annotate_run(f"annotate run, {args.workers} workers", corpus, tmp / "aN",
                                                 args.workers, articles, characters))
            step(m, "side_by_side", annotate_side_by_side(f"annotate run, {args.workers} runs of 1 worker",
                                                          parts, tmp / "aS", articles, characters))
            step(m, "peer_1w", measure("peer (spaCy), 1 worker", _python("benchmarks/peer.py", str(corpus), "--out",
                                                                        str(tmp / "p1"), "--workers", "1"),
                                       articles, characters))
            step(m, "peer_all", measure(f"peer (spaCy), {args.workers} workers",
                                        _python("benchmarks/peer.py", str(corpus), "--out", str(tmp / "pN"),
                                                "--workers", str(args.workers)), articles, characters))
        m = {key: _median_run([r[key] for r in rounds]) for key in rounds[0]}
        if args.repeat > 1:
            big = repeated(corpus, tmp / f"corpus-x{args.repeat}.jsonl", args.repeat)
            step(m, "annotate_repeat", annotate_run(f"annotate run ×{args.repeat}, {args.workers} workers", big,
                                                    tmp / "aR", args.workers, articles * args.repeat,
                                                    characters * args.repeat))
            for r in rounds:
                r["annotate_repeat"] = m["annotate_repeat"]
        profile = profile_engine(corpus, args.profile) if args.profile else None

    per_round = [ratios(r, pack, args.workers) for r in rounds]
    values = {name: round(statistics.median(r[name] for r in per_round), 3) for name in per_round[0]}
    passed = verdicts(values)
    print_report(m, pack, values, passed, profile)

    now = datetime.datetime.now(datetime.UTC)
    result = {
        "date": now.isoformat(timespec="seconds"), "started": started.isoformat(timespec="seconds"),
        "git_commit": commit,
        "machine": {"cores": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "load_average_before": [round(x, 2) for x in load_before],
                    "load_average_after": [round(x, 2) for x in os.getloadavg()]},
        "corpus": {"path": str(args.corpus), "limit": args.limit, "articles": articles, "characters": characters},
        "workers_all": args.workers, "repeat": args.repeat,
        "rounds": len(rounds), "pack_load": pack, "measurements": {k: v.as_json() for k, v in m.items()},
        "runs": [{k: v.as_json() for k, v in r.items() if k != "annotate_repeat"} for r in rounds],
        "ratios": values, "ratios_per_round": per_round, "targets": {k: {"op": op, "bound": b, "met": passed.get(k)} for k, (op, b) in TARGETS.items()},
        "profile": profile,
    }
    path = args.json or RESULTS / f"{now:%Y-%m-%d-%H%M}-{commit[:8]}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten: {path}")


if __name__ == "__main__":
    main()
