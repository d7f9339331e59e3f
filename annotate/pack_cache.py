"""Compiled ``re`` programs kept on disk as data, so a pack loads in a fraction of a second.

Parsing and compiling the pack's patterns is pure Python work inside ``re`` (more than
a second for the bundled pack); the result of that work is a list of integers, the
program the C matcher runs. This cache stores exactly that: per pattern, its flags,
group names and program, as JSON (the programs as base64 of 32-bit integers). Loading
hands them to the C matcher, which validates every program before accepting it, and
nothing read from the cache is ever executed as Python: a corrupt or planted entry can
at worst fail validation, and is then ignored and compiled again.

The folder is the user's own: created 0700, refused (with a warning, the pack is then
compiled without a cache) when it is a link, belongs to another user or others can
write to it. Files are written to a fresh temporary name opened with
``O_EXCL | O_NOFOLLOW`` and renamed into place, so a planted link is never followed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import secrets
import stat
import sys
import warnings
from array import array
from pathlib import Path
from typing import Any

try:  # CPython's own compiler, whose output is what is cached
    import _sre
    from re import _compiler, _parser  # type: ignore[attr-defined]

    _FORMAT = f"annotate-sre-1|{sys.version}|{_sre.MAGIC}|{_sre.CODESIZE}"
except ImportError:  # another Python: compile every time
    _sre = None  # type: ignore[assignment]
    _FORMAT = ""

MAX_CACHE_BYTES = 256 * 1024 * 1024  # a cache file larger than this is not read
_U32 = "I" if array("I").itemsize == 4 else "L"


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
        self.entries: dict[str, Any] = {}
        self.dirty = False
        if path is not None and _FORMAT:
            self.entries = _read(path)

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
        return cls(folder / f"pack-{key}.json")

    def compile(self, text: str) -> re.Pattern[str]:
        """``re.compile(text)``, from the stored program when there is a valid one."""
        if not _FORMAT:
            return re.compile(text)
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        entry = self.entries.get(digest)
        if entry is not None:
            try:
                flags, groups, groupindex, indexgroup, code = entry
                return _sre.compile(text, flags, code, groups, groupindex, indexgroup)
            except Exception:  # a program the C matcher refuses: compile it again
                self.entries.pop(digest, None)
        parsed = _parser.parse(text, 0)
        code = _compiler._code(parsed, 0)
        groupindex = dict(parsed.state.groupdict)
        indexgroup: list[str | None] = [None] * parsed.state.groups
        for name, index in groupindex.items():
            indexgroup[index] = name
        flags = parsed.state.flags
        compiled = _sre.compile(text, flags, code, parsed.state.groups - 1, groupindex, tuple(indexgroup))
        self.entries[digest] = (flags, parsed.state.groups - 1, groupindex, tuple(indexgroup), code)
        self.dirty = True
        return compiled

    def save(self) -> None:
        """Write the programs atomically; a cache that cannot be written only costs speed."""
        if self.path is None or not self.dirty:
            return
        payload = {"format": _FORMAT, "patterns": {
            digest: [flags, groups, groupindex, list(indexgroup),
                     base64.b64encode(array(_U32, code).tobytes()).decode("ascii")]
            for digest, (flags, groups, groupindex, indexgroup, code) in self.entries.items()}}
        try:
            write_private(self.path, json.dumps(payload, ensure_ascii=False).encode("utf-8"))
            self.dirty = False
        except (OSError, OverflowError, ValueError):
            pass


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


def _read(path: Path) -> dict[str, Any]:
    """The valid entries of a cache file; anything unexpected gives an empty cache."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return {}
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_CACHE_BYTES \
                or (hasattr(os, "getuid") and info.st_uid != os.getuid()) \
                or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            return {}
        with os.fdopen(fd, "rb", closefd=False) as handle:
            payload = json.loads(handle.read().decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        return {}
    finally:
        os.close(fd)
    if not isinstance(payload, dict) or payload.get("format") != _FORMAT or not isinstance(payload.get("patterns"), dict):
        return {}
    entries: dict[str, Any] = {}
    for digest, raw in payload["patterns"].items():
        entry = _entry(raw)
        if entry is not None:
            entries[digest] = entry
    return entries


def _entry(raw: Any) -> tuple[int, int, dict[str, int], tuple[str | None, ...], list[int]] | None:
    """One stored program, checked for its shape: plain numbers and names only."""
    try:
        flags, groups, groupindex, indexgroup, code64 = raw
        if not (type(flags) is int and type(groups) is int and isinstance(groupindex, dict)
                and isinstance(indexgroup, list) and isinstance(code64, str)):
            return None
        if not all(isinstance(k, str) and type(v) is int for k, v in groupindex.items()):
            return None
        if not all(g is None or isinstance(g, str) for g in indexgroup):
            return None
        code = array(_U32)
        code.frombytes(base64.b64decode(code64, validate=True))
        return flags, groups, groupindex, tuple(indexgroup), code.tolist()
    except (ValueError, TypeError):
        return None
