"""`restock run`: the whole job for a shop, safe to schedule and safe to fail.

* One run at a time per shop: an exclusive ``flock`` on ``.restock.lock`` in the shop. The kernel
  releases it when the process ends, however it ends (even SIGKILL), so a killed run never leaves a
  stale lock behind.
* Each run writes into ``runs/<run id>.partial/``; only a run that finished is renamed to
  ``runs/<run id>/`` and becomes ``runs/latest`` (a symlink swapped atomically). A run that crashes or
  is killed leaves the last good outputs untouched; it is recorded as failed (at once when it raises,
  by the next run when it was killed).
* A manifest (``manifest.json``) records inputs with their hashes, the settings, package versions,
  timings and counts of each step, and warnings. The run history lives in the store (`restock runs`).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import platform
import shutil
import time
import traceback
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

import pandas as pd

from planner.errors import LockedError, RestockError
from planner.io.files import OWNER_ONLY_FOLDER, owner_only, write_failure
from planner.plan.calibrate import BACKTEST_ORIGINS
from planner.importer import file_sha256, stream_files
from planner.io.exports import export_files
from planner.io.inputs import TABLES
from planner.shop import Shop
from planner.store import Store

if TYPE_CHECKING:  # the steps import the pipeline when they run
    from planner.io.inputs import Inputs
    from planner.pipeline import ForecastResult
    from planner.plan import Plan

log = logging.getLogger("restock.run")

LOCK_FILE = ".restock.lock"
ORDER_SUFFIXES = (".csv", ".xlsx", ".xlsm", ".parquet")
PACKAGES = ("restock", "pandas", "numpy", "statsmodels", "prophet", "duckdb", "holidays", "matplotlib", "click")


@contextmanager
def shop_lock(shop: Shop) -> Iterator[None]:
    """Hold the shop's lock, or raise LockedError at once (exit code 75) naming the holder."""
    path = shop.root / LOCK_FILE
    handle = open(path, "a+", encoding="utf-8")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise LockedError(f"{shop.root}: another restock run is in progress ({holder}); "
                              f"this one exits without doing anything. Try again when it has finished.") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} since {datetime.now(timezone.utc):%Y-%m-%d %H:%M:%S} UTC")
        handle.flush()
        yield
    finally:
        handle.close()  # closing releases the lock


def inbox_files(shop: Shop) -> list[Path]:
    if not shop.inbox.is_dir():
        return []
    return sorted(p for p in shop.inbox.iterdir() if p.is_file() and p.suffix.casefold() in ORDER_SUFFIXES
                  and not p.name.startswith("."))


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


@dataclass
class RunRecord:
    run_id: str
    started_at: str
    status: str = "running"
    finished_at: str | None = None
    steps: dict = field(default_factory=dict)      # name -> {seconds, counts...}
    inputs: dict = field(default_factory=dict)     # file -> sha256
    settings: dict = field(default_factory=dict)
    packages: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)
    headline: dict = field(default_factory=dict)
    error: str | None = None


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def new_run_id(runs: Path) -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    run_id, n = stamp, 1
    while any((runs / f"{run_id}{suffix}").exists() for suffix in ("", ".partial", ".failed")):
        n += 1
        run_id = f"{stamp}-{n}"
    return run_id


def mark_interrupted_runs(store: Store, runs: Path | None = None) -> int:
    """Runs still 'running' while we hold the lock were killed: rename their ``runs/ID.partial`` folders
    ``runs/ID.failed`` and record them as failed."""
    for partial in sorted(runs.glob("*.partial")) if runs is not None and runs.is_dir() else []:
        partial.rename(partial.with_suffix(".failed"))
    stale = store.runs(limit=1000, status="running")
    for row in stale.itertuples():
        failed = runs / f"{row.run_id}.failed" if runs is not None else None
        folder = str(failed) if failed is not None and failed.is_dir() else row.folder
        store.record_run(row.run_id, row.started_at, "failed", folder, _now(), None,
                         "interrupted: the process ended before finishing (killed or crashed)")
    return len(stale)


