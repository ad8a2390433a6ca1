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

from dataclasses import dataclass, field, replace
from typing import Literal, Protocol

import numpy as np
import pandas as pd

from forecast.features import campaign_last_day
from planner.inventory import policy as inventory
from planner.inventory.lost_sales import serve_day
from planner.calibration import window_errors
from planner.errors import RestockError
from planner.io.inputs import Inputs, expand_campaigns
from planner.plan import PlanSettings, classify_abc, supply_terms
from planner.plan.calibrate import BACKTEST_ORIGINS, plan_calibration
from planner.plan.replenish import Supply, forecast_paths, plan_replenishment


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
    """The plan `restock plan` makes (planner.plan.replenish.plan_replenishment), on every review day.

    Each review fits ``model`` on the sales of days before it (its own stockouts censored) and draws
    sample paths over the longest lead time + review; hands the plan the replay's on-hand stock and the
    orders it has placed and not yet received (as open purchase orders, expected after the mean lead
    time: a late one counts as due today, as in a shop); and places the plan's order lines, each on its
    order-by date (a campaign pre-build may be due later than today). The lead times the plan draws
    are the supplier's (Replay.lead_time_days, lead_time_sd_days), those the replay's world draws too.

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
    name: str = "planner"

    def __post_init__(self):
        self._records: list[tuple[int, np.ndarray]] = []  # (review day, forecast mean per SKU and day from it)
        self.targets_used: list[float] = []  # the mean target planned at, per review (for the report)
        self.last_plan = None  # the newest review's Plan and what it was given (tests compare it)

    def plan_settings(self, r: Replay, horizon: int) -> PlanSettings:
        """The PlanSettings of a review: ``settings`` with this policy's knobs and the replay's review."""
        return replace(
            self.settings or PlanSettings(), service_level=self.service_level, service_measure=self.service_measure,
            class_service_levels=dict(self.class_service_levels or {}), fill_rate_scope=self.fill_rate_scope,
            min_sku_service=self.min_sku_service, campaign_service=self.campaign_service,
            slow_mover_units=self.slow_mover_units, review_period_days=r.review_period_days,
            horizon_days=max(horizon, 2 * int(np.ceil(r.lead_time_days.max()))))

    def decide(self, seen: Observed, on_hand: np.ndarray, open_orders: pd.DataFrame) -> ReviewDecision:
        """The plan of review day ``seen.t``: order-up-to levels per SKU and the order lines to place."""
        r, t = seen.replay, seen.t
        paths = self._paths(seen, t)
        calibration = self._calibration(seen, t) if self.calibrate else None
        self._records.append((t, _daily_means(paths, r.skus)))
        self._records = self._records[-self.max_records:]
        settings = self.plan_settings(r, paths.horizon)
        supply = Supply(replay_products(r), inventory=pd.DataFrame({"sku": r.skus, "location": "own", "on_hand": on_hand}),
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

    def _paths(self, seen: Observed, t: int):
        """Sample paths from the day ``t`` on of the model fitted on sales of days < t, over the longest
        lead time (at 4 sd) + review."""
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
            "sku": np.repeat(r.skus, days), "date": np.tile(r.dates[first:t].values, n),
            "units": seen.sales[:, first:t].reshape(-1).astype(float),
            "censored": seen.censored[:, first:t].reshape(-1),
        })[keep.reshape(-1)]
        campaigns = r.campaigns if r.campaigns is not None and len(r.campaigns) else None
        horizon = int(np.ceil(r.lead_time_days.max() + 4 * r.lead_time_sd_days.max())) + 1 + r.review_period_days
        return forecast_paths(history, horizon, self.model, campaigns, self.n_paths, seed=t, model_params=self.model_params)

    def _calibration(self, seen: Observed, t: int):
        """planner.plan.calibrate.plan_calibration on the window errors of the recorded reviews whose
        lead time + review has passed (None: none yet)."""
        r = seen.replay
        lead_days = np.rint(r.lead_time_days).astype(int)
        span = int(lead_days.max()) + r.review_period_days
        if not self._records:
            # cold start: a rolling-origin backtest on the history before the first review, at whole
            # reviews before t, so that its windows and the reviews' own form one chain per SKU
            first = max(t - self.backtest_days, 28)
            first += (t - first) % r.review_period_days
            for origin in range(first, t - span + 1, r.review_period_days):
                self._records.append((origin, _daily_means(self._paths(seen, origin), r.skus)))
        done = [(origin, mean) for origin, mean in self._records if origin + span <= t]
        if not done:
            return None
        folds = np.array_split(np.arange(len(done)), min(BACKTEST_ORIGINS, len(done)))
        errors = []
        for fold in folds:
            cutoff = r.dates[done[fold[0]][0]]
            for k in fold:
                origin, mean = done[k]
                errors.append(window_errors(mean, seen.sales[:, origin:origin + span], seen.censored[:, origin:origin + span],
                                            lead_days, r.review_period_days, r.skus, r.dates[origin]).assign(cutoff=cutoff))
        settings = self.plan_settings(r, span)
        terms = supply_terms(replay_products(r), None, settings).set_index("sku")
        return plan_calibration(pd.concat(errors, ignore_index=True), terms, r.campaigns, settings,
                                service=self.calibrate_target)


@dataclass(frozen=True)
class ReviewDecision:
    """A planner policy's review: order-up-to level per SKU (``level``), and the order lines to place:
    the SKU row, quantity and the replay day to place it on (its order-by date)."""

    level: np.ndarray
    rows: np.ndarray
    quantities: np.ndarray
    days: np.ndarray


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
    + margin)."""
    return pd.DataFrame({
        "sku": r.skus.astype(str), "supplier": "replay", "name": r.skus.astype(str), "category": "replay",
        "lead_time_days": r.lead_time_days.astype(float), "lead_time_sd_days": r.lead_time_sd_days.astype(float),
        "moq": r.moq, "case_pack": r.case_pack, "unit_cost": np.asarray(r.unit_value, dtype=float),
        "price": np.asarray(r.unit_value, dtype=float) + np.asarray(r.margin, dtype=float), "fulfillment": "own",
    })


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


