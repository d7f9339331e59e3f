"""Where the engine spends its time per article: each stage of ``annotate_text``, each rule.

A diagnostic for whoever optimises the engine, not part of the benchmark: it wraps the
stage functions ``annotate.engine`` calls (by their names there) and each rule's
compiled regex with timers, runs ``annotate.pipeline.annotate_batch`` in this process
and prints milliseconds of CPU per article (CPU time: steadier than the clock when other
work shares the machine). If the engine renames a stage, update ``STAGES``.

    .venv/bin/python benchmarks/stages.py --limit 2000
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from annotate import engine, pipeline
from annotate.pack import load_pack

DEFAULT_CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "news-dev.jsonl"
STAGES = ("normalise", "find_furniture", "blank", "split_sentences", "find_candidates", "quoted_spans",
          "resolve", "assemble", "_record")
SECONDS: dict[str, float] = defaultdict(float)
CALLS: dict[str, int] = defaultdict(int)


def _timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            SECONDS[name] += time.process_time() - started
            CALLS[name] += 1
    return wrapper


class _TimedRegex:
    """A compiled pattern whose ``match``, ``search`` and ``finditer`` count their time against a rule."""

    def __init__(self, pattern: Any, key: str):
        self._pattern, self._key = pattern, key
        self.match = _timed(key, pattern.match)
        self.search = _timed(key, pattern.search)

    def finditer(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        started = time.process_time()
        found = list(self._pattern.finditer(*args, **kwargs))
        SECONDS[self._key] += time.process_time() - started
        CALLS[self._key] += 1
        return iter(found)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pattern, name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    articles = []
    with args.corpus.open("rb") as handle:
        for number, raw in enumerate(handle):
            if args.limit is not None and number >= args.limit:
                break
            record = json.loads(raw)
            articles.append({"doc_id": record["id"], "text": record["text"], "meta": {}})
    pack = load_pack()
    pack = dataclasses.replace(pack, rules=tuple(
        dataclasses.replace(rule, regex=_TimedRegex(rule.regex, "rule " + rule.id)) for rule in pack.rules))
    for name in STAGES:
        setattr(engine, name, _timed(name, getattr(engine, name)))

    started = time.process_time()
    rows = pipeline.annotate_batch(articles, pack)
    batch = time.process_time() - started
    started = time.process_time()
    pipeline.rows_to_tables(rows)
    arrow = time.process_time() - started

    n = len(articles)
    chars = sum(len(a["text"]) for a in articles)
    print(f"{n} articles ({chars / n:.0f} characters each), {len(rows.attributions)} attributions")
    print(f"annotate_batch {1000 * batch / n:.3f} ms/article ({n / batch:.0f} articles/s); "
          f"rows to Arrow {1000 * arrow / n:.3f} ms/article")
    ranked = sorted(SECONDS.items(), key=lambda kv: -kv[1])
    print("engine stages, ms/article:")
    for name, seconds in ranked:
        if not name.startswith("rule "):
            print(f"  {name:<20} {1000 * seconds / n:8.3f}")
    print("rules (time inside their regex), ms/article and calls/article:")
    for name, seconds in ranked:
        if name.startswith("rule "):
            print(f"  {name[5:]:<36} {1000 * seconds / n:8.3f} {CALLS[name] / n:8.1f}")


if __name__ == "__main__":
    main()
