"""Cells of TikTok Shop analytics and ads exports: what the order export does not have.

Seller Center analytics downloads (LIVE, products) and ads reports differ from the order export in
three ways this module absorbs once, for planner.io.live and planner.io.ads:

* the header is not always on row 1: a title and a date range may sit above it (the Indonesian
  LIVE Analysis download has its header on row 3; public parsers scan the first rows for it);
* numbers are written the way the market writes them: ``Rp1.234.567``, ``1.234.567,89`` (dots
  group thousands), ``฿12,345.50``, ``1.2K``, and ``-`` or ``--`` for "no data";
* durations are written ``2h 15min``, ``1 jam 30 menit``, ``02:15:00`` or as minutes.

Every problem is reported as the order reader reports it: file, spreadsheet row, column, expected.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from planner.io.table import Column, Problems, Schema, header_key, read_raw, read_top_rows

NO_DATA = frozenset({"", "-", "--", "—", "n/a", "na", "null", "none"})

_CURRENCY = re.compile(r"(?i)rp\.?|idr|thb|vnd|myr|rm|php|usd|us\$|s\$|[฿₫$€£¥₱\s\u00a0]|บาท|đ")
_GROUPED_DOTS = re.compile(r"^-?\d{1,3}(\.\d{3})+(,\d+)?$")     # 1.234.567 or 1.234,5
_DECIMAL_COMMA = re.compile(r"^-?\d+,\d{1,2}$")                  # 12,5
_GROUPED_COMMAS = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")    # 1,234,567.89
_SUFFIX = {"k": 1e3, "m": 1e6, "b": 1e9}


def find_header_row(path: Path, needles: Iterable[Iterable[str]], max_rows: int = 10) -> int:
    """The spreadsheet row (1-based) of the first of the top ``max_rows`` rows holding one header of
    every group in ``needles``; 1 when none does (the missing-column error then names what is missing)."""
    groups = [{header_key(h) for h in group} for group in needles]
    for number, row in enumerate(read_top_rows(path, max_rows), start=1):
        keys = {header_key(cell) for cell in row}
        if all(keys & group for group in groups):
            return number
    return 1


def read_export(path: Path, schema: Schema, anchor: str, display_name: str | None = None
                ) -> tuple[str, pd.DataFrame, list[str]]:
    """An analytics export's name (for messages), its declared columns and its headers, read from the
    header row: the first of the top rows holding one of the ``anchor`` column's headers (exports put
    a title and a date range above it)."""
    name = display_name or Path(path).name
    header_row = find_header_row(path, [schema.column(anchor).file_names])
    raw, headers = read_raw(path, [h for c in schema.columns for h in c.file_names], name, header_row)
    return name, raw, headers


def file_label(headers: list[str], column: Column) -> str:
    """The column's name as the file writes it (for error messages)."""
    wanted = {header_key(h) for h in column.file_names}
    return next((h for h in headers if header_key(h) in wanted), column.file_names[0])


def first_text(rows: pd.DataFrame, columns: Iterable[str]) -> pd.Series:
    """Per row, the first of ``columns`` (in that order) that holds text; '' when none does."""
    out = pd.Series("", index=rows.index, dtype=object)
    for column in reversed(list(columns)):
        text = rows[column].fillna("").astype(str)
        out = text.where(text != "", out)
    return out


def stacked(frames: Iterable[pd.DataFrame], columns: Iterable[str], times: Iterable[str] = ()) -> pd.DataFrame:
    """The non-empty ``frames`` (exports of one kind, in the order read) one under the other; with none,
    an empty frame of ``columns`` (``times`` as datetimes)."""
    frames = [f for f in frames if len(f)]
    if frames:
        return pd.concat(frames, ignore_index=True)
    times = set(times)
    return pd.DataFrame({c: pd.Series(dtype="datetime64[ns]" if c in times else object) for c in columns})


def no_data(cells: pd.Series) -> pd.Series:
    return cells.fillna("").astype(str).str.strip().str.casefold().isin(NO_DATA)


