"""Baselines, vectorised over all SKUs: seasonal naive (weekly) and moving average.

Both read the history as one SKU x day matrix (censored days are NaN, so they are skipped rather than
learned as zeros) and draw sample paths by bootstrapping each SKU's own past errors around the point
forecast, clipped at zero. A SKU without a single past error (too short a history) gets Poisson noise
around its level instead.

The matrix and bootstrap helpers here are shared with the intermittent-demand family.
"""

from __future__ import annotations

from typing import Self

import numpy as np
import pandas as pd

from forecast.models.base import Forecaster, SamplePaths, register

SEASON_DAYS = 7


def wide_history(history: pd.DataFrame) -> tuple[np.ndarray, pd.Timestamp, np.ndarray]:
    """History as a matrix: (skus, first forecast day, units[n_sku, n_days]).

    Censored days and days before a SKU's first row are NaN. Columns are the consecutive days from the
    first to the last history date; the forecast starts the day after the last one.
    """
    if history.empty:
        raise ValueError("history is empty: nothing to fit")
    units = history["units"].astype(float).where(~history["censored"].astype(bool))
    dates = pd.to_datetime(history["date"]).dt.normalize()
    days = pd.date_range(dates.min(), dates.max(), freq="D")
    skus = np.sort(history["sku"].astype(str).unique())
    sku_index = pd.Index(skus).get_indexer(history["sku"].astype(str))
    day_index = ((dates - days[0]) // pd.Timedelta(days=1)).to_numpy()
    matrix = np.full((len(skus), len(days)), np.nan)
    matrix[sku_index, day_index] = units.to_numpy(dtype=float, na_value=np.nan)
    return skus.astype(object), days[-1] + pd.Timedelta(days=1), matrix


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
class SeasonalNaive(Forecaster):
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

    def sample_paths(self, horizon: int, n_paths: int = 200, seed: int = 0) -> SamplePaths:
        point = np.tile(self.level_, (1, -(-horizon // self.season)))[:, :horizon]
        return residual_paths(self.skus_, self.start_, point, self.residuals_, n_paths, seed)


@register
class MovingAverage(Forecaster):
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

    def sample_paths(self, horizon: int, n_paths: int = 200, seed: int = 0) -> SamplePaths:
        point = np.repeat(self.level_[:, None], horizon, axis=1)
        return residual_paths(self.skus_, self.start_, point, self.residuals_, n_paths, seed)
