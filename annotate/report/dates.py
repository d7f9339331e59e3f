"""Dates as news archives write them, for the report's month-by-month figures.

Pure. :func:`parse_date` reads ISO dates and timestamps (``2018-03-11``,
``2018-03-11T09:30:00Z``), day-first dates (``11/03/2018``, ``11.03.2018``,
``11-03-2018``), compact dates (``20180311``; ``11032018`` when the first reading is no
date), English month names (``11 March 2018``, ``Mar 11, 2018``), and a compact date
at the end of an identifier (``ant2-AL-sport-545-20180311``). Anything else is None:
the report counts those rows as "without a date" instead of guessing.
"""

from __future__ import annotations

import datetime as dt
import re

_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?\s*$")
_SLASHED = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*$")
_YEAR_FIRST_SLASHED = re.compile(r"^\s*(\d{4})/(\d{1,2})/(\d{1,2})\s*$")
_COMPACT = re.compile(r"(?<!\d)(\d{8})(?!\d)")
_MONTHS = {name: i + 1 for i, names in enumerate((
    "jan january", "feb february", "mar march", "apr april", "may", "jun june", "jul july", "aug august",
    "sep sept september", "oct october", "nov november", "dec december")) for name in names.split()}
_DAY_MONTH_YEAR = re.compile(r"^\s*(\d{1,2})\s+([A-Za-z]+)\.?,?\s+(\d{4})\s*$")
_MONTH_DAY_YEAR = re.compile(r"^\s*([A-Za-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})\s*$")
EARLIEST, LATEST = 1900, 2100  # a compact number outside these years is not a date


def _date(year: int, month: int, day: int) -> dt.date | None:
    if not EARLIEST <= year <= LATEST:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _compact(digits: str) -> dt.date | None:
    return (_date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
            or _date(int(digits[4:]), int(digits[2:4]), int(digits[:2])))


def parse_date(value: object) -> dt.date | None:
    """The date ``value`` holds, or None (see the module docstring for the formats)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value)
    if m := _ISO.match(text):
        return _date(int(m[1]), int(m[2]), int(m[3]))
    if m := _YEAR_FIRST_SLASHED.match(text):
        return _date(int(m[1]), int(m[2]), int(m[3]))
    if m := _SLASHED.match(text):
        return _date(int(m[3]), int(m[2]), int(m[1]))
    if m := _DAY_MONTH_YEAR.match(text):
        month = _MONTHS.get(m[2].lower())
        return _date(int(m[3]), month, int(m[1])) if month else None
    if m := _MONTH_DAY_YEAR.match(text):
        month = _MONTHS.get(m[1].lower())
        return _date(int(m[3]), month, int(m[2])) if month else None
    found = _COMPACT.findall(text)
    return _compact(found[-1]) if found else None
