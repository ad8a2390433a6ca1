"""Accuracy of the default engine against its peers, side by side in one run.

    python bench/forecast_accuracy.py                 # all sets
    python bench/forecast_accuracy.py rossmann        # or: origins, carparts, shop
    python bench/forecast_accuracy.py rossmann --models campaign,seasonal_naive

* Rossmann (../shared/data/rossmann/train_stores_101plus.csv): 91 stores as SKUs, ``Promo`` as the planned
  campaign, trained to 2015-06-19, 42-day horizon, scored on open days with sales (Open=1, Sales>0) by
  RMSPE (as Kaggle scored it) and WAPE, overall and on promo days. Closed days (and the 2014 gap of some
  stores) are censored: known, not demand. Point forecast = the median (p50) for every model.
  ``origins`` repeats it at five 42-day origins (2014-12-05 ... 2015-06-19) to show the single split
  is not luck either way. ``campaign+events`` is the engine given the stores' state holidays
  (StateHoliday a / b / c: public, Easter, Christmas) and school holidays (SchoolHoliday) as events of
  the forecast contract, one row per store and run of days: a calendar known ahead, like the promos.
* carparts (../shared/data/carparts/carparts.csv): 2,674 intermittent monthly series, the last 6 months
  held out (months are fed to the daily models as consecutive steps; the engine gets season_length=1).
  Scored by RMSSE and MASE of the mean, pinball loss of p50/p90 scaled by mean demand.
* sample shop (data/generate.py ``generate_shop``): every registered model, scored on campaign days.
* shop-point: the engine's point forecast beside its mean and median on the sample shop (seeds 7 and
  3), the last 90 days held out, scored on true demand, on campaign days and all days.
* uci (../shared/data/online_retail): UCI Online Retail II 2009-12..2010-12, demand = units of
  non-cancelled lines per StockCode and day; the last 28 days held out; two seeded samples of 500 SKUs
  that sold on 20+ days before them, one from each half of those SKUs (a fixed shuffle): "tuning" (the
  half the point forecast's design was chosen on) and "confirmation" (never looked at while choosing).
  Scored by RMSSE of each model's point forecast: per SKU, the root mean squared error over the 28 days
  scaled by its in-sample one-day naive error from its first sale (M5's), averaged over SKUs. The
  engine's point is forecast.point's (its mean, or for intermittent classes the method its backtest
  chose, as `restock run` writes it in forecast.csv); ``campaign (mean)`` and ``campaign (p50)`` are
  the engine's mean and median as points; the peers' point is their mean. ``uci-earlier``: the same
  with the data cut 28 days earlier (the 28 days before the last 28 held out), a period the point
  forecast's design never looked at.

The shared data is read from beside the repository, never copied into it.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
#: the shared data beside the repository; RESTOCK_SHARED_DATA overrides it (e.g. from a git worktree)
DATA = Path(os.environ.get("RESTOCK_SHARED_DATA", ROOT.parent / "shared" / "data"))

from forecast import metrics  # noqa: E402
from forecast.models import get_model  # noqa: E402

ROSSMANN_CUTOFF = pd.Timestamp("2015-06-19")
ROSSMANN_HORIZON = 42
ROSSMANN_PEERS = ("campaign", "campaign+events", "seasonal_naive", "ets", "prophet", "learner", "learner+events")
#: StateHoliday codes -> event types
ROSSMANN_HOLIDAYS = {"a": "public_holiday", "b": "easter", "c": "christmas"}


# ------------------------------------------------------------------------------------------ Rossmann
#: earlier origins, 42 days each, for a rolling-origin check of the single official split
ROSSMANN_ORIGINS = ("2014-12-05", "2015-02-13", "2015-03-27", "2015-05-08", "2015-06-19")


def rossmann_frames(path: Path | None = None, cutoff: pd.Timestamp | None = None):
    """history (censored = closed, no sales or missing), campaigns (one per store and Promo run), actuals."""
    raw = pd.read_csv(path or DATA / "rossmann" / "train_stores_101plus.csv", dtype={"StateHoliday": str})
    raw["date"] = pd.to_datetime(raw["Date"])
    raw["sku"] = raw["Store"].astype(str)
    dates = pd.date_range(raw["date"].min(), raw["date"].max())
    grid = pd.MultiIndex.from_product([sorted(raw["sku"].unique()), dates], names=["sku", "date"]).to_frame(index=False)
    full = grid.merge(raw[["sku", "date", "Sales", "Open", "Promo"]], on=["sku", "date"], how="left")
    full["units"] = full["Sales"].fillna(0.0).astype(float)
    full["censored"] = ~((full["Open"] == 1) & (full["Sales"] > 0))
    # Promo runs -> campaigns (a run of consecutive promo days of a store is one campaign)
    promo = full[full["Promo"] == 1].sort_values(["sku", "date"])
    new_run = (promo["sku"] != promo["sku"].shift()) | (promo["date"] - promo["date"].shift() != pd.Timedelta(days=1))
    promo = promo.assign(run=new_run.cumsum())
    runs = promo.groupby("run").agg(sku=("sku", "first"), start=("date", "min"), end=("date", "max"))
    campaigns = pd.DataFrame({
        "campaign_id": "promo-" + runs["start"].dt.strftime("%Y-%m-%d"),
        "type": "flash_sale", "start": runs["start"], "end": runs["end"] + pd.Timedelta(days=1),
        "sku": runs["sku"], "expected_viewers": np.nan, "daily_budget": np.nan, "discount_pct": np.nan,
    }).reset_index(drop=True)
    cutoff = pd.Timestamp(cutoff or ROSSMANN_CUTOFF)
    events = rossmann_events(raw)
    history = full.loc[full["date"] <= cutoff, ["sku", "date", "units", "censored"]].reset_index(drop=True)
    test = full[(full["date"] > cutoff) & (full["date"] <= cutoff + pd.Timedelta(days=ROSSMANN_HORIZON))]
    actuals = test.loc[(test["Open"] == 1) & (test["Sales"] > 0), ["sku", "date", "Sales", "Promo"]]
    return history, campaigns, actuals.rename(columns={"Sales": "actual"}).reset_index(drop=True), events


def rossmann_events(raw: pd.DataFrame) -> pd.DataFrame:
    """The stores' state and school holidays as events: one row per store, type and run of consecutive
    days (start, end inclusive, name, type, sku)."""
    flags = raw[["sku", "date"]].assign(
        type=raw["StateHoliday"].map(ROSSMANN_HOLIDAYS),
    )
    school = raw.loc[raw["SchoolHoliday"] == 1, ["sku", "date"]].assign(type="school_holiday")
    days = pd.concat([flags.dropna(subset=["type"]), school], ignore_index=True).sort_values(["sku", "type", "date"])
    new_run = ((days["sku"] != days["sku"].shift()) | (days["type"] != days["type"].shift())
               | (days["date"] - days["date"].shift() != pd.Timedelta(days=1)))
    runs = days.assign(run=new_run.cumsum()).groupby("run").agg(
        sku=("sku", "first"), type=("type", "first"), start=("date", "min"), end=("date", "max"))
    return runs.assign(name=runs["type"]).reset_index(drop=True)[["start", "end", "name", "type", "sku"]]


def model_params(name: str, market=None) -> dict:
    """Run settings per family: the per-SKU families on local processes; Prophet and SARIMAX get the market."""
    params: dict = {}
    if name == "campaign":
        params["market"] = market
    if name in ("prophet", "sarimax", "learner"):
        params["market"] = market
    return params


def run_model(name, history, campaigns, horizon, params=None, n_paths=200, events=None):
    """Fit and forecast; ``name`` + '+events' is the model given ``events`` too."""
    base, _, with_events = name.partition("+")
    model = get_model(base, **(params or {}))
    t0 = time.perf_counter()
    model.fit(history, campaigns, events=events if with_events else None)
    forecast = model.predict(horizon, n_paths=n_paths, seed=0)
    return forecast, time.perf_counter() - t0


def bench_rossmann(models=ROSSMANN_PEERS, cutoff=None) -> pd.DataFrame:
    history, campaigns, actuals, events = rossmann_frames(cutoff=cutoff)
    rows = []
    for name in models:
        forecast, seconds = run_model(name, history, campaigns, ROSSMANN_HORIZON, events=events)
        scored = actuals.merge(forecast[["sku", "date", "p50", "mean"]], on=["sku", "date"], how="left")
        missing = scored["p50"].isna().sum()
        scored = scored.fillna({"p50": 0.0, "mean": 0.0})
        promo = scored["Promo"] == 1
        row = {"model": name, "seconds": round(seconds, 1)}
        for label, part in (("all", scored), ("promo", scored[promo]), ("no promo", scored[~promo])):
            row[f"RMSPE {label}"] = metrics.rmspe(part["actual"], part["p50"])
            row[f"WAPE {label}"] = metrics.wape(part["actual"], part["p50"])
        row["missing"] = int(missing)
        rows.append(row)
        print(f"  rossmann {name} {cutoff or ''}: {seconds:.1f}s", file=sys.stderr)
    return pd.DataFrame(rows)


def bench_rossmann_origins(models=ROSSMANN_PEERS) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The same comparison at five 42-day origins: the mean of each metric over them, and per origin
    the promo-day errors with each peer's ratio to the engine's."""
    tables = [bench_rossmann(models, cutoff).assign(cutoff=cutoff) for cutoff in ROSSMANN_ORIGINS]
    frame = pd.concat(tables, ignore_index=True)
    columns = ["RMSPE all", "RMSPE promo", "WAPE all", "WAPE promo"]
    mean = frame.groupby("model", sort=False)[columns].mean().reset_index()
    wins = frame.pivot(index="cutoff", columns="model", values="RMSPE promo")
    if "campaign" in wins.columns:
        mean["origins where engine wins RMSPE promo"] = [
            f"{int((wins['campaign'] < wins[m]).sum())}/{len(wins)}" if m != "campaign" else "" for m in mean["model"]
        ]
    per_origin = pd.concat([ratio_table(t, ["RMSPE promo", "WAPE promo"]) for t in tables], ignore_index=True)
    per_origin = per_origin[["cutoff", "model", "RMSPE promo", "WAPE promo"]
                            + [c for c in per_origin.columns if c.endswith("/ engine")]]
    return mean, per_origin


