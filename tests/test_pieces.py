"""Very long articles are annotated in pieces, with every offset still pointing into the whole text."""

from __future__ import annotations

from annotate.engine import annotate_text
from annotate.pack import CompiledPack
from annotate.pieces import annotate_in_pieces, cut_points
from annotate.records import DocumentResult, FurnitureSpan


def test_cut_points_fall_on_paragraph_breaks_then_sentence_ends_then_spaces() -> None:
    text = "أ" * 60 + "\n" + "ب" * 30
    assert cut_points(text, limit=80) == [0, 61, len(text)]
    text = "أ" * 50 + ". " + "ب" * 40
    assert cut_points(text, limit=80) == [0, 52, len(text)]
    text = "أ" * 50 + " " + "ب" * 40
    assert cut_points(text, limit=80) == [0, 51, len(text)]
    assert cut_points("أ" * 200, limit=80) == [0, 80, 160, 200]  # no break at all: a hard cut
    assert cut_points("قصير", limit=80) == [0, 4]


def test_a_long_article_in_pieces_finds_what_each_piece_finds_alone_at_whole_text_offsets(
        pack: CompiledPack, seed_text: str) -> None:
    text = "\n".join([seed_text] * 3)
    alone = annotate_text(seed_text, pack, "x")
    merged = annotate_in_pieces(text, pack, "x", annotate_text, limit=len(seed_text) + 10)
    assert len(merged.attributions) == 3 * len(alone.attributions) > 0
    assert len(merged.sentences) == 3 * len(alone.sentences)
    assert [a.attribution_id for a in merged.attributions] == list(range(len(merged.attributions)))
    for a in merged.attributions:
        assert text[a.cue_start:a.cue_end] == a.cue_text
        if a.source_start is not None:
            assert text[a.source_start:a.source_end] == a.source_text
        if a.claim_start is not None:
            assert text[a.claim_start:a.claim_end] == a.claim_text
        for link in (a.antecedent_id, a.origin_id):
            assert link is None or merged.attributions[link].sentence_index <= a.sentence_index
    third = merged.attributions[2 * len(alone.attributions)]
    assert third.cue_start == alone.attributions[0].cue_start + 2 * (len(seed_text) + 1)
    assert third.sentence_index == alone.attributions[0].sentence_index + 2 * len(alone.sentences)
    assert any("annotated in 3 pieces" in w for w in merged.warnings)


def test_a_short_article_is_annotated_whole(pack: CompiledPack, seed_text: str) -> None:
    assert annotate_in_pieces(seed_text, pack, "x", annotate_text) == annotate_text(seed_text, pack, "x")


def test_furniture_found_in_a_later_piece_keeps_its_rule_id() -> None:
    def annotate_piece(text: str, pack: object, doc_id: str) -> DocumentResult:
        line = text.index("ب")
        furniture = [FurnitureSpan(start=line, end=line + 3, text=text[line:line + 3], rule_id="byline")]
        return DocumentResult(doc_id=doc_id, text_length=len(text), sentences=[], furniture=furniture,
                              attributions=[])

    text = "أ" * 30 + "بببب\n" + "أ" * 30 + "بببب"
    merged = annotate_in_pieces(text, None, "x", annotate_piece, limit=40)
    assert [(f.start, f.rule_id) for f in merged.furniture] == [(30, "byline"), (65, "byline")]
    assert all(isinstance(f, FurnitureSpan) and text[f.start:f.end] == f.text for f in merged.furniture)
