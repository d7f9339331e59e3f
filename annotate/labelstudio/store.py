"""A local copy of every prediction pushed, keyed by rule version: what a review is scored against.

A review must be compared with the prediction it was made from. Label Studio links
them (``parent_prediction``) but loses the link when a draft is submitted after the
rules changed, and ``push --update --delete-old`` deletes the old predictions
outright. So ``push`` keeps each prediction it sends here, and before deleting a rule
version it copies every prediction of that version it does not have yet (pushed from
another machine, say); ``pull`` looks here when Label Studio no longer has it.

Layout: one JSON Lines file per rule version, ``<store>/<version>.jsonl``, one line
per article: ``{"model_version", "doc_id", "text_sha1", "result"}``. The text's hash
is part of the key, so two corpora that both have an article ``1`` never mix.
The store is plain data (JSON, never executed), appended under an exclusive lock so
concurrent pushes do not interleave lines. Keep it beside the project, or give
``--store`` a shared folder, when several people push and pull.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from annotate.errors import ExportError
from annotate.labelstudio.regions import version_tag

DEFAULT_STORE = Path(".annotate") / "ls-predictions"
ENV_STORE = "ANNOTATE_LS_STORE"


def default_store() -> Path:
    """``$ANNOTATE_LS_STORE`` or ``.annotate/ls-predictions`` in the working folder."""
    return Path(os.environ.get(ENV_STORE) or DEFAULT_STORE)


def text_sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()


def _file_name(version: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", version).strip("._") or "version"
    return f"{safe[:80]}-{version_tag(version)}.jsonl"


class PredictionStore:
    """Predictions by (rule version, article); reads each version's file once, lazily."""

    def __init__(self, root: Path | None = None):
        self.root = Path(root) if root is not None else default_store()
        self._loaded: dict[str, dict[tuple[str, str], dict[str, Any]]] = {}
        self._tags: dict[str, str] | None = None

    def ensure_writable(self) -> None:
        """Fail before anything is sent when the store cannot be written (not half-way)."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ExportError(f"cannot create the prediction store {self.root}: {exc}; "
                              f"choose another folder with --store or {ENV_STORE}") from exc
        if not os.access(self.root, os.W_OK | os.X_OK):
            raise ExportError(f"the prediction store {self.root} is not writable; "
                              f"choose another folder with --store or {ENV_STORE}")

    def path(self, version: str) -> Path:
        return self.root / _file_name(version)

    def add(self, entries: Iterable[tuple[str, str, Mapping[str, Any]]]) -> int:
        """Append ``(doc_id, text, prediction)`` entries not stored yet; returns how many."""
        by_version: dict[str, list[str]] = {}
        for doc_id, text, prediction in entries:
            version = str(prediction.get("model_version") or "")
            key = (str(doc_id), text_sha1(text))
            if not version or key in self._version(version):
                continue
            record = {"model_version": version, "doc_id": key[0], "text_sha1": key[1],
                      "result": prediction.get("result") or []}
            self._version(version)[key] = record
            by_version.setdefault(version, []).append(json.dumps(record, ensure_ascii=False) + "\n")
        for version, lines in by_version.items():
            self._append(version, "".join(lines))
        return sum(len(lines) for lines in by_version.values())

    def _append(self, version: str, payload: str) -> None:
        path = self.path(version)
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o644)
            with os.fdopen(fd, "a+", encoding="utf-8") as out:
                fcntl.flock(out, fcntl.LOCK_EX)
                size = os.fstat(fd).st_size
                if size and os.pread(fd, 1, size - 1) != b"\n":
                    payload = "\n" + payload  # a line torn by a crash stays alone, unread
                out.write(payload)
                out.flush()
        except OSError as exc:
            raise ExportError(f"cannot write the prediction store {path}: {exc}; "
                              f"choose another folder with --store or {ENV_STORE}") from exc
        self._tags = None

    def _version(self, version: str) -> dict[tuple[str, str], dict[str, Any]]:
        if version not in self._loaded:
            self._loaded[version] = self._read(self.path(version))
        return self._loaded[version]

    @staticmethod
    def _read(path: Path) -> dict[tuple[str, str], dict[str, Any]]:
        found: dict[tuple[str, str], dict[str, Any]] = {}
        if not path.exists():
            return found
        with open(path, encoding="utf-8", errors="replace") as lines:
            for line in lines:
                try:
                    record = json.loads(line)
                    found[(str(record["doc_id"]), str(record["text_sha1"]))] = record
                except (ValueError, KeyError, TypeError):
                    continue  # a line cut short by a crash: the rest of the file is still good
        return found

    def versions_by_tag(self) -> dict[str, str]:
        """Version tag → rule version, for every version the store holds."""
        if self._tags is None:
            self._tags = {}
            if self.root.is_dir():
                for path in self.root.glob("*.jsonl"):
                    with open(path, encoding="utf-8", errors="replace") as lines:
                        first = lines.readline()
                    try:
                        version = str(json.loads(first)["model_version"])
                    except (ValueError, KeyError, TypeError):
                        continue
                    self._tags[version_tag(version)] = version
        return self._tags

    def get(self, version: str, doc_id: str, text: str) -> dict[str, Any] | None:
        """The stored prediction (``model_version`` and ``result``) or None."""
        record = self._version(version).get((str(doc_id), text_sha1(text)))
        if record is None:
            return None
        return {"model_version": record["model_version"], "result": record["result"], "id": None}

    def has(self, version: str, doc_id: str, text: str) -> bool:
        return (str(doc_id), text_sha1(text)) in self._version(version)


class ProjectCache:
    """What this machine last saw of one project: doc_id → task id, and the labeling
    config it last set. Lets a re-push ask Label Studio only for tasks newer than the
    last one it knows, and tell a config a lead customised in the UI from one this
    toolkit wrote. Plain JSON; a missing or unreadable file just means "ask the server"."""

    def __init__(self, store: PredictionStore, base_url: str, project_id: int):
        key = hashlib.sha1(f"{base_url.rstrip('/')}#{project_id}".encode()).hexdigest()[:16]
        self.path = store.root / "projects" / f"{key}.json"
        self.tasks: dict[str, int] = {}
        self.config_sha1: str | None = None
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            self.tasks = {str(k): int(v) for k, v in raw.get("tasks", {}).items()}
            self.config_sha1 = raw.get("config_sha1")
        except (OSError, ValueError, TypeError, AttributeError):
            pass

    @property
    def max_id(self) -> int | None:
        return max(self.tasks.values()) if self.tasks else None

    def save(self) -> None:
        """Write atomically (a temporary file renamed over the old one)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump({"tasks": self.tasks, "config_sha1": self.config_sha1}, out)
            os.replace(tmp, self.path)
        except OSError:
            pass  # only a cache: the next push asks the server for everything


def config_sha1(label_config: str) -> str:
    return hashlib.sha1(label_config.strip().encode("utf-8")).hexdigest()
