"""The plan, in stages (planner.plan.make lists them). Public names:

make_plan, Plan, PlanSettings      the plan and its knobs
supply_terms, sample_lead_times,   stage 1's pieces the pipeline, the scenarios and the replay share
lead_time_quantile, campaign_order_by_date, campaign_reach_days, fixed_days
classify_abc, campaign_floors      stage 5's
explode_bundles, unit_words
"""

from planner.plan.campaigns import explode_bundles
from planner.plan.make import Plan, make_plan
from planner.plan.reasons import unit_words
from planner.plan.settings import DEFAULT_CLASS_LEVELS, PlanSettings
from planner.plan.targets import campaign_floors, classify_abc
from planner.plan.terms import (
    campaign_order_by_date, campaign_reach_days, fixed_days, lead_time_quantile, sample_lead_times, supply_terms,
)

__all__ = ["DEFAULT_CLASS_LEVELS", "Plan", "PlanSettings", "campaign_floors", "campaign_order_by_date",
           "campaign_reach_days", "classify_abc", "explode_bundles", "fixed_days", "lead_time_quantile",
           "make_plan", "sample_lead_times", "supply_terms", "unit_words"]
