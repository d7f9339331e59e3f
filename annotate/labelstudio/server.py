"""Start and stop a local Label Studio server: for ``annotate ls serve`` and the tests.

Label Studio pins many packages (Django and friends) that would fight the toolkit's
own, so it usually lives in its own virtual environment, ``.venv-ls/``. This module
finds its ``label-studio`` command, starts it bound to 127.0.0.1 with the flags and
environment that ``LABEL-STUDIO.md`` measured to work unattended, waits for
``/health``, and stops it again.

Why each setting:
* ``--internal-host 127.0.0.1``: ``--host`` is only a URL prefix; the bind address is this.
* the admin login (``LABEL_STUDIO_USERNAME/PASSWORD/USER_TOKEN``): without it ``start``
  prompts on stdin (CI hangs), and stray ``USERNAME``/``PASSWORD`` variables would be
  picked up. It goes in the child's environment, never on its command line: anyone on
  the machine can read a command line (``ps``, ``/proc/PID/cmdline``), while a
  process's environment is readable only by its owner.
* ``LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN``: the 40-hex ``--user-token`` works as a
  ``Token`` key; it is stored per organisation when the organisation is created.
* version check, analytics and Sentry off: no network is needed and none is tried.
"""

from __future__ import annotations

import ctypes
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from annotate.errors import LabelStudioError

CREDENTIALS_FILE = "annotate-credentials.json"
LS_VENV = ".venv-ls"


def find_label_studio(project_root: Path | None = None) -> Path | None:
    """The ``label-studio`` command: ``$LABEL_STUDIO_BIN``, then ``.venv-ls/``, then PATH."""
    env = os.environ.get("LABEL_STUDIO_BIN")
    if env:
        return Path(env) if Path(env).exists() else None
    roots = [project_root] if project_root else []
    roots += [Path.cwd(), Path(__file__).resolve().parents[2]]
    for root in roots:
        candidate = root / LS_VENV / "bin" / "label-studio"
        if candidate.exists():
            return candidate
    beside = Path(sys.executable).parent / "label-studio"
    if beside.exists():
        return beside
    found = shutil.which("label-studio")
    return Path(found) if found else None


@dataclass
class Credentials:
    """The local admin login; created once per data folder, since Label Studio only
    applies ``--user-token`` when it creates the user."""

    email: str
    password: str
    token: str

    @classmethod
    def load_or_create(cls, data_dir: Path) -> Credentials:
        path = data_dir / CREDENTIALS_FILE
        if path.exists():
            return cls(**json.loads(path.read_text(encoding="utf-8")))
        creds = cls(email="admin@example.com", password=secrets.token_urlsafe(12), token=secrets.token_hex(20))
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)  # never readable by others
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(json.dumps(creds.__dict__))
        return creds


DEFAULT_WAIT = 600.0
ENV_WAIT = "ANNOTATE_LS_WAIT"


def default_wait() -> float:
    """Seconds to wait for a starting server: ``$ANNOTATE_LS_WAIT`` or 600 (a first start
    migrates the database: ~30 s on an idle machine, minutes on a loaded one)."""
    try:
        return float(os.environ.get(ENV_WAIT, DEFAULT_WAIT))
    except ValueError:
        raise LabelStudioError(f"{ENV_WAIT} must be a number of seconds, not {os.environ[ENV_WAIT]!r}") from None


