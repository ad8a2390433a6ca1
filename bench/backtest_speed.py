"""The weekly backtest step of `restock run` at scale, alone: wall and CPU seconds.

    python bench/backtest_speed.py                     # a 10,000-SKU shop from the generator (about 3 minutes)
    python bench/backtest_speed.py --skus 1000
    python bench/backtest_speed.py --shop DIR          # a shop whose store holds its history already

It does what the run's backtest step does (planner.run.step_backtest): the shop's model and seasonal
naive from the run's 4 origins (planner.run.RUN_BACKTEST_CUTOFFS), horizon = the planning horizon, on the
history and campaign rows the forecast step has already made (they are prepared first and not timed),
then the plan's calibration from its errors (pipeline.backtest_calibration), each timed apart (wall and
CPU) with the process's peak RSS. The load average is printed with the timings: this machine is shared,
and a timing is an upper bound; CPU seconds compare better.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def prepared_shop(n_skus: int, folder: Path) -> Path:
    """A generated shop of ``n_skus`` with its sales imported (bench/run_scale.py's generator)."""
    sys.path.insert(0, str(REPO / "bench"))
    from run_scale import build_shop

    from planner.importer import import_files
    from planner.shop import Shop

    build_shop(n_skus, folder)
    shop = Shop.open(folder)
    import_files(shop, sorted(shop.inbox.glob("*.parquet")))
    return folder


def time_backtest(folder: Path) -> dict:
    import resource

    from planner import pipeline
    from planner.run import RUN_BACKTEST_CUTOFFS
    from planner.shop import Shop

    shop = Shop.open(folder)
    inputs = shop.inputs()
    history = pipeline.load_history(shop)
    campaigns = pipeline.campaign_rows(inputs, history)
    models = list(dict.fromkeys([shop.config.planning.model, "seasonal_naive"]))
    load_before = os.getloadavg()[0]
    wall, cpu = time.perf_counter(), time.process_time()
    result = pipeline.run_backtest(shop, inputs, models, n_cutoffs=RUN_BACKTEST_CUTOFFS, history=history,
                                   campaigns=campaigns)
    backtest_wall, backtest_cpu = time.perf_counter() - wall, time.process_time() - cpu
    wall, cpu = time.perf_counter(), time.process_time()
    calibration = pipeline.backtest_calibration(inputs, result, pipeline.plan_settings(shop.config))
    calibration_wall, calibration_cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"skus": int(history["sku"].nunique()), "history_rows": len(history), "models": ",".join(models),
            "cutoffs": len(result.cutoffs), "scored_rows": len(result.forecasts), "windows": calibration.windows,
            "backtest_wall_s": round(backtest_wall, 1), "backtest_cpu_s": round(backtest_cpu, 1),
            "calibration_wall_s": round(calibration_wall, 1), "calibration_cpu_s": round(calibration_cpu, 1),
            "peak_rss_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6, 2),
            "load_before": round(load_before, 2), "load_after": round(os.getloadavg()[0], 2)}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skus", type=int, default=10_000, help="SKUs of the generated shop (default 10,000)")
    parser.add_argument("--shop", type=Path, default=None, help="time an existing, imported shop instead")
    args = parser.parse_args(argv)
    if args.shop is not None:
        figures = time_backtest(args.shop)
    else:
        with tempfile.TemporaryDirectory(prefix="restock-backtest-") as tmp:
            figures = time_backtest(prepared_shop(args.skus, Path(tmp) / "shop"))
    print(" | ".join(f"{key} {value}" for key, value in figures.items()))


if __name__ == "__main__":
    main()
