"""The plan's calibration: a backtest's window errors -> the Calibration make_plan plans on.

One function for every caller: `restock run` / `restock backtest` (planner.pipeline.backtest_calibration,
from the backtest's forecasts) and the replay (planner.simulate, from its own past reviews' forecasts).
The errors are fitted (planner.calibration.fit_calibration), then each window is held to the floor the
plan would have given it (a campaign on a day its order may cover: campaign_service) and its SKU's unit
value, and backtest_service finds the fill rate past windows got at each grid target, from which the
plan finds the target to plan at for the one it promises.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from forecast.features import campaign_last_day
from planner.calibration import Calibration, backtest_service, fit_calibration
from planner.inventory.allocation import value_weights
from planner.plan.settings import PlanSettings
from planner.plan.targets import campaign_floors, classify_abc
from planner.plan.terms import campaign_reach_days

#: origins of the backtest the calibration learns from (`restock run`'s weekly backtest, fewer when the
#: history is shorter; the replay splits its reviews into as many folds): four a 90-day horizon apart
#: hold a year of windows, so the service step's verdict spans a seasonal shop's whole year and does not
#: chase its last half-year (UCI at 95 %: 93.99 % with two, 95.82 % with four; docs/decisions.md)
BACKTEST_ORIGINS = 4


def plan_calibration(errors: pd.DataFrame, terms: pd.DataFrame, campaigns: pd.DataFrame | None,
                     settings: PlanSettings, service: bool = True) -> Calibration:
    """The Calibration of window ``errors`` (planner.calibration.ERROR_COLUMNS with lead_days, and a
    ``cutoff`` per backtest origin, windows one review apart within it) for SKUs of ``terms``
    (supply_terms indexed by sku), ``campaigns`` the expanded calendar. ``service`` False: without the
    service curve (the plan then plans at the promised target)."""
    calibration = fit_calibration(errors)
    if not service:
        return calibration
    # the plan holds a SKU featured in a campaign on a day its order may cover at campaign_service: so were
    # its past windows
    reach = pd.Series(campaign_reach_days(terms, 0), index=terms.index)
    featured = windows_featured(errors, campaigns, settings.review_period_days, reach)
    errors = errors.assign(floor=campaign_floors(featured, settings.min_sku_service, settings.campaign_service))
    values = None
    if settings.fill_rate_scope == "class":  # the plan keeps each class's fill rate over its units
        values = pd.Series(value_weights(terms["unit_cost"].to_numpy(), terms["price"].to_numpy()), index=terms.index)
        errors = errors.assign(group=window_classes(errors, terms["price"]))
    service = backtest_service(errors, terms[["moq", "case_pack"]], seed=settings.seed,
                               slow_units=settings.slow_mover_units, unit_values=values, floor=settings.min_sku_service,
                               review_days=settings.review_period_days)
    return replace(calibration, service=service if len(service) else None)


def window_classes(errors: pd.DataFrame, price: pd.Series) -> np.ndarray:
    """Per backtest window, its SKU's ABC class among the windows of its origin, by forecast revenue
    (forecast units over the window x price), as the plan classes SKUs by forecast revenue: the service
    step then keeps a target over each class's windows, as the plan keeps it over each class's units.
    (Judged over all SKUs at once, levels held per class served 2 points more than the step believed:
    the real plan in the replay overshot its 95 % promise by 2 points on both the sample shop and UCI.)"""
    revenue = errors["forecast_cycle"].to_numpy(float) * pd.Series(price).reindex(errors["sku"].astype(str)).fillna(0.0).to_numpy()
    classes = np.empty(len(errors), dtype=object)
    for _, rows in pd.Series(np.arange(len(errors))).groupby(errors["origin"].astype(str).to_numpy()):
        at = rows.to_numpy()
        classes[at] = classify_abc(pd.Series(revenue[at])).to_numpy()
    return classes


def windows_featured(errors: pd.DataFrame, campaigns: pd.DataFrame, review_days: int,
                     reach_days: pd.Series | None = None) -> np.ndarray:
    """Per backtest window (sku, origin, lead_days): is its SKU featured in a campaign on a day of its lead
    time + review, as the plan decides it for today's window. ``reach_days`` (per SKU; make_plan's
    planner.plan.campaign_reach_days without the review) replaces the window's own lead days."""
    featured = np.zeros(len(errors), dtype=bool)
    if campaigns is None or len(campaigns) == 0 or len(errors) == 0 or "lead_days" not in errors.columns:
        return featured
    skus, first = errors["sku"].astype(str).to_numpy(), _days(errors["origin"])
    lead = errors["lead_days"].to_numpy(float)
    if reach_days is not None:
        lead = np.fmax(pd.Series(skus).map(reach_days).to_numpy(float), lead)
    span = np.ceil(lead) + review_days - 1
    known = np.isfinite(span) & (first != NO_DAY)  # a window without a lead time or a day features nothing
    if not known.any():
        return featured
    last = first + np.where(known, span, 0).astype(np.int64)
    start, end = _days(campaigns["start"]), _days(campaign_last_day(campaigns["start"], campaigns["end"]))
    code, names = pd.factorize(skus)
    at = pd.Index(names).get_indexer(campaigns["sku"].astype(str))
    lo, hi = int(first[known].min()), int(last[known].max())
    rows = (at >= 0) & (start != NO_DAY) & (end != NO_DAY)
    start, end = np.maximum(start, lo), np.minimum(end, hi)  # the days the windows span
    rows &= start <= end
    # per SKU and day: is a campaign on (a difference array summed), then how many such days up to each day
    on = np.zeros((len(names), hi - lo + 2), dtype=np.int32)
    np.add.at(on, (at[rows], start[rows] - lo), 1)
    np.add.at(on, (at[rows], end[rows] - lo + 1), -1)
    days_on = np.concatenate([np.zeros((len(names), 1), np.int64), np.cumsum(np.cumsum(on, axis=1) > 0, axis=1)], axis=1)
    inside = np.flatnonzero(known)
    count = days_on[code[inside], last[inside] - lo + 1] - days_on[code[inside], first[inside] - lo]
    featured[inside] = count > 0
    return featured


NO_DAY = np.iinfo(np.int64).min


def _days(stamps) -> np.ndarray:
    """Whole days since 1970-01-01 of each stamp's calendar day (NO_DAY for a missing one)."""
    values = pd.to_datetime(pd.Series(stamps)).dt.normalize().to_numpy().astype("datetime64[D]")
    return np.where(np.isnat(values), NO_DAY, values.astype(np.int64))