# ------------------------------------------------------------------------------------------ carparts
CARPARTS_HOLDOUT = 6
CARPARTS_PEERS = ("campaign", "croston", "sba", "tsb", "learner")
#: the engine's settings for monthly data, chosen a priori (not tuned on the holdout): no weekly or
#: calendar profiles; a level half-life of 6 steps (about Croston's alpha = 0.1), 24 at most
CARPARTS_ENGINE = {"season_length": 1, "yearly": False, "monthly": False, "half_life": 6.0, "max_half_life": 24.0}


def carparts_frames(path: Path | None = None):
    """Complete series only (no missing month), months as consecutive steps: history and holdout."""
    wide = pd.read_csv(path or DATA / "carparts" / "carparts.csv").set_index("Part")
    wide = wide[wide.notna().all(axis=1)]
    steps = pd.date_range("2000-01-01", periods=wide.shape[1], freq="D")
    long = pd.DataFrame({
        "sku": np.repeat(wide.index.astype(str).to_numpy(), wide.shape[1]),
        "date": np.tile(steps.values, len(wide)),
        "units": wide.to_numpy(float).reshape(-1),
        "censored": False,
    })
    cut = steps[-CARPARTS_HOLDOUT - 1]
    return long[long["date"] <= cut].reset_index(drop=True), long[long["date"] > cut].reset_index(drop=True)


