"""Pure inventory math: small functions that cite their equation (no pandas, no files).

References
----------
FoSCT  Snyder, L.V. & Shen, Z.-J.M., *Fundamentals of Supply Chain Theory*, 2nd ed., Wiley 2019.
SPT    Silver, E.A., Pyke, D.F. & Thomas, D.J., *Inventory and Production Management in Supply
       Chains*, 4th ed., CRC Press 2017 (chapter 6: individual items with probabilistic demand).

Conventions: demand and quantities in units, times in days (any consistent period works), costs per
unit per period. ``service_level`` is a cycle service level P1 = P(no stockout in a replenishment
cycle); ``fill_rate`` is the type-2 service P2 = share of demand served from stock.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from scipy import optimize, stats

__all__ = [
    "base_stock_level",
    "critical_ratio",
    "cycle_service_safety_factor",
    "discrete_fill_rate_reorder_point",
    "discrete_periodic_fill_rate_level",
    "economic_order_quantity",
    "empirical_expected_shortage",
    "empirical_fill_rate_levels",
    "empirical_fill_rate_reorder_point",
    "empirical_reorder_point",
    "empirical_reorder_points",
    "fill_rate_safety_factor",
    "lead_time_demand",
    "negative_binomial_loss",
    "negative_binomial_reorder_point",
    "newsvendor_normal",
    "poisson_loss",
    "poisson_reorder_point",
    "round_order_quantity",
    "safety_stock",
    "standard_normal_loss",
]


# --------------------------------------------------------------------------------------------
# Newsvendor, base stock, EOQ (FoSCT chapters 3 and 4)
# --------------------------------------------------------------------------------------------

def critical_ratio(holding_cost: float, stockout_cost: float) -> float:
    """Newsvendor critical ratio p / (p + h)   [FoSCT Section 4.3, newsvendor].

    >>> round(critical_ratio(0.18, 0.70), 4)
    0.7955
    """
    if holding_cost < 0 or stockout_cost < 0 or holding_cost + stockout_cost <= 0:
        raise ValueError(f"costs must be >= 0 and not both 0; got h={holding_cost}, p={stockout_cost}")
    return stockout_cost / (stockout_cost + holding_cost)


def newsvendor_normal(mean: float, sd: float, holding_cost: float, stockout_cost: float) -> float:
    """Optimal newsvendor order quantity for normal demand.

    S* = mu + z sd,  z = Phi^-1(p / (p + h))   [FoSCT Section 4.3, Example 4.3]

    >>> round(newsvendor_normal(50, 8, 0.18, 0.70), 4)
    56.604
    """
    z = stats.norm.ppf(critical_ratio(holding_cost, stockout_cost))
    return float(mean + z * sd)


def base_stock_level(mean: float, sd: float, lead_time: int, holding_cost: float, stockout_cost: float) -> float:
    """Optimal base-stock level for normal demand per period, periodic review, lead time L periods.

    S* = mu (L+1) + z sd sqrt(L+1),  z = Phi^-1(p / (p + h))   [FoSCT Section 4.4, Example 4.4]

    >>> round(base_stock_level(50, 8, 4, 0.18, 0.7), 4)
    264.7669
    """
    periods = lead_time + 1
    return newsvendor_normal(mean * periods, sd * math.sqrt(periods), holding_cost, stockout_cost)


def economic_order_quantity(fixed_cost: float, demand_rate: float, holding_cost: float) -> float:
    """Economic order quantity.

    Q* = sqrt(2 K lambda / h)   [FoSCT Section 3.2, Example 3.1]

    >>> round(economic_order_quantity(8, 1300, 0.225), 4)
    304.0468
    """
    if holding_cost <= 0:
        raise ValueError(f"holding_cost must be > 0; got {holding_cost}")
    if fixed_cost < 0 or demand_rate < 0:
        raise ValueError(f"fixed_cost and demand_rate must be >= 0; got K={fixed_cost}, lambda={demand_rate}")
    return math.sqrt(2 * fixed_cost * demand_rate / holding_cost)


# --------------------------------------------------------------------------------------------
# Normal lead-time demand: safety factors and safety stock (SPT chapter 6)
# --------------------------------------------------------------------------------------------

def lead_time_demand(
    daily_mean: float, daily_sd: float, lead_time_days: float, lead_time_sd_days: float = 0.0
) -> tuple[float, float]:
    """Mean and standard deviation of demand over a random lead time.

    mu_L = L d,   sigma_L^2 = L sigma_d^2 + d^2 sigma_LT^2   [SPT Section 6.9, random lead time; FoSCT Section 4.3 / Appendix]

    >>> lead_time_demand(10, 3, 16, 0)
    (160.0, 12.0)
    >>> m, s = lead_time_demand(10, 3, 16, 2); round(s, 4)
    23.3238
    """
    mean = daily_mean * lead_time_days
    variance = lead_time_days * daily_sd**2 + daily_mean**2 * lead_time_sd_days**2
    return float(mean), float(math.sqrt(variance))


def cycle_service_safety_factor(service_level: float) -> float:
    """Safety factor k for a cycle service level P1: k = Phi^-1(P1)   [SPT Section 6.7, P1 rule].

    >>> round(cycle_service_safety_factor(0.95), 4)
    1.6449
    """
    _check_probability(service_level, "service_level")
    return float(stats.norm.ppf(service_level))


def safety_stock(safety_factor: float, lead_time_demand_sd: float) -> float:
    """Safety stock SS = k sigma_L   [SPT Section 6.7, SS = k sigma_L].

    >>> round(safety_stock(cycle_service_safety_factor(0.95), 20), 2)
    32.9
    """
    return float(safety_factor * lead_time_demand_sd)


def standard_normal_loss(z: float | np.ndarray) -> float | np.ndarray:
    """Standard normal loss function G_u(k) = E[(Z - k)^+] = phi(k) - k (1 - Phi(k))   [SPT Appendix II].

    >>> [round(float(standard_normal_loss(k)), 4) for k in (0.0, 1.0, 2.0)]
    [0.3989, 0.0833, 0.0085]
    """
    value = stats.norm.pdf(z) - z * stats.norm.sf(z)
    return float(value) if np.ndim(value) == 0 else value


def fill_rate_safety_factor(fill_rate: float, order_quantity: float, lead_time_demand_sd: float) -> float:
    """Safety factor k for a target fill rate P2 under an (s, Q) policy with normal lead-time demand.

    G_u(k) = Q (1 - P2) / sigma_L   [SPT Section 6.7, P2 rule]

    Expected shortage per cycle is sigma_L G_u(k); it must not exceed the share (1 - P2) of the Q units
    demanded per cycle. When even k = 0 over-serves (G_u(0) = 0.3989 <= the right-hand side), the
    formula asks for a negative k; it is solved as well (G_u is decreasing on the whole line).

    >>> round(fill_rate_safety_factor(0.98, 200, 50), 4)   # G_u(k) = 0.08
    1.0212
    """
    _check_probability(fill_rate, "fill_rate")
    if order_quantity <= 0:
        raise ValueError(f"order_quantity must be > 0; got {order_quantity}")
    if lead_time_demand_sd <= 0:
        return 0.0  # no uncertainty: no safety stock needed
    target = order_quantity * (1 - fill_rate) / lead_time_demand_sd
    return inverse_standard_normal_loss(target)


def inverse_standard_normal_loss(loss: float) -> float:
    """k with G_u(k) = loss (G_u is strictly decreasing from +inf to 0).

    >>> round(inverse_standard_normal_loss(float(standard_normal_loss(1.5))), 6)
    1.5
    """
    if loss <= 0:
        raise ValueError(f"loss must be > 0; got {loss}")
    # G_u(k) ~ -k for k -> -inf, so the root lies in [-loss - 1, 9] (G_u(9) ~ 1e-20).
    return float(optimize.brentq(lambda k: standard_normal_loss(k) - loss, -loss - 1.0, 9.0, xtol=1e-12))


# --------------------------------------------------------------------------------------------
# Discrete lead-time demand for slow movers (Poisson, negative binomial)
# --------------------------------------------------------------------------------------------

def poisson_reorder_point(mean: float, service_level: float) -> int:
    """Smallest s with P(D_L <= s) >= P1 for Poisson lead-time demand   [FoSCT Section 4.3, discrete newsvendor].

    >>> poisson_reorder_point(3.0, 0.95)
    6
    """
    _check_probability(service_level, "service_level")
    if mean <= 0:
        return 0
    return int(stats.poisson.ppf(service_level, mean))


def _negative_binomial_parameters(mean: float, variance: float) -> tuple[float, float]:
    """scipy's (n, p) from mean and variance (variance > mean): p = mean/var, n = mean^2/(var - mean)."""
    if variance <= mean:
        raise ValueError(f"negative binomial needs variance > mean; got mean={mean}, variance={variance}")
    p = mean / variance
    return mean * p / (1 - p), p


