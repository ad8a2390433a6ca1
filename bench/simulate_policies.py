"""Does the plan work? Replay the planner and three seller baselines with lost sales (issue 4).

    python bench/simulate_policies.py                       # both data sets, figures in bench/out/
    python bench/simulate_policies.py --dataset uci --skus 300 --model moving_average

Data:
* ``sample``: the sample shop's generator (data/generate.py, seed 7) with its *true* (uncensored) demand,
  campaign calendar, supplier lead times (spread or min/max), MOQ and case packs, through
  planner.simulate.shop_replay as `restock simulate` replays a shop: kits exploded into their components;
  the first year is history, the second is replayed; SKUs that sold on at least 20 of the last 180 days of
  history (launches during the replayed year are left out, as for UCI), discontinued products left out.
* ``uci``: UCI Online Retail II lines in ../shared/data (read in place, never copied): demand = units
  of non-cancelled invoices with a positive quantity, per StockCode and day; a seeded sample of the
  SKUs that sold on at least 20 days of the history window and again after it; lead time 14 days; a unit is valued at its median price (the data has
  no cost); the first 180 days are history.

For each, the service target (planner) and each baseline's own knob are swept; the output is a CSV of
every run, a figure of fill rate against average inventory value, and a summary (printed and written
as markdown) with: the planner's gap to a 95 % fill-rate target, the inventory value saved at each
baseline's best fill rate, and stockouts of featured SKUs on campaign days.
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

from planner.io.inputs import Inputs  # noqa: E402
from planner.plan import PlanSettings  # noqa: E402
from planner.simulate import (  # noqa: E402
    CoverPolicy, MinMaxPolicy, PlannerPolicy, Replay, TextbookPolicy, daily_demand_matrix, interpolate_value_at_fill,
    shop_replay, sweep,
)

# the shared data beside the repository; RESTOCK_SHARED_DATA points elsewhere (e.g. from a git worktree)
SHARED_DATA = Path(os.environ.get("RESTOCK_SHARED_DATA", ROOT.parent / "shared" / "data"))
UCI = SHARED_DATA / "online_retail" / "online_retail_II_2009-12_2010-12_raw.parquet"
TARGETS = [0.80, 0.85, 0.90, 0.95, 0.98, 0.99]
# the default planner's curve also between them, where the baselines' best runs lie (UCI: cover 45 and
# 60 serve 86-91 %): a straight line between two runs 5 points apart understates a concave curve; and
# at 99.5 and 99.8 %, as far as the sellers' best runs reach (the sample shop's cover 60 and min/max 80:
# 99.6-99.7 %)
PLANNER_TARGETS = sorted(TARGETS + [0.87, 0.92, 0.93, 0.995, 0.998])
DEFAULT_KNOBS = {"min/max + fixed safety": 20.0, "velocity x days of cover": 30.0, "textbook mu L + z sigma sqrt(L)": 1.65}


CLASS_TARGETS = {"A": 0.98, "B": 0.95, "C": 0.90}


def rules(model: str, n_paths: int, targets: list[float] | None = None, only: list[str] | None = None) -> tuple[dict, dict]:
    """The sweep: the planner as `restock plan` runs it (lead-time demand and target calibrated on its own
    past errors, planner.calibration; the fill rate kept over all units at the least stock value,
    planner.allocation), the same with every SKU held to the target on its own, the same uncalibrated,
    the plan's per-class targets (one run), and the three seller baselines on their own knobs."""
    planner = {"model": model, "n_paths": n_paths}
    grid, fixed = (
        {
            "planner": (PlannerPolicy, "service_level", PLANNER_TARGETS),
            "planner (each SKU on its own)": (PlannerPolicy, "service_level", TARGETS),
            "planner (uncalibrated)": (PlannerPolicy, "service_level", TARGETS),
            "planner (classes A 98 / B 95 / C 90 %)": (PlannerPolicy, "service_level", [0.95]),
            "min/max": (MinMaxPolicy, "safety_units", [0.0, 5.0, 10.0, 20.0, 40.0, 80.0]),
            "cover": (CoverPolicy, "cover_days", [10.0, 14.0, 21.0, 30.0, 45.0, 60.0]),
            "textbook": (TextbookPolicy, "z", [0.0, 0.5, 1.0, 1.65, 2.33, 3.0]),
        },
        {"planner": planner,
         "planner (each SKU on its own)": {**planner, "fill_rate_scope": "sku", "name": "planner (each SKU on its own)"},
         "planner (uncalibrated)": {**planner, "calibrate": False, "name": "planner (uncalibrated)"},
         "planner (classes A 98 / B 95 / C 90 %)": {**planner, "class_service_levels": CLASS_TARGETS,
                                                    "name": "planner (classes A 98 / B 95 / C 90 %)"}},
    )
    if targets:  # a shorter sweep of the planners (--targets)
        grid = {k: (cls, knob, targets if cls is PlannerPolicy else values) for k, (cls, knob, values) in grid.items()}
    if only:  # some of the rules (--policies)
        grid = {k: v for k, v in grid.items() if k in only}
    return grid, fixed


