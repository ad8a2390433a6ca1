"""Order files streamed into the store: read in chunks, checked, staged in DuckDB, then upserted.

The readers in planner/io/orders.py hold a whole file as pandas frames: about 30 times the CSV's size
(a 10,000-SKU export of 4.4 M lines peaked at 3.1 GB). Here a file is read ``chunk_rows`` rows at a
time (planner.io.table.iter_raw); each chunk is typed and checked cell by cell as the readers check it
and appended to a temporary table of the store, which DuckDB spills to disk when it grows. What needs
the whole file runs in SQL over that table, with the same rules and messages as the readers:

* copies of one TikTok order line with different quantities (planner.io.checks.conflicting_copies);
* the line keys, numbering an order's lines of one SKU in file order;
* a generic table's repeated SKU, day and location, summed;
* dates far from the file's main run, in the future or before 2000 (checks.implausible_dates);
* quantities far above the file's and the SKU's usual high (checks.quantity_outliers).

Errors name the file, the row as a spreadsheet shows it and the column, as the whole-file readers do;
with ``on_bad_rows='fail'`` the error is the one the whole-file reader raises, and nothing is staged
for the store. Only the declared columns are read (no buyer's name, phone or address).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import duckdb
import pandas as pd

from planner.io.checks import (
    EARLIEST_DATE, OUTLIER_MIN_UNITS, OrderChecks, add_copies, date_problems, main_run, outlier_warning,
)
from planner.io.orders import (
    CHECKED, GENERIC, LINE_COLUMNS, ONLINE_RETAIL, TIKTOK, generic_frame, online_retail_frame, tiktok_frame,
    tiktok_lines, tiktok_raw,
)
from planner.io.orders_csv import NotFast, stage_csv
from planner.io.table import DAY_FIRST, DateStyle, OnBadRows, Problems, Schema, iter_raw, parse_frame, raise_first_of

log = logging.getLogger("restock.import")

#: rows typed in pandas at a time: ~100 MB of text columns for a TikTok export
CHUNK_ROWS = 100_000

STAGED = "staged_lines"
#: the staged lines as the store takes them (line keys numbered, dropped rows left out)
INCOMING = "incoming_lines"

_TYPES = {"demand_date": "TIMESTAMP", "created_at": "TIMESTAMP", "paid_at": "TIMESTAMP", "shipped_at": "TIMESTAMP",
          "quantity": "DOUBLE", "returned_quantity": "DOUBLE", "is_demand": "BOOLEAN", "unit_price": "DOUBLE",
          "revenue": "DOUBLE", "source_row": "BIGINT"}
#: the staged columns beyond the store's: what makes two TikTok rows one order line, and a dropped mark
_KEYS = {"k_sku_id": "VARCHAR", "k_package_id": "VARCHAR", "k_subtotal": "DOUBLE", "line_no": "BIGINT"}
_COLUMNS = {**{c: _TYPES.get(c, "VARCHAR") for c in LINE_COLUMNS}, **_KEYS}


@dataclass
class Staged:
    """A file staged for the store: its line count (in ``INCOMING``), rejected rows and warnings."""

    lines: int
    rejects: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    numbered: str | None = None  # the line keys' prefix when numbered per order and SKU (keep_staged)


@dataclass(frozen=True)
class _Format:
    schema: Schema
    chunk: Callable  # (raw, headers, name, dates, seen, first, problems) -> (lines frame or None, parse rejects)
    numbered: str | None  # the line key's prefix when lines are numbered per order and SKU; None: keys are made whole
    sums_repeats: bool = False


def _tiktok_chunk(raw, headers, name, dates, seen, first, problems):
    parsed, lines, found, checkable = tiktok_lines(tiktok_raw(raw, headers, name, first), headers, name, "skip",
                                                   dates, seen)
    problems.rows += found.rows  # an unknown status, no SKU: rejected with the copies found over the whole file
    lines = lines[checkable]
    if lines.empty:
        return None, parsed.rejects
    frame = tiktok_frame(lines, None).assign(k_sku_id=lines["sku_id"].astype(str), k_package_id=lines["package_id"].astype(str),
                                             k_subtotal=lines["subtotal"])
    return frame, parsed.rejects


def _typed_chunk(schema: Schema, to_frame: Callable) -> Callable:
    def chunk(raw, headers, name, dates, seen, first, problems):
        parsed = parse_frame(raw, headers, schema, name, "skip", dates, seen)
        return (to_frame(parsed.frame) if len(parsed.frame) else None), parsed.rejects
    return chunk


FORMATS = {
    "tiktok": _Format(TIKTOK, _tiktok_chunk, "tiktok"),
    "online_retail": _Format(ONLINE_RETAIL, _typed_chunk(ONLINE_RETAIL, lambda lines: online_retail_frame(lines, None)),
                             "uci"),
    "generic": _Format(GENERIC, _typed_chunk(GENERIC, generic_frame), None, sums_repeats=True),
}


def stage_order_file(db: duckdb.DuckDBPyConnection, path: Path, fmt: str, source_file: str,
                     on_bad_rows: OnBadRows = "fail", dates: DateStyle = DAY_FIRST, checks: OrderChecks | None = None,
                     chunk_rows: int = CHUNK_ROWS) -> Staged:
    """Read ``path`` (a ``fmt`` order file) into the temporary view ``INCOMING`` of ``db``: the lines as
    :func:`planner.io.orders.read_order_file` reads them, checked the same way, ready for
    ``Store.upsert_from``. Raises the reader's InputError with ``on_bad_rows='fail'``."""
    path, name, checks = Path(path), Path(path).name, checks or OrderChecks()
    spec = FORMATS[fmt]
    try:
        parse_rejects, problems = stage_csv(db, path, name, fmt, spec.schema, dates, spec.chunk,
                                            lambda lines: _insert(db, lines), STAGED, _COLUMNS, CHUNK_ROWS)
    except NotFast as reason:
        log.debug("%s: read in pandas chunks (%s)", name, reason)
        parse_rejects, problems = _stage_all_chunks(db, path, name, spec, dates, chunk_rows)
    if on_bad_rows == "fail" and len(parse_rejects):
        raise_first_of(parse_rejects)
    if spec.numbered == "tiktok":
        add_copies(_copies(db), problems, "Quantity")
    line_rejects = problems.frame()
    if on_bad_rows == "fail" and len(line_rejects):
        raise_first_of(line_rejects)
    _drop(db, line_rejects, delete=True)
    if spec.sums_repeats:
        _sum_repeats(db)
    _number_lines(db, spec.numbered, source_file)
    rejects = [r for r in (parse_rejects, line_rejects) if len(r)]
    count = _count(db)
    if not count and not rejects:
        return Staged(0, Problems(name).frame(), [f"{name}: no order lines under its header; nothing to import"])
    times, quantity = CHECKED[fmt]
    date_rejects = _implausible_dates(db, name, times, checks)
    if on_bad_rows == "fail" and len(date_rejects):
        raise_first_of(date_rejects)
    _drop(db, date_rejects, delete=False)
    rejects += [date_rejects] if len(date_rejects) else []
    warnings = _quantity_outliers(db, name, quantity, checks)
    all_rejects = pd.concat(rejects, ignore_index=True) if rejects else Problems(name).frame()
    return Staged(_count(db), all_rejects, warnings, spec.numbered)


