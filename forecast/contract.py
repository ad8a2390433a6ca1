"""The long-format frames the forecast package takes and returns.

Everything inside `forecast` may assume these shapes; the planner checks its inputs at the boundary
(planner.io) and hands over clean, typed frames.

history  : sku (str), date (datetime64[ns], a day), units (float >= 0), censored (bool)
           One row per SKU and day, days without sales included (units 0). ``censored`` marks days
           whose sales do not show demand (out of stock, sold out mid-livestream): models neither
           learn from them as zeros nor are they scored on them.
campaigns: one row per campaign and featured SKU (the planner expands "all" and "category:X"):
           campaign_id, type, start, end (datetime64, shop-local), sku, and where known
           expected_viewers, daily_budget, discount_pct (float, NaN when unknown).
products : sku, category (for pooling new SKUs and uplift across categories).
forecast : sku, date, mean, and one column per quantile: p50, p80, p90, p95, p99 (float >= 0).
"""

from __future__ import annotations

DEMAND_COLUMNS = ("sku", "date", "units")
HISTORY_COLUMNS = ("sku", "date", "units", "censored")
CAMPAIGN_TYPES = ("livestream_own", "livestream_creator", "ad", "flash_sale", "mega_sale", "other")
CAMPAIGN_COLUMNS = (
    "campaign_id", "type", "start", "end", "sku", "expected_viewers", "daily_budget", "discount_pct",
)
QUANTILES = (0.5, 0.8, 0.9, 0.95, 0.99)


def quantile_column(q: float) -> str:
    """Column name of quantile q in a forecast frame: 0.9 -> 'p90', 0.995 -> 'p99.5'."""
    pct = round(q * 100, 4)
    return f"p{int(pct)}" if pct == int(pct) else f"p{pct:g}"
