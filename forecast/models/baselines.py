"""Baselines, vectorised over all SKUs: seasonal naive (weekly) and moving average.

Both read the history as one SKU x day matrix (censored days are NaN, so they are skipped rather than
learned as zeros) and draw sample paths by bootstrapping each SKU's own past errors around the point
forecast, clipped at zero. A SKU without a single past error (too short a history) gets Poisson noise
around its level instead. ``predict`` needs no paths: the mean and quantiles of that distribution are
read off each SKU's sorted errors exactly (``residual_quantiles``).

The matrix and bootstrap helpers here are shared with the intermittent-demand family.
"""

from __future__ import annotations

from typing import Self

import numpy as np
import pandas as pd

from forecast.contract import QUANTILES, quantile_column
from forecast.models.base import Forecaster, SamplePaths, register

SEASON_DAYS = 7


def wide_history(history: pd.DataFrame) -> tuple[np.ndarray, pd.Timestamp, np.ndarray]:
    """History as a matrix: (skus, first forecast day, units[n_sku, n_days]).

    Censored days and days before a SKU's first row are NaN. Columns are the consecutive days from the
    first to the last history date; the forecast starts the day after the last one.
    """
    if history.empty:
        raise ValueError("history is empty: nothing to fit")
    units = history["units"].to_numpy(dtype=float, na_value=np.nan)
    units = np.where(history["censored"].to_numpy(dtype=bool), np.nan, units)
    day_of_row = pd.to_datetime(history["date"]).to_numpy().astype("datetime64[D]")
    first, last = day_of_row.min(), day_of_row.max()
    # factorize once (a hash pass) rather than casting 10^6 ids to str and searching them
    sku_index, skus = pd.factorize(history["sku"].astype(str), sort=True)
    matrix = np.full((len(skus), int((last - first).astype(int)) + 1), np.nan)
    matrix[sku_index, (day_of_row - first).astype(np.int64)] = units
    return np.asarray(skus, dtype=object), pd.Timestamp(last) + pd.Timedelta(days=1), matrix


#: values drawn per block of SKUs, so temporaries stay near 30 MB whatever the SKU count
BLOCK_VALUES = 4_000_000


