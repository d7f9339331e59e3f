"""The peer pipeline a user would otherwise build: spaCy's blank Arabic tokenizer plus a
``PhraseMatcher`` over the default pack's cue and source lexicons, every inflected form.

It reads the same JSONL as ``annotate run``, normalises each text the way the pack's
forms are normalised (``annotate.normalise``: ة→ه, ى→ي, hamza folded, diacritics
dropped; its cost is included), finds every phrase and writes one Parquet row per match
(``doc_id``, ``lexicon``, ``start``, ``end``, ``text``; offsets into the normalised text).
It assembles nothing: no sources tied to cues, no claims, chains or grades.

Run by ``benchmarks/bench.py`` as a subprocess, so its wall time includes start-up:

    .venv/bin/python benchmarks/peer.py ../shared/corpus/news-dev.jsonl --out /tmp/peer --workers 2
"""

from __future__ import annotations

import argparse
import json
import os
from collections import deque
from collections.abc import Iterator
from multiprocessing import Pool
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

CHUNK_ARTICLES = 32
SOURCE_LEXICONS = (
    "agencies", "media_heads", "org_heads", "organizations", "role_heads", "countries", "capitals",
    "anonymous_source_heads", "anonymous_official_heads", "collective_heads", "witness_heads",
    "hearsay_heads", "unnamed_media_heads", "document_heads",
)
SCHEMA = pa.schema([("doc_id", pa.string()), ("lexicon", pa.string()), ("start", pa.int64()),
                    ("end", pa.int64()), ("text", pa.string())])


def lexicon_forms() -> dict[str, list[str]]:
    """Lexicon name -> every inflected form: the rules' cue lexicons and the source lexicons."""
    from annotate.pack import load_pack

    pack = load_pack()
    cue = sorted({name for rule in pack.rules for name in rule.cue_lexicons})
    names = cue + [n for n in SOURCE_LEXICONS if n in pack.lexicons and n not in cue]
    return {name: sorted(pack.lexicons[name].forms) for name in names}


_STATE: dict[str, Any] = {}


def _init(forms: dict[str, list[str]]) -> None:
    import spacy
    from spacy.matcher import PhraseMatcher

    nlp = spacy.blank("ar")
    matcher = PhraseMatcher(nlp.vocab, attr="ORTH")
    for name, items in forms.items():
        matcher.add(name, list(nlp.tokenizer.pipe(items)))
    _STATE.update(nlp=nlp, matcher=matcher)


def _match(chunk: list[tuple[str, str]]) -> list[dict[str, Any]]:
    from annotate.normalise import normalise

    nlp, matcher = _STATE["nlp"], _STATE["matcher"]
    strings = nlp.vocab.strings
    rows = []
    for doc_id, text in chunk:
        doc = nlp.make_doc(normalise(text).text)
        for label, start, end in matcher(doc):
            span = doc[start:end]
            rows.append({"doc_id": doc_id, "lexicon": strings[label], "start": span.start_char,
                         "end": span.end_char, "text": span.text})
    return rows


def _chunks(path: Path) -> Iterator[list[tuple[str, str]]]:
    chunk: list[tuple[str, str]] = []
    with path.open("rb") as handle:
        for raw in handle:
            if not raw.strip():
                continue
            record = json.loads(raw)
            chunk.append((str(record["id"]), record["text"]))
            if len(chunk) >= CHUNK_ARTICLES:
                yield chunk
                chunk = []
    if chunk:
        yield chunk


def run(path: Path, out_dir: Path, workers: int) -> dict[str, int]:
    """Match every article of ``path``; write ``out_dir/matches.parquet``; count what was done."""
    forms = lexicon_forms()
    out_dir.mkdir(parents=True, exist_ok=True)
    counts = {"articles": 0, "matches": 0, "patterns": sum(len(v) for v in forms.values())}
    with pq.ParquetWriter(out_dir / "matches.parquet", SCHEMA) as writer:
        def write(chunk: list[tuple[str, str]], rows: list[dict[str, Any]]) -> None:
            counts["articles"] += len(chunk)
            counts["matches"] += len(rows)
            if rows:
                writer.write_table(pa.Table.from_pylist(rows, schema=SCHEMA))

        if workers == 1:
            _init(forms)
            for chunk in _chunks(path):
                write(chunk, _match(chunk))
        else:
            with Pool(workers, initializer=_init, initargs=(forms,)) as pool:
                pending: deque[tuple[list[tuple[str, str]], Any]] = deque()
                for chunk in _chunks(path):  # a bounded window of chunks in flight, written in order
                    pending.append((chunk, pool.apply_async(_match, (chunk,))))
                    if len(pending) >= 3 * workers:
                        done, result = pending.popleft()
                        write(done, result.get())
                for done, result in pending:
                    write(done, result.get())
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("input", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    print(json.dumps(run(args.input, args.out, args.workers)))


if __name__ == "__main__":
    main()