def negative_binomial_reorder_point(mean: float, variance: float, service_level: float) -> int:
    """Smallest s with P(D_L <= s) >= P1 for negative binomial lead-time demand (Poisson if var <= mean).

    >>> negative_binomial_reorder_point(3.0, 9.0, 0.95)
    9
    """
    _check_probability(service_level, "service_level")
    if mean <= 0:
        return 0
    if variance <= mean:
        return poisson_reorder_point(mean, service_level)
    n, p = _negative_binomial_parameters(mean, variance)
    return int(stats.nbinom.ppf(service_level, n, p))


def _discrete_loss(cdf: Callable[[np.ndarray], np.ndarray], mean: float, level: int) -> float:
    """E[(D - s)^+] = mean - s + sum_{d=0}^{s-1} (s - d) P(D = d) = mean - s + sum_{d=0}^{s-1} F(d)
    [FoSCT Appendix C, first-order loss function of a discrete distribution]."""
    if level <= 0:
        return float(mean - level)
    return float(mean - level + np.sum(cdf(np.arange(level))))


def poisson_loss(level: int, mean: float) -> float:
    """Poisson first-order loss function n(s) = E[(D - s)^+]   [FoSCT Appendix C].

    >>> round(poisson_loss(0, 3.0), 4), round(poisson_loss(3, 3.0), 4)
    (3.0, 0.6721)
    """
    return _discrete_loss(lambda d: stats.poisson.cdf(d, mean), mean, int(level))


