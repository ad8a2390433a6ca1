"""The risks pages: SKUs that run out before the next arrival, campaigns not covered, and overstock and
clearance candidates; each table shows its first MAX_RISK_ROWS rows (alerts.csv holds them all)."""

from __future__ import annotations

import pandas as pd

from planner.report.formats import day, money, plan_number, units
from planner.report.layout import MUTED, Document
from planner.report.measures import ReportContext

MAX_RISK_ROWS = 20


def risk_pages(pdf: Document, r: ReportContext) -> None:
    """The three risk tables, from a new page unless the orders left most of one free."""
    # a new page unless the orders left most of one free (no page holding a table's last row alone)
    pdf.ensure_space((pdf.h - pdf.t_margin - pdf.b_margin) * 0.6)
    pdf.heading("Risks")
    _stockout_table(pdf, r)
    _campaign_table(pdf, r)
    _overstock_table(pdf, r)


def _stockout_table(pdf: Document, r: ReportContext) -> None:
    stockouts = r.stockouts
    pdf.heading("Runs out before the next arrival", size=11, space=1)
    if stockouts.empty:
        pdf.text_line("No SKU is expected to run out before an order placed today arrives.")
    else:
        rows = [[str(a.sku), r.names.get(str(a.sku), ""), str(a.location), day(a.date), str(a.message)]
                for a in stockouts.sort_values(["date", "sku"]).head(MAX_RISK_ROWS).itertuples()]
        _more(pdf, len(stockouts), "the soonest first")
        pdf.table_of(["SKU", "Name", "At", "Runs out", "What to do"], rows, [28, 45, 12, 20, 170],
                     ["LEFT", "LEFT", "LEFT", "LEFT", "LEFT"], size=7)


def _campaign_table(pdf: Document, r: ReportContext) -> None:
    alerts = r.plan.alerts
    campaign_alerts = alerts[alerts["kind"].isin(["campaign_not_covered", "ad_into_stockout"])]
    pdf.ensure_space(25)
    pdf.heading("Campaigns not covered", size=11, space=1)
    if campaign_alerts.empty:
        pdf.text_line("Every planned campaign has its stock in time.")
    else:
        rows = [[str(a.sku), r.names.get(str(a.sku), ""), day(a.date), str(a.message)]
                for a in campaign_alerts.sort_values(["date", "sku"]).head(MAX_RISK_ROWS).itertuples()]
        _more(pdf, len(campaign_alerts), "the soonest first")
        pdf.table_of(["SKU", "Name", "From", "Campaign and what to do"], rows, [28, 45, 20, 182],
                     ["LEFT", "LEFT", "LEFT", "LEFT"], size=7)


def _overstock_table(pdf: Document, r: ReportContext) -> None:
    alerts, settings, overstock, currency = r.plan.alerts, r.settings, r.overstock, r.currency
    pdf.ensure_space(25)
    pdf.heading("Overstock and clearance candidates", size=11, space=1)
    # under the heading, as _more: after the table it could land alone on a page of its own
    overhang = int((alerts["kind"] == "post_campaign_overhang").sum())
    if overhang:
        pdf.text_line(f"{overhang} campaign/SKU pairs are expected to leave more than {settings.overstock_days:.0f} days of "
                      f"normal sales in stock after the campaign (alerts.csv, kind post_campaign_overhang).", size=8, color=MUTED)
    p = r.plan.plan.set_index("sku")
    unit_cost = r.inputs.products.drop_duplicates("sku").set_index("sku")["unit_cost"].astype(float)
    no_sales = set(alerts.loc[alerts["kind"] == "no_sales", "sku"].astype(str))
    candidates = overstock[overstock > 0].index.union(pd.Index(sorted(no_sales)))
    if len(candidates) == 0:
        pdf.text_line("No overstock and no clearance candidate.")
        return
    table = pd.DataFrame({"sku": candidates})
    table["stock"] = table["sku"].map(p["position"] + p["upstream_position"]).fillna(0)
    table["cover"] = table["sku"].map(p["cover_days"])
    table["tied"] = table["sku"].map(overstock).fillna(0.0)
    table["stock_value"] = table["stock"] * table["sku"].map(unit_cost).fillna(0.0)
    table["no_sale"] = table["sku"].isin(no_sales)
    table = table.sort_values(["tied", "stock_value", "sku"], ascending=[False, False, True])
    rows = [[t.sku, r.names.get(t.sku, ""), units(t.stock), "" if pd.isna(t.cover) else (plan_number(t.cover) if t.cover < 1000 else "999+"),
             money(t.tied), money(t.stock_value), "yes" if t.no_sale else ""]
            for t in table.head(MAX_RISK_ROWS).itertuples()]
    _more(pdf, len(table), "the most cash tied up first")
    pdf.table_of(["SKU", "Name", "Stock + on order", "Days of cover", f"Beyond {settings.overstock_days:.0f} days ({currency})",
                  f"Stock value ({currency})", f"No sale in {settings.no_sale_days} days"], rows,
                 [30, 70, 25, 25, 45, 40, 38], ["LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "LEFT"], size=7)


def _more(pdf: Document, total: int, order: str) -> None:
    """A risk table shows its first MAX_RISK_ROWS rows: a report is read, alerts.csv holds them all. Said
    above the table: a line after it can land alone on a page of its own."""
    if total > MAX_RISK_ROWS:
        pdf.text_line(f"{MAX_RISK_ROWS} of {total} shown, {order}; alerts.csv lists them all.", size=8, color=MUTED)


__all__ = ["MAX_RISK_ROWS", "risk_pages"]
