"""The days-of-cover dashboard in headless Chromium: its size, how long it takes to build and to open.

    PYTHONPATH=$PWD python bench/dashboard_open.py SHOP/runs/latest/dashboard.html   # a run's file
    PYTHONPATH=$PWD python bench/dashboard_open.py --shop SHOP                        # forecast, plan, build it

With --shop the shop's forecast and plan are made as `restock report` makes them and the seconds of
planner.report.dashboard.build_dashboard alone are printed. Then the file opens in the system's Chromium
(tests/chromium.py, the browser test's driver): seconds to the load event (the table's first rows
drawn), to a filter typed, to a sort by days of cover, and to a row's chart; console errors. One JSON line.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.chromium import Chromium  # noqa: E402


def build(shop_dir: Path, out: Path) -> dict:
    from planner import pipeline
    from planner.plan.settings import plan_settings
    from planner.report.dashboard import build_dashboard
    from planner.shop import Shop

    shop = Shop.open(shop_dir)
    inputs = shop.inputs()
    result = pipeline.run_forecast(shop, inputs)
    plan = pipeline.run_plan(shop, inputs, result)
    began = time.perf_counter()
    build_dashboard(shop.config.shop.name, shop.config.shop.currency, inputs, result, plan, plan_settings(shop.config, inputs), out)
    return {"skus": len(plan.plan), "build_s": round(time.perf_counter() - began, 2)}


def timed(browser: Chromium, action) -> float:
    began = time.perf_counter()
    action()
    browser.evaluate("new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)))")  # after the next frame
    return round(time.perf_counter() - began, 2)


def open_page(path: Path) -> dict:
    with Chromium.open() as browser:
        if browser is None:
            raise SystemExit("no Chromium binary found (apt-get install chromium)")
        load = browser.load(path)
        out = {"load_s": round(load, 2), "rows_drawn": browser.evaluate("document.querySelectorAll('tr.sku').length"),
               "count": browser.evaluate("document.getElementById('count').textContent")}
        out["filter_s"] = timed(browser, lambda: browser.type("#filter", "-00"))
        out["filtered"] = browser.evaluate("document.getElementById('count').textContent")
        out["sort_s"] = timed(browser, lambda: browser.click("th[data-key=cover]"))
        out["chart_s"] = timed(browser, lambda: browser.click("tr.sku"))
        out["errors"] = browser.errors
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", nargs="?", type=Path)
    parser.add_argument("--shop", type=Path)
    args = parser.parse_args()
    figures: dict = {}
    path = args.html
    if args.shop:
        path = Path(tempfile.mkdtemp(prefix="restock-dashboard-")) / "dashboard.html"
        figures.update(build(args.shop, path))
    if path is None:
        parser.error("give a dashboard.html or --shop")
    figures.update({"file": str(path), "mb": round(path.stat().st_size / 1e6, 2), **open_page(path)})
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
