"""The whole `restock run` at scale: 1k, 10k (and 100k) SKUs x 2 years of daily history.

    python bench/run_scale.py                 # 1,000 and 10,000 SKUs
    python bench/run_scale.py 1000 10000 100000
    python bench/run_scale.py 10000 --catalogue --tree /work/main --tree .   # the other catalogue; two trees side by side
    python bench/run_scale.py 10000 --daily      # each first (weekly) run followed by a daily one on the same shop

Each size is a shop generated with the sample generator (data/generate.py, seeded): its tables, and
its two years of sales as one generic Parquet file in the inbox; with ``--catalogue``, one of the
independent catalogue (bench/catalogue.py's catalogue_shop, a generic CSV in the inbox). With ``--tree``
(repeated) each tree's code runs on its own copy of the same shop, one after the other in one run. `restock run` then runs in a child
process (the way cron runs it); the bench reads the time of each step from the run's manifest and the
child's peak memory (max RSS) from the OS. Target (issue 6): 10k SKUs end to end, import excluded,
under 2 minutes on the 2-core machine; memory growing no faster than the data.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def load_generator():
    spec = importlib.util.spec_from_file_location("restock_sample_generator", REPO / "data" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def build_shop(n_skus: int, folder: Path, seed: int = 11) -> dict:
    """A shop folder of n_skus from the generator; returns the generation figures."""
    from planner.shop import init_shop

    generator = load_generator()
    began = time.perf_counter()
    data = generator.generate_shop(n_skus=n_skus, seed=seed, order_lines=False)
    shop = init_shop(folder)
    toml = folder / "shop.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('market = "US"', 'market = "TH"')
                    .replace('currency = "USD"', 'currency = "THB"')
                    .replace('timezone = "UTC"', 'timezone = "Asia/Bangkok"'), encoding="utf-8")
    for table in ("products", "suppliers", "bundles", "campaigns", "inventory", "purchase_orders"):
        getattr(data, table).to_csv(folder / f"{table}.csv", index=False)
    parquet = generator.write_generic(data, shop.inbox / "sales.parquet")
    return {"generate_s": round(time.perf_counter() - began, 1), "sku_days": int(data.sales_matrix.size),
            "sales_rows": int((data.sales_matrix > 0).sum()), "parquet_mb": round(parquet.stat().st_size / 1e6, 1)}


def catalogue_shop(n_skus: int, folder: Path) -> dict:
    """A shop folder of n_skus from the independent catalogue (bench/catalogue.py, seed 5)."""
    sys.path.insert(0, str(REPO / "bench"))
    from catalogue import catalogue_shop as build

    began = time.perf_counter()
    figures = build(folder, n_skus)
    return {"generate_s": round(time.perf_counter() - began, 1), "sku_days": n_skus * figures["days"],
            "sales_rows": figures["rows"], "csv_mb": figures["mb"]}


def run_once(folder: Path, tree: Path = REPO) -> dict:
    """`restock run` in a child process with ``tree``'s code: step seconds from the manifest, the child's
    own peak RSS and CPU seconds (os.wait4: this child's, not the largest of all children)."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    began = time.perf_counter()
    with tempfile.TemporaryFile("w+") as log:
        child = subprocess.Popen([sys.executable, "-m", "planner.cli", "run", "--shop", str(folder), "--log-format", "json"],
                                 stdout=log, stderr=subprocess.STDOUT, text=True, cwd=tree, env=env)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - began
        if os.waitstatus_to_exitcode(status) != 0:
            log.seek(0)
            raise SystemExit(f"restock run failed ({os.waitstatus_to_exitcode(status)}):\n{log.read()[-3000:]}")
    manifest = json.loads((folder / "runs" / "latest" / "manifest.json").read_text(encoding="utf-8"))
    steps = {name: info["seconds"] for name, info in manifest["steps"].items()}
    return {"wall_s": round(wall, 1), **{f"{k}_s": v for k, v in steps.items()},
            "beyond_import_s": round(sum(v for k, v in steps.items() if k != "import"), 1),
            "cpu_s": round(usage.ru_utime + usage.ru_stime, 1), "peak_rss_gb": round(usage.ru_maxrss / 1e6, 2),
            "order_lines": manifest["headline"].get("order_lines"),
            "backtest_cutoffs": manifest["steps"].get("backtest", {}).get("cutoffs")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sizes", type=int, nargs="*", default=[1000, 10000])
    parser.add_argument("--catalogue", action="store_true", help="shops from bench/catalogue.py, not data/generate.py")
    parser.add_argument("--tree", type=Path, action="append",
                        help="run this tree's code (repeat: each tree on its own copy of the same shop, side by side)")
    parser.add_argument("--daily", action="store_true",
                        help="after each first (weekly) run, run again on the same shop: the daily run, no backtest due")
    args = parser.parse_args(argv)
    trees = [t.resolve() for t in args.tree] if args.tree else [REPO]
    rows = []
    for n in args.sizes:
        folder = Path(tempfile.mkdtemp(prefix=f"restock-scale-{n}-"))
        try:
            built = (catalogue_shop if args.catalogue else build_shop)(n, folder / "shop")
            for tree in trees:
                shop_dir = folder / f"run-{len(rows)}"
                shutil.copytree(folder / "shop", shop_dir)
                measured = run_once(shop_dir, tree)
                rows.append({"skus": n, "tree": str(tree), "run": "weekly", **built, **measured})
                print(json.dumps(rows[-1]), flush=True)
                if args.daily:  # the next day's run: the backtest is not due, the inbox is empty
                    rows.append({"skus": n, "tree": str(tree), "run": "daily", **built, **run_once(shop_dir, tree)})
                    print(json.dumps(rows[-1]), flush=True)
                shutil.rmtree(shop_dir, ignore_errors=True)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    print(f"\nmachine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f} at the end")
    header = ["skus", "tree", "run", "import_s", "forecast_s", "backtest_s", "plan_s", "report_s", "beyond_import_s", "cpu_s",
              "peak_rss_gb", "backtest_cutoffs"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(f"{row.get(h, ''):,}" if isinstance(row.get(h), int) else str(row.get(h, "")) for h in header) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
