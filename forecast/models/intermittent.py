"""Intermittent demand: Croston, SBA and TSB, vectorised over SKUs (one numpy step per day, not per SKU).

Each model splits demand into how often it occurs and how large it is when it does:

* Croston (1972): smooths the demand size z and the interval p between demands, both updated only on
  days with demand; forecast rate z / p.
* SBA (Syntetos & Boylan 2005): Croston times (1 - alpha / 2), removing Croston's positive bias.
* TSB (Teunter, Syntetos & Babai 2011): smooths the probability of demand every day (so it decays
  towards 0 for a dying SKU) and the size on demand days; forecast rate probability x size.

Smoothing constants are fixed, ``alpha = beta = 0.1`` by default (the literature's usual value for daily
data; optimising them per SKU on short intermittent series overfits). Censored days are not observed
days: they neither count in the interval nor update the probability.

Sample paths: each day demand occurs with the model's probability (1 / p for Croston and SBA, the
smoothed probability for TSB) and its size is drawn from the SKU's own past non-zero demands, rescaled so
their mean is the smoothed size. The mean of the paths is therefore the model's forecast rate, while the
shape of sizes (a few big orders) stays the SKU's own.
"""

from __future__ import annotations

from typing import ClassVar, Self

import numpy as np
import pandas as pd

from forecast.models.base import Forecaster, SamplePaths, register
from forecast.models.baselines import bootstrap, observed_mean, sku_blocks, wide_history


def croston_states(matrix: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Smoothed demand size z and interval p per SKU at the end of the history (NaN without demand).

    Initialised on the first demand: z = its size, p = the days up to it.
    """
    n_sku = matrix.shape[0]
    size = np.full(n_sku, np.nan)
    interval = np.full(n_sku, np.nan)
    since_last = np.zeros(n_sku)
    for day in matrix.T:
        observed = ~np.isnan(day)
        since_last += observed
        demand = observed & (day > 0)
        first = demand & np.isnan(size)
        later = demand & ~first
        size[first], interval[first] = day[first], since_last[first]
        size[later] += alpha * (day[later] - size[later])
        interval[later] += alpha * (since_last[later] - interval[later])
        since_last[demand] = 0
    return size, interval


def tsb_states(matrix: np.ndarray, alpha: float, beta: float) -> tuple[np.ndarray, np.ndarray]:
    """Smoothed demand probability and size per SKU at the end of the history.

    Initialised at the SKU's overall share of demand days and mean non-zero size (more stable than the
    first observation on daily data), then updated day by day.
    """
    observed = ~np.isnan(matrix)
    occurs = np.where(observed, matrix > 0, False)
    probability = occurs.sum(axis=1) / np.maximum(observed.sum(axis=1), 1)
    size = observed_mean(np.where(occurs, matrix, np.nan))
    for day, seen, hit in zip(matrix.T, observed.T, occurs.T):
        probability[seen] += beta * (hit[seen] - probability[seen])
        size[hit] += alpha * (day[hit] - size[hit])
    return probability, size


class _Intermittent(Forecaster):
    name: ClassVar[str] = "intermittent"

    def __init__(self, alpha: float = 0.1):
        self.alpha = alpha

    def _rates(self, matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(probability of demand per day, mean size on a demand day) per SKU."""
        raise NotImplementedError

    def fit(self, history: pd.DataFrame, campaigns: pd.DataFrame | None = None,
            products: pd.DataFrame | None = None) -> Self:
        self.skus_, self.start_, matrix = wide_history(history)
        probability, size = self._rates(matrix)
        self.probability_ = np.nan_to_num(np.clip(probability, 0, 1))
        self.size_ = np.nan_to_num(size)
        self.sizes_ = np.where(matrix > 0, matrix, np.nan)  # the pool sizes are drawn from
        return self

    @property
    def rate_(self) -> np.ndarray:
        """Forecast demand per day per SKU."""
        return self.probability_ * self.size_

    def rate_of(self, matrix: np.ndarray) -> np.ndarray:
        """The ``rate_`` a fit on the SKU x day ``matrix`` (NaN: censored or no row) would give, without
        the long frame: for callers that fit one matrix at several cut-offs (forecast.point)."""
        probability, size = self._rates(matrix)
        return np.nan_to_num(np.clip(probability, 0, 1)) * np.nan_to_num(size)

    def sample_paths(self, horizon: int, n_paths: int = 200, seed: int = 0) -> SamplePaths:
        rng = np.random.default_rng(seed)
        pool_mean = observed_mean(self.sizes_)
        scale = np.divide(self.size_, pool_mean, out=np.zeros_like(pool_mean), where=pool_mean > 0)
        values = bootstrap(self.sizes_, (n_paths, horizon), rng)
        values[np.isnan(self.sizes_).all(axis=1)] = 0.0  # never sold: nothing to draw sizes from
        values *= scale[:, None, None].astype(np.float32)
        for block in sku_blocks(len(self.skus_), n_paths * horizon):
            idle = rng.random(values[block].shape, dtype=np.float32) >= self.probability_[block, None, None]
            values[block][idle] = 0.0
        return SamplePaths(skus=self.skus_, start=self.start_, values=np.clip(values, 0, None, out=values))


@register
class Croston(_Intermittent):
    name = "croston"

    def _rates(self, matrix):
        size, interval = croston_states(matrix, self.alpha)
        return 1 / interval, size


@register
class SBA(_Intermittent):
    """Syntetos-Boylan approximation: Croston's rate times (1 - alpha / 2)."""

    name = "sba"

    def _rates(self, matrix):
        size, interval = croston_states(matrix, self.alpha)
        return 1 / interval, size * (1 - self.alpha / 2)


@register
class TSB(_Intermittent):
    name = "tsb"

    def __init__(self, alpha: float = 0.1, beta: float = 0.1):
        super().__init__(alpha)
        self.beta = beta

    def _rates(self, matrix):
        return tsb_states(matrix, self.alpha, self.beta)
