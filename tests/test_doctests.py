"""The examples in the docstrings of the inventory maths and the plan's stages run as written."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["planner.inventory.policy", "planner.inventory.levels", "planner.inventory.allocation",
           "planner.inventory.lost_sales", "planner.plan.terms", "planner.plan.reasons", "planner.plan.replenish",
           "planner.calibration.fit", "planner.calibration.censored", "planner.calibration.service"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), raise_on_error=False)
    assert result.failed == 0 and result.attempted > 0, result
