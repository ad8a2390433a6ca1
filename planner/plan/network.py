"""Stage 2 of the plan: where each SKU's stock is, and what lands when.

Per SKU, at the location it sells from (``own`` or ``fbt``) and upstream of it (the own warehouse, a
3PL): units available and the inventory position (planner.positions.inventory_positions); the receipts
already scheduled (open POs, stock in transit); and, for SKUs sold from FBT, the first day stock is free
upstream to ship on to FBT and how much is there by then.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.plan.settings import PlanSettings
from planner.positions import scheduled_receipts


@dataclass(frozen=True)
class Network:
    """Per plan SKU (rows in the order of the terms):

    selling_position, selling_available   at the location the SKU sells from
    upstream_position, upstream_available elsewhere (own warehouse, 3PL); available at least 0
    scheduled        receipts already on the way (sku, location, date, quantity, source)
    ship_day         first day stock is free upstream to ship on to FBT (-1: none in the horizon)
    upstream_by_ship units free upstream by that day
    upstream_source  words naming the receipts among them
    """

    selling_position: np.ndarray
    selling_available: np.ndarray
    upstream_position: np.ndarray
    upstream_available: np.ndarray
    scheduled: pd.DataFrame
    ship_day: np.ndarray
    upstream_by_ship: np.ndarray
    upstream_source: list[str]

    @property
    def position(self) -> np.ndarray:
        """The network's inventory position: selling location + upstream."""
        return self.selling_position + self.upstream_position

    @property
    def shipping(self) -> np.ndarray:
        """Rows of the SKUs with stock to ship on to FBT within the horizon."""
        return np.flatnonzero(self.ship_day >= 0)


def network_position(positions: pd.DataFrame, terms: pd.DataFrame, inventory: pd.DataFrame | None,
                     purchase_orders: pd.DataFrame | None, today: pd.Timestamp, horizon: int,
                     settings: PlanSettings) -> Network:
    """The Network of the SKUs of ``terms`` (supply_terms) from planner.positions.inventory_positions'
    ``positions``; ``inventory`` and ``purchase_orders`` give the scheduled receipts (either may be None)."""
    skus = terms["sku"].tolist()
    pos = positions.copy()
    pos["sku"] = pos["sku"].astype(str)
    pos = pos.merge(terms[["sku", "location"]].rename(columns={"location": "selling"}), on="sku", how="inner")
    at_selling = pos[pos["location"] == pos["selling"]].set_index("sku")
    upstream = pos[pos["location"] != pos["selling"]].groupby("sku")[["available", "position"]].sum()
    upstream_available = upstream["available"].reindex(skus).fillna(0.0).clip(lower=0).to_numpy()
    sched = scheduled(inventory, purchase_orders, today, settings)
    ship_day, by_ship, source = _upstream_supply(sched, terms, upstream_available, today, horizon)
    return Network(
        selling_position=at_selling["position"].reindex(skus).fillna(0.0).to_numpy(),
        selling_available=at_selling["available"].reindex(skus).fillna(0.0).to_numpy(),
        upstream_position=upstream["position"].reindex(skus).fillna(0.0).to_numpy(),
        upstream_available=upstream_available, scheduled=sched, ship_day=ship_day, upstream_by_ship=by_ship,
        upstream_source=source)


def scheduled(inventory, purchase_orders, today, settings) -> pd.DataFrame:
    """planner.positions.scheduled_receipts with FBT's receiving days (empty without either table)."""
    if inventory is None and purchase_orders is None:
        return pd.DataFrame({"sku": [], "location": [], "date": pd.Series(dtype="datetime64[ns]"),
                             "quantity": pd.Series(dtype="float64"), "source": []})
    inv = inventory if inventory is not None else pd.DataFrame(columns=["sku", "location", "on_hand"])
    return scheduled_receipts(inv, purchase_orders, today, {"fbt": settings.fbt_receiving_days})


def _upstream_supply(sched: pd.DataFrame, terms: pd.DataFrame, upstream_available: np.ndarray, today: pd.Timestamp,
                     horizon: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Per SKU sold from FBT: the first day stock is free upstream (own warehouse, 3PL) to ship on to
    FBT (0 when some is there today, else the day the first PO or transit lands there; -1: none in the
    horizon), the units free there by that day, and the words naming the receipts among them."""
    n = len(terms)
    is_fbt = terms["location"].eq("fbt").to_numpy()
    ship_day = np.where(is_fbt & (upstream_available > 0), 0, -1)
    stock = np.where(ship_day == 0, upstream_available, 0.0)
    source = [""] * n
    index = pd.Series(np.arange(n), index=terms["sku"].to_numpy())
    up = sched[sched["location"].ne("fbt") & sched["sku"].isin(index.index[is_fbt])]
    if up.empty:
        return ship_day, stock, source
    i = index.reindex(up["sku"]).to_numpy()
    day = (up["date"] - today).dt.days.clip(lower=0).to_numpy()
    soon = day < horizon
    i, day, up = i[soon], day[soon], up[soon]
    first = np.full(n, horizon)
    np.minimum.at(first, i, day)
    ship_day = np.where(ship_day >= 0, ship_day, np.where(first < horizon, first, -1))
    landed = day <= ship_day[i]
    stock = np.where(ship_day >= 0, upstream_available, 0.0) + np.bincount(
        i[landed], weights=up["quantity"].to_numpy(float)[landed], minlength=n)
    names = pd.Series([f"{str(src).removeprefix('po:')} ({quantity:.0f})" for src, quantity
                       in zip(up["source"].to_numpy(object)[landed], up["quantity"].to_numpy(float)[landed])], dtype=object)
    if len(names):
        for j, words in names.groupby(i[landed]).agg(", ".join).items():
            source[j] = f" (incl. {words} landing there)"
    return ship_day, stock, source
