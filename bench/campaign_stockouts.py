"""Where do featured SKUs run out on campaign days: the planner against the campaign-blind policies (issue 4).

    python bench/campaign_stockouts.py        # the sample shop's replay, about 2 minutes

The sample shop as bench/simulate_policies.py replays it (true demand, its campaign calendar), the
planner at a 95 % fill-rate target and the sellers' three rules at their default knobs. A SKU-day
counts when a featured SKU lost sales on a day of its campaign. Printed: each policy's SKU-days and
units lost, and SKU-day by SKU-day, where the planner ran out on a day a baseline also did and where
it ran out on a day none did (with what it lost of that day's demand).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from planner.simulate import CoverPolicy, MinMaxPolicy, PlannerPolicy, TextbookPolicy, simulate  # noqa: E402
from replays import sample_replay  # noqa: E402


def main() -> int:
    replay = sample_replay()
    policies = {
        "planner (95 %)": PlannerPolicy(service_level=0.95, model="campaign"),
        "min/max 20": MinMaxPolicy(20.0), "cover 30 d": CoverPolicy(30.0), "textbook z=1.65": TextbookPolicy(1.65),
    }
    featured = replay.campaign_days[:, replay.start:]
    lost = {name: simulate(replay, rule).daily["lost"] for name, rule in policies.items()}
    out = {name: (units > 0) & featured for name, units in lost.items()}
    print(f"{int(featured.sum())} featured SKU-days replayed")
    for name, days in out.items():
        print(f"- {name}: {int(days.sum())} SKU-days with lost sales, {int((lost[name] * featured).sum())} units lost")
    planner = out["planner (95 %)"]
    any_baseline = np.zeros_like(planner)
    for name in list(policies)[1:]:
        days = out[name]
        any_baseline |= days
        print(f"- {name} out and the planner not: {int((days & ~planner).sum())}; both out: {int((days & planner).sum())}")
    print(f"- the planner out where no baseline is: {int((planner & ~any_baseline).sum())}; "
          f"a baseline out where the planner is not: {int((any_baseline & ~planner).sum())}")
    for i, t in zip(*np.nonzero(planner)):
        tag = "no baseline out" if not any_baseline[i, t] else "a baseline out too"
        print(f"  {replay.skus[i]} {replay.dates[replay.start + t].date()}: lost {lost['planner (95 %)'][i, t]:.0f} "
              f"of {replay.demand[i, replay.start + t]:.0f} ({tag})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
