"""Scenarios planned and compared with the shop's plan as is: ``run_scenario`` (apply, forecast, plan,
evaluate), ``compare_scenarios`` (one row per scenario, each figure next to its difference from the
baseline, ``plan_metrics``), and the notes that say why a campaign change shows no effect
(``campaign_timing_notes``, from ``campaign_order_by``).
"""

from __future__ import annotations

import pandas as pd

from forecast.contract import CAMPAIGN_TYPES
from planner.io.inputs import Inputs, expand_campaigns
from planner.plan import Plan, PlanSettings, campaign_order_by_date, supply_terms
from planner.plan.replenish import Supply, plan_replenishment
from planner.plan.settings import plan_settings
from planner.scenarios.apply import apply_scenario, scenario_forecast
from planner.scenarios.evaluate import evaluate_plan
from planner.scenarios.parse import Scenario


def campaign_order_by(inputs: Inputs, settings: PlanSettings, campaigns: pd.DataFrame,
                      today: pd.Timestamp | None = None) -> pd.DataFrame:
    """The date each featured SKU's stock must be ordered by to be in place for its campaign:
    start - (supplier lead time + transit + FBT receiving + receiving buffer), as the plan counts it.

    ``campaigns`` is the expanded calendar (one row per campaign and SKU, as ForecastResult.campaigns);
    with ``today``, only campaigns that have not ended. Columns: campaign_id, type, sku, supplier,
    start, order_by."""
    terms = supply_terms(inputs.products, inputs.suppliers, settings).set_index("sku")
    rows = campaigns[campaigns["sku"].astype(str).isin(terms.index)]
    if today is not None:
        rows = rows[rows["end"] >= pd.Timestamp(today)]
    t = terms.reindex(rows["sku"].astype(str))
    order_by = campaign_order_by_date(rows["start"], t["lead_time_days"].to_numpy(), t["transit_days"].to_numpy(),
                                      t["receiving_days"].to_numpy(), settings.receiving_buffer_days)
    return pd.DataFrame({
        "campaign_id": rows["campaign_id"].to_numpy(), "type": rows["type"].to_numpy(), "sku": rows["sku"].astype(str).to_numpy(),
        "supplier": t["supplier"].to_numpy(), "start": rows["start"].to_numpy(), "order_by": order_by.to_numpy(),
    })


def campaigns_at_risk(plan: Plan) -> list[str]:
    """Campaigns the plan flags: not covered in time, or an ad running into a stockout (the alerts'
    campaign_id field)."""
    alerts = plan.alerts
    if alerts.empty or "campaign_id" not in alerts.columns:
        return []
    flagged = alerts[alerts["kind"].isin(["campaign_not_covered", "ad_into_stockout"])]
    return sorted(set(flagged["campaign_id"].dropna().astype(str)))


COMPARISON_METRICS = ("purchase_value", "units", "fill_rate", "lost_units", "lost_margin", "campaigns_at_risk",
                      "end_inventory_value")


def plan_metrics(plan: Plan, evaluation: pd.DataFrame) -> dict[str, float]:
    """The comparison's figures of one plan (see compare_scenarios)."""
    orders = plan.orders
    demand = float(evaluation["demand"].sum())
    lost = float(evaluation["lost_units"].sum())
    return {
        "purchase_value": round(float(orders["value"].sum()), 2) if len(orders) else 0.0,
        "units": float(orders["quantity"].sum()) if len(orders) else 0.0,
        "fill_rate": 1 - lost / demand if demand > 0 else 1.0,
        "lost_units": lost,
        "lost_margin": float(evaluation["lost_margin"].sum()),
        "campaigns_at_risk": float(len(campaigns_at_risk(plan))),
        "end_inventory_value": float(evaluation["end_value"].sum()),
    }


def run_scenario(shop, inputs: Inputs, forecast_result, scenario: Scenario, settings: PlanSettings | None = None,
                 window_days: pd.Series | None = None):
    """(scenario inputs, scenario forecast result, its plan, its evaluation) for one scenario;
    ``window_days`` as in evaluate_plan."""
    settings = settings or plan_settings(shop.config, inputs)
    s_inputs, s_settings, changes = apply_scenario(scenario, inputs, settings)
    s_result = scenario_forecast(forecast_result, s_inputs, changes)
    supply = Supply(s_inputs.products, s_inputs.suppliers, s_inputs.inventory, s_inputs.purchase_orders, s_inputs.bundles)
    s_plan = plan_replenishment(s_result.paths, supply, s_result.today, s_settings, s_result.campaigns,
                                s_result.calibration, s_result.history)
    evaluation = evaluate_plan(s_plan, s_result.paths, s_inputs, s_settings, s_result.today, window_days)
    return s_inputs, s_result, s_plan, evaluation


