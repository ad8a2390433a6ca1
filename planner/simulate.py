"""Replay a replenishment policy against history with lost sales, and the policies sellers actually use.

The replay (``simulate``) walks day by day over the demand that really happened:

1. the morning's receipts arrive;
2. on a review day the policy sees only what was *sold* up to yesterday (its own stockouts censor it)
   and returns a reorder level s and an order-up-to level S per SKU; when the inventory position is at
   or below s it orders S - position, rounded to MOQ and case pack (planner.policy); the order lands
   after the actual lead time (fixed, or drawn from the supplier's spread);
3. the day's demand is served from stock; what cannot be served is lost. A day that closes with no
   stock is a stockout day for the policies, as a shop's stock report shows it, whether or not demand
   came after the last unit went: marking only days with unmet demand would tell the planner that an
   empty shelf on a day nobody came saw zero demand, and a SKU out of stock for weeks would then be
   forecast from its quiet days.

Policies (each with its own knob for the sweep):

* ``PlannerPolicy``    the planner: forecast sample paths from a registered model, lead time + review
                       demand, fill-rate or cycle-service target (knob: the target);
* ``MinMaxPolicy``     min = velocity x lead time + fixed safety units, max = min + velocity x review
                       (knob: safety units, sellers use 20);
* ``CoverPolicy``      order up to velocity x days of cover (knob: days, sellers use 30);
* ``TextbookPolicy``   s = mu L + z sigma sqrt(L) from a 28-day moving average, S = s + mu R (knob: z).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np
import pandas as pd

from forecast.features import campaign_last_day
from planner.inventory import policy as inventory
from planner.inventory.allocation import value_weights
from planner.calibration import (
    CALIBRATION_HALF_LIFE, SERVICE_GRID, achieved_fill_rates, calibrated_demand, fit_calibration, internal_targets,
    judged_demand, window_errors, window_weights,
)
from planner.errors import RestockError
from planner.io.inputs import Inputs, expand_campaigns
from planner.inventory.levels import allocated_levels, levels_at_targets, order_lot_sizes, order_up_to_levels
from planner.plan import PlanSettings, campaign_floors, campaign_reach_days, classify_abc, supply_terms


@dataclass
class Replay:
    """What a policy sees and what the world does. Arrays are (n_sku, n_days)."""

    skus: np.ndarray
    dates: pd.DatetimeIndex
    demand: np.ndarray  # actual daily demand (units)
    unit_value: np.ndarray  # (n_sku,) value of a unit held (cost; price where cost is unknown)
    lead_time_days: np.ndarray  # (n_sku,) mean supplier lead time known to the planner
    start: int  # first simulated day; days before it are history only
    lead_time_sd_days: np.ndarray | None = None  # (n_sku,) spread of the actual lead times
    moq: np.ndarray | None = None
    case_pack: np.ndarray | None = None
    margin: np.ndarray | None = None  # (n_sku,) unit margin, for lost margin
    campaigns: pd.DataFrame | None = None  # expanded calendar (campaign_id, type, start, end, sku, ...)
    campaign_days: np.ndarray | None = None  # bool (n_sku, n_days): SKU featured in a campaign that day
    review_period_days: int = 7
    seed: int = 0
    censored: np.ndarray | None = None  # bool (n_sku, n_days): the shop ran out that day, demand = what sold
    excluded: pd.DataFrame | None = field(default=None, repr=False)  # sku, reason: SKUs left out (shop_replay)

    def __post_init__(self):
        n = len(self.skus)
        ones = np.ones(n, dtype=int)
        self.moq = ones if self.moq is None else np.asarray(self.moq, dtype=int)
        self.case_pack = ones if self.case_pack is None else np.asarray(self.case_pack, dtype=int)
        self.lead_time_sd_days = np.zeros(n) if self.lead_time_sd_days is None else np.asarray(self.lead_time_sd_days, float)
        if self.campaign_days is None:
            self.campaign_days = np.zeros(self.demand.shape, dtype=bool)
        if self.margin is None:
            self.margin = np.asarray(self.unit_value, dtype=float)


@dataclass
class Observed:
    """What a policy may look at on review day ``t``: sales and stockout flags of days < t."""

    replay: Replay
    t: int
    sales: np.ndarray  # (n_sku, t)
    censored: np.ndarray  # (n_sku, t) bool: ran out that day (sales understate demand)

    def velocity(self, days: int) -> np.ndarray:
        return self.sales[:, -days:].mean(axis=1) if self.t else np.zeros(len(self.replay.skus))

    def spread(self, days: int) -> np.ndarray:
        return self.sales[:, -days:].std(axis=1, ddof=1) if self.t > 1 else np.zeros(len(self.replay.skus))


class Policy(Protocol):
    name: str

    def levels(self, seen: Observed) -> tuple[np.ndarray, np.ndarray]:
        """(reorder level s, order-up-to level S) per SKU."""


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
    """The planner's (R, S) rule on forecast sample paths (planner.plan.order_up_to_levels), refitted every review.

    ``calibrate``: lead-time demand calibrated on the planner's own forecast errors
    (planner.calibration), as `restock plan` does with the weekly backtest's errors. Each review
    records the forecast mean per day from the review day on and the levels it would set at each
    target of planner.calibration.SERVICE_GRID; once a lead time + review window has passed, its
    realised sales (a stockout day counted as at least its forecast) become an error record. The
    first review runs a rolling-origin backtest over ``backtest_days`` of history so it does not start
    blind; the newest ``max_records`` origins are kept: a year of weekly reviews, as `restock run`'s
    backtest holds a year of windows (planner.run.RUN_BACKTEST_CUTOFFS origins a 90-day horizon apart).

    ``calibrate_target`` (with ``calibrate``, fill rate): plan at the internal target at which the
    recorded levels would have served ``service_level`` of what then happened
    (planner.calibration.internal_targets): what the calibrated distribution still gets wrong (drift
    since the errors it learnt from, SKUs unlike their pool) is corrected on the delivered fill rate.
    As backtest_service: windows that ran out are judged on their Kaplan-Meier demand
    (``censored_windows``), windows weigh by age (``half_life_days``).
    """

    service_level: float = 0.95
    service_measure: Literal["cycle", "fill_rate"] = "fill_rate"
    model: str = "moving_average"
    model_params: dict = field(default_factory=dict)
    history_days: int = 365
    n_paths: int = 200
    slow_mover_units: float = 20.0
    calibrate: bool = True
    calibrate_target: bool = True
    class_service_levels: dict | None = None  # target per ABC class (abc_classes), as the plan's
    fill_rate_scope: Literal["class", "sku"] = "class"  # as PlanSettings: the target over the units of a class
    min_sku_service: float = PlanSettings.min_sku_service  # as the plan's
    campaign_service: float | None = PlanSettings.campaign_service  # as the plan's: a SKU featured on a day its order may cover
    censored_windows: Literal["km", "imputed", "conditional"] = "km"  # as backtest_service's
    half_life_days: float | None = CALIBRATION_HALF_LIFE  # as fit_calibration's and backtest_service's
    prior_windows: float = 12.0
    backtest_days: int = 140
    max_records: int = 52
    name: str = "planner"

    def __post_init__(self):
        # (review day, forecast mean per SKU and day from it, levels per SKU at each SERVICE_GRID target,
        # the calibrated (lead, cycle) demand samples the levels were set on)
        self._records: list[tuple[int, np.ndarray, np.ndarray | None, tuple | None]] = []
        self.targets_used: list[float] = []  # the internal target of each review (for the report)

    def levels(self, seen: Observed):
        r = seen.replay
        lead_demand, cycle_demand, daily_mean, lead = self._forecast_windows(seen, seen.t)
        targets = np.full(len(r.skus), self.service_level)
        if self.class_service_levels:
            classes = abc_classes(r)
            targets = np.array([self.class_service_levels.get(c, self.service_level) for c in classes])
        if self.calibrate:
            lead_demand, cycle_demand, achieved = self._calibrated(seen, daily_mean, lead)
            if achieved is not None:
                targets = internal_targets(targets, SERVICE_GRID, achieved)
        self.targets_used.append(float(targets.mean()))
        level = self._levels(r, lead_demand, cycle_demand, targets, seen.t)
        return level, level  # (R, S): order up to S at every review

    def _levels(self, r: Replay, lead_demand: np.ndarray, cycle_demand: np.ndarray, targets: np.ndarray, t: int) -> np.ndarray:
        lots = self._lots(r, lead_demand, cycle_demand)
        if self._allocated:
            groups = abc_classes(r) if self.class_service_levels else None
            return allocated_levels(lead_demand, cycle_demand, targets, value_weights(r.unit_value), self.slow_mover_units,
                                    lots, groups, self._floors(r, t)).level
        return order_up_to_levels(lead_demand, cycle_demand, targets, self.service_measure, self.slow_mover_units, lots)[0]

    def _floors(self, r: Replay, t: int) -> np.ndarray:
        """The least cycle service per SKU on review day ``t``: the campaign floor for SKUs featured on a day
        the order may cover (lead time at its 90th percentile + review, as make_plan's campaign_reach_days),
        min_sku_service for the rest."""
        terms = pd.DataFrame({"lead_time_days": r.lead_time_days, "lead_time_sd_days": r.lead_time_sd_days,
                              "lead_time_min_days": np.nan, "lead_time_max_days": np.nan,
                              "transit_days": 0.0, "receiving_days": 0.0})  # the replay's lead time holds them
        end = t + campaign_reach_days(terms, r.review_period_days)
        ahead = r.campaign_days[:, t:int(end.max())]
        featured = (ahead & (t + np.arange(ahead.shape[1])[None, :] < end[:, None])).any(axis=1)
        return campaign_floors(featured, self.min_sku_service, self.campaign_service)

    @property
    def _allocated(self) -> bool:
        """A fill rate kept over the units of a class at the least stock value (planner.allocation)."""
        return self.service_measure == "fill_rate" and self.fill_rate_scope == "class"

    def _forecast_windows(self, seen: Observed, t: int):
        """Forecast from sales of days < t: demand over a sampled lead time and over it + the review
        period, per SKU and path; the mean demand per SKU and day; the sampled lead times."""
        from forecast.models import get_model  # the forecast package is only needed by this policy

        r = seen.replay
        first = max(0, t - self.history_days)
        days, n = t - first, len(r.skus)
        # as `restock run` reads a shop (forecast.history.complete_history): a SKU's history starts at its
        # first sale; the days before it launched are not days it sold nothing, and a SKU that has not
        # sold yet has no history (and no forecast) at all
        selling = seen.sales[:, :t] > 0
        launched = np.where(selling.any(axis=1), selling.argmax(axis=1), t)
        keep = (first + np.arange(days))[None, :] >= launched[:, None]
        history = pd.DataFrame({
            "sku": np.repeat(r.skus, days),
            "date": np.tile(r.dates[first:t].values, n),
            "units": seen.sales[:, first:t].reshape(-1).astype(float),
            "censored": seen.censored[:, first:t].reshape(-1),
        })[keep.reshape(-1)]
        campaigns = r.campaigns if r.campaigns is not None and len(r.campaigns) else None
        model = get_model(self.model, **self.model_params).fit(history, campaigns)
        lead_max = int(np.ceil(r.lead_time_days.max() + 4 * r.lead_time_sd_days.max())) + 1
        horizon = lead_max + r.review_period_days
        paths = model.sample_paths(horizon, n_paths=self.n_paths, seed=t)
        index = {s: i for i, s in enumerate(paths.skus)}
        rows = np.array([index.get(s, -1) for s in r.skus])
        values = np.zeros((n, self.n_paths, horizon), dtype=np.float32)
        values[rows >= 0] = paths.values[rows[rows >= 0]]
        cumulative = np.concatenate([np.zeros((n, self.n_paths, 1), np.float32), np.cumsum(values, axis=2)], axis=2)
        rng = np.random.default_rng(t)
        draws = r.lead_time_days[:, None] + r.lead_time_sd_days[:, None] * rng.standard_normal((n, self.n_paths))
        lead = np.clip(np.rint(draws), 1, lead_max).astype(int)
        rows_, cols_ = np.arange(n)[:, None], np.arange(self.n_paths)[None, :]
        cycle = np.minimum(lead + r.review_period_days, horizon)
        return cumulative[rows_, cols_, lead], cumulative[rows_, cols_, cycle], values.mean(axis=1), lead

    def _calibrated(self, seen: Observed, daily_mean: np.ndarray, lead: np.ndarray):
        """Calibrated lead and cycle demand, and the fill rate the levels of past reviews (on their own
        calibrated demand) would have served at each SERVICE_GRID target (None: none yet, or not
        ``calibrate_target``); the caller plans at planner.calibration.internal_targets of it."""
        r, t = seen.replay, seen.t
        lead_days = np.rint(r.lead_time_days).astype(int)
        cycle_max = int((lead_days + r.review_period_days).max())
        if not self._records:
            # cold start: a rolling-origin backtest on the history before the first review; its levels
            # come from a calibration on all its windows (in sample: nothing earlier to learn from)
            # whole reviews before t, so these windows and the reviews' own form one chain per SKU
            first = max(t - self.backtest_days, 28)
            first += (t - first) % r.review_period_days
            origins = list(range(first, t - cycle_max + 1, r.review_period_days))
            forecasts = [(origin, *self._forecast_windows(seen, origin)[2:]) for origin in origins]
            calibration = self._fit(seen, [(o, mean) for o, mean, _ in forecasts], t)
            for origin, mean, past_lead in forecasts:
                grid = samples = None
                if calibration is not None:
                    samples = self._apply(calibration, r, mean, past_lead, origin)
                    grid = self._grid_levels(r, *samples, origin)
                self._records.append((origin, mean, grid, self._kept(samples)))
        calibration = self._fit(seen, self._records, t)
        lead_demand, cycle_demand = self._apply(calibration, r, daily_mean, lead, t)
        grid = self._grid_levels(r, lead_demand, cycle_demand, t)
        achieved = None
        if self.calibrate_target and self.service_measure == "fill_rate":
            achieved = self._achieved(seen, daily_mean.shape[1])
        self._records.append((t, daily_mean, grid, self._kept((lead_demand, cycle_demand))))
        self._records = self._records[-self.max_records:]
        return lead_demand, cycle_demand, achieved

    def _achieved(self, seen: Observed, horizon: int) -> np.ndarray | None:
        """The fill rate the recorded levels at each SERVICE_GRID target would have served on the realised
        demand of their windows; each window is read at five lead times spread like the supplier's
        (its 10th, 30th, 50th, 70th and 90th percentiles), as the levels were set for that spread. A SKU's
        windows at one lead time are judged in turn, with lost sales (achieved_fill_rates' ``chains``)."""
        r, t = seen.replay, seen.t
        spreads = [r.lead_time_days + z * r.lead_time_sd_days for z in (-1.2816, -0.5244, 0.0, 0.5244, 1.2816)]
        leads = [np.clip(np.rint(lead), 1, horizon - r.review_period_days).astype(int) for lead in spreads]
        span = int(max(lead.max() for lead in leads)) + r.review_period_days
        levels, real_lead, real_cycle, censored, lead_s, cycle_s, sold = [], [], [], [], [], [], []
        forecast_lead, forecast_cycle, origins = [], [], []
        chains, steps, reach = [], [], []  # a SKU's windows at one lead time, a review apart: judged in turn
        position = {s: i for i, s in enumerate(r.skus)}
        for origin, mean, past_levels, samples in self._records:
            if origin + span > t or past_levels is None:
                continue
            for which, lead in enumerate(leads):
                e = window_errors(mean, seen.sales[:, origin:origin + span], seen.censored[:, origin:origin + span],
                                  lead, r.review_period_days, r.skus, origin)
                # as the plan's service step (backtest_service): a window without a forecast (a SKU not
                # yet launched at its origin, or forecast to sell nothing) says nothing of the levels
                e = e[(e["forecast_cycle"] - e["forecast_lead"] > 1e-9) & (e["forecast_lead"] > 1e-9)]
                sku_rows = e["sku"].map(position).to_numpy(int)
                levels.append(past_levels[sku_rows])
                real_lead.append(e["realised_lead"].to_numpy())
                real_cycle.append(e["realised_cycle"].to_numpy())
                forecast_lead.append(e["forecast_lead"].to_numpy())
                forecast_cycle.append(e["forecast_cycle"].to_numpy())
                origins.append(np.full(len(e), origin))
                censored.append(e["censored"].to_numpy())
                sold.append(e["sold_cycle"].to_numpy())
                if samples is not None:
                    lead_s.append(samples[0][sku_rows])
                    cycle_s.append(samples[1][sku_rows])
                chains.append(sku_rows * len(leads) + which)
                steps.append(np.full(len(e), origin // r.review_period_days))
                reach.append(lead[sku_rows] / r.review_period_days)
        if not levels:
            return None
        levels = np.concatenate(levels)
        conditional = self.censored_windows == "conditional"
        sold = np.concatenate(sold)
        real_lead, real_cycle = judged_demand(self.censored_windows, np.concatenate(forecast_lead), np.concatenate(forecast_cycle),
                                              np.concatenate(real_lead), np.concatenate(real_cycle), sold, np.concatenate(censored))
        return achieved_fill_rates(levels[:, :-1], real_lead, real_cycle, levels[:, -1],
                                   np.concatenate(censored) if conditional else None,
                                   np.concatenate(lead_s) if conditional else None,
                                   np.concatenate(cycle_s) if conditional else None, sold, np.concatenate(chains),
                                   np.concatenate(steps), np.concatenate(reach),
                                   weights=window_weights(np.concatenate(origins), self.half_life_days))

    def _kept(self, samples: tuple | None) -> tuple | None:
        """The demand samples a record keeps: only the conditional judgement of censored windows reads
        them (a year of reviews x SKUs x paths x 2, in float32: 0.8 GB at 10,000 SKUs)."""
        return _compact(samples) if self.censored_windows == "conditional" else None

    def _fit(self, seen: Observed, records, t: int):
        r = seen.replay
        lead_days = np.rint(r.lead_time_days).astype(int)
        cycle_max = int((lead_days + r.review_period_days).max())
        errors = [window_errors(mean, seen.sales[:, origin:origin + cycle_max], seen.censored[:, origin:origin + cycle_max],
                                lead_days, r.review_period_days, r.skus, origin)
                  for origin, mean, *_ in records if origin + cycle_max <= t]
        return (fit_calibration(pd.concat(errors, ignore_index=True), self.prior_windows, half_life_days=self.half_life_days)
                if errors else None)

    def _apply(self, calibration, r: Replay, daily_mean: np.ndarray, lead: np.ndarray, seed: int):
        cumulative = np.concatenate([np.zeros((len(r.skus), 1)), np.cumsum(daily_mean, axis=1)], axis=1)
        rows = np.arange(len(r.skus))[:, None]
        mean_lead = cumulative[rows, lead]
        mean_cycle = cumulative[rows, np.minimum(lead + r.review_period_days, daily_mean.shape[1])]
        if calibration is None:
            return mean_lead, mean_cycle
        return calibrated_demand(calibration, r.skus, mean_lead, mean_cycle, seed=seed)

    def _lots(self, r: Replay, lead_demand: np.ndarray, cycle_demand: np.ndarray) -> np.ndarray:
        return order_lot_sizes(r.moq, r.case_pack, cycle_demand.mean(axis=1) - lead_demand.mean(axis=1))

    def _grid_levels(self, r: Replay, lead_demand: np.ndarray, cycle_demand: np.ndarray, t: int) -> np.ndarray:
        """Levels at every SERVICE_GRID target (n_sku, n_grid), then the lot size of each SKU (last column)."""
        lots = self._lots(r, lead_demand, cycle_demand)
        values = value_weights(r.unit_value) if self._allocated else None
        levels = levels_at_targets(lead_demand, cycle_demand, SERVICE_GRID, self.service_measure, self.slow_mover_units, lots,
                                   values, None, self._floors(r, t))
        return np.column_stack([levels, lots])


def _compact(samples: tuple | None) -> tuple | None:
    """Demand samples kept for later reviews, in float32 (a year of reviews of them is held)."""
    return None if samples is None else tuple(np.asarray(a, dtype=np.float32) for a in samples)


@dataclass
class Outcome:
    """Metrics of one replay; ``daily`` holds the per-SKU-day arrays for further cuts."""

    policy: str
    knob: float
    fill_rate: float
    stockout_share: float
    average_units: float
    average_value: float
    turns: float
    orders: int
    lost_margin: float
    by_class: dict
    campaign_fill_rate: float
    campaign_stockout_days: int
    daily: dict = field(repr=False, default_factory=dict)

    def row(self) -> dict:
        out = {k: v for k, v in vars(self).items() if k not in ("daily", "by_class")}
        out.update({f"fill_rate_{c}": v for c, v in self.by_class.items()})
        return out


def simulate(replay: Replay, rule: Policy, knob: float = float("nan"), initial_stock: np.ndarray | None = None) -> Outcome:
    """Replay ``rule`` over days [start, end) of ``replay`` with lost sales; see the module docstring.

    The replay starts with each SKU at the rule's own order-up-to level on the first day (no pipeline),
    so no policy is judged on a start it did not choose."""
    r = replay
    n, days = r.demand.shape
    # common random numbers: the order a policy places for a SKU on a day meets the same supplier delay
    # whichever policy placed it, so policies differ by what they ordered, not by the luck of the draw (one
    # stream drawn in order of placement gave every later order another delay when one policy ordered
    # one SKU more)
    delay = np.random.default_rng(r.seed).standard_normal((n, days)).astype(np.float32)
    sales = np.zeros((n, days))
    censored = np.zeros((n, days), dtype=bool)
    sales[:, :r.start] = r.demand[:, :r.start]  # history before the replay: what was sold then
    if r.censored is not None:  # the shop's own stockouts before the replay: the policies see them as such
        censored[:, :r.start] = r.censored[:, :r.start]
    arrivals = np.zeros((n, days + 1))
    stock_end = np.zeros((n, days))
    lost = np.zeros((n, days))
    orders = np.zeros(n, dtype=int)
    on_hand = None if initial_stock is None else np.asarray(initial_stock, dtype=float).copy()
    pipeline = np.zeros(n)
    for t in range(r.start, days):
        levels = None
        if on_hand is None:  # the first day: its review uses the same levels (asked once, recorded once)
            levels = rule.levels(Observed(r, t, sales[:, :t], censored[:, :t]))
            on_hand = np.maximum(np.ceil(levels[1]), 0.0)
        received = arrivals[:, t]
        on_hand += received
        pipeline -= received
        if (t - r.start) % r.review_period_days == 0:
            reorder, order_up_to = levels or rule.levels(Observed(r, t, sales[:, :t], censored[:, :t]))
            position = on_hand + pipeline
            need = np.where(position <= reorder, order_up_to - position, 0.0)
            for i in np.flatnonzero(need > 0):
                quantity = inventory.round_order_quantity(float(need[i]), int(r.moq[i]), int(r.case_pack[i]))
                lead = r.lead_time_days[i] + r.lead_time_sd_days[i] * delay[i, t]
                arrive = t + max(int(round(lead)), 1)
                if arrive < days:
                    arrivals[i, arrive] += quantity
                pipeline[i] += quantity
                orders[i] += 1
        demand = r.demand[:, t]
        served = np.minimum(on_hand, demand)
        on_hand -= served
        sales[:, t] = served
        lost[:, t] = demand - served
        censored[:, t] = on_hand <= 0  # out of stock at the close (step 3 of the module docstring)
        stock_end[:, t] = on_hand
    return _outcome(r, rule.name, knob, sales, lost, stock_end, orders)


def abc_classes(r: Replay) -> np.ndarray:
    """ABC class per SKU from its margin over the history before the replay (planner.plan.classify_abc)."""
    revenue_before = (r.demand[:, :r.start] * r.margin[:, None]).sum(axis=1)
    return classify_abc(pd.Series(revenue_before)).to_numpy()


def _outcome(r: Replay, name: str, knob: float, sales, lost, stock_end, orders) -> Outcome:
    window = slice(r.start, None)
    served, missed, stock = sales[:, window], lost[:, window], stock_end[:, window]
    demand = served + missed
    days = served.shape[1]
    active = demand.sum(axis=1) > 0  # SKUs that sold nothing in the replay do not count for stockouts
    value = (stock * r.unit_value[:, None]).sum(axis=0).mean()
    cogs = (served.sum(axis=1) * r.unit_value).sum()
    classes = abc_classes(r)
    by_class = {}
    for cls in ("A", "B", "C"):
        mask = classes == cls
        total = demand[mask].sum()
        by_class[cls] = float(served[mask].sum() / total) if total > 0 else float("nan")
    featured = r.campaign_days[:, window]
    featured_demand = demand[featured].sum()
    return Outcome(
        policy=name, knob=knob,
        fill_rate=float(served.sum() / max(demand.sum(), 1e-9)),
        stockout_share=float((stock[active] <= 0).mean()) if active.any() else float("nan"),
        average_units=float(stock.sum(axis=0).mean()), average_value=float(value),
        turns=float(cogs / value * 365 / days) if value > 0 else float("nan"),
        orders=int(orders.sum()), lost_margin=float((missed * r.margin[:, None]).sum()), by_class=by_class,
        campaign_fill_rate=float(served[featured].sum() / featured_demand) if featured_demand > 0 else float("nan"),
        campaign_stockout_days=int(((missed > 0) & featured).sum()),
        daily={"sales": served, "lost": missed, "stock": stock, "orders": orders},
    )


def sweep(replay: Replay, rules: dict[str, tuple[type, str, list[float]]], **fixed) -> pd.DataFrame:
    """Run every rule at every knob value: ``rules`` maps a label to (policy class, knob parameter, values);
    ``fixed`` holds per-label keyword arguments. One row per run (Outcome.row())."""
    rows = []
    for label, (cls, parameter, values) in rules.items():
        for value in values:
            rule = cls(**{parameter: value, **fixed.get(label, {})})
            rows.append(simulate(replay, rule, knob=value).row())
    return pd.DataFrame(rows)


def daily_demand_matrix(demand: pd.DataFrame, start=None, end=None) -> tuple[np.ndarray, np.ndarray, pd.DatetimeIndex]:
    """Long sku/date/units -> (skus, matrix (n_sku, n_days), dates), days without a row = 0."""
    frame = demand.assign(date=pd.to_datetime(demand["date"]).dt.normalize(), units=pd.to_numeric(demand["units"]).astype(float))
    dates = pd.date_range(start or frame["date"].min(), end or frame["date"].max(), freq="D")
    wide = frame.pivot_table(index="sku", columns="date", values="units", aggfunc="sum", fill_value=0.0)
    wide = wide.reindex(columns=dates, fill_value=0.0)
    return wide.index.to_numpy(dtype=object), wide.to_numpy(dtype=float), dates


def campaign_day_mask(campaigns: pd.DataFrame | None, skus: np.ndarray, dates: pd.DatetimeIndex) -> np.ndarray:
    """bool (n_sku, n_days): the SKU is featured in a campaign (not an ad: ads run for weeks) that day; the
    days as the forecast reads them (forecast.features.campaign_last_day: a live to midnight ends that day)."""
    mask = np.zeros((len(skus), len(dates)), dtype=bool)
    if campaigns is None or len(campaigns) == 0:
        return mask
    index = {s: i for i, s in enumerate(skus)}
    last_days = campaign_last_day(campaigns["start"], campaigns["end"]).to_numpy()
    for row, last_day in zip(campaigns.itertuples(), last_days):
        i = index.get(row.sku)
        if i is None or row.type == "ad":
            continue
        first = dates.searchsorted(pd.Timestamp(row.start).normalize())
        last = dates.searchsorted(pd.Timestamp(last_day), side="right")
        mask[i, first:last] = True
    return mask


def interpolate_value_at_fill(curve: pd.DataFrame, fill_rate: float) -> float:
    """Average inventory value a policy's sweep curve needs for ``fill_rate`` (linear between runs;
    NaN outside the curve's range)."""
    ordered = curve.sort_values("fill_rate")
    x, y = ordered["fill_rate"].to_numpy(), ordered["average_value"].to_numpy()
    if len(x) == 0 or fill_rate < x[0] - 1e-12 or fill_rate > x[-1] + 1e-12:
        return float("nan")
    # the cheapest way to reach at least fill_rate along the (monotone hull of the) curve
    y = np.minimum.accumulate(y[::-1])[::-1]
    return float(np.interp(fill_rate, x, y))


# ------------------------------------------------------------------------------------------ a real shop

MIN_HISTORY_DAYS = 90  # the replay starts after at least this much history
MIN_REPLAY_DAYS = 28  # ... and replays at least this much
ESTABLISHED_WINDOW_DAYS = 180  # a SKU is replayed when it sold on ESTABLISHED_SELLING_DAYS of the
ESTABLISHED_SELLING_DAYS = 20  # last ESTABLISHED_WINDOW_DAYS days before the replay start (or all of them if fewer)


class ShortHistory(RestockError):
    """The history is too short to replay, or no SKU has enough of it."""

    exit_code = 3


def shop_replay(history: pd.DataFrame, inputs: Inputs, settings: PlanSettings, start_days: int | None = None,
                seed: int = 0) -> Replay:
    """A shop's own history as a Replay: its observed daily demand, its costs, suppliers and campaigns.

    Parameters
    ----------
    history : sku, date, units, censored (planner.pipeline.load_history). A ``censored`` day is a
        stockout day: what sold understates demand. Those flags go into ``Replay.censored``; before the
        replay start the policies see them as their own stockouts (the planner's model treats them as
        unknown demand, its calibration skips them); inside the replay the demand of such a day is what
        sold, a lower bound, so every policy's fill rate there is measured against too little demand.
    inputs : planner.io.inputs.Inputs (products, suppliers, bundles, campaigns are used).
    settings : PlanSettings (FBT receiving days, default lead time, review period).
    start_days : days of history before the first replayed day; default half the history. At least
        MIN_HISTORY_DAYS (90), and MIN_REPLAY_DAYS (28) must remain to replay, else ShortHistory.
    seed : seed of the replay's lead-time draws.

    The replay:

    * demand: units per SKU and day over the calendar of the history, days without a row 0; a bundle's
      units move onto its components (times the kit quantity), and a component's day is censored when
      a kit holding it ran out;
    * unit value = unit cost (price where the cost is unknown), margin = price - unit cost;
    * lead time = the product's, else its supplier's, else the shop default (planner.plan.supply_terms),
      plus transit and FBT receiving days for FBT SKUs; its spread = the sd, or (max - min) / 4.9 when a
      min/max range is given (the sd of a triangular(min, mean, max));
    * MOQ and case pack as the plan rounds orders;
    * campaigns expanded to one row per featured SKU (planner.io.inputs.expand_campaigns); a kit's
      campaign features its components too, and ``campaign_days`` marks the featured days (not ads).

    SKUs left out, with the reason in ``Replay.excluded`` (sku, reason, selling_days): bundles (their
    demand is on their components), SKUs not in products.csv (no cost, no lead time), discontinued
    products, and SKUs that sold on fewer than ESTABLISHED_SELLING_DAYS of the last
    ESTABLISHED_WINDOW_DAYS days before the start (launches and dead stock: a policy cannot be judged on
    a SKU it had no history to plan).
    """
    if inputs.products is None or inputs.products.empty:
        raise RestockError("products.csv is empty: the replay needs each SKU's cost, supplier and lead time "
                           "(see docs/inputs.md)")
    if history.empty:
        raise ShortHistory("the history is empty: import order files first")
    frame = history.assign(sku=history["sku"].astype(str), date=pd.to_datetime(history["date"]).dt.normalize())
    if "censored" not in frame.columns:
        frame["censored"] = False
    dates = pd.date_range(frame["date"].min(), frame["date"].max(), freq="D")
    n_days = len(dates)
    start = max(n_days // 2, MIN_HISTORY_DAYS) if start_days is None else int(start_days)
    if start < MIN_HISTORY_DAYS or n_days - start < MIN_REPLAY_DAYS:
        raise ShortHistory(f"{n_days} days of history ({dates[0]:%Y-%m-%d} to {dates[-1]:%Y-%m-%d}) cannot replay from day "
                           f"{start}: the replay needs at least {MIN_HISTORY_DAYS} days of history before it and "
                           f"{MIN_REPLAY_DAYS} days to replay")
    wide = frame.pivot_table(index="sku", columns="date", values=["units", "censored"], aggfunc="sum", fill_value=0)
    units = wide["units"].reindex(columns=dates, fill_value=0).astype(float)
    censored = wide["censored"].reindex(columns=dates, fill_value=0).to_numpy() > 0
    products = inputs.products.assign(sku=inputs.products["sku"].astype(str))
    bundles = inputs.bundles
    if bundles is None or "bundle_sku" not in bundles.columns:
        bundles = pd.DataFrame(columns=["bundle_sku", "component_sku", "quantity"])
    skus = list(dict.fromkeys([*units.index, *products["sku"]]))
    index = {s: i for i, s in enumerate(skus)}
    demand = np.zeros((len(skus), n_days))
    stockout = np.zeros((len(skus), n_days), dtype=bool)
    rows = [index[s] for s in units.index]
    demand[rows], stockout[rows] = units.to_numpy(), censored
    kits = {str(b): [] for b in bundles["bundle_sku"]}
    for row in bundles.itertuples(index=False):
        kit, component = index.get(str(row.bundle_sku)), index.get(str(row.component_sku))
        kits[str(row.bundle_sku)].append(str(row.component_sku))
        if kit is not None and component is not None:
            demand[component] += demand[kit] * float(row.quantity)
            stockout[component] |= stockout[kit]

    window = min(ESTABLISHED_WINDOW_DAYS, start)
    selling_days = (demand[:, start - window:start] > 0).sum(axis=1)
    status = products.set_index("sku")["status"].astype(str).str.lower() if "status" in products else pd.Series(dtype=str)
    listed = set(products["sku"])
    reasons = []
    for sku, sold in zip(skus, selling_days):
        if sku in kits:
            reasons.append("bundle: its demand is counted on its components")
        elif sku not in listed:
            reasons.append("not in products.csv: no cost or lead time")
        elif status.get(sku, "active") == "discontinued":
            reasons.append("discontinued")
        elif sold < ESTABLISHED_SELLING_DAYS:
            reasons.append(f"sold on {sold} of the {window} days before the replay start "
                           f"(fewer than {ESTABLISHED_SELLING_DAYS})")
        else:
            reasons.append("")
    keep = [s for s, why in zip(skus, reasons) if not why]
    excluded = pd.DataFrame({"sku": skus, "reason": reasons, "selling_days": selling_days})
    excluded = excluded[excluded["reason"] != ""].reset_index(drop=True)
    if not keep:
        raise ShortHistory(f"no SKU sold on {ESTABLISHED_SELLING_DAYS} of the {window} days before the replay start "
                           f"({dates[start]:%Y-%m-%d}); nothing to replay")
    rows = [index[s] for s in keep]
    terms = supply_terms(products, inputs.suppliers, settings).drop_duplicates("sku").set_index("sku").loc[keep]
    low, high = terms["lead_time_min_days"], terms["lead_time_max_days"]
    # a min/max range as a spread: the sd of a triangular(min, mean, max) is about (max - min) / 4.9
    spread = terms["lead_time_sd_days"].where(~(low.notna() & high.notna()), (high - low) / 4.9)
    lead = terms["lead_time_days"] + terms["transit_days"] + terms["receiving_days"]
    cost, price = terms["unit_cost"].to_numpy(float), terms["price"].to_numpy(float)
    campaigns = _replay_campaigns(inputs.campaigns, products, skus, kits, keep)
    replay_skus = np.array(keep, dtype=object)
    return Replay(
        skus=replay_skus, dates=dates, demand=demand[rows], unit_value=np.where(cost > 0, cost, price),
        margin=price - cost, lead_time_days=lead.to_numpy(float), lead_time_sd_days=spread.fillna(0).to_numpy(float),
        moq=terms["moq"].to_numpy(int), case_pack=terms["case_pack"].to_numpy(int), campaigns=campaigns,
        campaign_days=campaign_day_mask(campaigns, replay_skus, dates), start=start,
        review_period_days=int(settings.review_period_days), seed=seed, censored=stockout[rows], excluded=excluded,
    )


def _replay_campaigns(campaigns: pd.DataFrame | None, products: pd.DataFrame, skus: list[str], kits: dict[str, list[str]],
                      keep: list[str]) -> pd.DataFrame:
    """The calendar, one row per campaign and featured replayed SKU; a featured kit features its components."""
    if campaigns is None or len(campaigns) == 0:
        return None
    expanded = expand_campaigns(campaigns, products, skus)
    via_kits = [expanded[expanded["sku"] == kit].assign(sku=component) for kit, parts in kits.items() for component in parts]
    expanded = pd.concat([expanded, *via_kits], ignore_index=True) if via_kits else expanded
    expanded = expanded[expanded["sku"].isin(set(keep))]
    return expanded.drop_duplicates(["campaign_id", "sku"]).reset_index(drop=True)


SELLER_POLICIES = {"min/max": (MinMaxPolicy, 20.0), "cover": (CoverPolicy, 30.0), "textbook": (TextbookPolicy, 1.65)}
SEGMENTS = ("all", "class A", "class B", "class C", "campaign days")


def simulate_shop(replay: Replay, model: str = "campaign", service_level: float | None = None, n_paths: int = 100,
                  policies: tuple[str, ...] = ("planner", "min/max", "cover", "textbook"),
                  service_measure: Literal["cycle", "fill_rate"] = "fill_rate",
                  model_params: dict | None = None, fill_rate_scope: Literal["class", "sku"] = "class",
                  min_sku_service: float = PlanSettings.min_sku_service,
                  campaign_service: float | None = PlanSettings.campaign_service) -> pd.DataFrame:
    """Replay the planner and the sellers' policies at their usual knobs on one Replay (lost sales).

    Parameters
    ----------
    replay : e.g. shop_replay(...).
    model : the planner's forecast model (forecast.models registry name).
    service_level : the planner's target; None: 0.95 (the planner's default; pass the shop's).
    n_paths : forecast sample paths per review.
    policies : any of "planner", "min/max" (20 safety units), "cover" (30 days), "textbook" (z = 1.65).
    model_params : keyword arguments of the model (e.g. ``{"market": "TH"}`` for ``campaign``).
    fill_rate_scope, min_sku_service, campaign_service : as PlanSettings (the shop's planning settings).

    Returns
    -------
    One row per policy and segment (SEGMENTS: all SKUs, each ABC class by margin before the replay,
    the featured SKU-days of campaigns) with: policy, knob, segment, skus, demand_units, fill_rate,
    stockout_share (SKU-days ending with no stock, of SKUs with demand in the replay), stockout_days
    (SKU-days with lost sales), average_units and average_value (end-of-day stock), turns (cost of
    sales / average value, yearly), orders, lost_units, lost_margin. Stock, turns and orders are per
    SKU, so the campaign segment leaves them empty. Each policy runs on the same replay and seed.
    """
    known = ("planner", *SELLER_POLICIES)
    unknown = [p for p in policies if p not in known]
    if unknown:
        raise RestockError(f"unknown polic{'y' if len(unknown) == 1 else 'ies'} {unknown}; known: {list(known)}")
    frames = []
    classes = abc_classes(replay)
    for label in policies:
        if label == "planner":
            knob = 0.95 if service_level is None else float(service_level)
            rule = PlannerPolicy(knob, service_measure=service_measure, model=model, model_params=dict(model_params or {}),
                                 n_paths=n_paths, fill_rate_scope=fill_rate_scope, min_sku_service=min_sku_service,
                                 campaign_service=campaign_service)
        else:
            cls, knob = SELLER_POLICIES[label]
            rule = cls(knob)
        outcome = simulate(replay, rule, knob=knob)
        frames.append(_segment_rows(replay, outcome, classes).assign(policy=label, knob=knob))
    out = pd.concat(frames, ignore_index=True)
    return out[["policy", "knob", *[c for c in out.columns if c not in ("policy", "knob")]]]


def _segment_rows(r: Replay, outcome: Outcome, classes: np.ndarray) -> pd.DataFrame:
    """The outcome's daily arrays cut by segment (SKU rows for all and the classes, SKU-days for campaigns)."""
    served, missed, stock, orders = (outcome.daily[k] for k in ("sales", "lost", "stock", "orders"))
    demand = served + missed
    days = served.shape[1]
    featured = r.campaign_days[:, r.start:]
    rows = []
    for segment in SEGMENTS:
        if segment == "campaign days":
            cells = featured
            skus = featured.any(axis=1)
        else:
            skus = np.ones(len(r.skus), bool) if segment == "all" else classes == segment[-1]
            cells = np.broadcast_to(skus[:, None], served.shape)
        active = cells & (demand.sum(axis=1) > 0)[:, None]
        total = demand[cells].sum()
        row = {"segment": segment, "skus": int(skus.sum()), "demand_units": float(total),
               "fill_rate": float(served[cells].sum() / total) if total > 0 else float("nan"),
               "stockout_share": float((stock[active] <= 0).mean()) if active.any() else float("nan"),
               "stockout_days": int(((missed > 0) & cells).sum()),
               "average_units": float("nan"), "average_value": float("nan"), "turns": float("nan"), "orders": float("nan")}
        if segment != "campaign days":
            value = float((stock[skus] * r.unit_value[skus, None]).sum(axis=0).mean()) if skus.any() else 0.0
            cogs = float((served[skus].sum(axis=1) * r.unit_value[skus]).sum())
            row.update(average_units=float(stock[skus].sum(axis=0).mean()) if skus.any() else 0.0, average_value=value,
                       turns=cogs / value * 365 / days if value > 0 else float("nan"), orders=float(orders[skus].sum()))
        row.update(lost_units=float(missed[cells].sum()), lost_margin=float((missed * r.margin[:, None])[cells].sum()))
        rows.append(row)
    return pd.DataFrame(rows)


__all__ = [
    "CoverPolicy", "MinMaxPolicy", "Observed", "Outcome", "PlannerPolicy", "Replay", "ShortHistory", "TextbookPolicy",
    "abc_classes", "campaign_day_mask", "daily_demand_matrix", "interpolate_value_at_fill", "shop_replay", "simulate",
    "simulate_shop", "sweep",
]