def _stage_all_chunks(db, path: Path, name: str, spec: _Format, dates: DateStyle,
                      chunk_rows: int) -> tuple[pd.DataFrame, Problems]:
    """:func:`_stage_chunks` until every chunk was read with its columns' day/month order settled."""
    seen: dict = {}
    while True:
        parse_rejects, problems = _stage_chunks(db, path, name, spec, dates, seen, chunk_rows)
        # a chunk read day/month order before a later one settled it otherwise: read again, settled
        orders = [column.pop("orders", ()) for column in seen.values()]
        if all(len(used) <= 1 for used in orders):
            return parse_rejects, problems


def _stage_chunks(db, path: Path, name: str, spec: _Format, dates: DateStyle, seen: dict,
                  chunk_rows: int) -> tuple[pd.DataFrame, Problems]:
    """Type and check each chunk, append its lines to ``STAGED``; the rows rejected cell by cell, and the
    problems of whole lines found so far."""
    _create_staged(db)
    wanted = [h for c in spec.schema.columns for h in c.file_names]
    headers, chunks = iter_raw(path, wanted, name, chunk_rows)
    problems, rejects = Problems(name), []
    for number, raw in enumerate(chunks):
        lines, parse_rejects = spec.chunk(raw, headers, name, dates, seen, number == 0, problems)
        if len(parse_rejects):
            rejects.append(parse_rejects)
        if lines is not None:
            _insert(db, lines)
    return (pd.concat(rejects, ignore_index=True) if rejects else Problems(name).frame()), problems


