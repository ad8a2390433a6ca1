"""Golden tests from the textbooks, exact checks against brute force, and hypothesis properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from planner.inventory import policy


# ------------------------------------------------------------------ textbook examples (FoSCT)

def test_fosct_example_4_3_newsvendor():
    """Snyder & Shen, FoSCT 2nd ed., Example 4.3: N(50, 8^2), h = 0.18, p = 0.70 -> S* = 56.6040."""
    assert round(policy.critical_ratio(0.18, 0.70), 4) == 0.7955
    assert round(policy.newsvendor_normal(50, 8, 0.18, 0.70), 4) == 56.6040


def test_fosct_example_4_4_base_stock():
    """FoSCT Example 4.4: the same demand per period, lead time 4 -> S* = 264.7669."""
    assert round(policy.base_stock_level(50, 8, 4, 0.18, 0.7), 4) == 264.7669


def test_fosct_example_3_1_eoq():
    """FoSCT Example 3.1: K = 8, lambda = 1300, h = 0.225 -> Q* = 304.0468."""
    assert round(policy.economic_order_quantity(8, 1300, 0.225), 4) == 304.0468


# ------------------------------------------------------------------ SPT fill rates

def test_spt_standard_normal_loss_table():
    """G_u(k) as tabulated in SPT Appendix II (4 decimals): G_u(0) = 0.3989, G_u(1) = 0.0833,
    G_u(2) = 0.0085, G_u(-1) = 1.0833 (= G_u(1) + 1)."""
    expected = {0.0: 0.3989, 1.0: 0.0833, 2.0: 0.0085, -1.0: 1.0833, 0.5: 0.1978, 1.5: 0.0293}
    for k, g in expected.items():
        assert round(float(policy.standard_normal_loss(k)), 4) == g, k


def test_spt_fill_rate_rule_q200_sigma50_p98():
    """SPT's P2 rule G_u(k) = Q (1 - P2) / sigma_L with Q = 200, sigma_L = 50, P2 = 0.98.

    Derived here, not a number printed in SPT: G_u(k) = 200 x 0.02 / 50 = 0.08, and the standard
    normal loss table gives k between 1.02 (G = 0.0802) and 1.03 (G = 0.0787); solved: k = 1.0212.
    """
    k = policy.fill_rate_safety_factor(0.98, 200, 50)
    assert round(k, 4) == 1.0212
    assert 1.02 < k < 1.03
    # the definition: expected shortage per cycle / Q = 1 - P2
    assert math.isclose(50 * policy.standard_normal_loss(k) / 200, 0.02, rel_tol=1e-9)


def test_spt_fill_rate_rule_low_target_gives_negative_k():
    """Derived: Q = 500, sigma_L = 100, P2 = 0.90 -> G_u(k) = 0.5 > G_u(0) = 0.3989, so k < 0
    (a large lot alone already serves 90 %). G_u(-0.2) = 0.5069 and G_u(-0.15) = 0.4779 bracket it."""
    k = policy.fill_rate_safety_factor(0.90, 500, 100)
    assert -0.2 < k < -0.15
    assert math.isclose(policy.standard_normal_loss(k), 0.5, rel_tol=1e-9)


def test_fill_rate_factor_matches_simulation_of_s_q_policy():
    """An (s, Q) system with normal lead-time demand and the SPT k serves about P2 (backorders,
    shortage per cycle = sigma_L G_u(k)); checked by Monte Carlo."""
    rng = np.random.default_rng(7)
    mean, sd, q, target = 300.0, 60.0, 150.0, 0.95
    s = mean + policy.fill_rate_safety_factor(target, q, sd) * sd
    demand = rng.normal(mean, sd, 400_000)
    short = np.maximum(demand - s, 0).mean() - np.maximum(demand - s - q, 0).mean()
    assert abs((1 - short / q) - target) < 0.003


def test_cycle_service_safety_stock():
    assert round(policy.cycle_service_safety_factor(0.98), 4) == 2.0537
    assert round(policy.safety_stock(policy.cycle_service_safety_factor(0.98), 10), 3) == 20.537


def test_lead_time_demand_with_lead_time_variability_matches_simulation():
    """sigma_L^2 = L sigma_d^2 + d^2 sigma_LT^2 against a compound simulation (integer lead times)."""
    mean, sd = policy.lead_time_demand(4.0, 2.0, 10, 3)
    assert mean == 40.0
    assert math.isclose(sd, math.sqrt(10 * 4 + 16 * 9))
    rng = np.random.default_rng(1)
    lead_times = rng.choice([7, 10, 13], size=40_000)  # mean 10, variance 6
    totals = np.array([rng.normal(4.0, 2.0, n).sum() for n in lead_times[:20_000]])
    expected_sd = math.sqrt(10 * 4 + 16 * 6)
    assert abs(totals.std() - expected_sd) / expected_sd < 0.03


# ------------------------------------------------------------------ discrete (slow movers)

def test_poisson_reorder_point_is_smallest_level_meeting_target():
    for mean in (0.3, 1.0, 2.5, 7.0):
        for target in (0.8, 0.9, 0.95, 0.99):
            s = policy.poisson_reorder_point(mean, target)
            assert stats.poisson.cdf(s, mean) >= target
            assert s == 0 or stats.poisson.cdf(s - 1, mean) < target


def test_negative_binomial_reorder_point_wider_than_poisson():
    """Same mean, more variance -> a higher reorder point at 95 %."""
    assert policy.negative_binomial_reorder_point(3.0, 9.0, 0.95) > policy.poisson_reorder_point(3.0, 0.95)
    assert policy.negative_binomial_reorder_point(3.0, 3.0, 0.95) == policy.poisson_reorder_point(3.0, 0.95)


@pytest.mark.parametrize("level", [0, 1, 3, 8])
def test_discrete_loss_functions_match_brute_force(level):
    d = np.arange(0, 400)
    pois = np.sum(np.maximum(d - level, 0) * stats.poisson.pmf(d, 3.0))
    assert math.isclose(policy.poisson_loss(level, 3.0), pois, rel_tol=1e-9, abs_tol=1e-12)
    n, p = 1.5, 1 / 3  # mean 3, variance 9
    nb = np.sum(np.maximum(d - level, 0) * stats.nbinom.pmf(d, n, p))
    assert math.isclose(policy.negative_binomial_loss(level, 3.0, 9.0), nb, rel_tol=1e-9, abs_tol=1e-12)


def test_discrete_fill_rate_reorder_point_is_smallest():
    mean, q, target = 2.0, 3, 0.97
    s = policy.discrete_fill_rate_reorder_point(target, q, mean)
    short = lambda level: policy.poisson_loss(level, mean) - policy.poisson_loss(level + q, mean)  # noqa: E731
    assert short(s) <= (1 - target) * q < short(s - 1)


# ------------------------------------------------------------------ empirical (sample paths)

def test_empirical_reorder_point_converges_to_poisson():
    rng = np.random.default_rng(3)
    samples = rng.poisson(6.0, 200_000)
    assert policy.empirical_reorder_point(samples, 0.95) == policy.poisson_reorder_point(6.0, 0.95)


def test_empirical_fill_rate_reorder_point_agrees_with_discrete_formula():
    rng = np.random.default_rng(4)
    samples = rng.poisson(4.0, 200_000)
    assert policy.empirical_fill_rate_reorder_point(samples, 0.95, 5) == policy.discrete_fill_rate_reorder_point(
        0.95, 5, 4.0
    )


def test_empirical_periodic_review_fill_rate_level():
    """(R, S): S is the smallest level with E[(D_{L+R} - S)^+] - E[(D_L - S)^+] <= (1 - P2) E[D_R]."""
    rng = np.random.default_rng(5)
    daily = rng.poisson(2.0, (20_000, 14))
    lead, cycle = daily[:, :7].sum(1), daily.sum(1)
    level = policy.empirical_fill_rate_reorder_point(lead, 0.95, 14.0, cycle_demand_samples=cycle)

    def short(s):
        return np.maximum(cycle - s, 0).mean() - np.maximum(lead - s, 0).mean()

    assert short(level) <= 0.05 * 14.0 < short(level - 1)


def test_probability_outside_unit_interval_names_the_value():
    with pytest.raises(ValueError, match="service_level must be strictly between 0 and 1; got 1.2"):
        policy.poisson_reorder_point(3, 1.2)


# ------------------------------------------------------------------ rounding

def test_rounding_examples():
    assert policy.round_order_quantity(180, moq=100, case_pack=24) == 192
    assert policy.round_order_quantity(30, moq=100, case_pack=24) == 120
    assert policy.round_order_quantity(-5, moq=100, case_pack=24) == 0
    # EOQ floor, capped by the cover cap, but never below the need
    assert policy.round_order_quantity(50, case_pack=10, economic_quantity=304) == 310
    assert policy.round_order_quantity(50, case_pack=10, economic_quantity=304, max_quantity=200) == 200
    assert policy.round_order_quantity(250, case_pack=10, economic_quantity=304, max_quantity=200) == 250


@settings(max_examples=300, deadline=None)
@given(
    need=st.floats(-50, 5000, allow_nan=False),
    moq=st.integers(1, 500),
    case_pack=st.integers(1, 60),
    economic=st.one_of(st.none(), st.floats(0, 3000)),
    cap=st.one_of(st.none(), st.floats(0, 3000)),
)
def test_rounded_quantity_is_whole_cases_and_meets_moq_or_zero(need, moq, case_pack, economic, cap):
    q = policy.round_order_quantity(need, moq=moq, case_pack=case_pack, economic_quantity=economic, max_quantity=cap)
    assert q == 0 or (q % case_pack == 0 and q >= moq and q >= need)
    assert (q == 0) == (need <= 0)


@settings(max_examples=100, deadline=None)
@given(
    mean=st.floats(0.05, 40),
    extra=st.floats(1.0, 5.0),
    a=st.floats(0.5, 0.995),
    b=st.floats(0.5, 0.995),
)
def test_higher_service_target_never_lowers_reorder_point(mean, extra, a, b):
    low, high = sorted((a, b))
    assert policy.poisson_reorder_point(mean, low) <= policy.poisson_reorder_point(mean, high)
    var = mean * extra
    assert policy.negative_binomial_reorder_point(mean, var, low) <= policy.negative_binomial_reorder_point(
        mean, var, high
    )
    assert policy.discrete_fill_rate_reorder_point(low, 2, mean) <= policy.discrete_fill_rate_reorder_point(high, 2, mean)
    samples = np.random.default_rng(0).poisson(mean, 500)
    assert policy.empirical_reorder_point(samples, low) <= policy.empirical_reorder_point(samples, high)
    assert policy.empirical_fill_rate_reorder_point(samples, low, 3) <= policy.empirical_fill_rate_reorder_point(
        samples, high, 3
    )


@settings(max_examples=60, deadline=None)
@given(
    a=st.floats(0.5, 0.999),
    b=st.floats(0.5, 0.999),
    q=st.floats(1, 1000),
    sd=st.floats(0.5, 300),
)
def test_fill_rate_safety_factor_monotone(a, b, q, sd):
    low, high = sorted((a, b))
    assert policy.fill_rate_safety_factor(low, q, sd) <= policy.fill_rate_safety_factor(high, q, sd) + 1e-9
    # a bigger lot serves more demand between stockouts: needs no more safety
    assert policy.fill_rate_safety_factor(high, q * 2, sd) <= policy.fill_rate_safety_factor(high, q, sd) + 1e-9


def test_discrete_periodic_fill_rate_level_agrees_with_empirical():
    """Poisson demand, 7-day lead time + 7-day review at 0.4/day: the closed-form discrete level equals
    the level read off 200,000 simulated paths."""
    rng = np.random.default_rng(11)
    daily = rng.poisson(0.4, (200_000, 14))
    lead, cycle = daily[:, :7].sum(1), daily.sum(1)
    empirical = policy.empirical_fill_rate_reorder_point(lead, 0.95, 2.8, cycle_demand_samples=cycle)
    assert policy.discrete_periodic_fill_rate_level(0.95, 2.8, 2.8, 5.6, 5.6) == empirical


def test_batched_empirical_levels_equal_row_by_row():
    rng = np.random.default_rng(9)
    lead = rng.poisson(rng.uniform(0.5, 30, (40, 1)), (40, 150)).astype(float)
    cycle = lead + rng.poisson(3.0, (40, 150))
    targets = rng.uniform(0.6, 0.99, 40)
    batched = policy.empirical_fill_rate_levels(lead, targets, 3.0, cycle)
    points = policy.empirical_reorder_points(cycle, targets)
    for i in range(40):
        assert batched[i] == policy.empirical_fill_rate_reorder_point(lead[i], targets[i], 3.0, cycle[i])
        assert points[i] == np.quantile(cycle[i], targets[i], method="inverted_cdf")
