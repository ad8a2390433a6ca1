"""Reading a user's table (CSV, XLSX or Parquet) against a declared schema.

One place turns files into clean, typed frames (prophet keeps all input cleaning in `setup_dataframe`;
this is ours). Every problem is reported with the file, the row as a spreadsheet shows it (the header
is row 1), the column, and what was expected. Only the declared columns are ever read, so anything
else in a file -- buyers' names, phones and addresses included -- never enters memory. Files are opened
read-only and never modified.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Literal

import numpy as np
import pandas as pd

from planner.errors import InputError

@dataclass(frozen=True)
class DateStyle:
    """How a shop's files write dates: which field comes first in 03/04/2026 when the file itself does
    not settle it, and the shop's time zone, into which timestamps carrying an offset are converted."""

    month_first: bool = False
    timezone: str | None = None


DAY_FIRST = DateStyle()

Kind = Literal["text", "whole", "number", "money", "date", "timestamp", "choice"]
OnBadRows = Literal["fail", "skip"]


@dataclass(frozen=True)
class Column:
    """One column of a table schema. ``name`` is the name in the frame the library sees."""

    name: str
    kind: Kind = "text"
    required: bool = True          # the column must be present in the file
    nullable: bool = False         # an empty cell is allowed (becomes ``default``)
    default: object = None
    choices: tuple[str, ...] = ()  # for kind 'choice' (matched without regard to case)
    min_value: float | None = None
    headers: tuple[str, ...] = ()  # names the column goes by in files; default: ``name``

    @property
    def file_names(self) -> tuple[str, ...]:
        return self.headers or (self.name,)


@dataclass(frozen=True)
class Schema:
    table: str
    columns: tuple[Column, ...]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


@dataclass
class Parsed:
    """A parsed table: typed ``frame`` (with ``_row``, the spreadsheet row), the rejected rows, and
    warnings about rows that were read but look wrong (planner/io/checks.py)."""

    frame: pd.DataFrame
    rejects: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["file", "row", "column", "value", "problem"]))
    warnings: list[str] = field(default_factory=list)


def header_key(name: object) -> str:
    """How headers are matched: case, surrounding spaces, BOMs and tabs do not matter."""
    return str(name).replace("\ufeff", "").strip().casefold()


# ---------------------------------------------------------------------------------------------- raw


EMPTY_FILE = "is empty (0 bytes): expected a header row and rows under it; export or save the file again"


def read_raw(path: Path, wanted: Iterable[str], display_name: str | None = None,
             header_row: int = 1) -> tuple[pd.DataFrame, list[str]]:
    """Read the wanted columns of a CSV, XLSX or Parquet file as text.

    Returns the frame (columns keyed by ``header_key``, every cell a str, '' when empty; index = the
    row as a spreadsheet shows it) and the file's full list of header names (for error messages).
    ``header_row`` is the spreadsheet row of the header (analytics exports put a title and a date
    range above it); the rows above it are skipped.
    """
    path, name, wanted_keys, suffix = _opened(path, wanted, display_name)
    with _readable(name, suffix):
        if suffix in (".xlsx", ".xlsm"):
            frame, headers = _read_xlsx(path, wanted_keys, header_row)
        elif suffix == ".parquet":
            frame, headers = _read_parquet(path, wanted_keys)
        else:
            frame, headers = _read_csv(path, wanted_keys, header_row)
    return _stripped(frame), headers


def _opened(path: Path, wanted: Iterable[str], display_name: str | None) -> tuple[Path, str, set[str], str]:
    """The path, the name errors give, the wanted header keys and the suffix of a file that exists and is
    not empty."""
    path = Path(path)
    name = display_name or path.name
    if not path.is_file():
        raise InputError(name, "file not found")
    if path.stat().st_size == 0:
        raise InputError(name, EMPTY_FILE)
    return path, name, {header_key(w) for w in wanted}, path.suffix.casefold()


