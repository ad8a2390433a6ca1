"""orders.csv as an analyst reads it: each line's short reason, and its full one in ``reason_detail``.

The plan's order reason (planner.plan.reasons.order_reason) runs to about 500 characters: the service
target, the calibration and the allocation behind the safety stock. A line reads in one glance from its
decision fields (planner.plan.lines.ORDER_FIELDS) instead; the full text stays beside it.
"""

from __future__ import annotations

import pandas as pd


def short_reason(line: dict) -> str:
    """An order line's reason in one glance, from its decision fields.

    >>> short_reason({"position": 4.2, "need": 4.8, "forecast_units": 2.44, "campaigns": [("MEGA-12.12", "mega_sale", 0.3)],
    ...               "pre_build": None, "moq_bound": True, "moq": 6, "budget_cut": False, "quantity": 6,
    ...               "case_pack": 6, "cases": 1, "planned_quantity": 6})
    'position 4, needs 9 over lead time + review (forecast 2.4 units, campaign MEGA-12.12) -> 6 = 1 case of 6, MOQ 6'
    """
    forecast = line["forecast_units"]
    campaigns = [str(c[0]) for c in line["campaigns"] or []]
    named = f", campaign{'s' if len(campaigns) > 1 else ''} {', '.join(campaigns)}" if campaigns else ""
    cases = int(line["cases"])
    words = (f"position {line['position']:.0f}, needs {line['position'] + line['need']:.0f} over lead time + review "
             f"(forecast {forecast:.{0 if forecast >= 9.95 else 1}f} units{named}) -> {int(line['quantity'])} = {cases} "
             f"{'case' if cases == 1 else 'cases'} of {int(line['case_pack'])}")
    build = line["pre_build"]
    if build is not None:
        words += f"; pre-build for {build.campaign_id} ({build.start:%Y-%m-%d}), order by {build.order_by:%Y-%m-%d}"
    if line["moq_bound"]:
        words += f", MOQ {int(line['moq'])}"
    if line["budget_cut"]:
        words += f"; cut from {int(line['planned_quantity'])} by the budget cap"
    return words


def orders_file(shown: pd.DataFrame, orders: pd.DataFrame) -> pd.DataFrame:
    """orders.csv: ``shown`` (Plan.files()["orders"]) with ``reason`` short, from the decision fields of
    ``orders`` (Plan.orders, the same lines), and the full reason in ``reason_detail``."""
    frame = shown.copy()
    frame["reason_detail"] = frame["reason"]
    frame["reason"] = [short_reason(line) for line in orders.to_dict("records")] if len(orders) else pd.Series(dtype=object)
    return frame