def _loss_curve(mean: float, variance: float, levels: int) -> np.ndarray:
    """n(s) = E[(D - s)^+] for s = 0 .. levels - 1 at once (Poisson if variance <= mean)."""
    d = np.arange(max(levels - 1, 0))
    if variance <= mean:
        cdf = stats.poisson.cdf(d, mean)
    else:
        n, p = _negative_binomial_parameters(mean, variance)
        cdf = stats.nbinom.cdf(d, n, p)
    return mean - np.arange(levels) + np.concatenate([[0.0], np.cumsum(cdf)])


def _first_level(shortage: Callable[[int], np.ndarray], allowed: float, mean: float, variance: float) -> int:
    """Smallest level whose shortage curve value is <= allowed; the curve is non-increasing, so search
    a doubling range of levels, vectorised."""
    levels = int(mean + 6 * math.sqrt(max(variance, mean)) + 16)
    while True:
        curve = shortage(levels)
        hits = np.flatnonzero(curve <= allowed + 1e-12)
        if hits.size:
            return int(hits[0])
        levels *= 2


def negative_binomial_loss(level: int, mean: float, variance: float) -> float:
    """Negative binomial first-order loss function n(s) = E[(D - s)^+] (Poisson if var <= mean)."""
    if variance <= mean:
        return poisson_loss(level, mean)
    n, p = _negative_binomial_parameters(mean, variance)
    return _discrete_loss(lambda d: stats.nbinom.cdf(d, n, p), mean, int(level))


