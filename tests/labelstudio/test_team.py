"""A team running the review loop for weeks, against a real Label Studio: the rules change
under a draft, two people push at once, a lead customises the interface, the project grows.
"""

from __future__ import annotations

import copy
import json
import threading
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from annotate.labelstudio import config as cfg
from annotate.labelstudio.client import Studio
from annotate.labelstudio.pull import pull
from annotate.labelstudio.push import push
from annotate.labelstudio.regions import version_tag
from annotate.labelstudio.report import build_report
from annotate.labelstudio.store import PredictionStore

from .conftest import REPO, LiveServer
from .test_roundtrip import _bumped_pack

pytestmark = pytest.mark.labelstudio

SAMPLE = REPO / "samples" / "articles.jsonl"


def _seed_only(tmp_path: Path) -> Path:
    path = tmp_path / "seed.jsonl"
    path.write_text(SAMPLE.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    return path


def _corrected(result: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], str]:
    """A reviewer's one correction: the first anonymous source's kind (label kept consistent)."""
    review = copy.deepcopy(result)
    source = next(i for i in review if i.get("type") == "labels" and i["value"]["labels"] == [cfg.SOURCE_ANONYMOUS])
    kind = next(i for i in review if i.get("id") == source["id"] and i.get("from_name") == cfg.KIND)
    kind["value"]["choices"] = ["witness" if kind["value"]["choices"] != ["witness"] else "hearsay"]
    return review, source["value"]["text"]


def test_a_draft_submitted_after_the_rules_changed_is_scored_against_its_own_version(
        ls_server: LiveServer, pack: Any, tmp_path: Path, prediction_store: Path) -> None:
    from annotate.pack import load_pack

    studio = ls_server.studio()
    seed = _seed_only(tmp_path)
    first = push(studio, [seed], "versions", pack=pack)
    (task,) = studio.tasks(first.project_id, fields="all")
    (v1,) = task["predictions"]
    draft_result, corrected = _corrected(v1["result"])
    http = studio.client._client_wrapper.httpx_client
    draft = http.request(f"api/tasks/{task['id']}/drafts", method="POST",
                         json={"result": draft_result, "lead_time": 20})
    assert draft.status_code == 201, draft.text

    new_pack = load_pack(_bumped_pack(tmp_path))
    update = push(studio, [seed], "versions", pack=new_pack, update=True)
    assert update.switched_version and update.predictions_added == 1
    # the reviewer comes back: the editor now shows v2, but submits the v1 draft; the link is lost
    submitted = http.request(f"api/tasks/{task['id']}/annotations", method="POST",
                             json={"result": draft_result, "draft_id": draft.json()["id"], "lead_time": 30})
    assert submitted.status_code == 201, submitted.text
    assert submitted.json().get("parent_prediction") is None

    def pulled(name: str) -> tuple[pl.DataFrame, Any]:
        out = tmp_path / name
        result = pull(studio, "versions", out)
        assert result.errors == 0, pl.read_parquet(result.errors_path).to_dicts()
        rows = pl.read_parquet(result.reviewed_path)
        return rows, build_report(rows, pl.read_parquet(result.regions_path))

    rows, report = pulled("before-delete")
    assert set(rows["model_version"]) == {pack.model_version} and set(rows["reference"]) == {"region_ids"}
    changed = rows.filter(pl.col("review") == "changed")
    assert changed["source_text"].to_list() == [corrected] and changed["changes"].to_list() == ["kind"]
    assert set(rows["review"]) == {"kept", "changed"}
    assert set(report.rules["model_version"]) == {pack.model_version}
    assert report.rules.filter(pl.col("changed") > 0).height == 1  # only the rule the reviewer corrected

    deleted = push(studio, [seed], "versions", pack=new_pack, update=True, delete_old=True)
    assert deleted.predictions_deleted == 1
    assert studio.model_versions(first.project_id) == {new_pack.model_version: 1}
    rows_after, report_after = pulled("after-delete")
    assert set(rows_after["reference"]) == {"store"}  # rebuilt from the local copy
    assert rows_after.drop("reference").equals(rows.drop("reference"))
    assert report_after.rules.equals(report.rules)
    stored = PredictionStore(prediction_store).versions_by_tag()
    assert stored[version_tag(pack.model_version)] == pack.model_version


class _Racing(Studio):
    """Both pushers look for the project before either creates it: the race, made certain."""

    barrier = threading.Barrier(2, timeout=60)

    def find_project(self, name_or_id: str) -> int | None:
        found = super().find_project(name_or_id)
        if found is None:
            self.barrier.wait()
        return found


