"""A fill rate kept over a group of SKUs at the least stock value (planner.allocation, plan.allocated_levels)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.inventory import policy
from planner.inventory.allocation import allocate_fill_rate, value_weights
from planner.inventory.levels import allocated_levels, discrete_reorder_points, expected_cycle_shortage, order_up_to_levels

LEAD, REVIEW = 14, 7


def samples(means: np.ndarray, n_paths: int = 4000, seed: int = 0, lumpy: np.ndarray | None = None):
    """Lead-time and lead-time + review demand samples: Poisson, or Poisson-gamma (shape ``lumpy``) per SKU."""
    rng = np.random.default_rng(seed)
    rate = np.repeat(means[:, None], n_paths, axis=1)
    if lumpy is not None:
        rate = rate * rng.gamma(lumpy[:, None], 1 / lumpy[:, None], rate.shape)
    lead = rng.poisson(rate * LEAD).astype(float)
    return lead, lead + rng.poisson(rate * REVIEW)


def group_fill(lead, cycle, levels):
    return 1 - expected_cycle_shortage(lead, cycle, levels).sum() / (cycle - lead).mean(1).sum()


def test_the_allocation_holds_no_more_stock_value_than_the_cheapest_levels_found_by_brute_force():
    """Three SKUs: every combination of whole levels in a wide range is tried; the cheapest one whose
    group fill rate reaches 95 % is the optimum. The Lagrange allocation comes within 1 % of its value,
    and the same 95 % promised to each SKU on its own costs clearly more."""
    means, values = np.array([1.0, 2.0, 0.6]), np.array([50.0, 4.0, 12.0])
    lead, cycle = samples(means, lumpy=np.array([0.8, 2.0, 0.5]))
    ranges = [np.arange(int(np.quantile(c, 0.3)), int(np.quantile(c, 0.9995)) + 1) for c in cycle]
    review = (cycle - lead).mean(1).sum()
    shortage = [expected_cycle_shortage(np.repeat(lead[i:i + 1], len(r), 0), np.repeat(cycle[i:i + 1], len(r), 0), r)
                for i, r in enumerate(ranges)]
    best = np.inf
    for a, b in itertools.product(range(len(ranges[0])), range(len(ranges[1]))):
        left = (1 - 0.95) * review - shortage[0][a] - shortage[1][b]  # units short SKU 2 may still have
        ok = np.flatnonzero(shortage[2] <= left + 1e-12)
        if ok.size:
            best = min(best, ranges[0][a] * values[0] + ranges[1][b] * values[1] + ranges[2][ok[0]] * values[2])
    spread = allocated_levels(lead, cycle, np.full(3, 0.95), values, slow_units=0.0, floor=0.05)
    own = order_up_to_levels(lead, cycle, np.full(3, 0.95), "fill_rate", 0.0)[0]
    assert group_fill(lead, cycle, spread.level) >= 0.95
    assert (spread.level * values).sum() <= 1.01 * best
    assert (own * values).sum() > 1.15 * best


def test_a_cheaper_unit_is_protected_more_and_equal_values_get_one_cycle_service():
    means = np.array([3.0, 3.0, 3.0, 1.0])
    lead, cycle = samples(means, lumpy=np.full(4, 1.0))
    spread = allocated_levels(lead, cycle, np.full(4, 0.95), np.array([10.0, 10.0, 40.0, 10.0]), slow_units=0.0)
    assert spread.service[0] == spread.service[1] == spread.service[3]
    assert spread.service[2] < spread.service[0]
    assert spread.level[2] < spread.level[0]
    assert spread.service == pytest.approx(np.clip(1 - np.array([10, 10, 40, 10]) / (10 / (1 - spread.service[0])), 0.5, 0.999))


def test_the_group_reaches_its_target_and_barely_more():
    rng = np.random.default_rng(3)
    n = 60
    lead, cycle = samples(rng.uniform(0.5, 6.0, n), n_paths=800, lumpy=rng.uniform(0.3, 3.0, n))
    values = rng.uniform(1.0, 80.0, n)
    for target in (0.85, 0.95, 0.98):
        spread = allocated_levels(lead, cycle, np.full(n, target), values, slow_units=0.0)
        fill = group_fill(lead, cycle, spread.level)
        assert target <= fill < target + 0.005
        review = (cycle - lead).mean(1)
        assert np.average(spread.fill_rate, weights=review) == pytest.approx(fill)


def test_each_group_keeps_its_own_target():
    lead, cycle = samples(np.array([2.0, 2.0, 2.0, 2.0]), lumpy=np.full(4, 1.0))
    classes = np.array(["A", "A", "C", "C"])
    spread = allocated_levels(lead, cycle, np.array([0.98, 0.98, 0.90, 0.90]), np.array([5.0, 20.0, 5.0, 20.0]),
                              slow_units=0.0, groups=classes)
    for rows, target in (([0, 1], 0.98), ([2, 3], 0.90)):
        assert target <= group_fill(lead[rows], cycle[rows], spread.level[rows]) < target + 0.01


def test_a_target_beyond_the_cap_is_reported_as_not_reached():
    lead, cycle = np.zeros((2, 10)), np.tile(np.arange(10.0), (2, 1))  # review demand 0..9, uniform

    def levels_at(p):
        return policy.empirical_reorder_points(cycle, p)

    def shortage_at(s):
        return expected_cycle_shortage(lead, cycle, s)

    result = allocate_fill_rate(levels_at, shortage_at, cycle.mean(1), np.array([1.0, 2.0]), 0.999, cap=0.8)
    assert not result.reached and result.service.tolist() == [0.8, 0.8]
    assert result.fill_rate < 0.999


def test_bad_values_and_bounds_are_refused():
    with pytest.raises(ValueError, match="positive"):
        allocate_fill_rate(lambda p: p, lambda s: s, np.ones(2), np.array([1.0, 0.0]), 0.9)
    with pytest.raises(ValueError, match="floor"):
        allocate_fill_rate(lambda p: p, lambda s: s, np.ones(2), np.ones(2), 0.9, floor=0.99, cap=0.9)


def test_value_weights_fall_back_to_price_then_to_the_median():
    assert value_weights(np.array([0.0, 0.0])).tolist() == [1.0, 1.0]
    assert value_weights(np.array([2.0, 0.0, 6.0])).tolist() == [2.0, 4.0, 6.0]


def test_discrete_reorder_points_match_the_one_sku_formula():
    rng = np.random.default_rng(5)
    mean = rng.uniform(0.0, 15.0, 40)
    variance = mean * rng.uniform(0.5, 6.0, 40)
    service = rng.uniform(0.5, 0.999, 40)
    expected = [policy.negative_binomial_reorder_point(m, v, p) for m, v, p in zip(mean, variance, service)]
    assert discrete_reorder_points(mean, variance, service).tolist() == expected


def test_a_per_sku_floor_holds_a_featured_sku_up_and_the_others_carry_less():
    """A SKU featured in a campaign gets its own floor (PlanSettings.campaign_service): it is planned at
    that cycle service at least, and the group's target is then met with less from the others."""
    rng = np.random.default_rng(5)
    n = 20
    lead, cycle = samples(rng.uniform(0.5, 4.0, n), n_paths=800, lumpy=rng.uniform(0.5, 2.0, n))
    values = rng.uniform(5.0, 60.0, n)
    expensive = int(values.argmax())
    plain = allocated_levels(lead, cycle, np.full(n, 0.90), values, slow_units=0.0)
    floors = np.full(n, 0.5)
    floors[expensive] = 0.97
    held = allocated_levels(lead, cycle, np.full(n, 0.90), values, slow_units=0.0, floor=floors)
    assert plain.service[expensive] < 0.97 <= held.service[expensive]
    others = np.arange(n) != expensive
    assert (held.service[others] <= plain.service[others] + 1e-12).all()
    assert (held.service[others] < plain.service[others] - 1e-6).any()
    assert 0.90 <= group_fill(lead, cycle, held.level) < 0.905


