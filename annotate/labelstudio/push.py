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
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from label_studio_sdk.label_interface.interface import LabelInterface

from annotate.errors import AnnotateError, LabelStudioError
from annotate.labelstudio.client import Studio
from annotate.labelstudio.config import labeling_config
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
    invalid: list[tuple[str, list[str]]] = field(default_factory=list)
    read_errors: list[ReadError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class _Pending:
    """Work queued for the next batch; flushed when it reaches the batch size."""

    new_tasks: list[TaskDraft] = field(default_factory=list)
    new_predictions: list[dict[str, Any]] = field(default_factory=list)


def ensure_project(studio: Studio, name_or_id: str, label_config: str) -> tuple[int, bool]:
    """The project's id, creating it (titled ``name_or_id``) when it does not exist.

    An existing project whose config differs is brought up to date, so reviewers always
    get the interface this version of the toolkit reads back.
    """
    project_id = studio.find_project(name_or_id)
    if project_id is None:
        if name_or_id.isdigit():
            raise LabelStudioError(f"no project with id {name_or_id}; give a title to create a new project")
        return studio.create_project(name_or_id, label_config, "Attribution review (annotate)"), True
    if studio.project(project_id).get("label_config", "").strip() != label_config.strip():
        studio.set_label_config(project_id, label_config)
    return project_id, False


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
) -> PushResult:
    """Annotate ``inputs`` with the rule pack and import them into ``project``.

    ``pack`` may be a pack already compiled with ``load_pack`` (it wins over
    ``pack_path``), so a caller pushing several times compiles once.
    ``progress`` is called after every article and every batch with the running
    totals. Raises :class:`LabelStudioError` when the server fails mid-way; the message
    says how far the push got, and running it again resumes.
    """
    from annotate.engine import annotate_text  # the engine is heavy; import only when pushing
    from annotate.pack import load_pack
    from annotate.readers import iter_articles

    pack = pack if pack is not None else load_pack(pack_path)
    version = model_version(pack)
    config = labeling_config()
    interface = LabelInterface(config)

    studio.check()
    project_id, created = ensure_project(studio, project, config)
    result = PushResult(project_id=project_id, project_created=created, model_version=version)

    existing = {str(t["data"].get("doc_id")): int(t["id"]) for t in studio.tasks(project_id)}
    has_version: set[int] = set()
    if update and existing:
        has_version = {int(p["task"]) for p in studio.predictions(project_id) if p.get("model_version") == version}

    pending = _Pending()

    def flush() -> None:
        try:
            if pending.new_tasks:
                ids = studio.import_tasks(project_id, [d.as_import() for d in pending.new_tasks])
                for draft, task_id in zip(pending.new_tasks, ids):
                    existing[draft.doc_id] = task_id
                result.tasks_created += len(pending.new_tasks)
                pending.new_tasks.clear()
            if pending.new_predictions:
                studio.import_predictions(project_id, pending.new_predictions)
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
                pending.new_predictions.append({"task": task_id, **draft.prediction})
                queued.add(item.doc_id)
        if len(pending.new_tasks) + len(pending.new_predictions) >= batch_size:
            flush()
        elif progress:
            progress(result)
    flush()
    _settle_versions(studio, result, total_tasks=len(existing), delete_old=delete_old)
    return result


def _settle_versions(studio: Studio, result: PushResult, *, total_tasks: int, delete_old: bool) -> None:
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
        if delete_old:
            for old in versions:
                if old != result.model_version:
                    result.predictions_deleted += studio.delete_model_version(result.project_id, old)
    elif covered:
        result.notes.append(
            f"{total_tasks - covered} task(s) have only older predictions, so the project still shows "
            f"{current or 'its first version'}; push again with --update to add {result.model_version} to them"
        )
        if delete_old:
            result.notes.append("--delete-old was ignored: it would leave tasks without any prediction")