def _create_staged(db) -> None:
    columns = ", ".join(f"{c} {t}" for c, t in _COLUMNS.items())
    db.execute(f"CREATE OR REPLACE TEMP TABLE {STAGED} ({columns}, dropped BOOLEAN DEFAULT FALSE)")


def _insert(db, lines: pd.DataFrame) -> None:
    """Append a frame of typed lines (a format's chunk reader's) to ``STAGED``."""
    chunk = lines.reindex(columns=list(_COLUMNS))
    select = ", ".join(f"CAST({c} AS {t})" for c, t in _COLUMNS.items())
    db.register("chunk_lines", chunk)
    try:
        db.execute(f"INSERT INTO {STAGED} ({', '.join(_COLUMNS)}, dropped) SELECT {select}, FALSE FROM chunk_lines")
    finally:
        db.unregister("chunk_lines")


#: the staged rows whose order lists their SKU more than once: the only ones a copy or a line number concerns
_REPEATED = (f"{STAGED} SEMI JOIN (SELECT order_id, sku FROM {STAGED} GROUP BY ALL HAVING count(*) > 1) repeated "
             f"USING (order_id, sku)")


def _copies(db) -> pd.DataFrame:
    """Rows repeating an earlier row's TikTok order line with another quantity (checks.conflicting_copies)."""
    return db.execute(f"""
        SELECT source_row AS row, quantity, first_row, first_quantity, order_id, sku FROM (
            SELECT source_row, quantity, order_id, sku,
                   first_value(source_row) OVER line AS first_row, first_value(quantity) OVER line AS first_quantity
            FROM {_REPEATED}
            WINDOW line AS (PARTITION BY order_id, sku, k_sku_id, k_package_id, created_at, paid_at, k_subtotal
                            ORDER BY source_row))
        WHERE quantity <> first_quantity ORDER BY source_row
    """).df()


def _drop(db, rejects: pd.DataFrame, delete: bool) -> None:
    """Leave the rejected rows out: deleted, or (once the line keys count them) marked dropped."""
    if rejects.empty:
        return
    db.register("rejected_rows", rejects[["row"]])
    try:
        if delete:
            db.execute(f"DELETE FROM {STAGED} WHERE source_row IN (SELECT row FROM rejected_rows)")
        else:
            db.execute(f"UPDATE {STAGED} SET dropped = TRUE WHERE source_row IN (SELECT row FROM rejected_rows)")
    finally:
        db.unregister("rejected_rows")


def _sum_repeats(db) -> None:
    """A generic table may list a SKU, day and location more than once: the day's units are the sum,
    the first row stands for them (planner.io.orders._sum_duplicate_keys, revenue summed as pandas sums)."""
    repeats = db.execute(f"SELECT count(*) - count(DISTINCT line_key) FROM {STAGED}").fetchone()[0]
    if not repeats:
        return
    firsts = ", ".join(f"arg_min({c}, source_row) AS {c}" if c not in ("quantity", "revenue") else
                       ("sum(quantity) AS quantity" if c == "quantity" else "coalesce(sum(revenue), 0) AS revenue")
                       for c in _COLUMNS if c != "line_key")
    db.execute(f"CREATE OR REPLACE TEMP TABLE summed_lines AS SELECT line_key, {firsts}, FALSE AS dropped "
               f"FROM {STAGED} GROUP BY line_key")
    db.execute(f"DROP TABLE {STAGED}")
    db.execute(f"ALTER TABLE summed_lines RENAME TO {STAGED}")


def _number_lines(db, prefix: str | None, source_file: str) -> None:
    """``INCOMING``: the staged lines not dropped, their keys numbering an order's lines of one SKU in file
    order (counting the rows the date checks drop later, as the readers do), with the source file. Only
    the lines whose order lists the SKU more than once are numbered here (``line_no``; the others are 0):
    a window over every line of a 4.5 M-line file took longer than reading it."""
    if prefix:
        db.execute(f"""UPDATE {STAGED} SET line_no = numbered.n FROM (
            SELECT source_row, row_number() OVER (PARTITION BY order_id, sku ORDER BY source_row) - 1 AS n
            FROM {_REPEATED}) numbered
            WHERE {STAGED}.source_row = numbered.source_row""")
    keep_staged(db, STAGED, INCOMING, prefix, source_file)


