"""Inventory position per SKU and location, and the receipts already scheduled: frames in, frames out.

Inputs are the clean, typed frames of docs/inputs.md (lower-case columns) as planner.io hands them
over: ``inventory`` (sku, location, on_hand, and optionally reserved, unfulfillable, in_transit,
backorders) and ``purchase_orders`` (po_id, sku, quantity, expected_arrival, optionally location).

``on_hand`` is read as the units physically at the location, damaged or expired ones included; the
``unfulfillable`` ones can never be sold and are taken out. Reserved units are held for orders or a
promotion and are not free for new demand.
"""

from __future__ import annotations

import pandas as pd

INVENTORY_QUANTITIES = ("on_hand", "reserved", "unfulfillable", "in_transit", "backorders")
POSITION_COLUMNS = (
    "sku", "location", "on_hand", "unfulfillable", "reserved", "backorders", "in_transit", "on_order",
    "available", "position",
)


def _inventory(inventory: pd.DataFrame) -> pd.DataFrame:
    frame = inventory.copy()
    for column in INVENTORY_QUANTITIES:
        if column not in frame.columns:
            frame[column] = 0.0
        frame[column] = pd.to_numeric(frame[column]).fillna(0).astype(float)
    frame["sku"] = frame["sku"].astype(str)
    frame["location"] = frame["location"].astype(str).str.strip().str.lower()
    return frame.groupby(["sku", "location"], as_index=False)[list(INVENTORY_QUANTITIES)].sum()


def _open_orders(purchase_orders: pd.DataFrame | None, today: pd.Timestamp, horizon_days: int | None) -> pd.DataFrame:
    columns = ["po_id", "sku", "location", "quantity", "expected_arrival"]
    if purchase_orders is None or len(purchase_orders) == 0:
        return pd.DataFrame({c: pd.Series(dtype="float64" if c == "quantity" else "object") for c in columns})
    frame = purchase_orders.copy()
    if "location" not in frame.columns:
        frame["location"] = "own"
    frame["location"] = frame["location"].fillna("own").astype(str).str.strip().str.lower()
    frame["sku"] = frame["sku"].astype(str)
    frame["quantity"] = pd.to_numeric(frame["quantity"]).astype(float)
    frame["expected_arrival"] = pd.to_datetime(frame["expected_arrival"]).dt.normalize()
    if horizon_days is not None:
        frame = frame[frame["expected_arrival"] < today + pd.Timedelta(days=horizon_days)]
    return frame[columns].reset_index(drop=True)


def inventory_positions(
    inventory: pd.DataFrame,
    purchase_orders: pd.DataFrame | None,
    today: pd.Timestamp | str,
    horizon_days: int | None = None,
) -> pd.DataFrame:
    """Inventory position per SKU and location.

    position = on hand - unfulfillable + in transit + open POs (due within the horizon) - reserved
    - backorders   [FoSCT Section 4.4 / SPT Section 6.2: inventory position = net stock + on order].
    ``available`` = on hand - unfulfillable - reserved - backorders (what can serve demand today; may be
    negative when backorders exceed stock). A PO for a SKU/location without an inventory row adds a row.
    The caller's frames are not modified.

    >>> inv = pd.DataFrame({"sku": ["A"], "location": ["FBT"], "on_hand": [120], "reserved": [30],
    ...                     "unfulfillable": [2], "in_transit": [48], "backorders": [5]})
    >>> po = pd.DataFrame({"po_id": ["P1", "P2"], "sku": ["A", "A"], "quantity": [100, 50],
    ...                    "expected_arrival": ["2026-12-01", "2027-06-01"], "location": ["fbt", "fbt"]})
    >>> inventory_positions(inv, po, "2026-11-22", horizon_days=90)[["location", "available", "position"]]
      location  available  position
    0      fbt       83.0     231.0
    """
    today = pd.Timestamp(today).normalize()
    stock = _inventory(inventory)
    orders = _open_orders(purchase_orders, today, horizon_days)
    on_order = orders.groupby(["sku", "location"], as_index=False)["quantity"].sum().rename(columns={"quantity": "on_order"})
    frame = stock.merge(on_order, on=["sku", "location"], how="outer")
    frame[list(INVENTORY_QUANTITIES) + ["on_order"]] = frame[list(INVENTORY_QUANTITIES) + ["on_order"]].fillna(0.0)
    frame["available"] = frame["on_hand"] - frame["unfulfillable"] - frame["reserved"] - frame["backorders"]
    frame["position"] = frame["available"] + frame["in_transit"] + frame["on_order"]
    return frame[list(POSITION_COLUMNS)].sort_values(["sku", "location"]).reset_index(drop=True)


def scheduled_receipts(
    inventory: pd.DataFrame,
    purchase_orders: pd.DataFrame | None,
    today: pd.Timestamp | str,
    in_transit_days: dict[str, int] | None = None,
) -> pd.DataFrame:
    """Units expected to arrive per SKU, location and day: open POs on their expected arrival and stock
    in transit after ``in_transit_days[location]`` days (default 0 = today, e.g. FBT receiving days for
    ``fbt``). Columns: sku, location, date, quantity, source ('po:<id>' or 'in_transit')."""
    today = pd.Timestamp(today).normalize()
    in_transit_days = in_transit_days or {}
    stock = _inventory(inventory)
    transit = stock[stock["in_transit"] > 0]
    transit_rows = pd.DataFrame({
        "sku": transit["sku"],
        "location": transit["location"],
        "date": [today + pd.Timedelta(days=int(in_transit_days.get(loc, 0))) for loc in transit["location"]],
        "quantity": transit["in_transit"],
        "source": "in_transit",
    })
    orders = _open_orders(purchase_orders, today, None)
    po_rows = pd.DataFrame({
        "sku": orders["sku"],
        "location": orders["location"],
        # a PO already overdue is expected any day now: count it from today
        "date": orders["expected_arrival"].where(orders["expected_arrival"] >= today, today),
        "quantity": orders["quantity"],
        "source": "po:" + orders["po_id"].astype(str),
    })
    frames = [f for f in (transit_rows, po_rows) if len(f)]
    if not frames:
        return pd.DataFrame({"sku": [], "location": [], "date": pd.Series(dtype="datetime64[ns]"),
                             "quantity": pd.Series(dtype="float64"), "source": []})
    return pd.concat(frames, ignore_index=True).sort_values(["sku", "location", "date"]).reset_index(drop=True)
