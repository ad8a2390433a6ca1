"""Order CSVs typed by DuckDB: the file read by DuckDB's CSV reader, its cells typed in SQL, in one pass.

planner/io/orders_stream.py typed each 100,000-row chunk in pandas; at 4.5 M lines most of the import
was pandas' CSV reader and its parsing of amounts, whole numbers and dd/mm/yyyy times. Here DuckDB reads
the declared columns only (never a buyer's name, phone or address; a header's position picks its column)
and types in SQL the cells whose reading is certain, by the rules of planner/io/table.py:

* text: spaces, tabs and byte-order marks around a cell dropped; an empty cell is the column's default;
* whole numbers ``12``, ``1,200``, ``3.0``; numbers ``12.5``; amounts with a currency word or sign and
  thousands separators (``฿1,249.00``, ``THB 249``);
* times ``2026-03-01[ 20:00[:00]]``, ``10/05/2026[ 22:05:43]`` (the column's day/month order settled
  by the whole column, as the readers settle it) and ``03/01/2026 09:00:00 PM``;
* TikTok order statuses in every export language (planner/io/tiktok_status.py).

A row holding any other cell -- empty where a value is required, a status or a time in another form, a
bad amount, a SKU missing -- is read by the pandas path (the format's chunk reader), those rows only, with
every time column's order settled by the whole column (``seen``): its rejection and its error are then
the readers' own, naming file, spreadsheet row, column and what was expected. What rows cannot settle
sends the whole file back to the chunked pandas path (:class:`NotFast`): a CSV DuckDB's strict reader
refuses (ragged rows, a line of spaces, text that is not UTF-8: pandas then reports it as before), a
time column mixing AM/PM and 24 h times or whose settled order makes one of its cells invalid, or more
rows for pandas than a chunk holds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import duckdb
import pandas as pd

from planner.io.orders import TIKTOK
from planner.io.table import Column, DateStyle, Problems, Schema, header_key, read_headers
from planner.io.tiktok_status import STATUS_WORDS

#: what planner.io.table._stripped strips around a cell
_SPACE = "' ' || chr(9) || chr(13) || chr(10) || chr(65279)"
#: an amount whose reading by table.parse_money is certain: no digit, dot or minus around one number
_MONEY = r"[^\p{N}.\-]*-?[0-9][0-9,]*(\.[0-9]+)?[^\p{N}.\-]*"
_SQL_TYPES = {"text": "VARCHAR", "whole": "DOUBLE", "number": "DOUBLE", "money": "DOUBLE", "timestamp": "TIMESTAMP",
              "date": "TIMESTAMP"}
#: slashed time kinds per row: neither field above 12, the first above 12, the second, AM/PM
SLASHED, FIRST_BIG, SECOND_BIG, US = 1, 2, 3, 4


class NotFast(Exception):
    """The file goes the chunked pandas path; the reason."""


@dataclass(frozen=True)
class _Typed:
    """How one column is typed, in three steps so that each costly test runs once per cell: ``shape``
    (SQL of the trimmed cell ``s``: what form it has), ``value`` (of ``s`` and the shape), ``ok`` (of
    those: true where the cell is typed here as table.parse_frame types it)."""

    value: str
    ok: str
    shape: str | None = None
    kind: str | None = None  # a time's kind (SLASHED ... US), for its column's order


def _literal(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return repr(float(value))


def _typed(column: Column, s: str, shape: str) -> _Typed:
    """The SQL typing one column's trimmed cell ``s`` (``shape``: the name of its shape), as
    planner.io.table.parse_frame types it."""
    empty_ok = "TRUE" if column.nullable else "FALSE"
    default = _literal(column.default)
    if column.kind == "text":
        return _Typed(f"CASE WHEN {s} = '' THEN {default} ELSE {s} END", f"({s} <> '' OR {empty_ok})")
    if column.kind in ("whole", "number", "money"):
        if column.kind == "money":
            fine, text = f"regexp_full_match({s}, '{_MONEY}')", f"regexp_replace({s}, '[^0-9.\\-]', '', 'g')"
        else:
            text = f"replace({s}, ',', '')"
            pattern = r"\+?[0-9]+(\.0*)?" if column.kind == "whole" else r"-?[0-9]+(\.[0-9]+)?"
            fine = f"regexp_full_match({text}, '{pattern}')"
        value = f"CASE WHEN {s} = '' THEN {default} WHEN {shape} THEN TRY_CAST({text} AS DOUBLE) END"
        at_least = "" if column.min_value is None else f" AND {column.name} >= {column.min_value!r}"
        return _Typed(value, f"(CASE WHEN {s} = '' THEN {empty_ok} ELSE {shape}{at_least} END)",
                      f"CASE WHEN {s} <> '' THEN {fine} END")
    if column.kind in ("timestamp", "date"):
        return _typed_time(column, s, shape)
    raise NotFast(f"no SQL for {column.kind} columns")


#: the shapes of a time cell: empty, dd/dd/yyyy hh:mm:ss, ISO, US with AM/PM, dd/dd/yyyy, another
_TIME_SHAPES = ((1, r"[0-9]{2}/[0-9]{2}/[0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2}", "{order} %H:%M:%S"),
                (2, r"[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2})?)?", None),
                (3, r"[0-9]{2}/[0-9]{2}/[0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} [AP]M", "%m/%d/%Y %I:%M:%S %p"),
                (4, r"[0-9]{2}/[0-9]{2}/[0-9]{4}", "{order}"))


def _typed_time(column: Column, s: str, shape: str) -> _Typed:
    whens = " ".join(f"WHEN regexp_full_match({s}, '{pattern}') THEN {code}" for code, pattern, _ in _TIME_SHAPES)
    day = column.kind == "date"

    def read(form: str | None) -> str:
        if form is None:
            return f"TRY_CAST({s} AS TIMESTAMP)"
        if "{order}" not in form:
            return f"try_strptime({s}, '{form}')"
        # day first where that reads; else month first (the second field above 12): its kind says which
        return (f"coalesce(try_strptime({s}, '{form.format(order='%d/%m/%Y')}'), "
                f"try_strptime({s}, '{form.format(order='%m/%d/%Y')}'))")

    cases = " ".join(f"WHEN {code} THEN {read(form)}" for code, _, form in _TIME_SHAPES)
    value = f"date_trunc('day', CASE {shape} {cases} END)" if day else f"CASE {shape} {cases} END"
    fine = (f"{shape} BETWEEN 1 AND 4 AND {column.name} BETWEEN TIMESTAMP '1900-01-01' "
            f"AND TIMESTAMP '2199-12-31 23:59:59'")  # pandas' nanosecond times end in 2262
    kind = (f"CASE WHEN {shape} = 3 THEN {US} WHEN {shape} NOT IN (1, 4) THEN 0 "
            f"WHEN substr({s}, 1, 2) > '12' THEN {FIRST_BIG} WHEN substr({s}, 4, 2) > '12' THEN {SECOND_BIG} "
            f"ELSE {SLASHED} END")
    empty_ok = "TRUE" if column.nullable else "FALSE"
    return _Typed(value, f"(CASE WHEN {s} = '' THEN {empty_ok} ELSE {fine} END)",
                  f"CASE WHEN {s} = '' THEN 0 {whens} ELSE 9 END", kind)


def _status(word: str) -> str:
    """SQL of the normalised status of a trimmed status cell (NULL: not a known word)."""
    cases = " ".join(f"WHEN {_literal(w.casefold())} THEN {_literal(status)}"
                     for status, words in STATUS_WORDS.items() for w in words if w.casefold() == w.lower())
    return f"CASE lower({word}) {cases} END"


# ------------------------------------------------------------------------------------- the formats

def _tiktok_rows(cells: dict[str, str]) -> tuple[dict[str, str], str]:
    """The status and SKU of a TikTok row, and the SQL true where both are known."""
    seller, sku_id = cells.get("seller_sku", "''"), cells.get("sku_id", "''")
    sku = f"CASE WHEN {seller} <> '' THEN {seller} ELSE {sku_id} END"
    status = _status(cells["status_word"])
    return {"status": status, "sku": sku}, f"{status} IS NOT NULL AND {sku} <> ''"


def _tiktok_lines(t: Callable[[str], str]) -> dict[str, str]:
    """planner.io.orders.tiktok_frame in SQL over the typed rows (``t(name)``: a time column, settled)."""
    return {
        "line_key": "NULL", "channel": "'tiktok'", "order_id": "order_id", "sku": "sku",
        "location": "CASE WHEN contains(lower(fulfillment), 'tiktok') THEN 'fbt' ELSE 'own' END", "status": "status",
        **_tiktok_times(t), "quantity": "quantity", "returned_quantity": "returned_quantity",
        "is_demand": "NOT (status = 'cancelled' AND NOT shipped_at__given "
                     "AND NOT contains(lower(coalesce(cancel_type, '')), 'return'))",
        "unit_price": "unit_price", "revenue": "coalesce(subtotal, unit_price * quantity)", "product_name": "product_name",
        "category": "category", "source_row": "source_row", "k_sku_id": "sku_id", "k_package_id": "package_id",
        "k_subtotal": "subtotal"}


def _tiktok_times(t: Callable[[str], str]) -> dict[str, str]:
    return {"demand_date": f"date_trunc('day', coalesce({t('paid_at')}, {t('created_at')}))",
            "created_at": t("created_at"), "paid_at": t("paid_at"), "shipped_at": t("shipped_at")}


def _generic_lines(t: Callable[[str], str]) -> dict[str, str]:
    """planner.io.orders.generic_frame in SQL over the typed rows."""
    return {**_generic_times(t), "channel": "'generic'", "order_id": "NULL", "sku": "sku", "location": "location",
            "status": "'completed'", "shipped_at": "NULL", "quantity": "units", "returned_quantity": "0",
            "is_demand": "TRUE", "unit_price": "price", "revenue": "price * units", "product_name": "NULL",
            "category": "NULL", "source_row": "source_row", "k_sku_id": "NULL", "k_package_id": "NULL",
            "k_subtotal": "NULL"}


def _generic_times(t: Callable[[str], str]) -> dict[str, str]:
    return {"line_key": f"'generic:' || sku || ':' || strftime({t('date')}, '%Y-%m-%d') || ':' || location",
            "demand_date": t("date"), "created_at": t("date"), "paid_at": t("date")}


@dataclass(frozen=True)
class _Shape:
    rows: Callable | None  # cells -> (extra columns' SQL, SQL true where they are known)
    lines: Callable[[Callable[[str], str]], dict[str, str]]  # the staged line's columns of the typed row's
    times: Callable[[Callable[[str], str]], dict[str, str]]  # the staged columns a time column's order moves
    day_first: dict[str, str]  # a time column -> the staged column holding it read day first
    first_row_apart: bool  # the first row may be a description row: the pandas path judges it


#: the formats typed here; the others (and XLSX and Parquet files) go the chunked pandas path
SHAPES = {
    "tiktok": _Shape(_tiktok_rows, _tiktok_lines, _tiktok_times,
                     {"created_at": "created_at", "paid_at": "paid_at", "shipped_at": "shipped_at"}, True),
    "generic": _Shape(None, _generic_lines, _generic_times, {"date": "demand_date"}, False),
}


# ----------------------------------------------------------------------------------------- staging

def stage_csv(db: duckdb.DuckDBPyConnection, path: Path, name: str, fmt: str, schema: Schema, dates: DateStyle,
              chunk: Callable, insert: Callable, staged: str, staged_columns: dict[str, str],
              max_pandas_rows: int) -> tuple[pd.DataFrame, Problems]:
    """Type ``path`` (a ``fmt`` CSV) into the table ``staged`` (``staged_columns``: name -> SQL type, and
    ``dropped``): the rows SQL types here, then the rest through ``chunk`` (the format's pandas chunk
    reader) and ``insert``. Returns the rows rejected cell by cell and the problems of whole lines, as the
    chunked path does. Raises :class:`NotFast` when the file must go the chunked path instead."""
    if Path(path).suffix.casefold() != ".csv" or fmt not in SHAPES:
        raise NotFast("not a CSV of a format typed in SQL")
    headers = read_headers(path)
    keep = _kept(headers, schema)
    columns = _columns(schema, headers, keep)
    shape = SHAPES[fmt]
    _type_rows(db, path, len(headers), keep, schema, columns, shape, staged, staged_columns)
    seen = _seen_by_rows(db, staged, schema, columns)
    rejects, problems = _pandas_rows(db, staged, headers, keep, name, dates, seen, chunk, insert, shape,
                                     max_pandas_rows)
    month_first = [c for c, first in _settled(db, staged, seen, dates, shape).items() if first]
    if month_first:  # rare: a slashed time with both fields up to 12 was staged day first
        t = (lambda c: f"(CASE WHEN {c}__kind = {SLASHED} THEN {_swapped(shape.day_first[c])} "
                       f"ELSE {shape.day_first[c]} END)" if c in month_first else shape.day_first[c])
        moved = ", ".join(f"{c} = {sql}" for c, sql in shape.times(t).items())
        db.execute(f"UPDATE {staged} SET {moved} WHERE by_pandas IS FALSE")
    return rejects, problems


def _kept(headers: list[str], schema: Schema) -> list[int]:
    """The positions of the headers the schema declares (planner.io.table.iter_raw's columns)."""
    wanted = {header_key(h) for c in schema.columns for h in c.file_names}
    return [i for i, h in enumerate(headers) if header_key(h) in wanted]


def _columns(schema: Schema, headers: list[str], keep: list[int]) -> dict[str, int]:
    """Schema column -> the position of its header (the first of its names the file has, as
    table.parse_frame picks)."""
    at = {}
    for i in keep:
        at.setdefault(header_key(headers[i]), i)
    columns = {}
    for column in schema.columns:
        key = next((header_key(h) for h in column.file_names if header_key(h) in at), None)
        if key is not None:
            columns[column.name] = at[key]
    missing = [c.name for c in schema.columns if c.required and c.name not in columns]
    if missing or (schema is TIKTOK and not {"seller_sku", "sku_id"} & set(columns)):
        raise NotFast("a required column is missing: the pandas path says which")
    if len(at) < len(keep):
        raise NotFast("two headers name one column")
    return columns


def _trimmed(c: str) -> str:
    """table._stripped in SQL: trim only the cells that need it (most do not; trimming all costs)."""
    ends = " OR ".join(f"{side}({c}, chr({code}))" for side in ("prefix", "suffix") for code in (32, 9, 13, 10, 65279))
    return f"CASE WHEN {c} IS NULL THEN '' WHEN {ends} THEN trim({c}, {_SPACE}) ELSE {c} END"


def _type_rows(db, path: Path, width: int, keep: list[int], schema: Schema, columns: dict[str, int], shape: _Shape,
               staged: str, staged_columns: dict[str, str]) -> None:
    """``staged``: every non-blank row of the file as its line, with whether the pandas path reads it
    instead (``by_pandas``; then its cells as text, in ``text``) and each time column's kind (times are
    staged day first where that reads, else month first; :func:`stage_csv` settles them). The query's
    layers: the trimmed cells, their shapes, their values, what of them is certain, the line; each
    costly test runs once per cell."""
    cells = {name: f"s{i}" for name, i in columns.items()}
    typed = {c.name: _typed(c, cells[c.name], f"{c.name}__shape") for c in schema.columns if c.name in columns}
    extra, known = shape.rows(cells) if shape.rows else ({}, "TRUE")
    shapes = [f"{t.shape} AS {n}__shape" for n, t in typed.items() if t.shape] + [f"{sql} AS {n}" for n, sql in extra.items()]
    values = [f"{t.value} AS {n}" for n, t in typed.items()]
    values += [f"{_literal(c.default)}::{_SQL_TYPES[c.kind]} AS {c.name}" for c in schema.columns if c.name not in columns]
    values += [f"{cells[c.name] + ' <> ' + repr('') if c.name in columns else 'FALSE'} AS {c.name}__given"
               for c in schema.columns if c.kind in ("timestamp", "date")]  # whatever its day/month order
    fine = " AND ".join([t.ok for t in typed.values()] + [known] + (["row_number > 1"] if shape.first_row_apart else []))
    kinds = [f"{t.kind}::UTINYINT AS {n}__kind" for n, t in typed.items() if t.kind]
    lines = shape.lines(lambda c: c)
    line = [f"CAST({lines.get(c, 'NULL')} AS {kind}) AS {c}" for c, kind in staged_columns.items()]
    times = [f"{n}__kind" for n, t in typed.items() if t.kind]
    text = f"to_json(list_value({', '.join(f's{i}' for i in keep)}))"
    trimmed = ", ".join(f"{_trimmed(f'c{i}')} AS s{i}" for i in keep)
    blank = " AND ".join(f"coalesce(c{i}, '') = ''" for i in keep)
    spec = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width)) + "}"
    source = (f"read_csv(?, columns = {spec}, header = true, auto_detect = false, delim = ',', quote = '\"', "
              f"escape = '\"', encoding = 'utf-8')")
    try:
        db.execute(f"""CREATE OR REPLACE TEMP TABLE {staged} AS
            SELECT {', '.join(line + times)}, FALSE AS dropped, NOT by_sql AS by_pandas,
                   CASE WHEN NOT by_sql THEN {text} END AS text
            FROM (SELECT *, row_number + 1 AS source_row, coalesce({fine}, FALSE) AS by_sql,
                         {', '.join(kinds) or 'NULL AS no_times'}
                  FROM (SELECT *, {', '.join(values)}
                        FROM (SELECT *{''.join(', ' + x for x in shapes)}
                              FROM (SELECT ordinality AS row_number, {trimmed}
                                    FROM {source} WITH ORDINALITY WHERE NOT ({blank})))))""", [str(path)])
    except (duckdb.InvalidInputException, duckdb.ConversionException) as error:  # a CSV the strict reader
        # refuses: pandas reads it, or says why not
        raise NotFast(f"DuckDB's reader: {error}") from None