def _die_with_parent() -> None:
    """In the child, before exec: ask Linux to SIGTERM it when its parent dies, so a
    killed ``annotate`` never leaves Label Studio holding the port (no-op elsewhere)."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def server_env(data_dir: Path, *, allow_loopback_hooks: bool = False,
               credentials: Credentials | None = None) -> dict[str, str]:
    """The environment for an unattended, offline-safe server whose data is in ``data_dir``;
    with ``credentials``, the admin login it creates on first start."""
    env = {k: v for k, v in os.environ.items()
           if k not in {"USERNAME", "PASSWORD", "USER_TOKEN", "LABEL_STUDIO_USERNAME",
                        "LABEL_STUDIO_PASSWORD", "LABEL_STUDIO_USER_TOKEN"}}
    env.update({
        "LABEL_STUDIO_BASE_DATA_DIR": str(data_dir),
        "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true",
        "LATEST_VERSION_CHECK": "false",
        "COLLECT_ANALYTICS": "false",
        "SENTRY_DSN": "",
        "FRONTEND_SENTRY_DSN": "",
        "LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK": "true",
    })
    if allow_loopback_hooks:
        env.update({"SSRF_PROTECTION_ENABLED": "false", "ML_BLOCK_LOCAL_IP": "false"})
    if credentials is not None:
        env.update({"LABEL_STUDIO_USERNAME": credentials.email, "LABEL_STUDIO_PASSWORD": credentials.password,
                    "LABEL_STUDIO_USER_TOKEN": credentials.token})
    return env


class LocalServer:
    """One Label Studio process on 127.0.0.1 with its data in ``data_dir``.

    ``start()`` may be called again after ``stop()``: the same data folder, users and
    token come back (a restart takes ~4 s; the first start ~30 s, for migrations).
    """

    def __init__(self, data_dir: Path, port: int = 8080, *, binary: Path | None = None,
                 credentials: Credentials | None = None, log_path: Path | None = None):
        self.data_dir = Path(data_dir)
        self.port = port
        self.binary = binary or find_label_studio()
        self.credentials = credentials or Credentials.load_or_create(self.data_dir)
        self.log_path = log_path or self.data_dir / "label-studio.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/health", timeout=2) as resp:
                return resp.status == 200 and b"UP" in resp.read()
        except (urllib.error.URLError, OSError):
            return False

    def start(self, timeout: float | None = None) -> float:
        """Start the server and wait until it answers (``timeout`` seconds, default
        :func:`default_wait`); returns the seconds it took."""
        timeout = default_wait() if timeout is None else timeout
        if self.binary is None:
            raise LabelStudioError(
                "Label Studio is not installed: python -m venv .venv-ls && "
                ".venv-ls/bin/pip install -r requirements/labelstudio-server.txt "
                "(or set LABEL_STUDIO_BIN to its label-studio command)"
            )
        if self.healthy():
            raise LabelStudioError(f"something already answers on {self.url}; choose another --port")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        creds = self.credentials
        cmd = [str(self.binary), "start", "--no-browser", "--internal-host", "127.0.0.1", "--port", str(self.port)]
        began = time.monotonic()
        log = open(self.log_path, "ab")  # noqa: SIM115 - kept open for the child's lifetime
        self.process = subprocess.Popen(cmd, env=server_env(self.data_dir, credentials=creds), stdout=log,
                                        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                        start_new_session=True, preexec_fn=_die_with_parent)
        log.close()
        try:
            while time.monotonic() - began < timeout:
                if self.process.poll() is not None:
                    raise LabelStudioError(
                        f"Label Studio exited with code {self.process.returncode} while starting; see {self.log_path}"
                    )
                if self.healthy() and self._api_ready():
                    return time.monotonic() - began
                time.sleep(0.5)
        except BaseException:  # Ctrl-C or SIGTERM while waiting: leave nothing running
            self.stop()
            raise
        self.stop()
        raise LabelStudioError(
            f"Label Studio did not answer on {self.url} within {timeout:.0f} s; see {self.log_path}. "
            f"On a loaded machine wait longer: --wait SECONDS or {ENV_WAIT}")

    def _api_ready(self) -> bool:
        """``/health`` comes up a moment before the API accepts the token."""
        req = urllib.request.Request(f"{self.url}/api/projects?page_size=1",
                                     headers={"Authorization": f"Token {self.credentials.token}"})
        try:
            with urllib.request.urlopen(req, timeout=5) as resp:
                return bool(resp.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def stop(self, timeout: float = 20.0) -> None:
        """Stop the server and everything it started (its own process group)."""
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=timeout)
        except ProcessLookupError:
            pass

    def __enter__(self) -> LocalServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