def sku_blocks(n_sku: int, values_per_sku: int) -> list[slice]:
    """Consecutive SKU slices holding about BLOCK_VALUES draws each."""
    size = max(1, BLOCK_VALUES // max(values_per_sku, 1))
    return [slice(first, min(first + size, n_sku)) for first in range(0, n_sku, size)]


def bootstrap(pool: np.ndarray, shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """Draw ``shape`` = (n_paths, horizon) values per SKU from that SKU's row of ``pool``, ignoring NaN.

    Returns float32 (n_sku, n_paths, horizon); a SKU with an empty pool gets NaN. A vectorised gather per
    block of SKUs, no Python loop over SKUs: each row's valid values are moved to its front and indexed
    uniformly.
    """
    n_sku, draws_per_sku = pool.shape[0], shape[0] * shape[1]
    out = np.full((n_sku,) + shape, np.nan, dtype=np.float32)
    if pool.shape[1] == 0:
        return out
    valid = ~np.isnan(pool)
    counts = valid.sum(axis=1)
    order = np.argsort(~valid, axis=1, kind="stable")  # valid entries first, in time order
    packed = np.take_along_axis(pool, order, axis=1).astype(np.float32)
    for block in sku_blocks(n_sku, draws_per_sku):
        count = counts[block, None]
        uniform = rng.random((len(count), draws_per_sku), dtype=np.float32)
        index = np.minimum((uniform * count).astype(np.int32), np.maximum(count - 1, 0))
        out[block] = np.take_along_axis(packed[block], index, axis=1).reshape((len(count),) + shape)
    out[counts == 0] = np.nan
    return out


def residual_paths(
    skus: np.ndarray,
    start: pd.Timestamp,
    point: np.ndarray,
    residuals: np.ndarray,
    n_paths: int,
    seed: int,
) -> SamplePaths:
    """Paths = point forecast (n_sku, horizon) + bootstrapped residuals, clipped at 0.

    SKUs with no residuals get Poisson draws around the point forecast.
    """
    rng = np.random.default_rng(seed)
    horizon = point.shape[1]
    values = bootstrap(residuals, (n_paths, horizon), rng)
    values += point[:, None, :].astype(np.float32)
    empty = np.isnan(residuals).all(axis=1)
    if empty.any():
        values[empty] = rng.poisson(point[empty][:, None, :], (int(empty.sum()), n_paths, horizon))
    return SamplePaths(skus=skus, start=start, values=np.clip(values, 0, None, out=values))


def residual_quantiles(levels: np.ndarray, residuals: np.ndarray, quantiles=QUANTILES) -> tuple[np.ndarray, np.ndarray]:
    """Exact mean and quantiles of the distribution ``residual_paths`` samples, for each point level.

    The demand of a day with point forecast ``level`` is max(level + e, 0), e drawn uniformly from the
    SKU's non-NaN residuals (a SKU with none: Poisson(level)). Returns mean (n_sku, m) and quantiles
    (n_q, n_sku, m) for ``levels`` (n_sku, m). The q-quantile is the distribution's inverse CDF, the
    smallest value with at least q of the probability at or below it (what np.quantile of ever more
    paths approaches): with n residuals sorted, max(level + e_k, 0) for k = ceil(q n), since the
    clipped shift is non-decreasing in e.
    """
    levels = np.asarray(levels, dtype=np.float64)
    n_sku, m = levels.shape
    quantiles = np.asarray(quantiles, dtype=np.float64)
    pool = np.sort(np.asarray(residuals, dtype=np.float64), axis=1)  # NaN sort last
    if pool.shape[1] == 0:  # a history shorter than the season: no residual at all
        pool = np.full((n_sku, 1), np.nan)
    count = (~np.isnan(pool)).sum(axis=1)
    mean = np.empty((n_sku, m))
    qs = np.empty((len(quantiles), n_sku, m))
    # 0-based rank of the q-quantile; the epsilon keeps 0.8 x 200 = 160.00000000000003 at rank 159
    rank = np.ceil(quantiles[None, :] * count[:, None] - 1e-9).astype(np.int64) - 1
    at_rank = pool[np.arange(n_sku)[:, None], np.clip(rank, 0, pool.shape[1] - 1)]  # (n_sku, n_q); NaN if empty
    # E max(level + e, 0) = (sum of level + e over the residuals above -level) / n, read off cumulative sums
    cumulative = np.concatenate([np.zeros((n_sku, 1)), np.cumsum(np.nan_to_num(pool), axis=1)], axis=1)
    rows = np.arange(n_sku)
    for j in range(m):
        level = levels[:, j]
        clipped = (pool <= -level[:, None]).sum(axis=1)  # residuals taking the day to 0 (NaN compares False)
        above = cumulative[rows, count] - cumulative[rows, clipped]
        mean[:, j] = (above + (count - clipped) * level) / np.maximum(count, 1)
        qs[:, :, j] = np.maximum(level[:, None] + at_rank, 0).T
    empty = count == 0
    if empty.any():
        from scipy.stats import poisson

        rate = np.maximum(levels[empty], 0)
        mean[empty] = rate
        qs[:, empty] = np.where(rate[None] > 0, poisson.ppf(quantiles[:, None, None], np.maximum(rate, 1e-12)[None]), 0.0)
    return mean, qs


class _ResidualBootstrap(Forecaster):
    """A point forecast that repeats ``level_`` (n_sku, period) with bootstrapped ``residuals_``."""

    exact_quantiles = True

    def _levels(self) -> np.ndarray:
        raise NotImplementedError

    def sample_paths(self, horizon: int, n_paths: int = 200, seed: int = 0) -> SamplePaths:
        levels = self._levels()
        point = np.tile(levels, (1, -(-horizon // levels.shape[1])))[:, :horizon]
        return residual_paths(self.skus_, self.start_, point, self.residuals_, n_paths, seed)

    def predict(self, horizon: int, quantiles: tuple[float, ...] = QUANTILES, n_paths: int = 200,
                seed: int = 0) -> pd.DataFrame:
        """The exact mean and quantiles of the paths' distribution (``residual_quantiles``);
        ``n_paths`` and ``seed`` are not needed."""
        levels = self._levels()
        mean, qs = residual_quantiles(levels, self.residuals_, quantiles)
        column = np.arange(horizon) % levels.shape[1]
        n_sku = len(self.skus_)
        frame = pd.DataFrame({
            "sku": np.repeat(self.skus_, horizon),
            "date": np.tile(pd.date_range(self.start_, periods=horizon, freq="D").values, n_sku),
            "model": self.name,
            "mean": mean[:, column].reshape(-1),
        })
        for q, values in zip(quantiles, qs):
            frame[quantile_column(q)] = values[:, column].reshape(-1)
        return frame


def observed_mean(matrix: np.ndarray) -> np.ndarray:
    """Mean of each row over its non-NaN entries; 0 for a row with none."""
    valid = ~np.isnan(matrix)
    return np.where(valid, matrix, 0).sum(axis=1) / np.maximum(valid.sum(axis=1), 1)


def _last_valid(matrix: np.ndarray) -> np.ndarray:
    """Last non-NaN value of each row (NaN when the row has none)."""
    valid = ~np.isnan(matrix)
    position = matrix.shape[1] - 1 - np.argmax(valid[:, ::-1], axis=1)
    last = matrix[np.arange(matrix.shape[0]), position]
    return np.where(valid.any(axis=1), last, np.nan)


@register
class SeasonalNaive(_ResidualBootstrap):
    """Each day repeats the last uncensored value of the same weekday; errors are y(t) - y(t-7)."""

    name = "seasonal_naive"

    def __init__(self, season: int = SEASON_DAYS):
        self.season = season

    def fit(self, history: pd.DataFrame, campaigns: pd.DataFrame | None = None,
            products: pd.DataFrame | None = None) -> Self:
        skus, start, matrix = wide_history(history)
        n_days = matrix.shape[1]
        # pad on the left so the day count is a multiple of the season, aligned on the last day
        pad = (-n_days) % self.season
        padded = np.concatenate([np.full((len(skus), pad), np.nan), matrix], axis=1)
        by_phase = padded.reshape(len(skus), -1, self.season)  # (sku, week, phase)
        level = _last_valid(by_phase.transpose(0, 2, 1).reshape(-1, by_phase.shape[1])).reshape(len(skus), self.season)
        # a weekday never observed falls back to the SKU's mean over observed days, then to 0
        self.level_ = np.where(np.isnan(level), observed_mean(matrix)[:, None], level)
        self.residuals_ = matrix[:, self.season:] - matrix[:, :-self.season]
        self.skus_, self.start_ = skus, start
        return self

    def _levels(self) -> np.ndarray:
        return self.level_


@register
class MovingAverage(_ResidualBootstrap):
    """Flat forecast: the mean of the last ``window`` uncensored days; errors are y(t) - MA(t-1)."""

    name = "moving_average"

    def __init__(self, window: int = 28):
        self.window = window

    def fit(self, history: pd.DataFrame, campaigns: pd.DataFrame | None = None,
            products: pd.DataFrame | None = None) -> Self:
        skus, start, matrix = wide_history(history)
        # rolling over days (rows) for all SKUs (columns) at once; NaN (censored) days are skipped
        rolling = pd.DataFrame(matrix.T).rolling(self.window, min_periods=1).mean().to_numpy().T
        self.level_ = np.nan_to_num(_last_valid(rolling))
        self.residuals_ = matrix[:, 1:] - rolling[:, :-1]
        self.skus_, self.start_ = skus, start
        return self

    def _levels(self) -> np.ndarray:
        return self.level_[:, None]