def discrete_fill_rate_reorder_point(
    fill_rate: float, order_quantity: float, mean: float, variance: float | None = None
) -> int:
    """Smallest s whose expected shortage per cycle n(s) - n(s + Q) is at most (1 - P2) Q
    (Poisson lead-time demand, or negative binomial when ``variance`` > mean)   [SPT Section 6.7,
    P2 rule with the exact (s, Q) shortage per cycle; discrete loss functions as in FoSCT Appendix C].

    >>> discrete_fill_rate_reorder_point(0.95, 4, 3.0)   # n(4) - n(8) = 0.314 > 0.2 >= n(5) - n(9) = 0.133
    5
    """
    _check_probability(fill_rate, "fill_rate")
    if order_quantity <= 0:
        raise ValueError(f"order_quantity must be > 0; got {order_quantity}")
    if mean <= 0:
        return 0
    var = mean if variance is None else variance
    allowed = (1 - fill_rate) * order_quantity
    q = int(math.ceil(order_quantity))

    def shortage(levels: int) -> np.ndarray:
        loss = _loss_curve(mean, var, levels + q)
        return loss[:levels] - loss[q:q + levels]

    return _first_level(shortage, allowed, mean, var)


def discrete_periodic_fill_rate_level(
    fill_rate: float, lead_mean: float, lead_variance: float, cycle_mean: float, cycle_variance: float
) -> int:
    """Smallest order-up-to level S of an (R, S) system whose expected shortage per review cycle,
    n_{L+R}(S) - n_L(S), is at most (1 - P2) x the mean demand per review period, with Poisson or
    negative binomial demand over the lead time L and over L + R   [SPT chapter 6, (R, S) system,
    P2 rule; discrete loss functions as in FoSCT Appendix C].

    >>> discrete_periodic_fill_rate_level(0.95, 3.0, 3.0, 5.0, 5.0)   # S = 8 -> 0.117 > 0.1 = 0.05 x 2
    9
    """
    _check_probability(fill_rate, "fill_rate")
    review_demand = cycle_mean - lead_mean
    if cycle_mean <= 0 or review_demand <= 0:
        return 0
    allowed = (1 - fill_rate) * review_demand

    def shortage(levels: int) -> np.ndarray:
        lead = _loss_curve(lead_mean, lead_variance, levels) if lead_mean > 0 else np.zeros(levels)
        return _loss_curve(cycle_mean, cycle_variance, levels) - lead

    return _first_level(shortage, allowed, cycle_mean, cycle_variance)


# --------------------------------------------------------------------------------------------
# Empirical versions on forecast sample paths (lead-time demand totals, one per path)
# --------------------------------------------------------------------------------------------

def empirical_reorder_point(lead_time_demand_samples: np.ndarray, service_level: float) -> float:
    """Smallest s with empirical P(D_L <= s) >= P1 (the inverted-CDF sample quantile).

    >>> empirical_reorder_point(np.arange(1, 101), 0.95)
    95.0
    """
    return float(empirical_reorder_points(np.asarray(lead_time_demand_samples)[None, :], service_level)[0])


def empirical_reorder_points(samples: np.ndarray, service_level: float | np.ndarray, presorted: bool = False) -> np.ndarray:
    """Row-wise ``empirical_reorder_point``: samples (n_items, n_samples), one target per row or one for
    all; ``presorted``: each row is already in ascending order (a caller asking many times sorts once)."""
    levels = np.broadcast_to(np.asarray(service_level, dtype=float), (samples.shape[0],))
    _check_probabilities(levels, "service_level")
    ordered = np.asarray(samples, dtype=float) if presorted else np.sort(np.asarray(samples, dtype=float), axis=1)
    # inverted CDF: the k-th smallest with k = ceil(P1 n) (a tiny tolerance absorbs 0.95 * 100 = 95.00000000000001)
    k = np.ceil(levels * ordered.shape[1] - 1e-9).astype(int).clip(1, ordered.shape[1])
    return ordered[np.arange(ordered.shape[0]), k - 1]