def _point_latest(runs: Path, folder: Path) -> None:
    link = runs / "latest"
    tmp = runs / f".latest-{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(folder.name, target_is_directory=True)
    os.replace(tmp, link)


Step = Callable[["RunContext"], dict | None]


@dataclass
class RunState:
    """What the steps hand on to each other, in the order they set it."""

    imports: list = field(default_factory=list)  # import step: an ImportResult per inbox file
    scenario_files: list = field(default_factory=list)  # forecast step: the shop's scenarios, checked early
    inputs: Inputs | None = None  # forecast step: the shop's input tables
    forecast: ForecastResult | None = None  # forecast step; the backtest step adds its calibration
    forecast_params: dict = field(default_factory=dict)
    backtest_metrics: pd.DataFrame | None = None  # backtest step: this run's, or the last run's reused
    plan: Plan | None = None  # plan step
    scenarios: pd.DataFrame | None = None  # scenarios step: the comparison table (None: no scenarios)


@dataclass
class RunContext:
    """What steps share: the shop, the run folder being written, and the state steps hand on."""

    shop: Shop
    folder: Path
    record: RunRecord
    options: dict
    state: RunState = field(default_factory=RunState)

    def warn(self, message: str) -> None:
        self.record.warnings.append(message)
        log.warning(message)


def execute_run(shop: Shop, steps: list[tuple[str, Step]], options: dict | None = None,
                progress: Callable[[str], None] | None = None) -> RunRecord:
    """Run ``steps`` in order under the shop's lock, into a fresh run folder; see the module docstring."""
    options = options or {}
    with owner_only(), _writes_named(shop):  # a seller's sales: readable by the owner only (planner/io/files.py)
        shop.runs.mkdir(parents=True, exist_ok=True)
        with shop_lock(shop):
            return _execute_locked(shop, steps, options, progress)


@contextmanager
def _writes_named(shop: Shop) -> Iterator[None]:
    """A full disk or a folder that cannot be written ends in a sentence and exit code 74, not a traceback."""
    try:
        yield
    except OSError as exc:
        failure = write_failure(exc, shop.root, "the last good outputs (runs/latest) are untouched")
        if failure is None:
            raise
        raise failure from exc


def _execute_locked(shop: Shop, steps: list[tuple[str, Step]], options: dict,
                    progress: Callable[[str], None] | None) -> RunRecord:
    with Store(shop.store_path) as store:
        interrupted = mark_interrupted_runs(store, shop.runs)
        run_id = new_run_id(shop.runs)
        partial = shop.runs / f"{run_id}.partial"
        partial.mkdir(mode=OWNER_ONLY_FOLDER)  # before the store says 'running': a read-only runs/ records nothing
        started = _now()
        record = RunRecord(run_id=run_id, started_at=started.isoformat(timespec="seconds"),
                           packages=package_versions(), settings=_settings(shop, options))
        if interrupted:
            record.warnings.append(f"{interrupted} earlier run(s) had been interrupted; recorded as failed")
        store.record_run(run_id, started, "running", str(shop.runs / run_id))
    context = RunContext(shop, partial, record, options)
    log.info("run %s started", run_id, extra={"run_id": run_id, "step": "start"})
    try:
        for name, step in steps:
            if progress:
                progress(name)
            began = time.perf_counter()
            counts = step(context) or {}
            seconds = round(time.perf_counter() - began, 3)
            record.steps[name] = {"seconds": seconds, **counts}
            log.info("step %s done in %.1f s", name, seconds, extra={"run_id": run_id, "step": name, **counts})
        record.status = "succeeded"
        record.finished_at = _now().isoformat(timespec="seconds")
        _write_manifest(partial, record)
    except BaseException as exc:
        failure = write_failure(exc, shop.root, "the last good outputs (runs/latest) are untouched") if isinstance(
            exc, OSError) else None
        _record_failure(shop, record, partial, started, failure or exc)
        if failure is not None:
            raise failure from exc
        raise
    final = shop.runs / run_id
    partial.rename(final)
    _point_latest(shop.runs, final)
    with Store(shop.store_path) as store:
        store.record_run(run_id, started, "succeeded", str(final), _now(), record.headline)
    log.info("run %s succeeded", run_id, extra={"run_id": run_id, "step": "end"})
    return record


