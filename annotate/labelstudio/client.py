"""The one module that talks to a Label Studio server.

:class:`Studio` wraps a ``label_studio_sdk.LabelStudio`` client that the caller makes
and passes in (``connect`` makes one from a URL and key), so integration tests hand
it a client for a real server. Everything else in the package is pure and works on
the plain dicts this module returns.

Every failure becomes a :class:`LabelStudioError` that says what was being done and
how to fix it. The API key never appears in a message: the SDK's errors print
response headers and bodies, so messages are passed through :func:`redact` first.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

import httpx
from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError

from annotate.errors import LabelStudioError

ENV_URL = "LABEL_STUDIO_URL"
ENV_KEY = "LABEL_STUDIO_API_KEY"

T = TypeVar("T")
_SECRETS: set[str] = set()


def redact(message: str) -> str:
    """Remove every API key this process was given from ``message``."""
    for secret in _SECRETS:
        if secret:
            message = message.replace(secret, "***")
    return message


def connect(url: str | None = None, api_key: str | None = None, *, timeout: float = 60.0) -> LabelStudio:
    """An SDK client from explicit values or ``LABEL_STUDIO_URL`` / ``LABEL_STUDIO_API_KEY``.

    A legacy token (40 hex characters) is sent as ``Token``; a personal access token
    (a JWT) is exchanged for an access token and sent as ``Bearer`` by the SDK itself.
    """
    url = url or os.environ.get(ENV_URL)
    api_key = api_key or os.environ.get(ENV_KEY)
    if not url:
        raise LabelStudioError(f"no Label Studio URL: pass --url or set {ENV_URL} (e.g. http://127.0.0.1:8080)")
    if not api_key:
        raise LabelStudioError(
            f"no API key: pass --api-key or set {ENV_KEY} (Label Studio: Account & Settings → Personal Access Token)"
        )
    _SECRETS.add(api_key)
    return LabelStudio(base_url=url.rstrip("/"), api_key=api_key, timeout=timeout)  # type: ignore[no-untyped-call]


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ApiError):
        body = exc.body
        if isinstance(body, dict):
            body = body.get("detail") or body.get("validation_errors") or body
        hint = ""
        if exc.status_code == 401:
            hint = " (the API key was refused: check --api-key / LABEL_STUDIO_API_KEY)"
        return f"HTTP {exc.status_code}: {body}{hint}"
    if isinstance(exc, httpx.ConnectError | httpx.RemoteProtocolError | httpx.ReadError | httpx.ConnectTimeout):
        return f"cannot reach the server ({type(exc).__name__}); is Label Studio running at that URL?"
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
            transient = not isinstance(exc, ApiError) or (exc.status_code or 0) >= 500
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

    def tasks(self, project_id: int, *, fields: str = "task_only") -> list[dict[str, Any]]:
        """Every task of the project as ``{"id", "data", ...}`` dicts."""
        def run() -> list[dict[str, Any]]:
            pager: Iterable[Any] = self.client.tasks.list(
                project=project_id, fields=fields, page_size=500)
            return [_plain(t) for t in pager]
        return _call("listing tasks", run, retries=2)

    def predictions(self, project_id: int) -> list[dict[str, Any]]:
        """Every prediction of the project, with its full result."""
        return [_plain(p) for p in _call("listing predictions",
                                         lambda: self.client.predictions.list(project=project_id), retries=2)]

    def import_tasks(self, project_id: int, tasks: list[dict[str, Any]]) -> list[int]:
        """Import one batch of tasks with their predictions; returns the new task ids."""
        out = _call(f"importing {len(tasks)} tasks", lambda: self.client.projects.import_tasks(
            id=project_id, request=tasks, return_task_ids=True))  # type: ignore[arg-type]
        return list(getattr(out, "task_ids", None) or [])

    def import_predictions(self, project_id: int, predictions: list[dict[str, Any]]) -> int:
        """Add predictions to existing tasks (each dict names its ``task``)."""
        out = _call(f"importing {len(predictions)} predictions", lambda: self.client.projects.import_predictions(
            id=project_id, request=predictions))  # type: ignore[arg-type]
        return int(getattr(out, "created", None) or len(predictions))

    def annotated_tasks(self, project_id: int) -> Iterator[dict[str, Any]]:
        """Tasks that hold at least one annotation, with annotations and predictions."""
        for task in self.tasks(project_id, fields="all"):
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
