"""``annotate ls push``: run the engine on articles and import them as pre-annotated tasks.

Re-running a push is always safe, and that is how an interrupted push resumes:

* tasks are keyed by ``doc_id``. Before importing, the project's tasks are listed and
  articles already there are skipped, so nothing is imported twice;
* tasks go in batches, and each batch is one request (one database transaction on the
  server), so a batch is either all there or not there. After a failure (server down,
  network error) the next run sees exactly which articles arrived;
* with ``update=True`` existing tasks that lack a prediction of the current rule
  version get one, and tasks that already have it are left alone.

Every prediction is validated (offsets against the text, labels against the config)
before it is sent; an article whose prediction fails is reported and not imported.

Every prediction sent is also kept in the local prediction store
(:mod:`annotate.labelstudio.store`), and ``delete_old`` first copies there whatever
it is about to delete: reviews made from an old rule version stay measurable.

Costs do not grow with the project: the store remembers which doc_ids the project
holds, so a re-push asks only for tasks newer than the last one seen (and lists
everything again only when the project's task count says tasks were deleted), and
``--update`` lists predictions only when the model-version counts say some task
lacks the new version.

Two pushes that create the same new project at once do not make two projects: after
creating, the pusher looks again, and when several projects carry the title the oldest
is used by both and the newer ones, still empty, are deleted. A labeling config that
differs from the one this toolkit last wrote (a lead customised it in the UI) is
not overwritten unless asked (``config_policy="replace"``).
"""

from __future__ import annotations

import time

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from label_studio_sdk.label_interface.interface import LabelInterface

from annotate.errors import AnnotateError, LabelStudioError
from annotate.labelstudio.client import Studio
from annotate.labelstudio.config import labeling_config
from annotate.labelstudio.store import PredictionStore, ProjectCache, config_sha1
from annotate.labelstudio.tasks import TaskDraft, draft_task, model_version
from annotate.records import ReadError

DEFAULT_BATCH = 50


