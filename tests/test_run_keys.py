"""source_key across a run: spellings, surnames, the user's aliases; and the alias file itself."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pyarrow as pa
import pytest

from annotate import pipeline
from annotate.aliases import Aliases, load_aliases
from annotate.errors import InputError
from annotate.pack import CompiledPack
from annotate.run_keys import RunKeys
from annotate.source_names import fold


def counted(pairs: dict[tuple[str, str], int], aliases: Aliases | None = None) -> RunKeys:
    keys = RunKeys(aliases)
    for (key, kind), count in pairs.items():
        keys.observe([{"source_key": key, "source_kind": kind}] * count)
    return keys


def test_a_surname_takes_the_dominant_full_name_of_the_run() -> None:
    keys = counted({("ترامب", "person"): 30, ("دونالد ترامب", "person"): 15, ("إيفانكا ترامب", "person"): 1})
    assert keys.canonical("ترامب") == "دونالد ترامب"


def test_a_surname_of_two_common_full_names_stays_itself() -> None:
    keys = counted({("ترامب", "person"): 30, ("دونالد ترامب", "person"): 15, ("إيفانكا ترامب", "person"): 8})
    assert keys.canonical("ترامب") == "ترامب"


def test_a_full_name_seen_once_absorbs_nothing() -> None:
    keys = counted({("الطبيب", "person"): 3, ("شوقي الطبيب", "person"): 1})
    assert keys.canonical("الطبيب") == "الطبيب"


def test_spellings_fold_to_the_most_frequent() -> None:
    keys = counted({("إيمانويل ماكرون", "person"): 5, ("ايمانويل ماكرون", "person"): 2,
                    ("وسائل الاعلام", "unnamed_media"): 1, ("وسائل الإعلام", "unnamed_media"): 4})
    assert keys.canonical("ايمانويل ماكرون") == "إيمانويل ماكرون"
    assert keys.canonical("وسائل الاعلام") == "وسائل الإعلام"


def test_organisations_never_merge_by_surname() -> None:
    keys = counted({("الصحة", "organization"): 5, ("وزارة الصحة", "organization"): 20})
    assert keys.canonical("الصحة") == "الصحة"


def test_aliases_win_over_the_heuristics() -> None:
    aliases = Aliases.from_data({"دونالد ترامب": ["ترمب", "دونالد ترمب", "الرئيس الأمريكي"],
                                 "ترامب": []})  # keep the bare surname apart, whatever the counts
    keys = counted({("ترامب", "person"): 30, ("دونالد ترامب", "person"): 15, ("دونالد ترمب", "person"): 7,
                    ("الرئيس الأمريكي", "role"): 4}, aliases)
    assert keys.canonical("دونالد ترمب") == "دونالد ترامب"
    assert keys.canonical("الرئيس الأمريكي") == "دونالد ترامب"
    assert keys.canonical("ترامب") == "ترامب"


def test_apply_rewrites_only_the_key_column() -> None:
    keys = counted({("ترامب", "person"): 3, ("دونالد ترامب", "person"): 2})
    table = pa.table({"source_key": ["ترامب", None, "دونالد ترامب"], "other": [1, 2, 3]})
    assert keys.apply(table).to_pydict() == {"source_key": ["دونالد ترامب", None, "دونالد ترامب"],
                                             "other": [1, 2, 3]}


def test_apply_maps_each_row_as_a_lookup_would_across_chunks_and_empty_keys() -> None:
    keys = counted({("ترامب", "person"): 3, ("دونالد ترامب", "person"): 2, ("ماكرون", "person"): 1})
    chunks = [["ترامب", "", None, "ماكرون"], [], ["ترامب", "دونالد ترامب", None]]
    column = pa.chunked_array(chunks, type=pa.string())
    table = pa.table({"source_key": column})
    expected = [keys.canonical(k) for chunk in chunks for k in chunk]
    assert keys.apply(table).column("source_key").to_pylist() == expected
    assert keys.apply(table).schema == table.schema
    empty = pa.table({"source_key": pa.chunked_array([], type=pa.string())})
    assert keys.apply(empty).num_rows == 0


def test_keys_folded_by_the_workers_give_the_mapping_the_main_process_would(pack: CompiledPack) -> None:
    articles = [{"doc_id": "a1", "text": "قال إيمانويل ماكرون إن الوضع صعب. وقال إيمانويل ماكرون إن الحل قريب."},
                {"doc_id": "a2", "text": "وقال ايمانويل ماكرون إن المحادثات انتهت."}]
    batch = pipeline.annotate_tables(articles, pack)
    assert batch.folded == {key: fold(key) for key, _ in batch.keys}
    from_workers, from_scratch = RunKeys(), RunKeys()
    from_workers.observe_counts(batch.keys, batch.folded)
    from_scratch.observe_counts(batch.keys)
    assert from_workers.folded == from_scratch.folded
    assert from_workers.mapping() == from_scratch.mapping() == {"ايمانويل ماكرون": "إيمانويل ماكرون"}


def test_merging_spellings_leaves_the_counted_kinds_as_they_were() -> None:
    keys = counted({("ايمانويل ماكرون", "person"): 2, ("إيمانويل ماكرون", "person"): 5,
                    ("إيمانويل ماكرون", "role"): 1})
    before = {key: dict(kinds) for key, kinds in keys.kinds.items()}
    assert keys.canonical("ايمانويل ماكرون") == "إيمانويل ماكرون"
    assert {key: dict(kinds) for key, kinds in keys.kinds.items()} == before


def test_the_alias_file_is_yaml_with_one_name_per_variant(tmp_path: Path) -> None:
    path = tmp_path / "aliases.yaml"
    path.write_text("دونالد ترامب: [ترمب, دونالد ترمب]\nوكالة الأنباء الفرنسية: أ ف ب\n", encoding="utf-8")
    aliases = load_aliases(path)
    assert aliases.lookup("دونالد ترمب") == "دونالد ترامب"
    assert aliases.lookup("أ ف ب") == "وكالة الأنباء الفرنسية"
    assert aliases.lookup("رويترز") is None


def test_a_variant_under_two_names_is_reported_with_both(tmp_path: Path) -> None:
    path = tmp_path / "aliases.yaml"
    path.write_text("دونالد ترامب: [ترمب]\nإيفانكا ترامب: [ترمب]\nرويترز: {x: 1}\n", encoding="utf-8")
    with pytest.raises(InputError) as error:
        load_aliases(path)
    message = str(error.value)
    assert "'ترمب' is listed under both 'دونالد ترامب' and 'إيفانكا ترامب'" in message
    assert "رويترز: the variants must be a list" in message


def test_broken_yaml_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "aliases.yaml"
    path.write_text("دونالد ترامب: [ترمب\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"aliases\.yaml:\d+: not valid YAML"):
        load_aliases(path)


def test_a_run_merges_a_surname_across_articles_and_applies_aliases(pack: CompiledPack, tmp_path: Path) -> None:
    articles = [
        {"id": "a1", "text": "قال الرئيس الأمريكي دونالد ترامب إن الاتفاق سيء."},
        {"id": "a2", "text": "وقال دونالد ترامب إن بلاده ستنسحب."},
        {"id": "a3", "text": "وقال ترامب إن المحادثات انتهت."},
        {"id": "a4", "text": "وقال دونالد ترمب إن المحادثات انتهت."},
    ]
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in articles), encoding="utf-8")
    pipeline.run([source], tmp_path / "out", pack, workers=1,
                 aliases=Aliases.from_data({"دونالد ترامب": ["دونالد ترمب"]}))
    table = pl.read_parquet(tmp_path / "out" / "attributions.parquet")
    assert table.sort("doc_id")["source_key"].to_list() == ["دونالد ترامب"] * 4
    assert json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))["inputs"] == [str(source.resolve())]
