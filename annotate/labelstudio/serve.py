"""``annotate ls serve``: a local Label Studio with the bundled sample, in one command.

For a newcomer who wants to see the review loop before setting up a shared server:
start Label Studio on 127.0.0.1 with its data in a folder of their choice, create an
admin login and API token (kept in that folder, so a second start logs in the same
way), push the bundled sample articles into a project, and say where to log in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from annotate.labelstudio.client import Studio, connect
from annotate.labelstudio.push import PushResult, push
from annotate.labelstudio.server import CREDENTIALS_FILE, LocalServer

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "articles.jsonl"
SAMPLE_PROJECT = "annotate-sample"


@dataclass
class Served:
    server: LocalServer
    startup_seconds: float
    project_id: int | None
    pushed: PushResult | None

    @property
    def credentials_path(self) -> Path:
        return self.server.data_dir / CREDENTIALS_FILE


def start(data_dir: Path, port: int = 8080, *, sample: Path | None = SAMPLE, project: str = SAMPLE_PROJECT,
          progress: Callable[[PushResult], None] | None = None, wait: float | None = None) -> Served:
    """Start the server (waiting up to ``wait`` seconds) and push ``sample`` (skip with
    ``sample=None``); the caller stops it."""
    server = LocalServer(Path(data_dir), port)
    seconds = server.start(wait)
    pushed = None
    try:
        if sample is not None and Path(sample).exists():
            studio = Studio(connect(server.url, server.credentials.token))
            pushed = push(studio, [sample], project, progress=progress)
    except BaseException:
        server.stop()
        raise
    return Served(server=server, startup_seconds=seconds,
                  project_id=pushed.project_id if pushed else None, pushed=pushed)
