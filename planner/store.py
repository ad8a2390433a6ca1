"""The shop's embedded store: one DuckDB file holding the imported order history and the run history.

Why DuckDB: a single file per shop, no server, columnar scans over millions of order lines in
milliseconds, bulk upserts from pandas frames, and Parquet in and out natively.

Order lines are keyed by ``line_key`` (channel, order id, SKU line). Importing overlapping exports
builds up the history without double counting; a line's status only moves forward (a later
cancellation or return wins over an older export read afterwards), so importing the same files twice,
or in another order, leaves the same store.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd

from planner.errors import StoreError
from planner.io.orders import LINE_COLUMNS

SCHEMA_VERSION = 2

# A line's status only moves forward; equal rank means the newer read wins.
STATUS_RANK = {"unpaid": 0, "to_ship": 1, "shipped": 2, "delivered": 3, "completed": 4,
               "adjustment": 4, "cancelled": 5}

_TABLES = """
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS order_lines (
    line_key VARCHAR PRIMARY KEY,
    channel VARCHAR NOT NULL,
    order_id VARCHAR,
    sku VARCHAR NOT NULL,
    location VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    demand_date DATE NOT NULL,
    created_at TIMESTAMP,
    paid_at TIMESTAMP,
    shipped_at TIMESTAMP,
    quantity DOUBLE NOT NULL,
    returned_quantity DOUBLE NOT NULL,
    is_demand BOOLEAN NOT NULL,
    unit_price DOUBLE,
    revenue DOUBLE,
    product_name VARCHAR,
    category VARCHAR,
    source_file VARCHAR,
    source_row INTEGER,
    first_imported_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS imports (
    imported_at TIMESTAMP NOT NULL,
    file VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    format VARCHAR NOT NULL,
    added INTEGER, updated INTEGER, unchanged INTEGER, rejected INTEGER
);
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR PRIMARY KEY,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    status VARCHAR NOT NULL,
    duration_seconds DOUBLE,
    folder VARCHAR,
    headline JSON,
    message VARCHAR
);
"""

# Purchase orders restock proposed, the ones approved as placed, their deliveries and who did what
# (planner.approve; schema 2). A proposal's number is kept while the same lines are proposed.
PURCHASE_ORDER_TABLES = [
    """CREATE TABLE IF NOT EXISTS po_numbers (
        po_number VARCHAR PRIMARY KEY,
        supplier VARCHAR NOT NULL,
        location VARCHAR NOT NULL,
        content VARCHAR NOT NULL,
        first_run VARCHAR,
        last_run VARCHAR,
        assigned_at TIMESTAMP NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS purchase_orders (
        po_number VARCHAR PRIMARY KEY,
        supplier VARCHAR NOT NULL,
        location VARCHAR NOT NULL,
        status VARCHAR NOT NULL,
        approved_at TIMESTAMP NOT NULL,
        approved_by VARCHAR NOT NULL,
        source VARCHAR
    )""",
    """CREATE TABLE IF NOT EXISTS purchase_order_lines (
        po_number VARCHAR NOT NULL,
        sku VARCHAR NOT NULL,
        quantity DOUBLE NOT NULL,
        unit_cost DOUBLE,
        expected_arrival DATE NOT NULL,
        PRIMARY KEY (po_number, sku)
    )""",
    """CREATE TABLE IF NOT EXISTS po_receipts (
        po_number VARCHAR NOT NULL,
        sku VARCHAR NOT NULL,
        ordered_at DATE NOT NULL,
        expected_arrival DATE NOT NULL,
        received_at DATE NOT NULL,
        ordered_quantity DOUBLE NOT NULL,
        received_quantity DOUBLE NOT NULL,
        recorded_at TIMESTAMP NOT NULL,
        recorded_by VARCHAR NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS po_audit (
        recorded_at TIMESTAMP NOT NULL,
        action VARCHAR NOT NULL,
        po_number VARCHAR NOT NULL,
        by_user VARCHAR NOT NULL,
        detail VARCHAR
    )""",
]

# Migrations from version N to N+1, applied in order; each a list of SQL statements.
MIGRATIONS: dict[int, list[str]] = {1: PURCHASE_ORDER_TABLES}

_COMPARED = ("status", "demand_date", "quantity", "returned_quantity", "is_demand", "location",
             "unit_price", "revenue", "shipped_at", "paid_at")


@dataclass(frozen=True)
class UpsertCounts:
    added: int
    updated: int
    unchanged: int


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Store:
    """The shop's DuckDB file. Use as a context manager; writes happen in transactions."""

    def __init__(self, path: Path, read_only: bool = False):
        self.path = Path(path)
        created = not self.path.exists()
        try:
            self.db = duckdb.connect(str(self.path), read_only=read_only and self.path.exists())
            if created and self.path.exists():
                self.path.chmod(0o600)  # a seller's sales: readable by the owner only
        except duckdb.IOException as exc:
            if "lock" in str(exc).casefold():
                raise StoreError(f"{self.path.name}: cannot open the store ({exc}). If another restock command is "
                                 f"running on this shop, wait for it to finish.") from exc
            raise _damaged(self.path, exc) from exc
        except duckdb.Error as exc:
            raise StoreError(f"{self.path.name}: cannot open the store ({exc}). If another restock command is "
                             f"running on this shop, wait for it to finish.") from exc
        try:
            self._check_complete()
            self._ensure_schema(read_only)
        except duckdb.IOException as exc:  # a file cut short opens, and fails on the first block it lacks
            self.db.close()
            raise _damaged(self.path, exc) from exc

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        self.close()
        if isinstance(exc, duckdb.IOException) and "lock" not in str(exc).casefold():
            raise _damaged(self.path, exc) from exc  # a block missing deeper in a damaged file: the same advice

    def _check_complete(self) -> None:
        """A file too short for the blocks its header says are in use was cut short (a full disk, a copy
        stopped half-way): say so now, not at the first query that reaches a missing block. (Free blocks
        may lie past the end of a sound file; a block in use may not.)"""
        block_size, used = self._one("SELECT block_size, used_blocks FROM pragma_database_size()")
        size = self.path.stat().st_size if self.path.exists() else 0
        if size and size < block_size * used:
            raise duckdb.IOException(f"the file has {size:,} bytes; its header counts {used} blocks of "
                                     f"{block_size:,} bytes in use")

    def close(self) -> None:
        self.db.close()

    def _one(self, sql: str, params: list | None = None) -> tuple | None:
        """The first row of a query. Results are fetched whole: DuckDB keeps a half-read result
        open on the connection and refuses further work until it is finished."""
        rows = self.db.execute(sql, params or []).fetchall()
        return rows[0] if rows else None

    # ------------------------------------------------------------------------------------ schema
    def schema_version(self) -> int | None:
        has_meta = self._one(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'")[0]
        if not has_meta:
            return None
        row = self._one("SELECT value FROM meta WHERE key = 'schema_version'")
        return int(row[0]) if row else None

    def _ensure_schema(self, read_only: bool) -> None:
        version = self.schema_version()
        if version is not None and version > SCHEMA_VERSION:
            raise StoreError(f"{self.path.name} was written by a newer restock (store schema {version}; this "
                             f"version reads up to {SCHEMA_VERSION}). Upgrade restock: pip install -U restock")
        if read_only:
            if version is None and self.path.exists():
                raise StoreError(f"{self.path.name} is not a restock store")
            return
        if version is None:
            tables = self._one("SELECT count(*) FROM information_schema.tables")[0]
            if tables:
                raise StoreError(f"{self.path.name} is a DuckDB file but not a restock store; "
                                 f"point shop.toml [paths] store at another file")
            self.db.execute(_TABLES)
            for statement in PURCHASE_ORDER_TABLES:
                self.db.execute(statement)
            self.db.execute("INSERT INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
            return
        while version < SCHEMA_VERSION:
            self.db.execute("BEGIN")
            for statement in MIGRATIONS[version]:
                self.db.execute(statement)
            version += 1
            self.db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(version)])
            self.db.execute("COMMIT")

    # ----------------------------------------------------------------------------- order lines
    def upsert_lines(self, lines: pd.DataFrame, source_file: str) -> UpsertCounts:
        """Add new lines, move existing ones forward, leave the rest; report the counts."""
        incoming = lines.loc[:, list(LINE_COLUMNS)].copy()
        incoming["source_file"] = source_file
        incoming = incoming.drop_duplicates("line_key", keep="last")
        self.db.register("incoming_frame", incoming)
        try:
            return self.upsert_from("incoming_frame", len(incoming))
        finally:
            self.db.unregister("incoming_frame")

    def upsert_from(self, incoming: str, count: int) -> UpsertCounts:
        """:meth:`upsert_lines` from the table or view ``incoming`` (``count`` lines, the store's columns
        up to ``source_file``, each line key once), e.g. lines a streamed import staged in the store.

        The lines already stored are merged in a temporary table and the changed ones replaced; the new
        ones go straight into ``order_lines`` (a first import of 4.5 M lines copied them all once more)."""
        now = _now()
        differs = " OR ".join(f"m.{c} IS DISTINCT FROM o.{c}" for c in _COMPARED)
        columns = ", ".join(c for c in _store_columns() if c != "updated_at")
        try:
            self.db.execute("BEGIN")
            self.db.execute(f"CREATE OR REPLACE TEMP TABLE merged AS {_merged(incoming, 'JOIN')}", [now])
            self.db.execute(f"""
                CREATE OR REPLACE TEMP TABLE changed AS
                SELECT m.* FROM merged m JOIN order_lines o USING (line_key) WHERE {differs}
            """)
            updated = self._one("SELECT count(*) FROM changed")[0]
            self.db.execute("DELETE FROM order_lines WHERE line_key IN (SELECT line_key FROM changed)")
            self.db.execute(f"INSERT INTO order_lines ({columns}, updated_at) "
                            f"SELECT {columns}, ?::TIMESTAMP FROM changed", [now])
            added = self.db.execute(f"INSERT INTO order_lines ({columns}, updated_at) SELECT {columns}, ?::TIMESTAMP "
                                    f"FROM ({_merged(incoming, 'LEFT JOIN')}) WHERE is_new",
                                    [now, now]).fetchone()[0]
            self.db.execute("COMMIT")
        except Exception:
            self.db.execute("ROLLBACK")
            raise
        finally:
            self.db.execute("DROP TABLE IF EXISTS merged; DROP TABLE IF EXISTS changed")
        return UpsertCounts(added, updated, count - added - updated)

    def record_import(self, file: str, sha256: str, fmt: str, counts: UpsertCounts, rejected: int) -> None:
        self.db.execute("INSERT INTO imports VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        [_now(), file, sha256, fmt, counts.added, counts.updated, counts.unchanged, rejected])

    def order_lines(self) -> pd.DataFrame:
        return self.db.execute("SELECT * FROM order_lines ORDER BY line_key").df()

    def daily_demand(self, by_location: bool = False) -> pd.DataFrame:
        """Demand per SKU and day (and location): units ordered, units returned, revenue."""
        location = "location, " if by_location else ""
        return self.db.execute(f"""
            SELECT sku, {location}demand_date AS date,
                   sum(CASE WHEN is_demand THEN quantity ELSE 0 END) AS units,
                   sum(returned_quantity) AS returned_units,
                   sum(CASE WHEN is_demand THEN coalesce(revenue, 0) ELSE 0 END) AS revenue
            FROM order_lines GROUP BY ALL ORDER BY sku, {location}date
        """).df()

    def product_names(self) -> pd.DataFrame:
        """The latest name and category each SKU was sold under (for SKUs missing from products.csv)."""
        return self.db.execute("""
            SELECT sku, arg_max(product_name, created_at) AS name, arg_max(category, created_at) AS category
            FROM order_lines WHERE product_name IS NOT NULL GROUP BY sku ORDER BY sku
        """).df()

    def summary(self) -> dict:
        row = self._one("""
            SELECT count(*), count(DISTINCT sku), count(DISTINCT order_id), min(demand_date), max(demand_date),
                   sum(CASE WHEN is_demand THEN quantity ELSE 0 END), sum(returned_quantity),
                   count(*) FILTER (WHERE NOT is_demand AND status = 'cancelled'),
                   sum(CASE WHEN is_demand THEN coalesce(revenue, 0) ELSE 0 END)
            FROM order_lines
        """)
        keys = ("lines", "skus", "orders", "first_day", "last_day", "units", "returned_units",
                "cancelled_lines", "revenue")
        return dict(zip(keys, row))

    # ---------------------------------------------------------------------------------- runs
    def record_run(self, run_id: str, started_at: datetime, status: str, folder: str | None = None,
                   finished_at: datetime | None = None, headline: dict | None = None, message: str | None = None) -> None:
        duration = (finished_at - started_at).total_seconds() if finished_at else None
        self.db.execute("""
            INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (run_id) DO UPDATE SET finished_at = excluded.finished_at, status = excluded.status,
                duration_seconds = excluded.duration_seconds, folder = excluded.folder,
                headline = excluded.headline, message = excluded.message
        """, [run_id, started_at, finished_at, status, duration, folder,
              json.dumps(headline) if headline is not None else None, message])

    def runs(self, limit: int = 20, status: str | None = None) -> pd.DataFrame:
        """Runs, newest first; only those with ``status`` when given."""
        return self.db.execute("SELECT * FROM runs WHERE ? IS NULL OR status = ? ORDER BY started_at DESC LIMIT ?",
                               [status, status, limit]).df()


def _damaged(path: Path, exc: Exception) -> StoreError:
    return StoreError(f"{path.name}: the store file is damaged ({exc}). Move it aside and import the "
                      f"exports in inbox/imported/ again to rebuild it (restock import inbox/imported/*)")


def _merged(incoming: str, join: str) -> str:
    """SQL of the lines of ``incoming`` merged with the stored ones (``join``: 'JOIN' for the lines
    stored already, 'LEFT JOIN' for all): a line's status only moves forward, and what a later export
    lacks is kept. Takes the time of the import as its parameter."""
    ranks = " ".join(f"WHEN '{status}' THEN {rank}" for status, rank in STATUS_RANK.items())
    return f"""
        SELECT i.line_key, i.channel, i.order_id, i.sku,
               CASE WHEN wins THEN i.location ELSE o.location END AS location,
               CASE WHEN wins THEN i.status ELSE o.status END AS status,
               CASE WHEN wins THEN i.demand_date::DATE ELSE o.demand_date END AS demand_date,
               coalesce(o.created_at, i.created_at::TIMESTAMP) AS created_at,
               coalesce(i.paid_at::TIMESTAMP, o.paid_at) AS paid_at,
               coalesce(i.shipped_at::TIMESTAMP, o.shipped_at) AS shipped_at,
               CASE WHEN wins THEN i.quantity ELSE o.quantity END AS quantity,
               CASE WHEN i.channel = 'generic' THEN i.returned_quantity
                    ELSE greatest(i.returned_quantity, coalesce(o.returned_quantity, 0)) END AS returned_quantity,
               CASE WHEN NOT wins THEN o.is_demand
                    WHEN i.channel = 'tiktok' AND i.status = 'cancelled' AND o.shipped_at IS NOT NULL THEN TRUE
                    ELSE i.is_demand END AS is_demand,
               CASE WHEN wins THEN i.unit_price ELSE o.unit_price END AS unit_price,
               CASE WHEN wins THEN i.revenue ELSE o.revenue END AS revenue,
               coalesce(i.product_name, o.product_name) AS product_name,
               coalesce(i.category, o.category) AS category,
               CASE WHEN wins THEN i.source_file ELSE o.source_file END AS source_file,
               CASE WHEN wins THEN i.source_row ELSE o.source_row END AS source_row,
               coalesce(o.first_imported_at, ?::TIMESTAMP) AS first_imported_at,
               o.line_key IS NULL AS is_new
        FROM (SELECT *, (CASE status {ranks} ELSE 0 END) AS rank FROM {incoming}) i
        {join} order_lines o USING (line_key)
        CROSS JOIN LATERAL (SELECT o.line_key IS NULL OR i.channel = 'generic'
                            OR i.rank >= (CASE o.status {ranks} ELSE 0 END) AS wins)"""


def _store_columns() -> tuple[str, ...]:
    return (*LINE_COLUMNS, "source_file", "first_imported_at", "updated_at")
