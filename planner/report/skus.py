"""A page per SKU that needs a decision (``decision_skus``): its plan in figures, its order lines with
their reasons, and its history, forecast band and projected stock in one figure."""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.io.orders_file import short_reason
from planner.plan import Plan
from planner.report import figures
from planner.report.formats import day, money, pct, plan_number
from planner.report.layout import MUTED, Document
from planner.report.measures import ReportContext

TOP_SKUS = 6


def sku_pages(pdf: Document, r: ReportContext, top_skus: int = TOP_SKUS) -> None:
    """A page for each of the first ``top_skus`` SKUs that need a decision."""
    top = decision_skus(r.plan.orders, r.plan.alerts, top_skus)
    history = r.forecast_result.history
    history = history[history["sku"].astype(str).isin(top)]  # one pass over every history row, not one per page
    path_index = {str(s): i for i, s in enumerate(r.forecast_result.paths.skus)}
    by_sku, ev = r.plan.plan.set_index("sku"), r.evaluation.set_index("sku")
    for sku in top:
        _sku_page(pdf, r, sku, by_sku.loc[sku], ev, history, path_index)


def _sku_page(pdf: Document, r: ReportContext, sku: str, row: pd.Series, ev: pd.DataFrame, history: pd.DataFrame,
              path_index: dict[str, int]) -> None:
    """One SKU's page: ``row`` its plan.csv row, ``ev`` the evaluation by SKU."""
    plan, settings, currency = r.plan, r.settings, r.currency
    pdf.add_page()
    pdf.heading(f"{sku} · {r.names.get(sku, '')}", size=13, space=0)
    pdf.text_line(f"class {row['class']} · {row['supplier']} · sells from {row['location']} · lead time "
                  f"{plan_number(row['lead_time_days'])} days · target {row['service_target']:.0%} "
                  f"{str(row['service_measure']).replace('_', ' ')}", size=8.5, color=MUTED)
    lost = float(ev.loc[sku, "lost_margin"]) if sku in ev.index else 0.0
    tied = float(r.overstock.get(sku, 0.0))
    pdf.text_line(f"Value at risk {money(lost + tied)} {currency}: expected lost margin {money(lost)} with this plan "
                  f"+ cash beyond {settings.overstock_days:.0f} days of cover {money(tied)}", size=9, style="B")
    pdf.text_line(_fill_words(ev.loc[sku] if sku in ev.index else None, row), size=8.5)
    stockout = day(row["stockout_date"]) or "not within the horizon"
    pdf.text_line(f"position {plan_number(row['position'])} (+ {plan_number(row['upstream_position'])} upstream) · "
                  f"reorder point {plan_number(row['reorder_point'])} · safety stock {plan_number(row['safety_stock'])} · "
                  f"order-up-to {plan_number(row['order_up_to'])} · ordered now {plan_number(row['order_quantity'])} · "
                  f"transfer in {plan_number(row['transfer_in'])} · without action runs out {stockout} · cover "
                  f"{plan_number(row['cover_days'])} days", size=8.5)
    mine = plan.orders[plan.orders["sku"] == sku]
    for o in mine.to_dict("records"):
        pdf.text_line(f"Order {int(o['quantity']):,d} from {o['supplier']} ({money(o['value'])} {currency}), arrives "
                      f"{day(o['expected_arrival'])}: {short_reason(o)}", size=7.5, color=MUTED)
    pdf.ln(1)
    room = pdf.h - pdf.b_margin - pdf.get_y() - 3  # the figure fills what is left of the page
    height = min(max(room / pdf.epw * 11.0, 4.4), 7.0)
    pdf.figure(_sku_figure(sku, history, r.forecast_result.paths, path_index, r.forecast_result.campaigns, plan, row,
                           r.today, settings, height))


def _fill_words(evaluation: pd.Series | None, row: pd.Series) -> str:
    """The page's fill figure and how it differs from the order line's "expected fill": the page counts
    every day from tomorrow to the next order's possible arrival, the days before this plan's orders
    can land included; the order line's figure is the level's, for a cycle once they have landed."""
    window = "no forecast days" if evaluation is None else (
        f"fill rate {pct(float(evaluation['fill_rate']))} over the next {int(evaluation['window_days'])} days, "
        "the days before this plan's orders can land included")
    level = row.get("expected_fill_rate")
    if level is None or pd.isna(level):
        return window
    return f"{window}; the level is set for {float(level):.1%} once they have landed (the order line's expected fill)"


