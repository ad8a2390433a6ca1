"""Exponential smoothing with weekly seasonality (statsmodels ETSModel), one fit per SKU.

Additive error and additive weekly season (demand has zeros, so multiplicative forms are out); an
additive damped trend is off by default (``trend=True`` turns it on). Censored days are interpolated
before fitting: ETSModel has no missing-value handling, and a zero there would teach it a stockout.

Short series (fewer than ``min_days`` observed days, default two seasons plus a week) fit without the
season, still shorter ones and all-zero ones fall back to a flat Poisson rate; both are recorded in
``fallbacks_`` / ``seasonless_``. Sample paths come from ``ETSResults.simulate`` (Gaussian errors at
the fitted variance), clipped at zero.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from forecast.executor import Executor
from forecast.models.base import register
from forecast.models.per_sku import Fallback, PerSkuForecaster, Series, SimulationTask, fallback_for, sku_rng

SEASON_DAYS = 7
#: below this many observed days the model drops its season, below FLAT_DAYS it falls back
MIN_SEASONAL_DAYS = 3 * SEASON_DAYS
FLAT_DAYS = 8


def _model(units: pd.Series, seasonal: bool, trend: bool):
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    filled = units.interpolate(limit_direction="both").fillna(0.0)
    return ETSModel(
        filled.reset_index(drop=True), error="add", trend="add" if trend else None, damped_trend=trend,
        seasonal="add" if seasonal else None, seasonal_periods=SEASON_DAYS if seasonal else None,
    )


def fit_ets(sku: str, series: Series, trend: bool = False, min_days: int = MIN_SEASONAL_DAYS):
    """Fitted parameters and the model form, or a Fallback."""
    fallback = fallback_for(series.units, FLAT_DAYS)
    if fallback is not None:
        return fallback
    seasonal = series.units.notna().sum() >= min_days
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence chatter on short or flat series
            result = _model(series.units, seasonal, trend).fit(disp=False)
    except (ValueError, np.linalg.LinAlgError) as error:
        return Fallback(float(series.units.mean()), f"ETS fit failed: {error}")
    return {"params": np.asarray(result.params), "seasonal": seasonal, "trend": trend}


def simulate_ets(sku: str, task: SimulationTask) -> np.ndarray:
    state = task.state
    model = _model(task.series.units, state["seasonal"], state["trend"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = model.smooth(state["params"])
    paths = result.simulate(task.horizon, anchor="end", repetitions=task.n_paths, rng=sku_rng(task.seed, sku))
    return np.asarray(paths, dtype=float).reshape(task.horizon, task.n_paths).T


@register
class ETS(PerSkuForecaster):
    name = "ets"
    fit_one = staticmethod(fit_ets)
    simulate_one = staticmethod(simulate_ets)

    def __init__(self, trend: bool = False, min_days: int = MIN_SEASONAL_DAYS, executor: Executor = "processes",
                 scheduler: str | None = None, n_workers: int | None = None):
        super().__init__(executor=executor, scheduler=scheduler, n_workers=n_workers)
        self.trend = trend
        self.min_days = min_days

    @property
    def seasonless_(self) -> list[str]:
        """SKUs fitted without the weekly season (too short a history)."""
        return [sku for (sku, _), s in zip(self.series_, self.states_) if isinstance(s, dict) and not s["seasonal"]]
