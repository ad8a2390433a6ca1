"""The plan's last stage: order reasons, transfer reasons and alert messages, written from the decisions'
fields. Nothing here decides; nothing elsewhere parses these words back (the report and the scenarios
read the fields)."""

from __future__ import annotations

import numpy as np


def unit_words(units: float, signed: bool = False) -> str:
    """Units as an order reason shows them: whole above 10, one decimal below it (a slow SKU's 12.12 adds
    0.3 units, not "+0"), and "1 unit", not "1 units".

    >>> unit_words(12.4), unit_words(1.0), unit_words(0.34, signed=True), unit_words(25.2, signed=True)
    ('12 units', '1 unit', '+0.3 units', '+25 units')
    """
    text = f"{units:{'+' if signed else ''}.{0 if abs(units) >= 9.95 else 1}f}"
    whole = text.lstrip("+-").removesuffix(".0")
    text = text[:len(text) - len(text.lstrip("+-"))] + whole
    return f"{text} {'unit' if whole == '1' else 'units'}"


def kind_words(campaign_type: str) -> str:
    return str(campaign_type).replace("_", " ")


def service_words(sku: dict) -> str:
    """The service a SKU's line was planned for, from plan.csv's fields and the calibration's curve
    (``achieved_target``, ``achieved_planned``: what past windows were served at levels for each)."""
    target, planned = sku["service_target"], sku["planned"]
    kind = "fill rate" if sku["service_measure"] == "fill_rate" else "cycle service"
    words = f"{target:.0%} {kind} (class {sku['class']})"
    if planned != target:
        words += (f", planned at {planned:.1%}: levels for {target:.0%} served "
                  f"{sku['achieved_target']:.1%} of the last backtest's lead-time windows")
        if sku["achieved_planned"] < target - 0.005:
            words += f" and levels for {planned:.1%} only {sku['achieved_planned']:.1%}"
        elif planned <= sku["lowest_planned"] + 1e-9:  # clamped: the curve is flat below the promise
            words += (f"; {planned:.1%} is the lowest target the backtest reads, and levels for it already served "
                      f"{sku['achieved_planned']:.1%}: the campaign and minimum floors hold this class up")
    if np.isfinite(sku["sku_service"]):
        words += (f"; kept over class {sku['class']}'s units at the least stock value, so this SKU (unit value "
                  f"{sku['unit_value']:,.2f}) is planned at {sku['sku_service']:.1%} "
                  f"cycle service, expected fill {sku['sku_fill']:.1%}")
        if sku["campaign_floor"]:
            reach = (f"the days this order may cover, with the supplier's lead time up to {sku['reach_lead_days']} "
                     f"days, include {', '.join(sku['floor_campaigns'])}")
            if sku["sku_service"] >= sku["floor"] - 1e-6:
                words += f" (at least {sku['floor']:.0%}: {reach})"
            else:  # the raised floor gave way to the class's promise (planner.inventory.allocation)
                words += (f" (raised toward {sku['floor']:.0%}, as far as class {sku['class']}'s {target:.0%} promise "
                          f"allows: {reach})")
    return words


def order_reason(line: dict, sku: dict, review_days: int, budget: float | None) -> str:
    """An order line's reason, e.g. 'forecast 23 units over 14-day lead time + 7-day review, safety
    stock 9 for 95% fill rate (class B), position 12 -> order 24 = 2 cases of 12'."""
    campaigns = [f"{cid} {kind_words(kind)} {unit_words(uplift, signed=True)}" for cid, kind, uplift in line["campaigns"]]
    incl = f" (incl. {', '.join(campaigns)})" if campaigns else ""
    lead_words = (f"{line['supplier_lead_days']:.0f}-day lead time"
                  + (f" + {line['fixed_days']} days transit/FBT receiving" if line["fixed_days"] else ""))
    cases, case_pack = int(line["cases"]), int(line["case_pack"])
    quantity = int(line["quantity"])
    if line["budget_cut"]:  # the line as planned, before the cap cut it
        quantity, cases = int(line["planned_quantity"]), int(line["planned_quantity"]) // case_pack
    reason = (f"forecast {unit_words(line['forecast_units'])} over {lead_words} + {review_days}-day review{incl}, "
              f"safety stock {max(sku['safety_stock_exact'], 0):.0f} for {service_words(sku)}, position "
              f"{line['position']:.0f} -> order {quantity} = {cases} {'case' if cases == 1 else 'cases'} of {case_pack}")
    build = line["pre_build"]
    if build is not None:
        reason += (f"; pre-build for {build.campaign_id} ({kind_words(build.type)} {build.start:%Y-%m-%d}, "
                   f"{unit_words(build.uplift, signed=True)}) order by {build.order_by:%Y-%m-%d}")
    if line["moq_bound"]:
        reason += f" (MOQ {line['moq']})"
    if line["budget_cut"]:
        reason += f"; cut to {int(line['quantity'])} by the budget cap {budget:,.0f}"
    return reason


def transfer_reason(line: dict, review_days: int) -> str:
    when = "" if line["ship_day"] == 0 else f" on {line['ship_by']:%Y-%m-%d}"
    return (f"FBT position {line['fbt_position']:.0f}{when} below {line['level']} needed over "
            f"{line['transit_days']} days transit+receiving + {review_days}-day review; own warehouse has "
            f"{line['upstream_units']:.0f}{when}{line['upstream_source']}")