def test_raised_floors_give_way_to_the_promise_and_stay_the_best_protected():
    """Most SKUs featured (floors 0.97): at the floors alone the group would be served 5 points more than
    its target. The raised floors are lowered by one common share until the group is served 80 %; the
    featured SKUs stay above the others, and the others stay at their own floor."""
    rng = np.random.default_rng(11)
    n = 20
    lead, cycle = samples(rng.uniform(0.5, 4.0, n), n_paths=800, lumpy=rng.uniform(0.5, 2.0, n))
    values = rng.uniform(5.0, 60.0, n)
    featured = np.arange(n) < 17
    floors = np.where(featured, 0.97, 0.3)
    at_floors, _, _ = order_up_to_levels(lead, cycle, floors, "cycle", 0.0)
    promise = round(group_fill(lead, cycle, at_floors) - 0.05, 2)  # the floors alone serve 5 points more
    held = allocated_levels(lead, cycle, np.full(n, promise), values, slow_units=0.0, floor=floors)
    assert promise <= group_fill(lead, cycle, held.level) < promise + 0.005
    assert held.service[featured].min() > held.service[~featured].max()
    assert np.allclose(held.service[~featured], 0.3)
    assert np.ptp(held.service[featured]) < 1e-9  # one share for every raised floor: all at the same lowered floor


