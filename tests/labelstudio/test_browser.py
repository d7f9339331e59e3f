"""The pre-annotated seed article as a reviewer sees it, in headless Debian Chromium.

Driven by Playwright with ``executable_path`` pointing at ``/usr/bin/chromium``: no
browser is ever downloaded. Checks that the highlighted regions are exactly the
predicted spans and that the text runs right to left; saves a screenshot in
``test-output/``.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from annotate.labelstudio import config as cfg
from annotate.labelstudio.pull import pull
from annotate.labelstudio.push import push

from .conftest import REPO, LiveServer

pytestmark = [pytest.mark.labelstudio, pytest.mark.browser]

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def seed_task(ls_server: LiveServer, pack: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    seed_line = (REPO / "samples" / "articles.jsonl").read_text(encoding="utf-8").splitlines()[0]
    assert json.loads(seed_line)["id"] == "seed"
    path = tmp_path_factory.mktemp("browser") / "seed.jsonl"
    path.write_text(seed_line + "\n", encoding="utf-8")
    studio = ls_server.studio()
    result = push(studio, [path], "browser", pack=pack)
    (task,) = studio.tasks(result.project_id, fields="all")
    return dict(task, pack=pack)


def test_highlights_are_the_predicted_spans_right_to_left(ls_server: LiveServer, seed_task: dict[str, Any],
                                                         output_dir: Path, tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (apt-get install -y chromium fonts-noto-core)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
    (prediction,) = seed_task["predictions"]
    spans = {i["id"]: i["value"]["text"] for i in prediction["result"] if i.get("type") == "labels"}
    anonymous = next(i["id"] for i in prediction["result"]
                     if i.get("type") == "labels" and i["value"]["labels"] == [cfg.SOURCE_ANONYMOUS])
    kind = next(i["value"]["choices"][0] for i in prediction["result"]
                if i.get("id") == anonymous and i.get("from_name") == cfg.KIND)
    creds = ls_server.server.credentials
    project_id = seed_task["project"]
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{ls_server.url}/user/login/")
            page.fill("input[name=email]", creds.email)
            page.fill("input[name=password]", creds.password)
            page.click("button[type=submit], input[type=submit]")
            page.wait_for_load_state("networkidle")
            page.goto(f"{ls_server.url}/projects/{project_id}/data?task={seed_task['id']}")
            page.wait_for_selector(".htx-highlight", timeout=60_000)
            page.wait_for_timeout(1000)  # let every region render
            # each highlight carries its region id in a class: htx-highlight-<id>-<n>; a region
            # broken across lines is several elements, so join them per region
            pieces = page.evaluate("""() => [...document.querySelectorAll('.htx-highlight')].map(h => [
                [...h.classList].find(c => /^htx-highlight-.+-\\d+$/.test(c)) || '', h.textContent])""")
            direction = page.evaluate("""() => {
                const el = document.querySelector('.ar-text .lsf-richtext__line')
                        || document.querySelector('.ar-text');
                const s = getComputedStyle(el); return [s.direction, s.textAlign]; }""")
            legible = page.evaluate("""() => {
                const line = document.querySelector('.ar-text .lsf-richtext__line');
                const s = getComputedStyle(line);
                const arrows = [...document.querySelectorAll('[class*=relationItem]')];
                return [parseFloat(s.fontSize), parseFloat(s.lineHeight), arrows.length,
                        arrows.filter(a => getComputedStyle(a).visibility !== 'hidden').length,
                        [...document.querySelectorAll('[data-testid=textarea-region-view] textarea, '
                          + '[data-testid=textarea-region-view] input')].map(i => i.value)]; }""")
            page.screenshot(path=str(output_dir / "labelstudio-seed-default-zoom.png"))
            # select an anonymous source: its kind shows, pre-checked from the prediction; no grade
            page.locator(f"[class*='htx-highlight-{anonymous}-']").first.click()
            page.wait_for_timeout(800)
            checked = page.evaluate("""() => [...document.querySelectorAll('input:checked')]
                .map(i => (i.closest('label') || i).textContent || i.value)""")
            panel = page.evaluate("() => document.body.innerText")
            page.screenshot(path=str(output_dir / "labelstudio-seed-review.png"), full_page=True)
            # the reviewer accepts everything as predicted
            page.get_by_role("button", name="Submit").click()
            page.wait_for_timeout(2500)
        finally:
            browser.close()
    shown: dict[str, str] = {}
    for cls, text in pieces:
        rid = cls[len("htx-highlight-"):].rsplit("-", 1)[0]
        shown[rid] = shown.get(rid, "") + text
    assert set(shown) == set(spans), Counter(shown) - Counter(spans)
    for rid, text in spans.items():
        assert shown[rid] == text, (rid, shown[rid], text)
    assert direction == ["rtl", "right"]
    font, line_height, arrows, shown_arrows, region_list = legible
    assert font >= 20 and line_height >= 2.4 * font  # large, with room between lines
    assert arrows > 0 and shown_arrows == 0  # relations drawn, but none covers the text until pointed at
    # the region list (virtualised: only the rows on screen exist) shows each region's typing without a click
    assert len(region_list) >= 5 and all(line.startswith(("predicted: ", "rule ")) for line in region_list)
    # an anonymous source's line names its type and the rule that typed it: "… (anonymous; kind rule kind.x)"
    assert any(re.search(r"\(anonymous(; kind rule [\w.:-]+)?\)$", line) for line in region_list)
    assert any(line.startswith("predicted: grade ") for line in region_list)
    assert any(line.startswith("rule ") for line in region_list)
    assert any(c.startswith(kind) for c in checked), checked
    assert "Source kind" in panel and "Credibility grade" not in panel
    # submitted in the UI, the review keeps the prediction's region ids: pull calls every attribution kept
    pulled = pull(ls_server.studio(), "browser", tmp_path)
    reviewed = pl.read_parquet(pulled.reviewed_path)
    assert pulled.annotations == 1 and reviewed.height == len([r for r in spans if r.startswith("c")])
    assert set(reviewed["review"]) == {"kept"} and set(reviewed["reviewer"]) == {creds.email}
    assert (output_dir / "labelstudio-seed-review.png").stat().st_size > 10_000


# -- a reviewer's edits, made in the editor with the keyboard and the mouse ------------------

RANGE_JS = """([phrase, context]) => {
    const root = document.querySelector('.ar-text');
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const at = context === null ? node.textContent.indexOf(phrase) : node.textContent.indexOf(context);
        if (at >= 0 && node.textContent.substr(at, phrase.length) === phrase) {
            node.parentElement.scrollIntoView({block: "center"});
            const range = document.createRange();
            range.setStart(node, at); range.setEnd(node, at + phrase.length);
            const r = range.getBoundingClientRect();
            return [r.right - 1, r.top + r.height / 2, r.left + 1, r.top + r.height / 2];
        }
    }
    return null;
}"""


def _log_in(page: Any, server: LiveServer) -> None:
    creds = server.server.credentials
    page.goto(f"{server.url}/user/login/")
    page.fill("input[name=email]", creds.email)
    page.fill("input[name=password]", creds.password)
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_load_state("networkidle")


def _draw(page: Any, phrase: str, after: str | None = None) -> None:
    """Drag the mouse over ``phrase`` from its right edge to its left (Arabic reads right to left);
    with ``after``, over the ``phrase`` that starts the first text node holding ``after``."""
    box = page.evaluate(RANGE_JS, [phrase, after])
    assert box, f"{phrase!r} is not in the text"
    page.mouse.move(box[0], box[1])
    page.mouse.down()
    page.mouse.move(box[2], box[3], steps=8)
    page.mouse.up()
    page.wait_for_timeout(500)


def _select(page: Any, region_id: str) -> None:
    page.keyboard.press("u")  # unselect whatever was selected
    page.locator(f"[class*='htx-highlight-{region_id}-']").first.click()
    page.wait_for_timeout(400)


def drive_edits(page: Any, prediction: dict[str, Any]) -> dict[str, Any]:
    """The edits of a review, with hotkeys: grade on a claim with ``c`` (must not make it a
    CUE), a source's kind with its digit, a false cue deleted, a missed cue and source
    drawn without relations. Returns what was done, for the checks."""
    spans = {i["id"]: i for i in prediction["result"] if i.get("type") == "labels"}
    kinds = {i["id"]: i["value"]["choices"][0] for i in prediction["result"] if i.get("from_name") == cfg.KIND}
    grades = {i["id"]: i["value"]["choices"][0] for i in prediction["result"] if i.get("from_name") == cfg.GRADE}
    def number(region_id: str) -> str:
        return region_id.split("_")[0][1:]
    source = next(r for r, s in spans.items() if s["value"]["labels"] == [cfg.SOURCE_ANONYMOUS])
    claim = next(r for r, g in grades.items() if g != "C" and number(r) != number(source))
    new_kind = "witness" if kinds[source] != "witness" else "hearsay"
    taken = {number(claim), number(source)}
    cue = next(r for r, s in spans.items() if s["value"]["labels"] == [cfg.CUE] and number(r) not in taken)
    taken.add(number(cue))
    pointed_at = {i["to_id"] for i in prediction["result"] if i.get("type") == "relation"
                  and i.get("labels") == [cfg.ANTECEDENT]}
    redrawn = next(r for r, s in spans.items() if s["value"]["labels"] == [cfg.SOURCE_ANONYMOUS]
                   and number(r) not in taken and r not in pointed_at and " " in s["value"]["text"])
    shorter = spans[redrawn]["value"]["text"].split(" ")[0]
    _select(page, claim)
    page.keyboard.press("c")  # grade C: the key that used to relabel the claim as a CUE
    _select(page, source)
    page.keyboard.press(cfg.KIND_HOTKEYS[new_kind])
    _select(page, cue)
    page.keyboard.press("Backspace")
    _select(page, redrawn)  # re-span: the editor cannot resize a span, so delete and redraw it shorter
    page.keyboard.press("Backspace")
    page.keyboard.press("u")
    page.keyboard.press("Shift+A")
    _draw(page, shorter, after=spans[redrawn]["value"]["text"])
    page.keyboard.press("u")
    page.keyboard.press("Shift+C")
    _draw(page, "وصل")
    page.keyboard.press("u")
    page.keyboard.press("Shift+N")
    _draw(page, "وفد قيادي من حركة حماس")
    page.keyboard.press("u")
    return {"claim": claim, "source": source, "new_kind": new_kind, "cue": spans[cue]["value"]["text"],
            "cue_id": cue, "redrawn": spans[redrawn]["value"]["text"], "shorter": shorter}


def test_a_reviewer_edits_with_hotkeys_and_the_mouse_and_pull_reads_each_edit(
        ls_server: LiveServer, seed_task: dict[str, Any], output_dir: Path, tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (apt-get install -y chromium fonts-noto-core)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
    studio = ls_server.studio()
    path = tmp_path / "seed.jsonl"
    path.write_text(json.dumps({"id": "seed", "text": seed_task["data"]["text"]}, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    project_id = push(studio, [path], "browser-edits", pack=seed_task["pack"]).project_id
    (task,) = studio.tasks(project_id, fields="all")
    (prediction,) = task["predictions"]
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            _log_in(page, ls_server)
            page.goto(f"{ls_server.url}/projects/{project_id}/data?task={task['id']}")
            page.wait_for_selector(".htx-highlight", timeout=60_000)
            page.wait_for_timeout(1500)
            done = drive_edits(page, prediction)
            page.screenshot(path=str(output_dir / "labelstudio-seed-edited.png"))
            page.get_by_role("button", name="Submit").click()
            page.wait_for_timeout(2500)
        finally:
            browser.close()
    pulled = pull(ls_server.studio(), "browser-edits", tmp_path)
    assert pulled.errors == 0 and pulled.flagged == 0
    rows = pl.read_parquet(pulled.reviewed_path)
    claim_rows = rows.filter(pl.col("changes").str.contains("grade").fill_null(False))
    assert claim_rows.height >= 1 and set(claim_rows["credibility_grade"]) == {"C"}
    regions = pl.read_parquet(pulled.regions_path)
    claim_region = regions.filter(pl.col("region_id") == done["claim"]).row(0, named=True)
    assert claim_region["reviewed_label"] == cfg.CLAIM  # "c" set the grade; the claim stayed a claim
    kind_rows = rows.filter(pl.col("changes") == "kind")
    assert set(kind_rows["source_kind"]) == {done["new_kind"]}
    respanned = rows.filter(pl.col("source_review") == "respanned")
    assert respanned.select("source_text", "review").rows() == [(done["shorter"], "changed")]
    assert "source" in respanned["changes"][0].split(", ")  # and its kind, left unset on the new span
    assert regions.filter(pl.col("status") == "respanned")["text"].to_list() == [done["shorter"]]
    removed = rows.filter(pl.col("review") == "removed")
    assert removed["cue_text"].to_list() == [done["cue"]]
    added = rows.filter(pl.col("review") == "added")
    assert added.select("cue_text", "source_text", "source_type", "implicit").rows() == [
        ("وصل", "وفد قيادي من حركة حماس", "named", False)]
    assert rows.filter(pl.col("review") == "added").height == 1  # the lone cue and source are one attribution

    # a second reviewer accepts the prediction as it is: agreement, suggestions and report follow
    from annotate.labelstudio.agreement import agreement
    from annotate.labelstudio.report import build_report
    from annotate.labelstudio.suggest import suggestions

    client = studio.client
    second = client.users.create(username="reviewer2", email="reviewer2@example.com", password="secret12345")
    client.annotations.create(id=task["id"], result=prediction["result"], parent_prediction=prediction["id"],
                              completed_by=second.id, lead_time=5.0)
    both = pull(ls_server.studio(), "browser-edits", tmp_path / "both")
    rows = pl.read_parquet(both.reviewed_path)
    assert both.annotations == 2 and both.errors == 0
    result = agreement(rows)
    assert (result.tasks, result.pairs) == (1, 1)
    what = set(result.disagreements.select("what", "text").rows())
    first_is_browser = result.disagreements["reviewer_a"][0] != "reviewer2@example.com"
    mine, theirs = ("A", "B") if first_is_browser else ("B", "A")
    assert (f"cue only in {theirs}", done["cue"]) in what  # the browser reviewer deleted it
    assert (f"cue only in {mine}", "وصل") in what and (f"source only in {mine}", "وفد قيادي من حركة حماس") in what
    assert any(w == "source_kind differs" for w, _ in what) and any(w == "credibility_grade differs" for w, _ in what)
    alpha = {r["field"]: r["alpha"] for r in result.alpha.iter_rows(named=True)}
    assert alpha["source_kind"] is not None and alpha["source_kind"] < 1.0
    (suggested,) = suggestions(rows)
    assert (suggested.cue, suggested.misses) == ("وصل", 1)
    report = build_report(rows, pl.read_parquet(both.regions_path))
    removed_rule = rows.filter((pl.col("review") == "removed"))["rule_id"][0]
    bad = report.rules.filter((pl.col("rule_id") == removed_rule) & (pl.col("role") == "cue")).row(0, named=True)
    assert bad["removed"] == 1 and bad["precision"] < 1.0
    assert report.missed.filter(pl.col("cue_text") == "وصل")["added"].to_list() == [1]