#: the UCI replay's splits, by SKU: the eligible SKUs (sorted) in a fixed shuffle (SPLIT_SEED, not --seed),
#: the first half "tuning", the second "confirmation"; both replay the same months (2010-05-30 ..
#: 2010-12-09 after 180 days of history, with the autumn ramp), so a constant chosen on the tuning SKUs is
#: judged on SKUs it never saw under the same season. "all": any eligible SKU (the earlier figures).
#: (Until this split the splits were by month: "tuning" replayed 2010-03-01 .. 05-31 after 90 days of
#: history holding the Christmas gap, its calibration cold (7 windows) and its baselines at 73-77 % fill
#: at their highest knob; "confirmation" replayed 2010-06-01 on, the months "all" had been tuned on.)
UCI_SPLITS = ("all", "tuning", "confirmation")
SPLIT_SEED = 20100530


def uci_replay(n_skus: int, seed: int, history_days: int = 180, last_day: str | None = None,
               split: str = "all") -> Replay:
    lines = pd.read_parquet(UCI, columns=["Invoice", "StockCode", "Quantity", "InvoiceDate", "Price"])
    lines = lines[~lines["Invoice"].astype(str).str.startswith("C") & (lines["Quantity"] > 0) & (lines["Price"] > 0)]
    lines = lines[lines["StockCode"].astype(str).str.match(r"^\d")]  # drop POST, DOT, M, BANK CHARGES ...
    lines = lines.assign(sku=lines["StockCode"].astype(str), date=pd.to_datetime(lines["InvoiceDate"]).dt.normalize())
    daily = lines.groupby(["sku", "date"], as_index=False)["Quantity"].sum().rename(columns={"Quantity": "units"})
    # established SKUs: sold on 20+ days of the history window (launching a product is not replenishment)
    cutoff = daily["date"].min() + pd.Timedelta(days=history_days)
    days_sold = daily[daily["date"] < cutoff].groupby("sku").size()
    sold_later = set(daily.loc[daily["date"] >= cutoff, "sku"])
    eligible = np.sort([s for s in days_sold[days_sold >= 20].index if s in sold_later])
    if split != "all":
        shuffled = eligible[np.random.default_rng(SPLIT_SEED).permutation(len(eligible))]
        half = len(shuffled) // 2
        eligible = np.sort(shuffled[:half] if split == "tuning" else shuffled[half:])
    chosen = np.random.default_rng(seed).choice(eligible, size=min(n_skus, len(eligible)), replace=False)
    skus, demand, dates = daily_demand_matrix(daily[daily["sku"].isin(chosen)], end=last_day)
    price = lines[lines["sku"].isin(chosen)].groupby("sku")["Price"].median().reindex(skus).to_numpy()
    n = len(skus)
    return Replay(skus=skus, dates=dates, demand=demand, unit_value=price, margin=price,
                  lead_time_days=np.full(n, 14.0), start=history_days, seed=seed)


