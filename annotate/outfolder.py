"""The output folder of a run: one run at a time, leftovers cleaned, tables committed as a set.

``attributions.parquet``, ``documents.parquet`` and ``errors.parquet`` belong together:
read side by side, they must come from the same run. Three files cannot be renamed
in one step, so a run commits them in this order:

1. every table is finished in a hidden temporary file (``.<table>.parquet.<pid>.<random>.tmp``)
   and flushed to disk; each carries the run's id in its Parquet metadata
   (``annotate.run_id``);
2. ``manifest.json`` is removed, then each table is moved into place with ``os.replace``;
3. a new ``manifest.json`` names the run id and every table's row count.

A reader that checks (:func:`check_run`) therefore sees either a complete set, or no
manifest (a commit cut short, or tables from before manifests existed), or tables
whose run id differs from the manifest's, and says so instead of mixing runs.

Only one run may write a folder at a time: :class:`FolderLock` takes an advisory lock
(``flock``) on the folder, which the kernel releases when the process dies, even by
``kill -9``; a second run stops at once with an error naming the holder. While it
holds the lock, a run removes the temporary files that a killed run left behind.
"""

from __future__ import annotations

import datetime
import json
import os
import socket
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from annotate.errors import ExportError

try:
    import fcntl
except ImportError:  # not on Windows: the folder is then not locked
    fcntl = None  # type: ignore[assignment]

LOCK_NAME = ".annotate.lock"
MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = "annotate-run/1"
RUN_ID_KEY = b"annotate.run_id"


def temp_name(table_file: str) -> str:
    """The hidden name a table is written under until the run commits."""
    return f".{table_file}.{os.getpid()}.{os.urandom(4).hex()}.tmp"


def stale_temps(folder: Path, table_files: list[str]) -> list[Path]:
    """Temporary files of the given tables left in ``folder`` (by a killed run, if no run holds the lock)."""
    found: list[Path] = []
    for table_file in table_files:
        found.extend(p for p in folder.glob(f".{table_file}.*.tmp") if p.is_file() and not p.is_symlink())
    return sorted(found)


class FolderLock:
    """An exclusive, non-blocking lock on an output folder, held for the life of a run.

    The lock is taken on the folder itself, so a finished run leaves no lock file; who
    holds it is written to ``.annotate.lock`` for the error message of a second run, and
    removed on release (a killed run's stale note is simply overwritten).
    """

    def __init__(self, folder: Path):
        self.folder = folder
        self.note = folder / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> None:
        if fcntl is None:
            return
        try:
            fd = os.open(self.folder, os.O_RDONLY)
        except OSError as exc:
            raise ExportError(f"{self.folder}: cannot open the output folder ({exc.strerror or exc})") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise ExportError(f"{self.folder}: another annotate run is writing here ({_describe_holder(self.note)}); "
                              f"wait for it to finish or give another --out") from None
        self._fd = fd
        note = {
            "pid": os.getpid(), "host": socket.gethostname(),
            "started": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        }
        try:
            temp = self.folder / temp_name(LOCK_NAME)
            with open(temp, "x", encoding="utf-8") as handle:
                json.dump(note, handle)
            os.replace(temp, self.note)
        except OSError:
            pass  # the note only improves a second run's message

    def release(self) -> None:
        if self._fd is not None:
            self.note.unlink(missing_ok=True)
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None


def _describe_holder(note: Path) -> str:
    try:
        holder = json.loads(note.read_text(encoding="utf-8"))
        return f"pid {holder['pid']} on {holder['host']}, started {holder['started']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "its process id is not recorded yet"


def fsync_folder(folder: Path) -> None:
    """Make renames in ``folder`` durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def remove_manifest(folder: Path) -> None:
    """Step 2 of a commit: from here until the new manifest, readers see an unfinished set."""
    (folder / MANIFEST_NAME).unlink(missing_ok=True)


def write_manifest(folder: Path, run_id: str, tables: dict[str, tuple[Path, int]], extra: dict[str, Any]) -> Path:
    """Step 3 of a commit: name the run and every table with its row count, atomically."""
    path = folder / MANIFEST_NAME
    body = {
        "format": MANIFEST_FORMAT,
        "run_id": run_id,
        "finished": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        **extra,
        "tables": {name: {"file": file.name, "rows": rows} for name, (file, rows) in tables.items()},
    }
    temp = folder / temp_name(MANIFEST_NAME)
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(body, handle, ensure_ascii=False, indent=2)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)
    fsync_folder(folder)
    return path


def check_run(folder: Path, required: bool = True) -> dict[str, Any] | None:
    """The manifest of a finished run in ``folder``, after checking every table belongs to it.

    Raises ``ExportError`` when the manifest is missing while tables carry a run id (a
    commit was cut short), when a table is missing, or when a table's run id or row count
    differs from the manifest's (tables of different runs side by side). With
    ``required=False``, a folder with neither a manifest nor tables written by a run
    (tables made by other tools) passes, and ``None`` is returned.
    """
    path = folder / MANIFEST_NAME
    if not path.is_file():
        marked = [p.name for p in sorted(folder.glob("*.parquet")) if _run_id_of(p) is not None]
        if not marked and not required:
            return None
        hint = (f"{', '.join(marked)} were written by annotate but the run did not finish its commit"
                if marked else "this is not the output folder of a finished annotate run")
        raise ExportError(f"{folder}: no {MANIFEST_NAME}: {hint}; run annotate run again")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        run_id, tables = manifest["run_id"], manifest["tables"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ExportError(f"{path}: not a readable run manifest ({exc}); run annotate run again") from exc
    for name, entry in tables.items():
        table = folder / entry["file"]
        if table.is_dir():  # annotate spark: a folder of parts per table, complete once the manifest exists
            continue
        if not table.is_file():
            raise ExportError(f"{table}: missing, but {MANIFEST_NAME} lists it; run annotate run again")
        found = _run_id_of(table)
        if found != run_id:
            raise ExportError(f"{table}: from run {found or '(unknown)'}, but {MANIFEST_NAME} is from run {run_id}: "
                              f"the folder mixes the tables of two runs; run annotate run again")
        rows = pq.ParquetFile(table).metadata.num_rows
        if rows != entry["rows"]:
            raise ExportError(f"{table}: {rows} rows, but {MANIFEST_NAME} says {entry['rows']}; "
                              f"run annotate run again")
    return dict(manifest)


def _run_id_of(table: Path) -> str | None:
    try:
        metadata = pq.read_schema(table).metadata or {}
    except Exception:  # pyarrow raises several types for a damaged file
        return None
    value = metadata.get(RUN_ID_KEY)
    return value.decode() if value is not None else None