def simulate(replay: Replay, rule: Policy | PlannerPolicy, knob: float = float("nan"),
             initial_stock: np.ndarray | None = None) -> Outcome:
    """Replay ``rule`` over days [start, end) of ``replay`` with lost sales; see the module docstring.

    The replay starts with each SKU at the rule's own order-up-to level on the first day (no pipeline),
    so no policy is judged on a start it did not choose. A seller's rule gives levels (s, S) and the
    replay orders S - position, rounded to MOQ and case pack, when the position is at or below s; the
    planner (PlannerPolicy.decide) gives the plan's order lines, placed on their order-by days."""
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
    book = _OrderBook(r, delay)
    stock_end = np.zeros((n, days))
    lost = np.zeros((n, days))
    plans = isinstance(rule, PlannerPolicy)
    on_hand = None if initial_stock is None else np.asarray(initial_stock, dtype=float).copy()
    for t in range(r.start, days):
        seen = Observed(r, t, sales[:, :t], censored[:, :t])
        levels = None
        if on_hand is None:  # the first day: its review uses the same levels (asked once, recorded once)
            levels = rule.decide(seen, np.zeros(n), book.open_orders(t)).level if plans else rule.levels(seen)
            on_hand = np.maximum(np.ceil(levels if plans else levels[1]), 0.0)
        on_hand += book.receive(t)
        if (t - r.start) % r.review_period_days == 0:
            if plans and levels is None:
                decision = rule.decide(seen, on_hand.copy(), book.open_orders(t))
                book.schedule(decision.rows, decision.quantities, decision.days)
            elif not plans:
                reorder, order_up_to = levels or rule.levels(seen)
                position = on_hand + book.on_order
                need = np.where(position <= reorder, order_up_to - position, 0.0)
                rows = np.flatnonzero(need > 0)
                quantities = [inventory.round_order_quantity(float(need[i]), int(r.moq[i]), int(r.case_pack[i]))
                              for i in rows]
                book.schedule(rows, np.array(quantities, dtype=float), np.full(len(rows), t))
        book.place(t)
        sold, lost[:, t] = serve_day(on_hand, np.zeros(n), r.demand[:, t])
        sales[:, t] = sold
        censored[:, t] = on_hand <= 0  # out of stock at the close (step 3 of the module docstring)
        stock_end[:, t] = on_hand
    return _outcome(r, rule.name, knob, sales, lost, stock_end, book.orders)


class _OrderBook:
    """The replay's purchase orders: placed on a day, received after the supplier's actual lead time
    (the mean lead time + its spread times the day's common random delay), known to the plan as open
    purchase orders expected after the mean lead time."""

    def __init__(self, r: Replay, delay: np.ndarray):
        n, days = r.demand.shape
        self.r, self.delay, self.days = r, delay, days
        self.arrivals = np.zeros((n, days + 1))
        self.on_order = np.zeros(n)
        self.orders = np.zeros(n, dtype=int)
        self.pending: list[tuple[int, int, float]] = []  # (day to place, SKU row, quantity)
        self.open: list[tuple[int, int, float, int]] = []  # (SKU row, placed day, quantity, arrival day)

    def schedule(self, rows: np.ndarray, quantities: np.ndarray, place_days: np.ndarray) -> None:
        self.pending += [(int(d), int(i), float(q)) for i, q, d in zip(rows, quantities, place_days) if q > 0]

    def place(self, t: int) -> None:
        """Place the orders due today."""
        due = [p for p in self.pending if p[0] <= t]
        self.pending = [p for p in self.pending if p[0] > t]
        for _, i, quantity in due:
            lead = self.r.lead_time_days[i] + self.r.lead_time_sd_days[i] * self.delay[i, t]
            arrive = t + max(int(round(lead)), 1)
            if arrive < self.days:
                self.arrivals[i, arrive] += quantity
            self.on_order[i] += quantity
            self.orders[i] += 1
            self.open.append((i, t, quantity, arrive))

    def receive(self, t: int) -> np.ndarray:
        received = self.arrivals[:, t]
        self.on_order -= received
        self.open = [o for o in self.open if o[3] > t]
        return received

    def open_orders(self, t: int) -> pd.DataFrame:
        """The orders placed and not yet received, as purchase_orders.csv rows (expected after the mean
        lead time)."""
        rows = [i for i, *_ in self.open]
        expected = [self.r.dates[min(placed, len(self.r.dates) - 1)] + pd.Timedelta(days=int(round(self.r.lead_time_days[i])))
                    for i, placed, *_ in self.open]
        return pd.DataFrame({"po_id": [f"R{k}" for k in range(len(rows))], "sku": self.r.skus[rows].astype(str),
                             "quantity": [q for _, _, q, _ in self.open], "location": "own",
                             "expected_arrival": pd.to_datetime(pd.Series(expected, dtype="datetime64[ns]"))})


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
