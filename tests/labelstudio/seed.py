"""The seed article's gold attributions as engine records, for tests that must not
depend on the engine: the same shape ``annotate_text`` returns, built from
``tests/data/seed-gold.jsonl`` (the shared gold file, kept in the repo). Claims run
from after the source (or cue) to the end of the sentence, since the gold file marks
no claim spans."""

from __future__ import annotations

import json
from pathlib import Path

from annotate.records import Attribution, DocumentResult, SourceKind, Span

GOLD = Path(__file__).resolve().parents[1] / "data" / "seed-gold.jsonl"  # a copy of ../shared/gold/seed.jsonl
GRADE = {"person": "A", "role": "A", "organization": "B", "government": "B", "document": "B",
         "media": "C", "unnamed_source": "D", "unnamed_official": "D"}


def seed_text() -> str:
    return json.loads(GOLD.read_text(encoding="utf-8").splitlines()[0])["text"]


def _claim(text: str, start: int) -> tuple[int, int]:
    while start < len(text) and text[start] in " ،,:":
        start += 1
    end = start
    while end < len(text) and text[end] not in ".\n":
        end += 1
    return start, end


def seed_result(doc_id: str = "seed", pack_version: str = "test-0.0.1") -> DocumentResult:
    """The twelve gold attributions of the seed article as a ``DocumentResult``."""
    row = json.loads(GOLD.read_text(encoding="utf-8").splitlines()[0])
    text = row["text"]
    gold = row["attributions"]
    atts: list[Attribution] = []
    origin_of = {g["relay_of"]: i for i, g in enumerate(gold) if g.get("relay_of") is not None}
    claims = [_claim(text, g["source_end"] if g["source_end"] is not None else g["cue_end"]) for g in gold]
    for i, g in enumerate(gold):
        # a relay attributes the same content as its origin: one shared claim
        cs, ce = claims[g["relay_of"]] if g.get("relay_of") is not None else claims[i]
        antecedent = None
        if g.get("antecedent"):
            antecedent = max(j for j in range(i) if gold[j]["source"] and
                             (gold[j]["source"] == g["antecedent"] or g["antecedent"] in gold[j]["source"]
                              or gold[j]["source"] in g["antecedent"]))
        kind = SourceKind(g["source_kind"])
        atts.append(Attribution(
            doc_id=doc_id, attribution_id=i, sentence_index=0,
            cue_start=g["cue_start"], cue_end=g["cue_end"], cue_text=text[g["cue_start"]:g["cue_end"]],
            source_start=g["source_start"], source_end=g["source_end"],
            source_text=None if g["source_start"] is None else text[g["source_start"]:g["source_end"]],
            source_type=g["source_type"], source_kind=kind, implicit=g["implicit"],
            antecedent_id=antecedent, origin_id=g.get("relay_of"),
            claim_start=cs, claim_end=ce, claim_text=text[cs:ce],
            credibility_grade=GRADE.get(kind.value, "E"), credibility_score=0.5,
            credibility_reasons=["test fixture"],
            rule_id="test.relay" if i in origin_of.values() else f"test.rule{i % 3}",
            pack_version=pack_version,
        ))
    return DocumentResult(doc_id=doc_id, text_length=len(text), sentences=[Span(start=0, end=len(text), text=text)],
                          furniture=[], attributions=atts)
