"""The orders pages: one table per supplier, ready to forward, and the transfers to FBT. Each line's
reason in full up to FULL_REASONS lines, else in short (``short_reason``)."""

from __future__ import annotations

import pandas as pd

from planner.plan import Plan
from planner.report.formats import day, money, units
from planner.report.layout import LISTING_SIZE, MUTED, Column, Document
from planner.report.measures import ReportContext, SupplierOrder

#: order (or transfer) lines up to which each line's reason is printed in full; a larger plan's lines
#: get one line each (2,101 order lines with 3-line reasons made 150 pages at 10,000 SKUs)
FULL_REASONS = 200


def order_pages(pdf: Document, r: ReportContext) -> None:
    """The restock orders per supplier, then the transfers, on a new page."""
    plan = r.plan
    pdf.add_page()
    pdf.heading("Restock orders per supplier")
    full_reasons = len(plan.orders) <= FULL_REASONS
    pdf.text_line("Ready to forward: one table per supplier. Quantities are rounded to the supplier's case pack and MOQ; "
                  + ("the reason says how each quantity was reached." if full_reasons else
                     "the reason, in short: the SKU's position (on hand + on order) and the order-up-to level the line "
                     "orders toward (plan.csv), and the MOQ, campaign pre-build or budget cap when one set the quantity. "
                     "orders.csv holds each line's full reason."), size=8, color=MUTED)
    pdf.ln(1)
    if not r.orders_by_supplier:
        pdf.text_line("Nothing to order this cycle.")
    for order in r.orders_by_supplier:
        _order_table(pdf, order, plan, r.names, r.currency, full_reasons)
    if len(plan.transfers):
        _transfer_table(pdf, plan.transfers, r.names)


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


__all__ = ["FULL_REASONS", "order_pages", "short_reason"]