def sample_replay(seed: int = 7) -> Replay:
    """The generator's true demand (no stockouts) as a shop history, replayed by planner.simulate.shop_replay."""
    sys.path.insert(0, str(ROOT / "data"))
    from generate import generate_shop

    shop = generate_shop(150, seed=seed, order_lines=False)
    skus = shop.products["sku"].astype(str).to_numpy()
    history = pd.DataFrame({"sku": np.repeat(skus, len(shop.dates)), "date": np.tile(pd.DatetimeIndex(shop.dates), len(skus)),
                            "units": shop.demand_matrix.T.reshape(-1).astype(float), "censored": False})
    empty = pd.DataFrame()
    inputs = Inputs(campaigns=shop.campaigns, inventory=empty, purchase_orders=empty, products=shop.products,
                    suppliers=shop.suppliers, bundles=shop.bundles)
    return shop_replay(history, inputs, PlanSettings(), start_days=365, seed=seed)


def summarise(results: pd.DataFrame, name: str) -> list[str]:
    lines = [f"## {name}", ""]
    planners = [p for p in ("planner", "planner (each SKU on its own)", "planner (uncalibrated)") if p in set(results["policy"])]
    for label in planners:
        planner = results[results["policy"] == label]
        for target in (0.90, 0.95, 0.98):
            at = planner[np.isclose(planner["knob"], target)]
            if len(at):
                fr = float(at["fill_rate"].iloc[0])
                lines.append(f"- {label} at a {target:.0%} fill-rate target: simulated {fr:.2%} "
                             f"(gap {100 * (fr - target):+.2f} points), inventory {at['average_value'].iloc[0]:,.0f}, "
                             f"lost margin {at['lost_margin'].iloc[0]:,.0f}")
    for row in results[results["policy"].str.startswith("planner (classes")].itertuples():
        lines.append(f"- {row.policy}: simulated {row.fill_rate:.2%} overall (A {row.fill_rate_A:.2%}, B {row.fill_rate_B:.2%}, "
                     f"C {row.fill_rate_C:.2%}), inventory {row.average_value:,.0f}")
    baselines = results[results["policy"].isin(DEFAULT_KNOBS)]
    for label in planners:
        planner = results[results["policy"] == label]
        verdict = {b.Index: _dominated(planner, b.fill_rate, b.average_value) for b in baselines.itertuples()}

        def runs(which):
            return "; ".join(f"{b.policy.split()[0]} {b.knob:g} ({b.fill_rate:.2%} at {b.average_value:,.0f})"
                             for b in baselines.itertuples() if verdict[b.Index] is which)

        inside = [v for v in verdict.values() if v is not None]
        line = (f"- {label}'s curve above the baseline runs within its range: {sum(inside)} of {len(inside)}"
                + (f" (not: {runs(False)})" if not all(inside) else ""))
        if len(inside) < len(verdict):
            line += f"; outside its range: {runs(None)}"
        lines.append(line)
    for policy, default in DEFAULT_KNOBS.items():
        curve = results[results["policy"] == policy]
        if curve.empty:
            continue
        best = curve.loc[curve["fill_rate"].idxmax()]
        base = curve[np.isclose(curve["knob"], default)].iloc[0]
        for label in planners:
            planner = results[results["policy"] == label]
            parts = []
            for what, row in (("best", best), ("default", base)):
                need = interpolate_value_at_fill(planner, float(row["fill_rate"]))
                saving = f"{1 - need / row['average_value']:+.1%} saved" if np.isfinite(need) else "out of the planner's range"
                parts.append(f"{what} (knob {row['knob']:g}): fill {row['fill_rate']:.2%} at {row['average_value']:,.0f}; "
                             f"{label} needs {need:,.0f} ({saving})")
            lines.append(f"- {policy} vs {label}: " + "; ".join(parts))
    if results["campaign_fill_rate"].notna().any():
        lines.append("- featured SKUs on campaign days (SKU-days with lost sales; campaign-day fill rate):")
        for row in results.itertuples():
            default = 0.95 if row.policy.startswith("planner") else DEFAULT_KNOBS.get(row.policy, np.nan)
            if np.isclose(row.knob, default):
                lines.append(f"  - {row.policy} (knob {row.knob:g}): {row.campaign_stockout_days} SKU-days, "
                             f"campaign fill {row.campaign_fill_rate:.2%}, overall {row.fill_rate:.2%}, "
                             f"inventory {row.average_value:,.0f}")
    lines.append("")
    return lines


