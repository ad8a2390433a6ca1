"""What-if scenarios: a small YAML file changes the plan's inputs, never the code.

A scenario is planned against the SAME forecast base as the shop's plan:

* supply changes (supplier delay, service level, budget cap, unit cost) reuse the forecast's sample
  paths as they are: nothing is refitted or redrawn;
* campaign changes (scale an uplift, add, cancel or move a campaign) redraw the paths from the already
  fitted model through its ``uplift_scale`` / ``campaigns`` hooks, with the same seed, so days and SKUs
  the change does not touch keep their draws wherever the calendar's shape allows;
* a category demand shock scales the paths.

Entry points: ``load_scenario(path)``, ``apply_scenario(scenario, inputs, settings)``,
``scenario_forecast(result, inputs, changes)``, ``evaluate_plan(plan, paths, inputs, settings, today)``
and ``compare_scenarios(shop, inputs, forecast_result, scenarios)``.

The package: ``parse.py`` (Change, Scenario, the file format and its checks), ``apply.py`` (a scenario's
inputs, settings and forecast), ``evaluate.py`` (evaluate_plan: a plan's lost-sales replay over its
paths), ``compare.py`` (plan_metrics, run_scenario, compare_scenarios, campaign timing notes).
"""

from __future__ import annotations

from planner.scenarios.apply import ForecastChanges, apply_scenario, scenario_forecast, shock_paths
from planner.scenarios.compare import (
    COMPARISON_METRICS, campaign_order_by, campaign_timing_notes, campaigns_at_risk, compare_scenarios, plan_metrics,
    run_scenario,
)
from planner.scenarios.evaluate import REPLAY_SKUS, evaluate_plan
from planner.scenarios.parse import CHANGE_KINDS, SCENARIO_KEYS, Change, Scenario, load_scenario, parse_scenario

__all__ = [
    "CHANGE_KINDS", "COMPARISON_METRICS", "REPLAY_SKUS", "SCENARIO_KEYS", "Change", "ForecastChanges", "Scenario",
    "apply_scenario", "campaign_order_by", "campaign_timing_notes", "campaigns_at_risk", "compare_scenarios",
    "evaluate_plan", "load_scenario", "parse_scenario", "plan_metrics", "run_scenario", "scenario_forecast",
    "shock_paths",
]
