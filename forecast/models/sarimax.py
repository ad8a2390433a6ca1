"""SARIMAX with campaign and holiday regressors (statsmodels), one fit per SKU.

Regression with SARIMA errors: daily units on one 0/1 regressor per campaign type that features the SKU
in its history (from forecast.features) and, given a ``market``, the market's public holidays. A
campaign type the SKU never had in its history cannot be estimated and is left out, so a planned campaign
of a new type gets no uplift from this model. Censored days enter as missing values, which the Kalman
filter skips.

Default order (1,0,1)x(0,1,1)_7: on two years of daily data it fits in ~1 s per SKU and converges where
(1,0,1)x(1,0,1)_7 often does not (and takes twice as long). Sample paths come from
``SARIMAXResults.simulate`` anchored at the end of the history, with the planned regressors; clipped at 0.
"""

from __future__ import annotations

import warnings

import numpy as np

from forecast.executor import Executor
from forecast.models.base import register
from forecast.models.per_sku import (
    Fallback, PerSkuForecaster, Series, SimulationTask, fallback_for, informative, sku_rng,
)

#: fewer observed days than this fall back to a flat Poisson rate
MIN_DAYS = 28


def _model(series: Series, columns: list[str], spec: dict):
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    exog = series.exog[columns].to_numpy(dtype=float) if columns else None
    return SARIMAX(series.units.to_numpy(dtype=float), exog=exog, **spec)


def fit_sarimax(sku: str, series: Series, order=(1, 0, 1), seasonal_order=(0, 1, 1, 7), trend=None,
                market=None, min_days: int = MIN_DAYS):
    """Fitted parameters and the regressors they belong to, or a Fallback."""
    fallback = fallback_for(series.units, min_days)
    if fallback is not None:
        return fallback
    columns = informative(series.exog)
    spec = {"order": tuple(order), "seasonal_order": tuple(seasonal_order), "trend": trend}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence and frequency chatter
            result = _model(series, columns, spec).fit(disp=False)
    except (ValueError, np.linalg.LinAlgError) as error:
        return Fallback(float(series.units.mean()), f"SARIMAX fit failed: {error}")
    return {"params": np.asarray(result.params), "columns": columns, "spec": spec}


def simulate_sarimax(sku: str, task: SimulationTask) -> np.ndarray:
    columns = task.state["columns"]
    model = _model(task.series, columns, task.state["spec"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = model.filter(task.state["params"])
        future = task.future_exog[columns].to_numpy(dtype=float) if columns else None
        paths = result.simulate(task.horizon, anchor="end", repetitions=task.n_paths, exog=future,
                                rng=sku_rng(task.seed, sku))
    return np.asarray(paths, dtype=float).reshape(task.horizon, task.n_paths).T


@register
class SARIMAX(PerSkuForecaster):
    name = "sarimax"
    uses_regressors = True
    holiday_regressor = True
    fit_one = staticmethod(fit_sarimax)
    simulate_one = staticmethod(simulate_sarimax)

    def __init__(self, order: tuple[int, int, int] = (1, 0, 1), seasonal_order: tuple[int, int, int, int] = (0, 1, 1, 7),
                 trend: str | None = None, market: str | None = None, min_days: int = MIN_DAYS,
                 executor: Executor = "processes", scheduler: str | None = None, n_workers: int | None = None):
        super().__init__(executor=executor, scheduler=scheduler, n_workers=n_workers)
        self.order = order
        self.seasonal_order = seasonal_order
        self.trend = trend
        self.market = market
        self.min_days = min_days
