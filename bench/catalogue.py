"""A second catalogue generator for the benches, independent of data/generate.py (issue 21, part 5).

    python bench/catalogue.py OUT.csv --skus 10000 [--days 730] [--seed 5] [--generic]

Writes a TikTok Shop order export (Thai layout: day-first 24-hour times, buyer columns filled in) of
``--skus`` SKUs over ``--days`` days, about 0.6 lines per SKU and day (4.4 M lines for 10,000 SKUs x
730 days). Its demand differs on purpose from data/generate.py's, so that a bench is not tuned to one
generator:

* a demand mix of steady (35 %), weekly and yearly seasonal (15 %), intermittent (25 %: a sale every
  few days, lumpy quantities), trending up or down (10 %), launched in the second year (7 %), and
  discontinued: no sale in the last 60 to 180 days (8 %);
* dense campaigns: the double days (1.1 to 12.12) at 3 to 8 times the usual demand, paydays (the 25th)
  at 1.5 to 2.5 times, and each SKU joining 60 % of them;
* statuses as shops see them: cancelled before shipping, returned after delivery, still to ship;
* each SKU's supplier lead time (5 to 60 days, three supplier kinds) in ``OUT.products.csv`` beside it.

With ``--generic`` the same sales are written as the generic table instead (sku, date, units: one row
per SKU and day with a sale, cancelled lines left out; about 3 M rows for 10,000 SKUs). ``catalogue_shop``
makes a whole shop folder of it for the run benches (bench/run_scale.py --catalogue): the generic table in
its inbox, products and suppliers from the catalogue, an inventory snapshot and the double days as
campaigns.

Lines are written in time order, ``--block-days`` days at a time, so memory holds one block.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

HEADER = ["Order ID", "Order Status", "Order Substatus", "Cancelation/Return Type", "SKU ID", "Seller SKU",
          "Product Name", "Variation", "Quantity", "Sku Quantity of return", "SKU Unit Original Price",
          "SKU Subtotal After Discount", "Order Amount", "Created Time", "Paid Time", "Shipped Time",
          "Fulfillment Type", "Warehouse Name", "Tracking ID", "Buyer Username", "Recipient", "Phone #",
          "Province", "Detail Address", "Payment Method", "Product Category", "Package ID"]
KINDS = ("steady", "seasonal", "intermittent", "trending", "launched", "discontinued")
SHARES = (0.35, 0.15, 0.25, 0.10, 0.07, 0.08)
CATEGORIES = ("Beauty & Personal Care", "Womenswear", "Phones & Electronics", "Home Supplies", "Food & Beverages")
#: supplier kinds: (share, lead time low, high in days)
SUPPLIERS = {"local": (0.4, 5, 12), "china-air": (0.25, 10, 20), "china-sea": (0.35, 30, 60)}


def catalogue(n_skus: int, seed: int) -> pd.DataFrame:
    """One row per SKU: its demand kind, base rate (lines a day), price, category and supplier."""
    rng = np.random.default_rng(seed)
    kind = rng.choice(len(KINDS), size=n_skus, p=SHARES)
    rate = rng.lognormal(np.log(0.48), 0.9, n_skus)
    rate = np.where(kind == KINDS.index("intermittent"), rng.uniform(0.05, 0.35, n_skus), rate)
    supplier = rng.choice(list(SUPPLIERS), size=n_skus, p=[s[0] for s in SUPPLIERS.values()])
    low = np.array([SUPPLIERS[s][1] for s in supplier])
    high = np.array([SUPPLIERS[s][2] for s in supplier])
    return pd.DataFrame({
        "sku": [f"BC-{i:06d}" for i in range(n_skus)],
        "kind": np.array(KINDS)[kind],
        "rate": rate,
        "price": np.round(rng.lognormal(np.log(250), 0.7, n_skus), 0),
        "category": rng.choice(CATEGORIES, size=n_skus),
        "supplier": supplier,
        "lead_time_days": rng.integers(low, high + 1),
    })


def demand_rates(skus: pd.DataFrame, days: pd.DatetimeIndex, seed: int) -> np.ndarray:
    """Expected lines per SKU and day (n_skus x n_days), campaigns included."""
    rng = np.random.default_rng(seed + 1)
    n, t = len(skus), len(days)
    step = np.arange(t) / t
    kind = skus["kind"].to_numpy()[:, None]
    shape = np.ones((n, t))
    weekly = 1 + 0.3 * np.sin(2 * np.pi * (np.asarray(days.day_of_week) / 7 + rng.uniform(0, 1, (n, 1))))
    yearly = 1 + 0.5 * np.sin(2 * np.pi * (np.asarray(days.day_of_year) / 365.25 + rng.uniform(0, 1, (n, 1))))
    shape = np.where(kind == "seasonal", weekly * yearly, shape)
    slope = rng.uniform(-0.8, 1.5, (n, 1))
    shape = np.where(kind == "trending", np.clip(1 + slope * (step - 0.5), 0.1, None), shape)
    launch = rng.uniform(0.5, 0.9, (n, 1))
    shape = np.where(kind == "launched", (step >= launch) * (1 + 2 * np.clip(step - launch, 0, None)), shape)
    last_sale = t - rng.integers(60, 181, (n, 1))
    shape = np.where(kind == "discontinued", np.arange(t) < last_sale, shape)
    double_day = np.asarray(days.month == days.day)
    payday = np.asarray(days.day == 25)
    joins = rng.uniform(size=(n, t)) < 0.6
    lift = np.ones((n, t))
    lift = np.where(double_day & joins, rng.uniform(3, 8, (n, 1)), lift)
    lift = np.where(payday & joins, rng.uniform(1.5, 2.5, (n, 1)), lift)
    return skus["rate"].to_numpy()[:, None] * shape * lift


def _times(day_index: np.ndarray, seconds: np.ndarray, days_text: np.ndarray, clock: np.ndarray) -> pd.Series:
    """'dd/mm/yyyy HH:MM:SS' of day ``day_index`` plus ``seconds`` (which may run into later days)."""
    day = day_index + seconds // 86400
    return pd.Series(days_text[day], dtype=object) + " " + pd.Series(clock[seconds % 86400], dtype=object)


def write_export(path: Path, n_skus: int, days: int = 730, seed: int = 5, end: date = date(2026, 11, 30),
                 block_days: int = 30, generic: bool = False) -> dict:
    """Write the export, or the generic table of its sales (and the products' lead times beside it);
    returns its figures."""
    path = Path(path)
    skus = catalogue(n_skus, seed)
    calendar = pd.date_range(end - timedelta(days=days - 1), periods=days, freq="D")
    rates = demand_rates(skus, calendar, seed)
    later = pd.date_range(calendar[0], periods=days + 10, freq="D")  # ship times run past the last day
    days_text = np.array(later.strftime("%d/%m/%Y"), dtype=object)
    clock = np.array([f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86400)], dtype=object)
    rng = np.random.default_rng(seed + 2)
    sku_ids = np.array([f"17{30000000 + i}" for i in range(n_skus)], dtype=object)
    names = np.array([f"Product {s}" for s in skus["sku"]], dtype=object)
    sku_text = skus["sku"].to_numpy(dtype=object)
    lines = rows = 0
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        handle.write("sku,date,units\n" if generic else ",".join(f'"{h}"' if "," in h else h for h in HEADER) + "\n")
        for start in range(0, days, block_days):
            block = rates[:, start:start + block_days]
            counts = rng.poisson(block)
            sku, day = np.nonzero(counts)
            repeat = counts[sku, day]
            sku, day = np.repeat(sku, repeat), np.repeat(day, repeat) + start
            order = np.argsort(day, kind="stable")
            sku, day = sku[order], day[order]
            m = len(sku)
            quantity = rng.choice([1, 1, 1, 1, 1, 1, 1, 2, 2, 3], size=m)
            quantity = np.where(skus["kind"].to_numpy()[sku] == "intermittent", rng.integers(1, 7, m), quantity)
            status_draw = rng.uniform(size=m)
            status = np.select([status_draw < 0.05, status_draw < 0.07, status_draw < 0.09, status_draw < 0.11],
                               ["Cancelled", "Completed", "To ship", "Shipped"], "Completed")
            returned = (status_draw >= 0.05) & (status_draw < 0.07)
            created = rng.integers(0, 86400, m)
            paid = created + rng.integers(0, 1800, m)
            shipped = paid + rng.integers(86400 // 2, 3 * 86400, m)
            price = skus["price"].to_numpy()[sku]
            frame = pd.DataFrame({
                "Order ID": (5760000000 + lines + np.arange(m)).astype(str),
                "Order Status": status,
                "Order Substatus": status,
                "Cancelation/Return Type": np.select([status == "Cancelled", returned], ["Cancel", "Return/Refund"], ""),
                "SKU ID": sku_ids[sku],
                "Seller SKU": sku_text[sku],
                "Product Name": names[sku],
                "Variation": "Default",
                "Quantity": quantity,
                "Sku Quantity of return": np.where(returned, 1, 0),
                "SKU Unit Original Price": price,
                "SKU Subtotal After Discount": np.round(price * quantity * 0.9, 2),
                "Order Amount": np.round(price * quantity * 0.9 + 30, 2),
                "Created Time": _times(day, created, days_text, clock),
                "Paid Time": _times(day, paid, days_text, clock),
                "Shipped Time": _times(day, shipped, days_text, clock).where(
                    np.isin(status, ["Shipped", "Completed"]), ""),
                "Fulfillment Type": np.where(sku % 5 == 0, "Fulfillment by TikTok", "Fulfillment by seller"),
                "Warehouse Name": "Main",
                "Tracking ID": "TH" + pd.Series(rng.integers(10**11, 10**12, m)).astype(str),
                "Buyer Username": "buyer_" + pd.Series(rng.integers(0, 10**6, m)).astype(str),
                "Recipient": "Khun Somchai",
                "Phone #": "(+66)8" + pd.Series(rng.integers(10**7, 10**8, m)).astype(str),
                "Province": "Bangkok",
                "Detail Address": "99/1 Sukhumvit Soi 71, Phra Khanong",
                "Payment Method": "Cash on delivery",
                "Product Category": skus["category"].to_numpy()[sku],
                "Package ID": "",
            })
            if generic:
                sold = frame[status != "Cancelled"]
                frame = sold.groupby([sold["Seller SKU"], day[status != "Cancelled"]], sort=False)["Quantity"].sum()
                frame = pd.DataFrame({"sku": frame.index.get_level_values(0),
                                      "date": later[frame.index.get_level_values(1)].strftime("%Y-%m-%d"),
                                      "units": frame.to_numpy()})
            frame.to_csv(handle, header=False, index=False, lineterminator="\n")
            lines, rows = lines + m, rows + len(frame)
    skus.drop(columns=["rate"]).to_csv(path.with_suffix(".products.csv"), index=False)
    recent = calendar[-60]
    return {"skus": n_skus, "days": days, "lines": lines, "rows": rows, "mb": round(path.stat().st_size / 1e6, 1),
            "kinds": skus["kind"].value_counts().to_dict(), "no_sales_since": f"{recent:%Y-%m-%d}"}


def catalogue_shop(folder: Path, n_skus: int, days: int = 730, seed: int = 5, end: date = date(2026, 11, 30)) -> dict:
    """A shop folder of the catalogue (restock init, then its tables): the generic sales table in the
    inbox, products (price, category, supplier, lead time; cost 45 % of the price, case packs 1 / 6 / 12),
    the three suppliers, a snapshot of 0 to 40 days of each SKU's usual sales on the day after ``end``,
    and every double day (1.1 .. 12.12) of the history and the next 90 days as a mega sale of all SKUs.
    Returns write_export's figures."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from planner.shop import init_shop

    shop = init_shop(Path(folder))
    toml = shop.root / "shop.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('market = "US"', 'market = "TH"')
                    .replace('currency = "USD"', 'currency = "THB"')
                    .replace('timezone = "UTC"', 'timezone = "Asia/Bangkok"'), encoding="utf-8")
    figures = write_export(shop.inbox / "sales.csv", n_skus, days, seed, end, generic=True)
    skus = pd.read_csv(shop.inbox / "sales.products.csv")
    (shop.inbox / "sales.products.csv").unlink()
    rng = np.random.default_rng(seed + 3)
    pd.DataFrame({
        "sku": skus["sku"], "name": "Product " + skus["sku"], "category": skus["category"],
        "unit_cost": np.round(skus["price"] * 0.45, 2), "price": skus["price"], "supplier": skus["supplier"],
        "lead_time_days": skus["lead_time_days"], "moq": 1, "case_pack": rng.choice([1, 6, 12], len(skus)),
        "fulfillment": "own", "status": "active",
    }).to_csv(shop.root / "products.csv", index=False)
    pd.DataFrame({"supplier": list(SUPPLIERS), "lead_time_days": [(lo + hi) / 2 for _, lo, hi in SUPPLIERS.values()],
                  "lead_time_sd_days": [(hi - lo) / 4 for _, lo, hi in SUPPLIERS.values()],
                  "ordering_cost": [300, 800, 1500]}).to_csv(shop.root / "suppliers.csv", index=False)
    usual = catalogue(n_skus, seed)["rate"].to_numpy() * 1.5  # units a day: lines x their mean quantity
    snapshot = end + timedelta(days=1)
    pd.DataFrame({"sku": skus["sku"], "location": "own", "on_hand": np.round(usual * rng.uniform(0, 40, len(skus))).astype(int),
                  "snapshot_date": snapshot.isoformat()}).to_csv(shop.root / "inventory.csv", index=False)
    double_days = [d for d in pd.date_range(end - timedelta(days=days - 1), end + timedelta(days=90)) if d.month == d.day]
    pd.DataFrame({"campaign_id": [f"DOUBLE-{d:%Y-%m-%d}" for d in double_days], "type": "mega_sale",
                  "start": [f"{d:%Y-%m-%d} 00:00" for d in double_days], "end": [f"{d:%Y-%m-%d} 23:59" for d in double_days],
                  "skus": "all"}).to_csv(shop.root / "campaigns.csv", index=False)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--skus", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--generic", action="store_true", help="write the generic sku/date/units table")
    args = parser.parse_args(argv)
    print(write_export(args.out, args.skus, args.days, args.seed, generic=args.generic))
    return 0


if __name__ == "__main__":
    sys.exit(main())