def bench_carparts(models=CARPARTS_PEERS) -> pd.DataFrame:
    history, holdout = carparts_frames()
    train = history.pivot(index="sku", columns="date", values="units")
    diffs = np.abs(np.diff(train.to_numpy(), axis=1))
    scale_abs = pd.Series(diffs.mean(axis=1), index=train.index)
    scale_sq = pd.Series((diffs**2).mean(axis=1), index=train.index)
    rows = []
    for name in models:
        params = CARPARTS_ENGINE if name == "campaign" else {}
        forecast, seconds = run_model(name, history, None, CARPARTS_HOLDOUT, params)
        scored = holdout.merge(forecast, on=["sku", "date"], how="left")
        y = scored["units"].to_numpy(float)
        usable = (scale_abs.reindex(scored["sku"]).to_numpy() > 0)
        s_abs = scale_abs.reindex(scored["sku"]).to_numpy()[usable]
        s_sq = scale_sq.reindex(scored["sku"]).to_numpy()[usable]
        mean, p50, p90 = (scored[c].to_numpy(float) for c in ("mean", "p50", "p90"))
        rows.append({
            "model": name, "seconds": round(seconds, 1),
            "RMSSE (mean)": float(np.sqrt(np.mean((y - mean)[usable] ** 2 / s_sq))),
            "MASE (mean)": float(np.mean(np.abs(y - mean)[usable] / s_abs)),
            "MASE (p50)": float(np.mean(np.abs(y - p50)[usable] / s_abs)),
            "pinball p50 / units": metrics.pinball_loss(y, p50, 0.5) * len(y) / y.sum(),
            "pinball p90 / units": metrics.pinball_loss(y, p90, 0.9) * len(y) / y.sum(),
            "coverage p90": metrics.quantile_coverage(y, p90),
            "bias (mean)": metrics.bias(y, mean),
        })
        print(f"  carparts {name}: {seconds:.1f}s", file=sys.stderr)
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------------ UCI
UCI_HOLDOUT = 28
UCI_SAMPLE = 500
UCI_PEERS = ("campaign", "moving_average", "ets", "sba", "tsb")
#: the fixed shuffle that halves the eligible SKUs into tuning and confirmation (as simulate_policies')
UCI_SPLIT_SEED = 20100530


