"""The pack cache holds data only: nothing in it is executed, links are not followed,
and a folder others can write to is not used. A pack pickled for another process
carries the same data, and is rebuilt into the very same patterns without compiling."""

from __future__ import annotations

import json
import os
import pickle
import re
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from annotate import pack_cache
from annotate.engine import annotate_text
from annotate.pack import CompiledPack, _unpickle_pack, load_pack
from annotate.pack_cache import CacheWarning, patterns_in, write_private
from tiny_pack import pack_yaml

PACK = pack_yaml()
# a source-kind rule whose first word the index can tell
KIND_RULE = ("source_kinds:\n  - id: kind.minister\n    description: a minister\n    match: '^الوزير'\n"
             "    kind: role\n    examples: [الوزير]\n")
TEXT = "وقال الوزير ان الوضع مستقر."


@pytest.fixture()
def tiny_pack(tmp_path: Path) -> Path:
    folder = tmp_path / "pack"
    folder.mkdir()
    (folder / "pack.yaml").write_text(PACK, encoding="utf-8")
    return folder


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("ANNOTATE_CACHE_DIR", str(folder))
    return folder


def _found(pack_folder: Path) -> list[tuple[str, str | None]]:
    return [(a.cue_text, a.source_text) for a in annotate_text(TEXT, load_pack(pack_folder)).attributions]


class _Payload:
    """Unpickling this creates a file: proof that the cache was executed."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self) -> tuple[object, ...]:
        return (Path.touch, (self.marker,))


def _read_cache(entry: Path) -> tuple[dict[str, Any], bytes]:
    """A cache file's JSON header and its programs, as :mod:`annotate.pack_cache` writes them."""
    line, _, rest = entry.read_bytes().partition(b"\n")
    size = int(line.removeprefix(pack_cache.MAGIC))
    return json.loads(rest[:size]), rest[size:]


def _write_cache(entry: Path, header: dict[str, Any], codes: bytes) -> None:
    text = json.dumps(header, ensure_ascii=False).encode("utf-8")
    entry.write_bytes(pack_cache.MAGIC + b"%d\n" % len(text) + text + codes)


def test_the_cache_folder_is_created_private_and_holds_data(tiny_pack: Path, cache: Path) -> None:
    assert _found(tiny_pack) == [("وقال", "الوزير")]
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    files = list(cache.iterdir())
    assert len(files) == 1 and files[0].suffix == ".cache"
    header, codes = _read_cache(files[0])
    assert header["patterns"]
    assert sum(size for *_, size in header["patterns"].values()) == len(codes)  # programs, end to end
    assert _found(tiny_pack) == [("وقال", "الوزير")]  # the warm load gives the same matches


def test_a_planted_pickle_payload_never_runs(tiny_pack: Path, cache: Path, tmp_path: Path) -> None:
    load_pack(tiny_pack)
    marker = tmp_path / "payload-ran"
    payload = pickle.dumps(_Payload(marker))
    (entry,) = cache.iterdir()
    entry.write_bytes(payload)  # in place of the real entry
    (cache / (entry.stem + ".pickle")).write_bytes(payload)  # where older versions looked
    assert _found(tiny_pack) == [("وقال", "الوزير")]
    assert not marker.exists()
    assert _read_cache(entry)[0]["patterns"]  # rebuilt as data


def test_a_corrupt_program_in_the_cache_is_ignored_and_rebuilt(tiny_pack: Path, cache: Path) -> None:
    load_pack(tiny_pack)
    (entry,) = cache.iterdir()
    header, _ = _read_cache(entry)
    for item in header["patterns"].values():
        item[4:] = [0, 12]
    _write_cache(entry, header, bytes.fromhex("00000000ffffffff00000000"))  # a program the C matcher must refuse
    assert _found(tiny_pack) == [("وقال", "الوزير")]


