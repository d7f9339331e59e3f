"""The whole round trip against a real Label Studio: push, re-push, update, resume,
a reviewer's annotation, pull and the rules report.

The tests of this module run in order on one project (``samples/articles.jsonl``).
"""

from __future__ import annotations

import copy
import json
import logging
import shutil
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from click.testing import CliRunner
from label_studio_sdk.label_interface import LabelInterface

from annotate.cli import main
from annotate.errors import LabelStudioError
from annotate.labelstudio import config as cfg
from annotate.labelstudio.client import Studio, connect
from annotate.labelstudio.pull import pull
from annotate.labelstudio.push import PushResult, push
from annotate.labelstudio.report import build_report

from .conftest import REPO, LiveServer

pytestmark = pytest.mark.labelstudio

SAMPLE = REPO / "samples" / "articles.jsonl"
PROJECT = "review-sample"


def _sample_ids() -> list[str]:
    return [json.loads(line)["id"] for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()]


def _tasks(studio: Studio, project_id: int) -> list[dict[str, Any]]:
    return studio.tasks(project_id, fields="all")


def test_push_creates_project_with_config_and_one_task_per_article(ls_server: LiveServer, pack: Any) -> None:
    studio = ls_server.studio()
    result = push(studio, [SAMPLE], PROJECT, pack=pack, batch_size=4)
    assert result.project_created and result.tasks_created == len(_sample_ids()) and not result.invalid
    project = studio.project(result.project_id)
    assert project["label_config"].strip() == cfg.labeling_config().strip()
    assert project["model_version"] == pack.model_version == result.model_version
    tasks = _tasks(studio, result.project_id)
    assert sorted(t["data"]["doc_id"] for t in tasks) == sorted(_sample_ids())
    seed = next(t for t in tasks if t["data"]["doc_id"] == "seed")
    assert "title" in seed["data"] and "outlet" in seed["data"]  # carried metadata
    interface = LabelInterface(project["label_config"])
    for task in tasks:
        (prediction,) = task["predictions"]
        assert prediction["model_version"] == pack.model_version
        assert interface.validate_prediction(prediction, return_errors=True) == []
        text = task["data"]["text"]
        for item in prediction["result"]:
            if item.get("type") == "labels":
                assert text[item["value"]["start"]:item["value"]["end"]] == item["value"]["text"]
    assert any(i["value"]["labels"] == [cfg.CUE] for i in seed["predictions"][0]["result"] if i.get("type") == "labels")


def test_pushing_again_adds_nothing(ls_server: LiveServer, pack: Any) -> None:
    studio = ls_server.studio()
    result = push(studio, [SAMPLE], PROJECT, pack=pack)
    assert (result.project_created, result.tasks_created, result.predictions_added) == (False, 0, 0)
    assert result.tasks_skipped == len(_sample_ids())
    assert len(studio.tasks(result.project_id)) == len(_sample_ids())
    assert len(studio.predictions(result.project_id)) == len(_sample_ids())


def _bumped_pack(tmp_path: Path) -> Path:
    """The default rules with a new version number: a new rule version to push."""
    rules = tmp_path / "rules"
    shutil.copytree(REPO / "rules", rules)
    pack_yaml = rules / "pack.yaml"
    text = pack_yaml.read_text(encoding="utf-8")
    assert "version: 0.1.0" in text or "version:" in text
    pack_yaml.write_text(text.replace("version: ", "version: 9.", 1), encoding="utf-8")
    return rules


def test_update_adds_the_new_rule_version_and_switches_the_project(ls_server: LiveServer, pack: Any,
                                                                   tmp_path: Path) -> None:
    from annotate.pack import load_pack

    studio = ls_server.studio()
    new_pack = load_pack(_bumped_pack(tmp_path))
    assert new_pack.model_version != pack.model_version
    without = push(studio, [SAMPLE], PROJECT, pack=new_pack)  # no --update: existing tasks left alone
    assert without.predictions_added == 0 and not without.switched_version
    result = push(studio, [SAMPLE], PROJECT, pack=new_pack, update=True, delete_old=True)
    n = len(_sample_ids())
    assert (result.tasks_created, result.predictions_added, result.predictions_deleted) == (0, n, n)
    assert result.switched_version
    assert studio.project(result.project_id)["model_version"] == new_pack.model_version
    assert studio.model_versions(result.project_id) == {new_pack.model_version: n}
    again = push(studio, [SAMPLE], PROJECT, pack=new_pack, update=True)
    assert again.predictions_added == 0  # idempotent with --update too
    # back to the default pack for the rest of the module
    back = push(studio, [SAMPLE], PROJECT, pack=pack, update=True, delete_old=True)
    assert back.predictions_added == n and studio.model_versions(back.project_id) == {pack.model_version: n}


