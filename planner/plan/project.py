"""Stage 7 of the plan: expected stock per SKU and day at the selling location, without action and with
this plan (lost sales: planner.inventory.lost_sales), and what follows from it: stockout dates and days
of cover."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.inventory.lost_sales import lost_sales_stock


@dataclass(frozen=True)
class Projection:
    frame: pd.DataFrame  # projected.csv: sku, location, date, expected_demand, receipts, on_hand_*
    no_action: np.ndarray  # (n, days)
    with_plan: np.ndarray  # (n, days)
    receipts: np.ndarray  # (n, days) units already on the way (open POs, transit) landing at the selling location


def receipt_matrix(skus: list[str], sku: np.ndarray, dates, quantity: np.ndarray, today: pd.Timestamp, days: int,
                   first_day: int = 0) -> np.ndarray:
    """Units received per SKU (rows in the order of ``skus``) and day, day 0 being ``today`` +
    ``first_day``: each receipt lands on its date's day (a date before day 0 on day 0; after the last
    day: not counted). One binning for the plan's projection (first_day 0: today's receipts serve
    today) and the scenarios' evaluation (first_day 1: its paths start tomorrow)."""
    out = np.zeros((len(skus), days))
    index = pd.Series(np.arange(len(skus)), index=pd.Index(skus, dtype=object))
    rows = index.reindex(pd.Index(np.asarray(sku).astype(str), dtype=object)).to_numpy()
    day = (pd.DatetimeIndex(pd.to_datetime(dates)).normalize() - today).days.to_numpy() - first_day
    keep = ~np.isnan(rows) & (day < days)
    np.add.at(out, (rows[keep].astype(int), np.maximum(day[keep], 0)), np.asarray(quantity, dtype=float)[keep])
    return out


def project(today: pd.Timestamp, skus: list[str], terms: pd.DataFrame, daily_mean: np.ndarray, available: np.ndarray,
            scheduled: pd.DataFrame, orders: pd.DataFrame, transfers: pd.DataFrame, fixed: np.ndarray) -> Projection:
    """Expected on hand per SKU and day: scheduled receipts at the selling location, then this plan's
    transfers on their expected receipt and orders on their expected arrival + transit and receiving."""
    n, horizon = daily_mean.shape
    selling = terms.set_index("sku")["location"]
    at_selling = scheduled[scheduled["location"].to_numpy() == selling.reindex(scheduled["sku"]).to_numpy()]
    receipts = receipt_matrix(skus, at_selling["sku"].to_numpy(), at_selling["date"], at_selling["quantity"].to_numpy(),
                              today, horizon)
    order_rows = pd.Series(np.arange(n), index=skus).reindex(orders["sku"]).to_numpy()
    arrival = pd.to_datetime(orders["expected_arrival"]) + pd.to_timedelta(
        np.where(np.isnan(order_rows), 0, fixed[np.nan_to_num(order_rows).astype(int)]), unit="D")
    planned = (receipt_matrix(skus, transfers["sku"].to_numpy(), transfers["expected_receipt"],
                              transfers["quantity"].to_numpy(), today, horizon)
               + receipt_matrix(skus, orders["sku"].to_numpy(), arrival, orders["quantity"].to_numpy(), today, horizon))
    no_action = lost_sales_stock(available, receipts, daily_mean)
    with_plan = lost_sales_stock(available, receipts + planned, daily_mean)
    dates = pd.date_range(today, periods=horizon, freq="D")
    frame = pd.DataFrame({
        "sku": np.repeat(skus, horizon), "location": np.repeat(selling.reindex(skus).to_numpy(), horizon),
        "date": np.tile(dates.values, n), "expected_demand": daily_mean.reshape(-1).round(2),
        "receipts": receipts.reshape(-1), "on_hand_no_action": no_action.reshape(-1).round(1),
        "on_hand_with_plan": with_plan.reshape(-1).round(1),
    })
    return Projection(frame, no_action, with_plan, receipts)


def stockout_dates(no_action: np.ndarray, daily_mean: np.ndarray, today: pd.Timestamp) -> np.ndarray:
    """The first day each SKU is out without action (NaT: not within the days projected)."""
    out = (no_action <= 0) & (daily_mean > 0)
    first_out = np.where(out.any(axis=1), out.argmax(axis=1), -1)
    dates = pd.date_range(today, periods=daily_mean.shape[1], freq="D")
    return np.where(first_out >= 0, dates.values[first_out.clip(0)], np.datetime64("NaT"))
