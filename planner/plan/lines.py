"""Stage 6 of the plan: order and transfer lines, as decisions in fields (the words come last, reasons.py).

Per SKU, at the network position (selling location + upstream):

* a campaign beyond the order's window whose order-by date falls before the next review lifts the target
  to its stock (a *pre-build*); a line only a pre-build asks for is ordered by that campaign's date;
* stock free upstream (today, or when a PO or transit lands there) is transferred on to FBT, enough for
  the transit + FBT receiving days and the review period, and for the campaigns it reaches in time;
* the supplier order brings the position up to the target, rounded to MOQ and case pack, optionally
  raised to the EOQ and capped at a max days of cover (planner.inventory.policy.round_order_quantity);
* a budget cap keeps the lines that avoid the most expected lost margin per unit of money, and FBT's
  inbound capacity and monthly quota the transfers that avoid the most; transfers are grouped into
  inbound plans that arrive within 14 days (planner.plan.inbound).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.inventory import policy
from planner.plan.campaigns import records
from planner.plan.demand import LeadTimeDemand
from planner.plan.inbound import apply_monthly_quota, group_inbound_plans
from planner.plan.network import Network
from planner.plan.settings import PlanSettings
from planner.plan.targets import Targets
from planner.plan.terms import LeadTimes

#: order lines' columns as orders.csv shows them; the decision fields after them stay in memory
ORDER_COLUMNS = ["supplier", "sku", "name", "location", "quantity", "case_pack", "cases", "unit_cost", "value",
                 "order_by", "expected_arrival", "lost_margin_avoided", "reason"]
TRANSFER_COLUMNS = ["sku", "from_location", "to_location", "quantity", "ship_by", "expected_receipt", "inbound_plan",
                    "reason"]
#: the decision fields of an order line and of a transfer (reasons.py writes the words from them)
ORDER_FIELDS = ["i", "need", "position", "forecast_units", "supplier_lead_days", "fixed_days", "campaigns", "pre_build",
                "moq", "moq_bound", "budget_cut", "planned_quantity", "cover_after_days", "beyond_cap_units"]
TRANSFER_FIELDS = ["priority", "ship_day", "fbt_position", "level", "transit_days", "upstream_units", "upstream_source"]


@dataclass(frozen=True)
class PreBuild:
    """A campaign beyond the order's window whose stock must be ordered before the next review."""

    campaign_id: str
    type: str
    start: pd.Timestamp
    uplift: float
    order_by: pd.Timestamp
    level: float


@dataclass
class Lines:
    """The plan's decisions: ``skus`` one record per SKU (plan.csv's figures), ``orders`` and
    ``transfers`` (fields; ``reason`` is written by reasons.py), and the alerts the caps raised."""

    skus: list[dict]
    orders: pd.DataFrame
    transfers: pd.DataFrame
    cut_alerts: list[dict]


def expected_short(samples: np.ndarray, position: float, quantity: float) -> float:
    """Expected units short over the cycle avoided by adding ``quantity`` to ``position``."""
    return float(np.maximum(samples - position, 0).mean() - np.maximum(samples - position - quantity, 0).mean())


def pre_build(mine: list[dict], i: int, window_end: int, demand: LeadTimeDemand, target: float, level: float,
              today: pd.Timestamp, review_days: int, horizon: int) -> PreBuild | None:
    """The campaign pre-build that lifts SKU ``i``'s target above ``level`` the most, if any: a campaign
    beyond the order's window (``window_end``) whose order-by date comes before the next review, its
    stock the ``target`` quantile of demand from today to its end."""
    best = None
    for r in mine:
        if r["start_day"] < window_end or not (r["order_by"] < today + pd.Timedelta(days=review_days)
                                               and r["end_day"] < horizon):
            continue
        need = math.ceil(policy.empirical_reorder_point(demand.window(i, 0, r["end_day"] + 1), target))
        if need > (level if best is None else best.level):
            best = PreBuild(str(r["campaign_id"]), str(r["type"]), r["start"], float(r["uplift"]), r["order_by"], need)
    return best


