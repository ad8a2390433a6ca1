"""`restock run`: the whole job, its lock, its manifest, and its behaviour when things go wrong."""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from planner import pipeline
from planner.calibration import SERVICE_GRID
from planner.cli import main
from planner.run import shop_lock
from planner.shop import Shop
from planner.store import Store
from tests.conftest import REPO


@pytest.fixture(scope="session")
def small_shop_template(tmp_path_factory) -> Path:
    """A 20-SKU, 240-day shop from the sample generator (three overlapping exports, one XLSX)."""
    return generated_shop(tmp_path_factory, seed=3)


def generated_shop(tmp_path_factory, seed: int) -> Path:
    spec = importlib.util.spec_from_file_location("restock_sample_generator", REPO / "data" / "generate.py")
    generator = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = generator
    spec.loader.exec_module(generator)
    folder = tmp_path_factory.mktemp("template") / "shop"
    generator.write_sample_shop(generator.generate_shop(n_skus=20, days=240, seed=seed), folder)
    return folder


@pytest.fixture
def small_shop(small_shop_template, tmp_path) -> Shop:
    shutil.copytree(small_shop_template, tmp_path / "shop")
    return Shop.open(tmp_path / "shop")


def run_cli(shop: Shop, *args: str):
    return CliRunner().invoke(main, ["run", "--shop", str(shop.root), "--log-format", "json", *args])


def spawn_run(shop: Shop) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "planner.cli", "run", "--shop", str(shop.root), "--log-format", "json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)


def store_lines(shop: Shop) -> int:
    with Store(shop.store_path) as store:
        return store.summary()["lines"]


