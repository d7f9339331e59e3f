"""The report's charts: Vega-Lite specifications rendered to inline SVG.

Rendering happens here, with ``vl-convert-python`` (Vega's own renderer, shipped in
the wheel), so the page carries finished SVG: it opens offline, needs no script, and
prints as sharp as the text. Colours are the Okabe–Ito palette, which stays distinct
for the common kinds of colour blindness; named kinds are blues and greens, anonymous
kinds oranges and reds, unresolved grey, so the split reads even in black and white
from the legend order.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from annotate.errors import AnnotateError

GRADE_COLOURS = {"A": "#009E73", "B": "#56B4E9", "C": "#0072B2", "D": "#E69F00", "E": "#D55E00", "none": "#999999"}
CATEGORY_COLOURS = {"named": "#0072B2", "anonymous": "#D55E00", "unresolved": "#999999"}
GENDER_COLOURS = {"female": "#CC79A7", "male": "#009E73", "unknown": "#BBBBBB"}
KIND_COLOURS = {
    "person": "#08306B", "role": "#2171B5", "organization": "#6BAED6", "government": "#009E73",
    "media": "#56B4E9", "document": "#C6DBEF", "unnamed_source": "#D55E00", "unnamed_official": "#E69F00",
    "unnamed_media": "#F0E442", "collective": "#CC79A7", "witness": "#8C510A", "hearsay": "#7F0000",
    "unresolved": "#999999",
}
FONT = "Noto Sans, DejaVu Sans, Arial, sans-serif"
WIDTH = 560


def _config() -> dict[str, Any]:
    return {"font": FONT, "view": {"stroke": None}, "axis": {"labelFontSize": 11, "titleFontSize": 12},
            "legend": {"labelFontSize": 11, "titleFontSize": 12}}


def _scale(colours: dict[str, str], present: list[str] | None = None) -> dict[str, Any]:
    names = [k for k in colours if present is None or k in present]
    return {"domain": names, "range": [colours[k] for k in names]}


def render_svg(spec: dict[str, Any]) -> str:
    """One chart as an SVG element (no XML prolog), ready to inline."""
    try:
        import vl_convert
    except ImportError as exc:  # a base dependency; only a broken install lacks it
        raise AnnotateError("the report needs vl-convert-python to draw its charts: "
                            "pip install vl-convert-python") from exc
    svg = vl_convert.vegalite_to_svg({"$schema": "https://vega.github.io/schema/vega-lite/v5.json",
                                      "config": _config(), **spec})
    return svg[svg.index("<svg"):] if "<svg" in svg else svg


def _rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
    return [{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()} for row in frame.to_dicts()]


def share_bars(frame: pl.DataFrame, label: str, title: str) -> dict[str, Any]:
    """Anonymous and unresolved share per outlet, side by side (horizontal bars)."""
    long = frame.select(label, "share_anonymous", "share_unresolved").unpivot(
        index=label, variable_name="measure", value_name="share").with_columns(
        pl.col("measure").replace({"share_anonymous": "anonymous", "share_unresolved": "unresolved"}))
    return {
        "title": title, "width": WIDTH - 180, "data": {"values": _rows(long)},
        "mark": {"type": "bar"},
        "encoding": {
            "y": {"field": label, "type": "nominal", "title": None, "sort": "-x"},
            "yOffset": {"field": "measure"},
            "x": {"field": "share", "type": "quantitative", "axis": {"format": "%"}, "title": "share of attributions"},
            "color": {"field": "measure", "type": "nominal", "title": None,
                      "scale": _scale(CATEGORY_COLOURS, ["anonymous", "unresolved"])},
        },
    }


def stacked_mix(frame: pl.DataFrame, label: str, colours: dict[str, str], title: str,
                legend: str) -> dict[str, Any]:
    """A 100% stacked bar per outlet (or month) of a mix: grades, kinds, genders."""
    present = frame.filter(pl.col("count") > 0)["value"].unique().to_list()
    order = {k: i for i, k in enumerate(colours)}
    data = frame.filter(pl.col("count") > 0).with_columns(
        pl.col("value").replace_strict(order, default=len(order)).alias("order"))
    horizontal = label != "month"
    position: dict[str, Any] = {"field": label, "type": "nominal", "title": None}
    if not horizontal:
        position = {"field": label, "type": "ordinal", "title": None, "timeUnit": "yearmonth",
                    "axis": {"format": "%Y-%m", "labelAngle": -45}}
    share = {"aggregate": "sum", "field": "share", "type": "quantitative", "stack": "normalize",
             "axis": {"format": "%"}, "title": "share"}
    size = {"width": WIDTH - 180} if horizontal else {"width": WIDTH, "height": 220}
    return {
        "title": title, **size, "data": {"values": _rows(data)}, "mark": {"type": "bar"},
        "encoding": {
            ("y" if horizontal else "x"): position, ("x" if horizontal else "y"): share,
            "color": {"field": "value", "type": "nominal", "title": legend, "scale": _scale(colours, present)},
            "order": {"field": "order", "type": "quantitative"},
        },
    }


def chain_bars(frame: pl.DataFrame) -> dict[str, Any]:
    """Relays, and relays of anonymous sources, per 100 articles of each outlet."""
    long = frame.select("outlet", "chains_per_100_articles", "anonymous_chains_per_100_articles").unpivot(
        index="outlet", variable_name="measure", value_name="per_100").with_columns(
        pl.col("measure").replace({"chains_per_100_articles": "all chains",
                                   "anonymous_chains_per_100_articles": "of anonymous sources"}))
    return {
        "title": "Chains (relays) per 100 articles", "width": WIDTH - 180, "data": {"values": _rows(long)},
        "mark": {"type": "bar"},
        "encoding": {
            "y": {"field": "outlet", "type": "nominal", "title": None, "sort": "-x"},
            "yOffset": {"field": "measure"},
            "x": {"field": "per_100", "type": "quantitative", "title": "per 100 articles"},
            "color": {"field": "measure", "type": "nominal", "title": None,
                      "scale": {"domain": ["all chains", "of anonymous sources"], "range": ["#56B4E9", "#D55E00"]}},
        },
    }


def monthly_lines(frame: pl.DataFrame) -> dict[str, Any]:
    """Anonymous and unresolved share month by month, with the attributions of each month as bars."""
    long = frame.select("month", "share_anonymous", "share_unresolved").unpivot(
        index="month", variable_name="measure", value_name="share").with_columns(
        pl.col("measure").replace({"share_anonymous": "anonymous", "share_unresolved": "unresolved"}))
    return {
        "title": "Anonymous share over time", "width": WIDTH, "height": 220, "data": {"values": _rows(long)},
        "mark": {"type": "line", "point": True},
        "encoding": {
            "x": {"field": "month", "type": "temporal", "timeUnit": "yearmonth", "title": None,
                  "axis": {"format": "%Y-%m"}},
            "y": {"field": "share", "type": "quantitative", "axis": {"format": "%"}, "title": "share of attributions"},
            "color": {"field": "measure", "type": "nominal", "title": None,
                      "scale": _scale(CATEGORY_COLOURS, ["anonymous", "unresolved"])},
        },
    }
