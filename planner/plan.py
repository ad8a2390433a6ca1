"""Forecast sample paths + inventory positions + supply terms -> the restock plan.

``make_plan`` is the one entry point. Day 0 is the planning day ("today", the inventory snapshot's
date): the snapshot is taken at its start, so today's demand is served from today's stock and counts in
every projection and lead-time window. Per SKU, at the location it sells from (``own`` or ``fbt``):

* lead-time demand is read off the forecast's joint sample paths over the supplier lead time (one lead
  time drawn per path from the supplier's spread or min/max) plus, for FBT SKUs, the transit and FBT
  receiving days, plus the review period; campaigns inside that window are in the paths;
* the order-up-to level S meets the service target of the SKU's ABC class: a cycle service level
  P(D_{L+R} <= S), or a fill rate through the expected shortage per review cycle (planner.policy);
  a fill rate is by default kept over the units of the whole class at the least stock value
  (planner.allocation: each SKU at a cycle service that falls with its unit value), or by every SKU on
  its own (``fill_rate_scope = "sku"``); slow movers use the Poisson / negative binomial formulas on the
  paths' mean and variance;
* stock free in the own warehouse (today, or when an open PO or transit lands there) is transferred on
  to FBT, enough for the transit + FBT receiving days and the review period; the supplier order brings
  the network position up to S, plus what campaigns beyond the lead time need when their order-by date
  (campaign_order_by_date) falls before the next review: such a pre-build line, when nothing regular is
  due, is ordered by that date; quantities are rounded to MOQ and case pack, optionally raised to the EOQ
  and capped at a max days of cover, then a budget cap keeps the lines that avoid the most expected
  lost margin per unit of money;
* projected inventory per day (without action, and with this plan), stockout dates, and alerts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Literal

import numpy as np
import pandas as pd

from forecast.features import campaign_last_day
from forecast.models.base import SamplePaths
from planner import policy
from planner.allocation import allocate_fill_rate, value_weights
from planner.demand import BLOCK_SKUS, Demand, plan_days, read_demand
from planner.calibration import Calibration, calibrated_demand, calibration_notes
from planner.positions import scheduled_receipts

DEFAULT_CLASS_LEVELS = {"A": 0.98, "B": 0.95, "C": 0.90}


@dataclass(frozen=True)
class PlanSettings:
    """Planning knobs (shop.toml and the CLI map to these).

    service_level        target when a SKU's class has none in ``class_service_levels``
    service_measure      'cycle' (P(no stockout per cycle)) or 'fill_rate' (share of demand served, type 2)
    class_service_levels target per ABC class (A: top 80 % of forecast revenue, B: next 15 %, C: rest)
    review_period_days   days between planning runs (R)
    horizon_days         projection and alert horizon
    fbt_receiving_days   days FBT takes to receive an inbound shipment
    receiving_buffer_days extra days stock must be in place before a campaign starts
    default_lead_time_days when neither the product nor its supplier gives one
    budget_cap           money for this cycle's purchases (None: no cap)
    fbt_inbound_capacity units FBT accepts inbound this cycle (None: no cap)
    max_cover_days       an order never lifts cover above this many days of mean demand (MOQ excepted)
    overstock_days       cover beyond this is an overstock alert
    no_sale_days         no sale for this many days (needs history) is a clearance alert
    use_eoq              raise orders to the EOQ (ordering cost from product/supplier)
    holding_cost_rate    yearly holding cost as a share of unit cost (for the EOQ)
    slow_mover_units     mean demand over lead time + review below this -> discrete formulas
    fill_rate_scope      'class': a fill-rate target holds over all units of the class's SKUs, at the least
                         stock value (planner.allocation: cheap units protected more); 'sku': every SKU
                         meets it on its own
    min_sku_service      with scope 'class', no SKU is planned below this cycle service
    campaign_service     with scope 'class', a SKU featured in a campaign on a day its order covers (lead
                         time at its 90th percentile + review: campaign_reach_days) is planned at least at
                         this cycle service (None: as any other);
                         the rest of its class carries less of the target, so the class's promise is kept
    seed                 seed of the lead-time draws
    block_skus           SKUs whose sample paths are read at once (bounds memory; the plan does not depend on it)
    """

    service_level: float = 0.95
    service_measure: Literal["cycle", "fill_rate"] = "fill_rate"
    class_service_levels: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_CLASS_LEVELS))
    review_period_days: int = 7
    horizon_days: int = 90
    fbt_receiving_days: int = 5
    receiving_buffer_days: int = 2
    default_lead_time_days: float = 14.0
    budget_cap: float | None = None
    fbt_inbound_capacity: float | None = None
    max_cover_days: float | None = 120.0
    overstock_days: float = 120.0
    no_sale_days: int = 60
    use_eoq: bool = False
    holding_cost_rate: float = 0.25
    slow_mover_units: float = 20.0
    fill_rate_scope: Literal["class", "sku"] = "class"
    min_sku_service: float = 0.4
    campaign_service: float | None = 0.95
    seed: int = 0
    block_skus: int = BLOCK_SKUS

    def __post_init__(self):
        if self.service_measure not in ("cycle", "fill_rate"):
            raise ValueError(f"service_measure must be 'cycle' or 'fill_rate'; got {self.service_measure!r}")
        if self.fill_rate_scope not in ("class", "sku"):
            raise ValueError(f"fill_rate_scope must be 'class' or 'sku'; got {self.fill_rate_scope!r}")
        if not 0 < self.min_sku_service < 1:
            raise ValueError(f"min_sku_service must be strictly between 0 and 1; got {self.min_sku_service}")
        if self.campaign_service is not None and not 0 < self.campaign_service < 1:
            raise ValueError(f"campaign_service must be strictly between 0 and 1; got {self.campaign_service}")
        for name, level in {"service_level": self.service_level, **self.class_service_levels}.items():
            if not 0 < level < 1:
                raise ValueError(f"service level {name} must be strictly between 0 and 1; got {level}")


@dataclass
class Plan:
    """The plan's frames. ``plan``: one row per SKU at its selling location; ``orders``: supplier order
    lines (grouped by supplier); ``transfers``: own -> FBT moves; ``alerts``; ``projected``: inventory
    per SKU and day, without action and with this plan."""

    plan: pd.DataFrame
    orders: pd.DataFrame
    transfers: pd.DataFrame
    alerts: pd.DataFrame
    projected: pd.DataFrame


# ---------------------------------------------------------------------------------------- inputs

def explode_bundles(paths: SamplePaths, bundles: pd.DataFrame | None) -> SamplePaths:
    """Demand paths with every bundle's demand moved onto its components (times the kit quantity)."""
    if bundles is None or len(bundles) == 0:
        return paths
    skus = [str(s) for s in paths.skus]
    bundle_skus = set(bundles["bundle_sku"].astype(str))
    components = sorted(set(bundles["component_sku"].astype(str)) - set(skus))
    keep = [s for s in skus if s not in bundle_skus]
    out_skus = keep + components
    index = {s: i for i, s in enumerate(out_skus)}
    values = np.zeros((len(out_skus),) + paths.values.shape[1:], dtype=np.float32)
    source = {s: i for i, s in enumerate(skus)}
    for i, s in enumerate(keep):
        values[i] = paths.values[source[s]]
    for row in bundles.itertuples(index=False):
        bundle, component = str(row.bundle_sku), str(row.component_sku)
        if bundle in source and component in index:
            values[index[component]] += paths.values[source[bundle]] * float(row.quantity)
    return SamplePaths(skus=np.array(out_skus, dtype=object), start=paths.start, values=values)


CAMPAIGN_ROW_COLUMNS = ("campaign_id", "type", "start", "end", "sku")


def _campaign_rows(campaigns: pd.DataFrame | None) -> pd.DataFrame:
    """The expanded calendar make_plan reads: one row per campaign and featured SKU (campaign_id, type,
    start, end, sku, and optionally location: where its stock must be), as
    planner.io.inputs.expand_campaigns makes it. Checked here; the caller's frame is not modified."""
    columns = [*CAMPAIGN_ROW_COLUMNS, "location"]
    if campaigns is None or len(campaigns) == 0:
        return pd.DataFrame({c: pd.Series(dtype="datetime64[ns]" if c in ("start", "end") else "object") for c in columns})
    missing = [c for c in CAMPAIGN_ROW_COLUMNS if c not in campaigns.columns]
    if missing:
        raise ValueError(f"campaigns: missing column(s) {missing}; make_plan takes one row per campaign and SKU "
                         f"(planner.io.inputs.expand_campaigns); found {list(campaigns.columns)}")
    frame = campaigns.assign(
        start=pd.to_datetime(campaigns["start"]), end=pd.to_datetime(campaigns["end"]),
        sku=campaigns["sku"].astype(str),
        location=campaigns["location"] if "location" in campaigns.columns else None,
    )
    return frame[columns].reset_index(drop=True)


