"""Import speed: the real UCI Online Retail II order lines (525,461 rows) into a fresh shop.

    python bench/import_speed.py

Target (issue 2): under 15 s on the 2-core machine, cancellations handled. Prints wall time, the
import counts, and a second (idempotent) import of the same file. Reads ../shared/data; never copies it.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "online_retail" / "online_retail_II_2009-12_2010-12_raw.parquet"


def main() -> int:
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


if __name__ == "__main__":
    sys.exit(main())
