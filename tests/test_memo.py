"""The engine's per-process memos stay bounded, keep what recurs, and never change an answer."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from annotate import memo as memo_module
from annotate.engine import annotate_text
from annotate.memo import Memo, remembered
from annotate.pack import CompiledPack

REPO = Path(__file__).resolve().parent.parent


def test_a_memo_holds_at_most_two_generations_whatever_it_is_told() -> None:
    memo: Memo[int, int] = Memo(generation=100)
    for key in range(10_000):
        remembered(memo, key, lambda: 0)
        assert memo.held() <= 200
    assert remembered(memo, 9_999, lambda: 1) == 0  # the latest answers are still there
    assert remembered(memo, 0, lambda: 1) == 1  # the first is told again


def test_what_keeps_being_asked_for_stays_and_what_came_once_goes() -> None:
    memo: Memo[str, str] = Memo(generation=10)
    told: list[str] = []

    def tell(key: str) -> str:
        told.append(key)
        return key.upper()

    def ask(key: str) -> str:
        return remembered(memo, key, lambda: tell(key))

    ask("ترامب")
    ask("once")
    for n in range(100):  # ten generations, with the recurring name asked every fifth entry
        if n % 5 == 0:
            assert ask("ترامب") == "ترامب".upper()
        ask(f"phrase {n}")
    assert told.count("ترامب") == 1  # told once, then found in one generation or the other
    ask("once")
    assert told.count("once") == 2  # gone after two generations without being asked


def test_an_answer_of_none_is_remembered_too() -> None:
    memo: Memo[str, None] = Memo()
    calls: list[str] = []

    def tell() -> None:
        calls.append("told")

    for _ in range(3):
        assert remembered(memo, "بلا لقب", tell) is None
    assert calls == ["told"]


def test_a_generation_holds_at_least_one_entry() -> None:
    with pytest.raises(ValueError, match="at least one entry"):
        Memo(generation=0)


def test_the_memos_never_change_what_the_engine_finds(pack: CompiledPack, monkeypatch: pytest.MonkeyPatch) -> None:
    """Memo answers depend on the pack alone: with every memo forgetting at each entry, the
    sample articles, each annotated twice (the second time from the memos), come out the same."""
    with (REPO / "samples" / "articles.jsonl").open(encoding="utf-8") as handle:
        texts = [str(json.loads(line)["text"]) for line in handle if line.strip()]
    remembering = dataclasses.replace(pack)  # packs of their own: memos are kept per pack object
    forgetting = dataclasses.replace(pack)
    for text in texts + texts:
        expected = annotate_text(text, remembering)
        with monkeypatch.context() as patch:  # the forgetting pack's memos are made in here
            patch.setattr(memo_module, "GENERATION", 1)
            assert annotate_text(text, forgetting) == expected
    assert all(memo.held() <= 2 for memo in forgetting.__dict__["_memos"].values())
