"""Machine instructions the engine executes per article: a figure that does not drift.

On a shared virtual machine the CPU time of the same run moves by a third from one
quarter of an hour to the next, so a 5% change to the engine cannot be seen in timings.
The number of instructions executed can: this script runs ``annotate_batch`` under
valgrind's callgrind (every ``--step``-th article of the corpus), once on ``--small``
articles and once on ``--small + --articles``, and prints the difference per article, so
start-up and the pack load cancel out. The pack's time budget is lifted: under valgrind
everything runs ~50× slower and the watchdog would cut documents short. The pack is
moved out of the cycle collector's reach once loaded (``gc.freeze()``), as in every
``annotate run`` process: otherwise the collections that first promote its objects (once
per process, however many articles follow) land in the articles' share, wherever they
happen to fall.

    apt-get install valgrind
    .venv/bin/python benchmarks/instructions.py                      # this checkout
    .venv/bin/python benchmarks/instructions.py --tree /tmp/base     # another checkout (its annotate/ and rules/)

It takes a few minutes (each run starts Python and loads the pack under valgrind).
Instructions are not time (cache misses and branch mispredictions differ), but a change
that removes work shows here at once, and two checkouts compare to a fraction of a percent.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "news-dev.jsonl"
_RUN = """
import dataclasses, gc, json, sys
from annotate import pipeline
from annotate.pack import load_pack
corpus, count, step = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
articles = []
with open(corpus, "rb") as handle:
    for number, raw in enumerate(handle):
        if len(articles) >= count:
            break
        if number % step == 0:
            record = json.loads(raw)
            articles.append({"doc_id": record["id"], "text": record["text"], "meta": {}})
pack = dataclasses.replace(load_pack(), timeout=1e6)
gc.freeze()  # as a worker does once it has its pack (see the module docstring)
rows = pipeline.annotate_batch(articles, pack)
assert not rows.errors, rows.errors[:1]
"""
_COLLECTED = re.compile(r"Collected\s*:\s*([\d,]+)")


def instructions(tree: Path, corpus: Path, count: int, step: int) -> int:
    """Instructions of one process that annotates ``count`` articles with ``tree``'s code."""
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
               sys.executable, "-c", _RUN, str(corpus), str(count), str(step)]
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONHASHSEED": "0"}  # set and dict orders, hence work, fixed
    done = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True)
    found = _COLLECTED.search(done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"callgrind run failed in {tree} ({count} articles):\n{done.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", type=Path, default=ROOT, help="checkout whose annotate/ and rules/ run")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--articles", type=int, default=200, help="articles measured [default: %(default)s]")
    parser.add_argument("--small", type=int, default=10, help="articles of the start-up run [default: %(default)s]")
    parser.add_argument("--step", type=int, default=7, help="take every STEP-th article [default: %(default)s]")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed: apt-get install valgrind")
    small = instructions(args.tree, args.corpus, args.small, args.step)
    large = instructions(args.tree, args.corpus, args.small + args.articles, args.step)
    print(f"{args.tree}: start-up and {args.small} articles {small / 1e9:.3f} G instructions; "
          f"{(large - small) / args.articles / 1e6:.2f} M instructions per article "
          f"(over {args.articles} articles, every {args.step}th of {args.corpus.name})")


if __name__ == "__main__":
    main()
