"""``annotate report``: one self-contained HTML page that an analyst reads.

:func:`build_report` reads a run folder (:mod:`annotate.runs`), computes every figure
with polars (:mod:`annotate.report.figures`), draws the charts to inline SVG
(:mod:`annotate.report.charts`), renders a sample of articles with their cues, sources
and claims highlighted (:mod:`annotate.report.highlight`) and fills one template
(:mod:`annotate.report.page`). The page needs no network and no script: it opens from
a USB stick, and prints.

The article texts are not in the tables: they are read again from the inputs that
``manifest.json`` names (or ``inputs=``), streaming, stopping once the sampled ids are found.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from annotate.aliases import Aliases
from annotate.errors import ExportError
from annotate.readers import iter_articles, resolve_inputs
from annotate.report import page
from annotate.report.figures import Figures, compute
from annotate.rows import Article
from annotate.run_keys import RunKeys
from annotate.runs import read_run

DEFAULT_SAMPLE = 8


@dataclass(frozen=True)
class ReportSummary:
    path: Path
    figures: Figures
    sampled: list[str]


def rekey(attributions: pl.DataFrame, aliases: Aliases) -> pl.DataFrame:
    """Apply an alias file (and the run-wide merge) to a finished attributions table."""
    if "source_key" not in attributions.columns or not aliases:
        return attributions
    keys = RunKeys(aliases)
    keys.observe_columns(attributions["source_key"].to_list(), attributions["source_kind"].to_list())
    return attributions.with_columns(pl.col("source_key").replace(keys.mapping()))


def choose_sample(figures: Figures, attributions: pl.DataFrame, documents: pl.DataFrame, size: int,
                  outlet_field: str = "outlet") -> list[str]:
    """The most anonymous-dependent articles first (up to a third), then a stable spread over outlets."""
    if size <= 0 or attributions.is_empty():
        return []
    chosen = figures.anonymous_articles["doc_id"].head(max(1, size // 3)).to_list()
    counts = attributions.group_by("doc_id").len().filter(pl.col("len") >= 2)
    outlets = documents.select("doc_id", (pl.col(outlet_field) if outlet_field in documents.columns
                                          else pl.lit("")).cast(pl.String).alias("o"))
    pool = counts.join(outlets, on="doc_id", how="left").with_columns(
        pl.col("doc_id").map_elements(lambda d: hashlib.blake2s(d.encode()).hexdigest(), return_dtype=pl.String)
        .alias("h")).sort("h")
    by_outlet: dict[str, list[str]] = defaultdict(list)
    for doc_id, outlet in pool.select("doc_id", "o").iter_rows():
        by_outlet[outlet or ""].append(doc_id)
    queues = [iter(v) for _, v in sorted(by_outlet.items())]
    while len(chosen) < size and queues:
        for queue in list(queues):
            doc_id = next(queue, None)
            if doc_id is None:
                queues.remove(queue)
            elif doc_id not in chosen and len(chosen) < size:
                chosen.append(doc_id)
    return chosen


def read_texts(wanted: Sequence[str], inputs: Sequence[str | Path], id_field: str, text_field: str
               ) -> dict[str, str]:
    """The texts of ``wanted`` ids, streamed from the inputs; stops when all are found."""
    left = set(wanted)
    found: dict[str, str] = {}
    if not left or not inputs:
        return found
    for item in iter_articles(resolve_inputs(inputs), id_field, text_field):
        if isinstance(item, Article) and item.doc_id in left:
            found[item.doc_id] = item.text
            left.discard(item.doc_id)
            if not left:
                break
    return {d: found[d] for d in wanted if d in found}


def build_report(run_dir: str | Path, out: str | Path, *, date_field: str | None = None,
                 outlet_field: str = "outlet", aliases: Aliases | None = None,
                 inputs: Sequence[str | Path] | None = None, id_field: str | None = None,
                 text_field: str | None = None, sample: int = DEFAULT_SAMPLE, top: int = 30) -> ReportSummary:
    """Write the report of ``run_dir`` to ``out`` (a file, or a folder to hold report.html)."""
    run = read_run(run_dir)
    attributions = rekey(run.attributions, aliases or Aliases())
    figures = compute(attributions, run.documents, run.errors, outlet_field, date_field, top)
    sampled = choose_sample(figures, attributions, run.documents, sample, outlet_field)
    manifest = run.manifest
    texts = read_texts(sampled, list(inputs or manifest.get("inputs") or []),
                       id_field or manifest.get("id_field", "id"), text_field or manifest.get("text_field", "text"))
    rows_by_doc: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in attributions.filter(pl.col("doc_id").is_in(list(texts))).iter_rows(named=True):
        rows_by_doc[row["doc_id"]].append(row)
    keep = [c for c in ("doc_id", outlet_field, "title") if c in run.documents.columns]
    meta = {row["doc_id"]: {"outlet": row.get(outlet_field), "title": row.get("title")}
            for row in run.documents.filter(pl.col("doc_id").is_in(list(texts))).select(keep).iter_rows(named=True)}
    sections = {
        "headline": page.headline_section(figures.headline) + _definitions(),
        "outlets": page.outlets_section(figures),
        "time": page.time_section(figures, date_field),
        "kinds": page.kinds_section(figures),
        "chains": page.chains_section(figures),
        "gender": page.gender_section(figures),
        "sources": page.sources_section(figures),
        "anonymous": page.anonymous_section(figures, set(texts)),
        "articles": page.articles_section(texts, rows_by_doc, meta, len(sampled) - len(texts)),
    }
    pack = run.attributions["pack_version"].drop_nulls().unique().sort().to_list() \
        if "pack_version" in run.attributions.columns else []
    info = (f"run folder {page.esc(run.path)} · rule pack {page.esc(', '.join(pack) or 'unknown')} · "
            f"made {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC")
    html = page.render_page(f"Who said what: {run.path.resolve().name}", info, sections)
    path = _target(Path(out))
    _write(path, html)
    return ReportSummary(path=path, figures=figures, sampled=list(texts))


def _definitions() -> str:
    return ('<p class="definitions">Every attribution is <b>named</b>, <b>anonymous</b> or <b>unresolved</b> '
            "(an implicit source the engine could not trace back; no type guessed). Shares are of all attributions. "
            "Grades A–E rate the claim's origin (guide, section 5); <i>none</i> is an unresolved claim. "
            "A chain is a relay of another source.</p>")


def _target(out: Path) -> Path:
    if out.suffix.lower() in (".html", ".htm"):
        return out
    return out / "report.html"


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        temp.write_text(text, encoding="utf-8")
        os.replace(temp, path)
    except OSError as exc:
        raise ExportError(f"{path}: cannot write the report ({exc.strerror or exc})") from exc