def _dominated(curve: pd.DataFrame, fill_rate: float, value: float) -> bool | None:
    """Does the curve serve at least ``fill_rate`` with at most ``value`` of inventory (between its runs)?
    None when the run lies outside the curve's range: more fill than its highest run, or less inventory
    than its lowest (the sweep did not go there, so neither answer is measured)."""
    need = interpolate_value_at_fill(curve, fill_rate)
    if np.isfinite(need):
        return bool(need <= value)
    lowest = curve.loc[curve["average_value"].idxmin()]
    if fill_rate < curve["fill_rate"].min() and value >= lowest["average_value"]:
        return True
    return None


def figure(results: pd.DataFrame, name: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for policy, curve in results.groupby("policy", sort=False):
        curve = curve.sort_values("average_value")
        ax.plot(curve["average_value"], 100 * curve["fill_rate"], marker="o", label=policy)
        for row in curve.itertuples():
            ax.annotate(f"{row.knob:g}", (row.average_value, 100 * row.fill_rate), fontsize=7,
                        textcoords="offset points", xytext=(3, -8))
    ax.set_xlabel("average inventory value")
    ax.set_ylabel("fill rate (%)")
    ax.set_title(f"{name}: fill rate vs inventory (lost sales)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def run(name: str, replay: Replay, model: str, n_paths: int, out: Path, targets=None, only=None) -> list[str]:
    started = time.time()
    grid, fixed = rules(model, n_paths, targets, only)
    results = sweep(replay, grid, **fixed)
    results.insert(0, "dataset", name)
    results.to_csv(out / f"simulate_{name}.csv", index=False)
    figure(results, name, out / f"simulate_{name}.png")
    lines = summarise(results, f"{name} ({len(replay.skus)} SKUs, {replay.demand.shape[1] - replay.start} days "
                               f"replayed, planner model {model}; {time.time() - started:.0f} s)")
    print("\n".join(lines), flush=True)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", choices=["sample", "uci", "both"], default="both")
    parser.add_argument("--skus", type=int, default=300, help="UCI SKUs sampled (seeded)")
    parser.add_argument("--model", default="campaign", help="forecast model of the planner (registry name)")
    parser.add_argument("--paths", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--targets", type=float, nargs="+", help="the planners' targets (default: the full sweep)")
    parser.add_argument("--split", choices=UCI_SPLITS, default="all",
                        help="UCI: which half of the SKUs is replayed (UCI_SPLITS); the sample shop: tuning = "
                             "seed 7, confirmation = --sample-seed")
    parser.add_argument("--sample-seed", type=int, default=7, help="the sample shop generator's seed")
    parser.add_argument("--policies", nargs="+", help="only these rules (names as in the output's policy column)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument("--summarise", type=Path, nargs="+", metavar="CSV",
                        help="only summarise the CSV(s) of earlier runs (simulate_NAME.csv) and exit")
    args = parser.parse_args()
    if args.summarise:
        for path in args.summarise:
            print("\n".join(summarise(pd.read_csv(path), path.stem)))
        return
    args.out.mkdir(parents=True, exist_ok=True)
    lines = ["# Policy simulation (bench/simulate_policies.py)", ""]
    if args.dataset in ("sample", "both"):
        lines += run(f"sample_shop_seed{args.sample_seed}", sample_replay(args.sample_seed), args.model, args.paths, args.out,
                     args.targets, args.policies)
    if args.dataset in ("uci", "both"):
        if not UCI.exists():
            print(f"skipping UCI: {UCI} not found")
        else:
            lines += run(f"uci_online_retail_{args.split}", uci_replay(args.skus, args.seed, split=args.split),
                         args.model, args.paths, args.out, args.targets, args.policies)
    (args.out / "simulate_policies.md").write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
