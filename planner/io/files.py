"""Files restock writes for people: CSV that a spreadsheet opens safely, folders only their owner reads.

**Formula injection** (OWASP, "CSV Injection"): Excel, LibreOffice and Google Sheets run a cell that
starts with ``=``, ``+``, ``-`` or ``@`` as a formula, and a tab or carriage return in front does not stop
them. Product names and SKUs come from exports and marketplace listings a seller does not fully control,
and ``orders.csv`` is opened by buyers, so a text cell starting with one of these characters is written
with a single quote in front (``'=HYPERLINK(...)``): the spreadsheet shows it as text. Numbers are left
as they are, whether in a numeric column or written as text (``-12.5`` is a number, not a formula).

**Owner only**: the store, the run folders and the backups hold a seller's sales; they are created
readable and writable by their owner alone (files 0600, folders 0700).
"""

from __future__ import annotations

import errno
import os
import re
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pandas as pd

from planner.errors import WriteError

#: a text cell starting with one of these is a formula to a spreadsheet
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")

OWNER_ONLY_FILE = 0o600
OWNER_ONLY_FOLDER = 0o700


def spreadsheet_safe(text: str) -> str:
    """``text`` as a spreadsheet shows it, never runs it: a quote in front of a would-be formula.

    >>> spreadsheet_safe("=1+2"), spreadsheet_safe("@SUM(A1)"), spreadsheet_safe("-12.5"), spreadsheet_safe("Mint")
    ("'=1+2", "'@SUM(A1)", '-12.5', 'Mint')
    """
    if text.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def spreadsheet_safe_column(column: pd.Series) -> pd.Series:
    """A column with its text cells made spreadsheet-safe; other cells (numbers, dates, missing) as they were.

    Returns the column itself when no cell needs it, so that an untouched frame stays untouched."""
    if not (pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column)):
        return column
    try:
        starts = column.str.startswith(FORMULA_STARTS, na=False).to_numpy(dtype=bool)
    except AttributeError:  # no text in the column (e.g. dates held as objects)
        return column
    if not starts.any():
        return column
    risky = starts.copy()
    risky[starts] = ~column[starts].str.fullmatch(_NUMBER.pattern).to_numpy(dtype=bool)
    if not risky.any():
        return column
    values = column.to_numpy(dtype=object, copy=True)
    values[risky] = ["'" + text for text in values[risky]]
    return pd.Series(values, index=column.index, name=column.name)


def spreadsheet_safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell made spreadsheet-safe (a new frame; the caller's is not changed)."""
    safe = None
    for position, name in enumerate(frame.columns):
        original = frame.iloc[:, position]
        column = spreadsheet_safe_column(original)
        if column is not original:
            safe = frame.copy() if safe is None else safe
            safe.isetitem(position, column)
    return frame if safe is None else safe


@contextmanager
def owner_only() -> Iterator[None]:
    """Create files and folders readable by their owner only while inside (umask 077 added)."""
    previous = os.umask(0o077)
    os.umask(previous | 0o077)
    try:
        yield
    finally:
        os.umask(previous)


#: errors that mean "this cannot be written here", not a bug: a sentence and exit code 74, not a traceback
_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
_NOT_WRITABLE = (errno.EROFS, errno.EACCES, errno.EPERM)
WRITE_ERRNOS = _FULL + _NOT_WRITABLE


def write_failure(error: OSError, root: Path | None = None, kept: str = "") -> WriteError | None:
    """The sentence for an OSError that says a file cannot be written (None for any other OSError).

    ``root``: paths are named relative to it; ``kept``: what is still as it was, e.g. the last good run."""
    if error.errno not in WRITE_ERRNOS:
        return None
    where = Path(error.filename) if error.filename else root or Path(".")
    if root is not None and where.is_absolute() and where.is_relative_to(root):
        where = where.relative_to(root)
    if error.errno in _FULL:
        problem, advice = "no space left on the device", "Free some space and try again"
    else:
        problem = error.strerror or os.strerror(error.errno)
        advice = "Make it writable for this user (or point the shop's [paths] elsewhere) and try again"
    return WriteError(f"{where}: cannot write: {problem}. {advice}{'; ' + kept if kept else ''}.")


__all__ = ["FORMULA_STARTS", "WRITE_ERRNOS", "write_failure", "OWNER_ONLY_FILE", "OWNER_ONLY_FOLDER", "owner_only", "spreadsheet_safe",
           "spreadsheet_safe_column", "spreadsheet_safe_frame"]
