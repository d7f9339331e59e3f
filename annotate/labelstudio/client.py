"""The one module that talks to a Label Studio server.

:class:`Studio` wraps a ``label_studio_sdk.LabelStudio`` client that the caller makes
and passes in (``connect`` makes one from a URL and key), so integration tests hand
it a client for a real server. Everything else in the package is pure and works on
the plain dicts this module returns.

Every failure becomes a :class:`LabelStudioError` that says what was being done and
how to fix it. The API key never appears in a message: the SDK's errors print
response headers and bodies, so messages are passed through :func:`redact` first
(which also knows the key's base64 forms, as an ``Authorization: Basic`` header
carries it). A URL with a key in it (``http://user:key@host``) is refused, without
repeating it: the key belongs in ``LABEL_STUDIO_API_KEY``.

Every request has a time limit (``--timeout`` / ``LABEL_STUDIO_TIMEOUT``, 30 s by
default) and a read that timed out is not retried: a server that does not answer
fails in one timeout, not in several. A listing stops with an error when the server
keeps sending pages past what the project holds, or the same tasks again.
"""

from __future__ import annotations

import base64
import json
import os
import time
import urllib.parse
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

import httpx
from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError

from annotate.errors import LabelStudioError

ENV_URL = "LABEL_STUDIO_URL"
ENV_KEY = "LABEL_STUDIO_API_KEY"
ENV_TIMEOUT = "LABEL_STUDIO_TIMEOUT"
DEFAULT_TIMEOUT = 30.0
PAGE_SIZE = 500

T = TypeVar("T")
_SECRETS: set[str] = set()


def _remember(secret: str) -> None:
    """Redact ``secret`` from now on, as it is and in the encodings a header may carry."""
    if not secret:
        return
    _SECRETS.add(secret)
    for text in (secret, f":{secret}"):
        encoded = base64.b64encode(text.encode("utf-8", "replace")).decode("ascii")
        _SECRETS.add(encoded.rstrip("="))
    _SECRETS.add(urllib.parse.quote(secret, safe=""))


def redact(message: str) -> str:
    """Remove every API key this process was given from ``message``."""
    for secret in sorted(_SECRETS, key=len, reverse=True):
        if len(secret) >= 4:
            message = message.replace(secret, "***")
    return message


def check_url(url: str) -> str:
    """``url`` without a trailing slash, or a :class:`LabelStudioError` saying what is wrong.

    A key written into the URL (``http://user:key@host``) is refused: the HTTP client
    would send it as a Basic header and error messages would repeat the URL.
    """
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises on a bad port
        host = parts.hostname
    except ValueError as exc:
        raise LabelStudioError(f"--url is not a valid URL ({exc}); expected e.g. http://127.0.0.1:8080") from None
    if parts.username is not None or parts.password is not None:
        for secret in (parts.username, parts.password):
            if secret:
                _remember(urllib.parse.unquote(secret))
        raise LabelStudioError(
            f"--url must not hold a user or key (http://user:key@host); give the key in {ENV_KEY} instead")
    if parts.scheme not in ("http", "https") or not host:
        raise LabelStudioError(f"--url must start with http:// or https:// and name a host, e.g. http://127.0.0.1:8080")
    return url.rstrip("/")


def default_timeout() -> float:
    """``$LABEL_STUDIO_TIMEOUT`` or 30 s: the most any one request may take."""
    raw = os.environ.get(ENV_TIMEOUT)
    try:
        value = float(raw) if raw else DEFAULT_TIMEOUT
    except ValueError:
        raise LabelStudioError(f"{ENV_TIMEOUT} must be a number of seconds, not {raw!r}") from None
    if not value > 0:
        raise LabelStudioError(f"{ENV_TIMEOUT} must be more than 0 seconds")
    return value


def connect(url: str | None = None, api_key: str | None = None, *, timeout: float | None = None) -> LabelStudio:
    """An SDK client from explicit values or ``LABEL_STUDIO_URL`` / ``LABEL_STUDIO_API_KEY``.

    A legacy token (40 hex characters) is sent as ``Token``; a personal access token
    (a JWT) is exchanged for an access token and sent as ``Bearer`` by the SDK itself.
    ``timeout`` bounds every request (default :func:`default_timeout`).
    """
    url = url or os.environ.get(ENV_URL)
    api_key = api_key or os.environ.get(ENV_KEY)
    if api_key:
        _remember(api_key)
    if not url:
        raise LabelStudioError(f"no Label Studio URL: pass --url or set {ENV_URL} (e.g. http://127.0.0.1:8080)")
    base_url = check_url(url)
    if not api_key:
        raise LabelStudioError(
            f"no API key: set {ENV_KEY} (or pass --api-key) (Label Studio: Account & Settings → Personal Access Token)"
        )
    timeout = default_timeout() if timeout is None else timeout
    return LabelStudio(base_url=base_url, api_key=api_key, timeout=timeout)  # type: ignore[no-untyped-call]


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ApiError):
        body = exc.body
        if isinstance(body, dict):
            body = body.get("validation_errors") or body.get("detail") or body
        hint = ""
        if exc.status_code == 401:
            hint = " (the API key was refused: check --api-key / LABEL_STUDIO_API_KEY)"
        return f"HTTP {exc.status_code}: {body}{hint}"
    if isinstance(exc, httpx.ConnectError | httpx.RemoteProtocolError | httpx.ReadError | httpx.ConnectTimeout):
        return f"cannot reach the server ({type(exc).__name__}); is Label Studio running at that URL?"
    if isinstance(exc, httpx.TimeoutException):
        return (f"the server did not answer in time ({type(exc).__name__}); it may be overloaded: "
                f"try again, or allow longer with --timeout / {ENV_TIMEOUT}")
    if isinstance(exc, httpx.HTTPError):
        return f"{type(exc).__name__}: {exc}"
    return f"{type(exc).__name__}: {exc}"


