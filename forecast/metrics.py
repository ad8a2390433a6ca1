"""Forecast accuracy metrics: small pure functions on arrays (actual first, forecast second).

Point metrics take the point forecast (the planner's is the median, p50); pinball loss and coverage take
quantiles. Days to leave out (censored, closed) are left out by the caller.
"""

from __future__ import annotations

import numpy as np


def _arrays(*values) -> list[np.ndarray]:
    return [np.asarray(v, dtype=float) for v in values]


def wape(actual, forecast) -> float:
    """Weighted absolute percentage error: sum |y - f| / sum y (NaN when there is no demand).

    >>> wape([10, 0, 30], [12, 1, 27])
    0.15
    """
    y, f = _arrays(actual, forecast)
    total = np.abs(y).sum()
    return float(np.abs(y - f).sum() / total) if total > 0 else float("nan")


def bias(actual, forecast) -> float:
    """Relative bias: sum (f - y) / sum y; positive means over-forecasting.

    >>> bias([10, 0, 30], [12, 1, 27])
    0.0
    """
    y, f = _arrays(actual, forecast)
    total = np.abs(y).sum()
    return float((f - y).sum() / total) if total > 0 else float("nan")


def rmspe(actual, forecast) -> float:
    """Root mean square percentage error over days with y > 0, as Kaggle scored Rossmann:
    sqrt(mean(((y - f) / y)^2)); days with no sales are ignored.

    >>> round(rmspe([100, 200, 0], [110, 180, 5]), 6)
    0.1
    """
    y, f = _arrays(actual, forecast)
    keep = y > 0
    if not keep.any():
        return float("nan")
    return float(np.sqrt(np.mean(((y[keep] - f[keep]) / y[keep]) ** 2)))


def _naive_scale(train, season: int, power: int) -> float:
    """Mean |y_t - y_{t-season}|^power over the in-sample history (NaN days skipped)."""
    x = np.asarray(train, dtype=float)
    if len(x) <= season:
        return float("nan")
    diffs = np.abs(x[season:] - x[:-season]) ** power
    diffs = diffs[~np.isnan(diffs)]
    return float(diffs.mean()) if len(diffs) else float("nan")


def mase(actual, forecast, train, season: int = 1) -> float:
    """Mean absolute scaled error: mean |y - f| / mean |train_t - train_{t-season}| (Hyndman & Koehler 2006).

    >>> mase([3, 5], [4, 4], train=[1, 3, 5, 7])
    0.5
    """
    y, f = _arrays(actual, forecast)
    scale = _naive_scale(train, season, 1)
    return float(np.mean(np.abs(y - f)) / scale) if scale and scale > 0 else float("nan")


def rmsse(actual, forecast, train, season: int = 1) -> float:
    """Root mean squared scaled error (M5): sqrt(mean (y - f)^2 / mean (train_t - train_{t-season})^2).

    >>> rmsse([3, 5], [4, 4], train=[1, 3, 5, 7])
    0.5
    """
    y, f = _arrays(actual, forecast)
    scale = _naive_scale(train, season, 2)
    return float(np.sqrt(np.mean((y - f) ** 2) / scale)) if scale and scale > 0 else float("nan")


def pinball_loss(actual, quantile_forecast, q: float) -> float:
    """Mean pinball (quantile) loss of the q-quantile: mean max(q (y - f), (q - 1)(y - f)).

    >>> pinball_loss([10, 10], [8, 12], 0.9)
    1.0
    """
    y, f = _arrays(actual, quantile_forecast)
    diff = y - f
    return float(np.mean(np.maximum(q * diff, (q - 1) * diff)))


def scaled_pinball_loss(actual, quantile_forecast, q: float) -> float:
    """Pinball loss divided by mean demand, comparable across SKUs of different volume."""
    y, _ = _arrays(actual, quantile_forecast)
    level = np.abs(y).mean()
    return pinball_loss(actual, quantile_forecast, q) / level if level > 0 else float("nan")


def coverage(actual, lower, upper) -> float:
    """Share of actuals inside [lower, upper].

    >>> coverage([1, 5, 9, 20], [0, 0, 0, 0], [10, 10, 10, 10])
    0.75
    """
    y, lo, hi = _arrays(actual, lower, upper)
    return float(np.mean((y >= lo) & (y <= hi))) if len(y) else float("nan")


def quantile_coverage(actual, quantile_forecast) -> float:
    """Share of actuals at or below the quantile forecast (should be close to q)."""
    y, f = _arrays(actual, quantile_forecast)
    return float(np.mean(y <= f)) if len(y) else float("nan")