def empirical_expected_shortage(lead_time_demand_samples: np.ndarray, level: float) -> float:
    """Sample mean of (D_L - s)^+, the empirical first-order loss function.

    >>> empirical_expected_shortage(np.array([0, 2, 4, 10]), 3)
    2.0
    """
    samples = np.asarray(lead_time_demand_samples, dtype=float)
    return float(np.maximum(samples - level, 0.0).mean())


def empirical_fill_rate_reorder_point(
    lead_time_demand_samples: np.ndarray,
    fill_rate: float,
    order_quantity: float,
    cycle_demand_samples: np.ndarray | None = None,
) -> int:
    """Smallest whole s whose empirical shortage per cycle is at most (1 - P2) x demand per cycle.

    (s, Q): shortage per cycle = E[(D_L - s)^+] - E[(D_L - s - Q)^+]   [SPT Section 6.7, P2 rule].
    (R, S) periodic review, when ``cycle_demand_samples`` (demand over L + R) is given:
    shortage per cycle = E[(D_{L+R} - S)^+] - E[(D_L - S)^+] and ``order_quantity`` is the mean demand
    per review period   [SPT chapter 6, (R, S) system, P2 rule].

    >>> empirical_fill_rate_reorder_point(np.array([0, 2, 4, 10]), 0.9, 5)   # s = 7 -> 0.75, s = 8 -> 0.5
    8
    """
    cycle = None if cycle_demand_samples is None else np.asarray(cycle_demand_samples)[None, :]
    return int(empirical_fill_rate_levels(np.asarray(lead_time_demand_samples)[None, :], fill_rate, order_quantity, cycle)[0])


def empirical_fill_rate_levels(
    lead_time_demand_samples: np.ndarray,
    fill_rate: float | np.ndarray,
    order_quantity: float | np.ndarray,
    cycle_demand_samples: np.ndarray | None = None,
    lot_size: float | np.ndarray | None = None,
) -> np.ndarray:
    """Row-wise ``empirical_fill_rate_reorder_point`` (samples (n_items, n_samples)): one binary search
    over whole levels for all rows at once, since the shortage per cycle is non-increasing in s and 0 at
    the largest sample.

    ``lot_size`` (periodic review only): orders come in lots (MOQ, case pack), so the position after a
    review is not S but spread evenly over S, S + 1, ..., S + Q - 1 (the (R, s, nQ) argument of Hadley
    & Whitin; SPT Section 7.5); the shortage per cycle is then averaged over those positions and the
    level meeting the target is lower."""
    lead = np.asarray(lead_time_demand_samples, dtype=float)
    cycle = lead if cycle_demand_samples is None else np.asarray(cycle_demand_samples, dtype=float)
    n = lead.shape[0]
    rates = np.broadcast_to(np.asarray(fill_rate, dtype=float), (n,))
    _check_probabilities(rates, "fill_rate")
    quantity = np.broadcast_to(np.asarray(order_quantity, dtype=float), (n,))
    allowed = (1 - rates) * quantity
    lots = None if lot_size is None or cycle_demand_samples is None else \
        np.maximum(np.floor(np.broadcast_to(np.asarray(lot_size, dtype=float), (n,))), 1.0)[:, None]

    def shortage(level: np.ndarray) -> np.ndarray:
        s = level[:, None]
        if cycle_demand_samples is None:
            return np.maximum(lead - s, 0).mean(1) - np.maximum(lead - s - quantity[:, None], 0).mean(1)
        return cycle_shortage(lead, cycle, s, lots).mean(1)

    low = np.zeros(n, dtype=np.int64)
    high = np.ceil(cycle.max(axis=1, initial=0)).astype(np.int64)
    high[quantity <= 0] = 0
    while (low < high).any():
        mid = (low + high) // 2
        ok = shortage(mid.astype(float)) <= allowed + 1e-12
        high = np.where(ok & (low < high), mid, high)
        low = np.where(~ok & (low < high), mid + 1, low)
    return low


