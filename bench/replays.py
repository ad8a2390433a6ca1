"""The data sets the policies are replayed on (bench/simulate_policies.py), each split in two: a
*tuning* half on which constants may be chosen and a *confirmation* half they never saw (issue 17).

* ``sample``: the sample shop's generator (data/generate.py) with its true (uncensored) demand, campaign
  calendar, supplier lead times, MOQ and case packs, through planner.simulate.shop_replay as `restock
  simulate` replays a shop. Split by generator seed: tuning 7, confirmation 3.
* ``uci``: UCI Online Retail II (lumpy wholesale demand, Britain): units of non-cancelled invoices per
  StockCode and day; SKUs that sold on 20+ days of the first 180 days and again after them; lead time 14
  days; a unit valued at its median price. Split by SKU (SPLIT_SEED), both halves replaying 2010-05-30 ..
  2010-12-09.
* ``rossmann``: Rossmann stores 101+ (fast, smooth, promotion-driven, Germany), each store a "SKU" whose
  units are its daily customers, valued at the store's median sales per customer; its planned ``Promo``
  runs are flash-sale campaigns (known in advance, as a seller's calendar is); stores with days missing
  from the file left out (a half-year gap in 2014 is not demand). Lead times are simulated: each store
  draws one of three suppliers (3 +- 1, 7 +- 2, 14 +- 3 days) from a fixed seed. Split by store
  (SPLIT_SEED); both halves replay the last 180 days (2015-02-01 .. 07-31) after 760 days of history.

Each replay carries the market its forecast should use (``MARKETS``): the country's holidays and the
mega-sale days of that market, as a shop's ``market`` in shop.toml gives them to `restock run`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from planner.io.inputs import Inputs  # noqa: E402
from planner.plan import PlanSettings  # noqa: E402
from planner.simulate import Replay, daily_demand_matrix, shop_replay  # noqa: E402

# the shared data beside the repository; RESTOCK_SHARED_DATA points elsewhere (e.g. from a git worktree)
SHARED_DATA = Path(os.environ.get("RESTOCK_SHARED_DATA", ROOT.parent / "shared" / "data"))
UCI = SHARED_DATA / "online_retail" / "online_retail_II_2009-12_2010-12_raw.parquet"
ROSSMANN = SHARED_DATA / "rossmann" / "train_stores_101plus.csv"
#: the market of each data set's forecast (holidays, mega-sale days); the sample shop is Thai
MARKETS = {"sample": "TH", "uci": "GB", "rossmann": "DE"}
SPLITS = ("all", "tuning", "confirmation")
SPLIT_SEED = 20100530
SAMPLE_SEEDS = {"tuning": 7, "confirmation": 3}


def split_half(eligible: np.ndarray, split: str) -> np.ndarray:
    """``eligible`` (sorted) in a fixed shuffle (SPLIT_SEED), cut in half: "tuning" the first, "confirmation"
    the second, "all" every one."""
    if split == "all":
        return eligible
    shuffled = eligible[np.random.default_rng(SPLIT_SEED).permutation(len(eligible))]
    half = len(shuffled) // 2
    return np.sort(shuffled[:half] if split == "tuning" else shuffled[half:])


#: the UCI replay's splits, by SKU: the eligible SKUs (sorted) in a fixed shuffle (SPLIT_SEED, not --seed),
#: the first half "tuning", the second "confirmation"; both replay the same months (2010-05-30 ..
#: 2010-12-09 after 180 days of history, with the autumn ramp), so a constant chosen on the tuning SKUs is
#: judged on SKUs it never saw under the same season. "all": any eligible SKU (the earlier figures).
#: (Until this split the splits were by month: "tuning" replayed 2010-03-01 .. 05-31 after 90 days of
#: history holding the Christmas gap, its calibration cold (7 windows) and its baselines at 73-77 % fill
#: at their highest knob; "confirmation" replayed 2010-06-01 on, the months "all" had been tuned on.)


def uci_lines(path: Path = UCI) -> pd.DataFrame:
    """UCI's order lines that are demand for a product: not cancelled (invoice 'C...'), positive quantity
    and price, a product code (not POST, DOT, M, BANK CHARGES ...); with ``sku`` and the order's ``date``."""
    lines = pd.read_parquet(path, columns=["Invoice", "StockCode", "Quantity", "InvoiceDate", "Price"])
    lines = lines[~lines["Invoice"].astype(str).str.startswith("C") & (lines["Quantity"] > 0) & (lines["Price"] > 0)]
    lines = lines[lines["StockCode"].astype(str).str.match(r"^\d")]
    return lines.assign(sku=lines["StockCode"].astype(str), date=pd.to_datetime(lines["InvoiceDate"]).dt.normalize())


def uci_daily(lines: pd.DataFrame) -> pd.DataFrame:
    """Units per SKU and day of ``uci_lines``."""
    return lines.groupby(["sku", "date"], as_index=False)["Quantity"].sum().rename(columns={"Quantity": "units"})


