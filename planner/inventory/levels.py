"""Order-up-to levels and reorder points for many SKUs at once, from demand samples.

Arrays in, arrays out: lead-time and lead-time + review demand samples (n_sku, n_paths) -> levels. The
scalar, textbook-cited reference of every formula is planner.inventory.policy; these functions compute
the same per row, vectorised (one scipy call per distribution family, one sort per group), and add the
fill rate kept over a group of SKUs at the least stock value (planner.inventory.allocation) and the lots
orders come in (order_lot_sizes). Used by the plan's target stage and by the calibration's service step,
which must read levels exactly as the plan sets them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.inventory import policy
from planner.inventory.allocation import allocate_fill_rates


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


class DiscreteQuantiles:
    """discrete_reorder_points of fixed rows (mean, variance) at many service levels, as an allocation's
    bisection asks them: the rows' CDFs over 0 .. span - 1 are computed once, and each call finds the
    first level whose CDF reaches the service (what scipy's discrete ppf returns: the smallest k with
    cdf(k) >= q, checked against the same cdf); a row whose level lies beyond the span falls back to
    discrete_reorder_points. The same levels, without a scipy ppf call per bisection step (which made
    the calibration's service step cost seconds per review in the replay)."""

    def __init__(self, mean: np.ndarray, variance: np.ndarray):
        from scipy import stats

        self.mean, self.variance = np.asarray(mean, dtype=float), np.asarray(variance, dtype=float)
        span = _search_span(self.mean, self.variance) if len(self.mean) else 1
        self.cdf = np.ones((len(self.mean), span))  # no demand: level 0
        levels = np.arange(span)[None, :]
        poisson = (self.mean > 0) & (self.variance <= self.mean)
        negative = (self.mean > 0) & ~poisson
        if poisson.any():
            self.cdf[poisson] = stats.poisson.cdf(levels, self.mean[poisson, None])
        if negative.any():
            p = self.mean[negative] / self.variance[negative]
            self.cdf[negative] = stats.nbinom.cdf(levels, (self.mean[negative] * p / (1 - p))[:, None], p[:, None])

    def taken(self, rows: np.ndarray) -> DiscreteQuantiles:
        """These quantiles' rows ``rows`` (a row may repeat), their CDFs not computed again."""
        out = object.__new__(DiscreteQuantiles)
        out.mean, out.variance, out.cdf = self.mean[rows], self.variance[rows], self.cdf[rows]
        return out

    def at(self, service: np.ndarray) -> np.ndarray:
        service = np.broadcast_to(np.asarray(service, dtype=float), self.mean.shape)
        policy._check_probabilities(service, "service_level")
        reached = self.cdf >= service[:, None]
        level = reached.argmax(axis=1).astype(float)
        beyond = ~reached.any(axis=1)
        if beyond.any():
            level[beyond] = discrete_reorder_points(self.mean[beyond], self.variance[beyond], service[beyond])
        return level


def cycle_service_levels(ordered: np.ndarray, mean: np.ndarray, variance: np.ndarray, service: np.ndarray,
                         slow: np.ndarray, discrete: DiscreteQuantiles | None = None) -> np.ndarray:
    """Smallest whole S with P(D <= S) >= ``service`` per row: read off the samples (``ordered``, each row
    sorted; policy.empirical_reorder_points), or for ``slow`` rows the Poisson / negative binomial
    quantile on the samples' ``mean`` and ``variance`` (discrete_reorder_points; ``discrete``: the slow
    rows' DiscreteQuantiles, when the same rows are asked at many services)."""
    level = np.zeros(len(ordered))
    fast = ~slow
    if fast.any():
        level[fast] = np.ceil(policy.empirical_reorder_points(ordered[fast], service[fast], presorted=True))
    if slow.any():
        level[slow] = (discrete.at(service[slow]) if discrete is not None
                       else discrete_reorder_points(mean[slow], variance[slow], service[slow]))
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
    base_floor: float | None = None,
) -> AllocatedLevels:
    """Fill-rate targets kept over the units of each group of SKUs (default: the SKUs sharing a target),
    at the least stock value (planner.allocation): each SKU is planned at the cycle service
    1 - value / lambda, its level read as order_up_to_levels reads a cycle-service level (sample paths,
    or negative binomial / Poisson for slow movers); the group's expected fill rate comes from the
    samples, averaged over the positions a lot of ``lot_sizes`` leaves (policy.cycle_shortage).

    lead, cycle : (n, paths) demand samples over lead time and lead time + review.
    unit_values : (n,) value of a unit held (allocation.value_weights).
    floor : no SKU is planned below this cycle service (one for all, or per SKU).
    base_floor : where raised floors alone would serve a group past its target, they give way toward this
        (allocation.allocate_fill_rates; None: the group's lowest floor).
    """
    service, level, fill = _allocate(lead, cycle, targets, unit_values, slow_units, lot_sizes, groups, floor, base_floor)
    _, reorder, method = order_up_to_levels(lead, cycle, service, "cycle", slow_units)
    return AllocatedLevels(level, np.minimum(reorder, level), method, service, fill)


