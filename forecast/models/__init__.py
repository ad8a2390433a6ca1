"""Model families. Importing this package registers each of them (see base.register)."""

from forecast.models.base import MODELS, Forecaster, SamplePaths, get_model, register

__all__ = ["MODELS", "Forecaster", "SamplePaths", "get_model", "register"]
