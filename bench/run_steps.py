"""The forecast and plan steps of `restock run`, timed in one process on a shop whose store is imported.

    PYTHONPATH=$PWD python bench/run_steps.py SHOP

Runs them as planner.run.step_forecast and step_plan do (inputs, forecast with the history loaded from
the store, forecast files, plan, plan files; no import, backtest or report) and prints one JSON line:
seconds per step, peak RSS of the process, order lines, and the folder the files went to (to compare
two versions' outputs byte for byte). Run it with another tree first on PYTHONPATH to time that code.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path


def main(shop_dir: str) -> int:
    import planner
    from planner import pipeline
    from planner.shop import Shop

    shop = Shop.open(Path(shop_dir))
    out = Path(tempfile.mkdtemp(prefix="restock-steps-"))
    began = time.perf_counter()
    inputs = shop.inputs()
    result = pipeline.run_forecast(shop, inputs)
    pipeline.write_forecast(result, out)
    forecast_done = time.perf_counter()
    plan = pipeline.run_plan(shop, inputs, result)
    pipeline.write_plan(plan, out)
    plan_done = time.perf_counter()
    print(json.dumps({"code": str(Path(planner.__file__).parents[1]), "forecast_s": round(forecast_done - began, 1),
                      "plan_s": round(plan_done - forecast_done, 1),
                      "peak_rss_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6, 2),
                      "order_lines": len(plan.orders), "load": round(os.getloadavg()[0], 1),
                      "out": str(out)}), flush=True)
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    sys.exit(main(sys.argv[1]))
