"""The planner's steps as library functions: store -> history -> forecast -> positions -> plan -> files.

The CLI commands (`forecast`, `plan`, `run`, `scenarios`, `report`) are thin calls into these.
Each step takes frames and returns frames; only `write_*` touch files.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from forecast.features import campaign_days
from forecast.history import complete_history, mark_stockouts
from forecast.models import SamplePaths, get_model
from forecast.models.base import Forecaster
from forecast.point import choose_point, point_frame
from planner.errors import ConfigError, RestockError
from planner.io.files import spreadsheet_safe_column
from planner.io.inputs import Inputs, expand_campaigns
from planner.overrides import apply_overrides, overridden_points, override_warnings
from planner.calibration import Calibration, backtest_errors
from planner.plan import Plan, PlanSettings, supply_terms
from planner.plan.calibrate import plan_calibration
from planner.plan.campaigns import campaign_rows, event_rows
from planner.plan.settings import plan_settings
from planner.plan.replenish import Supply, plan_replenishment
from planner.shop import Shop
from planner.store import Store

log = logging.getLogger("restock.pipeline")

N_PATHS = 200
CALIBRATION_FILE = "lead_time_calibration.csv"  # written with each backtest, read by every plan
POINT_CHOICE_FILE = "point_choice.csv"  # the point method per intermittent class (forecast.point), likewise
DASHBOARD_FILE = "dashboard.html"  # written beside the report's PDF


class EmptyHistory(RestockError):
    exit_code = 3


@dataclass
class ForecastResult:
    """What the forecast step hands on: the history it learned from, the fitted model, its sample
    paths, and the long forecast frame (sku, date, model, mean, p50 ... p99, point, point_method,
    point_reason)."""

    history: pd.DataFrame
    model: Forecaster
    paths: SamplePaths
    forecast: pd.DataFrame
    campaigns: pd.DataFrame
    today: pd.Timestamp
    model_choice: pd.DataFrame | None = None  # the backtest's per-SKU choice that was applied, if any
    # the lead-time demand calibration plans on this forecast use (run_forecast: the newest backtest's on
    # disk; a backtest later in the same run replaces it); None: read it from disk when planning
    calibration: Calibration | None = None
    # the point method per intermittent class the forecast's point columns follow (forecast.point)
    point_choice: pd.DataFrame | None = None
    # the history's unexplained spikes (forecast.spikes; the engine's own when it found them in its fit)
    spikes: pd.DataFrame | None = None
    # the overrides applied (planner.overrides: one row per override and SKU), None without overrides.csv rows
    overrides: pd.DataFrame | None = None


def load_history(shop: Shop) -> pd.DataFrame:
    """Daily demand per SKU from the store, completed to a calendar, stockout days censored."""
    imported = shop.inbox / "imported"
    again = (f"; the exports imported before are kept in {imported}: restock import --shop {shop.root} "
             f"{imported}/* rebuilds it") if imported.is_dir() and any(imported.iterdir()) else ""
    if not shop.store_path.exists():
        raise EmptyHistory(f"{shop.root}: the store is empty; import order files first "
                           f"(restock import --shop {shop.root} FILE...){again}")
    with Store(shop.store_path, read_only=True) as store:
        demand = store.daily_demand()
    if demand.empty:
        raise EmptyHistory(f"{shop.root}: the store holds no order lines; import order files first{again}")
    history = complete_history(demand[["sku", "date", "units"]])
    return mark_stockouts(history)


def plan_today(inputs: Inputs, history: pd.DataFrame) -> pd.Timestamp:
    """The planning day: the inventory snapshot's date, else the day after the last sale."""
    snapshot = inputs.snapshot_date
    return snapshot.normalize() if snapshot is not None else history["date"].max() + pd.Timedelta(days=1)


def input_warnings(shop: Shop, inputs: Inputs, history: pd.DataFrame | None, today: pd.Timestamp,
                   spikes: pd.DataFrame | None = None, overrides: pd.DataFrame | None = None) -> list[str]:
    """What looks wrong across the input tables (planner.io.checks.check_inputs), with the shop's thresholds,
    the history's unexplained spikes (``spikes``, else found here when there is a history) and the
    forecast overrides far from the statistics (``overrides``: ForecastResult.overrides)."""
    from planner.io.checks import check_inputs

    if spikes is None and history is not None and len(history):
        spikes = shop_spikes(shop, inputs, history)
    return check_inputs(inputs, history, today, shop.config.checks.max_snapshot_age_days,
                        shop.config.lead_time.default_days, spikes=spikes) + override_warnings(overrides)


