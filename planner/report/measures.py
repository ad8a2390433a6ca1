"""The figures the report shows besides the plan's own: orders per supplier, stock owned, cash tied in
overstock, the shop's health (turnover, days of cover, slow movers, forecast error) and its trend over
past runs; and ``ReportContext``, what every page reads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.plan import Plan, PlanSettings
from planner.report.formats import day_span, money, units

HEALTH_KEYS = ("inventory_turnover", "days_of_cover", "slow_moving_sku_share", "slow_moving_value_share", "forecast_wape")


@dataclass
class SupplierOrder:
    supplier: str
    lines: pd.DataFrame
    value: float
    units: int

    def summary_cells(self) -> list[str]:
        """Its row where a supplier is one line: supplier, lines, units, value, and the spans of its
        order-by and arrival days (its lines may differ)."""
        return [self.supplier, str(len(self.lines)), units(self.units), money(self.value), day_span(self.lines["order_by"]),
                day_span(self.lines["expected_arrival"])]


def supplier_orders(plan: Plan) -> list[SupplierOrder]:
    """The plan's order lines grouped per supplier, suppliers by name (as orders.csv sorts them)."""
    orders = plan.orders
    out = []
    for supplier, lines in orders.groupby("supplier", sort=True):
        out.append(SupplierOrder(str(supplier), lines, round(float(lines["value"].sum()), 2), int(lines["quantity"].sum())))
    return out


def owned_stock(inputs) -> pd.Series:
    """Units the shop owns per SKU: on hand (less unfulfillable) + in transit, over every location."""
    inv = inputs.inventory
    if inv is None or inv.empty:
        return pd.Series(dtype=float)
    frame = inv.copy()
    total = pd.to_numeric(frame["on_hand"]).fillna(0)
    for column, sign in (("unfulfillable", -1), ("in_transit", 1)):
        if column in frame.columns:
            total = total + sign * pd.to_numeric(frame[column]).fillna(0)
    return total.clip(lower=0).groupby(frame["sku"].astype(str)).sum()


def overstock_value(plan: Plan, inputs, settings: PlanSettings) -> pd.Series:
    """Money per SKU in stock beyond ``overstock_days`` of forecast demand, as the plan's overstock
    alert counts it: (position + upstream - overstock_days x daily forecast) x unit cost."""
    p = plan.plan.set_index("sku")
    stock = p["position"] + p["upstream_position"]
    daily = stock / p["cover_days"].where(p["cover_days"] > 0)
    over = (p["cover_days"] > settings.overstock_days) & (stock > 0)
    excess = (stock - settings.overstock_days * daily).where(over, 0.0).clip(lower=0).fillna(0.0)
    cost = inputs.products.set_index("sku")["unit_cost"].astype(float).reindex(p.index).fillna(0.0)
    return excess * cost


def backtest_metrics(backtest_table) -> pd.DataFrame | None:
    if backtest_table is None:
        return None
    table = getattr(backtest_table, "metrics", backtest_table)
    return table if isinstance(table, pd.DataFrame) and len(table) else None


