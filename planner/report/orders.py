"""The orders pages: one table per supplier, ready to forward, and the transfers to FBT. Each order line
shows orders.csv's short reason (planner.io.orders_file.short_reason; the full one is its
``reason_detail``), wrapped up to WRAP_REASONS lines, else cut at the column's end."""

from __future__ import annotations

import pandas as pd

from planner.io.orders_file import short_reason
from planner.report.formats import day, money, units
from planner.report.layout import LISTING_SIZE, MUTED, Column, Document
from planner.report.measures import ReportContext, SupplierOrder

#: order (or transfer) lines up to which a reason wraps; a larger plan's lines get one line each (2,101
#: order lines with 3-line reasons made 150 pages at 10,000 SKUs)
WRAP_REASONS = 200


def order_pages(pdf: Document, r: ReportContext) -> None:
    """The restock orders per supplier, then the transfers, on a new page."""
    plan = r.plan
    pdf.add_page()
    pdf.heading("Restock orders per supplier")
    wrap = len(plan.orders) <= WRAP_REASONS
    pdf.text_line("Ready to forward: one table per supplier (the PO files in po/ are the documents to send). Quantities "
                  "are rounded to the supplier's case pack and MOQ. The reason in short: the SKU's position (on hand + on "
                  "order), what it needs over lead time + review, its forecast and campaigns, and the MOQ, pre-build or "
                  "budget cap when one set the quantity; orders.csv's reason_detail holds the whole reasoning.",
                  size=8, color=MUTED)
    pdf.ln(1)
    if not r.orders_by_supplier:
        pdf.text_line("Nothing to order this cycle.")
    for order in r.orders_by_supplier:
        _order_table(pdf, order, r.names, r.currency, wrap)
    if len(plan.transfers):
        _transfer_table(pdf, plan.transfers, r.names)


def _order_table(pdf: Document, order: SupplierOrder, names: pd.Series, currency: str, wrap: bool):
    """One supplier's order: its totals, then a row per order line with its short reason (wrapped when
    ``wrap``)."""
    pdf.ensure_space(30)
    pdf.heading(order.supplier, size=11, space=0)
    pdf.text_line(f"Total {order.supplier}: {len(order.lines)} lines, {units(order.units)} units, "
                  f"{money(order.value)} {currency}", size=8.5, style="B")
    pdf.ln(1)
    rows = []
    for line in order.lines.to_dict("records"):
        sku = str(line["sku"])
        rows.append([sku, names.get(sku, str(line["name"])), f"{int(line['quantity']):,d}",
                     f"{int(line['cases'])} x {int(line['case_pack'])}", money(line["unit_cost"]), money(line["value"]),
                     day(line["order_by"]), day(line["expected_arrival"]),
                     short_reason(line)])
    pdf.listing([Column("SKU", _sku_width(pdf, order.lines["sku"])), Column("Name", 36, text=True), Column("Qty", 11, "R"),
                 Column("Case packs", 16, "R"), Column("Unit cost", 16, "R"), Column("Value", 19, "R"),
                 Column("Order by", 17), Column("Arrives", 17), Column("Reason", 0, text=True)],
                rows, wrap=wrap)


def _transfer_table(pdf: Document, transfers: pd.DataFrame, names: pd.Series):
    pdf.ensure_space(30)
    pdf.heading("Transfers own warehouse -> FBT", size=11, space=1)
    wrap = len(transfers) <= WRAP_REASONS
    if not wrap:
        pdf.text_line("Reasons longer than a line are cut short; transfers.csv holds them in full.", size=8, color=MUTED)
    rows = [[str(r.sku), names.get(str(r.sku), ""), units(r.quantity), day(r.ship_by), day(r.expected_receipt), str(r.reason)]
            for r in transfers.itertuples()]
    pdf.listing([Column("SKU", _sku_width(pdf, transfers["sku"])), Column("Name", 45, text=True), Column("Qty", 14, "R"),
                 Column("Ship by", 20), Column("Received", 20), Column("Reason", 0, text=True)],
                rows, wrap=wrap)


def _sku_width(pdf: Document, skus: pd.Series) -> float:
    """A listing's SKU column: as wide as its longest SKU code (never cut: it is what the supplier
    reads), 24 to 50 mm."""
    return min(max(pdf.column_width(skus.astype(str).unique(), LISTING_SIZE), 24.0), 50.0)


__all__ = ["WRAP_REASONS", "order_pages"]
