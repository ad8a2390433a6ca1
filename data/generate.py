"""Seeded generator of a believable TikTok Shop seller: the bundled sample shop and benchmark data.

    python data/generate.py --out data/sample_shop --skus 150 --seed 7      # the committed sample shop
    python data/generate.py --generic bench/out/demand_10k.parquet --skus 10000   # a scale benchmark

Same seed, same bytes: nothing depends on the wall clock, the machine or the locale.

The true (uncensored) daily demand model
----------------------------------------
For SKU ``s`` on day ``d`` (``t`` = years before the last day of history, so ``t <= 0``)::

    mu[s, d]     = base[s] * exp(growth[s] * t) * weekday[dow(d)] * alive[s, d] * lift[s, d]
    demand[s, d] ~ Poisson(mu[s, d] * G[s, d]),   G ~ Gamma(shape=4, scale=1/4)   (negative binomial)

- ``base``: units a day at the end of history, log-normal; 30 % of SKUs are a long tail selling a unit a
  week or less; a few best sellers sell several a day. Scaled to about 22 order lines a day for 150
  SKUs (spikes of 100+ on mega-sales), so that the committed exports stay under 10 MB.
- ``growth``: a per-SKU trend, N(0.1, 0.35) a year.
- ``weekday``: the weekly rhythm, Monday 0.92 .. Saturday 1.10.
- ``alive``: 0 before the SKU's launch (new launches have weeks to months of history; sales ramp up
  linearly over their first 14 days) and after it fell out of favour (a few SKUs die months before
  the end and keep their stock: clearance candidates, or are discontinued).
- ``lift``: the campaign calendar (campaigns.csv), multiplied where campaigns overlap:
    * livestreams lift their featured SKUs on the day: own ``3 + 2U`` fold, creator
      ``1 + 4 sqrt(expected_viewers / 20,000)`` fold (about 5x at 20k viewers, 17x at 300k); the day
      before 0.85 (buyers wait for it), the two days after 0.7 and 0.85 (hangover);
    * ads lift their SKUs by ``1 + 0.3 sqrt(daily_budget / 1,000)`` for the campaign's weeks;
    * flash sales (a category, a few hours) lift it 1.8x on the day;
    * mega-sales lift every SKU on the day (11.11 4x, 12.12 3.5x, 9.9 and 10.10 2.5x, Black Friday 2x,
      Valentine's 1.8x, beauty 2.6x) and pull demand forward: 0.9, 0.8, 0.7 on the three days before,
      0.85 the day after.

Stock and what is observed
--------------------------
Stock is simulated day by day (vectorised over SKUs): sales = min(demand, stock). Every Monday the
seller reorders a SKU without an open purchase order when its stock is at or below
``rate * (lead time + 7) * cover`` (``rate`` a biased estimate of the trend level, campaigns ignored;
``cover`` ~ U(0.6, 1.4) per SKU, so some SKUs run out often), ordering ``max(MOQ, rate * cycle)`` rounded
up to the case pack. Lead times are drawn from the supplier's terms, with a 5 % chance of a 1-3 week
delay. On the last day the seller also orders ahead for SKUs featured in the next six weeks' campaigns
that hold less than two months of stock (those become open purchase orders). Livestreams can sell out
mid-session. Kits (bundles.csv) are assembled from their components' stock when sold (kits first,
then single units); components belong to at most one kit.

``sales`` holds the observed units and ``censored`` (the SKU was out of stock at some point that day);
``true_demand`` the uncensored units. The TikTok order lines split the observed units into lines (mostly
of one unit) grouped into orders, and add cancellations before shipping (not demand: unpaid orders
auto-cancelled, buyers who changed their mind) on top. Lines cancelled after shipping (delivery
failed) and returns (Sku Quantity of return) are demand whose units came back.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

_ROOT = Path(__file__).resolve().parent.parent
if str(_ROOT) not in sys.path:  # run as a script from anywhere: import the status words of the reader
    sys.path.insert(0, str(_ROOT))
from planner.io.tiktok_status import STATUS_WORDS  # noqa: E402

MARKET, CURRENCY, TIMEZONE = "TH", "THB", "Asia/Bangkok"
PLANNED_DAYS = 99  # campaigns are planned up to here after the last day of history (2027-02-28)
ORDER_LINES_MAX_SKUS = 2_000  # above this, order lines are skipped unless asked for
_EXPORT_DELAY = pd.Timedelta(hours=33)  # an export is made the morning (09:00) after its last day

TIKTOK_COLUMNS = (
    "Order ID", "Order Status", "Order Substatus", "Cancelation/Return Type", "Normal or Pre-order",
    "SKU ID", "Seller SKU", "Product Name", "Variation", "Quantity", "Sku Quantity of return",
    "SKU Unit Original Price", "SKU Subtotal Before Discount", "SKU Platform Discount",
    "SKU Seller Discount", "SKU Subtotal After Discount", "Shipping Fee After Discount",
    "Original Shipping Fee", "Shipping Fee Seller Discount", "Shipping Fee Platform Discount",
    "Payment platform discount", "Taxes", "Order Amount", "Order Refund Amount", "Created Time",
    "Paid Time", "RTS Time", "Shipped Time", "Delivered Time", "Cancelled Time", "Cancel By",
    "Cancel Reason", "Fulfillment Type", "Warehouse Name", "Tracking ID", "Delivery Option",
    "Shipping Provider Name", "Buyer Message", "Buyer Username", "Recipient", "Phone #", "Country",
    "State/Province", "City", "Zipcode", "Detail Address", "Additional address information",
    "Payment Method", "Weight(kg)", "Product Category", "Package ID", "Seller Note", "Checked Status",
    "Checked Marked by",
)
_TIME_COLUMNS = ("Created Time", "Paid Time", "RTS Time", "Shipped Time", "Delivered Time", "Cancelled Time")
_ID_COLUMNS = ("Order ID", "SKU ID", "Tracking ID", "Package ID")

# --------------------------------------------------------------------------------------------------
# Catalogue: stem, Thai name, English name, Chinese name (gadgets), list price, weight kg, variations
_CATALOGUE = {
    "beauty": [
        ("SERUM", "เซรั่มวิตามินซี", "Vitamin C Serum", None, 249, 0.08, ("15ml", "30ml")),
        ("TONER", "โทนเนอร์กุหลาบ", "Rose Toner", None, 199, 0.15, ("100ml", "200ml")),
        ("SUNSCREEN", "กันแดด SPF50 PA++++", "Sunscreen SPF50", None, 299, 0.07, ("30ml", "50ml")),
        ("CLEANSER", "โฟมล้างหน้าชาเขียว", "Green Tea Cleanser", None, 159, 0.14, ("120ml",)),
        ("MASK", "มาสก์หน้าข้าว", "Rice Sheet Mask", None, 39, 0.03, ("1 แผ่น", "10 แผ่น")),
        ("LIPTINT", "ลิปทินท์", "Velvet Lip Tint", None, 129, 0.02, ("#01", "#02", "#05")),
        ("CREAM", "ครีมบำรุงผิวหน้า", "Night Repair Cream", None, 349, 0.09, ("50g",)),
        ("HAIROIL", "น้ำมันบำรุงผม", "Argan Hair Oil", None, 229, 0.12, ("100ml",)),
        ("LOTION", "โลชั่นบำรุงผิวกาย", "Body Lotion", None, 189, 0.45, ("400ml",)),
        ("SOAP", "สบู่สมุนไพร", "Herbal Soap", None, 59, 0.10, ("100g", "แพ็ค 3")),
        ("CUSHION", "คุชชั่นฟาวเดชั่น", "Cushion Foundation", None, 399, 0.06, ("N21", "N23")),
    ],
    "home": [
        ("PILLOW", "หมอนยางพารา", "Latex Pillow", None, 590, 1.2, ("มาตรฐาน",)),
        ("BOX", "กล่องเก็บของพับได้", "Foldable Storage Box", None, 149, 0.6, ("S", "L")),
        ("TOWEL", "ผ้าขนหนูไมโครไฟเบอร์", "Microfiber Towel", None, 99, 0.2, ("ฟ้า", "เทา")),
        ("DIFFUSER", "ก้านไม้หอมปรับอากาศ", "Reed Diffuser", None, 259, 0.35, ("ลาเวนเดอร์", "มะลิ")),
        ("TUMBLER", "แก้วเก็บความเย็น", "Tumbler", None, 329, 0.4, ("600ml", "900ml")),
        ("HANGER", "ไม้แขวนเสื้อกันลื่น", "Non-slip Hangers", None, 119, 0.5, ("10 ชิ้น",)),
        ("MOP", "ไม้ถูพื้นแบบรีดน้ำ", "Spin Mop", None, 399, 1.5, ("ชุด",)),
        ("CANDLE", "เทียนหอม", "Scented Candle", None, 189, 0.3, ("วานิลลา", "ซีดาร์")),
        ("SHEET", "ผ้าปูที่นอน", "Bed Sheet Set", None, 690, 1.1, ("5 ฟุต", "6 ฟุต")),
    ],
    "gadgets": [
        ("EARBUDS", "หูฟังบลูทูธ", "Wireless Earbuds", "无线蓝牙耳机 TWS", 490, 0.15, ("ขาว", "ดำ")),
        ("CABLE", "สายชาร์จ USB-C", "USB-C Cable", "USB-C 快充数据线", 89, 0.05, ("1m", "2m")),
        ("POWERBANK", "พาวเวอร์แบงค์", "Power Bank 10000mAh", "充电宝 10000mAh", 459, 0.25, ("ขาว",)),
        ("FAN", "พัดลมพกพา", "Mini Handheld Fan", "手持小风扇", 199, 0.2, ("ชมพู", "เขียว")),
        ("NIGHTLIGHT", "โคมไฟ LED", "LED Night Light", "LED 小夜灯", 159, 0.15, ("วอร์ม",)),
        ("STAND", "ขาตั้งมือถือ", "Phone Stand", "手机支架", 99, 0.12, ("เงิน",)),
        ("RINGLIGHT", "ไฟไลฟ์สด Ring Light", "LED Ring Light", "直播补光灯", 390, 0.7, ('10"', '12"')),
        ("WATCH", "สมาร์ทวอทช์", "Smart Watch", "智能手表", 890, 0.2, ("ดำ", "ชมพู")),
        ("MOUSE", "เมาส์ไร้สาย", "Wireless Mouse", "无线鼠标", 259, 0.1, ("ดำ",)),
        ("CHARGER", "หัวชาร์จเร็ว 20W", "20W Fast Charger", "20W 快充充电器", 229, 0.08, ("US",)),
    ],
}
_CATEGORY_SHARE = {"beauty": 0.45, "home": 0.30, "gadgets": 0.25}
_TIKTOK_CATEGORY = {"beauty": "Beauty & Personal Care", "home": "Home Supplies", "gadgets": "Phones & Electronics"}
_FBT_SHARE = {"beauty": 0.5, "home": 0.2, "gadgets": 0.5}
_KITS = [
    ("beauty", "ชุดของขวัญ Glow Kit (เซรั่ม+โทนเนอร์+ครีม)"),
    ("home", "Cozy Home Set (เทียนหอม+ก้านไม้หอม)"),
    ("gadgets", "ชุดไลฟ์สด Creator Kit 直播套装"),
]

# supplier, categories, lead time mean/sd/min/max, ordering cost, transit to FBT, MOQ, case pack
_SUPPLIERS = [
    ("GZ Cosmetics", ("beauty",), 30, 6, None, None, 1500, 3, 48, 12),
    ("Bangkok Beauty Lab", ("beauty",), 10, 2, None, None, 500, 1, 12, 6),
    ("Shenzhen Gadget Hub", ("gadgets",), 35, None, 25, 45, 2500, 3, 40, 10),
    ("Siam Home Supply", ("home",), 7, 2, None, None, 300, 1, 6, 2),
    ("Yiwu Homeware Trading", ("home", "gadgets"), 28, 7, None, None, 1800, 3, 36, 6),
]

_WEEKDAY = np.array([0.92, 0.94, 0.96, 0.98, 1.04, 1.10, 1.06])
_HOUR_WEIGHTS = np.array(
    [3, 2, 1, 0.5, 0.3, 0.3, 0.6, 1, 1.5, 2, 2.5, 3, 4, 3.5, 3, 3, 3, 3.5, 4.5, 6, 8, 9, 8, 5], dtype=float,
)
_CREATORS = ("@nongmint.review", "@beautybyfah", "@gadgetguy.th", "@homehack.bkk", "@pimmy.live", "@techtalk.ton")

# fake buyers: obviously made up, never real people
_FIRST_NAMES = ("Somchai", "Somsak", "Malee", "Nok", "Ploy", "Arthit", "Kanya", "Niran", "Pim", "Tawan", "Fah", "Ton")
_PROVINCES = (
    ("กรุงเทพมหานคร", ("บางนา", "จตุจักร", "บางกะปิ", "สาทร"), "10"),
    ("นนทบุรี", ("เมือง", "ปากเกร็ด"), "11"),
    ("เชียงใหม่", ("เมือง", "สันทราย"), "50"),
    ("ขอนแก่น", ("เมือง",), "40"),
    ("ชลบุรี", ("เมือง", "บางละมุง"), "20"),
    ("ภูเก็ต", ("เมือง", "กะทู้"), "83"),
    ("นครราชสีมา", ("เมือง",), "30"),
    ("สงขลา", ("หาดใหญ่",), "90"),
)
_PAYMENT_METHODS = ("Cash on delivery", "TrueMoney Wallet", "Credit/debit card", "Mobile banking", "PromptPay")
_CARRIERS = (("Flash Express", "TH"), ("J&T Express", "JT"), ("Kerry Express", "KEX"), ("Thailand Post", "EF"))
_WAREHOUSES = {"fbt": "FBT Bang Na", "own": "Nonthaburi WH"}
_THREE_PL = "Bangkok 3PL (Lat Krabang)"


@dataclass
class ShopData:
    """One generated shop. The tables are frames with the columns of docs/inputs.md; ``order_lines``
    has the 55 TikTok columns (as text, as the export made the morning after the last day shows them;
    None when not built); ``true_demand`` and ``sales`` (``sku`` categorical) are built on first use
    from the day x SKU matrices, so that 100k SKUs fit in memory."""

    products: pd.DataFrame
    suppliers: pd.DataFrame
    bundles: pd.DataFrame
    campaigns: pd.DataFrame
    inventory: pd.DataFrame
    purchase_orders: pd.DataFrame
    order_lines: pd.DataFrame | None  # the 55 TikTok columns as an export made the morning after `end`
    order_events: pd.DataFrame | None = field(repr=False)  # per line: quantities, prices and event times
    dates: pd.DatetimeIndex
    demand_matrix: np.ndarray = field(repr=False)  # days x SKUs, uncensored units
    sales_matrix: np.ndarray = field(repr=False)  # days x SKUs, observed units
    stockout_matrix: np.ndarray = field(repr=False)  # days x SKUs, out of stock at some point that day
    discount_matrix: np.ndarray = field(repr=False)  # days x SKUs, seller discount in percent
    launch_day: np.ndarray = field(repr=False)  # index of each SKU's first sellable day

    @property
    def skus(self) -> pd.Index:
        return pd.Index(self.products["sku"])

    def _long(self, matrix: np.ndarray, name: str) -> pd.DataFrame:
        days = matrix.shape[0]
        live = np.arange(days)[None, :] >= self.launch_day[:, None]  # SKUs x days
        sku_idx, day_idx = np.nonzero(live)  # sorted by SKU, then date
        frame = pd.DataFrame({
            "sku": pd.Categorical.from_codes(sku_idx, categories=self.skus),
            "date": self.dates[day_idx],
            name: matrix[day_idx, sku_idx],
        })
        return frame

    @cached_property
    def true_demand(self) -> pd.DataFrame:
        """sku, date, units: the uncensored demand, one row per SKU and day from its launch."""
        return self._long(self.demand_matrix, "units")

    @cached_property
    def sales(self) -> pd.DataFrame:
        """sku, date, units, censored: what the shop sold; censored when it ran out that day."""
        frame = self._long(self.sales_matrix, "units")
        codes = frame["sku"].cat.codes.to_numpy()
        day_idx = self.dates.get_indexer(frame["date"])
        frame["censored"] = self.stockout_matrix[day_idx, codes]
        return frame


# --------------------------------------------------------------------------------------------------
# Products, suppliers, kits


def _products(rng: np.random.Generator, n_skus: int) -> pd.DataFrame:
    n_kits = max(2, round(n_skus / 75)) if n_skus >= 20 else 0
    n_single = n_skus - n_kits
    cats = list(_CATEGORY_SHARE)
    category = rng.choice(cats, size=n_single, p=list(_CATEGORY_SHARE.values()))
    width = max(3, len(str(n_skus)))
    rows = []
    for i, cat in enumerate(category):
        entries = _CATALOGUE[cat]
        stem, thai, english, chinese, price, weight, variations = entries[rng.integers(len(entries))]
        variation = variations[rng.integers(len(variations))]
        roll = rng.random()
        if chinese and roll < 0.35:
            name = chinese
        elif roll < 0.7:
            name = thai
        else:
            name = english
        price = max(19, int(round(price * rng.uniform(0.8, 1.3) / 10) * 10 - 1))
        rows.append({
            "sku": f"{cat[:3].upper()}-{stem}-{i + 1:0{width}d}", "name": f"{name} {variation}",
            "variation": variation, "category": cat, "price": float(price),
            "unit_cost": float(round(price * rng.uniform(0.25, 0.45), 2)), "weight_kg": weight,
        })
    for k in range(n_kits):
        cat, name = _KITS[k % len(_KITS)]
        rows.append({
            "sku": f"KIT-{cat[:3].upper()}-{k + 1:0{width}d}", "name": name, "variation": "ชุด",
            "category": cat, "price": 0.0, "unit_cost": 0.0, "weight_kg": 0.0,
        })
    products = pd.DataFrame(rows)
    products["is_kit"] = products["sku"].str.startswith("KIT-")

    supplier = []
    for cat in products["category"]:
        options = [s[0] for s in _SUPPLIERS if cat in s[1]]
        supplier.append(options[rng.integers(len(options))])
    products["supplier"] = supplier
    terms = {s[0]: s for s in _SUPPLIERS}
    moq = np.array([terms[s][8] for s in supplier]) * rng.choice([0.25, 0.5, 1, 2], size=len(products))
    products["case_pack"] = [terms[s][9] for s in supplier]
    products["moq"] = np.maximum(products["case_pack"], (moq // products["case_pack"]) * products["case_pack"]).astype(int)
    products["ordering_cost"] = np.nan
    fbt = rng.random(len(products)) < products["category"].map(_FBT_SHARE).to_numpy()
    products["fulfillment"] = np.where(fbt, "fbt", "own")
    # a few SKUs with their own lead time (a slower factory line, air freight)
    lt = np.full(len(products), np.nan)
    lt_sd = np.full(len(products), np.nan)
    special = rng.random(len(products)) < 0.08
    lt[special] = rng.integers(12, 46, size=special.sum())
    lt_sd[special] = np.round(lt[special] * 0.2, 1)
    products["lead_time_days"] = lt
    products["lead_time_sd_days"] = lt_sd
    products["status"] = "active"
    return products


def _kits(rng: np.random.Generator, products: pd.DataFrame) -> pd.DataFrame:
    """Each kit takes 2-3 components of its category; a component belongs to one kit only."""
    used = np.zeros(len(products), dtype=bool)
    rows = []
    category = products["category"].to_numpy()
    singles = np.flatnonzero(~products["is_kit"].to_numpy())
    for kit in products.index[products["is_kit"]]:
        cat = products.at[kit, "category"]
        pool = singles[(category[singles] == cat) & ~used[singles]]
        take = rng.choice(pool, size=min(len(pool), int(rng.integers(2, 4))), replace=False)
        for comp in sorted(take):
            used[comp] = True
            rows.append({"bundle_sku": products.at[kit, "sku"], "component_sku": products.at[comp, "sku"],
                         "quantity": int(rng.choice([1, 1, 2])), "_kit": kit, "_comp": int(comp)})
        comps = [r for r in rows if r["_kit"] == kit]
        price = sum(products.at[r["_comp"], "price"] * r["quantity"] for r in comps)
        products.at[kit, "price"] = float(int(price * 0.85 / 10) * 10 - 1)
        products.at[kit, "unit_cost"] = float(sum(products.at[r["_comp"], "unit_cost"] * r["quantity"] for r in comps))
        products.at[kit, "weight_kg"] = float(sum(products.at[r["_comp"], "weight_kg"] * r["quantity"] for r in comps))
        first = comps[0]["_comp"]
        products.at[kit, "supplier"] = products.at[first, "supplier"]
        products.at[kit, "fulfillment"] = products.at[first, "fulfillment"]
        for r in comps:  # a kit ships from where its components are
            products.at[r["_comp"], "fulfillment"] = products.at[first, "fulfillment"]
    return pd.DataFrame(rows, columns=["bundle_sku", "component_sku", "quantity", "_kit", "_comp"])


def _suppliers() -> pd.DataFrame:
    rows = []
    for name, _cats, lt, sd, lo, hi, cost, transit, moq, case in _SUPPLIERS:
        rows.append({
            "supplier": name, "lead_time_days": lt, "lead_time_sd_days": sd, "lead_time_min_days": lo,
            "lead_time_max_days": hi, "ordering_cost": cost, "transit_days": transit, "moq": moq, "case_pack": case,
        })
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------------
# Campaign calendar


def _mega_sales(first: date, last: date) -> list[tuple[str, date, float, float]]:
    """(name, day, lift, discount) of every mega-sale between first and last."""
    out = []
    for year in range(first.year, last.year + 1):
        nov1 = date(year, 11, 1)
        thanksgiving = nov1 + timedelta(days=(3 - nov1.weekday()) % 7 + 21)
        days = [
            ("VALENTINE", date(year, 2, 14), 1.8, 15), ("9.9", date(year, 9, 9), 2.5, 15),
            ("10.10", date(year, 10, 10), 2.5, 15), ("11.11", date(year, 11, 11), 4.0, 25),
            ("BLACKFRIDAY", thanksgiving + timedelta(days=1), 2.0, 20), ("12.12", date(year, 12, 12), 3.5, 20),
        ]
        out += [(n, d, lift, disc) for n, d, lift, disc in days if first <= d <= last]
    return sorted(out, key=lambda r: r[1])


def _campaigns(rng: np.random.Generator, products: pd.DataFrame, base: np.ndarray,
               first: date, end: date) -> tuple[pd.DataFrame, list[dict]]:
    """The calendar (campaigns.csv) and, for campaigns inside the history, their effect on demand."""
    last = end + timedelta(days=PLANNED_DAYS)
    sellable = np.flatnonzero(~products["is_kit"].to_numpy())
    weights = base[sellable] / base[sellable].sum()
    rows: list[dict] = []
    effects: list[dict] = []

    def featured(k: int, category: str | None = None) -> np.ndarray:
        pool, w = sellable, weights
        if category is not None:
            mask = products["category"].to_numpy()[sellable] == category
            pool, w = sellable[mask], weights[mask] / weights[mask].sum()
        return np.sort(rng.choice(pool, size=min(k, len(pool)), replace=False, p=w))

    def add(cid, ctype, start, stop, skus, effect=None, **extra):
        if isinstance(skus, str):
            sku_text = skus
        else:
            sku_text = ";".join(products["sku"].to_numpy()[skus])
        rows.append({"campaign_id": cid, "type": ctype, "start": start, "end": stop, "skus": sku_text, **extra})
        if effect is not None and start.date() <= end:
            effects.append({"type": ctype, "start": start, "end": stop, **effect})

    for name, day, lift, disc in _mega_sales(first, last):
        start = datetime.combine(day, datetime.min.time())
        add(f"MEGA-{name}-{day.year}", "mega_sale", start, start + timedelta(hours=23, minutes=59), "all",
            {"skus": None, "lift": lift, "discount": disc, "beauty_lift": 2.6 if name == "VALENTINE" else lift},
            discount_pct=disc)

    n_weeks = ((last - first).days + 1) // 7
    planned_start = end + timedelta(days=1)
    for w in range(n_weeks):
        week = first + timedelta(days=7 * w)
        # own livestream: most weeks, 2-4 hours on a weekday evening
        if rng.random() < 0.7:
            day = week + timedelta(days=int(rng.integers(0, 7)))
            start = datetime.combine(day, datetime.min.time()) + timedelta(hours=int(rng.integers(19, 21)))
            hours = int(rng.integers(2, 5))
            skus = featured(int(rng.integers(3, 7)))
            viewers = int(rng.integers(20, 150)) * 100
            disc = int(rng.choice([10, 15, 20]))
            add(f"LIVE-OWN-{day:%Y-%m-%d}", "livestream_own", start, start + timedelta(hours=hours), skus,
                {"skus": skus, "lift": 3 + 2 * rng.random(), "discount": disc},
                creator="@mintandco.th", expected_viewers=viewers, discount_pct=disc)
        # creator livestream: about one a month, larger; the planned window holds the big December and
        # January ones (mid-month)
        creator_week = rng.random() < 0.25
        mid_month = week.day <= 15 < week.day + 7 and week >= planned_start
        if creator_week or mid_month:
            day = date(week.year, week.month, 15) if mid_month else week + timedelta(days=int(rng.integers(0, 7)))
            big = mid_month and week.month in (12, 1)
            viewers = 250_000 if big else int(rng.integers(20, 200)) * 1000
            creator = _CREATORS[int(rng.integers(len(_CREATORS)))]
            start = datetime.combine(day, datetime.min.time()) + timedelta(hours=20)
            skus = featured(int(rng.integers(2, 6)), str(rng.choice(list(_CATEGORY_SHARE))))
            disc = int(rng.choice([15, 20, 25, 30]))
            extra = {"reserved_units": 300, "location": "fbt"} if big else {}
            add(f"LIVE-CR-{day:%Y-%m-%d}", "livestream_creator", start, start + timedelta(hours=int(rng.integers(3, 5))),
                skus, {"skus": skus, "lift": 1 + 4 * np.sqrt(viewers / 20_000), "discount": disc},
                creator=creator, expected_viewers=viewers, discount_pct=disc, **extra)
        # ads: a few weeks, every month or so
        if rng.random() < (0.45 if week >= planned_start else 0.22):
            start = datetime.combine(week, datetime.min.time())
            weeks = int(rng.integers(2, 5))
            budget = int(rng.integers(5, 50)) * 100
            skus = featured(int(rng.integers(1, 5)))
            add(f"AD-{week:%Y-%m-%d}", "ad", start, start + timedelta(days=7 * weeks, minutes=-1), skus,
                {"skus": skus, "lift": 1 + 0.3 * np.sqrt(budget / 1000), "discount": 0},
                daily_budget=budget)
        # flash sales on a category, a few hours
        if rng.random() < 0.08:
            day = week + timedelta(days=int(rng.integers(0, 7)))
            cat = str(rng.choice(list(_CATEGORY_SHARE)))
            start = datetime.combine(day, datetime.min.time()) + timedelta(hours=12)
            mask = (products["category"].to_numpy() == cat) & ~products["is_kit"].to_numpy()
            add(f"FLASH-{cat.upper()}-{day:%Y-%m-%d}", "flash_sale", start, start + timedelta(hours=3),
                f"category:{cat}", {"skus": np.flatnonzero(mask), "lift": 1.8, "discount": 30}, discount_pct=30)

    columns = ["campaign_id", "type", "start", "end", "skus", "creator", "expected_viewers", "daily_budget",
               "discount_pct", "reserved_units", "location"]
    frame = pd.DataFrame(rows, columns=columns)
    frame = frame[(frame["start"].dt.date >= first) & (frame["start"].dt.date <= last)]
    frame = frame.sort_values(["start", "campaign_id"], kind="stable").reset_index(drop=True)
    for col in ("start", "end"):
        frame[col] = frame[col].dt.strftime("%Y-%m-%d %H:%M")
    for col in ("expected_viewers", "daily_budget", "discount_pct", "reserved_units"):
        frame[col] = frame[col].astype("Int64")
    return frame, effects


# --------------------------------------------------------------------------------------------------
# Demand


def _apply_campaigns(lift: np.ndarray, discount: np.ndarray, effects: list[dict], products: pd.DataFrame,
                     first: date) -> dict[tuple[int, int], tuple[int, int, float]]:
    """Multiply the campaigns' lifts into `lift` (days x SKUs) in place; return the livestream windows
    (day, sku) -> (start minute, end minute, share of the day's units sold during the live)."""
    days = lift.shape[0]
    beauty = products["category"].to_numpy() == "beauty"
    windows: dict[tuple[int, int], tuple[int, int, float]] = {}

    def day_index(ts: datetime) -> int:
        return (ts.date() - first).days

    for e in effects:
        d0, d1 = day_index(e["start"]), day_index(e["end"])
        cols = slice(None) if e["skus"] is None else e["skus"]

        def scale(d: int, factor, cols=cols):
            if 0 <= d < days:
                lift[d, cols] *= factor

        if e["type"] == "mega_sale":
            factor = np.where(beauty, e["beauty_lift"], e["lift"]).astype(lift.dtype)
            scale(d0, factor)
            for back, f in ((1, 0.7), (2, 0.8), (3, 0.9)):
                scale(d0 - back, f)
            scale(d0 + 1, 0.85)
        elif e["type"].startswith("livestream"):
            scale(d0 - 1, 0.85)
            scale(d0, e["lift"])
            scale(d0 + 1, 0.7)
            scale(d0 + 2, 0.85)
            start_min = e["start"].hour * 60 + e["start"].minute
            end_min = min(24 * 60 - 1, start_min + int((e["end"] - e["start"]).total_seconds() // 60))
            for s in e["skus"]:
                windows[(d0, int(s))] = (start_min, end_min, 1 - 1 / e["lift"])
        else:  # ad (weeks) or flash sale (the day)
            for d in range(d0, d1 + 1):
                scale(d, e["lift"])
        if e["discount"]:
            for d in range(d0, d1 + 1):
                if 0 <= d < days:
                    discount[d, cols] = np.maximum(discount[d, cols], e["discount"])
    return windows


def _draw_demand(rng: np.random.Generator, mu: np.ndarray, chunk: int = 4096) -> np.ndarray:
    """Poisson-gamma draws of a days x SKUs mean matrix, a block of SKUs at a time (bounded memory)."""
    out = np.empty(mu.shape, dtype=np.int32)
    for lo in range(0, mu.shape[1], chunk):
        block = mu[:, lo:lo + chunk].astype(np.float64)
        out[:, lo:lo + chunk] = rng.poisson(block * rng.gamma(4.0, 0.25, size=block.shape))
    return out


# --------------------------------------------------------------------------------------------------
# Stock


def _round_up(qty: np.ndarray, case_pack: np.ndarray) -> np.ndarray:
    return (np.ceil(qty / case_pack) * case_pack).astype(np.int64)


def _simulate_stock(rng, demand, level, alive, products, kits, lead_mean, lead_sd, lead_min, forced):
    """Day-by-day stock, vectorised over SKUs. Returns sales, stockout flags, end stock, open orders."""
    days, n = demand.shape
    is_kit = products["is_kit"].to_numpy()
    case_pack = products["case_pack"].to_numpy().astype(float)
    moq = products["moq"].to_numpy().astype(float)
    bias = np.exp(rng.normal(0, 0.25, n))
    cover = rng.uniform(0.6, 1.4, n)
    cycle = rng.uniform(30, 60, n)
    kit_idx = kits["_kit"].to_numpy(dtype=np.int64)
    comp_idx = kits["_comp"].to_numpy(dtype=np.int64)
    comp_qty = kits["quantity"].to_numpy(dtype=np.int64)

    stock = np.zeros(n, dtype=np.int64)
    start_alive = alive(0)
    stock[start_alive] = _round_up(level(0)[start_alive] * rng.uniform(10, 60, start_alive.sum()),
                                   case_pack[start_alive])
    arrival = np.full(n, -1, dtype=np.int64)  # day the open order arrives
    open_qty = np.zeros(n, dtype=np.int64)
    order_day = np.full(n, -1, dtype=np.int64)
    sales = np.zeros((days, n), dtype=np.int32)
    stockout = np.zeros((days, n), dtype=bool)
    mondays = forced["mondays"]
    for d in range(days):
        if d in forced["arrivals"]:
            idx, qty = forced["arrivals"][d]
            stock[idx] += qty
        due = arrival == d
        stock[due] += open_qty[due]
        arrival[due], open_qty[due] = -1, 0

        want = demand[d]
        sold = np.zeros(n, dtype=np.int64)
        if len(kit_idx):  # kits first, from their components' stock
            can = stock[comp_idx] // comp_qty
            kits_possible = np.full(n, np.iinfo(np.int64).max)
            np.minimum.at(kits_possible, kit_idx, can)
            kit_sold = np.minimum(want[kit_idx], kits_possible[kit_idx])
            stock[comp_idx] -= kit_sold * comp_qty
            sold[kit_idx] = kit_sold
            stockout[d, kit_idx] = kit_sold < want[kit_idx]
            stockout[d, np.unique(kit_idx[kits_possible[kit_idx] == 0])] = True
        single = ~is_kit
        got = np.minimum(want, stock)
        sold[single] = got[single]
        stock[single] -= got[single]
        stockout[d, single] = ((want > got) | (stock == 0))[single]
        sales[d] = sold

        if mondays[d]:
            rate = level(d) * bias
            if len(kit_idx):  # components also feed their kits
                np.add.at(rate, comp_idx, rate[kit_idx] * comp_qty)
            rop = rate * (lead_mean + 7) * cover
            reorder = alive(d) & ~is_kit & (arrival < 0) & (stock <= rop) & (rate > 0)
            if reorder.any():
                idx = np.flatnonzero(reorder)
                lt = np.maximum(lead_min[idx], np.round(rng.normal(lead_mean[idx], lead_sd[idx])))
                late = rng.random(len(idx)) < 0.05
                lt = lt + late * rng.integers(7, 22, len(idx))
                arrival[idx] = d + lt.astype(np.int64)
                open_qty[idx] = _round_up(np.maximum(moq[idx], rate[idx] * cycle[idx]), case_pack[idx])
                order_day[idx] = d
    return sales, stockout, stock, arrival, open_qty, order_day


# --------------------------------------------------------------------------------------------------
# The shop


def generate_shop(n_skus: int = 150, end: date = date(2026, 11, 21), days: int = 730, seed: int = 7,
                  order_lines: bool | None = None) -> ShopData:
    """Generate a shop: catalogue, suppliers, kits, campaign calendar, two years of demand and stock.

    Parameters
    ----------
    n_skus : SKUs including kits (about one kit per 75 SKUs).
    end : last day of history; the inventory snapshot is dated the day after.
    days : days of history, ending on `end`.
    seed : everything follows from it.
    order_lines : build the TikTok order lines; default only up to 2,000 SKUs (benchmarks at 10k and
        100k SKUs need the demand, not the exports).

    Returns
    -------
    ShopData, the same for the same arguments.
    """
    rng = np.random.default_rng(seed)
    first = end - timedelta(days=days - 1)
    dates = pd.date_range(first, end, freq="D")
    products = _products(rng, n_skus)
    kits = _kits(rng, products)
    n = len(products)
    is_kit = products["is_kit"].to_numpy()

    # base level at the end of history: 30 % long tail (a unit a week or less), the rest log-normal,
    # scaled so that 150 SKUs make about 40 order lines a day
    tail = rng.random(n) < 0.3
    base = np.where(tail, rng.uniform(0.03, 0.14, n), rng.lognormal(0, 1.2, n))
    base[is_kit] = rng.uniform(0.3, 1.0, is_kit.sum())
    base[~tail] *= 26.5 * (n / 150) / base[~tail].sum()
    growth = np.clip(rng.normal(0.1, 0.35, n), -0.9, 1.2)

    launch = np.full(n, -1, dtype=np.int64)
    roll = rng.random(n)
    mid = (roll >= 0.70) & (roll < 0.88)
    recent = roll >= 0.88
    launch[mid] = rng.integers(30, max(31, days - 120), mid.sum())
    launch[recent] = days - rng.integers(7, 121, recent.sum())
    launch = np.clip(launch, -1, days - 7)
    launch[is_kit] = np.maximum(launch[is_kit], 0)
    comp_launch = pd.Series(launch[kits["_comp"]]).groupby(kits["_kit"].to_numpy()).max()
    launch[comp_launch.index] = np.maximum(launch[comp_launch.index], comp_launch.to_numpy())
    # some SKUs fall out of favour months before the end: clearance candidates keep their last big
    # delivery, discontinued ones do not
    death = np.full(n, days + 1, dtype=np.int64)
    dies = (launch < 0) & ~is_kit & (rng.random(n) < 0.07) & ~np.isin(np.arange(n), kits["_comp"])
    death[dies] = rng.integers(days - 300, days - 90, dies.sum())
    discontinued = dies & (rng.random(n) < 0.4)
    products.loc[discontinued, "status"] = "discontinued"

    t_years = (np.arange(days) - (days - 1)) / 365.0

    def level(d: int) -> np.ndarray:
        ramp = np.clip((d - launch + 1) / 14.0, 0, 1)
        return base * np.exp(growth * t_years[d]) * ramp * ((d >= launch) & (d < death))

    def alive(d: int) -> np.ndarray:
        return (d >= launch) & (d < death)

    day_idx = np.arange(days)[:, None]
    ramp = np.clip((day_idx - launch[None, :] + 1) / 14.0, 0, 1).astype(np.float32)
    mu = (base[None, :] * np.exp(growth[None, :] * t_years[:, None])).astype(np.float32)
    mu *= ramp
    mu *= ((day_idx >= launch[None, :]) & (day_idx < death[None, :]))
    mu *= _WEEKDAY[dates.day_of_week.to_numpy()][:, None].astype(np.float32)
    del ramp

    campaigns, effects = _campaigns(rng, products, base, first, end)
    discount = np.zeros((days, n), dtype=np.uint8)
    windows = _apply_campaigns(mu, discount, effects, products, first)
    demand = _draw_demand(rng, mu)
    del mu

    terms = _suppliers().set_index("supplier")
    sup = terms.loc[products["supplier"]]
    lead_mean = products["lead_time_days"].fillna(pd.Series(sup["lead_time_days"].to_numpy())).to_numpy(float)
    spread = ((sup["lead_time_max_days"] - sup["lead_time_min_days"]) / 4).to_numpy(float)
    lead_sd = np.where(np.isnan(sup["lead_time_sd_days"].to_numpy(float)), spread, sup["lead_time_sd_days"].to_numpy(float))
    lead_sd = np.where(products["lead_time_sd_days"].notna(), products["lead_time_sd_days"], lead_sd)
    lead_min = np.maximum(3, np.round(lead_mean - 2 * lead_sd))

    arrivals: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def schedule(day_array, idx, qty):
        for d in np.unique(day_array):
            sel = day_array == d
            old = arrivals.get(int(d), (np.empty(0, np.int64), np.empty(0, np.int64)))
            arrivals[int(d)] = (np.concatenate([old[0], idx[sel]]), np.concatenate([old[1], qty[sel]]))

    case_pack = products["case_pack"].to_numpy(float)
    launched = np.flatnonzero((launch >= 0) & ~is_kit)
    launch_level = base[launched] * np.exp(growth[launched] * t_years[launch[launched]])
    schedule(launch[launched], launched, _round_up(np.maximum(products["moq"].to_numpy()[launched],
                                                              launch_level * 45), case_pack[launched]))
    clearance = np.flatnonzero(dies & ~discontinued)
    last_level = base[clearance] * np.exp(growth[clearance] * t_years[death[clearance]])
    schedule(death[clearance] - rng.integers(5, 25, len(clearance)), clearance,
             _round_up(np.maximum(last_level * 150, 60), case_pack[clearance]))
    forced = {"arrivals": arrivals, "mondays": dates.day_of_week.to_numpy() == 0}

    sales, stockout, stock, arrival, open_qty, order_day = _simulate_stock(
        rng, demand, level, alive, products, kits, lead_mean, lead_sd, lead_min, forced)
    stockout &= np.arange(days)[:, None] >= np.maximum(launch, 0)[None, :]
    stockout &= np.arange(days)[:, None] < death[None, :]

    inventory = _inventory(rng, products, stock, level(days - 1), campaigns, end)
    # the week before the snapshot the seller also ordered ahead for the campaigns of the next six
    # weeks: featured SKUs without an open order and with less than two months of stock
    soon = campaigns[(campaigns["start"] > end.isoformat()) & (campaigns["start"] <= (end + timedelta(days=45)).isoformat())
                     & ~campaigns["skus"].str.contains(":|^all$", regex=True)]
    featured = np.isin(products["sku"].to_numpy(), [s for skus in soon["skus"] for s in skus.split(";")])
    rate = level(days - 1)
    ahead = featured & (arrival < 0) & (stock < rate * 60) & (rate > 0) & ~is_kit
    arrival, open_qty, order_day = arrival.copy(), open_qty.copy(), order_day.copy()
    arrival[ahead], order_day[ahead] = days - 1 + np.round(lead_mean[ahead]).astype(np.int64), days - 1
    open_qty[ahead] = _round_up(np.maximum(products["moq"].to_numpy()[ahead], rate[ahead] * 45), case_pack[ahead])
    purchase_orders = _purchase_orders(products, arrival, open_qty, order_day, lead_mean, dates, end)
    if order_lines is None:
        order_lines = n <= ORDER_LINES_MAX_SKUS
    events = _order_lines(rng, products, demand, sales, discount, windows, effects, dates) if order_lines else None
    lines = None
    if events is not None:
        lines = _export_frame(events, pd.Timestamp(end) + _EXPORT_DELAY, thai=False, us_times=False, tab="")
        lines = lines.reset_index(drop=True)

    product_columns = ["sku", "name", "category", "unit_cost", "price", "supplier", "lead_time_days",
                       "lead_time_sd_days", "moq", "case_pack", "ordering_cost", "fulfillment", "status"]
    return ShopData(
        products=products[product_columns].copy(), suppliers=_suppliers(),
        bundles=kits[["bundle_sku", "component_sku", "quantity"]].copy(), campaigns=campaigns,
        inventory=inventory, purchase_orders=purchase_orders, order_lines=lines, order_events=events, dates=dates,
        demand_matrix=demand, sales_matrix=sales, stockout_matrix=stockout, discount_matrix=discount,
        launch_day=np.maximum(launch, 0),
    )


def _inventory(rng, products, stock, rate, campaigns, end: date) -> pd.DataFrame:
    """Snapshot the morning after `end`: the simulated stock at each SKU's selling location, plus own
    back stock of some FBT SKUs, units on their way to FBT, and a 3PL holding overflow."""
    reserved_for: dict[str, int] = {}
    planned = campaigns[campaigns["reserved_units"].notna()]
    for skus, units in zip(planned["skus"], planned["reserved_units"]):
        for sku in skus.split(";"):
            reserved_for[sku] = reserved_for.get(sku, 0) + int(units) // len(skus.split(";"))
    keep = ~products["is_kit"].to_numpy()  # kits are assembled from components when sold
    sku = products["sku"].to_numpy()[keep]
    loc = products["fulfillment"].to_numpy()[keep]
    case = products["case_pack"].to_numpy()[keep].astype(np.int64)
    on_hand = stock[keep].astype(np.int64)
    rate = rate[keep]
    n = len(sku)
    fbt = loc == "fbt"
    wanted = pd.Series(sku).map(reserved_for).fillna(0).to_numpy(np.int64)
    reserved = np.where(fbt, np.minimum(on_hand // 2, wanted), 0)
    unfulfillable = np.where((rng.random(n) < 0.05) & (on_hand > 10), rng.integers(1, 6, n), 0)
    in_transit = np.where(fbt & (rng.random(n) < 0.15) & (rate > 0), _round_up(rate * 10, case), 0)
    back = fbt & (rng.random(n) < 0.4)
    overflow = ~fbt & (products["category"].to_numpy()[keep] == "gadgets") & (rng.random(n) < 0.4)
    zeros = np.zeros(n, dtype=np.int64)
    parts = [
        pd.DataFrame({"sku": sku, "location": loc, "on_hand": on_hand, "reserved": reserved,
                      "unfulfillable": unfulfillable, "in_transit": in_transit, "location_type": loc, "_k": 0}),
        pd.DataFrame({"sku": sku, "location": "own", "on_hand": case * rng.integers(0, 3, n), "reserved": zeros,
                      "unfulfillable": zeros, "in_transit": zeros, "location_type": "own", "_k": 1})[back],
        pd.DataFrame({"sku": sku, "location": _THREE_PL, "on_hand": case * rng.integers(1, 5, n),
                      "reserved": zeros, "unfulfillable": zeros, "in_transit": zeros, "location_type": "3pl",
                      "_k": 2})[overflow],
    ]
    frame = pd.concat(parts)
    frame["_i"] = frame.index
    frame = frame.sort_values(["_i", "_k"], kind="stable").drop(columns=["_i", "_k"]).reset_index(drop=True)
    frame.insert(6, "backorders", 0)
    frame.insert(7, "snapshot_date", (end + timedelta(days=1)).isoformat())
    return frame


def _purchase_orders(products, arrival, open_qty, order_day, lead_mean, dates, end: date) -> pd.DataFrame:
    """Open orders at the end of history, with the arrival the seller expects (order day + mean lead
    time; at the earliest tomorrow when the supplier is late)."""
    idx = np.flatnonzero(arrival >= 0)
    expected = [
        max(dates[order_day[i]].date() + timedelta(days=int(round(lead_mean[i]))), end + timedelta(days=1))
        for i in idx
    ]
    frame = pd.DataFrame({
        "sku": products["sku"].to_numpy()[idx], "quantity": open_qty[idx],
        "expected_arrival": [d.isoformat() for d in expected], "location": "own",
        "supplier": products["supplier"].to_numpy()[idx], "_ordered": order_day[idx],
    })
    frame = frame.sort_values(["_ordered", "supplier", "sku"], kind="stable").reset_index(drop=True)
    # one PO per supplier and order day, numbered in order
    key = frame["_ordered"].astype(str) + frame["supplier"]
    number = pd.factorize(key)[0] + 1042
    frame.insert(0, "po_id", [f"PO-{k}" for k in number])
    return frame.drop(columns="_ordered")


# --------------------------------------------------------------------------------------------------
# TikTok order lines


def _order_lines(rng, products, demand, sales, discount, windows, effects, dates) -> pd.DataFrame:
    """One row per order SKU line: the observed units split into lines and orders, with the events
    (paid, shipped, delivered, cancelled, returned) as timestamps; statuses are set per export."""
    n = sales.shape[1]
    day_idx, sku_idx = np.nonzero(sales)
    units = sales[day_idx, sku_idx].astype(np.int64)
    # units -> lines: a unit joins the previous line of its cell with probability 0.2 (1-3 unit lines)
    cell = np.repeat(np.arange(len(units)), units)
    first_of_cell = np.r_[True, cell[1:] != cell[:-1]]
    joins = (rng.random(len(cell)) < 0.2) & ~first_of_cell
    line_of_unit = np.cumsum(~joins) - 1
    qty = np.bincount(line_of_unit)
    line_cell = cell[~joins]
    l_day, l_sku = day_idx[line_cell], sku_idx[line_cell]

    # minute of the day: the evening-heavy daily profile; livestream units inside the live window
    # (squeezed to the part before the sell-out), a midnight rush on mega-sale days
    minute = rng.choice(24, size=len(qty), p=_HOUR_WEIGHTS / _HOUR_WEIGHTS.sum()) * 60 + rng.integers(0, 60, len(qty))
    if windows:
        keys = np.array(list(windows.keys()))
        vals = np.array(list(windows.values()))
        lookup = pd.Series(np.arange(len(keys)), index=pd.MultiIndex.from_arrays([keys[:, 0], keys[:, 1]]))
        hit = lookup.reindex(pd.MultiIndex.from_arrays([l_day, l_sku])).to_numpy()
        on = ~np.isnan(hit)
        w = vals[hit[on].astype(int)]
        in_live = rng.random(on.sum()) < w[:, 2]
        length = (w[:, 1] - w[:, 0]).astype(float)
        # a session that sold out ended early for this SKU
        live_lines = np.flatnonzero(on)
        wanted = demand[l_day[live_lines], l_sku[live_lines]]
        got = sales[l_day[live_lines], l_sku[live_lines]]
        sold_share = np.clip(got / np.maximum(wanted, 1), 0.2, 1.0)
        live_minute = w[:, 0] + rng.random(on.sum()) * length * sold_share
        m = minute[on]
        m[in_live] = live_minute[in_live].astype(int)
        minute[on] = m
    mega_days = {(e["start"].date() - dates[0].date()).days for e in effects if e["type"] == "mega_sale"}
    rush = np.isin(l_day, list(mega_days)) & (rng.random(len(qty)) < 0.3)
    minute[rush] = rng.integers(0, 120, rush.sum())
    seconds = minute * 60 + rng.integers(0, 60, len(qty))

    # extra lines cancelled before shipping (not demand), about 5 % of lines
    n_extra = int(len(qty) * 0.05)
    pick = rng.integers(0, len(qty), n_extra)
    x_day, x_sku = l_day[pick], l_sku[pick]
    x_seconds = rng.integers(0, 86_400, n_extra)
    kind = np.r_[np.zeros(len(qty), dtype=np.int8), np.ones(n_extra, dtype=np.int8)]  # 1 = cancelled early
    l_day = np.r_[l_day, x_day]
    l_sku = np.r_[l_sku, x_sku]
    qty = np.r_[qty, np.ones(n_extra, dtype=np.int64)]
    seconds = np.r_[seconds, x_seconds]

    # group lines into orders: by time within the day, a line starts a new order with p = 0.85;
    # early-cancelled lines are orders of their own
    order = np.lexsort((seconds, l_day))
    l_day, l_sku, qty, seconds, kind = l_day[order], l_sku[order], qty[order], seconds[order], kind[order]
    new_day = np.r_[True, l_day[1:] != l_day[:-1]]
    new_order = new_day | (rng.random(len(qty)) < 0.85) | (kind == 1) | np.r_[True, kind[:-1] == 1]
    order_no = np.cumsum(new_order) - 1
    n_orders = order_no[-1] + 1
    order_first = np.flatnonzero(new_order)
    order_seconds = seconds[order_first]
    seconds = order_seconds[order_no]

    created = dates[l_day].to_numpy() + seconds.astype("timedelta64[s]")
    o_kind = kind[order_first]  # per order: 0 sold, 1 cancelled before shipping
    o_rng = rng.random(n_orders)
    day_end = dates[l_day[order_first]].to_numpy() + np.timedelta64(86_399, "s")
    o_created = created[order_first]
    pay_delay = rng.integers(20, 1_800, n_orders).astype("timedelta64[s]")
    o_paid = np.minimum(o_created + pay_delay, day_end)
    unpaid_cancel = (o_kind == 1) & (o_rng < 0.6)
    o_paid = np.where(unpaid_cancel, np.datetime64("NaT"), o_paid)
    o_rts = o_paid + rng.integers(2, 24, n_orders).astype("timedelta64[h]")
    o_shipped = o_rts + rng.integers(4, 30, n_orders).astype("timedelta64[h]")
    o_delivered = o_shipped + rng.integers(24, 96, n_orders).astype("timedelta64[h]")
    o_cancelled = np.full(n_orders, np.datetime64("NaT"), dtype="datetime64[s]")
    cancel_by = np.full(n_orders, "", dtype=object)
    cancel_reason = np.full(n_orders, "", dtype=object)
    # cancelled before shipping
    o_cancelled[unpaid_cancel] = o_created[unpaid_cancel] + np.timedelta64(24, "h")
    cancel_by[unpaid_cancel], cancel_reason[unpaid_cancel] = "System", "Payment overdue"
    buyer_cancel = (o_kind == 1) & ~unpaid_cancel
    o_cancelled[buyer_cancel] = o_paid[buyer_cancel] + rng.integers(10, 600, buyer_cancel.sum()).astype("timedelta64[m]")
    cancel_by[buyer_cancel] = "Buyer"
    cancel_reason[buyer_cancel] = rng.choice(["Change of mind", "Ordered by mistake", "Found a better price"],
                                             buyer_cancel.sum())
    for arr in (o_rts, o_shipped, o_delivered):
        arr[o_kind == 1] = np.datetime64("NaT")
    # cancelled after shipping: delivery failed, the parcel comes back (1.5 % of sold orders)
    failed = (o_kind == 0) & (o_rng < 0.015)
    o_cancelled[failed] = o_shipped[failed] + rng.integers(48, 120, failed.sum()).astype("timedelta64[h]")
    o_delivered[failed] = np.datetime64("NaT")
    cancel_by[failed] = "Logistics"
    cancel_reason[failed] = rng.choice(["Package delivery failed", "Buyer refused delivery"], failed.sum())

    frame = pd.DataFrame({"_order": order_no, "_day": l_day, "_sku": l_sku, "quantity": qty})
    for name, arr in (("created", o_created), ("paid", o_paid), ("rts", o_rts), ("shipped", o_shipped),
                      ("delivered", o_delivered), ("cancelled", o_cancelled)):
        frame[name] = pd.to_datetime(arr[order_no])
    frame["cancel_by"] = cancel_by[order_no]
    frame["cancel_reason"] = cancel_reason[order_no]
    frame["cancel_type"] = np.where(frame["cancelled"].notna(), "Cancel", "")
    frame["returned"] = np.where(failed[order_no], frame["quantity"], 0)
    # returns: 3 % of delivered lines (gadgets 5 %), some of the units, within a week of delivery
    cat = products["category"].to_numpy()[l_sku]
    p_return = np.where(cat == "gadgets", 0.05, 0.03)
    returns = frame["delivered"].notna().to_numpy() & (rng.random(len(frame)) < p_return)
    frame["return_time"] = pd.NaT
    frame.loc[returns, "return_time"] = frame.loc[returns, "delivered"] + pd.to_timedelta(
        rng.integers(1, 8, returns.sum()), unit="D")
    frame.loc[returns, "returned"] = np.ceil(frame.loc[returns, "quantity"] * rng.uniform(0.3, 1, returns.sum()))
    frame["returned"] = frame["returned"].astype(np.int64)
    frame["return_type"] = np.where(returns, "Return/Refund", "")

    # money
    price = products["price"].to_numpy()[l_sku]
    disc = discount[l_day, l_sku].astype(float) / 100
    mega = np.isin(l_day, list(mega_days))
    frame["unit_price"] = price
    frame["subtotal_before"] = price * qty
    frame["seller_discount"] = np.round(price * qty * disc, 2)
    frame["platform_discount"] = np.where(mega, np.round(price * qty * 0.05, 2), 0.0)
    frame["subtotal_after"] = frame["subtotal_before"] - frame["seller_discount"] - frame["platform_discount"]
    o_ship_fee = rng.choice([30.0, 35.0, 40.0, 45.0], n_orders)
    o_goods = np.bincount(order_no, weights=frame["subtotal_after"].to_numpy(), minlength=n_orders)
    free = o_goods >= 299
    frame["original_shipping"] = o_ship_fee[order_no]
    frame["shipping_seller_discount"] = np.where(free, o_ship_fee * 0.5, 0.0)[order_no]
    frame["shipping_platform_discount"] = np.where(free, o_ship_fee * 0.5, 0.0)[order_no]
    frame["shipping_after"] = np.where(free, 0.0, o_ship_fee)[order_no]
    frame["order_amount"] = (o_goods + np.where(free, 0.0, o_ship_fee))[order_no]

    # who and where: fake buyers, one per order
    sku_ids = 1729_000_000_000_000_000 + np.arange(n, dtype=np.int64) * 7_919 + 1_000
    order_ids = 576_400_000_000_000_000 + np.cumsum(rng.integers(1_000, 90_000, n_orders)).astype(np.int64)
    prov = rng.integers(len(_PROVINCES), size=n_orders)
    frame["order_id"] = order_ids[order_no].astype(str)
    frame["sku_id"] = sku_ids[l_sku].astype(str)
    frame["sku"] = products["sku"].to_numpy()[l_sku]
    frame["product_name"] = products["name"].to_numpy()[l_sku]
    frame["variation"] = products["variation"].to_numpy()[l_sku]
    frame["fulfillment"] = products["fulfillment"].to_numpy()[l_sku]
    frame["weight"] = products["weight_kg"].to_numpy()[l_sku] * qty
    frame["category"] = pd.Series(cat).map(_TIKTOK_CATEGORY).to_numpy()
    carrier = rng.integers(len(_CARRIERS), size=n_orders)
    frame["carrier"] = np.array([c[0] for c in _CARRIERS], dtype=object)[carrier][order_no]
    tracking = [f"{_CARRIERS[c][1]}{v:012d}" for c, v in zip(carrier, rng.integers(10**11, 10**12, n_orders))]
    frame["tracking"] = np.array(tracking, dtype=object)[order_no]
    frame["package_id"] = (order_ids + 1_317_000_000_000).astype(str)[order_no]
    frame["buyer"] = np.array([f"buyer_{v:04x}" for v in rng.integers(0, 16**4, n_orders)], dtype=object)[order_no]
    initials = rng.integers(0, 26, n_orders)
    names = rng.integers(len(_FIRST_NAMES), size=n_orders)
    frame["recipient"] = np.array([f"{_FIRST_NAMES[a]} {chr(65 + b)}." for a, b in zip(names, initials)],
                                  dtype=object)[order_no]
    phone = rng.integers(0, 10_000, n_orders)
    prefix = rng.integers(1, 10, n_orders)
    frame["phone"] = np.array([f"+66 8{a} 555 {b:04d}" for a, b in zip(prefix, phone)], dtype=object)[order_no]
    district = rng.integers(0, 4, n_orders)
    frame["province"] = np.array([p[0] for p in _PROVINCES], dtype=object)[prov][order_no]
    frame["city"] = np.array([_PROVINCES[p][1][k % len(_PROVINCES[p][1])] for p, k in zip(prov, district)],
                             dtype=object)[order_no]
    frame["zipcode"] = np.array([f"{_PROVINCES[p][2]}{k:03d}" for p, k in zip(prov, rng.integers(100, 200, n_orders))],
                                dtype=object)[order_no]
    house = rng.integers(1, 300, n_orders)
    frame["address"] = np.array([f"{h}/{h % 17 + 1} ถ.สมมติ" for h in house], dtype=object)[order_no]
    frame["payment"] = np.array(_PAYMENT_METHODS, dtype=object)[rng.integers(len(_PAYMENT_METHODS), size=n_orders)][order_no]
    frame["message"] = np.where(rng.random(n_orders) < 0.02, "ฝากวางหน้าบ้าน", "")[order_no]
    frame["pre_order"] = "Normal"
    return frame.drop(columns=["_order", "_day", "_sku"])


# --------------------------------------------------------------------------------------------------
# Writers

_SHOP_TOML = """\
# restock shop settings for the bundled sample shop (generated by data/generate.py; edit freely).

[shop]
name = "Mint & Co. (sample shop)"
market = "TH"                      # holidays and mega-sale calendar of this market
currency = "THB"                   # prices, costs and budgets in every table
timezone = "Asia/Bangkok"          # order timestamps are read in this time zone

[planning]
service_level = 0.95               # target for SKUs without a class below
service_measure = "fill_rate"      # share of demand served from stock
fill_rate_scope = "class"          # the fill rate over each class's units, at the least stock value ("sku": every SKU on its own)
campaign_service = 0.95           # a SKU in a campaign its order may cover (lead time at its 90th percentile): at least this cycle service (0: off)
review_period_days = 7             # how often you place orders
horizon_days = 90                  # how far ahead to forecast and plan
class_service_levels = { A = 0.98, B = 0.95, C = 0.90 }   # per ABC class (A = top revenue)

[lead_time]
default_days = 21                  # when neither the product nor its supplier says
default_sd_days = 4
fbt_receiving_days = 5             # FBT takes this long to receive an inbound shipment
receiving_buffer_days = 2          # own warehouse: unpack, check, shelve

[paths]                            # relative to this folder
campaigns = "campaigns.csv"
inventory = "inventory.csv"
purchase_orders = "purchase_orders.csv"
products = "products.csv"
suppliers = "suppliers.csv"
bundles = "bundles.csv"
inbox = "inbox"                    # drop TikTok Seller Center exports here
runs = "runs"
store = "restock.duckdb"
"""

# Seller Center's optional second row: a description of each column, not data
_DESCRIPTIONS = {
    "Order ID": "Platform unique order ID.", "Order Status": "Current status of the order.",
    "Seller SKU": "SKU code set by the seller.", "Quantity": "Number of units of this SKU in the order.",
    "Sku Quantity of return": "Units of this SKU returned or refunded.",
    "Created Time": "Time the order was placed.", "Paid Time": "Time the order was paid.",
    "Fulfillment Type": "Who fulfils the order.", "Phone #": "Recipient phone number (masked).",
}


_MONEY_COLUMNS = {  # export column -> order-event column
    "SKU Unit Original Price": "unit_price", "SKU Subtotal Before Discount": "subtotal_before",
    "SKU Platform Discount": "platform_discount", "SKU Seller Discount": "seller_discount",
    "SKU Subtotal After Discount": "subtotal_after", "Shipping Fee After Discount": "shipping_after",
    "Original Shipping Fee": "original_shipping", "Shipping Fee Seller Discount": "shipping_seller_discount",
    "Shipping Fee Platform Discount": "shipping_platform_discount", "Order Amount": "order_amount",
}


def _status_words(thai: bool) -> dict[str, tuple[str, str]]:
    """status -> (Order Status word, Order Substatus word) in the export's language."""
    def is_thai(word: str) -> bool:
        return any("\u0e00" <= ch <= "\u0e7f" for ch in word)

    out = {}
    for status, words in STATUS_WORDS.items():
        first_thai = next(i for i, w in enumerate(words) if is_thai(w))
        # the English words come first, then the Thai ones, then other languages
        pick = [w for w in words if is_thai(w)] if thai else list(words[:first_thai])
        out[status] = (pick[0], pick[1] if len(pick) > 1 else pick[0])
    return out


def _export_frame(lines: pd.DataFrame, cutoff: pd.Timestamp, thai: bool, us_times: bool,
                  tab: str = "\t") -> pd.DataFrame:
    """The 55 TikTok columns for `lines` as an export made at `cutoff` shows them: events after the
    cutoff are not known yet, statuses are those of the cutoff. `tab` ends ID and time cells."""
    known = {c: lines[c].where(lines[c] <= cutoff) for c in ("paid", "rts", "shipped", "delivered", "cancelled")}
    status = np.select(
        [known["cancelled"].notna(), known["delivered"].notna() & (known["delivered"] + pd.Timedelta(days=7) <= cutoff),
         known["delivered"].notna(), known["shipped"].notna(), known["paid"].notna()],
        ["cancelled", "completed", "delivered", "shipped", "to_ship"], default="unpaid",
    )
    words = _status_words(thai)
    returned_known = (lines["returned"] > 0) & (
        lines["return_time"].where(lines["return_time"] <= cutoff).notna() | known["cancelled"].notna())
    returned = np.where(returned_known, lines["returned"], 0)
    return_type = np.where(known["cancelled"].notna(), "Cancel", np.where(returned_known, lines["return_type"], ""))
    refund = np.where(known["cancelled"].notna() & (lines["returned"] == 0), lines["subtotal_after"],
                      np.round(lines["subtotal_after"] / lines["quantity"] * returned, 2))

    def when(series: pd.Series) -> pd.Series:
        if us_times:  # AM/PM spelled out here: %p follows the C library's locale
            text = series.dt.strftime("%m/%d/%Y %I:%M:%S ") + np.where(series.dt.hour < 12, "AM", "PM")
        else:
            text = series.dt.strftime("%d/%m/%Y %H:%M:%S")
        return (text + tab).fillna("")

    shipped_known = known["shipped"].notna()

    def money(values) -> pd.Series:
        return pd.Series(np.round(np.asarray(values, dtype=float), 2), index=lines.index).map("{:g}".format)

    out = {
        "Order ID": lines["order_id"] + tab,
        "Order Status": [words[s][0] for s in status],
        "Order Substatus": [words[s][1] for s in status],
        "Cancelation/Return Type": return_type,
        "Normal or Pre-order": lines["pre_order"],
        "SKU ID": lines["sku_id"] + tab,
        "Seller SKU": lines["sku"],
        "Product Name": lines["product_name"],
        "Variation": lines["variation"],
        "Quantity": lines["quantity"].astype(str),
        "Sku Quantity of return": pd.Series(returned, index=lines.index).astype(str),
        **{column: money(lines[name]) for column, name in _MONEY_COLUMNS.items()},
        "Payment platform discount": "0",
        "Taxes": "0",
        "Order Refund Amount": money(refund),
        "Created Time": when(lines["created"]),
        "Paid Time": when(known["paid"]),
        "RTS Time": when(known["rts"]),
        "Shipped Time": when(known["shipped"]),
        "Delivered Time": when(known["delivered"]),
        "Cancelled Time": when(known["cancelled"]),
        "Cancel By": np.where(known["cancelled"].notna(), lines["cancel_by"], ""),
        "Cancel Reason": np.where(known["cancelled"].notna(), lines["cancel_reason"], ""),
        "Fulfillment Type": np.where(lines["fulfillment"] == "fbt", "Fulfillment by TikTok", "Fulfillment by seller"),
        "Warehouse Name": lines["fulfillment"].map(_WAREHOUSES),
        "Tracking ID": np.where(shipped_known, lines["tracking"] + tab, ""),
        "Delivery Option": "Standard shipping",
        "Shipping Provider Name": np.where(shipped_known, lines["carrier"], ""),
        "Buyer Message": lines["message"],
        "Buyer Username": lines["buyer"],
        "Recipient": lines["recipient"],
        "Phone #": lines["phone"],
        "Country": "Thailand",
        "State/Province": lines["province"],
        "City": lines["city"],
        "Zipcode": lines["zipcode"],
        "Detail Address": lines["address"],
        "Additional address information": "",
        "Payment Method": lines["payment"],
        "Weight(kg)": lines["weight"].round(2).map("{:g}".format),
        "Product Category": lines["category"],
        "Package ID": np.where(known["paid"].notna(), lines["package_id"] + tab, ""),
        "Seller Note": "",
        "Checked Status": "",
        "Checked Marked by": "",
    }
    frame = pd.DataFrame(out, index=lines.index)
    return frame[list(TIKTOK_COLUMNS)].astype(str)


def _export_windows(first: date, end: date, export_days: int, step_days: int) -> list[tuple[date, date]]:
    """Overlapping export windows covering first..end, the newest ending on `end`."""
    windows = []
    stop = end
    while True:
        start = max(first, stop - timedelta(days=export_days - 1))
        windows.append((start, stop))
        if start <= first:
            break
        stop = stop - timedelta(days=step_days)
    return windows[::-1]


def _write_xlsx(frame: pd.DataFrame, path: Path, description_row: list[str] | None) -> None:
    """First sheet 'OrderSKUList', cells as text; zip entries and document times fixed (same bytes)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    workbook.properties.created = workbook.properties.modified = datetime(2026, 1, 1)
    workbook.properties.creator = "restock data/generate.py"
    sheet = workbook.create_sheet("OrderSKUList")
    sheet.append(list(frame.columns))
    if description_row is not None:
        sheet.append(description_row)
    for row in frame.itertuples(index=False, name=None):
        sheet.append([value or None for value in row])  # empty cells are left out, as Seller Center does
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2026, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time here
                data = re.sub(rb"<dcterms:modified([^>]*)>[^<]*<", rb"<dcterms:modified\1>2026-01-01T00:00:00Z<", data)
            dst.writestr(fixed, data)


def _csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def write_sample_shop(shop: ShopData, out_dir, export_days: int = 90, export_step_days: int = 75) -> list[Path]:
    """Write the shop folder: shop.toml, the tables (campaigns.csv: only what is planned, planned_campaigns),
    the TikTok order exports in inbox/, and in exports/ the LIVE, ads, affiliate and FBT downloads the past
    campaigns and stock show (write_campaign_exports, write_affiliate_fbt_exports).

    Exports cover `export_days` each and start every `export_step_days`, as a seller downloads them; each
    shows the statuses as of the morning after its last day. Their quirks rotate: UTF-8 BOM, a
    description row, US times (month first, 12 h) in two files, Thai statuses in every third file; the
    newest export is an XLSX workbook. Returns the paths written.
    """
    if shop.order_events is None:
        raise ValueError("this shop was generated without order lines: use generate_shop(order_lines=True)")
    out = Path(out_dir)
    inbox = out / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    for old in inbox.glob("orders_*"):
        old.unlink()
    written = []
    (out / "shop.toml").write_text(_SHOP_TOML, encoding="utf-8")
    written.append(out / "shop.toml")
    for name in ("products", "suppliers", "bundles", "inventory", "purchase_orders"):
        _csv(getattr(shop, name), out / f"{name}.csv")
        written.append(out / f"{name}.csv")
    # the past campaigns come from TikTok's files (exports/), as a seller's do; the hand calendar keeps
    # what is planned
    _csv(planned_campaigns(shop.campaigns, shop.dates[-1].date()), out / "campaigns.csv")
    written.append(out / "campaigns.csv")

    lines = shop.order_events
    created_day = lines["created"].dt.normalize()
    windows = _export_windows(shop.dates[0].date(), shop.dates[-1].date(), export_days, export_step_days)
    description = [_DESCRIPTIONS.get(c, "") for c in TIKTOK_COLUMNS]
    for k, (start, stop) in enumerate(windows):
        newest = k == len(windows) - 1
        cutoff = pd.Timestamp(stop) + _EXPORT_DELAY
        part = lines[(created_day >= pd.Timestamp(start)) & (created_day <= pd.Timestamp(stop))]
        frame = _export_frame(part, cutoff, thai=k % 3 == 1, us_times=k in (2, 5))
        path = inbox / f"orders_{start:%Y-%m-%d}_{stop:%Y-%m-%d}.{'xlsx' if newest else 'csv'}"
        with_description = k % 3 == 0 or newest
        if newest:
            _write_xlsx(frame, path, description if with_description else None)
        else:
            body = frame
            if with_description:
                body = pd.concat([pd.DataFrame([description], columns=frame.columns), frame], ignore_index=True)
            encoding = "utf-8-sig" if k % 2 == 0 else "utf-8"
            body.to_csv(path, index=False, lineterminator="\n", encoding=encoding)
        written.append(path)
    exports = out / "exports"
    for old in exports.glob("*"):  # what an earlier generator wrote there and this one no longer does
        old.unlink()
    written += write_campaign_exports(shop.campaigns, shop.dates[-1].date(), exports, lines=shop.order_events)
    written += write_affiliate_fbt_exports(shop, exports)
    return written


def planned_campaigns(campaigns: pd.DataFrame, last_day: date) -> pd.DataFrame:
    """The hand calendar a seller keeps: the campaigns of ``campaigns`` still to come after ``last_day``
    (the last day of history), and any running on it. Past ones are in the LIVE, ads and affiliate
    exports (write_campaign_exports, write_affiliate_fbt_exports)."""
    ends = pd.to_datetime(campaigns["end"]).dt.date
    return campaigns[ends >= last_day].reset_index(drop=True)


def write_affiliate_fbt_exports(shop: ShopData, out_dir, seed: int = 11, end: date | None = None) -> list[Path]:
    """Write what TikTok Shop would give the seller beside the order exports, from the simulated shop,
    into ``out_dir`` (the shop's exports/), as planner.io.affiliate / planner.io.fbt read them:

    * ``affiliate_orders.csv``: the Affiliate orders download: every order line sold during a past creator
      LIVE of its featured SKUs (content type LIVE, the creator, the LIVE's content ID), and about 2 % of
      the other lines through creators' showcases; commission 10 %. No buyer columns;
    * ``fbt_inventory.csv``: the FBT inventory list, a title row above the header: inventory.csv's fbt
      rows split over two warehouses (the totals are inventory.csv's);
    * ``fbt_inbound.csv``: the inbound requests of the last 180 days, every one received in full, FBT
      taking 3 to 7 days (5 on average, the shop's stated receiving time) from arrival to receipt.

    A random stream of its own (``seed``) draws them, so the rest of the sample shop is unchanged. ``end``:
    the last day the downloads cover (default the last day of history; earlier for a backtest's origin)."""
    rng = np.random.default_rng(seed)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    end = pd.Timestamp(end) if end is not None else shop.dates[-1]
    lines = shop.order_events
    lives = shop.campaigns[(shop.campaigns["type"] == "livestream_creator") & (pd.to_datetime(shop.campaigns["start"]).dt.normalize() <= end.normalize())]
    live_rows = []
    for k, row in enumerate(lives.itertuples(index=False)):
        start, stop = pd.Timestamp(row.start), pd.Timestamp(row.end)
        inside = lines[lines["sku"].isin(str(row.skus).split(";")) & lines["created"].between(start, stop)]
        live_rows.append(inside.assign(_creator=row.creator, _type="LIVE", _content=f"72{9100000 + k * 613}"))
    sold_live = pd.concat(live_rows) if live_rows else lines.iloc[:0]
    others = lines[~lines.index.isin(sold_live.index) & (lines["created"] <= end + pd.Timedelta(days=1))]
    showcase = others[rng.random(len(others)) < 0.02]
    showcase = showcase.assign(_creator=np.asarray(_CREATORS)[rng.integers(0, len(_CREATORS), len(showcase))],
                               _type="Showcase", _content="")
    orders = pd.concat([sold_live, showcase]).sort_values(["created", "order_id"], kind="stable")
    names = shop.products.set_index("sku")["name"]
    affiliate = pd.DataFrame({
        "Order ID": orders["order_id"], "Seller SKU": orders["sku"], "Product name": orders["sku"].map(names),
        "Quantity": orders["quantity"], "Creator username": orders["_creator"], "Content type": orders["_type"],
        "Content ID": orders["_content"], "Order created time": orders["created"].dt.strftime("%d/%m/%Y %H:%M:%S"),
        "Estimated commission": [f"฿{v:,.2f}" for v in orders["subtotal_after"] * 0.10],
    })
    _csv(affiliate, out / "affiliate_orders.csv")

    fbt = shop.inventory[shop.inventory["location"] == "fbt"]
    available = (fbt["on_hand"] - fbt["reserved"] - fbt["unfulfillable"]).to_numpy()
    first = available * 2 // 3
    zeros = np.zeros(len(fbt), dtype=np.int64)
    warehouses = pd.concat([
        pd.DataFrame({"Warehouse name": "TH-BKK-FBT-01", "Seller SKU": fbt["sku"].to_numpy(), "Available": first,
                      "Reserved": fbt["reserved"].to_numpy(), "Unfulfillable": fbt["unfulfillable"].to_numpy(),
                      "In transit": fbt["in_transit"].to_numpy(), "Date": fbt["snapshot_date"].to_numpy()}),
        pd.DataFrame({"Warehouse name": "TH-BKK-FBT-02", "Seller SKU": fbt["sku"].to_numpy(), "Available": available - first,
                      "Reserved": zeros, "Unfulfillable": zeros, "In transit": zeros,
                      "Date": fbt["snapshot_date"].to_numpy()}),
    ], ignore_index=True)
    with open(out / "fbt_inventory.csv", "w", encoding="utf-8-sig", newline="") as handle:
        handle.write(f"FBT inventory list,exported {end + pd.Timedelta(days=1):%Y-%m-%d}\n")
        warehouses.to_csv(handle, index=False, lineterminator="\n")

    skus = fbt["sku"].to_numpy()
    if len(skus) == 0:  # a shop without FBT SKUs: an inventory list with its header only, no requests
        skus, n = np.array(["-"]), 0
    else:
        n = 24
    case = shop.products.set_index("sku")["case_pack"].reindex(skus).fillna(1).astype(int).to_numpy()
    created = end.normalize() - pd.to_timedelta(np.sort(rng.integers(20, 180, n))[::-1], unit="D") \
        + pd.to_timedelta(rng.integers(8 * 60, 18 * 60, n), unit="min")
    shipped = created + pd.to_timedelta(rng.integers(12, 48, n), unit="h")
    arrived = shipped + pd.to_timedelta(rng.integers(36, 96, n), unit="h")
    received = arrived + pd.to_timedelta(rng.uniform(3, 7, n) * 24 * 60, unit="min").round("min")
    pick = rng.integers(0, len(skus), n)
    quantity = case[pick] * rng.integers(2, 8, n)
    inbound = pd.DataFrame({
        "Inbound request ID": [f"IBR{260000 + 37 * k}" for k in range(n)],
        "Inbound plan ID": [f"IP{8100 + k // 2}" for k in range(n)], "Seller SKU": skus[pick],
        "Warehouse": np.where(np.arange(n) % 2 == 0, "TH-BKK-FBT-01", "TH-BKK-FBT-02"),
        "Planned quantity": quantity, "Received quantity": quantity,
        **{label: times.strftime("%Y-%m-%d %H:%M") for label, times in (
            ("Created time", created), ("Shipped time", shipped), ("Arrival time", arrived), ("Received time", received))},
    })
    _csv(inbound, out / "fbt_inbound.csv")
    return [out / "affiliate_orders.csv", out / "fbt_inventory.csv", out / "fbt_inbound.csv"]


def write_generic(shop: ShopData, path, chunk_skus: int = 5_000) -> Path:
    """Write the observed sales as the generic long table (sku, date, units, location, price) in
    Parquet, a block of SKUs at a time. Only days with sales have a row; price is what buyers paid
    (list price less the day's seller discount)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    skus = shop.products["sku"].to_numpy()
    location = shop.products["fulfillment"].to_numpy()
    price = shop.products["price"].to_numpy()
    day_values = shop.dates.to_numpy().astype("datetime64[D]")
    schema = pa.schema([("sku", pa.string()), ("date", pa.date32()), ("units", pa.int32()),
                        ("location", pa.string()), ("price", pa.float64())])
    with pq.ParquetWriter(path, schema) as writer:
        for lo in range(0, len(skus), chunk_skus):
            block = shop.sales_matrix[:, lo:lo + chunk_skus]
            sku_idx, day_idx = np.nonzero(block.T)
            col = sku_idx + lo
            paid = price[col] * (1 - shop.discount_matrix[day_idx, col] / 100.0)
            table = pa.table({
                "sku": skus[col], "date": day_values[day_idx], "units": block[day_idx, sku_idx],
                "location": location[col], "price": np.round(paid, 2),
            }, schema=schema)
            writer.write_table(table)
    return path


def product_id_of(sku: str) -> str:
    """A stable TikTok-like Product ID for a SKU (the platform's IDs are not Seller SKUs)."""
    return f"17{zlib.crc32(sku.encode()) % 10**16:016d}"


def write_campaign_exports(campaigns: pd.DataFrame, end: date, out_dir, seed: int = 7,
                           lines: pd.DataFrame | None = None) -> list[Path]:
    """Write what TikTok Shop would give the seller for the past LIVE and ad campaigns of ``campaigns``
    (campaigns.csv as generate_shop makes it) into ``out_dir``, as planner.io.live / planner.io.ads read
    them:

    * ``live_sessions.csv``: LIVE Performance download, a title and a date range above the header, own
      (linked) and affiliate accounts, durations like ``2h 15min``, viewers within 15 % of the calendar's;
    * ``live_products.xlsx``: the per-product LIVE download, products by Product ID: every featured
      product, with the orders, items and GMV of the order lines (``lines``: ShopData.order_events)
      created during the LIVE (drawn when no lines are given), the sessions' totals their sums;
    * ``ads_daily.csv``: an Ads Manager custom report by day (spend within 10 % of the daily budget),
      ending with its ``Total`` row;
    * ``gmv_max_products.csv``: the GMV Max product report over the whole period (cost, orders (SKU),
      gross revenue, ROI) that says which products each ad campaign promotes;
    * ``product_ids.csv``: Product ID -> Seller SKU.
    """
    rng = np.random.default_rng(seed)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    frame = campaigns.copy()
    frame["start"] = pd.to_datetime(frame["start"])
    frame["end"] = pd.to_datetime(frame["end"])
    past = frame[(frame["start"].dt.date <= end) & ~frame["skus"].astype(str).str.contains(":|^all$", regex=True)]
    lives = past[past["type"].isin(["livestream_own", "livestream_creator"])]
    sessions, products, skus_seen = [], [], set()
    for k, row in enumerate(lives.itertuples(index=False)):
        live_id = f"7{3000000000 + k * 7919}"
        minutes = int((row.end - row.start).total_seconds() // 60)
        viewers = int(float(row.expected_viewers) * rng.uniform(0.85, 1.15)) if pd.notna(row.expected_viewers) else 0
        skus = str(row.skus).split(";")
        if lines is not None:
            inside = lines[lines["sku"].isin(skus) & lines["created"].between(row.start, row.end)]
            sold = inside.groupby("sku").agg(orders=("order_id", "nunique"), items=("quantity", "sum"),
                                             gmv=("subtotal_after", "sum")).reindex(skus).fillna(0)
            orders, items, gmv = (sold[c].to_numpy() for c in ("orders", "items", "gmv"))
        else:
            orders = rng.integers(5, 60, size=len(skus))
            items, gmv = orders, orders * rng.integers(150, 600, size=len(skus))
        sessions.append({
            "LIVE ID": live_id, "LIVE title": f"LIVE {row.start:%d %b}", "Creator name": row.creator,
            "Account type": "Linked account" if row.type == "livestream_own" else "Affiliate",
            "LIVE start time": f"{row.start:%Y-%m-%d %H:%M}", "Duration": f"{minutes // 60}h {minutes % 60}min",
            "GMV": f"฿{gmv.sum():,.2f}", "SKU orders": int(orders.sum()), "Items sold": int(items.sum()),
            "Views": int(viewers * rng.uniform(1.5, 2.5)), "Viewers": viewers, "Product CTR": f"{rng.uniform(1, 9):.1f}%",
        })
        for sku, n, k, value in zip(skus, orders, items, gmv):
            skus_seen.add(sku)
            products.append({"LIVE ID": live_id, "LIVE start time": f"{row.start:%Y-%m-%d %H:%M}",
                             "Creator name": row.creator, "Product ID": product_id_of(sku),
                             "Product name": f"Product {sku}", "Creator LIVE-attributed GMV": f"{value:.2f}",
                             # as text: a product that sold nothing shows 0, not an empty cell
                             "LIVE-attributed orders": str(int(n)), "LIVE-attributed items sold": str(int(k))})
    first = past["start"].min() if len(past) else pd.Timestamp(end)
    preamble = ["LIVE performance", f"Date range: {first:%Y-%m-%d} ~ {end:%Y-%m-%d}"]
    session_frame = pd.DataFrame(sessions, columns=["LIVE ID", "LIVE title", "Creator name", "Account type",
                                                    "LIVE start time", "Duration", "GMV", "SKU orders", "Items sold",
                                                    "Views", "Viewers", "Product CTR"])
    path = out / "live_sessions.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        handle.write("\n".join(preamble) + "\n")
        session_frame.to_csv(handle, index=False, lineterminator="\n")
    written = [path]
    product_frame = pd.DataFrame(products, columns=["LIVE ID", "LIVE start time", "Creator name", "Product ID",
                                                    "Product name", "Creator LIVE-attributed GMV",
                                                    "LIVE-attributed orders", "LIVE-attributed items sold"])
    _write_xlsx(product_frame, out / "live_products.xlsx", None)
    written.append(out / "live_products.xlsx")

    ads = past[past["type"] == "ad"]
    daily, period = [], []
    for k, row in enumerate(ads.itertuples(index=False)):
        campaign_id = f"18{400000 + k * 37}"
        days = pd.date_range(row.start.normalize(), min(row.end.normalize(), pd.Timestamp(end)), freq="D")
        spend = float(row.daily_budget) * rng.uniform(0.9, 1.1, size=len(days))
        for day, cost in zip(days, spend):
            daily.append({"Campaign name": row.campaign_id, "Campaign ID": campaign_id, "By Day": f"{day:%Y-%m-%d}",
                          "Cost": f"{cost:,.2f}", "Impressions": int(cost * rng.uniform(30, 60)),
                          "Clicks": int(cost * rng.uniform(0.5, 1.5)), "Currency": "THB"})
        skus = str(row.skus).split(";")
        for sku, part in zip(skus, rng.dirichlet(np.ones(len(skus))) * spend.sum()):
            skus_seen.add(sku)
            orders = int(part / rng.uniform(40, 90))
            revenue = orders * float(rng.uniform(150, 600))
            period.append({"Campaign name": row.campaign_id, "Campaign ID": campaign_id,
                           "Product ID": product_id_of(sku), "Cost": round(float(part), 2), "Orders (SKU)": orders,
                           "Gross revenue": round(revenue, 2), "ROI": round(revenue / part, 2) if part else 0})
    daily_frame = pd.DataFrame(daily, columns=["Campaign name", "Campaign ID", "By Day", "Cost", "Impressions",
                                               "Clicks", "Currency"])
    total = {"Campaign name": f"Total of {len(ads)} campaigns", "Campaign ID": "", "By Day": "",
             "Cost": f"{sum(float(c.replace(',', '')) for c in daily_frame['Cost']):,.2f}",
             "Impressions": int(daily_frame["Impressions"].sum()), "Clicks": int(daily_frame["Clicks"].sum()),
             "Currency": "THB"}
    daily_frame = pd.concat([daily_frame, pd.DataFrame([total])], ignore_index=True)
    _csv(daily_frame, out / "ads_daily.csv")
    _csv(pd.DataFrame(period, columns=["Campaign name", "Campaign ID", "Product ID", "Cost", "Orders (SKU)",
                                       "Gross revenue", "ROI"]), out / "gmv_max_products.csv")
    _csv(pd.DataFrame({"product_id": [product_id_of(s) for s in sorted(skus_seen)], "sku": sorted(skus_seen)}),
         out / "product_ids.csv")
    written += [out / "ads_daily.csv", out / "gmv_max_products.csv", out / "product_ids.csv"]
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--out", help="shop folder to write, e.g. data/sample_shop")
    target.add_argument("--generic", help="Parquet file for the generic long table (benchmarks)")
    parser.add_argument("--skus", type=int, default=150)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--end", type=date.fromisoformat, default=date(2026, 11, 21), help="last day of history")
    args = parser.parse_args(argv)
    shop = generate_shop(n_skus=args.skus, end=args.end, days=args.days, seed=args.seed,
                         order_lines=args.out is not None)
    if args.out:
        written = write_sample_shop(shop, args.out)
        print(f"wrote {len(written)} files to {args.out}: {len(shop.products)} SKUs, "
              f"{len(shop.order_lines):,} order lines, {len(shop.campaigns)} campaigns")
    else:
        write_generic(shop, args.generic)
        print(f"wrote {args.generic}: {len(shop.products):,} SKUs x {len(shop.dates)} days")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
