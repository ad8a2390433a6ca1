"""A plan judged on its own forecast: ``evaluate_plan`` replays every sample path against the plan's
receipts with lost sales, per SKU (expected demand, lost units, fill rate, stockout chance, stock at the
end), the figures a scenario is compared on.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.models.base import SamplePaths
from planner.io.inputs import Inputs
from planner.plan import Plan, PlanSettings, supply_terms
from planner.inventory.lost_sales import serve_day
from planner.plan.demand import demand_blocks
from planner.plan.project import receipt_matrix
from planner.positions import inventory_positions, scheduled_receipts


def evaluate_plan(plan: Plan, paths: SamplePaths, inputs: Inputs, settings: PlanSettings,
                  today: pd.Timestamp, window_days: pd.Series | None = None) -> pd.DataFrame:
    """Replay every sample path against the plan's receipts with lost sales, per SKU.

    Each path starts from the stock available at the SKU's selling location, receives what is already
    scheduled (open POs, stock in transit), the plan's transfers on their expected receipt and its
    orders on their expected arrival (plus transit and FBT receiving for FBT SKUs), and loses what it
    cannot serve:  x_t = x_{t-1} + r_t - min(x_{t-1} + r_t, d_t),  lost_t = d_t - min(x_{t-1} + r_t, d_t).
    The plan orders once, so service is measured over the days its orders protect (``window_days``:
    supplier lead time + transit/FBT receiving + review period, from the day after ``today``): a later
    review orders again. ``window_days`` (per SKU) replaces that window, so that scenarios are measured
    over the same days as the baseline. The stock at the end is read at ``settings.horizon_days``,
    without later orders.

    Columns: sku, location, window_days, demand and lost_units (expected over the paths, in the
    window), fill_rate (1 - E[lost] / E[demand]), stockout_probability (a path loses a sale in the
    window), lost_margin (lost units x (price - unit cost)), horizon_demand, horizon_lost_units,
    end_on_hand (expected at the selling location on the horizon's last day), end_value (that plus the
    stock left upstream, at unit cost).
    """
    today = pd.Timestamp(today).normalize()
    skus = plan.plan["sku"].astype(str).tolist()
    terms = supply_terms(inputs.products, inputs.suppliers, settings).set_index("sku").reindex(skus)
    location = plan.plan.set_index("sku")["location"].reindex(skus).astype(str).to_numpy()
    first = max((today + pd.Timedelta(days=1) - pd.Timestamp(paths.start).normalize()).days, 0)
    horizon = max(0, min(int(settings.horizon_days), paths.horizon - first))
    row_of = {s: i for i, s in enumerate(skus)}
    positions = inventory_positions(inputs.inventory, inputs.purchase_orders, today, settings.horizon_days)
    positions = positions[positions["sku"].isin(row_of)]
    selling = pd.Series(location, index=skus)
    at_selling = positions["location"].to_numpy() == selling.reindex(positions["sku"]).to_numpy()
    start = positions[at_selling].groupby("sku")["available"].sum().reindex(skus).fillna(0.0).clip(lower=0).to_numpy()
    scheduled = scheduled_receipts(inputs.inventory, inputs.purchase_orders, today, {"fbt": settings.fbt_receiving_days})
    scheduled = scheduled[scheduled["location"].to_numpy() == selling.reindex(scheduled["sku"].astype(str)).to_numpy()]
    fixed = (terms["transit_days"] + terms["receiving_days"]).fillna(0).round().astype(int)
    orders = plan.orders
    arrival = pd.to_datetime(orders["expected_arrival"]) + pd.to_timedelta(
        fixed.reindex(orders["sku"].astype(str)).fillna(0).to_numpy(), unit="D")
    # the paths start tomorrow (first_day 1): what lands today serves from day 0 of them, as the plan's
    # projection counts it on today
    receipts = sum(receipt_matrix(skus, sku.to_numpy(), dates, quantity.to_numpy(), today, horizon, first_day=1)
                   for sku, dates, quantity in ((scheduled["sku"], scheduled["date"], scheduled["quantity"]),
                                                (plan.transfers["sku"], plan.transfers["expected_receipt"],
                                                 plan.transfers["quantity"]),
                                                (orders["sku"], arrival, orders["quantity"])))

    # the days this plan's orders protect: until an order placed at the next review could land
    window = np.minimum(np.ceil(terms["lead_time_days"].fillna(settings.default_lead_time_days).to_numpy()
                                + fixed.reindex(skus).fillna(0).to_numpy()) + int(settings.review_period_days), horizon)
    window = window.astype(int)
    if window_days is not None:
        window = np.minimum(window_days.reindex(skus).fillna(pd.Series(window, index=skus)).to_numpy(), horizon).astype(int)
    n = len(skus)
    total, lost_units, stockout, horizon_demand, horizon_lost, end_on_hand = (np.zeros(n) for _ in range(6))
    # a block of SKUs at a time: all SKUs' paths at once do not fit in memory for a large shop
    for block, values in demand_blocks(paths, inputs.bundles, skus, settings.block_skus):
        demand = values[:, :, first:first + horizon]  # float32: _replay computes in float64
        (total[block], lost_units[block], stockout[block], horizon_demand[block], horizon_lost[block],
         end_on_hand[block]) = _replay(start[block], receipts[block], demand, window[block])
    unit_cost = terms["unit_cost"].fillna(0.0).to_numpy()
    margin = (terms["price"] - terms["unit_cost"]).fillna(0.0).clip(lower=0).to_numpy()
    by_sku = plan.plan.set_index("sku")
    upstream = (by_sku["upstream_position"] - by_sku["transfer_in"]).reindex(skus).fillna(0.0).clip(lower=0).to_numpy()
    return pd.DataFrame({
        "sku": skus, "location": location, "window_days": window, "demand": total, "lost_units": lost_units,
        "fill_rate": np.where(total > 0, 1 - lost_units / np.maximum(total, 1e-9), 1.0),
        "stockout_probability": stockout, "lost_margin": lost_units * margin,
        "horizon_demand": horizon_demand, "horizon_lost_units": horizon_lost,
        "end_on_hand": end_on_hand, "end_value": (end_on_hand + upstream) * unit_cost,
    })


#: SKUs replayed at once: their day's demand (256 x 200 paths x 8 bytes = 0.4 MB) stays in the CPU cache
REPLAY_SKUS = 256


def _replay(start: np.ndarray, receipts: np.ndarray, demand: np.ndarray, window: np.ndarray):
    """evaluate_plan's lost-sales replay of SKUs (k) over their paths (k, n_paths, days; float32 or
    float64, computed in float64): per SKU the expected demand and lost units in its window, the chance
    of a loss there, the expected demand and lost units over all days, and the expected stock at the end.

    A few hundred SKUs at a time, their paths laid out day by day: one day of all SKUs' paths at once
    is a strided read of the whole array, 90 times. The window figures are the running totals on the
    window's last day, so each SKU's figures come from the same additions in the same order as a
    replay of all SKUs at once, to the bit."""
    n, n_paths, days = demand.shape
    figures = np.zeros((6, n))
    for first in range(0, n, REPLAY_SKUS):
        block = slice(first, min(first + REPLAY_SKUS, n))
        by_day = np.ascontiguousarray(np.moveaxis(demand[block], 2, 0))
        ends = window[block]
        level = np.repeat(start[block, None], n_paths, axis=1)
        lost, demanded = np.zeros_like(level), np.zeros_like(level)
        window_lost, window_demand = np.zeros_like(level), np.zeros_like(level)
        for day in range(days):
            lost += serve_day(level, receipts[block, day:day + 1], by_day[day])[1]
            demanded += by_day[day]
            closing = np.flatnonzero(ends == day + 1)
            window_lost[closing] = lost[closing]
            window_demand[closing] = demanded[closing]
        figures[:, block] = (window_demand.mean(axis=1), window_lost.mean(axis=1), (window_lost > 1e-9).mean(axis=1),
                             demand[block].astype(np.float64).sum(axis=2).mean(axis=1), lost.mean(axis=1),
                             level.mean(axis=1))
    return tuple(figures)


__all__ = ["REPLAY_SKUS", "evaluate_plan"]
