"""Compiled ``re`` programs kept on disk as data, so a pack loads in a fraction of a second.

Parsing and compiling the pack's patterns is pure Python work inside ``re`` (more than
a second for the bundled pack); the result of that work is a list of integers, the
program the C matcher runs. This cache stores exactly that: per pattern, its flags,
group names and program. A cache file is one line naming the format and the length of
a JSON header (flags, group names, and where each program lies), the header, then the
programs as raw 32-bit integers: 6.5 MB for the bundled pack, which as base64 inside
the JSON cost a third of every warm load to decode. Loading hands the programs to the C
matcher, which validates every program before accepting it, and nothing read from the
cache is ever executed as Python: a corrupt or planted entry can at worst fail
validation, and is then ignored and compiled again.

The folder is the user's own: created 0700, refused (with a warning, the pack is then
compiled without a cache) when it is a link, belongs to another user or others can
write to it. Files are written to a fresh temporary name opened with
``O_EXCL | O_NOFOLLOW`` and renamed into place, so a planted link is never followed.
Every edit of a pack gets a file of its own, so writing one removes all but the
:data:`MAX_PACKS` used most recently (:func:`prune`).

Beside the programs, the cache keeps the pattern texts a load derives in Python from
the pack's text (a lexicon's trie, a pattern in ``re``'s syntax: a tenth of a second of
every load), looked up by a digest of what they are derived from. They are text given to
``re`` to compile, as the pack's own patterns are; the cache key covers the code that
derives them (:data:`annotate.pack._CODE_FINGERPRINT`).

The same programs carry a compiled pack to another process of the same run (a
``spawn`` or ``forkserver`` worker, a Spark executor), which would otherwise compile
every pattern again from its text (pickle stores an ``re.Pattern`` as text and flags):
:func:`dumps_with_programs` pickles an object graph with each pattern replaced by a
reference into a table of program data, and :func:`loads_with_programs` rebuilds the
patterns from that table through the same checks as a cache file before it unpickles
the rest. That pickle is a channel between our own processes, never a file: nothing
here reads a pickle from disk.
"""

from __future__ import annotations

import hashlib
import importlib
import io
import json
import os
import pickle
import re
import secrets
import stat
import sys
import warnings
from array import array
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

_sre: Any  # CPython's C matcher, which has no type stubs
try:  # CPython's own compiler, whose output is what is cached
    from re import _compiler, _parser  # type: ignore[attr-defined]

    _sre = importlib.import_module("_sre")
    _FORMAT = f"annotate-sre-2|{sys.version}|{_sre.MAGIC}|{_sre.CODESIZE}"
except ImportError:  # another Python: compile every time
    _sre = None
    _FORMAT = ""

MAX_CACHE_BYTES = 256 * 1024 * 1024  # a cache file larger than this is not read
# pack files kept in the folder, the most recently used: every edit of a pack is a file of
# its own (named after the content), 8 MB for the bundled pack, so an author's cache grows
MAX_PACKS = 8
MAGIC = b"annotate pack cache "  # the first line: this, then the JSON header's length in bytes
_U32 = "I" if array("I").itemsize == 4 else "L"

# One compiled program: flags, number of groups, group index, index→group name, and the
# code as the bytes of 32-bit integers (compact: a list of ints would take ~6× the memory).
Program = tuple[int, int, dict[str, int], tuple[str | None, ...], bytes]


class CacheWarning(UserWarning):
    """The cache folder cannot be used safely; the pack is compiled without it."""


