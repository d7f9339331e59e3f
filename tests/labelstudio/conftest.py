"""A real Label Studio server for the whole test session (never a mock of its API).

Started once, on 127.0.0.1 and a free port, with a fresh data folder, by the same
:class:`LocalServer` that ``annotate ls serve`` uses; stopped when the session ends.

The first start on an empty folder takes ~30 s (database migrations); a start on a
copy of an already migrated folder ~4 s. So the first session keeps a pristine copy
(taken right after start-up, before any test writes) in ``.ls-data/test-template/``
(git-ignored), and later sessions start from a fresh copy of it. A newer Label Studio
simply migrates the copy forward.
"""

from __future__ import annotations

import shutil
import socket
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from annotate.labelstudio.client import Studio, connect
from annotate.labelstudio.server import LocalServer, find_label_studio

REPO = Path(__file__).resolve().parents[2]
OUTPUT = REPO / "test-output"


TEMPLATE = REPO / ".ls-data" / "test-template"
DB = "label_studio.sqlite3"


def copy_data_dir(src: Path, dst: Path) -> None:
    """Copy a Label Studio data folder, the database through SQLite's online backup so
    the copy is consistent even while a server is using the original."""
    tmp = dst.with_name(dst.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(src, tmp, ignore=shutil.ignore_patterns(f"{DB}*", "*.log"))
    with sqlite3.connect(src / DB) as source, sqlite3.connect(tmp / DB) as target:
        source.backup(target)
    shutil.rmtree(dst, ignore_errors=True)
    tmp.rename(dst)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    server: LocalServer
    startup_seconds: float

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def token(self) -> str:
        return self.server.credentials.token

    def studio(self) -> Studio:
        return Studio(connect(self.url, self.token))


@pytest.fixture(scope="session")
def ls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    binary = find_label_studio(REPO)
    if binary is None:
        pytest.skip("label-studio is not installed: create .venv-ls/ (see .ci/run) or set LABEL_STUDIO_BIN")
    data = tmp_path_factory.mktemp("ls-data")
    fresh = not (TEMPLATE / DB).exists()
    if not fresh:
        shutil.rmtree(data)
        shutil.copytree(TEMPLATE, data)
    server = LocalServer(data, _free_port(), binary=binary)
    try:
        seconds = server.start()  # waits up to $ANNOTATE_LS_WAIT (600 s): the machine may be busy
        print(f"\nLabel Studio started in {seconds:.1f} s at {server.url} "
              f"({'fresh data folder' if fresh else 'copy of ' + str(TEMPLATE)})")
        if fresh:
            copy_data_dir(data, TEMPLATE)
        yield LiveServer(server, seconds)
    finally:
        server.stop()


@pytest.fixture(scope="session", autouse=True)
def prediction_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Pushes in tests keep their predictions in a temporary store, not in the repo."""
    import os

    from annotate.labelstudio.store import ENV_STORE

    path = tmp_path_factory.mktemp("ls-store")
    old = os.environ.get(ENV_STORE)
    os.environ[ENV_STORE] = str(path)
    yield path
    if old is None:
        os.environ.pop(ENV_STORE, None)
    else:
        os.environ[ENV_STORE] = old


@pytest.fixture(scope="session")
def pack():  # type: ignore[no-untyped-def]
    """The default rule pack, compiled once (compiling takes seconds)."""
    from annotate.pack import load_pack

    return load_pack()


@pytest.fixture(scope="session")
def output_dir() -> Path:
    OUTPUT.mkdir(exist_ok=True)
    return OUTPUT