def test_push_resumes_after_the_server_stopped_mid_push(ls_server: LiveServer, pack: Any) -> None:
    studio = ls_server.studio()
    stopped: list[int] = []

    def stop_after_two(progress: PushResult) -> None:
        if progress.tasks_created >= 2 and not stopped:
            stopped.append(progress.tasks_created)
            ls_server.server.stop()

    try:
        with pytest.raises(LabelStudioError) as info:
            push(studio, [SAMPLE], "resume", pack=pack, batch_size=1, progress=stop_after_two)
    finally:
        if ls_server.server.process is None:
            ls_server.server.start()
    message = str(info.value)
    assert "cannot reach the server" in message and "Run the same command again to resume" in message
    assert ls_server.token not in message
    studio = ls_server.studio()
    project_id = studio.require_project("resume")
    assert len(studio.tasks(project_id)) == stopped[0] == 2
    result = push(studio, [SAMPLE], "resume", pack=pack, batch_size=1)
    assert (result.tasks_skipped, result.tasks_created) == (2, len(_sample_ids()) - 2)
    tasks = _tasks(studio, project_id)
    assert sorted(t["data"]["doc_id"] for t in tasks) == sorted(_sample_ids())  # nothing lost, nothing doubled
    assert all(len(t["predictions"]) == 1 for t in tasks)


def _uncovered(text: str, result: list[dict[str, Any]], phrase: str) -> tuple[int, int]:
    start = text.index(phrase)
    end = start + len(phrase)
    for item in result:
        if item.get("type") == "labels":
            assert item["value"]["end"] <= start or item["value"]["start"] >= end, f"{phrase!r} is predicted"
    return start, end


def _review_of(prediction: dict[str, Any], text: str) -> tuple[list[dict[str, Any]], str, str]:
    """What a reviewer submits: one source's type flipped, one missed attribution added."""
    result = copy.deepcopy(prediction["result"])
    named = next(i for i in result if i.get("type") == "labels" and i["value"]["labels"] == [cfg.SOURCE_NAMED])
    named["value"]["labels"] = [cfg.SOURCE_ANONYMOUS]
    for item in result:  # its kind follows: an anonymous source's kind
        if item.get("id") == named["id"] and item.get("from_name") == cfg.KIND:
            item["value"]["choices"] = ["unnamed_source"]
    cue = _uncovered(text, result, "وصل")
    source = _uncovered(text, result, "وفد قيادي من حركة حماس")
    claim_start = text.index("لبحث")
    claim = _uncovered(text, result, text[claim_start:text.index("،", claim_start)])

    def span(rid: str, se: tuple[int, int], label: str) -> dict[str, Any]:
        return {"id": rid, "from_name": cfg.SPAN, "to_name": cfg.TEXT, "type": "labels", "origin": "manual",
                "value": {"start": se[0], "end": se[1], "text": text[se[0]:se[1]], "labels": [label]}}
    result += [
        span("rvw_cue", cue, cfg.CUE), span("rvw_src", source, cfg.SOURCE_NAMED), span("rvw_claim", claim, cfg.CLAIM),
        {"id": "rvw_src", "from_name": cfg.KIND, "to_name": cfg.TEXT, "type": "choices",
         "value": {"start": source[0], "end": source[1], "text": text[source[0]:source[1]],
                   "choices": ["organization"]}},
        {"from_id": "rvw_cue", "to_id": "rvw_claim", "type": "relation", "direction": "right",
         "labels": [cfg.CUE_OF]},
        {"from_id": "rvw_src", "to_id": "rvw_claim", "type": "relation", "direction": "right",
         "labels": [cfg.ATTRIBUTED_TO]},
        {"id": "verdict", "from_name": cfg.VERDICT, "to_name": cfg.TEXT, "type": "choices",
         "value": {"choices": ["missed_attribution"]}},
    ]
    return result, named["id"], named["value"]["text"]


