"""The buyer's PDF: cover with the headline and the shop's health, restock orders per supplier ready to
forward, risks, a page per top SKU by value at risk, the scenario comparison and forecast accuracy.

``build_report`` is the one entry point. The numbers come from the plan's own frames (the ones
pipeline.write_plan writes), formatted once here: money with 2 decimals, units as whole numbers.
Same inputs give the same bytes: the creation date is the planning day, fonts are the ones shipped in
``planner/report/fonts`` (Noto Sans, Noto Sans Thai, a GB 2312 subset of Noto Sans CJK; OFL) and
figures are drawn without timestamps.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from planner.plan import Plan, PlanSettings
from planner.plan.settings import plan_settings
from planner.report import figures
from planner.report.layout import INK, LISTING_SIZE, MUTED, WARN, Column, Document

TOP_SKUS = 6
MAX_RISK_ROWS = 20
#: order (or transfer) lines up to which each line's reason is printed in full; a larger plan's lines
#: get one line each (2,101 order lines with 3-line reasons made 150 pages at 10,000 SKUs)
FULL_REASONS = 200
HEALTH_KEYS = ("inventory_turnover", "days_of_cover", "slow_moving_sku_share", "slow_moving_value_share", "forecast_wape")


# ------------------------------------------------------------------------------------------ numbers

def money(value: float) -> str:
    """Money as the orders CSV holds it, to the cent: 26,821.92."""
    return f"{value:,.2f}"


def units(value: float) -> str:
    return f"{value:,.0f}"


def day(value) -> str:
    return "" if value is None or pd.isna(value) else f"{pd.Timestamp(value):%Y-%m-%d}"


def plan_number(value: float) -> str:
    """A plan.csv figure as that file holds it (pipeline.write_frame rounds floats to 4 decimals and
    writes whole numbers without a decimal point)."""
    if value is None or pd.isna(value):
        return ""
    text = repr(round(float(value), 4))
    return text.removesuffix(".0")


def pct(value: float | None, digits: int = 0) -> str:
    return "n/a" if value is None or not np.isfinite(value) else f"{value * 100:.{digits}f} %"


@dataclass
class SupplierOrder:
    supplier: str
    lines: pd.DataFrame
    value: float
    units: int


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
    return health


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


# ------------------------------------------------------------------------------------------ the PDF

def _names(inputs) -> pd.Series:
    return inputs.products.drop_duplicates("sku").set_index("sku")["name"].astype(str)


def build_report(shop, inputs, forecast_result, plan: Plan, out_path, scenarios_table: pd.DataFrame | None = None,
                 backtest_table=None, history_of_runs: pd.DataFrame | None = None,
                 settings: PlanSettings | None = None, top_skus: int = TOP_SKUS, health: dict | None = None) -> Path:
    """Write the buyer's PDF report of ``plan`` to ``out_path`` and return the path.

    ``scenarios_table``: planner.scenarios.compare_scenarios(...); ``backtest_table``: a
    forecast.backtest.BacktestResult or its ``metrics`` frame; ``history_of_runs``: Store.runs()
    (a ``headline`` JSON per run; health figures in it, under ``health`` or at its top level, give
    the trends); ``health``: shop_health(...) of these inputs if the caller has it already (it reads
    every history row: a second of a 10,000-SKU shop's report). Same inputs give the same bytes.
    """
    from planner.scenarios import campaigns_at_risk, evaluate_plan

    settings = settings or plan_settings(shop.config)
    config = shop.config
    currency = config.shop.currency
    today = pd.Timestamp(forecast_result.today).normalize()
    names = _names(inputs)
    if health is None:
        health = shop_health(inputs, forecast_result, plan, settings, backtest_table, model=config.planning.model)
    evaluation = evaluate_plan(plan, forecast_result.paths, inputs, settings, today)
    overstock = overstock_value(plan, inputs, settings)
    trends = run_trends(history_of_runs)
    at_risk_campaigns = campaigns_at_risk(plan)
    alerts = plan.alerts
    stockouts = alerts[alerts["kind"] == "stockout_before_arrival"]
    horizon_end = today + pd.Timedelta(days=settings.horizon_days)

    footer = f"restock · {config.shop.name} · plan of {today:%Y-%m-%d}"
    pdf = Document(footer)
    created = dt.datetime(today.year, today.month, today.day, tzinfo=dt.UTC)
    pdf.set_creation_date(created)
    pdf.set_title(f"Restock plan {config.shop.name} {today:%Y-%m-%d}")
    pdf.set_author("restock")
    pdf.set_creator("restock")
    pdf.set_lang("en")

    # ---------------------------------------------------------------- cover
    pdf.add_page()
    pdf.heading(f"Restock plan · {config.shop.name}", size=20, space=1)
    model_name = str(forecast_result.forecast["model"].iloc[0]) if len(forecast_result.forecast) else config.planning.model
    pdf.text_line(f"Planning day {today:%A %d %B %Y}  ·  horizon {settings.horizon_days} days, to {horizon_end:%Y-%m-%d}  ·  "
                  f"forecast model: {model_name}  ·  amounts in {currency}", size=9, color=MUTED)
    pdf.ln(3)
    orders_by_supplier = supplier_orders(plan)
    total_value = round(float(plan.orders["value"].sum()), 2) if len(plan.orders) else 0.0
    total_units = int(plan.orders["quantity"].sum()) if len(plan.orders) else 0
    cash_over = float(overstock.sum())
    y, w, gap = pdf.get_y(), (pdf.epw - 3 * 4) / 4, 4
    pdf.tile(pdf.l_margin, y, w, 27, "Purchase value", money(total_value),
             f"{len(plan.orders)} order lines, {units(total_units)} units, {len(orders_by_supplier)} suppliers")
    pdf.tile(pdf.l_margin + (w + gap), y, w, 27, "SKUs at risk", f"{stockouts['sku'].nunique()}",
             "run out before an order placed today can arrive", color=WARN if len(stockouts) else INK)
    pdf.tile(pdf.l_margin + 2 * (w + gap), y, w, 27, "Campaigns at risk", f"{len(at_risk_campaigns)}",
             "not covered in time, or an ad running into a stockout", color=WARN if at_risk_campaigns else INK)
    pdf.tile(pdf.l_margin + 3 * (w + gap), y, w, 27, "Cash tied in overstock", money(cash_over),
             f"stock beyond {settings.overstock_days:.0f} days of forecast demand, at unit cost")
    pdf.set_y(y + 31)

    actions = _first_actions(plan, names)
    if actions:
        pdf.ensure_space(12 + 8 * len(actions))
        pdf.heading("Act first", size=11, space=1)
        for text in actions:
            pdf.text_line(f"•  {text}", size=8.5)
        pdf.ln(2)
    pdf.heading("Purchase value per supplier", size=11, space=1)
    rows = [[o.supplier, str(len(o.lines)), units(o.units), money(o.value), day(o.lines["order_by"].min()),
             day(o.lines["expected_arrival"].min())] for o in orders_by_supplier]
    rows.append(["Total", str(len(plan.orders)), units(total_units), money(total_value), "", ""])
    pdf.table_of(["Supplier", "Order lines", "Units", f"Value ({currency})", "Order by", "Expected arrival"], rows,
                 [60, 22, 22, 32, 28, 30], ["LEFT", "RIGHT", "RIGHT", "RIGHT", "LEFT", "LEFT"], size=8.5, bold_last=True)

    pdf.heading("Shop health", size=11, space=1)
    previous = trends.iloc[-1] if len(trends) else None

    def trend_note(key: str, fmt) -> str:
        if previous is None or previous.get(key) is None or pd.isna(previous.get(key)):
            return "no earlier run to compare with"
        return f"last run ({previous['date']:%Y-%m-%d}): {fmt(previous[key])}"

    y = pdf.get_y()
    turnover = health["inventory_turnover"]
    cover = health["days_of_cover"]
    pdf.tile(pdf.l_margin, y, w, 30, "Inventory turnover (per year)", "n/a" if turnover is None else f"{turnover:.1f}x",
             f"cost of goods sold, last 365 days / stock owned ({money(health['stock_value'])})\n"
             + trend_note("inventory_turnover", lambda v: f"{v:.1f}x"))
    pdf.tile(pdf.l_margin + (w + gap), y, w, 30, "Days of cover", "n/a" if cover is None else f"{cover:.0f} days",
             "stock owned / forecast cost of goods sold per day\n" + trend_note("days_of_cover", lambda v: f"{v:.0f} days"))
    pdf.tile(pdf.l_margin + 2 * (w + gap), y, w, 30, f"Slow-moving (no sale in {settings.no_sale_days} days)",
             f"{pct(health['slow_moving_sku_share'])} of SKUs",
             f"{health['slow_moving_skus']} of {health['stocked_skus']} SKUs in stock; {pct(health['slow_moving_value_share'])} of "
             f"stock value ({money(health['slow_moving_value'])})\n" + trend_note("slow_moving_sku_share", pct))
    wape = health["forecast_wape"]
    pdf.tile(pdf.l_margin + 3 * (w + gap), y, w, 30, "Forecast accuracy (last backtest)",
             "n/a" if wape is None else f"{pct(wape)} error",
             ("run `restock backtest` to measure it" if wape is None else
              f"weighted absolute % error of the {health['forecast_model']} model, all SKUs\n"
              + trend_note("forecast_wape", pct)))
    pdf.set_y(y + 34)
    if len(trends):
        now = pd.DataFrame([{"date": today, **{k: health.get(k) for k in HEALTH_KEYS}, "purchase_value": total_value}])
        shown = pd.concat([trends, now], ignore_index=True).dropna(axis=1, how="all")
        for share in ("slow_moving_sku_share", "slow_moving_value_share", "forecast_wape"):
            if share in shown.columns:
                shown[share] = pd.to_numeric(shown[share]) * 100
        labels = {"inventory_turnover": "turnover (x/year)", "days_of_cover": "days of cover",
                  "slow_moving_sku_share": "slow-moving SKUs %", "slow_moving_value_share": "slow-moving value %",
                  "forecast_wape": "forecast error %", "purchase_value": f"purchase value {currency}"}
        if len(shown.columns) > 1:
            pdf.ensure_space(pdf.epw * 1.45 / 11.0 + 8)
            pdf.text_line("Shop health over the past runs (the last point is this run):", size=8, color=MUTED)
            pdf.figure(figures.trend_figure(shown.rename(columns=labels)))
    pdf.text_line("Contents: restock orders per supplier · transfers to FBT · risks · the SKUs with the most value at risk"
                  + (" · scenarios" if scenarios_table is not None else "")
                  + (" · forecast accuracy" if backtest_table is not None else ""), size=8, color=MUTED)

    # ---------------------------------------------------------------- orders
    pdf.add_page()
    pdf.heading("Restock orders per supplier")
    full_reasons = len(plan.orders) <= FULL_REASONS
    pdf.text_line("Ready to forward: one table per supplier. Quantities are rounded to the supplier's case pack and MOQ; "
                  + ("the reason says how each quantity was reached." if full_reasons else
                     "the reason, in short: the SKU's position (on hand + on order) and the order-up-to level the line "
                     "orders toward (plan.csv), and the MOQ, campaign pre-build or budget cap when one set the quantity. "
                     "orders.csv holds each line's full reason."), size=8, color=MUTED)
    pdf.ln(1)
    if not orders_by_supplier:
        pdf.text_line("Nothing to order this cycle.")
    for order in orders_by_supplier:
        _order_table(pdf, order, plan, names, currency, full_reasons)
    if len(plan.transfers):
        _transfer_table(pdf, plan.transfers, names)

    # ---------------------------------------------------------------- risks
    # a new page unless the orders left most of one free (no page holding a table's last row alone)
    pdf.ensure_space((pdf.h - pdf.t_margin - pdf.b_margin) * 0.6)
    pdf.heading("Risks")
    pdf.heading("Runs out before the next arrival", size=11, space=1)
    if stockouts.empty:
        pdf.text_line("No SKU is expected to run out before an order placed today arrives.")
    else:
        rows = [[str(r.sku), names.get(str(r.sku), ""), str(r.location), day(r.date), str(r.message)]
                for r in stockouts.sort_values(["date", "sku"]).head(MAX_RISK_ROWS).itertuples()]
        _more(pdf, len(stockouts), "the soonest first")
        pdf.table_of(["SKU", "Name", "At", "Runs out", "What to do"], rows, [28, 45, 12, 20, 170],
                     ["LEFT", "LEFT", "LEFT", "LEFT", "LEFT"], size=7)
    campaign_alerts = alerts[alerts["kind"].isin(["campaign_not_covered", "ad_into_stockout"])]
    pdf.ensure_space(25)
    pdf.heading("Campaigns not covered", size=11, space=1)
    if campaign_alerts.empty:
        pdf.text_line("Every planned campaign has its stock in time.")
    else:
        rows = [[str(r.sku), names.get(str(r.sku), ""), day(r.date), str(r.message)]
                for r in campaign_alerts.sort_values(["date", "sku"]).head(MAX_RISK_ROWS).itertuples()]
        _more(pdf, len(campaign_alerts), "the soonest first")
        pdf.table_of(["SKU", "Name", "From", "Campaign and what to do"], rows, [28, 45, 20, 182],
                     ["LEFT", "LEFT", "LEFT", "LEFT"], size=7)
    pdf.ensure_space(25)
    pdf.heading("Overstock and clearance candidates", size=11, space=1)
    # under the heading, as _more: after the table it could land alone on a page of its own
    overhang = int((alerts["kind"] == "post_campaign_overhang").sum())
    if overhang:
        pdf.text_line(f"{overhang} campaign/SKU pairs are expected to leave more than {settings.overstock_days:.0f} days of "
                      f"normal sales in stock after the campaign (alerts.csv, kind post_campaign_overhang).", size=8, color=MUTED)
    p = plan.plan.set_index("sku")
    unit_cost = inputs.products.drop_duplicates("sku").set_index("sku")["unit_cost"].astype(float)
    no_sales = set(alerts.loc[alerts["kind"] == "no_sales", "sku"].astype(str))
    candidates = overstock[overstock > 0].index.union(pd.Index(sorted(no_sales)))
    if len(candidates) == 0:
        pdf.text_line("No overstock and no clearance candidate.")
    else:
        table = pd.DataFrame({"sku": candidates})
        table["stock"] = table["sku"].map(p["position"] + p["upstream_position"]).fillna(0)
        table["cover"] = table["sku"].map(p["cover_days"])
        table["tied"] = table["sku"].map(overstock).fillna(0.0)
        table["stock_value"] = table["stock"] * table["sku"].map(unit_cost).fillna(0.0)
        table["no_sale"] = table["sku"].isin(no_sales)
        table = table.sort_values(["tied", "stock_value", "sku"], ascending=[False, False, True])
        rows = [[r.sku, names.get(r.sku, ""), units(r.stock), "" if pd.isna(r.cover) else (plan_number(r.cover) if r.cover < 1000 else "999+"),
                 money(r.tied), money(r.stock_value), "yes" if r.no_sale else ""]
                for r in table.head(MAX_RISK_ROWS).itertuples()]
        _more(pdf, len(table), "the most cash tied up first")
        pdf.table_of(["SKU", "Name", "Stock + on order", "Days of cover", f"Beyond {settings.overstock_days:.0f} days ({currency})",
                      f"Stock value ({currency})", f"No sale in {settings.no_sale_days} days"], rows,
                     [30, 70, 25, 25, 45, 40, 38], ["LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "LEFT"], size=7)

    # ---------------------------------------------------------------- SKU pages
    top = top_skus_at_risk(evaluation.set_index("sku")["lost_margin"], overstock, top_skus)
    history = forecast_result.history
    history = history[history["sku"].astype(str).isin(top)]  # one pass over every history row, not one per page
    paths = forecast_result.paths
    path_index = {str(s): i for i, s in enumerate(paths.skus)}
    camp = forecast_result.campaigns
    ev = evaluation.set_index("sku")
    for sku in top:
        pdf.add_page()
        row = p.loc[sku]
        pdf.heading(f"{sku} · {names.get(sku, '')}", size=13, space=0)
        pdf.text_line(f"class {row['class']} · {row['supplier']} · sells from {row['location']} · lead time "
                      f"{plan_number(row['lead_time_days'])} days · target {row['service_target']:.0%} "
                      f"{str(row['service_measure']).replace('_', ' ')}", size=8.5, color=MUTED)
        lost = float(ev.loc[sku, "lost_margin"]) if sku in ev.index else 0.0
        tied = float(overstock.get(sku, 0.0))
        pdf.text_line(f"Value at risk {money(lost + tied)} {currency}: expected lost margin {money(lost)} with this plan "
                      f"(fill rate {pct(float(ev.loc[sku, 'fill_rate']) if sku in ev.index else None)} over the "
                      f"{int(ev.loc[sku, 'window_days']) if sku in ev.index else 0} days it covers) + cash beyond "
                      f"{settings.overstock_days:.0f} days of cover {money(tied)}", size=9, style="B")
        stockout = day(row["stockout_date"]) or "not within the horizon"
        pdf.text_line(f"position {plan_number(row['position'])} (+ {plan_number(row['upstream_position'])} upstream) · "
                      f"reorder point {plan_number(row['reorder_point'])} · safety stock {plan_number(row['safety_stock'])} · "
                      f"order-up-to {plan_number(row['order_up_to'])} · ordered now {plan_number(row['order_quantity'])} · "
                      f"transfer in {plan_number(row['transfer_in'])} · without action runs out {stockout} · cover "
                      f"{plan_number(row['cover_days'])} days", size=8.5)
        mine = plan.orders[plan.orders["sku"] == sku]
        for r in mine.itertuples():
            pdf.text_line(f"Order {int(r.quantity):,d} from {r.supplier} ({money(r.value)} {currency}), arrives "
                          f"{day(r.expected_arrival)}: {r.reason}", size=7.5, color=MUTED)
        pdf.ln(1)
        room = pdf.h - pdf.b_margin - pdf.get_y() - 3  # the figure fills what is left of the page
        height = min(max(room / pdf.epw * 11.0, 4.4), 7.0)
        pdf.figure(_sku_figure(sku, history, paths, path_index, camp, plan, row, today, settings, height))

    # ---------------------------------------------------------------- scenarios
    if scenarios_table is not None and len(scenarios_table):
        pdf.add_page()
        pdf.heading("What-if scenarios")
        pdf.text_line("Each scenario is planned against the same forecast as this plan; fill rate and lost sales are "
                      "replayed over the forecast's sample paths for the days the orders cover.", size=8, color=MUTED)
        pdf.ln(1)
        rows = []
        for r in scenarios_table.to_dict("records"):
            rows.append([str(r["scenario"]),
                         f"{money(r['purchase_value'])}\n{_signed(r['purchase_value_vs_baseline'], money)}",
                         f"{units(r['units'])}\n{_signed(r['units_vs_baseline'], units)}",
                         f"{pct(r['fill_rate'], 1)}\n{_signed(r['fill_rate_vs_baseline'] * 100, lambda v: f'{v:.1f} pt')}",
                         f"{units(r['lost_units'])}\n{_signed(r['lost_units_vs_baseline'], units)}",
                         f"{money(r['lost_margin'])}\n{_signed(r['lost_margin_vs_baseline'], money)}",
                         f"{units(r['campaigns_at_risk'])}\n{_signed(r['campaigns_at_risk_vs_baseline'], units)}",
                         f"{money(r['end_inventory_value'])}\n{_signed(r['end_inventory_value_vs_baseline'], money)}"])
        pdf.table_of(["Scenario", f"Purchase value ({currency})", "Units", "Expected fill rate", "Lost sales (units)",
                      f"Lost margin ({currency})", "Campaigns at risk", f"Stock at horizon end ({currency})"], rows,
                     [62, 32, 20, 26, 26, 32, 24, 40], ["LEFT"] + ["RIGHT"] * 7, size=7.5)
        pdf.text_line("Second line of each cell: difference to the plan as it is.", size=7.5, color=MUTED)
        for r in scenarios_table.to_dict("records"):
            if r.get("note"):
                pdf.text_line(f"{r['scenario']}: {r['note']}.", size=7.5, color=MUTED)
        pdf.ln(2)
        pdf.figure(figures.scenario_figure(scenarios_table, currency))

    # ---------------------------------------------------------------- accuracy
    metrics = backtest_metrics(backtest_table)
    if metrics is not None:
        pdf.add_page()
        pdf.heading("Forecast accuracy (last backtest)")
        cutoffs = getattr(backtest_table, "cutoffs", None)
        if cutoffs:
            pdf.text_line(f"Rolling-origin backtest from {len(cutoffs)} cut-offs ({', '.join(day(c) for c in cutoffs)}); "
                          "WAPE = weighted absolute % error, bias = over (+) or under (-) forecast, MASE < 1 beats the "
                          "seasonal naive forecast, coverage = share of days at or under the 90 % quantile.", size=8, color=MUTED)
        shown = metrics[metrics["segment"].isin(["all", "abc", "campaign days"])]
        rows = [[str(r["model"]), figures.segment_label(r["segment"], r["value"]),
                 units(r["units"]), pct(r["wape"], 1), pct(r["bias"], 1),
                 "n/a" if pd.isna(r["mase"]) else f"{r['mase']:.2f}", pct(r.get("coverage_p90"), 0)]
                for r in shown.to_dict("records")]
        pdf.table_of(["Model", "Segment", "Units", "WAPE", "Bias", "MASE", "Coverage p90"], rows,
                     [40, 40, 28, 28, 28, 28, 30], ["LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"], size=8)
        pdf.figure(figures.accuracy_figure(shown))

    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(f".{out_path.name}.tmp")
    pdf.output(str(tmp))
    tmp.replace(out_path)
    return out_path


def _more(pdf, total: int, order: str) -> None:
    """A risk table shows its first MAX_RISK_ROWS rows: a report is read, alerts.csv holds them all. Said
    above the table: a line after it can land alone on a page of its own."""
    if total > MAX_RISK_ROWS:
        pdf.text_line(f"{MAX_RISK_ROWS} of {total} shown, {order}; alerts.csv lists them all.", size=8, color=MUTED)


def _order_table(pdf: Document, order: SupplierOrder, plan: Plan, names: pd.Series, currency: str, full_reasons: bool):
    """One supplier's order: its totals, then a line per order line (the full reason, wrapped, when
    ``full_reasons``; else short_reason)."""
    pdf.ensure_space(30)
    pdf.heading(order.supplier, size=11, space=0)
    pdf.text_line(f"Total {order.supplier}: {len(order.lines)} lines, {units(order.units)} units, "
                  f"{money(order.value)} {currency}", size=8.5, style="B")
    pdf.ln(1)
    levels = None if full_reasons else plan.plan.drop_duplicates("sku").set_index("sku")
    rows = []
    for line in order.lines.to_dict("records"):
        sku = str(line["sku"])
        rows.append([sku, names.get(sku, str(line["name"])), f"{int(line['quantity']):,d}",
                     f"{int(line['cases'])} x {int(line['case_pack'])}", money(line["unit_cost"]), money(line["value"]),
                     day(line["order_by"]), day(line["expected_arrival"]),
                     str(line["reason"]) if full_reasons else short_reason(line, levels)])
    pdf.listing([Column("SKU", _sku_width(pdf, order.lines["sku"])), Column("Name", 36, text=True), Column("Qty", 11, "R"),
                 Column("Case packs", 16, "R"), Column("Unit cost", 16, "R"), Column("Value", 19, "R"),
                 Column("Order by", 17), Column("Arrives", 17), Column("Reason", 0, text=True)],
                rows, wrap=full_reasons)


def _transfer_table(pdf: Document, transfers: pd.DataFrame, names: pd.Series):
    pdf.ensure_space(30)
    pdf.heading("Transfers own warehouse -> FBT", size=11, space=1)
    full_reasons = len(transfers) <= FULL_REASONS
    if not full_reasons:
        pdf.text_line("Reasons longer than a line are cut short; transfers.csv holds them in full.", size=8, color=MUTED)
    rows = [[str(r.sku), names.get(str(r.sku), ""), units(r.quantity), day(r.ship_by), day(r.expected_receipt), str(r.reason)]
            for r in transfers.itertuples()]
    pdf.listing([Column("SKU", _sku_width(pdf, transfers["sku"])), Column("Name", 45, text=True), Column("Qty", 14, "R"),
                 Column("Ship by", 20), Column("Received", 20), Column("Reason", 0, text=True)],
                rows, wrap=full_reasons)


def _sku_width(pdf: Document, skus: pd.Series) -> float:
    """A listing's SKU column: as wide as its longest SKU code (never cut: it is what the supplier
    reads), 24 to 50 mm."""
    return min(max(pdf.column_width(skus.astype(str).unique(), LISTING_SIZE), 24.0), 50.0)


def short_reason(line, levels: pd.DataFrame) -> str:
    """An order line's reason in a few words, from its fields (planner.plan.lines): 'position 66 -> up
    to 76' (plan.csv: position + upstream_position, and order_up_to), then what else set the quantity:
    'MOQ 10', 'pre-build for <campaign>', 'cut by the budget cap'."""
    parts = []
    sku = str(line["sku"])
    if sku in levels.index:
        row = levels.loc[sku]
        parts.append(f"position {row['position'] + row['upstream_position']:,.0f} -> up to {row['order_up_to']:,.0f}")
    if line["moq_bound"]:
        parts.append(f"MOQ {int(line['moq'])}")
    if line["pre_build"] is not None:
        parts.append(f"pre-build for {line['pre_build'].campaign_id}")
    if line["budget_cut"]:
        parts.append("cut by the budget cap")
    return "; ".join(parts)


def _first_actions(plan: Plan, names: pd.Series, limit: int = 5) -> list[str]:
    """The most urgent alerts in a sentence each: earliest stockouts before an arrival, then the
    campaigns not covered, by date."""
    alerts = plan.alerts
    urgent = alerts[alerts["kind"].isin(["stockout_before_arrival", "campaign_not_covered"])].copy()
    urgent["rank"] = urgent["kind"].map({"stockout_before_arrival": 0, "campaign_not_covered": 1})
    urgent = urgent.sort_values(["date", "rank", "sku"]).head(limit)
    return [f"{r.sku} {names.get(str(r.sku), '')}: {r.message}" for r in urgent.itertuples()]


def top_skus_at_risk(lost_margin: pd.Series, overstock: pd.Series, n: int) -> list[str]:
    """The SKUs with the most value at risk: alternately the largest expected lost margin with this
    plan (sales at risk) and the most cash beyond the overstock cover (money at risk), so that one
    kind of risk cannot crowd out the other; each list ranked by value, ties by SKU."""
    def ranked(values: pd.Series) -> list[str]:
        values = values[values > 0.005]
        return [s for s, _ in sorted(values.round(6).items(), key=lambda item: (-item[1], item[0]))]

    lists, chosen = [ranked(lost_margin), ranked(overstock)], []
    while len(chosen) < n and any(lists):
        for candidates in lists:
            while candidates and candidates[0] in chosen:
                candidates.pop(0)
            if candidates and len(chosen) < n:
                chosen.append(candidates.pop(0))
    return chosen


def _signed(value: float, fmt) -> str:
    """'+1,234.00' / '-5' / '±0' (also when the change rounds to zero at the shown precision)."""
    if value is None or pd.isna(value):
        return "±0"
    text = fmt(abs(value))
    if not any(c in "123456789" for c in text):
        return "±0"
    return ("+" if value > 0 else "-") + text


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