def cache_dir() -> Path:
    """Where compiled packs are kept: $ANNOTATE_CACHE_DIR, else the user's cache folder."""
    if os.environ.get("ANNOTATE_CACHE_DIR"):
        return Path(os.environ["ANNOTATE_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "annotate"


def private_dir(folder: Path) -> str | None:
    """Create ``folder`` 0700 if needed; None when it is safe to use, else why it is not."""
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.mkdir(folder, 0o700)
        except FileExistsError:
            pass
        info = os.lstat(folder)
    except OSError as exc:
        return f"cannot create it ({exc.strerror})"
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        return "it is not a folder (a link or a file)"
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        return f"it belongs to another user (uid {info.st_uid})"
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return f"others can write to it (mode {stat.S_IMODE(info.st_mode):o}); run: chmod 700 {folder}"
    return None


class CodeCache:
    """The compiled programs of one pack: looked up by the pattern's text, added when missing."""

    def __init__(self, path: Path | None):
        self.path = path
        self.entries: dict[str, Program] = {}  # sha256 of the pattern text → its program
        self.texts: dict[str, str | None] = {}  # kind and sha256 of what a text is derived from → the text
        self.dirty = False
        if path is not None and _FORMAT:
            self.entries, self.texts = _read(path)

    @classmethod
    def for_key(cls, key: str) -> CodeCache:
        """The cache of the pack whose content hashes to ``key``; a cache-less one if the folder is unsafe."""
        if not _FORMAT:
            return cls(None)
        folder = cache_dir()
        problem = private_dir(folder)
        if problem is not None:
            warnings.warn(f"not using the pack cache {folder}: {problem}; the pack is compiled every time",
                          CacheWarning, stacklevel=3)
            return cls(None)
        return cls(folder / f"pack-{key}.cache")

    def compile(self, text: str) -> re.Pattern[str]:
        """``re.compile(text)``, from the stored program when there is a valid one."""
        if not _FORMAT:
            return re.compile(text)
        digest = _digest(text)
        entry = self.entries.get(digest)
        if entry is not None:
            try:
                return build(text, entry)
            except Exception:  # a program the C matcher refuses: compile it again
                self.entries.pop(digest, None)
        parsed = _parser.parse(text, 0)
        code = _compiler._code(parsed, 0)
        groupindex = dict(parsed.state.groupdict)
        indexgroup: list[str | None] = [None] * parsed.state.groups
        for name, index in groupindex.items():
            indexgroup[index] = name
        flags = parsed.state.flags
        compiled: re.Pattern[str] = _sre.compile(text, flags, code, parsed.state.groups - 1, groupindex,
                                                 tuple(indexgroup))
        self.entries[digest] = (flags, parsed.state.groups - 1, groupindex, tuple(indexgroup),
                                array(_U32, code).tobytes())
        self.dirty = True
        return compiled

    def derived(self, kind: str, source: str, derive: Callable[[], str | None]) -> str | None:
        """``derive()``, the ``kind`` of text derived from ``source`` alone, kept from an earlier load."""
        key = f"{kind}:{_digest(source)}"
        if key in self.texts:
            return self.texts[key]
        text = self.texts[key] = derive()
        self.dirty = True
        return text

    def save(self) -> None:
        """Write the programs atomically; a cache that cannot be written only costs speed."""
        if self.path is None or not self.dirty:
            return
        patterns: dict[str, list[Any]] = {}
        codes: list[bytes] = []
        offset = 0
        for digest, (flags, groups, groupindex, indexgroup, code) in self.entries.items():
            patterns[digest] = [flags, groups, groupindex, list(indexgroup), offset, len(code)]
            codes.append(code)
            offset += len(code)
        try:
            header = json.dumps({"format": _FORMAT, "patterns": patterns, "texts": self.texts},
                                ensure_ascii=False).encode("utf-8")
            write_private(self.path, b"".join([MAGIC, b"%d\n" % len(header), header, *codes]))
            self.dirty = False
        except (OSError, OverflowError, ValueError):
            return
        prune(self.path.parent, self.path)


def prune(folder: Path, current: Path) -> None:
    """Remove all but the ``MAX_PACKS`` pack files used most recently (never ``current``).

    A file's modification time is its last use (a load that reads it touches it). Only
    regular files named as this module names them are considered (``.json``: the
    format of earlier versions); links and anything else in the folder are left alone.
    """
    try:
        found = sorted(((entry.stat(follow_symlinks=False).st_mtime, entry.name) for entry in os.scandir(folder)
                        if entry.name.startswith("pack-") and entry.name.endswith((".cache", ".json"))
                        and entry.is_file(follow_symlinks=False)), reverse=True)
    except OSError:
        return
    for _, name in found[MAX_PACKS:]:
        if name != current.name:
            try:
                os.unlink(folder / name)
            except OSError:
                pass  # another process removed it first, or it is not ours to remove


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a fresh temporary file that no link can redirect."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(8)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(tmp, flags, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _read(path: Path) -> tuple[dict[str, Program], dict[str, str | None]]:
    """The valid programs and texts of a cache file; anything unexpected gives an empty cache."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return {}, {}
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_CACHE_BYTES \
                or (hasattr(os, "getuid") and info.st_uid != os.getuid()) \
                or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            return {}, {}
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read()
        line_end = data.find(b"\n", 0, len(MAGIC) + 20)
        size = data[len(MAGIC):line_end] if line_end > 0 and data.startswith(MAGIC) else b""
        if not size.isdigit() or line_end + 1 + int(size) > len(data):
            return {}, {}
        header_end = line_end + 1 + int(size)
        payload = json.loads(data[line_end + 1:header_end].decode("utf-8"))
        codes = memoryview(data)[header_end:]
        try:
            os.utime(fd)  # used now: pruning keeps the packs used most recently
        except (OSError, NotImplementedError):
            pass
    except (OSError, ValueError, RecursionError):
        return {}, {}
    finally:
        os.close(fd)
    if not isinstance(payload, dict) or payload.get("format") != _FORMAT \
            or not isinstance(payload.get("patterns"), dict):
        return {}, {}
    entries: dict[str, Program] = {}
    for digest, raw in payload["patterns"].items():
        entry = _entry(raw, codes)
        if entry is not None:
            entries[digest] = entry
    texts = payload.get("texts")
    if not isinstance(texts, dict):
        texts = {}
    return entries, {key: text for key, text in texts.items() if text is None or isinstance(text, str)}


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def build(text: str, program: Program) -> re.Pattern[str]:
    """The pattern ``text`` from its program, without compiling it.

    ``_sre.compile`` validates the program (every opcode, jump and group number) and
    raises ``RuntimeError`` for one it cannot run safely; the caller then compiles the
    text instead.
    """
    flags, groups, groupindex, indexgroup, code = program
    pattern: re.Pattern[str] = _sre.compile(text, flags, array(_U32, code).tolist(), groups, groupindex, indexgroup)
    return pattern


def _entry(raw: Any, codes: memoryview) -> Program | None:
    """One program as a cache file stores it (its code where the header says), checked for its shape."""
    try:
        flags, groups, groupindex, indexgroup, offset, size = raw
    except (ValueError, TypeError):
        return None
    if type(offset) is not int or type(size) is not int or not 0 <= offset <= offset + size <= len(codes):
        return None
    return _program(flags, groups, groupindex, indexgroup, codes[offset:offset + size].tobytes())


def _program(flags: Any, groups: Any, groupindex: Any, indexgroup: Any, code: Any) -> Program | None:
    """A program checked for its shape: plain numbers and names only, code a whole number of 32-bit words."""
    if not (type(flags) is int and type(groups) is int and isinstance(groupindex, dict)
            and isinstance(indexgroup, (list, tuple)) and type(code) is bytes and len(code) % 4 == 0):
        return None
    if not all(isinstance(k, str) and type(v) is int for k, v in groupindex.items()):
        return None
    if not all(g is None or isinstance(g, str) for g in indexgroup):
        return None
    return flags, groups, groupindex, tuple(indexgroup), code


# --- a pack to another process of the same run ---------------------------------------------

def patterns_in(obj: Any) -> list[re.Pattern[str]]:
    """Every ``re.Pattern`` of ``obj``'s object graph, in the order pickle meets them (one met
    twice is listed twice): the patterns :func:`dumps_with_programs` sends as programs."""
    found: list[re.Pattern[str]] = []

    class _Walker(pickle.Pickler):
        def persistent_id(self, item: Any) -> None:
            if type(item) is re.Pattern:
                found.append(item)
            return None

    _Walker(io.BytesIO(), protocol=pickle.HIGHEST_PROTOCOL).dump(obj)
    return found


def dumps_with_programs(obj: Any, programs: Mapping[str, Program]) -> tuple[dict[str, Any], bytes]:
    """Pickle ``obj`` with its ``re`` patterns as program data: (programs payload, pickle).

    ``programs`` maps the sha256 of a pattern's text to its program, as
    :attr:`CodeCache.entries` does. Each ``re.Pattern`` of ``obj`` that has its program
    there (same text, same flags) becomes a reference into the payload; any other
    pattern (a ``regex`` one, one compiled elsewhere) is pickled as usual and compiled
    again on arrival. The payload is plain data in the cache's form, code as bytes.
    """
    table: list[list[Any]] = []
    refs: dict[int, int] = {}  # id of a pattern met → its index in table

    class _Pickler(pickle.Pickler):
        def persistent_id(self, item: Any) -> int | None:
            if type(item) is not re.Pattern:
                return None
            ref = refs.get(id(item))
            if ref is None:
                text = item.pattern
                program = programs.get(_digest(text)) if isinstance(text, str) else None
                if program is None or program[0] != item.flags:
                    return None
                ref = refs[id(item)] = len(table)
                flags, groups, groupindex, indexgroup, code = program
                table.append([text, flags, groups, dict(groupindex), list(indexgroup), code])
            return ref

    out = io.BytesIO()
    _Pickler(out, protocol=pickle.HIGHEST_PROTOCOL).dump(obj)
    return {"format": _FORMAT, "patterns": table}, out.getvalue()


def loads_with_programs(payload: Any, blob: bytes) -> tuple[Any, dict[str, Program]]:
    """The object :func:`dumps_with_programs` pickled, and the programs its patterns came from.

    Each pattern is rebuilt from its program after the same checks as a cache entry
    (shape here, the C matcher's validation in :func:`build`); a program that fails
    them, or one made by another Python (``format`` differs), is compiled from its text
    instead: slower, never different.
    """
    same_python = isinstance(payload, dict) and bool(_FORMAT) and payload.get("format") == _FORMAT
    rows = payload.get("patterns") if isinstance(payload, dict) else None
    if not isinstance(rows, list):
        raise pickle.UnpicklingError("a pickled pack without its table of patterns; pickle it again with this version")
    patterns: list[re.Pattern[str]] = []
    programs: dict[str, Program] = {}
    for row in rows:
        text, *fields = row
        if not isinstance(text, str):
            raise pickle.UnpicklingError("a pattern of a pickled pack is not text")
        program = _program(*fields) if same_python and len(fields) == 5 else None
        pattern = None
        if program is not None:
            try:
                pattern = build(text, program)
            except Exception:  # refused by the C matcher: compiled below
                program = None
        if pattern is None or program is None:
            pattern = re.compile(text)
        else:
            programs[_digest(text)] = program
        patterns.append(pattern)

    class _Unpickler(pickle.Unpickler):
        def persistent_load(self, pid: Any) -> re.Pattern[str]:
            if type(pid) is not int or not 0 <= pid < len(patterns):
                raise pickle.UnpicklingError(f"pattern reference {pid!r} is not in the table of {len(patterns)}")
            return patterns[pid]

    return _Unpickler(io.BytesIO(blob)).load(), programs
