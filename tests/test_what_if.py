"""The scenarios' what-if hooks are a declared protocol (forecast.models.base.WhatIfForecaster)."""

from __future__ import annotations

import inspect
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from forecast.models import MODELS, WhatIfForecaster, get_model
from forecast.models.base import SamplePaths
from planner.errors import ConfigError
from planner.scenarios import ForecastChanges, scenario_forecast

HOOKS = ("uplift_scale", "campaigns")


def test_the_campaign_engine_is_a_what_if_forecaster():
    assert isinstance(get_model("campaign"), WhatIfForecaster)


def test_a_model_without_hooks_is_not_one():
    assert not isinstance(get_model("seasonal_naive"), WhatIfForecaster)


@pytest.mark.parametrize("name", sorted(name for name, cls in MODELS.items() if issubclass(cls, WhatIfForecaster)))
def test_every_model_that_claims_the_hooks_takes_them(name):
    # a runtime protocol checks method names only: the signatures are held here
    for method in ("components", "chunked_paths"):
        parameters = inspect.signature(getattr(MODELS[name], method)).parameters
        assert all(hook in parameters for hook in HOOKS), (name, method)


def test_a_campaign_scenario_on_a_model_without_hooks_says_which_model_to_plan_with():
    model = get_model("seasonal_naive")
    paths = SamplePaths(skus=np.array(["A"], dtype=object), start=pd.Timestamp("2026-07-01"),
                        values=np.zeros((1, 4, 7), dtype=np.float32))
    result = SimpleNamespace(model=model, paths=paths, campaigns=None)
    with pytest.raises(ConfigError, match="seasonal_naive model cannot replay campaign changes"):
        scenario_forecast(result, inputs=None, changes=ForecastChanges(uplift_scale={"LIVE-1": 3.0}))
