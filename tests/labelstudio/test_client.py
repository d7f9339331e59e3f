"""The client's edges against misbehaving servers and bad input (local fake servers; no Label Studio).

A fake is used here only for what a real Label Studio never does on purpose: never
answering, or paging forever. Everything the real server does is tested against it.
"""

from __future__ import annotations

import base64
import http.server
import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner

from annotate.cli import main
from annotate.errors import LabelStudioError
from annotate.labelstudio.client import Studio, connect

KEY = "s3cr3tKEY0123456789abcdef0123456789abcd"


@pytest.fixture
def silent_server() -> Iterator[str]:
    """Accepts connections and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(sock.accept()[0])
            except OSError:
                continue
    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    sock.close()


class _Pager(http.server.BaseHTTPRequestHandler):
    """A server whose task listing never ends: new ids forever, or the same page again."""

    repeat = False

    def log_message(self, *args: Any) -> None:
        pass

    def _send(self, body: Any) -> None:
        raw = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        url = urlsplit(self.path)
        if url.path.startswith("/api/tasks"):
            page = int(parse_qs(url.query).get("page", ["1"])[0])
            task_id = 1 if self.repeat else page
            self._send({"tasks": [{"id": task_id, "data": {"text": "نص", "doc_id": str(task_id)}}],
                        "total": 3, "total_annotations": 0, "total_predictions": 0})
        else:
            self._send({"id": 1, "title": "p", "task_number": 3, "email": "a@example.com"})


@pytest.fixture(params=[False, True], ids=["new ids forever", "the same page again"])
def endless_server(request: pytest.FixtureRequest) -> Iterator[str]:
    handler = type("Handler", (_Pager,), {"repeat": request.param})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_server_that_never_answers_fails_in_one_timeout(silent_server: str) -> None:
    studio = Studio(connect(silent_server, KEY, timeout=1.0))
    began = time.monotonic()
    with pytest.raises(LabelStudioError) as info:
        studio.check()
    elapsed = time.monotonic() - began
    assert "did not answer in time" in str(info.value) and "--timeout" in str(info.value)
    assert elapsed < 3.0, f"{elapsed:.1f} s: the timeout was retried"


def test_the_timeout_is_an_option_and_an_environment_variable(silent_server: str,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", KEY)
    result = CliRunner().invoke(main, ["ls", "pull", "--project", "x", "--url", silent_server, "--timeout", "1"])
    assert result.exit_code == 1 and "did not answer in time" in result.output
    monkeypatch.setenv("LABEL_STUDIO_TIMEOUT", "soon")
    result = CliRunner().invoke(main, ["ls", "pull", "--project", "x", "--url", silent_server])
    assert result.exit_code == 1 and "LABEL_STUDIO_TIMEOUT must be a number" in result.output


def test_an_endless_task_listing_is_stopped_with_an_error(endless_server: str) -> None:
    studio = Studio(connect(endless_server, KEY, timeout=5.0))
    with pytest.raises(LabelStudioError) as info:
        studio.tasks(1, expected=3)
    assert "twice" in str(info.value) or "kept sending tasks past the 3" in str(info.value)


def test_a_key_inside_the_url_is_refused_and_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LABEL_STUDIO_API_KEY", raising=False)
    url = f"http://admin:{KEY}@127.0.0.1:9/"
    result = CliRunner().invoke(main, ["ls", "pull", "--project", "x", "--url", url])
    assert result.exit_code == 1 and "must not hold a user or key" in result.output
    for form in (KEY, base64.b64encode(f"admin:{KEY}".encode()).decode()[:20], base64.b64encode(KEY.encode()).decode()[:20]):
        assert form not in result.output


@pytest.mark.parametrize("url", ["http://[::1", "http://127.0.0.1:99999", "ftp://example.com", "127.0.0.1:8080"])
def test_a_malformed_url_is_one_error_line_not_a_traceback(url: str) -> None:
    result = CliRunner().invoke(main, ["ls", "pull", "--project", "x", "--url", url, "--api-key", KEY])
    assert result.exit_code == 1 and result.output.count("Error:") == 1, result.output
    assert "Traceback" not in result.output and "--url" in result.output and KEY not in result.output


def test_a_key_on_the_command_line_draws_a_warning_and_the_environment_does_not(
        monkeypatch: pytest.MonkeyPatch) -> None:
    args = ["ls", "pull", "--project", "x", "--url", "http://[::1"]
    on_line = CliRunner().invoke(main, [*args, "--api-key", KEY])
    assert "visible to other users" in on_line.output and "LABEL_STUDIO_API_KEY" in on_line.output
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", KEY)
    from_env = CliRunner().invoke(main, args)
    assert "visible to other users" not in from_env.output