def iter_raw(path: Path, wanted: Iterable[str], display_name: str | None = None,
             chunk_rows: int = 100_000) -> tuple[list[str], Iterator[pd.DataFrame]]:
    """:func:`read_raw` in chunks of at most ``chunk_rows`` rows: the file's header names, and the
    frames one after the other, each indexed by the rows as a spreadsheet shows them (so a problem in
    the tenth chunk names the same row as when the file is read whole). CSV and Parquet are read a
    chunk at a time; an XLSX sheet is one chunk (calamine reads a sheet whole). There is always at least
    one chunk, empty for a header-only file."""
    path, name, wanted_keys, suffix = _opened(path, wanted, display_name)
    if suffix in (".xlsx", ".xlsm"):
        frame, headers = read_raw(path, wanted, name)
        return headers, iter([frame])
    with _readable(name, suffix):
        headers = read_headers(path)
    keep = [h for h in headers if header_key(h) in wanted_keys]

    def chunks() -> Iterator[pd.DataFrame]:
        yielded = False
        with _readable(name, suffix):
            if suffix == ".parquet":
                import pyarrow as pa
                import pyarrow.parquet as pq

                first = 2  # a Parquet record n is row n + 1, as if it had a header row
                for batch in pq.ParquetFile(path).iter_batches(batch_size=chunk_rows, columns=keep):
                    frame = _parquet_frame(pa.Table.from_batches([batch]))
                    frame.index = np.arange(first, first + len(frame))
                    first += len(frame)
                    yielded = True
                    yield _stripped(frame)
            else:
                for frame in pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False, na_filter=False,
                                         usecols=keep, skip_blank_lines=True, chunksize=chunk_rows):
                    frame.columns = [header_key(c) for c in frame.columns]
                    frame.index = frame.index + 2  # the reader numbers rows across chunks from 0, as _read_csv does
                    yielded = True
                    yield _stripped(_drop_blank_rows(frame))
            if not yielded:
                yield pd.DataFrame({header_key(h): pd.Series(dtype=object) for h in keep})

    return [str(h) for h in headers], chunks()


@contextmanager
def _readable(name: str, suffix: str):
    """A broken file's error names the file and keeps the cause."""
    try:
        yield
    except InputError:
        raise
    except UnicodeDecodeError as exc:
        raise InputError(name, f"is not UTF-8 text ({exc.reason} at byte {exc.start}); save it as CSV UTF-8") from None
    except Exception as exc:  # a broken file: say which, keep the cause
        raise InputError(name, f"cannot be read as {suffix.lstrip('.') or 'CSV'}: {exc}") from exc


def _stripped(frame: pd.DataFrame) -> pd.DataFrame:
    for column in frame.columns:  # trailing tabs keep IDs and times as text in spreadsheets
        if not _is_typed(frame[column]):
            frame[column] = frame[column].astype(str).str.strip(" \t\r\n\ufeff")
    return frame


def read_headers(path: Path) -> list[str]:
    """The header row of a CSV, XLSX or Parquet file, without reading its rows."""
    path = Path(path)
    suffix = path.suffix.casefold()
    if not path.is_file():
        raise InputError(path.name, "file not found")
    if path.stat().st_size == 0:
        raise InputError(path.name, EMPTY_FILE)
    try:
        if suffix in (".xlsx", ".xlsm"):
            rows = _xlsx_rows(path, max_rows=1)
            return [_cell_text(h) for h in rows[0]] if rows else []
        if suffix == ".parquet":
            import pyarrow.parquet as pq

            return list(pq.read_schema(path).names)
        return [str(h) for h in pd.read_csv(path, nrows=0, encoding="utf-8-sig", dtype=str).columns]
    except UnicodeDecodeError as exc:
        raise InputError(path.name, f"is not UTF-8 text ({exc.reason} at byte {exc.start}); save it as CSV UTF-8") from None
    except Exception as exc:
        raise InputError(path.name, f"cannot be read as {suffix.lstrip('.') or 'CSV'}: {exc}") from exc