def cycle_shortage(lead_demand: np.ndarray, cycle_demand: np.ndarray, level: np.ndarray,
                   lot_size: np.ndarray | None = None) -> np.ndarray:
    """Units short in one review cycle of an (R, S) system, (D_{L+R} - S)^+ - (D_L - S)^+ (the backorder
    approximation: what the lead time alone would have run short is the previous cycle's), averaged
    over the positions S .. S + Q - 1 when orders come in lots of Q (lot_average_excess); arrays
    broadcast against each other.

    >>> cycle_shortage(np.array([1.0, 6.0]), np.array([8.0, 9.0]), np.array([5.0, 5.0])).tolist()   # 3 - 0, 4 - 1
    [3.0, 3.0]
    """
    if lot_size is None:
        return np.maximum(cycle_demand - level, 0.0) - np.maximum(lead_demand - level, 0.0)
    return lot_average_excess(cycle_demand - level, lot_size) - lot_average_excess(lead_demand - level, lot_size)


def lot_average_excess(excess: np.ndarray, lot_size: np.ndarray) -> np.ndarray:
    """(1/Q) sum_{k=0}^{Q-1} (x - k)^+ : the mean excess of demand over the positions S, ..., S + Q - 1
    when x = D - S (closed form: with m = min(Q, ceil(x)) terms, (m x - m (m - 1) / 2) / Q).

    >>> lot_average_excess(np.array([5.0, 0.0, 2.5]), np.array([2.0, 2.0, 4.0])).tolist()   # (5+4)/2, 0, (2.5+1.5+0.5)/4
    [4.5, 0.0, 1.125]
    """
    x = np.asarray(excess, dtype=float)
    q = np.asarray(lot_size, dtype=float)
    m = np.minimum(q, np.ceil(np.maximum(x, 0.0)))
    return (m * x - m * (m - 1) / 2) / q


# --------------------------------------------------------------------------------------------
# Order rounding
# --------------------------------------------------------------------------------------------

def round_order_quantity(
    need: float,
    moq: int = 1,
    case_pack: int = 1,
    economic_quantity: float | None = None,
    max_quantity: float | None = None,
) -> int:
    """Quantity to order for a net requirement ``need``: 0, or a multiple of ``case_pack`` that is >= ``moq``.

    Steps: raise to the EOQ floor (if given); cap at ``max_quantity`` (the max days-of-cover cap) but
    never below the need itself; round up to whole cases; raise to the smallest whole-case quantity
    that meets the MOQ. The MOQ wins over the cover cap: a supplier does not take smaller orders, and
    the overstock alert tells the planner what the MOQ costs.

    >>> round_order_quantity(180, moq=100, case_pack=24)
    192
    >>> round_order_quantity(30, moq=100, case_pack=24)
    120
    >>> round_order_quantity(0, moq=100, case_pack=24)
    0
    >>> round_order_quantity(50, case_pack=10, economic_quantity=304, max_quantity=200)
    200
    """
    if moq < 1 or case_pack < 1:
        raise ValueError(f"moq and case_pack must be >= 1; got moq={moq}, case_pack={case_pack}")
    if not need > 0:
        return 0
    quantity = float(need)
    if economic_quantity is not None and economic_quantity > quantity:
        quantity = float(economic_quantity)
    cases = _whole_cases_up(quantity, case_pack)
    if max_quantity is not None and quantity > max_quantity:
        # capped: whole cases within the cap, but never fewer than the need itself takes
        cases = max(math.floor(round(max_quantity / case_pack, 9)), _whole_cases_up(need, case_pack))
    min_cases = math.ceil(moq / case_pack)
    return int(max(cases, min_cases) * case_pack)


def _whole_cases_up(quantity: float, case_pack: int) -> int:
    return math.ceil(round(quantity / case_pack, 9))  # round() so 48.0000001 / 24 is 2 cases, not 3


def _check_probabilities(values: np.ndarray, name: str) -> None:
    """_check_probability for every value of an array at once (it names the first bad one)."""
    bad = ~((values > 0) & (values < 1))
    if bad.any():
        _check_probability(float(np.asarray(values)[bad][0]), name)


def _check_probability(value: float, name: str) -> None:
    if not 0 < value < 1:
        raise ValueError(f"{name} must be strictly between 0 and 1; got {value}")