@dataclass
class PushResult:
    """What a push did, for the summary the CLI prints and for tests."""

    project_id: int
    project_created: bool
    model_version: str
    articles: int = 0
    tasks_created: int = 0
    tasks_skipped: int = 0
    predictions_added: int = 0
    predictions_deleted: int = 0
    switched_version: bool = False
    duplicates_removed: int = 0
    invalid: list[tuple[str, list[str]]] = field(default_factory=list)
    read_errors: list[ReadError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class _Pending:
    """Work queued for the next batch; flushed when it reaches the batch size."""

    new_tasks: list[TaskDraft] = field(default_factory=list)
    new_predictions: list[tuple[TaskDraft, dict[str, Any]]] = field(default_factory=list)


CONFIG_POLICIES = ("update", "keep", "replace")


def _claim_title(studio: Studio, title: str, created: int) -> int:
    """After creating ``created``: the one project titled ``title`` everyone should use.

    Two pushes may both find no project and both create one. Each then lists the
    title again; all agree on the oldest (lowest id), and a pusher whose own project
    lost deletes it (it is still empty: nothing is imported before this check).

    Label Studio can also leave a project behind that neither push was told of: when two
    creates overlap, three projects may appear for two answers (seen on 1.23 with its
    SQLite database, about one race in five). So every other project of the title that is
    still empty is removed too, whoever made it: this push found none with the title
    before creating its own, so any other was made in the same race.
    """
    ids = studio.project_ids(title)
    for wait in (0.2, 0.5, 1.0, 2.0):  # a listing that does not show our own project yet is stale: ask again
        if created in ids:
            break
        time.sleep(wait)
        ids = studio.project_ids(title)
    winner = min(ids) if ids else created
    for other in ids:
        if other != winner and (other == created or _is_empty(studio, other)):
            _delete_if_there(studio, title, other)  # a racing push may be removing it too
    return winner


def _is_empty(studio: Studio, project_id: int) -> bool:
    try:
        return studio.task_count(project_id) == 0
    except LabelStudioError:  # gone already
        return False


def _delete_if_there(studio: Studio, title: str, project_id: int) -> None:
    try:
        studio.delete_project(project_id)
    except LabelStudioError:
        if project_id in studio.project_ids(title):
            raise


def ensure_project(studio: Studio, name_or_id: str, label_config: str, *, config_policy: str = "update",
                   cache: Callable[[int], ProjectCache] | None = None) -> tuple[int, bool, list[str]]:
    """The project's id, creating it (titled ``name_or_id``) when it does not exist,
    whether this push created it, and notes for the user.

    An existing project whose config differs is brought up to date when its config
    is the one this toolkit last wrote there (``update``, the default); a config
    changed in the UI since is kept and reported, unless ``config_policy`` is
    ``replace``. ``keep`` never touches it.
    """
    notes: list[str] = []
    project_id = studio.find_project(name_or_id)
    if project_id is None:
        if name_or_id.isdigit():
            raise LabelStudioError(f"no project with id {name_or_id}; give a title to create a new project")
        created = studio.create_project(name_or_id, label_config, "Attribution review (annotate)")
        project_id = _claim_title(studio, name_or_id, created)
        if cache is not None:
            created_memo = cache(project_id)
            created_memo.config_sha1 = config_sha1(label_config)
            created_memo.save()
        return project_id, project_id == created, notes
    current = str(studio.project(project_id).get("label_config") or "")
    if current.strip() == label_config.strip() or config_policy == "keep":
        return project_id, False, notes
    memo = cache(project_id) if cache is not None else None
    ours = memo is not None and memo.config_sha1 == config_sha1(current)
    if config_policy == "replace" or ours:
        studio.set_label_config(project_id, label_config)
        if memo is not None:
            memo.config_sha1 = config_sha1(label_config)
            memo.save()
        notes.append("the project's labeling config was " + ("replaced" if not ours else "brought up to date"))
    else:
        notes.append("the project's labeling config differs from this toolkit's and was not written here: "
                     "it was kept (customised in Label Studio?). Pass --replace-config to overwrite it, or "
                     "--keep-config to silence this note")
    return project_id, False, notes


def _known_tasks(studio: Studio, project_id: int, memo: ProjectCache) -> dict[str, int]:
    """doc_id → task id of every task in the project, asking only for what is new.

    The cache's tasks plus those with a higher id; when the project's task count then
    does not match (tasks were deleted, or the cache is from elsewhere) everything is
    listed again.
    """
    count = studio.task_count(project_id)
    known = dict(memo.tasks)
    if known and count is not None and count >= len(known):
        for task in studio.tasks(project_id, after_id=memo.max_id, expected=count - len(known)):
            known[str(task["data"].get("doc_id"))] = int(task["id"])
        if len(known) == count:
            return known
    return {str(t["data"].get("doc_id")): int(t["id"]) for t in studio.tasks(project_id, expected=count)}


def _archive(studio: Studio, project_id: int, versions: list[str], store: PredictionStore) -> None:
    """Copy every prediction of ``versions`` into the store before they are deleted."""
    wanted = [p for p in studio.predictions(project_id) if p.get("model_version") in versions]
    if not wanted:
        return
    texts = {int(t["id"]): (str(t["data"].get("doc_id")), str(t["data"].get("text", "")))
             for t in studio.tasks(project_id)}
    store.add((texts[int(p["task"])][0], texts[int(p["task"])][1], p) for p in wanted if int(p["task"]) in texts)


def push(
    studio: Studio,
    inputs: Iterable[str | Path],
    project: str,
    *,
    pack_path: str | Path | None = None,
    pack: Any = None,
    id_field: str = "id",
    text_field: str = "text",
    update: bool = False,
    delete_old: bool = False,
    batch_size: int = DEFAULT_BATCH,
    progress: Callable[[PushResult], None] | None = None,
    store: PredictionStore | None = None,
    config_policy: str = "update",
) -> PushResult:
    """Annotate ``inputs`` with the rule pack and import them into ``project``.

    ``pack`` may be a pack already compiled with ``load_pack`` (it wins over
    ``pack_path``), so a caller pushing several times compiles once.
    ``progress`` is called after every article and every batch with the running
    totals. ``store`` keeps what is sent (default: :class:`PredictionStore` in the
    working folder); ``config_policy`` is ``update``, ``keep`` or ``replace`` (see
    :func:`ensure_project`). Raises :class:`LabelStudioError` when the server fails mid-way; the message
    says how far the push got, and running it again resumes.
    """
    from annotate.engine import annotate_text  # the engine is heavy; import only when pushing
    from annotate.pack import load_pack
    from annotate.readers import iter_articles

    pack = pack if pack is not None else load_pack(pack_path)
    version = model_version(pack)
    config = labeling_config()
    store = store if store is not None else PredictionStore()
    store.ensure_writable()

    studio.check()

    def cache(pid: int) -> ProjectCache:
        return ProjectCache(store, studio.base_url, pid)
    project_id, created, notes = ensure_project(studio, project, config, config_policy=config_policy, cache=cache)
    result = PushResult(project_id=project_id, project_created=created, model_version=version, notes=notes)
    memo = cache(project_id)
    project_config = str(studio.project(project_id).get("label_config") or config) if notes else config
    interface = LabelInterface(project_config)

    existing = _known_tasks(studio, project_id, memo) if not created else {}
    memo.tasks = dict(existing)
    memo.save()
    since_id = max(existing.values(), default=0)
    has_version: set[int] = set()
    if update and existing:
        if studio.model_versions(project_id).get(version, 0) >= len(existing):
            has_version = set(existing.values())  # every task has it: no need to list predictions
        else:
            has_version = {int(p["task"]) for p in studio.predictions(project_id)
                           if p.get("model_version") == version}

    pending = _Pending()

    def flush() -> None:
        try:
            if pending.new_tasks:
                ids = studio.import_tasks(project_id, [d.as_import() for d in pending.new_tasks])
                for draft, task_id in zip(pending.new_tasks, ids):
                    existing[draft.doc_id] = task_id
                    memo.tasks[draft.doc_id] = task_id
                store.add((d.doc_id, d.data["text"], d.prediction) for d in pending.new_tasks)
                memo.save()
                result.tasks_created += len(pending.new_tasks)
                pending.new_tasks.clear()
            if pending.new_predictions:
                studio.import_predictions(project_id, [p for _, p in pending.new_predictions])
                store.add((d.doc_id, d.data["text"], d.prediction) for d, _ in pending.new_predictions)
                result.predictions_added += len(pending.new_predictions)
                pending.new_predictions.clear()
        except LabelStudioError as exc:
            raise LabelStudioError(
                f"{exc}\npush stopped after {result.tasks_created} new task(s) and "
                f"{result.predictions_added} new prediction(s); nothing imported is lost. "
                "Run the same command again to resume: tasks already in the project are skipped."
            ) from None
        if progress:
            progress(result)

    queued: set[str] = set()
    for item in iter_articles(inputs, id_field=id_field, text_field=text_field):
        if isinstance(item, ReadError):
            result.read_errors.append(item)
            continue
        result.articles += 1
        task_id = existing.get(item.doc_id)
        if item.doc_id in queued or (task_id is not None and (not update or task_id in has_version)):
            result.tasks_skipped += 1
        else:
            try:
                doc = annotate_text(item.text, pack, item.doc_id)
            except AnnotateError as exc:
                result.read_errors.append(ReadError(file=item.file, line=item.line, doc_id=item.doc_id,
                                                    stage="annotate", reason=str(exc)))
                continue
            draft = draft_task(doc, item.text, item.meta, version, interface)
            if draft.problems:
                result.invalid.append((item.doc_id, draft.problems))
            elif task_id is None:
                pending.new_tasks.append(draft)
                queued.add(item.doc_id)
            else:
                pending.new_predictions.append((draft, {"task": task_id, **draft.prediction}))
                queued.add(item.doc_id)
        if len(pending.new_tasks) + len(pending.new_predictions) >= batch_size:
            flush()
        elif progress:
            progress(result)
    flush()
    if result.tasks_created:
        _drop_duplicates(studio, project_id, since_id, existing, result)
        memo.tasks = dict(existing)
        memo.save()
    _settle_versions(studio, result, total_tasks=len(existing), delete_old=delete_old, store=store)
    return result


def _drop_duplicates(studio: Studio, project_id: int, since_id: int, existing: dict[str, int],
                     result: PushResult) -> None:
    """Another push into the same project at the same time imports the same articles:
    keep the oldest task of each doc_id and delete the newer copies, which nobody has
    reviewed yet. Only tasks created since this push began are looked at."""
    by_doc: dict[str, list[dict[str, Any]]] = {}
    for task in studio.tasks(project_id, after_id=since_id):
        by_doc.setdefault(str(task["data"].get("doc_id")), []).append(task)
    for doc_id, copies in by_doc.items():
        copies.sort(key=lambda t: int(t["id"]))
        existing[doc_id] = int(copies[0]["id"])
        for extra in copies[1:]:
            if not extra.get("total_annotations") and not extra.get("drafts"):
                if studio.delete_task(int(extra["id"])):
                    result.duplicates_removed += 1


def _settle_versions(studio: Studio, result: PushResult, *, total_tasks: int, delete_old: bool,
                     store: PredictionStore) -> None:
    """Show reviewers the new version once every task has it; optionally drop the old ones.

    Label Studio pre-fills the editor with the prediction of the *project's*
    ``model_version``, and import sets it only on an empty project. Switching while
    some tasks lack the new version would leave those tasks blank, so we switch only
    when every task has it, and say what to do otherwise.
    """
    versions = studio.model_versions(result.project_id)
    current = str(studio.project(result.project_id).get("model_version") or "")
    covered = versions.get(result.model_version, 0)
    if covered and covered >= total_tasks:
        if current != result.model_version:
            studio.set_model_version(result.project_id, result.model_version)
            result.switched_version = True
        old_versions = [v for v in versions if v != result.model_version]
        if delete_old and old_versions:
            _archive(studio, result.project_id, old_versions, store)  # reviews made from them stay measurable
            for old in old_versions:
                result.predictions_deleted += studio.delete_model_version(result.project_id, old)
    elif covered:
        result.notes.append(
            f"{total_tasks - covered} task(s) have only older predictions, so the project still shows "
            f"{current or 'its first version'}; push again with --update to add {result.model_version} to them"
        )
        if delete_old:
            result.notes.append("--delete-old was ignored: it would leave tasks without any prediction")