def shop_spikes(shop: Shop, inputs: Inputs, history: pd.DataFrame) -> pd.DataFrame:
    """The history's spikes that the shop's campaigns, events and market days do not explain
    (forecast.spikes): the call the campaign engine makes in its fit, on the same frames."""
    from forecast.spikes import unexplained_spikes

    market = shop.config.shop.market
    params = shop.config.calendar.model_params(market)
    return unexplained_spikes(history, campaign_rows(inputs, history), event_rows(inputs, history), market,
                              params["mega_sales"], params["market_holidays"])


def run_forecast(shop: Shop, inputs: Inputs, history: pd.DataFrame | None = None, model: str | None = None,
                 horizon: int | None = None, n_paths: int = N_PATHS, seed: int = 0,
                 model_params: dict | None = None, choice: pd.DataFrame | None = None,
                 fitted: Forecaster | None = None, point_choice: pd.DataFrame | None = None) -> ForecastResult:
    """Fit the shop's model on its history and campaigns and draw sample paths over the horizon.

    Without ``model``, each SKU uses the model the shop's last backtest chose for it
    (model_choice.csv; every command that forecasts reads it here, so plan, report, scenarios and
    run agree); naming a ``model`` forecasts every SKU with it. ``choice`` replaces the one on disk (a
    backtest of the same run); ``fitted``: the shop's model already fitted on this history (its paths
    are drawn again, the same for the same seed), so that only the SKUs the choice moves are refitted.
    The point columns follow the newest backtest's point choice (point_choice.csv; ``point_choice``
    replaces it), or the mean everywhere when a ``model`` is named.

    The forecast starts the day after the last history day and runs through the plan horizon
    counted from the planning day, so a snapshot taken after the last export still gets a full horizon."""
    config = shop.config
    known_model(model or config.planning.model, "--model" if model else "shop.toml 'planning.model'")
    history = load_history(shop) if history is None else history
    today = plan_today(inputs, history)
    horizon = horizon or config.planning.horizon_days
    start = history["date"].max() + pd.Timedelta(days=1)
    days = horizon + max(0, (today - start).days + 1)
    campaigns = campaign_rows(inputs, history)
    events = event_rows(inputs, history)
    name = model or config.planning.model
    products = inputs.products[["sku", "category"]]
    if fitted is None:
        fitted = model_maker(config, name, model_params)().fit(history, campaigns, products, events)
    # drawn a chunk of SKUs at a time when read: the forecast frame here, the plan's blocks later
    paths = fitted.chunked_paths(days, n_paths=n_paths, seed=seed)
    models = pd.Series(name, index=pd.Index(paths.skus, dtype=object))
    if model is not None:
        choice = None
    elif choice is None:
        choice = latest_model_choice(shop)
    if choice is not None and len(choice):
        paths, models = apply_model_choice(paths, name, choice, history, campaigns, products, days, n_paths, seed,
                                           events, maker=lambda m: model_maker(config, m))
    forecast = paths.to_frame()
    overrides = None
    if len(inputs.overrides):  # the planner's own figures over the statistics (planner.overrides)
        paths, overrides = apply_overrides(paths, forecast, inputs.overrides, inputs.products)
        forecast = paths.to_frame()
    forecast.insert(2, "model", forecast["sku"].map(models).fillna(name))
    if model is not None:
        point_choice = None
    elif point_choice is None:
        point_choice = latest_point_choice(shop)
    forecast = overridden_points(with_point(forecast, history, campaigns, point_choice), overrides)
    log.info("forecast %s: %d SKUs x %d days, %d paths; %s", name, len(paths.skus), days, n_paths,
             ", ".join(f"{m} {n}" for m, n in models.value_counts().items()))
    spikes = getattr(fitted, "spikes_", None)
    if spikes is None:
        spikes = shop_spikes(shop, inputs, history)
    # read once here, not by every plan on this forecast (the plan and each scenario)
    return ForecastResult(history, fitted, paths, forecast, campaigns, today, choice, latest_calibration(shop),
                          point_choice, spikes, overrides)


