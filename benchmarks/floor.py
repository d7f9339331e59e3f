"""The floor: read a JSONL file and parse every line, nothing else.

Run by ``benchmarks/bench.py`` as a subprocess; prints the articles and characters read.
``--readers`` goes through ``annotate.readers.iter_articles`` instead (validation, carried
fields, duplicate ids): the part of ``annotate run`` that is not the engine or the writer.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("input", type=Path)
    parser.add_argument("--readers", action="store_true", help="read with annotate.readers")
    args = parser.parse_args()
    articles = characters = 0
    if args.readers:
        from annotate.readers import Article, iter_articles

        for item in iter_articles([args.input]):
            if isinstance(item, Article):
                articles += 1
                characters += len(item.text)
    else:
        with args.input.open("rb") as handle:
            for raw in handle:
                if raw.strip():
                    record = json.loads(raw)
                    articles += 1
                    characters += len(record["text"])
    print(json.dumps({"articles": articles, "characters": characters}))


if __name__ == "__main__":
    main()
