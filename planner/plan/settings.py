"""The plan's knobs (shop.toml and the CLI map to these)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

from planner.config import ShopConfig
from planner.plan.demand import BLOCK_SKUS

DEFAULT_CLASS_LEVELS = {"A": 0.98, "B": 0.95, "C": 0.90}


@dataclass(frozen=True)
class PlanSettings:
    """Planning knobs (shop.toml and the CLI map to these).

    service_level        target when a SKU's class has none in ``class_service_levels``
    service_measure      'cycle' (P(no stockout per cycle)) or 'fill_rate' (share of demand served, type 2)
    class_service_levels target per ABC class (A: top 80 % of forecast revenue, B: next 15 %, C: rest)
    review_period_days   days between planning runs (R)
    horizon_days         projection and alert horizon
    fbt_receiving_days   days FBT takes to receive an inbound shipment
    receiving_buffer_days extra days stock must be in place before a campaign starts
    default_lead_time_days when neither the product nor its supplier gives one
    budget_cap           money for this cycle's purchases (None: no cap)
    fbt_inbound_capacity units FBT accepts inbound this cycle (None: no cap)
    fbt_monthly_quota    FBT's monthly inbound quota in units: one figure for every month, or per month
                         {'2026-12': 4000, ...} (None: none); planner.plan.inbound
    fbt_quota_used       units of inbound requests already made per month ('YYYY-MM'), from the FBT exports
    max_cover_days       an order never lifts cover above this many days of mean demand (MOQ excepted)
    overstock_days       cover beyond this is an overstock alert
    no_sale_days         no sale for this many days (needs history) is a clearance alert
    use_eoq              raise orders to the EOQ (ordering cost from product/supplier)
    holding_cost_rate    yearly holding cost as a share of unit cost (for the EOQ)
    slow_mover_units     mean demand over lead time + review below this -> discrete formulas
    fill_rate_scope      'class': a fill-rate target holds over all units of the class's SKUs, at the least
                         stock value (planner.allocation: cheap units protected more); 'sku': every SKU
                         meets it on its own
    min_sku_service      with scope 'class', no SKU is planned below this cycle service, unless the class's
                         promise is lower than what every SKU at it serves (a low promise on steady SKUs):
                         then every floor gives way by one common factor until the promise is kept
    campaign_service     with scope 'class', a SKU featured in a campaign on a day its order covers (lead
                         time at its 90th percentile + review: campaign_reach_days) is planned at least at
                         this cycle service (None: as any other);
                         the rest of its class carries less of the target, so the class's promise is kept;
                         where the floors alone would serve the class more than its promise, they give way
                         toward min_sku_service by one common share, then below it as above
                         (planner.inventory.allocation)
    seed                 seed of the lead-time draws
    block_skus           SKUs whose sample paths are read at once (bounds memory; the plan does not depend on it)
    """

    service_level: float = 0.95
    service_measure: Literal["cycle", "fill_rate"] = "fill_rate"
    class_service_levels: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_CLASS_LEVELS))
    review_period_days: int = 7
    horizon_days: int = 90
    fbt_receiving_days: int = 5
    receiving_buffer_days: int = 2
    default_lead_time_days: float = 14.0
    budget_cap: float | None = None
    fbt_inbound_capacity: float | None = None
    fbt_monthly_quota: float | dict | None = None
    fbt_quota_used: dict = field(default_factory=dict)
    max_cover_days: float | None = 120.0
    overstock_days: float = 120.0
    no_sale_days: int = 60
    use_eoq: bool = False
    holding_cost_rate: float = 0.25
    slow_mover_units: float = 20.0
    fill_rate_scope: Literal["class", "sku"] = "class"
    min_sku_service: float = 0.4
    campaign_service: float | None = 0.95
    seed: int = 0
    block_skus: int = BLOCK_SKUS

    def __post_init__(self):
        if self.service_measure not in ("cycle", "fill_rate"):
            raise ValueError(f"service_measure must be 'cycle' or 'fill_rate'; got {self.service_measure!r}")
        if self.fill_rate_scope not in ("class", "sku"):
            raise ValueError(f"fill_rate_scope must be 'class' or 'sku'; got {self.fill_rate_scope!r}")
        if not 0 < self.min_sku_service < 1:
            raise ValueError(f"min_sku_service must be strictly between 0 and 1; got {self.min_sku_service}")
        if self.campaign_service is not None and not 0 < self.campaign_service < 1:
            raise ValueError(f"campaign_service must be strictly between 0 and 1; got {self.campaign_service}")
        for name, level in {"service_level": self.service_level, **self.class_service_levels}.items():
            if not 0 < level < 1:
                raise ValueError(f"service level {name} must be strictly between 0 and 1; got {level}")


def plan_settings(config: ShopConfig, inputs=None, **overrides) -> PlanSettings:
    """The shop's PlanSettings (shop.toml's [planning] and [lead_time]), with ``overrides``; FBT's
    receiving days measured from the inbound history of ``inputs`` (planner.io.inputs.Inputs) when
    it has one."""
    planning, lead = config.planning, config.lead_time
    measured = getattr(inputs, "fbt_receiving_days", None)
    if measured is not None and "fbt_receiving_days" not in overrides:
        overrides = {**overrides, "fbt_receiving_days": measured}
    used = getattr(getattr(inputs, "fbt", None), "quota_used", None)
    if used and "fbt_quota_used" not in overrides:
        overrides = {**overrides, "fbt_quota_used": dict(used)}
    settings = PlanSettings(
        service_level=planning.service_level, service_measure=planning.service_measure,
        class_service_levels=dict(planning.class_service_levels), review_period_days=planning.review_period_days,
        horizon_days=planning.horizon_days, fbt_receiving_days=lead.fbt_receiving_days,
        receiving_buffer_days=lead.receiving_buffer_days, default_lead_time_days=lead.default_days,
        budget_cap=planning.budget_cap, fbt_inbound_capacity=planning.fbt_inbound_capacity,
        fbt_monthly_quota=planning.fbt_monthly_inbound_quota,
        max_cover_days=planning.max_cover_days, overstock_days=planning.overstock_days,
        no_sale_days=planning.no_sale_days, fill_rate_scope=planning.fill_rate_scope,
        min_sku_service=planning.min_sku_service, campaign_service=planning.campaign_service or None,
    )
    return replace(settings, **overrides) if overrides else settings
