"""The stock position FBT's own exports give, folded into the input tables.

The shop folder's ``exports/`` may hold FBT inventory and inbound-request exports (planner.io.fbt).
From them:

* **Inventory**: per SKU, the units of every FBT warehouse summed into the ``fbt`` location's row of the
  inventory table (on hand = available + reserved + unfulfillable, so that the position subtracts the
  last two as it does for inventory.csv). Where both speak, the export's row replaces inventory.csv's
  ``fbt`` row of that SKU: it is the platform's own count. The per-warehouse rows are kept for reading.
* **Inbound requests**: a request shipped and not yet received in full is on its way to FBT. Its units
  not received are counted as on order at ``fbt`` (purchase-order rows ``IBR:<id>``), due when it
  arrived, else on its ETA, else today, plus FBT's receiving days; the inventory export's ``in transit``
  of those SKUs is then not counted again. A request created more than ``CLOSE_AFTER_DAYS`` ago with
  nothing arrived is closed by FBT: it is not on order, and is listed. A request not yet shipped is
  still stock in the seller's hands and counts where inventory.csv has it.
* the days FBT took to receive each arrived request, for the measured receiving time
  (planner.plan.terms.measured_receiving_days).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from planner.io.fbt import receiving_days

#: FBT closes an inbound request with no goods arrived this many days after it was created (seller help
#: page "FBT Inbound Request (IBR) Creation and Management Process"): a platform rule, not a tuned figure
CLOSE_AFTER_DAYS = 75
UNMATCHED_COLUMNS = ("file", "row", "product", "problem")
#: the "supplier" of an open inbound request's on-order rows: FBT, not the goods' supplier (a scenario
#: that delays a supplier's open orders does not delay stock already on its way to FBT)
INBOUND_SUPPLIER = "FBT inbound"


@dataclass
class FbtStock:
    """What the FBT exports say: ``inventory`` rows (the inventory table's columns, location fbt) and
    ``warehouses`` (per SKU and warehouse); ``on_order`` purchase-order rows of the open requests;
    ``closed`` the requests FBT closed for want of an arrival; ``receiving_days`` per received request;
    ``unmatched`` products no SKU is known for; ``files`` read."""

    inventory: pd.DataFrame
    warehouses: pd.DataFrame
    on_order: pd.DataFrame
    closed: pd.DataFrame
    receiving_days: np.ndarray
    unmatched: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(UNMATCHED_COLUMNS)))
    files: list[str] = field(default_factory=list)
    quota_used: dict = field(default_factory=dict)


def _skus(frame: pd.DataFrame, match: Callable[[str], list[str]], unmatched: list) -> pd.DataFrame:
    """``frame`` with a ``sku`` column: one row per SKU its product stands for (a product that stands for
    two SKUs is the first; FBT counts goods, not listings); unknown products are left out and listed."""
    sku = []
    for row in frame[["product", "file", "source_row"]].itertuples(index=False):
        found = match(row.product)
        if not found:
            unmatched.append((row.file, int(row.source_row), row.product, "no SKU of the shop is this product"))
        sku.append(found[0] if found else None)
    return frame.assign(sku=sku).dropna(subset=["sku"])


def fbt_stock(inventory_export: pd.DataFrame, inbound_export: pd.DataFrame, match: Callable[[str], list[str]],
              today: pd.Timestamp, receiving: float) -> FbtStock:
    """The FbtStock of the combined exports (planner.io.fbt.combine_*) on planning day ``today``, with
    ``receiving`` days for FBT to receive an arrived request."""
    unmatched: list = []
    today = pd.Timestamp(today).normalize()
    stock = _skus(inventory_export, match, unmatched)
    quantities = ["available", "reserved", "unfulfillable", "in_transit"]
    warehouses = stock.groupby(["sku", "warehouse"], as_index=False).agg(
        **{q: (q, "sum") for q in quantities}, snapshot_date=("snapshot_date", "max"))
    per_sku = warehouses.groupby("sku", as_index=False).agg(**{q: (q, "sum") for q in quantities},
                                                            snapshot_date=("snapshot_date", "max"))
    inbound = _skus(inbound_export, match, unmatched)
    closed, open_rows = _requests(inbound, today)
    on_order = _on_order(open_rows, today, receiving)
    in_transit = per_sku["in_transit"].where(~per_sku["sku"].isin(on_order["sku"]), 0.0)
    rows = pd.DataFrame({
        "sku": per_sku["sku"], "location": "fbt",
        "on_hand": per_sku["available"] + per_sku["reserved"] + per_sku["unfulfillable"],
        "reserved": per_sku["reserved"], "unfulfillable": per_sku["unfulfillable"], "in_transit": in_transit,
        "backorders": 0.0, "snapshot_date": per_sku["snapshot_date"], "location_type": "fbt", "_row": np.nan,
    })
    return FbtStock(rows, warehouses, on_order, closed, receiving_days(inbound),
                    pd.DataFrame(unmatched, columns=list(UNMATCHED_COLUMNS)), quota_used=quota_used(inbound, closed))


def quota_used(inbound: pd.DataFrame, closed: pd.DataFrame) -> dict[str, float]:
    """Units of the inbound requests not closed, per month ('YYYY-MM') they arrived, else are due (ETA),
    else were created in: what they take of FBT's monthly inbound quota."""
    live = inbound[~inbound["request_id"].isin(closed["request_id"])]
    month = live["arrived"].fillna(live["eta"]).fillna(live["created"]).dt.strftime("%Y-%m")
    return {m: float(q) for m, q in live["quantity"].groupby(month).sum().items()}


def _requests(inbound: pd.DataFrame, today: pd.Timestamp) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(requests FBT closed: nothing arrived CLOSE_AFTER_DAYS after creation; requests shipped and not
    received in full, still open)."""
    arrived = inbound.groupby("request_id")["arrived"].transform("max")
    closed = arrived.isna() & (inbound["created"] < today - pd.Timedelta(days=CLOSE_AFTER_DAYS))
    left = inbound["quantity"] - inbound["received_quantity"].fillna(0.0)
    # a request received short is done: FBT allows no short delivery, the rest is not coming
    still_open = ~closed & inbound["shipped"].notna() & inbound["received"].isna() & (left > 0)
    open_rows = inbound[still_open].assign(left=left[still_open])
    return inbound[closed].reset_index(drop=True), open_rows


def _on_order(open_rows: pd.DataFrame, today: pd.Timestamp, receiving: float) -> pd.DataFrame:
    due = open_rows["arrived"].fillna(open_rows["eta"]).dt.normalize()
    due = due.where(due >= today, today).fillna(today) + pd.Timedelta(days=float(np.ceil(receiving)))
    return pd.DataFrame({"po_id": "IBR:" + open_rows["request_id"].astype(str), "sku": open_rows["sku"],
                         "quantity": open_rows["left"].astype(float), "expected_arrival": due.astype("datetime64[ns]"),
                         "location": "fbt", "supplier": INBOUND_SUPPLIER, "_row": np.nan}).reset_index(drop=True)


def with_fbt_stock(inventory: pd.DataFrame, purchase_orders: pd.DataFrame, stock: FbtStock
                   ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """inventory.csv with its ``fbt`` rows of the SKUs the FBT export counts replaced by the export's,
    and the purchase orders with the open inbound requests added."""
    replaced = inventory["location"].astype(str).str.strip().str.lower().eq("fbt") & \
        inventory["sku"].astype(str).isin(stock.inventory["sku"])
    kept = inventory[~replaced]
    rows = stock.inventory.reindex(columns=inventory.columns)
    inventory = pd.concat([kept, rows], ignore_index=True) if len(rows) else kept.reset_index(drop=True)
    orders = stock.on_order.reindex(columns=purchase_orders.columns)
    purchase_orders = pd.concat([purchase_orders, orders], ignore_index=True) if len(orders) else purchase_orders
    return inventory, purchase_orders


__all__ = ["CLOSE_AFTER_DAYS", "FbtStock", "fbt_stock", "with_fbt_stock"]
