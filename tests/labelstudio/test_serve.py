"""``annotate ls serve`` as a newcomer runs it: start, sample pushed, login printed, Ctrl-C stops.

It runs on a copy of the session server's data folder (an online SQLite backup, so
the copy is consistent while that server runs): a migrated folder starts in ~4 s
instead of ~30 s, and the copy keeps the admin login and token.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from annotate.cli import main
from annotate.labelstudio.client import Studio, connect
from annotate.labelstudio.serve import SAMPLE_PROJECT
from annotate.labelstudio.server import CREDENTIALS_FILE

from .conftest import LiveServer, copy_data_dir

pytestmark = pytest.mark.labelstudio

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        return True
    except OSError:
        return False


def _command_lines(port: int) -> list[str]:
    """The command lines of every process serving ``port`` (readable by any user of the machine)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            line = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "label-studio" in line and f"--port {port}" in line:
            found.append(line)
    return found


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=["Ctrl-C", "SIGTERM", "kill -9"])
def test_serve_pushes_the_sample_prints_the_login_and_stops_on_ctrl_c(ls_server: LiveServer, tmp_path: Path,
                                                                       stop: signal.Signals) -> None:
    data = tmp_path / "ls-data"
    copy_data_dir(ls_server.server.data_dir, data)
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "annotate", "ls", "serve", "--data-dir", str(data),
                             "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 900  # a loaded machine: the server may take minutes
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "Ctrl-C stops the server" in line:
                break
        output = "".join(lines)
        assert f"Label Studio is up at http://127.0.0.1:{port}" in output, output
        creds = json.loads((data / CREDENTIALS_FILE).read_text())
        assert f"log in as {creds['email']} with password {creds['password']}" in output
        assert creds["token"] not in output and "sample project:" in output
        studio = Studio(connect(f"http://127.0.0.1:{port}", creds["token"]))
        project_id = studio.require_project(SAMPLE_PROJECT)
        assert len(studio.tasks(project_id)) == 6
        lines = _command_lines(port)
        assert lines and not any(creds["password"] in line or creds["token"] in line for line in lines)
    finally:
        proc.send_signal(stop)
        rest, _ = proc.communicate(timeout=60)
    if stop == signal.SIGKILL:  # no handler runs: Linux tells Label Studio its parent died
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and (_command_lines(port) or _answers(port)):
            time.sleep(0.5)
        assert not _command_lines(port), "Label Studio outlived a killed `annotate ls serve`"
    else:
        assert proc.returncode == 0 and "stopped" in rest
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


def test_serve_without_label_studio_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LABEL_STUDIO_BIN", str(tmp_path / "no-such-label-studio"))
    result = CliRunner().invoke(main, ["ls", "serve", "--data-dir", str(tmp_path / "d"), "--port", "1"])
    assert result.exit_code == 1
    assert "Label Studio is not installed" in result.output and ".venv-ls" in result.output
