"""How well is the planner's lead-time demand calibrated? Rolling origins on real demand (issue 4).

    python bench/lead_time_calibration.py --dataset uci --skus 300
    python bench/lead_time_calibration.py --dataset sample

At every weekly origin over the replayed period the planner's model is fitted on the demand up to
that day (the true demand: no stockouts of the planner's own censor it here) and its sample paths give
the demand over the lead time and over lead time + review. Against what then happened, per volume band
of forecast units per cycle:

* ratio: realised / forecast mean (level bias);
* PIT: the share of paths at or below the realised total; coverage of the P50 ... P99;
* the backorder fill rate an (R, S) rule at a 95 % target would have had on those windows
  (shortage per cycle (D_{L+R} - S)^+ - (D_L - S)^+ against the review demand): the gap that does not
  come from lost-sales dynamics, rounding or censoring.

Each table is computed for the raw paths and for the paths calibrated by planner.calibration on the
errors of the 26 origins before each one whose windows had ended (what the planner can know on that
day); the internal-target step (planner.calibration.internal_targets) is not applied here, so the
calibrated table shows what the distribution alone does. ``band`` is the volume band of the (raw or
calibrated) forecast units per lead time + review.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from planner.calibration import calibrated_demand, fit_calibration, window_errors  # noqa: E402
from planner.inventory.levels import order_up_to_levels  # noqa: E402
from planner.plan import sample_lead_times  # noqa: E402
from planner.simulate import Observed, PlannerPolicy  # noqa: E402

QUANTILES = (0.5, 0.8, 0.9, 0.95, 0.99)


def forecast_windows(policy, seen, t: int):
    """The planner's forecast at review day ``t`` (PlannerPolicy._paths: the model `restock plan` fits),
    read over a lead time drawn per path as the plan draws it (planner.plan.sample_lead_times): demand
    over the lead time and over it + the review, the mean per day, and the lead times."""
    r = seen.replay
    paths = policy._paths(seen, t)
    n, n_paths, horizon = len(r.skus), paths.n_paths, paths.horizon
    values = np.zeros((n, n_paths, horizon), dtype=np.float32)
    index = {s: i for i, s in enumerate(paths.skus)}
    rows = np.array([index.get(s, -1) for s in r.skus])
    values[rows >= 0] = paths.values[rows[rows >= 0]]
    terms = pd.DataFrame({"lead_time_days": r.lead_time_days, "lead_time_sd_days": r.lead_time_sd_days,
                          "lead_time_min_days": np.nan, "lead_time_max_days": np.nan})
    lead = np.minimum(sample_lead_times(terms, n_paths, np.random.default_rng(t)), horizon - r.review_period_days)
    cumulative = np.concatenate([np.zeros((n, n_paths, 1), np.float32), np.cumsum(values, axis=2)], axis=2)
    i, k = np.arange(n)[:, None], np.arange(n_paths)[None, :]
    return cumulative[i, k, lead], cumulative[i, k, lead + r.review_period_days], values.mean(axis=1), lead


def origins_table(replay, model: str, n_paths: int, first: int, step: int = 7):
    """One row per SKU and origin: forecast paths of lead and cycle demand, realised totals."""
    policy = PlannerPolicy(model=model, n_paths=n_paths)
    n, days = replay.demand.shape
    censored = replay.censored if replay.censored is not None else np.zeros(replay.demand.shape, bool)
    lead = np.rint(replay.lead_time_days).astype(int)
    cycle = lead + replay.review_period_days
    rows = []
    cumulative = np.concatenate([np.zeros((n, 1)), np.cumsum(replay.demand, axis=1)], axis=1)
    for t in range(first, days - int(cycle.max()) + 1, step):
        seen = Observed(replay, t, replay.demand[:, :t], censored[:, :t])
        lead_paths, cycle_paths, daily_mean, sampled_lead = forecast_windows(policy, seen, t)
        idx = np.arange(n)
        rows.append({
            "t": t, "lead_paths": lead_paths, "cycle_paths": cycle_paths, "daily_mean": daily_mean, "lead": sampled_lead,
            "lead_real": cumulative[idx, t + lead] - cumulative[idx, t],
            "cycle_real": cumulative[idx, t + cycle] - cumulative[idx, t],
            "clean": censored[:, t:t + int(cycle.max())].sum(axis=1) == 0,
        })
    return rows


def calibrated(rows, replay, origins: int = 26, **options):
    """The rows with their paths replaced by planner.calibration's samples, fitted at each origin on
    the errors of the ``origins`` origins before it whose windows had ended (as the planner would)."""
    n = len(replay.skus)
    censored = replay.censored if replay.censored is not None else np.zeros(replay.demand.shape, bool)
    lead_days = np.rint(replay.lead_time_days).astype(int)
    cycle_max = int((lead_days + replay.review_period_days).max())
    errors = {r["t"]: window_errors(r["daily_mean"], replay.demand[:, r["t"]:r["t"] + cycle_max],
                                    censored[:, r["t"]:r["t"] + cycle_max], lead_days, replay.review_period_days,
                                    replay.skus, r["t"]) for r in rows}
    out = []
    for r in rows:
        t = r["t"]
        past = [e for origin, e in errors.items() if origin + cycle_max <= t][-origins:]
        if not past:
            continue
        calibration = fit_calibration(pd.concat(past, ignore_index=True), **options)
        cumulative = np.concatenate([np.zeros((n, 1)), np.cumsum(r["daily_mean"], axis=1)], axis=1)
        idx = np.arange(n)[:, None]
        lead, cycle = calibrated_demand(calibration, replay.skus, cumulative[idx, r["lead"]],
                                        cumulative[idx, r["lead"] + replay.review_period_days], seed=t)
        out.append({**r, "lead_paths": lead, "cycle_paths": cycle})
    return out


def summarise(rows, target: float = 0.95, label: str = "raw") -> pd.DataFrame:
    records = []
    for r in rows:
        lead, cycle = r["lead_paths"], r["cycle_paths"]
        level, _, _ = order_up_to_levels(lead, cycle, np.full(len(lead), target), "fill_rate", 20.0)
        pit = (cycle <= r["cycle_real"][:, None]).mean(axis=1)
        short = np.maximum(r["cycle_real"] - level, 0) - np.maximum(r["lead_real"] - level, 0)
        frame = pd.DataFrame({
            "t": r["t"], "mean_cycle": cycle.mean(axis=1), "real_cycle": r["cycle_real"], "pit": pit,
            "review_real": r["cycle_real"] - r["lead_real"], "short": short, "level": level, "clean": r["clean"],
        })
        for q in QUANTILES:
            frame[f"cover_{q}"] = r["cycle_real"] <= np.quantile(cycle, q, axis=1)
        records.append(frame)
    table = pd.concat(records, ignore_index=True)
    table = table[table["clean"]]
    table["band"] = pd.cut(table["mean_cycle"], [-1, 2, 8, 32, 128, np.inf], labels=["<2", "2-8", "8-32", "32-128", "128+"])

    def cut(g):
        return pd.Series({
            "windows": len(g), "ratio": g["real_cycle"].sum() / max(g["mean_cycle"].sum(), 1e-9),
            "pit_mean": g["pit"].mean(), **{f"cov{int(q * 100)}": g[f"cover_{q}"].mean() for q in QUANTILES},
            "fill_backorder": 1 - g["short"].sum() / max(g["review_real"].sum(), 1e-9),
        })

    out = pd.concat([table.groupby("band", observed=True).apply(cut), cut(table).to_frame("all").T])
    out.insert(0, "paths", label)
    return out


def main() -> None:
    from replays import sample_replay, uci_replay

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", choices=["sample", "uci"], default="uci")
    parser.add_argument("--skus", type=int, default=300)
    parser.add_argument("--model", default="campaign")
    parser.add_argument("--paths", type=int, default=200)
    args = parser.parse_args()
    replay = uci_replay(args.skus, 0) if args.dataset == "uci" else sample_replay()
    rows = origins_table(replay, args.model, args.paths, first=replay.start - 140)
    pd.set_option("display.width", 200)
    replayed = [r for r in rows if r["t"] >= replay.start]
    table = pd.concat([summarise(replayed, label="raw"),
                       summarise([r for r in calibrated(rows, replay) if r["t"] >= replay.start], label="calibrated")])
    print(table.round(3).to_string())


if __name__ == "__main__":
    main()