def supply_terms(products: pd.DataFrame, suppliers: pd.DataFrame | None, settings: PlanSettings) -> pd.DataFrame:
    """Per SKU: the product's terms, else its supplier's, else the shop default."""
    terms = products.copy()
    terms["sku"] = terms["sku"].astype(str)
    spec = {"lead_time_days": settings.default_lead_time_days, "lead_time_sd_days": 0.0, "lead_time_min_days": np.nan,
            "lead_time_max_days": np.nan, "ordering_cost": 0.0, "transit_days": 0.0}
    if suppliers is not None and len(suppliers):
        sup = suppliers.copy()
        sup["supplier"] = sup["supplier"].astype(str)
        sup = sup[[c for c in ["supplier", *spec] if c in sup.columns]].add_suffix("_supplier")
        terms = terms.merge(sup, left_on="supplier", right_on="supplier_supplier", how="left")
    for column, default in spec.items():
        value = pd.to_numeric(terms[column], errors="coerce") if column in terms.columns else pd.Series(np.nan, index=terms.index)
        if f"{column}_supplier" in terms.columns:
            value = value.fillna(pd.to_numeric(terms[f"{column}_supplier"], errors="coerce"))
        terms[column] = value.fillna(default).astype(float)
    for column, default in (("moq", 1), ("case_pack", 1)):
        value = pd.to_numeric(terms[column], errors="coerce") if column in terms.columns else pd.Series(np.nan, index=terms.index)
        terms[column] = value.fillna(default).clip(lower=1).astype(int)
    for column in ("unit_cost", "price"):
        terms[column] = pd.to_numeric(terms[column], errors="coerce").fillna(0.0).astype(float)
    fulfillment = terms["fulfillment"] if "fulfillment" in terms.columns else pd.Series("own", index=terms.index)
    terms["location"] = fulfillment.fillna("own").astype(str).str.strip().str.lower()
    status = terms["status"] if "status" in terms.columns else pd.Series("active", index=terms.index)
    terms["status"] = status.fillna("active").astype(str).str.lower()
    if "name" not in terms.columns:
        terms["name"] = terms["sku"]
    is_fbt = terms["location"].eq("fbt")
    terms["transit_days"] = terms["transit_days"].where(is_fbt, 0.0)
    terms["receiving_days"] = np.where(is_fbt, float(settings.fbt_receiving_days), 0.0)
    return terms.drop(columns=[c for c in terms.columns if c.endswith("_supplier")]).reset_index(drop=True)


def sample_lead_times(terms: pd.DataFrame, n_paths: int, rng: np.random.Generator) -> np.ndarray:
    """Whole-day supplier lead times per SKU and path (n_sku, n_paths): triangular(min, mean, max) when a
    min/max is given, else normal(mean, sd) rounded, at least 1 day."""
    mean = terms["lead_time_days"].to_numpy(float)[:, None]
    sd = terms["lead_time_sd_days"].to_numpy(float)[:, None]
    shape = (len(terms), n_paths)
    draws = mean + sd * rng.standard_normal(shape)
    has_range, lo, mode, hi = _lead_time_range(terms)
    if has_range.any():
        triangular = _triangular_inverse(rng.random(shape), lo[:, None], mode[:, None], hi[:, None])
        draws = np.where(has_range[:, None], triangular, draws)
    return np.maximum(np.rint(draws), 1).astype(int)


def lead_time_quantile(terms: pd.DataFrame, q: float) -> np.ndarray:
    """Supplier lead time (days) per SKU at quantile ``q`` of the distribution sample_lead_times draws
    from: triangular(min, mean, max) when a min/max is given, else normal(mean, sd).

    >>> terms = pd.DataFrame({"lead_time_days": [14.0, 20.0], "lead_time_sd_days": [2.0, 0.0],
    ...                       "lead_time_min_days": [np.nan, 10.0], "lead_time_max_days": [np.nan, 40.0]})
    >>> lead_time_quantile(terms, 0.9).round(2).tolist()
    [16.56, 32.25]
    """
    mean = terms["lead_time_days"].to_numpy(float)
    normal = mean + terms["lead_time_sd_days"].to_numpy(float) * NormalDist().inv_cdf(q)
    has_range, lo, mode, hi = _lead_time_range(terms)
    return np.where(has_range, _triangular_inverse(np.full(len(terms), q), lo, mode, hi), normal)


def _lead_time_range(terms: pd.DataFrame):
    """Which SKUs give a lead-time min/max, and their (min, mode, max); mode = the mean, inside the range."""
    low = terms["lead_time_min_days"].to_numpy(float)
    high = terms["lead_time_max_days"].to_numpy(float)
    has_range = np.isfinite(low) & np.isfinite(high) & (high > low)
    lo, hi = np.where(has_range, low, 0.0), np.where(has_range, high, 1.0)
    return has_range, lo, np.clip(terms["lead_time_days"].to_numpy(float), lo, hi), hi