def uci_replay(n_skus: int, seed: int, history_days: int = 180, last_day: str | None = None,
               split: str = "all") -> Replay:
    lines = uci_lines()
    daily = uci_daily(lines)
    # established SKUs: sold on 20+ days of the history window (launching a product is not replenishment)
    cutoff = daily["date"].min() + pd.Timedelta(days=history_days)
    days_sold = daily[daily["date"] < cutoff].groupby("sku").size()
    sold_later = set(daily.loc[daily["date"] >= cutoff, "sku"])
    eligible = np.sort([s for s in days_sold[days_sold >= 20].index if s in sold_later])
    eligible = split_half(eligible, split)
    chosen = np.random.default_rng(seed).choice(eligible, size=min(n_skus, len(eligible)), replace=False)
    skus, demand, dates = daily_demand_matrix(daily[daily["sku"].isin(chosen)], end=last_day)
    price = lines[lines["sku"].isin(chosen)].groupby("sku")["Price"].median().reindex(skus).to_numpy()
    n = len(skus)
    return Replay(skus=skus, dates=dates, demand=demand, unit_value=price, margin=price,
                  lead_time_days=np.full(n, 14.0), start=history_days, seed=seed)


def sample_replay(seed: int = 7) -> Replay:
    """The generator's true demand (no stockouts) as a shop history, replayed by planner.simulate.shop_replay."""
    sys.path.insert(0, str(ROOT / "data"))
    from generate import generate_shop

    shop = generate_shop(150, seed=seed, order_lines=False)
    skus = shop.products["sku"].astype(str).to_numpy()
    history = pd.DataFrame({"sku": np.repeat(skus, len(shop.dates)), "date": np.tile(pd.DatetimeIndex(shop.dates), len(skus)),
                            "units": shop.demand_matrix.T.reshape(-1).astype(float), "censored": False})
    empty = pd.DataFrame()
    inputs = Inputs(campaigns=shop.campaigns, inventory=empty, purchase_orders=empty, products=shop.products,
                    suppliers=shop.suppliers, bundles=shop.bundles)
    return shop_replay(history, inputs, PlanSettings(), start_days=365, seed=seed)


#: Rossmann's simulated suppliers: (mean, sd) lead time in days; each store draws one (ROSSMANN_SUPPLIER_SEED)
ROSSMANN_SUPPLIERS = {"near": (3.0, 1.0), "regional": (7.0, 2.0), "import": (14.0, 3.0)}
ROSSMANN_SUPPLIER_SEED = 2015
ROSSMANN_REPLAY_DAYS = 180


def rossmann_replay(split: str = "all", seed: int = 0) -> Replay:
    """Rossmann stores as a fast, smooth, promotion-driven catalogue (module docstring), through
    planner.simulate.shop_replay."""
    raw = pd.read_csv(ROSSMANN, usecols=["Store", "Date", "Sales", "Customers", "Open", "Promo"],
                      dtype={"Store": int}, parse_dates=["Date"])
    n_days = raw["Date"].nunique()
    complete = raw.groupby("Store")["Date"].nunique()
    stores = split_half(np.sort(complete[complete == n_days].index.to_numpy()), split)
    raw = raw[raw["Store"].isin(stores)].assign(sku=lambda f: "store-" + f["Store"].astype(str))
    history = pd.DataFrame({"sku": raw["sku"], "date": raw["Date"], "units": raw["Customers"].astype(float),
                            "censored": False})
    open_days = raw[(raw["Open"] == 1) & (raw["Customers"] > 0)]
    value = (open_days["Sales"] / open_days["Customers"]).groupby(open_days["sku"]).median()
    skus = np.sort(raw["sku"].unique())
    names = list(ROSSMANN_SUPPLIERS)
    drawn = np.random.default_rng(ROSSMANN_SUPPLIER_SEED).integers(len(names), size=len(skus))
    products = pd.DataFrame({"sku": skus, "name": skus, "category": "store", "unit_cost": value.reindex(skus).to_numpy(),
                             "price": value.reindex(skus).to_numpy(), "supplier": [names[i] for i in drawn]})
    suppliers = pd.DataFrame({"supplier": names, "lead_time_days": [m for m, _ in ROSSMANN_SUPPLIERS.values()],
                              "lead_time_sd_days": [s for _, s in ROSSMANN_SUPPLIERS.values()],
                              "moq": 1, "case_pack": 1, "transit_days": 0})
    empty = pd.DataFrame()
    inputs = Inputs(campaigns=_promo_campaigns(raw), inventory=empty, purchase_orders=empty, products=products,
                    suppliers=suppliers, bundles=empty)
    return shop_replay(history, inputs, PlanSettings(), start_days=n_days - ROSSMANN_REPLAY_DAYS, seed=seed)


def _promo_campaigns(raw: pd.DataFrame) -> pd.DataFrame:
    """Each run of consecutive promo days as one flash-sale campaign featuring the stores on promo then."""
    days = raw[raw["Promo"] == 1].groupby("Date")["sku"].apply(lambda s: ";".join(sorted(s)))
    run = (days.index.to_series().diff() != pd.Timedelta(days=1)).cumsum()
    rows = []
    for _, part in days.groupby(run.to_numpy()):
        rows.append({"campaign_id": f"PROMO-{part.index[0]:%Y-%m-%d}", "type": "flash_sale",
                     "start": part.index[0], "end": part.index[-1] + pd.Timedelta(hours=23, minutes=59),
                     "skus": part.iloc[0], "expected_viewers": np.nan, "daily_budget": np.nan, "discount_pct": np.nan})
    return pd.DataFrame(rows)
