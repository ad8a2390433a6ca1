"""The replay: a policy run day by day over the demand that really happened, with lost sales.

``simulate`` walks the days:

1. the morning's receipts arrive;
2. on a review day the policy sees only what was *sold* up to yesterday (its own stockouts censor it)
   and returns a reorder level s and an order-up-to level S per SKU; when the inventory position is at
   or below s it orders S - position, rounded to MOQ and case pack (planner.policy); the order lands
   after the actual lead time (the stated one + the supplier's true lateness, ``Replay.late_days``, +
   its spread's draw). A ``Planner`` (the plan, policies.PlannerPolicy) instead hands back the plan's
   order lines, placed on their order-by days. Every delivery received is recorded as a purchase-order
   receipt, as `restock receive` records one (planner.plan.terms.RECEIPT_COLUMNS), for the plan to
   measure its suppliers' lead times from;
3. the day's demand is served from stock; what cannot be served is lost. A day that closes with no
   stock is a stockout day for the policies, as a shop's stock report shows it, whether or not demand
   came after the last unit went: marking only days with unmet demand would tell the planner that an
   empty shelf on a day nobody came saw zero demand, and a SKU out of stock for weeks would then be
   forecast from its quiet days.

Here too: what a policy sees (``Replay``, ``Observed``), the order book, the ``Outcome`` and its metrics,
``sweep`` over a knob, and the helpers that build replays from frames (daily_demand_matrix,
campaign_day_mask) and read sweep curves (interpolate_value_at_fill).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Protocol

import numpy as np
import pandas as pd

from forecast.features import campaign_last_day
from planner.inventory import policy as inventory
from planner.inventory.lost_sales import serve_day
from planner.plan import classify_abc
from planner.plan.terms import RECEIPT_COLUMNS


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
    # (n_sku,) the supplier whose stated term lead_time_days / lead_time_sd_days is (SKUs of one supplier
    # share them); None: each SKU's terms are its own, as a product's lead time in products.csv
    supplier: np.ndarray | None = None
    # (n_sku,) bool: the product states its own lead time (products.csv), which its supplier's measured
    # term does not move, as in `restock plan`; None: none does
    own_lead_time: np.ndarray | None = None
    # (n_sku,) days the supplier's true lead time is longer than the stated one: the world's, unknown to
    # the planner, which can only measure it from the deliveries it receives
    late_days: np.ndarray | None = None
    # receipts before the replay (planner.plan.terms.RECEIPT_COLUMNS): the shop's past deliveries
    receipts: pd.DataFrame | None = field(default=None, repr=False)

    def __post_init__(self):
        n = len(self.skus)
        ones = np.ones(n, dtype=int)
        self.moq = ones if self.moq is None else np.asarray(self.moq, dtype=int)
        self.case_pack = ones if self.case_pack is None else np.asarray(self.case_pack, dtype=int)
        self.lead_time_sd_days = np.zeros(n) if self.lead_time_sd_days is None else np.asarray(self.lead_time_sd_days, float)
        self.late_days = np.zeros(n) if self.late_days is None else np.broadcast_to(np.asarray(self.late_days, float), (n,))
        if self.campaign_days is None:
            self.campaign_days = np.zeros(self.demand.shape, dtype=bool)
        if self.margin is None:
            self.margin = np.asarray(self.unit_value, dtype=float)


@dataclass
class Observed:
    """What a policy may look at on review day ``t``: sales and stockout flags of days < t, and the
    deliveries received up to day t (``receipts``, planner.plan.terms.RECEIPT_COLUMNS; None: not asked)."""

    replay: Replay
    t: int
    sales: np.ndarray  # (n_sku, t)
    censored: np.ndarray  # (n_sku, t) bool: ran out that day (sales understate demand)
    receipts: pd.DataFrame | None = None

    def velocity(self, days: int) -> np.ndarray:
        return self.sales[:, -days:].mean(axis=1) if self.t else np.zeros(len(self.replay.skus))

    def spread(self, days: int) -> np.ndarray:
        return self.sales[:, -days:].std(axis=1, ddof=1) if self.t > 1 else np.zeros(len(self.replay.skus))


class Policy(Protocol):
    name: str

    def levels(self, seen: Observed) -> tuple[np.ndarray, np.ndarray]:
        """(reorder level s, order-up-to level S) per SKU."""



@dataclass(frozen=True)
class ReviewDecision:
    """A planner policy's review: order-up-to level per SKU (``level``), and the order lines to place:
    the SKU row, quantity and the replay day to place it on (its order-by date)."""

    level: np.ndarray
    rows: np.ndarray
    quantities: np.ndarray
    days: np.ndarray


class Planner(Protocol):
    """A policy that plans its own order lines (policies.PlannerPolicy): it is handed the stock on hand and
    the open orders, and the replay places the lines it returns."""

    name: str

    def decide(self, seen: Observed, on_hand: np.ndarray, open_orders: pd.DataFrame) -> ReviewDecision:
        """Order-up-to levels per SKU and the order lines to place."""


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


def simulate(replay: Replay, rule: Policy | Planner, knob: float = float("nan"),
             initial_stock: np.ndarray | None = None, progress: Callable[[], None] | None = None) -> Outcome:
    """Replay ``rule`` over days [start, end) of ``replay`` with lost sales; see the module docstring.

    The replay starts with each SKU at the rule's own order-up-to level on the first day (no pipeline),
    so no policy is judged on a start it did not choose. A seller's rule gives levels (s, S) and the
    replay orders S - position, rounded to MOQ and case pack, when the position is at or below s; the
    planner (PlannerPolicy.decide) gives the plan's order lines, placed on their order-by days.
    ``progress`` is called after each review (a terminal's progress bar)."""
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
    plans = hasattr(rule, "decide")  # a Planner gives order lines, a seller's rule (s, S)
    on_hand = None if initial_stock is None else np.asarray(initial_stock, dtype=float).copy()
    for t in range(r.start, days):
        levels = None
        received = book.receive(t)
        review = (t - r.start) % r.review_period_days == 0
        seen = Observed(r, t, sales[:, :t], censored[:, :t], book.receipt_frame() if plans and review else None)
        if on_hand is None:  # the first day: its review uses the same levels (asked once, recorded once)
            levels = rule.decide(seen, np.zeros(n), book.open_orders(t)).level if plans else rule.levels(seen)
            on_hand = np.maximum(np.ceil(levels if plans else levels[1]), 0.0)
        on_hand += received
        if review:
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
            if progress:
                progress()
        book.place(t)
        sold, lost[:, t] = serve_day(on_hand, np.zeros(n), r.demand[:, t])
        sales[:, t] = sold
        censored[:, t] = on_hand <= 0  # out of stock at the close (step 3 of the module docstring)
        stock_end[:, t] = on_hand
    return _outcome(r, rule.name, knob, sales, lost, stock_end, book.orders)


class _OrderBook:
    """The replay's purchase orders: placed on a day, received after the supplier's actual lead time
    (the stated mean lead time + the supplier's true lateness + its spread times the day's common random
    delay), known to the plan as open purchase orders expected after the stated mean lead time. A PO is
    a supplier's lines placed on one day; each line received is a receipt row (RECEIPT_COLUMNS)."""

    def __init__(self, r: Replay, delay: np.ndarray):
        n, days = r.demand.shape
        self.r, self.delay, self.days = r, delay, days
        self.arrivals = np.zeros((n, days + 1))
        self.on_order = np.zeros(n)
        self.orders = np.zeros(n, dtype=int)
        self.pending: list[tuple[int, int, float]] = []  # (day to place, SKU row, quantity)
        self.open: list[tuple[int, int, float, int]] = []  # (SKU row, placed day, quantity, arrival day)
        self.supplier = np.full(n, "replay", dtype=object) if r.supplier is None else np.asarray(r.supplier, dtype=object)
        self.receipts: list[tuple] = []  # RECEIPT_COLUMNS, in order of receipt

    def schedule(self, rows: np.ndarray, quantities: np.ndarray, place_days: np.ndarray) -> None:
        self.pending += [(int(d), int(i), float(q)) for i, q, d in zip(rows, quantities, place_days) if q > 0]

    def place(self, t: int) -> None:
        """Place the orders due today."""
        due = [p for p in self.pending if p[0] <= t]
        self.pending = [p for p in self.pending if p[0] > t]
        for _, i, quantity in due:
            lead = self.r.lead_time_days[i] + self.r.late_days[i] + self.r.lead_time_sd_days[i] * self.delay[i, t]
            arrive = t + max(int(round(lead)), 1)
            if arrive < self.days:
                self.arrivals[i, arrive] += quantity
            self.on_order[i] += quantity
            self.orders[i] += 1
            self.open.append((i, t, quantity, arrive))

    def receive(self, t: int) -> np.ndarray:
        received = self.arrivals[:, t]
        self.on_order -= received
        self.receipts += [self._receipt(i, placed, quantity, t) for i, placed, quantity, arrive in self.open if arrive == t]
        self.open = [o for o in self.open if o[3] > t]
        return received

    def _receipt(self, i: int, placed: int, quantity: float, t: int) -> tuple:
        """A line received in full on day ``t``, as `restock receive` records it (RECEIPT_COLUMNS)."""
        return (f"R{placed:05d}-{self.supplier[i]}", str(self.r.skus[i]), self.supplier[i], self._date(placed),
                self._expected(i, placed), self.r.dates[t], quantity, quantity)

    def _date(self, day: int) -> pd.Timestamp:
        return self.r.dates[min(day, len(self.r.dates) - 1)]

    def _expected(self, i: int, placed: int) -> pd.Timestamp:
        """The arrival the plan expects of a line: placed + the stated mean lead time."""
        return self._date(placed) + pd.Timedelta(days=int(round(self.r.lead_time_days[i])))

    def receipt_frame(self) -> pd.DataFrame:
        """The deliveries received so far after the replay's own past ones (Replay.receipts)."""
        frame = pd.DataFrame(self.receipts, columns=list(RECEIPT_COLUMNS))
        past = self.r.receipts
        return frame if past is None or past.empty else pd.concat([past[list(RECEIPT_COLUMNS)], frame], ignore_index=True)

    def open_orders(self, t: int) -> pd.DataFrame:
        """The orders placed and not yet received, as purchase_orders.csv rows (expected after the mean
        lead time)."""
        rows = [i for i, *_ in self.open]
        expected = [self._expected(i, placed) for i, placed, *_ in self.open]
        return pd.DataFrame({"po_id": [f"R{k}" for k in range(len(rows))], "sku": self.r.skus[rows].astype(str),
                             "quantity": [q for _, _, q, _ in self.open], "location": "own",
                             "expected_arrival": pd.to_datetime(pd.Series(expected, dtype="datetime64[ns]"))})


def with_late_suppliers(r: Replay, late_days: float, suppliers: list[str] | None = None) -> Replay:
    """``r`` with the true lead time of ``suppliers`` (None: every one) ``late_days`` longer than stated:
    the orders arrive that much later, the plan is told the stated terms as before."""
    if suppliers is not None and r.supplier is None:
        raise ValueError("the replay has no supplier names (Replay.supplier) to make one of them late")
    late = np.ones(len(r.skus), bool) if suppliers is None else np.isin(r.supplier, list(suppliers))
    return replace(r, late_days=np.where(late, float(late_days), 0.0))


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


__all__ = [
    "Observed", "Outcome", "Planner", "Policy", "Replay", "ReviewDecision", "abc_classes", "campaign_day_mask",
    "daily_demand_matrix", "interpolate_value_at_fill", "simulate", "sweep", "with_late_suppliers",
]
