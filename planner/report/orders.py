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


#: order lines the report lists in all; a larger plan lists each supplier's largest lines, in proportion to
#: its lines, and says what it leaves to the PO files (a buyer does not read 2,000 lines in a PDF)
MAX_LISTED_LINES = 150
#: suppliers with a table of their own; the others are one row each of a summary table
MAX_SUPPLIER_TABLES = 25
#: transfer lines listed; transfers.csv holds them all
MAX_TRANSFER_ROWS = 60
#: rows of the summary table of the suppliers beyond MAX_SUPPLIER_TABLES; orders.csv holds every line
MAX_SUMMARY_ROWS = 60


def order_pages(pdf: Document, r: ReportContext) -> None:
    """The restock orders per supplier, then the transfers, on a new page; bounded whatever the
    catalogue's size (MAX_LISTED_LINES, MAX_SUPPLIER_TABLES, MAX_TRANSFER_ROWS)."""
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
    by_value = sorted(r.orders_by_supplier, key=lambda o: (-o.value, o.supplier))
    tables = sorted(by_value[:MAX_SUPPLIER_TABLES], key=lambda o: o.supplier)
    listed = sum(len(o.lines) for o in tables)
    for order in tables:
        quota = len(order.lines) if listed <= MAX_LISTED_LINES else max(3, MAX_LISTED_LINES * len(order.lines) // listed)
        _order_table(pdf, order, r.names, r.currency, wrap, quota)
    if len(by_value) > MAX_SUPPLIER_TABLES:
        _other_suppliers(pdf, by_value[MAX_SUPPLIER_TABLES:], r.currency)
    if len(plan.transfers):
        _transfer_table(pdf, plan.transfers, r.names)


def _order_table(pdf: Document, order: SupplierOrder, names: pd.Series, currency: str, wrap: bool, quota: int):
    """One supplier's order: its totals, then a row per order line with its short reason (wrapped when
    ``wrap``); beyond ``quota`` lines, its largest by value and a line on the rest."""
    pdf.ensure_space(30)
    pdf.heading(order.supplier, size=11, space=0)
    pdf.text_line(f"Total {order.supplier}: {len(order.lines)} lines, {units(order.units)} units, "
                  f"{money(order.value)} {currency}", size=8.5, style="B")
    shown = order.lines
    if len(shown) > quota:
        shown = shown.sort_values(["value", "sku"], ascending=[False, True]).head(quota)
        rest = order.lines.drop(shown.index)
        pdf.text_line(f"Its {quota} largest lines; {len(rest)} more, {money(rest['value'].sum())} {currency}: its PO file "
                      "in po/ and orders.csv hold them all.", size=8, color=MUTED)
    pdf.ln(1)
    rows = []
    for line in shown.to_dict("records"):
        sku = str(line["sku"])
        rows.append([sku, names.get(sku, str(line["name"])), f"{int(line['quantity']):,d}",
                     f"{int(line['cases'])} x {int(line['case_pack'])}", money(line["unit_cost"]), money(line["value"]),
                     day(line["order_by"]), day(line["expected_arrival"]),
                     short_reason(line)])
    pdf.listing([Column("SKU", _sku_width(pdf, shown["sku"])), Column("Name", 36, text=True), Column("Qty", 11, "R"),
                 Column("Case packs", 16, "R"), Column("Unit cost", 16, "R"), Column("Value", 19, "R"),
                 Column("Order by", 17), Column("Arrives", 17), Column("Reason", 0, text=True)],
                rows, wrap=wrap)


def _other_suppliers(pdf: Document, orders: list[SupplierOrder], currency: str) -> None:
    """The suppliers beyond MAX_SUPPLIER_TABLES, one row each (the most value first; their PO files hold
    the lines)."""
    pdf.ensure_space(30)
    pdf.heading(f"{len(orders)} more suppliers", size=11, space=1)
    shown = orders[:MAX_SUMMARY_ROWS]
    if len(orders) > len(shown):
        pdf.text_line(f"The {len(shown)} with the most value; orders.csv lists every line.", size=8, color=MUTED)
    rows = [o.summary_cells() for o in shown]
    pdf.table_of(["Supplier", "Order lines", "Units", f"Value ({currency})", "Order by", "Expected arrival"], rows,
                 [70, 22, 22, 35, 40, 40], ["LEFT", "RIGHT", "RIGHT", "RIGHT", "LEFT", "LEFT"], size=8)


def _transfer_table(pdf: Document, transfers: pd.DataFrame, names: pd.Series):
    pdf.ensure_space(30)
    pdf.heading("Transfers own warehouse -> FBT", size=11, space=1)
    wrap = len(transfers) <= WRAP_REASONS
    shown = transfers
    if len(transfers) > MAX_TRANSFER_ROWS:
        shown = transfers.sort_values(["quantity", "sku"], ascending=[False, True]).head(MAX_TRANSFER_ROWS)
        pdf.text_line(f"The {MAX_TRANSFER_ROWS} largest of {len(transfers)} transfers; transfers.csv holds them all.",
                      size=8, color=MUTED)
    elif not wrap:
        pdf.text_line("Reasons longer than a line are cut short; transfers.csv holds them in full.", size=8, color=MUTED)
    rows = [[str(r.sku), names.get(str(r.sku), ""), units(r.quantity), day(r.ship_by), day(r.expected_receipt), str(r.reason)]
            for r in shown.itertuples()]
    pdf.listing([Column("SKU", _sku_width(pdf, shown["sku"])), Column("Name", 45, text=True), Column("Qty", 14, "R"),
                 Column("Ship by", 20), Column("Received", 20), Column("Reason", 0, text=True)],
                rows, wrap=wrap)


def _sku_width(pdf: Document, skus: pd.Series) -> float:
    """A listing's SKU column: as wide as its longest SKU code (never cut: it is what the supplier
    reads), 24 to 50 mm."""
    return min(max(pdf.column_width(skus.astype(str).unique(), LISTING_SIZE), 24.0), 50.0)


__all__ = ["MAX_LISTED_LINES", "MAX_SUMMARY_ROWS", "MAX_SUPPLIER_TABLES", "MAX_TRANSFER_ROWS", "WRAP_REASONS", "order_pages"]
