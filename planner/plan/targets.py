"""Stage 5 of the plan: the service each SKU is held to, and its levels.

ABC classes by forecast revenue (A: the first 80 %, B: the next 15 %, C: the rest) give each SKU its
promised target; a calibration's service curve (planner.calibration) turns the promise into the target
to plan at; a SKU featured in a campaign on a day its order may cover gets a floor. The levels then come
from planner.inventory.levels: a fill rate kept over each class's units at the least stock value
(``fill_rate_scope = "class"``), or every SKU on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.inventory.allocation import value_weights
from planner.inventory.levels import allocated_levels, order_lot_sizes, order_up_to_levels
from planner.plan.demand import LeadTimeDemand
from planner.plan.settings import PlanSettings
from planner.plan.terms import LeadTimes

def classify_abc(revenue: pd.Series, shares: tuple[float, float] = (0.8, 0.95)) -> pd.Series:
    """A for the SKUs making the first 80 % of revenue, B for the next 15 %, C for the rest (a SKU is in
    the class where its revenue starts, so A covers at least 80 %)."""
    order = revenue.sort_values(ascending=False)
    total = order.sum()
    if total <= 0:
        return pd.Series("C", index=revenue.index)
    before = (order.cumsum() - order) / total  # revenue share of the SKUs ranked above
    classes = np.where(before < shares[0], "A", np.where(before < shares[1], "B", "C"))
    return pd.Series(classes, index=order.index).reindex(revenue.index)


def campaign_floors(featured: np.ndarray, min_service: float, campaign_service: float | None) -> np.ndarray:
    """The least cycle service per SKU: ``campaign_service`` where the SKU is featured in a campaign on a
    day its order covers, ``min_service`` elsewhere (PlanSettings.campaign_service).

    >>> campaign_floors(np.array([True, False]), 0.5, 0.98).tolist()
    [0.98, 0.5]
    """
    featured = np.asarray(featured, dtype=bool)
    if campaign_service is None:
        return np.full(featured.shape, float(min_service))
    return np.where(featured, max(float(min_service), float(campaign_service)), float(min_service))


@dataclass(frozen=True)
class Targets:
    """Per plan SKU: class and promised ``target``; ``planned``: the target planned at (the promise, or
    what the calibration's service curve says past levels needed for it); ``unit_value``
    (allocation.value_weights); ``featured``: in a campaign on a day its order may cover; ``floor``: the
    least cycle service; ``lot``: what an order overshoots S by (order_lot_sizes); ``level`` (S),
    ``reorder`` (s), ``method``; with a class-wide fill rate, the ``cycle_service`` each SKU was planned
    at and its ``expected_fill`` (NaN otherwise)."""

    classes: np.ndarray
    target: np.ndarray
    planned: np.ndarray
    unit_value: np.ndarray
    featured: np.ndarray
    floor: np.ndarray
    lot: np.ndarray
    level: np.ndarray
    reorder: np.ndarray
    method: np.ndarray
    cycle_service: np.ndarray
    expected_fill: np.ndarray


def featured_skus(camp: pd.DataFrame, n: int, reach_end: np.ndarray) -> np.ndarray:
    """Per SKU row: featured in a campaign that starts before the end of the days its order may cover."""
    featured = np.zeros(n, dtype=bool)
    at = camp["i"].to_numpy(int)
    featured[at[camp["start_day"].to_numpy(int) < reach_end[at]]] = True
    return featured


def set_targets(terms: pd.DataFrame, demand: LeadTimeDemand, camp: pd.DataFrame, lead: LeadTimes,
                settings: PlanSettings, calibration=None) -> Targets:
    """The Targets of the SKUs of ``terms`` on their lead-time demand (stage 4) and campaigns (stage 3)."""
    skus = terms["sku"].tolist()
    revenue = pd.Series(demand.daily_mean.sum(axis=1) * terms["price"].to_numpy(), index=skus)
    classes = classify_abc(revenue)
    targets = np.array([settings.class_service_levels.get(c, settings.service_level) for c in classes])
    lots = order_lot_sizes(terms["moq"].to_numpy(), terms["case_pack"].to_numpy(),
                           demand.cycle.mean(axis=1) - demand.lead.mean(axis=1))
    planned = targets
    if calibration is not None and settings.service_measure == "fill_rate":
        planned = calibration.planned_targets(targets)  # what past windows needed to be served the promise
    unit_values = value_weights(terms["unit_cost"].to_numpy(), terms["price"].to_numpy())
    featured = featured_skus(camp, len(skus), lead.reach_end)
    floors = campaign_floors(featured, settings.min_sku_service, settings.campaign_service)
    service = fill = np.full(len(skus), np.nan)
    if settings.service_measure == "fill_rate" and settings.fill_rate_scope == "class":
        # the class's fill rate over its units at the least stock value (planner.inventory.allocation)
        spread = allocated_levels(demand.lead, demand.cycle, planned, unit_values, settings.slow_mover_units, lots,
                                  groups=classes.to_numpy(), floor=floors, base_floor=settings.min_sku_service)
        levels, reorders, methods = spread.level, spread.reorder, spread.method
        service, fill = spread.service, spread.fill_rate
    else:
        levels, reorders, methods = order_up_to_levels(demand.lead, demand.cycle, planned, settings.service_measure,
                                                       settings.slow_mover_units, lots)
    return Targets(classes=classes.to_numpy(), target=targets, planned=planned, unit_value=unit_values,
                   featured=featured, floor=floors, lot=lots, level=levels, reorder=reorders, method=methods,
                   cycle_service=service, expected_fill=fill)
