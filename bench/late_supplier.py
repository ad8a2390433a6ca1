"""A supplier slower than it says: does the plan's measured lead time keep the promise? (issue 19 item 4)

    python bench/late_supplier.py --split tuning          # the sample shop, generator seed 7 (~35 min at load 6)
    python bench/late_supplier.py --split confirmation    # seed 3
    python bench/late_supplier.py --split tuning --supplier "GZ Cosmetics"   # one supplier late

The sample shop's replay (bench/replays.py, planner.simulate.shop_replay) with every supplier's (or one
supplier's) true lead time ``--late-days`` (8) longer than the stated one: the orders arrive that much
later (planner.simulate.replay.with_late_suppliers), each delivery is recorded as a purchase-order
receipt, and the plan measures its suppliers from them through the code `restock plan` runs
(planner.plan.terms.suppliers_with_receipts). Peers in one run, on the same replay and draws: the plan
with measured lead times against the same plan reading the stated terms only
(``PlannerPolicy(measure_lead_times=False)``), at each target, with the supplier late and on time (on
time, measuring must not cost stock). The generated shop has no past receipts, so the replay's own
first deliveries are its learning period: nothing is measured before the first order arrives (a
stated lead time + the delay after the first review); each row gives the fill rate over the whole
replay and after its first LEARNING_DAYS (90).

Per row: fill rate delivered and its gap to the target (goal: measured within 1 point, stated missing
it), average stock value, lost units, the plan's mean lead time at the last review against the true
one; then per target the measured / stated stock ratio.
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

from planner.simulate import PlannerPolicy, simulate  # noqa: E402
from planner.simulate.replay import with_late_suppliers  # noqa: E402
from replays import MARKETS, SAMPLE_SEEDS, sample_replay  # noqa: E402

#: the replayed days before "after the learning period" counts: a fill rate judged, not a plan constant.
#: The shop has no past receipts: nothing is measured until an order placed on the first review arrives
#: (its longest true lead time, 43 + 8 days), nor much until a few deliveries per supplier came in
LEARNING_DAYS = 90


def run_row(replay, target: float, measure: bool, paths: int, learning_days: int) -> dict:
    """One replay of the plan at ``target``, measuring lead times or not; the fill rate over the whole
    replay and after its first ``learning_days``."""
    started = time.time()
    rule = PlannerPolicy(target, model="campaign", model_params={"market": MARKETS["sample"]}, n_paths=paths,
                         measure_lead_times=measure)
    outcome = simulate(replay, rule)
    plan = rule.last_plan[0].plan.set_index("sku").reindex(replay.skus)
    lost = float(outcome.daily["lost"].sum())
    sold, missed = outcome.daily["sales"][:, learning_days:].sum(), outcome.daily["lost"][:, learning_days:].sum()
    after = float(sold / (sold + missed))
    return {"target": target, "lead_times": "measured" if measure else "stated", "fill_rate": outcome.fill_rate,
            "gap_points": 100 * (outcome.fill_rate - target), "fill_rate_after_learning": after,
            "gap_after_learning": 100 * (after - target), "average_value": outcome.average_value,
            "lost_units": lost, "plan_lead_days": float(np.nanmean(plan["lead_time_days"])),
            "true_lead_days": float(np.mean(replay.lead_time_days + replay.late_days)),
            "stated_lead_days": float(np.mean(replay.lead_time_days)), "seconds": time.time() - started}


def table(results: pd.DataFrame) -> list[str]:
    lines = ["| seed | supplier | target | lead times | fill rate | gap (points) | within 1 point | after the learning "
             "period (gap) | average stock value | lost units | plan's mean lead time (true / stated) |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for row in results.itertuples():
        lines.append(f"| {row.seed} | {row.world} | {row.target:.0%} | {row.lead_times} | {row.fill_rate:.2%} | "
                     f"{row.gap_points:+.2f} | {'yes' if abs(row.gap_points) <= 1 else 'no'} | "
                     f"{row.fill_rate_after_learning:.2%} ({row.gap_after_learning:+.2f}) | {row.average_value:,.0f} | "
                     f"{row.lost_units:,.0f} | {row.plan_lead_days:.1f} ({row.true_lead_days:.1f} / {row.stated_lead_days:.1f}) |")
    lines += ["", "Stock, measured / stated (same seed, supplier, target):"]
    for (seed, world, target), group in results.groupby(["seed", "world", "target"], sort=False):
        value = group.set_index("lead_times")["average_value"]
        if {"measured", "stated"} <= set(value.index):
            lines.append(f"- seed {seed}, {world}, {target:.0%}: x{value['measured'] / value['stated']:.3f}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=["tuning", "confirmation"], default="tuning",
                        help="the sample shop's generator seed: tuning 7, confirmation 3 (bench/replays.py)")
    parser.add_argument("--sample-seed", type=int, help="another generator seed (overrides --split)")
    parser.add_argument("--late-days", type=float, default=8.0)
    parser.add_argument("--supplier", action="append", help="only this supplier late (repeatable; default every one)")
    parser.add_argument("--targets", type=float, nargs="+", default=[0.90, 0.95])
    parser.add_argument("--worlds", choices=["both", "late", "on-time"], default="both",
                        help="the rows with the supplier late, on time, or both")
    parser.add_argument("--learning-days", type=int, default=LEARNING_DAYS,
                        help="replayed days before the fill rate 'after the learning period' counts")
    parser.add_argument("--paths", type=int, default=100, help="forecast sample paths per review (restock simulate's 100)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    args = parser.parse_args()
    seed = args.sample_seed or SAMPLE_SEEDS[args.split]
    replay = sample_replay(seed)
    if args.supplier:
        names = np.asarray(replay.supplier, dtype=str)
        chosen = [s for s in np.unique(names) if any(s == name or s.startswith(f"{name}, ") for name in args.supplier)]
        late = with_late_suppliers(replay, args.late_days, chosen)
        label = f"{', '.join(args.supplier)} {args.late_days:g} d late"
    else:
        late, label = with_late_suppliers(replay, args.late_days), f"every supplier {args.late_days:g} d late"
    # the late supplier at every target first, then on time from the highest target down
    runs = [] if args.worlds == "on-time" else [(label, late, target) for target in args.targets]
    runs += [] if args.worlds == "late" else [("on time", replay, target) for target in sorted(args.targets, reverse=True)]
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    for world, r, target in runs:
        for measure in (True, False):
            row = {"seed": seed, "world": world, **run_row(r, target, measure, args.paths, args.learning_days)}
            rows.append(row)
            print(f"seed {seed}, {world}, {target:.0%}, {row['lead_times']}: fill {row['fill_rate']:.2%}, "
                  f"stock {row['average_value']:,.0f}, lost {row['lost_units']:,.0f} ({row['seconds']:.0f} s)", flush=True)
            pd.DataFrame(rows).to_csv(args.out / f"late_supplier_seed{seed}_{args.worlds}.csv", index=False)  # row by row
    results = pd.DataFrame(rows)
    lines = [f"# Late supplier, sample shop seed {seed} ({len(replay.skus)} SKUs, {replay.demand.shape[1] - replay.start} "
             f"days replayed)", "", *table(results), ""]
    (args.out / f"late_supplier_seed{seed}_{args.worlds}.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