def _allocate(lead, cycle, targets, unit_values, slow_units, lot_sizes, groups, floor, base_floor=None, rows=None):
    """allocated_levels' cycle service, order-up-to level and expected fill rate per SKU (no reorder
    points: the service grid of the backtest needs only the levels). One bisection for every group of
    SKUs sharing a group and a target (allocation.allocate_fill_rates); the samples are sorted once and
    each step reads its levels off them. ``rows``: the allocated rows are the sample rows ``rows`` (a
    row repeated once per target of a grid; default each row once): what depends on the samples alone
    is computed once per sample row. Each step computes the shortage of the rows whose level moved only
    (_ShortageCache)."""
    rows = np.arange(lead.shape[0]) if rows is None else np.asarray(rows)
    n = len(rows)
    targets = np.broadcast_to(np.asarray(targets, dtype=float), (n,))
    codes = pd.DataFrame({"group": 0 if groups is None else np.asarray(groups), "target": targets}).groupby(
        ["group", "target"], sort=False).ngroup().to_numpy()
    group_targets = np.zeros(codes.max() + 1 if n else 0)
    group_targets[codes] = targets
    values = np.asarray(unit_values, dtype=float)
    lots = None if lot_sizes is None else np.maximum(np.asarray(lot_sizes, dtype=float), 1.0)
    floors = np.broadcast_to(np.asarray(floor, dtype=float), (n,))
    if n == 0:
        return np.zeros(0), np.zeros(0), np.ones(0)
    sample_mean, sample_variance = cycle.mean(1), cycle.var(1)
    review = np.maximum(sample_mean - lead.mean(1), 0.0)[rows]
    sample_slow = sample_mean < slow_units
    ordered, mean, variance, slow = np.sort(cycle, axis=1)[rows], sample_mean[rows], sample_variance[rows], sample_slow[rows]
    # the slow rows' CDFs once per sample row; each allocated slow row reads its sample row's
    discrete = DiscreteQuantiles(sample_mean[sample_slow], sample_variance[sample_slow]).taken(
        np.cumsum(sample_slow)[rows[slow]] - 1)
    # an order is placed only below S: with lots, S is at least 1
    at_least_one = (mean > 0) & (lots > 1) if lots is not None else np.zeros(n, dtype=bool)

    def levels_at(p):
        at = cycle_service_levels(ordered, mean, variance, p, slow, discrete)
        return np.where(at_least_one, np.maximum(at, 1), at)

    allocation = allocate_fill_rates(levels_at, _ShortageCache(lead, cycle, rows, lots), review, values, codes,
                                     group_targets, floor=floors, base_floor=base_floor)
    fill = np.where(review > 0, 1 - allocation.shortage / np.maximum(review, 1e-12), 1.0)
    return allocation.service, allocation.levels, fill


class _ShortageCache:
    """expected_cycle_shortage of the sample rows ``rows`` at the levels an allocation's bisection asks,
    computed only for the rows whose level differs from the last call's: as the groups converge most
    levels stop moving, and this shortage had been most of the calibration's time. A row's figure is the
    one expected_cycle_shortage gives it (row by row, the same arithmetic)."""

    def __init__(self, lead: np.ndarray, cycle: np.ndarray, rows: np.ndarray, lots: np.ndarray | None):
        self.lead, self.cycle, self.rows, self.lots = lead, cycle, rows, lots
        self.levels = np.full(len(rows), np.nan)  # nothing computed yet
        self.shortage = np.zeros(len(rows))

    def __call__(self, levels: np.ndarray) -> np.ndarray:
        levels = np.asarray(levels, dtype=float)
        moved = np.flatnonzero(levels != self.levels)
        if len(moved):
            at = self.rows[moved]
            self.shortage[moved] = expected_cycle_shortage(self.lead[at], self.cycle[at], levels[moved],
                                                           None if self.lots is None else self.lots[moved])
            self.levels[moved] = levels[moved]
        return self.shortage.copy()


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
                      groups: np.ndarray | None = None, floor: float | np.ndarray = 0.5,
                      base_floor: float | None = None) -> np.ndarray:
    """S per SKU at each target of ``grid`` (every SKU at the same target): (n, len(grid)); with
    ``unit_values`` (fill rate), the target is kept over each group's units (allocated_levels, raised
    floors giving way toward ``base_floor``), else every SKU meets it on its own (order_up_to_levels)."""
    n = lead.shape[0]
    if unit_values is not None and measure == "fill_rate":
        # every grid target's allocation at once: the SKUs repeated once per target, one bisection
        k = len(grid)
        rows = np.tile(np.arange(n), k)
        expand = lambda a: None if a is None else np.broadcast_to(np.asarray(a), (n,))[rows]  # noqa: E731
        levels = _allocate(lead, cycle, np.repeat(np.asarray(grid, dtype=float), n), expand(unit_values),
                           slow_units, expand(lot_sizes), expand(np.zeros(n) if groups is None else groups),
                           expand(np.asarray(floor, dtype=float)), base_floor, rows=rows)[1]
        return levels.reshape(k, n).T
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


__all__ = ["AllocatedLevels", "allocated_levels", "cycle_service_levels", "discrete_fill_rate_levels", "discrete_reorder_points", "expected_cycle_shortage", "levels_at_targets", "order_lot_sizes", "order_up_to_levels"]
