"""A planner's first look at the order history in the store."""

from __future__ import annotations

import pandas as pd

from planner.shop import Shop
from planner.store import Store


def history_summary(shop: Shop, top: int = 10) -> str:
    """Period, lines, SKUs, units, returns and the top sellers of the last 90 days, as text."""
    if not shop.store_path.exists():
        return "The store is empty: import order files first (restock import --shop DIR FILE...)."
    with Store(shop.store_path, read_only=True) as store:
        s = store.summary()
        demand = store.daily_demand()
    if not s["lines"]:
        return "The store is empty: import order files first (restock import --shop DIR FILE...)."
    currency = shop.config.shop.currency
    days = (pd.Timestamp(s["last_day"]) - pd.Timestamp(s["first_day"])).days + 1
    lines = [
        f"Shop: {shop.config.shop.name} ({shop.config.shop.market}, {currency}, {shop.config.shop.timezone})",
        f"History: {s['first_day']} to {s['last_day']} ({days} days)",
        f"Order lines: {s['lines']:,} in {s['orders']:,} orders; {s['cancelled_lines']:,} cancelled (not demand)",
        f"SKUs sold: {s['skus']:,}",
        f"Units demanded: {s['units']:,.0f}; returned: {s['returned_units']:,.0f}",
        f"Revenue: {s['revenue']:,.0f} {currency}",
    ]
    last_day = pd.Timestamp(s["last_day"])
    recent = demand[demand["date"] > last_day - pd.Timedelta(days=90)]
    ranking = recent.groupby("sku")[["units", "revenue"]].sum().sort_values("units", ascending=False).head(top)
    if len(ranking):
        lines.append(f"Top {len(ranking)} SKUs by units, last 90 days:")
        width = max(len(str(sku)) for sku in ranking.index)
        for sku, row in ranking.iterrows():
            lines.append(f"  {sku:<{width}}  {row['units']:>8,.0f} units  {row['revenue']:>12,.0f} {currency}")
    last_sale = demand[demand["units"] > 0].groupby("sku")["date"].max()
    idle = int((last_sale < last_day - pd.Timedelta(days=shop.config.planning.no_sale_days)).sum())
    lines.append(f"SKUs with no sale in the last {shop.config.planning.no_sale_days} days: {idle}")
    return "\n".join(lines)