def read_top_rows(path: Path, rows: int = 10) -> list[list[str]]:
    """The first ``rows`` rows of a CSV or XLSX file as text, to find a header that is not on row 1."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path.name, "file not found")
    try:
        if path.suffix.casefold() in (".xlsx", ".xlsm"):
            return [[_cell_text(v) for v in row] for row in _xlsx_rows(path, max_rows=rows)]
        import csv
        import itertools

        with open(path, encoding="utf-8-sig", newline="") as handle:
            return [list(row) for row in itertools.islice(csv.reader(handle), rows)]
    except UnicodeDecodeError as exc:
        raise InputError(path.name, f"is not UTF-8 text ({exc.reason} at byte {exc.start}); save it as CSV UTF-8") from None
    except Exception as exc:
        raise InputError(path.name, f"cannot be read as {path.suffix.lstrip('.') or 'CSV'}: {exc}") from exc


def _read_csv(path: Path, wanted: set[str], header_row: int = 1) -> tuple[pd.DataFrame, list[str]]:
    skip = header_row - 1
    headers = list(pd.read_csv(path, nrows=0, encoding="utf-8-sig", dtype=str, skiprows=skip).columns)
    keep = [h for h in headers if header_key(h) in wanted]
    frame = pd.read_csv(
        path, encoding="utf-8-sig", dtype=str, keep_default_na=False, na_filter=False,
        usecols=keep, skip_blank_lines=True, skiprows=skip,
    )
    frame.columns = [header_key(c) for c in frame.columns]
    frame.index = np.arange(header_row + 1, len(frame) + header_row + 1)
    return _drop_blank_rows(frame), [str(h) for h in headers]


def _read_parquet(path: Path, wanted: set[str]) -> tuple[pd.DataFrame, list[str]]:
    import pyarrow.parquet as pq

    headers = pq.read_schema(path).names
    keep = [h for h in headers if header_key(h) in wanted]
    # a Parquet record n is reported as row n + 1, as if it had a header row
    return _parquet_frame(pq.read_table(path, columns=keep)), list(headers)


def _parquet_frame(table) -> pd.DataFrame:
    """A Parquet table (or a batch of its rows) as read_raw's frame, indexed from row 2."""
    import pyarrow as pa
    import pyarrow.compute as pc

    frame = pd.DataFrame(index=np.arange(2, table.num_rows + 2))
    for name, column in zip(table.column_names, table.columns):
        kind = column.type
        if pa.types.is_integer(kind) or pa.types.is_floating(kind):
            # typed cells stay typed: no text round trip for millions of numbers (nulls are empty cells)
            frame[header_key(name)] = column.to_numpy(zero_copy_only=False).astype(float)
        elif pa.types.is_timestamp(kind) or pa.types.is_date(kind):
            values = column.to_pandas()
            if pa.types.is_date(kind):  # date32 arrives as Python dates
                values = pd.to_datetime(values)
            values.index = frame.index  # zoned times stay zoned: parse_frame converts to the shop's zone
            frame[header_key(name)] = values if getattr(values.dt, "tz", None) is not None else values.astype("datetime64[ns]")
        else:
            frame[header_key(name)] = pc.fill_null(pc.cast(column, pa.string()), "").to_pandas().to_numpy()
    return frame


def _xlsx_rows(path: Path, max_rows: int | None = None) -> list[list]:
    # calamine (Rust) reads a sheet ~25x faster than openpyxl, which builds an object per cell: a
    # 15,000-order export takes a second instead of a minute.
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(str(path))
    sheet = workbook.get_sheet_by_index(0)
    return sheet.to_python(skip_empty_area=False, nrows=max_rows) if max_rows else sheet.to_python(skip_empty_area=False)


def _read_xlsx(path: Path, wanted: set[str], header_row: int = 1) -> tuple[pd.DataFrame, list[str]]:
    rows = _xlsx_rows(path)[header_row - 1:]
    headers = [_cell_text(h) for h in rows[0]] if rows else []
    keep = [i for i, h in enumerate(headers) if header_key(h) in wanted]
    data: dict[str, list[str]] = {header_key(headers[i]): [] for i in keep}
    index = []
    for number, row in enumerate(rows[1:], start=header_row + 1):
        if all(v in (None, "") for v in row):
            continue
        index.append(number)
        for key, i in zip(data, keep):
            data[key].append(_cell_text(row[i]) if i < len(row) else "")
    return pd.DataFrame(data, index=index, dtype=object), headers


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, pd.Timestamp) or hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
    return str(value)


