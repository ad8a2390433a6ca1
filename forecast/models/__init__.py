"""Model families. Importing this package registers each of them (see base.register)."""

from forecast.models.base import MODELS, Forecaster, SamplePaths, WhatIfForecaster, get_model, register
from forecast.models import campaign  # noqa: F401  (register the default engine)
from forecast.models import baselines, ets, intermittent, prophet_model, sarimax  # noqa: F401  (register)

__all__ = ["MODELS", "Forecaster", "SamplePaths", "WhatIfForecaster", "get_model", "register"]