_FAILURES = (ApiError, httpx.HTTPError, OSError)


def _call(what: str, fn: Callable[[], T], *, retries: int = 0) -> T:
    """Run one SDK call; turn failures into ``LabelStudioError``.

    ``retries`` is for idempotent reads only: an import that failed half-way must not
    be repeated blindly, it is resumed by the caller after checking what arrived.
    """
    for attempt in range(retries + 1):
        try:
            return fn()
        except _FAILURES as exc:
            # a read that timed out is not retried: the wait would only multiply
            transient = (not isinstance(exc, ApiError | httpx.TimeoutException)
                         or isinstance(exc, ApiError) and (exc.status_code or 0) >= 500)
            if attempt < retries and transient:
                time.sleep(0.5 * 2**attempt)
                continue
            raise LabelStudioError(redact(f"Label Studio: {what} failed: {_describe(exc)}")) from None
    raise AssertionError("unreachable")


def _plain(obj: Any) -> dict[str, Any]:
    """SDK objects as plain dicts (the rest of the package never sees SDK types)."""
    if isinstance(obj, dict):
        return obj
    dump = getattr(obj, "model_dump", None) or getattr(obj, "dict")
    return dict(dump())


class Studio:
    """The calls the toolkit makes, on a client it is given."""

    def __init__(self, client: LabelStudio):
        self.client = client

    def _http(self, path: str, method: str = "GET", **kwargs: Any) -> Any:
        """The two endpoints the SDK has no wrapper for (model versions)."""
        resp = self.client._client_wrapper.httpx_client.request(path, method=method, **kwargs)
        if resp.status_code >= 400:
            raise ApiError(status_code=resp.status_code, body=resp.text, headers={})
        return resp.json()

    # -- server and projects ------------------------------------------------------------

    def check(self) -> str:
        """Who we are logged in as; the first call, so a bad URL or key fails early."""
        return _call("logging in", lambda: self.client.users.whoami().email or "?", retries=2)

    def find_project(self, name_or_id: str) -> int | None:
        """A project id from its number or its exact title; None when there is none."""
        if name_or_id.isdigit():
            try:
                return int(self.client.projects.get(id=int(name_or_id)).id or 0)
            except ApiError as exc:
                if exc.status_code != 404:
                    raise LabelStudioError(redact(f"Label Studio: reading project {name_or_id} failed: "
                                                  f"{_describe(exc)}")) from None
        listed: list[Any] = _call("listing projects", lambda: list(self.client.projects.list(title=name_or_id)),
                                  retries=2)
        matches = [p for p in listed if p.title == name_or_id]
        if len(matches) > 1:
            ids = ", ".join(str(p.id) for p in matches)
            raise LabelStudioError(f"{len(matches)} projects are titled {name_or_id!r} (ids {ids}); pass the id")
        return int(matches[0].id) if matches else None

    @property
    def base_url(self) -> str:
        """The server's URL, to key what is cached about its projects."""
        return str(self.client._client_wrapper.get_base_url())

    def project_ids(self, title: str) -> list[int]:
        """Ids of every project with exactly this title."""
        listed: list[Any] = _call("listing projects", lambda: list(self.client.projects.list(title=title)),
                                  retries=2)
        return sorted(int(p.id) for p in listed if p.title == title)

    def delete_project(self, project_id: int) -> None:
        _call(f"deleting project {project_id}", lambda: self.client.projects.delete(id=project_id))

    def require_project(self, name_or_id: str) -> int:
        project = self.find_project(name_or_id)
        if project is None:
            raise LabelStudioError(f"no project {name_or_id!r} on the server; push to it first")
        return project

    def create_project(self, title: str, label_config: str, description: str = "") -> int:
        project = _call(f"creating project {title!r}", lambda: self.client.projects.create(
            title=title, label_config=label_config, description=description))
        return int(project.id or 0)

    def project(self, project_id: int) -> dict[str, Any]:
        return _plain(_call(f"reading project {project_id}", lambda: self.client.projects.get(id=project_id),
                            retries=2))

    def set_label_config(self, project_id: int, label_config: str) -> None:
        _call("updating the labeling config",
              lambda: self.client.projects.update(id=project_id, label_config=label_config))

    def set_model_version(self, project_id: int, version: str) -> None:
        """Which prediction pre-fills the editor: import sets it only on an empty project."""
        _call(f"switching the project to {version}",
              lambda: self.client.projects.update(id=project_id, model_version=version))

    def model_versions(self, project_id: int) -> dict[str, int]:
        return dict(_call("listing model versions",
                          lambda: self._http(f"api/projects/{project_id}/model-versions/"), retries=2))

    def delete_model_version(self, project_id: int, version: str) -> int:
        out = _call(f"deleting predictions of {version}", lambda: self._http(
            f"api/projects/{project_id}/model-versions/", method="DELETE", json={"model_version": version}))
        return int(out.get("deleted_predictions", 0))

    # -- tasks and predictions ----------------------------------------------------------

    def tasks(self, project_id: int, *, fields: str = "task_only", only_annotated: bool = False,
              after_id: int | None = None, expected: int | None = None) -> list[dict[str, Any]]:
        """The project's tasks as ``{"id", "data", ...}`` dicts, oldest first.

        ``only_annotated`` asks the server for reviewed tasks only; ``after_id`` for
        tasks newer than that id (what a push has not seen yet). ``expected`` is how
        many tasks the project holds: a server that keeps paging past it, or that
        sends a task twice, is stopped with an error instead of followed forever.
        """
        items = []
        if after_id is not None:
            items.append({"filter": "filter:tasks:id", "operator": "greater", "type": "Number", "value": after_id})
        if only_annotated:  # the list endpoint's own only_annotated flag is ignored by Community edition
            items.append({"filter": "filter:tasks:total_annotations", "operator": "greater", "type": "Number",
                          "value": 0})
        query = json.dumps({"filters": {"conjunction": "and", "items": items}, "ordering": ["tasks:id"]}) if items \
            else None

        def run() -> list[dict[str, Any]]:
            pager: Iterable[Any] = self.client.tasks.list(
                project=project_id, fields=fields, page_size=PAGE_SIZE, query=query)
            out: list[dict[str, Any]] = []
            seen: set[Any] = set()
            limit = None if expected is None else expected + PAGE_SIZE
            for task in pager:
                plain = _plain(task)
                if plain.get("id") in seen:
                    raise LabelStudioError(f"Label Studio sent task {plain.get('id')} twice while listing project "
                                           f"{project_id}: its paging is broken; stopped instead of looping")
                seen.add(plain.get("id"))
                out.append(plain)
                if limit is not None and len(out) > limit:
                    raise LabelStudioError(f"Label Studio kept sending tasks past the {expected} project "
                                           f"{project_id} holds; stopped instead of following it forever")
            return out
        return _call("listing tasks", run, retries=2)

    def task_count(self, project_id: int) -> int | None:
        """How many tasks the project holds (None when the server does not say)."""
        count = self.project(project_id).get("task_number")
        return int(count) if isinstance(count, int) else None

    def predictions(self, project_id: int) -> list[dict[str, Any]]:
        """Every prediction of the project, with its full result."""
        return [_plain(p) for p in _call("listing predictions",
                                         lambda: self.client.predictions.list(project=project_id), retries=2)]

    def import_tasks(self, project_id: int, tasks: list[dict[str, Any]]) -> list[int]:
        """Import one batch of tasks with their predictions; returns the new task ids."""
        out = _call(f"importing {len(tasks)} tasks", lambda: self.client.projects.import_tasks(
            id=project_id, request=tasks, return_task_ids=True))  # type: ignore[arg-type]
        return list(getattr(out, "task_ids", None) or [])

    def delete_task(self, task_id: int) -> bool:
        """Delete one task; False when it was already gone (another pusher deleted it)."""
        try:
            self.client.tasks.delete(id=str(task_id))
            return True
        except ApiError as exc:
            if exc.status_code == 404:
                return False
            raise LabelStudioError(redact(f"Label Studio: deleting task {task_id} failed: {_describe(exc)}")) from None
        except _FAILURES as exc:
            raise LabelStudioError(redact(f"Label Studio: deleting task {task_id} failed: {_describe(exc)}")) from None

    def import_predictions(self, project_id: int, predictions: list[dict[str, Any]]) -> int:
        """Add predictions to existing tasks (each dict names its ``task``)."""
        out = _call(f"importing {len(predictions)} predictions", lambda: self.client.projects.import_predictions(
            id=project_id, request=predictions))  # type: ignore[arg-type]
        return int(getattr(out, "created", None) or len(predictions))

    def annotated_tasks(self, project_id: int) -> Iterator[dict[str, Any]]:
        """Tasks that hold at least one annotation, with annotations and predictions
        (only those are asked for: a project nobody reviewed costs one request)."""
        for task in self.tasks(project_id, fields="all", only_annotated=True, expected=self.task_count(project_id)):
            if task.get("annotations"):
                yield task

    def users(self) -> dict[int, str]:
        """User id → email (or username), to name reviewers in the output."""
        people = _call("listing users", lambda: list(self.client.users.list()), retries=2)
        return {int(u.id): (u.email or u.username or str(u.id)) for u in people}


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (the last one shorter)."""
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
