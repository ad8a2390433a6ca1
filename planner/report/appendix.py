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
        if r.get("note"):
            pdf.text_line(f"{r['scenario']}: {r['note']}.", size=7.5, color=MUTED)
    pdf.ln(2)
    pdf.figure(figures.scenario_figure(scenarios_table, currency))


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


__all__ = ["accuracy_page", "scenario_page"]