#: alerts that ask the buyer to decide something about a SKU, by kind: a campaign its stock does not
#: cover, and a campaign expected to leave months of stock behind
CAMPAIGN_RISKS = ("campaign_not_covered", "ad_into_stockout")
OVERHANG = ("post_campaign_overhang",)


def decision_skus(orders: pd.DataFrame, alerts: pd.DataFrame, n: int) -> list[str]:
    """The SKUs a buyer decides on, in turn: a campaign not covered (soonest first), the largest order
    by value, a campaign overhang (soonest first), and so on, each SKU once. Dead stock gets no page:
    it needs no order and no campaign decision (the overstock table lists it).

    >>> orders = pd.DataFrame({"sku": ["A", "B", "A"], "value": [10.0, 50.0, 45.0]})
    >>> alerts = pd.DataFrame({"sku": ["C", "A", "D"], "kind": ["campaign_not_covered", "post_campaign_overhang",
    ...                        "no_sales"], "date": pd.to_datetime(["2026-12-01", "2026-12-02", "2026-12-03"])})
    >>> decision_skus(orders, alerts, 5)
    ['C', 'A', 'B']
    """
    def soonest(kinds) -> list[str]:
        chosen = alerts[alerts["kind"].isin(kinds)] if len(alerts) else alerts
        return list(dict.fromkeys(chosen.sort_values(["date", "sku"])["sku"].astype(str))) if len(chosen) else []

    by_value = orders.groupby(orders["sku"].astype(str))["value"].sum() if len(orders) else pd.Series(dtype=float)
    ordered = [s for s, _ in sorted(by_value.round(6).items(), key=lambda item: (-item[1], item[0]))]
    lists, chosen = [soonest(CAMPAIGN_RISKS), ordered, soonest(OVERHANG)], []
    while len(chosen) < n and any(lists):
        for candidates in lists:
            while candidates and candidates[0] in chosen:
                candidates.pop(0)
            if candidates and len(chosen) < n:
                chosen.append(candidates.pop(0))
    return chosen


def _sku_figure(sku, history, paths, path_index, campaigns, plan: Plan, row, today, settings, height: float = 5.6):
    h = history[history["sku"].astype(str) == sku]
    if sku in path_index:
        values = paths.rows([path_index[sku]])[0]  # one SKU's paths: a large shop's are drawn a block at a time
        dates = paths.dates
        band = pd.DataFrame({"date": dates, "mean": values.mean(axis=0), "low": np.quantile(values, 0.1, axis=0),
                             "high": np.quantile(values, 0.9, axis=0)})
        band = band[band["date"] > today]
    else:
        band = pd.DataFrame({"date": pd.date_range(today + pd.Timedelta(days=1), periods=settings.horizon_days),
                             "mean": 0.0, "low": 0.0, "high": 0.0})
    mine = campaigns[campaigns["sku"].astype(str) == sku] if campaigns is not None and len(campaigns) else None
    projected = plan.projected[plan.projected["sku"].astype(str) == sku]
    orders = plan.orders[plan.orders["sku"] == sku]
    # at the selling location: the plan's lead time counts transit and FBT receiving for FBT SKUs
    lead = pd.Timedelta(days=round(float(row["lead_time_days"])))
    arrivals = pd.DataFrame({"date": [pd.Timestamp(o) + lead for o in orders["order_by"]],
                             "quantity": orders["quantity"].to_numpy()})
    transfers = plan.transfers[plan.transfers["sku"] == sku]
    if len(transfers):
        arrivals = pd.concat([arrivals, pd.DataFrame({"date": pd.to_datetime(transfers["expected_receipt"]),
                                                      "quantity": transfers["quantity"].to_numpy()})], ignore_index=True)
    return figures.sku_figure(sku, h, band, mine, projected, float(row["reorder_point"]), float(row["safety_stock"]),
                              arrivals=arrivals, today=today, height=height)


__all__ = ["TOP_SKUS", "decision_skus", "sku_pages"]
