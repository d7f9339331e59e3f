"""A run's tables as CSV or Excel files that open right in a spreadsheet.

- **CSV** is UTF-8 with a byte-order mark, which is what makes Excel read Arabic as
  Arabic instead of mojibake; one file per table (``attributions.csv`` …).
- **XLSX** (openpyxl) holds one sheet per table, Arabic columns right to left, the
  header row frozen.
- **List columns** (``credibility_reasons``, ``warnings``) are joined with `` | ``.
- **Formula injection** (CWE-1236): a text cell that begins with ``=``, ``+``, ``-``,
  ``@``, a tab or a carriage return would run as a formula when a spreadsheet opens
  it. Such cells get a leading apostrophe (OWASP's advice), so they show as text;
  numbers are written as numbers and never touched. Article text is written by
  strangers, so this is not hypothetical: ``=HYPERLINK(…)`` in a claim is enough.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

import polars as pl

from annotate.errors import ExportError
from annotate.runs import TABLE_NAMES, read_run

Format = Literal["csv", "xlsx"]
FORMATS: tuple[Format, ...] = ("csv", "xlsx")
LIST_SEPARATOR = " | "
DANGEROUS_STARTS = ("=", "+", "-", "@", "\t", "\r")
EXCEL_MAX_CELL = 32_767  # characters Excel keeps in one cell
ARABIC_COLUMNS = frozenset({"source_key", "source_role", "title", "reason"})  # and every *_text column


def neutralise(value: str) -> str:
    """Make a text cell inert: a leading apostrophe before a formula-starting character."""
    return "'" + value if value.startswith(DANGEROUS_STARTS) else value


def flatten(frame: pl.DataFrame) -> pl.DataFrame:
    """List columns joined with `` | ``; structs as their JSON; everything else unchanged."""
    columns = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.List):
            columns.append(pl.col(name).cast(pl.List(pl.String)).list.join(LIST_SEPARATOR).alias(name))
        elif isinstance(dtype, pl.Struct):
            columns.append(pl.col(name).struct.json_encode().alias(name))
        else:
            columns.append(pl.col(name))
    return frame.select(columns)


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        return neutralise(value)
    return value


def _rows(frame: pl.DataFrame) -> Iterable[list[Any]]:
    for row in frame.iter_rows():
        yield [_cell(v) for v in row]


def write_csv(frame: pl.DataFrame, path: Path) -> Path:
    """One table as CSV, UTF-8 with BOM, every cell inert."""
    flat = flatten(frame)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with temp.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(flat.columns)
        for row in _rows(flat):
            writer.writerow(["" if v is None else v for v in row])
    os.replace(temp, path)
    return path


def write_xlsx(frames: dict[str, pl.DataFrame], path: Path) -> Path:
    """Every table as a sheet of one workbook; text cells typed as text, never as formulas."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, TYPE_STRING
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    book = Workbook()
    blank = book.active
    assert blank is not None, "a new openpyxl Workbook starts with one empty sheet"
    book.remove(blank)  # every table gets its own sheet below
    for name, frame in frames.items():
        sheet = book.create_sheet(name)
        flat = flatten(frame)
        sheet.append(list(flat.columns))
        arabic = {i for i, c in enumerate(flat.columns) if c.endswith("_text") or c in ARABIC_COLUMNS}
        for row in _rows(flat):  # control characters are not allowed in XML cells
            sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v)[:EXCEL_MAX_CELL] if isinstance(v, str) else v
                          for v in row])
        for column in sheet.iter_cols(min_row=2):
            for cell in column:
                if isinstance(cell.value, str):
                    cell.data_type = TYPE_STRING  # openpyxl would take "=…" for a formula
        for index in arabic:
            sheet.column_dimensions[get_column_letter(index + 1)].width = 40
            for cell in sheet.iter_rows(min_row=2, min_col=index + 1, max_col=index + 1):
                cell[0].alignment = Alignment(horizontal="right", readingOrder=2)
        sheet.freeze_panes = "A2"
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    book.save(temp)
    os.replace(temp, path)
    return path


def export_run(run_dir: str | Path, fmt: Format, out_dir: str | Path | None = None,
               tables: Sequence[str] = TABLE_NAMES) -> list[Path]:
    """Write the run's tables as CSV files or one XLSX workbook into ``out_dir`` (default: the run folder)."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    run = read_run(run_dir)
    folder = Path(out_dir) if out_dir is not None else run.path
    frames = {name: getattr(run, name) for name in tables}
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if fmt == "csv":
            return [write_csv(frame, folder / f"{name}.csv") for name, frame in frames.items()]
        return [write_xlsx(frames, folder / "annotate.xlsx")]
    except OSError as exc:
        raise ExportError(f"{folder}: cannot write the {fmt} files ({exc.strerror or exc})") from exc
