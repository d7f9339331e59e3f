"""What a notebook needs: results as polars DataFrames, and a highlighted view in Jupyter.

``DocumentResult.to_polars()`` and ``DocumentResult._repr_html_()`` call these; the
DataFrame has exactly the columns (and types) of ``attributions.parquet``, so code
written against a run works on a single result too.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING

import polars as pl

from annotate.export import model_row, model_schema
from annotate.records import Attribution

if TYPE_CHECKING:
    from annotate.records import DocumentResult


def attributions_frame(attributions: Sequence[Attribution]) -> pl.DataFrame:
    """Attributions as a DataFrame with the schema of ``attributions.parquet`` (no carried fields)."""
    import pyarrow as pa

    schema = model_schema(Attribution)
    return pl.from_arrow(pa.Table.from_pylist([model_row(a) for a in attributions], schema=schema))  # type: ignore[return-value]


def result_html(result: DocumentResult, text: str | None) -> str:
    """The article highlighted (when the result kept its text), then a one-line summary per attribution."""
    from annotate.report.highlight import CSS, LEGEND, article_html

    rows = [model_row(a) for a in result.attributions]
    body = article_html(text, rows) if text is not None else ""
    items = "".join(
        f"<li>{html.escape(str(a.attribution_id))}: <b dir=\"rtl\">{html.escape(a.cue_text)}</b> → "
        f"<span dir=\"rtl\">{html.escape(a.source_key or a.source_text or '—')}</span> "
        f"({html.escape(a.source_type)} / {html.escape(str(a.source_kind.value if hasattr(a.source_kind, 'value') else a.source_kind))}, "
        f"grade {html.escape(str(a.credibility_grade))})</li>" for a in result.attributions)
    return (f"<div><style>{CSS}</style><div><b>{html.escape(result.doc_id)}</b>: "
            f"{len(result.attributions)} attributions</div>{LEGEND if text is not None else ''}{body}"
            f"<ol start=\"0\" style=\"font-size:.9em\">{items}</ol></div>")