def _record_failure(shop: Shop, record: RunRecord, partial: Path, started: datetime, exc: BaseException) -> None:
    """Keep a failed run as ``runs/ID.failed`` with its manifest and record it in the store, as far as
    the disk allows: this runs after a full disk too, so each part may fail and the next goes on (a
    folder left ``.partial`` is renamed by the next run; the error the user sees is the run's own)."""
    record.status = "failed"
    record.error = str(exc) if isinstance(exc, RestockError) else f"{type(exc).__name__}: {exc}"
    record.finished_at = _now().isoformat(timespec="seconds")
    if not isinstance(exc, RestockError):
        record.warnings.append(traceback.format_exc(limit=5))
    failed = shop.runs / f"{record.run_id}.failed"
    try:
        _write_manifest(partial, record)
    except OSError as error:
        log.warning("run %s: its manifest could not be written (%s)", record.run_id, error)
    try:
        partial.rename(failed)
    except OSError as error:
        log.warning("run %s: %s left as it is (%s); the next run renames it", record.run_id, partial.name, error)
        failed = partial
    if not shop.store_path.exists():  # deleted during the run: never leave an empty store in its place
        return
    try:
        with Store(shop.store_path) as store:
            store.record_run(record.run_id, started, "failed", str(failed), _now(), record.headline, record.error)
    except Exception as error:  # noqa: BLE001 - the run's own error is what the user must see
        log.warning("run %s: its failure could not be recorded in the store (%s)", record.run_id, error)


def _write_manifest(folder: Path, record: RunRecord) -> None:
    tmp = folder / ".manifest.json.tmp"
    tmp.write_text(json.dumps(asdict(record), indent=2, default=str, ensure_ascii=False), encoding="utf-8")
    tmp.replace(folder / "manifest.json")


def _settings(shop: Shop, options: dict) -> dict:
    config = asdict(shop.config)
    return {"shop_toml": config, "options": {k: v for k, v in options.items() if not callable(v)}}


# ------------------------------------------------------------------------------------ the steps

def step_import(context: RunContext) -> dict:
    """Import every order file in the inbox, then move each to inbox/imported/.

    All files are read and checked before anything is stored: a corrupt export fails the run with its
    file, row and column named and leaves the store as it was (with --on-bad-rows fail)."""
    shop = context.shop
    files = inbox_files(shop)
    on_bad_rows = context.options.get("on_bad_rows", "fail")
    for path in files:
        context.record.inputs[f"inbox/{path.name}"] = file_sha256(path)
    imported = shop.inbox / "imported"
    with Store(shop.store_path) as store:  # streamed, as `restock import`: memory holds a chunk, not a file
        results = stream_files(store, files, context.folder, on_bad_rows, shop.config.dates,
                               checks=shop.config.order_checks,
                               sha256s=[context.record.inputs[f"inbox/{path.name}"] for path in files])
    for result in results:
        if result.rejects_file:
            context.warn(f"{result.file}: {result.rejected} bad row(s) skipped; see {result.rejects_file.name}")
        for warning in result.warnings:
            context.warn(warning)
    for path in files:
        imported.mkdir(exist_ok=True)
        target = imported / path.name
        if target.exists():  # the same name imported before: keep both, never overwrite the user's file
            target = imported / f"{path.stem}.{context.record.run_id}{path.suffix}"
        shutil.move(str(path), target)
    context.state.imports = results
    from planner.backup import daily_backup

    backup = daily_backup(shop, context.warn)  # the store as imported, before the long steps
    return {"backup": backup, "files": len(results), "added": sum(r.added for r in results), "updated": sum(r.updated for r in results),
            "unchanged": sum(r.unchanged for r in results), "rejected": sum(r.rejected for r in results)}