@pytest.mark.parametrize("race", range(4))  # Label Studio leaves a stray project in about one race in five
def test_two_pushes_to_a_new_title_at_once_make_one_project(ls_server: LiveServer, pack: Any, race: int) -> None:
    title = f"race-{race}"
    results: list[Any] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(push(_Racing(ls_server.studio().client), [SAMPLE], title, pack=pack))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    studio = ls_server.studio()
    (project_id,) = studio.project_ids(title)  # no second project, not even an empty one
    assert {r.project_id for r in results} == {project_id}
    tasks = studio.tasks(project_id, fields="all")
    n = len(SAMPLE.read_text(encoding="utf-8").splitlines())
    assert len(tasks) == n and all(len(t["predictions"]) == 1 for t in tasks)
    assert sorted(t["data"]["doc_id"] for t in tasks) == sorted(
        json.loads(line)["id"] for line in SAMPLE.read_text(encoding="utf-8").splitlines())


def test_a_customised_labeling_config_is_kept_unless_replacing_is_asked(ls_server: LiveServer, pack: Any,
                                                                         tmp_path: Path) -> None:
    studio = ls_server.studio()
    seed = _seed_only(tmp_path)
    project_id = push(studio, [seed], "custom-config", pack=pack).project_id
    customised = cfg.labeling_config().replace("<Header value=\"Task verdict",
                                               "<Header value=\"Lead: check the dates\"/>\n  <Header value=\"Task verdict")
    studio.set_label_config(project_id, customised)
    kept = push(studio, [seed], "custom-config", pack=pack)
    assert studio.project(project_id)["label_config"].strip() == customised.strip()
    assert any("--replace-config" in note for note in kept.notes)
    replaced = push(studio, [seed], "custom-config", pack=pack, config_policy="replace")
    assert studio.project(project_id)["label_config"].strip() == cfg.labeling_config().strip()
    assert any("replaced" in note for note in replaced.notes)
    # a config this toolkit wrote is simply brought up to date (what an upgrade of annotate does)
    older = cfg.labeling_config().replace("attribution review", "attribution review (old)")
    studio.set_label_config(project_id, older)
    from annotate.labelstudio.store import ProjectCache, config_sha1
    memo = ProjectCache(PredictionStore(), studio.base_url, project_id)
    memo.config_sha1 = config_sha1(older)
    memo.save()
    updated = push(studio, [seed], "custom-config", pack=pack)
    assert studio.project(project_id)["label_config"].strip() == cfg.labeling_config().strip()
    assert any("brought up to date" in note for note in updated.notes)


class _Counting(Studio):
    """Records what each listing asked the server for."""

    def __init__(self, client: Any):
        super().__init__(client)
        self.listings: list[dict[str, Any]] = []

    def tasks(self, project_id: int, **kwargs: Any) -> list[dict[str, Any]]:
        got = super().tasks(project_id, **kwargs)
        self.listings.append(dict(kwargs, returned=len(got)))
        return got

    def predictions(self, project_id: int) -> list[dict[str, Any]]:
        self.listings.append({"predictions": True})
        return super().predictions(project_id)


def test_a_repush_and_a_pull_with_nothing_to_do_ask_only_for_what_changed(ls_server: LiveServer, pack: Any,
                                                                           tmp_path: Path) -> None:
    push(ls_server.studio(), [SAMPLE], "costs", pack=pack)
    studio = _Counting(ls_server.studio().client)
    again = push(studio, [SAMPLE], "costs", pack=pack, update=True)
    assert again.tasks_created == again.predictions_added == 0
    assert studio.listings == [{"after_id": max(t["id"] for t in ls_server.studio().tasks(again.project_id)),
                                "expected": 0, "returned": 0}]
    studio.listings.clear()
    result = pull(studio, "costs", tmp_path)
    assert result.tasks == 0
    assert [(call.get("only_annotated"), call["returned"]) for call in studio.listings] == [(True, 0)]
    # a task deleted in the UI: the count no longer matches, so the next push lists everything again
    victim = ls_server.studio().tasks(again.project_id)[0]
    ls_server.studio().client.tasks.delete(id=str(victim["id"]))
    studio.listings.clear()
    back = push(studio, [SAMPLE], "costs", pack=pack)
    assert back.tasks_created == 1 and "after_id" not in studio.listings[0]
    assert studio.listings[1:] == [{"after_id": max(t["id"] for t in ls_server.studio().tasks(back.project_id)
                                                    if t["data"]["doc_id"] != victim["data"]["doc_id"]),
                                    "returned": 1}]  # the duplicate check looks at new tasks only
    assert json.dumps(back.notes) == "[]"