def parse_amount(cells: pd.Series, counts: bool = False) -> pd.Series:
    """Amounts and counts as markets write them -> float (NaN where unreadable or no data).

    The separators are decided once per column: a column with any ``1.234.567`` or ``12,5`` cell
    groups thousands with dots (Indonesia, Vietnam); otherwise commas group thousands (Thailand, US)
    and ``1.234`` is one point two three four -- unless the column holds ``counts``, which have no
    fractions, so that ``2.500`` viewers are two thousand five hundred.
    """
    text = cells.fillna("").astype(str).str.replace(_CURRENCY, "", regex=True).str.strip()
    text = text.where(~no_data(cells), "")
    scale = pd.Series(1.0, index=text.index)
    suffix = text.str[-1:].str.casefold()
    has_suffix = suffix.isin(list(_SUFFIX)) & text.str[:-1].str.match(r"^-?[\d.,]+$")
    scale[has_suffix] = suffix[has_suffix].map(_SUFFIX)
    text = text.where(~has_suffix, text.str[:-1])
    grouped = text.str.match(_GROUPED_DOTS.pattern) & (text.str.count(r"\.").gt(1) | counts)
    dots_group = grouped | text.str.match(_DECIMAL_COMMA.pattern)
    if dots_group.any() and not text.str.match(_GROUPED_COMMAS.pattern).any():
        text = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        text = text.str.replace(",", "", regex=False)
    return pd.to_numeric(text.where(text != ""), errors="coerce") * scale


_DURATION_PART = re.compile(
    r"(?P<value>\d+(?:[.,]\d+)?)\s*(?P<unit>hours?|hrs?|h|jam|giờ|gio|ชั่วโมง|minutes?|mins?|m|menit|phút|phut|นาที|"
    r"seconds?|secs?|s|detik|giây|giay|วินาที)\b", re.IGNORECASE)
_UNIT_MINUTES = {"h": 60.0, "j": 60.0, "g": 60.0, "ช": 60.0, "m": 1.0, "p": 1.0, "น": 1.0,
                 "s": 1 / 60, "d": 1 / 60, "ว": 1 / 60}


def _duration_minutes(text: str) -> float:
    text = text.strip()
    if text.casefold() in NO_DATA:
        return np.nan
    clock = re.fullmatch(r"(\d+):(\d{1,2})(?::(\d{1,2}))?", text)
    if clock:
        hours, minutes, seconds = int(clock[1]), int(clock[2]), int(clock[3] or 0)
        return hours * 60 + minutes + seconds / 60
    try:
        return float(text.replace(",", "."))  # a bare number is minutes
    except ValueError:
        pass
    parts = list(_DURATION_PART.finditer(text))
    if not parts or re.sub(_DURATION_PART, "", text).strip(" ,") != "":
        return np.nan
    total = 0.0
    for part in parts:
        unit = part["unit"].casefold()
        key = "m" if unit.startswith("mi") or unit.startswith("me") or unit == "m" else unit[0]
        total += float(part["value"].replace(",", ".")) * _UNIT_MINUTES[key]
    return total


def parse_duration(cells: pd.Series) -> pd.Series:
    """``2h 15min``, ``1 jam 30 menit``, ``1 giờ 5 phút``, ``02:15:00``, ``135`` -> minutes (float)."""
    return cells.fillna("").astype(str).map(_duration_minutes).astype(float)


def parse_count(cells: pd.Series) -> pd.Series:
    """Counts (orders, views, viewers): :func:`parse_amount` knowing there are no fractions."""
    return parse_amount(cells, counts=True)


def typed(frame: pd.DataFrame, headers: list[str], columns: Iterable[Column], problems: Problems,
          parse, expected: str, whole: bool = False) -> None:
    """Parse text columns of ``frame`` in place with ``parse``; a cell that holds something but does
    not parse (or is negative, or not whole when ``whole``) is a problem naming its column."""
    for column in columns:
        if column.name not in frame.columns:
            continue
        cells = frame[column.name]
        values = parse(cells)
        given = ~no_data(cells) & cells.notna()
        bad = given & (values.isna() | (values < 0) | ((values != np.floor(values)) if whole else False))
        rows = pd.Series(bad.to_numpy(), index=frame["_row"].to_numpy())
        problems.add(rows, file_label(headers, column), pd.Series(cells.to_numpy(), index=rows.index), expected)
        frame[column.name] = values.astype(float)
