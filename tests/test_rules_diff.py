"""`annotate rules diff`: what a pack change does to a corpus; `rules check --corpus` warns on it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from annotate.cli import main
from annotate.pack import CompiledPack, load_pack
from annotate.readers import Article
from annotate.rules.diff import diff_packs, read_sample

from tiny_pack import COLON_RULE

REPO = Path(__file__).resolve().parent.parent
PACK = """\
pack: {name: tiny, version: '1'}
lexicons:
  say: {form: verb, entries: [قال / يقول]}
""" + COLON_RULE
DAWWANA = PACK.replace("[قال / يقول]", "[قال / يقول, دوّن / يدوّن]")
ARTICLES = [
    {"id": "a1", "text": "قال الوزير: المحادثات مستمرة."},
    {"id": "a2", "text": "مضت الجلسة دون الحكومة: هدوء تام."},
    {"id": "a3", "text": "وصل الوفد صباحا."},
]


def _write(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pack.yaml").write_text(text, encoding="utf-8")
    return folder


def _corpus(tmp_path: Path) -> Path:
    path = tmp_path / "corpus.jsonl"
    path.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in ARTICLES), encoding="utf-8")
    return path


def _articles() -> list[Article]:
    return [Article(doc_id=a["id"], text=a["text"], file="corpus.jsonl", line=i + 1) for i, a in enumerate(ARTICLES)]


def test_an_entry_that_catches_a_preposition_shows_as_appeared_with_its_sentence(tmp_path: Path) -> None:
    old = load_pack(_write(tmp_path / "old", PACK), cache=False)
    new = load_pack(_write(tmp_path / "new", DAWWANA), cache=False)
    diff = diff_packs(old, new, _articles(), "old", "new")
    assert [(c.status, c.doc_id, c.cue.cue_text, c.rule, c.sentence) for c in diff.changes] == [
        ("appeared", "a2", "دون", "say.colon", "مضت الجلسة دون الحكومة: هدوء تام.")]
    assert diff.summary() == ("rules diff old → new on 3 articles: +1 appeared, -0 disappeared, ~0 changed "
                              "(1 → 2 attributions); say.colon +1")


def test_a_changed_source_is_a_change_not_an_appearance(tmp_path: Path) -> None:
    loose = PACK.replace("{source:who}:", "{source:who}[^:]*:")
    old = load_pack(_write(tmp_path / "old", loose), cache=False)
    wider = loose.replace("who: 'ال\\p{L}+'", "who: 'ال\\p{L}+(?: ال\\p{L}+)?'")
    new = load_pack(_write(tmp_path / "new", wider), cache=False)
    article = Article(doc_id="b1", text="قال الوزير الأول: المحادثات مستمرة.", file="c", line=1)
    (change,) = diff_packs(old, new, [article]).changes
    assert change.status == "changed" and change.fields == ("source",)
    assert (change.before.source_text, change.after.source_text) == ("الوزير", "الوزير الأول")  # type: ignore[union-attr]


def test_a_sample_is_drawn_with_a_fixed_seed_in_corpus_order(tmp_path: Path) -> None:
    corpus = tmp_path / "many.jsonl"
    corpus.write_text("".join(json.dumps({"id": f"d{i}", "text": f"نص رقم {i}"}) + "\n" for i in range(50)),
                      encoding="utf-8")
    first = [a.doc_id for a in read_sample([corpus], 5, seed=7)]
    assert first == [a.doc_id for a in read_sample([corpus], 5, seed=7)]
    assert len(first) == 5 and first == sorted(first, key=lambda d: int(d[1:]))
    assert first != [a.doc_id for a in read_sample([corpus], 5, seed=8)]


def test_rules_diff_of_two_folders_prints_counts_and_sentences_and_writes_tables(tmp_path: Path) -> None:
    old, new = _write(tmp_path / "old", PACK), _write(tmp_path / "new", DAWWANA)
    runner = CliRunner()
    result = runner.invoke(main, ["rules", "diff", str(old), str(new), "--corpus", str(_corpus(tmp_path)),
                                  "--out", str(tmp_path / "diff.json")])
    assert result.exit_code == 0, result.output
    assert f"rules diff {old} → {new} on 3 articles: +1 appeared" in result.output
    assert "say.colon" in result.output and "+ appeared a2 cue 'دون'" in result.output
    assert "مضت الجلسة دون الحكومة: هدوء تام." in result.output
    report = json.loads((tmp_path / "diff.json").read_text(encoding="utf-8"))
    assert report["counts"] == {"appeared": 1} and report["by_rule"] == {"say.colon": {"appeared": 1}}
    assert report["changes"][0]["after_cue"] == "دون" and report["changes"][0]["before_cue"] is None
    parquet = runner.invoke(main, ["rules", "diff", str(old), str(new), "--corpus", str(_corpus(tmp_path)),
                                   "--out", str(tmp_path / "diff.parquet")])
    assert parquet.exit_code == 0
    rows = pq.read_table(tmp_path / "diff.parquet").to_pylist()
    assert [(r["status"], r["doc_id"], r["after_cue"]) for r in rows] == [("appeared", "a2", "دون")]


def _git(repo: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    root = tmp_path / "repo"
    _write(root / "rules", PACK)
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "pack")
    (root / "rules" / "pack.yaml").write_text(DAWWANA, encoding="utf-8")  # the author's uncommitted change
    return root


def test_rules_diff_against_a_git_ref_compares_the_working_tree_with_it(repo: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["rules", "diff", str(repo / "rules"), "--against", "HEAD",
                                       "--corpus", str(_corpus(tmp_path))])
    assert result.exit_code == 0, result.output
    assert "rules diff HEAD → working tree on 3 articles: +1 appeared" in result.output


def test_rules_diff_names_a_ref_that_does_not_exist(repo: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["rules", "diff", str(repo / "rules"), "--against", "no-such-branch",
                                       "--corpus", str(_corpus(tmp_path))])
    assert result.exit_code == 1
    assert "Error: cannot read rules at git ref 'no-such-branch'" in result.output


def test_rules_check_with_a_corpus_warns_when_the_change_moves_attributions(repo: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["rules", "check", str(repo / "rules"), "--corpus", str(_corpus(tmp_path)),
                                       "--sample", "3"])
    assert result.exit_code == 0, result.output
    assert "warning the change moves 1 attributions on 3 articles, more than --max-changes 0" in result.output
    assert "say.colon" in result.output
    quiet = CliRunner().invoke(main, ["rules", "check", str(repo / "rules"), "--corpus", str(_corpus(tmp_path)),
                                      "--max-changes", "1"])
    assert "warning the change moves" not in quiet.output


def test_adding_dawwana_to_the_bundled_pack_shows_the_false_dun_cues(pack: CompiledPack, tmp_path: Path) -> None:
    copy = tmp_path / "rules"
    shutil.copytree(REPO / "rules", copy)
    cues = copy / "lexicons" / "cues.yaml"
    cues.write_text(cues.read_text(encoding="utf-8").replace("      - قال / يقول\n",
                                                            "      - قال / يقول\n      - دوّن / يدوّن\n", 1),
                    encoding="utf-8")
    texts = ["وعاد الوفد دون اتفاق: المفاوضات ستستأنف الشهر المقبل.",
             "وقال الوزير إن المحادثات مستمرة."]
    articles = [Article(doc_id=f"t{i}", text=t, file="t", line=i) for i, t in enumerate(texts)]
    diff = diff_packs(pack, load_pack(copy, cache=False), articles)
    assert [(c.status, c.doc_id, c.cue.cue_text) for c in diff.changes] == [("appeared", "t0", "دون")]
