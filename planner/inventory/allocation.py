"""A fill rate over a group of SKUs at the least stock value: how much protection each SKU gets.

A shop that promises "95 % of the units class A customers order are served from stock" can keep that
promise with many different stocks. Giving every SKU the same 95 % is one of them, and an expensive one
on lumpy demand: a slow SKU whose demand comes in rare large orders needs many times its mean demand to
serve 95 % of itself, while the same money held in a cheap, steady seller serves far more units. The
cheapest stock that serves the group's units at the target solves

    minimise   sum_i v_i S_i
    subject to sum_i E[short_i(S_i)] <= (1 - beta) sum_i E[D_i]       (units short per review cycle)

with v_i the unit value, S_i the order-up-to level and beta the fill rate. Its Lagrange condition is
v_i = lambda x (-dE[short_i]/dS_i), and in a periodic review (R, S) system -dE[short_i]/dS_i is the
probability that demand over lead time + review exceeds S_i (less the small probability the lead time
alone does). So each SKU is planned at the cycle service

    p_i = 1 - v_i / lambda        (clipped to [floor, cap])

with one lambda per group, the smallest one whose expected fill rate over the group's units reaches the
target. This is the shortage-cost-per-unit decision rule applied with one implicit cost per unit short
for every item (Silver, Pyke & Peterson, *Inventory Management and Production Planning and Scheduling*,
3rd ed. 1998, Sections 7.9-7.10: safety stocks by a common shortage cost, and the exchange curve of a
population of items, whose every point is such an allocation): stockout probability per cycle in
proportion to unit value. A cheap unit is protected more, a costly one less; a ``floor`` keeps every SKU
at a minimum cycle service so none is left to run out by design. A floor set higher for some SKUs (a
campaign inside their window) protects those first, within the promise: when the floors alone would
serve the group more than its target, the raised ones are lowered by a common share until the group is
served its target (``_yield_floors``), and where every SKU at the base floor still serves more than a
low promise (80 % on fast, steady SKUs, which a 0.4 cycle service serves at about 90 %), every floor is
lowered by one common factor; a plan holds the promise it was given, not the floors' sum.

Pure functions on sample arrays; planner.plan supplies the level and shortage functions (sample paths
for fast movers, negative binomial quantiles for slow movers, MOQ / case-pack lots).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

#: the least cycle service a floor gives way to when even every SKU at ``min_sku_service`` serves a group
#: more than its promise (a low promise on fast, steady SKUs): not a tuned figure, only above 0 so every
#: SKU keeps a level (a quantile of its demand) to plan at
MIN_FLOOR = 0.01


@dataclass(frozen=True)
class Allocation:
    """``service``: the cycle service each SKU is planned at; ``levels``: its order-up-to level there;
    ``shortage``: expected units short per review cycle at it; ``fill_rate``: the group's expected fill
    rate; ``reached``: whether it meets the target (False when even ``cap`` everywhere falls short)."""

    service: np.ndarray
    levels: np.ndarray
    shortage: np.ndarray
    fill_rate: float
    reached: bool


def value_weights(unit_cost: np.ndarray, price: np.ndarray | None = None) -> np.ndarray:
    """The value a unit held ties up: its cost; its price where the cost is unknown (0); where both are
    unknown the median of the known values, so a SKU without prices is neither starved nor favoured.

    >>> value_weights(np.array([4.0, 0.0, 0.0]), np.array([9.0, 6.0, 0.0])).tolist()
    [4.0, 6.0, 5.0]
    """
    value = np.asarray(unit_cost, dtype=float).copy()
    if price is not None:
        value = np.where(value > 0, value, np.asarray(price, dtype=float))
    known = value > 0
    return np.where(known, value, np.median(value[known]) if known.any() else 1.0)


def allocate_fill_rate(
    levels_at: Callable[[np.ndarray], np.ndarray],
    shortage_at: Callable[[np.ndarray], np.ndarray],
    review_demand: np.ndarray,
    unit_values: np.ndarray,
    target: float,
    floor: float | np.ndarray = 0.5,
    cap: float = 0.999,
    tolerance: float = 1e-4,
) -> Allocation:
    """The allocation of the module docstring for one group of SKUs.

    levels_at : cycle service per SKU (n,) -> order-up-to level per SKU (non-decreasing in the service).
    shortage_at : levels (n,) -> expected units short per review cycle per SKU.
    review_demand : expected demand per review period per SKU (the fill rate's denominator).
    unit_values : value of a unit held per SKU (> 0).
    target : the fill rate the group's units must reach.
    floor : the least cycle service of every SKU, or per SKU (n,): a SKU featured in a campaign inside
        its window is held higher (PlanSettings.campaign_service); the others then carry less of the target.

    lambda is found by bisection on its logarithm (the group's fill rate never falls as lambda grows):
    the smallest lambda, within a factor 1 + ``tolerance``, whose fill rate reaches the target.
    """
    values = np.asarray(unit_values, dtype=float)
    result = allocate_fill_rates(levels_at, shortage_at, review_demand, values, np.zeros(len(values), dtype=int),
                                 np.array([target], dtype=float), floor, cap, tolerance)
    return Allocation(result.service, result.levels, result.shortage, float(result.fill_rate[0]), bool(result.reached[0]))


@dataclass(frozen=True)
class Allocations:
    """allocate_fill_rates' result: per SKU ``service``, ``levels``, ``shortage``; per group
    ``fill_rate`` and ``reached``."""

    service: np.ndarray
    levels: np.ndarray
    shortage: np.ndarray
    fill_rate: np.ndarray
    reached: np.ndarray


def allocate_fill_rates(
    levels_at: Callable[[np.ndarray], np.ndarray],
    shortage_at: Callable[[np.ndarray], np.ndarray],
    review_demand: np.ndarray,
    unit_values: np.ndarray,
    groups: np.ndarray,
    targets: np.ndarray,
    floor: float | np.ndarray = 0.5,
    cap: float = 0.999,
    tolerance: float = 1e-4,
    base_floor: float | None = None,
) -> Allocations:
    """allocate_fill_rate for many groups at once: ``groups`` (n,) codes 0 .. G - 1 and ``targets`` (G,),
    one lambda per group, each bisected as the one-group function bisects it (the same steps, the same
    levels); every step evaluates all groups' SKUs in one call of ``levels_at`` and ``shortage_at``
    (row-wise functions), so a backtest's hundreds of groups cost about one group's Python steps.
    ``base_floor``: the floor raised floors give way toward (_yield_floors; the plan's min_sku_service);
    None: the lowest floor of each group."""
    values = np.asarray(unit_values, dtype=float)
    if (values <= 0).any() or not np.isfinite(values).all():
        raise ValueError("unit_values must be positive and finite (planner.inventory.allocation.value_weights)")
    floor = np.broadcast_to(np.asarray(floor, dtype=float), values.shape)
    if not (np.all(floor > 0) and np.all(floor <= cap) and cap < 1):
        raise ValueError(f"need 0 < floor <= cap < 1; got floor={floor.min()}..{floor.max()}, cap={cap}")
    groups = np.asarray(groups, dtype=int)
    targets = np.asarray(targets, dtype=float)
    g = len(targets)
    demand = np.bincount(groups, weights=np.asarray(review_demand, dtype=float), minlength=g)

    def evaluate(lam: np.ndarray, floors: np.ndarray = floor) -> tuple:
        service = np.clip(1 - values / lam[groups], floors, cap)
        levels = levels_at(service)
        shortage = shortage_at(levels)
        fill = np.where(demand > 0, 1 - np.bincount(groups, weights=shortage, minlength=g) / np.where(demand > 0, demand, 1.0), 1.0)
        return service, levels, shortage, fill, fill >= targets - 1e-12

    low = np.full(g, np.inf)
    np.minimum.at(low, groups, values / (1 - floor))  # everyone at the floor
    high = np.zeros(g)
    np.maximum.at(high, groups, values / (1 - cap))  # everyone at the cap
    best = list(evaluate(low))
    done = best[4].copy()  # reached at the floor: nothing to bisect, unless raised floors overshoot
    _yield_floors(best, evaluate, values, groups, floor, targets, done, tolerance, base_floor)
    at_high = evaluate(high)
    _take(best, at_high, ~done, groups)
    done |= ~at_high[4]  # not reached even at the cap: the cap it is
    while True:
        active = ~done & (high / low > 1 + tolerance)
        if not active.any():
            break
        middle = np.where(active, np.sqrt(low * high), high)
        trial = evaluate(middle)
        better = active & trial[4]
        _take(best, trial, better, groups)
        high = np.where(better, middle, high)
        low = np.where(active & ~trial[4], middle, low)
    return Allocations(best[0], best[1], best[2], best[3], best[4])


def _yield_floors(best: list, evaluate: Callable, values: np.ndarray, groups: np.ndarray, floor: np.ndarray,
                  targets: np.ndarray, reached: np.ndarray, tolerance: float, base_floor: float | None) -> None:
    """Floors give way to the promise: where a group reaches its target with every SKU at its floor, the
    floors lift the group's fill past what was promised. First the raised floors (a campaign's, above the
    base: ``base_floor``, else the group's lowest) are lowered toward the base by one common share; where
    the group still overshoots with every SKU at the base, every floor is then scaled down by one common
    factor toward MIN_FLOOR. Each is the least share that still reaches the target (bisected), every SKU
    at its floor: the featured SKUs stay the best protected, the cheap SKUs above the expensive, and the
    group is served what was promised, not more. Updates ``best``."""
    g = len(targets)
    if base_floor is None:
        lowest = np.full(g, np.inf)
        np.minimum.at(lowest, groups, floor)
        base = lowest[groups]
    else:
        base = np.minimum(float(base_floor), floor)
    raised = np.zeros(g, dtype=bool)
    np.logical_or.at(raised, groups, floor > base + 1e-12)
    over = reached & (best[3] > targets + tolerance)
    kept = _bisect_floors(best, evaluate, values, groups, over & raised, tolerance,
                          lambda share: base + share[groups] * (floor - base))
    at_base = ~raised | (kept <= tolerance)  # every SKU at the base floor still reaches the target
    over = reached & at_base & (best[3] > targets + tolerance)
    bottom = np.minimum(MIN_FLOOR, base)
    _bisect_floors(best, evaluate, values, groups, over, tolerance,
                   lambda share: bottom + share[groups] * (base - bottom))


def _bisect_floors(best: list, evaluate: Callable, values: np.ndarray, groups: np.ndarray, active: np.ndarray,
                   tolerance: float, floors_at: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """For the ``active`` groups, the least share in [0, 1] of ``floors_at(share)`` (share 1: today's
    floors, which reach the target) whose floors, every SKU at its floor, still reach it; per group the
    share kept (1 where not active)."""
    g = len(active)
    low, high = np.zeros(g), np.ones(g)
    if not active.any():
        return high

    def at_share(share):
        floors = floors_at(share)
        lam = np.full(g, np.inf)
        np.minimum.at(lam, groups, values / (1 - floors))  # every SKU at its (lowered) floor
        return evaluate(lam, floors)

    while True:
        open_ = active & (high - low > tolerance)
        if not open_.any():
            break
        middle = np.where(open_, (low + high) / 2, high)
        trial = at_share(middle)
        better = open_ & trial[4]
        _take(best, trial, better, groups)
        high = np.where(better, middle, high)
        low = np.where(open_ & ~trial[4], middle, low)
    return high


def _take(best: list, trial: tuple, which: np.ndarray, groups: np.ndarray) -> None:
    """``best`` takes ``trial``'s figures for the groups ``which`` (per SKU: the SKUs of those groups)."""
    rows = which[groups]
    for k, value in enumerate(trial):
        best[k] = np.where(rows if k < 3 else which, value, best[k])


__all__ = ["Allocation", "Allocations", "allocate_fill_rate", "allocate_fill_rates", "value_weights"]
