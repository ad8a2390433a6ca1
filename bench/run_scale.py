"""The whole `restock run` at scale: 1k, 10k (and 100k) SKUs x 2 years of daily history.

    python bench/run_scale.py                 # 1,000 and 10,000 SKUs
    python bench/run_scale.py 1000 10000 100000

Each size is a shop generated with the sample generator (data/generate.py, seeded): its tables, and
its two years of sales as one generic Parquet file in the inbox. `restock run` then runs in a child
process (the way cron runs it); the bench reads the time of each step from the run's manifest and the
child's peak memory (max RSS) from the OS. Target (issue 6): 10k SKUs end to end, import excluded,
under 2 minutes on the 2-core machine; memory growing no faster than the data.
"""

from __future__ import annotations

import importlib.util
import json
import os
import resource
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


def run_once(folder: Path) -> dict:
    """`restock run` in a child process: step seconds from the manifest, peak RSS of the child."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    began = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "planner.cli", "run", "--shop", str(folder), "--log-format", "json"],
                          capture_output=True, text=True, cwd=REPO)
    wall = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"restock run failed ({done.returncode}):\n{done.stdout}\n{done.stderr[-3000:]}")
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    manifest = json.loads((folder / "runs" / "latest" / "manifest.json").read_text(encoding="utf-8"))
    steps = {name: info["seconds"] for name, info in manifest["steps"].items()}
    return {"wall_s": round(wall, 1), **{f"{k}_s": v for k, v in steps.items()},
            "beyond_import_s": round(sum(v for k, v in steps.items() if k != "import"), 1),
            # ru_maxrss of children is the largest child so far: each size runs larger than the last
            "peak_rss_gb": round(max(peak_kb, before) / 1e6, 2),
            "order_lines": manifest["headline"].get("order_lines")}


def main(sizes: list[int]) -> int:
    rows = []
    for n in sizes:
        folder = Path(tempfile.mkdtemp(prefix=f"restock-scale-{n}-"))
        try:
            shop_dir = folder / "shop"
            built = build_shop(n, shop_dir)
            measured = run_once(shop_dir)
            rows.append({"skus": n, **built, **measured})
            print(json.dumps(rows[-1]), flush=True)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    print(f"\nmachine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f} at the end")
    header = ["skus", "sku_days", "sales_rows", "import_s", "forecast_s", "plan_s", "beyond_import_s", "wall_s", "peak_rss_gb"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(f"{row.get(h, ''):,}" if isinstance(row.get(h), int) else str(row.get(h, "")) for h in header) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main([int(a) for a in sys.argv[1:]] or [1000, 10000]))
