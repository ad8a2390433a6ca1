"""Copies of the shop's store that can be trusted: `restock backup`, `restock restore`, and the daily
copies `restock run` keeps.

* Consistent: the store is checkpointed (everything in DuckDB's write-ahead log written into the file)
  and closed before its file is copied, under the shop's lock, so no run writes meanwhile.
* Verifiable: each copy ``NAME.duckdb`` has ``NAME.duckdb.sha256`` beside it, in ``sha256sum`` format
  (``sha256sum -c`` checks it too). `restock restore` refuses a copy whose checksum does not match, or
  that is not a restock store, and moves the current store aside rather than overwriting it.
* Private: copies and their folder are readable by the shop's owner only (0600, 0700).
* Daily: `restock run` keeps ``backups/daily-YYYY-MM-DD.duckdb`` after its import step, the newest
  ``[backups] keep_daily`` of them (default 7; 0: none); `restock backup` copies are never pruned.
"""

from __future__ import annotations

import logging
import os
import shutil
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from planner.errors import RestockError, StoreError
from planner.importer import file_sha256
from planner.io.files import OWNER_ONLY_FILE, OWNER_ONLY_FOLDER, owner_only, write_failure
from planner.shop import Shop
from planner.store import Store

log = logging.getLogger("restock.backup")

CHECKSUM_SUFFIX = ".sha256"
DAILY_PREFIX = "daily-"


def checksum_path(backup: Path) -> Path:
    return backup.with_name(backup.name + CHECKSUM_SUFFIX)


def _stamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def backup_store(shop: Shop, to: Path | None = None, name: str | None = None) -> Path:
    """Checkpoint the store and copy it to ``to`` (default: the shop's backups folder) as ``name``
    (default ``restock-<UTC time>.duckdb``) with its checksum file; returns the copy's path.

    The caller holds the shop's lock (`restock backup` takes it; `restock run` holds it)."""
    source = shop.store_path
    if not source.exists():
        raise StoreError(f"{source.name}: there is no store to back up yet; import order files first")
    folder = Path(to) if to is not None else shop.path("backups")
    target = folder / (name or f"restock-{_stamp()}.duckdb")
    with owner_only():
        folder.mkdir(parents=True, exist_ok=True, mode=OWNER_ONLY_FOLDER)
        with Store(source) as store:
            store.db.execute("CHECKPOINT")  # the write-ahead log into the file: the file alone is the store
        tmp = folder / f".{target.name}.tmp"
        try:
            shutil.copyfile(source, tmp)
            os.chmod(tmp, OWNER_ONLY_FILE)
            digest = file_sha256(tmp)
            tmp.replace(target)
        finally:
            tmp.unlink(missing_ok=True)
        sums = checksum_path(target)
        sums_tmp = folder / f".{sums.name}.tmp"
        sums_tmp.write_text(f"{digest}  {target.name}\n", encoding="utf-8")
        sums_tmp.replace(sums)
    log.info("backed up %s to %s (sha256 %s)", source.name, target, digest)
    return target


def verify_backup(backup: Path) -> str:
    """The backup's SHA-256 when it matches its checksum file; a StoreError (exit 4) saying why not."""
    backup = Path(backup)
    sums = checksum_path(backup)
    if not sums.is_file():
        raise StoreError(f"{backup.name}: no checksum file {sums.name} beside it, so it cannot be verified; "
                         f"nothing restored")
    recorded = sums.read_text(encoding="utf-8").split()
    actual = file_sha256(backup)
    if not recorded or recorded[0].lower() != actual:
        said = recorded[0] if recorded else "nothing"
        raise StoreError(f"{backup.name}: its SHA-256 is {actual}, but {sums.name} says {said}: the copy is "
                         f"damaged or was changed; nothing restored. Restore another backup")
    return actual


def restore_store(shop: Shop, backup: Path) -> Path | None:
    """Verify ``backup`` and make it the shop's store; the current store, if any, is moved aside to
    ``<store>.before-restore-<UTC time>`` (returned), never deleted. The caller holds the shop's lock."""
    backup = Path(backup)
    verify_backup(backup)
    target = shop.store_path
    tmp = target.with_name(f".{target.name}.restoring")
    with owner_only():
        try:
            shutil.copyfile(backup, tmp)
            os.chmod(tmp, OWNER_ONLY_FILE)
            try:
                with Store(tmp, read_only=True):  # a restock store this version reads, or a StoreError
                    pass
            except StoreError as error:
                raise StoreError(f"{backup.name}: not restored: {error}") from None
            aside = None
            if target.exists():
                aside = target.with_name(f"{target.name}.before-restore-{_stamp()}")
                target.rename(aside)
            tmp.replace(target)
        finally:
            tmp.unlink(missing_ok=True)
    log.info("restored %s from %s%s", target.name, backup, f"; the store before is {aside}" if aside else "")
    return aside


def daily_backup(shop: Shop, warn: Callable[[str], None]) -> str | None:
    """`restock run`'s copy of the day (replacing an earlier one of the same day), keeping the newest
    ``[backups] keep_daily``; returns its file name. A copy that cannot be written is a warning: the
    plan does not depend on it."""
    keep = shop.config.backups.keep_daily
    if keep == 0 or not shop.store_path.exists():
        return None
    name = f"{DAILY_PREFIX}{datetime.now(timezone.utc):%Y-%m-%d}.duckdb"
    try:
        target = backup_store(shop, name=name)
    except (OSError, RestockError) as error:
        failure = write_failure(error) if isinstance(error, OSError) else error
        warn(f"the daily backup of the store was not written: {failure or error}")
        return None
    for old in sorted(target.parent.glob(f"{DAILY_PREFIX}*.duckdb"), reverse=True)[keep:]:
        old.unlink(missing_ok=True)
        checksum_path(old).unlink(missing_ok=True)
    return target.name


__all__ = ["backup_store", "checksum_path", "daily_backup", "restore_store", "verify_backup"]