def step_forecast(context: RunContext) -> dict:
    from planner import pipeline

    shop = context.shop
    inputs = shop.inputs()
    context.state.scenario_files = pipeline.load_scenarios(shop)  # a bad file fails before the long steps
    for table in TABLES:  # every input table the plan read, overrides.csv and events.csv too
        path = shop.path(table)
        if path.exists():
            context.record.inputs[path.name] = file_sha256(path)
    context.record.inputs["shop.toml"] = file_sha256(shop.root / "shop.toml")
    for path in export_files(shop.exports):  # LIVE, ads, affiliate and FBT downloads the plan read
        context.record.inputs[f"exports/{path.name}"] = file_sha256(path)
    params = {}
    model = context.options.get("model") or shop.config.planning.model
    if context.options.get("executor") and model in ("ets", "sarimax", "prophet"):
        params = {"executor": context.options["executor"], "scheduler": context.options.get("scheduler")}
    result = pipeline.run_forecast(shop, inputs, model=context.options.get("model"), model_params=params)
    for warning in pipeline.input_warnings(shop, inputs, result.history, result.today, result.spikes, result.overrides):
        context.warn(warning)
    pipeline.write_forecast(result, context.folder)
    context.state.inputs, context.state.forecast, context.state.forecast_params = inputs, result, params
    per_model = result.forecast.drop_duplicates("sku")["model"].value_counts()
    return {"skus": int(len(result.paths.skus)), "horizon_days": int(result.paths.horizon), "model": model,
            "models_by_sku": {str(k): int(v) for k, v in per_model.items()},
            "history_days": int(result.history["date"].nunique())}


def step_plan(context: RunContext) -> dict:
    from planner import pipeline

    shop = context.shop
    plan = pipeline.run_plan(shop, context.state.inputs, context.state.forecast)
    pipeline.write_plan(plan, context.folder)
    context.state.plan = plan
    context.record.headline = pipeline.headline(plan, shop.config.shop.currency)
    return {"order_lines": int(len(plan.orders)), "alerts": int(len(plan.alerts))}


def step_purchase_orders(context: RunContext) -> dict:
    """The plan's order lines as purchase orders, numbered in the store, one file per supplier in po/
    (planner.approve)."""
    from planner.approve import propose_purchase_orders

    shop, state = context.shop, context.state
    taken = set(state.inputs.purchase_orders["po_id"].astype(str))
    proposals = propose_purchase_orders(shop.store_path, state.plan.orders, state.inputs.products, context.folder,
                                        context.record.run_id, shop.config.shop.name, shop.config.shop.currency, taken)
    return {"purchase_orders": len(proposals), "numbers": [p.number for p in proposals]}


#: the backtest origins of the calibration (planner.plan.calibrate.BACKTEST_ORIGINS), at any catalogue size
RUN_BACKTEST_CUTOFFS = BACKTEST_ORIGINS


