"""How long a user waits before a command does anything: ``annotate --help`` and
``annotate run`` on one article with a warm pack cache, each a fresh process.

Each command runs ``--repeat`` times (after one warm-up that fills the pack cache); the
median wall time and the median CPU time (user + system, read from the kernel) are
printed, with the targets of issue 8: ``--help`` under 0.5 s, one article under 1.5 s of
CPU. A JSON line closes the output for scripts.

    .venv/bin/python benchmarks/startup.py
    .venv/bin/python benchmarks/startup.py --repeat 9
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ARTICLE = REPO / "samples" / "articles.jsonl"


def timed(command: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one run of ``command``."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{proc.stderr.read().decode() if proc.stderr else ''}")
    return wall, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    annotate = [sys.executable, "-m", "annotate"]
    with tempfile.TemporaryDirectory(prefix="annotate-startup-") as tmp:
        one = Path(tmp) / "one.jsonl"
        one.write_text(ARTICLE.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
        commands = {
            "help": [*annotate, "--help"],
            "run_one_article": [*annotate, "run", str(one), "--out", str(Path(tmp) / "out"), "--workers", "1"],
        }
        timed(commands["run_one_article"])  # fills the pack cache
        results = {}
        for name, command in commands.items():
            runs = [timed(command) for _ in range(args.repeat)]
            results[name] = {"wall_s": round(statistics.median(w for w, _ in runs), 3),
                             "cpu_s": round(statistics.median(c for _, c in runs), 3)}
    targets = {"help": ("wall_s", 0.5), "run_one_article": ("cpu_s", 1.5)}
    for name, figures in results.items():
        key, bound = targets[name]
        verdict = "met" if figures[key] < bound else "MISSED"
        print(f"{name:<16} wall {figures['wall_s']:.3f} s  CPU {figures['cpu_s']:.3f} s   "
              f"target {key} < {bound}: {verdict}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
