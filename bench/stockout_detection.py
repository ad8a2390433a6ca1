"""How many SKU-days does stockout detection flag without inventory data, and does it find real ones (issue 17)?

    python bench/stockout_detection.py               # both sets, about 30 seconds
    python bench/stockout_detection.py --sets uci    # uci, sample
    python bench/stockout_detection.py --intermittent-adi 2.0   # sensitivity to the intermittency cut-off

* ``uci``: UCI Online Retail II in the shared data folder (RESTOCK_SHARED_DATA, default ../shared/data
  beside the repository; read in place, never copied; skipped when absent), 2010-06-01..2010-12-09:
  units of non-cancelled lines with a positive quantity per StockCode and day, the 500 SKUs with the
  most lines, each SKU's calendar from its first sale in the period. Lumpy wholesale demand and no
  stock levels: the true stockout days are unknown, but a wholesaler out of stock a quarter of the
  time would not be in business; what is flagged is the censoring the forecast would apply.
* ``sample``: the sample shop imported as ``restock run`` imports it (planner.pipeline.load_history on a
  copy in a temporary folder), scored against the stockouts its generator planted (data/generate.py,
  seed 7: the day a SKU was out of stock at some point): the share of planted stockout days found, and
  the share of flagged days that were planted stockouts.

The detector is forecast.history.mark_stockouts as importable here; to measure another version, import
its forecast package first, e.g. ``python -c "import sys; sys.path.insert(0, OTHER); import
forecast.history, runpy; runpy.run_path('bench/stockout_detection.py', run_name='__main__')"``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if "forecast" not in sys.modules:  # a version imported by the caller is the one measured
    sys.path.insert(0, str(ROOT))

from forecast.history import complete_history, mark_stockouts  # noqa: E402

SHARED_DATA = Path(os.environ.get("RESTOCK_SHARED_DATA", ROOT.parent / "shared" / "data"))
UCI = SHARED_DATA / "online_retail" / "online_retail_II_2009-12_2010-12_raw.parquet"
UCI_START, TOP_SKUS = pd.Timestamp("2010-06-01"), 500


def uci_history() -> pd.DataFrame:
    lines = pd.read_parquet(UCI, columns=["Invoice", "StockCode", "Quantity", "InvoiceDate"])
    lines = lines[~lines["Invoice"].astype(str).str.startswith("C") & (lines["Quantity"] > 0)]
    lines = lines.assign(sku=lines["StockCode"].astype(str), date=pd.to_datetime(lines["InvoiceDate"]).dt.normalize())
    lines = lines[lines["date"] >= UCI_START]
    top = lines["sku"].value_counts().index[:TOP_SKUS]
    daily = lines[lines["sku"].isin(top)].groupby(["sku", "date"], as_index=False)["Quantity"].sum()
    return complete_history(daily.rename(columns={"Quantity": "units"}), start=UCI_START)


def uci() -> str:
    if not UCI.exists():
        return f"uci: skipped, {UCI} not found (set RESTOCK_SHARED_DATA)"
    history = uci_history()
    flagged = mark_stockouts(history)["censored"].to_numpy()
    skus = history.loc[flagged, "sku"].nunique()
    return (f"uci: {history['sku'].nunique()} SKUs, {len(history):,} SKU-days {UCI_START.date()}.."
            f"{history['date'].max().date()}: {flagged.mean():.2%} flagged ({int(flagged.sum()):,} SKU-days, {skus} SKUs)")


def sample() -> str:
    sys.path.insert(0, str(ROOT / "data"))
    from generate import generate_shop
    from planner import pipeline
    from planner.importer import import_files
    from planner.shop import init_shop

    planted = generate_shop(150, seed=7, order_lines=False).sales
    with tempfile.TemporaryDirectory() as folder:
        shop = init_shop(Path(folder) / "shop", sample=True)
        import_files(shop, sorted(shop.inbox.iterdir()), on_bad_rows="skip")
        history = pipeline.load_history(shop)
    truth = planted.set_index(["sku", "date"])["censored"]
    out = truth.reindex(pd.MultiIndex.from_frame(history[["sku", "date"]])).fillna(False).to_numpy(bool)
    flagged = history["censored"].to_numpy(bool)
    found = int((flagged & out).sum())
    return (f"sample: {history['sku'].nunique()} SKUs, {len(history):,} SKU-days: {flagged.mean():.2%} flagged "
            f"({int(flagged.sum())}); planted stockout days {out.mean():.2%} ({int(out.sum())}), found "
            f"{found / max(out.sum(), 1):.1%}; flagged days that were planted {found / max(flagged.sum(), 1):.1%}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", nargs="+", choices=["uci", "sample"], default=["uci", "sample"])
    parser.add_argument("--intermittent-adi", type=float, default=None,
                        help="sensitivity: another inter-demand interval above which a SKU is never flagged")
    args = parser.parse_args(argv)
    if args.intermittent_adi is not None:
        import forecast.history

        forecast.history.INTERMITTENT_ADI = args.intermittent_adi
    for name in args.sets:
        print({"uci": uci, "sample": sample}[name]())
    return 0


if __name__ == "__main__":
    sys.exit(main())
