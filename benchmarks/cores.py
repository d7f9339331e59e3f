"""The machine's own ceiling: how much N busy processes get done next to one.

Run by ``benchmarks/bench.py`` in every round, once with one process and once with as
many as the all-workers run uses. Each process runs the same fixed pure-Python loop
(no I/O, no shared memory, nothing to wait for), so N processes take as long as one
only when the machine really gives each its own core. On a virtual machine whose cores
share a physical core, or whose host is busy, they slow each other down, and no
``annotate run --workers N`` can scale better than this loop does in the same minute.

    .venv/bin/python benchmarks/cores.py --processes 2
"""

from __future__ import annotations

import argparse
import json
import os
import time

LOOPS = 30_000_000  # one to two seconds of one core on the 2-core machines the benchmarks are run on


def spin(loops: int) -> int:
    total = 0
    for i in range(loops):
        total += i * i % 7
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--loops", type=int, default=LOOPS, help="work per process [default: %(default)s]")
    args = parser.parse_args()
    started = time.perf_counter()
    children = []
    for _ in range(args.processes):
        pid = os.fork()
        if pid == 0:  # a child: the loop, then out without running the parent's clean-up
            spin(args.loops)
            os._exit(0)
        children.append(pid)
    failed = sum(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) != 0 for pid in children)
    if failed:
        raise SystemExit(f"{failed} of {args.processes} processes failed")
    print(json.dumps({"processes": args.processes, "loops": args.loops,
                      "wall_s": round(time.perf_counter() - started, 3)}))


if __name__ == "__main__":
    main()
