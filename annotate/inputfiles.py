"""Input files as bytes: folders walked, compression undone, lines split, names shown.

What the readers in :mod:`annotate.readers` need from the file system, kept apart so
that each problem has one answer:

- **Folders** are walked iteratively (never by recursion, so a tree 1,100 folders deep
  is read like a flat one), in sorted order, without following links to folders (a
  link loop cannot make the walk endless); hidden files and folders are skipped.
- **Compression** is recognised by the file's first bytes, not its name: gzip, zstd,
  bzip2 and xz streams are decompressed as they are read, so ``news.jsonl.gz`` and a
  gzip file that is merely *named* ``news.jsonl`` are both read as JSONL.
- **Lines** end in LF, CRLF or a lone CR (old Mac exports): all three are accepted.
- **Names** of files that are not valid UTF-8 (Linux allows any bytes) are shown with
  their odd bytes escaped (``caf\\xe9.txt``), so an error row can always be written.
"""

from __future__ import annotations

import bz2
import functools
import gzip
import lzma
import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

LINE_READ_BYTES = 1 << 20

# first bytes -> (name, the suffix such files usually have)
MAGIC: dict[bytes, tuple[str, str]] = {
    b"\x1f\x8b": ("gzip", ".gz"),
    b"\x28\xb5\x2f\xfd": ("zstd", ".zst"),
    b"BZh": ("bzip2", ".bz2"),
    b"\xfd7zXZ\x00": ("xz", ".xz"),
}
COMPRESSED_SUFFIXES = tuple(suffix for _, suffix in MAGIC.values()) + (".zstd",)


@functools.lru_cache(maxsize=256)  # called for every row read: paths repeat
def shown(path: Path | str) -> str:
    """A path as text that can always be printed and written to Parquet.

    A name that is not valid UTF-8 reaches Python with its odd bytes as lone surrogates
    (``surrogateescape``); they are shown as ``\\xNN`` escapes instead.
    """
    text = str(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(text).decode("utf-8", errors="backslashreplace")
    return text


def name_is_utf8(path: Path) -> bool:
    """Whether the file's own name is valid UTF-8 (the folders above it may not be)."""
    try:
        path.name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def format_suffix(path: Path) -> str:
    """The suffix that names the format, under any compression suffix (``a.jsonl.gz`` → ``.jsonl``)."""
    suffixes = [s.lower() for s in path.suffixes]
    while suffixes and suffixes[-1] in COMPRESSED_SUFFIXES:
        suffixes.pop()
    return suffixes[-1] if suffixes else ""


def stem(path: Path) -> str:
    """The file name without its format and compression suffixes (``a1.txt.gz`` → ``a1``)."""
    name = path.name
    lowered = name.lower()
    for _ in range(2):
        for suffix in COMPRESSED_SUFFIXES + (format_suffix(path),):
            if suffix and lowered.endswith(suffix):
                name, lowered = name[: -len(suffix)], lowered[: -len(suffix)]
                break
    return name


def compression_of(path: Path) -> str | None:
    """``gzip``, ``zstd``, ``bzip2``, ``xz`` or ``None``, from the first bytes of the file."""
    with path.open("rb") as handle:
        head = handle.read(8)
    for magic, (name, _) in MAGIC.items():
        if head.startswith(magic):
            return name
    return None


def open_bytes(path: Path) -> BinaryIO:
    """The file's content as a binary stream, decompressed if its first bytes say so."""
    compression = compression_of(path)
    if compression == "gzip":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    if compression == "bzip2":
        return bz2.open(path, "rb")  # type: ignore[return-value]
    if compression == "xz":
        return lzma.open(path, "rb")  # type: ignore[return-value]
    if compression == "zstd":
        import io

        import pyarrow as pa  # pyarrow ships a zstd decoder: no extra dependency

        # pyarrow's stream has what BufferedReader uses; pyarrow-stubs' NativeFile.truncate() differs
        return io.BufferedReader(pa.input_stream(str(path), compression="zstd"))  # type: ignore[type-var]
    return path.open("rb")


def byte_lines(handle: BinaryIO) -> Iterator[bytes]:
    """Lines with their endings, split at LF, CRLF or a lone CR, read a block at a time."""
    pending = b""
    # read1 returns what one underlying read decompressed: a damaged stream then keeps
    # every line before the damage, where read(n) would drop the whole block
    read = getattr(handle, "read1", handle.read)
    while True:
        block = read(LINE_READ_BYTES)
        if not block:
            break
        pending += block
        lines = pending.splitlines(keepends=True)
        # a last line without LF is incomplete, or ends in a CR that may be half of a CRLF
        pending = b"" if lines[-1].endswith(b"\n") else lines.pop()
        yield from lines
    if pending:
        yield pending


def walk_files(folder: Path) -> Iterator[Path]:
    """Every regular file under ``folder``, in sorted order, hidden ones skipped, depth unbounded.

    Links to folders are not followed. A folder that cannot be listed raises ``OSError``
    naming it (e.g. a path longer than the system allows).
    """
    stack = [_sorted_entries(folder)]
    while stack:
        entry = next(stack[-1], None)
        if entry is None:
            stack.pop()
        elif entry.name.startswith("."):
            continue
        elif entry.is_dir(follow_symlinks=False):
            stack.append(_sorted_entries(Path(entry.path)))
        elif entry.is_file():
            yield Path(entry.path)


def _sorted_entries(folder: Path) -> Iterator[os.DirEntry[str]]:
    with os.scandir(folder) as entries:
        return iter(sorted(entries, key=lambda e: e.name))
