"""CPU time of one very long article, annotated whole and in pieces.

One article is built from the corpus's real texts joined by blank lines and cut to each
length asked for; it is annotated whole (``annotate_text``) and in pieces
(``annotate_in_pieces``), and the CPU seconds and attribution counts are printed.

    .venv/bin/python benchmarks/long_article.py 400000 800000 2000000
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from annotate import annotate_text, load_pack
from annotate.pieces import annotate_in_pieces

CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus" / "news-dev.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("lengths", nargs="+", type=int, help="article lengths in characters")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--pieces-only", action="store_true", help="skip the whole-text runs (slow past 1 M)")
    args = parser.parse_args()
    pack = load_pack()
    texts, size = [], 0
    with args.corpus.open(encoding="utf-8") as handle:
        for line in handle:
            texts.append(json.loads(line)["text"])
            size += len(texts[-1])
            if size > max(args.lengths):
                break
    joined = "\n\n".join(texts)
    for length in args.lengths:
        text = joined[:length]
        modes = [("pieces", lambda t: annotate_in_pieces(t, pack, "long", annotate_text))]
        if not args.pieces_only:
            modes.append(("whole", lambda t: annotate_text(t, pack, "long")))
        for mode, annotate in modes:
            started = time.process_time()
            result = annotate(text)
            seconds = time.process_time() - started
            print(f"{len(text):>10,} characters  {mode:<6}  {seconds:7.2f} s CPU  "
                  f"{len(result.attributions):,} attributions", flush=True)


if __name__ == "__main__":
    main()