def test_when_every_sku_is_featured_the_floors_give_way_toward_the_base_floor():
    """A promotion on every SKU (Rossmann's stores): every floor raised, none lower to give way toward
    within the group; ``base_floor`` (the plan's min_sku_service) is where they yield to."""
    rng = np.random.default_rng(12)
    n = 20
    lead, cycle = samples(rng.uniform(2.0, 8.0, n), n_paths=800)
    values = rng.uniform(5.0, 60.0, n)
    floors = np.full(n, 0.95)
    at_floors, _, _ = order_up_to_levels(lead, cycle, floors, "cycle", 0.0)
    promise = round(group_fill(lead, cycle, at_floors) - 0.03, 2)
    held = allocated_levels(lead, cycle, np.full(n, promise), values, slow_units=0.0, floor=floors, base_floor=0.4)
    assert promise <= group_fill(lead, cycle, held.level) < promise + 0.005
    assert 0.4 < held.service.min()
    assert np.ptp(held.service) < 1e-9  # every floor lowered by the same share


def test_a_promise_below_what_the_least_service_serves_is_kept_by_lowering_every_floor():
    """A low promise on steady SKUs (80 % where every SKU at min_sku_service already serves about 90 %):
    a featured SKU's raised floor gives way first, then every floor by one common factor, until the group
    is served its promise. Before, the plan delivered the floors' fill whatever was promised."""
    rng = np.random.default_rng(13)
    n = 20
    lead, cycle = samples(rng.uniform(2.0, 8.0, n), n_paths=800)
    values = rng.uniform(5.0, 60.0, n)
    featured = np.arange(n) < 3
    floors = np.where(featured, 0.97, 0.4)
    at_floors, _, _ = order_up_to_levels(lead, cycle, floors, "cycle", 0.0)
    promise = round(group_fill(lead, cycle, at_floors) - 0.08, 2)
    held = allocated_levels(lead, cycle, np.full(n, promise), values, slow_units=0.0, floor=floors, base_floor=0.4)
    assert promise <= group_fill(lead, cycle, held.level) < promise + 0.005
    assert held.service.max() < 0.4  # the raised floors went first, then every floor
    assert held.service[featured].min() >= held.service[~featured].max() - 1e-12
    assert np.ptp(held.service[~featured]) < 1e-9


@settings(max_examples=40, deadline=None)
@given(mean=st.one_of(st.just(0.0), st.floats(1e-3, 25.0)), dispersion=st.floats(0.5, 8.0),
       service=st.floats(0.01, 0.999))
def test_discrete_quantile_table_gives_scipys_discrete_quantiles(mean, dispersion, service):
    """The allocation's precomputed CDF search reads the same levels as scipy's ppf, Poisson (variance
    at most the mean) and negative binomial alike."""
    from planner.inventory.levels import DiscreteQuantiles

    means, variances = np.array([mean, mean]), np.array([mean * dispersion, mean])
    services = np.array([service, service])
    assert DiscreteQuantiles(means, variances).at(services).tolist() == discrete_reorder_points(means, variances, services).tolist()


def test_the_grid_allocation_equals_each_targets_own_allocation():
    """levels_at_targets shares the samples' sort, moments and CDFs across the grid's targets and
    computes a bisection step's shortage only where a level moved: the levels are exactly those of an
    allocation made for each target alone (slow and fast movers, lots, groups, per-SKU floors)."""
    from planner.inventory.levels import levels_at_targets

    rng = np.random.default_rng(4)
    means = np.concatenate([rng.uniform(0.05, 0.8, 20), rng.uniform(2.0, 12.0, 20)])
    lead, cycle = samples(means, n_paths=200, seed=5, lumpy=rng.uniform(0.3, 3.0, len(means)))
    lots = rng.integers(1, 12, len(means)).astype(float)
    values = rng.uniform(0.5, 3.0, len(means))
    groups = rng.integers(0, 3, len(means))
    floors = rng.uniform(0.3, 0.7, len(means))
    grid = (0.5, 0.9, 0.95, 0.99)
    shared = levels_at_targets(lead, cycle, grid, "fill_rate", 20.0, lots, values, groups, floors)
    for k, target in enumerate(grid):
        alone = allocated_levels(lead, cycle, np.full(len(means), target), values, 20.0, lots, groups, floors)
        assert shared[:, k].tolist() == alone.level.tolist()


def test_the_shortage_cache_equals_a_fresh_computation_at_every_step():
    """The bisection's shortage, kept from step to step for rows whose level did not move, is at each
    call what expected_cycle_shortage computes afresh."""
    from planner.inventory.levels import _ShortageCache

    lead, cycle = samples(np.array([0.5, 3.0, 8.0, 1.0]), n_paths=300, seed=2)
    rows = np.array([0, 1, 2, 3, 2, 0])
    lots = np.array([1.0, 6.0, 1.0, 12.0, 3.0, 2.0])
    cache = _ShortageCache(lead, cycle, rows, lots)
    rng = np.random.default_rng(3)
    levels = np.zeros(len(rows))
    for _ in range(8):
        levels = np.where(rng.uniform(size=len(rows)) < 0.5, rng.integers(0, 200, len(rows)), levels).astype(float)
        fresh = expected_cycle_shortage(lead[rows], cycle[rows], levels, lots)
        assert cache(levels).tolist() == fresh.tolist()