def _drop_blank_rows(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty or frame.shape[1] == 0:
        return frame
    blank = (frame == "").all(axis=1)
    return frame[~blank] if blank.any() else frame


# ------------------------------------------------------------------------------------------ parsing


_MONEY_NOISE = re.compile(r"[^\d.\-]")
_WHOLE = re.compile(r"^[+]?\d+(\.0*)?$")
_OFFSET = re.compile(r"\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$")
_AMPM = re.compile(r"\b[AaPp]\.?[Mm]\.?$")


def parse_whole(raw: pd.Series) -> tuple[pd.Series, pd.Series, str]:
    text = raw.astype(str).str.replace(",", "", regex=False)
    ok = text.str.match(_WHOLE.pattern)
    values = pd.to_numeric(text.where(ok), errors="coerce")
    # '๓' matches \d but is no number pandas reads: bad, not a NaN quantity that fails in the store
    return values, ~ok.astype(bool) | (values.isna() & ok.astype(bool)), "is not a whole number"


def parse_number(raw: pd.Series) -> tuple[pd.Series, pd.Series, str]:
    values = pd.to_numeric(raw.astype(str).str.replace(",", "", regex=False), errors="coerce")
    return values, values.isna(), "is not a number"


def parse_money(raw: pd.Series) -> tuple[pd.Series, pd.Series, str]:
    """'฿1,249.00', 'THB 249', '249' -> 1249.0, 249.0, 249.0 (currency signs and separators dropped)."""
    cleaned = raw.astype(str).str.replace(_MONEY_NOISE, "", regex=True)
    values = pd.to_numeric(cleaned, errors="coerce")
    return values, values.isna(), "is not an amount of money"


def parse_timestamp(raw: pd.Series, dates: DateStyle = DAY_FIRST,
                    seen: dict | None = None) -> tuple[pd.Series, pd.Series, str]:
    """Timestamps as exports write them, decided once per column:

    * ISO 8601: ``2026-03-01``, ``2026-03-01 20:00``, ``2026-03-01T20:00:00+07:00`` (a time with an
      offset is converted to the shop's time zone; one without is already the shop's local time);
    * ``03/01/2026 09:00:00 PM`` (US: month first, 12 h, recognised by AM/PM);
    * ``10/05/2026 22:05:43`` (day first, 24 h). A column whose first or second field exceeds 12
      settles the order; an undecided column is read day first unless ``dates.month_first``.

    A column read in chunks passes the same ``seen`` dict with each: the order is then settled by what
    the chunks so far hold, and ``seen['orders']`` collects the orders used (more than one: the file
    must be read again with the ``seen`` the last chunk left, to read every chunk as the whole column).
    ``seen['ampm']``: the column holds AM/PM times (so are its slashed times read, as the whole column).
    """
    text = raw.astype(str)
    month_first = dates.month_first
    us = seen is not None and seen.get("ampm", False)
    fixed = None if us else _fixed_width_times(text)
    if fixed is not None:  # every cell is dd/dd/yyyy hh:mm:ss (or empty): read as numbers, not as text
        values = _slashed_times(*fixed, dates, seen)
        return values, values.isna(), TIMESTAMP_EXPECTED
    offset = text.str.contains(_OFFSET.pattern, regex=True)
    values = _representable(pd.to_datetime(text.where(~offset), format="ISO8601", errors="coerce"))
    if offset.any():
        aware = _representable(pd.to_datetime(text[offset], format="ISO8601", errors="coerce", utc=True))
        if dates.timezone:
            aware = aware.dt.tz_convert(dates.timezone)
        values = values.astype("datetime64[ns]")
        values[offset] = aware.dt.tz_localize(None).astype("datetime64[ns]")
    slashed = values.isna() & text.str.contains("/", regex=False)
    if slashed.any():
        part = text[slashed]
        if us or part.str.contains(_AMPM.pattern, regex=True).any():
            if seen is not None:
                seen["ampm"] = True
            formats = ["%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p", "%m/%d/%Y"]
        else:
            fields = part.str.extract(r"^(\d{1,2})/(\d{1,2})/")
            first = pd.to_numeric(fields[0], errors="coerce")
            second = pd.to_numeric(fields[1], errors="coerce")
            month_first = _settled_order(first, second, month_first, seen)
            order = "%m/%d/%Y" if month_first else "%d/%m/%Y"
            formats = [f"{order} %H:%M:%S", f"{order} %H:%M", order]
        parsed = pd.Series(pd.NaT, index=part.index, dtype="datetime64[ns]")
        for fmt in formats:
            todo = parsed.isna()
            if not todo.any():
                break
            parsed[todo] = pd.to_datetime(part[todo], format=fmt, errors="coerce")
        values = values.astype("datetime64[ns]") if getattr(values.dt, "tz", None) is None else values
        values[slashed] = parsed
    if getattr(values.dt, "tz", None) is not None:
        values = values.dt.tz_localize(None)
    values = values.astype("datetime64[ns]")
    return values, values.isna(), TIMESTAMP_EXPECTED


def _representable(values: pd.Series) -> pd.Series:
    """NaT for times a day-resolution plan cannot hold (year -1, 9999...: pandas parses them at a
    coarser unit, and the nanosecond columns downstream cannot): a bad cell, not a crash."""
    low = pd.Timestamp.min.tz_localize("UTC") if getattr(values.dt, "tz", None) is not None else pd.Timestamp.min
    high = pd.Timestamp.max.tz_localize("UTC") if getattr(values.dt, "tz", None) is not None else pd.Timestamp.max
    return values.where((values >= low) & (values <= high))


TIMESTAMP_EXPECTED = "is not a date and time like 2026-03-01 20:00 or 01/03/2026 20:00:00"
_FIXED = "dd/dd/dddd dd:dd:dd"


def _settled_order(first: pd.Series, second: pd.Series, month_first: bool, seen: dict | None) -> bool:
    """Whether a column's a/b/yyyy dates are month first: a first field above 12 says no, a second one
    above 12 (and no first) says yes, else ``month_first``; with ``seen``, the earlier chunks count too."""
    first_big, second_big = bool((first > 12).any()), bool((second > 12).any())
    if seen is not None:
        first_big = seen["first"] = first_big or seen.get("first", False)
        second_big = seen["second"] = second_big or seen.get("second", False)
    if second_big and not first_big:
        month_first = True
    elif first_big:
        month_first = False
    if seen is not None:
        seen.setdefault("orders", set()).add(month_first)
    return month_first


def _fixed_width_times(text: pd.Series) -> tuple | None:
    """For a column whose every non-empty cell is written dd/dd/yyyy hh:mm:ss (TikTok's exports): the
    cells' fields as numbers (first, second, year, hour, minute, second), NaN where empty; else None.

    Reading the fields from the characters' codes takes a fraction of a second for millions of cells,
    where matching the text against formats took seconds per hundred thousand."""
    cells = text.to_numpy(dtype=object).astype("U")
    width = cells.dtype.itemsize // 4
    if len(cells) == 0 or width < len(_FIXED):
        return None
    codes = cells.view(np.uint32).reshape(len(cells), width)
    empty = codes[:, 0] == 0
    if width > len(_FIXED) and (codes[:, len(_FIXED)] != 0).any():
        return None  # a longer cell: another format
    codes = codes[:, :len(_FIXED)].astype(np.int64)
    for i, kind in enumerate(_FIXED):
        column = codes[~empty, i]
        if kind == "d":
            if ((column < 48) | (column > 57)).any():
                return None
        elif (column != ord(kind)).any():
            return None
    digits = np.where(empty[:, None], 0, codes - 48)

    def number(*at: int) -> pd.Series:
        value = np.zeros(len(cells), dtype=np.int64)
        for i in at:
            value = value * 10 + digits[:, i]
        return pd.Series(value, index=text.index).where(~empty)

    return (number(0, 1), number(3, 4), number(6, 7, 8, 9), number(11, 12), number(14, 15), number(17, 18))


def _slashed_times(first: pd.Series, second: pd.Series, year: pd.Series, hour: pd.Series, minute: pd.Series,
                   sec: pd.Series, dates: DateStyle, seen: dict | None) -> pd.Series:
    """The times of :func:`_fixed_width_times`' fields, the day and month order settled as
    :func:`parse_timestamp` settles it; NaT where a field is out of range (31/02, 25:00)."""
    month_first = dates.month_first if first.isna().all() else _settled_order(first, second, dates.month_first, seen)
    month, day = (first, second) if month_first else (second, first)
    fine = (hour < 24) & (minute < 60) & (sec <= 61)  # strptime's %S takes leap seconds, into the next minute
    values = pd.to_datetime(pd.DataFrame({"year": year, "month": month, "day": day, "hour": hour, "minute": minute})
                            .where(fine), errors="coerce")
    return (values + pd.to_timedelta(sec.where(fine), unit="s")).astype("datetime64[ns]")


def parse_date(raw: pd.Series, dates: DateStyle = DAY_FIRST, seen: dict | None = None) -> tuple[pd.Series, pd.Series, str]:
    values, bad, _ = parse_timestamp(raw, dates, seen)
    return values.dt.normalize(), bad, "is not a date like 2026-03-01"


PARSERS = {"whole": parse_whole, "number": parse_number, "money": parse_money,
           "timestamp": parse_timestamp, "date": parse_date}


class Problems:
    """Collects the bad cells of a table: (row, column, value, problem)."""

    def __init__(self, file: str):
        self.file = file
        self.rows: list[tuple[int, str, str, str]] = []

    def add(self, mask: pd.Series, column: str, raw: pd.Series | None, problem: str) -> None:
        for row in mask.index[mask.to_numpy(dtype=bool)]:
            value = "" if raw is None else str(raw.at[row])
            self.rows.append((int(row), column, value, problem))

    def frame(self) -> pd.DataFrame:
        frame = pd.DataFrame(self.rows, columns=["row", "column", "value", "problem"])
        frame.insert(0, "file", self.file)
        return frame.sort_values(["row", "column"], kind="stable").drop_duplicates("row").reset_index(drop=True)

    def drop_from(self, frame: pd.DataFrame, rejects: pd.DataFrame | None, on_bad_rows: OnBadRows) -> Parsed:
        """``frame`` (with its ``_row`` column) without the bad rows, their reasons added to ``rejects``;
        with ``on_bad_rows='fail'`` the first problem is raised instead."""
        if not self.rows:
            clean = frame.reset_index(drop=True)
            return Parsed(clean) if rejects is None else Parsed(clean, rejects)
        if on_bad_rows == "fail":
            self.raise_first()
        found = self.frame()
        keep = ~frame["_row"].isin(found["row"])
        rejects = found if rejects is None or rejects.empty else pd.concat([rejects, found], ignore_index=True)
        return Parsed(frame[keep].reset_index(drop=True), rejects)

    def raise_first(self) -> None:
        raise_first_of(self.frame())


def raise_first_of(rejects: pd.DataFrame) -> None:
    """Raise the first of ``rejects`` (Problems.frame(): file, row, column, value, problem; sorted by row)."""
    first = rejects.iloc[0]
    more = len(rejects) - 1
    tail = f" ({more} more bad row{'s' if more != 1 else ''}; --on-bad-rows skip imports the good rows and lists the bad ones in a rejects file)" if more else ""
    value = first["value"]
    problem = f"{value!r} {first['problem']}" if value != "" else first["problem"]
    raise InputError(first["file"], problem + tail, row=int(first["row"]), column=first["column"])


def missing_columns_error(file: str, schema_names: list[str], found: list[str]) -> InputError:
    return InputError(file, f"missing column(s) {schema_names}; found {[h for h in found if h.strip()]}")


def parse_table(path: Path, schema: Schema, on_bad_rows: OnBadRows = "fail", display_name: str | None = None,
                dates: DateStyle = DAY_FIRST) -> Parsed:
    """Read ``path`` against ``schema``: typed frame + rejects (empty unless ``on_bad_rows='skip'``)."""
    name = display_name or Path(path).name
    wanted = [h for c in schema.columns for h in c.file_names]
    raw, headers = read_raw(Path(path), wanted, name)
    return parse_frame(raw, headers, schema, name, on_bad_rows, dates)


def _is_typed(series: pd.Series) -> bool:
    """A column a typed file (Parquet) already holds as numbers or times."""
    return pd.api.types.is_numeric_dtype(series) or pd.api.types.is_datetime64_any_dtype(series)


def _number_text(value: object) -> str:
    """A typed cell as the user would write it: 20260301, not 2.02603e+07."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)


def _flag(problems: Problems, mask: pd.Series, label: str, series: pd.Series, problem: str) -> None:
    if mask.any():  # text of the offending cells only: millions of good ones stay numbers
        problems.add(mask, label, series[mask].map(_number_text), problem)


def _typed_column(series: pd.Series, column: Column, label: str, problems: Problems,
                  dates: DateStyle = DAY_FIRST) -> pd.Series:
    """Check a typed column against its schema kind; nulls are empty cells; zoned times are converted
    to the shop's time zone."""
    if getattr(getattr(series, "dt", None), "tz", None) is not None:
        series = (series.dt.tz_convert(dates.timezone) if dates.timezone else series).dt.tz_localize(None)
    empty = series.isna()
    if not column.nullable:
        problems.add(empty, label, None, "is empty; a value is required")
    numeric = pd.api.types.is_numeric_dtype(series)
    temporal = column.kind in ("date", "timestamp")
    if column.kind in ("text", "choice") or temporal != (not numeric):
        expected = {"date": "a date", "timestamp": "a date and time", "text": "text", "choice": "text"}.get(column.kind, "a number")
        _flag(problems, ~empty, label, series, f"is not {expected} (the file's column holds "
                                                f"{'numbers' if numeric else 'dates'})")
        return series
    values = series.astype("datetime64[ns]").dt.normalize() if column.kind == "date" else series
    if column.kind == "whole":
        _flag(problems, ~empty & (values != np.floor(values)), label, series, "is not a whole number")
    if column.min_value is not None:
        _flag(problems, ~empty & (values < column.min_value), label, series,
              f"is below the allowed minimum {column.min_value:g}")
    return values.where(~empty, column.default) if column.default is not None else values


def parse_frame(raw: pd.DataFrame, headers: list[str], schema: Schema, name: str,
                on_bad_rows: OnBadRows = "fail", dates: DateStyle = DAY_FIRST, seen: dict | None = None) -> Parsed:
    """Type the text frame from :func:`read_raw` against ``schema`` (see :func:`parse_table`); a frame
    that is one chunk of a file passes the same ``seen`` with each (see :func:`parse_timestamp`)."""
    present = {k: k for k in raw.columns}
    source: dict[str, str] = {}
    for column in schema.columns:
        key = next((header_key(h) for h in column.file_names if header_key(h) in present), None)
        if key is not None:
            source[column.name] = key
    missing = [c.file_names[0] for c in schema.columns if c.required and c.name not in source]
    if missing:
        raise missing_columns_error(name, missing, headers)
    header_of = {c.name: next((h for h in headers if header_key(h) == source[c.name]), c.file_names[0])
                 for c in schema.columns if c.name in source}

    problems = Problems(name)
    out = pd.DataFrame(index=raw.index)
    for column in schema.columns:
        if column.name not in source:
            out[column.name] = column.default
            continue
        label = header_of[column.name]
        if _is_typed(raw[source[column.name]]):
            values = _typed_column(raw[source[column.name]], column, label, problems, dates)
            out[column.name] = values
            continue
        cells = raw[source[column.name]].astype(str)
        empty = cells == ""
        if not column.nullable:
            problems.add(empty, label, None, "is empty; a value is required")
        if column.kind == "text":
            values = cells.where(~empty, column.default)
        elif column.kind == "choice":
            allowed = {c.casefold(): c for c in column.choices}
            values = cells.str.casefold().map(allowed)
            problems.add(values.isna() & ~empty, label, cells, f"is not one of {', '.join(column.choices)}")
            values = values.where(~empty, column.default)
        else:
            parser = PARSERS[column.kind]
            values, bad, expected = (parser(cells, dates, None if seen is None else seen.setdefault(column.name, {}))
                                     if column.kind in ("timestamp", "date") else parser(cells))
            problems.add(bad & ~empty, label, cells, expected)
            if column.min_value is not None:
                problems.add((values < column.min_value) & ~bad & ~empty, label, cells,
                             f"is below the allowed minimum {column.min_value:g}")
            if column.default is not None:
                values = values.where(~empty, column.default)
        out[column.name] = values
    out["_row"] = raw.index.to_numpy()
    return problems.drop_from(out, None, on_bad_rows)