def run_backtest_settings() -> tuple[int, int]:
    """The backtest the engine's point choice reads, as `restock run`'s: the planning horizon (shop.toml's
    default) and the run's origins (planner.pipeline.run_backtest keeps as many as the history holds)."""
    from planner.config import PlanningSettings
    from planner.run import RUN_BACKTEST_CUTOFFS

    return PlanningSettings().horizon_days, RUN_BACKTEST_CUTOFFS


def uci_frames(split: str, days_back: int = 0, path: Path | None = None):
    """History (every day from the first, 0 without a sale) and the held-out days of a seeded sample of
    UCI_SAMPLE SKUs of one split half; ``days_back``: the data cut that many days before its end."""
    from replays import uci_daily, uci_lines  # the policy replay's reading of the same file

    daily = uci_daily(uci_lines(path or DATA / "online_retail" / "online_retail_II_2009-12_2010-12_raw.parquet"))
    daily = daily[daily["date"] <= daily["date"].max() - pd.Timedelta(days=days_back)]
    cutoff = daily["date"].max() - pd.Timedelta(days=UCI_HOLDOUT)
    days_sold = daily[daily["date"] <= cutoff].groupby("sku").size()
    eligible = np.sort(days_sold[days_sold >= 20].index.to_numpy(dtype=object))
    shuffled = eligible[np.random.default_rng(UCI_SPLIT_SEED).permutation(len(eligible))]
    half = shuffled[: len(shuffled) // 2] if split == "tuning" else shuffled[len(shuffled) // 2:]
    chosen = np.sort(np.random.default_rng(0).choice(half, size=min(UCI_SAMPLE, len(half)), replace=False))
    dates = pd.date_range(daily["date"].min(), daily["date"].max())
    grid = pd.MultiIndex.from_product([chosen, dates], names=["sku", "date"]).to_frame(index=False)
    full = grid.merge(daily, on=["sku", "date"], how="left").fillna({"units": 0.0}).assign(censored=False)
    return (full[full["date"] <= cutoff].reset_index(drop=True),
            full[full["date"] > cutoff].reset_index(drop=True))


def engine_point(history: pd.DataFrame, horizon: int, market: str | None = "GB", campaigns: pd.DataFrame | None = None,
                 products: pd.DataFrame | None = None) -> pd.DataFrame:
    """The engine's forecast with its point columns, as `restock run` makes them: its backtest (the
    run's horizon and origins), the point method per intermittent class (forecast.point), the fit."""
    from forecast.backtest import backtest
    from forecast.features import campaign_days
    from forecast.point import choose_point, point_frame

    horizon_days, most = run_backtest_settings()
    span = (history["date"].max() - history["date"].min()).days
    origins = max(1, min(most, (span - 28) // horizon_days))
    factory = lambda: get_model("campaign", market=market)  # noqa: E731
    result = backtest(history, [factory], campaigns, products, horizon=horizon_days, n_cutoffs=origins)
    choice = choose_point(result.forecasts, history)
    model = get_model("campaign", market=market).fit(history, campaigns, products)
    forecast = model.predict(horizon, n_paths=200, seed=0)
    dates = pd.DatetimeIndex(forecast["date"].drop_duplicates().sort_values())
    return point_frame(forecast, history, choice, campaign_days(campaigns, dates))


def rmsse_per_sku(history: pd.DataFrame, scored: pd.DataFrame, column: str) -> float:
    """Mean over SKUs of each SKU's RMSSE: its held-out squared errors over its in-sample one-day naive
    squared error from its first sale."""
    wide = history.pivot(index="sku", columns="date", values="units")
    values = wide.to_numpy(dtype=float)
    diff = np.diff(values, axis=1)
    counted_at = np.maximum.accumulate(values > 0, axis=1)[:, 1:] & np.isfinite(diff)
    steps = np.where(counted_at, diff, 0.0) ** 2
    counted = counted_at.sum(axis=1)  # a SKU that never sold has no scale: left out
    scale = pd.Series(np.where(counted > 0, steps.sum(axis=1) / np.maximum(counted, 1), np.nan), index=wide.index)
    error = (scored["units"] - scored[column]) ** 2
    per_sku = error.groupby(scored["sku"]).mean() / scale
    return float(np.sqrt(per_sku[np.isfinite(per_sku)]).mean())


def bench_uci(models=UCI_PEERS, days_back: int = 0) -> pd.DataFrame:
    rows = []
    for split in ("tuning", "confirmation"):
        history, holdout = uci_frames(split, days_back)
        for name in models:
            t0 = time.perf_counter()
            if name == "campaign":
                forecast = engine_point(history, UCI_HOLDOUT)
                points = {"campaign": "point", "campaign (mean)": "mean", "campaign (p50)": "p50"}
            else:
                forecast = run_model(name, history, None, UCI_HOLDOUT)[0]
                points = {name: "mean"}
            seconds = time.perf_counter() - t0
            scored = holdout.merge(forecast, on=["sku", "date"], how="left").fillna({c: 0.0 for c in points.values()})
            for label, column in points.items():
                rows.append({"split": split, "model": label, "seconds": round(seconds, 1),
                             "RMSSE": rmsse_per_sku(history, scored, column),
                             "bias": float(scored[column].sum() / max(scored["units"].sum(), 1e-9) - 1)})
            print(f"  uci {split} {name}: {seconds:.1f}s", file=sys.stderr)
    table = pd.DataFrame(rows)
    parts = [ratio_table(part, ["RMSSE"]) for _, part in table.groupby("split", sort=False)]
    return pd.concat(parts, ignore_index=True)


# ------------------------------------------------------------------------------------------ sample shop
SHOP_HORIZON = 90


def shop_frames(n_skus: int = 150, seed: int = 7):
    """The generated sample shop: sales history (censored on stockout days), expanded calendar,
    products, and the true (uncensored) demand to score against."""
    sys.path.insert(0, str(ROOT / "data"))
    from generate import generate_shop
    from planner.io.inputs import expand_campaigns

    shop = generate_shop(n_skus=n_skus, seed=seed, order_lines=False)
    campaigns = expand_campaigns(shop.campaigns, shop.products)
    history = shop.sales.assign(sku=lambda f: f["sku"].astype(str), units=lambda f: f["units"].astype(float))
    truth = shop.true_demand.assign(sku=lambda f: f["sku"].astype(str), units=lambda f: f["units"].astype(float))
    return history, campaigns, shop.products, truth


def bench_shop(models=None, n_cutoffs: int = 2) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Backtest every registered model on the sample shop; metrics on campaign days and overall."""
    from forecast.backtest import backtest
    from forecast.models import MODELS

    history, campaigns, products, truth = shop_frames()
    names = list(models or MODELS)
    names = ["campaign"] + [n for n in names if n != "campaign"]
    factories = [(lambda n=n: get_model(n, **model_params(n, "TH"))) for n in names]
    t0 = time.perf_counter()
    result = backtest(history, factories, campaigns, products, horizon=SHOP_HORIZON, n_cutoffs=n_cutoffs, actuals=truth)
    print(f"  shop backtest: {time.perf_counter() - t0:.0f}s", file=sys.stderr)
    table = result.metrics
    columns = ["model", "n_days", "units", "wape", "bias", "mase", "rmsse", "pinball_p50", "pinball_p90", "coverage_p90"]
    on_campaign = table[table["segment"] == "campaign days"][columns].reset_index(drop=True)
    overall = table[table["segment"] == "all"][columns].reset_index(drop=True)
    return on_campaign, overall


def bench_shop_point(seeds=(7, 3)) -> pd.DataFrame:
    """The engine's point beside its mean on the sample shop (generator seeds 7 and 3), the last
    SHOP_HORIZON days held out, scored on true demand: campaign days and all days."""
    from forecast.features import campaign_days

    rows = []
    for seed in seeds:
        history, campaigns, products, truth = shop_frames(seed=seed)
        cutoff = history["date"].max() - pd.Timedelta(days=SHOP_HORIZON)
        train = history[history["date"] <= cutoff].reset_index(drop=True)
        forecast = engine_point(train, SHOP_HORIZON, "TH", campaigns, products[["sku", "category"]])
        scored = truth[truth["date"] > cutoff].merge(forecast, on=["sku", "date"])
        featured = campaign_days(campaigns)[["sku", "date"]].drop_duplicates().assign(campaign=True)
        scored = scored.merge(featured, on=["sku", "date"], how="left").fillna({"campaign": False})
        for label, part in (("campaign days", scored[scored["campaign"]]), ("all days", scored)):
            for column in ("point", "mean", "p50"):
                rows.append({"seed": seed, "days": label, "point": column, "n": len(part),
                             "WAPE": metrics.wape(part["units"], part[column]),
                             "RMSSE": rmsse_per_sku(train, part, column)})
        print(f"  shop point, seed {seed}", file=sys.stderr)
    return pd.DataFrame(rows)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sets", nargs="*", default=["rossmann", "origins", "carparts", "shop", "uci"],
                        help="rossmann (the official split), origins (five 42-day origins), carparts, shop, uci, "
                             "shop-point, uci-earlier (these two not in the default run)")
    parser.add_argument("--models", default=None, help="comma-separated registry names (default: the peers of each set)")
    args = parser.parse_args(argv)
    chosen = tuple(args.models.split(",")) if args.models else None
    pd.set_option("display.width", 200)
    if "rossmann" in args.sets:
        table = bench_rossmann(chosen or ROSSMANN_PEERS)
        print("\n## Rossmann, 91 stores, 42 days after 2015-06-19 (p50; open days with sales)\n")
        print(markdown(ratio_table(table, ["RMSPE all", "RMSPE promo", "WAPE all", "WAPE promo"])))
    if "origins" in args.sets:
        table, per_origin = bench_rossmann_origins(chosen or ROSSMANN_PEERS)
        print(f"\n## Rossmann at five origins ({', '.join(ROSSMANN_ORIGINS)}), 42 days each: mean over origins\n")
        print(markdown(ratio_table(table, ["RMSPE all", "RMSPE promo", "WAPE all", "WAPE promo"])))
        print("\n### promo days, per origin\n")
        print(markdown(per_origin))
    if "carparts" in args.sets:
        table = bench_carparts(chosen or CARPARTS_PEERS)
        print(f"\n## carparts, {CARPARTS_HOLDOUT}-month holdout, complete series\n")
        print(markdown(ratio_table(table, ["RMSSE (mean)", "MASE (mean)", "pinball p90 / units"])))
    if "shop" in args.sets:
        on_campaign, overall = bench_shop(chosen)
        print(f"\n## Sample shop (data/generate.py, 150 SKUs), 2 cut-offs x {SHOP_HORIZON} days, scored on true demand\n")
        print("### campaign days\n")
        print(markdown(ratio_table(on_campaign, ["wape", "mase", "pinball_p50", "pinball_p90"])))
        print("\n### all days\n")
        print(markdown(ratio_table(overall, ["wape", "mase", "pinball_p50", "pinball_p90"])))
    if "shop-point" in args.sets:
        print(f"\n## Sample shop, the engine's point beside its mean, last {SHOP_HORIZON} days, true demand\n")
        print(markdown(bench_shop_point()))
    if "uci" in args.sets:
        table = bench_uci(chosen or UCI_PEERS)
        print(f"\n## UCI Online Retail II, {UCI_SAMPLE} SKUs per split, last {UCI_HOLDOUT} days, RMSSE of the point\n")
        print(markdown(table))
    if "uci-earlier" in args.sets:
        table = bench_uci(chosen or UCI_PEERS, days_back=UCI_HOLDOUT)
        print(f"\n## UCI, the {UCI_HOLDOUT} days before the last {UCI_HOLDOUT} (data cut there), RMSSE of the point\n")
        print(markdown(table))


def ratio_table(table: pd.DataFrame, columns: list[str], reference: str = "campaign") -> pd.DataFrame:
    """Add, per metric, the peer's error divided by the default engine's (> 1: the engine is better)."""
    out = table.copy()
    if reference in set(out["model"]):
        ref = out.set_index("model").loc[reference]
        for column in columns:
            out[f"{column} / engine"] = out[column] / ref[column]
    return out


def markdown(table: pd.DataFrame, digits: int = 4) -> str:
    """A pipe table (no tabulate dependency)."""
    def cell(value):
        if isinstance(value, float):
            return f"{value:.{digits}f}" if np.isfinite(value) else "n/a"
        return str(value)

    lines = ["| " + " | ".join(map(str, table.columns)) + " |", "|" + "---|" * len(table.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
