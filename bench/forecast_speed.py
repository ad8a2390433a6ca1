"""Speed and memory of the default engine against Prophet, on the same synthetic shop.

    python bench/forecast_speed.py                       # 1k, 10k, 100k SKUs; Prophet on 20 SKUs
    python bench/forecast_speed.py --skus 1000,10000 --prophet-skus 10
    python bench/forecast_speed.py --skus 10000 --prophet-skus 0 --learner-skus 10000   # the learner's weekly fit

Each measurement runs in a fresh subprocess (``--child``) so that peak memory (ru_maxrss of that process,
input frames included) belongs to that run alone. The engine fits 730 days of daily history per SKU
and forecasts 90 days with 200 sample paths, mean and P50/P80/P90/P95/P99 (``predict``). Prophet runs
the same data, one SKU at a time in one process (the executor's ``local`` back end), and is scaled per
SKU; with both cores in use (``processes``) it would be about twice as fast, which the table also shows.
The global learner (``learner``, LightGBM) runs the same data at ``--learner-skus``: its fit is the
weekly refit, its predict the daily forecast from the fitted trees (it needs the ``learner`` extra).

The shop: SKU levels lognormal (median 3 units a day), weekly profile, negative-binomial noise, a
livestream every ~9 days featuring 1 % of SKUs, a 14-day ad every month on 2 %, four mega-sales on all;
the same calendar continues into the horizon. Seeded, generated inline.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HISTORY_DAYS = 730
HORIZON = 90


def synthetic_shop(n_sku: int, days: int = HISTORY_DAYS, horizon: int = HORIZON, seed: int = 7):
    """history, campaigns, products of a seeded synthetic shop (see the module docstring)."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2024-01-01", periods=days, freq="D")
    skus = np.array([f"SKU-{i:06d}" for i in range(n_sku)], dtype=object)
    categories = rng.integers(0, 20, n_sku)
    level = rng.lognormal(np.log(3.0), 1.0, n_sku).astype(np.float32)
    weekday = np.array([0.95, 0.9, 0.95, 1.0, 1.05, 1.15, 1.0], dtype=np.float32)
    mean = level[:, None] * weekday[dates.day_of_week.to_numpy()][None, :]
    rows = []
    n_live = (days + horizon) // 9
    for k in range(n_live):
        day = dates[0] + pd.Timedelta(days=int(rng.integers(0, days + horizon)))
        featured = rng.choice(n_sku, max(1, n_sku // 100), replace=False)
        rows.append(pd.DataFrame({
            "campaign_id": f"LIVE-{k}", "type": "livestream_own", "start": day + pd.Timedelta(hours=19),
            "end": day + pd.Timedelta(hours=22), "sku": skus[featured],
            "expected_viewers": float(rng.integers(1000, 50000)), "daily_budget": np.nan, "discount_pct": np.nan,
        }))
    for k in range((days + horizon) // 30):
        day = dates[0] + pd.Timedelta(days=int(rng.integers(0, days + horizon)))
        featured = rng.choice(n_sku, max(1, n_sku // 50), replace=False)
        rows.append(pd.DataFrame({
            "campaign_id": f"AD-{k}", "type": "ad", "start": day, "end": day + pd.Timedelta(days=14),
            "sku": skus[featured], "expected_viewers": np.nan, "daily_budget": float(rng.integers(50, 500)),
            "discount_pct": np.nan,
        }))
    for k, day in enumerate(["2024-11-11", "2024-12-12", "2025-06-06", "2025-11-11"]):
        rows.append(pd.DataFrame({
            "campaign_id": f"MEGA-{k}", "type": "mega_sale", "start": pd.Timestamp(day),
            "end": pd.Timestamp(day) + pd.Timedelta(days=1), "sku": skus, "expected_viewers": np.nan,
            "daily_budget": np.nan, "discount_pct": 20.0,
        }))
    campaigns = pd.concat(rows, ignore_index=True)
    from forecast.features import campaign_matrices

    cm = campaign_matrices(campaigns, skus, dates)
    uplift = (1 + 3.0 * cm.by_type["livestream_own"]) * (1 + 0.4 * cm.by_type["ad"]) * (1 + 1.5 * cm.by_type["mega_sale"])
    mean = mean * uplift
    del cm, uplift
    units = rng.poisson(mean * rng.gamma(5.0, 0.2, size=mean.shape).astype(np.float32)).astype(np.float32)
    history = pd.DataFrame({
        "sku": np.repeat(skus, days), "date": np.tile(dates.values, n_sku),
        "units": units.reshape(-1), "censored": np.zeros(n_sku * days, dtype=bool),
    })
    products = pd.DataFrame({"sku": skus, "category": [f"cat-{c}" for c in categories]})
    return history, campaigns, products


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB


def child(model: str, n_sku: int) -> dict:
    from forecast.models import get_model

    t0 = time.perf_counter()
    history, campaigns, products = synthetic_shop(n_sku)
    generate = time.perf_counter() - t0
    params = {"executor": "local"} if model == "prophet" else {}
    t0 = time.perf_counter()
    fitted = get_model(model, **params).fit(history, campaigns, products)
    fit = time.perf_counter() - t0
    t0 = time.perf_counter()
    forecast = fitted.predict(HORIZON, n_paths=200, seed=0)
    predict = time.perf_counter() - t0
    assert len(forecast) == n_sku * HORIZON and (forecast["p99"] >= forecast["p50"]).all()
    return {"model": model, "skus": n_sku, "generate_s": generate, "fit_s": fit, "predict_s": predict,
            "total_s": fit + predict, "peak_mb": _peak_mb()}


def measure(model: str, n_sku: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", model, "--n", str(n_sku)], capture_output=True, text=True, check=False,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    if out.returncode != 0:
        raise RuntimeError(f"{model} at {n_sku} SKUs failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skus", default="1000,10000,100000")
    parser.add_argument("--prophet-skus", type=int, default=20, help="0: no Prophet")
    parser.add_argument("--learner-skus", default="", help="sizes to run the global learner at, e.g. 1000,10000")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.n)))
        return
    load = os.getloadavg()
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {os.cpu_count()} cores", flush=True)
    rows = []
    for n in [int(x) for x in args.skus.split(",")]:
        rows.append(measure("campaign", n))
        print(f"  campaign {n}: {rows[-1]['total_s']:.1f}s, {rows[-1]['peak_mb']:.0f} MB", file=sys.stderr, flush=True)
    for n in [int(x) for x in args.learner_skus.split(",") if x]:
        rows.append(measure("learner", n))
        print(f"  learner {n}: fit {rows[-1]['fit_s']:.1f}s, predict {rows[-1]['predict_s']:.1f}s", file=sys.stderr, flush=True)
    if args.prophet_skus:
        rows.append(measure("prophet", args.prophet_skus))
        print(f"  prophet {args.prophet_skus}: {rows[-1]['total_s']:.1f}s", file=sys.stderr)
    table = pd.DataFrame(rows)
    table["s_per_sku"] = table["total_s"] / table["skus"]
    engine_10k = table[(table["model"] == "campaign")]
    per_sku_engine = float(engine_10k.loc[engine_10k["skus"].idxmax() if 10000 not in set(engine_10k["skus"]) else engine_10k.index[engine_10k["skus"] == 10000][0], "s_per_sku"])
    print("\n## Default engine vs its peers: 730 days of history, horizon 90, 200 paths, mean + 5 quantiles\n")
    print("| model | SKUs | fit s | predict s | total s | s per SKU | peak MB |")
    print("|---|---|---|---|---|---|---|")
    for r in table.itertuples(index=False):
        print(f"| {r.model} | {r.skus:,} | {r.fit_s:.1f} | {r.predict_s:.1f} | {r.total_s:.1f} | {r.s_per_sku:.5f} | {r.peak_mb:,.0f} |")
    for r in table[table["model"] == "learner"].itertuples(index=False):
        same = engine_10k[engine_10k["skus"] == r.skus]
        if len(same):
            print(f"\nlearner at {r.skus:,} SKUs / engine: fit + predict {r.total_s / float(same['total_s'].iloc[0]):.1f}x, "
                  f"predict alone (the daily run, trees fitted weekly) {r.predict_s / float(same['total_s'].iloc[0]):.1f}x")
    if not args.prophet_skus:
        return
    prophet_per_sku = float(rows[-1]["total_s"] / rows[-1]["skus"])
    print(f"\nProphet per SKU / engine per SKU (10k run): {prophet_per_sku / per_sku_engine:,.0f}x "
          f"(one process); with 2 worker processes about {prophet_per_sku / 2 / per_sku_engine:,.0f}x")
    print(f"Prophet scaled to 10,000 SKUs: {prophet_per_sku * 10000 / 60:,.0f} min in one process")
    load = os.getloadavg()
    print(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