@pytest.fixture(scope="module")
def reviewed(ls_server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A reviewer (a second user) reviews the seed article through the API; then pull."""
    studio = ls_server.studio()
    project_id = studio.require_project(PROJECT)
    seed = next(t for t in _tasks(studio, project_id) if t["data"]["doc_id"] == "seed")
    (prediction,) = seed["predictions"]
    result, flipped_id, flipped_text = _review_of(prediction, seed["data"]["text"])
    client = studio.client
    user = client.users.create(username="reviewer1", email="reviewer1@example.com", password="secret12345")
    annotation = client.annotations.create(id=seed["id"], result=result, lead_time=42.0,
                                           parent_prediction=prediction["id"], completed_by=user.id)
    out = tmp_path_factory.mktemp("pulled")
    pulled = pull(studio, PROJECT, out)
    return {"pulled": pulled, "out": out, "annotation": annotation, "prediction": prediction,
            "flipped_id": flipped_id, "flipped_text": flipped_text, "task": seed}


def test_pull_writes_the_review_with_kept_changed_added(reviewed: dict[str, Any]) -> None:
    pulled = reviewed["pulled"]
    assert (pulled.tasks, pulled.annotations) == (1, 1)
    frame = pl.read_parquet(pulled.reviewed_path)
    assert set(frame["reviewer"]) == {"reviewer1@example.com"} and set(frame["lead_time"]) == {42.0}
    assert set(frame["task_id"]) == {reviewed["task"]["id"]} and set(frame["annotation_id"]) == {reviewed["annotation"].id}
    assert set(frame["task_verdict"]) == {"missed_attribution"}
    assert set(frame["doc_id"]) == {"seed"} and "title" in frame.columns
    flipped = frame.filter(pl.col("source_review") == "changed")
    assert flipped.height == 1
    row = flipped.row(0, named=True)
    assert (row["source_text"], row["source_type"], row["source_kind"], row["predicted_source_type"]) == (
        reviewed["flipped_text"], "anonymous", "unnamed_source", "named")
    assert row["rule_id"] and row["review"] == "changed"
    added = frame.filter(pl.col("review") == "added")
    assert added.select("cue_text", "source_text", "source_type", "source_kind", "rule_id").rows() == [
        ("وصل", "وفد قيادي من حركة حماس", "named", "organization", None)]
    # every other attribution either kept, or changed only because it points back to the flipped source
    others = frame.filter((pl.col("review") == "changed") & (pl.col("source_review") != "changed")
                          | pl.col("source_review").is_null() & (pl.col("review") == "changed"))
    assert all(r["implicit"] and r["source_type"] == "anonymous" for r in others.iter_rows(named=True))
    n_predicted = len({i["id"] for i in reviewed["prediction"]["result"]
                       if i.get("type") == "labels" and i["value"]["labels"] == [cfg.CUE]})
    assert frame.filter(pl.col("review") != "added").height == n_predicted
    assert frame.filter(pl.col("review") == "kept").height == n_predicted - 1 - others.height
    for r in frame.iter_rows(named=True):  # offsets still point into the text
        text = reviewed["task"]["data"]["text"]
        assert text[r["cue_start"]:r["cue_end"]] == r["cue_text"]


def test_report_reflects_exactly_that_change(reviewed: dict[str, Any]) -> None:
    frame = pl.read_parquet(reviewed["pulled"].reviewed_path)
    regions = pl.read_parquet(reviewed["pulled"].regions_path)
    report = build_report(frame, regions, reviewed["out"])
    assert (reviewed["out"] / "rules_report.parquet").exists()
    changed = frame.filter(pl.col("review") == "changed")
    # a change is charged to the rule that typed the source when the records name it, else to the cue rule
    expected_changed = dict(changed.group_by("charged_to").len().iter_rows())
    rules = {(r["rule_id"], r["role"]): r for r in report.rules.iter_rows(named=True)}
    fired = {(r, "cue") for r in frame.filter(pl.col("rule_id").is_not_null())["rule_id"]}
    fired |= {(r, "source_kind") for r in frame.filter(pl.col("review") != "removed")["source_kind_rule"].drop_nulls()}
    assert {key for key, row in rules.items() if row["fired"]} == fired
    assert all(row["lost"] > 0 for row in rules.values() if not row["fired"])  # rules that only lost arbitration
    for (rule_id, _), row in rules.items():
        if not row["fired"]:
            continue
        n = expected_changed.get(rule_id, 0)
        assert (row["changed"], row["removed"]) == (n, 0)
        assert row["precision"] == (row["fired"] - n) / row["fired"]
    assert set(report.rules["model_version"]) == set(frame["model_version"])
    assert sum(r["type_changed"] for (_, role), r in rules.items() if role == "cue") == changed.filter(
        pl.col("changes").str.contains("type")).height
    assert report.missed.select("cue_text", "added").rows() == [("وصل", 1)]
    labels = {r["label"]: r for r in report.labels.iter_rows(named=True)}
    named = labels[cfg.SOURCE_NAMED]
    assert named["true_positives"] == named["predicted"] - 1 and named["reviewed"] == named["predicted"]
    anonymous = labels[cfg.SOURCE_ANONYMOUS]
    assert anonymous["reviewed"] == anonymous["predicted"] + 1 and anonymous["precision"] == 1.0
    assert labels[cfg.CUE]["precision"] == 1.0 and labels[cfg.CUE]["reviewed"] == labels[cfg.CUE]["predicted"] + 1


def test_cli_report_prints_the_tables_and_hides_the_key(ls_server: LiveServer, reviewed: dict[str, Any],
                                                       tmp_path: Path) -> None:
    env = {"LABEL_STUDIO_URL": ls_server.url, "LABEL_STUDIO_API_KEY": ls_server.token}
    result = CliRunner().invoke(main, ["ls", "report", "--project", PROJECT, "--out", str(tmp_path)], env=env)
    assert result.exit_code == 0, result.output
    assert "Rules (worst precision first" in result.output and "وصل" in result.output
    assert ls_server.token not in result.output
    assert pl.read_parquet(tmp_path / "rules_report.parquet").height > 0


def test_cli_push_and_pull(ls_server: LiveServer, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # httpx/httpcore/SDK debug logs included
    seed_only = tmp_path / "seed.jsonl"
    seed_only.write_text(SAMPLE.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    args = ["--url", ls_server.url, "--api-key", ls_server.token]
    result = CliRunner().invoke(main, ["ls", "push", str(seed_only), "--project", "cli", *args])
    assert result.exit_code == 0, result.output
    assert "1 new tasks" in result.output and ls_server.token not in result.output
    assert len(ls_server.studio().tasks(ls_server.studio().require_project("cli"))) == 1
    result = CliRunner().invoke(main, ["ls", "pull", "--project", "cli", "--out", str(tmp_path), *args])
    assert result.exit_code == 0, result.output
    assert pl.read_parquet(tmp_path / "reviewed.parquet").height == 0  # nobody reviewed it yet
    assert "127.0.0.1" in caplog.text and ls_server.token not in caplog.text


def test_an_invalid_prediction_is_reported_and_not_sent(ls_server: LiveServer, pack: Any,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import annotate.engine

    real = annotate.engine.annotate_text

    def off_by_one(text: str, pack: Any, doc_id: str = "doc") -> Any:
        doc = real(text, pack, doc_id)
        if doc_id == "seed" and doc.attributions:
            first = doc.attributions[0]
            doc.attributions[0] = first.model_copy(update={"cue_end": len(text) + 3})
        return doc

    monkeypatch.setattr(annotate.engine, "annotate_text", off_by_one)
    studio = ls_server.studio()
    result = push(studio, [SAMPLE], "invalid", pack=pack)
    assert [doc_id for doc_id, _ in result.invalid] == ["seed"]
    assert "outside text" in result.invalid[0][1][0]
    docs = {t["data"]["doc_id"] for t in studio.tasks(result.project_id)}
    assert docs == set(_sample_ids()) - {"seed"}


def test_a_wrong_key_is_refused_without_showing_it(ls_server: LiveServer) -> None:
    wrong = "0123456789abcdef0123456789abcdef01234567"
    result = CliRunner().invoke(main, ["ls", "pull", "--project", PROJECT, "--url", ls_server.url,
                                       "--api-key", wrong])
    assert result.exit_code == 1
    assert "Error: Label Studio: logging in failed: HTTP 401" in result.output
    assert "check --api-key / LABEL_STUDIO_API_KEY" in result.output
    assert wrong not in result.output


def test_missing_url_is_a_helpful_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LABEL_STUDIO_URL", raising=False)
    result = CliRunner().invoke(main, ["ls", "pull", "--project", "x", "--api-key", "k"])
    assert result.exit_code == 1 and "LABEL_STUDIO_URL" in result.output


def test_a_personal_access_token_works_too(ls_server: LiveServer) -> None:
    legacy = ls_server.studio()
    response = legacy.client._client_wrapper.httpx_client.request("api/token/", method="POST")
    assert response.status_code == 201, response.text
    pat = response.json()["token"]
    studio = Studio(connect(ls_server.url, pat))
    assert studio.check() == ls_server.server.credentials.email
    assert studio.find_project(PROJECT) is not None
