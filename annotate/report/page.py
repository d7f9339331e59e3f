"""Fill the page template with the figures, charts and highlighted articles.

One ``string.Template`` (``template.html``) and small functions that each write one
section as escaped HTML. Every number shown is also written, unformatted, in a
``data-figure``/``data-value`` pair, so a test (or a script) can read the page back and
compare it with the tables.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable, Mapping
from importlib import resources
from string import Template
from typing import Any

import polars as pl

from annotate.report import charts
from annotate.report.figures import GRADES, KINDS, Figures
from annotate.report.highlight import CSS as HIGHLIGHT_CSS
from annotate.report.highlight import LEGEND, article_html

MIN_MONTH_ARTICLES = 5  # a month with fewer articles is left out of the charts (not of the table)
SECTIONS = (("headline", "Headline"), ("outlets", "By outlet"), ("time", "Over time"), ("kinds", "Kinds"),
            ("chains", "Chains"), ("gender", "Gender"), ("sources", "Top sources"),
            ("anonymous", "Anonymous-dependent articles"), ("articles", "Sample articles"))


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.4f}".rstrip("0").rstrip(".")
    if isinstance(value, int):
        return f"{value:,}"
    return esc(value)


def figure(name: str, value: Any, shown: str, tag: str = "span", css: str = "") -> str:
    """A number on the page with its raw value attached for machines."""
    attr = f' class="{css}"' if css else ""
    raw = "" if value is None else (value.isoformat() if isinstance(value, dt.date) else value)
    return f'<{tag}{attr} data-figure="{esc(name)}" data-value="{esc(raw)}">{shown}</{tag}>'


def headline_section(h: Mapping[str, Any]) -> str:
    cards = [
        ("articles", h["articles"], f"{h['articles']:,}", "articles"),
        ("attributions", h["attributions"], f"{h['attributions']:,}", "attributions"),
        ("share_anonymous", h["share_anonymous"], _pct(h["share_anonymous"]), "anonymous"),
        ("share_unresolved", h["share_unresolved"], _pct(h["share_unresolved"]), "unresolved"),
        ("share_named", h["share_named"], _pct(h["share_named"]), "named"),
        ("chains", h["chains"], f"{h['chains']:,}", "chains (relays)"),
        ("distinct_sources", h["distinct_sources"], f"{h['distinct_sources']:,}", "distinct sources (by source_key)"),
        ("share_female", h["share_female"], _pct(h["share_female"]),
         f"women among gendered person/role quotes ({h['female']:,} of {h['female'] + h['male']:,})"),
        ("errors", h["errors"], f"{h['errors']:,}", "rows that could not be read or annotated"),
    ]
    out = ['<div class="cards">']
    for name, value, shown, label in cards:
        out.append(f'<div class="card">{figure(name, value, shown, "div", "n")}<div class="l">{esc(label)}</div></div>')
    out.append("</div>")
    total = h["attributions"] or 1
    rows = []
    for grade in GRADES:
        count = h[f"grade_{grade}"]
        rows.append(f"<tr><td>{grade}</td>" + figure(f"grade_{grade}", count, f"{count:,}", "td", "num")
                    + f'<td class="num">{_pct(count / total)}</td></tr>')
    out.append('<h3>Grades</h3><table><tr><th>grade</th><th class="num">attributions</th>'
               f'<th class="num">share</th></tr>{"".join(rows)}</table>')
    return "".join(out)


def table(frame: pl.DataFrame, prefix: str, key: str, columns: list[tuple[str, str, str]],
          arabic: Iterable[str] = ()) -> str:
    """A data table; each cell of a (column, "num"|"pct"|"text") carries ``prefix:key value:column``."""
    arabic = set(arabic)
    head = "".join(f'<th class="{"num" if kind != "text" else ""}">{esc(label)}</th>' for _, label, kind in columns)
    body = []
    for row in frame.iter_rows(named=True):
        cells = []
        for column, _, kind in columns:
            value = row.get(column)
            name = f"{prefix}:{row[key]}:{column}"
            if kind == "pct":
                cells.append(figure(name, value, _pct(value), "td", "num"))
            elif kind == "num":
                cells.append(figure(name, value, _fmt(value), "td", "num"))
            else:
                css = ' class="ar" dir="rtl"' if column in arabic else ""
                cells.append(f"<td{css}>{esc(value)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f'<div class="table"><table><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'


def _chart(spec: dict[str, Any]) -> str:
    return f'<div class="chart">{charts.render_svg(spec)}</div>'


def outlets_section(f: Figures) -> str:
    columns = [("outlet", "outlet", "text"), ("articles", "articles", "num"),
               ("attributions", "attributions", "num"), ("named", "named", "num"),
               ("anonymous", "anonymous", "num"), ("unresolved", "unresolved", "num"),
               ("share_anonymous", "anonymous share", "pct"), ("share_unresolved", "unresolved share", "pct")]
    grades = f.grades_by_outlet.pivot(on="value", index="outlet", values="share").select(
        "outlet", *[g for g in GRADES if g in f.grades_by_outlet["value"].unique().to_list()])
    grade_columns = [("outlet", "outlet", "text")] + [(g, f"grade {g}", "pct") for g in grades.columns[1:]]
    return (
        '<div class="charts">'
        + _chart(charts.share_bars(f.by_outlet, "outlet", "Anonymous and unresolved share by outlet"))
        + _chart(charts.stacked_mix(f.grades_by_outlet, "outlet", charts.GRADE_COLOURS, "Grade mix by outlet",
                                    "grade"))
        + "</div>" + table(f.by_outlet, "outlet", "outlet", columns)
        + "<h3>Grade mix by outlet</h3>" + table(grades, "grades", "outlet", grade_columns)
    )


def time_section(f: Figures, date_field: str | None) -> str:
    undated = figure("undated_articles", f.undated_articles, f"{f.undated_articles:,}")
    if not f.has_dates:
        hint = ("no date could be read from --date-field " + esc(date_field)) if date_field else \
            "run <code>annotate report</code> with <code>--date-field FIELD</code> (a date column, or <code>doc_id</code> when ids hold dates)"
        return f'<p class="note">No dates: {hint}. Articles without a date: {undated}.</p>'
    table_frame = f.by_month.with_columns(pl.col("month").dt.strftime("%Y-%m"))
    steady = f.by_month.filter(pl.col("articles") >= MIN_MONTH_ARTICLES)
    if steady.is_empty():  # a small run: every month is thin, show them all
        steady = f.by_month
    steady_months = f.grades_by_month.filter(pl.col("month").is_in(steady["month"].to_list()))
    columns = [("month", "month", "text"), ("articles", "articles", "num"), ("attributions", "attributions", "num"),
               ("anonymous", "anonymous", "num"), ("unresolved", "unresolved", "num"),
               ("share_anonymous", "anonymous share", "pct"), ("share_unresolved", "unresolved share", "pct")]
    return (
        f'<p class="note">Dates from <code>{esc(date_field)}</code>; articles without a readable date: {undated} '
        "(left out of this section, counted everywhere else). The charts leave out months with fewer than "
        f"{MIN_MONTH_ARTICLES} articles, whose shares are noise; the table lists every month.</p>"
        '<div class="charts">' + _chart(charts.monthly_lines(steady))
        + _chart(charts.stacked_mix(steady_months, "month", charts.GRADE_COLOURS, "Grade mix by month", "grade"))
        + "</div>" + table(table_frame, "month", "month", columns)
    )


def kinds_section(f: Figures) -> str:
    present = [k for k in KINDS if k in f.kinds_by_outlet.filter(pl.col("count") > 0)["value"].to_list()]
    wide = f.kinds_by_outlet.pivot(on="value", index="outlet", values="count").select("outlet", *present)
    return (_chart(charts.stacked_mix(f.kinds_by_outlet, "outlet", charts.KIND_COLOURS, "Source kinds by outlet",
                                      "kind"))
            + table(wide, "kinds", "outlet", [("outlet", "outlet", "text")] + [(k, k.replace("_", " "), "num") for k in present]))


def chains_section(f: Figures) -> str:
    columns = [("outlet", "outlet", "text"), ("articles", "articles", "num"), ("chains", "chains", "num"),
               ("anonymous_chains", "of anonymous sources", "num"),
               ("chains_per_100_articles", "per 100 articles", "num"),
               ("anonymous_chains_per_100_articles", "anonymous per 100 articles", "num")]
    return ('<p class="note">A chain is a relay: a source passing on another one '
            "(<span class=\"ar\">ذكرت الوكالة نقلا عن مصادر مطلعة</span>). The claim is only as well sourced as "
            "its origin.</p>" + _chart(charts.chain_bars(f.by_outlet)) + table(f.by_outlet, "chains", "outlet", columns))


def gender_section(f: Figures) -> str:
    if f.gender_by_outlet.is_empty():
        return '<p class="note">No person or role sources with a gender column in these tables.</p>'
    wide = f.gender_by_outlet.pivot(on="value", index="outlet", values="count")
    present = [g for g in ("female", "male", "unknown") if g in wide.columns]
    return ('<p class="note">Person and role sources only, by the agreement Arabic marks on the verb, participle '
            "or title (<span class=\"ar\">قالت، مؤكدة، الوزيرة</span>); unknown when nothing marks it.</p>"
            + _chart(charts.stacked_mix(f.gender_by_outlet, "outlet", charts.GENDER_COLOURS,
                                        "Gender of quoted persons and roles", "gender"))
            + table(wide.select("outlet", *present), "gender", "outlet",
                    [("outlet", "outlet", "text")] + [(g, g, "num") for g in present]))


def sources_section(f: Figures) -> str:
    if f.top_sources.is_empty():
        return ('<p class="note">These tables have no source_key column (written before it existed).</p>'
                if "source_key" not in f.top_sources.columns else
                '<p class="note">No attribution names a source.</p>')
    top = f.top_sources["count"].max() or 1
    rows, examples = [], []
    for rank, row in enumerate(f.top_sources.iter_rows(named=True), start=1):
        outlets = ", ".join(f"{o['outlet_']} ({o['count']:,})" for o in row["outlets"])
        width = max(2, round(120 * row["count"] / top))
        rows.append(
            f'<tr><td class="num">{rank}</td><td class="ar" dir="rtl">{esc(row["source_key"])}</td>'
            f"<td>{esc(row['kind'])}</td><td>{esc(row['type'])}</td>"
            + figure(f"source:{row['source_key']}:count", row["count"], f"{row['count']:,}", "td", "num")
            + f'<td><span class="bar {esc(row["type"])}" style="width:{width}px"></span></td>'
            + figure(f"source:{row['source_key']}:articles", row["articles"], f"{row['articles']:,}", "td", "num")
            + f'<td>{esc(outlets)}</td><td><a href="#source-{rank}">examples</a></td></tr>')
        quotes = "".join(
            f'<div class="example"><span class="meta">{esc(e["doc_id"])}</span> '
            f'<span class="ar" dir="rtl"><b>{esc(e["cue_text"])}</b> … {esc(_clip(e["claim_text"]))}</span></div>'
            for e in row["examples"])
        examples.append(f'<h3 id="source-{rank}" class="ar" dir="rtl">{rank}. {esc(row["source_key"])}</h3>{quotes}')
    return ('<p class="note">Counted by <code>source_key</code>: one name per source, back-references and '
            "implicit cues counted for the source they point to, titles removed, surnames merged.</p>"
            "<table><thead><tr><th class=\"num\">#</th><th>source</th><th>kind</th><th>type</th>"
            "<th class=\"num\">attributions</th><th></th><th class=\"num\">articles</th><th>outlets</th><th></th>"
            f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
            f"<h3>Examples</h3>{''.join(examples)}")


def _clip(text: str | None, size: int = 160) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= size else text[:size] + "…"


def anonymous_section(f: Figures, rendered: set[str]) -> str:
    frame = f.anonymous_articles
    if frame.is_empty():
        return '<p class="note">No article has three attributions or more.</p>'
    rows = []
    for row in frame.iter_rows(named=True):
        doc = esc(row["doc_id"])
        link = f'<a href="#doc-{doc}">{doc}</a>' if row["doc_id"] in rendered else doc
        rows.append(f"<tr><td>{link}</td><td>{esc(row.get('outlet'))}</td>"
                    f'<td class="ar" dir="rtl">{esc(_clip(row.get("title"), 90))}</td>'
                    f'<td class="num">{row["attributions"]:,}</td><td class="num">{row["anonymous"]:,}</td>'
                    + figure(f"anonymous_article:{row['doc_id']}:share_anonymous", row["share_anonymous"],
                             _pct(row["share_anonymous"]), "td", "num") + "</tr>")
    return ('<p class="note">Articles with at least three attributions, by their share of anonymous ones.</p>'
            "<table><thead><tr><th>article</th><th>outlet</th><th>title</th><th class=\"num\">attributions</th>"
            f"<th class=\"num\">anonymous</th><th class=\"num\">share</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")


def articles_section(texts: Mapping[str, str], rows_by_doc: Mapping[str, list[dict[str, Any]]],
                     meta: Mapping[str, Mapping[str, Any]], missing: int) -> str:
    if not texts and not missing:
        return '<p class="note">No article with attributions to show (or --sample 0).</p>'
    if not texts:
        return ('<p class="note">No article texts: the run folder has no manifest.json naming its inputs, or they '
                "moved. Give them with <code>--input</code>.</p>")
    out = [LEGEND]
    for doc_id, text in texts.items():
        info = meta.get(doc_id, {})
        rows = rows_by_doc.get(doc_id, [])
        title = info.get("title")
        out.append(f'<section class="article" id="doc-{esc(doc_id)}"><h3>{esc(doc_id)}'
                   f' <span class="meta">{esc(info.get("outlet") or "")} · {len(rows)} attributions</span></h3>'
                   + (f'<div class="ar" dir="rtl"><b>{esc(title)}</b></div>' if title else "")
                   + article_html(text, rows) + "</section>")
    if missing:
        out.append(f'<p class="note">{missing} sampled article(s) were not found in the inputs.</p>')
    return "".join(out)


def render_page(title: str, meta: str, sections: Mapping[str, str]) -> str:
    template = Template(resources.files("annotate.report").joinpath("template.html").read_text(encoding="utf-8"))
    nav = "".join(f'<a href="#{key}">{esc(label)}</a>' for key, label in SECTIONS if key in sections)
    body = "".join(f'<section id="{key}"><h2>{esc(label)}</h2>{sections[key]}</section>'
                   for key, label in SECTIONS if key in sections)
    return template.substitute(title=esc(title), meta=meta, nav=nav, body=body, highlight_css=HIGHLIGHT_CSS)