def alert_message(alert: dict) -> str:
    """An alert's message from its fields (planner.plan.alerts)."""
    return _MESSAGES[alert["kind"]](alert)


def day_words(days: int) -> str:
    """Days as a message shows them.

    >>> day_words(1), day_words(3)
    ('1 day', '3 days')
    """
    return f"{days} day" if days == 1 else f"{days} days"


def _stockout_before_arrival(a: dict) -> str:
    if a["receipt"] is not None:  # stock already on order lands before an order placed today would
        back, what, expedite = a["receipt"], "stock on order lands", "expedite the open order"
    else:
        back, what, expedite = a["arrival"], "an order placed today lands", "expedite the order"
    action = (f"transfer from own warehouse ({a['upstream_available']:.0f} there)" if a["upstream_available"] > 0
              else f"{expedite} or find stock elsewhere")
    return (f"runs out around {a['date']:%Y-%m-%d}; {what} {back:%Y-%m-%d} "
            f"(~{day_words((back - a['date']).days)} without stock): {action}")


def _overstock(a: dict) -> str:
    return (f"{a['cover_days']:.0f} days of cover (> {a['overstock_days']:.0f}); {a['excess']:.0f} units "
            f"beyond it tie up {a['excess_value']:,.0f}")


def _no_sales(a: dict) -> str:
    when = "no sale in the history" if a["last_sale"] is None else f"last on {a['last_sale']:%Y-%m-%d}"
    return (f"no sale in {a['no_sale_days']}+ days ({when}): clearance candidate, "
            f"{a['stock']:.0f} units tie up {a['stock_value']:,.0f}")


def _ad_into_stockout(a: dict) -> str:
    until = (f"until the restock lands ({a['back']:%Y-%m-%d})" if a["back"] is not None else "until stock is back")
    return (f"ad {a['campaign_id']} runs to {a['end']:%Y-%m-%d} but stock runs out around "
            f"{a['date']:%Y-%m-%d}: pause or cut the ad from then {until}")


def _campaign_not_covered(a: dict) -> str:
    there, need = a["there"], a["need"]
    options = [f"with this plan ~{there} there at the start: {there / need:.0%} of it"]
    if a["transfer_up_to"] is not None:
        options.append(f"transfer up to {a['transfer_up_to']:.0f} from own warehouse now")
    if a["days_left"] > 0:
        options.append(f"expedite: the supplier must deliver within {a['days_left']} days "
                       f"(usual {a['usual_lead_days']:.0f})")
    if there > 0:
        options.append(f"or cap the campaign's featured quantity at ~{there}")
    return (f"{a['campaign_id']} ({kind_words(a['type'])}, {a['start']:%Y-%m-%d}) needs ~{need} at {a['location']} "
            f"by its start ({a['target']:.0%} quantile of its window's demand, expected {a['expected']:.0f}); "
            f"order-by date was {a['order_by']:%Y-%m-%d}: " + "; ".join(options))


def _post_campaign_overhang(a: dict) -> str:
    return (f"after {a['campaign_id']} ~{a['leftover']:.0f} units expected left = {a['cover_after']:.0f} "
            f"days of normal sales ({a['leftover_value']:,.0f} tied up)")


def _lot_overstock(a: dict) -> str:
    lot = f"MOQ {a['moq']}" if a["moq"] > a["case_pack"] else f"case pack {a['case_pack']}"
    return (f"order of {a['quantity']} ({lot}) lifts cover to {a['cover_after_days']:.0f} days, past the "
            f"{a['cap_days']:.0f}-day cap: {a['beyond_units']:.0f} units ({a['beyond_value']:,.0f}) beyond it; "
            f"negotiate a smaller lot with {a['supplier']}, skip the line, or sell it in a bundle")


def _no_history(a: dict) -> str:
    return ("no sale in the history and no forecast: planned at zero stock; plan its launch by hand "
            "(a purchase order, or campaigns.csv if it launches with one)")


def _budget_cut(a: dict) -> str:
    return (f"order of {a['quantity']} ({a['value']:,.0f}) left out by the budget cap {a['budget']:,.0f}; "
            f"it avoids an expected {a['lost_margin_avoided']:,.0f} of lost margin")


def _fbt_capacity(a: dict) -> str:
    return f"transfer cut from {a['quantity']:.0f} to {a['kept']:.0f} by FBT inbound capacity {a['capacity']:.0f}"


def _fbt_quota(a: dict) -> str:
    return (f"transfer cut from {a['quantity']:.0f} to {a['kept']:.0f} by FBT's inbound quota for {a['month']} "
            f"({a['quota']:,.0f} units, {a['used']:,.0f} already requested): ship the rest when the next month's "
            f"quota opens, or ask FBT for more")


_MESSAGES = {
    "stockout_before_arrival": _stockout_before_arrival, "overstock": _overstock, "no_sales": _no_sales,
    "ad_into_stockout": _ad_into_stockout, "campaign_not_covered": _campaign_not_covered,
    "post_campaign_overhang": _post_campaign_overhang, "budget_cut": _budget_cut, "fbt_capacity": _fbt_capacity,
    "fbt_quota": _fbt_quota,
    "lot_overstock": _lot_overstock, "no_history": _no_history,
}
