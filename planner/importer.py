"""Import order files into the shop's store: read, check, upsert, and account for every row."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path

from planner.io.files import spreadsheet_safe_frame
from planner.io.orders import read_order_file
from planner.io.table import OnBadRows, Parsed
from planner.shop import Shop
from planner.store import Store

log = logging.getLogger("restock.import")


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
    rejects_file = None
    if len(parsed.rejects):
        rejects_dir.mkdir(parents=True, exist_ok=True)
        rejects_file = rejects_dir / f"{path.name}.rejects.csv"
        spreadsheet_safe_frame(parsed.rejects).to_csv(rejects_file, index=False)  # opened in a spreadsheet
    counts = store.upsert_lines(parsed.frame, path.name)
    store.record_import(path.name, sha256 or file_sha256(path), fmt, counts, len(parsed.rejects))
    result = ImportResult(path.name, fmt, counts.added, counts.updated, counts.unchanged, len(parsed.rejects),
                          rejects_file, list(parsed.warnings))  # the caller shows them: once, where it reports
    log.info("imported %s (%s): %d added, %d updated, %d unchanged, %d rejected", path.name, fmt,
             result.added, result.updated, result.unchanged, result.rejected)
    return result


def import_files(shop: Shop, paths: list[Path], on_bad_rows: OnBadRows = "fail",
                 fmt: str | None = None) -> list[ImportResult]:
    """Import each file in turn (each in its own transaction). With ``on_bad_rows='fail'`` the first
    bad row stops that file and nothing of it is stored; with ``'skip'`` good rows are stored and the
    bad ones are written, with their reason, to ``rejects/<file>.rejects.csv`` in the shop."""
    results = []
    with Store(shop.store_path) as store:
        for path in paths:
            path = Path(path)
            detected, parsed = read_order_file(path, on_bad_rows, shop.config.dates, fmt, shop.config.order_checks)
            results.append(store_parsed(store, path, detected, parsed, shop.rejects))
    return results
