"""One small forecaster interface and a registry of the model families.

A forecaster is fitted on the long history of *many* SKUs at once (the statsforecast contract) and
returns, for a horizon starting the day after the last history date:

* ``sample_paths`` -- joint draws of daily demand per SKU (n_sku x n_paths x horizon), so the planner
  can read the distribution of demand summed over any lead-time window, campaigns included;
* ``predict`` -- the long forecast frame (sku, date, mean, p50 ... p99), by default read off the paths.

``__init__`` only stores parameters; fitted state ends in ``_``. Heavy back ends import lazily.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Self

import numpy as np
import pandas as pd

from forecast.contract import QUANTILES, quantile_column


@dataclass(frozen=True)
class SamplePaths:
    """Simulated future daily demand: ``values[i, k, t]`` = units of ``skus[i]`` on path k, day t."""

    skus: np.ndarray
    start: pd.Timestamp
    values: np.ndarray  # float32, shape (n_sku, n_paths, horizon), >= 0

    @property
    def horizon(self) -> int:
        return self.values.shape[2]

    @property
    def dates(self) -> pd.DatetimeIndex:
        return pd.date_range(self.start, periods=self.horizon, freq="D")

    def window_totals(self, first_day: np.ndarray | int, days: np.ndarray | int) -> np.ndarray:
        """Demand summed over days [first_day, first_day + days) per SKU and path -> (n_sku, n_paths).

        ``first_day`` and ``days`` may differ per SKU (arrays of length n_sku); windows running past
        the horizon are cut at the horizon.
        """
        n_sku, _, horizon = self.values.shape
        first = np.broadcast_to(np.asarray(first_day, dtype=int), (n_sku,)).clip(0, horizon)
        last = (first + np.broadcast_to(np.asarray(days, dtype=int), (n_sku,))).clip(0, horizon)
        cumulative = np.concatenate(
            [np.zeros(self.values.shape[:2] + (1,), dtype=np.float64), np.cumsum(self.values, axis=2, dtype=np.float64)],
            axis=2,
        )
        rows = np.arange(n_sku)
        return cumulative[rows, :, last] - cumulative[rows, :, first]

    def to_frame(self, quantiles: tuple[float, ...] = QUANTILES) -> pd.DataFrame:
        """Long forecast frame: sku, date, mean, p50 ... (quantiles of each day's demand)."""
        n_sku, _, horizon = self.values.shape
        frame = pd.DataFrame({
            "sku": np.repeat(self.skus, horizon),
            "date": np.tile(self.dates.values, n_sku),
            "mean": self.values.mean(axis=1).reshape(-1).astype(float),
        })
        qs = np.quantile(self.values, quantiles, axis=1)  # (n_q, n_sku, horizon)
        for q, values in zip(quantiles, qs):
            frame[quantile_column(q)] = values.reshape(-1).astype(float)
        return frame


class Forecaster:
    """Base class of every model. Subclasses set ``name`` and implement ``fit`` and ``sample_paths``."""

    name: ClassVar[str] = "base"
    #: True when ``predict`` computes the distribution's quantiles exactly instead of reading them off
    #: sample paths (then it does not depend on ``n_paths`` or ``seed``)
    exact_quantiles: ClassVar[bool] = False

    def fit(
        self,
        history: pd.DataFrame,
        campaigns: pd.DataFrame | None = None,
        products: pd.DataFrame | None = None,
    ) -> Self:
        """Learn from ``history`` (see forecast.contract). ``campaigns`` is the whole calendar, past and
        planned: past rows are evidence, rows after the history are used when predicting."""
        raise NotImplementedError

    def sample_paths(self, horizon: int, n_paths: int = 200, seed: int = 0) -> SamplePaths:
        raise NotImplementedError

    def predict(
        self, horizon: int, quantiles: tuple[float, ...] = QUANTILES, n_paths: int = 200, seed: int = 0
    ) -> pd.DataFrame:
        """Long forecast frame for the ``horizon`` days after the history, with a ``model`` column."""
        frame = self.sample_paths(horizon, n_paths=n_paths, seed=seed).to_frame(quantiles)
        frame.insert(2, "model", self.name)
        return frame

    def get_params(self) -> dict:
        return {k: v for k, v in vars(self).items() if not k.endswith("_")}

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"


MODELS: dict[str, type[Forecaster]] = {}


def register(cls: type[Forecaster]) -> type[Forecaster]:
    """Class decorator: make a model available by its ``name``."""
    if cls.name in MODELS and MODELS[cls.name] is not cls:
        raise ValueError(f"model name {cls.name!r} registered twice")
    MODELS[cls.name] = cls
    return cls


def get_model(name: str, **params) -> Forecaster:
    """A new, unfitted model by registry name; an unknown name lists the known ones."""
    import forecast.models  # noqa: F401  (registers every family)

    try:
        cls = MODELS[name]
    except KeyError:
        raise ValueError(f"unknown model {name!r}; known models: {', '.join(sorted(MODELS))}") from None
    return cls(**params)