@pytest.mark.parametrize("damage", ["outside", "negative", "truncated", "header length", "old json"])
def test_a_cache_file_that_does_not_add_up_is_ignored_and_rebuilt(tiny_pack: Path, cache: Path, damage: str) -> None:
    load_pack(tiny_pack)
    (entry,) = cache.iterdir()
    header, codes = _read_cache(entry)
    first = next(iter(header["patterns"].values()))
    if damage == "outside":
        first[4] = len(codes)  # a program said to lie past the end of the file
    elif damage == "negative":
        first[4:] = [-4, 4]
    if damage == "truncated":
        _write_cache(entry, header, codes[: len(codes) // 2])
    elif damage == "header length":
        entry.write_bytes(pack_cache.MAGIC + b"99999999\n" + entry.read_bytes().partition(b"\n")[2])
    elif damage == "old json":  # not this format at all (earlier versions wrote JSON, as .json)
        entry.write_text(json.dumps({"format": "annotate-sre-1", "patterns": {}}), encoding="utf-8")
    else:
        _write_cache(entry, header, codes)
    assert _found(tiny_pack) == [("وقال", "الوزير")]
    assert sum(size for *_, size in _read_cache(entry)[0]["patterns"].values()) == len(_read_cache(entry)[1])


def test_the_cache_keeps_the_packs_used_most_recently(tiny_pack: Path, cache: Path) -> None:
    cache.mkdir(mode=0o700)
    older = [cache / f"pack-{index:024x}.{'json' if index % 2 else 'cache'}" for index in range(12)]
    for age, path in enumerate(older):
        path.write_bytes(b"an older pack")
        os.utime(path, (1_000_000 + age, 1_000_000 + age))  # the last one written is the newest
    (cache / "notes.txt").write_text("not a pack", encoding="utf-8")
    os.symlink(older[0], cache / "pack-link.cache")
    load_pack(tiny_pack)  # compiles, writes its own file, prunes
    packs = sorted(p.name for p in cache.iterdir() if p.name.startswith("pack-") and not p.is_symlink())
    assert len(packs) == pack_cache.MAX_PACKS
    assert {p.name for p in older[-(pack_cache.MAX_PACKS - 1):]} < set(packs)  # the newest ones stay
    assert (cache / "notes.txt").exists() and (cache / "pack-link.cache").is_symlink()
    (mine,) = set(packs) - {p.name for p in older}
    used = (cache / mine).stat().st_mtime
    os.utime(cache / mine, (1, 1))
    load_pack(tiny_pack)  # a warm load marks its file as used
    assert (cache / mine).stat().st_mtime >= used


def test_a_warm_load_takes_its_tries_and_translations_from_the_cache(tiny_pack: Path, cache: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from annotate.rules import compiler

    from annotate.rules import kind_filter

    (tiny_pack / "pack.yaml").write_text(PACK + KIND_RULE, encoding="utf-8")
    cold = load_pack(tiny_pack)
    (entry,) = cache.iterdir()
    kinds = {key.split(":")[0] for key in _read_cache(entry)[0]["texts"]}
    assert kinds == {"trie", "re", "kind-conditions"}

    def derived_again(*args: object) -> str:
        raise AssertionError("derived again on a warm load")

    monkeypatch.setattr(compiler, "_trie", derived_again)
    monkeypatch.setattr(compiler, "_to_std_re", derived_again)
    monkeypatch.setattr(kind_filter, "word_condition", derived_again)
    warm = load_pack(tiny_pack)
    assert [r.regex.pattern for r in warm.rules] == [r.regex.pattern for r in cold.rules]
    assert warm.kind_index == cold.kind_index
    assert cold.kind_index.conditions[0] is not None  # the rule's words are known: the index was derived
    assert _found(tiny_pack) == [("وقال", "الوزير")]


def test_word_conditions_of_another_shape_in_the_cache_are_derived_again(tiny_pack: Path, cache: Path) -> None:
    (tiny_pack / "pack.yaml").write_text(PACK + KIND_RULE, encoding="utf-8")
    cold = load_pack(tiny_pack).kind_index
    (entry,) = cache.iterdir()
    data, codes = _read_cache(entry)
    (key,) = [key for key in data["texts"] if key.startswith("kind-conditions:")]
    for planted in ('[["not", "four", "lists"]]', "[]", "not json", '[[["x"], [], [], [1]]]'):
        data["texts"][key] = planted
        _write_cache(entry, data, codes)
        assert load_pack(tiny_pack).kind_index == cold


def test_texts_of_the_wrong_type_in_the_cache_are_ignored_and_derived_again(tiny_pack: Path, cache: Path) -> None:
    cold = [r.regex.pattern for r in load_pack(tiny_pack).rules]
    (entry,) = cache.iterdir()
    data, codes = _read_cache(entry)
    data["texts"] = {key: ["not", "text"] for key in data["texts"]}
    _write_cache(entry, data, codes)
    assert [r.regex.pattern for r in load_pack(tiny_pack).rules] == cold
    data["texts"] = "not a table"
    _write_cache(entry, data, codes)
    assert [r.regex.pattern for r in load_pack(tiny_pack).rules] == cold


def test_a_symlinked_temp_path_is_not_followed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    target = tmp_path / "pack-x.json"
    monkeypatch.setattr(pack_cache.secrets, "token_hex", lambda n: "feedface")
    os.symlink(victim, tmp_path / f".pack-x.json.{os.getpid()}.feedface.tmp")
    with pytest.raises(FileExistsError):
        write_private(target, b"{}")
    assert victim.read_text(encoding="utf-8") == "keep me"
    assert not target.exists()


def test_a_link_planted_at_the_cache_file_is_replaced_not_written_through(
        tiny_pack: Path, cache: Path, tmp_path: Path) -> None:
    load_pack(tiny_pack)
    (entry,) = cache.iterdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    entry.unlink()
    entry.symlink_to(victim)
    assert _found(tiny_pack) == [("وقال", "الوزير")]
    assert victim.read_text(encoding="utf-8") == "keep me"
    assert not entry.is_symlink()


def test_a_world_writable_cache_folder_is_refused(tiny_pack: Path, cache: Path) -> None:
    cache.mkdir()
    cache.chmod(0o777)
    with pytest.warns(CacheWarning, match="others can write to it"):
        assert _found(tiny_pack) == [("وقال", "الوزير")]
    assert list(cache.iterdir()) == []


def test_a_cache_folder_that_is_a_link_is_refused(tiny_pack: Path, cache: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    cache.symlink_to(elsewhere)
    with pytest.warns(CacheWarning, match="not a folder"):
        assert _found(tiny_pack) == [("وقال", "الوزير")]
    assert list(elsewhere.iterdir()) == []


# --- a pack pickled for another process of the run ------------------------------------------

def _behaviour(pattern: Any, text: str) -> tuple[Any, ...]:
    matches = [(m.span(), m.groups()) for m in pattern.finditer(text)]
    return pattern.pattern, pattern.flags, pattern.groups, dict(pattern.groupindex), matches


def test_a_pickled_pack_has_the_same_patterns_and_matches_on_the_seed_article(
        pack: CompiledPack, seed_text: str) -> None:
    clone = pickle.loads(pickle.dumps(pack, protocol=pickle.HIGHEST_PROTOCOL))
    mine, theirs = patterns_in(pack.pickle_state()), patterns_in(clone.pickle_state())
    assert len(mine) == len(theirs) > 100
    for original, rebuilt in zip(mine, theirs):
        assert _behaviour(rebuilt, seed_text) == _behaviour(original, seed_text)
    found = [a.model_dump() for a in annotate_text(seed_text, clone, "seed").attributions]
    assert found == [a.model_dump() for a in annotate_text(seed_text, pack, "seed").attributions]
    assert len(found) == 12
    assert clone.model_version == pack.model_version
    assert [(r.id, r.slots, r.cue_first) for r in clone.rules] == [(r.id, r.slots, r.cue_first) for r in pack.rules]
    assert clone.programs  # and it can travel on, as quickly


def test_unpickling_a_pack_compiles_no_pattern(pack: CompiledPack, monkeypatch: pytest.MonkeyPatch) -> None:
    blob = pickle.dumps(pack)
    re.purge()

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a pattern was compiled from its text")

    monkeypatch.setattr(re._compiler, "compile", refuse)  # type: ignore[attr-defined]
    monkeypatch.setattr(re._parser, "parse", refuse)  # type: ignore[attr-defined]
    clone = pickle.loads(blob)
    assert len(clone.programs) == len({p.pattern for p in patterns_in(pack.pickle_state())})


def test_the_fork_path_keeps_its_pickle_unmade(tiny_pack: Path, cache: Path) -> None:
    assert "_pickled" not in vars(load_pack(tiny_pack))  # made only when a pack is first pickled


def test_a_program_refused_in_a_pickled_pack_is_compiled_from_its_text(tiny_pack: Path, cache: Path) -> None:
    _, (payload, blob) = load_pack(tiny_pack).__reduce__()
    assert payload["patterns"]
    for row in payload["patterns"]:
        row[5] = bytes.fromhex("00000000ffffffff00000000")  # a program the C matcher must refuse
    clone = _unpickle_pack(payload, blob)
    assert [(a.cue_text, a.source_text) for a in annotate_text(TEXT, clone).attributions] == [("وقال", "الوزير")]
    assert clone.programs == {}  # nothing refused is passed on


def test_programs_of_another_python_are_not_used(tiny_pack: Path, cache: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    _, (payload, blob) = load_pack(tiny_pack).__reduce__()
    payload = {**payload, "format": "annotate-sre-1|another Python"}
    monkeypatch.setattr(pack_cache, "build", lambda text, program: pytest.fail("built from a foreign program"))
    clone = _unpickle_pack(payload, blob)
    assert [(a.cue_text, a.source_text) for a in annotate_text(TEXT, clone).attributions] == [("وقال", "الوزير")]


def test_a_pattern_reference_outside_the_table_is_refused(tiny_pack: Path, cache: Path) -> None:
    _, (payload, blob) = load_pack(tiny_pack).__reduce__()
    with pytest.raises(pickle.UnpicklingError, match="not in the table"):
        _unpickle_pack({**payload, "patterns": payload["patterns"][:1]}, blob)


def test_the_pack_compiles_the_same_pattern_texts_in_every_process() -> None:
    """The cache keeps programs by the text of their pattern: a text built in set order would
    change with the hash seed, miss the cache in every new process and be compiled again."""
    script = "from annotate.pack import load_pack; print(sorted(load_pack(cache=False).programs or {}))"
    runs = [subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONHASHSEED": seed}) for seed in ("1", "2")]
    printed = [run.communicate()[0] for run in runs]
    assert all(run.returncode == 0 for run in runs)
    assert printed[0] == printed[1] and len(printed[0]) > 1000
