"""Import order files into the shop's store: read, check, upsert, and account for every row."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from planner.io.checks import OrderChecks
from planner.io.files import spreadsheet_safe_frame
from planner.io.orders import order_format
from planner.io.orders_stream import CHUNK_ROWS, INCOMING, STAGED, keep_staged, stage_order_file
from planner.io.table import DAY_FIRST, DateStyle, OnBadRows, Parsed
from planner.shop import Shop
from planner.store import Store, UpsertCounts

log = logging.getLogger("restock.import")

#: DuckDB's memory during a streamed import: the staged lines and the upsert's joins beyond it go to disk
STREAM_MEMORY = "768MB"


@dataclass(frozen=True)
class ImportResult:
    file: str
    format: str
    added: int
    updated: int
    unchanged: int
    rejected: int
    rejects_file: Path | None = None
    warnings: list[str] = field(default_factory=list)  # rows read but implausible (planner/io/checks.py)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def store_parsed(store: Store, path: Path, fmt: str, parsed: Parsed, rejects_dir: Path,
                 sha256: str | None = None) -> ImportResult:
    """Upsert one parsed order file, record the import, and write its rejected rows (with their
    reason) to ``rejects_dir/<file>.rejects.csv`` when there are any."""
    counts = store.upsert_lines(parsed.frame, path.name)
    return _recorded(store, path, fmt, counts, parsed.rejects, parsed.warnings, rejects_dir, sha256)


def stream_file(store: Store, path: Path, rejects_dir: Path, on_bad_rows: OnBadRows = "fail",
                dates: DateStyle = DAY_FIRST, fmt: str | None = None, checks: OrderChecks | None = None,
                sha256: str | None = None, chunk_rows: int = CHUNK_ROWS) -> ImportResult:
    """:func:`store_parsed` of the file as :func:`read_order_file` reads it, streamed: the file is read
    ``chunk_rows`` rows at a time into the store (planner/io/orders_stream.py), so that memory holds a
    chunk, not the file's lines."""
    return stream_files(store, [Path(path)], rejects_dir, on_bad_rows, dates, fmt, checks,
                        [sha256], chunk_rows)[0]


def stream_files(store: Store, paths: list[Path], rejects_dir: Path, on_bad_rows: OnBadRows = "fail",
                 dates: DateStyle = DAY_FIRST, fmt: str | None = None, checks: OrderChecks | None = None,
                 sha256s: list[str | None] | None = None, chunk_rows: int = CHUNK_ROWS) -> list[ImportResult]:
    """Every file streamed and checked into a staging table of its own before any is stored, then each
    upserted in turn: a bad file (with ``on_bad_rows='fail'``) stops the lot and the store is as it was.
    ``restock run`` imports its inbox so; ``restock import`` calls it a file at a time."""
    limit = store.db.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    store.db.execute(f"SET memory_limit = '{STREAM_MEMORY}'")  # DuckDB spills the staged lines to disk beyond it
    store.db.execute("SET enable_progress_bar = false")  # reading a large CSV is one query: no bar in the output
    staged, sha256s = [], sha256s or [None] * len(paths)
    try:
        for k, path in enumerate(map(Path, paths)):
            file_format = fmt or order_format(path)
            lines = stage_order_file(store.db, path, file_format, path.name, on_bad_rows, dates, checks, chunk_rows)
            store.db.execute(f"DROP VIEW IF EXISTS {INCOMING}; ALTER TABLE {STAGED} RENAME TO staged_lines_{k}")
            keep_staged(store.db, f"staged_lines_{k}", f"staged_file_{k}", lines.numbered, path.name)
            staged.append((path, file_format, lines))
        return [_recorded(store, path, file_format, store.upsert_from(f"staged_file_{k}", lines.lines), lines.rejects,
                          lines.warnings, rejects_dir, sha256s[k])
                for k, (path, file_format, lines) in enumerate(staged)]
    finally:
        store.db.execute(f"DROP VIEW IF EXISTS {INCOMING}; DROP TABLE IF EXISTS {STAGED}")
        for k in range(len(paths)):
            store.db.execute(f"DROP VIEW IF EXISTS staged_file_{k}; DROP TABLE IF EXISTS staged_lines_{k}")
        store.db.execute(f"SET memory_limit = '{limit}'")


def _recorded(store: Store, path: Path, fmt: str, counts: UpsertCounts, rejects: pd.DataFrame, warnings: list[str],
              rejects_dir: Path, sha256: str | None) -> ImportResult:
    rejects_file = None
    if len(rejects):
        rejects_dir.mkdir(parents=True, exist_ok=True)
        rejects_file = rejects_dir / f"{path.name}.rejects.csv"
        spreadsheet_safe_frame(rejects).to_csv(rejects_file, index=False)  # opened in a spreadsheet
    store.record_import(path.name, sha256 or file_sha256(path), fmt, counts, len(rejects))
    result = ImportResult(path.name, fmt, counts.added, counts.updated, counts.unchanged, len(rejects),
                          rejects_file, list(warnings))  # the caller shows them: once, where it reports
    log.info("imported %s (%s): %d added, %d updated, %d unchanged, %d rejected", path.name, fmt,
             result.added, result.updated, result.unchanged, result.rejected)
    return result


def import_files(shop: Shop, paths: list[Path], on_bad_rows: OnBadRows = "fail",
                 fmt: str | None = None, chunk_rows: int = CHUNK_ROWS) -> list[ImportResult]:
    """Import each file in turn (each in its own transaction), streamed (:func:`stream_file`). With
    ``on_bad_rows='fail'`` the first bad row stops that file and nothing of it is stored; with ``'skip'``
    good rows are stored and the bad ones are written, with their reason, to
    ``rejects/<file>.rejects.csv`` in the shop."""
    results = []
    with Store(shop.store_path) as store:
        for path in paths:
            results.append(stream_file(store, Path(path), shop.rejects, on_bad_rows, shop.config.dates, fmt,
                                       shop.config.order_checks, chunk_rows=chunk_rows))
    return results
