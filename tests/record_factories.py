"""Hand-built engine records for testing the edges before (and besides) the engine."""

from __future__ import annotations

from typing import Any

from annotate.records import Attribution, DocumentResult, FurnitureSpan, SourceKind, Span, type_of_kind

_GRADE = {"person": "A", "role": "A", "organization": "B", "government": "B", "document": "B",
          "media": "C", "unnamed_source": "D", "unnamed_official": "D", "unnamed_media": "D"}


def attribution(text: str, attribution_id: int, cue: str, source: str | None, kind: str,
                claim: str | None = None, doc_id: str = "d1", **fields: Any) -> Attribution:
    """An attribution whose spans are found in ``text``, so offsets are always right."""
    cue_start = text.index(cue)
    values: dict[str, Any] = {
        "doc_id": doc_id, "attribution_id": attribution_id, "sentence_index": 0,
        "cue_start": cue_start, "cue_end": cue_start + len(cue), "cue_text": cue,
        "source_type": type_of_kind(SourceKind(kind)), "source_kind": SourceKind(kind),
        "implicit": source is None,
        "credibility_grade": _GRADE.get(kind, "E"), "credibility_score": 0.5,
        "credibility_reasons": ["test"], "rule_id": "test.rule", "pack_version": "test-0",
    }
    if source is not None:
        start = text.index(source)
        values.update(source_start=start, source_end=start + len(source), source_text=source)
    if claim is not None:
        start = text.index(claim)
        values.update(claim_start=start, claim_end=start + len(claim), claim_text=claim)
    values.update(fields)
    return Attribution(**values)


def sentences_of(text: str) -> list[Span]:
    """Split at line breaks: enough structure for profile tests."""
    spans, start = [], 0
    for line in text.split("\n"):
        if line.strip():
            spans.append(Span(start=start, end=start + len(line), text=line))
        start += len(line) + 1
    return spans


def result(text: str, attributions: list[Attribution], furniture: tuple[str, ...] = (),
           doc_id: str = "d1") -> DocumentResult:
    sentences = sentences_of(text)
    return DocumentResult(
        doc_id=doc_id, text_length=len(text), sentences=sentences,
        furniture=[FurnitureSpan(**s.model_dump(), rule_id="furniture.test") for s in sentences if s.text in furniture],
        attributions=attributions,
    )
