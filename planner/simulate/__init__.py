"""Replay a replenishment policy against history with lost sales, and the policies sellers actually use.

The replay (``simulate``) walks day by day over the demand that really happened:

1. the morning's receipts arrive;
2. on a review day the policy sees only what was *sold* up to yesterday (its own stockouts censor it)
   and returns a reorder level s and an order-up-to level S per SKU; when the inventory position is at
   or below s it orders S - position, rounded to MOQ and case pack (planner.policy); the order lands
   after the actual lead time (fixed, or drawn from the supplier's spread);
3. the day's demand is served from stock; what cannot be served is lost. A day that closes with no
   stock is a stockout day for the policies, as a shop's stock report shows it, whether or not demand
   came after the last unit went: marking only days with unmet demand would tell the planner that an
   empty shelf on a day nobody came saw zero demand, and a SKU out of stock for weeks would then be
   forecast from its quiet days.

Policies (each with its own knob for the sweep):

* ``PlannerPolicy``    the planner: forecast sample paths from a registered model, lead time + review
                       demand, fill-rate or cycle-service target (knob: the target);
* ``MinMaxPolicy``     min = velocity x lead time + fixed safety units, max = min + velocity x review
                       (knob: safety units, sellers use 20);
* ``CoverPolicy``      order up to velocity x days of cover (knob: days, sellers use 30);
* ``TextbookPolicy``   s = mu L + z sigma sqrt(L) from a 28-day moving average, S = s + mu R (knob: z).

The package: ``replay.py`` (Replay, Observed, simulate, the order book, Outcome, sweep), ``policies.py``
(the sellers' baselines and PlannerPolicy), ``shop.py`` (a shop's history as a Replay, and simulate_shop).
"""

from __future__ import annotations

from planner.simulate.policies import CoverPolicy, MinMaxPolicy, PlannerPolicy, TextbookPolicy, replay_products
from planner.simulate.replay import (
    Observed, Outcome, Planner, Policy, Replay, ReviewDecision, abc_classes, campaign_day_mask, daily_demand_matrix,
    interpolate_value_at_fill, simulate, sweep,
)
from planner.simulate.shop import (
    ESTABLISHED_SELLING_DAYS, ESTABLISHED_WINDOW_DAYS, MIN_HISTORY_DAYS, MIN_REPLAY_DAYS, SEGMENTS, SELLER_POLICIES,
    ShortHistory, shop_replay, simulate_shop,
)

__all__ = [
    "ESTABLISHED_SELLING_DAYS", "ESTABLISHED_WINDOW_DAYS", "MIN_HISTORY_DAYS", "MIN_REPLAY_DAYS", "SEGMENTS",
    "SELLER_POLICIES", "CoverPolicy", "MinMaxPolicy", "Observed", "Outcome", "Planner", "PlannerPolicy", "Policy",
    "Replay", "ReviewDecision", "ShortHistory", "TextbookPolicy", "abc_classes", "campaign_day_mask",
    "daily_demand_matrix", "interpolate_value_at_fill", "replay_products", "shop_replay", "simulate", "simulate_shop",
    "sweep",
]
