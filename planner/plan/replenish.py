"""The library's entry point for planning: no shop folder, no files, no state.

Demand history (a long frame) + supply terms + a service target -> per-SKU reorder point, order-up-to
level, the figures behind them and today's orders, through the same stages `restock plan` runs
(planner.plan.make). `restock plan` and `restock run` call ``plan_replenishment`` on the shop's
forecast; the replay (planner.simulate) calls it on every review day of its history.

Example (one SKU selling about 5 a day, a 14 +- 3 day supplier, weekly review, 95 % fill rate):

>>> import numpy as np, pandas as pd
>>> days = pd.date_range("2026-01-01", periods=120)
>>> history = pd.DataFrame({"sku": "MUG", "date": days,
...                         "units": np.random.default_rng(1).poisson(5, 120).astype(float)})
>>> terms = pd.DataFrame({"sku": ["MUG"], "lead_time_days": [14.0], "lead_time_sd_days": [3.0],
...                       "moq": [1], "case_pack": [6], "unit_cost": [40.0], "price": [99.0]})
>>> plan = plan_from_history(history, terms, service_level=0.95, model="moving_average",
...                          on_hand=pd.Series({"MUG": 30.0}))
>>> row = plan.plan.iloc[0]
>>> bool(90 < row["order_up_to"] < 160), bool(row["order_quantity"] % 6 == 0)
(True, True)
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from forecast.models import SamplePaths, get_model
from planner.plan.make import Plan, make_plan
from planner.plan.settings import PlanSettings
from planner.positions import inventory_positions


@dataclass(frozen=True)
class Supply:
    """What the plan knows of supply. ``products``: one row per SKU with its terms (sku; optional
    supplier, name, lead_time_days, lead_time_sd_days or lead_time_min_days / lead_time_max_days, moq,
    case_pack, unit_cost, price, fulfillment, status; docs/inputs.md); ``suppliers``: defaults per
    supplier; ``inventory``: stock per SKU and location (sku, location, on_hand, ...); ``purchase_orders``:
    open orders (po_id, sku, quantity, expected_arrival, location); ``bundles``: kits."""

    products: pd.DataFrame
    suppliers: pd.DataFrame | None = None
    inventory: pd.DataFrame | None = None
    purchase_orders: pd.DataFrame | None = None
    bundles: pd.DataFrame | None = None


def plan_replenishment(paths: SamplePaths, supply: Supply, today: pd.Timestamp | str | None = None,
                       settings: PlanSettings | None = None, campaigns: pd.DataFrame | None = None,
                       calibration=None, history: pd.DataFrame | None = None) -> Plan:
    """The plan on forecast sample ``paths``: positions from the supply's inventory and open orders (due
    within the horizon), then planner.plan.make.make_plan. ``campaigns``: the expanded calendar (one row
    per campaign and SKU); ``calibration``: planner.calibration.Calibration (None: the paths as they are);
    ``history``: for the no-sale alert."""
    settings = settings or PlanSettings()
    today = pd.Timestamp(today if today is not None else paths.start).normalize()
    inventory = supply.inventory
    if inventory is None:
        inventory = pd.DataFrame({"sku": pd.Series(dtype=object), "location": pd.Series(dtype=object),
                                  "on_hand": pd.Series(dtype=float)})
    positions = inventory_positions(inventory, supply.purchase_orders, today, settings.horizon_days)
    return make_plan(paths, positions, supply.products, supply.suppliers, supply.purchase_orders, campaigns,
                     supply.bundles, settings, today, inventory=inventory, history=history, calibration=calibration)


def forecast_paths(history: pd.DataFrame, horizon_days: int, model: str = "campaign", campaigns: pd.DataFrame | None = None,
                   n_paths: int = 200, seed: int = 0, model_params: dict | None = None,
                   products: pd.DataFrame | None = None) -> SamplePaths:
    """Sample paths of ``horizon_days`` from the day after the history's last day, of a registered model
    (forecast.models) fitted on ``history`` (sku, date, units[, censored]) and ``campaigns``."""
    if "censored" not in history.columns:  # no stock record: every day's sales are its demand
        history = history.assign(censored=False)
    fitted = get_model(model, **(model_params or {})).fit(history, campaigns, products)
    return fitted.sample_paths(horizon_days, n_paths=n_paths, seed=seed)


def plan_from_history(history: pd.DataFrame, products: pd.DataFrame, service_level: float = 0.95,
                      review_period_days: int = 7, model: str = "campaign", on_hand: pd.Series | None = None,
                      open_orders: pd.DataFrame | None = None, campaigns: pd.DataFrame | None = None,
                      settings: PlanSettings | None = None, calibration=None, n_paths: int = 200, seed: int = 0,
                      model_params: dict | None = None, supply: Supply | None = None,
                      today: pd.Timestamp | str | None = None) -> Plan:
    """Forecast ``history`` and plan on it: the stateless form of `restock plan` (see the module
    docstring's example).

    ``products``: supply terms per SKU (Supply.products; a ``category`` column lets the model pool
    across a category); ``on_hand``: units per SKU (index sku; default none), held where each SKU sells;
    ``open_orders``: Supply.purchase_orders; or a whole ``supply`` (suppliers, inventory per location,
    purchase orders, bundles) instead of these three. ``settings``: default PlanSettings with
    ``service_level`` for every class and ``review_period_days``. ``today``: the planning day (default
    the day after the history's last day); the forecast starts the day after the history and runs the
    settings' horizon from today."""
    settings = settings or PlanSettings(service_level=service_level, class_service_levels={},
                                        review_period_days=review_period_days)
    start = pd.Timestamp(history["date"].max()).normalize() + pd.Timedelta(days=1)
    today = start if today is None else pd.Timestamp(today).normalize()
    days = settings.horizon_days + max(0, (today - start).days + 1)  # as pipeline.run_forecast draws them
    fit_on = products[["sku", "category"]] if "category" in products.columns else None
    paths = forecast_paths(history, days, model, campaigns, n_paths, seed, model_params, fit_on)
    if supply is None:
        inventory = None
        if on_hand is not None:
            location = products.set_index(products["sku"].astype(str)).get("fulfillment")
            skus = on_hand.index.astype(str)
            inventory = pd.DataFrame({"sku": skus, "on_hand": on_hand.to_numpy(float),
                                      "location": (location.reindex(skus).fillna("own").to_numpy()
                                                   if location is not None else "own")})
        supply = Supply(products, inventory=inventory, purchase_orders=open_orders)
    return plan_replenishment(paths, supply, today, settings, campaigns, calibration, history)
