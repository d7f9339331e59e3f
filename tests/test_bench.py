"""The benchmark's side-by-side ceiling shares the corpus out whole and fails when a run fails."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from bench_scripts import load_script


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_script("bench")


def test_dealt_keeps_every_article_once_in_order_and_shares_them_evenly(bench: ModuleType, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    lines = [json.dumps({"id": str(i), "text": "قال " * (i + 1)}, ensure_ascii=False) for i in range(7)]
    corpus.write_text("\n".join(lines[:3]) + "\n\n" + "\n".join(lines[3:]) + "\n", encoding="utf-8")  # a blank line

    parts = bench.dealt(corpus, tmp_path, 2)

    shares = [part.read_text(encoding="utf-8").splitlines() for part in parts]
    assert shares == [lines[0::2], lines[1::2]]


def test_side_by_side_waits_for_every_command_and_fails_when_one_fails(bench: ModuleType) -> None:
    def side_by_side(*commands: list[str]) -> int:
        return subprocess.run([sys.executable, "-c", bench.SIDE_BY_SIDE, json.dumps(list(commands))]).returncode

    ok = [sys.executable, "-c", "pass"]
    failing = [sys.executable, "-c", "import sys, time; time.sleep(0.2); sys.exit(3)"]
    killed = [sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"]
    assert side_by_side(ok, ok) == 0
    assert side_by_side(ok, failing) == 3
    assert side_by_side(killed, ok) == 1
