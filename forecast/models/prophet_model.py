"""Prophet per SKU, with campaign regressors and the market's public holidays.

One additive regressor per campaign type that features the SKU in its history (forecast.features; a type
it never had cannot be estimated and is left out), and with ``market="TH"`` (any ISO code the
``holidays`` package knows) Prophet's own per-holiday effects via ``add_country_holidays``. Censored days
are given to Prophet as missing ``y``, which it drops from the fit. Fitted on the MAP estimate (the
Prophet default); sample paths are Prophet's predictive samples (``uncertainty_samples`` = n_paths:
trend changes plus observation noise), clipped at zero.

Workers hand back the model as Prophet's own JSON serialisation, not a pickle of the Stan backend.
Prophet draws from numpy's global generator, so simulation seeds it per SKU and restores it after.
"""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pandas as pd

from forecast.executor import Executor
from forecast.models.base import register
from forecast.models.per_sku import (
    Fallback, PerSkuForecaster, Series, SimulationTask, fallback_for, informative, sku_rng,
)

#: fewer observed days than this fall back to a flat Poisson rate
MIN_DAYS = 14


def _quiet() -> None:
    """cmdstanpy logs every optimisation at INFO; prophet logs its seasonality choices.

    cmdstanpy sets its logger to DEBUG the first time it asks for it, so ask first, then lower it.
    Called in the worker, where the fit runs.
    """
    from cmdstanpy.utils import get_logger

    get_logger().setLevel(logging.WARNING)
    logging.getLogger("prophet").setLevel(logging.WARNING)
    # an ERROR at import that plotly (interactive plots, unused here) is missing
    logging.getLogger("prophet.plot").setLevel(logging.CRITICAL)


def fit_prophet(sku: str, series: Series, market: str | None = None, min_days: int = MIN_DAYS):
    """Prophet's JSON of the fitted model and its regressor columns, or a Fallback."""
    fallback = fallback_for(series.units, min_days)
    if fallback is not None:
        return fallback
    _quiet()
    from prophet import Prophet
    from prophet.serialize import model_to_json

    columns = informative(series.exog)
    frame = pd.DataFrame({"ds": series.units.index, "y": series.units.to_numpy()})
    for column in columns:
        frame[column] = series.exog[column].to_numpy(dtype=float)
    model = Prophet(daily_seasonality=False, uncertainty_samples=0)
    if market:
        model.add_country_holidays(country_name=market.upper())
    for column in columns:
        model.add_regressor(column)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(frame)
    except (RuntimeError, ValueError) as error:
        return Fallback(float(series.units.mean()), f"Prophet fit failed: {error}")
    return {"json": model_to_json(model), "columns": columns}


def simulate_prophet(sku: str, task: SimulationTask) -> np.ndarray:
    _quiet()
    from prophet.serialize import model_from_json

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # prophet's own pandas deprecations
        model = model_from_json(task.state["json"])
    model.uncertainty_samples = task.n_paths
    future = pd.DataFrame({"ds": pd.date_range(task.series.units.index[-1] + pd.Timedelta(days=1),
                                               periods=task.horizon, freq="D")})
    for column in task.state["columns"]:
        future[column] = task.future_exog[column].to_numpy(dtype=float)
    saved = np.random.get_state()
    np.random.seed(int(sku_rng(task.seed, sku).integers(2**32)))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            samples = model.predictive_samples(future)["yhat"]  # (horizon, n_paths)
    finally:
        np.random.set_state(saved)
    return np.asarray(samples, dtype=float).T


@register
class ProphetModel(PerSkuForecaster):
    name = "prophet"
    uses_regressors = True
    fit_one = staticmethod(fit_prophet)
    simulate_one = staticmethod(simulate_prophet)

    def __init__(self, market: str | None = None, min_days: int = MIN_DAYS, executor: Executor = "processes",
                 scheduler: str | None = None, n_workers: int | None = None):
        super().__init__(executor=executor, scheduler=scheduler, n_workers=n_workers)
        self.market = market
        self.min_days = min_days
