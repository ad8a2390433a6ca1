"""What the per-SKU model families (ETS, SARIMAX, Prophet) share: one fit per SKU through the executor.

A family supplies two module-level functions (so they pickle to worker processes and Dask workers):

* ``fit_one(sku, series, **params) -> state`` -- a *small* picklable state (fitted parameters, not the
  results object: a SARIMAX results object pickles to ~10 MB), or a ``Fallback`` when the series
  cannot carry the model;
* ``simulate_one(sku, SimulationTask) -> ndarray (n_paths, horizon)`` -- rebuilds the model from the
  series and the state (a filter pass, no optimisation) and simulates from it.

Fallbacks (all-zero, too short or failed fits) are recorded per SKU in ``fallbacks_`` with the reason,
and forecast a flat Poisson rate at the SKU's mean over its observed days.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from functools import partial
from typing import Any, Callable, ClassVar, Self

import numpy as np
import pandas as pd

from forecast.contract import CAMPAIGN_TYPES
from forecast.executor import Executor, map_skus
from forecast.models.base import Forecaster, SamplePaths
from forecast.models.baselines import wide_history


@dataclass(frozen=True)
class Series:
    """One SKU's training data: daily units (NaN on censored days) and its regressors, same index."""

    units: pd.Series
    exog: pd.DataFrame | None = None


@dataclass(frozen=True)
class Fallback:
    """A SKU the model could not fit: forecast Poisson(level) and say why."""

    level: float
    reason: str


@dataclass(frozen=True)
class SimulationTask:
    series: Series
    state: Any
    future_exog: pd.DataFrame | None
    horizon: int
    n_paths: int
    seed: int


def sku_rng(seed: int, sku: str) -> np.random.Generator:
    """A generator that depends on the seed and the SKU only, so results do not depend on the executor,
    the chunking or the other SKUs in the run."""
    return np.random.default_rng([seed, zlib.crc32(sku.encode())])


def fallback_for(units: pd.Series, min_days: int) -> Fallback | None:
    """A Fallback when ``units`` is all zero or has fewer than ``min_days`` observed days, else None."""
    observed = units.dropna()
    level = float(observed.mean()) if len(observed) else 0.0
    if len(observed) < min_days:
        return Fallback(level, f"{len(observed)} observed days, fewer than {min_days}")
    if (observed == 0).all():
        return Fallback(0.0, "no demand in the history")
    return None


def simulate_fallback(sku: str, task: SimulationTask) -> np.ndarray:
    return sku_rng(task.seed, sku).poisson(task.state.level, (task.n_paths, task.horizon)).astype(float)


def regressors(
    campaigns: pd.DataFrame | None, skus, dates: pd.DatetimeIndex, market: str | None
) -> tuple[list[str], np.ndarray]:
    """Per-SKU daily regressors: one 0/1 column per campaign type, plus ``holiday`` with a market.

    Returns the column names and a float32 cube (n_sku, n_days, n_columns), built from
    forecast.features so that every family sees campaigns the same way (dense matrices rather than the
    long frame: slicing a row per SKU is cheap, a MultiIndex lookup per SKU is not).
    """
    from forecast.features import campaign_matrices, holiday_features

    matrices = campaign_matrices(campaigns, skus, dates)
    columns = list(CAMPAIGN_TYPES)
    layers = [matrices.by_type[kind] for kind in CAMPAIGN_TYPES]
    if market:
        flags = holiday_features(dates, market, mega_sales=False)["holiday"].to_numpy(dtype=np.float32)
        columns.append("holiday")
        layers.append(np.broadcast_to(flags, matrices.any_campaign.shape))
    return columns, np.stack(layers, axis=2)


def informative(exog: pd.DataFrame | None) -> list[str]:
    """Regressor columns that vary in the training window (a constant one cannot be estimated)."""
    if exog is None:
        return []
    return [c for c in exog.columns if exog[c].nunique() > 1]


