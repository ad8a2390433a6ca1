"""The policies a replay runs: the sellers' rules of thumb and the planner's own plan.

* ``MinMaxPolicy``     min = velocity x lead time + fixed safety units, max = min + velocity x review
                       (knob: safety units, sellers use 20);
* ``CoverPolicy``      order up to velocity x days of cover (knob: days, sellers use 30);
* ``TextbookPolicy``   s = mu L + z sigma sqrt(L) from a 28-day moving average, S = s + mu R (knob: z);
* ``PlannerPolicy``    the plan `restock plan` makes (planner.plan.replenish.plan_replenishment) on every
                       review day, calibrated on its own past errors (knob: the target).

The sellers' rules give levels (s, S) (replay.Policy); the planner gives order lines (replay.Planner).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import pandas as pd

from planner.calibration import window_errors
from planner.plan import PlanSettings, supply_terms
from planner.plan.calibrate import BACKTEST_ORIGINS, plan_calibration
from planner.plan.replenish import Supply, forecast_paths, plan_replenishment
from planner.plan.terms import suppliers_with_receipts
from planner.simulate.replay import Observed, Replay, ReviewDecision


@dataclass
class MinMaxPolicy:
    safety_units: float = 20.0
    window: int = 28
    name: str = "min/max + fixed safety"

    def levels(self, seen: Observed):
        r = seen.replay
        rate = seen.velocity(self.window)
        low = rate * r.lead_time_days + self.safety_units
        return low, low + rate * r.review_period_days


@dataclass
class CoverPolicy:
    cover_days: float = 30.0
    window: int = 30
    name: str = "velocity x days of cover"

    def levels(self, seen: Observed):
        level = seen.velocity(self.window) * self.cover_days
        return level, level


@dataclass
class TextbookPolicy:
    z: float = 1.65
    window: int = 28
    name: str = "textbook mu L + z sigma sqrt(L)"

    def levels(self, seen: Observed):
        r = seen.replay
        mu, sigma = seen.velocity(self.window), np.nan_to_num(seen.spread(self.window))
        reorder = mu * r.lead_time_days + self.z * sigma * np.sqrt(r.lead_time_days)
        return reorder, reorder + mu * r.review_period_days


@dataclass
class PlannerPolicy:
    """The plan `restock plan` makes (planner.plan.replenish.plan_replenishment), on every review day.

    Each review fits ``model`` on the sales of days before it (its own stockouts censored) and draws
    sample paths over the longest lead time + review; hands the plan the replay's on-hand stock and the
    orders it has placed and not yet received (as open purchase orders, expected after the mean lead
    time: a late one counts as due today, as in a shop); and places the plan's order lines, each on its
    order-by date (a campaign pre-build may be due later than today). The lead times the plan draws
    are the supplier's stated ones (Replay.lead_time_days, lead_time_sd_days), moved toward those of the
    deliveries received so far (``measure_lead_times``: the replay's receipts, and its past ones, through
    planner.plan.terms.suppliers_with_receipts, as Shop.inputs measures them for `restock plan`); the
    replay's world draws the true ones (the stated + Replay.late_days). The forecast horizon and the
    calibration's windows follow the lead times the plan reads.

    ``calibrate``: the plan's lead-time demand is calibrated on its own past forecast errors, as `restock
    run`'s weekly backtest calibrates it: each review records the forecast mean per SKU and day from
    the review day on; once a lead time + review has passed, its realised sales (a stockout day counted
    as at least its forecast) make a window error, and planner.plan.calibrate.plan_calibration (the
    function the run uses) fits the calibration on the newest ``max_records`` reviews' windows, split in
    BACKTEST_ORIGINS folds as the run's backtest origins. ``calibrate_target``: with the service
    curve (the target planned at is the one past levels needed for the promise). The first review runs
    a rolling-origin backtest over ``backtest_days`` of history so it does not start blind.

    ``settings``: the plan's knobs (default PlanSettings); the fields above that name a knob
    (service_level, service_measure, class_service_levels, fill_rate_scope, min_sku_service,
    campaign_service, slow_mover_units) replace its value; the review period is the replay's.
    """

    service_level: float = 0.95
    service_measure: Literal["cycle", "fill_rate"] = "fill_rate"
    model: str = "moving_average"
    model_params: dict = field(default_factory=dict)
    history_days: int = 365
    n_paths: int = 200
    slow_mover_units: float = PlanSettings.slow_mover_units
    calibrate: bool = True
    calibrate_target: bool = True
    class_service_levels: dict | None = None  # target per ABC class; None: service_level for every class
    fill_rate_scope: Literal["class", "sku"] = PlanSettings.fill_rate_scope
    min_sku_service: float = PlanSettings.min_sku_service
    campaign_service: float | None = PlanSettings.campaign_service
    backtest_days: int = 140
    max_records: int = 52
    settings: PlanSettings | None = None
    measure_lead_times: bool = True  # False: the plan reads the stated supplier terms only
    name: str = "planner"

    def __post_init__(self):
        self._records: list[tuple[int, np.ndarray]] = []  # (review day, forecast mean per SKU and day from it)
        self.targets_used: list[float] = []  # the mean target planned at, per review (for the report)
        self.last_plan = None  # the newest review's Plan and what it was given (tests compare it)

    def plan_settings(self, r: Replay, horizon: int, lead_time_days: np.ndarray | None = None) -> PlanSettings:
        """The PlanSettings of a review: ``settings`` with this policy's knobs and the replay's review;
        the horizon at least twice the longest of ``lead_time_days`` (default: the stated ones)."""
        lead = r.lead_time_days if lead_time_days is None else lead_time_days
        return replace(
            self.settings or PlanSettings(), service_level=self.service_level, service_measure=self.service_measure,
            class_service_levels=dict(self.class_service_levels or {}), fill_rate_scope=self.fill_rate_scope,
            min_sku_service=self.min_sku_service, campaign_service=self.campaign_service,
            slow_mover_units=self.slow_mover_units, review_period_days=r.review_period_days,
            horizon_days=max(horizon, 2 * int(np.ceil(lead.max()))))

    def suppliers(self, seen: Observed) -> pd.DataFrame | None:
        """The supplier terms the plan reads on review day ``seen.t``: the stated ones (replay_suppliers),
        moved toward the deliveries received so far when ``measure_lead_times``."""
        stated = replay_suppliers(seen.replay)
        if not self.measure_lead_times or seen.receipts is None:
            return stated
        defaults = self.settings or PlanSettings()
        return suppliers_with_receipts(stated, seen.receipts, defaults.default_lead_time_days, 0.0)

    def decide(self, seen: Observed, on_hand: np.ndarray, open_orders: pd.DataFrame) -> ReviewDecision:
        """The plan of review day ``seen.t``: order-up-to levels per SKU and the order lines to place."""
        r, t = seen.replay, seen.t
        products, suppliers = replay_products(r), self.suppliers(seen)
        lead, spread = _lead_terms(products, suppliers, r.skus, self.settings or PlanSettings())
        paths = self._paths(seen, t, lead, spread)
        calibration = self._calibration(seen, t, lead, spread, suppliers) if self.calibrate else None
        self._records.append((t, _daily_means(paths, r.skus)))
        self._records = self._records[-self.max_records:]
        settings = self.plan_settings(r, paths.horizon, lead)
        supply = Supply(products, suppliers, inventory=pd.DataFrame({"sku": r.skus, "location": "own", "on_hand": on_hand}),
                        purchase_orders=open_orders)
        plan = plan_replenishment(paths, supply, r.dates[t], settings, r.campaigns, calibration)
        self.last_plan = (plan, paths, supply, settings, calibration)
        self.targets_used.append(float(plan.plan["planned_target"].mean()))
        per_sku = plan.plan.set_index("sku").reindex(r.skus)
        row = pd.Series(np.arange(len(r.skus)), index=r.skus)
        lines = plan.orders
        return ReviewDecision(per_sku["order_up_to"].fillna(0.0).to_numpy(float), row.reindex(lines["sku"]).to_numpy(int),
                              lines["quantity"].to_numpy(float),
                              t + (pd.DatetimeIndex(lines["order_by"]) - r.dates[t]).days.to_numpy())

    def _paths(self, seen: Observed, t: int, lead: np.ndarray | None = None, spread: np.ndarray | None = None):
        """Sample paths from the day ``t`` on of the model fitted on sales of days < t, over the longest
        lead time (at 4 sd; default the stated ones) + review."""
        r = seen.replay
        lead = r.lead_time_days if lead is None else lead
        spread = r.lead_time_sd_days if spread is None else spread
        first = max(0, t - self.history_days)
        days, n = t - first, len(r.skus)
        # as `restock run` reads a shop (forecast.history.complete_history): a SKU's history starts at its
        # first sale; the days before it launched are not days it sold nothing, and a SKU that has not
        # sold yet has no history (and no forecast) at all
        selling = seen.sales[:, :t] > 0
        launched = np.where(selling.any(axis=1), selling.argmax(axis=1), t)
        keep = (first + np.arange(days))[None, :] >= launched[:, None]
        history = pd.DataFrame({
            "sku": np.repeat(r.skus, days), "date": np.tile(r.dates[first:t].values, n),
            "units": seen.sales[:, first:t].reshape(-1).astype(float),
            "censored": seen.censored[:, first:t].reshape(-1),
        })[keep.reshape(-1)]
        campaigns = r.campaigns if r.campaigns is not None and len(r.campaigns) else None
        horizon = int(np.ceil(lead.max() + 4 * spread.max())) + 1 + r.review_period_days
        return forecast_paths(history, horizon, self.model, campaigns, self.n_paths, seed=t, model_params=self.model_params)

    def _calibration(self, seen: Observed, t: int, lead: np.ndarray, spread: np.ndarray, suppliers: pd.DataFrame | None):
        """planner.plan.calibrate.plan_calibration on the window errors of the recorded reviews whose
        lead time + review has passed (None: none yet), over the lead times the plan reads (``lead``)."""
        r = seen.replay
        lead_days = np.rint(lead).astype(int)
        span = int(lead_days.max()) + r.review_period_days
        if not self._records:
            # cold start: a rolling-origin backtest on the history before the first review, at whole
            # reviews before t, so that its windows and the reviews' own form one chain per SKU
            first = max(t - self.backtest_days, 28)
            first += (t - first) % r.review_period_days
            for origin in range(first, t - span + 1, r.review_period_days):
                self._records.append((origin, _daily_means(self._paths(seen, origin, lead, spread), r.skus)))
        done = [(origin, mean) for origin, mean in self._records if origin + span <= t]
        if not done:
            return None
        folds = np.array_split(np.arange(len(done)), min(BACKTEST_ORIGINS, len(done)))
        errors = []
        for fold in folds:
            cutoff = r.dates[done[fold[0]][0]]
            for k in fold:
                origin, mean = done[k]
                end = origin + min(span, mean.shape[1])  # a window longer than an older forecast is left out
                errors.append(window_errors(mean, seen.sales[:, origin:end], seen.censored[:, origin:end],
                                            lead_days, r.review_period_days, r.skus, r.dates[origin]).assign(cutoff=cutoff))
        settings = self.plan_settings(r, span, lead)
        terms = supply_terms(replay_products(r), suppliers, settings).set_index("sku")
        return plan_calibration(pd.concat(errors, ignore_index=True), terms, r.campaigns, settings,
                                service=self.calibrate_target)


def _daily_means(paths, skus: np.ndarray) -> np.ndarray:
    """The paths' mean per day, rows in the order of ``skus`` (0 for a SKU without a forecast)."""
    index = {s: i for i, s in enumerate(paths.skus)}
    rows = np.array([index.get(s, -1) for s in skus])
    out = np.zeros((len(skus), paths.horizon))
    out[rows >= 0] = paths.values[rows[rows >= 0]].mean(axis=1)
    return out


def replay_products(r: Replay) -> pd.DataFrame:
    """The replay's SKUs as products.csv rows for the plan: lead time (supplier + transit + receiving,
    held at one location) with its spread, MOQ, case pack, unit cost (the unit value) and price (value
    + margin). With supplier names (Replay.supplier) the lead time is left to the supplier's term
    (replay_suppliers), as a products.csv row without its own, so the measured terms reach it."""
    own = np.ones(len(r.skus), bool) if r.supplier is None else _own_lead_time(r)
    return pd.DataFrame({
        "sku": r.skus.astype(str), "supplier": "replay" if r.supplier is None else np.asarray(r.supplier, dtype=object).astype(str),
        "name": r.skus.astype(str), "category": "replay",
        "lead_time_days": np.where(own, r.lead_time_days.astype(float), np.nan),
        "lead_time_sd_days": np.where(own, r.lead_time_sd_days.astype(float), np.nan),
        "moq": r.moq, "case_pack": r.case_pack, "unit_cost": np.asarray(r.unit_value, dtype=float),
        "price": np.asarray(r.unit_value, dtype=float) + np.asarray(r.margin, dtype=float), "fulfillment": "own",
    })


def replay_suppliers(r: Replay) -> pd.DataFrame | None:
    """The stated terms of the replay's suppliers as suppliers.csv rows (a supplier's SKUs share them:
    the first one's, not counting a product's own lead time), None when the replay names none (each
    SKU's terms are then its own)."""
    if r.supplier is None:
        return None
    first = pd.DataFrame({"supplier": np.asarray(r.supplier, dtype=object).astype(str), "lead_time_days": r.lead_time_days,
                          "lead_time_sd_days": r.lead_time_sd_days})[~_own_lead_time(r)].drop_duplicates("supplier")
    return first.reset_index(drop=True)


def _own_lead_time(r: Replay) -> np.ndarray:
    """Replay.own_lead_time, or no SKU when it is not given."""
    return np.zeros(len(r.skus), bool) if r.own_lead_time is None else np.asarray(r.own_lead_time, bool)


def _lead_terms(products: pd.DataFrame, suppliers: pd.DataFrame | None, skus: np.ndarray,
                settings: PlanSettings) -> tuple[np.ndarray, np.ndarray]:
    """Mean supplier lead time and its sd per SKU of ``skus`` as the plan reads them (supply_terms)."""
    terms = supply_terms(products, suppliers, settings).drop_duplicates("sku").set_index("sku").reindex(skus.astype(str))
    return terms["lead_time_days"].to_numpy(float), terms["lead_time_sd_days"].to_numpy(float)


__all__ = ["CoverPolicy", "MinMaxPolicy", "PlannerPolicy", "TextbookPolicy", "replay_products", "replay_suppliers"]
