"""Fault injection (issue 22): a full disk, a read-only runs folder, a run killed at each step, a truncated
and a deleted store. After each the last good run is still `runs/latest` with its files byte for byte,
the user reads one sentence and a documented exit code, and the next run succeeds or says what to do."""

from __future__ import annotations

import errno
import json
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from planner import pipeline, run
from planner.cli import main
from planner.shop import Shop
from planner.store import Store
from tests.conftest import REPO
from tests.test_run import generated_shop, run_cli

KEPT = "the last good outputs (runs/latest) are untouched"


@pytest.fixture(scope="module")
def good_shop_template(tmp_path_factory) -> Path:
    """A 20-SKU shop after one good run (its backtest is reused by the runs that follow)."""
    folder = generated_shop(tmp_path_factory, seed=5)
    assert run_cli(Shop.open(folder)).exit_code == 0
    return folder


@pytest.fixture
def good_shop(good_shop_template, tmp_path) -> Shop:
    shutil.copytree(good_shop_template, tmp_path / "shop", symlinks=True)
    return Shop.open(tmp_path / "shop")


def snapshot(shop: Shop) -> tuple[Path, dict[str, bytes]]:
    good = (shop.runs / "latest").resolve()
    return good, run_files(good)


def run_files(folder: Path) -> dict[str, bytes]:
    """Every file of a run folder, sub-folders (po/) included, by its path inside it."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_last_good_intact(shop: Shop, before: tuple[Path, dict[str, bytes]]) -> None:
    good, files = before
    assert (shop.runs / "latest").resolve() == good
    assert run_files(good) == files


def statuses(shop: Shop) -> list[str]:
    with Store(shop.store_path) as store:
        return store.runs()["status"].tolist()


def demand(shop: Shop) -> pd.DataFrame:
    with Store(shop.store_path) as store:
        return store.daily_demand()


def error_line(output: str) -> str:
    return [line for line in output.splitlines() if line.startswith("Error: ")][-1]


def only_failed_folder(shop: Shop) -> Path:
    folders = [p for p in shop.runs.iterdir() if p.suffix in (".failed", ".partial")]
    assert len(folders) == 1 and folders[0].suffix == ".failed", folders
    return folders[0]


def full_disk_on(name: str, real):
    def write(frame, path, *args, **kwargs):
        if Path(path).name == name:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(frame, path, *args, **kwargs)

    return write


# ------------------------------------------------------------------------------------- full disk

def test_a_full_disk_while_the_plan_is_written_ends_in_a_sentence_and_exit_74(good_shop, monkeypatch):
    before = snapshot(good_shop)
    monkeypatch.setattr(pipeline, "write_frame", full_disk_on("orders.csv", pipeline.write_frame))
    result = run_cli(good_shop)
    assert result.exit_code == 74, result.output
    failed = only_failed_folder(good_shop)
    partial = f"runs/{failed.stem}.partial/orders.csv"
    message = f"{partial}: cannot write: no space left on the device. Free some space and try again; {KEPT}."
    assert error_line(result.output) == f"Error: {message}"
    assert "Traceback" not in result.output
    assert json.loads((failed / "manifest.json").read_text(encoding="utf-8"))["error"] == message
    assert_last_good_intact(good_shop, before)
    assert statuses(good_shop) == ["failed", "succeeded"]


def test_the_failure_handler_survives_the_full_disk_too(good_shop, monkeypatch):
    """The manifest of the failed run cannot be written either: the user still gets the sentence and
    exit 74, the folder is still renamed .failed and the failure still recorded."""
    before = snapshot(good_shop)
    monkeypatch.setattr(pipeline, "write_frame", full_disk_on("orders.csv", pipeline.write_frame))

    def no_manifest(folder, record):
        raise OSError(errno.ENOSPC, "No space left on device", str(folder / "manifest.json"))

    monkeypatch.setattr(run, "_write_manifest", no_manifest)
    result = run_cli(good_shop)
    assert result.exit_code == 74, result.output
    assert error_line(result.output).endswith(f"/orders.csv: cannot write: no space left on the device. Free some "
                                              f"space and try again; {KEPT}.")
    failed = only_failed_folder(good_shop)
    assert not (failed / "manifest.json").exists()
    assert_last_good_intact(good_shop, before)
    assert statuses(good_shop) == ["failed", "succeeded"]


# ------------------------------------------------------------------------------- read-only runs/

def test_a_read_only_runs_folder_ends_in_a_sentence_and_records_nothing(good_shop, monkeypatch):
    before = snapshot(good_shop)
    runs, real_mkdir = good_shop.runs, Path.mkdir
    pending = shutil.copy(next((good_shop.inbox / "imported").iterdir()), good_shop.inbox / "new_orders.csv")

    def read_only_mkdir(self, *args, **kwargs):
        if self.parent == runs:
            raise OSError(errno.EROFS, "Read-only file system", str(self))
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", read_only_mkdir)
    result = run_cli(good_shop)
    assert result.exit_code == 74, result.output
    error = error_line(result.output)
    assert error.startswith("Error: runs/") and error.endswith(
        f".partial: cannot write: Read-only file system. Make it writable for this user (or point the shop's "
        f"[paths] elsewhere) and try again; {KEPT}.")
    assert_last_good_intact(good_shop, before)
    assert statuses(good_shop) == ["succeeded"]                      # no run left 'running' in the store
    assert Path(pending).exists()                                    # nothing imported, nothing moved


@pytest.mark.skipif(sys.platform == "win32" or __import__("os").geteuid() == 0, reason="root writes anywhere")
def test_a_runs_folder_without_write_permission(good_shop):
    before = snapshot(good_shop)
    good_shop.runs.chmod(0o500)
    try:
        result = run_cli(good_shop)
    finally:
        good_shop.runs.chmod(0o700)
    assert result.exit_code == 74, result.output
    assert "cannot write: Permission denied. Make it writable for this user" in result.output
    assert_last_good_intact(good_shop, before)


# ------------------------------------------------------------------------------ killed at a step

KILL_AT = """
import os, signal, sys
from planner.run import DEFAULT_STEPS, execute_run
from planner.shop import Shop