def compare_scenarios(shop, inputs: Inputs, forecast_result, scenarios: list[Scenario],
                      settings: PlanSettings | None = None, progress=None) -> pd.DataFrame:
    """Plan every scenario against the same forecast base and compare it with the shop's plan as is.

    One row per scenario: name, purchase_value, units, fill_rate (expected, over the sample paths),
    lost_units, lost_margin, campaigns_at_risk, end_inventory_value (expected stock at unit cost on
    the horizon's last day), and for each of these a ``*_vs_baseline`` difference. Fill rate and lost
    sales of every scenario count the days the baseline's orders cover, per SKU. ``note``: campaigns
    the scenario changes that start after those days (campaign_timing_notes), so that a row of zeros
    says why.
    """
    settings = settings or plan_settings(shop.config, inputs)
    baseline = run_scenario(shop, inputs, forecast_result, Scenario("baseline"), settings)
    base = plan_metrics(baseline[2], baseline[3])
    window = baseline[3].set_index("sku")["window_days"]
    rows = []
    for scenario in scenarios:
        s_inputs, _, plan, evaluation = run_scenario(shop, inputs, forecast_result, scenario, settings, window)
        figures = plan_metrics(plan, evaluation)
        row = {"scenario": scenario.name, "changes": len(scenario.changes)}
        for metric in COMPARISON_METRICS:
            row[metric] = figures[metric]
            row[f"{metric}_vs_baseline"] = figures[metric] - base[metric]
        row["note"] = campaign_timing_notes(scenario, inputs, s_inputs, settings, forecast_result.today, window)
        rows.append(row)
        if progress:  # a terminal's progress bar: one scenario planned
            progress()
    return pd.DataFrame(rows, columns=["scenario", "changes"] + [c for m in COMPARISON_METRICS for c in (m, f"{m}_vs_baseline")]
                        + ["note"])


def campaign_timing_notes(scenario: Scenario, inputs: Inputs, scenario_inputs: Inputs, settings: PlanSettings,
                          today, window_days: pd.Series) -> str:
    """Campaigns the scenario changes (by id: an uplift, a cancellation, a move, an addition) that start
    after the days this plan's orders cover for their featured SKUs (``window_days`` from the day after
    ``today``, as evaluate_plan counts them): this plan cannot show their effect, a later review
    orders for them (not this one: their order-by date, planner.plan.campaign_order_by_date of the
    first featured SKU, is after the next review). E.g. 'LIVE-CR-2027-01-15 starts 15 Jan 2027, after
    the days this plan's orders cover (to 22 Dec 2026); its stock is due to be ordered by 20 Dec 2026,
    at a later review'. Empty when there are none."""
    today = pd.Timestamp(today).normalize()
    touched = []
    for change in scenario.changes:
        name = change.params.get("campaign_id" if change.kind == "add_campaign" else "campaign")
        if change.kind in ("campaign_uplift", "cancel_campaign", "move_campaign", "add_campaign") and name not in CAMPAIGN_TYPES:
            touched.append((name, inputs if change.kind == "cancel_campaign" else scenario_inputs))
    notes = []
    for name, source in dict(touched).items():
        rows = source.campaigns[source.campaigns["campaign_id"].astype(str) == str(name)]
        featured = campaign_order_by(inputs, settings, expand_campaigns(rows, source.products))
        if featured.empty:
            continue
        start, order_by = pd.Timestamp(featured["start"].min()), pd.Timestamp(featured["order_by"].min())
        covered_to = today + pd.Timedelta(days=int(window_days.reindex(featured["sku"]).fillna(0).max()))
        if start.normalize() <= covered_to:
            continue
        if order_by < today + pd.Timedelta(days=int(settings.review_period_days)):
            continue  # the plan pre-builds for it now (planner.plan), and the scenario's orders show it
        notes.append(f"{name} starts {start:%d %b %Y}, after the days this plan's orders cover "
                     f"(to {covered_to:%d %b %Y}); its stock is due to be ordered by {order_by:%d %b %Y}, at a later review")
    return "; ".join(notes)


__all__ = ["COMPARISON_METRICS", "campaign_order_by", "campaign_timing_notes", "campaigns_at_risk", "compare_scenarios",
           "plan_metrics", "run_scenario"]