def _seen_by_rows(db, staged: str, schema: Schema, columns: dict[str, int]) -> dict[str, dict]:
    """Per time column, what its SQL-typed rows say of its order (table.parse_timestamp's ``seen``)."""
    times = [c.name for c in schema.columns if c.kind in ("timestamp", "date") and c.name in columns]
    if not times:
        return {}
    flags = ", ".join(f"bool_or({c}__kind = {FIRST_BIG}), bool_or({c}__kind = {SECOND_BIG}), bool_or({c}__kind = {US})"
                      for c in times)
    found = db.execute(f"SELECT {flags} FROM {staged} WHERE NOT by_pandas").fetchone()
    return {c: {"first": bool(found[3 * k]), "second": bool(found[3 * k + 1]), "ampm": bool(found[3 * k + 2])}
            for k, c in enumerate(times)}


def _pandas_rows(db, staged: str, headers: list[str], keep: list[int], name: str, dates: DateStyle, seen: dict,
                 chunk: Callable, insert: Callable, shape: _Shape, max_rows: int) -> tuple[pd.DataFrame, Problems]:
    """The rows SQL did not type, read by the format's pandas chunk reader (their order settled by the
    whole column through ``seen``) and staged in their place: the rows it rejected and the problems it found."""
    count, first, first_by_pandas = db.execute(
        f"SELECT count(*) FILTER (WHERE by_pandas), min(source_row), arg_min(by_pandas, source_row) FROM {staged}").fetchone()
    if shape.first_row_apart and first is not None and not first_by_pandas:
        raise NotFast("blank rows above the first row: the pandas path judges a description row")
    if count > max_rows:
        raise NotFast(f"{count} rows for the pandas path")
    problems = Problems(name)
    if not count:
        return Problems(name).frame(), problems
    rows = db.execute(f"SELECT source_row, text FROM {staged} WHERE by_pandas ORDER BY source_row").fetchall()
    db.execute(f"DELETE FROM {staged} WHERE by_pandas")
    raw = pd.DataFrame([json.loads(text) for _, text in rows], columns=[header_key(headers[i]) for i in keep],
                       index=[row for row, _ in rows], dtype=str)
    lines, rejects = chunk(raw, headers, name, dates, seen, raw.index[0] == first, problems)
    if lines is not None:
        insert(lines)
    return rejects, problems