def _triangular_inverse(u: np.ndarray, lo: np.ndarray, mode: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Inverse CDF of the triangular distribution (lo, mode, hi) at ``u``."""
    cut = (mode - lo) / (hi - lo)
    return np.where(u < cut, lo + np.sqrt(u * (hi - lo) * (mode - lo)), hi - np.sqrt((1 - u) * (hi - lo) * (hi - mode)))


def campaign_order_by_date(campaign_start, lead_time_days, transit_days=0.0, receiving_days=0.0,
                           receiving_buffer_days=0.0):
    """Last day to order a campaign's stock so it is in place in time (scalars, or arrays per row):

    order_by = start day - ceil(supplier lead time + transit + receiving (FBT) + receiving buffer)

    >>> campaign_order_by_date(pd.Timestamp("2026-12-15 20:00"), 30, 3, 5, 2)
    Timestamp('2026-11-05 00:00:00')
    """
    days = np.ceil(np.asarray(lead_time_days, dtype=float) + np.asarray(transit_days, dtype=float)
                   + np.asarray(receiving_days, dtype=float) + float(receiving_buffer_days))
    if np.ndim(days) == 0 and np.ndim(campaign_start) == 0:
        return pd.Timestamp(campaign_start).normalize() - pd.Timedelta(days=float(days))
    starts = pd.DatetimeIndex(pd.to_datetime(campaign_start)).normalize()
    return pd.Series(starts - pd.to_timedelta(np.broadcast_to(days, (len(starts),)), unit="D"))


def _records(frame: pd.DataFrame) -> list[dict]:
    """``frame.to_dict("records")`` with text columns as Python strings first: boxing Arrow strings one
    cell at a time took seconds at 10,000 SKUs."""
    text = [c for c in frame.columns if pd.api.types.is_string_dtype(frame[c].dtype) and frame[c].dtype != object]
    return frame.astype({c: object for c in text}).to_dict("records") if text else frame.to_dict("records")


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


# ---------------------------------------------------------------------------------------- the plan

def order_up_to_levels(
    lead: np.ndarray, cycle: np.ndarray, targets: np.ndarray, measure: str, slow_units: float,
    lot_sizes: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Order-up-to S, reorder point s and the method per SKU from lead-time (n, paths) and lead-time +
    review demand samples: read off the paths for SKUs selling ``slow_units`` or more over the cycle,
    Poisson / negative binomial fitted to the paths' mean and variance for slow movers.

    ``lot_sizes`` (fill rate only): the units an order overshoots S by, spread evenly (order_lot_sizes);
    S is then set on the average over the positions S .. S + Q - 1 (policy.empirical_fill_rate_levels),
    at least 1 where there is demand, since an order is placed only when the position is below S."""
    n = lead.shape[0]
    level, reorder = np.zeros(n), np.zeros(n)
    method = np.full(n, "sample paths", dtype=object)
    review = np.maximum(cycle.mean(1) - lead.mean(1), 1e-9)
    slow = cycle.mean(1) < slow_units
    fast = ~slow
    if fast.any() and measure != "cycle":
        level[fast] = policy.empirical_fill_rate_levels(lead[fast], targets[fast], review[fast], cycle[fast],
                                                        None if lot_sizes is None else lot_sizes[fast])
        reorder[fast] = policy.empirical_fill_rate_levels(lead[fast], targets[fast], review[fast])
    lead_mean, lead_var, cycle_mean, cycle_var = lead.mean(1), lead.var(1), cycle.mean(1), cycle.var(1)
    method[slow] = np.where(cycle_var[slow] > cycle_mean[slow] * 1.05, "negative binomial", "Poisson")
    if measure == "cycle":
        level = cycle_service_levels(np.sort(cycle, axis=1), cycle_mean, cycle_var, targets, slow)
        reorder = cycle_service_levels(np.sort(lead, axis=1), lead_mean, lead_var, targets, slow)
    elif slow.any():
        level[slow], reorder[slow] = discrete_fill_rate_levels(
            targets[slow], lead_mean[slow], lead_var[slow], cycle_mean[slow], cycle_var[slow],
            None if lot_sizes is None else lot_sizes[slow])
    if lot_sizes is not None and measure != "cycle":
        level = np.where((cycle_mean > 0) & (lot_sizes > 1), np.maximum(level, 1), level)
        # a lot lowers S below the lot-blind reorder point: an order from a position above S would be
        # for nothing, so the reorder point is at most S
        reorder = np.minimum(reorder, level)
    return level, reorder, method


def discrete_reorder_points(mean: np.ndarray, variance: np.ndarray, service: np.ndarray) -> np.ndarray:
    """Row-wise policy.negative_binomial_reorder_point (Poisson where the variance is at most the mean; 0
    without demand), with the same results, in one scipy call per family.

    >>> discrete_reorder_points(np.array([3.0, 3.0, 0.0]), np.array([9.0, 3.0, 0.0]), np.array([0.95, 0.95, 0.95])).tolist()
    [9.0, 6.0, 0.0]
    """
    from scipy import stats

    mean, variance = np.asarray(mean, dtype=float), np.asarray(variance, dtype=float)
    service = np.broadcast_to(np.asarray(service, dtype=float), mean.shape)
    policy._check_probabilities(service, "service_level")
    out = np.zeros(mean.shape)
    poisson = (mean > 0) & (variance <= mean)
    negative = (mean > 0) & ~poisson
    if poisson.any():
        out[poisson] = stats.poisson.ppf(service[poisson], mean[poisson])
    if negative.any():
        p = mean[negative] / variance[negative]
        out[negative] = stats.nbinom.ppf(service[negative], mean[negative] * p / (1 - p), p)
    return out


def cycle_service_levels(ordered: np.ndarray, mean: np.ndarray, variance: np.ndarray, service: np.ndarray,
                         slow: np.ndarray) -> np.ndarray:
    """Smallest whole S with P(D <= S) >= ``service`` per row: read off the samples (``ordered``, each row
    sorted; policy.empirical_reorder_points), or for ``slow`` rows the Poisson / negative binomial
    quantile on the samples' ``mean`` and ``variance`` (discrete_reorder_points)."""
    level = np.zeros(len(ordered))
    fast = ~slow
    if fast.any():
        level[fast] = np.ceil(policy.empirical_reorder_points(ordered[fast], service[fast], presorted=True))
    if slow.any():
        level[slow] = discrete_reorder_points(mean[slow], variance[slow], service[slow])
    return level


@dataclass
class AllocatedLevels:
    """allocated_levels' result per SKU: S, s and the method as order_up_to_levels gives them, the cycle
    service each SKU was planned at and its expected fill rate there."""

    level: np.ndarray
    reorder: np.ndarray
    method: np.ndarray
    service: np.ndarray
    fill_rate: np.ndarray


def allocated_levels(
    lead: np.ndarray, cycle: np.ndarray, targets: np.ndarray, unit_values: np.ndarray, slow_units: float,
    lot_sizes: np.ndarray | None = None, groups: np.ndarray | None = None, floor: float | np.ndarray = 0.5,
) -> AllocatedLevels:
    """Fill-rate targets kept over the units of each group of SKUs (default: the SKUs sharing a target),
    at the least stock value (planner.allocation): each SKU is planned at the cycle service
    1 - value / lambda, its level read as order_up_to_levels reads a cycle-service level (sample paths,
    or negative binomial / Poisson for slow movers); the group's expected fill rate comes from the
    samples, averaged over the positions a lot of ``lot_sizes`` leaves (policy.cycle_shortage).

    lead, cycle : (n, paths) demand samples over lead time and lead time + review.
    unit_values : (n,) value of a unit held (allocation.value_weights).
    floor : no SKU is planned below this cycle service (one for all, or per SKU).
    """
    service, level, fill = _allocate(lead, cycle, targets, unit_values, slow_units, lot_sizes, groups, floor)
    _, reorder, method = order_up_to_levels(lead, cycle, service, "cycle", slow_units)
    return AllocatedLevels(level, np.minimum(reorder, level), method, service, fill)


def _allocate(lead, cycle, targets, unit_values, slow_units, lot_sizes, groups, floor):
    """allocated_levels' cycle service, order-up-to level and expected fill rate per SKU (no reorder
    points: the service grid of the backtest needs only the levels). The samples are sorted once per
    group; each step of the bisection reads its levels off them."""
    n = lead.shape[0]
    targets = np.broadcast_to(np.asarray(targets, dtype=float), (n,))
    codes = pd.DataFrame({"group": 0 if groups is None else np.asarray(groups), "target": targets}).groupby(
        ["group", "target"], sort=False).ngroup().to_numpy()
    values = np.asarray(unit_values, dtype=float)
    review = np.maximum(cycle.mean(1) - lead.mean(1), 0.0)
    lots = None if lot_sizes is None else np.maximum(np.asarray(lot_sizes, dtype=float), 1.0)
    service, level, fill = np.zeros(n), np.zeros(n), np.ones(n)
    floors = np.broadcast_to(np.asarray(floor, dtype=float), (n,))
    for code in np.unique(codes):
        rows = np.flatnonzero(codes == code)
        mine_lots = None if lots is None else lots[rows]
        mine_lead, mine_cycle = lead[rows], cycle[rows]
        ordered, mean, variance = np.sort(mine_cycle, axis=1), mine_cycle.mean(1), mine_cycle.var(1)
        slow = mean < slow_units
        # an order is placed only below S: with lots, S is at least 1
        at_least_one = (mean > 0) & (mine_lots > 1) if mine_lots is not None else np.zeros(len(rows), dtype=bool)

        def levels_at(p, ordered=ordered, mean=mean, variance=variance, slow=slow, at_least_one=at_least_one):
            at = cycle_service_levels(ordered, mean, variance, p, slow)
            return np.where(at_least_one, np.maximum(at, 1), at)

        def shortage_at(s, mine_lead=mine_lead, mine_cycle=mine_cycle, mine_lots=mine_lots):
            return expected_cycle_shortage(mine_lead, mine_cycle, s, mine_lots)

        allocation = allocate_fill_rate(levels_at, shortage_at, review[rows], values[rows], float(targets[rows[0]]),
                                        floor=floors[rows])
        service[rows], level[rows] = allocation.service, allocation.levels
        fill[rows] = np.where(review[rows] > 0, 1 - allocation.shortage / np.maximum(review[rows], 1e-12), 1.0)
    return service, level, fill


#: a campaign floor reaches over the days an order covers with the supplier's lead time at this
#: quantile: a campaign the order reaches only when the supplier is late is still one it must cover
#: (the order before it was planned on the days up to its own mean arrival)
CAMPAIGN_REACH_QUANTILE = 0.9


def fixed_days(terms: pd.DataFrame) -> np.ndarray:
    """Whole days of transit and (FBT) receiving after the supplier's lead time, per SKU (supply_terms)."""
    return (terms["transit_days"] + terms["receiving_days"]).round().astype(int).to_numpy()


def campaign_reach_days(terms: pd.DataFrame, review_days: int) -> np.ndarray:
    """Days from an order to the end of the window a campaign floor looks at, per SKU: the supplier lead
    time at CAMPAIGN_REACH_QUANTILE (rounded up) + transit and receiving (fixed_days) + the review."""
    lead = lead_time_quantile(terms, CAMPAIGN_REACH_QUANTILE)
    return np.ceil(np.maximum(lead, 1.0)).astype(int) + fixed_days(terms) + int(review_days)


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


def expected_cycle_shortage(lead: np.ndarray, cycle: np.ndarray, levels: np.ndarray,
                            lot_sizes: np.ndarray | None = None) -> np.ndarray:
    """Expected units short per review cycle at order-up-to ``levels`` on demand samples (n, paths):
    E[(D_{L+R} - S)^+ - (D_L - S)^+] (the (R, S) backorder approximation), averaged over the positions
    S .. S + Q - 1 when orders come in lots of Q.

    >>> expected_cycle_shortage(np.array([[1.0, 3.0]]), np.array([[4.0, 8.0]]), np.array([5.0])).tolist()   # (0 + 3) / 2
    [1.5]
    """
    q = None if lot_sizes is None else np.maximum(np.asarray(lot_sizes, dtype=float), 1.0)[:, None]
    return policy.cycle_shortage(lead, cycle, np.asarray(levels, dtype=float)[:, None], q).mean(1)


def levels_at_targets(lead: np.ndarray, cycle: np.ndarray, grid, measure: str, slow_units: float,
                      lot_sizes: np.ndarray | None = None, unit_values: np.ndarray | None = None,
                      groups: np.ndarray | None = None, floor: float | np.ndarray = 0.5) -> np.ndarray:
    """S per SKU at each target of ``grid`` (every SKU at the same target): (n, len(grid)); with
    ``unit_values`` (fill rate), the target is kept over each group's units (allocated_levels), else
    every SKU meets it on its own (order_up_to_levels)."""
    n = lead.shape[0]
    if unit_values is not None and measure == "fill_rate":
        return np.column_stack([_allocate(lead, cycle, np.full(n, g), unit_values, slow_units, lot_sizes, groups, floor)[1]
                                for g in grid])
    return np.column_stack([order_up_to_levels(lead, cycle, np.full(n, g), measure, slow_units, lot_sizes)[0]
                            for g in grid])


def order_lot_sizes(moq: np.ndarray, case_pack: np.ndarray, review_demand: np.ndarray) -> np.ndarray:
    """How far past S an order lifts the position, as a lot Q spread evenly over S .. S + Q - 1.

    An order is the need S - position rounded up to whole cases and to at least the MOQ. Where a
    review sells more than the MOQ the need decides, and the position lands within a case of S: Q is the
    case pack. Where the MOQ is more than a review sells, the position after a review falls by each
    review's demand and is lifted by the MOQ once below S: the (R, s, Q) process, whose position is
    uniform on S .. S + Q - 1 with Q the MOQ (in cases) (Hadley & Whitin, *Analysis of Inventory
    Systems*, 1963, ch. 4; Silver, Pyke & Thomas 2017, Section 7.2). Between the two (an MOQ near a
    review's demand) some reviews are lifted to S by the need: Q = MOQ x clip(1.4 (MOQ / demand - 0.5),
    0, 1), fitted to a simulation of that process with Poisson demand (0.65-0.7 x MOQ at one review's
    demand, the MOQ from 1.3 reviews' on; tests/test_plan.py). (It was the MOQ less a review's demand,
    as if the position were always a whole review below S: half the MOQ at two reviews' demand.)

    >>> order_lot_sizes(np.array([1, 100, 24]), np.array([1, 12, 6]), np.array([10.0, 10.0, 30.0])).tolist()
    [1.0, 108.0, 10.0]
    """
    moq, case_pack = np.asarray(moq, dtype=float), np.maximum(np.asarray(case_pack, dtype=float), 1.0)
    demand = np.maximum(np.asarray(review_demand, dtype=float), 1e-9)
    in_cases = np.ceil(moq / case_pack) * case_pack
    share = np.clip(1.4 * (moq / demand - 0.5), 0.0, 1.0)
    return np.maximum(case_pack, np.floor(in_cases * share)).clip(min=1.0)


def discrete_fill_rate_levels(
    targets: np.ndarray, lead_mean: np.ndarray, lead_variance: np.ndarray, cycle_mean: np.ndarray,
    cycle_variance: np.ndarray, lot_sizes: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise policy.discrete_periodic_fill_rate_level (order-up-to S) and
    policy.discrete_fill_rate_reorder_point (reorder point s, Q = the mean review-period demand; 0
    without lead-time demand), for many SKUs at once and with the same results.

    Same loss functions n(s) = mean - s + sum_{d<s} F(d) [FoSCT Appendix C], evaluated for every SKU
    on one common range of levels: one scipy cdf call per family instead of several per SKU (a loss
    value at s does not depend on the range, so the first level meeting the target is the same). A
    SKU whose first qualifying level lies beyond the range falls back to the one-SKU function.
    ``lot_sizes``: the order-up-to shortage is averaged over S .. S + Q - 1 (order_up_to_levels)."""
    targets, lead_mean, lead_variance, cycle_mean, cycle_variance = (
        np.asarray(a, dtype=float) for a in (targets, lead_mean, lead_variance, cycle_mean, cycle_variance))
    k = len(targets)
    levels, reorders = np.zeros(k, dtype=int), np.zeros(k, dtype=int)
    review = cycle_mean - lead_mean
    # order-up-to: expected shortage per cycle n_{L+R}(S) - n_L(S) <= (1 - P2) x review-period demand
    rows = np.flatnonzero((cycle_mean > 0) & (review > 0))
    if rows.size:
        span = _search_span(cycle_mean[rows], cycle_variance[rows])
        lots = np.ones(rows.size, dtype=int) if lot_sizes is None else np.maximum(np.asarray(lot_sizes)[rows], 1).astype(int)
        extra = int(lots.max()) - 1
        shortage = _loss_curves(cycle_mean[rows], cycle_variance[rows], span + extra)
        with_lead = lead_mean[rows] > 0
        if with_lead.any():
            shortage[with_lead] -= _loss_curves(lead_mean[rows][with_lead], lead_variance[rows][with_lead], span + extra)
        if extra:  # mean over the levels S .. S + Q - 1 of each row
            running = np.concatenate([np.zeros((rows.size, 1)), np.cumsum(shortage, axis=1)], axis=1)
            steps = np.arange(span)[None, :]
            shortage = (np.take_along_axis(running, steps + lots[:, None], axis=1) - running[:, :span]) / lots[:, None]
        levels[rows] = _first_levels(shortage, (1 - targets[rows]) * review[rows])
        for j in rows[levels[rows] < 0]:
            levels[j] = policy.discrete_periodic_fill_rate_level(targets[j], lead_mean[j], lead_variance[j],
                                                                 cycle_mean[j], cycle_variance[j])
    # reorder point: n_L(s) - n_L(s + Q) <= (1 - P2) Q
    quantity = np.maximum(review, 1e-9)
    rows = np.flatnonzero(lead_mean > 0)
    if rows.size:
        span = _search_span(lead_mean[rows], lead_variance[rows])
        q = np.ceil(quantity[rows]).astype(int)
        loss = _loss_curves(lead_mean[rows], lead_variance[rows], span + int(q.max()))
        steps = np.arange(span)[None, :]
        shortage = loss[:, :span] - np.take_along_axis(loss, steps + q[:, None], axis=1)
        reorders[rows] = _first_levels(shortage, (1 - targets[rows]) * quantity[rows])
        for j in rows[reorders[rows] < 0]:
            reorders[j] = policy.discrete_fill_rate_reorder_point(targets[j], quantity[j], lead_mean[j], lead_variance[j])
    return levels, reorders


def _search_span(mean: np.ndarray, variance: np.ndarray) -> int:
    """Levels 0 .. span - 1 searched for every SKU at once: the widest first range of policy._first_level
    over SKUs, capped so that one lumpy SKU does not blow up the matrix (it falls back instead)."""
    spans = (mean + 6 * np.sqrt(np.maximum(variance, mean)) + 16).astype(int)
    return int(min(spans.max(), max(int(np.quantile(spans, 0.99)), 64)))


def _loss_curves(mean: np.ndarray, variance: np.ndarray, levels: int) -> np.ndarray:
    """Row-wise policy._loss_curve: n(s) = E[(D - s)^+] for s = 0 .. levels - 1 (Poisson where the
    variance is at most the mean, else negative binomial)."""
    from scipy import stats

    d = np.arange(max(levels - 1, 0))[None, :]
    cdf = np.empty((len(mean), d.shape[1]))
    poisson = variance <= mean
    if poisson.any():
        cdf[poisson] = stats.poisson.cdf(d, mean[poisson, None])
    if (~poisson).any():
        p = mean[~poisson] / variance[~poisson]
        cdf[~poisson] = stats.nbinom.cdf(d, (mean[~poisson] * p / (1 - p))[:, None], p[:, None])
    cumulative = np.concatenate([np.zeros((len(mean), 1)), np.cumsum(cdf, axis=1)], axis=1)
    return mean[:, None] - np.arange(levels)[None, :] + cumulative


def _first_levels(shortage: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """Per row, the first level whose shortage is at most ``allowed`` (-1: none in the range)."""
    hits = shortage <= allowed[:, None] + 1e-12
    return np.where(hits.any(axis=1), hits.argmax(axis=1), -1)


def unit_words(units: float, signed: bool = False) -> str:
    """Units as an order reason shows them: whole above 10, one decimal below it (a slow SKU's 12.12 adds
    0.3 units, not "+0"), and "1 unit", not "1 units".

    >>> unit_words(12.4), unit_words(1.0), unit_words(0.34, signed=True), unit_words(25.2, signed=True)
    ('12 units', '1 unit', '+0.3 units', '+25 units')
    """
    text = f"{units:{'+' if signed else ''}.{0 if abs(units) >= 9.95 else 1}f}"
    whole = text.lstrip("+-").removesuffix(".0")
    text = text[:len(text) - len(text.lstrip("+-"))] + whole
    return f"{text} {'unit' if whole == '1' else 'units'}"


def _service_words(target: float, measure: str, cls: str) -> str:
    kind = "fill rate" if measure == "fill_rate" else "cycle service"
    return f"{target:.0%} {kind} (class {cls})"


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
    calibration: Calibration | None = None,
) -> Plan:
    """Plan safety stock, reorder points, orders, transfers and alerts for every active product.

    ``campaigns`` is the expanded calendar (one row per campaign and SKU, with its ``location`` when the
    stock must be somewhere else than where the SKU sells), as planner.io.inputs.expand_campaigns and
    planner.pipeline.campaign_rows make it.
    ``positions`` is planner.positions.inventory_positions(...); ``inventory`` (optional) adds in-transit
    receipts to the projection; ``history`` (optional, sku/date/units) drives the no-sale alert;
    ``calibration`` (optional, planner.calibration) replaces the paths' demand noise over lead time +
    review by the forecast's past errors (level factor per SKU, ratio pool per volume band): the
    safety stock then rests on what the forecast got wrong before, and ``plan.csv`` says so per SKU.

    ``today`` is the planning day (the inventory snapshot's date; default: the day the paths start). The
    snapshot is taken at the start of that day, so today's demand is still served from today's stock:
    day 0 of every projection, lead-time window and stockout date is today. Paths that start on
    ``today`` (the app's case) are read as they are; paths that start later say nothing about the days
    before, which are taken to sell like the paths' first day; days of paths before today are dropped.
    """
    settings = settings or PlanSettings()
    start = pd.Timestamp(paths.start).normalize()
    today = pd.Timestamp(today).normalize() if today is not None else start
    terms = supply_terms(products, suppliers, settings)
    bundle_skus = set() if bundles is None or len(bundles) == 0 else set(bundles["bundle_sku"].astype(str))
    terms = terms[terms["status"].ne("discontinued") & ~terms["sku"].isin(bundle_skus)].reset_index(drop=True)
    skus = terms["sku"].tolist()
    n = len(skus)
    R = int(settings.review_period_days)
    today_index = (today - start).days
    n_paths, horizon = paths.n_paths, plan_days(paths, today_index)
    rng = np.random.default_rng(settings.seed)

    # --- positions at the selling location and upstream (everything else: own warehouse, 3PL)
    pos = positions.copy()
    pos["sku"] = pos["sku"].astype(str)
    pos = pos.merge(terms[["sku", "location"]].rename(columns={"location": "selling"}), on="sku", how="inner")
    at_selling = pos[pos["location"] == pos["selling"]].set_index("sku")
    upstream = pos[pos["location"] != pos["selling"]].groupby("sku")[["available", "position"]].sum()
    selling_position = at_selling["position"].reindex(skus).fillna(0.0).to_numpy()
    selling_available = at_selling["available"].reindex(skus).fillna(0.0).to_numpy()
    upstream_available = upstream["available"].reindex(skus).fillna(0.0).clip(lower=0).to_numpy()
    upstream_position = upstream["position"].reindex(skus).fillna(0.0).to_numpy()

    # --- sampled lead times per path
    fixed = fixed_days(terms)
    supplier_lead = sample_lead_times(terms, n_paths, rng)
    lead_days = np.minimum(supplier_lead + fixed[:, None], horizon)
    cycle_days = np.minimum(lead_days + R, horizon)
    mean_lead = terms["lead_time_days"].to_numpy() + fixed

    # --- campaigns
    camp = _campaign_rows(campaigns)
    camp = camp[camp["sku"].isin(skus) & (camp["end"] >= today)].copy()
    sku_index = {s: i for i, s in enumerate(skus)}
    camp["i"] = camp["sku"].map(sku_index)
    camp["start_day"] = (camp["start"].dt.normalize() - today).dt.days.clip(lower=0)
    camp["end_day"] = (campaign_last_day(camp["start"], camp["end"]) - today).dt.days.clip(lower=0)  # inclusive
    camp = camp[camp["start_day"] < horizon].reset_index(drop=True)  # later ones are beyond every window
    at = camp["i"].to_numpy(int)
    camp["order_by"] = campaign_order_by_date(
        camp["start"], terms["lead_time_days"].to_numpy()[at], terms["transit_days"].to_numpy()[at],
        terms["receiving_days"].to_numpy()[at], settings.receiving_buffer_days).to_numpy()
    window_end = np.ceil(lead_days.mean(axis=1)).astype(int) + R  # the regular order's window, per SKU
    reach_end = np.maximum(campaign_reach_days(terms, R), window_end)  # the days it may cover

    # --- own warehouse -> FBT: stock free upstream (now, or when a PO or transit lands there) moves on to
    # FBT, enough for the transit + FBT receiving days and the review period after it is shipped
    sched = _scheduled(inventory, purchase_orders, today, settings)
    ship_day, upstream_by_ship, upstream_source = _upstream_supply(sched, terms, upstream_available, today, horizon)
    shipping = np.flatnonzero(ship_day >= 0)

    # --- demand read off the paths a block of SKUs at a time; what is decided across SKUs comes after
    demand = read_demand(paths, bundles, skus, today_index, lead_days, cycle_days,
                         _windows_wanted(camp, shipping, ship_day, fixed, window_end, today, R, horizon),
                         settings.block_skus)
    daily_mean, lead_demand, cycle_demand = demand.daily_mean, demand.lead, demand.cycle
    # expected units on days 0 .. d-1 (the mean over paths of their running totals)
    running = np.concatenate([np.zeros((n, 1)), np.cumsum(daily_mean, axis=1, dtype=float)], axis=1)
    calibration_words = np.full(n, "", dtype=object)
    if calibration is not None and calibration.windows:
        rows = np.arange(n)[:, None]
        lead_demand, cycle_demand = calibrated_demand(calibration, skus, running[rows, lead_days],
                                                      running[rows, cycle_days], seed=settings.seed)
        calibration_words = calibration_notes(calibration, skus, running[rows, cycle_days].mean(axis=1))

    # --- classes and targets
    revenue = pd.Series(daily_mean.sum(axis=1) * terms["price"].to_numpy(), index=skus)
    classes = classify_abc(revenue)
    targets = np.array([settings.class_service_levels.get(c, settings.service_level) for c in classes])

    baseline = _baseline_daily(daily_mean, camp, horizon)
    # expected units beyond the SKU's campaign-free baseline over the campaign's days
    start_day, end_day = camp["start_day"].to_numpy(int), camp["end_day"].to_numpy(int)
    camp["uplift"] = (running[at, np.minimum(end_day + 1, horizon)] - running[at, start_day]
                      - baseline[at] * (end_day - start_day + 1))

    campaigns_of: dict[int, list[dict]] = {}
    for record in _records(camp):
        campaigns_of.setdefault(record["i"], []).append(record)
    term_rows = _records(terms)
    lots = order_lot_sizes(terms["moq"].to_numpy(), terms["case_pack"].to_numpy(),
                           cycle_demand.mean(axis=1) - lead_demand.mean(axis=1))
    planned = targets
    if calibration is not None and settings.service_measure == "fill_rate":
        planned = calibration.planned_targets(targets)  # what past windows needed to be served the promise
    sku_service = sku_fill = np.full(n, np.nan)
    unit_values = value_weights(terms["unit_cost"].to_numpy(), terms["price"].to_numpy())
    # a SKU featured in a campaign on a day this order may cover is held at campaign_service at least
    featured = np.zeros(n, dtype=bool)
    featured[at[camp["start_day"].to_numpy(int) < reach_end[at]]] = True
    floors = campaign_floors(featured, settings.min_sku_service, settings.campaign_service)
    if settings.service_measure == "fill_rate" and settings.fill_rate_scope == "class":
        # the class's fill rate over its units at the least stock value (planner.allocation)
        spread = allocated_levels(lead_demand, cycle_demand, planned, unit_values,
                                  settings.slow_mover_units, lots, groups=classes.to_numpy(), floor=floors)
        levels, reorders, methods = spread.level, spread.reorder, spread.method
        sku_service, sku_fill = spread.service, spread.fill_rate
    else:
        levels, reorders, methods = order_up_to_levels(lead_demand, cycle_demand, planned, settings.service_measure,
                                                       settings.slow_mover_units, lots)
    transfer_levels, fbt_at_ship = np.zeros(n), selling_position.astype(float).copy()
    if shipping.size:
        d = ship_day[shipping]
        end = np.minimum(d + fixed[shipping] + R, horizon)
        transfer_levels[shipping] = np.ceil(policy.empirical_reorder_points(
            np.stack([demand.window(i, a, b) for i, a, b in zip(shipping, d, end)]), targets[shipping]))
        # what FBT still holds then: its position less the expected sales (lost sales: at most its stock)
        sold = np.minimum(np.stack([demand.window(i, 0, a) for i, a in zip(shipping, d)]).mean(axis=1),
                          np.maximum(selling_available[shipping], 0))
        fbt_at_ship[shipping] = selling_position[shipping] - sold
    class_array = classes.to_numpy()
    mean_cycles = cycle_demand.mean(axis=1)
    mean_daily = daily_mean.mean(axis=1)
    plan_rows, order_rows, transfer_rows = [], [], []
    for i, sku in enumerate(skus):
        t = term_rows[i]
        mine = campaigns_of.get(i, [])
        target, cls = float(targets[i]), class_array[i]
        level, reorder, method = float(levels[i]), float(reorders[i]), methods[i]
        mean_cycle = float(mean_cycles[i])
        network = selling_position[i] + upstream_position[i]
        inside = [r for r in mine if r["start_day"] < window_end[i]]  # campaigns on days this order covers
        reasons_campaign = [f"{r['campaign_id']} {str(r['type']).replace('_', ' ')} {unit_words(r['uplift'], signed=True)}"
                            for r in inside]

        # campaigns beyond the window whose order-by date comes before the next review
        campaign_level, campaign_note, campaign_order_by = level, "", today
        for r in mine:
            if r["start_day"] < window_end[i]:
                continue
            order_by = r["order_by"]
            if order_by < today + pd.Timedelta(days=R) and r["end_day"] < horizon:
                need = math.ceil(policy.empirical_reorder_point(demand.window(i, 0, r["end_day"] + 1), target))
                if need > campaign_level:
                    campaign_level, campaign_order_by = need, max(order_by, today)
                    campaign_note = (f"; pre-build for {r['campaign_id']} ({str(r['type']).replace('_', ' ')} "
                                     f"{r['start']:%Y-%m-%d}, {unit_words(r['uplift'], signed=True)}) order by {order_by:%Y-%m-%d}")
        target_level = max(level, campaign_level)

        # transfers own -> FBT for what the selling location needs before a supplier order could land
        transfer = 0.0
        if ship_day[i] >= 0:
            transfer_level = int(transfer_levels[i])
            transfer_level = max(transfer_level, _campaign_stock_before(mine, i, demand, target,
                                                                        int(ship_day[i]), fixed[i], horizon))
            want = transfer_level - fbt_at_ship[i]
            if want > 0:
                cases = math.ceil(want / t["case_pack"]) * t["case_pack"]
                transfer = float(min(cases, upstream_by_ship[i]))
        need = target_level - network
        # a regular line is due now (position at or below the reorder point, or below the order-up-to);
        # a line only a campaign pre-build asks for can wait until that campaign's order-by date
        pre_build_only = campaign_level > level and network > reorder and network >= level
        order_by = campaign_order_by if pre_build_only else today
        eoq = None
        annual = float(mean_daily[i]) * 365
        if settings.use_eoq and t["unit_cost"] > 0 and annual > 0:
            eoq = policy.economic_order_quantity(t["ordering_cost"], annual, settings.holding_cost_rate * t["unit_cost"])
        cap = None
        if settings.max_cover_days is not None:
            cap = settings.max_cover_days * float(mean_daily[i]) - network
        quantity = policy.round_order_quantity(need, int(t["moq"]), int(t["case_pack"]), eoq, cap)
        safety = level - mean_cycle
        service = _service_words(target, settings.service_measure, cls)
        if planned[i] != target:
            service += (f", planned at {planned[i]:.1%}: levels for {target:.0%} served "
                        f"{calibration.achieved_at(target):.1%} of the last backtest's lead-time windows")
            if calibration.achieved_at(planned[i]) < target - 0.005:
                service += f" and levels for {planned[i]:.1%} only {calibration.achieved_at(planned[i]):.1%}"
        if np.isfinite(sku_service[i]):
            service += (f"; kept over class {cls}'s units at the least stock value, so this SKU (unit value "
                        f"{unit_values[i]:,.2f}) is planned at {sku_service[i]:.1%} "
                        f"cycle service, expected fill {sku_fill[i]:.1%}")
            if floors[i] > settings.min_sku_service and sku_service[i] <= floors[i] + 1e-9:
                covered = sorted({str(r["campaign_id"]) for r in mine if r["start_day"] < reach_end[i]})
                service += (f" (at least {floors[i]:.0%}: the days this order may cover, with the supplier's lead "
                            f"time up to {reach_end[i] - R - fixed[i]} days, include {', '.join(covered)})")
        plan_rows.append({
            "sku": sku, "location": t["location"], "supplier": t["supplier"], "class": cls, "service_target": target,
            "service_measure": settings.service_measure, "planned_target": round(float(planned[i]), 4), "method": method,
            "lead_time_days": float(mean_lead[i]), "review_period_days": R,
            "forecast_lead_review": round(mean_cycle, 1), "safety_stock": round(safety, 1) + 0.0,  # no "-0"
            "reorder_point": reorder, "order_up_to": target_level, "position": selling_position[i],
            "upstream_position": upstream_position[i], "transfer_in": transfer, "order_quantity": quantity,
            "demand_calibration": calibration_words[i],
            "cycle_service": round(float(sku_service[i]), 4), "expected_fill_rate": round(float(sku_fill[i]), 4),
        })
        if transfer > 0:
            ship_by = today + pd.Timedelta(days=int(ship_day[i]))
            when = "" if ship_day[i] == 0 else f" on {ship_by:%Y-%m-%d}"
            transfer_rows.append({
                "sku": sku, "from_location": "own", "to_location": "fbt", "quantity": transfer,
                "ship_by": ship_by, "expected_receipt": ship_by + pd.Timedelta(days=int(fixed[i])),
                "reason": (f"FBT position {fbt_at_ship[i]:.0f}{when} below {transfer_level} needed over "
                           f"{int(fixed[i])} days transit+receiving + {R}-day review; own warehouse has "
                           f"{upstream_by_ship[i]:.0f}{when}{upstream_source[i]}"),
                "priority": float(t["price"] - t["unit_cost"]) * _expected_short(cycle_demand[i], selling_position[i], transfer),
            })
        if quantity > 0:
            incl = f" (incl. {', '.join(reasons_campaign)})" if reasons_campaign else ""
            lead_words = (f"{t['lead_time_days']:.0f}-day lead time" +
                          (f" + {fixed[i]} days transit/FBT receiving" if fixed[i] else ""))
            cases = quantity // int(t["case_pack"])
            reason = (f"forecast {unit_words(mean_cycle)} over {lead_words} + {R}-day review{incl}, "
                      f"safety stock {max(safety, 0):.0f} for {service}, position {network:.0f} -> order "
                      f"{quantity} = {cases} {'case' if cases == 1 else 'cases'} of {int(t['case_pack'])}{campaign_note}")
            if quantity > math.ceil(max(need, 0)) and int(t["moq"]) > need:
                reason += f" (MOQ {int(t['moq'])})"
            margin = float(t["price"] - t["unit_cost"])
            order_rows.append({
                "supplier": t["supplier"], "sku": sku, "name": t["name"],
                "location": "own" if t["location"] == "fbt" else t["location"],
                "quantity": quantity, "case_pack": int(t["case_pack"]), "cases": cases,
                "unit_cost": float(t["unit_cost"]), "value": quantity * float(t["unit_cost"]),
                "order_by": order_by, "expected_arrival": order_by + pd.Timedelta(days=int(round(t["lead_time_days"]))),
                "lost_margin_avoided": margin * _expected_short(cycle_demand[i], network, quantity),
                "reason": reason,
            })

    plan = pd.DataFrame(plan_rows)
    orders = pd.DataFrame(order_rows, columns=_ORDER_COLUMNS)
    transfers = pd.DataFrame(transfer_rows, columns=_TRANSFER_COLUMNS)
    alerts: list[dict] = []
    orders, cut = _apply_budget(orders, terms, settings.budget_cap)
    alerts.extend(cut)
    transfers, capped = _apply_inbound_capacity(transfers, settings.fbt_inbound_capacity)
    alerts.extend(capped)
    plan["order_quantity"] = plan["sku"].map(orders.groupby("sku")["quantity"].sum()).fillna(0).astype(int)
    plan["transfer_in"] = plan["sku"].map(transfers.groupby("sku")["quantity"].sum()).fillna(0.0)

    projected, no_action, with_plan = _project(today, skus, terms, daily_mean, selling_available, sched, orders,
                                                       transfers, fixed)
    out = (no_action <= 0) & (daily_mean > 0)
    first_out = np.where(out.any(axis=1), out.argmax(axis=1), -1)
    dates = pd.date_range(today, periods=horizon, freq="D")
    plan["stockout_date"] = pd.Series(np.where(first_out >= 0, dates.values[first_out.clip(0)], np.datetime64("NaT")),
                                      index=plan.index).astype("datetime64[ns]")
    # days of cover to a tenth of a day: what a planner reads (plan.csv and the report show this figure)
    plan["cover_days"] = ((selling_position + upstream_position) / np.maximum(daily_mean.mean(axis=1), 1e-9)).round(1)
    shipped_today = transfers.loc[transfers["ship_by"] == today].groupby("sku")["quantity"].sum()
    still_upstream = np.maximum(upstream_available - plan["sku"].map(shipped_today).fillna(0.0).to_numpy(), 0.0)
    alerts.extend(_alerts(today, plan, terms, camp, demand, daily_mean, baseline, targets, with_plan, fixed,
                          selling_available, still_upstream, history, settings))
    alerts_frame = pd.DataFrame(alerts, columns=["sku", "location", "kind", "date", "message"])
    orders = orders.sort_values(["supplier", "sku"]).reset_index(drop=True)
    return Plan(plan=plan, orders=orders, transfers=transfers.drop(columns="priority").reset_index(drop=True),
                alerts=alerts_frame, projected=projected)


_ORDER_COLUMNS = ["supplier", "sku", "name", "location", "quantity", "case_pack", "cases", "unit_cost", "value",
                  "order_by", "expected_arrival", "lost_margin_avoided", "reason"]
_TRANSFER_COLUMNS = ["sku", "from_location", "to_location", "quantity", "ship_by", "expected_receipt", "reason",
                     "priority"]


def _expected_short(samples: np.ndarray, position: float, quantity: float) -> float:
    """Expected units short over the cycle avoided by adding ``quantity`` to ``position``."""
    return float(np.maximum(samples - position, 0).mean() - np.maximum(samples - position - quantity, 0).mean())


def _baseline_daily(daily_mean: np.ndarray, camp: pd.DataFrame, horizon: int) -> np.ndarray:
    """Mean daily demand on days without a campaign for the SKU (all days if every day has one)."""
    # +1 where a campaign starts, -1 the day after it ends: a running sum > 0 is a campaign day
    edges = np.zeros((daily_mean.shape[0], horizon + 1), dtype=int)
    at = camp["i"].to_numpy(int)
    np.add.at(edges, (at, np.minimum(camp["start_day"].to_numpy(int), horizon)), 1)
    np.add.at(edges, (at, np.minimum(camp["end_day"].to_numpy(int) + 1, horizon)), -1)
    mask = np.cumsum(edges, axis=1)[:, :horizon] <= 0
    counts = mask.sum(axis=1)
    sums = np.where(mask, daily_mean, 0).sum(axis=1)
    return np.where(counts > 0, sums / np.maximum(counts, 1), daily_mean.mean(axis=1))


def _windows_wanted(camp: pd.DataFrame, shipping: np.ndarray, ship_day: np.ndarray, fixed: np.ndarray,
                    window_end: np.ndarray, today: pd.Timestamp, review_days: int,
                    horizon: int) -> list[tuple[int, int, int]]:
    """The day windows (SKU, first day, end day) whose demand make_plan reads besides lead time and
    cycle: a transfer's (ship day to ship day + transit + review; today to the ship day), a campaign
    pre-build's (today to the campaign's end), the campaign stock a transfer must bring (ship day to the
    campaign's end) and a campaign whose order-by date has passed (its own days)."""
    wanted = []
    for i in shipping:
        d = int(ship_day[i])
        wanted += [(int(i), d, int(min(d + fixed[i] + review_days, horizon))), (int(i), 0, d)]
    if len(camp) == 0:
        return wanted
    i = camp["i"].to_numpy(int)
    start_day, end_day = camp["start_day"].to_numpy(int), camp["end_day"].to_numpy(int)
    order_by = pd.DatetimeIndex(camp["order_by"])
    inside = end_day < horizon
    pre_build = inside & (start_day >= window_end[i]) & (order_by < today + pd.Timedelta(days=review_days))
    wanted += [(int(k), 0, int(e) + 1) for k, e in zip(i[pre_build], end_day[pre_build])]
    before = inside & (ship_day[i] >= 0) & (start_day >= ship_day[i] + fixed[i])
    wanted += [(int(k), int(ship_day[k]), int(e) + 1) for k, e in zip(i[before], end_day[before])]
    late = (camp["type"].to_numpy() != "ad") & (order_by < today)
    wanted += [(int(k), int(a), int(min(e, horizon - 1)) + 1) for k, a, e in zip(i[late], start_day[late], end_day[late])]
    return wanted


def _campaign_stock_before(mine: list[dict], i: int, demand: Demand, target: float, ship_day: int,
                           transfer_days: int, horizon: int) -> int:
    """Stock the selling location needs for the campaigns a transfer shipped on ``ship_day`` would reach
    in time (their demand from that day to their end)."""
    need = 0
    for r in mine:
        if r["start_day"] >= ship_day + transfer_days and r["end_day"] < horizon:
            window = demand.window(i, ship_day, r["end_day"] + 1)
            need = max(need, math.ceil(policy.empirical_reorder_point(window, target)))
    return need


def _scheduled(inventory, purchase_orders, today, settings) -> pd.DataFrame:
    """planner.positions.scheduled_receipts with FBT's receiving days (empty without either table)."""
    if inventory is None and purchase_orders is None:
        return pd.DataFrame({"sku": [], "location": [], "date": pd.Series(dtype="datetime64[ns]"),
                             "quantity": pd.Series(dtype="float64"), "source": []})
    inv = inventory if inventory is not None else pd.DataFrame(columns=["sku", "location", "on_hand"])
    return scheduled_receipts(inv, purchase_orders, today, {"fbt": settings.fbt_receiving_days})


def _upstream_supply(sched: pd.DataFrame, terms: pd.DataFrame, upstream_available: np.ndarray, today: pd.Timestamp,
                     horizon: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Per SKU sold from FBT: the first day stock is free upstream (own warehouse, 3PL) to ship on to
    FBT (0 when some is there today, else the day the first PO or transit lands there; -1: none in the
    horizon), the units free there by that day, and the words naming the receipts among them."""
    n = len(terms)
    is_fbt = terms["location"].eq("fbt").to_numpy()
    ship_day = np.where(is_fbt & (upstream_available > 0), 0, -1)
    stock = np.where(ship_day == 0, upstream_available, 0.0)
    source = [""] * n
    index = pd.Series(np.arange(n), index=terms["sku"].to_numpy())
    up = sched[sched["location"].ne("fbt") & sched["sku"].isin(index.index[is_fbt])]
    if up.empty:
        return ship_day, stock, source
    i = index.reindex(up["sku"]).to_numpy()
    day = (up["date"] - today).dt.days.clip(lower=0).to_numpy()
    soon = day < horizon
    i, day, up = i[soon], day[soon], up[soon]
    first = np.full(n, horizon)
    np.minimum.at(first, i, day)
    ship_day = np.where(ship_day >= 0, ship_day, np.where(first < horizon, first, -1))
    landed = day <= ship_day[i]
    stock = np.where(ship_day >= 0, upstream_available, 0.0) + np.bincount(
        i[landed], weights=up["quantity"].to_numpy(float)[landed], minlength=n)
    names = pd.Series([f"{str(src).removeprefix('po:')} ({quantity:.0f})" for src, quantity
                       in zip(up["source"].to_numpy(object)[landed], up["quantity"].to_numpy(float)[landed])], dtype=object)
    if len(names):
        for j, words in names.groupby(i[landed]).agg(", ".join).items():
            source[j] = f" (incl. {words} landing there)"
    return ship_day, stock, source


def _apply_budget(orders: pd.DataFrame, terms: pd.DataFrame, budget: float | None) -> tuple[pd.DataFrame, list[dict]]:
    """Keep the lines with the most expected lost margin avoided per unit of money until the budget is
    spent (greedy knapsack); a line that does not fit whole is cut to the whole cases that fit, if that
    still meets the MOQ."""
    if budget is None or orders.empty or orders["value"].sum() <= budget:
        return orders, []
    ranked = orders.assign(ratio=orders["lost_margin_avoided"] / orders["value"].where(orders["value"] > 0, np.nan))
    ranked = ranked.sort_values("ratio", ascending=False, na_position="first")
    moq = terms.set_index("sku")["moq"]
    left, kept, alerts = float(budget), [], []
    for row in ranked.to_dict("records"):
        if row["value"] <= left:
            kept.append(row)
            left -= row["value"]
            continue
        cases = int(left // (row["unit_cost"] * row["case_pack"])) if row["unit_cost"] > 0 else row["cases"]
        quantity = cases * row["case_pack"]
        if quantity >= moq.get(row["sku"], 1) and quantity > 0:
            row.update(quantity=quantity, cases=cases, value=quantity * row["unit_cost"])
            row["reason"] += f"; cut to {quantity} by the budget cap {budget:,.0f}"
            kept.append(row)
            left -= row["value"]
        else:
            alerts.append({"sku": row["sku"], "location": row["location"], "kind": "budget_cut", "date": row["order_by"],
                           "message": (f"order of {row['quantity']} ({row['value']:,.0f}) left out by the budget cap "
                                       f"{budget:,.0f}; it avoids an expected {row['lost_margin_avoided']:,.0f} of lost margin")})
    frame = pd.DataFrame(kept, columns=list(orders.columns) + ["ratio"]).drop(columns="ratio")
    return frame, alerts


def _apply_inbound_capacity(transfers: pd.DataFrame, capacity: float | None) -> tuple[pd.DataFrame, list[dict]]:
    """Keep the transfers that avoid the most lost margin until FBT's inbound capacity is used."""
    if capacity is None or transfers.empty or transfers["quantity"].sum() <= capacity:
        return transfers, []
    ranked = transfers.sort_values("priority", ascending=False)
    left, kept, alerts = float(capacity), [], []
    for row in ranked.to_dict("records"):
        take = min(row["quantity"], left)
        if take < row["quantity"]:
            alerts.append({"sku": row["sku"], "location": "fbt", "kind": "fbt_capacity", "date": row["ship_by"],
                           "message": f"transfer cut from {row['quantity']:.0f} to {take:.0f} by FBT inbound capacity {capacity:.0f}"})
        if take > 0:
            row["quantity"] = take
            kept.append(row)
            left -= take
    return pd.DataFrame(kept, columns=transfers.columns), alerts


def _project(today, skus, terms, daily_mean, available, sched, orders, transfers, fixed) -> pd.DataFrame:
    """Expected on hand per SKU and day at the selling location, without action and with this plan."""
    n, horizon = daily_mean.shape
    dates = pd.date_range(today, periods=horizon, freq="D")
    receipts = np.zeros((n, horizon))
    planned = np.zeros((n, horizon))
    index = {s: i for i, s in enumerate(skus)}
    selling = terms.set_index("sku")["location"]

    def add(target, sku, date, quantity):
        i = index.get(sku)
        day = (pd.Timestamp(date).normalize() - today).days
        if i is not None and day < horizon:
            target[i, max(day, 0)] += quantity

    for r in sched.itertuples():
        if selling.get(r.sku) == r.location:
            add(receipts, r.sku, r.date, r.quantity)
    for r in transfers.itertuples():
        add(planned, r.sku, r.expected_receipt, r.quantity)
    for r in orders.itertuples():
        i = index.get(r.sku)
        if i is not None:
            add(planned, r.sku, r.expected_arrival + pd.Timedelta(days=int(fixed[i])), r.quantity)
    no_action = _lost_sales_stock(available, receipts, daily_mean)
    with_plan = _lost_sales_stock(available, receipts + planned, daily_mean)
    frame = pd.DataFrame({
        "sku": np.repeat(skus, horizon), "location": np.repeat(selling.reindex(skus).to_numpy(), horizon),
        "date": np.tile(dates.values, n), "expected_demand": daily_mean.reshape(-1).round(2),
        "receipts": receipts.reshape(-1), "on_hand_no_action": no_action.reshape(-1).round(1),
        "on_hand_with_plan": with_plan.reshape(-1).round(1),
    })
    return frame, no_action, with_plan


def _lost_sales_stock(start: np.ndarray, receipts: np.ndarray, demand: np.ndarray) -> np.ndarray:
    """End-of-day stock with lost sales: x_t = max(x_{t-1} + receipts_t - demand_t, 0)."""
    stock = np.empty_like(demand, dtype=float)
    level = np.maximum(np.asarray(start, dtype=float), 0.0)
    for day in range(demand.shape[1]):
        level = np.maximum(level + receipts[:, day] - demand[:, day], 0.0)
        stock[:, day] = level
    return stock


def _alerts(today, plan, terms, camp, demand, daily_mean, baseline, targets, with_plan, fixed, available,
            upstream_available, history, settings) -> list[dict]:
    alerts = []
    horizon = daily_mean.shape[1]
    term_rows = _records(terms)
    dates = pd.date_range(today, periods=horizon, freq="D")
    skus = plan["sku"].to_numpy()
    locations = plan["location"].to_numpy()
    stock = (plan["position"] + plan["upstream_position"]).to_numpy()
    arrival_days = np.rint(terms["lead_time_days"].to_numpy() + fixed).astype(int)
    stockout = plan["stockout_date"]
    early = stockout.notna().to_numpy().copy()
    early[early] = (stockout[early] < today + pd.to_timedelta(arrival_days[early], unit="D")).to_numpy()
    for i in np.flatnonzero(early):
        arrival = today + pd.Timedelta(days=int(arrival_days[i]))
        out = stockout.iloc[i]
        action = (f"transfer from own warehouse ({upstream_available[i]:.0f} there)" if upstream_available[i] > 0
                  else "expedite the order or find stock elsewhere")
        alerts.append({"sku": skus[i], "location": locations[i], "kind": "stockout_before_arrival", "date": out,
                       "message": (f"runs out around {out:%Y-%m-%d}; an order placed today lands {arrival:%Y-%m-%d} "
                                   f"(~{(arrival - out).days} days without stock): {action}")})
    cover = plan["cover_days"].to_numpy()
    daily = np.maximum(daily_mean.mean(axis=1), 1e-9)
    for i in np.flatnonzero((cover > settings.overstock_days) & (stock > 0)):
        excess = stock[i] - settings.overstock_days * daily[i]
        alerts.append({"sku": skus[i], "location": locations[i], "kind": "overstock", "date": today,
                       "message": (f"{cover[i]:.0f} days of cover (> {settings.overstock_days:.0f}); {excess:.0f} units "
                                   f"beyond it tie up {excess * term_rows[i]['unit_cost']:,.0f}")})
    if history is not None and len(history):
        # the days with sales first, then grouped: turning millions of history rows into Python strings
        # (or grouping them all) took seconds at 10,000 SKUs
        selling = history[pd.to_numeric(history["units"]) > 0]
        sold = selling.groupby(selling["sku"].astype(str))["date"].max()
        seen = set(pd.unique(history["sku"]).astype(str))  # a SKU without history is new, not dead stock
        for i in np.flatnonzero(stock > 0):
            if skus[i] not in seen:
                continue
            last = sold.get(skus[i])
            if last is None or (today - pd.Timestamp(last)).days > settings.no_sale_days:
                when = "no sale in the history" if last is None else f"last on {pd.Timestamp(last):%Y-%m-%d}"
                value = stock[i] * term_rows[i]["unit_cost"]
                alerts.append({"sku": skus[i], "location": locations[i], "kind": "no_sales", "date": today,
                               "message": (f"no sale in {settings.no_sale_days}+ days ({when}): clearance candidate, "
                                           f"{stock[i]:.0f} units tie up {value:,.0f}")})
    for r in _records(camp):
        i = int(r["i"])
        t, target = term_rows[i], float(targets[i])
        if r["start_day"] >= horizon:
            continue
        start_day, end = int(r["start_day"]), min(int(r["end_day"]), horizon - 1)
        kind = str(r["type"]).replace("_", " ")
        location = r["location"] if isinstance(r["location"], str) and r["location"] else t["location"]
        if r["type"] == "ad":
            days = np.arange(horizon)
            window = (days >= start_day) & (days <= end)
            out = np.flatnonzero(window & (with_plan[i] <= 0))
            if out.size:
                back = np.flatnonzero((days > out[-1]) & (with_plan[i] > 0))
                until = f"until the restock lands ({dates[back[0]]:%Y-%m-%d})" if back.size else "until stock is back"
                alerts.append({"sku": r["sku"], "location": location, "kind": "ad_into_stockout", "date": dates[out[0]],
                               "message": (f"ad {r['campaign_id']} runs to {r['end']:%Y-%m-%d} but stock runs out around "
                                           f"{dates[out[0]]:%Y-%m-%d}: pause or cut the ad from then {until}")})
            continue
        order_by = r["order_by"]
        # a campaign the forecast expects no extra demand from needs no stock of its own
        if order_by < today and float(r["uplift"]) >= 0.5:
            window = demand.window(i, start_day, end + 1)
            need = math.ceil(policy.empirical_reorder_point(window, target))
            expected = float(window.mean())
            stock_at_start = max(float(with_plan[i, start_day - 1]) if start_day > 0 else float(available[i]), 0.0)
            if stock_at_start < need:
                there = math.floor(stock_at_start)
                options = [f"with this plan ~{there} there at the start: {there / need:.0%} of it"]
                if t["location"] == "fbt" and upstream_available[i] > 0 and fixed[i] <= start_day - settings.receiving_buffer_days:
                    options.append(f"transfer up to {min(upstream_available[i], need - there):.0f} from own warehouse now")
                days_left = (r["start"].normalize() - today).days - settings.receiving_buffer_days - int(fixed[i])
                if days_left > 0:
                    options.append(f"expedite: the supplier must deliver within {days_left} days "
                                   f"(usual {t['lead_time_days']:.0f})")
                if there > 0:
                    options.append(f"or cap the campaign's featured quantity at ~{there}")
                alerts.append({"sku": r["sku"], "location": location, "kind": "campaign_not_covered",
                               "date": r["start"].normalize(),
                               "message": (f"{r['campaign_id']} ({kind}, {r['start']:%Y-%m-%d}) needs ~{need} at {location} "
                                           f"by its start ({target:.0%} quantile of its window's demand, "
                                           f"expected {expected:.0f}); order-by date was {order_by:%Y-%m-%d}: "
                                           + "; ".join(options))})
        after = min(end + 1, horizon - 1)
        leftover = float(with_plan[i, after])
        cover_after = leftover / max(float(baseline[i]), 1e-9)
        # only where the campaign stock-up causes it: a SKU already overstocked today has its own alert
        if leftover > 0 and cover_after > settings.overstock_days and cover[i] <= settings.overstock_days:
            alerts.append({"sku": r["sku"], "location": location, "kind": "post_campaign_overhang", "date": dates[after],
                           "message": (f"after {r['campaign_id']} ~{leftover:.0f} units expected left = {cover_after:.0f} "
                                       f"days of normal sales ({leftover * t['unit_cost']:,.0f} tied up)")})
    return alerts
