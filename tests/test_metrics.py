"""Accuracy metrics against values computed by hand."""

from __future__ import annotations

import math

import pytest

from forecast import metrics


def test_wape_and_bias():
    # |10-12| + |0-1| + |30-27| = 6 over 40 units
    assert metrics.wape([10, 0, 30], [12, 1, 27]) == pytest.approx(0.15)
    assert metrics.bias([10, 0, 30], [12, 1, 27]) == pytest.approx(0.0)
    assert metrics.bias([10, 10], [12, 13]) == pytest.approx(0.25)
    assert math.isnan(metrics.wape([0, 0], [1, 1]))


def test_rmspe_ignores_days_without_sales_as_kaggle_did():
    # errors of 10 % and 10 %; the zero day is skipped
    assert metrics.rmspe([100, 200, 0], [110, 180, 5]) == pytest.approx(0.1)
    assert metrics.rmspe([100, 100], [100, 50]) == pytest.approx(math.sqrt(0.125))


def test_mase_and_rmsse_scale_by_the_in_sample_naive_error():
    train = [1, 3, 5, 7]  # one-step naive errors 2, 2, 2
    assert metrics.mase([3, 5], [4, 4], train) == pytest.approx(0.5)
    assert metrics.rmsse([3, 5], [4, 4], train) == pytest.approx(0.5)
    # seasonal lag 2: errors |5-1|, |7-3| = 4
    assert metrics.mase([3, 5], [4, 4], train, season=2) == pytest.approx(0.25)


def test_pinball_loss_weighs_under_forecasts_by_q():
    assert metrics.pinball_loss([10, 10], [8, 12], 0.9) == pytest.approx((0.9 * 2 + 0.1 * 2) / 2)
    assert metrics.pinball_loss([10], [8], 0.5) == pytest.approx(1.0)
    assert metrics.scaled_pinball_loss([10, 30], [10, 20], 0.5) == pytest.approx(2.5 / 20)


def test_coverage():
    assert metrics.coverage([1, 5, 9, 20], [0, 0, 0, 0], [10, 10, 10, 10]) == pytest.approx(0.75)
    assert metrics.quantile_coverage([1, 2, 3, 4], [2, 2, 2, 2]) == pytest.approx(0.5)
