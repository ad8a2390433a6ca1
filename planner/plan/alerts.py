"""Stage 8 of the plan: alerts, as fields (the message is written by reasons.alert_message).

Kinds: ``stockout_before_arrival`` (runs out before an order placed today can land), ``overstock``
(cover beyond overstock_days), ``no_sales`` (clearance candidate), ``ad_into_stockout`` (an ad runs on
while stock is out), ``campaign_not_covered`` (a campaign's order-by date has passed and the plan's
stock at its start falls short), ``post_campaign_overhang`` (a stock-up leaves months of cover), and the
caps' ``budget_cut`` and ``fbt_capacity`` (planner.plan.lines). Every alert has sku, location, kind,
date and, where a campaign raised it, campaign_id.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.inventory import policy
from planner.plan.campaigns import records
from planner.plan.demand import LeadTimeDemand
from planner.plan.settings import PlanSettings


@dataclass(frozen=True)
class AlertInputs:
    """What the alerts read, per plan SKU (rows in the order of ``plan``)."""

    today: pd.Timestamp
    plan: pd.DataFrame  # plan.csv's rows, with stockout_date and cover_days
    terms: pd.DataFrame
    camp: pd.DataFrame  # planner.plan.campaigns.plan_campaigns, with uplift
    demand: LeadTimeDemand
    baseline: np.ndarray  # campaign-free mean daily demand (calendar.baseline_daily)
    targets: np.ndarray  # promised service per SKU
    with_plan: np.ndarray  # (n, days) expected on hand with this plan
    receipts: np.ndarray  # (n, days) receipts already on the way at the selling location (open POs, transit)
    fixed: np.ndarray  # transit + receiving days
    available: np.ndarray  # at the selling location today
    upstream_available: np.ndarray  # left upstream after today's transfers
    history: pd.DataFrame | None
    settings: PlanSettings


def plan_alerts(a: AlertInputs, orders: pd.DataFrame) -> list[dict]:
    return [*stockout_alerts(a), *overstock_alerts(a), *no_sale_alerts(a), *no_history_alerts(a),
            *lot_overstock_alerts(a, orders), *campaign_alerts(a)]


def lot_overstock_alerts(a: AlertInputs, orders: pd.DataFrame) -> list[dict]:
    """Order lines whose MOQ or case pack alone lifts cover past max_cover_days: the days of cover after
    the order and the units and value beyond the cap, so the buyer can negotiate, skip or bundle it."""
    if orders.empty or a.settings.max_cover_days is None:
        return []
    lifted = orders[orders["beyond_cap_units"] > 0]
    return [_alert(r["sku"], r["location"], "lot_overstock", r["order_by"], supplier=r["supplier"],
                   quantity=int(r["quantity"]), moq=int(r["moq"]), case_pack=int(r["case_pack"]),
                   cover_after_days=float(r["cover_after_days"]), cap_days=float(a.settings.max_cover_days),
                   beyond_units=float(r["beyond_cap_units"]), beyond_value=float(r["beyond_cap_units"] * r["unit_cost"]))
            for r in lifted.to_dict("records")]


def no_history_alerts(a: AlertInputs) -> list[dict]:
    """SKUs with no sale in the history (or no history at all) and no forecast: planned at zero."""
    if a.history is None or not len(a.history):
        return []
    sold = set(a.history.loc[pd.to_numeric(a.history["units"]) > 0, "sku"].astype(str).unique())
    silent = a.demand.daily_mean.sum(axis=1) <= 0
    skus = a.plan["sku"].to_numpy()
    return [_alert(skus[i], a.plan["location"].iat[i], "no_history", a.today)
            for i in np.flatnonzero(silent) if str(skus[i]) not in sold]


def _alert(sku, location, kind: str, date, **fields) -> dict:
    return {"sku": sku, "location": location, "kind": kind, "date": date, "campaign_id": None, **fields}


def stockout_alerts(a: AlertInputs) -> list[dict]:
    """SKUs that run out (without action) before an order placed today lands. The gap ends when stock is
    back: the order placed today, or a receipt already on the way (an open PO, stock in transit) if that
    lands first (``back_from``: its day, else None)."""
    arrival_days = np.rint(a.terms["lead_time_days"].to_numpy() + a.fixed).astype(int)
    stockout = a.plan["stockout_date"]
    early = stockout.notna().to_numpy().copy()
    early[early] = (stockout[early] < a.today + pd.to_timedelta(arrival_days[early], unit="D")).to_numpy()
    alerts = []
    skus, locations = _sku_locations(a)
    for i in np.flatnonzero(early):
        out = int((stockout.iloc[i] - a.today).days)
        later = np.flatnonzero(a.receipts[i, out + 1:] > 0)
        receipt = out + 1 + int(later[0]) if later.size else None
        back_from = receipt if receipt is not None and receipt < arrival_days[i] else None
        alerts.append(_alert(skus[i], locations[i], "stockout_before_arrival", stockout.iloc[i],
                             arrival=a.today + pd.Timedelta(days=int(arrival_days[i])),
                             receipt=None if back_from is None else a.today + pd.Timedelta(days=back_from),
                             upstream_available=float(a.upstream_available[i])))
    return alerts


def _sku_locations(a: AlertInputs) -> tuple[list, list]:
    """plan.csv's sku and location columns as lists of the values ``.iat`` gives (a frame lookup per
    alert took seconds at 10,000 SKUs)."""
    return a.plan["sku"].tolist(), a.plan["location"].tolist()


def _stock(a: AlertInputs) -> np.ndarray:
    return (a.plan["position"] + a.plan["upstream_position"]).to_numpy()


def overstock_alerts(a: AlertInputs) -> list[dict]:
    cover, stock = a.plan["cover_days"].to_numpy(), _stock(a)
    daily = np.maximum(a.demand.daily_mean.mean(axis=1), 1e-9)
    cost = a.terms["unit_cost"].to_numpy(float)
    days = a.settings.overstock_days
    skus, locations = _sku_locations(a)
    return [_alert(skus[i], locations[i], "overstock", a.today, cover_days=float(cover[i]),
                   overstock_days=float(days), excess=float(stock[i] - days * daily[i]),
                   excess_value=float((stock[i] - days * daily[i]) * cost[i]))
            for i in np.flatnonzero((cover > days) & (stock > 0))]


def no_sale_alerts(a: AlertInputs) -> list[dict]:
    """SKUs with stock and no sale in no_sale_days (a SKU without history is new, not dead stock)."""
    if a.history is None or not len(a.history):
        return []
    # the days with sales first, then grouped: turning millions of history rows into Python strings
    # (or grouping them all) took seconds at 10,000 SKUs
    selling = a.history[pd.to_numeric(a.history["units"]) > 0]
    sold = selling.groupby(selling["sku"].astype(str))["date"].max()
    seen = set(pd.unique(a.history["sku"]).astype(str))
    stock, cost = _stock(a), a.terms["unit_cost"].to_numpy(float)
    skus, locations = _sku_locations(a)
    alerts = []
    for i in np.flatnonzero(stock > 0):
        if skus[i] not in seen:
            continue
        last = sold.get(skus[i])
        if last is None or (a.today - pd.Timestamp(last)).days > a.settings.no_sale_days:
            alerts.append(_alert(skus[i], locations[i], "no_sales", a.today,
                                 no_sale_days=a.settings.no_sale_days,
                                 last_sale=None if last is None else pd.Timestamp(last),
                                 stock=float(stock[i]), stock_value=float(stock[i] * cost[i])))
    return alerts


def campaign_alerts(a: AlertInputs) -> list[dict]:
    """Per campaign and featured SKU: an ad into a stockout; a campaign not covered; an overhang after it."""
    horizon = a.demand.daily_mean.shape[1]
    dates = pd.date_range(a.today, periods=horizon, freq="D")
    term_rows = records(a.terms)
    cover = a.plan["cover_days"].to_numpy()
    alerts = []
    for r in records(a.camp):
        i = int(r["i"])
        t = term_rows[i]
        if r["start_day"] >= horizon:
            continue
        end = min(int(r["end_day"]), horizon - 1)
        location = r["location"] if isinstance(r["location"], str) and r["location"] else t["location"]
        if r["type"] == "ad":
            alerts += _ad_alert(a, r, i, end, location, dates)
            continue
        # a campaign the forecast expects no extra demand from needs no stock of its own
        if r["order_by"] < a.today and float(r["uplift"]) >= 0.5:
            alerts += _not_covered_alert(a, r, i, t, end, location)
        after = min(end + 1, horizon - 1)
        leftover = float(a.with_plan[i, after])
        cover_after = leftover / max(float(a.baseline[i]), 1e-9)
        # only where the campaign stock-up causes it: a SKU already overstocked today has its own alert
        if leftover > 0 and cover_after > a.settings.overstock_days and cover[i] <= a.settings.overstock_days:
            alerts.append(_alert(r["sku"], location, "post_campaign_overhang", dates[after],
                                 campaign_id=r["campaign_id"], leftover=leftover, cover_after=cover_after,
                                 leftover_value=leftover * t["unit_cost"]))
    return alerts


def _ad_alert(a: AlertInputs, r: dict, i: int, end: int, location: str, dates: pd.DatetimeIndex) -> list[dict]:
    days = np.arange(len(dates))
    out = np.flatnonzero((days >= int(r["start_day"])) & (days <= end) & (a.with_plan[i] <= 0))
    if not out.size:
        return []
    back = np.flatnonzero((days > out[-1]) & (a.with_plan[i] > 0))
    return [_alert(r["sku"], location, "ad_into_stockout", dates[out[0]], campaign_id=r["campaign_id"], end=r["end"],
                   back=dates[back[0]] if back.size else None)]


def _not_covered_alert(a: AlertInputs, r: dict, i: int, t: dict, end: int, location: str) -> list[dict]:
    start_day, target = int(r["start_day"]), float(a.targets[i])
    window = a.demand.window(i, start_day, end + 1)
    need = math.ceil(policy.empirical_reorder_point(window, target))
    stock_at_start = max(float(a.with_plan[i, start_day - 1]) if start_day > 0 else float(a.available[i]), 0.0)
    if stock_at_start >= need:
        return []
    there = math.floor(stock_at_start)
    can_transfer = (t["location"] == "fbt" and a.upstream_available[i] > 0
                    and a.fixed[i] <= start_day - a.settings.receiving_buffer_days)
    days_left = (r["start"].normalize() - a.today).days - a.settings.receiving_buffer_days - int(a.fixed[i])
    return [_alert(r["sku"], location, "campaign_not_covered", r["start"].normalize(), campaign_id=r["campaign_id"],
                   type=r["type"], start=r["start"], need=need, target=target, expected=float(window.mean()),
                   order_by=r["order_by"], there=there,
                   transfer_up_to=float(min(a.upstream_available[i], need - there)) if can_transfer else None,
                   days_left=days_left, usual_lead_days=float(t["lead_time_days"]))]