class PerSkuForecaster(Forecaster):
    """Base of the per-SKU families; subclasses set ``fit_one``, ``simulate_one`` and ``uses_regressors``.

    With ``uses_regressors`` each SKU's ``Series.exog`` carries the campaign-type columns, plus a
    ``holiday`` flag when ``holiday_regressor`` is set and the model has a ``market``.
    """

    name: ClassVar[str] = "per_sku"
    uses_regressors: ClassVar[bool] = False
    holiday_regressor: ClassVar[bool] = False
    fit_one: ClassVar[Callable[..., Any]]
    simulate_one: ClassVar[Callable[[str, SimulationTask], np.ndarray]]

    def __init__(self, executor: Executor = "processes", scheduler: str | None = None, n_workers: int | None = None):
        self.executor = executor
        self.scheduler = scheduler
        self.n_workers = n_workers

    def _fit_params(self) -> dict:
        """Model parameters handed to ``fit_one`` (everything but the run settings)."""
        run = {"executor", "scheduler", "n_workers"}
        return {k: v for k, v in self.get_params().items() if k not in run}

    def _regressors(self, campaigns, skus, dates: pd.DatetimeIndex) -> Callable[[int, slice], pd.DataFrame | None]:
        """(SKU position, day slice) -> that SKU's regressor frame over those days (None without regressors)."""
        if not self.uses_regressors:
            return lambda i, days: None
        market = getattr(self, "market", None) if self.holiday_regressor else None
        columns, cube = regressors(campaigns, skus, dates, market)
        return lambda i, days: pd.DataFrame(cube[i, days], index=dates[days], columns=columns)

    def _map(self, func, groups) -> list:
        return map_skus(func, groups, executor=self.executor, scheduler=self.scheduler, n_workers=self.n_workers)

    def fit(self, history: pd.DataFrame, campaigns: pd.DataFrame | None = None,
            products: pd.DataFrame | None = None) -> Self:
        skus, start, matrix = wide_history(history)
        days = pd.date_range(end=start - pd.Timedelta(days=1), periods=matrix.shape[1], freq="D")
        if getattr(self, "market", None):
            from forecast.features import holiday_features

            holiday_features(days[-1:], self.market)  # an unknown market fails here, not once per SKU
        exog = self._regressors(campaigns, skus, days)
        self.series_ = []
        for i, (sku, row) in enumerate(zip(skus, matrix)):
            first = int(np.argmax(~np.isnan(row))) if (~np.isnan(row)).any() else len(row) - 1
            units = pd.Series(row[first:], index=days[first:], name=sku)
            self.series_.append((sku, Series(units, exog(i, slice(first, None)))))
        self.skus_, self.start_, self.campaigns_ = skus, start, campaigns
        self.states_ = self._map(partial(type(self).fit_one, **self._fit_params()), self.series_)
        self.fallbacks_ = {sku: s.reason for (sku, _), s in zip(self.series_, self.states_) if isinstance(s, Fallback)}
        return self

    def sample_paths(self, horizon: int, n_paths: int = 200, seed: int = 0) -> SamplePaths:
        dates = pd.date_range(self.start_, periods=horizon, freq="D")
        future = self._regressors(self.campaigns_, self.skus_, dates)
        tasks = [
            (sku, SimulationTask(series, state, future(i, slice(None)), horizon, n_paths, seed))
            for i, ((sku, series), state) in enumerate(zip(self.series_, self.states_))
        ]
        results = self._map(_simulate, [(sku, (type(self).simulate_one, task)) for sku, task in tasks])
        for sku, (_, reason) in zip(self.skus_, results):
            if reason:
                self.fallbacks_[sku] = reason
        values = np.stack([paths for paths, _ in results]) if results else np.zeros((0, n_paths, horizon))
        return SamplePaths(skus=self.skus_, start=self.start_, values=np.clip(values, 0, None).astype(np.float32))


def _simulate(sku: str, job: tuple[Callable[[str, SimulationTask], np.ndarray], SimulationTask]):
    """(paths, None), or (flat fallback paths, why) when the model's own simulation is unusable."""
    simulate_one, task = job
    if isinstance(task.state, Fallback):
        return simulate_fallback(sku, task), None
    paths = np.asarray(simulate_one(sku, task), dtype=float)
    if np.isfinite(paths).all():
        return paths, None
    # a model that blows up (explosive fit, NaN) must not poison the plan: fall back to the flat rate
    observed = task.series.units.dropna()
    fallback = Fallback(float(observed.mean()) if len(observed) else 0.0, "non-finite simulation")
    task = SimulationTask(task.series, fallback, None, task.horizon, task.n_paths, task.seed)
    return simulate_fallback(sku, task), fallback.reason