def with_point(forecast: pd.DataFrame, history: pd.DataFrame, campaigns: pd.DataFrame,
               point_choice: pd.DataFrame | None) -> pd.DataFrame:
    """The forecast frame with its point columns (forecast.point.point_frame): the point method of each
    SKU's pattern class in ``point_choice``, the model's mean on its campaign days."""
    dates = pd.DatetimeIndex(forecast["date"].drop_duplicates().sort_values())
    return point_frame(forecast, history, point_choice, campaign_days(campaigns, dates) if len(dates) else None)


def model_calendar(config, name: str) -> dict:
    """The shop's calendar (market, its holidays, paydays and mega-sale days: shop.toml [shop] market and
    [calendar]) as the parameters forecast model ``name`` takes of it (none for a model without them)."""
    import inspect

    from forecast.models import MODELS

    calendar = {"market": config.shop.market, **config.calendar.model_params(config.shop.market)}
    accepted = inspect.signature(MODELS[name].__init__).parameters if name in MODELS else {}
    return {key: value for key, value in calendar.items() if key in accepted}


def model_maker(config, name: str, model_params: dict | None = None):
    """A zero-argument builder of forecast model ``name`` with the shop's calendar (model_calendar) and
    ``model_params`` over it. The forecast, the backtest that judges and calibrates it, the per-SKU model
    choice and `restock simulate` all build their models with it, so the errors the plan is calibrated on
    are the errors of the model it plans with."""
    params = {**model_calendar(config, name), **(model_params or {})}
    return lambda: get_model(name, **params)


def known_model(name: str, source: str) -> None:
    """A ConfigError naming where an unknown forecast model name came from, and the known ones."""
    from forecast.models import MODELS

    if name not in MODELS:
        raise ConfigError(f"{source}: unknown model {name!r}; known models: {', '.join(sorted(MODELS))}")
    why = MODELS[name].unavailable()
    if why:
        raise ConfigError(f"{source}: {why}")


def apply_model_choice(paths: SamplePaths, default: str, choice: pd.DataFrame, history: pd.DataFrame,
                       campaigns: pd.DataFrame, products: pd.DataFrame, days: int, n_paths: int, seed: int,
                       events: pd.DataFrame | None = None, maker=None):
    """Replace the paths of SKUs whose backtest chose another model (forecast.backtest.choose_models)
    with that model's paths. The shop's model is still fitted on every SKU first: it pools campaign
    uplift across SKUs, so leaving a SKU out of its fit would weaken the others. ``maker``: model name
    -> zero-argument builder (model_maker with the shop's calendar; default: the model's defaults).
    Returns the paths and the model of each SKU."""
    maker = maker or (lambda model_name: lambda: get_model(model_name))
    from forecast.models import MODELS

    row_of = {sku: i for i, sku in enumerate(paths.skus)}
    models = pd.Series(default, index=pd.Index(paths.skus, dtype=object))
    chosen = choice[choice["sku"].isin(row_of) & (choice["model"] != default)]
    for model_name, group in chosen.groupby("model", sort=True):
        skus = sorted(group["sku"])
        why = MODELS[model_name].unavailable() if model_name in MODELS else f"no model {model_name!r} in this version"
        if why:  # e.g. an optional library removed since the backtest chose the model: the default plans them
            log.warning("%d SKU(s) keep %s although the backtest chose %s: %s", len(skus), default, model_name, why)
            continue
        if MODELS[model_name].fits_all_skus:  # a global model learns from every SKU, then gives the chosen rows
            part = maker(model_name)().fit(history, campaigns, products, events).sample_paths(days, n_paths=n_paths, seed=seed)
            rows = pd.Index(part.skus).get_indexer(skus)
            part = SamplePaths(np.asarray(skus, dtype=object), part.start, part.values[rows])
        else:
            part = maker(model_name)().fit(history[history["sku"].isin(skus)], campaigns[campaigns["sku"].isin(skus)],
                                             products, events).sample_paths(days, n_paths=n_paths, seed=seed)
        paths = paths.with_rows([row_of[sku] for sku in part.skus], part.values)
        models[list(part.skus)] = model_name
    return paths, models