def campaign_stock_before(mine: list[dict], i: int, demand: LeadTimeDemand, target: float, ship_day: int,
                          transfer_days: int, horizon: int) -> int:
    """Stock the selling location needs for the campaigns a transfer shipped on ``ship_day`` would reach
    in time (their demand from that day to their end)."""
    need = 0
    for r in mine:
        if r["start_day"] >= ship_day + transfer_days and r["end_day"] < horizon:
            window = demand.window(i, ship_day, r["end_day"] + 1)
            need = max(need, math.ceil(policy.empirical_reorder_point(window, target)))
    return need


def transfer_needs(net: Network, lead: LeadTimes, demand: LeadTimeDemand, targets: Targets, review_days: int,
                   horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """Per SKU shipping on to FBT: the level FBT needs over transit + receiving + the review after the
    ship day, and what FBT still holds then (its position less the expected sales; lost sales: at most
    its stock)."""
    n = len(net.ship_day)
    levels, fbt_at_ship = np.zeros(n), net.selling_position.astype(float).copy()
    shipping = net.shipping
    if shipping.size:
        d = net.ship_day[shipping]
        end = np.minimum(d + lead.fixed[shipping] + review_days, horizon)
        levels[shipping] = np.ceil(policy.empirical_reorder_points(
            np.stack([demand.window(i, a, b) for i, a, b in zip(shipping, d, end)]), targets.target[shipping]))
        sold = np.minimum(np.stack([demand.window(i, 0, a) for i, a in zip(shipping, d)]).mean(axis=1),
                          np.maximum(net.selling_available[shipping], 0))
        fbt_at_ship[shipping] = net.selling_position[shipping] - sold
    return levels, fbt_at_ship


def decide_lines(terms: pd.DataFrame, net: Network, lead: LeadTimes, demand: LeadTimeDemand, targets: Targets,
                 campaigns_of: dict[int, list[dict]], settings: PlanSettings, today: pd.Timestamp,
                 horizon: int) -> Lines:
    """Every SKU's order and transfer decision (module docstring), then the budget and inbound caps."""
    R = int(settings.review_period_days)
    transfer_levels, fbt_at_ship = transfer_needs(net, lead, demand, targets, R, horizon)
    mean_cycles, mean_daily = demand.cycle.mean(axis=1), demand.daily_mean.mean(axis=1)
    positions = net.position
    sku_rows, order_rows, transfer_rows = [], [], []
    for i, t in enumerate(records(terms)):
        mine = campaigns_of.get(i, [])
        target, level = float(targets.target[i]), float(targets.level[i])
        network = positions[i]
        build = pre_build(mine, i, lead.window_end[i], demand, target, level, today, R, horizon)
        target_level = build.level if build is not None else level
        transfer, transfer_level = 0.0, 0
        if net.ship_day[i] >= 0:
            transfer_level = max(int(transfer_levels[i]), campaign_stock_before(
                mine, i, demand, target, int(net.ship_day[i]), lead.fixed[i], horizon))
            want = transfer_level - fbt_at_ship[i]
            if want > 0:
                transfer = float(min(math.ceil(want / t["case_pack"]) * t["case_pack"], net.upstream_by_ship[i]))
        need = target_level - network
        # a regular line is due now (position at or below the reorder point, or below the order-up-to);
        # a line only a campaign pre-build asks for can wait until that campaign's order-by date
        pre_build_only = build is not None and network > targets.reorder[i] and network >= level
        order_by = max(build.order_by, today) if pre_build_only else today
        quantity = policy.round_order_quantity(need, int(t["moq"]), int(t["case_pack"]),
                                               _eoq(t, mean_daily[i], settings), _cover_cap(mean_daily[i], network, settings))
        sku_rows.append({"i": i, "sku": t["sku"], "t": t, "target_level": target_level, "transfer": transfer,
                         "quantity": quantity, "mean_cycle": float(mean_cycles[i]),
                         "selling_position": net.selling_position[i], "upstream_position": net.upstream_position[i]})
        if transfer > 0:
            transfer_rows.append(_transfer_line(t, i, transfer, transfer_level, net, fbt_at_ship, lead, demand, today))
        if quantity > 0:
            order_rows.append(_order_line(t, i, quantity, need, network, order_by, build, mine, lead, demand,
                                          float(mean_cycles[i]), float(mean_daily[i]), settings.max_cover_days))
    orders = pd.DataFrame(order_rows, columns=[c for c in ORDER_COLUMNS if c != "reason"] + ORDER_FIELDS)
    transfers = pd.DataFrame(transfer_rows, columns=[c for c in TRANSFER_COLUMNS if c != "reason"] + TRANSFER_FIELDS)
    orders, cut = apply_budget(orders, terms, settings.budget_cap)
    transfers, capped = apply_inbound_capacity(transfers, settings.fbt_inbound_capacity)
    transfers, quota_cut = apply_monthly_quota(transfers, settings.fbt_monthly_quota, settings.fbt_quota_used)
    transfers["inbound_plan"] = group_inbound_plans(transfers["expected_receipt"]) if len(transfers) else None
    return Lines(sku_rows, orders, transfers, cut + capped + quota_cut)


def _eoq(t: dict, mean_daily: float, settings: PlanSettings) -> float | None:
    annual = float(mean_daily) * 365
    if settings.use_eoq and t["unit_cost"] > 0 and annual > 0:
        return policy.economic_order_quantity(t["ordering_cost"], annual, settings.holding_cost_rate * t["unit_cost"])
    return None


def _cover_cap(mean_daily: float, network: float, settings: PlanSettings) -> float | None:
    return None if settings.max_cover_days is None else settings.max_cover_days * float(mean_daily) - network


def _transfer_line(t: dict, i: int, quantity: float, level: int, net: Network, fbt_at_ship: np.ndarray,
                   lead: LeadTimes, demand: LeadTimeDemand, today: pd.Timestamp) -> dict:
    ship_by = today + pd.Timedelta(days=int(net.ship_day[i]))
    return {
        "sku": t["sku"], "from_location": "own", "to_location": "fbt", "quantity": quantity, "ship_by": ship_by,
        "expected_receipt": ship_by + pd.Timedelta(days=int(lead.fixed[i])),
        "priority": float(t["price"] - t["unit_cost"]) * expected_short(demand.cycle[i], net.selling_position[i], quantity),
        # decision fields (reasons.transfer_reason)
        "ship_day": int(net.ship_day[i]), "fbt_position": float(fbt_at_ship[i]), "level": int(level),
        "transit_days": int(lead.fixed[i]), "upstream_units": float(net.upstream_by_ship[i]),
        "upstream_source": net.upstream_source[i],
    }


def _order_line(t: dict, i: int, quantity: int, need: float, network: float, order_by: pd.Timestamp,
                build: PreBuild | None, mine: list[dict], lead: LeadTimes, demand: LeadTimeDemand,
                mean_cycle: float, mean_daily: float, max_cover_days: float | None) -> dict:
    inside = [r for r in mine if r["start_day"] < lead.window_end[i]]  # campaigns on days this order covers
    cases = quantity // int(t["case_pack"])
    cover_after = (network + quantity) / mean_daily if mean_daily > 0 else np.inf
    # what the MOQ or case pack alone lifts past the cover cap (the cap never cuts below the need)
    beyond = 0.0
    if max_cover_days is not None and quantity > max(need, 0):
        beyond = max(0.0, network + quantity - max(max_cover_days * mean_daily, network + need))
    return {
        "supplier": t["supplier"], "sku": t["sku"], "name": t["name"],
        "location": "own" if t["location"] == "fbt" else t["location"],
        "quantity": quantity, "case_pack": int(t["case_pack"]), "cases": cases,
        "unit_cost": float(t["unit_cost"]), "value": quantity * float(t["unit_cost"]),
        "order_by": order_by, "expected_arrival": order_by + pd.Timedelta(days=int(round(t["lead_time_days"]))),
        "lost_margin_avoided": float(t["price"] - t["unit_cost"]) * expected_short(demand.cycle[i], network, quantity),
        # decision fields (reasons.order_reason)
        "i": i, "need": float(need), "position": float(network), "forecast_units": mean_cycle,
        "supplier_lead_days": float(t["lead_time_days"]), "fixed_days": int(lead.fixed[i]),
        "campaigns": [(str(r["campaign_id"]), str(r["type"]), float(r["uplift"])) for r in inside],
        "pre_build": build, "moq": int(t["moq"]),
        "moq_bound": bool(quantity > math.ceil(max(need, 0)) and int(t["moq"]) > need),
        "budget_cut": False, "planned_quantity": quantity, "cover_after_days": float(cover_after),
        "beyond_cap_units": float(beyond),
    }


def apply_budget(orders: pd.DataFrame, terms: pd.DataFrame, budget: float | None) -> tuple[pd.DataFrame, list[dict]]:
    """Keep the lines with the most expected lost margin avoided per unit of money until the budget is
    spent (greedy knapsack); a line that does not fit whole is cut to the whole cases that fit, if that
    still meets the MOQ (``budget_cut``); a line left out becomes a budget_cut alert."""
    if budget is None or orders.empty or orders["value"].sum() <= budget:
        return orders, []
    ranked = orders.assign(ratio=orders["lost_margin_avoided"] / orders["value"].where(orders["value"] > 0, np.nan))
    ranked = ranked.sort_values("ratio", ascending=False, na_position="first")
    moq = terms.set_index("sku")["moq"]
    left, kept, alerts = float(budget), [], []
    for row in ranked.to_dict("records"):
        if row["value"] <= left:
            kept.append(row)
            left -= row["value"]
            continue
        cases = int(left // (row["unit_cost"] * row["case_pack"])) if row["unit_cost"] > 0 else row["cases"]
        quantity = cases * row["case_pack"]
        if quantity >= moq.get(row["sku"], 1) and quantity > 0:
            row.update(quantity=quantity, cases=cases, value=quantity * row["unit_cost"], budget_cut=True)
            kept.append(row)
            left -= row["value"]
        else:
            alerts.append({"sku": row["sku"], "location": row["location"], "kind": "budget_cut", "date": row["order_by"],
                           "quantity": row["quantity"], "value": row["value"], "budget": float(budget),
                           "lost_margin_avoided": row["lost_margin_avoided"]})
    return pd.DataFrame(kept, columns=list(orders.columns) + ["ratio"]).drop(columns="ratio"), alerts


def apply_inbound_capacity(transfers: pd.DataFrame, capacity: float | None) -> tuple[pd.DataFrame, list[dict]]:
    """Keep the transfers that avoid the most lost margin until FBT's inbound capacity is used."""
    if capacity is None or transfers.empty or transfers["quantity"].sum() <= capacity:
        return transfers, []
    ranked = transfers.sort_values("priority", ascending=False)
    left, kept, alerts = float(capacity), [], []
    for row in ranked.to_dict("records"):
        take = min(row["quantity"], left)
        if take < row["quantity"]:
            alerts.append({"sku": row["sku"], "location": "fbt", "kind": "fbt_capacity", "date": row["ship_by"],
                           "quantity": row["quantity"], "kept": take, "capacity": float(capacity)})
        if take > 0:
            row["quantity"] = take
            kept.append(row)
            left -= take
    return pd.DataFrame(kept, columns=transfers.columns), alerts
