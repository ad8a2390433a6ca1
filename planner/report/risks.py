"""The risks pages: SKUs that run out before the next arrival, campaigns not covered, order lines whose
MOQ or case pack alone buys more than the cover cap (per supplier: lines to negotiate, skip or bundle),
SKUs without any sale, lines a budget or FBT inbound cap or quota cut (when one bound), and overstock and clearance candidates; each table shows its first
MAX_RISK_ROWS rows (alerts.csv holds them all)."""

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
    _lot_table(pdf, r)
    _cap_table(pdf, r)
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


#: the alerts of lines a cap cut: the budget, FBT's inbound capacity per cycle, FBT's monthly inbound quota
CAP_KINDS = ("budget_cut", "fbt_capacity", "fbt_quota")


def _cap_table(pdf: Document, r: ReportContext) -> None:
    """Order lines and transfers a cap cut (CAP_KINDS), when one bound; nothing when none did."""
    alerts = r.plan.alerts
    cut = alerts[alerts["kind"].isin(CAP_KINDS)]
    if cut.empty:
        return
    pdf.ensure_space(25)
    pdf.heading("Cut by a cap: budget, FBT inbound capacity or FBT's monthly quota", size=11, space=1)
    rows = [[str(a.sku), r.names.get(str(a.sku), ""), day(a.date), str(a.message)]
            for a in cut.sort_values(["date", "sku"]).head(MAX_RISK_ROWS).itertuples()]
    _more(pdf, len(cut), "the soonest first")
    pdf.table_of(["SKU", "Name", "Ship or order by", "What the cap cut"], rows, [28, 45, 20, 182],
                 ["LEFT", "LEFT", "LEFT", "LEFT"], size=7)


def _lot_table(pdf: Document, r: ReportContext) -> None:
    """Order lines an MOQ or case pack alone lifts past the cover cap (lot_overstock alerts), by supplier
    and the most value beyond the cap first; then the SKUs never sold, planned at zero (no_history)."""
    alerts, currency = r.plan.alerts, r.currency
    lots = alerts[alerts["kind"] == "lot_overstock"]
    never = sorted(alerts.loc[alerts["kind"] == "no_history", "sku"].astype(str).unique())
    if lots.empty and not never:
        return
    pdf.ensure_space(25)
    pdf.heading("MOQs that buy more than the cover cap", size=11, space=1)
    if lots.empty:
        pdf.text_line("No order line is lifted past the cover cap by its MOQ or case pack.")
    else:
        cap = float(lots["cap_days"].iloc[0])
        pdf.text_line(f"Each line's MOQ or case pack alone lifts its cover past {cap:.0f} days: negotiate a smaller lot, "
                      "skip the line, or cover it with a bundle. Per supplier, the most cash beyond the cap first.",
                      size=8, color=MUTED)
        # per supplier, the most value beyond the cap first (ties by name): the line below and the table's order
        per = lots.groupby("supplier")["beyond_value"].agg(["size", "sum"]).sort_values("sum", ascending=False,
                                                                                         kind="stable")
        if len(lots) > MAX_RISK_ROWS:  # the table shows the first supplier's lines: say what each holds
            pdf.text_line("Per supplier: " + "; ".join(f"{name} {int(row['size'])} lines, {money(row['sum'])} {currency}"
                                                       for name, row in per.iterrows()) + " beyond the cap.", size=8)
        lots = lots.assign(supplier_value=lots["supplier"].map(per["sum"]))
        lots = lots.sort_values(["supplier_value", "supplier", "beyond_value", "sku"], ascending=[False, True, False, True])
        rows = [[str(a.supplier), str(a.sku), r.names.get(str(a.sku), ""), units(a.quantity),
                 f"{int(a.moq)} / {int(a.case_pack)}", f"{a.cover_after_days:,.0f}", units(a.beyond_units),
                 money(a.beyond_value)] for a in lots.head(MAX_RISK_ROWS).itertuples()]
        _more(pdf, len(lots), "by supplier")
        pdf.table_of(["Supplier", "SKU", "Name", "Quantity", "MOQ / case", "Cover after (days)", "Units beyond cap",
                      f"Value beyond cap ({currency})"], rows, [40, 30, 55, 20, 22, 28, 28, 37],
                     ["LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"], size=7)
    if never:
        shown = ", ".join(never[:MAX_RISK_ROWS]) + (f" and {len(never) - MAX_RISK_ROWS} more" if len(never) > MAX_RISK_ROWS else "")
        pdf.text_line(f"Never sold, planned at zero stock ({len(never)}): {shown}. Plan a launch by hand: a purchase order, "
                      "or campaigns.csv if it launches with one (alerts.csv, kind no_history).", size=8)


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
