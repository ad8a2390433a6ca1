"""restock backup / restore (planner/backup.py): a consistent copy with its checksum, restored only when it
verifies, the current store moved aside and never lost; the daily copies restock run keeps."""

from __future__ import annotations

import hashlib
import stat

import pandas as pd
import pytest
from click.testing import CliRunner

from planner.backup import backup_store, daily_backup
from planner.cli import main
from planner.shop import Shop
from planner.store import Store
from tests.tiktok_export import line, write_csv


def import_orders(shop: Shop, path, first: int, n: int = 8) -> None:
    rows = [line(f"58{first + i:04d}", f"SKU-{i % 3}", 1 + i % 2, created=f"{1 + (first + i) % 28:02d}/05/2026 10:00:00")
            for i in range(n)]
    result = CliRunner().invoke(main, ["import", "--shop", str(shop.root), str(write_csv(path, rows))])
    assert result.exit_code == 0, result.output


def demand(shop: Shop) -> pd.DataFrame:
    with Store(shop.store_path) as store:
        return store.daily_demand()


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def stocked(shop, tmp_path) -> Shop:
    import_orders(shop, tmp_path / "may.csv", 0)
    return shop


def test_a_backup_restores_the_same_history_and_keeps_the_store_it_replaced(stocked, tmp_path):
    history = demand(stocked)
    result = CliRunner().invoke(main, ["backup", "--shop", str(stocked.root), "--to", str(tmp_path / "copies")])
    assert result.exit_code == 0, result.output
    copy = next((tmp_path / "copies").glob("restock-*.duckdb"))
    assert result.output == f"Backed up restock.duckdb to {copy} (checksum in {copy.name}.sha256)\n"
    digest = hashlib.sha256(copy.read_bytes()).hexdigest()
    assert (tmp_path / "copies" / f"{copy.name}.sha256").read_text(encoding="utf-8") == f"{digest}  {copy.name}\n"
    assert mode(copy) == 0o600 and mode(tmp_path / "copies") == 0o700 and mode(stocked.store_path) == 0o600

    import_orders(stocked, tmp_path / "june.csv", 100)                   # the history moves on ...
    later = demand(stocked)
    assert len(later) > len(history)
    result = CliRunner().invoke(main, ["restore", "--shop", str(stocked.root), str(copy)])   # ... and back
    assert result.exit_code == 0, result.output
    pd.testing.assert_frame_equal(demand(stocked), history)
    aside = next(stocked.root.glob("restock.duckdb.before-restore-*"))
    assert result.output == (f"Restored restock.duckdb from {copy} (checksum verified)\n"
                             f"The store before is kept as {aside}\n")
    with Store(aside) as store:                                          # nothing lost: the newer store is kept
        pd.testing.assert_frame_equal(store.daily_demand(), later)


def test_a_backup_that_does_not_match_its_checksum_is_refused_with_exit_4(stocked, tmp_path):
    copy = backup_store(stocked, tmp_path)
    data = bytearray(copy.read_bytes())
    data[len(data) // 2] ^= 0xFF
    copy.write_bytes(bytes(data))
    history = demand(stocked)
    files = sorted(p.name for p in stocked.root.iterdir() if p.name != ".restock.lock")
    result = CliRunner().invoke(main, ["restore", "--shop", str(stocked.root), str(copy)])
    assert result.exit_code == 4
    recorded = (tmp_path / f"{copy.name}.sha256").read_text(encoding="utf-8").split()[0]
    actual = hashlib.sha256(bytes(data)).hexdigest()
    assert result.output == (f"Error: {copy.name}: its SHA-256 is {actual}, but {copy.name}.sha256 says {recorded}: "
                             f"the copy is damaged or was changed; nothing restored. Restore another backup\n")
    pd.testing.assert_frame_equal(demand(stocked), history)
    assert sorted(p.name for p in stocked.root.iterdir() if p.name != ".restock.lock") == files  # nothing moved


def test_a_backup_without_its_checksum_file_is_refused(stocked, tmp_path):
    copy = backup_store(stocked, tmp_path)
    (tmp_path / f"{copy.name}.sha256").unlink()
    result = CliRunner().invoke(main, ["restore", "--shop", str(stocked.root), str(copy)])
    assert result.exit_code == 4
    assert result.output == (f"Error: {copy.name}: no checksum file {copy.name}.sha256 beside it, so it cannot be "
                             f"verified; nothing restored\n")


def test_a_file_that_is_not_a_restock_store_is_not_restored(stocked, tmp_path):
    other = tmp_path / "other.duckdb"
    other.write_bytes(b"not a database at all" * 100)
    (tmp_path / "other.duckdb.sha256").write_text(f"{hashlib.sha256(other.read_bytes()).hexdigest()}  other.duckdb\n")
    history = demand(stocked)
    result = CliRunner().invoke(main, ["restore", "--shop", str(stocked.root), str(other)])
    assert result.exit_code == 4
    assert result.output.startswith("Error: other.duckdb: not restored: ")
    pd.testing.assert_frame_equal(demand(stocked), history)
    assert not list(stocked.root.glob("*.before-restore-*")) and not list(stocked.root.glob(".*restoring"))


def test_backing_up_a_shop_without_a_store_says_so(shop):
    result = CliRunner().invoke(main, ["backup", "--shop", str(shop.root)])
    assert result.exit_code == 4
    assert result.output == "Error: restock.duckdb: there is no store to back up yet; import order files first\n"


def test_daily_backups_keep_the_newest_n(stocked):
    toml = stocked.root / "shop.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("keep_daily = 7", "keep_daily = 2"), encoding="utf-8")
    shop = Shop.open(stocked.root)
    folder = shop.path("backups")
    folder.mkdir()
    for day in ("2026-01-01", "2026-01-02", "2026-01-03"):
        (folder / f"daily-{day}.duckdb").write_bytes(b"old")
        (folder / f"daily-{day}.duckdb.sha256").write_text("x", encoding="utf-8")
    (folder / "restock-20260101T000000Z.duckdb").write_bytes(b"manual")  # restock backup's: never pruned
    warnings = []
    name = daily_backup(shop, warnings.append)
    assert warnings == []
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [name, f"{name}.sha256", "daily-2026-01-03.duckdb", "daily-2026-01-03.duckdb.sha256",
         "restock-20260101T000000Z.duckdb"])


def test_keep_daily_must_be_a_whole_number_not_below_zero(stocked):
    toml = stocked.root / "shop.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("keep_daily = 7", "keep_daily = -1"), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--shop", str(stocked.root)])
    assert result.exit_code == 2
    assert result.output == ("Error: shop.toml: 'backups.keep_daily' = -1 should be a whole number, 0 or more "
                             "(0: no daily backups)\n")
