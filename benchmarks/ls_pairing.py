"""How long `annotate ls pull` takes to pair cues with sources on one crowded claim.

A task whose claim is shared by N cues and N sources (numbered ids that never match,
so every pair goes through distance) is rebuilt with
``annotate.labelstudio.regions.assemble``; the time per N is printed. Pairing looks at
a few nearest candidates per cue, so the time grows like N·log N, not N².

    .venv/bin/python benchmarks/ls_pairing.py 500 1000 2000 8000
"""

from __future__ import annotations

import sys
import time

from annotate.labelstudio import config as cfg
from annotate.labelstudio.regions import Parsed, Region, assemble


def crowded(n: int) -> Parsed:
    regions = {"k": Region("k", cfg.CLAIM, 10 * n + 10, 10 * n + 20, "")}
    relations = []
    for i in range(n):
        regions[f"cue{i}"] = Region(f"cue{i}", cfg.CUE, 10 * i, 10 * i + 2, "")
        regions[f"src{i}"] = Region(f"src{i}", cfg.SOURCE_NAMED, 10 * i + 3, 10 * i + 6, "")
        relations += [(f"cue{i}", "k", cfg.CUE_OF), (f"src{i}", "k", cfg.ATTRIBUTED_TO)]
    return Parsed(regions, relations, None)


def main(sizes: list[int]) -> None:
    for n in sizes:
        parsed = crowded(n)
        began = time.perf_counter()
        rebuilt = assemble(parsed)
        print(f"{n:>6} cues × {n} sources: {time.perf_counter() - began:6.2f} s, {len(rebuilt)} attributions")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [500, 1000, 2000, 8000])
