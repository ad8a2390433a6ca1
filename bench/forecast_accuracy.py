"""Accuracy of the default engine against its peers, side by side in one run.

    python bench/forecast_accuracy.py                 # all three sets
    python bench/forecast_accuracy.py rossmann        # or: carparts, shop
    python bench/forecast_accuracy.py rossmann --models campaign,seasonal_naive

* Rossmann (../shared/data/rossmann/train_stores_101plus.csv): 91 stores as SKUs, ``Promo`` as the planned
  campaign, trained to 2015-06-19, 42-day horizon, scored on open days with sales (Open=1, Sales>0) by
  RMSPE (as Kaggle scored it) and WAPE, overall and on promo days. Closed days (and the 2014 gap of some
  stores) are censored: known, not demand. Point forecast = the median (p50) for every model.
* carparts (../shared/data/carparts/carparts.csv): 2,674 intermittent monthly series, the last 6 months
  held out (months are fed to the daily models as consecutive steps; the engine gets season_length=1).
  Scored by RMSSE and MASE of the mean, pinball loss of p50/p90 scaled by mean demand.
* sample shop (data/generate.py ``generate_shop``): every registered model, scored on campaign days.

The shared data is read from beside the repository, never copied into it.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"

from forecast import metrics  # noqa: E402
from forecast.models import get_model  # noqa: E402

ROSSMANN_CUTOFF = pd.Timestamp("2015-06-19")
ROSSMANN_HORIZON = 42
ROSSMANN_PEERS = ("campaign", "seasonal_naive", "ets", "prophet")


# ------------------------------------------------------------------------------------------ Rossmann
def rossmann_frames(path: Path | None = None):
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
    history = full.loc[full["date"] <= ROSSMANN_CUTOFF, ["sku", "date", "units", "censored"]].reset_index(drop=True)
    test = full[(full["date"] > ROSSMANN_CUTOFF) & (full["date"] <= ROSSMANN_CUTOFF + pd.Timedelta(days=ROSSMANN_HORIZON))]
    actuals = test.loc[(test["Open"] == 1) & (test["Sales"] > 0), ["sku", "date", "Sales", "Promo"]]
    return history, campaigns, actuals.rename(columns={"Sales": "actual"}).reset_index(drop=True)


def model_params(name: str, market=None) -> dict:
    """Run settings per family: the per-SKU families on local processes; Prophet and SARIMAX get the market."""
    params: dict = {}
    if name == "campaign":
        params["market"] = market
    if name in ("prophet", "sarimax"):
        params["market"] = market
    return params


def run_model(name, history, campaigns, horizon, params=None, n_paths=200):
    model = get_model(name, **(params or {}))
    t0 = time.perf_counter()
    model.fit(history, campaigns)
    forecast = model.predict(horizon, n_paths=n_paths, seed=0)
    return forecast, time.perf_counter() - t0


def bench_rossmann(models=ROSSMANN_PEERS) -> pd.DataFrame:
    history, campaigns, actuals = rossmann_frames()
    rows = []
    for name in models:
        forecast, seconds = run_model(name, history, campaigns, ROSSMANN_HORIZON)
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
        print(f"  rossmann {name}: {seconds:.1f}s", file=sys.stderr)
    return pd.DataFrame(rows)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sets", nargs="*", default=["rossmann", "carparts", "shop"])
    parser.add_argument("--models", default=None, help="comma-separated registry names (default: the peers of each set)")
    args = parser.parse_args(argv)
    chosen = tuple(args.models.split(",")) if args.models else None
    pd.set_option("display.width", 200)
    if "rossmann" in args.sets:
        table = bench_rossmann(chosen or ROSSMANN_PEERS)
        print("\n## Rossmann, 91 stores, 42 days after 2015-06-19 (p50; open days with sales)\n")
        print(markdown(ratio_table(table, ["RMSPE all", "RMSPE promo", "WAPE all", "WAPE promo"])))


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
