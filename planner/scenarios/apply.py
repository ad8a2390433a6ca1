"""A scenario applied: ``apply_scenario`` turns its changes into the inputs, plan settings and forecast
changes it plans with (the caller's frames untouched; one step per change kind), and ``scenario_forecast``
the forecast it plans against, from the same base:

* supply changes (supplier delay, service level, budget cap, unit cost) reuse the forecast's sample
  paths as they are: nothing is refitted or redrawn;
* campaign changes (scale an uplift, add, cancel or move a campaign) redraw the paths from the already
  fitted model through its ``uplift_scale`` / ``campaigns`` hooks, with the same seed, so days and SKUs
  the change does not touch keep their draws wherever the calendar's shape allows;
* a category demand shock scales the paths (``shock_paths``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from forecast.contract import CAMPAIGN_TYPES
from forecast.models.base import SamplePaths, WhatIfForecaster
from planner.errors import ConfigError
from planner.io.inputs import Inputs
from planner.plan import PlanSettings
from planner.plan.campaigns import campaign_rows
from planner.scenarios.parse import Scenario, _fail


@dataclass
class ForecastChanges:
    """What a scenario changes in the forecast: uplift factors per campaign id or type, the campaign
    calendar when campaigns were added or moved (None: the fitted one), and demand shocks
    (SKUs, factor, first date, last date)."""

    uplift_scale: dict[str, float] = field(default_factory=dict)
    calendar_changed: bool = False
    demand_shocks: list[tuple[frozenset[str], float, pd.Timestamp | None, pd.Timestamp | None]] = field(default_factory=list)

    @property
    def redraw(self) -> bool:
        """True when the paths must be drawn again from the fitted model."""
        return bool(self.uplift_scale) or self.calendar_changed

    @property
    def empty(self) -> bool:
        return not self.redraw and not self.demand_shocks


def _choices(values, limit: int = 12) -> str:
    values = [str(v) for v in values]
    shown = ", ".join(values[:limit])
    return shown + (f", ... ({len(values)} in all)" if len(values) > limit else "")


def _campaign_ids(campaigns: pd.DataFrame, today: pd.Timestamp | None, source: str, key: str, name: str) -> str:
    ids = campaigns["campaign_id"].astype(str)
    if name in set(ids):
        return name
    upcoming = ids[campaigns["end"] >= today] if today is not None else ids
    raise _fail(source, key, f"unknown campaign {name!r}; planned campaigns: {_choices(upcoming)}")


def _supplier_skus(products: pd.DataFrame, suppliers: pd.DataFrame, source: str, key: str, name: str) -> pd.Series:
    known = sorted(set(products["supplier"].astype(str)) | set(suppliers["supplier"].astype(str)))
    if name.lower() == "all":
        return pd.Series(True, index=products.index)
    if name not in known:
        raise _fail(source, key, f"unknown supplier {name!r}; allowed: all, {_choices(known)}")
    return products["supplier"].astype(str).eq(name)


def apply_scenario(scenario: Scenario, inputs: Inputs, settings: PlanSettings) -> tuple[Inputs, PlanSettings, ForecastChanges]:
    """The scenario's inputs, plan settings and forecast changes. The caller's frames are not modified.

    Supplier delays add to the lead time (and its min/max) of the supplier and of its products that
    set their own, and with ``open_orders: true`` to the expected arrival of its open purchase orders; a cancelled campaign leaves the calendar (the forecast and the plan's pre-builds);
    a moved campaign shifts its start and end.
    """
    edit = _Edit(source=scenario.source, today=inputs.snapshot_date, campaigns=inputs.campaigns.copy(),
                 products=inputs.products.copy(), suppliers=inputs.suppliers.copy(),
                 purchase_orders=inputs.purchase_orders.copy(), settings=settings, changes=ForecastChanges())
    for change in scenario.changes:
        step = _STEPS.get(change.kind)
        if step is not None:
            step(edit, change.params, change.where)
    new_inputs = replace(inputs, campaigns=edit.campaigns.reset_index(drop=True), products=edit.products,
                         suppliers=edit.suppliers, purchase_orders=edit.purchase_orders)
    return new_inputs, edit.settings, edit.changes


@dataclass
class _Edit:
    """The scenario's inputs and settings as its changes are applied one by one (copies of the caller's)."""

    source: str
    today: pd.Timestamp | None
    campaigns: pd.DataFrame
    products: pd.DataFrame
    suppliers: pd.DataFrame
    purchase_orders: pd.DataFrame
    settings: PlanSettings
    changes: ForecastChanges


def _campaign_uplift(e: _Edit, p: dict[str, Any], key: str) -> None:
    name = p["campaign"]
    if name not in CAMPAIGN_TYPES:
        name = _campaign_ids(e.campaigns, e.today, e.source, f"{key}.campaign", name)
    e.changes.uplift_scale[name] = e.changes.uplift_scale.get(name, 1.0) * p["scale"]


def _supplier_delay(e: _Edit, p: dict[str, Any], key: str) -> None:
    products, suppliers, purchase_orders = e.products, e.suppliers, e.purchase_orders
    chosen = _supplier_skus(products, suppliers, e.source, f"{key}.supplier", p["supplier"])
    all_suppliers = p["supplier"].lower() == "all"
    rows = suppliers["supplier"].astype(str).eq(p["supplier"]) | all_suppliers
    for column in ("lead_time_days", "lead_time_min_days", "lead_time_max_days"):
        if column in suppliers.columns:
            suppliers.loc[rows, column] = (pd.to_numeric(suppliers.loc[rows, column]) + p["days"]).clip(lower=1)
        if column in products.columns:
            products.loc[chosen, column] = (pd.to_numeric(products.loc[chosen, column]) + p["days"]).clip(lower=1)
    without = chosen & ~products["supplier"].astype(str).isin(suppliers["supplier"].astype(str))
    if without.any():  # SKUs on the shop default: delay them too
        base = pd.to_numeric(products.loc[without, "lead_time_days"]).fillna(e.settings.default_lead_time_days)
        products.loc[without, "lead_time_days"] = (base + p["days"]).clip(lower=1)
    if p["open_orders"] and len(purchase_orders):
        theirs = set(products.loc[chosen, "sku"].astype(str))
        late = purchase_orders["sku"].astype(str).isin(theirs)
        if "supplier" in purchase_orders.columns and not all_suppliers:
            named = purchase_orders["supplier"].notna()
            late = (late & ~named) | purchase_orders["supplier"].astype(str).eq(p["supplier"])
        purchase_orders.loc[late, "expected_arrival"] = purchase_orders.loc[late, "expected_arrival"] + pd.Timedelta(days=p["days"])


def _service_level(e: _Edit, p: dict[str, Any], key: str) -> None:
    if "level" in p:
        e.settings = replace(e.settings, service_level=p["level"], class_service_levels={})
    else:
        e.settings = replace(e.settings, class_service_levels={**e.settings.class_service_levels, **p["classes"]})


def _budget_cap(e: _Edit, p: dict[str, Any], key: str) -> None:
    e.settings = replace(e.settings, budget_cap=p["cap"])


def _unit_cost(e: _Edit, p: dict[str, Any], key: str) -> None:
    products = e.products
    if "sku" in p:
        if p["sku"] not in set(products["sku"].astype(str)):
            raise _fail(e.source, f"{key}.sku", f"unknown SKU {p['sku']!r}; see products.csv")
        chosen = products["sku"].astype(str).eq(p["sku"])
    else:
        chosen = _supplier_skus(products, e.suppliers, e.source, f"{key}.supplier", p["supplier"])
    products.loc[chosen, "unit_cost"] = pd.to_numeric(products.loc[chosen, "unit_cost"]) * (1 + p["pct"] / 100)


def _demand_shock(e: _Edit, p: dict[str, Any], key: str) -> None:
    products = e.products
    if "sku" in p:
        if p["sku"] not in set(products["sku"].astype(str)):
            raise _fail(e.source, f"{key}.sku", f"unknown SKU {p['sku']!r}; see products.csv")
        skus = {p["sku"]}
    else:
        categories = sorted(products["category"].astype(str).unique())
        if p["category"].lower() == "all":
            skus = set(products["sku"].astype(str))
        elif p["category"] in categories:
            skus = set(products.loc[products["category"].astype(str).eq(p["category"]), "sku"].astype(str))
        else:
            raise _fail(e.source, f"{key}.category", f"unknown category {p['category']!r}; allowed: all, {_choices(categories)}")
    e.changes.demand_shocks.append((frozenset(skus), 1 + p["pct"] / 100, p["start"], p["end"]))


def _cancel_campaign(e: _Edit, p: dict[str, Any], key: str) -> None:
    name = _campaign_ids(e.campaigns, e.today, e.source, key, p["campaign"])
    e.campaigns = e.campaigns[e.campaigns["campaign_id"].astype(str) != name]
    e.changes.calendar_changed = True


def _move_campaign(e: _Edit, p: dict[str, Any], key: str) -> None:
    campaigns = e.campaigns
    name = _campaign_ids(campaigns, e.today, e.source, f"{key}.campaign", p["campaign"])
    rows = campaigns["campaign_id"].astype(str).eq(name)
    shift = pd.Timedelta(days=p["days"])
    campaigns.loc[rows, "start"] = campaigns.loc[rows, "start"] + shift
    campaigns.loc[rows, "end"] = campaigns.loc[rows, "end"] + shift
    e.changes.calendar_changed = True


def _add_campaign(e: _Edit, p: dict[str, Any], key: str) -> None:
    campaigns = e.campaigns
    if p["campaign_id"] in set(campaigns["campaign_id"].astype(str)):
        raise _fail(e.source, f"{key}.campaign_id", f"{p['campaign_id']!r} is already in the calendar; "
                    f"use move_campaign or campaign_uplift to change it")
    _check_featured(e.products, e.source, f"{key}.skus", p["skus"])
    row = {c: None for c in campaigns.columns}
    row.update({k: v for k, v in p.items() if k in campaigns.columns})
    if "_row" in campaigns.columns:
        row["_row"] = 0
    addition = pd.DataFrame([row]).astype({c: campaigns[c].dtype for c in campaigns.columns if c in row}, errors="ignore")
    e.campaigns = pd.concat([campaigns, addition[campaigns.columns]], ignore_index=True) if len(campaigns) else addition
    e.changes.calendar_changed = True


#: one step per change kind (parse.CHANGE_KINDS), each applying one checked Change to the _Edit
_STEPS: dict[str, Callable[[_Edit, dict[str, Any], str], None]] = {
    "campaign_uplift": _campaign_uplift, "supplier_delay": _supplier_delay, "service_level": _service_level,
    "budget_cap": _budget_cap, "unit_cost": _unit_cost, "demand_shock": _demand_shock,
    "cancel_campaign": _cancel_campaign, "move_campaign": _move_campaign, "add_campaign": _add_campaign,
}


def _check_featured(products: pd.DataFrame, source: str, key: str, spec: str) -> None:
    if spec.lower() == "all":
        return
    if spec.lower().startswith("category:"):
        category = spec.split(":", 1)[1].strip()
        categories = sorted(products["category"].astype(str).unique())
        if category not in categories:
            raise _fail(source, key, f"unknown category {category!r}; allowed: all, {_choices('category:' + c for c in categories)}")
        return
    known = set(products["sku"].astype(str))
    unknown = [s.strip() for s in spec.split(";") if s.strip() and s.strip() not in known]
    if unknown:
        raise _fail(source, key, f"SKU(s) {unknown} are not in products.csv; allowed: all, category:NAME or SKUs separated by ';'")


# ------------------------------------------------------------------------------------------ forecast

def scenario_forecast(result, inputs: Inputs, changes: ForecastChanges, seed: int = 0):
    """The forecast result the scenario plans against: the same one when only supply changes; paths
    redrawn from the fitted model (never refitted) when campaigns change; paths scaled by demand
    shocks. ``seed`` must be the one the base forecast was drawn with (pipeline.run_forecast: 0)."""
    if changes.empty:
        return result
    paths, calendar = result.paths, result.campaigns
    if changes.calendar_changed:
        calendar = campaign_rows(inputs, result.history)
    if changes.redraw:
        model = result.model
        if not isinstance(model, WhatIfForecaster):
            raise ConfigError(f"the {getattr(model, 'name', type(model).__name__)} model cannot replay campaign changes "
                              f"without refitting; plan campaign scenarios with the campaign model (planning.model = 'campaign')")
        scale = dict(changes.uplift_scale) or None
        new_calendar = calendar if changes.calendar_changed else None
        drawn = model.chunked_paths(paths.horizon, n_paths=paths.n_paths, seed=seed, uplift_scale=scale,
                                    campaigns=new_calendar)
        # Poisson draws consume a varying amount of randomness, so one changed mean re-noises every draw
        # after it: keep the base draws wherever the expected demand did not change (common random
        # numbers), and take the new draws only on the SKU-days the change touches.
        changed = _changed_cells(model, paths, scale, new_calendar)
        paths = paths.transformed(lambda lo, hi, values: np.where(changed[lo:hi, None, :],
                                                                  drawn.rows(np.arange(lo, hi)), values))
    if changes.demand_shocks:
        paths = shock_paths(paths, changes.demand_shocks)
    forecast = paths.to_frame()
    forecast.insert(2, "model", result.forecast["model"].iloc[0] if len(result.forecast) else getattr(result.model, "name", ""))
    return replace(result, paths=paths, forecast=forecast, campaigns=calendar)


def _changed_cells(model, paths: SamplePaths, uplift_scale: dict | None, calendar: pd.DataFrame | None) -> np.ndarray:
    """(n_sku, horizon) True where the model's expected demand differs under the scenario."""
    horizon = paths.horizon
    before = model.components(horizon)["mean"].to_numpy().reshape(len(paths.skus), horizon)
    after = model.components(horizon, uplift_scale=uplift_scale, campaigns=calendar)["mean"].to_numpy()
    after = after.reshape(len(paths.skus), horizon)
    return np.abs(after - before) > 1e-6 * (1 + np.abs(before))


def shock_paths(paths: SamplePaths, shocks) -> SamplePaths:
    """Paths with each shock's SKUs scaled by its factor between its first and last date (inclusive)."""
    dates = paths.dates
    skus = np.asarray([str(s) for s in paths.skus])
    changes = []
    for sku_set, factor, first, last in shocks:
        days = np.ones(len(dates), dtype=bool)
        if first is not None:
            days &= dates >= pd.Timestamp(first).normalize()
        if last is not None:
            days &= dates <= pd.Timestamp(last).normalize()
        changes.append((np.isin(skus, list(sku_set)), np.flatnonzero(days), np.float32(factor)))

    def shocked(lo: int, hi: int, values: np.ndarray) -> np.ndarray:
        values = values.copy()
        for rows, days, factor in changes:
            values[np.ix_(rows[lo:hi], np.arange(values.shape[1]), days)] *= factor
        return values

    return paths.transformed(shocked)


__all__ = ["ForecastChanges", "apply_scenario", "scenario_forecast", "shock_paths"]
