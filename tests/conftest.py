"""Shared fixtures: the bundled pack compiled once per test session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotate.pack import CompiledPack, load_pack

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def pack() -> CompiledPack:
    return load_pack()


@pytest.fixture(scope="session")
def seed_text() -> str:
    with (REPO / "samples" / "articles.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            article = json.loads(line)
            if article["id"] == "seed":
                return str(article["text"])
    raise AssertionError("samples/articles.jsonl has no article with id 'seed'")
