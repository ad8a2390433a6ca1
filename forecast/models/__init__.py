"""Model families. Importing this package registers each of them (see base.register)."""

from forecast.models.base import MODELS, Forecaster, SamplePaths, WhatIfForecaster, register
from forecast.models import campaign  # noqa: F401  (register the default engine)
from forecast.models import baselines, ets, intermittent, learner, prophet_model, sarimax  # noqa: F401  (register)


def get_model(name: str, **params) -> Forecaster:
    """A new, unfitted model by registry name; an unknown name lists the known ones. (Here, not in
    base.py: importing this package has registered every family, without base importing its users.)"""
    try:
        cls = MODELS[name]
    except KeyError:
        raise ValueError(f"unknown model {name!r}; known models: {', '.join(sorted(MODELS))}") from None
    return cls(**params)


__all__ = ["MODELS", "Forecaster", "SamplePaths", "WhatIfForecaster", "get_model", "register"]