def step_backtest(context: RunContext) -> dict:
    """Backtest the shop's model against seasonal naive when the last backtest is older than
    planning.backtest_every_days (or with --backtest); the report shows its accuracy."""
    from planner import pipeline

    shop = context.shop
    wanted = context.options.get("backtest")
    metrics, when = pipeline.latest_backtest(shop)
    stale = when is None or (pd.Timestamp.now() - when).days >= shop.config.planning.backtest_every_days
    if wanted is False or (wanted is None and not stale):
        context.state.backtest_metrics = metrics
        return {"ran": False, "reused_from": when.isoformat(timespec="seconds") if when is not None else None,
                "reused_run": pipeline.latest_backtest_run(shop)}
    model = context.options.get("model") or shop.config.planning.model
    for extra in shop.config.planning.backtest_models:
        pipeline.known_model(extra, "shop.toml 'planning.backtest_models'")
    models = list(dict.fromkeys([model, "seasonal_naive", *shop.config.planning.backtest_models]))
    state = context.state
    forecast = state.forecast
    result, calibration, point_choice = pipeline.backtest_job(shop, state.inputs, models, n_cutoffs=RUN_BACKTEST_CUTOFFS,
                                                              history=forecast.history, campaigns=forecast.campaigns)
    pipeline.write_backtest(result, context.folder, calibration, point_choice)
    state.backtest_metrics = result.metrics
    moved = _moved_skus(forecast, result.choice, model) if context.options.get("model") is None else []
    if moved:
        # the backtest chose another model for some SKUs than the forecast used (the newest choice on
        # disk, none on a first run): forecast them again, so this run's plan is the plan that
        # `restock plan` makes from this run's outputs
        forecast = pipeline.run_forecast(shop, state.inputs, history=forecast.history, choice=result.choice,
                                         fitted=forecast.model, model_params=state.forecast_params,
                                         point_choice=point_choice)
        pipeline.write_forecast(forecast, context.folder)
    elif context.options.get("model") is None:
        # the same paths, the points of this backtest's choice (what `restock plan` reads back)
        forecast = replace(forecast, point_choice=point_choice,
                           forecast=pipeline.with_point(forecast.forecast, forecast.history, forecast.campaigns, point_choice))
        pipeline.write_forecast(forecast, context.folder)
    # the plan and the scenarios after this step use it (on disk it counts once the run succeeds)
    state.forecast = replace(forecast, calibration=calibration)
    return {"ran": True, "models": models, "cutoffs": len(result.cutoffs), "calibration_windows": calibration.windows,
            "skus_forecast_again": len(moved)}


def _moved_skus(forecast, choice: pd.DataFrame, default: str) -> list[str]:
    """SKUs whose model in the backtest's ``choice`` differs from the one ``forecast`` used."""
    used = forecast.forecast.drop_duplicates("sku").set_index("sku")["model"]
    chosen = choice.set_index("sku")["model"].reindex(used.index).fillna(default) if len(choice) else pd.Series(
        default, index=used.index)
    return sorted(used.index[used.to_numpy() != chosen.to_numpy()].astype(str))


def step_scenarios(context: RunContext) -> dict:
    """Plan and compare the shop's scenarios (scenarios/*.yaml in the shop) against the same forecast."""
    from planner import pipeline
    from planner.scenarios import compare_scenarios

    state = context.state
    if not state.scenario_files:
        return {"scenarios": 0}
    state.scenarios = compare_scenarios(context.shop, state.inputs, state.forecast, state.scenario_files)
    pipeline.write_frame(state.scenarios, context.folder / "scenarios.csv")
    return {"scenarios": len(state.scenario_files)}


def step_report(context: RunContext) -> dict:
    """The buyer's PDF, the run's warnings on its cover, and the days-of-cover dashboard beside it; the shop's
    health figures go into the run's headline for the next report's trends."""
    from planner import pipeline

    state = context.state
    path, health = pipeline.report_job(context.shop, state.inputs, state.forecast, state.plan,
                                       context.folder / "report.pdf", state.scenarios, state.backtest_metrics,
                                       warnings=list(context.record.warnings))
    context.record.headline["health"] = health
    return {"report_bytes": path.stat().st_size,
            "dashboard_bytes": (context.folder / pipeline.DASHBOARD_FILE).stat().st_size}


DEFAULT_STEPS: list[tuple[str, Step]] = [
    ("import", step_import), ("forecast", step_forecast), ("backtest", step_backtest), ("plan", step_plan),
    ("purchase_orders", step_purchase_orders), ("scenarios", step_scenarios), ("report", step_report),
]