def shop_health(inputs, forecast_result, plan: Plan, settings: PlanSettings, backtest_table=None,
                model: str | None = None) -> dict:
    """The figures sellers track, for the cover and for the run history (store them with the run's
    headline so the next report can show their trend).

    inventory_turnover      cost of goods sold over the last 365 days (annualised when the history is
                            shorter) / stock owned today at unit cost
    days_of_cover           stock owned today at unit cost / forecast cost of goods sold per day
    slow_moving_*           SKUs in stock whose last sale is more than ``no_sale_days`` ago: share of
                            the SKUs in stock and of the stock's value (SKUs new to the history excluded)
    forecast_wape           weighted absolute % error of the shop's model in the last backtest (all SKUs)
    """
    today = pd.Timestamp(forecast_result.today)
    cost = inputs.products.set_index("sku")["unit_cost"].astype(float)
    stock = owned_stock(inputs)
    stock_value = (stock * cost.reindex(stock.index).fillna(0.0))
    total_value = float(stock_value.sum())
    # the history's columns as arrays and its SKUs as codes: filtering the frame itself copies
    # millions of SKU strings per filter at 10,000 SKUs
    history = forecast_result.history
    codes, history_skus = pd.factorize(history["sku"].astype(str))
    dates, sales = history["date"].to_numpy(), history["units"].to_numpy()
    recent = (dates > np.datetime64(today - pd.Timedelta(days=365))) & (dates <= np.datetime64(today))
    span = max(int((dates[recent].max() - dates[recent].min()) // np.timedelta64(1, "D")) + 1, 1) if recent.any() else 1
    sold = _by_sku(pd.Series(sales[recent]).groupby(codes[recent]).sum(), history_skus)
    cogs_year = float((sold * cost.reindex(sold.index).fillna(0.0)).sum()) * 365 / span
    forecast = forecast_result.forecast
    window = forecast[(forecast["date"] > today) & (forecast["date"] <= today + pd.Timedelta(days=settings.horizon_days))]
    daily_units = window.groupby(window["sku"].astype(str))["mean"].mean()
    daily_cogs = float((daily_units * cost.reindex(daily_units.index).fillna(0.0)).sum())
    last_sale = _by_sku(pd.Series(dates[sales > 0]).groupby(codes[sales > 0]).max(), history_skus)
    in_stock = stock[stock > 0]
    # a SKU in stock is slow when the history knows it and it sold nothing in the last no_sale_days
    # (never sold counts as slow)
    since_sale = (today - last_sale.reindex(in_stock.index)).dt.days
    known = in_stock.index.isin(history_skus)
    slow = in_stock.index[known & ~(since_sale <= settings.no_sale_days).to_numpy()]
    health = {
        "stock_value": round(total_value, 2),
        "inventory_turnover": cogs_year / total_value if total_value > 0 else None,
        "days_of_cover": total_value / daily_cogs if daily_cogs > 0 else None,
        "slow_moving_skus": len(slow),
        "stocked_skus": len(in_stock),
        "slow_moving_sku_share": len(slow) / len(in_stock) if len(in_stock) else None,
        "slow_moving_value": round(float(stock_value.reindex(slow).sum()), 2),
        "slow_moving_value_share": float(stock_value.reindex(slow).sum()) / total_value if total_value > 0 else None,
        "forecast_wape": None,
        "forecast_model": None,
    }
    metrics = backtest_metrics(backtest_table)
    if metrics is not None:
        overall = metrics[metrics["segment"] == "all"]
        chosen = overall[overall["model"] == model] if model is not None and (overall["model"] == model).any() else overall.head(1)
        if len(chosen):
            health["forecast_wape"] = float(chosen["wape"].iloc[0])
            health["forecast_model"] = str(chosen["model"].iloc[0])
            health.update(_typical_day(metrics, health["forecast_model"]))
    return health


def _typical_day(metrics: pd.DataFrame, model: str) -> dict:
    """What the error means on a typical day of a top seller (class A, else all SKUs): the mean
    absolute error per SKU and day (WAPE x units / SKU-days) beside the units sold per SKU and day."""
    rows = metrics[(metrics["model"] == model)]
    top = rows[(rows["segment"] == "abc") & (rows["value"].astype(str) == "A")]
    row = (top if len(top) else rows[rows["segment"] == "all"]).head(1)
    if row.empty or not float(row["n_days"].iloc[0]) > 0:
        return {}
    per_day = float(row["units"].iloc[0]) / float(row["n_days"].iloc[0])
    return {"forecast_day_error": float(row["wape"].iloc[0]) * per_day, "forecast_day_units": per_day,
            "forecast_day_scope": "class A SKU" if len(top) else "SKU"}


def _by_sku(per_code: pd.Series, skus) -> pd.Series:
    """A figure per SKU code (pd.factorize) as a Series by SKU, SKUs sorted as a groupby sorts them."""
    return pd.Series(per_code.to_numpy(), index=pd.Index(skus[per_code.index.to_numpy()], dtype=object)).sort_index()


def run_trends(history_of_runs: pd.DataFrame | None) -> pd.DataFrame:
    """One row per past run (oldest first): date and the health figures its headline holds."""
    if history_of_runs is None or len(history_of_runs) == 0 or "headline" not in history_of_runs.columns:
        return pd.DataFrame(columns=["date", *HEALTH_KEYS, "purchase_value"])
    rows = []
    for record in history_of_runs.to_dict("records"):
        headline = record.get("headline")
        if isinstance(headline, str):
            try:
                headline = json.loads(headline)
            except ValueError:
                headline = None
        if not isinstance(headline, dict):
            continue
        if record.get("status") not in (None, "succeeded"):
            continue
        health = headline.get("health", headline)
        rows.append({"date": pd.Timestamp(record.get("started_at")).tz_localize(None) if pd.Timestamp(record.get("started_at")).tzinfo else pd.Timestamp(record.get("started_at")),
                     **{k: health.get(k) for k in HEALTH_KEYS}, "purchase_value": headline.get("purchase_value")})
    frame = pd.DataFrame(rows, columns=["date", *HEALTH_KEYS, "purchase_value"])
    return frame.sort_values("date").reset_index(drop=True)



@dataclass(frozen=True)
class ReportContext:
    """What the pages read: the plan, its inputs and settings, and the figures build_report works out
    once for all of them."""

    shop_name: str
    currency: str
    model: str  # the shop's planning model (shop.toml)
    today: pd.Timestamp
    settings: PlanSettings
    inputs: object
    forecast_result: object
    plan: Plan
    names: pd.Series  # product name per SKU
    evaluation: pd.DataFrame  # planner.scenarios.evaluate_plan of the plan
    overstock: pd.Series  # overstock_value
    health: dict  # shop_health
    trends: pd.DataFrame  # run_trends
    campaigns_at_risk: list[str]
    orders_by_supplier: list[SupplierOrder]
    warnings: tuple[str, ...] = ()  # what looked wrong in the inputs (planner.io.checks), for the cover

    @property
    def stockouts(self) -> pd.DataFrame:
        """The alerts of SKUs that run out before an order placed today can arrive."""
        return self.plan.alerts[self.plan.alerts["kind"] == "stockout_before_arrival"]


__all__ = ["HEALTH_KEYS", "ReportContext", "SupplierOrder", "backtest_metrics", "overstock_value", "owned_stock",
           "run_trends", "shop_health", "supplier_orders"]