def die(context):
    os.kill(os.getpid(), signal.SIGKILL)

execute_run(Shop.open(sys.argv[1]), [(name, die if name == sys.argv[2] else step) for name, step in DEFAULT_STEPS])
"""


def test_a_run_killed_at_each_step_leaves_the_last_good_run_and_the_next_run_renames_it_failed(good_shop):
    before = snapshot(good_shop)
    steps = [name for name, _ in run.DEFAULT_STEPS]
    killed = []
    for step in steps:
        process = subprocess.run([sys.executable, "-c", KILL_AT, str(good_shop.root), step], cwd=REPO,
                                 capture_output=True, text=True, timeout=300)
        assert process.returncode == -9, (step, process.stderr[-2000:])
        assert_last_good_intact(good_shop, before)
        partials = [p.name for p in good_shop.runs.iterdir() if p.suffix == ".partial"]
        assert len(partials) == 1, partials               # the run before it was renamed .failed as this one began
        killed.append(partials[0])

    after = run_cli(good_shop)
    assert after.exit_code == 0, after.output
    assert not [p for p in good_shop.runs.iterdir() if p.suffix == ".partial"]
    assert sorted(p.name for p in good_shop.runs.iterdir() if p.suffix == ".failed") == [
        name.replace(".partial", ".failed") for name in killed]
    assert statuses(good_shop) == ["succeeded"] + ["failed"] * len(steps) + ["succeeded"]
    with Store(good_shop.store_path) as store:
        failed = store.runs(status="failed")
    assert all(folder.endswith(".failed") for folder in failed["folder"])
    manifest = json.loads((good_shop.runs / "latest" / "manifest.json").read_text(encoding="utf-8"))
    assert "1 earlier run(s) had been interrupted; recorded as failed" in manifest["warnings"]


# ----------------------------------------------------------------------------------------- store

def test_a_truncated_store_says_how_to_rebuild_it_and_the_advice_works(good_shop):
    before, history = snapshot(good_shop), demand(good_shop)
    entries = sorted(p.name for p in good_shop.runs.iterdir())
    data = good_shop.store_path.read_bytes()
    good_shop.store_path.write_bytes(data[: len(data) * 6 // 10])
    result = run_cli(good_shop)
    assert result.exit_code == 4, result.output
    error = error_line(result.output)
    assert error.startswith(f"Error: restock.duckdb: the store file is damaged (the file has {len(data) * 6 // 10:,} "
                            f"bytes; its header counts ") and "bytes in use). " in error
    assert error.endswith("Move it aside and import the exports in inbox/imported/ again to rebuild it "
                          "(restock import inbox/imported/*)")
    assert "IOException" not in result.output and "Traceback" not in result.output
    assert_last_good_intact(good_shop, before)
    assert sorted(p.name for p in good_shop.runs.iterdir()) == entries

    good_shop.store_path.rename(good_shop.root / "restock.duckdb.damaged")         # the advice, followed
    imported = sorted(str(p) for p in (good_shop.inbox / "imported").iterdir())
    again = CliRunner().invoke(main, ["import", "--shop", str(good_shop.root), *imported])
    assert again.exit_code == 0, again.output
    pd.testing.assert_frame_equal(demand(good_shop), history)


def test_a_store_deleted_mid_run_points_to_the_imported_exports_and_is_not_recreated_empty(good_shop, monkeypatch):
    before, history = snapshot(good_shop), demand(good_shop)

    def delete_store(context):
        context.shop.store_path.unlink()

    steps = list(run.DEFAULT_STEPS)
    steps.insert(1, ("delete_store", delete_store))
    monkeypatch.setattr(run, "DEFAULT_STEPS", steps)
    result = run_cli(good_shop)
    assert result.exit_code == 3, result.output
    root, imported = good_shop.root, good_shop.inbox / "imported"
    message = (f"{root}: the store is empty; import order files first (restock import --shop {root} FILE...); the "
               f"exports imported before are kept in {imported}: restock import --shop {root} {imported}/* rebuilds it")
    assert error_line(result.output) == f"Error: {message}"
    assert not good_shop.store_path.exists()                       # no empty store left in its place
    failed = only_failed_folder(good_shop)
    assert json.loads((failed / "manifest.json").read_text(encoding="utf-8"))["error"] == message
    assert_last_good_intact(good_shop, before)

    again = CliRunner().invoke(main, ["import", "--shop", str(root), *sorted(str(p) for p in imported.iterdir())])
    assert again.exit_code == 0, again.output
    pd.testing.assert_frame_equal(demand(good_shop), history)


def test_a_run_keeps_a_daily_backup_owner_only_and_it_restores_a_truncated_store(good_shop):
    history = demand(good_shop)
    backups = good_shop.root / "backups"
    daily = sorted(backups.glob("daily-*.duckdb"))
    assert len(daily) == 1 and (backups / f"{daily[0].name}.sha256").is_file()
    modes = {path: stat.S_IMODE(path.stat().st_mode) for path in (good_shop.store_path, daily[0])}
    assert set(modes.values()) == {0o600}, modes
    for folder in (backups, good_shop.runs, (good_shop.runs / "latest").resolve()):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    data = good_shop.store_path.read_bytes()
    good_shop.store_path.write_bytes(data[: len(data) // 2])
    result = CliRunner().invoke(main, ["restore", "--shop", str(good_shop.root), str(daily[0])])
    assert result.exit_code == 0, result.output
    pd.testing.assert_frame_equal(demand(good_shop), history)
