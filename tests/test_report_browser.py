"""The report as a reader sees it, in headless Debian Chromium (never a downloaded browser).

Renders the report of the bundled sample and of a 500-article slice of
``../shared/corpus/news-dev.jsonl`` (every 17th article; dates read from the ids), opens each page from
disk with the network cut off, checks that nothing logged an error, that the charts
drew (SVG with marks), that the figures the page shows equal the Parquet aggregates,
and saves full-page screenshots (screen and print) in ``test-output/``.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

from annotate import pipeline
from annotate.pack import CompiledPack
from annotate.report import build_report

from report_checks import compare, expected_figures

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus" / "news-dev.jsonl"
OUTPUT = REPO / "test-output"
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SLICE = 500
STRIDE = 17  # every 17th article: all six outlets and five years, not one outlet's first weeks


@pytest.fixture(scope="module")
def sync_api() -> Any:
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (apt-get install -y chromium fonts-noto-core)")
    return pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")


def _open(sync_api: Any, page_path: Path, name: str) -> dict[str, Any]:
    """Load the page offline; return console errors, chart counts and the figures shown."""
    OUTPUT.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            context = browser.new_context(viewport={"width": 1366, "height": 900}, offline=True)
            page = context.new_page()
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            requests: list[str] = []
            page.on("request", lambda r: requests.append(r.url) if not r.url.startswith("file:") else None)
            page.goto(page_path.resolve().as_uri())
            page.wait_for_load_state("load")
            found = page.evaluate("""() => ({
                charts: [...document.querySelectorAll('.chart svg')].map(s => ({
                    marks: s.querySelectorAll('path, rect, line').length,
                    width: s.getBoundingClientRect().width})),
                figures: Object.fromEntries([...document.querySelectorAll('[data-figure]')].map(
                    e => [e.dataset.figure, e.dataset.value])),
                articleDirection: (() => { const a = document.querySelector('.ar-article');
                    return a ? getComputedStyle(a).direction : null; })(),
                highlights: document.querySelectorAll('.ar-article span[title]').length,
                overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
            })""")
            page.screenshot(path=str(OUTPUT / f"report-{name}.png"), full_page=True)
            page.emulate_media(media="print")
            page.screenshot(path=str(OUTPUT / f"report-{name}-print.png"), full_page=True)
            page.pdf(path=str(OUTPUT / f"report-{name}.pdf"))
        finally:
            browser.close()
    return {"errors": errors, "requests": requests, **found}


def _check(result: dict[str, Any], run: Path, charts: int) -> None:
    assert result["errors"] == []
    assert result["requests"] == []  # nothing fetched: the page stands alone
    assert len(result["charts"]) >= charts
    assert all(c["marks"] > 10 and c["width"] > 200 for c in result["charts"])
    assert result["articleDirection"] == "rtl"
    assert result["highlights"] > 0
    assert result["overflow"] <= 0  # fits a laptop screen without sideways scrolling


def test_the_sample_report_draws_in_chromium(sync_api: Any, pack: CompiledPack, tmp_path: Path) -> None:
    pipeline.run([REPO / "samples" / "articles.jsonl"], tmp_path, pack, workers=1)
    page = build_report(tmp_path, tmp_path / "report.html", date_field="doc_id").path
    result = _open(sync_api, page, "sample")
    _check(result, tmp_path, charts=6)
    assert compare(expected_figures(tmp_path, date_from_id=True), result["figures"]) == []


def test_a_500_article_slice_of_the_corpus_reports_by_month(sync_api: Any, pack: CompiledPack,
                                                            tmp_path: Path) -> None:
    if not CORPUS.exists():
        pytest.skip(f"{CORPUS} is not here")
    source = tmp_path / "slice.jsonl"
    with CORPUS.open(encoding="utf-8") as corpus:
        source.write_text("".join(itertools.islice(itertools.islice(corpus, 0, None, STRIDE), SLICE)),
                          encoding="utf-8")
    pipeline.run([source], tmp_path / "run", pack, workers=2)
    page = build_report(tmp_path / "run", tmp_path / "report.html", date_field="doc_id").path
    result = _open(sync_api, page, "news-dev-500")
    _check(result, tmp_path / "run", charts=7)
    expected = expected_figures(tmp_path / "run", date_from_id=True)
    assert sum(v for k, v in expected.items() if k.startswith("month:")) == SLICE  # every id holds a date
    assert compare(expected, result["figures"]) == []