def keep_staged(db, table: str, view: str, prefix: str | None, source_file: str) -> None:
    """``view``: the lines of ``table`` (staged and numbered) as the store takes them: ``INCOMING``, or a
    staged file kept under another name until it is upserted."""
    columns = ", ".join(c for c in LINE_COLUMNS if c != "line_key")
    key = f"'{prefix}:' || order_id || ':' || sku || ':' || coalesce(line_no, 0)" if prefix else "line_key"
    db.execute(f"""CREATE OR REPLACE TEMP VIEW {view} AS
        SELECT {key} AS line_key, {columns}, '{source_file.replace("'", "''")}' AS source_file
        FROM {table} WHERE NOT dropped""")


def _count(db) -> int:
    return db.execute(f"SELECT count(*) FROM {INCOMING}").fetchone()[0]


def _implausible_dates(db, name: str, times: dict[str, str], checks: OrderChecks) -> pd.DataFrame:
    """checks.implausible_dates over the staged lines: the main run from the lines per day, then the rows
    with a time outside it, in the future or before 2000 judged as the reader judges them."""
    latest, earliest = checks.latest, EARLIEST_DATE
    counts = db.execute(f"""SELECT date_trunc('day', demand_date) AS day, count(*) AS n FROM {INCOMING}
                            WHERE demand_date BETWEEN ? AND ? GROUP BY day ORDER BY day""", [earliest, latest]).df()
    low, high = main_run(pd.Series(counts["n"].to_numpy(), index=pd.DatetimeIndex(counts["day"])), checks)
    gap = pd.Timedelta(days=checks.max_date_gap_days)
    near = [] if low is None else [low - gap, high + gap]
    outside = " OR ".join(f"{c} > $latest OR {c} < $earliest" + (f" OR {c} < $low OR {c} > $high" if near else "")
                          for c in times)
    values = {"latest": latest, "earliest": earliest, **({"low": near[0], "high": near[1]} if near else {})}
    frame = db.execute(f"SELECT source_row, {', '.join(times)} FROM {INCOMING} WHERE {outside} ORDER BY source_row",
                       values).df()
    problems = Problems(name)
    if len(frame):
        date_problems(frame.astype({c: "datetime64[ns]" for c in times}), times, checks, low, high, problems)
    return problems.frame()


def _quantity_outliers(db, name: str, header: str, checks: OrderChecks) -> list[str]:
    """checks.quantity_outliers over the staged lines: the usual highs are the 99th percentiles read at
    the line below (numpy's 'lower' method), the file's and each SKU's with two demand lines or more."""
    factor = checks.quantity_outlier_factor
    demand = "is_demand AND quantity > 0"
    if not factor or db.execute(f"SELECT count(*) FROM {INCOMING} WHERE {demand}").fetchone()[0] < 2:
        return []
    flagged = db.execute(f"""
        WITH d AS (SELECT sku, quantity, row_number() OVER (ORDER BY quantity) - 1 AS i, count(*) OVER () AS n,
                          row_number() OVER (PARTITION BY sku ORDER BY quantity) - 1 AS sku_i,
                          count(*) OVER (PARTITION BY sku) AS sku_n
                   FROM {INCOMING} WHERE {demand}),
             usual AS (SELECT max(quantity) FILTER (WHERE i = floor(0.99 * (n - 1))) AS high FROM d),
             per_sku AS (SELECT sku, max(quantity) FILTER (WHERE sku_i = floor(0.99 * (sku_n - 1))) AS high
                         FROM d GROUP BY sku HAVING count(*) >= 2)
        SELECT l.source_row, l.sku, l.quantity, greatest(coalesce(p.high, 0), u.high, 1) AS high
        FROM {INCOMING} l CROSS JOIN usual u LEFT JOIN per_sku p USING (sku)
        WHERE l.{demand.replace('AND ', 'AND l.')} AND l.quantity > ? * greatest(coalesce(p.high, 0), u.high, 1)
              AND l.quantity > ?
        ORDER BY l.source_row
    """, [factor, OUTLIER_MIN_UNITS]).df()
    if flagged.empty:
        return []
    db.register("outlier_rows", flagged[["source_row"]])
    try:
        db.execute(f"UPDATE {STAGED} SET is_demand = FALSE WHERE source_row IN (SELECT source_row FROM outlier_rows)")
    finally:
        db.unregister("outlier_rows")
    return [outlier_warning(flagged, name, header, checks)]
