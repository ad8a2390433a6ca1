"""The plan: forecast sample paths + inventory positions + supply terms -> orders, transfers and alerts.

``make_plan`` runs the stages in order; each is a module of this package with a typed output:

1. terms     supply terms per SKU and lead times drawn per path            -> LeadTimes
2. network   positions at the selling location and upstream, receipts      -> Network
3. campaigns the campaigns that reach the plan's days                      -> campaign rows
4. demand    lead-time demand off the paths, calibrated on past errors     -> LeadTimeDemand
5. targets   classes, the target planned at, campaign floors, levels       -> Targets
6. lines     pre-builds, transfers, orders, lots, caps, budget             -> Lines
7. project   expected stock without action and with the plan               -> Projection
8. alerts    what a planner must act on                                    -> alert fields
9. reasons   the words: order reasons, transfer reasons, alert messages

Day 0 is the planning day ("today", the inventory snapshot's date): the snapshot is taken at its start,
so today's demand is served from today's stock and counts in every projection and lead-time window.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast.models.base import SamplePaths
from planner.plan import reasons
from planner.plan.alerts import AlertInputs, plan_alerts
from planner.plan.campaigns import baseline_daily, campaign_uplift, campaigns_by_sku, plan_campaigns
from planner.plan.demand import LeadTimeDemand, lead_time_demand, plan_days, windows_wanted
from planner.plan.lines import ORDER_COLUMNS, ORDER_FIELDS, TRANSFER_COLUMNS, Lines, decide_lines
from planner.plan.network import network_position
from planner.plan.project import project, stockout_dates
from planner.plan.settings import PlanSettings
from planner.plan.targets import Targets, set_targets
from planner.plan.terms import LeadTimes, draw_lead_times, planned_terms

ALERT_COLUMNS = ["sku", "location", "kind", "date", "message"]


@dataclass
class Plan:
    """The plan's frames. ``plan``: one row per SKU at its selling location; ``orders``: supplier order
    lines (grouped by supplier); ``transfers``: own -> FBT moves; ``alerts``; ``projected``: inventory
    per SKU and day, without action and with this plan. ``orders`` and ``alerts`` carry their decision
    fields after the columns the CSV files show (ORDER_COLUMNS, ALERT_COLUMNS): read those, not the words."""

    plan: pd.DataFrame
    orders: pd.DataFrame
    transfers: pd.DataFrame
    alerts: pd.DataFrame
    projected: pd.DataFrame

    def files(self) -> dict[str, pd.DataFrame]:
        """The frames as the CSV files show them (without the decision fields)."""
        return {"plan": self.plan, "orders": self.orders[ORDER_COLUMNS], "transfers": self.transfers,
                "alerts": self.alerts[ALERT_COLUMNS], "projected": self.projected}


def make_plan(
    paths: SamplePaths,
    positions: pd.DataFrame,
    products: pd.DataFrame,
    suppliers: pd.DataFrame | None,
    purchase_orders: pd.DataFrame | None,
    campaigns: pd.DataFrame | None,
    bundles: pd.DataFrame | None,
    settings: PlanSettings | None = None,
    today: pd.Timestamp | str | None = None,
    inventory: pd.DataFrame | None = None,
    history: pd.DataFrame | None = None,
    calibration=None,
) -> Plan:
    """Plan safety stock, reorder points, orders, transfers and alerts for every active product.

    ``campaigns`` is the expanded calendar (one row per campaign and SKU, with its ``location`` when the
    stock must be somewhere else than where the SKU sells), as planner.io.inputs.expand_campaigns and
    planner.pipeline.campaign_rows make it.
    ``positions`` is planner.positions.inventory_positions(...); ``inventory`` (optional) adds in-transit
    receipts to the projection; ``history`` (optional, sku/date/units) drives the no-sale alert;
    ``calibration`` (optional, planner.calibration.Calibration) replaces the paths' demand noise over lead
    time + review by the forecast's past errors, and its service curve sets the target planned at.

    ``today`` is the planning day (default: the day the paths start). Paths that start on ``today`` are
    read as they are; paths that start later say nothing about the days before, which are taken to sell
    like the paths' first day; days of paths before today are dropped.
    """
    settings = settings or PlanSettings()
    start = pd.Timestamp(paths.start).normalize()
    today = pd.Timestamp(today).normalize() if today is not None else start
    terms = planned_terms(products, suppliers, bundles, settings)
    skus = terms["sku"].tolist()
    today_index = (today - start).days
    horizon = plan_days(paths, today_index)
    R = int(settings.review_period_days)

    lead = draw_lead_times(terms, paths.n_paths, horizon, R, np.random.default_rng(settings.seed))
    camp = plan_campaigns(campaigns, terms, today, horizon, settings)
    net = network_position(positions, terms, inventory, purchase_orders, today, horizon, settings)
    demand = lead_time_demand(paths, bundles, skus, today_index, lead.lead_days, lead.cycle_days,
                              windows_wanted(camp, net.shipping, net.ship_day, lead.fixed, lead.window_end, today, R,
                                             horizon),
                              calibration, settings.seed, settings.block_skus)
    targets = set_targets(terms, demand, camp, lead, settings, calibration)
    baseline = baseline_daily(demand.daily_mean, camp, horizon)
    camp["uplift"] = campaign_uplift(camp, demand.running, baseline, horizon)
    campaigns_of = campaigns_by_sku(camp)
    lines = decide_lines(terms, net, lead, demand, targets, campaigns_of, settings, today, horizon)

    plan = _plan_rows(lines, lead, demand, targets, settings)
    plan["order_quantity"] = plan["sku"].map(lines.orders.groupby("sku")["quantity"].sum()).fillna(0).astype(int)
    plan["transfer_in"] = plan["sku"].map(lines.transfers.groupby("sku")["quantity"].sum()).fillna(0.0)
    projection = project(today, skus, terms, demand.daily_mean, net.selling_available, net.scheduled, lines.orders,
                         lines.transfers, lead.fixed)
    plan["stockout_date"] = pd.Series(stockout_dates(projection.no_action, demand.daily_mean, today),
                                      index=plan.index).astype("datetime64[ns]")
    # days of cover to a tenth of a day: what a planner reads (plan.csv and the report show this figure)
    plan["cover_days"] = (net.position / np.maximum(demand.daily_mean.mean(axis=1), 1e-9)).round(1)
    shipped_today = lines.transfers.loc[lines.transfers["ship_by"] == today].groupby("sku")["quantity"].sum()
    still_upstream = np.maximum(net.upstream_available - plan["sku"].map(shipped_today).fillna(0.0).to_numpy(), 0.0)
    alerts = lines.cut_alerts + plan_alerts(AlertInputs(
        today, plan, terms, camp, demand, baseline, targets.target, projection.with_plan, projection.receipts,
        lead.fixed, net.selling_available, still_upstream, history, settings), lines.orders)
    return Plan(plan=plan, orders=_orders_frame(lines, targets, lead, campaigns_of, settings, calibration),
                transfers=_transfers_frame(lines, R), alerts=_alerts_frame(alerts), projected=projection.frame)


def _plan_rows(lines: Lines, lead: LeadTimes, demand: LeadTimeDemand, targets: Targets,
               settings: PlanSettings) -> pd.DataFrame:
    """plan.csv: one row per SKU, in the order of the terms."""
    R = int(settings.review_period_days)
    rows = []
    for d in lines.skus:
        i, t = d["i"], d["t"]
        safety = float(targets.level[i]) - d["mean_cycle"]
        rows.append({
            "sku": d["sku"], "location": t["location"], "supplier": t["supplier"], "class": targets.classes[i],
            "service_target": float(targets.target[i]), "service_measure": settings.service_measure,
            "planned_target": round(float(targets.planned[i]), 4), "method": targets.method[i],
            "lead_time_days": float(lead.mean[i]), "review_period_days": R,
            "forecast_lead_review": round(d["mean_cycle"], 1), "safety_stock": round(safety, 1) + 0.0,  # no "-0"
            "reorder_point": float(targets.reorder[i]), "order_up_to": d["target_level"],
            "position": d["selling_position"], "upstream_position": d["upstream_position"],
            "transfer_in": d["transfer"], "order_quantity": d["quantity"], "demand_calibration": demand.notes[i],
            "cycle_service": round(float(targets.cycle_service[i]), 4),
            "expected_fill_rate": round(float(targets.expected_fill[i]), 4),
        })
    return pd.DataFrame(rows)


def service_fields(i: int, targets: Targets, lead: LeadTimes, mine: list[dict], settings: PlanSettings,
                   calibration, safety: float) -> dict:
    """What an order reason says of the service SKU ``i`` was planned for (reasons.service_words)."""
    target, planned, floor = float(targets.target[i]), float(targets.planned[i]), float(targets.floor[i])
    sku_service = float(targets.cycle_service[i])
    reach = lead.reach_end[i]
    return {
        "service_target": target, "planned": planned, "service_measure": settings.service_measure,
        "class": targets.classes[i], "sku_service": sku_service, "sku_fill": float(targets.expected_fill[i]),
        "unit_value": float(targets.unit_value[i]), "floor": floor, "safety_stock_exact": safety,
        "achieved_target": float(calibration.achieved_at(target)) if planned != target else np.nan,
        "achieved_planned": float(calibration.achieved_at(planned)) if planned != target else np.nan,
        "lowest_planned": float(calibration.service["target"].min()) if planned != target else np.nan,
        "campaign_floor": bool(floor > settings.min_sku_service and sku_service <= floor + 1e-9),
        "reach_lead_days": int(reach - settings.review_period_days - lead.fixed[i]),
        "floor_campaigns": sorted({str(r["campaign_id"]) for r in mine if r["start_day"] < reach}),
    }


def _orders_frame(lines: Lines, targets: Targets, lead: LeadTimes, campaigns_of: dict, settings: PlanSettings,
                  calibration) -> pd.DataFrame:
    orders = lines.orders
    if orders.empty:
        return orders.assign(reason=pd.Series(dtype=object))[ORDER_COLUMNS + ORDER_FIELDS]
    mean_cycle = {d["i"]: d["mean_cycle"] for d in lines.skus}
    words = []
    for line in orders.to_dict("records"):
        i = line["i"]
        service = service_fields(i, targets, lead, campaigns_of.get(i, []), settings, calibration,
                                 float(targets.level[i]) - mean_cycle[i])
        words.append(reasons.order_reason(line, service, settings.review_period_days, settings.budget_cap))
    orders = orders.assign(reason=words)
    return orders[ORDER_COLUMNS + ORDER_FIELDS].sort_values(["supplier", "sku"]).reset_index(drop=True)


def _transfers_frame(lines: Lines, review_days: int) -> pd.DataFrame:
    transfers = lines.transfers
    if transfers.empty:
        return transfers.assign(reason=pd.Series(dtype=object))[TRANSFER_COLUMNS]
    transfers = transfers.assign(reason=[reasons.transfer_reason(r, review_days) for r in transfers.to_dict("records")])
    return transfers[TRANSFER_COLUMNS].reset_index(drop=True)


def _alerts_frame(alerts: list[dict]) -> pd.DataFrame:
    if not alerts:
        return pd.DataFrame(columns=[*ALERT_COLUMNS, "campaign_id"])
    frame = pd.DataFrame(alerts)
    frame["message"] = [reasons.alert_message(a) for a in alerts]
    fields = [c for c in frame.columns if c not in ALERT_COLUMNS]
    return frame[ALERT_COLUMNS + fields]