def test_run_imports_forecasts_plans_and_records(small_shop):
    result = run_cli(small_shop)
    assert result.exit_code == 0, result.output
    latest = small_shop.runs / "latest"
    assert latest.is_symlink()
    for name in ("forecast.csv", "forecast.parquet", "plan.csv", "orders.csv", "alerts.csv", "projected.csv",
                 "backtest_metrics.csv", "lead_time_calibration.csv", "point_choice.csv", "report.pdf", "dashboard.html",
                 "manifest.json", "unexplained_spikes.csv"):
        assert (latest / name).is_file(), name
    assert "dashboard.html" in result.output
    manifest = json.loads((latest / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["steps"]["report"]["dashboard_bytes"] == (latest / "dashboard.html").stat().st_size
    # the next plan reads the calibration the backtest wrote (planner.calibration)
    calibration = pipeline.latest_calibration(small_shop)
    assert calibration.windows == manifest["steps"]["backtest"]["calibration_windows"] > 0
    assert list(calibration.service["target"]) == list(SERVICE_GRID)
    # ... and so does this run's plan: the backtest runs before it, even on a shop's first run
    plan = pd.read_csv(latest / "plan.csv", dtype={"sku": str})
    assert plan["demand_calibration"].notna().all() and (plan["demand_calibration"].str.len() > 0).all()
    assert manifest["status"] == "succeeded"
    assert list(manifest["steps"]) == ["import", "forecast", "backtest", "plan", "purchase_orders", "scenarios", "report"]
    assert manifest["steps"]["backtest"]["ran"] is True                     # first run: no backtest yet
    assert manifest["headline"]["health"]["stocked_skus"] > 0
    assert manifest["steps"]["import"]["files"] == 3 and manifest["steps"]["import"]["added"] > 0
    assert any(key.startswith("inbox/orders_") for key in manifest["inputs"])
    assert {"exports/affiliate_orders.csv", "exports/fbt_inventory.csv", "exports/fbt_inbound.csv"} <= set(manifest["inputs"])
    assert len(manifest["inputs"]["products.csv"]) == 64                    # a sha256
    assert manifest["packages"]["pandas"] and manifest["settings"]["shop_toml"]["shop"]["market"] == "TH"
    assert not [p for p in small_shop.inbox.iterdir() if p.is_file()]         # moved to inbox/imported
    assert len(list((small_shop.inbox / "imported").iterdir())) == 3
    with Store(small_shop.store_path) as store:
        runs = store.runs()
    assert runs["status"].tolist() == ["succeeded"]
    assert json.loads(runs["headline"].iloc[0])["order_lines"] == manifest["headline"]["order_lines"]
    listing = CliRunner().invoke(main, ["runs", "--shop", str(small_shop.root)])
    assert manifest["run_id"] in listing.output and "succeeded" in listing.output


def test_a_second_run_while_one_holds_the_lock_exits_at_once(small_shop):
    with shop_lock(small_shop):
        started = time.perf_counter()
        result = run_cli(small_shop)
        assert time.perf_counter() - started < 5
    assert result.exit_code == 75
    assert "another restock run is in progress (pid " in result.output
    assert not small_shop.store_path.exists()                                # it did nothing


def test_two_runs_started_together_exactly_one_runs(small_shop):
    first, second = spawn_run(small_shop), spawn_run(small_shop)
    codes = sorted(p.wait(timeout=300) for p in (first, second))
    assert codes == [0, 75]
    with Store(small_shop.store_path) as store:
        assert len(store.runs()) == 1


def test_a_run_killed_mid_forecast_leaves_the_last_good_outputs(small_shop):
    assert run_cli(small_shop).exit_code == 0
    good = (small_shop.runs / "latest").resolve()
    good_files = {str(p.relative_to(good)): p.read_bytes() for p in good.rglob("*") if p.is_file()}  # po/ too
    lines_before = store_lines(small_shop)

    process = spawn_run(small_shop)
    deadline = time.time() + 120
    for raw in process.stderr:                                               # JSON log lines
        if json.loads(raw).get("step") == "import":                          # import done: forecast is running
            break
        assert time.time() < deadline
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)

    assert (small_shop.runs / "latest").resolve() == good
    assert {str(p.relative_to(good)): p.read_bytes() for p in good.rglob("*") if p.is_file()} == good_files
    assert store_lines(small_shop) == lines_before                           # the store opens and is intact
    assert [p.name for p in small_shop.runs.iterdir() if p.name.endswith(".partial")]

    after = run_cli(small_shop)                                              # the next run succeeds
    assert after.exit_code == 0, after.output
    with Store(small_shop.store_path) as store:
        statuses = store.runs()["status"].tolist()
    assert statuses == ["succeeded", "failed", "succeeded"]
    manifest = json.loads(((small_shop.runs / "latest") / "manifest.json").read_text(encoding="utf-8"))
    assert "interrupted" in " ".join(manifest["warnings"])


def corrupt_first_export(shop: Shop) -> tuple[str, int]:
    """Plant '3 pcs' in the Quantity of the 5th data line of the first CSV export; returns its name and row."""
    path = sorted(shop.inbox.glob("*.csv"))[0]
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    column = rows[0].index("Quantity")
    data_start = 2 if not rows[1][0].strip().isdigit() else 1
    target = data_start + 4
    rows[target][column] = "3 pcs"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path.name, target + 1


def test_a_corrupt_export_fails_the_run_and_writes_nothing(small_shop):
    name, row = corrupt_first_export(small_shop)
    result = run_cli(small_shop)
    assert result.exit_code == 3
    assert f"{name}, row {row}, column 'Quantity': '3 pcs' is not a whole number" in result.output
    assert not (small_shop.runs / "latest").exists()
    assert (small_shop.inbox / name).exists()                                # nothing moved
    assert store_lines(small_shop) == 0                                      # nothing stored
    with Store(small_shop.store_path) as store:
        runs = store.runs()
    assert runs["status"].tolist() == ["failed"] and "3 pcs" in runs["message"].iloc[0]
    failed = [p for p in small_shop.runs.iterdir() if p.name.endswith(".failed")]
    assert json.loads((failed[0] / "manifest.json").read_text(encoding="utf-8"))["status"] == "failed"


def test_a_corrupt_export_with_skip_completes_and_lists_the_rejects(small_shop):
    name, row = corrupt_first_export(small_shop)
    result = run_cli(small_shop, "--on-bad-rows", "skip")
    assert result.exit_code == 0, result.output
    rejects = (small_shop.runs / "latest" / f"{name}.rejects.csv").read_text(encoding="utf-8")
    assert f"{name},{row},Quantity,3 pcs,is not a whole number" in rejects
    assert "bad row(s) skipped" in result.output


def test_cron_example_in_run_help():
    result = CliRunner().invoke(main, ["run", "--help"])
    assert "0 6 * * *" in result.output


def test_run_on_a_dask_cluster_gives_the_local_plan(small_shop, tmp_path):
    """--executor dask --scheduler ADDRESS runs the per-SKU model on a two-worker LocalCluster with the
    same code, and plans exactly what the local executor plans."""
    distributed = pytest.importorskip("distributed")
    local_copy = tmp_path / "local"
    shutil.copytree(small_shop.root, local_copy)
    local = CliRunner().invoke(main, ["run", "--shop", str(local_copy), "--model", "ets", "--executor", "local",
                                      "--log-format", "json"])
    assert local.exit_code == 0, local.output
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        result = run_cli(small_shop, "--model", "ets", "--executor", "dask", "--scheduler", cluster.scheduler_address)
    assert result.exit_code == 0, result.output
    manifest = json.loads((small_shop.runs / "latest" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["settings"]["options"]["executor"] == "dask"
    for name in ("forecast.csv", "orders.csv", "plan.csv"):
        assert (small_shop.runs / "latest" / name).read_bytes() == (local_copy / "runs" / "latest" / name).read_bytes(), name


def test_a_first_run_plans_what_restock_plan_then_plans(tmp_path_factory):
    """The run's backtest chooses a model per SKU after the run has forecast; the SKUs it moves are
    forecast again before the plan, so the run's orders are the ones `restock plan` makes right after
    from the run's outputs (model_choice.csv, lead_time_calibration.csv). Seed 5: a shop whose first
    backtest moves SKUs (seed 3's moves none)."""
    small_shop = Shop.open(generated_shop(tmp_path_factory, seed=5))
    result = run_cli(small_shop)
    assert result.exit_code == 0, result.output
    latest = small_shop.runs / "latest"
    manifest = json.loads((latest / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["steps"]["backtest"]["skus_forecast_again"] > 0  # a first run: no choice when it forecast
    choice = pd.read_csv(latest / "model_choice.csv", dtype={"sku": str}).set_index("sku")["model"]
    used = pd.read_csv(latest / "forecast.csv", dtype={"sku": str}).drop_duplicates("sku").set_index("sku")["model"]
    assert (used == choice.reindex(used.index).fillna("campaign")).all()
    planned = CliRunner().invoke(main, ["plan", "--shop", str(small_shop.root), "--out", str(small_shop.root / "later")])
    assert planned.exit_code == 0, planned.output
    columns = ["sku", "supplier", "quantity", "value", "order_by"]
    pd.testing.assert_frame_equal(pd.read_csv(small_shop.root / "later" / "orders.csv", dtype={"sku": str})[columns],
                                  pd.read_csv(latest / "orders.csv", dtype={"sku": str})[columns])
    # to the last figure: the calibration the run planned with is the one `restock plan` reads back (issue 22)
    assert (small_shop.root / "later" / "plan.csv").read_bytes() == (latest / "plan.csv").read_bytes()
    # the point forecast too: the run's forecast.csv follows its own backtest's point choice (forecast.point)
    points = ["sku", "date", "point", "point_method", "point_reason"]
    pd.testing.assert_frame_equal(pd.read_csv(small_shop.root / "later" / "forecast.csv", dtype={"sku": str})[points],
                                  pd.read_csv(latest / "forecast.csv", dtype={"sku": str})[points])
    # and the next run, which reuses this run's backtest, plans the same (issue 22: one plan per input)
    again = run_cli(small_shop)
    assert again.exit_code == 0, again.output
    second = small_shop.runs / "latest"
    assert json.loads((second / "manifest.json").read_text(encoding="utf-8"))["steps"]["backtest"]["ran"] is False
    for name in ("orders.csv", "plan.csv"):
        assert (second / name).read_bytes() == (small_shop.root / "later" / name).read_bytes(), name


def test_the_weekly_backtest_holds_a_year_of_windows_at_any_catalogue_size(monkeypatch):
    """Four origins a 90-day horizon apart (a seasonal shop's whole year for the service step's
    verdict), at 100,000 SKUs too: the run no longer drops to two above a size."""
    from types import SimpleNamespace

    from planner import run

    asked = {}

    def backtest_job(shop, inputs, models, n_cutoffs, **kwargs):
        asked["origins"] = n_cutoffs
        raise KeyboardInterrupt  # stop here: only the request is checked

    monkeypatch.setattr(pipeline, "latest_backtest", lambda shop: (None, None))
    monkeypatch.setattr(pipeline, "backtest_job", backtest_job)
    planning = SimpleNamespace(model="campaign", backtest_every_days=7, backtest_models=[])
    forecast = SimpleNamespace(paths=SimpleNamespace(skus=[f"S{i}" for i in range(100_000)]), history=None, campaigns=None)
    context = SimpleNamespace(shop=SimpleNamespace(config=SimpleNamespace(planning=planning)), options={"backtest": True},
                              state=SimpleNamespace(forecast=forecast, inputs=None))
    with pytest.raises(KeyboardInterrupt):
        run.step_backtest(context)
    assert asked["origins"] == run.RUN_BACKTEST_CUTOFFS == 4