def _swapped(time: str) -> str:
    """A time read day first, read month first (both fields up to 12: it reads either way)."""
    return (f"make_timestamp(year({time}), day({time}), month({time}), hour({time}), minute({time}), "
            f"second({time}))")


def _settled(db, staged: str, seen: dict, dates: DateStyle, shape: _Shape) -> dict[str, bool]:
    """Per time column, whether it reads month first, settled by the whole column as
    table._settled_order settles it; :class:`NotFast` if that leaves a SQL-typed cell unreadable."""
    orders, unreadable = {}, []
    for column, flags in seen.items():
        first, second = flags.get("first", False), flags.get("second", False)
        month_first = True if second and not first else False if first else dates.month_first
        orders[column] = month_first
        unreadable.append(f"{column}__kind IN ({SLASHED}, {FIRST_BIG}, {SECOND_BIG})" if flags.get("ampm") else
                          f"{column}__kind = {FIRST_BIG if month_first else SECOND_BIG}")
    if unreadable and db.execute(f"SELECT count(*) FROM {staged} WHERE by_pandas IS FALSE AND "
                                 f"(({') OR ('.join(unreadable)}))").fetchone()[0]:
        raise NotFast("a time column's settled order leaves cells unreadable (or mixes AM/PM and 24 h)")
    return orders
