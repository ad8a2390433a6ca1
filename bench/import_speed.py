"""Import speed and memory: `restock import` of a generated catalogue's export, this tree vs a peer.

    python bench/import_speed.py --skus 10000 --peer /work/main      # TikTok export, ~4.4 M lines
    python bench/import_speed.py --skus 10000 --generic               # sku/date/units table of the same sales
    python bench/import_speed.py --uci                                # the UCI Online Retail II lines (below)

Targets (issue 21): 10,000 SKUs x 730 days, 4.4 M lines imported in under 20 s and 1.5 GB peak. The file
comes from bench/catalogue.py (seeded; kept in --work, default /tmp/restock-bench, and reused). Each
tree (this one, and --peer's code: PYTHONPATH=PEER) imports it into a fresh shop in a child process, then
imports it again (all unchanged); the wall time, the child's CPU time (user + system) and peak RSS
(/usr/bin/time -v) are printed as one JSON line per import.

--uci: the real UCI Online Retail II lines (525,461 rows) into a fresh shop, in this process (issue 2:
under 15 s). Reads ../shared/data; never copies it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "online_retail" / "online_retail_II_2009-12_2010-12_raw.parquet"


def uci() -> int:
    if not DATA.exists():
        print(f"skipped: {DATA} is absent")
        return 0
    from planner.importer import import_files
    from planner.shop import init_shop
    from planner.store import Store

    with tempfile.TemporaryDirectory() as folder:
        shop = init_shop(Path(folder) / "shop")
        for attempt in ("first import", "re-import"):
            started = time.perf_counter()
            result = import_files(shop, [DATA])[0]
            seconds = time.perf_counter() - started
            print(f"{attempt:<13} {seconds:6.2f} s  added {result.added:,}  updated {result.updated:,}  "
                  f"unchanged {result.unchanged:,}  rejected {result.rejected:,}")
        with Store(shop.store_path) as store:
            summary = store.summary()
        print(f"lines {summary['lines']:,}, SKUs {summary['skus']:,}, cancelled lines (not demand) "
              f"{summary['cancelled_lines']:,}, units {summary['units']:,.0f}, returned {summary['returned_units']:,.0f}")
    return 0


def timed_import(tree: Path, shop: Path, export: Path) -> dict:
    """`restock import` with ``tree``'s code in a child: wall seconds, peak RSS, its table of counts."""
    env = dict(os.environ, PYTHONPATH=str(tree))
    began = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-v", sys.executable, "-m", "planner.cli", "import", "--shop", str(shop),
                           str(export)], env=env, capture_output=True, text=True, cwd=tree)  # cwd: python -m puts it first
    seconds = time.perf_counter() - began
    if done.returncode:
        raise SystemExit(f"{tree}: restock import failed:\n{done.stdout}\n{done.stderr[-3000:]}")
    peak_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr).group(1))
    cpu = sum(float(re.search(rf"{kind} time \(seconds\): ([\d.]+)", done.stderr).group(1)) for kind in ("User", "System"))
    counts = done.stdout.strip().splitlines()[1].split()[-4:]
    # CPU seconds beside wall: on a shared machine the wall time says as much about the load as the code
    return {"seconds": round(seconds, 1), "cpu_seconds": round(cpu, 1), "peak_gb": round(peak_kb / 1e6, 2),
            "added_updated_unchanged_rejected": [int(c) for c in counts]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skus", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--generic", action="store_true", help="the generic sku/date/units table of the sales")
    parser.add_argument("--peer", type=Path, action="append", default=[], help="another tree to time (repeatable)")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "restock-bench")
    parser.add_argument("--once", action="store_true", help="no re-import (it takes as long again)")
    parser.add_argument("--uci", action="store_true")
    args = parser.parse_args(argv)
    if args.uci:
        return uci()
    sys.path.insert(0, str(REPO / "bench"))
    from catalogue import write_export

    args.work.mkdir(parents=True, exist_ok=True)
    export = args.work / f"{'generic' if args.generic else 'tiktok'}_{args.skus}x{args.days}.csv"
    if not export.exists():
        began = time.perf_counter()
        figures = write_export(export, args.skus, args.days, generic=args.generic)
        print(json.dumps({"generated": str(export), **figures, "seconds": round(time.perf_counter() - began, 1)}))
    print(json.dumps({"file": str(export), "mb": round(export.stat().st_size / 1e6, 1)}))
    for tree in [REPO, *args.peer]:
        shop = args.work / "shop"
        shutil.rmtree(shop, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "planner.cli", "init", str(shop)], env=dict(os.environ, PYTHONPATH=str(tree)),
                       check=True, capture_output=True, cwd=tree)
        for attempt in ("import",) if args.once else ("import", "re-import"):
            print(json.dumps({"tree": str(tree), "attempt": attempt, **timed_import(tree, shop, export)}), flush=True)
        shutil.rmtree(shop, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
