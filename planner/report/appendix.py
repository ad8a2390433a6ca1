"""The closing pages: the what-if scenarios next to the plan as it is, and the forecast's accuracy in the
last backtest."""

from __future__ import annotations

import pandas as pd

from planner.report import figures
from planner.report.formats import day, money, pct, signed, units
from planner.report.layout import MUTED, Document


def scenario_page(pdf: Document, scenarios_table: pd.DataFrame, currency: str) -> None:
    """planner.scenarios.compare_scenarios' table: each figure over its difference to the plan as it is."""
    pdf.add_page()
    pdf.heading("What-if scenarios")
    pdf.text_line("Each scenario is planned against the same forecast as this plan; fill rate and lost sales are "
                  "replayed over the forecast's sample paths for the days the orders cover.", size=8, color=MUTED)
    pdf.ln(1)
    rows = []
    for r in scenarios_table.to_dict("records"):
        rows.append([str(r["scenario"]),
                     f"{money(r['purchase_value'])}\n{signed(r['purchase_value_vs_baseline'], money)}",
                     f"{units(r['units'])}\n{signed(r['units_vs_baseline'], units)}",
                     f"{pct(r['fill_rate'], 1)}\n{signed(r['fill_rate_vs_baseline'] * 100, lambda v: f'{v:.1f} pt')}",
                     f"{units(r['lost_units'])}\n{signed(r['lost_units_vs_baseline'], units)}",
                     f"{money(r['lost_margin'])}\n{signed(r['lost_margin_vs_baseline'], money)}",
                     f"{units(r['campaigns_at_risk'])}\n{signed(r['campaigns_at_risk_vs_baseline'], units)}",
                     f"{money(r['end_inventory_value'])}\n{signed(r['end_inventory_value_vs_baseline'], money)}"])
    pdf.table_of(["Scenario", f"Purchase value ({currency})", "Units", "Expected fill rate", "Lost sales (units)",
                  f"Lost margin ({currency})", "Campaigns at risk", f"Stock at horizon end ({currency})"], rows,
                 [62, 32, 20, 26, 26, 32, 24, 40], ["LEFT"] + ["RIGHT"] * 7, size=7.5)
    pdf.text_line("Second line of each cell: difference to the plan as it is.", size=7.5, color=MUTED)
    for r in scenarios_table.to_dict("records"):
        for note in (r.get("note"), purchase_note(r, currency)):
            if note:
                pdf.text_line(f"{r['scenario']}: {note}.", size=7.5, color=MUTED)
    pdf.ln(2)
    pdf.figure(figures.scenario_figure(scenarios_table, currency))


def purchase_note(row: dict, currency: str) -> str:
    """Why a scenario that buys far less (or more) barely moves the fill rate: the fill counts the days
    until a next order could land, and an order placed today serves only those after its lead time;
    the difference shows in the stock at the horizon's end, and a later review orders what this one did
    not. Empty unless purchases change by a quarter or more while the fill moves under a point.

    >>> purchase_note({"purchase_value": 9975.56, "purchase_value_vs_baseline": -29468.26,
    ...                "fill_rate_vs_baseline": -0.001, "end_inventory_value_vs_baseline": -23695.88}, "THB")[:58]
    'buys 75 % less for -0.1 pt of fill: the fill counts the da'
    """
    change = float(row["purchase_value_vs_baseline"])
    base = float(row["purchase_value"]) - change
    if base <= 0 or abs(change) < 0.25 * base or abs(float(row["fill_rate_vs_baseline"])) >= 0.01:
        return ""
    return (f"buys {abs(change) / base:.0%} {'less' if change < 0 else 'more'} for "
            f"{float(row['fill_rate_vs_baseline']) * 100:+.1f} pt of fill: the fill counts the days until a next order "
            "could land, and an order placed today serves only those after its lead time; the stock at the horizon's "
            f"end is {money(abs(float(row['end_inventory_value_vs_baseline'])))} {currency} "
            f"{'lower' if float(row['end_inventory_value_vs_baseline']) < 0 else 'higher'}, and a later review orders "
            "what this one did not").replace("%", " %", 1)


def accuracy_page(pdf: Document, metrics: pd.DataFrame, cutoffs) -> None:
    """The backtest's ``metrics`` (all SKUs, by ABC class, on campaign days) from its ``cutoffs``."""
    pdf.add_page()
    pdf.heading("Forecast accuracy (last backtest)")
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


def supplier_page(pdf: Document, deliveries: pd.DataFrame) -> None:
    """Stated against measured lead time per supplier with deliveries (planner.plan.terms.supplier_deliveries):
    what the plan uses, and how each supplier kept its word."""
    pdf.add_page()
    pdf.heading("Suppliers: stated and measured lead times")
    pdf.text_line("From the deliveries recorded with `restock receive`: days from placing the order to receiving it. "
                  "The plan uses the stated lead time moved toward the measured one, the stated counting as three "
                  "deliveries. On time = received on or before the expected day; delay = days after it (early = 0).",
                  size=8, color=MUTED)
    rows = [[str(r["supplier"]), f"{int(r['deliveries'])}", f"{float(r['stated_days']):.0f}",
             f"{float(r['measured_days']):.1f}", f"{float(r['measured_sd_days']):.1f}", pct(r["on_time"], 0),
             f"{float(r['mean_delay_days']):.1f}", f"{float(r['planned_days']):.1f}"]
            for r in deliveries.to_dict("records")]
    pdf.table_of(["Supplier", "Deliveries", "Stated days", "Measured days", "Spread (sd)", "On time", "Mean delay",
                  "Planned days"], rows, [46, 20, 20, 22, 20, 18, 20, 22],
                 ["LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"], size=8)


__all__ = ["purchase_note", "accuracy_page", "scenario_page", "supplier_page"]
