"""The pre-annotated seed article as a reviewer sees it, in headless Debian Chromium.

Driven by Playwright with ``executable_path`` pointing at ``/usr/bin/chromium``: no
browser is ever downloaded. Checks that the highlighted regions are exactly the
predicted spans and that the text runs right to left; saves a screenshot in
``test-output/``.
"""

from __future__ import annotations

import json
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
    return task


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
    assert any(c.startswith(kind) for c in checked), checked
    assert "Source kind" in panel and "Credibility grade" not in panel
    # submitted in the UI, the review keeps the prediction's region ids: pull calls every attribution kept
    pulled = pull(ls_server.studio(), "browser", tmp_path)
    reviewed = pl.read_parquet(pulled.reviewed_path)
    assert pulled.annotations == 1 and reviewed.height == len([r for r in spans if r.startswith("c")])
    assert set(reviewed["review"]) == {"kept"} and set(reviewed["reviewer"]) == {creds.email}
    assert (output_dir / "labelstudio-seed-review.png").stat().st_size > 10_000