def run_plan(shop: Shop, inputs: Inputs, result: ForecastResult, settings: PlanSettings | None = None) -> Plan:
    """Positions from the inventory snapshot and open POs, then the plan on the forecast's paths, its
    lead-time demand calibrated on the forecast's own (``result.calibration``, set by a backtest earlier in
    the same run) or else the last backtest's errors (lead_time_calibration.csv) if there is one."""
    settings = settings or plan_settings(shop.config, inputs)
    if inputs.products.empty:
        raise RestockError(f"{shop.path('products')}: no products; the plan needs each SKU's supplier, cost "
                           f"and lead time (see docs/inputs.md)")
    supply = Supply(inputs.products, inputs.suppliers, inputs.inventory, inputs.purchase_orders, inputs.bundles)
    return plan_replenishment(result.paths, supply, result.today, settings, result.campaigns,
                              result.calibration if result.calibration is not None else latest_calibration(shop),
                              result.history)


def run_backtest(shop: Shop, inputs: Inputs, models: list[str], horizon: int | None = None, n_cutoffs: int = 3,
                 history: pd.DataFrame | None = None, n_paths: int = N_PATHS, campaigns: pd.DataFrame | None = None,
                 progress=None):
    """Rolling-origin backtest of ``models`` on the shop's history (forecast.backtest.backtest).

    ``history`` and ``campaigns`` (campaign_rows of that history) may be passed when a forecast of the
    same run has them already."""
    from forecast.backtest import backtest

    history = load_history(shop) if history is None else history
    horizon = horizon or shop.config.planning.horizon_days
    span = (history["date"].max() - history["date"].min()).days
    if span < horizon + 28:
        raise EmptyHistory(f"{shop.root}: {span + 1} days of history is too short to backtest a {horizon}-day "
                           f"horizon; use --horizon with fewer days")
    n_cutoffs = max(1, min(n_cutoffs, (span - 28) // horizon))
    campaigns = campaign_rows(inputs, history) if campaigns is None else campaigns
    products = inputs.products[["sku", "category", "price"]] if len(inputs.products) else None
    # built with the shop's calendar, as the forecast builds them (model_maker)
    specs = [model_maker(shop.config, name) for name in models]
    return backtest(history, models=specs, campaigns=campaigns, products=products, horizon=horizon,
                    n_cutoffs=n_cutoffs, n_paths=n_paths, default_model=shop.config.planning.model, progress=progress,
                    events=event_rows(inputs, history))


def backtest_job(shop: Shop, inputs: Inputs, models: list[str], horizon: int | None = None, n_cutoffs: int = 3,
                 history: pd.DataFrame | None = None, campaigns: pd.DataFrame | None = None, progress=None):
    """`restock backtest` and the run's backtest step: run_backtest, then the plan's calibration from its
    errors and the point method per intermittent class (forecast.point.choose_point, on the shop's
    model's backtest). Returns (BacktestResult, Calibration, point choice)."""
    history = load_history(shop) if history is None else history
    result = run_backtest(shop, inputs, models, horizon=horizon, n_cutoffs=n_cutoffs, history=history, campaigns=campaigns,
                          progress=progress)
    point_choice = choose_point(result.forecasts, history, shop.config.planning.model)
    return result, backtest_calibration(inputs, result, plan_settings(shop.config, inputs)), point_choice


def report_job(shop: Shop, inputs: Inputs, forecast: ForecastResult, plan: Plan, out: Path,
               scenarios: pd.DataFrame | None = None, backtest_metrics: pd.DataFrame | None = None,
               warnings: list[str] | None = None):
    """`restock report` and the run's report step: the shop's health figures and the buyer's PDF at
    ``out``, with the last 30 succeeded runs' headlines for the trends; the inputs' ``warnings`` (default:
    input_warnings of these inputs) head its cover; and beside it the days-of-cover dashboard
    (DASHBOARD_FILE, planner.report.dashboard) of the same plan. Returns (path, health)."""
    from planner.report.dashboard import build_dashboard
    from planner.report.document import build_report, shop_health

    settings = plan_settings(shop.config, inputs)
    with Store(shop.store_path, read_only=True) as store:
        past = store.runs(limit=30, status="succeeded")
    health = shop_health(inputs, forecast, plan, settings, backtest_metrics, shop.config.planning.model)
    if warnings is None:
        warnings = input_warnings(shop, inputs, forecast.history, forecast.today, forecast.spikes, forecast.overrides)
    out.parent.mkdir(parents=True, exist_ok=True)
    path = build_report(shop, inputs, forecast, plan, out, scenarios_table=scenarios, backtest_table=backtest_metrics,
                        history_of_runs=past, settings=settings, health=health, warnings=warnings)
    build_dashboard(shop.config.shop.name, shop.config.shop.currency, inputs, forecast, plan, settings,
                    out.parent / DASHBOARD_FILE)
    return path, health


def _newest_output(shop: Shop, name: str) -> Path | None:
    """``name`` in the newest finished run. Only runs count: an ad-hoc `restock backtest` writes to
    SHOP/backtests/ and never changes what `restock run` or `restock plan` plan with."""
    candidates = [p for p in shop.runs.glob(f"*/{name}") if not p.parent.name.endswith((".partial", ".failed"))]
    return max(candidates, key=lambda p: p.stat().st_mtime) if candidates else None


def latest_backtest(shop: Shop) -> tuple[pd.DataFrame | None, pd.Timestamp | None]:
    """The metrics of the newest backtest written by a run, and its date."""
    newest = _newest_output(shop, "backtest_metrics.csv")
    if newest is None:
        return None, None
    return pd.read_csv(newest), pd.Timestamp(newest.stat().st_mtime, unit="s")


def latest_backtest_run(shop: Shop) -> str | None:
    """The run whose backtest the next plan uses (its folder's name under runs/), if any."""
    newest = _newest_output(shop, "backtest_metrics.csv")
    return newest.parent.name if newest is not None else None


def latest_point_choice(shop: Shop) -> pd.DataFrame | None:
    """The point method per intermittent class of the newest backtest (point_choice.csv), if any."""
    newest = _newest_output(shop, POINT_CHOICE_FILE)
    return pd.read_csv(newest) if newest is not None else None


def latest_model_choice(shop: Shop) -> pd.DataFrame | None:
    """The per-SKU model choice of the newest backtest (sku, model, reason), if any."""
    newest = _newest_output(shop, "model_choice.csv")
    return pd.read_csv(newest, dtype={"sku": str}) if newest is not None else None


def load_scenarios(shop: Shop, files: list[Path] | None = None) -> list:
    """The scenario files given, else the shop's scenarios folder; all checked before any is planned."""
    from planner.scenarios import load_scenario

    return [load_scenario(path) for path in (files if files is not None else shop.scenario_files)]


def backtest_calibration(inputs: Inputs, result, settings: PlanSettings) -> Calibration:
    """The plan's lead-time demand calibration from a backtest's errors (planner.plan.calibrate): each
    SKU's chosen model, over its own lead time (+ transit and FBT receiving) + the review period, windows
    one review apart so that the service step can judge a SKU's windows in turn (lost sales)."""
    terms = supply_terms(inputs.products, inputs.suppliers, settings).drop_duplicates("sku").set_index("sku")
    lead_days = terms["lead_time_days"] + terms["transit_days"] + terms["receiving_days"]
    errors = backtest_errors(result.forecasts, lead_days, settings.review_period_days, result.choice,
                             step=settings.review_period_days)
    campaigns = expand_campaigns(inputs.campaigns, inputs.products, sorted(errors["sku"].astype(str).unique()))
    return plan_calibration(errors, terms, campaigns, settings)


def latest_calibration(shop: Shop) -> Calibration | None:
    """The lead-time demand calibration of the newest backtest (lead_time_calibration.csv), if any."""
    newest = _newest_output(shop, CALIBRATION_FILE)
    if newest is None:
        return None
    try:
        return Calibration.from_frame(pd.read_csv(newest, dtype={"sku": str}))
    except ValueError as error:  # written by an older version: plan without it until the next backtest
        log.warning("%s is not usable (%s): the plan's lead-time demand is not calibrated until the next "
                    "backtest (restock run --backtest)", newest, error)
        return None


def write_backtest(result, folder: Path, calibration: Calibration | None = None,
                   point_choice: pd.DataFrame | None = None) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = [write_frame(result.metrics, folder / "backtest_metrics.csv"),
               write_frame(result.choice, folder / "model_choice.csv")]
    if point_choice is not None:
        written.append(write_frame(point_choice, folder / POINT_CHOICE_FILE))
    if calibration is not None:
        # in full: the next plans compute with it, and a plan must be the one its run made (issue 22)
        written.append(write_frame(calibration.to_frame(), folder / CALIBRATION_FILE, decimals=None))
    return written


# ------------------------------------------------------------------------------------------ files

#: the plan's files a buyer opens in a spreadsheet: written with a UTF-8 byte-order mark, without which
#: Excel reads Thai and Chinese names as mojibake. Files programs read back (forecast, projected, the
#: calibration and the backtest) have none.
SPREADSHEET_FILES = ("orders", "plan", "alerts", "transfers")


def write_frame(frame: pd.DataFrame, path: Path, decimals: int | None = 4, bom: bool = False) -> Path:
    """Write a frame as CSV (or Parquet by suffix) atomically: a reader never sees half a file.

    CSV goes through Arrow's writer: pandas' to_csv formats floats one at a time and took over a
    minute for a 10,000-SKU forecast. Floats are rounded to ``decimals`` (None: written in full, for a
    file restock reads back to compute with), days print as 2026-11-23,
    times as 2026-11-23 19:00:00, and only cells that need quotes get them. A text cell a spreadsheet
    would run as a formula gets a quote in front (planner/io/files.py). ``bom``: start the CSV with a
    UTF-8 byte-order mark (``SPREADSHEET_FILES``)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    if path.suffix == ".parquet":
        frame.to_parquet(tmp, index=False)
    else:
        table = pa.table({str(name): _csv_column(spreadsheet_safe_column(frame[name]), decimals) for name in frame.columns})
        with open(tmp, "wb") as handle:
            handle.write(b"\xef\xbb\xbf" if bom else b"")
            pacsv.write_csv(table, handle, pacsv.WriteOptions(quoting_style="needed"))
    tmp.replace(path)
    return path


def _csv_column(column: pd.Series, decimals: int | None = 4):
    import pyarrow as pa

    missing = column.isna().to_numpy()
    if pd.api.types.is_datetime64_any_dtype(column):
        values = column.dt.tz_localize(None) if getattr(column.dt, "tz", None) is not None else column
        stamps = values.to_numpy().astype("datetime64[s]")
        days = stamps.astype("datetime64[D]")
        whole_days = bool((stamps[~missing] == days[~missing]).all())
        return pa.array(days if whole_days else stamps, mask=missing)
    if pd.api.types.is_bool_dtype(column) or pd.api.types.is_integer_dtype(column):
        return pa.array(column.to_numpy())
    if pd.api.types.is_float_dtype(column):
        values = column.to_numpy(dtype=float)
        return pa.array(values if decimals is None else np.round(values, decimals), mask=missing)
    values = column.astype(object).to_numpy()
    try:
        return pa.array(values, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed kinds in one column: write their text
        return pa.array([None if m else str(v) for v, m in zip(values, missing)], type=pa.string())


SPIKES_FILE = "unexplained_spikes.csv"  # the likely unlogged campaigns, one row per SKU-day (forecast.spikes)
OVERRIDES_FILE = "overrides_applied.csv"  # the forecast overrides applied, one row per override and SKU


def write_forecast(result: ForecastResult, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = [write_frame(result.forecast, folder / "forecast.csv"), write_frame(result.forecast, folder / "forecast.parquet")]
    if result.spikes is not None:
        written.append(write_frame(result.spikes, folder / SPIKES_FILE, decimals=2, bom=True))
    if result.overrides is not None:
        written.append(write_frame(result.overrides, folder / OVERRIDES_FILE, decimals=4, bom=True))
    return written


def write_plan(plan: Plan, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in plan.files().items():
        if name == "orders":  # a short reason, the full one in reason_detail
            from planner.io.orders_file import orders_file

            frame = orders_file(frame, plan.orders)
        written.append(write_frame(frame, folder / f"{name}.csv", bom=name in SPREADSHEET_FILES))
    return written


def headline(plan: Plan, currency: str) -> dict:
    """The figures a buyer looks at first (also kept in the run history)."""
    orders = plan.orders
    value = float(orders["value"].sum()) if len(orders) else 0.0
    alerts = plan.alerts
    kinds = alerts["kind"].value_counts().to_dict() if len(alerts) and "kind" in alerts else {}
    return {
        "order_lines": int(len(orders)),
        "order_units": float(orders["quantity"].sum()) if len(orders) else 0.0,
        "purchase_value": round(value, 2),
        "currency": currency,
        "suppliers": int(orders["supplier"].nunique()) if len(orders) else 0,
        "skus_planned": int(len(plan.plan)),
        "alerts": {str(k): int(v) for k, v in kinds.items()},
    }

